# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input rules checked by the preflight play before anything is written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_problems
short_description: Every broken input rule of a tap-infra run, as messages
description:
  - Checks the suffix and every region site of the inventory (region, role, CIDR) and the derived
    resource names against AWS limits. Returns one message per broken rule, each naming the input
    and the rule; an empty list means the inputs are valid.
  - The companion filter C(site_specs) turns the inventory into the list of sites this filter takes.
  - The companion filter C(role_input_problems) checks the inputs a run gives the roles (inventory, group
    or extra vars) against each role's C(meta/argument_specs.yml), with the validator Ansible runs when a
    role starts, so that a wrong type stops the run before anything is written rather than when the role
    is reached. Options the run does not set (role defaults, facts set by earlier roles) are not checked
    there; the role's own validation still checks them when it starts. Values are checked too where an
    argument spec cannot say the rule (ranges, CIDRs, tag limits).
  - The companion filter C(project_input_problems) checks the project-wide inputs (C(group_vars/all),
    inventory or extra vars) against the project's C(meta/argument_specs.yml) in the same way.
options:
  _input:
    description: The sites, as returned by C(site_specs).
    type: list
    elements: dict
    required: true
  suffix:
    description: The environment suffix.
    type: raw
    required: true
  allow_shared_region:
    description: Whether several sites may share a region (the single-region layout).
    type: bool
    default: false
author:
  - tap-infra maintainers (@tap-infra)
"""

EXAMPLES = r"""
- name: Validate the inputs
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('\n') }}"
  vars:
    problems: "{{ groups['tap_regions'] | tap.infra.site_specs(hostvars) | tap.infra.preflight_problems(suffix) }}"

- name: Validate the inputs of every role of the run
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('\n') }}"
  vars:
    specs: "{{ tap_concerns | map('regex_replace', '^(.+)$', 'roles/\\1/meta/argument_specs.yml') }}"
    problems: >-
      {{ dict(tap_concerns | zip(query('ansible.builtin.file', *specs) | map('from_yaml')))
         | tap.infra.role_input_problems(hostvars[inventory_hostname]) }}
"""

RETURN = r"""
_value:
  description: One message per broken rule.
  type: list
  elements: str
"""

import ipaddress
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

try:
    import botocore
    import botocore.loaders
except ImportError:
    botocore = None

from ansible_collections.tap.infra.plugins.filter.naming import name_violations, resource_names
from ansible_collections.tap.infra.plugins.module_utils.values import rebuilt

SUFFIX_RULE = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$")
SITE_RULE = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
REGION_RULE = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$")
ROLES = ("primary", "secondary")
SUBNETS_PER_VPC = 6
PLACEHOLDER_ACCOUNT = "000000000000"


def site_specs(hosts, hostvars):
    """The region sites of the inventory as plain dicts (host, aws_region, region_role, vpc_cidr)."""
    specs = []
    for host in hosts:
        host_vars = hostvars[host]
        specs.append(
            {
                "host": host,
                "aws_region": host_vars.get("aws_region"),
                "region_role": host_vars.get("region_role"),
                "vpc_cidr": host_vars.get("vpc_cidr"),
            }
        )
    return specs


def known_regions():
    """Every region of every AWS partition botocore knows (None without botocore)."""
    if botocore is None:
        return None
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return {region for partition in endpoints["partitions"] for region in partition.get("regions", {})}


def _suffix_problems(suffix):
    if suffix is None or suffix == "":
        return ["suffix is missing: pass -e suffix=NAME (lowercase letters, digits and hyphens)"]
    if not isinstance(suffix, str):
        return ["suffix %r must be a string of lowercase letters, digits and hyphens" % (suffix,)]
    if not SUFFIX_RULE.match(suffix):
        return [
            "suffix '%s' breaks the rule: lowercase letters, digits and single hyphens, starting with a letter "
            "and not ending with a hyphen" % suffix
        ]
    return []


def _cidr_problems(site):
    cidr = site.get("vpc_cidr")
    host = site["host"]
    if not isinstance(cidr, str) or not cidr:
        return None, ["vpc_cidr of site %s is missing: give an IPv4 CIDR such as 10.0.0.0/16" % host]
    try:
        network = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as exc:
        return None, ["vpc_cidr '%s' of site %s is not a valid IPv4 network CIDR (%s)" % (cidr, host, exc)]
    problems = []
    if not 16 <= network.prefixlen <= 21:
        problems.append(
            "vpc_cidr '%s' of site %s must be a /16 to /21: AWS allows /16 at most and the six /24 subnets "
            "need at least a /21" % (cidr, host)
        )
    if not network.is_private:
        problems.append("vpc_cidr '%s' of site %s must be a private (RFC 1918) range" % (cidr, host))
    return network, problems


def preflight_problems(sites, suffix, allow_shared_region=False):
    problems = list(_suffix_problems(suffix))
    if not sites:
        return problems + ["the inventory has no host in group tap_regions: add one host per region site"]

    primaries = [site["host"] for site in sites if site.get("region_role") == "primary"]
    if len(primaries) != 1:
        problems.append(
            "region_role: exactly one site must be primary, found %d (%s)"
            % (len(primaries), ", ".join(primaries) or "none")
        )

    networks = []
    regions = {}
    regions_known = known_regions()
    for site in sites:
        host = site["host"]
        if not SITE_RULE.match(host) or len(host) > 16:
            problems.append(
                "site (inventory host) '%s' must be 2-16 lowercase letters, digits and single hyphens, "
                "starting with a letter" % host
            )
        role = site.get("region_role")
        if role not in ROLES:
            problems.append("region_role '%s' of site %s must be one of: %s" % (role, host, ", ".join(ROLES)))
        region = site.get("aws_region")
        if not isinstance(region, str) or not REGION_RULE.match(region):
            problems.append("aws_region '%s' of site %s is not an AWS region name such as us-east-1" % (region, host))
        elif regions_known is not None and region not in regions_known:
            problems.append(
                "aws_region '%s' of site %s is not a region AWS has (botocore %s knows none such; "
                "a newer boto3/botocore knows newer regions)" % (region, host, botocore.__version__)
            )
        else:
            regions.setdefault(region, []).append(host)
        network, cidr_problems = _cidr_problems(site)
        problems.extend(cidr_problems)
        if network is not None:
            networks.append((host, network))

    if not allow_shared_region:
        for region, hosts in sorted(regions.items()):
            if len(hosts) > 1:
                problems.append(
                    "aws_region %s is used by several sites (%s): regions must be unique "
                    "(set tap_allow_shared_region: true for a single-region layout)" % (region, ", ".join(hosts))
                )

    for index, (host, network) in enumerate(networks):
        for other_host, other in networks[index + 1 :]:
            if network.overlaps(other):
                problems.append(
                    "vpc_cidr %s of site %s overlaps vpc_cidr %s of site %s: site CIDRs must not overlap"
                    % (network, host, other, other_host)
                )

    if not _suffix_problems(suffix):
        for site in sites:
            problems.extend(name_violations(resource_names(suffix, site["host"], PLACEHOLDER_ACCOUNT)))
    return sorted(set(problems), key=problems.index)


def _input_spec(option):
    """An option's spec for checking a value the run gives: what may be omitted is not required, and
    defaults (applied by the role itself) are not checked here."""
    spec = {key: value for key, value in option.items() if key not in ("required", "default", "description")}
    if isinstance(spec.get("options"), dict):
        spec["options"] = {name: _input_spec(sub) for name, sub in spec["options"].items()}
    return spec


def _at_least(minimum, meaning):
    def rule(value):
        return None if value >= minimum else "must be at least %d (%s)" % (minimum, meaning)

    return rule


def _between(minimum, maximum, meaning):
    def rule(value):
        return None if minimum <= value <= maximum else "must be from %d to %d (%s)" % (minimum, maximum, meaning)

    return rule


def _ipv4_cidrs(value):
    broken = []
    for cidr in value:
        try:
            ipaddress.IPv4Network(cidr, strict=False)
        except ValueError:
            broken.append(cidr)
    if broken:
        return "%s: each must be an IPv4 CIDR such as 203.0.113.0/24" % ", ".join(repr(cidr) for cidr in broken)
    return None


def _unique(value):
    repeated = sorted({item for item in value if value.count(item) > 1})
    if not value:
        return "must name at least one concern"
    return "names %s more than once: each concern runs once" % ", ".join(repeated) if repeated else None


# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (tag limits)
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAGS_MAX = 50
TAGS_TEARDOWN_READS = ("Project", "Environment")


def _tags(value):
    problems = []
    missing = [key for key in TAGS_TEARDOWN_READS if not value.get(key)]
    if missing:
        problems.append("needs %s (teardown finds the stack's resources by them)" % " and ".join(missing))
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX or key.lower().startswith("aws:"):
            problems.append("tag key %r must be 1-%d characters, not starting with aws:" % (key, TAG_KEY_MAX))
        if not isinstance(item, str) or len(item) > TAG_VALUE_MAX:
            problems.append("the value of tag %s must be a string of at most %d characters" % (key, TAG_VALUE_MAX))
    if len(value) >= TAGS_MAX:
        problems.append("at most %d tags (AWS allows %d per resource, one is Name)" % (TAGS_MAX - 1, TAGS_MAX))
    return "; ".join(problems) or None


# Rules on values an argument spec cannot state (ranges, formats), checked once the value has its spec's type.
VALUE_RULES = {
    "tap_aws_max_attempts": _at_least(1, "attempts per AWS API call, the first one included"),
    "tap_concerns": _unique,
    "tap_tags": _tags,
    "tap_verify_replication_seconds": _at_least(1, "seconds a write may take to reach every replica"),
    "lambda_alb_allowed_cidrs": _ipv4_cidrs,
    # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    "lambda_alb_memory_size": _between(128, 10240, "MB of memory Lambda allows"),
    "lambda_alb_timeout": _between(1, 900, "seconds Lambda allows"),
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html (gp2/gp3, PostgreSQL)
    "rds_allocated_storage": _between(20, 65536, "GiB of PostgreSQL storage RDS allocates"),
}


def _option_problems(name, option, value, where):
    """The messages for one input given by the run: its type and choices (the spec), then its value."""
    shown = "(hidden)" if option.get("no_log") else repr(value)
    # The validator would read "k=v,k2=v2" as a dict, but the plays use the value as given.
    if option.get("type") == "dict" and isinstance(value, str):
        return ["input %s %s is %s: must be a dict (YAML or JSON: -e '{\"%s\": {...}}')" % (name, where, shown, name)]
    result = ArgumentSpecValidator({name: _input_spec(option)}).validate({name: value})
    if result.error_messages:
        return ["input %s %s is %s: %s" % (name, where, shown, message) for message in result.error_messages]
    rule = VALUE_RULES.get(name)
    broken = rule(result.validated_parameters[name]) if rule else None
    return ["input %s %s is %s: %s" % (name, where, shown, broken)] if broken else []


def _spec_problems(document, values, where):
    problems = []
    for entry in ((document or {}).get("argument_specs") or {}).values():
        for name, option in sorted((entry.get("options") or {}).items()):
            if name not in values:
                continue
            try:
                # Plain dicts and lists: the validator deep-copies what it checks, and a deep copy of Ansible's lazily
                # templated containers (they hold their templating context) costs far more.
                value = rebuilt(values[name])
            except Exception as exc:  # pylint: disable=broad-except  # a template the run cannot resolve
                problems.append("input %s %s cannot be resolved: %s" % (name, where, exc))
                continue
            problems.extend(_option_problems(name, option, value, where))
    return problems


def role_input_problems(role_specs, values):
    """One message per input of a role (given by the run) that breaks the role's argument spec or a value rule.

    role_specs: {role: the content of its meta/argument_specs.yml}; values: the variables of the host
    (hostvars[inventory_hostname]). Every entry point of every role is checked.
    """
    problems = []
    for role, document in role_specs.items():
        problems.extend(
            _spec_problems(document, values, "of role %s (roles/%s/meta/argument_specs.yml)" % (role, role))
        )
    return sorted(set(problems), key=problems.index)


def project_input_problems(document, values):
    """One message per project-wide input (group_vars/all, inventory or extra vars) that breaks the project's
    argument spec (meta/argument_specs.yml) or a value rule."""
    problems = _spec_problems(document, values, "(project-wide, meta/argument_specs.yml)")
    return sorted(set(problems), key=problems.index)


class FilterModule(object):
    def filters(self):
        return {
            "preflight_problems": preflight_problems,
            "site_specs": site_specs,
            "role_input_problems": role_input_problems,
            "project_input_problems": project_input_problems,
        }
