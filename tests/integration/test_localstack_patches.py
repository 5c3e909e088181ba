"""localstack-core as the launcher starts it (tools/localstack/patches) answers as AWS documents, where
LocalStack 2026.3.0 alone does not (docs/EMULATORS.md). Needs .venv-localstack (make localstack-venv)."""

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import free_port
from tools.localstack.launcher import LocalStack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    localstack = LocalStack(port=free_port(), state_dir=tmp_path_factory.mktemp("localstack"))
    localstack.start()

    def make(service):
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=localstack.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    yield make
    localstack.stop()


def error_of(call, **arguments):
    with pytest.raises(ClientError) as caught:
        call(**arguments)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_get_dashboard_of_a_missing_dashboard_is_resource_not_found_404(client):
    # CloudWatch API reference, GetDashboard, Errors: DashboardNotFoundError (ResourceNotFound), HTTP 404
    cloudwatch = client("cloudwatch")
    assert error_of(cloudwatch.get_dashboard, DashboardName="tap-missing") == ("ResourceNotFound", 404)
    cloudwatch.put_dashboard(DashboardName="tap-present", DashboardBody='{"widgets": []}')
    assert cloudwatch.get_dashboard(DashboardName="tap-present")["DashboardName"] == "tap-present"


def test_a_vpc_holding_a_security_group_or_an_attached_gateway_is_not_deleted(client):
    # EC2 API reference, DeleteVpc: delete the VPC's security groups (except the default one) and detach its
    # gateways first; otherwise DependencyViolation
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    assert error_of(ec2.delete_vpc, VpcId=vpc) == ("DependencyViolation", 400)
    ec2.delete_security_group(GroupId=group)
    assert error_of(ec2.delete_vpc, VpcId=vpc) == ("DependencyViolation", 400)
    ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.delete_vpc(VpcId=vpc)
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"] == []


def test_nat_gateways_and_elastic_ips_carry_aws_resource_types_and_tag_filters_apply(client):
    # EC2 API reference, TagDescription ResourceType: natgateway, elastic-ip; DescribeNatGateways Filter tag:<key>
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.21.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.21.0.0/24")["Subnet"]["SubnetId"]
    tags = [{"Key": "Environment", "Value": "ours"}]
    address = ec2.allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": tags}])[
        "AllocationId"
    ]
    nat = ec2.create_nat_gateway(
        SubnetId=subnet, AllocationId=address, TagSpecifications=[{"ResourceType": "natgateway", "Tags": tags}]
    )["NatGateway"]["NatGatewayId"]
    described = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [nat, address]}])["Tags"]
    assert {(tag["ResourceId"], tag["ResourceType"]) for tag in described} == {
        (nat, "natgateway"),
        (address, "elastic-ip"),
    }
    found = ec2.describe_nat_gateways(Filters=[{"Name": "tag:Environment", "Values": ["another"]}])["NatGateways"]
    assert found == []
    found = ec2.describe_nat_gateways(Filters=[{"Name": "tag:Environment", "Values": ["ours"]}])["NatGateways"]
    assert [gateway["NatGatewayId"] for gateway in found] == [nat]


def test_the_default_security_group_admits_its_own_members(client):
    # VPC User Guide, "Default security groups for your VPCs": inbound all traffic from the group itself
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.22.0.0/16")["Vpc"]["VpcId"]
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert [
        (rule["IpProtocol"], [pair["GroupId"] for pair in rule["UserIdGroupPairs"]])
        for rule in default["IpPermissions"]
    ] == [("-1", [default["GroupId"]])]


def test_get_resources_lists_the_kms_keys_carrying_the_tags(client):
    # Resource Groups Tagging API reference, GetResources: TagFilters and ResourceTypeFilters ["kms:key"]
    kms = client("kms")
    ours = kms.create_key(Tags=[{"TagKey": "Project", "TagValue": "tap-infra"}, {"TagKey": "Environment", "TagValue": "lsk"}])
    kms.create_key(Tags=[{"TagKey": "Project", "TagValue": "tap-infra"}, {"TagKey": "Environment", "TagValue": "other"}])
    found = client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "Project", "Values": ["tap-infra"]}, {"Key": "Environment", "Values": ["lsk"]}],
        ResourceTypeFilters=["kms:key"],
    )["ResourceTagMappingList"]
    assert [mapping["ResourceARN"] for mapping in found] == [ours["KeyMetadata"]["Arn"]]
