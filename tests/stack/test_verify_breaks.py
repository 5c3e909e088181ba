"""playbooks/verify.yml names what is broken: the stack is broken behind the project's back, one break at a time,
and verify must fail with checks naming the site and the resource (and no other check failing); each break is
then undone. At the end verify passes again and a site.yml run right after it changes nothing (verify left no
trace, and every undo was complete).

    TAP_SUFFIX=x pytest tests/stack/test_verify_breaks.py -m breaks    (after site.yml, on the emulator)

Runs inside molecule's verify step, on the scenario's deployed stack (no deploy of its own), and only there: its
own marker keeps it out of the other tests' `-m present` assertions (a stack of another ansible-core, or in
slow-AWS mode, where deleting a replica takes minutes as on AWS).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.concerns("vpc", "rds", "dynamodb_global", "kms_s3", "lambda_alb", "cloudwatch")

REPO_ROOT = Path(__file__).resolve().parents[2]
ELB_PRINCIPAL = "elasticloadbalancing.amazonaws.com"


def run(stack, playbook, *extra):
    # The project's default strategy (accelerated, as in the molecule scenario that runs this test).
    env = dict(os.environ, TAP_EMULATOR_PORT=str(urlsplit(stack.endpoint_url).port), ANSIBLE_NOCOLOR="1")
    command = [str(Path(sys.executable).parent / "ansible-playbook"), playbook, "-e", "suffix=" + stack.suffix, *extra]
    # Explicitly: under molecule the environment names molecule's own inventory.
    command += ["-i", os.environ.get("TAP_INVENTORY", str(REPO_ROOT / "inventories" / "local" / "hosts.yml"))]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def verify(stack):
    """(return code, [failed checks]) of a verify.yml run."""
    # The emulator replicates within 0.2 s: a 3 s bound keeps a missing replica from costing 30 s per read.
    result = run(stack, "playbooks/verify.yml", "-e", "tap_verify_replication_seconds=3")
    report = REPO_ROOT / "outputs" / ("%s.verify.json" % stack.suffix)
    checks = json.loads(report.read_text())["checks"]
    assert " checks: " in result.stdout, result.stdout[-3000:]
    return result.returncode, [c for c in checks if not c["ok"]], result.stdout


def assert_names(failed, expected, allowed):
    """Every (site, pattern) of expected matches a failed check; every failed check matches one of allowed."""
    text = ["%s: %s (expected %s, seen %s)" % (c["site"], c["check"], c["expected"], c["seen"]) for c in failed]
    for site, pattern in expected:
        assert any(c["site"] == site and re.search(pattern, c["check"]) for c in failed), (site, pattern, text)
    for check in failed:
        assert any(check["site"] == site and re.search(pattern, check["check"]) for site, pattern in allowed), text


@pytest.mark.breaks
def test_verify_names_each_break(stack):
    primary, secondary = stack.sites[0], stack.sites[1]
    p_host, s_host = primary["host"], secondary["host"]
    p_names, s_names = stack.names(p_host), stack.names(s_host)
    lam = stack.client("lambda", primary["aws_region"])
    table = p_names["table"]

    # 1. A replica deleted: the item written through each load balancer is not read back in that region; the
    #    site there cannot write. Undone by site.yml (the replica's settings and tags come back with it).
    stack.client("dynamodb", primary["aws_region"]).update_table(
        TableName=table, ReplicaUpdates=[{"Delete": {"RegionName": secondary["aws_region"]}}]
    )
    rc, failed, out = verify(stack)
    assert rc != 0
    assert_names(
        failed,
        expected=[(p_host, r"item of the POST in table %s in %s" % (table, secondary["aws_region"])),
                  (s_host, r"DynamoDB put, table %s in %s" % (table, secondary["aws_region"]))],
        allowed=[(p_host, r"in %s|clean-up" % secondary["aws_region"]), (s_host, ".")],
    )
    redeploy = run(stack, "site.yml")
    assert redeploy.returncode == 0, redeploy.stdout[-3000:]

    # 2. The invoke permission removed: the load balancer may not run the function (502).
    policy = json.loads(lam.get_policy(FunctionName=p_names["function"])["Policy"])
    statement = next(s for s in policy["Statement"] if s["Principal"].get("Service") == ELB_PRINCIPAL)
    lam.remove_permission(FunctionName=p_names["function"], StatementId=statement["Sid"])
    try:
        rc, failed, out = verify(stack)
    finally:
        lam.add_permission(
            FunctionName=p_names["function"], StatementId=statement["Sid"], Action="lambda:InvokeFunction",
            Principal=ELB_PRINCIPAL, SourceArn=statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        )
    assert rc != 0 and "LambdaAccessDenied" in out
    assert_names(
        failed,
        expected=[(p_host, r"^default action$"), (p_host, r"^POST writes"),
                  (s_host, r"primary.*redirect, followed")],
        allowed=[(p_host, r"default action|^route .*primary|POST|object of the POST|item of the POST|clean-up"),
                 (s_host, r"redirect, followed")],
    )

    # 3. A rule's host condition changed: the secondary site no longer redirects the primary's route.
    elbv2 = stack.client("elbv2", secondary["aws_region"])
    alb = elbv2.describe_load_balancers(Names=[s_names["alb"]])["LoadBalancers"][0]
    listener = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"][0]
    rule = next(r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if r["Priority"] == "10")
    host = next(c for c in rule["Conditions"] if c["Field"] == "host-header")
    original = (host.get("HostHeaderConfig") or {}).get("Values") or host["Values"]

    def set_host(values):
        """The rule's conditions as described, the host values replaced (restored in the very same shape)."""
        conditions = []
        for condition in rule["Conditions"]:
            condition = json.loads(json.dumps(condition))
            if condition["Field"] == "host-header":
                for holder in (condition, condition.get("HostHeaderConfig")):
                    if holder and "Values" in holder:
                        holder["Values"] = values
            conditions.append(condition)
        elbv2.modify_rule(RuleArn=rule["RuleArn"], Conditions=conditions)

    set_host(["changed.example.com"])
    try:
        rc, failed, out = verify(stack)
    finally:
        set_host(original)
    assert rc != 0
    assert_names(failed, expected=[(s_host, r"route %s.* redirects" % re.escape(original[0]))],
                 allowed=[(s_host, r"route %s.* redirect" % re.escape(original[0]))])

    # 4. The function's TABLE_NAME pointed at a missing table: the POST fails (502), GETs still answer.
    config = lam.get_function_configuration(FunctionName=p_names["function"])
    variables = config["Environment"]["Variables"]
    lam.update_function_configuration(
        FunctionName=p_names["function"], Environment={"Variables": dict(variables, TABLE_NAME="tap-missing-table")}
    )
    try:
        rc, failed, out = verify(stack)
    finally:
        lam.update_function_configuration(FunctionName=p_names["function"], Environment={"Variables": variables})
    assert rc != 0 and "LambdaUnhandled" in out
    assert_names(failed, expected=[(p_host, r"^POST writes")],
                 allowed=[(p_host, r"POST|clean-up")])

    # 5. The DB secret's host changed: the secret no longer matches the instance (its other values still do).
    secrets = stack.client("secretsmanager", secondary["aws_region"])
    stored = secrets.get_secret_value(SecretId=s_names["db_secret"])["SecretString"]
    secrets.put_secret_value(
        SecretId=s_names["db_secret"], SecretString=json.dumps(dict(json.loads(stored), host="moved.example.com"))
    )
    try:
        rc, failed, out = verify(stack)
    finally:
        secrets.put_secret_value(SecretId=s_names["db_secret"], SecretString=stored)
    assert rc != 0
    assert_names(failed, expected=[(s_host, r"^DB secret ")], allowed=[(s_host, r"^DB secret ")])
    assert [c["seen"] for c in failed] == ["host=False, port=True, user=True, password=True"]

    # Every break undone: verify passes, and a site.yml run right after it changes nothing.
    rc, failed, out = verify(stack)
    assert rc == 0 and failed == [], out[-3000:]
    noop = run(stack, "site.yml")
    assert noop.returncode == 0, noop.stdout[-3000:]
    changed = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", noop.stdout, re.M)
    assert changed and all(count == "0" for _, count in changed), changed
