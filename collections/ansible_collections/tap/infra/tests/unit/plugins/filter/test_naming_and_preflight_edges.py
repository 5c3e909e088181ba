# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The naming and preflight filters at their edges (their main behaviour: tests/unit/test_naming_and_preflight.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tap.infra.plugins.filter import naming
from ansible_collections.tap.infra.plugins.filter import preflight


def test_names_need_a_suffix_and_a_site():
    with pytest.raises(AnsibleFilterError, match="needs a suffix and a site"):
        naming.resource_names("", "use1")


def test_kinds_without_a_name_are_not_checked():
    assert naming.name_violations({"dashboard": "tap-x-dashboard"}) == []


def test_a_name_too_long_names_the_limit_and_one_with_other_characters_names_them():
    assert naming.name_violations({"target_group": "tap-" + "x" * 30, "lambda_role": "tap x", "table": "t"}) == [
        "lambda_role name 'tap x' breaks the AWS rule: letters, digits, + = , . @ _ -",
        "table name 't' breaks the AWS rule: 3-255 letters, digits, _ . -",
        "target_group name '%s' is 34 characters, AWS allows 32: shorten suffix by 2" % ("tap-" + "x" * 30),
    ]


def test_a_vpc_too_small_for_six_subnets_is_refused():
    with pytest.raises(AnsibleFilterError, match="too small for 6 /24 subnets"):
        naming.subnet_plan("10.0.0.0/23", ["a", "b"], "tap-x")


def test_the_filters_are_registered():
    assert set(naming.FilterModule().filters()) == {"resource_names", "name_violations", "subnet_plan"}
    assert set(preflight.FilterModule().filters()) == {"preflight_problems", "site_specs", "role_input_problems", "project_input_problems"}


def test_site_specs_are_plain_dicts_of_the_inventory():
    hostvars = {"use1": {"aws_region": "us-east-1", "region_role": "primary", "vpc_cidr": "10.0.0.0/16", "x": 1}}
    assert preflight.site_specs(["use1"], hostvars) == [
        {"host": "use1", "aws_region": "us-east-1", "region_role": "primary", "vpc_cidr": "10.0.0.0/16"}
    ]


def test_known_regions_come_from_botocore():
    regions = preflight.known_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= regions


def test_an_input_that_cannot_be_resolved_is_named(monkeypatch):
    def unresolvable(value):
        raise ValueError("undefined variable")

    monkeypatch.setattr(preflight, "rebuilt", unresolvable)
    specs = {"vpc": {"argument_specs": {"main": {"options": {"vpc_az_count": {"type": "int"}}}}}}
    problems = preflight.role_input_problems(specs, {"vpc_az_count": "{{ nope }}", "other": 1})
    assert problems == [
        "input vpc_az_count of role vpc (roles/vpc/meta/argument_specs.yml) cannot be resolved: undefined variable"
    ]
