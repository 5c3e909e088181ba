"""When one site fails, every other site stops after that task: the run's one error is the failed site's own,
and no other site goes on to write (nor fails later with a symptom, such as lambda_alb's --limit message).

The fault proxy (tools/emulator/proxy.py) drops every UpdateContinuousBackups call of us-east-1 (point-in-time
recovery of the table, right after CreateTable): us-east-1 fails in dynamodb_global; us-west-2 must not reach
kms_s3.
"""

import json
import re

import pytest

from tests.conftest import aws_client, run_playbook
from tests.integration.test_preflight_playbook import error_messages, write_inventory
from tools.emulator.proxy import FaultProxy

pytestmark = pytest.mark.integration

SUFFIX = "sitefail"
FAILING_CALL = ("dynamodb", "us-east-1", "UpdateContinuousBackups")


class OneCallFails(FaultProxy):
    """Forwards every call but one (service, region, action), whose connection it drops each time."""

    def __init__(self, upstream_url, call):
        super().__init__(upstream_url)
        self.call = call

    def _decide(self, call=()):
        fault, choice, request_id = super()._decide(call)
        return ("drop" if call == self.call else fault), choice, request_id


def test_other_sites_stop_naming_the_failed_site_and_its_error(emulator, tmp_path):
    with OneCallFails(emulator.url, FAILING_CALL) as proxy:
        inventory = write_inventory(tmp_path, tap_aws_endpoint_url=proxy.url)
        result = run_playbook(
            "site.yml",
            emulator,
            "-e",
            "suffix=" + SUFFIX,
            "-e",
            json.dumps({"tap_concerns": ["dynamodb_global", "kms_s3"], "tap_aws_max_attempts": 2}),
            inventory=inventory,
            timeout=600,
        )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    errors = error_messages(output)
    assert len(errors) == 1 and "Connection was closed" in errors[0], errors
    failed = re.findall(r"^fatal: \[(\S+)\]: FAILED!", output, re.M)
    assert failed == ["us-east-1"], failed
    assert "TASK [kms_s3" not in output and "do not --limit the play" not in output
    # Neither site went on to kms_s3: no bucket of the suffix anywhere.
    buckets = [b["Name"] for b in aws_client(emulator, "s3").list_buckets()["Buckets"]]
    assert [name for name in buckets if "-%s-" % SUFFIX in name] == []
