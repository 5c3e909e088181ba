"""Fixtures shared by the test suite: the embedded emulator for a test session."""

import os
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest

from tools.emulator.launcher import Emulator

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


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


def run_playbook(playbook, emulator, *args, inventory=None, env=None, timeout=900):
    """Run ansible-playbook from the repository root against the emulator; returns CompletedProcess."""
    command = [str(VENV_BIN / "ansible-playbook"), playbook, *args]
    if inventory:
        command += ["-i", str(inventory)]
    run_env = dict(os.environ, TAP_EMULATOR_PORT=str(emulator.port), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    run_env["PATH"] = os.pathsep.join([str(VENV_BIN), run_env.get("PATH", "")])
    run_env.update(env or {})
    return subprocess.run(
        command, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True, timeout=timeout, check=False
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
