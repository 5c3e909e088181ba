"""Slow-AWS mode: presets and critical path; each transitional state and dependency error with boto3.

In-process moto with the patches applied and a clock the tests move (every transition takes TICK
seconds of it); one test launches a real server, on real time.
"""

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.conftest import aws_client, free_port
from tools.emulator import patches, slow
from tools.emulator.launcher import Emulator, EmulatorError
from tools.emulator.patches import slow_states

REGION = "us-east-1"
OTHER = "us-west-2"
TICK = 60.0  # every transition in these tests, on the tests' clock


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds=TICK):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    patches.apply_all()
    fake = Clock()
    monkeypatch.setattr(slow_states, "clock", fake)
    slow_states.configure({key: TICK for key in slow.KEYS})
    with mock_aws():
        yield fake
    slow_states.configure(None)


@pytest.fixture
def aws(clock):
    return clock


def client(service, region=REGION):
    return boto3.client(service, region_name=region)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def phases(read, clock):
    """read() now, just before the transition is due, and once it is due."""
    seen = [read()]
    clock.advance(TICK - 1)
    seen.append(read())
    clock.advance(1)
    seen.append(read())
    return seen


def eventually(read, expected, timeout=5.0):
    """Poll read() until it returns expected (what a waiter does); returns the values seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if value == expected:
            return seen
        assert time.monotonic() < deadline, "still %r after %ss (seen %r)" % (value, timeout, seen)
        time.sleep(0.05)


# ------------------------------------------------------------------ presets, specs, critical path
def test_presets_fast_is_aws_over_60():
    assert set(slow.PRESETS["aws"]) == set(slow.KEYS)
    assert slow.PRESETS["aws"]["rds_create"] == 900
    for key, value in slow.PRESETS["aws"].items():
        assert slow.PRESETS["fast"][key] == pytest.approx(value / 60)


def test_durations_accepts_presets_scales_and_json():
    assert slow.durations("aws") == slow.PRESETS["aws"]
    assert slow.durations("aws*0.05")["rds_create"] == pytest.approx(45)
    custom = slow.durations('{"preset": "fast", "rds_create": 30}')
    assert custom["rds_create"] == 30 and custom["nat_create"] == pytest.approx(2)
    assert slow.durations('{"nat_delete": 1}')["rds_create"] == 900
    assert slow.durations({"preset": "aws*0", "alb_create": 2})["alb_create"] == 2


@pytest.mark.parametrize(
    "spec, message",
    [
        ("glacial", "unknown slow preset"),
        ("aws*x", "not a number"),
        ("aws*-1", "must not be negative"),
        ("{not json", "not valid JSON"),
        ('{"rds_craete": 1}', "unknown slow key"),
        ('{"rds_create": -1}', "must be a number >= 0"),
    ],
)
def test_durations_rejects_bad_specs(spec, message):
    with pytest.raises(slow.SlowSpecError, match=message):
        slow.durations(spec)


def test_critical_path_two_regions_fast():
    path = slow.critical_path(slow.PRESETS["fast"], ["us-east-1", "us-west-2"])
    assert path["deploy"] == pytest.approx(15)  # the Multi-AZ DB instance
    assert path["deploy_chain"][-1] == "rds_create" and "db subnet group" in path["deploy_chain"]
    assert path["teardown"] == pytest.approx(10)
    assert path["teardown_chain"][0] == "rds_delete" and path["teardown_chain"][-1] == "vpc"


def test_critical_path_replicas_add_up_across_regions():
    durations = dict(slow.PRESETS["aws"], replica_create=600, replica_delete=400)
    path = slow.critical_path(durations, 3)
    assert path["deploy"] == 10 + 2 * 600
    assert path["deploy_chain"] == ["table_create", "replica_create", "replica_create"]
    assert path["teardown"] == 2 * 400 + 10
    single = slow.critical_path(durations, 1)
    assert single["deploy"] == 900 and single["teardown"] == 600


# ------------------------------------------------------------------ RDS
def network():
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.%d.0/24" % i, AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for i, az in ((4, "a"), (5, "b"))
    ]
    group = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    return vpc, subnets, group


def create_db(subnets, group):
    rds = client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="dbs", DBSubnetGroupDescription="d", SubnetIds=subnets)
    created = rds.create_db_instance(
        DBInstanceIdentifier="db1",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="tapadmin",
        MasterUserPassword="x" * 16,
        MultiAZ=True,
        DBSubnetGroupName="dbs",
        VpcSecurityGroupIds=[group],
    )["DBInstance"]
    return rds, created


def db_status(rds):
    try:
        return rds.describe_db_instances(DBInstanceIdentifier="db1")["DBInstances"][0]["DBInstanceStatus"]
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "DBInstanceNotFound"
        return "gone"


def test_rds_instance_is_creating_without_endpoint_then_available(aws):
    _, subnets, group = network()
    rds, created = create_db(subnets, group)
    assert created["DBInstanceStatus"] == "creating"
    first = rds.describe_db_instances(DBInstanceIdentifier="db1")["DBInstances"][0]
    assert first["DBInstanceStatus"] == "creating" and "Endpoint" not in first
    assert phases(lambda: db_status(rds), aws) == ["creating", "creating", "available"]
    assert rds.describe_db_instances(DBInstanceIdentifier="db1")["DBInstances"][0]["Endpoint"]["Address"]
    states = [(e["event"], e["state"]) for e in slow_states.RECORD if e["kind"] == "rds"]
    assert states[0] == ("transition", "creating") and ("observed", "creating") in states
    assert states[-1] == ("transition", "available")


def test_rds_delete_is_deleting_then_gone_and_holds_its_dependencies(aws):
    vpc, subnets, group = network()
    rds, _ = create_db(subnets, group)
    aws.advance()
    deleted = rds.delete_db_instance(DBInstanceIdentifier="db1", SkipFinalSnapshot=True)["DBInstance"]
    assert deleted["DBInstanceStatus"] == "deleting"
    assert db_status(rds) == "deleting"
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="db1", SkipFinalSnapshot=True)
    assert error_code(excinfo) == "InvalidDBInstanceState"
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_subnet_group(DBSubnetGroupName="dbs")
    assert error_code(excinfo) == "InvalidDBSubnetGroupStateFault"
    assert "db1 is still using it" in str(excinfo.value)
    ec2 = client("ec2")
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=group)
    assert error_code(excinfo) == "DependencyViolation"
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_subnet(SubnetId=subnets[0])
    assert error_code(excinfo) == "DependencyViolation"

    assert phases(lambda: db_status(rds), aws) == ["deleting", "deleting", "gone"]
    rds.delete_db_subnet_group(DBSubnetGroupName="dbs")
    ec2.delete_security_group(GroupId=group)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


# ------------------------------------------------------------------ NAT gateways
def nat_network():
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    return ec2, vpc, subnet, igw, allocation, nat


def nat_state(ec2, nat_id):
    return ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"]


def test_nat_gateway_is_pending_then_available(aws):
    ec2, _, _, _, _, nat = nat_network()
    assert nat["State"] == "pending"
    assert ec2.describe_nat_gateways(Filter=[{"Name": "state", "Values": ["pending"]}])["NatGateways"]
    assert phases(lambda: nat_state(ec2, nat["NatGatewayId"]), aws) == ["pending", "pending", "available"]


def test_nat_gateway_delete_is_deleting_then_deleted_and_holds_its_dependencies(aws):
    ec2, vpc, subnet, igw, allocation, nat = nat_network()
    nat_id = nat["NatGatewayId"]
    aws.advance()
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert nat_state(ec2, nat_id) == "deleting"
    for call, kwargs, code in (
        (ec2.release_address, {"AllocationId": allocation}, "InvalidIPAddress.InUse"),
        (ec2.detach_internet_gateway, {"InternetGatewayId": igw, "VpcId": vpc}, "DependencyViolation"),
        (ec2.delete_subnet, {"SubnetId": subnet}, "DependencyViolation"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call(**kwargs)
        assert error_code(excinfo) == code, call
    assert phases(lambda: nat_state(ec2, nat_id), aws) == ["deleting", "deleting", "deleted"]
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0]
    ec2.release_address(AllocationId=allocation)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_subnet(SubnetId=subnet)


# ------------------------------------------------------------------ ELBv2
def test_load_balancer_is_provisioning_then_active(aws):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.%d.0/24" % i, AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for i, az in ((0, "a"), (1, "b"))
    ]
    elbv2 = client("elbv2")
    arn = elbv2.create_load_balancer(Name="alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]

    def state():
        return elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]

    assert phases(state, aws) == ["provisioning", "provisioning", "active"]


# ------------------------------------------------------------------ DynamoDB
def create_table(region=REGION):
    return client("dynamodb", region).create_table(
        TableName="tbl",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]


def table(region=REGION):
    try:
        return client("dynamodb", region).describe_table(TableName="tbl")["Table"]
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ResourceNotFoundException"
        return None


def summary(region=REGION):
    """(table status, {replica region: status}) or "gone"."""
    described = table(region)
    if described is None:
        return "gone"
    return described["TableStatus"], {r["RegionName"]: r["ReplicaStatus"] for r in described.get("Replicas", [])}


def replica_update(action, region=OTHER):
    return client("dynamodb").update_table(TableName="tbl", ReplicaUpdates=[{action: {"RegionName": region}}])


def test_table_is_creating_then_active_and_refuses_updates_meanwhile(aws):
    assert create_table()["TableStatus"] == "CREATING"
    with pytest.raises(ClientError) as excinfo:
        replica_update("Create")
    assert error_code(excinfo) == "ResourceInUseException"
    assert "Table is being created: tbl" in str(excinfo.value)
    assert phases(lambda: table()["TableStatus"], aws) == ["CREATING", "CREATING", "ACTIVE"]


def test_replica_creation_and_deletion_pass_through_their_states(aws):
    create_table()
    aws.advance()
    replica_update("Create")
    assert summary() == ("UPDATING", {OTHER: "CREATING"})
    assert table(OTHER)["TableStatus"] == "CREATING"
    with pytest.raises(ClientError) as excinfo:
        replica_update("Create", "eu-west-1")
    assert error_code(excinfo) == "ResourceInUseException"
    assert "Table is being updated: tbl" in str(excinfo.value)
    with pytest.raises(ClientError) as excinfo:
        client("dynamodb").delete_table(TableName="tbl")
    assert error_code(excinfo) == "ResourceInUseException"
    assert phases(summary, aws) == [("UPDATING", {OTHER: "CREATING"})] * 2 + [("ACTIVE", {OTHER: "ACTIVE"})]
    assert table(OTHER)["TableStatus"] == "ACTIVE"

    replica_update("Delete")
    assert summary() == ("UPDATING", {OTHER: "DELETING"})
    assert table(OTHER)["TableStatus"] == "DELETING"
    assert phases(summary, aws) == [("UPDATING", {OTHER: "DELETING"})] * 2 + [("ACTIVE", {})]
    assert table(OTHER) is None
    observed = {(e["kind"], e["state"]) for e in slow_states.RECORD if e["event"] == "observed"}
    assert {("replica", "CREATING"), ("replica", "DELETING"), ("table", "UPDATING")} <= observed


def test_table_delete_is_deleting_then_gone(aws):
    create_table()
    aws.advance()
    assert client("dynamodb").delete_table(TableName="tbl")["TableDescription"]["TableName"] == "tbl"
    assert summary() == ("DELETING", {})
    with pytest.raises(ClientError) as excinfo:
        create_table()
    assert error_code(excinfo) == "ResourceInUseException"
    assert phases(summary, aws) == [("DELETING", {})] * 2 + ["gone"]
    assert create_table()["TableStatus"] == "CREATING"


# ------------------------------------------------------------------ off by default, launcher
def test_without_slow_mode_everything_is_ready_at_once(aws):
    slow_states.configure(None)
    ec2, vpc, subnet, igw, allocation, nat = nat_network()
    assert nat_state(ec2, nat["NatGatewayId"]) == "available"
    assert create_table()["TableStatus"] == "ACTIVE"
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert nat_state(ec2, nat["NatGatewayId"]) == "deleted"
    assert not slow_states.RECORD


def test_launcher_rejects_a_bad_spec(tmp_path):
    with pytest.raises(EmulatorError, match="unknown slow preset"):
        Emulator(port=free_port(), state_dir=tmp_path, slow="glacial")


def test_launched_server_runs_slow_and_records(tmp_path):
    spec = json.dumps({"preset": "aws*0", "nat_create": 0.5})
    emulator = Emulator(port=free_port(), state_dir=tmp_path, slow=spec)
    try:
        assert "slow mode" in emulator.start()
        ec2 = aws_client(emulator, "ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        assert eventually(lambda: nat_state(ec2, nat), "available") == ["pending", "available"]
        states = []
        for entry in emulator.slow_record():
            if entry["id"] == nat and (not states or states[-1] != (entry["event"], entry["state"])):
                states.append((entry["event"], entry["state"]))
        assert states == [("transition", "pending"), ("observed", "pending"), ("transition", "available")]
    finally:
        emulator.stop()
