"""Fidelity patches: each module restores one AWS behaviour that moto gets wrong.

Each patch module has a docstring naming the AWS behaviour and the moto gap, and an `apply()`
that is idempotent. tests/unit/test_emulator_patches.py shows each behaviour against the patched
emulator.
"""

import importlib

PATCH_MODULES = [
    "ec2_tag_resource_types",
    "ec2_nat_gateway_tag_filters",
    "ec2_default_security_group_rules",
    "kms_key_arn",
    "s3_policy_conditions",
    "dynamodb_table_id",
    "dynamodb_replicas",
    "dynamodb_global_replication",
    "elbv2_data_plane",
    "slow_states",  # last: it wraps dynamodb_replicas
]


def apply_all():
    for name in PATCH_MODULES:
        importlib.import_module("tools.emulator.patches." + name).apply()
