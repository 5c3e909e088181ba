# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.ec2_vpc_subnets against botocore's Stubber, with the response shapes EC2 returns.

Stubber fails on any call out of order, with other parameters, or left unmade: the number of reads of a
converged run and the absence of writes in check mode are asserted by the queued responses themselves.
"""

from functools import partial

import pytest

from ansible_collections.tap.infra.plugins.modules import ec2_vpc_subnets as mod
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils
from ansible_collections.tap.infra.plugins.module_utils import ec2 as ec2_utils
from ansible_collections.tap.infra.plugins.module_utils.retries import EC2_NOT_YET_VISIBLE

REGION = "us-east-1"
ACCOUNT = "123456789012"
VPC_ID = "vpc-0ee975135d1a2b3c4"
OTHER_VPC_ID = "vpc-0aa1bb2cc3dd4ee5f"
ZONE_IDS = {"us-east-1a": "use1-az2", "us-east-1b": "use1-az4"}
VPC_FILTER = [{"Name": "vpc-id", "Values": [VPC_ID]}]


def tags_of(name, tier, **extra):
    tags = {"Project": "tap-infra", "Environment": "test", "Name": name, "Tier": tier}
    tags.update(extra)
    return tags


PLAN = [
    {"cidr": "10.0.0.0/24", "az": "us-east-1a", "map_public": True, "tags": tags_of("tap-public-a", "public")},
    {"cidr": "10.0.1.0/24", "az": "us-east-1b", "map_public": True, "tags": tags_of("tap-public-b", "public")},
    {"cidr": "10.0.2.0/24", "az": "us-east-1a", "map_public": False, "tags": tags_of("tap-private-a", "private")},
]
IDS = ["subnet-0bb1c79de3e5a6b01", "subnet-0bb1c79de3e5a6b02", "subnet-0bb1c79de3e5a6b03"]


# ---- real AWS response shapes --------------------------------------------------------------------------------


def subnet(index, state="available", map_public=None, tags=None, az=None, cidr=None, vpc_id=VPC_ID, subnet_id=None):
    """One Subnet as DescribeSubnets / CreateSubnet return it."""
    spec = PLAN[index] if index is not None else {}
    subnet_id = subnet_id or IDS[index]
    az = az or spec["az"]
    tags = spec.get("tags") if tags is None else tags
    shape = {
        "AvailabilityZone": az,
        "AvailabilityZoneId": ZONE_IDS.get(az, "use1-az6"),
        "AvailableIpAddressCount": 251,
        "CidrBlock": cidr or spec["cidr"],
        "DefaultForAz": False,
        "MapPublicIpOnLaunch": spec.get("map_public", False) if map_public is None else map_public,
        "MapCustomerOwnedIpOnLaunch": False,
        "State": state,
        "SubnetId": subnet_id,
        "VpcId": vpc_id,
        "OwnerId": ACCOUNT,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "SubnetArn": "arn:aws:ec2:%s:%s:subnet/%s" % (REGION, ACCOUNT, subnet_id),
        "EnableDns64": False,
        "Ipv6Native": False,
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
    }
    if tags:
        shape["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return shape


def converged():
    return [subnet(i) for i in range(len(PLAN))]


# ---- fixtures ----------------------------------------------------------------------------------------------


class Stubs(utils.Stubs):
    """The stubbed ec2 client, recording the calls made and the sleeps."""

    service = "ec2"

    def __init__(self):
        super().__init__()
        self.sleeps = []

    def manager(self, check_mode=False, wait=True, wait_timeout=300, delete_attempts=3, clock=None):
        return mod.SubnetsManager(
            self.client(),
            check_mode=check_mode,
            wait=wait,
            wait_timeout=wait_timeout,
            delete_attempts=delete_attempts,
            sleep=self.sleeps.append,
            clock=clock or (lambda: 0),
        )

    # reads
    def vpc_subnets(self, subnets, vpc_id=VPC_ID):
        self.stubber.add_response(
            "describe_subnets", {"Subnets": subnets}, {"Filters": [{"Name": "vpc-id", "Values": [vpc_id]}]}
        )

    def by_ids(self, subnets, ids, times=1):
        for attempt in range(times):
            self.stubber.add_response("describe_subnets", {"Subnets": subnets}, {"SubnetIds": ids})

    def not_found(self, ids):
        self.stubber.add_client_error(
            "describe_subnets",
            service_error_code="InvalidSubnetID.NotFound",
            service_message="The subnet ID '%s' does not exist" % ids[0],
            http_status_code=400,
            expected_params={"SubnetIds": ids},
        )

    def deleted_gone(self, ids, left=()):
        self.stubber.add_response(
            "describe_subnets",
            {"Subnets": list(left)},
            {"Filters": VPC_FILTER + [{"Name": "subnet-id", "Values": sorted(ids)}]},
        )

    # writes
    def expect_create(self, index, state="available", az_param="AvailabilityZone"):
        spec = PLAN[index]
        params = {
            "VpcId": VPC_ID,
            "CidrBlock": spec["cidr"],
            az_param: spec["az"] if az_param == "AvailabilityZone" else ZONE_IDS[spec["az"]],
            "TagSpecifications": [
                {"ResourceType": "subnet", "Tags": [{"Key": k, "Value": v} for k, v in spec["tags"].items()]}
            ],
        }
        # A new subnet never maps public IPs: MapPublicIpOnLaunch is set by a separate call.
        self.stubber.add_response("create_subnet", {"Subnet": subnet(index, state=state, map_public=False)}, params)

    def expect_map_public(self, subnet_id, value):
        self.stubber.add_response(
            "modify_subnet_attribute", {}, {"SubnetId": subnet_id, "MapPublicIpOnLaunch": {"Value": value}}
        )

    def expect_delete(self, subnet_id):
        self.stubber.add_response("delete_subnet", {}, {"SubnetId": subnet_id})

    def dependency_violation(self, subnet_id, times=1):
        for attempt in range(times):
            self.stubber.add_client_error(
                "delete_subnet",
                service_error_code="DependencyViolation",
                service_message="The subnet '%s' has dependencies and cannot be deleted." % subnet_id,
                http_status_code=400,
                expected_params={"SubnetId": subnet_id},
            )


stubs = utils.stubs_fixture(Stubs)


READS = {"DescribeSubnets"}


def writes(calls):
    return [c for c in calls if c not in READS]


# ---- helpers -------------------------------------------------------------------------------------------------


def test_cidrs_are_normalised_and_checked():
    assert mod.normalise_cidr(" 10.0.1.0/24 ") == "10.0.1.0/24"
    for bad in ("10.0.1.1/24", "10.0.1.0/33", "2001:db8::/64", "subnet", "", None):
        with pytest.raises(mod.SubnetsError):
            mod.normalise_cidr(bad)


def test_a_cidr_listed_twice_is_refused():
    with pytest.raises(mod.SubnetsError, match="10.0.0.0/24 is listed more than once"):
        mod.desired_subnets([{"cidr": "10.0.0.0/24", "az": "a"}, {"cidr": "10.0.0.0/24", "az": "b"}])


def test_zone_ids_and_names():
    assert mod.is_zone_id("use1-az1") and mod.is_zone_id("usw2-lax1-az1") and mod.is_zone_id("apse2-az3")
    assert not mod.is_zone_id("us-east-1a") and not mod.is_zone_id("us-west-2-lax-1a")


# ---- present -------------------------------------------------------------------------------------------------


def test_converged_is_one_read_and_no_write(stubs):
    # Another subnet of the VPC, not listed, is left alone.
    stranger = subnet(None, cidr="10.0.9.0/24", az="us-east-1b", tags={"Name": "not-ours"}, subnet_id="subnet-9")
    stubs.vpc_subnets(converged() + [stranger])

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert stubs.calls == ["DescribeSubnets"]
    assert result["changed"] is False
    assert [s["id"] for s in result["subnets"]] == IDS
    assert result["subnets"][0] == {
        "id": IDS[0],
        "cidr": "10.0.0.0/24",
        "az": "us-east-1a",
        "map_public": True,
        "tags": PLAN[0]["tags"],
        "state": "available",
    }
    assert result["diff"]["before"] == result["diff"]["after"]
    assert stubs.sleeps == []


def test_results_follow_the_order_given_not_the_order_read(stubs):
    stubs.vpc_subnets(list(reversed(converged())))
    result = stubs.manager().ensure_present(VPC_ID, PLAN)
    assert [s["cidr"] for s in result["subnets"]] == [p["cidr"] for p in PLAN]
    assert [s["id"] for s in result["subnets"]] == IDS


def test_the_zone_may_be_given_by_its_id(stubs):
    stubs.vpc_subnets(converged())
    plan = [dict(p, az=ZONE_IDS[p["az"]]) for p in PLAN]
    result = stubs.manager().ensure_present(VPC_ID, plan)
    assert result["changed"] is False
    assert result["subnets"][1]["az"] == "us-east-1b"


def test_a_missing_subnet_is_created_tagged_then_awaited_then_mapped_public(stubs):
    stubs.vpc_subnets([subnet(0), subnet(2)])
    stubs.expect_create(1, state="pending")
    # Right after creation the subnet may not be visible yet, then pending, then available.
    stubs.not_found([IDS[1]])
    stubs.by_ids([subnet(1, state="pending", map_public=False)], [IDS[1]])
    stubs.by_ids([subnet(1, state="available", map_public=False)], [IDS[1]])
    stubs.expect_map_public(IDS[1], True)

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert stubs.calls == [
        "DescribeSubnets",
        "CreateSubnet",
        "DescribeSubnets",
        "DescribeSubnets",
        "DescribeSubnets",
        "ModifySubnetAttribute",
    ]
    assert "CreateTags" not in stubs.calls  # born tagged
    assert result["changed"] is True
    assert result["subnets"][1] == {
        "id": IDS[1],
        "cidr": "10.0.1.0/24",
        "az": "us-east-1b",
        "map_public": True,
        "tags": PLAN[1]["tags"],
        "state": "available",
    }
    assert [s["id"] for s in result["subnets"]] == IDS
    assert "10.0.1.0/24" not in result["diff"]["before"]
    assert result["diff"]["after"]["10.0.1.0/24"]["id"] == IDS[1]
    # the new resource not visible at once: one retry of EC2_NOT_YET_VISIBLE between the waits
    assert stubs.sleeps == [mod.WAIT_DELAY, EC2_NOT_YET_VISIBLE.delays()[0], mod.WAIT_DELAY]


def test_a_private_subnet_created_available_needs_no_wait_and_no_modify(stubs):
    stubs.vpc_subnets([subnet(0), subnet(1)])
    stubs.expect_create(2, state="available")

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert stubs.calls == ["DescribeSubnets", "CreateSubnet"]
    assert result["subnets"][2]["id"] == IDS[2] and result["subnets"][2]["state"] == "available"
    assert stubs.sleeps == []


def test_created_in_the_zone_given_by_its_id(stubs):
    stubs.vpc_subnets([subnet(0), subnet(1)])
    stubs.expect_create(2, az_param="AvailabilityZoneId")
    plan = PLAN[:2] + [dict(PLAN[2], az="use1-az2")]
    result = stubs.manager().ensure_present(VPC_ID, plan)
    assert result["subnets"][2]["az"] == "us-east-1a"


def test_without_wait_a_pending_subnet_is_returned_pending(stubs):
    stubs.vpc_subnets([subnet(1), subnet(2)])
    stubs.expect_create(0, state="pending")
    stubs.expect_map_public(IDS[0], True)

    result = stubs.manager(wait=False).ensure_present(VPC_ID, PLAN)

    assert stubs.calls == ["DescribeSubnets", "CreateSubnet", "ModifySubnetAttribute"]
    assert result["subnets"][0]["state"] == "pending" and result["subnets"][0]["map_public"] is True


def test_waiting_is_bounded(stubs):
    times = iter([0, 100, 200, 301])
    stubs.vpc_subnets([subnet(1), subnet(2)])
    stubs.expect_create(0, state="pending")
    stubs.by_ids([subnet(0, state="pending", map_public=False)], [IDS[0]], times=2)

    with pytest.raises(mod.SubnetsError, match=r"%s \(10.0.0.0/24\) are not available after 300 seconds" % IDS[0]):
        stubs.manager(clock=lambda: next(times)).ensure_present(VPC_ID, PLAN)


def test_tag_drift_is_fixed_and_aws_tags_are_kept(stubs):
    drifted = dict(PLAN[2]["tags"], Tier="public", Owner="someone", **{"aws:cloudformation:stack-name": "x"})
    del drifted["Environment"]
    stubs.vpc_subnets([subnet(0), subnet(1), subnet(2, tags=drifted)])
    stubs.stubber.add_response("delete_tags", {}, {"Resources": [IDS[2]], "Tags": [{"Key": "Owner"}]})
    stubs.stubber.add_response(
        "create_tags",
        {},
        {"Resources": [IDS[2]], "Tags": [{"Key": "Environment", "Value": "test"}, {"Key": "Tier", "Value": "private"}]},
    )

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert writes(stubs.calls) == ["DeleteTags", "CreateTags"]
    assert result["changed"] is True
    assert result["subnets"][2]["tags"] == dict(PLAN[2]["tags"], **{"aws:cloudformation:stack-name": "x"})
    assert result["diff"]["before"]["10.0.2.0/24"]["tags"]["Owner"] == "someone"
    assert "Owner" not in result["diff"]["after"]["10.0.2.0/24"]["tags"]


def test_extra_tags_stay_without_purge_and_tags_unset_are_left_alone(stubs):
    extra = dict(PLAN[0]["tags"], Owner="someone")
    stubs.vpc_subnets([subnet(0, tags=extra), subnet(1, tags={"Name": "renamed"}), subnet(2)])

    plan = [PLAN[0], dict(PLAN[1], tags=None), PLAN[2]]
    result = stubs.manager().ensure_present(VPC_ID, plan, purge_tags=False)

    assert stubs.calls == ["DescribeSubnets"]
    assert result["changed"] is False
    assert result["subnets"][0]["tags"]["Owner"] == "someone"


def test_map_public_drift_is_fixed_both_ways(stubs):
    stubs.vpc_subnets([subnet(0, map_public=False), subnet(1), subnet(2, map_public=True)])
    stubs.expect_map_public(IDS[0], True)
    stubs.expect_map_public(IDS[2], False)

    result = stubs.manager().ensure_present(VPC_ID, PLAN)

    assert writes(stubs.calls) == ["ModifySubnetAttribute", "ModifySubnetAttribute"]
    assert [s["map_public"] for s in result["subnets"]] == [True, True, False]
    assert result["diff"]["before"]["10.0.0.0/24"]["map_public"] is False
    assert result["diff"]["after"]["10.0.0.0/24"]["map_public"] is True


def test_a_subnet_in_another_zone_is_an_error_before_any_write(stubs):
    # 10.0.0.0/24 is missing (would be created) but 10.0.1.0/24 sits in the wrong zone: nothing is written.
    stubs.vpc_subnets([subnet(1, az="us-east-1c"), subnet(2)])

    with pytest.raises(mod.SubnetsError) as error:
        stubs.manager().ensure_present(VPC_ID, PLAN)

    message = error.value.message
    assert "availability zone of a subnet cannot change" in message
    assert "%s (10.0.1.0/24) is in us-east-1c, not in us-east-1b" % IDS[1] in message
    assert VPC_ID in message
    assert stubs.calls == ["DescribeSubnets"]


def test_a_refused_create_names_the_subnet(stubs):
    stubs.vpc_subnets([subnet(0), subnet(1)])
    stubs.stubber.add_client_error(
        "create_subnet",
        service_error_code="InvalidSubnet.Conflict",
        service_message="The CIDR '10.0.2.0/24' conflicts with another subnet",
        http_status_code=400,
    )
    manager = stubs.manager()
    with pytest.raises(mod.SubnetsError, match=r"subnet 10.0.2.0/24 could not be created in %s" % VPC_ID):
        manager.ensure_present(VPC_ID, PLAN)
    assert manager.changed is False  # nothing was written


def test_check_mode_writes_nothing_and_returns_null_ids_for_new_subnets(stubs):
    stubs.vpc_subnets([subnet(0, map_public=False, tags=dict(PLAN[0]["tags"], Tier="x"))])

    result = stubs.manager(check_mode=True).ensure_present(VPC_ID, PLAN)

    assert stubs.calls == ["DescribeSubnets"]
    assert result["changed"] is True
    assert [s["id"] for s in result["subnets"]] == [IDS[0], None, None]
    assert result["subnets"][0]["map_public"] is True and result["subnets"][0]["tags"] == PLAN[0]["tags"]
    assert result["subnets"][1] == {
        "id": None,
        "cidr": "10.0.1.0/24",
        "az": "us-east-1b",
        "map_public": True,
        "tags": PLAN[1]["tags"],
        "state": None,
    }
    assert set(result["diff"]["before"]) == {"10.0.0.0/24"}
    assert set(result["diff"]["after"]) == {p["cidr"] for p in PLAN}


def test_check_mode_on_an_empty_account(stubs):
    # In check mode before the VPC exists, the VPC id is a placeholder: the filter finds nothing.
    stubs.vpc_subnets([], vpc_id="vpc-to-be-created")
    result = stubs.manager(check_mode=True).ensure_present("vpc-to-be-created", PLAN)
    assert stubs.calls == ["DescribeSubnets"]
    assert result["changed"] is True
    assert [s["id"] for s in result["subnets"]] == [None, None, None]


def test_check_mode_converged_reports_no_change(stubs):
    stubs.vpc_subnets(converged())
    assert stubs.manager(check_mode=True).ensure_present(VPC_ID, PLAN)["changed"] is False


def test_an_empty_list_reads_nothing(stubs):
    assert stubs.manager().ensure_present(VPC_ID, [])["subnets"] == []
    assert stubs.calls == []


# ---- absent --------------------------------------------------------------------------------------------------


def test_absent_deletes_the_listed_subnets_only(stubs):
    stranger = subnet(None, cidr="10.0.9.0/24", az="us-east-1b", tags={"Name": "not-ours"}, subnet_id="subnet-9")
    stubs.vpc_subnets([subnet(0), subnet(2), stranger])
    stubs.expect_delete(IDS[0])
    stubs.expect_delete(IDS[2])
    stubs.deleted_gone([IDS[0], IDS[2]])

    result = stubs.manager().ensure_absent(VPC_ID, PLAN)

    assert stubs.calls == ["DescribeSubnets", "DeleteSubnet", "DeleteSubnet", "DescribeSubnets"]
    assert result["changed"] is True
    assert [(s["id"], s["state"]) for s in result["subnets"]] == [
        (IDS[0], "deleted"),
        (None, "absent"),
        (IDS[2], "deleted"),
    ]
    assert set(result["diff"]["before"]) == {"10.0.0.0/24", "10.0.2.0/24"}
    assert result["diff"]["after"] == {}


def test_absent_ignores_the_zone(stubs):
    stubs.vpc_subnets([subnet(0, az="us-east-1c")])
    stubs.expect_delete(IDS[0])
    result = stubs.manager(wait=False).ensure_absent(VPC_ID, PLAN[:1])
    assert result["changed"] is True


def test_absent_when_nothing_is_there_is_a_no_op(stubs):
    stubs.vpc_subnets([])
    result = stubs.manager().ensure_absent(VPC_ID, PLAN)
    assert stubs.calls == ["DescribeSubnets"]
    assert result["changed"] is False


def test_absent_tolerates_a_concurrent_delete(stubs):
    stubs.vpc_subnets([subnet(0)])
    stubs.stubber.add_client_error(
        "delete_subnet",
        service_error_code="InvalidSubnetID.NotFound",
        service_message="The subnet ID '%s' does not exist" % IDS[0],
        http_status_code=400,
    )
    stubs.deleted_gone([IDS[0]])
    assert stubs.manager().ensure_absent(VPC_ID, PLAN[:1])["changed"] is True


def test_absent_retries_a_dependency_violation(stubs):
    # The network interface of a deleted load balancer is released a while later.
    stubs.vpc_subnets([subnet(0)])
    stubs.dependency_violation(IDS[0], times=2)
    stubs.expect_delete(IDS[0])
    stubs.deleted_gone([IDS[0]])

    result = stubs.manager(delete_attempts=3).ensure_absent(VPC_ID, PLAN[:1])

    assert stubs.calls.count("DeleteSubnet") == 3
    assert result["subnets"][0]["state"] == "deleted"


def test_absent_fails_naming_the_subnet_when_the_dependency_stays(stubs):
    stubs.vpc_subnets([subnet(0), subnet(1)])
    stubs.expect_delete(IDS[0])
    stubs.dependency_violation(IDS[1], times=3)

    manager = stubs.manager(delete_attempts=3)
    with pytest.raises(mod.SubnetsError) as error:
        manager.ensure_absent(VPC_ID, PLAN)

    assert "subnet %s (10.0.1.0/24) still has dependencies after 3 attempts" % IDS[1] in error.value.message
    assert "network interface" in error.value.message
    assert error.value.exception.response["Error"]["Code"] == "DependencyViolation"
    assert manager.changed is True  # the first subnet was deleted
    assert stubs.calls.count("DeleteSubnet") == 4


def test_absent_in_check_mode_writes_nothing(stubs):
    stubs.vpc_subnets(converged())
    result = stubs.manager(check_mode=True).ensure_absent(VPC_ID, PLAN)
    assert stubs.calls == ["DescribeSubnets"]
    assert result["changed"] is True
    assert [s["state"] for s in result["subnets"]] == ["deleted"] * 3


def test_absent_waits_until_the_subnets_are_no_longer_listed(stubs):
    stubs.vpc_subnets([subnet(0)])
    stubs.expect_delete(IDS[0])
    stubs.deleted_gone([IDS[0]], left=[subnet(0)])
    stubs.deleted_gone([IDS[0]])
    stubs.manager().ensure_absent(VPC_ID, PLAN[:1])
    assert stubs.sleeps == [mod.WAIT_DELAY]


# ---- main() through a fake module ------------------------------------------------------------------------


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with the module's defaults under the given params, the stubbed ec2 client."""

    def __init__(self, params, stubs, check_mode=False, diff=False):
        defaults = dict(vpc_id=VPC_ID, subnets=PLAN, purge_tags=True, state="present", wait=True, wait_timeout=300)
        super().__init__(dict(defaults, **params), {"ec2": stubs.client()}, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, mod)


def test_main_check_mode_with_diff(stubs, monkeypatch):
    stubs.vpc_subnets([])
    fake = FakeModule({}, stubs, check_mode=True, diff=True)

    result = run_main(monkeypatch, fake)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["10.0.0.0/24"] == {
        "id": None,
        "az": "us-east-1a",
        "map_public": True,
        "tags": PLAN[0]["tags"],
    }
    assert fake.spec["supports_check_mode"] is True
    assert stubs.calls == ["DescribeSubnets"]


def test_main_without_diff_returns_no_diff(stubs, monkeypatch):
    stubs.vpc_subnets(converged())
    result = run_main(monkeypatch, FakeModule({}, stubs))
    assert result["changed"] is False
    assert "diff" not in result
    assert [s["id"] for s in result["subnets"]] == IDS


def test_main_reports_a_zone_mismatch(stubs, monkeypatch):
    stubs.vpc_subnets([subnet(0, az="us-east-1b")])
    result = run_main(monkeypatch, FakeModule({}, stubs))
    assert result["failed"] is True and "cannot change" in result["msg"]
    assert result["changed"] is False


def test_main_reports_aws_errors(stubs, monkeypatch):
    stubs.stubber.add_client_error(
        "describe_subnets",
        service_error_code="UnauthorizedOperation",
        service_message="You are not authorized to perform this operation.",
        http_status_code=403,
    )
    result = run_main(monkeypatch, FakeModule({"state": "absent"}, stubs))
    # a denial fails at once, naming the action and the deployer policy statement that grants it
    assert result["failed"] is True and stubs.calls.count("DescribeSubnets") == 1
    assert "ec2:DescribeSubnets" in result["msg"] and "Ec2NoResourceScope" in result["msg"]


def test_main_reports_a_dependency_violation_with_changed(stubs, monkeypatch):
    stubs.vpc_subnets([subnet(0), subnet(1)])
    stubs.expect_delete(IDS[0])
    stubs.dependency_violation(IDS[1])
    monkeypatch.setattr(ec2_utils, "DEPENDENCY_VIOLATION", ec2_utils.DEPENDENCY_VIOLATION.within(attempts=1))
    result = run_main(monkeypatch, FakeModule({"state": "absent"}, stubs))
    assert result["failed"] is True and result["changed"] is True
    assert "subnet %s (10.0.1.0/24) still has dependencies after 1 attempts" % IDS[1] in result["msg"]
    assert "DependencyViolation" in result["msg"]
