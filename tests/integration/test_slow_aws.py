"""A 2-region deploy and teardown against the emulator in slow-AWS mode (tools/emulator/slow.py).

Resources take time to settle as on AWS (scaled down) and AWS's dependency errors apply, so a missing
wait fails the run. The emulator's record shows that the runs met the transitional states and that
each settled while the run waited; tests/stack shows the end states.
"""

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT, free_port, play_recap, run_playbook, run_stack_tests
from tools.emulator import slow
from tools.emulator.launcher import Emulator

pytestmark = pytest.mark.integration

SUFFIX = "slowaws"
# AWS's durations scaled 3/100: DB 27 s create / 18 s delete, replica 12.6 s / 9 s, NAT 3.6 s / 1.8 s, ALB 5.4 s
SPEC = "aws*0.03"


@pytest.fixture(scope="module")
def slow_emulator(tmp_path_factory):
    instance = Emulator(port=free_port(), state_dir=tmp_path_factory.mktemp("slow-emulator"), slow=SPEC)
    instance.start()
    yield instance
    instance.stop()


def assert_stack(emulator, marker):
    result = run_stack_tests(emulator, SUFFIX, marker)
    assert result.returncode == 0, "tests/stack -m %s failed:\n%s" % (marker, result.stdout[-6000:])


def timed_run(emulator, playbook):
    started = time.time()
    result = run_playbook(playbook, emulator, "-e", "suffix=%s" % SUFFIX, timeout=1200)
    ended = time.time()
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    recap = play_recap(result.stdout)
    assert set(recap) == {"us-east-1", "us-west-2"} and all(h["failed"] == 0 for h in recap.values())
    return started, ended


def states(record, started, ended, kind, event):
    """{resource id: [states, in order, without repeats]} of the record's entries within [started, ended]."""
    found = {}
    for entry in record:
        if entry["kind"] == kind and entry["event"] == event and started <= entry["time"] <= ended:
            seen = found.setdefault(entry["id"], [])
            if not seen or seen[-1] != entry["state"]:
                seen.append(entry["state"])
    return found


def test_deploy_and_teardown_wait_for_aws_to_settle(slow_emulator):
    durations = slow.durations(SPEC)
    assert durations["rds_create"] > 20 and durations["replica_create"] > 10  # not vacuously fast
    names = {region: "tap-%s-%s-db" % (SUFFIX, region) for region in ("us-east-1", "us-west-2")}
    table = "tap-%s-table" % SUFFIX

    started, ended = timed_run(slow_emulator, "site.yml")
    deployed = slow_emulator.slow_record()
    # each DB instance was described as `creating` by the run, and became available before the run ended
    assert states(deployed, started, ended, "rds", "observed") == {db: ["creating"] for db in names.values()}
    assert states(deployed, started, ended, "rds", "transition") == {
        db: ["creating", "available"] for db in names.values()
    }
    assert states(deployed, started, ended, "replica", "observed") == {"us-west-2/" + table: ["CREATING"]}
    assert states(deployed, started, ended, "replica", "transition") == {"us-west-2/" + table: ["CREATING", "ACTIVE"]}
    nats = states(deployed, started, ended, "nat", "transition")
    assert len(nats) == 4 and all(seen == ["pending", "available"] for seen in nats.values())
    albs = states(deployed, started, ended, "alb", "transition")
    assert len(albs) == 2 and all(seen == ["provisioning", "active"] for seen in albs.values())
    assert_stack(slow_emulator, "present")

    started, ended = timed_run(slow_emulator, "teardown.yml")
    torn_down = slow_emulator.slow_record()
    # the run polled each deletion while AWS was still deleting, and only went on once it was gone
    assert states(torn_down, started, ended, "rds", "observed") == {db: ["deleting"] for db in names.values()}
    assert states(torn_down, started, ended, "rds", "transition") == {db: ["deleting", "gone"] for db in names.values()}
    assert states(torn_down, started, ended, "replica", "observed") == {"us-west-2/" + table: ["DELETING"]}
    # the NAT gateways' deletion starts with the run (as the DB's does), before the concerns are removed
    # one by one, so it is over by the time the vpc role awaits it; releasing their addresses and deleting
    # their subnets before would fail (slow mode's dependency errors)
    nats = states(torn_down, started, ended, "nat", "transition")
    assert len(nats) == 4 and all(seen == ["deleting", "deleted"] for seen in nats.values())
    nat_deletions = [
        e["time"] for e in torn_down if e["kind"] == "nat" and e["state"] == "deleting" and e["time"] >= started
    ]
    replica_deletion = min(e["time"] for e in torn_down if e["kind"] == "replica" and e["time"] >= started)
    assert max(nat_deletions) < replica_deletion
    assert_stack(slow_emulator, "absent")
