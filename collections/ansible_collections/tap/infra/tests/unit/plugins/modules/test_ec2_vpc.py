# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.ec2_vpc against botocore's Stubber, with the response shapes EC2 returns.

Stubber fails on any call out of order, with other parameters, or left unmade: the number of reads of a
converged run and the absence of writes in check mode are asserted by the queued responses themselves.
"""

from functools import partial

import pytest

from ansible_collections.tap.infra.plugins.modules import ec2_vpc as mod
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils
from ansible_collections.tap.infra.plugins.module_utils.retries import EC2_NOT_YET_VISIBLE

ACCOUNT = "123456789012"
VPC_ID = "vpc-0ee975135d1a2b3c4"
OTHER_VPC_ID = "vpc-0aa1bb2cc3dd4ee5f"
NAME = "tap-x-us-east-1-vpc"
CIDR = "10.0.0.0/16"
TAGS = {"Project": "tap-infra", "Environment": "x", "Site": "us-east-1", "ManagedBy": "ansible"}
ALL_TAGS = dict(TAGS, Name=NAME)
MATCH = ["Project", "Environment"]
TAG_FILTERS = [
    {"Name": "tag:Name", "Values": [NAME]},
    {"Name": "tag:Project", "Values": ["tap-infra"]},
    {"Name": "tag:Environment", "Values": ["x"]},
]
SETTINGS = dict(
    name=NAME, cidr_block=CIDR, tags=TAGS, match_tags=MATCH, enable_dns_support=True, enable_dns_hostnames=True
)


# ---- real AWS response shapes --------------------------------------------------------------------------------


def vpc(state="available", tags=None, cidr=CIDR, vpc_id=VPC_ID):
    """One Vpc as DescribeVpcs / CreateVpc return it."""
    tags = ALL_TAGS if tags is None else tags
    shape = {
        "CidrBlock": cidr,
        "DhcpOptionsId": "dopt-0fb8a1c2d3e4f5a6b",
        "State": state,
        "VpcId": vpc_id,
        "OwnerId": ACCOUNT,
        "InstanceTenancy": "default",
        "CidrBlockAssociationSet": [
            {
                "AssociationId": "vpc-cidr-assoc-0a1b2c3d4e5f6a7b8",
                "CidrBlock": cidr,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": False,
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
    }
    if tags:
        shape["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return shape


# ---- fixtures ----------------------------------------------------------------------------------------------


class Stubs(utils.Stubs):
    """The stubbed ec2 client, recording the calls made and the sleeps."""

    service = "ec2"

    def __init__(self):
        super().__init__()
        self.sleeps = []

    def manager(self, check_mode=False, wait=True, wait_timeout=300, delete_attempts=3, clock=None):
        return mod.VpcManager(
            self.client(),
            check_mode=check_mode,
            wait=wait,
            wait_timeout=wait_timeout,
            delete_attempts=delete_attempts,
            sleep=self.sleeps.append,
            clock=clock or (lambda: 0),
        )

    # reads
    def by_tags(self, vpcs, filters=None):
        self.stubber.add_response("describe_vpcs", {"Vpcs": vpcs}, {"Filters": filters or TAG_FILTERS})

    def by_id_filter(self, vpcs, vpc_id=VPC_ID):
        self.stubber.add_response(
            "describe_vpcs", {"Vpcs": vpcs}, {"Filters": [{"Name": "vpc-id", "Values": [vpc_id]}]}
        )

    def by_ids(self, vpcs, vpc_id=VPC_ID):
        self.stubber.add_response("describe_vpcs", {"Vpcs": vpcs}, {"VpcIds": [vpc_id]})

    def not_found(self, vpc_id=VPC_ID):
        self.stubber.add_client_error(
            "describe_vpcs",
            service_error_code="InvalidVpcID.NotFound",
            service_message="The vpc ID '%s' does not exist" % vpc_id,
            http_status_code=400,
            expected_params={"VpcIds": [vpc_id]},
        )

    def attributes(self, support=True, hostnames=True):
        self.stubber.add_response(
            "describe_vpc_attribute",
            {"VpcId": VPC_ID, "EnableDnsSupport": {"Value": support}},
            {"VpcId": VPC_ID, "Attribute": "enableDnsSupport"},
        )
        self.stubber.add_response(
            "describe_vpc_attribute",
            {"VpcId": VPC_ID, "EnableDnsHostnames": {"Value": hostnames}},
            {"VpcId": VPC_ID, "Attribute": "enableDnsHostnames"},
        )

    # writes
    def expect_create(self, state="pending", tags=None):
        tags = ALL_TAGS if tags is None else tags
        params = {
            "CidrBlock": CIDR,
            "TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}],
        }
        self.stubber.add_response("create_vpc", {"Vpc": vpc(state=state, tags=tags)}, params)

    def expect_modify(self, key, value):
        self.stubber.add_response("modify_vpc_attribute", {}, {"VpcId": VPC_ID, key: {"Value": value}})

    def expect_delete(self, vpc_id=VPC_ID):
        self.stubber.add_response("delete_vpc", {}, {"VpcId": vpc_id})

    def dependency_violation(self, vpc_id=VPC_ID, times=1):
        for attempt in range(times):
            self.stubber.add_client_error(
                "delete_vpc",
                service_error_code="DependencyViolation",
                service_message="The vpc '%s' has dependencies and cannot be deleted." % vpc_id,
                http_status_code=400,
                expected_params={"VpcId": vpc_id},
            )


stubs = utils.stubs_fixture(Stubs)


READS = {"DescribeVpcs", "DescribeVpcAttribute"}


def writes(calls):
    return [c for c in calls if c not in READS]


# ---- helpers -------------------------------------------------------------------------------------------------


def test_cidrs_are_normalised_and_checked():
    assert mod.normalise_cidr(" 10.0.0.0/16 ") == "10.0.0.0/16"
    for bad in ("10.0.1.1/16", "10.0.0.0/33", "2001:db8::/56", "vpc", "", None):
        with pytest.raises(mod.VpcError):
            mod.normalise_cidr(bad)


def test_match_tags_must_be_in_tags():
    assert mod.lookup_tags(NAME, TAGS, MATCH) == {"Name": NAME, "Project": "tap-infra", "Environment": "x"}
    with pytest.raises(mod.VpcError, match="not in tags: Owner"):
        mod.lookup_tags(NAME, TAGS, ["Owner"])


def test_a_name_tag_other_than_name_is_refused():
    assert mod.desired_tags(NAME, dict(TAGS, Name=NAME)) == ALL_TAGS
    with pytest.raises(mod.VpcError, match="tags.Name"):
        mod.desired_tags(NAME, dict(TAGS, Name="other"))


# ---- present -------------------------------------------------------------------------------------------------


def test_converged_is_three_reads_and_no_write(stubs):
    stubs.by_tags([vpc()])
    stubs.attributes()

    result = stubs.manager().ensure_present(**SETTINGS)

    assert stubs.calls == ["DescribeVpcs", "DescribeVpcAttribute", "DescribeVpcAttribute"]
    assert result["changed"] is False
    out = result["vpc"]
    assert out["id"] == out["vpc_id"] == VPC_ID
    assert out["cidr_block"] == CIDR and out["state"] == "available" and out["name"] == NAME
    assert out["tags"] == ALL_TAGS
    assert out["enable_dns_support"] is True and out["enable_dns_hostnames"] is True
    assert out["cidr_block_association_set"][0]["cidr_block"] == CIDR
    assert result["diff"]["before"] == result["diff"]["after"]
    assert stubs.sleeps == []


def test_attributes_not_set_are_not_read(stubs):
    stubs.by_tags([vpc()])
    settings = dict(SETTINGS, enable_dns_support=None, enable_dns_hostnames=None)
    result = stubs.manager().ensure_present(**settings)
    assert stubs.calls == ["DescribeVpcs"]
    assert result["vpc"]["enable_dns_support"] is None


def test_found_by_id(stubs):
    stubs.by_id_filter([vpc()])
    stubs.attributes()
    result = stubs.manager().ensure_present(**dict(SETTINGS, vpc_id=VPC_ID))
    assert result["changed"] is False and result["vpc"]["id"] == VPC_ID


def test_a_missing_id_is_an_error(stubs):
    stubs.by_id_filter([])
    with pytest.raises(mod.VpcError, match="VPC %s does not exist" % VPC_ID):
        stubs.manager().ensure_present(**dict(SETTINGS, vpc_id=VPC_ID))


def test_a_missing_vpc_is_created_tagged_then_awaited_then_its_attributes_set(stubs):
    stubs.by_tags([])
    stubs.expect_create(state="pending")
    # Right after creation the VPC may not be visible yet, then pending, then available.
    stubs.not_found()
    stubs.by_ids([vpc(state="pending")])
    stubs.by_ids([vpc(state="available")])
    stubs.expect_modify("EnableDnsSupport", True)
    stubs.expect_modify("EnableDnsHostnames", True)

    result = stubs.manager().ensure_present(**SETTINGS)

    assert stubs.calls == [
        "DescribeVpcs",
        "CreateVpc",
        "DescribeVpcs",
        "DescribeVpcs",
        "DescribeVpcs",
        "ModifyVpcAttribute",
        "ModifyVpcAttribute",
    ]
    assert "CreateTags" not in stubs.calls and "DescribeTags" not in stubs.calls  # born tagged
    assert result["changed"] is True
    out = result["vpc"]
    assert out["id"] == VPC_ID and out["state"] == "available" and out["tags"] == ALL_TAGS
    assert out["enable_dns_support"] is True and out["enable_dns_hostnames"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["id"] == VPC_ID
    # the new resource not visible at once: one retry of EC2_NOT_YET_VISIBLE between the waits
    assert stubs.sleeps == [mod.WAIT_DELAY, EC2_NOT_YET_VISIBLE.delays()[0], mod.WAIT_DELAY]


def test_a_vpc_created_available_needs_no_wait(stubs):
    stubs.by_tags([])
    stubs.expect_create(state="available")
    stubs.expect_modify("EnableDnsSupport", True)
    stubs.expect_modify("EnableDnsHostnames", True)
    stubs.manager().ensure_present(**SETTINGS)
    assert stubs.sleeps == []


def test_without_wait_a_pending_vpc_is_returned_pending(stubs):
    stubs.by_tags([])
    stubs.expect_create(state="pending")
    stubs.expect_modify("EnableDnsHostnames", False)
    result = stubs.manager(wait=False).ensure_present(
        **dict(SETTINGS, enable_dns_support=None, enable_dns_hostnames=False)
    )
    assert stubs.calls == ["DescribeVpcs", "CreateVpc", "ModifyVpcAttribute"]
    assert result["vpc"]["state"] == "pending" and result["vpc"]["enable_dns_hostnames"] is False


def test_waiting_is_bounded(stubs):
    times = iter([0, 100, 200, 301])
    stubs.by_tags([])
    stubs.expect_create(state="pending")
    for attempt in range(2):
        stubs.by_ids([vpc(state="pending")])
    with pytest.raises(mod.VpcError, match=r"VPC %s is not available after 300 seconds" % VPC_ID):
        stubs.manager(clock=lambda: next(times)).ensure_present(**SETTINGS)


def test_creating_needs_a_cidr_block(stubs):
    stubs.by_tags([])
    with pytest.raises(mod.VpcError, match="cidr_block is required"):
        stubs.manager().ensure_present(**dict(SETTINGS, cidr_block=None))


def test_dns_attribute_drift_is_fixed_one_attribute_per_call(stubs):
    stubs.by_tags([vpc()])
    stubs.attributes(support=False, hostnames=False)
    # Host names need DNS support: support goes first when host names are turned on.
    stubs.expect_modify("EnableDnsSupport", True)
    stubs.expect_modify("EnableDnsHostnames", True)

    result = stubs.manager().ensure_present(**SETTINGS)

    assert writes(stubs.calls) == ["ModifyVpcAttribute", "ModifyVpcAttribute"]
    assert result["changed"] is True
    assert result["vpc"]["enable_dns_support"] is True and result["vpc"]["enable_dns_hostnames"] is True
    assert result["diff"]["before"]["enable_dns_hostnames"] is False
    assert result["diff"]["after"]["enable_dns_hostnames"] is True


def test_host_names_are_turned_off_before_dns_support(stubs):
    stubs.by_tags([vpc()])
    stubs.attributes(support=True, hostnames=True)
    stubs.expect_modify("EnableDnsHostnames", False)
    stubs.expect_modify("EnableDnsSupport", False)
    result = stubs.manager().ensure_present(**dict(SETTINGS, enable_dns_support=False, enable_dns_hostnames=False))
    assert result["changed"] is True


def test_tag_drift_is_fixed_and_aws_tags_are_kept(stubs):
    drifted = dict(ALL_TAGS, Site="elsewhere", Owner="someone", **{"aws:cloudformation:stack-name": "x"})
    del drifted["ManagedBy"]
    stubs.by_tags([vpc(tags=drifted)])
    stubs.attributes()
    stubs.stubber.add_response("delete_tags", {}, {"Resources": [VPC_ID], "Tags": [{"Key": "Owner"}]})
    stubs.stubber.add_response(
        "create_tags",
        {},
        {
            "Resources": [VPC_ID],
            "Tags": [{"Key": "ManagedBy", "Value": "ansible"}, {"Key": "Site", "Value": "us-east-1"}],
        },
    )

    result = stubs.manager().ensure_present(**SETTINGS)

    assert writes(stubs.calls) == ["DeleteTags", "CreateTags"]
    assert result["changed"] is True
    assert result["vpc"]["tags"] == dict(ALL_TAGS, **{"aws:cloudformation:stack-name": "x"})
    assert result["diff"]["before"]["tags"]["Owner"] == "someone"
    assert "Owner" not in result["diff"]["after"]["tags"]


def test_extra_tags_stay_without_purge(stubs):
    stubs.by_tags([vpc(tags=dict(ALL_TAGS, Owner="someone"))])
    stubs.attributes()
    result = stubs.manager().ensure_present(**dict(SETTINGS, purge_tags=False))
    assert writes(stubs.calls) == []
    assert result["vpc"]["tags"]["Owner"] == "someone"


def test_a_vpc_whose_tag_matches_only_by_wildcard_is_not_ours(stubs):
    # Filter values treat * as a wildcard: a VPC tagged Environment=x* would come back for Environment=x*.
    tags = dict(TAGS, Environment="x*")
    filters = TAG_FILTERS[:2] + [{"Name": "tag:Environment", "Values": ["x*"]}]
    stubs.by_tags([vpc(tags=dict(ALL_TAGS, Environment="xyz"))], filters=filters)
    stubs.expect_create(state="available", tags=dict(tags, Name=NAME))
    stubs.expect_modify("EnableDnsSupport", True)
    stubs.expect_modify("EnableDnsHostnames", True)
    result = stubs.manager().ensure_present(**dict(SETTINGS, tags=tags))
    assert result["changed"] is True


def test_a_cidr_mismatch_is_an_error_before_any_write(stubs):
    stubs.by_tags([vpc(cidr="10.1.0.0/16", tags=dict(ALL_TAGS, Owner="someone"))])

    with pytest.raises(mod.VpcError) as error:
        stubs.manager().ensure_present(**SETTINGS)

    message = error.value.message
    assert "primary CIDR block of VPC %s is 10.1.0.0/16, not 10.0.0.0/16" % VPC_ID in message
    assert "cannot change" in message
    assert stubs.calls == ["DescribeVpcs"]


def test_two_matching_vpcs_are_an_error_naming_them(stubs):
    stubs.by_tags([vpc(), vpc(vpc_id=OTHER_VPC_ID, cidr="10.1.0.0/16")])

    with pytest.raises(mod.VpcError) as error:
        stubs.manager().ensure_present(**SETTINGS)

    message = error.value.message
    assert message.startswith("2 VPCs match the tags Name=%s, Project=tap-infra, Environment=x" % NAME)
    assert "%s (10.0.0.0/16, available)" % VPC_ID in message
    assert "%s (10.1.0.0/16, available)" % OTHER_VPC_ID in message
    assert writes(stubs.calls) == []


def test_a_refused_create_names_the_vpc(stubs):
    stubs.by_tags([])
    stubs.stubber.add_client_error(
        "create_vpc",
        service_error_code="VpcLimitExceeded",
        service_message="The maximum number of VPCs has been reached.",
        http_status_code=400,
    )
    manager = stubs.manager()
    with pytest.raises(mod.VpcError, match=r"the VPC %s \(10.0.0.0/16\) could not be created" % NAME):
        manager.ensure_present(**SETTINGS)
    assert manager.changed is False  # nothing was written


def test_check_mode_writes_nothing(stubs):
    stubs.by_tags([vpc(tags=dict(ALL_TAGS, Site="elsewhere"))])
    stubs.attributes(hostnames=False)

    result = stubs.manager(check_mode=True).ensure_present(**SETTINGS)

    assert stubs.calls == ["DescribeVpcs", "DescribeVpcAttribute", "DescribeVpcAttribute"]
    assert result["changed"] is True
    assert result["vpc"]["tags"] == ALL_TAGS and result["vpc"]["enable_dns_hostnames"] is True


def test_check_mode_on_an_empty_account(stubs):
    stubs.by_tags([])
    result = stubs.manager(check_mode=True).ensure_present(**SETTINGS)
    assert stubs.calls == ["DescribeVpcs"]
    assert result["changed"] is True
    assert result["vpc"]["id"] is None and result["vpc"]["cidr_block"] == CIDR
    assert result["diff"] == {
        "before": {},
        "after": {
            "id": None,
            "cidr_block": CIDR,
            "enable_dns_support": True,
            "enable_dns_hostnames": True,
            "tags": ALL_TAGS,
        },
    }


def test_check_mode_converged_reports_no_change(stubs):
    stubs.by_tags([vpc()])
    stubs.attributes()
    assert stubs.manager(check_mode=True).ensure_present(**SETTINGS)["changed"] is False


# ---- absent --------------------------------------------------------------------------------------------------


def test_absent_deletes_the_vpc_found_by_its_tags(stubs):
    stubs.by_tags([vpc()])
    stubs.expect_delete()

    result = stubs.manager().ensure_absent(name=NAME, tags=TAGS, match_tags=MATCH)

    assert stubs.calls == ["DescribeVpcs", "DeleteVpc"]
    assert result["changed"] is True
    assert result["vpc"]["id"] == VPC_ID and result["vpc"]["state"] == "deleted"
    assert result["diff"]["before"]["id"] == VPC_ID and result["diff"]["after"] == {}


def test_absent_by_id(stubs):
    stubs.by_id_filter([vpc()])
    stubs.expect_delete()
    assert stubs.manager().ensure_absent(vpc_id=VPC_ID)["changed"] is True


def test_absent_when_already_gone_is_a_no_op(stubs):
    stubs.by_id_filter([])
    result = stubs.manager().ensure_absent(vpc_id=VPC_ID)
    assert stubs.calls == ["DescribeVpcs"]
    assert result["changed"] is False
    assert result["vpc"] == {"id": VPC_ID, "tags": {}, "state": "absent"}


def test_absent_tolerates_a_concurrent_delete(stubs):
    stubs.by_tags([vpc()])
    stubs.stubber.add_client_error(
        "delete_vpc",
        service_error_code="InvalidVpcID.NotFound",
        service_message="The vpc ID '%s' does not exist" % VPC_ID,
        http_status_code=400,
    )
    assert stubs.manager().ensure_absent(name=NAME, tags=TAGS, match_tags=MATCH)["changed"] is True


def test_absent_retries_a_dependency_violation(stubs):
    # The network interfaces of a deleted NAT gateway are released a while later.
    stubs.by_tags([vpc()])
    stubs.dependency_violation(times=2)
    stubs.expect_delete()

    result = stubs.manager(delete_attempts=3).ensure_absent(name=NAME, tags=TAGS, match_tags=MATCH)

    assert stubs.calls.count("DeleteVpc") == 3
    assert result["vpc"]["state"] == "deleted"


def test_absent_fails_naming_the_vpc_when_the_dependency_stays(stubs):
    stubs.by_tags([vpc()])
    stubs.dependency_violation(times=3)

    with pytest.raises(mod.VpcError) as error:
        stubs.manager(delete_attempts=3).ensure_absent(name=NAME, tags=TAGS, match_tags=MATCH)

    assert "VPC %s (10.0.0.0/16) still has dependencies after 3 attempts" % VPC_ID in error.value.message
    assert error.value.exception.response["Error"]["Code"] == "DependencyViolation"
    assert stubs.calls.count("DeleteVpc") == 3


def test_absent_with_two_matching_vpcs_deletes_neither(stubs):
    stubs.by_tags([vpc(), vpc(vpc_id=OTHER_VPC_ID)])
    with pytest.raises(mod.VpcError, match="2 VPCs match"):
        stubs.manager().ensure_absent(name=NAME, tags=TAGS, match_tags=MATCH)
    assert writes(stubs.calls) == []


def test_absent_in_check_mode_writes_nothing(stubs):
    stubs.by_tags([vpc()])
    result = stubs.manager(check_mode=True).ensure_absent(name=NAME, tags=TAGS, match_tags=MATCH)
    assert stubs.calls == ["DescribeVpcs"]
    assert result["changed"] is True and result["vpc"]["state"] == "deleted"


# ---- main() through a fake module ------------------------------------------------------------------------


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with the module's defaults under the given params, the stubbed ec2 client."""

    def __init__(self, params, stubs, check_mode=False, diff=False):
        defaults = dict(
            name=NAME,
            vpc_id=None,
            match_tags=MATCH,
            cidr_block=CIDR,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=TAGS,
            purge_tags=True,
            state="present",
            wait=True,
            wait_timeout=300,
        )
        super().__init__(dict(defaults, **params), {"ec2": stubs.client()}, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, mod)


def test_main_check_mode_with_diff(stubs, monkeypatch):
    stubs.by_tags([])
    fake = FakeModule({}, stubs, check_mode=True, diff=True)

    result = run_main(monkeypatch, fake)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["tags"] == ALL_TAGS
    assert result["vpc"]["id"] is None
    assert fake.spec["supports_check_mode"] is True
    assert stubs.calls == ["DescribeVpcs"]


def test_main_without_diff_returns_no_diff(stubs, monkeypatch):
    stubs.by_tags([vpc()])
    stubs.attributes()
    result = run_main(monkeypatch, FakeModule({}, stubs))
    assert result["changed"] is False
    assert "diff" not in result
    assert result["vpc"]["id"] == VPC_ID


def test_main_reports_a_cidr_mismatch(stubs, monkeypatch):
    stubs.by_tags([vpc(cidr="10.1.0.0/16")])
    result = run_main(monkeypatch, FakeModule({}, stubs))
    assert result["failed"] is True and "cannot change" in result["msg"]
    assert result["changed"] is False


def test_main_reports_aws_errors(stubs, monkeypatch):
    stubs.stubber.add_client_error(
        "describe_vpcs",
        service_error_code="UnauthorizedOperation",
        service_message="You are not authorized to perform this operation.",
        http_status_code=403,
    )
    result = run_main(monkeypatch, FakeModule({"state": "absent"}, stubs))
    # a denial fails at once, naming the action and the deployer policy statement that grants it
    assert result["failed"] is True and stubs.calls.count("DescribeVpcs") == 1
    assert "ec2:DescribeVpcs" in result["msg"] and "Ec2NoResourceScope" in result["msg"]


def test_main_absent(stubs, monkeypatch):
    stubs.by_id_filter([vpc()])
    stubs.expect_delete()
    result = run_main(monkeypatch, FakeModule({"state": "absent", "vpc_id": VPC_ID}, stubs))
    assert result["changed"] is True and result["vpc"]["state"] == "deleted"


# ---- errors named by what failed, and the VPC found by its name alone -------------------------------------------


def refuse(stubs, operation, code="InvalidParameterValue", params=None):
    stubs.stubber.add_client_error(
        operation, service_error_code=code, service_message="refused", http_status_code=400, expected_params=params
    )


def test_a_refused_attribute_read_names_the_attribute(stubs):
    stubs.by_tags([vpc()])
    refuse(stubs, "describe_vpc_attribute")
    with pytest.raises(mod.VpcError, match="the enableDnsSupport attribute of %s could not be read" % VPC_ID):
        stubs.manager().ensure_present(**SETTINGS)


def test_a_refused_attribute_change_names_the_attribute(stubs):
    stubs.by_tags([vpc()])
    stubs.attributes(support=True, hostnames=False)
    refuse(stubs, "modify_vpc_attribute")
    with pytest.raises(mod.VpcError, match="the enableDnsHostnames attribute of %s could not be set to True" % VPC_ID):
        stubs.manager().ensure_present(**SETTINGS)


def test_a_refused_tag_change_names_the_vpc(stubs):
    stubs.by_tags([vpc(tags=dict(ALL_TAGS, Owner="someone"))])
    stubs.attributes()
    refuse(stubs, "delete_tags")
    with pytest.raises(mod.VpcError, match="the tags of %s could not be updated" % VPC_ID):
        stubs.manager().ensure_present(**SETTINGS)


def test_a_refused_delete_names_the_vpc(stubs):
    stubs.by_id_filter([vpc()])
    refuse(stubs, "delete_vpc", "OperationNotPermitted")
    with pytest.raises(mod.VpcError, match=r"VPC %s \(10.0.0.0/16\) could not be deleted" % VPC_ID):
        stubs.manager().ensure_absent(vpc_id=VPC_ID)


def test_a_name_or_an_id_is_required(stubs):
    with pytest.raises(mod.VpcError, match="name \\(or vpc_id\\) is required"):
        stubs.manager().ensure_present(cidr_block=CIDR)
    with pytest.raises(mod.VpcError, match="name \\(or vpc_id\\) is required"):
        stubs.manager().ensure_absent()


def test_without_tags_only_the_name_tag_is_enforced_and_a_vpc_born_untagged_is_shown_tagged(stubs):
    name_only = [{"Name": "tag:Name", "Values": [NAME]}]
    stubs.by_tags([vpc(tags={"Name": NAME, "Owner": "someone"})], filters=name_only)
    result = stubs.manager().ensure_present(name=NAME, cidr_block=CIDR, tags=None, match_tags=[])
    assert result["changed"] is False and result["vpc"]["tags"] == {"Name": NAME, "Owner": "someone"}

    stubs.by_tags([], filters=name_only)
    stubs.stubber.add_response(
        "create_vpc",
        {"Vpc": vpc(state="available", tags={})},
        {"CidrBlock": CIDR, "TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": NAME}]}]},
    )
    created = stubs.manager().ensure_present(name=NAME, cidr_block=CIDR, tags=None, match_tags=[])
    assert created["changed"] is True and created["vpc"]["tags"] == {"Name": NAME}
    assert mod.diff_view({"state": "deleted"}) == {}
