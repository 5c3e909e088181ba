"""The network tier, asserted by describe calls: the VPC, its six subnets, the internet gateway, a NAT gateway
and an Elastic IP per AZ, the route tables, and the tags AWS reports for each (DescribeTags by resource type).

TAP_SUFFIX=x pytest tests/stack/test_vpc.py -m present   # after site.yml
TAP_SUFFIX=x pytest tests/stack/test_vpc.py -m absent    # after teardown.yml
"""

import ipaddress

import pytest

pytestmark = pytest.mark.concerns("vpc")

TIERS = ("public", "private", "isolated")


def _ours(stack):
    return [
        {"Name": "tag:Project", "Values": ["tap-infra"]},
        {"Name": "tag:Environment", "Values": [stack.suffix]},
    ]


def _tags(pairs):
    return {pair["Key"]: pair["Value"] for pair in pairs or []}


def _vpc(stack, site):
    ec2 = stack.client("ec2", site["aws_region"])
    name = stack.names(site["host"])["vpc"]
    vpcs = ec2.describe_vpcs(Filters=_ours(stack) + [{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
    assert len(vpcs) == 1, "VPC %s: %d found" % (name, len(vpcs))
    return ec2, vpcs[0]


def _nat_gateways(ec2, filters):
    pages = ec2.get_paginator("describe_nat_gateways").paginate(Filters=filters).build_full_result()
    # a deleted NAT gateway stays listed for about an hour (AWS and the emulators alike)
    return [nat for nat in pages["NatGateways"] if nat["State"] not in ("deleted", "failed")]


@pytest.mark.present
def test_vpc_cidr_and_dns(stack):
    for site in stack.sites:
        ec2, vpc = _vpc(stack, site)
        assert vpc["CidrBlock"] == site["vpc_cidr"]
        for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
            answer = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)
            assert answer[key]["Value"] is True, (site["host"], attribute)


@pytest.mark.present
def test_six_subnets_each_tier_in_two_azs(stack):
    for site in stack.sites:
        ec2, vpc = _vpc(stack, site)
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
        by_tier = {}
        for subnet in subnets:
            tags = _tags(subnet.get("Tags"))
            by_tier.setdefault(tags.get("Tier"), []).append(subnet)
            assert ipaddress.ip_network(subnet["CidrBlock"]).subnet_of(ipaddress.ip_network(site["vpc_cidr"]))
            assert subnet["MapPublicIpOnLaunch"] is (tags.get("Tier") == "public"), subnet["SubnetId"]
        assert sorted(by_tier) == sorted(TIERS), site["host"]
        for tier, members in by_tier.items():
            assert len({subnet["AvailabilityZone"] for subnet in members}) == 2, (site["host"], tier)


@pytest.mark.present
def test_routes_public_to_the_gateway_private_to_the_nat_of_their_az_isolated_nowhere(stack):
    for site in stack.sites:
        ec2, vpc = _vpc(stack, site)
        in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])
        assert len(gateways["InternetGateways"]) == 1, site["host"]
        gateway_id = gateways["InternetGateways"][0]["InternetGatewayId"]
        subnet_tier = {
            subnet["SubnetId"]: _tags(subnet.get("Tags")).get("Tier")
            for subnet in ec2.describe_subnets(Filters=in_vpc)["Subnets"]
        }
        nat_of_subnet = {nat["SubnetId"]: nat["NatGatewayId"] for nat in _nat_gateways(ec2, in_vpc)}
        for table in ec2.describe_route_tables(Filters=in_vpc + _ours(stack))["RouteTables"]:
            tier = _tags(table.get("Tags")).get("Tier")
            default_routes = [route for route in table["Routes"] if route.get("DestinationCidrBlock") == "0.0.0.0/0"]
            associated = [assoc["SubnetId"] for assoc in table["Associations"] if assoc.get("SubnetId")]
            assert associated and {subnet_tier[subnet] for subnet in associated} == {tier}, table["RouteTableId"]
            if tier == "public":
                assert [route.get("GatewayId") for route in default_routes] == [gateway_id]
            elif tier == "private":
                assert len(default_routes) == 1 and default_routes[0].get("NatGatewayId") in nat_of_subnet.values()
            else:
                assert default_routes == [], table["RouteTableId"]


@pytest.mark.present
def test_a_nat_gateway_and_an_elastic_ip_per_az_tagged_as_aws_reports_them(stack):
    for site in stack.sites:
        ec2, vpc = _vpc(stack, site)
        in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        nats = _nat_gateways(ec2, in_vpc + _ours(stack))
        public = ec2.describe_subnets(Filters=in_vpc + [{"Name": "tag:Tier", "Values": ["public"]}])["Subnets"]
        assert sorted(nat["SubnetId"] for nat in nats) == sorted(subnet["SubnetId"] for subnet in public), site["host"]
        prefix = stack.names(site["host"])["eip_prefix"] + "-"
        addresses = [
            address
            for address in ec2.describe_addresses(Filters=_ours(stack))["Addresses"]
            if _tags(address.get("Tags")).get("Name", "").startswith(prefix)
        ]
        assert sorted(address["AllocationId"] for address in addresses) == sorted(
            nat["NatGatewayAddresses"][0]["AllocationId"] for nat in nats
        )
        # DescribeTags names these resource types `natgateway` and `elastic-ip` (EC2 API reference,
        # TagDescription): what the stock modules read to decide whether tags changed.
        for resource_type, ids in (
            ("natgateway", [nat["NatGatewayId"] for nat in nats]),
            ("elastic-ip", [address["AllocationId"] for address in addresses]),
        ):
            described = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": ids}])["Tags"]
            assert {tag["ResourceType"] for tag in described} == {resource_type}
            assert {tag["ResourceId"] for tag in described if tag["Key"] == "Environment"} == set(ids)


@pytest.mark.absent
def test_no_network_resource_of_the_suffix_is_left(stack):
    for region in stack.regions:
        ec2 = stack.client("ec2", region)
        assert ec2.describe_vpcs(Filters=_ours(stack))["Vpcs"] == []
        assert ec2.describe_subnets(Filters=_ours(stack))["Subnets"] == []
        assert ec2.describe_internet_gateways(Filters=_ours(stack))["InternetGateways"] == []
        assert ec2.describe_route_tables(Filters=_ours(stack))["RouteTables"] == []
        assert _nat_gateways(ec2, _ours(stack)) == []
        assert ec2.describe_addresses(Filters=_ours(stack))["Addresses"] == []
