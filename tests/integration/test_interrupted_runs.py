"""Interrupted runs converge: a deploy or teardown killed anywhere, then run again, ends in the full stack
(or nothing) without a duplicate resource.

One emulator, one chain: each deploy is killed (SIGKILL to the whole ansible-playbook process group) at a
later point than the previous one and starts from the state the previous one left, as a user's rerun
does; a complete run and a no-op run follow. The teardown is interrupted the same way. Each kill point
is a `TASK [...]` line of the run's output, optionally followed by a condition on the emulator's state
(e.g. the DB instance exists), so the kill lands while the task's AWS calls are in flight.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Optional

import pytest

from tests.conftest import (
    REPO_ROOT,
    VENV_BIN,
    aws_client,
    emulator_inventory,
    play_recap,
    run_playbook,
    run_stack_tests,
)

pytestmark = pytest.mark.integration

SUFFIX = "irun"
REGIONS = ("us-east-1", "us-west-2")
PRIMARY = "us-east-1"
TAGGED = [{"Name": "tag:Project", "Values": ["tap-infra"]}, {"Name": "tag:Environment", "Values": [SUFFIX]}]


@dataclass
class KillPoint:
    task: str  # "role : task name" as ansible prints it between TASK [ and ]
    why: str
    delay: float = 0.0  # seconds to let the task's calls go out, after the line (and the condition)
    reached: Optional[Callable] = None  # condition on the emulator's state, polled after the line
    seen: dict = field(default_factory=dict)


def _poll(condition, emulator, what, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition(emulator):
            return
        time.sleep(0.02)
    raise AssertionError("kill point condition never met: %s" % what)


def _process_tree(root):
    """The process and all its descendants (Linux /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def kill_run(process):
    """SIGKILL the run's process group and every descendant: ansible's workers start sessions of their own
    (setsid), so the group alone would leave them finishing their task. Stopped first, so none forks away."""
    stopped = set()
    while True:
        new = set(_process_tree(process.pid)) - stopped
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        stopped |= new
    os.killpg(process.pid, signal.SIGKILL)
    for pid in stopped:
        _signal(pid, signal.SIGKILL)


def run_and_kill(playbook, emulator, point, log):
    """Run the playbook and SIGKILL its process group at the kill point; fails if the point is never reached."""
    env = dict(os.environ, TAP_EMULATOR_PORT=str(emulator.port), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [str(VENV_BIN / "ansible-playbook"), playbook, "-e", "suffix=%s" % SUFFIX],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    marker = "TASK [%s]" % point.task
    lines, reached = [], False
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith(marker):
                reached = True
                if point.reached:
                    _poll(point.reached, emulator, point.why)
                time.sleep(point.delay)
                if process.poll() is None:
                    kill_run(process)
                break
    finally:
        if process.poll() is None:
            kill_run(process)
        process.wait(timeout=60)
        process.stdout.close()
    output = "".join(lines)
    log.append(output)
    assert reached, "kill point never reached: %s (%s); the run ended with:\n%s" % (marker, point.why, output[-3000:])
    assert process.returncode == -signal.SIGKILL, "the run ended (exit %s) before the kill at %s (%s):\n%s" % (
        process.returncode,
        marker,
        point.why,
        output[-3000:],
    )


# --- conditions on the emulator's state ---------------------------------------------------------------


def _nat_gateway_exists(emulator):
    gateways = aws_client(emulator, "ec2", PRIMARY).describe_nat_gateways(
        Filters=TAGGED + [{"Name": "state", "Values": ["pending", "available"]}]
    )["NatGateways"]
    return len(gateways) > 0


def _customer_keys(emulator, region):
    kms = aws_client(emulator, "kms", region)
    keys = []
    for key in kms.list_keys()["Keys"]:
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
        if tags.get("Environment") == SUFFIX and tags.get("Project") == "tap-infra":
            metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            keys.append(dict(metadata, Name=tags.get("Name")))
    return keys


def _aliases(emulator, region):
    return {
        a["AliasName"]: a.get("TargetKeyId")
        for a in aws_client(emulator, "kms", region).list_aliases()["Aliases"]
        if a["AliasName"].startswith("alias/tap-%s-" % SUFFIX)
    }


def _bucket_key_exists(emulator):
    return any(key["Name"] == "tap-%s-%s-s3" % (SUFFIX, PRIMARY) for key in _customer_keys(emulator, PRIMARY))


def _db_instance_exists(emulator):
    instances = aws_client(emulator, "rds", PRIMARY).describe_db_instances()["DBInstances"]
    return any(i["DBInstanceIdentifier"] == "tap-%s-%s-db" % (SUFFIX, PRIMARY) for i in instances)


def _replica_exists(emulator):
    return "tap-%s-table" % SUFFIX in aws_client(emulator, "dynamodb", "us-west-2").list_tables()["TableNames"]


def _load_balancer_exists(emulator):
    balancers = aws_client(emulator, "elbv2", PRIMARY).describe_load_balancers()["LoadBalancers"]
    return any(b["LoadBalancerName"] == "tap-%s-%s-alb" % (SUFFIX, PRIMARY) for b in balancers)


def _throttling_alarm_exists(emulator):
    name = "tap-%s-%s-dynamodb-throttles" % (SUFFIX, PRIMARY)
    return bool(aws_client(emulator, "cloudwatch", PRIMARY).describe_alarms(AlarmNames=[name])["MetricAlarms"])


def _bucket_key_alias_gone(emulator):
    return "alias/tap-%s-%s-s3" % (SUFFIX, PRIMARY) not in _aliases(emulator, PRIMARY)


# In the order of a run (tap_concerns: vpc, rds, dynamodb_global, kms_s3, lambda_alb, cloudwatch).
DEPLOY_KILL_POINTS = [
    KillPoint("vpc : Converge the subnets (each tier in each AZ)", "some subnets created", delay=2.0),
    KillPoint("vpc : Converge a NAT gateway per AZ", "a NAT gateway requested", reached=_nat_gateway_exists),
    KillPoint(
        "rds : Lift deletion protection before deleting the DB instance",
        "the DB secret stored, the DB instance not yet requested",
    ),
    KillPoint(
        "rds : Converge the Multi-AZ PostgreSQL instance", "the DB instance requested", reached=_db_instance_exists
    ),
    KillPoint(
        "dynamodb_global : Converge the global table from the primary site",
        "the replica requested",
        reached=_replica_exists,
    ),
    KillPoint(
        "Converge the bucket's KMS key (rotated yearly, root administers, S3 uses it for this account)",
        "the bucket key created (its alias possibly not yet)",
        reached=_bucket_key_exists,
    ),
    KillPoint(
        "lambda_alb : Internet-facing load balancer with an HTTP listener forwarding to this site's target group",
        "the load balancer created, listener and rules not (all) yet",
        reached=_load_balancer_exists,
    ),
    KillPoint(
        "cloudwatch : Converge the DynamoDB throttling alarm (PutItem + GetItem)",
        "among the alarms: the throttling alarm put, the 5XX and RDS alarms, the dashboard and the outputs not yet",
        reached=_throttling_alarm_exists,
    ),
]

TEARDOWN_KILL_POINTS = [
    KillPoint("lambda_alb : Remove the function", "load balancer and target group gone, the function not", delay=0.5),
    # Teardown reaches kms_s3 before dynamodb_global and rds: the first scheduling task is the bucket key's,
    # and it starts once the alias deletion task is done, so the kill lands before the key is scheduled (no
    # condition polled: the task's module reads the region's keys before it schedules anything).
    KillPoint(
        "kms_key : Schedule the deletion of every tagged key (also one whose alias is already gone)",
        "the bucket key's alias deleted, the key not yet scheduled for deletion",
    ),
]

# What the stack adds per region (the primary also holds the dashboard), and globally.
EXPECTED_PER_REGION = {
    "vpcs": 1,
    "subnets": 6,
    "internet_gateways": 1,
    "nat_gateways": 2,
    "eips": 2,
    "route_tables": 5,  # public, private x2, isolated + the VPC's main table
    "security_groups": 4,  # the VPC's default, DB clients, DB, load balancer
    "dynamodb_tables": 1,
    "lambda_functions": 1,
    "load_balancers": 1,
    "target_groups": 1,
    "db_instances": 1,
    "db_subnet_groups": 1,
    "secrets": 1,
    "sns_topics": 1,
    "alarms": 4,
    "log_groups": 1,
}
EXPECTED_GLOBAL = {
    "global/s3_buckets": 2,
    "global/iam_roles": 2,
    "%s/dashboards" % PRIMARY: 1,
    "us-west-2/dashboards": 0,
}

# EC2 kinds found by the tags Project + Environment, counted per Name tag.
EC2_TAGGED = [
    ("vpcs", "describe_vpcs", "Vpcs"),
    ("subnets", "describe_subnets", "Subnets"),
    ("internet_gateways", "describe_internet_gateways", "InternetGateways"),
    ("nat_gateways", "describe_nat_gateways", "NatGateways"),
    ("eips", "describe_addresses", "Addresses"),
    ("route_tables", "describe_route_tables", "RouteTables"),
    ("security_groups", "describe_security_groups", "SecurityGroups"),
]


def _tagged_ec2(emulator, region):
    """{kind: Counter(Name tag)} of the EC2 resources tagged with the project and the suffix (live ones)."""
    ec2 = aws_client(emulator, "ec2", region)
    found = {}
    for kind, operation, key in EC2_TAGGED:
        items = getattr(ec2, operation)(Filters=TAGGED)[key]
        if kind == "nat_gateways":
            items = [i for i in items if i["State"] not in ("deleted", "deleting", "failed")]
        found[kind] = Counter({t["Key"]: t["Value"] for t in i.get("Tags", [])}.get("Name") for i in items)
    return found


def _added(before, after):
    return {kind: sorted(set(after[kind]) - set(before[kind])) for kind in after}


def _run_stack_tests(emulator, marker, run_log):
    result = run_stack_tests(emulator, SUFFIX, marker, run_log)
    assert result.returncode == 0, "tests/stack -m %s failed:\n%s" % (marker, result.stdout[-6000:])


def _neighbour_nat_gateway(emulator, region):
    """A NAT gateway of another suffix of the project, so the checks by tag must tell suffixes apart."""
    ec2 = aws_client(emulator, "ec2", region)
    tags = [{"Key": "Project", "Value": "tap-infra"}, {"Key": "Environment", "Value": SUFFIX + "x"}]
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.99.0.0/24")["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_nat_gateway(
        SubnetId=subnet, AllocationId=eip, TagSpecifications=[{"ResourceType": "natgateway", "Tags": tags}]
    )


def test_interrupted_deploys_and_teardowns_converge_without_duplicates(emulator, tmp_path):
    started = time.monotonic()
    _neighbour_nat_gateway(emulator, PRIMARY)
    baseline = emulator_inventory(emulator)
    log = []

    # Deploy: killed at each point in turn, each rerun starting from what the previous run left.
    for point in DEPLOY_KILL_POINTS:
        run_and_kill("site.yml", emulator, point, log)
        if point.reached is _bucket_key_exists:
            # Seen, not asserted (the kill races CreateAlias): was the key left without its alias?
            aliases = _aliases(emulator, PRIMARY)
            keys = [k["KeyId"] for k in _customer_keys(emulator, PRIMARY)]
            print("after the KMS kill: keys %s, aliases %s" % (keys, aliases))

    final = run_playbook("site.yml", emulator, "-e", "suffix=%s" % SUFFIX)
    log.append(final.stdout)
    assert final.returncode == 0, final.stdout[-5000:] + final.stderr[-2000:]

    noop = run_playbook("site.yml", emulator, "-e", "suffix=%s" % SUFFIX)
    log.append(noop.stdout)
    assert noop.returncode == 0, noop.stdout[-5000:] + noop.stderr[-2000:]
    recap = play_recap(noop.stdout)
    assert set(recap) == set(REGIONS)
    assert all(counts["changed"] == 0 for counts in recap.values()), recap

    run_log = tmp_path / "runs.log"
    run_log.write_text("".join(log))
    _run_stack_tests(emulator, "present", run_log)

    # Exactly the expected number of each kind: nothing created twice by a rerun.
    added = _added(baseline, emulator_inventory(emulator))
    counts = {
        "%s/%s" % (region, kind): len(added["%s/%s" % (region, kind)])
        for region in REGIONS
        for kind in EXPECTED_PER_REGION
    }
    counts.update({kind: len(added[kind]) for kind in EXPECTED_GLOBAL})
    expected = {"%s/%s" % (region, kind): n for region in REGIONS for kind, n in EXPECTED_PER_REGION.items()}
    expected.update(EXPECTED_GLOBAL)
    assert counts == expected
    for region in REGIONS:
        tagged = _tagged_ec2(emulator, region)
        duplicated = {kind: {n: c for n, c in names.items() if c != 1} for kind, names in tagged.items()}
        assert not any(duplicated.values()), "%s: duplicated by Name tag: %s" % (region, duplicated)
        assert sum(tagged["route_tables"].values()) == 4 and sum(tagged["security_groups"].values()) == 3
        # One enabled key per alias, every enabled key of the stack behind exactly one alias.
        live = [k for k in _customer_keys(emulator, region) if k["KeyState"] != "PendingDeletion"]
        aliases = _aliases(emulator, region)
        assert sorted(k["KeyId"] for k in live) == sorted(aliases.values()), (region, live, aliases)
        assert Counter(k["Name"] for k in live) == Counter(a[len("alias/") :] for a in aliases)

    # Teardown: killed twice, then complete.
    run_and_kill("teardown.yml", emulator, TEARDOWN_KILL_POINTS[0], log)
    run_and_kill("teardown.yml", emulator, TEARDOWN_KILL_POINTS[1], log)
    orphan = [k for k in _customer_keys(emulator, PRIMARY) if k["Name"] == "tap-%s-%s-s3" % (SUFFIX, PRIMARY)]
    assert [k["KeyState"] for k in orphan] == ["Enabled"], "the kill did not leave the bucket key without its alias"
    assert _bucket_key_alias_gone(emulator), "the kill did not leave the bucket key without its alias"

    teardown = run_playbook("teardown.yml", emulator, "-e", "suffix=%s" % SUFFIX)
    assert teardown.returncode == 0, teardown.stdout[-5000:] + teardown.stderr[-2000:]
    _run_stack_tests(emulator, "absent", run_log)

    # Nothing of the suffix left: KMS keys only pending deletion, NAT gateways deleted.
    left = {kind: ids for kind, ids in _added(baseline, emulator_inventory(emulator)).items() if ids}
    keys_left = {k: left.pop(k) for k in list(left) if k.endswith("/kms_keys")}
    assert left == {}, left
    for region in REGIONS:
        tagged = {kind: names for kind, names in _tagged_ec2(emulator, region).items() if names}
        assert tagged == {}, "%s: still tagged with the suffix: %s" % (region, tagged)
        states = {k["KeyId"]: k["KeyState"] for k in _customer_keys(emulator, region)}
        assert set(states.values()) == {"PendingDeletion"}, states
        # Any other new key is a service's default key (alias/aws/...), which AWS manages.
        service_keys = {
            a.get("TargetKeyId")
            for a in aws_client(emulator, "kms", region).list_aliases()["Aliases"]
            if a["AliasName"].startswith("alias/aws/")
        }
        others = set(keys_left.get("%s/kms_keys" % region, [])) - set(states)
        assert others <= service_keys, (region, others)
        assert _aliases(emulator, region) == {}
    print("interrupted-run chain: %.0f s" % (time.monotonic() - started))
