"""AWS behaviours the emulator patches restore (EC2 tag resource types, KMS key ARNs), shown
through the patched server as the stack's modules see it."""

from tests.conftest import aws_client


def test_nat_gateway_and_eip_tags_carry_aws_resource_types(emulator):
    ec2 = aws_client(emulator, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/24")["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(
        Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "k", "Value": "eip"}]}]
    )["AllocationId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnet,
        AllocationId=eip,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "k", "Value": "nat"}]}],
    )["NatGateway"]["NatGatewayId"]
    by_type = {
        kind: ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": [kind]}])["Tags"]
        for kind in ("natgateway", "elastic-ip")
    }
    assert [(t["ResourceId"], t["ResourceType"]) for t in by_type["natgateway"]] == [(nat, "natgateway")]
    assert [(t["ResourceId"], t["ResourceType"]) for t in by_type["elastic-ip"]] == [(eip, "elastic-ip")]


def test_kms_key_deletion_accepts_the_key_arn(emulator):
    kms = aws_client(emulator, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=key["Arn"], PendingWindowInDays=7)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"


def test_nat_gateways_are_filtered_by_their_tags(emulator):
    ec2 = aws_client(emulator, "ec2", "eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.21.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.21.0.0/24")["Subnet"]["SubnetId"]
    nats = {}
    for owner in ("mine", "theirs"):
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        tags = [{"Key": "Owner", "Value": owner}] + ([{"Key": "Mine", "Value": "yes"}] if owner == "mine" else [])
        nats[owner] = ec2.create_nat_gateway(
            SubnetId=subnet, AllocationId=eip, TagSpecifications=[{"ResourceType": "natgateway", "Tags": tags}]
        )["NatGateway"]["NatGatewayId"]

    def found(*filters):
        listed = ec2.describe_nat_gateways(Filter=[{"Name": n, "Values": v} for n, v in filters])["NatGateways"]
        return sorted(nat["NatGatewayId"] for nat in listed)

    assert found(("tag:Owner", ["mine"])) == [nats["mine"]]
    assert found(("tag:Owner", ["mine", "theirs"])) == sorted(nats.values())
    assert found(("tag:Owner", ["nobody"])) == []
    assert found(("tag-key", ["Mine"])) == [nats["mine"]]
    assert found(("tag-value", ["theirs"])) == [nats["theirs"]]
    assert found(("vpc-id", [vpc]), ("tag:Owner", ["theirs"])) == [nats["theirs"]]


def test_default_security_group_admits_its_own_members(emulator):
    ec2 = aws_client(emulator, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.22.0.0/16")["Vpc"]["VpcId"]
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    group_id = default["GroupId"]
    [inbound] = default["IpPermissions"]
    assert inbound["IpProtocol"] == "-1"
    assert [pair["GroupId"] for pair in inbound["UserIdGroupPairs"]] == [group_id]
    assert [r["CidrIp"] for p in default["IpPermissionsEgress"] for r in p["IpRanges"]] == ["0.0.0.0/0"]
    ec2.revoke_security_group_ingress(
        GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id}]}]
    )
    assert ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"] == []
    # a group the stack creates has no inbound rule
    other = ec2.create_security_group(GroupName="plain", Description="plain", VpcId=vpc)["GroupId"]
    assert ec2.describe_security_groups(GroupIds=[other])["SecurityGroups"][0]["IpPermissions"] == []
