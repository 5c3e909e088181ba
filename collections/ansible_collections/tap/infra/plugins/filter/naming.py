# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where tap-infra derives resource names and checks them against AWS limits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: resource_names
short_description: Derive every tap-infra resource name of a region site
description:
  - Returns a dictionary of resource names derived from the suffix, the site id and the account id.
  - Both site.yml and teardown.yml use it, so creation and deletion agree on names.
  - The companion filters C(name_violations) and C(subnet_plan) live in the same file.
options:
  _input:
    description: The environment suffix.
    type: str
    required: true
  site:
    description: The region site id (the inventory host name).
    type: str
    required: true
  account_id:
    description: The AWS account id, needed for globally unique bucket names.
    type: str
    default: ""
author:
  - tap-infra maintainers (@tap-infra)
"""

EXAMPLES = r"""
- name: Derive the names of this site
  ansible.builtin.set_fact:
    tap_names: "{{ suffix | tap.infra.resource_names(inventory_hostname, tap_account_id) }}"
"""

RETURN = r"""
_value:
  description: Resource names by key (vpc, bucket, alb, db_instance, ...).
  type: dict
"""

import ipaddress
import re

from ansible.errors import AnsibleFilterError

PROJECT = "tap"

# The characters AWS allows in each kind of name: (regular expression, the rule in words).
_ANY = (r"^.+$", "any characters")
_BUCKET = (r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$", "3-63 lowercase letters, digits, dots, hyphens")
_KMS_ALIAS = (r"^alias/[a-zA-Z0-9/_-]+$", "alias/ followed by letters, digits, / _ -")
_DB_INSTANCE = (r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$", "lowercase letters, digits, hyphens; letter first, no '--'")
_DB_SUBNET_GROUP = (r"^[a-z][a-z0-9 ._-]*$", "lowercase letters, digits, spaces, . _ -; letter first")
_SECRET = (r"^[a-zA-Z0-9/_+=.@-]+$", "letters, digits, / _ + = . @ -")
_TABLE = (r"^[a-zA-Z0-9_.-]{3,255}$", "3-255 letters, digits, _ . -")
_IAM = (r"^[\w+=,.@-]+$", "letters, digits, + = , . @ _ -")
_WORD = (r"^[a-zA-Z0-9_-]+$", "letters, digits, _ -")
_ELB = (r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", "letters, digits, hyphens; no hyphen at either end")
# AWS naming rules for each kind of name: (maximum length, allowed characters).
NAME_RULES = {
    "vpc": (255, _ANY),
    "bucket": (63, _BUCKET),
    "kms_alias": (256, _KMS_ALIAS),
    "db_kms_alias": (256, _KMS_ALIAS),
    "db_instance": (63, _DB_INSTANCE),
    "db_subnet_group": (255, _DB_SUBNET_GROUP),
    "db_secret": (512, _SECRET),
    "table": (255, _TABLE),
    "table_kms_alias": (256, _KMS_ALIAS),
    "lambda_role": (64, _IAM),
    "lambda_policy": (128, _IAM),
    "function": (64, _WORD),
    "alb": (32, _ELB),
    "target_group": (32, _ELB),
    "dashboard": (255, _WORD),
    "alarm_topic": (256, _WORD),
}


def resource_names(suffix, site, account_id=""):
    """All names of one region site, keyed by resource kind."""
    if not suffix or not site:
        raise AnsibleFilterError("resource_names needs a suffix and a site")
    base = "%s-%s" % (PROJECT, suffix)
    site_base = "%s-%s" % (base, site)
    return {
        "prefix": site_base,
        "vpc": "%s-vpc" % site_base,
        "internet_gateway": "%s-igw" % site_base,
        "subnet_prefix": site_base,
        "route_table_prefix": "%s-rt" % site_base,
        "nat_prefix": "%s-nat" % site_base,
        "eip_prefix": "%s-eip" % site_base,
        "kms_alias": "alias/%s-s3" % site_base,
        "bucket": "%s-%s" % (site_base, account_id) if account_id else "%s-ACCOUNT" % site_base,
        "db_kms_alias": "alias/%s-rds" % site_base,
        "db_instance": "%s-db" % site_base,
        "db_subnet_group": "%s-db" % site_base,
        "db_security_group": "%s-db" % site_base,
        "db_client_security_group": "%s-db-client" % site_base,
        "db_secret": "%s/%s/%s/db-master" % (PROJECT, suffix, site),
        "table": "%s-table" % base,
        "table_kms_alias": "alias/%s-dynamodb" % site_base,
        "lambda_role": "%s-fn" % site_base,
        "lambda_policy": "%s-fn-data" % site_base,
        "function": "%s-fn" % site_base,
        "log_group": "/aws/lambda/%s-fn" % site_base,
        "alb": "%s-alb" % site_base,
        "alb_security_group": "%s-alb" % site_base,
        "target_group": "%s-tg" % site_base,
        "alarm_prefix": site_base,
        "alarm_topic": "%s-alarms" % site_base,
        "dashboard": "%s-dashboard" % base,
    }


def name_violations(names):
    """Messages for every derived name that breaks its AWS naming rule (empty when all fit)."""
    problems = []
    for kind, (limit, (pattern, rule)) in sorted(NAME_RULES.items()):
        name = names.get(kind)
        if name is None:
            continue
        if len(name) > limit:
            problems.append(
                "%s name '%s' is %d characters, AWS allows %d: shorten suffix by %d"
                % (kind, name, len(name), limit, len(name) - limit)
            )
        elif not re.match(pattern, name):
            problems.append("%s name '%s' breaks the AWS rule: %s" % (kind, name, rule))
    return problems


def subnet_plan(vpc_cidr, azs, prefix, tiers=("public", "private", "isolated")):
    """Six /24 subnets (each tier in each AZ) carved from the start of the VPC CIDR, in the
    original stack's order: public .0/.1, private .2/.3, isolated .4/.5."""
    network = ipaddress.ip_network(vpc_cidr, strict=True)
    if network.prefixlen > 24 - max(1, (len(tiers) * len(azs) - 1).bit_length()):
        raise AnsibleFilterError("vpc_cidr %s is too small for %d /24 subnets" % (vpc_cidr, len(tiers) * len(azs)))
    subnets = network.subnets(new_prefix=24)
    plan = []
    for tier in tiers:
        for az in azs:
            letter = az[-1]
            plan.append(
                {
                    "name": "%s-%s-%s" % (prefix, tier, letter),
                    "tier": tier,
                    "az": az,
                    "az_letter": letter,
                    "cidr": str(next(subnets)),
                }
            )
    return plan


class FilterModule(object):
    def filters(self):
        return {
            "resource_names": resource_names,
            "name_violations": name_violations,
            "subnet_plan": subnet_plan,
        }
