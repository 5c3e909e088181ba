"""Fixtures shared by the test suite: the embedded emulator for a test session."""

import json
import os
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ansible
import boto3
import botocore.exceptions
import pytest

from tools.emulator.launcher import Emulator

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# The ansible-core releases of the support range older than this venv's: `make test` builds .venv-core/<major.minor>
# for each ansible-core== line of this file (see the Makefile).
CORE_RANGE_FILE = REPO_ROOT / "tests" / "requirements-core-range.txt"
CORE_VENVS = REPO_ROOT / ".venv-core"


def core_range():
    """{"2.19": bin directory, ...}: every ansible-core of the support range, oldest first, with the bin directory
    of its virtual environment (.venv-core/<major.minor>/bin for the older ones, this venv's for the newest)."""
    from ansible.release import __version__

    older = re.findall(r"^ansible-core==(\d+\.\d+)\.", CORE_RANGE_FILE.read_text(), re.M)
    found = {version: CORE_VENVS / version / "bin" for version in older}
    found[".".join(__version__.split(".")[:2])] = VENV_BIN
    return dict(sorted(found.items(), key=lambda item: tuple(int(part) for part in item[0].split("."))))


def core_venv_bin(version):
    """The bin directory of ansible-core <version>'s virtual environment; fails when `make test` has not built it."""
    bin_dir = core_range()[version]
    if not (bin_dir / "ansible-playbook").exists():
        pytest.fail(
            "no ansible-core %s environment at %s: `make core-range` (or `make test`) builds it" % (version, bin_dir)
        )
    return bin_dir


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """A patched moto server on a free loopback port, for the whole test session."""
    instance = Emulator(port=free_port(), state_dir=tmp_path_factory.mktemp("emulator"))
    instance.start()
    yield instance
    instance.stop()


def run_playbook(playbook, emulator, *args, inventory=None, env=None, timeout=900, venv_bin=VENV_BIN):
    """Run ansible-playbook (of venv_bin: another ansible-core of the range) from the repository root against the
    emulator; returns CompletedProcess."""
    command = [str(Path(venv_bin) / "ansible-playbook"), playbook, *args]
    if inventory:
        command += ["-i", str(inventory)]
    run_env = dict(os.environ, TAP_EMULATOR_PORT=str(emulator.port), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    run_env["PATH"] = os.pathsep.join([str(venv_bin), run_env.get("PATH", "")])
    # Playbook tests run on ansible-core's own linear strategy, as a user would if ansible-core dropped
    # third-party strategies; the molecule scenario, and tests (or a user) that set TAP_ACCELERATION=on, run the
    # project's accelerated one (README, Tests).
    run_env.update(env or {})
    run_env.setdefault("TAP_ACCELERATION", "off")
    if run_env["TAP_ACCELERATION"] == "off":
        run_env.setdefault("ANSIBLE_STRATEGY", "linear")
    return subprocess.run(
        command, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True, timeout=timeout, check=False
    )


def run_stack_tests(emulator, suffix, marker, run_log=None):
    """Run tests/stack -m marker (present/absent) for suffix against the emulator; returns CompletedProcess."""
    env = dict(os.environ, TAP_SUFFIX=suffix, TAP_EMULATOR_PORT=str(emulator.port))
    if run_log:
        env["TAP_RUN_LOG"] = str(run_log)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/stack", "-m", marker, "-q", "-p", "no:cacheprovider", "--no-cov"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

def play_recap(output):
    """{host: {counter: int}} from the PLAY RECAP of an ansible-playbook run."""
    return {
        host: {name: int(value) for name, value in re.findall(r"(\w+)=(\d+)", counts)}
        for host, counts in re.findall(r"^(\S+)\s+: (ok=\d+.*)$", output, re.M)
    }


def aws_client(emulator, service, region="us-east-1"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=emulator.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


INVENTORY_REGIONS = ("us-east-1", "us-west-2")
_INVENTORY_SERVICES = (
    "ec2",
    "kms",
    "dynamodb",
    "lambda",
    "elbv2",
    "rds",
    "secretsmanager",
    "sns",
    "cloudwatch",
    "logs",
    "s3",
    "iam",
)
_INVENTORY_CLIENTS = {}


def _paginate(client, operation, key, **kwargs):
    """Every item of a paginated list/describe call."""
    items = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def _region_listings(client):
    """(kind, function of nothing returning identifiers) for every kind of resource in one region."""

    def alarms():
        found = client("cloudwatch").describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        return [a["AlarmName"] for a in found["MetricAlarms"] + found["CompositeAlarms"]]

    def listing(service, operation, key, field, keep=lambda item: True):
        return lambda: [item[field] for item in _paginate(client(service), operation, key) if keep(item)]

    return [
        ("vpcs", listing("ec2", "describe_vpcs", "Vpcs", "VpcId", lambda v: not v.get("IsDefault"))),
        ("subnets", listing("ec2", "describe_subnets", "Subnets", "SubnetId", lambda s: not s.get("DefaultForAz"))),
        ("internet_gateways", listing("ec2", "describe_internet_gateways", "InternetGateways", "InternetGatewayId")),
        (
            "nat_gateways",
            listing("ec2", "describe_nat_gateways", "NatGateways", "NatGatewayId", lambda g: g["State"] != "deleted"),
        ),
        ("route_tables", listing("ec2", "describe_route_tables", "RouteTables", "RouteTableId")),
        ("security_groups", listing("ec2", "describe_security_groups", "SecurityGroups", "GroupId")),
        (
            "eips",
            lambda: [a.get("AllocationId") or a["PublicIp"] for a in client("ec2").describe_addresses()["Addresses"]],
        ),
        ("kms_keys", listing("kms", "list_keys", "Keys", "KeyId")),
        (
            "kms_aliases",
            listing(
                "kms", "list_aliases", "Aliases", "AliasName", lambda a: not a["AliasName"].startswith("alias/aws/")
            ),
        ),
        ("dynamodb_tables", lambda: _paginate(client("dynamodb"), "list_tables", "TableNames")),
        ("lambda_functions", listing("lambda", "list_functions", "Functions", "FunctionName")),
        ("load_balancers", listing("elbv2", "describe_load_balancers", "LoadBalancers", "LoadBalancerArn")),
        ("target_groups", listing("elbv2", "describe_target_groups", "TargetGroups", "TargetGroupArn")),
        ("db_instances", listing("rds", "describe_db_instances", "DBInstances", "DBInstanceIdentifier")),
        ("db_subnet_groups", listing("rds", "describe_db_subnet_groups", "DBSubnetGroups", "DBSubnetGroupName")),
        ("secrets", listing("secretsmanager", "list_secrets", "SecretList", "ARN")),
        ("sns_topics", listing("sns", "list_topics", "Topics", "TopicArn")),
        ("alarms", alarms),
        ("dashboards", listing("cloudwatch", "list_dashboards", "DashboardEntries", "DashboardName")),
        ("log_groups", listing("logs", "describe_log_groups", "logGroups", "logGroupName")),
    ]


def emulator_inventory(emulator, regions=INVENTORY_REGIONS):
    """Everything this project could create in the emulator, as sorted identifiers per kind.

    Compare it before and after a run to prove that the run wrote nothing. Per region: VPCs (the default
    VPC excluded), non-default subnets, internet and NAT gateways, route tables, security groups, EIPs,
    KMS keys and (customer) aliases, DynamoDB tables, Lambda functions, ELBv2 load balancers and target
    groups, RDS instances and subnet groups, secrets, SNS topics, CloudWatch alarms and dashboards, log
    groups. Global: S3 buckets, IAM roles (customer ones, not AWS service-linked roles).
    """
    # Clients are created here, before the threads start (boto3's default session is not thread-safe),
    # and kept for the next call: creating them is most of the cost.
    clients = _INVENTORY_CLIENTS.setdefault(emulator.url, {})
    for region in regions:
        for service in _INVENTORY_SERVICES:
            if (service, region) not in clients:
                clients[(service, region)] = aws_client(emulator, service, region)

    def client_in(region):
        return lambda service: clients[(service, region)]

    jobs = []
    for region in regions:
        for kind, function in _region_listings(client_in(region)):
            jobs.append(("%s/%s" % (region, kind), function))
    s3 = clients[("s3", regions[0])]
    iam = clients[("iam", regions[0])]
    jobs.append(("global/s3_buckets", lambda: [b["Name"] for b in s3.list_buckets().get("Buckets", [])]))
    jobs.append(
        (
            "global/iam_roles",
            lambda: [
                r["Arn"]
                for r in _paginate(iam, "list_roles", "Roles")
                if not r.get("Path", "/").startswith("/aws-service-role/")
            ],
        )
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = pool.map(lambda job: (job[0], sorted(job[1]())), jobs)
        return dict(results)


def _tags(tag_list):
    """{key: value} of an AWS tag list (Key/Value, or TagKey/TagValue as KMS has it)."""
    if isinstance(tag_list, dict):
        return dict(tag_list)
    return {t.get("Key", t.get("TagKey")): t.get("Value", t.get("TagValue")) for t in tag_list or []}


def _optional(call, *error_codes):
    """The result of call(), or None when AWS answers with one of error_codes (the thing is not there)."""
    try:
        return call()
    except botocore.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] in error_codes:
            return None
        raise


def _detailed_listings(client):
    """(kind, function returning [{"id", "tags", "desc"}]) for every kind of resource in one region."""

    def item(identifier, tags, desc):
        return {"id": identifier, "tags": _tags(tags), "desc": desc}

    def ec2(operation, key, field):
        return lambda: [item(d[field], d.get("Tags"), d) for d in _paginate(client("ec2"), operation, key)]

    def kms_keys():
        kms = client("kms")
        return [
            item(
                k["KeyId"],
                kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags"),
                kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"],
            )
            for k in _paginate(kms, "list_keys", "Keys")
        ]

    def tables():
        ddb = client("dynamodb")
        found = []
        for name in _paginate(ddb, "list_tables", "TableNames"):
            table = ddb.describe_table(TableName=name)["Table"]
            found.append(item(name, ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags"), table))
        return found

    def functions():
        lam = client("lambda")
        return [
            item(
                f["FunctionName"],
                lam.list_tags(Resource=f["FunctionArn"]).get("Tags"),
                dict(
                    f,
                    Policy=_optional(
                        lambda f=f: lam.get_policy(FunctionName=f["FunctionName"])["Policy"],
                        "ResourceNotFoundException",
                    ),
                ),
            )
            for f in _paginate(lam, "list_functions", "Functions")
        ]

    def elbv2(operation, key, field):
        def listing():
            elb = client("elbv2")
            found = []
            for d in _paginate(elb, operation, key):
                tags = elb.describe_tags(ResourceArns=[d[field]])["TagDescriptions"][0]["Tags"]
                if operation == "describe_load_balancers":
                    listeners = elb.describe_listeners(LoadBalancerArn=d[field])["Listeners"]
                    rules = [elb.describe_rules(ListenerArn=l["ListenerArn"])["Rules"] for l in listeners]
                    d = dict(d, Listeners=listeners, Rules=rules)
                found.append(item(d[field], tags, d))
            return found

        return listing

    def rds(operation, key, field):
        # LatestRestorableTime is a clock (AWS advances it every few minutes), not the instance's state.
        return lambda: [
            item(d[field], d.get("TagList"), dict(d, LatestRestorableTime=None))
            for d in _paginate(client("rds"), operation, key)
        ]

    def secrets():
        return [
            item(s["ARN"], s.get("Tags"), s) for s in _paginate(client("secretsmanager"), "list_secrets", "SecretList")
        ]

    def topics():
        sns = client("sns")
        return [
            item(
                t["TopicArn"],
                sns.list_tags_for_resource(ResourceArn=t["TopicArn"]).get("Tags"),
                sns.get_topic_attributes(TopicArn=t["TopicArn"])["Attributes"],
            )
            for t in _paginate(sns, "list_topics", "Topics")
        ]

    def alarms():
        found = client("cloudwatch").describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        return [item(a["AlarmName"], None, a) for a in found["MetricAlarms"] + found["CompositeAlarms"]]

    def dashboards():
        cw = client("cloudwatch")
        return [
            item(
                d["DashboardName"],
                None,
                dict(cw.get_dashboard(DashboardName=d["DashboardName"]), ResponseMetadata=None),
            )
            for d in _paginate(cw, "list_dashboards", "DashboardEntries")
        ]

    def log_groups():
        return [item(g["logGroupName"], None, g) for g in _paginate(client("logs"), "describe_log_groups", "logGroups")]

    def aliases():
        return [item(a["AliasName"], None, a) for a in _paginate(client("kms"), "list_aliases", "Aliases")]

    return [
        ("vpcs", ec2("describe_vpcs", "Vpcs", "VpcId")),
        ("subnets", ec2("describe_subnets", "Subnets", "SubnetId")),
        ("internet_gateways", ec2("describe_internet_gateways", "InternetGateways", "InternetGatewayId")),
        ("nat_gateways", ec2("describe_nat_gateways", "NatGateways", "NatGatewayId")),
        ("route_tables", ec2("describe_route_tables", "RouteTables", "RouteTableId")),
        ("security_groups", ec2("describe_security_groups", "SecurityGroups", "GroupId")),
        (
            "eips",
            lambda: [
                item(a.get("AllocationId"), a.get("Tags"), a) for a in client("ec2").describe_addresses()["Addresses"]
            ],
        ),
        ("kms_keys", kms_keys),
        ("kms_aliases", aliases),
        ("dynamodb_tables", tables),
        ("lambda_functions", functions),
        ("load_balancers", elbv2("describe_load_balancers", "LoadBalancers", "LoadBalancerArn")),
        ("target_groups", elbv2("describe_target_groups", "TargetGroups", "TargetGroupArn")),
        ("db_instances", rds("describe_db_instances", "DBInstances", "DBInstanceIdentifier")),
        ("db_subnet_groups", rds("describe_db_subnet_groups", "DBSubnetGroups", "DBSubnetGroupName")),
        ("secrets", secrets),
        ("sns_topics", topics),
        ("alarms", alarms),
        ("dashboards", dashboards),
        ("log_groups", log_groups),
    ]


def emulator_inventory_detailed(emulator, regions=INVENTORY_REGIONS):
    """Like emulator_inventory, but every resource with its tags and full description (states, settings).

    {"<region>/<kind>" or "global/<kind>": [{"id", "tags", "desc"}, ...] sorted by id}; the default VPC
    and its subnets, security groups and route tables are included. Compare two of them to show that
    nothing changed, down to tags and states.
    """
    clients = _INVENTORY_CLIENTS.setdefault(emulator.url, {})
    for region in regions:
        for service in _INVENTORY_SERVICES:
            if (service, region) not in clients:
                clients[(service, region)] = aws_client(emulator, service, region)

    def client_in(region):
        return lambda service: clients[(service, region)]

    s3 = clients[("s3", regions[0])]
    iam = clients[("iam", regions[0])]

    def buckets():
        found = []
        for bucket in s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            tags = _optional(lambda: s3.get_bucket_tagging(Bucket=name)["TagSet"], "NoSuchTagSet")
            desc = {
                "Name": name,
                "Versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
                "Policy": _optional(lambda: s3.get_bucket_policy(Bucket=name)["Policy"], "NoSuchBucketPolicy"),
                "Encryption": _optional(
                    lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"],
                    "ServerSideEncryptionConfigurationNotFoundError",
                ),
                "Objects": [v["Key"] for v in s3.list_object_versions(Bucket=name).get("Versions", [])],
            }
            found.append({"id": name, "tags": _tags(tags), "desc": desc})
        return found

    def roles():
        found = []
        for role in _paginate(iam, "list_roles", "Roles"):
            if role.get("Path", "/").startswith("/aws-service-role/"):
                continue
            name = role["RoleName"]
            desc = dict(
                role,
                InlinePolicies=iam.list_role_policies(RoleName=name)["PolicyNames"],
                AttachedPolicies=iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
            )
            found.append({"id": role["Arn"], "tags": _tags(iam.list_role_tags(RoleName=name)["Tags"]), "desc": desc})
        return found

    jobs = []
    for region in regions:
        for kind, function in _detailed_listings(client_in(region)):
            jobs.append(("%s/%s" % (region, kind), function))
    jobs += [("global/s3_buckets", buckets), ("global/iam_roles", roles)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = pool.map(lambda job: (job[0], sorted(job[1](), key=lambda i: str(i["id"]))), jobs)
        return dict(results)


# --- deprecation warnings of a run ------------------------------------------------------------------------------

# Deprecation warnings a run prints that the project cannot act on, each with the installed collection version it
# was checked against (None: ansible-core itself). With another version installed the warning counts as the
# project's again, until someone checks whether the new version still prints it whatever its caller does.
FOREIGN_DEPRECATIONS = (
    # ansible-core 2.19-2.21, for every strategy plugin outside ansible.builtin (the project's tap_linear); no
    # removal is scheduled (ansible/ansible#84725).
    (r"Use of strategy plugins not included in ansible\.builtin are deprecated", None),
    # amazon.aws 11.4.0 iam_role and iam_role_info, on every call whatever the options: a return value the
    # project never reads (removed upstream with the instance-profile options, amazon.aws#2926).
    (r"iam_role\.assume_role_policy_document_raw will no longer be returned", ("amazon.aws", "11.4.0")),
    # community.aws 11.2.0 secretsmanager_secret imports to_bytes from ansible.module_utils._text, deprecated in
    # ansible-core 2.20 (community.aws#2476); amazon.aws 11 has no such module, only the lookup the project uses
    # to read the secret. The project's own code imports nothing from there (test_collection_quality.py).
    (r"Importing 'to_bytes' from 'ansible\.module_utils\._text' is deprecated", ("community.aws", "11.2.0")),
)
DEPRECATION_LINE = re.compile(r"^.*(?:\[DEPRECATION WARNING\]|DeprecationWarning).*$", re.M)


def installed_collection_version(namespace, name):
    """The version of a collection the venv's ansible package bundles (None when it is not installed)."""
    manifest = Path(ansible.__file__).parent.parent / "ansible_collections" / namespace / name / "MANIFEST.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["collection_info"]["version"]


def project_deprecations(output):
    """The deprecation warnings of a run's output (stdout + stderr) that FOREIGN_DEPRECATIONS does not explain."""
    foreign = [
        re.compile(pattern)
        for pattern, checked in FOREIGN_DEPRECATIONS
        if checked is None or installed_collection_version(*checked[0].split(".")) == checked[1]
    ]
    return sorted(
        {line.strip() for line in DEPRECATION_LINE.findall(output) if not any(p.search(line) for p in foreign)}
    )


# The longest files first: `make test`'s workers (pytest-xdist, a file each) start them at once, and the short ones
# fill in around them.
LONG_FILES_FIRST = (
    "test_realistic_aws.py",
    "test_molecule.py",
    "test_interrupted_runs.py",
    "test_slow_aws.py",
    "test_ansible_test_sanity.py",
    "test_faults_and_neighbours.py",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONG_FILES_FIRST.index(name) if name in LONG_FILES_FIRST else len(LONG_FILES_FIRST)

    items.sort(key=rank)
