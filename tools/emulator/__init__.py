"""The embedded AWS emulator: moto server plus small patches that make it behave like AWS."""
