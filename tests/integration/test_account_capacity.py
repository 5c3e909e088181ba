"""Preflight stops a deploy the account has no room for, before any write, with one message naming the figures and
the fix: the emulator's Elastic IP limit (EC2 DescribeAccountAttributes vpc-max-elastic-ips: 5, AWS's default)
nearly reached by addresses allocated outside the stack."""

import pytest

from tests.conftest import aws_client, emulator_inventory, run_playbook
from tests.integration.test_preflight_playbook import error_messages

pytestmark = pytest.mark.integration


def test_elastic_ip_quota_reached_stops_preflight_and_writes_nothing(emulator):
    ec2 = aws_client(emulator, "ec2", "us-east-1")
    limit = int(
        ec2.describe_account_attributes(AttributeNames=["vpc-max-elastic-ips"])["AccountAttributes"][0][
            "AttributeValues"
        ][0]["AttributeValue"]
    )
    used = len(ec2.describe_addresses()["Addresses"])
    allocated = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(limit - 1 - used)]
    try:
        before = emulator_inventory(emulator)
        result = run_playbook("site.yml", emulator, "-e", "suffix=full", timeout=300)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-4000:]
        assert emulator_inventory(emulator) == before
        errors = error_messages(output)
        expected = (
            "Elastic IP addresses in us-east-1: the account uses %d of %d and this deploy adds 2: release unused "
            "addresses or raise the quota L-0263D0A3 (EC2-VPC Elastic IPs)" % (limit - 1, limit)
        )
        assert [e for e in errors if expected in e], errors
        assert not [e for e in errors if "us-west-2" in e], errors  # room there
        assert "PLAY [Converge the stack in every region site]" not in output
    finally:
        for allocation in allocated:
            ec2.release_address(AllocationId=allocation)
