"""Realistic mode (tools/emulator/realism.py): each AWS answer a first deploy meets, with AWS's code, HTTP status
and message, while its window is open and not after; the account limits; DeleteVpc's dependencies.

In-process moto with the patches applied and a clock the tests move (every window is TICK seconds of it), so
nothing waits; one test launches a server in realistic mode and meets the answers over HTTP.
"""

import io
import json
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.conftest import aws_client, free_port
from tools.emulator import patches, realism
from tools.emulator.launcher import Emulator, EmulatorError
from tools.emulator.patches import cloudwatch_dashboard_validation, rds_orderable_options

from tests.unit.test_emulator_slow import TICK, Clock

REGION = "us-east-1"
ACCOUNT = "123456789012"
WINDOWS = [key for key in realism.PRESETS["aws"] if key not in realism.LIMITS]
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def aws_settings(**overrides):
    return dict({key: TICK for key in WINDOWS}, **dict({"vpcs_per_region": 5, "eips_per_region": 5}, **overrides))


@pytest.fixture
def aws(monkeypatch):
    """In-process AWS in realistic mode; the fixture's value is the clock windows are measured with."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    patches.apply_all()
    fake = Clock()
    monkeypatch.setattr(realism, "clock", fake)
    realism.configure(aws_settings())
    with mock_aws():
        yield fake
    realism.configure(None)


@pytest.fixture
def plain_aws(monkeypatch):
    """In-process AWS with the patches applied, realistic mode off (the emulator's default)."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    patches.apply_all()
    realism.configure(None)
    with mock_aws():
        yield


def client(service, region=REGION):
    return boto3.client(service, region_name=region)


def refusal(call, **kwargs):
    """(code, HTTP status, message) of the error call(**kwargs) answers; fails when it succeeds."""
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


# ------------------------------------------------------------------ settings and launcher
def test_settings_scale_windows_but_not_limits():
    scaled = realism.settings("aws*0.1")
    assert scaled["role_propagation"] == pytest.approx(1.0)
    assert scaled["load_balancer_interfaces_release"] == pytest.approx(12.0)
    assert scaled["vpcs_per_region"] == 5 and scaled["eips_per_region"] == 5
    custom = realism.settings('{"preset": "aws*0", "vpcs_per_region": 10, "secret_deletion": 2}')
    assert custom["vpcs_per_region"] == 10 and custom["secret_deletion"] == 2 and custom["role_propagation"] == 0


@pytest.mark.parametrize(
    "spec, message",
    [
        ("azure", "unknown realism preset"),
        ("aws*soon", "not a number"),
        ('{"vpc_limit": 3}', "unknown realism key"),
        ('{"eips_per_region": -1}', "must be a number >= 0"),
    ],
)
def test_bad_specs_are_refused_before_the_server_starts(tmp_path, spec, message):
    with pytest.raises(realism.RealismSpecError, match=message):
        realism.settings(spec)
    with pytest.raises(EmulatorError, match=message):
        Emulator(port=free_port(), state_dir=tmp_path, realistic=spec)


# ------------------------------------------------------------------ DynamoDB point-in-time recovery
def test_point_in_time_recovery_is_refused_for_a_while_after_create_table(aws):
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="t1",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    spec = {"PointInTimeRecoveryEnabled": True}
    aws.advance(TICK - 1)
    assert refusal(ddb.update_continuous_backups, TableName="t1", PointInTimeRecoverySpecification=spec) == (
        "ContinuousBackupsUnavailableException",
        400,
        "Backups are being enabled for the table: t1. Please retry later",
    )
    aws.advance(1)
    ddb.update_continuous_backups(TableName="t1", PointInTimeRecoverySpecification=spec)
    described = ddb.describe_continuous_backups(TableName="t1")["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


# ------------------------------------------------------------------ Lambda and a new role
def package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def create_function(role_arn, name="fn"):
    return client("lambda").create_function(
        FunctionName=name, Runtime="python3.13", Role=role_arn, Handler="handler.handler", Code={"ZipFile": package()}
    )


def test_create_function_is_refused_until_a_new_role_can_be_assumed(aws):
    role = client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    aws.advance(TICK - 1)
    assert refusal(create_function, role_arn=role) == (
        "InvalidParameterValueException",
        400,
        "The role defined for the function cannot be assumed by Lambda.",
    )
    assert client("lambda").list_functions()["Functions"] == []
    aws.advance(1)
    assert create_function(role)["Role"] == role


def test_update_function_configuration_is_refused_after_a_trust_policy_change(aws):
    iam, lam = client("iam"), client("lambda")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    aws.advance()
    create_function(role)
    iam.update_assume_role_policy(RoleName="fn-role", PolicyDocument=TRUST)
    code, status, _ = refusal(lam.update_function_configuration, FunctionName="fn", Timeout=9)
    assert (code, status) == ("InvalidParameterValueException", 400)
    aws.advance()
    assert lam.update_function_configuration(FunctionName="fn", Timeout=9)["Timeout"] == 9


# ------------------------------------------------------------------ KMS key policies
def key_policy(*principals):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "kms:Decrypt", "Resource": "*"},
            ],
        }
    )


def test_key_policy_naming_a_new_or_unknown_principal_is_refused(aws):
    kms = client("kms")
    role = client("iam").create_role(RoleName="reader", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    invalid = (
        "MalformedPolicyDocumentException",
        400,
        "Policy contains a statement with one or more invalid principals.",
    )
    assert refusal(kms.create_key, Policy=key_policy(role)) == invalid
    assert kms.list_keys()["Keys"] == []
    key = kms.create_key(Policy=key_policy())["KeyMetadata"]["KeyId"]
    assert refusal(kms.put_key_policy, KeyId=key, PolicyName="default", Policy=key_policy(role)) == invalid
    aws.advance()
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=key_policy(role))
    assert role in kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    unknown = "arn:aws:iam::%s:role/never-created" % ACCOUNT
    assert refusal(kms.create_key, Policy=key_policy(role, unknown)) == invalid


# ------------------------------------------------------------------ ELBv2 Lambda targets
def lambda_target_group(aws):
    role = client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    aws.advance()
    function = create_function(role)["FunctionArn"]
    group = client("elbv2").create_target_group(Name="tg", TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
    return function, group


def allow_load_balancer(target_group_arn):
    client("lambda").add_permission(
        FunctionName="fn",
        StatementId="elb",
        Action="lambda:InvokeFunction",
        Principal="elasticloadbalancing.amazonaws.com",
        SourceArn=target_group_arn,
    )


def test_register_targets_of_a_lambda_waits_for_its_invoke_permission(aws):
    elbv2 = client("elbv2")
    function, group = lambda_target_group(aws)
    denied = (
        "AccessDenied",
        403,
        "elasticloadbalancing principal does not have permission to invoke %s from target group %s" % (function, group),
    )
    assert refusal(elbv2.register_targets, TargetGroupArn=group, Targets=[{"Id": function}]) == denied
    allow_load_balancer(group)
    aws.advance(TICK - 1)
    assert refusal(elbv2.register_targets, TargetGroupArn=group, Targets=[{"Id": function}]) == denied
    aws.advance(1)
    elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": function}])
    health = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    assert [t["Target"]["Id"] for t in health] == [function]


def test_register_targets_is_refused_for_a_permission_of_another_target_group(aws):
    elbv2 = client("elbv2")
    function, group = lambda_target_group(aws)
    other = elbv2.create_target_group(Name="other", TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
    allow_load_balancer(other)
    aws.advance()
    code, status, _ = refusal(elbv2.register_targets, TargetGroupArn=group, Targets=[{"Id": function}])
    assert (code, status) == ("AccessDenied", 403)


# ------------------------------------------------------------------ EC2: a deleted load balancer's interfaces
def network(ec2, cidr="10.0"):
    vpc = ec2.create_vpc(CidrBlock=cidr + ".0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="%s.%d.0/24" % (cidr, i), AvailabilityZone=REGION + az)["Subnet"][
            "SubnetId"
        ]
        for i, az in ((0, "a"), (1, "b"))
    ]
    group = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    return vpc, subnets, group


def test_a_deleted_load_balancer_holds_its_security_group_and_subnets_for_a_while(aws):
    ec2, elbv2 = client("ec2"), client("elbv2")
    vpc, subnets, group = network(ec2)
    balancer = elbv2.create_load_balancer(Name="alb", Subnets=subnets, SecurityGroups=[group])["LoadBalancers"][0]
    elbv2.delete_load_balancer(LoadBalancerArn=balancer["LoadBalancerArn"])
    aws.advance(TICK - 1)
    assert refusal(ec2.delete_security_group, GroupId=group) == (
        "DependencyViolation",
        400,
        "resource %s has a dependent object" % group,
    )
    assert refusal(ec2.delete_subnet, SubnetId=subnets[0]) == (
        "DependencyViolation",
        400,
        "The subnet '%s' has dependencies and cannot be deleted." % subnets[0],
    )
    aws.advance(1)
    ec2.delete_security_group(GroupId=group)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []


# ------------------------------------------------------------------ EC2: DeleteVpc's dependencies (always on)
def test_delete_vpc_is_refused_while_it_holds_a_security_group_or_gateway(plain_aws):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    dependencies = ("DependencyViolation", 400, "The vpc '%s' has dependencies and cannot be deleted." % vpc)
    assert refusal(ec2.delete_vpc, VpcId=vpc) == dependencies
    ec2.delete_security_group(GroupId=group)
    assert refusal(ec2.delete_vpc, VpcId=vpc) == dependencies
    ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.delete_vpc(VpcId=vpc)  # its default security group goes with it
    assert ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"] == []


# ------------------------------------------------------------------ Secrets Manager names
def test_a_secret_name_is_refused_while_a_secret_of_that_name_is_being_deleted(aws):
    sm = client("secretsmanager")
    scheduled = ("InvalidRequestException", 400, realism_message())
    sm.create_secret(Name="db", SecretString="{}")
    sm.delete_secret(SecretId="db", ForceDeleteWithoutRecovery=True)
    assert sm.list_secrets()["SecretList"] == []
    aws.advance(TICK - 1)
    assert refusal(sm.create_secret, Name="db", SecretString="{}") == scheduled
    aws.advance(1)
    sm.create_secret(Name="db", SecretString="{}")
    sm.delete_secret(SecretId="db", RecoveryWindowInDays=7)
    aws.advance()
    assert refusal(sm.create_secret, Name="db", SecretString="{}") == scheduled


def realism_message():
    from tools.emulator.patches import secretsmanager_name_being_deleted

    return secretsmanager_name_being_deleted.MESSAGE


# ------------------------------------------------------------------ S3 bucket names
def test_a_bucket_name_is_refused_for_a_while_after_the_bucket_was_deleted(aws):
    s3 = client("s3")
    s3.create_bucket(Bucket="tap-reused")
    s3.delete_bucket(Bucket="tap-reused")
    aws.advance(TICK - 1)
    assert refusal(s3.create_bucket, Bucket="tap-reused") == (
        "OperationAborted",
        409,
        "A conflicting conditional operation is currently in progress against this resource. Please try again.",
    )
    aws.advance(1)
    s3.create_bucket(Bucket="tap-reused")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["tap-reused"]


# ------------------------------------------------------------------ CloudWatch dashboards
def test_put_dashboard_answers_cloudwatchs_validation_messages(aws):
    cw = client("cloudwatch")
    body = {
        "widgets": [
            {"type": "metric", "x": 0, "y": 0, "width": 25, "height": 6, "properties": {"metrics": [["A", "B"]]}},
            {"type": "text", "properties": {"markdown": "ok"}},
            {"type": "chart", "properties": {}},
        ]
    }
    with pytest.raises(ClientError) as excinfo:
        cw.put_dashboard(DashboardName="d", DashboardBody=json.dumps(body))
    response = excinfo.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidParameterInput", 400)
    assert response["Error"]["Message"].startswith("The dashboard body is invalid, there are 3 validation errors:")
    assert response["dashboardValidationMessages"] == [
        {"DataPath": "/widgets/0/width", "Message": "Should be <= 24"},
        {"DataPath": "/widgets/0/properties", "Message": "Should have required property 'region'"},
        {"DataPath": "/widgets/2/type", "Message": "Should be equal to one of the allowed values"},
    ]
    assert cw.list_dashboards()["DashboardEntries"] == []
    body["widgets"][0].update(width=24, properties={"metrics": [["A", "B"]], "region": REGION})
    del body["widgets"][2]
    assert cw.put_dashboard(DashboardName="d", DashboardBody=json.dumps(body))["DashboardValidationMessages"] == []


def test_dashboard_validation_names_each_rule():
    def messages(body):
        return cloudwatch_dashboard_validation.validation_messages(json.dumps(body))

    assert messages([]) == [("", "Should be object")]
    assert messages({}) == [("", "Should have required property 'widgets'")]
    assert messages({"widgets": {}}) == [("/widgets", "Should be array")]
    assert messages({"widgets": [{"x": 1.5, "height": 0, "type": "text", "properties": {}}]}) == [
        ("/widgets/0/x", "Should be integer"),
        ("/widgets/0/height", "Should be >= 1"),
        ("/widgets/0/properties", "Should have required property 'markdown'"),
    ]


# ------------------------------------------------------------------ RDS orderable options
def test_create_db_instance_refuses_a_version_or_class_rds_does_not_offer(aws):
    rds = client("rds")

    def create(version, instance_class):
        return rds.create_db_instance(
            DBInstanceIdentifier="db-" + version.replace(".", "-"),
            Engine="postgres",
            EngineVersion=version,
            DBInstanceClass=instance_class,
            AllocatedStorage=20,
            MasterUsername="tapadmin",
            MasterUserPassword="x" * 16,
        )

    assert refusal(create, version="15.3", instance_class="db.t3.micro") == (
        "InvalidParameterCombination",
        400,
        "Cannot find version 15.3 for postgres",
    )
    code, status, message = refusal(create, version="17.7", instance_class="db.t2.micro")
    assert (code, status) == ("InvalidParameterCombination", 400)
    assert message.startswith(
        "RDS does not support creating a DB instance with the following combination: DBInstanceClass=db.t2.micro, "
        "Engine=postgres, EngineVersion=17.7, LicenseModel=postgresql-license."
    )
    assert rds.describe_db_instances()["DBInstances"] == []
    assert create("17.7", "db.t3.micro")["DBInstance"]["EngineVersion"] == "17.7"


def test_orderable_options_answer_for_postgres(plain_aws):
    rds = client("rds")
    found = rds.describe_orderable_db_instance_options(
        Engine="postgres", EngineVersion="17.7", DBInstanceClass="db.t3.micro"
    )["OrderableDBInstanceOptions"]
    assert [(o["EngineVersion"], o["DBInstanceClass"], o["MultiAZCapable"]) for o in found] == [
        ("17.7", "db.t3.micro", True)
    ]
    assert [a["Name"] for a in found[0]["AvailabilityZones"]] == [REGION + "a", REGION + "b", REGION + "c"]
    for instance_class in ("db.t2.micro", "db.m4.large"):
        assert not rds.describe_orderable_db_instance_options(Engine="postgres", DBInstanceClass=instance_class)[
            "OrderableDBInstanceOptions"
        ]
    assert rds_orderable_options.refusal("16.11", "db.r7g.large") is None


# ------------------------------------------------------------------ account limits
def test_vpcs_and_elastic_ips_stop_at_the_accounts_limits(aws):
    ec2 = client("ec2", "eu-west-1")
    assert len(ec2.describe_vpcs()["Vpcs"]) == 1  # the default VPC counts against the limit, as on AWS
    for index in range(4):
        ec2.create_vpc(CidrBlock="10.%d.0.0/16" % index)
    assert refusal(ec2.create_vpc, CidrBlock="10.9.0.0/16") == (
        "VpcLimitExceeded",
        400,
        "The maximum number of VPCs has been reached.",
    )
    for _ in range(5):
        ec2.allocate_address(Domain="vpc")
    assert refusal(ec2.allocate_address, Domain="vpc") == (
        "AddressLimitExceeded",
        400,
        "The maximum number of addresses has been reached.",
    )
    assert len(ec2.describe_addresses()["Addresses"]) == 5
    assert len(client("ec2", "eu-west-2").describe_vpcs()["Vpcs"]) == 1  # per region


def test_limits_are_settings(aws):
    realism.configure(aws_settings(vpcs_per_region=2))
    ec2 = client("ec2", "eu-west-1")
    ec2.create_vpc(CidrBlock="10.0.0.0/16")
    assert refusal(ec2.create_vpc, CidrBlock="10.1.0.0/16")[0] == "VpcLimitExceeded"


# ------------------------------------------------------------------ off by default
def test_without_realistic_mode_the_emulator_answers_at_once(plain_aws):
    ddb, s3, ec2 = client("dynamodb"), client("s3"), client("ec2", "eu-west-1")
    ddb.create_table(
        TableName="t1",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_continuous_backups(TableName="t1", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    s3.create_bucket(Bucket="tap-reused")
    s3.delete_bucket(Bucket="tap-reused")
    s3.create_bucket(Bucket="tap-reused")
    for index in range(6):
        ec2.create_vpc(CidrBlock="10.%d.0.0/16" % index)
    assert len(ec2.describe_vpcs()["Vpcs"]) == 7


# ------------------------------------------------------------------ over HTTP, from a started server
def test_a_server_started_realistic_answers_with_aws_statuses(tmp_path):
    emulator = Emulator(port=free_port(), state_dir=tmp_path, realistic='{"preset": "aws", "eips_per_region": 1}')
    assert "realistic mode" in emulator.start()
    try:
        s3 = aws_client(emulator, "s3")
        s3.create_bucket(Bucket="tap-reused")
        s3.delete_bucket(Bucket="tap-reused")
        assert refusal(s3.create_bucket, Bucket="tap-reused")[:2] == ("OperationAborted", 409)
        ec2 = aws_client(emulator, "ec2")
        ec2.allocate_address(Domain="vpc")
        assert refusal(ec2.allocate_address, Domain="vpc")[:2] == ("AddressLimitExceeded", 400)
        cw = aws_client(emulator, "cloudwatch")
        with pytest.raises(ClientError) as excinfo:
            cw.put_dashboard(DashboardName="d", DashboardBody='{"widgets": [{"type": "metric", "properties": {}}]}')
        assert excinfo.value.response["Error"]["Code"] == "InvalidParameterInput"
        assert {m["DataPath"] for m in excinfo.value.response["dashboardValidationMessages"]} == {
            "/widgets/0/properties"
        }
        assert [entry["window"] for entry in emulator.realism_record()] == ["bucket_name_release"]
    finally:
        emulator.stop()
