"""Fidelity patches for localstack-core, applied in its process before it starts (tools/localstack/server.py).

Each restores one documented AWS behaviour that LocalStack 2026.3.0 gets wrong and that the stack hits.
LocalStack's EC2 is moto's (moto-ext 5.1.54): the project's moto patches for the same gaps apply unchanged
(MOTO_PATCH_MODULES, from tools/emulator/patches); the others are LocalStack's own (PATCH_MODULES, here).
docs/EMULATORS.md lists them with the AWS reference; tests/unit/test_localstack_patches.py shows each one
against a running localstack-core. A container LocalStack (Docker) runs unpatched.
"""

import importlib

MOTO_PATCH_MODULES = [
    "ec2_tag_resource_types",
    "ec2_nat_gateway_tag_filters",
    "ec2_default_security_group_rules",
]
PATCH_MODULES = [
    "ec2_vpc_dependencies",
    "cloudwatch_missing_dashboard",
    "tagging_kms_keys",
]


def apply_all():
    for name in MOTO_PATCH_MODULES:
        importlib.import_module("tools.emulator.patches." + name).apply()
    for name in PATCH_MODULES:
        importlib.import_module("tools.localstack.patches." + name).apply()
