"""The naming helper and every preflight rule, each with the message it gives."""

from pathlib import Path

import pytest
import yaml

from ansible_collections.tap.infra.plugins.filter.naming import name_violations, resource_names, subnet_plan
from ansible_collections.tap.infra.plugins.filter.preflight import (
    preflight_problems,
    project_input_problems,
    role_input_problems,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD_SITES = [
    {"host": "us-east-1", "aws_region": "us-east-1", "region_role": "primary", "vpc_cidr": "10.0.0.0/16"},
    {"host": "us-west-2", "aws_region": "us-west-2", "region_role": "secondary", "vpc_cidr": "10.1.0.0/16"},
]


def sites_with(index, **changes):
    sites = [dict(site) for site in GOOD_SITES]
    sites[index].update(changes)
    return sites


def test_good_inputs_have_no_problem():
    assert preflight_problems(GOOD_SITES, "prod") == []


def test_names_are_derived_from_suffix_site_and_account():
    names = resource_names("prod", "us-west-2", "123456789012")
    assert names["bucket"] == "tap-prod-us-west-2-123456789012"
    assert names["alb"] == "tap-prod-us-west-2-alb"
    assert names["table"] == "tap-prod-table"
    assert name_violations(names) == []


def test_subnet_plan_matches_the_original_layout():
    plan = subnet_plan("10.1.0.0/16", ["us-west-2a", "us-west-2b"], "p")
    assert [(s["tier"], s["az"], s["cidr"]) for s in plan] == [
        ("public", "us-west-2a", "10.1.0.0/24"),
        ("public", "us-west-2b", "10.1.1.0/24"),
        ("private", "us-west-2a", "10.1.2.0/24"),
        ("private", "us-west-2b", "10.1.3.0/24"),
        ("isolated", "us-west-2a", "10.1.4.0/24"),
        ("isolated", "us-west-2b", "10.1.5.0/24"),
    ]


@pytest.mark.parametrize(
    "suffix, sites, expected",
    [
        ("", GOOD_SITES, "suffix is missing"),
        (None, GOOD_SITES, "suffix is missing"),
        ("Prod", GOOD_SITES, "suffix 'Prod' breaks the rule: lowercase"),
        ("my_env", GOOD_SITES, "suffix 'my_env' breaks the rule"),
        ("prod-", GOOD_SITES, "suffix 'prod-' breaks the rule"),
        ("a--b", GOOD_SITES, "suffix 'a--b' breaks the rule"),
        ("1prod", GOOD_SITES, "suffix '1prod' breaks the rule"),
        (42, GOOD_SITES, "suffix 42 must be a string"),
        ("averyverylongsuffix", GOOD_SITES, "alb name 'tap-averyverylongsuffix-us-east-1-alb' is 37 characters, "
         "AWS allows 32: shorten suffix by 5"),
        ("prod", [], "no host in group tap_regions"),
        ("prod", sites_with(1, region_role="primary"), "exactly one site must be primary, found 2"),
        ("prod", sites_with(0, region_role="secondary"), "exactly one site must be primary, found 0"),
        ("prod", sites_with(1, region_role="backup"), "region_role 'backup' of site us-west-2 must be one of"),
        ("prod", sites_with(1, aws_region="us-east-1"), "aws_region us-east-1 is used by several sites"),
        ("prod", sites_with(1, aws_region="mars-1"), "aws_region 'mars-1' of site us-west-2 is not an AWS region"),
        ("prod", sites_with(1, aws_region="us-east-9"), "'us-east-9' of site us-west-2 is not a region AWS has"),
        ("prod", sites_with(1, vpc_cidr="10.0.128.0/17"), "vpc_cidr 10.0.0.0/16 of site us-east-1 overlaps vpc_cidr 10.0.128.0/17 of site us-west-2"),
        ("prod", sites_with(1, vpc_cidr="10.1.0.0/24"), "vpc_cidr '10.1.0.0/24' of site us-west-2 must be a /16 to /21"),
        ("prod", sites_with(1, vpc_cidr="10.1.0.1/16"), "is not a valid IPv4 network CIDR"),
        ("prod", sites_with(1, vpc_cidr="banana"), "vpc_cidr 'banana' of site us-west-2 is not a valid"),
        ("prod", sites_with(1, vpc_cidr=None), "vpc_cidr of site us-west-2 is missing"),
        ("prod", sites_with(1, vpc_cidr="8.8.0.0/16"), "must be a private (RFC 1918) range"),
        ("prod", sites_with(1, host="US_West"), "site (inventory host) 'US_West' must be"),
    ],
)
def test_each_rule_names_the_input(suffix, sites, expected):
    problems = preflight_problems(sites, suffix)
    assert any(expected in problem for problem in problems), problems


def test_shared_region_is_allowed_when_the_layout_asks_for_it():
    sites = sites_with(1, aws_region="us-east-1")
    assert preflight_problems(sites, "prod", allow_shared_region=True) == []


def test_regions_of_every_partition_are_known():
    sites = sites_with(1, aws_region="eu-central-2")
    assert preflight_problems(sites, "prod") == []
    assert preflight_problems(sites_with(1, aws_region="cn-north-1"), "prod") == []


ROLE_SPECS = {
    role: yaml.safe_load((REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    for role in ("vpc", "kms_s3", "rds", "dynamodb_global", "lambda_alb", "cloudwatch")
}


def test_role_inputs_of_the_right_type_pass_and_unset_required_options_are_not_asked_for():
    values = {
        "rds_allocated_storage": "50",
        "rds_multi_az": "yes",
        "vpc_az_count": 2,
        "lambda_alb_memory_size": 256,
        "cloudwatch_rds_cpu_threshold": 90,
        "lambda_alb_allowed_cidrs": ["10.0.0.0/8"],
        "unrelated": {"any": "thing"},
    }
    assert role_input_problems(ROLE_SPECS, values) == []


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("rds_allocated_storage", "lots", "input rds_allocated_storage of role rds "),
        ("rds_multi_az", "maybe", "input rds_multi_az of role rds "),
        ("vpc_az_count", [1, 2], "input vpc_az_count of role vpc "),
        ("lambda_alb_memory_size", "256MB", "input lambda_alb_memory_size of role lambda_alb "),
        ("cloudwatch_rds_cpu_threshold", {"high": 90}, "input cloudwatch_rds_cpu_threshold of role cloudwatch "),
        ("dynamodb_global_hash_key_type", "INTEGER", "input dynamodb_global_hash_key_type of role dynamodb_global "),
    ],
)
def test_each_wrong_role_input_is_one_message_naming_role_and_input(name, value, expected):
    problems = role_input_problems(ROLE_SPECS, {name: value})
    assert len(problems) == 1 and problems[0].startswith(expected), problems
    assert "argument_specs.yml" in problems[0] and repr(value) in problems[0]


class _NotDeepCopied(list):
    """Stands for Ansible's lazily templated containers, which hold their templating context: a deep copy of
    one costs far more than its items."""

    def __deepcopy__(self, memo):
        raise AssertionError("a host variable was deep-copied")


def test_role_inputs_are_validated_as_plain_data():
    good = role_input_problems(ROLE_SPECS, {"lambda_alb_allowed_cidrs": _NotDeepCopied(["10.0.0.0/8"])})
    assert good == []
    problems = role_input_problems(ROLE_SPECS, {"vpc_az_count": _NotDeepCopied([1, 2])})
    assert len(problems) == 1 and problems[0].startswith("input vpc_az_count of role vpc ") and "[1, 2]" in problems[0]


PROJECT_SPEC = yaml.safe_load((REPO_ROOT / "meta" / "argument_specs.yml").read_text())
PROJECT = "(project-wide, meta/argument_specs.yml)"


def test_project_defaults_and_command_line_forms_pass():
    defaults = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())
    settled = dict(defaults, tap_tags={"Project": "tap-infra", "Environment": "prod", "Site": "us-east-1"})
    assert project_input_problems(PROJECT_SPEC, settled) == []
    for values in (
        {"tap_aws_max_attempts": "2"},
        {"tap_concerns": "vpc"},
        {"tap_concerns": "vpc,kms_s3"},
        {"tap_fail_on_drift": "true"},
        {"tap_verify_replication_seconds": "5"},
    ):
        assert project_input_problems(PROJECT_SPEC, values) == [], values


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("tap_aws_max_attempts", 0, "is 0: must be at least 1 (attempts per AWS API call"),
        ("tap_aws_max_attempts", "-3", "is '-3': must be at least 1"),
        ("tap_aws_max_attempts", "ten", "is 'ten': argument 'tap_aws_max_attempts' is of type str"),
        ("tap_concerns", "vpc,network", "must be one or more of: vpc, rds, dynamodb_global, kms_s3, lambda_alb, "
         "cloudwatch. Got no match for: network"),
        ("tap_concerns", ["vpc", "vpc"], "names vpc more than once"),
        ("tap_concerns", [], "must name at least one concern"),
        ("tap_state", "gone", "value of tap_state must be one of: present, absent, got: gone"),
        ("tap_tags", {"Project": "tap-infra"}, "needs Environment (teardown finds the stack's resources by them)"),
        ("tap_tags", {"Project": "p", "Environment": "e", "aws:owner": "x"}, "tag key 'aws:owner' must be"),
        ("tap_tags", {"Project": "p", "Environment": "e", "Cost": 12}, "the value of tag Cost must be a string"),
        ("tap_tags", "Project=x", "is 'Project=x': must be a dict (YAML or JSON"),
        ("tap_verify_replication_seconds", 0, "must be at least 1 (seconds a write may take"),
    ],
)
def test_each_wrong_project_input_is_one_message_naming_input_and_rule(name, value, expected):
    problems = project_input_problems(PROJECT_SPEC, {name: value})
    assert len(problems) == 1, problems
    assert problems[0].startswith("input %s %s is " % (name, PROJECT)) and expected in problems[0], problems


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("lambda_alb_allowed_cidrs", ["300.0.0.0/8"], "'300.0.0.0/8': each must be an IPv4 CIDR such as"),
        ("lambda_alb_allowed_cidrs", ["10.0.0.0/8", "banana"], "is ['10.0.0.0/8', 'banana']: 'banana': each must"),
        ("lambda_alb_memory_size", 64, "must be from 128 to 10240 (MB of memory Lambda allows)"),
        ("lambda_alb_timeout", "901", "must be from 1 to 900 (seconds Lambda allows)"),
        ("rds_allocated_storage", 10, "must be from 20 to 65536 (GiB"),
    ],
)
def test_role_input_values_are_checked_not_only_their_types(name, value, expected):
    problems = role_input_problems(ROLE_SPECS, {name: value})
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith("input %s of role " % name), problems
