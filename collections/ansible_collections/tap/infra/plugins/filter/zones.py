# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The availability zones of a region site: pinned zone IDs resolved to this account's zone names."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: zone_choice
short_description: The availability zones a region site uses, from its pinned zone IDs
description:
  - Zone IDs (C(use1-az1)) name the same physical zone in every account; zone names (C(us-east-1a)) are
    mapped to zones per account. A site pins its zones by ID (C(vpc_zone_ids)); this filter resolves them
    to the names the EC2 API takes, in the pinned order.
  - Without pinned IDs the site uses the I(count) lowest-numbered zone IDs of the region, whatever their
    state, so that the choice never moves when a zone is impaired or a zone is added.
  - On I(state=present) a pinned zone that is not C(available) is a problem; on C(absent) the names are
    resolved whatever the state, since teardown only needs them to find what was built.
options:
  _input:
    description: The region's zones, as M(amazon.aws.aws_az_info) returns them (C(zone_id), C(zone_name), C(state)).
    type: list
    elements: dict
    required: true
  zone_ids:
    description: The pinned zone IDs (empty or null for the default).
    type: list
    elements: str
  count:
    description: How many zones the site spans (2 or 3).
    type: int
    required: true
  site:
    description: The site (inventory host), for the messages.
    type: str
    required: true
  state:
    description: C(present) requires every zone to be available; C(absent) only resolves names.
    type: str
    default: present
  cidr:
    description: The site's VPC CIDR; a problem when it cannot hold a /24 per tier (3) and zone.
    type: str
author:
  - tap-infra maintainers (@tap-infra)
"""

EXAMPLES = r"""
- name: Resolve the site's zones
  ansible.builtin.set_fact:
    zones: "{{ az_info.availability_zones | tap.infra.zone_choice(vpc_zone_ids, vpc_az_count, inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: The choice.
  type: dict
  contains:
    zone_ids:
      description: The zone IDs used, in order.
      type: list
      elements: str
    names:
      description: Their zone names in this account, in the same order.
      type: list
      elements: str
    problems:
      description: One message per problem, each naming the site, the input and the fix; empty when usable.
      type: list
      elements: str
"""

import ipaddress
import re

ZONE_COUNTS = (2, 3)
ZONE_ID_RULE = re.compile(r"^[a-z0-9]+-az(\d+)$")


def _number(zone_id):
    match = ZONE_ID_RULE.match(zone_id or "")
    return (int(match.group(1)) if match else 0, zone_id or "")


TIERS = ("public", "private", "isolated")


def _cidr_problems(cidr, count, site):
    try:
        network = ipaddress.IPv4Network(cidr or "", strict=True)
    except ValueError:
        return []  # preflight_problems names a malformed CIDR
    subnets = len(TIERS) * count
    largest = 24 - (subnets - 1).bit_length()
    if network.prefixlen > largest:
        return [
            "vpc_cidr %s of site %s cannot hold %d /24 subnets (%d tiers x %d zones): give a /%d or larger, or fewer "
            "zones (vpc_az_count)" % (cidr, site, subnets, len(TIERS), count, largest)
        ]
    return []


def zone_choice(zones, zone_ids, count, site, state="present", cidr=None):
    by_id = {zone.get("zone_id"): zone for zone in zones or []}
    count = int(count)
    listed = ", ".join(sorted(by_id, key=_number)) or "none"
    chosen = list(zone_ids) if zone_ids else sorted(by_id, key=_number)[:count]
    problems = []
    if count not in ZONE_COUNTS:
        return {
            "zone_ids": chosen,
            "names": [],
            "problems": ["vpc_az_count of site %s is %d: the subnets span 2 or 3 zones" % (site, count)],
        }
    if len(chosen) != count or len(set(chosen)) != len(chosen):
        problems.append(
            "vpc_zone_ids of site %s is %s: give %d distinct zone IDs (vpc_az_count), from: %s"
            % (site, chosen, count, listed)
        )
    for zone_id in chosen:
        zone = by_id.get(zone_id)
        if zone is None:
            problems.append(
                "zone %s of site %s (vpc_zone_ids) is not a zone of this region: choose from %s" % (zone_id, site, listed)
            )
        elif state == "present" and zone.get("state") != "available":
            problems.append(
                "zone %s (%s) of site %s is %s, not available: pin other zone IDs in vpc_zone_ids (of %s), or wait "
                "until AWS reports it available" % (zone_id, zone.get("zone_name"), site, zone.get("state"), listed)
            )
    if cidr is not None:
        problems.extend(_cidr_problems(cidr, count, site))
    names = [by_id[zone_id]["zone_name"] for zone_id in chosen if zone_id in by_id]
    return {"zone_ids": chosen, "names": names, "problems": problems}


class FilterModule(object):
    def filters(self):
        return {"zone_choice": zone_choice}
