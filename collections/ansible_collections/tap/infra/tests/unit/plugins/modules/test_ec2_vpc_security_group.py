# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.ec2_vpc_security_group against botocore's Stubber, with the response shapes EC2 returns.

Stubber fails on any call out of order, with other parameters, or left unmade: the number of reads of a
converged run and the absence of writes in check mode are asserted by the queued responses themselves.
"""

from functools import partial

import pytest

from ansible_collections.tap.infra.plugins.modules import ec2_vpc_security_group as mod
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

REGION = "us-east-1"
ACCOUNT = "123456789012"
VPC_ID = "vpc-0ee975135d1a2b3c4"
GROUP_ID = "sg-0a1b2c3d4e5f60718"
CLIENT_GROUP_ID = "sg-0c1c2c3c4c5c6c7c8"
DEFAULT_GROUP_ID = "sg-0d0d0d0d0d0d0d0d0"
NAME = "tap-test-us-east-1-db"
TAGS = {"Project": "tap-infra", "Environment": "test", "Name": NAME}


DB_RULES = [{"proto": "tcp", "ports": ["5432"], "group_id": [CLIENT_GROUP_ID], "rule_desc": "PostgreSQL from clients"}]
ALB_RULES = [{"proto": "tcp", "ports": ["80"], "cidr_ip": ["10.0.0.0/8", "192.168.0.0/16"], "rule_desc": "HTTP"}]


# ---- real AWS response shapes --------------------------------------------------------------------------------


def perm(proto, ranges=(), pairs=(), ipv6=(), from_port=None, to_port=None):
    """One IpPermission as DescribeSecurityGroups returns it (every list present, ports absent for -1)."""
    shape = {
        "IpProtocol": proto,
        "IpRanges": list(ranges),
        "Ipv6Ranges": list(ipv6),
        "PrefixListIds": [],
        "UserIdGroupPairs": list(pairs),
    }
    if from_port is not None:
        shape["FromPort"], shape["ToPort"] = from_port, to_port
    return shape


def cidr(block, desc=None):
    return dict({"CidrIp": block}, **({"Description": desc} if desc else {}))


def pair(group_id, desc=None):
    return dict({"UserId": ACCOUNT, "GroupId": group_id}, **({"Description": desc} if desc else {}))


ALLOW_ALL_OUT = perm("-1", [cidr("0.0.0.0/0")])


def group(ingress=(), egress=(ALLOW_ALL_OUT,), tags=None, name=NAME, group_id=GROUP_ID, description="db group"):
    shape = {
        "GroupId": group_id,
        "GroupName": name,
        "Description": description,
        "OwnerId": ACCOUNT,
        "VpcId": VPC_ID,
        "SecurityGroupArn": "arn:aws:ec2:%s:%s:security-group/%s" % (REGION, ACCOUNT, group_id),
        "IpPermissions": list(ingress),
        "IpPermissionsEgress": list(egress),
    }
    tags = TAGS if tags is None else tags
    if tags:
        shape["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return shape


def db_group(**kwargs):
    kwargs.setdefault(
        "ingress", [perm("tcp", pairs=[pair(CLIENT_GROUP_ID, "PostgreSQL from clients")], from_port=5432, to_port=5432)]
    )
    kwargs.setdefault("egress", [])
    return group(**kwargs)


def default_group(stripped=False):
    if stripped:
        return group(
            ingress=[],
            egress=[],
            tags={},
            name="default",
            group_id=DEFAULT_GROUP_ID,
            description="default VPC security group",
        )
    return group(
        ingress=[perm("-1", pairs=[pair(DEFAULT_GROUP_ID)])],
        egress=[ALLOW_ALL_OUT],
        tags={},
        name="default",
        group_id=DEFAULT_GROUP_ID,
        description="default VPC security group",
    )


def params(**kwargs):
    base = dict(
        name=NAME,
        vpc_id=VPC_ID,
        group_id=None,
        description="db group",
        rules=DB_RULES,
        rules_egress=[],
        tags=TAGS,
        purge_tags=True,
        state="present",
        wait_timeout=300,
    )
    base.update(kwargs)
    return base


def by_name(vpc_id=VPC_ID, name=NAME):
    return {"Filters": [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}]}


# ---- fixtures ----------------------------------------------------------------------------------------------


class Stubs(utils.Stubs):
    """The stubbed ec2 client, recording the calls made and the clock."""

    service = "ec2"

    def __init__(self):
        super().__init__()
        self.clock = utils.Clock()

    def manager(self, check_mode=False):
        return mod.SecurityGroupManager(
            self.client(),
            check_mode=check_mode,
            sleep=self.clock.sleep,
            clock=self.clock,
        )

    def found(self, groups, expected=None):
        self.stubber.add_response("describe_security_groups", {"SecurityGroups": groups}, expected or by_name())

    def error(self, method, code, expected=None, message="error"):
        self.stubber.add_client_error(
            method, service_error_code=code, service_message=message, http_status_code=400, expected_params=expected
        )

    def expect(self, method, expected, response=None):
        self.stubber.add_response(method, response if response is not None else {"Return": True}, expected)


stubs = utils.stubs_fixture(Stubs)


# ---- rules as atoms ------------------------------------------------------------------------------------------


def test_protocols_ports_and_sources_are_normalised():
    atoms = mod.desired_atoms(
        [
            {"proto": "6", "ports": ["80", "8000-8010"], "cidr_ip": ["10.1.2.3/8"], "rule_desc": "web"},
            {"proto": "all", "cidr_ipv6": ["2001:DB8::/32"]},
            {"proto": "icmp", "icmp_type": 8, "icmp_code": -1, "prefix_list_id": ["pl-12345678"]},
        ],
        "ingress",
    )
    assert atoms == {
        ("tcp", 80, 80, "cidr_ip", "10.0.0.0/8"): "web",
        ("tcp", 8000, 8010, "cidr_ip", "10.0.0.0/8"): "web",
        ("-1", None, None, "cidr_ipv6", "2001:db8::/32"): None,
        ("icmp", 8, -1, "prefix_list_id", "pl-12345678"): None,
    }


@pytest.mark.parametrize(
    "rule",
    [
        {"proto": "tcp", "cidr_ip": ["10.0.0.0/8"]},  # no ports
        {"proto": "-1", "ports": ["80"], "cidr_ip": ["10.0.0.0/8"]},  # ports with all
        {"proto": "tcp", "ports": ["80-70"], "cidr_ip": ["10.0.0.0/8"]},
        {"proto": "tcp", "ports": ["http"], "cidr_ip": ["10.0.0.0/8"]},
        {"proto": "gre", "cidr_ip": ["10.0.0.0/8"]},
        {"proto": "tcp", "ports": ["80"]},  # no source
        {"proto": "tcp", "ports": ["80"], "cidr_ip": ["10.0.0.0/33"]},
    ],
)
def test_bad_rules_are_refused(rule):
    with pytest.raises(mod.SecurityGroupError):
        mod.desired_atoms([rule], "ingress")


def test_one_rule_with_two_descriptions_is_refused():
    rules = [dict(ALB_RULES[0], rule_desc="a"), dict(ALB_RULES[0], rule_desc="b")]
    with pytest.raises(mod.SecurityGroupError, match="listed twice"):
        mod.desired_atoms(rules, "ingress")


# ---- present ---------------------------------------------------------------------------------------------------


def test_create_born_tagged_then_rules_with_the_default_egress_revoked(stubs):
    stubs.found([])
    stubs.expect(
        "create_security_group",
        {
            "VpcId": VPC_ID,
            "GroupName": NAME,
            "Description": "db group",
            "TagSpecifications": [
                {"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
            ],
        },
        {"GroupId": GROUP_ID, "SecurityGroupArn": "arn:aws:ec2:us-east-1:%s:security-group/%s" % (ACCOUNT, GROUP_ID)},
    )
    # Eventual consistency: the new id is not known to DescribeSecurityGroups at once.
    stubs.error("describe_security_groups", "InvalidGroup.NotFound", {"GroupIds": [GROUP_ID]})
    stubs.found([group()], {"GroupIds": [GROUP_ID]})
    stubs.expect(
        "authorize_security_group_ingress",
        {
            "GroupId": GROUP_ID,
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "UserIdGroupPairs": [{"GroupId": CLIENT_GROUP_ID, "Description": "PostgreSQL from clients"}],
                }
            ],
        },
        {"Return": True, "SecurityGroupRules": []},
    )
    stubs.expect(
        "revoke_security_group_egress",
        {"GroupId": GROUP_ID, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
        {"Return": True, "RevokedSecurityGroupRules": []},
    )

    result = stubs.manager().ensure_present(params())

    assert result["changed"] is True
    assert result["group_id"] == GROUP_ID and result["vpc_id"] == VPC_ID and result["group_name"] == NAME
    assert result["tags"] == TAGS
    assert result["ip_permissions_egress"] == []
    [inbound] = result["ip_permissions"]
    assert inbound["ip_protocol"] == "tcp" and inbound["from_port"] == 5432
    assert inbound["user_id_group_pairs"] == [
        {"group_id": CLIENT_GROUP_ID, "user_id": ACCOUNT, "description": "PostgreSQL from clients"}
    ]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["rules_egress"] == []
    assert stubs.calls.count("DescribeTags") == 0


def test_create_without_rules_egress_keeps_the_default_egress(stubs):
    stubs.found([])
    stubs.expect(
        "create_security_group",
        {"VpcId": VPC_ID, "GroupName": NAME, "Description": "client"},
        {"GroupId": GROUP_ID},
    )
    stubs.found([group(tags={})], {"GroupIds": [GROUP_ID]})

    result = stubs.manager().ensure_present(params(description="client", rules=[], rules_egress=None, tags=None))

    assert result["changed"] is True
    assert result["ip_permissions"] == []
    assert result["ip_permissions_egress"] == [
        {
            "ip_protocol": "-1",
            "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}],
            "ipv6_ranges": [],
            "prefix_list_ids": [],
            "user_id_group_pairs": [],
        }
    ]
    assert stubs.calls == ["DescribeSecurityGroups", "CreateSecurityGroup", "DescribeSecurityGroups"]


@pytest.mark.parametrize(
    "found, kwargs",
    [
        (db_group(), {}),
        (group(ingress=[], egress=[ALLOW_ALL_OUT]), {"rules": [], "rules_egress": None}),
        (
            group(
                ingress=[
                    perm("tcp", [cidr("10.0.0.0/8", "HTTP"), cidr("192.168.0.0/16", "HTTP")], from_port=80, to_port=80)
                ]
            ),
            {"rules": ALB_RULES, "rules_egress": None},
        ),
        (default_group(stripped=True), {"name": "default", "description": None, "rules": [], "tags": None}),
    ],
    ids=["db", "client", "alb", "default"],
)
def test_converged_is_one_read_and_no_write(stubs, found, kwargs):
    stubs.found([found], by_name(name=found["GroupName"]))
    result = stubs.manager().ensure_present(params(**kwargs))
    assert result["changed"] is False
    assert result["group_id"] == found["GroupId"]
    assert stubs.calls == ["DescribeSecurityGroups"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_a_rule_added_and_one_removed(stubs):
    stubs.found(
        [
            group(
                ingress=[
                    perm("tcp", [cidr("10.0.0.0/8", "HTTP"), cidr("172.16.0.0/12", "HTTP")], from_port=80, to_port=80)
                ]
            )
        ]
    )
    stubs.expect(
        "authorize_security_group_ingress",
        {
            "GroupId": GROUP_ID,
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 80,
                    "ToPort": 80,
                    "IpRanges": [{"CidrIp": "192.168.0.0/16", "Description": "HTTP"}],
                }
            ],
        },
    )
    stubs.expect(
        "revoke_security_group_ingress",
        {
            "GroupId": GROUP_ID,
            "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "172.16.0.0/12"}]}
            ],
        },
        {"Return": True, "RevokedSecurityGroupRules": []},
    )

    result = stubs.manager().ensure_present(params(rules=ALB_RULES, rules_egress=None))

    assert result["changed"] is True
    [inbound] = result["ip_permissions"]
    assert [r["cidr_ip"] for r in inbound["ip_ranges"]] == ["10.0.0.0/8", "192.168.0.0/16"]
    assert {"proto": "tcp", "ports": "80", "cidr_ip": "172.16.0.0/12", "rule_desc": "HTTP"} in result["diff"]["before"][
        "rules"
    ]
    assert {"proto": "tcp", "ports": "80", "cidr_ip": "172.16.0.0/12", "rule_desc": "HTTP"} not in result["diff"][
        "after"
    ]["rules"]


def test_an_unknown_rule_on_revoke_fails(stubs):
    stubs.found([group(ingress=[perm("tcp", [cidr("172.16.0.0/12")], from_port=80, to_port=80)])])
    stubs.expect(
        "revoke_security_group_ingress",
        {
            "GroupId": GROUP_ID,
            "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "172.16.0.0/12"}]}
            ],
        },
        {"Return": True, "UnknownIpPermissions": [perm("tcp", [cidr("172.16.0.0/12")], from_port=80, to_port=80)]},
    )
    with pytest.raises(mod.SecurityGroupError, match="were not revoked"):
        stubs.manager().ensure_present(params(rules=[], rules_egress=None))


def test_a_description_only_change_updates_the_description(stubs):
    stubs.found([db_group(ingress=[perm("tcp", pairs=[pair(CLIENT_GROUP_ID, "old")], from_port=5432, to_port=5432)])])
    stubs.expect(
        "update_security_group_rule_descriptions_ingress",
        {
            "GroupId": GROUP_ID,
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "UserIdGroupPairs": [{"GroupId": CLIENT_GROUP_ID, "Description": "PostgreSQL from clients"}],
                }
            ],
        },
    )
    result = stubs.manager().ensure_present(params())
    assert result["changed"] is True
    assert result["ip_permissions"][0]["user_id_group_pairs"][0]["description"] == "PostgreSQL from clients"
    assert "RevokeSecurityGroupIngress" not in stubs.calls and "AuthorizeSecurityGroupIngress" not in stubs.calls


def test_a_description_removed_when_the_rule_has_none(stubs):
    stubs.found([group(ingress=[], egress=[perm("-1", [cidr("0.0.0.0/0", "added by hand")])])])
    stubs.expect(
        "update_security_group_rule_descriptions_egress",
        {"GroupId": GROUP_ID, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
    )
    result = stubs.manager().ensure_present(params(rules=[], rules_egress=None))
    assert result["changed"] is True


def test_tag_drift_is_fixed_and_aws_tags_are_kept(stubs):
    drifted = dict(TAGS, Environment="other", Extra="by hand", **{"aws:cloudformation:stack-name": "x"})
    stubs.found([db_group(tags=drifted)])
    stubs.expect("delete_tags", {"Resources": [GROUP_ID], "Tags": [{"Key": "Extra"}]}, {})
    stubs.expect("create_tags", {"Resources": [GROUP_ID], "Tags": [{"Key": "Environment", "Value": "test"}]}, {})
    result = stubs.manager().ensure_present(params())
    assert result["changed"] is True
    assert result["tags"] == dict(TAGS, **{"aws:cloudformation:stack-name": "x"})
    assert result["diff"]["before"]["tags"]["Extra"] == "by hand"


def test_a_different_description_is_a_warning_not_a_change(stubs):
    stubs.found([db_group(description="older words")])
    manager = stubs.manager()
    result = manager.ensure_present(params())
    assert result["changed"] is False
    assert "cannot change" in manager.warnings[0]


def test_the_default_group_is_stripped(stubs):
    stubs.found([default_group()], by_name(name="default"))
    stubs.expect(
        "revoke_security_group_ingress",
        {
            "GroupId": DEFAULT_GROUP_ID,
            "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": DEFAULT_GROUP_ID}]}],
        },
        {"Return": True, "RevokedSecurityGroupRules": []},
    )
    stubs.expect(
        "revoke_security_group_egress",
        {"GroupId": DEFAULT_GROUP_ID, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
        {"Return": True, "RevokedSecurityGroupRules": []},
    )
    manager = stubs.manager()
    result = manager.ensure_present(params(name="default", description=None, rules=[], rules_egress=[], tags=None))
    assert result["changed"] is True
    assert result["group_id"] == DEFAULT_GROUP_ID
    assert result["ip_permissions"] == [] and result["ip_permissions_egress"] == []
    assert manager.warnings == []


def test_a_missing_default_group_is_never_created(stubs):
    stubs.found([], by_name(name="default"))
    with pytest.raises(mod.SecurityGroupError, match="never created"):
        stubs.manager().ensure_present(params(name="default", description=None, rules=[], tags=None))
    assert "CreateSecurityGroup" not in stubs.calls


def test_a_missing_group_without_description_is_an_error(stubs):
    stubs.found([])
    with pytest.raises(mod.SecurityGroupError, match="description is needed"):
        stubs.manager().ensure_present(params(description=None))


# ---- check mode ------------------------------------------------------------------------------------------------


def test_check_mode_on_an_empty_account_with_placeholders(stubs):
    # No VPC yet, and the source group does not exist either: only the one read, an honest preview.
    stubs.found([], by_name(vpc_id="vpc-to-be-created"))
    rules = [dict(DB_RULES[0], group_id=["sg-to-be-created"])]
    result = stubs.manager(check_mode=True).ensure_present(params(vpc_id="vpc-to-be-created", rules=rules))
    assert result["changed"] is True
    assert result["group_id"] is None
    assert result["tags"] == TAGS
    assert result["ip_permissions_egress"] == []
    assert result["diff"]["after"]["rules"] == [
        {"proto": "tcp", "ports": "5432", "group_id": "sg-to-be-created", "rule_desc": "PostgreSQL from clients"}
    ]
    assert stubs.calls == ["DescribeSecurityGroups"]


def test_check_mode_previews_the_default_group_of_a_vpc_to_be_created(stubs):
    stubs.found([], by_name(vpc_id="vpc-to-be-created", name="default"))
    manager = stubs.manager(check_mode=True)
    result = manager.ensure_present(
        params(vpc_id="vpc-to-be-created", name="default", description=None, rules=[], rules_egress=[], tags=None)
    )
    assert result["changed"] is True and result["group_id"] is None
    assert stubs.calls == ["DescribeSecurityGroups"]


def test_check_mode_with_drift_writes_nothing(stubs):
    stubs.found([group(ingress=[perm("tcp", [cidr("172.16.0.0/12")], from_port=80, to_port=80)], tags={"Name": NAME})])
    result = stubs.manager(check_mode=True).ensure_present(params(rules=ALB_RULES))
    assert result["changed"] is True
    assert result["tags"] == TAGS
    assert [r["cidr_ip"] for r in result["ip_permissions"][0]["ip_ranges"]] == ["10.0.0.0/8", "192.168.0.0/16"]
    assert result["ip_permissions_egress"] == []
    assert stubs.calls == ["DescribeSecurityGroups"]


# ---- absent ----------------------------------------------------------------------------------------------------

BY_ID = {"Filters": [{"Name": "group-id", "Values": [GROUP_ID]}]}


def test_absent_deletes_the_group_found_by_id(stubs):
    stubs.found([db_group()], BY_ID)
    stubs.expect("delete_security_group", {"GroupId": GROUP_ID}, {"Return": True, "GroupId": GROUP_ID})
    result = stubs.manager().ensure_absent(params(name=None, vpc_id=None, group_id=GROUP_ID, state="absent"))
    assert result["changed"] is True and result["state"] == "deleted"
    assert result["diff"]["after"] == {} and result["diff"]["before"]["group_name"] == NAME


def test_absent_by_name_in_the_vpc(stubs):
    stubs.found([db_group()])
    stubs.expect("delete_security_group", {"GroupId": GROUP_ID}, {"Return": True, "GroupId": GROUP_ID})
    result = stubs.manager().ensure_absent(params(state="absent"))
    assert result["changed"] is True


def test_absent_when_already_gone(stubs):
    stubs.found([], BY_ID)
    result = stubs.manager().ensure_absent(params(name=None, vpc_id=None, group_id=GROUP_ID, state="absent"))
    assert result["changed"] is False and result["state"] == "absent" and result["group_id"] is None
    assert stubs.calls == ["DescribeSecurityGroups"]


def test_absent_tolerates_a_concurrent_delete(stubs):
    stubs.found([db_group()], BY_ID)
    stubs.error("delete_security_group", "InvalidGroup.NotFound", {"GroupId": GROUP_ID})
    result = stubs.manager().ensure_absent(params(name=None, group_id=GROUP_ID, vpc_id=None, state="absent"))
    assert result["changed"] is True


def test_absent_retries_a_dependency_violation(stubs):
    stubs.found([db_group()], BY_ID)
    for attempt in range(3):
        stubs.error("delete_security_group", "DependencyViolation", {"GroupId": GROUP_ID})
    stubs.expect("delete_security_group", {"GroupId": GROUP_ID}, {"Return": True, "GroupId": GROUP_ID})
    result = stubs.manager().ensure_absent(params(name=None, group_id=GROUP_ID, vpc_id=None, state="absent"))
    assert result["changed"] is True
    assert 0 < stubs.clock.now <= 5 + 10 + 20


def test_absent_fails_when_the_dependency_stays_past_the_timeout(stubs):
    stubs.found([db_group()], BY_ID)
    # 60 s: attempts after about 0, 5, 15, 35 s; the next wait would pass the deadline.
    for attempt in range(4):
        stubs.error("delete_security_group", "DependencyViolation", {"GroupId": GROUP_ID})
    with pytest.raises(mod.SecurityGroupError, match="still in use after 60 seconds"):
        stubs.manager().ensure_absent(
            params(name=None, group_id=GROUP_ID, vpc_id=None, state="absent", wait_timeout=60)
        )
    assert stubs.clock.sleeps == [5, 10, 20]  # DEPENDENCY_VIOLATION's waits; the next (30 s) would pass 60 s


def test_absent_never_deletes_the_default_group(stubs):
    stubs.found([default_group()], by_name(name="default"))
    manager = stubs.manager()
    result = manager.ensure_absent(params(name="default", state="absent"))
    assert result["changed"] is False
    assert "never deleted" in manager.warnings[0]
    assert stubs.calls == ["DescribeSecurityGroups"]


def test_absent_in_check_mode_writes_nothing(stubs):
    stubs.found([db_group()], BY_ID)
    result = stubs.manager(check_mode=True).ensure_absent(
        params(name=None, group_id=GROUP_ID, vpc_id=None, state="absent")
    )
    assert result["changed"] is True and result["state"] == "deleted"
    assert stubs.calls == ["DescribeSecurityGroups"]


# ---- main() through a fake module ------------------------------------------------------------------------


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with params(**module_params), the stubbed ec2 client."""

    def __init__(self, module_params, stubs, check_mode=False, diff=False):
        super().__init__(params(**module_params), {"ec2": stubs.client()}, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, mod)


def test_main_check_mode_with_diff(stubs, monkeypatch):
    stubs.found([])
    fake = FakeModule({}, stubs, check_mode=True, diff=True)
    result = run_main(monkeypatch, fake)
    assert result["changed"] is True and result["group_id"] is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["tags"] == TAGS
    assert fake.spec["supports_check_mode"] is True


def test_main_without_diff_returns_no_diff(stubs, monkeypatch):
    stubs.found([db_group()])
    result = run_main(monkeypatch, FakeModule({}, stubs))
    assert result["changed"] is False and "diff" not in result
    assert result["group_id"] == GROUP_ID


def test_main_reports_a_dependency_violation_with_changed(stubs, monkeypatch):
    stubs.found([db_group()], BY_ID)
    stubs.error("delete_security_group", "DependencyViolation", {"GroupId": GROUP_ID})
    fake = FakeModule({"state": "absent", "group_id": GROUP_ID, "name": None, "vpc_id": None, "wait_timeout": 0}, stubs)
    result = run_main(monkeypatch, fake)
    assert result["failed"] is True and result["changed"] is True
    assert "still in use" in result["msg"] and "DependencyViolation" in result["msg"]


def test_main_absent_needs_an_id_or_a_vpc(stubs, monkeypatch):
    result = run_main(monkeypatch, FakeModule({"state": "absent", "vpc_id": None}, stubs))
    assert result["failed"] is True and "required" in result["msg"]
    assert stubs.calls == []
