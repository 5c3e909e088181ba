# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.ec2_vpc_route_tables against botocore's Stubber, with the response shapes EC2 returns.

Stubber fails on any call out of order, with other parameters, or left unmade: the number of reads of a
converged run and the absence of writes in check mode are asserted by the queued responses themselves.
"""

import copy

from functools import partial

import pytest

from ansible_collections.tap.infra.plugins.modules import ec2_vpc_route_tables as mod
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

ACCOUNT = "123456789012"
VPC_ID = "vpc-0ee975135d1a2b3c4"
VPC_CIDR = "10.0.0.0/16"
VPC_FILTER = [{"Name": "vpc-id", "Values": [VPC_ID]}]
IGW = "igw-0c1d2e3f4a5b6c7d8"
NAT_A = "nat-0a1b2c3d4e5f60718"
NAT_A2 = "nat-0f9e8d7c6b5a49382"
SUBNETS = {
    "public-a": "subnet-0bb1c79de3e5a6b01",
    "public-b": "subnet-0bb1c79de3e5a6b02",
    "private-a": "subnet-0bb1c79de3e5a6b03",
    "isolated-a": "subnet-0bb1c79de3e5a6b05",
}
IDS = {
    "rt-public": "rtb-0aa0000000000p001",
    "rt-private-a": "rtb-0aa0000000000a001",
    "rt-isolated": "rtb-0aa00000000000i01",
}
MAIN_ID = "rtb-0aa000000000main1"


def tags_of(name, tier):
    return {"Project": "tap-infra", "Environment": "test", "Name": name, "Tier": tier}


PLAN = [
    {
        "name": "rt-public",
        "tags": tags_of("rt-public", "public"),
        "subnets": [SUBNETS["public-a"], SUBNETS["public-b"]],
        "routes": [{"dest": "0.0.0.0/0", "gateway_id": IGW}],
    },
    {
        "name": "rt-private-a",
        "tags": tags_of("rt-private-a", "private"),
        "subnets": [SUBNETS["private-a"]],
        "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": NAT_A}],
    },
    {
        "name": "rt-isolated",
        "tags": tags_of("rt-isolated", "isolated"),
        "subnets": [SUBNETS["isolated-a"]],
        "routes": [],
    },
]


# ---- real AWS response shapes --------------------------------------------------------------------------------


def local_route():
    return {"DestinationCidrBlock": VPC_CIDR, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}


def igw_route(gateway_id=IGW):
    return {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway_id, "Origin": "CreateRoute", "State": "active"}


def nat_route(nat_id=NAT_A, state="active"):
    return {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat_id, "Origin": "CreateRoute", "State": state}


def association(table_id, subnet_id, index=0):
    return {
        "Main": False,
        "RouteTableAssociationId": "rtbassoc-%s%02d" % (subnet_id[-6:], index),
        "RouteTableId": table_id,
        "SubnetId": subnet_id,
        "AssociationState": {"State": "associated"},
    }


def table(name, table_id=None, subnets=(), routes=(), tags=None):
    """One RouteTable as DescribeRouteTables / CreateRouteTable return it."""
    table_id = table_id or IDS[name]
    tier = name.split("-")[1]
    tags = tags_of(name, tier) if tags is None else tags
    return {
        "Associations": [association(table_id, s) for s in subnets],
        "PropagatingVgws": [],
        "RouteTableId": table_id,
        "Routes": [local_route()] + list(routes),
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        "VpcId": VPC_ID,
        "OwnerId": ACCOUNT,
    }


def main_table(subnets=()):
    shape = table("rt-main-x", table_id=MAIN_ID, tags={})
    shape["Associations"] = [
        {
            "Main": True,
            "RouteTableAssociationId": "rtbassoc-0main0000000001",
            "RouteTableId": MAIN_ID,
            "AssociationState": {"State": "associated"},
        }
    ] + [association(MAIN_ID, s) for s in subnets]
    return shape


def converged():
    return [
        main_table(),
        table("rt-public", subnets=[SUBNETS["public-a"], SUBNETS["public-b"]], routes=[igw_route()]),
        table("rt-private-a", subnets=[SUBNETS["private-a"]], routes=[nat_route()]),
        table("rt-isolated", subnets=[SUBNETS["isolated-a"]]),
    ]


def assoc_id(subnet_id, index=0):
    return "rtbassoc-%s%02d" % (subnet_id[-6:], index)


# ---- fixtures ----------------------------------------------------------------------------------------------


class Stubs(utils.Stubs):
    """The stubbed ec2 client, recording the calls made."""

    service = "ec2"

    def __init__(self):
        super().__init__()
        self.clock = utils.Clock()

    def manager(self, check_mode=False):
        return mod.RouteTablesManager(self.client(), check_mode=check_mode, sleep=self.clock.sleep, clock=self.clock)

    # reads
    def vpc_tables(self, tables, vpc_id=VPC_ID, pages=1):
        tables = copy.deepcopy(tables)
        size = -(-len(tables) // pages) if tables else 0
        for page in range(pages):
            response = {"RouteTables": tables[page * size : (page + 1) * size]}
            params = {"Filters": [{"Name": "vpc-id", "Values": [vpc_id]}]}
            if page + 1 < pages:
                response["NextToken"] = "token-%d" % (page + 1)
            if page:
                params["NextToken"] = "token-%d" % page
            self.stubber.add_response("describe_route_tables", response, params)

    # writes
    def expect_create(self, name):
        spec = next(p for p in PLAN if p["name"] == name)
        params = {
            "VpcId": VPC_ID,
            "TagSpecifications": [
                {"ResourceType": "route-table", "Tags": [{"Key": k, "Value": v} for k, v in spec["tags"].items()]}
            ],
        }
        self.stubber.add_response("create_route_table", {"RouteTable": table(name)}, params)

    def expect(self, method, params, response=None):
        self.stubber.add_response(method, response or {}, params)

    def error(self, method, code, params=None, message="error"):
        self.stubber.add_client_error(
            method, service_error_code=code, service_message=message, http_status_code=400, expected_params=params
        )

    def expect_route(self, method, table_id, **target):
        self.expect(method, dict({"RouteTableId": table_id, "DestinationCidrBlock": "0.0.0.0/0"}, **target))

    def expect_associate(self, table_id, subnet_id):
        self.expect(
            "associate_route_table",
            {"RouteTableId": table_id, "SubnetId": subnet_id},
            {"AssociationId": assoc_id(subnet_id, 1), "AssociationState": {"State": "associated"}},
        )


stubs = utils.stubs_fixture(Stubs)


READS = {"DescribeRouteTables"}


def writes(calls):
    return [c for c in calls if c not in READS]


# ---- helpers -------------------------------------------------------------------------------------------------


def test_inputs_are_validated_before_any_call():
    with pytest.raises(mod.RouteTablesError, match="rt-x is listed more than once"):
        mod.desired_tables([{"name": "rt-x"}, {"name": "rt-x"}], False)
    with pytest.raises(mod.RouteTablesError, match="subnet subnet-1 is listed for route tables a and b"):
        mod.desired_tables([{"name": "a", "subnets": ["subnet-1"]}, {"name": "b", "subnets": ["subnet-1"]}], False)
    with pytest.raises(mod.RouteTablesError, match="has no target"):
        mod.desired_tables([{"name": "a", "routes": [{"dest": "0.0.0.0/0", "gateway_id": ""}]}], False)
    with pytest.raises(mod.RouteTablesError, match="both a gateway_id and a nat_gateway_id"):
        mod.desired_tables(
            [{"name": "a", "routes": [{"dest": "0.0.0.0/0", "gateway_id": IGW, "nat_gateway_id": NAT_A}]}], False
        )
    with pytest.raises(mod.RouteTablesError, match="not a CIDR block"):
        mod.desired_tables([{"name": "a", "routes": [{"dest": "10.0.0.1/16", "gateway_id": IGW}]}], False)
    with pytest.raises(mod.RouteTablesError, match="Name tag is its name"):
        mod.desired_tables([{"name": "a", "tags": {"Name": "b"}}], False)
    with pytest.raises(mod.RouteTablesError, match="every route table needs a name"):
        mod.desired_tables([{"name": ""}], False)
    with pytest.raises(mod.RouteTablesError, match="route table a: a subnet id is empty"):
        mod.desired_tables([{"name": "a", "subnets": [""]}], False)
    with pytest.raises(mod.RouteTablesError, match="destination 0.0.0.0/0 is listed more than once"):
        routes = [{"dest": "0.0.0.0/0", "gateway_id": IGW}, {"dest": "0.0.0.0/0", "nat_gateway_id": NAT_A}]
        mod.desired_tables([{"name": "a", "routes": routes}], False)
    with pytest.raises(mod.RouteTablesError, match="the local route \\(10.0.0.0/16\\) is EC2's own"):
        mod.desired_tables([{"name": "a", "routes": [{"dest": "10.0.0.0/16", "gateway_id": "local"}]}], False)
    # In check mode an empty subnet stands for one an earlier task would create.
    assert mod.desired_tables([{"name": "a", "subnets": [""]}], True)[0]["subnets"] == []
    # The same subnet twice in one table is one association.
    assert mod.desired_tables([{"name": "a", "subnets": ["subnet-1", "subnet-1"]}], False)[0]["subnets"] == ["subnet-1"]


def test_unmanaged_routes():
    assert not mod.is_managed_route(local_route())
    assert not mod.is_managed_route(
        {"DestinationPrefixListId": "pl-63a5400a", "GatewayId": "vpce-0123", "Origin": "CreateRoute", "State": "active"}
    )
    assert not mod.is_managed_route(dict(igw_route("vgw-0123"), Origin="EnableVgwRoutePropagation"))
    assert mod.is_managed_route(nat_route())


# ---- present -------------------------------------------------------------------------------------------------


def test_create_from_nothing(stubs):
    stubs.vpc_tables([main_table()])
    for name in ("rt-public", "rt-private-a", "rt-isolated"):
        stubs.expect_create(name)
    stubs.expect_route("create_route", IDS["rt-public"], GatewayId=IGW)
    stubs.expect_route("create_route", IDS["rt-private-a"], NatGatewayId=NAT_A)
    stubs.expect_associate(IDS["rt-public"], SUBNETS["public-a"])
    stubs.expect_associate(IDS["rt-public"], SUBNETS["public-b"])
    stubs.expect_associate(IDS["rt-private-a"], SUBNETS["private-a"])
    stubs.expect_associate(IDS["rt-isolated"], SUBNETS["isolated-a"])

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert (
        stubs.calls
        == ["DescribeRouteTables"] + ["CreateRouteTable"] * 3 + ["CreateRoute"] * 2 + ["AssociateRouteTable"] * 4
    )
    assert "CreateTags" not in stubs.calls  # born tagged
    assert result["changed"] is True
    assert [t["id"] for t in result["route_tables"]] == [IDS["rt-public"], IDS["rt-private-a"], IDS["rt-isolated"]]
    public = result["route_tables"][0]
    assert public["name"] == "rt-public" and public["tags"] == PLAN[0]["tags"]
    assert public["associations"] == [
        {"id": assoc_id(SUBNETS["public-a"], 1), "subnet_id": SUBNETS["public-a"]},
        {"id": assoc_id(SUBNETS["public-b"], 1), "subnet_id": SUBNETS["public-b"]},
    ]
    assert public["routes"] == [
        {"dest": VPC_CIDR, "gateway_id": "local", "origin": "CreateRouteTable", "state": "active"},
        {"dest": "0.0.0.0/0", "gateway_id": IGW, "origin": "CreateRoute"},
    ]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["rt-private-a"] == {
        "id": IDS["rt-private-a"],
        "tags": PLAN[1]["tags"],
        "subnets": [SUBNETS["private-a"]],
        "routes": {VPC_CIDR: "local", "0.0.0.0/0": NAT_A},
    }


def test_converged_is_one_read_and_no_write(stubs):
    # Another table of the VPC, not listed, is left alone; the NAT gateway is still pending (route blackhole).
    stranger = table("rt-other-x", table_id="rtb-0other", tags={"Name": "not-ours"}, routes=[igw_route()])
    tables = converged() + [stranger]
    tables[2]["Routes"][1] = nat_route(state="blackhole")
    stubs.vpc_tables(tables)

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert stubs.calls == ["DescribeRouteTables"]
    assert result["changed"] is False
    assert [t["id"] for t in result["route_tables"]] == [IDS["rt-public"], IDS["rt-private-a"], IDS["rt-isolated"]]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_converged_over_several_pages_is_one_paginated_read(stubs):
    stubs.vpc_tables(converged(), pages=2)
    result = stubs.manager().ensure_present(VPC_ID, PLAN)
    assert stubs.calls == ["DescribeRouteTables"] * 2
    assert result["changed"] is False


def test_a_changed_route_target_is_replaced(stubs):
    tables = converged()
    tables[2]["Routes"][1] = nat_route(NAT_A2)  # the NAT gateway of the AZ was replaced
    stubs.vpc_tables(tables)
    stubs.expect_route("replace_route", IDS["rt-private-a"], NatGatewayId=NAT_A)

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert writes(stubs.calls) == ["ReplaceRoute"]
    assert result["changed"] is True
    assert result["diff"]["before"]["rt-private-a"]["routes"]["0.0.0.0/0"] == NAT_A2
    assert result["diff"]["after"]["rt-private-a"]["routes"]["0.0.0.0/0"] == NAT_A


def test_a_route_to_another_kind_of_target_is_replaced(stubs):
    tables = converged()
    tables[1]["Routes"][1] = {
        "DestinationCidrBlock": "0.0.0.0/0",
        "NetworkInterfaceId": "eni-0123",
        "InstanceId": "i-0123",
        "InstanceOwnerId": ACCOUNT,
        "Origin": "CreateRoute",
        "State": "active",
    }
    stubs.vpc_tables(tables)
    stubs.expect_route("replace_route", IDS["rt-public"], GatewayId=IGW)
    assert stubs.manager().ensure_present(VPC_ID, PLAN)["changed"] is True


def test_an_association_is_moved_from_another_table(stubs):
    # private-a sits in a table of the VPC that is not listed; public-b in the isolated table (listed).
    legacy = table("rt-legacy-x", table_id="rtb-0legacy", tags={"Name": "legacy"}, subnets=[SUBNETS["private-a"]])
    tables = converged()
    tables[2]["Associations"] = []
    tables[1]["Associations"] = [association(IDS["rt-public"], SUBNETS["public-a"])]
    tables[3]["Associations"].append(association(IDS["rt-isolated"], SUBNETS["public-b"]))
    stubs.vpc_tables(tables + [legacy])
    stubs.expect(
        "replace_route_table_association",
        {"AssociationId": assoc_id(SUBNETS["public-b"]), "RouteTableId": IDS["rt-public"]},
        {"NewAssociationId": assoc_id(SUBNETS["public-b"], 2), "AssociationState": {"State": "associated"}},
    )
    stubs.expect(
        "replace_route_table_association",
        {"AssociationId": assoc_id(SUBNETS["private-a"]), "RouteTableId": IDS["rt-private-a"]},
        {"NewAssociationId": assoc_id(SUBNETS["private-a"], 2), "AssociationState": {"State": "associated"}},
    )

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    # Moved, never disassociated first (a subnet is never left on the main table in between).
    assert writes(stubs.calls) == ["ReplaceRouteTableAssociation"] * 2
    assert result["route_tables"][0]["associations"][1] == {
        "id": assoc_id(SUBNETS["public-b"], 2),
        "subnet_id": SUBNETS["public-b"],
    }
    assert result["diff"]["before"]["rt-isolated"]["subnets"] == sorted([SUBNETS["isolated-a"], SUBNETS["public-b"]])
    assert result["diff"]["after"]["rt-isolated"]["subnets"] == [SUBNETS["isolated-a"]]


def test_extra_routes_and_associations_are_purged(stubs):
    tables = converged()
    tables[3]["Routes"].append(igw_route())
    tables[3]["Routes"].append(
        {"DestinationIpv6CidrBlock": "::/0", "GatewayId": IGW, "Origin": "CreateRoute", "State": "active"}
    )
    # A gateway endpoint's route and a propagated one are left alone.
    tables[3]["Routes"].append(
        {"DestinationPrefixListId": "pl-63a5400a", "GatewayId": "vpce-0123", "Origin": "CreateRoute", "State": "active"}
    )
    tables[3]["Routes"].append(
        {
            "DestinationCidrBlock": "192.168.0.0/16",
            "GatewayId": "vgw-0123",
            "Origin": "EnableVgwRoutePropagation",
            "State": "active",
        }
    )
    tables[3]["Associations"].append(association(IDS["rt-isolated"], "subnet-0stray"))
    stubs.vpc_tables(tables)
    stubs.expect("delete_route", {"RouteTableId": IDS["rt-isolated"], "DestinationCidrBlock": "0.0.0.0/0"})
    stubs.expect("delete_route", {"RouteTableId": IDS["rt-isolated"], "DestinationIpv6CidrBlock": "::/0"})
    stubs.expect("disassociate_route_table", {"AssociationId": assoc_id("subnet-0stray")})

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert writes(stubs.calls) == ["DeleteRoute", "DeleteRoute", "DisassociateRouteTable"]
    isolated = result["route_tables"][2]
    assert [r["dest"] for r in isolated["routes"]] == [VPC_CIDR, None, "192.168.0.0/16"]
    assert isolated["associations"] == [{"id": assoc_id(SUBNETS["isolated-a"]), "subnet_id": SUBNETS["isolated-a"]}]


def test_routes_and_subnets_unset_are_left_alone(stubs):
    tables = converged()
    tables[3]["Routes"].append(igw_route())
    stubs.vpc_tables(tables)
    plan = PLAN[:2] + [{"name": "rt-isolated", "tags": PLAN[2]["tags"]}]
    assert stubs.manager().ensure_present(VPC_ID, plan)["changed"] is False


def test_tag_drift_is_fixed_and_aws_tags_are_kept(stubs):
    tables = converged()
    drifted = dict(PLAN[0]["tags"], Tier="x", Owner="someone", **{"aws:cloudformation:stack-name": "s"})
    tables[1]["Tags"] = [{"Key": k, "Value": v} for k, v in drifted.items()]
    stubs.vpc_tables(tables)
    stubs.expect("delete_tags", {"Resources": [IDS["rt-public"]], "Tags": [{"Key": "Owner"}]})
    stubs.expect("create_tags", {"Resources": [IDS["rt-public"]], "Tags": [{"Key": "Tier", "Value": "public"}]})

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert writes(stubs.calls) == ["DeleteTags", "CreateTags"]
    assert result["route_tables"][0]["tags"] == dict(PLAN[0]["tags"], **{"aws:cloudformation:stack-name": "s"})


def test_duplicate_names_converge_the_associated_one_and_warn(stubs):
    twin = table("rt-public", table_id="rtb-0000twin", routes=[igw_route()])  # no associations
    stubs.vpc_tables(converged() + [twin])
    manager = stubs.manager()
    result = manager.ensure_present(VPC_ID, PLAN)
    assert result["changed"] is False and result["route_tables"][0]["id"] == IDS["rt-public"]
    assert "rtb-0000twin" in manager.warnings[0]


def test_new_table_not_yet_visible_is_retried(stubs):
    # DescribeRouteTables and the other calls are eventually consistent after CreateRouteTable.
    tables = converged()
    stubs.vpc_tables([t for t in tables if name_of_shape(t) != "rt-private-a"])
    stubs.expect_create("rt-private-a")
    missing = "The routeTable ID '%s' does not exist" % IDS["rt-private-a"]
    route = {"RouteTableId": IDS["rt-private-a"], "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": NAT_A}
    stubs.error("create_route", "InvalidRouteTableID.NotFound", route, missing)
    stubs.expect("create_route", route)
    params = {"RouteTableId": IDS["rt-private-a"], "SubnetId": SUBNETS["private-a"]}
    stubs.error("associate_route_table", "InvalidRouteTableID.NotFound", params, missing)
    stubs.expect(
        "associate_route_table", params, {"AssociationId": "rtbassoc-0new", "AssociationState": {"State": "associated"}}
    )

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert writes(stubs.calls) == [
        "CreateRouteTable",
        "CreateRoute",
        "CreateRoute",
        "AssociateRouteTable",
        "AssociateRouteTable",
    ]
    assert result["route_tables"][1]["associations"] == [{"id": "rtbassoc-0new", "subnet_id": SUBNETS["private-a"]}]


def test_a_new_nat_gateway_not_yet_visible_is_retried_then_reported(stubs):
    tables = converged()
    tables[2]["Routes"] = [local_route()]
    stubs.vpc_tables(tables)
    route = {"RouteTableId": IDS["rt-private-a"], "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": NAT_A}
    for attempt in range(3):
        stubs.error("create_route", "InvalidNatGatewayID.NotFound", route, "The natGateway ID does not exist")
    with pytest.raises(mod.RouteTablesError, match="the route to 0.0.0.0/0 via %s could not be created" % NAT_A):
        stubs.manager().ensure_present(VPC_ID, PLAN)


def name_of_shape(shape):
    return mod.name_of(shape)


def test_check_mode_on_an_empty_account_previews_with_placeholders(stubs):
    # Before the VPC, subnets, gateway and NAT gateways exist, the role passes placeholders (and an empty target).
    stubs.vpc_tables([], vpc_id="vpc-to-be-created")
    plan = [
        dict(
            PLAN[0],
            subnets=["subnet-to-be-created", "subnet-to-be-created"],
            routes=[{"dest": "0.0.0.0/0", "gateway_id": "igw-to-be-created"}],
        ),
        dict(
            PLAN[1],
            subnets=["subnet-to-be-created"],
            routes=[{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-to-be-created"}],
        ),
        dict(PLAN[2], subnets=["subnet-to-be-created", ""], routes=[]),
        {"name": "rt-private-b", "subnets": [], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": ""}]},
    ]

    result = stubs.manager(check_mode=True).ensure_present("vpc-to-be-created", plan)

    assert stubs.calls == ["DescribeRouteTables"]
    assert result["changed"] is True
    assert [t["id"] for t in result["route_tables"]] == [None] * 4
    assert [len(t["associations"]) for t in result["route_tables"]] == [2, 1, 1, 0]
    assert result["diff"]["after"]["rt-public"] == {
        "id": None,
        "tags": PLAN[0]["tags"],
        "subnets": ["subnet-to-be-created", "subnet-to-be-created"],
        "routes": {"0.0.0.0/0": "igw-to-be-created"},
    }
    assert result["diff"]["after"]["rt-private-b"]["routes"] == {"0.0.0.0/0": None}


def test_check_mode_with_drift_writes_nothing(stubs):
    legacy = table("rt-legacy-x", table_id="rtb-0legacy", tags={"Name": "legacy"}, subnets=[SUBNETS["private-a"]])
    tables = converged()
    tables[2]["Associations"] = []
    tables[2]["Routes"][1] = nat_route(NAT_A2)
    tables[3]["Routes"].append(igw_route())
    stubs.vpc_tables([t for t in tables if name_of_shape(t) != "rt-public"] + [legacy])

    result = stubs.manager(check_mode=True).ensure_present(VPC_ID, PLAN)

    assert stubs.calls == ["DescribeRouteTables"]
    assert result["changed"] is True
    assert result["route_tables"][0]["id"] is None
    assert result["route_tables"][1]["associations"] == [{"id": None, "subnet_id": SUBNETS["private-a"]}]
    assert result["diff"]["after"]["rt-private-a"]["routes"]["0.0.0.0/0"] == NAT_A
    assert result["diff"]["after"]["rt-isolated"]["routes"] == {VPC_CIDR: "local"}


def test_check_mode_converged_reports_no_change(stubs):
    stubs.vpc_tables(converged())
    assert stubs.manager(check_mode=True).ensure_present(VPC_ID, PLAN)["changed"] is False


# ---- absent --------------------------------------------------------------------------------------------------


def test_absent_disassociates_then_deletes_the_listed_tables_only(stubs):
    stranger = table("rt-other-x", table_id="rtb-0other", tags={"Name": "not-ours"}, subnets=["subnet-0other"])
    tables = converged() + [stranger]
    del tables[2]  # rt-private-a is already gone (an interrupted teardown)
    stubs.vpc_tables(tables)
    stubs.expect("disassociate_route_table", {"AssociationId": assoc_id(SUBNETS["public-a"])})
    stubs.expect("disassociate_route_table", {"AssociationId": assoc_id(SUBNETS["public-b"])})
    stubs.expect("delete_route_table", {"RouteTableId": IDS["rt-public"]})
    # Disassociated meanwhile, then still seen as in use for a moment: both tolerated.
    stubs.error(
        "disassociate_route_table", "InvalidAssociationID.NotFound", {"AssociationId": assoc_id(SUBNETS["isolated-a"])}
    )
    stubs.error("delete_route_table", "DependencyViolation", {"RouteTableId": IDS["rt-isolated"]})
    stubs.expect("delete_route_table", {"RouteTableId": IDS["rt-isolated"]})

    result = stubs.manager().ensure_absent(VPC_ID, PLAN)

    assert writes(stubs.calls) == [
        "DisassociateRouteTable",
        "DisassociateRouteTable",
        "DeleteRouteTable",
        "DisassociateRouteTable",
        "DeleteRouteTable",
        "DeleteRouteTable",
    ]
    assert result["changed"] is True
    assert [(t["name"], t["id"], t["state"]) for t in result["route_tables"]] == [
        ("rt-public", IDS["rt-public"], "deleted"),
        ("rt-private-a", None, "absent"),
        ("rt-isolated", IDS["rt-isolated"], "deleted"),
    ]
    assert set(result["diff"]["before"]) == {"rt-public", "rt-isolated"}
    assert result["diff"]["after"] == {}


def test_absent_deletes_every_table_with_a_listed_name_and_tolerates_one_gone(stubs):
    twin = table("rt-public", table_id="rtb-0000twin")
    stubs.vpc_tables([main_table(), twin, table("rt-public")])
    stubs.error("delete_route_table", "InvalidRouteTableID.NotFound", {"RouteTableId": "rtb-0000twin"})
    stubs.expect("delete_route_table", {"RouteTableId": IDS["rt-public"]})
    result = stubs.manager().ensure_absent(VPC_ID, PLAN[:1])
    assert [t["id"] for t in result["route_tables"]] == ["rtb-0000twin", IDS["rt-public"]]


def test_a_refused_delete_names_the_table(stubs):
    stubs.vpc_tables([main_table(), table("rt-public")])
    stubs.error("delete_route_table", "InvalidParameterValue", {"RouteTableId": IDS["rt-public"]})
    with pytest.raises(mod.RouteTablesError, match="route table rt-public \\(%s\\) could not be deleted" % IDS["rt-public"]):
        stubs.manager().ensure_absent(VPC_ID, PLAN[:1])


def test_absent_when_nothing_is_there_is_a_no_op(stubs):
    stubs.vpc_tables([main_table()])
    result = stubs.manager().ensure_absent(VPC_ID, PLAN)
    assert stubs.calls == ["DescribeRouteTables"]
    assert result["changed"] is False


def test_absent_in_check_mode_writes_nothing(stubs):
    stubs.vpc_tables(converged())
    result = stubs.manager(check_mode=True).ensure_absent(VPC_ID, PLAN)
    assert stubs.calls == ["DescribeRouteTables"]
    assert result["changed"] is True
    assert [t["state"] for t in result["route_tables"]] == ["deleted"] * 3


def test_absent_refuses_the_main_table(stubs):
    main = main_table()
    main["Tags"] = [{"Key": "Name", "Value": "rt-public"}]
    stubs.vpc_tables([main])
    with pytest.raises(mod.RouteTablesError, match="is the main route table"):
        stubs.manager().ensure_absent(VPC_ID, PLAN[:1])


# ---- main() through a fake module ------------------------------------------------------------------------


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with the module's defaults under the given params, the stubbed ec2 client."""

    def __init__(self, params, stubs, check_mode=False, diff=False):
        super().__init__(
            dict(dict(vpc_id=VPC_ID, route_tables=PLAN, purge_tags=True, state="present"), **params),
            {"ec2": stubs.client()},
            check_mode=check_mode,
            diff=diff,
        )


run_main = partial(utils.run_main, mod)


def test_main_check_mode_with_diff(stubs, monkeypatch):
    stubs.vpc_tables([main_table()])
    fake = FakeModule({}, stubs, check_mode=True, diff=True)

    result = run_main(monkeypatch, fake)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["rt-public"]["routes"] == {"0.0.0.0/0": IGW}
    assert fake.spec["supports_check_mode"] is True
    assert stubs.calls == ["DescribeRouteTables"]


def test_main_without_diff_returns_no_diff(stubs, monkeypatch):
    stubs.vpc_tables(converged())
    result = run_main(monkeypatch, FakeModule({}, stubs))
    assert result["changed"] is False
    assert "diff" not in result


def test_main_reports_aws_errors_with_changed(stubs, monkeypatch):
    stubs.vpc_tables([t for t in converged() if name_of_shape(t) != "rt-isolated"])
    stubs.error(
        "create_route_table", "RouteTableLimitExceeded", message="The maximum number of route tables has been reached."
    )
    result = run_main(monkeypatch, FakeModule({}, stubs))
    assert result["failed"] is True and "route table rt-isolated could not be created" in result["msg"]
    assert result["changed"] is False


def test_main_reports_a_validation_error(stubs, monkeypatch):
    plan = [dict(PLAN[0], routes=[{"dest": "0.0.0.0/0", "gateway_id": None, "nat_gateway_id": None}])]
    result = run_main(monkeypatch, FakeModule({"route_tables": plan}, stubs))
    assert result["failed"] is True and "has no target" in result["msg"]
    assert stubs.calls == []
