"""Zone IDs pinned per site, resolved to this account's zone names (tap.infra.zone_choice).

Zones as DescribeAvailabilityZones returns them through amazon.aws.aws_az_info (snake_case); the mapping
of names to IDs is per account (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html).
"""

from pathlib import Path

from ansible_collections.tap.infra.plugins.filter.preflight import preflight_problems
from ansible_collections.tap.infra.plugins.filter.zones import FilterModule
from ansible_collections.tap.infra.plugins.filter.zones import zone_choice

REPO_ROOT = Path(__file__).resolve().parents[2]


def zone(zone_id, name, state="available"):
    return {"zone_id": zone_id, "zone_name": name, "state": state, "zone_type": "availability-zone"}


US_EAST_1 = [
    zone("use1-az6", "us-east-1a"),
    zone("use1-az1", "us-east-1b"),
    zone("use1-az2", "us-east-1c", state="impaired"),
    zone("use1-az4", "us-east-1d"),
    zone("use1-az10", "us-east-1g"),
]


def test_pinned_ids_resolve_to_names_in_the_pinned_order():
    choice = zone_choice(US_EAST_1, ["use1-az4", "use1-az1"], 2, "east")
    assert choice == {"zone_ids": ["use1-az4", "use1-az1"], "names": ["us-east-1d", "us-east-1b"], "problems": []}


def test_three_zones():
    choice = zone_choice(US_EAST_1, ["use1-az1", "use1-az4", "use1-az6"], 3, "east", cidr="10.0.0.0/20")
    assert choice["names"] == ["us-east-1b", "us-east-1d", "us-east-1a"] and choice["problems"] == []


def test_default_is_the_lowest_numbered_ids_whatever_their_state_and_an_impaired_one_is_refused():
    choice = zone_choice(US_EAST_1, None, 2, "east")
    assert choice["zone_ids"] == ["use1-az1", "use1-az2"]  # numeric order: az10 is not before az2
    assert choice["problems"] == [
        "zone use1-az2 (us-east-1c) of site east is impaired, not available: pin other zone IDs in vpc_zone_ids "
        "(of use1-az1, use1-az2, use1-az4, use1-az6, use1-az10), or wait until AWS reports it available"
    ]


def test_teardown_resolves_an_impaired_zone_without_a_problem():
    choice = zone_choice(US_EAST_1, ["use1-az1", "use1-az2"], 2, "east", state="absent")
    assert choice["names"] == ["us-east-1b", "us-east-1c"] and choice["problems"] == []


def test_unknown_zone_wrong_count_and_small_cidr_are_one_message_each():
    assert zone_choice(US_EAST_1, ["use1-az1", "use1-az9"], 2, "east")["problems"] == [
        "zone use1-az9 of site east (vpc_zone_ids) is not a zone of this region: choose from "
        "use1-az1, use1-az2, use1-az4, use1-az6, use1-az10"
    ]
    assert zone_choice(US_EAST_1, ["use1-az1"], 2, "east")["problems"] == [
        "vpc_zone_ids of site east is ['use1-az1']: give 2 distinct zone IDs (vpc_az_count), from: "
        "use1-az1, use1-az2, use1-az4, use1-az6, use1-az10"
    ]
    assert zone_choice(US_EAST_1, ["use1-az1", "use1-az4", "use1-az6"], 3, "east", cidr="10.0.0.0/21")["problems"] == [
        "vpc_cidr 10.0.0.0/21 of site east cannot hold 9 /24 subnets (3 tiers x 3 zones): give a /20 or larger, "
        "or fewer zones (vpc_az_count)"
    ]


def test_only_two_or_three_zones():
    assert zone_choice(US_EAST_1, None, 4, "east")["problems"] == [
        "vpc_az_count of site east is 4: the subnets span 2 or 3 zones"
    ]


def test_a_malformed_cidr_is_no_zone_problem_since_preflight_names_it():
    choice = zone_choice(US_EAST_1, ["use1-az4", "use1-az1"], 2, "east", cidr="banana")
    assert choice == {"zone_ids": ["use1-az4", "use1-az1"], "names": ["us-east-1d", "us-east-1b"], "problems": []}
    sites = [{"host": "east", "aws_region": "us-east-1", "region_role": "primary", "vpc_cidr": "banana"}]
    named = [problem for problem in preflight_problems(sites, "prod") if "banana" in problem]
    assert len(named) == 1 and named[0].startswith("vpc_cidr 'banana' of site east is not a valid IPv4 network CIDR")


def test_the_filter_is_the_one_the_preflight_play_calls():
    assert FilterModule().filters() == {"zone_choice": zone_choice}
    assert "tap.infra.zone_choice(" in (REPO_ROOT / "playbooks" / "preflight.yml").read_text()
