"""The Repository and Author tags come from explicit inputs (tap_repository, tap_author), never from the operator's
environment: another operator's run (other REPOSITORY / COMMIT_AUTHOR values) changes nothing, so neither a second
deploy nor the scheduled drift check (tap_fail_on_drift) sees drift."""

import json

import pytest

from tests.conftest import aws_client, play_recap, run_playbook

pytestmark = pytest.mark.integration

SUFFIX = "tagin"
INPUTS = ["-e", "suffix=" + SUFFIX, "-e", json.dumps({"tap_concerns": ["vpc"], "tap_repository": "git.example/tap"})]


def vpc_tags(emulator, region):
    vpcs = aws_client(emulator, "ec2", region).describe_vpcs(
        Filters=[{"Name": "tag:Environment", "Values": [SUFFIX]}, {"Name": "tag:Project", "Values": ["tap-infra"]}]
    )["Vpcs"]
    assert len(vpcs) == 1, vpcs
    return {tag["Key"]: tag["Value"] for tag in vpcs[0]["Tags"]}


def test_another_operators_environment_causes_no_drift(emulator):
    first = run_playbook("site.yml", emulator, *INPUTS, env={"REPOSITORY": "fork-a", "COMMIT_AUTHOR": "alice"})
    assert first.returncode == 0, first.stdout[-4000:]
    try:
        second = run_playbook(
            "site.yml",
            emulator,
            *INPUTS,
            "-e",
            "tap_fail_on_drift=true",
            env={"REPOSITORY": "fork-b", "COMMIT_AUTHOR": "bob"},
        )
        assert second.returncode == 0, second.stdout[-4000:]
        recap = play_recap(second.stdout)
        assert set(recap) == {"us-east-1", "us-west-2"} and all(c["changed"] == 0 for c in recap.values()), recap
        for region in ("us-east-1", "us-west-2"):
            tags = vpc_tags(emulator, region)
            assert (tags["Repository"], tags["Author"]) == ("git.example/tap", "unknown"), tags
    finally:
        down = run_playbook("teardown.yml", emulator, *INPUTS)
        assert down.returncode == 0, down.stdout[-4000:]
