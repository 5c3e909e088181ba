"""The modules name the deployer policy statement of a denied action (module_utils/deployer_policy.py): that map
must say what docs/deployer-policy.json says."""

import json
from pathlib import Path

from ansible_collections.tap.infra.plugins.module_utils.deployer_policy import STATEMENTS

POLICY = Path(__file__).resolve().parents[2] / "docs" / "deployer-policy.json"
PREFIXES = ("ec2", "kms", "dynamodb", "elasticloadbalancing", "lambda", "cloudwatch", "s3", "tag")


def test_the_map_is_the_policy_for_the_services_the_modules_call():
    document = json.loads(POLICY.read_text())
    expected = {}
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        actions = [action for action in actions if action.split(":")[0] in PREFIXES]
        if actions:
            expected[statement["Sid"]] = actions
    assert {sid: actions.split() for sid, actions in STATEMENTS.items()} == expected
