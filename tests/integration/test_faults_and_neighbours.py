"""Under API faults the stack converges to the same end state as a fault-free run, and neither deploy
nor teardown touches anything that is not its own; every API call it makes is allowed by the deployer
policy (docs/deployer-policy.json), which grants nothing the stack does not use. Every API call of
playbooks/verify.yml (run once on the calm stack, fault-free, at the end) is allowed by the verifier policy
(docs/verifier-policy.json), which likewise grants nothing verify does not use.

One emulator and one deployment for the module: suffix `calm` deployed fault-free, look-alike
resources created by hand, then suffix `storm` deployed, re-run and torn down through the fault proxy
(tools/emulator/proxy.py: throttling, 5xx, dropped connections; seeded).
"""

import datetime
import json
import os
import re
import subprocess
import sys
import time

import boto3
import pytest

from ansible_collections.tap.infra.plugins.filter.naming import resource_names
from tests.conftest import (
    REPO_ROOT,
    VENV_BIN,
    emulator_inventory_detailed,
    free_port,
    play_recap,
    project_deprecations,
    run_playbook,
    run_stack_tests,
)
from tools.emulator.launcher import Emulator
from tools.emulator.proxy import FaultProxy, load_calls

pytestmark = pytest.mark.integration

SITES = {"us-east-1": "us-east-1", "us-west-2": "us-west-2"}  # inventories/local: host -> region
FAULTS = {"seed": 20261125, "throttle": 0.10, "server_error": 0.02, "drop": 0.01}
# The controller's botocore settings: the Secrets Manager lookup (roles/rds) runs in the controller,
# outside module_defaults' aws_config (group_vars/all/main.yml), and reads these.
CONTROLLER_RETRIES = {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "10"}
OTHER = "other"  # the Environment of the tagged look-alikes
POLICY_FILE = REPO_ROOT / "docs" / "deployer-policy.json"
VERIFIER_POLICY_FILE = REPO_ROOT / "docs" / "verifier-policy.json"


def client(emulator, service, region="us-east-1"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=emulator.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_look_alikes(emulator, account_id):
    """Resources a careless teardown could take for its own: same names, same project tag, our prefixes."""
    made = {}
    for host, region in SITES.items():
        ec2 = client(emulator, "ec2", region)
        storm = resource_names("storm", host, account_id)
        # untagged VPC with our VPC's exact name
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": storm["vpc"]}])
        # the project's tag, another environment: a VPC, a security group, a KMS key + alias, a table
        tags = [
            {"Key": "Name", "Value": storm["vpc"]},
            {"Key": "Project", "Value": "tap-infra"},
            {"Key": "Environment", "Value": OTHER},
        ]
        other_vpc = ec2.create_vpc(CidrBlock="10.21.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])
        other_vpc_id = other_vpc["Vpc"]["VpcId"]
        ec2.create_security_group(
            GroupName=storm["alb_security_group"],
            Description="look-alike",
            VpcId=other_vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}],
        )
        kms = client(emulator, "kms", region)
        other_key = kms.create_key(
            Description="tap-infra %s %s" % (OTHER, host),
            Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags[1:]]
            + [{"TagKey": "Name", "TagValue": "tap-%s-%s-s3" % (OTHER, host)}],
        )["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/tap-%s-%s-s3" % (OTHER, host), TargetKeyId=other_key)
        # a key with our prefix and no tags
        foreign_key = kms.create_key(Description="%s-foreign key" % storm["prefix"])["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/%s-foreign" % storm["prefix"], TargetKeyId=foreign_key)
        client(emulator, "dynamodb", region).create_table(
            TableName="tap-%s-%s-table" % (OTHER, host),
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=tags[1:],
        )
        made[host] = {"vpc": vpc, "other_vpc": other_vpc_id, "keys": [other_key, foreign_key]}
    s3 = client(emulator, "s3")
    tagged_bucket = "tap-%s-us-east-1-%s" % (OTHER, account_id)
    s3.create_bucket(Bucket=tagged_bucket)
    s3.put_bucket_tagging(
        Bucket=tagged_bucket,
        Tagging={"TagSet": [{"Key": "Project", "Value": "tap-infra"}, {"Key": "Environment", "Value": OTHER}]},
    )
    foreign_bucket = "%s-foreign" % resource_names("storm", "us-east-1", account_id)["prefix"]
    s3.create_bucket(Bucket=foreign_bucket)
    s3.put_object(Bucket=foreign_bucket, Key="keep-me.txt", Body=b"not the stack's")
    made["buckets"] = [tagged_bucket, foreign_bucket]
    return made


# --- what belongs to a suffix, and its end state with ids normalized --------------------------------------


def exact_names(suffix, account_id):
    """Every full resource name of the suffix (prefix-only entries left out: they also start others' names)."""
    names = set()
    for host in SITES:
        for kind, name in resource_names(suffix, host, account_id).items():
            if kind != "prefix" and not kind.endswith("_prefix"):
                names.add(name)
    return names


def _mentions(text, name):
    tail = r"(?:-[A-Za-z0-9]{6})?" if "/db-master" in name else ""  # a secret ARN's random suffix
    return re.search(r"(?<![A-Za-z0-9._-])%s%s(?![A-Za-z0-9._-])" % (re.escape(name), tail), text) is not None


def owned(item, suffix, names, vpc_ids):
    """Whether an inventory item is the suffix's: its Environment tag, or (untagged) its exact name or VPC."""
    tags = item["tags"]
    if tags:
        return tags.get("Project") == "tap-infra" and tags.get("Environment") == suffix
    text = json.dumps(item, default=str)
    return any(_mentions(text, name) for name in names) or any(vpc in text for vpc in vpc_ids)


def split_inventory(inventory, suffix, account_id):
    """(the suffix's items, everything else), both keyed like the inventory."""
    names = exact_names(suffix, account_id)
    vpc_ids = set()
    for kind, items in inventory.items():
        if kind.endswith("/vpcs"):
            vpc_ids.update(i["id"] for i in items if owned(dict(i, tags=i["tags"]), suffix, names, set()))
    mine, rest = {}, {}
    for kind, items in inventory.items():
        mine[kind] = [i for i in items if owned(i, suffix, names, vpc_ids)]
        rest[kind] = [i for i in items if not owned(i, suffix, names, vpc_ids)]
    return mine, rest


NORMALIZATIONS = [
    # EC2 ids: vpc-, subnet-, rtbassoc-, vpc-cidr-assoc-, eipalloc-, ... (8 or 17 hex digits)
    (re.compile(r"\b((?:[a-z]+-)*[a-z]+)-(?:[0-9a-f]{17}|[0-9a-f]{8})\b"), r"\1-ID"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "UUID"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?"), "TIME"),
    (re.compile(r"(?<![\d.])\d{1,3}(\.\d{1,3}){3}(?![\d./])"), "IP"),
    (re.compile(r"(db-master)-[A-Za-z0-9]{6}\b"), r"\1-RAND"),
    (re.compile(r"/[0-9a-f]{16}\b"), "/HEX"),
    (re.compile(r"-\d{5,}\.([a-z0-9-]+)\.elb\."), r"-N.\1.elb."),
    (re.compile(r"\bdb-[A-Z0-9]{20,}\b"), "db-RESOURCEID"),
    (re.compile(r"\bARO[A-Z0-9]{13,}\b"), "ROLEID"),
    (re.compile(r"/\d{12,}\b"), "/N"),  # the emulator's default-rule ARNs end in a number
    (re.compile(r"\.[a-z0-9]{10,12}\.([a-z0-9-]+)\.rds\.amazonaws"), r".RAND.\1.rds.amazonaws"),
]


def normalize(value, suffix):
    """Ids, ARNs' random parts, addresses and timestamps replaced, the suffix made SUFFIX, lists sorted."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return "TIME"
    if isinstance(value, int) and 10**12 <= value < 10**13:  # epoch milliseconds (log groups)
        return "TIME"
    if isinstance(value, str):
        if value.startswith(("{", "[")):
            try:  # policies and dashboard bodies are JSON documents in strings
                return normalize(json.loads(value), suffix)
            except ValueError:
                pass
        for pattern, replacement in NORMALIZATIONS:
            value = pattern.sub(replacement, value)
        return re.sub(r"\b%s\b" % re.escape(suffix), "SUFFIX", value)
    if isinstance(value, dict):
        return {normalize(k, suffix): normalize(v, suffix) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return sorted((normalize(v, suffix) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def end_state(mine, suffix):
    return {kind: normalize(items, suffix) for kind, items in mine.items() if items}


# --- the deployer policy: IAM action of each API call -------------------------------------------------------

IAM_PREFIX = {"elbv2": "elasticloadbalancing", "tagging": "tag", "service-quotas": "servicequotas"}
# API operations authorised under another IAM action name.
IAM_ACTION = {
    "s3": {
        "ListBuckets": "ListAllMyBuckets",
        "HeadBucket": "ListBucket",
        "ListObjects": "ListBucket",
        "ListObjectsV2": "ListBucket",
        "ListObjectVersions": "ListBucketVersions",
        "HeadObject": "GetObject",
        "DeleteObjects": "DeleteObject",
        "GetBucketEncryption": "GetEncryptionConfiguration",
        "PutBucketEncryption": "PutEncryptionConfiguration",
        "DeleteBucketEncryption": "PutEncryptionConfiguration",
        "DeleteBucketTagging": "PutBucketTagging",
        "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
        "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
        "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
        "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
        "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
        "GetBucketCors": "GetBucketCORS",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
        "GetBucketReplication": "GetReplicationConfiguration",
        "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    },
    "lambda": {"GetFunctionConfiguration": "GetFunction"},
}
# Calls every identity may make (no IAM permission exists for them).
UNAUTHORISED_CALLS = {"sts:GetCallerIdentity"}
# Actions the policy grants that are no API call of their own: AWS authorises them in addition to a
# call the stack makes (docs/deployer-policy.md).
IMPLIED_ACTIONS = {
    "iam:PassRole": "lambda:CreateFunction / UpdateFunctionConfiguration pass the execution role",
    "dynamodb:CreateTableReplica": "UpdateTable ReplicaUpdates Create",
    "dynamodb:DeleteTableReplica": "UpdateTable ReplicaUpdates Delete",
    "kms:CreateGrant": "RDS, DynamoDB and Secrets Manager use the customer keys through grants",
    "kms:Decrypt": "Secrets Manager decrypts the secret (GetSecretValue) with the DB key",
    "kms:GenerateDataKey": "Secrets Manager encrypts a new secret value with the DB key",
    "s3:DeleteObjectVersion": "DeleteObjects with version ids (emptying the versioned bucket on teardown)",
    "iam:CreateServiceLinkedRole": "the first load balancer, NAT gateway or DB instance of an account",
    # tags passed with a create call are authorised as the service's tagging action
    "ec2:CreateTags": "TagSpecifications of the create calls",
    "kms:TagResource": "CreateKey Tags",
    "iam:TagRole": "CreateRole Tags",
    "lambda:TagResource": "CreateFunction Tags",
    "elasticloadbalancing:AddTags": "CreateLoadBalancer / CreateTargetGroup Tags",
    "rds:AddTagsToResource": "CreateDBInstance / CreateDBSubnetGroup Tags",
    "secretsmanager:TagResource": "CreateSecret Tags",
    "dynamodb:TagResource": "CreateTable Tags",
    "sns:TagResource": "CreateTopic Tags",
    "cloudwatch:TagResource": "PutMetricAlarm Tags",
    "logs:TagResource": "CreateLogGroup tags",
}

# Granted for a run that repairs a change made behind the stack's back; a deploy, no-op and teardown never
# call them (docs/deployer-policy.md, "Repairs").
REPAIR_ACTIONS = {
    "kms:PutKeyPolicy": "a key policy changed by hand",
    "kms:UpdateKeyDescription": "a key description changed by hand",
    "kms:UntagResource": "a tag added to a key by hand",
    "kms:DisableKeyRotation": "rotation is an input (enable_key_rotation)",
    "kms:EnableKey": "an adopted key that was disabled",
    "kms:UpdateAlias": "an alias left on a key pending deletion or on another key",
    "ec2:DeleteTags": "a tag added by hand to the VPC, a subnet or a route table (the ec2_vpc* modules purge it)",
    "ec2:ReplaceRoute": "a route pointed elsewhere by hand (tap.infra.ec2_vpc_route_tables)",
    "ec2:DeleteRoute": "a route added to a route table by hand (tap.infra.ec2_vpc_route_tables purges it)",
    "ec2:ReplaceRouteTableAssociation": "a subnet moved to another route table by hand (ec2_vpc_route_tables)",
    "ec2:AuthorizeSecurityGroupEgress": "a security group egress rule removed by hand",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress": "a security group rule's description changed by hand",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress": "a security group egress rule's description changed by hand",
    "elasticloadbalancing:ModifyRule": "a rule changed by hand, or another site's load balancer re-created",
    "elasticloadbalancing:DeleteRule": "a rule added by hand, or a site removed (elb_listener_rules purges it)",
    "elasticloadbalancing:SetRulePriorities": "the sites reordered (tap.infra.elb_listener_rules moves the rules)",
}


def iam_action(call):
    service = call["service"]
    action = IAM_ACTION.get(service, {}).get(call["action"], call["action"])
    return "%s:%s" % (IAM_PREFIX.get(service, service), action)


def policy_actions(policy):
    actions = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


# --- the module's one deployment ------------------------------------------------------------------------------


def recap_of(result):
    return play_recap(result.stdout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")
    emulator = Emulator(port=free_port(), state_dir=workdir / "emulator")
    emulator.start()
    started = time.monotonic()
    found = {"workdir": workdir, "record": workdir / "storm-calls.jsonl", "durations": {}}
    accelerated = {"TAP_ACCELERATION": "on"}
    try:
        account_id = client(emulator, "sts").get_caller_identity()["Account"]
        found["account_id"] = account_id

        def timed(name, function):
            began = time.monotonic()
            result = function()
            found["durations"][name] = round(time.monotonic() - began, 1)
            return result

        found["calm"] = timed(
            "calm deploy",
            lambda: run_playbook("site.yml", emulator, "-e", "suffix=calm", env=accelerated, timeout=2400),
        )
        found["look_alikes"] = create_look_alikes(emulator, account_id)
        found["before"] = emulator_inventory_detailed(emulator)
        with FaultProxy(emulator.url, record=str(found["record"]), **FAULTS) as proxy:
            via_proxy = dict(accelerated, TAP_EMULATOR_PORT=str(proxy.port), **CONTROLLER_RETRIES)
            found["storm"] = timed(
                "storm deploy",
                lambda: run_playbook("site.yml", emulator, "-e", "suffix=storm", env=via_proxy, timeout=2400),
            )
            run_log = workdir / "storm-deploy.log"
            run_log.write_text(found["storm"].stdout + found["storm"].stderr)
            found["noop"] = timed(
                "storm no-op",
                lambda: run_playbook("site.yml", emulator, "-e", "suffix=storm", env=via_proxy, timeout=2400),
            )
            found["deployed"] = emulator_inventory_detailed(emulator)
            (workdir / "deployed.json").write_text(json.dumps(found["deployed"], default=str))
            found["present"] = timed("stack -m present", lambda: run_stack_tests(emulator, "storm", "present", run_log))
            found["teardown"] = timed(
                "storm teardown",
                lambda: run_playbook("teardown.yml", emulator, "-e", "suffix=storm", env=via_proxy, timeout=2400),
            )
            found["counts"] = proxy.counts()
        found["absent"] = run_stack_tests(emulator, "storm", "absent")
        found["after"] = emulator_inventory_detailed(emulator)
        for name in ("before", "after"):
            (workdir / ("%s.json" % name)).write_text(json.dumps(found[name], default=str))
        # playbooks/verify.yml on calm (deployed fault-free, not touched since) through a fault-free recording proxy:
        # every AWS call verify makes, for the verifier policy. After the "after" inventory: verify removes what it
        # writes, but the neighbours' comparison does not depend on it.
        found["verify_record"] = workdir / "verify-calls.jsonl"
        with FaultProxy(emulator.url, record=str(found["verify_record"])) as proxy:
            via_proxy = dict(accelerated, TAP_EMULATOR_PORT=str(proxy.port))
            found["verify"] = timed(
                "calm verify",
                lambda: run_playbook("playbooks/verify.yml", emulator, "-e", "suffix=calm", env=via_proxy, timeout=900),
            )
        yield found
    finally:
        found["durations"]["module"] = round(time.monotonic() - started, 1)
        summary = {key: found.get(key) for key in ("durations", "counts")}
        (workdir / "summary.json").write_text(json.dumps(summary, indent=2))
        emulator.stop()
        (REPO_ROOT / "outputs" / "calm.json").unlink(missing_ok=True)
        for name in ("calm.verify.json", "storm.verify.json"):  # verify's reports (storm's: tests/stack's verify test)
            (REPO_ROOT / "outputs" / name).unlink(missing_ok=True)


def assert_clean(result, what):
    recap = recap_of(result)
    assert set(recap) == set(SITES), "%s: no recap for every site\n%s" % (
        what,
        result.stdout[-4000:] + result.stderr[-2000:],
    )
    failed = {host: (c.get("failed"), c.get("unreachable")) for host, c in recap.items()}
    assert all(f == (0, 0) for f in failed.values()), "%s: %s\n%s" % (what, failed, result.stdout[-6000:])
    return recap


def test_calm_deploy_is_clean(runs):
    assert_clean(runs["calm"], "calm deploy")


def test_the_proxy_injected_every_kind_of_fault(runs):
    counts = runs["counts"]
    assert counts["requests"] > 1000
    assert counts["throttle"] > 0 and counts["server_error"] > 0 and counts["drop"] > 0, counts
    calls = load_calls(runs["record"])
    assert {c["fault"] for c in calls} == {None, "throttle", "server_error", "drop"}
    faulted_services = {c["service"] for c in calls if c["fault"]}
    assert {"ec2", "kms", "s3", "rds", "dynamodb", "elbv2", "lambda", "iam"} <= faulted_services


def test_the_benchmark_preloads_the_model_of_every_service_called(runs):
    from bench.runner import PROJECT_SERVICES

    called = {c["service"] for path in (runs["record"], runs["verify_record"]) for c in load_calls(path)}
    assert sorted(called - set(PROJECT_SERVICES)) == []


def test_storm_deploy_and_rerun_survive_faults(runs):
    assert_clean(runs["storm"], "storm deploy")
    noop = assert_clean(runs["noop"], "storm no-op rerun")
    assert {host: c["changed"] for host, c in noop.items()} == {host: 0 for host in SITES}, runs["noop"].stdout[-6000:]


def test_storm_stack_is_present(runs):
    assert runs["present"].returncode == 0, runs["present"].stdout[-6000:]
    assert " passed" in runs["present"].stdout


def test_storm_ends_where_a_fault_free_run_ends(runs):
    calm, _ = split_inventory(runs["deployed"], "calm", runs["account_id"])
    storm, _ = split_inventory(runs["deployed"], "storm", runs["account_id"])
    calm_state, storm_state = end_state(calm, "calm"), end_state(storm, "storm")
    assert set(storm_state) == set(calm_state)
    (runs["workdir"] / "calm-state.json").write_text(json.dumps(calm_state, indent=1, sort_keys=True, default=str))
    (runs["workdir"] / "storm-state.json").write_text(json.dumps(storm_state, indent=1, sort_keys=True, default=str))
    for kind in sorted(calm_state):
        assert storm_state[kind] == calm_state[kind], kind


def test_no_run_prints_a_deprecation_warning_of_the_project(runs):
    """Deploy, no-op re-run and teardown, the whole stack in both regions: every deprecation warning printed is
    one the project cannot act on (tests/conftest.py, FOREIGN_DEPRECATIONS)."""
    for name in ("calm", "storm", "noop", "teardown"):
        assert project_deprecations(runs[name].stdout + runs[name].stderr) == [], name


def test_storm_teardown_survives_faults_and_leaves_nothing(runs):
    assert_clean(runs["teardown"], "storm teardown")
    assert runs["absent"].returncode == 0, runs["absent"].stdout[-6000:]


def test_neighbours_are_exactly_as_they_were(runs):
    """calm, the look-alikes and the emulator's defaults: same resources, tags, states and settings."""
    before = runs["before"]
    storm_before, _ = split_inventory(before, "storm", runs["account_id"])
    assert not any(storm_before.values()), "storm resources before the storm deploy: %s" % storm_before
    _, after = split_inventory(runs["after"], "storm", runs["account_id"])
    assert set(after) == set(before)
    for kind in sorted(before):
        assert json.loads(json.dumps(after[kind], default=str)) == json.loads(
            json.dumps(before[kind], default=str)
        ), kind
    look_alikes = runs["look_alikes"]
    vpc_ids = {v["id"] for k, items in after.items() if k.endswith("/vpcs") for v in items}
    assert {look_alikes[h][key] for h in SITES for key in ("vpc", "other_vpc")} <= vpc_ids
    buckets = {b["id"] for b in after["global/s3_buckets"]}
    assert set(look_alikes["buckets"]) <= buckets


def test_the_deployer_policy_allows_every_call_and_nothing_else(runs):
    policy = json.loads(POLICY_FILE.read_text())
    granted = policy_actions(policy)
    seen = {iam_action(call) for call in load_calls(runs["record"])} - UNAUTHORISED_CALLS
    assert sorted(seen - granted) == [], "calls the policy does not allow"
    assert sorted(granted - seen - set(IMPLIED_ACTIONS) - set(REPAIR_ACTIONS)) == [], "actions granted but never used"
    assert set(IMPLIED_ACTIONS) <= granted and set(REPAIR_ACTIONS) <= granted


# --- the verifier policy: every call of playbooks/verify.yml -------------------------------------------------

# Actions the verifier policy grants that are no API call of their own (docs/deployer-policy.md, "The verifier").
VERIFIER_IMPLIED_ACTIONS = {
    "kms:Decrypt": "S3 GetObject of an SSE-KMS object; Secrets Manager GetSecretValue of the DB secret",
    "kms:GenerateDataKey": "S3 PutObject with SSE-KMS under the site's key",
    "s3:DeleteObjectVersion": "DeleteObjects with version ids (tap.infra.s3_object_versions)",
}
# Verify's calls that AWS cannot scope to a resource: the only actions granted on "*".
VERIFIER_UNSCOPED = {
    "iam:ListAccountAliases",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "kms:ListAliases",
    "cloudwatch:DescribeAlarms",
}


def test_verify_passes_on_the_calm_stack(runs):
    result = runs["verify"]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"^\s*(\d+) checks: \1 passed, 0 failed", result.stdout, re.M), result.stdout[-6000:]


def test_the_verifier_policy_allows_every_verify_call_and_nothing_else(runs):
    policy = json.loads(VERIFIER_POLICY_FILE.read_text())
    granted = policy_actions(policy)
    calls = load_calls(runs["verify_record"])
    seen = {iam_action(call) for call in calls} - UNAUTHORISED_CALLS
    # the recording holds verify's writes, its reads in the replica regions and the controller's secret lookup
    assert {"dynamodb:PutItem", "s3:PutObject", "secretsmanager:GetSecretValue"} <= seen, sorted(seen)
    assert {call["region"] for call in calls if call["service"] == "dynamodb"} == set(SITES.values())
    # the secret is read once per site, however many of its values verify compares
    secret_reads = [call["region"] for call in calls if iam_action(call) == "secretsmanager:GetSecretValue"]
    assert sorted(secret_reads) == sorted(SITES.values()), secret_reads
    assert sorted(seen - granted) == [], "verify calls the policy does not allow"
    assert sorted(granted - seen - set(VERIFIER_IMPLIED_ACTIONS)) == [], "actions granted but never used"
    assert set(VERIFIER_IMPLIED_ACTIONS) <= granted
    for statement in policy["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if resources == ["*"]:
            assert set(statement["Action"]) <= VERIFIER_UNSCOPED, statement["Sid"]
        elif any(resource.startswith("arn:aws:kms:") for resource in resources):
            # keys have random ids: only the project's keys, by their tag
            assert statement["Condition"]["StringEquals"]["aws:ResourceTag/Project"] == "tap-infra", statement["Sid"]
        else:
            assert all(re.search(r"[:/]tap[-/]", resource) for resource in resources), statement["Sid"]
