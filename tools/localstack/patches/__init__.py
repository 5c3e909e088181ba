"""Fidelity patches for localstack-core, applied in its process before it starts (tools/localstack/server.py).

Each patch restores one documented AWS behaviour that LocalStack 2026.3.0 gets wrong and that the stack
hits; docs/EMULATORS.md lists them with the AWS reference, tests/unit/test_localstack.py shows each one
against a running localstack-core. A container LocalStack (Docker) runs unpatched.
"""

import importlib

PATCH_MODULES = [
    "ec2_tag_resource_types",
    "ec2_vpc_dependencies",
    "cloudwatch_missing_dashboard",
]


def apply_all():
    for name in PATCH_MODULES:
        importlib.import_module("tools.localstack.patches." + name).apply()
