"""LocalStack as a second emulator: its launcher, the concerns it serves, and fidelity patches for localstack-core."""
