"""Fidelity patches: each module restores one AWS behaviour that moto gets wrong.

Each patch module has a docstring naming the AWS behaviour and the moto gap, and an `apply()`
that is idempotent. tests/unit/test_emulator_patch*.py and test_emulator_realism.py show each
behaviour against the patched emulator. Patches of realistic mode (tools/emulator/realism.py) do
nothing unless it is on.
"""

import importlib

from tools.emulator import realism

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
    "slow_states",  # it wraps dynamodb_replicas
    "ec2_vpc_dependencies",
    "rds_orderable_options",
    # realistic mode (tools/emulator/realism.py): off unless TAP_EMULATOR_REALISM is set
    "dynamodb_pitr_after_create",
    "lambda_role_propagation",
    "kms_new_principals",
    "elbv2_lambda_invoke_permission",
    "ec2_load_balancer_interfaces",
    "secretsmanager_name_being_deleted",
    "s3_bucket_name_after_delete",
    "cloudwatch_dashboard_validation",
    "ec2_account_limits",
]


def apply_all():
    for name in PATCH_MODULES:
        importlib.import_module("tools.emulator.patches." + name).apply()
    realism.configure_from_environment()
