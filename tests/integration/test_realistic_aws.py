"""Deploy, re-run, teardown and an immediate redeploy of one suffix, 2 regions, against the emulator in realistic
mode (tools/emulator/realism.py): AWS's eventual-consistency answers, names held after deletion, account limits.
And a deployer without one permission: the deploy stops naming the action.

AWS's windows are scaled (SPEC) and the roles' retry delays with them, so the runs meet the refusals without
waiting out AWS's minutes; a new role's window is longer than the deploy takes from the role to the function, so
the function's creation meets it however busy the machine. tests/stack shows the end states.
"""

import re
import time

import pytest

from tests.conftest import free_port, play_recap, run_playbook, run_stack_tests
from tools.emulator.launcher import Emulator
from tools.emulator.proxy import FaultProxy, load_calls

pytestmark = pytest.mark.integration

SUFFIX = "realaws"
SITES = {"us-east-1", "us-west-2"}
# windows: point-in-time recovery 6 s, invoke permission 2 s, a deleted ALB's interfaces 24 s, secret name 6 s,
# bucket name 12 s, a new role 30 s; limits AWS's (5 VPCs, 5 Elastic IPs per region)
SPEC = {"preset": "aws*0.2", "role_propagation": 30}
# the function's 12 attempts span 36 s, more than the role's window
SCALED_RETRIES = ["-e", "lambda_alb_retry_delay=3", "-e", "rds_secret_retry_delay=1"]
WITHHELD = "elasticloadbalancing:RegisterTargets"


@pytest.fixture(scope="module")
def realistic_emulator(tmp_path_factory):
    instance = Emulator(port=free_port(), state_dir=tmp_path_factory.mktemp("realistic-emulator"), realistic=SPEC)
    instance.start()
    yield instance
    instance.stop()


def failures(output):
    """Each failed task of a run's output: its TASK line and the lines of its failure."""
    blocks = re.findall(r"^(TASK \[.*?)(?=^TASK \[|^PLAY RECAP)", output, re.M | re.S)
    return "\n".join(block for block in blocks if "fatal: [" in block)


def run(emulator, playbook, suffix=SUFFIX):
    result = run_playbook(playbook, emulator, "-e", "suffix=%s" % suffix, *SCALED_RETRIES, timeout=1500)
    output = (failures(result.stdout) or result.stdout[-8000:]) + result.stderr[-2000:]
    assert result.returncode == 0, "%s failed in realistic mode:\n%s" % (playbook, output)
    recap = play_recap(result.stdout)
    assert set(recap) == SITES and all(host["failed"] == 0 for host in recap.values()), output
    return recap


def assert_stack(emulator, marker):
    result = run_stack_tests(emulator, SUFFIX, marker)
    assert result.returncode == 0, "tests/stack -m %s failed:\n%s" % (marker, result.stdout[-6000:])


def windows_met(emulator, since):
    return {entry["window"] for entry in emulator.realism_record() if entry["time"] >= since}


def test_deploy_noop_teardown_and_immediate_redeploy_in_realistic_mode(realistic_emulator):
    started = time.time()
    run(realistic_emulator, "site.yml")
    # the first deploy met AWS's refusals (not a vacuous run): a role Lambda cannot assume yet, backups being
    # enabled for the new table
    assert {"role_propagation", "pitr_after_create_table"} <= windows_met(realistic_emulator, started)
    assert_stack(realistic_emulator, "present")

    recap = run(realistic_emulator, "site.yml")
    assert {host: counts["changed"] for host, counts in recap.items()} == {site: 0 for site in SITES}

    run(realistic_emulator, "teardown.yml")
    redeployed = time.time()
    run(realistic_emulator, "site.yml")
    assert "role_propagation" in windows_met(realistic_emulator, redeployed)
    assert_stack(realistic_emulator, "present")
    run(realistic_emulator, "teardown.yml")
    assert_stack(realistic_emulator, "absent")


def test_a_withheld_permission_stops_the_deploy_naming_the_action(realistic_emulator, tmp_path, record_property):
    record = tmp_path / "calls.jsonl"
    with FaultProxy(realistic_emulator.url, deny=[WITHHELD], record=str(record)) as proxy:
        through_proxy = Emulator(port=proxy.port, state_dir=tmp_path)
        result = run_playbook("site.yml", through_proxy, "-e", "suffix=realdeny", *SCALED_RETRIES, timeout=1500)
        ended = time.time()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert any(counts["failed"] for counts in play_recap(result.stdout).values())
    assert WITHHELD in output, output[-6000:]
    denied = [call["t"] for call in load_calls(record) if call["fault"] == "deny"]
    assert denied, "the deploy never called %s" % WITHHELD
    # How long the deploy went on after AWS first refused the action (reported, not asserted: AWS's
    # answer is final, so it should be seconds).
    record_property("seconds_from_first_denial_to_failure", round(ended - min(denied), 1))
    record_property("denied_calls", len(denied))
    print("withheld %s: %d denied calls, failed %.1f s after the first" % (WITHHELD, len(denied), ended - min(denied)))
