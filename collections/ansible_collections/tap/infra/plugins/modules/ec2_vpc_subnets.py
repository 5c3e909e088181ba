#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ec2_vpc_subnets
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.vpc_list
short_description: Converge a set of subnets of one VPC in one task
version_added: 0.1.0
description:
  - Creates, updates or deletes several IPv4 subnets of one VPC, each identified by its CIDR block within the VPC.
  - One C(DescribeSubnets) call (filtered by the VPC, tags included) reads every subnet of the VPC; when everything
    matches, that is the only call. A loop over M(amazon.aws.ec2_vpc_subnet) makes several C(DescribeSubnets) and
    C(DescribeTags) calls per subnet.
  - With O(state=present), a missing subnet is created in its availability zone with its tags (C(CreateSubnet) with
    C(TagSpecifications), so it is never untagged), then C(MapPublicIpOnLaunch) is set where O(subnets[].map_public)
    asks for it. Tags that differ are fixed (C(CreateTags), C(DeleteTags)), and so is C(MapPublicIpOnLaunch).
  - A subnet found by its CIDR in another availability zone than O(subnets[].az) is an error, reported before any
    change, since the zone of a subnet cannot change.
  - With O(state=absent), each listed subnet that exists in the VPC is deleted.
  - Subnets of the VPC that are not listed are left alone, with either state.
  - Supports check mode (no writes, honest C(changed)) and diff mode (each listed subnet before and after, by CIDR).
author:
  - tap-infra maintainers (@tap-infra)
options:
  subnets:
    description:
      - The subnets, each identified by its CIDR block within the VPC.
      - The result lists them in the same order.
    type: list
    elements: dict
    required: true
    suboptions:
      cidr:
        description:
          - The IPv4 CIDR block of the subnet, for example V(10.0.1.0/24). It must be within a CIDR block of the VPC
            and must not overlap another subnet of the VPC.
        type: str
        required: true
      az:
        description:
          - The availability zone of the subnet, by name (V(us-east-1a)) or by zone ID (V(use1-az1)).
          - An existing subnet with this CIDR in another zone is an error.
          - Not compared with O(state=absent).
        type: str
        required: true
      tags:
        description:
          - Tags of the subnet.
          - When not set, the tags of an existing subnet are left alone.
        type: dict
      map_public:
        description:
          - Whether instances launched in the subnet get a public IPv4 address (C(MapPublicIpOnLaunch)).
        type: bool
        default: false
  wait:
    description:
      - With O(state=present), wait until the listed subnets are C(available) (a new subnet can be C(pending)).
      - With O(state=absent), wait until the deleted subnets are no longer listed by C(DescribeSubnets).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the subnets (each of the two waits).
    type: int
    default: 300
notes:
  - C(DependencyViolation) on C(DeleteSubnet) is retried, at most 15 attempts within 6 minutes (5 s doubling to 30 s),
    since AWS releases the network interfaces of deleted load balancers, NAT gateways and Lambda functions a while
    after their deletion. The module fails, naming the subnet, when the subnet still has dependencies after that.
  - The identity needs C(ec2:DescribeSubnets), and as needed C(ec2:CreateSubnet), C(ec2:CreateTags) (also for the
    tags passed with C(CreateSubnet)), C(ec2:DeleteTags), C(ec2:ModifySubnetAttribute) and C(ec2:DeleteSubnet).
  - IPv6 CIDR blocks, Outposts and the other subnet attributes are not managed.
  - Why it exists - it replaces C(amazon.aws.ec2_vpc_subnet), which converges one subnet per task with several
    DescribeSubnets and DescribeTags calls each (here one DescribeSubnets for the whole set when nothing changes;
    amazon.aws 11.4). The project can drop it when an upstream module converges a set of subnets in one read.
"""

EXAMPLES = r"""
- name: Public and private subnets in two zones
  tap.infra.ec2_vpc_subnets:
    vpc_id: "{{ vpc.vpc.id }}"
    subnets:
      - cidr: 10.0.0.0/24
        az: us-east-1a
        map_public: true
        tags: {Name: web-a, Tier: public}
      - cidr: 10.0.1.0/24
        az: us-east-1b
        map_public: true
        tags: {Name: web-b, Tier: public}
      - cidr: 10.0.2.0/24
        az: us-east-1a
        tags: {Name: app-a, Tier: private}
  register: subnets

- name: Their ids, in the order given
  ansible.builtin.debug:
    msg: "{{ subnets.subnets | map(attribute='id') }}"

- name: Delete two of them (the other subnets of the VPC are left alone)
  tap.infra.ec2_vpc_subnets:
    vpc_id: "{{ vpc.vpc.id }}"
    subnets:
      - {cidr: 10.0.0.0/24, az: us-east-1a}
      - {cidr: 10.0.1.0/24, az: us-east-1b}
    state: absent
"""

RETURN = r"""
subnets:
  description:
    - The listed subnets after the run (or as they would be, in check mode), in the order of O(subnets).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description:
        - The subnet id.
        - V(null) for a subnet that does not exist (one that would be created in check mode, or one that was not
          there with O(state=absent)).
      type: str
      sample: subnet-0123456789abcdef0
    cidr:
      description: The IPv4 CIDR block.
      type: str
      sample: 10.0.0.0/24
    az:
      description: The availability zone name (as given, for a subnet that does not exist).
      type: str
      sample: us-east-1a
    map_public:
      description: Whether instances launched in the subnet get a public IPv4 address.
      type: bool
      sample: true
    tags:
      description: The tags of the subnet, V(aws:) tags included.
      type: dict
      sample: {Name: web-a, Tier: public}
    state:
      description:
        - With O(state=present), the state of the subnet as EC2 reports it (V(available), or V(pending) with
          O(wait=false)); V(null) for a subnet that would be created in check mode.
        - With O(state=absent), V(deleted) for a subnet that was deleted (or would be, in check mode), V(absent)
          for one that was not there.
      type: str
      sample: available
"""

import re

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as SubnetsError
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.common import updated_tags
from ansible_collections.tap.infra.plugins.module_utils.ec2 import Ec2Manager
from ansible_collections.tap.infra.plugins.module_utils.ec2 import caller
from ansible_collections.tap.infra.plugins.module_utils.ec2 import converge_vpc_list
from ansible_collections.tap.infra.plugins.module_utils.ec2 import normalise_cidr
from ansible_collections.tap.infra.plugins.module_utils.ec2 import vpc_list_module

WAIT_DELAY = 3
FAILED_STATES = ("failed", "failed-insufficient-capacity")
# Zone IDs (use1-az1, usw2-lax1-az1) as opposed to zone names (us-east-1a, us-west-2-lax-1a).
ZONE_ID = re.compile(r"^[a-z]+[0-9]+(-[a-z]+[0-9]+)?-az[0-9]+$")


def is_zone_id(az):
    return bool(ZONE_ID.match(az))


def desired_subnets(subnets):
    """The listed subnets with normalised CIDRs; refuses duplicates."""
    desired, seen = [], set()
    for spec in subnets:
        cidr = normalise_cidr(spec.get("cidr"))
        if cidr in seen:
            raise SubnetsError("%s is listed more than once in subnets" % cidr)
        seen.add(cidr)
        desired.append(dict(spec, cidr=cidr, map_public=bool(spec.get("map_public"))))
    return desired


def in_zone(subnet, az):
    return az in (subnet.get("AvailabilityZone"), subnet.get("AvailabilityZoneId"))


def view(subnet):
    """A subnet as the module returns it."""
    return {
        "id": subnet["SubnetId"],
        "cidr": subnet["CidrBlock"],
        "az": subnet.get("AvailabilityZone"),
        "map_public": bool(subnet.get("MapPublicIpOnLaunch")),
        "tags": boto3_tag_list_to_ansible_dict(subnet.get("Tags", [])),
        "state": subnet.get("State"),
    }


def created_view(subnet, spec):
    """A subnet this run created: born with the listed tags, its MapPublicIpOnLaunch set after creation."""
    result = view(subnet)
    if not subnet.get("Tags"):
        result["tags"] = dict(spec.get("tags") or {})
    result["map_public"] = spec["map_public"]
    return result


def diff_view(subnet):
    """A subnet as the diff shows it (what this module manages)."""
    return {key: subnet[key] for key in ("id", "az", "map_public", "tags")}


class SubnetsManager(Ec2Manager):
    """Converges the listed subnets of one VPC; holds the client and the check mode switch."""

    # ---- reads --------------------------------------------------------------------------------------------

    def describe(self, **params):
        return paginated(self.client, "describe_subnets", "Subnets", **params)

    def subnets_of(self, vpc_id):
        """Every subnet of the VPC (tags included), by CIDR block: the one read of a converged run."""
        return {s["CidrBlock"]: s for s in self.describe(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])}

    # ---- waits --------------------------------------------------------------------------------------------

    def wait_available(self, subnets):
        """Wait until every given subnet (AWS shape) is available; returns them as last described."""
        by_id = {s["SubnetId"]: s for s in subnets}

        def pending():
            return sorted(i for i, s in by_id.items() if s.get("State") != "available")

        def describe():
            for subnet in self.new_resource_retry(self.client.describe_subnets)(SubnetIds=pending())["Subnets"]:
                by_id[subnet["SubnetId"]] = subnet
                if subnet.get("State") in FAILED_STATES:
                    raise SubnetsError(
                        "subnet %s (%s) is %s" % (subnet["SubnetId"], subnet["CidrBlock"], subnet["State"])
                    )
            return pending()

        def late(left):
            return "subnets %s are not available after %d seconds (states: %s)" % (
                ", ".join("%s (%s)" % (i, by_id[i]["CidrBlock"]) for i in left),
                self.wait_timeout,
                ", ".join(by_id[i].get("State") or "?" for i in left),
            )

        self.wait_until(describe, lambda left: not left, self.wait_timeout, WAIT_DELAY, late, current=pending())
        return [by_id[s["SubnetId"]] for s in subnets]

    def wait_deleted(self, vpc_id, subnet_ids):
        """Wait until DescribeSubnets no longer lists the deleted subnets (a filter: no NotFound error)."""
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "subnet-id", "Values": sorted(subnet_ids)}]

        def late(left):
            return "subnets %s are still listed %d seconds after their deletion" % (
                ", ".join(s["SubnetId"] for s in left),
                self.wait_timeout,
            )

        self.wait_until(
            lambda: self.describe(Filters=filters), lambda left: not left, self.wait_timeout, WAIT_DELAY, late
        )

    # ---- writes -------------------------------------------------------------------------------------------

    def create(self, vpc_id, spec):
        params = {"VpcId": vpc_id, "CidrBlock": spec["cidr"]}
        params["AvailabilityZoneId" if is_zone_id(spec["az"]) else "AvailabilityZone"] = spec["az"]
        if spec.get("tags"):
            params["TagSpecifications"] = boto3_tag_specifications(spec["tags"], types="subnet")
        try:
            return self.client.create_subnet(aws_retry=True, **params)["Subnet"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise SubnetsError("subnet %s could not be created in %s (%s)" % (spec["cidr"], vpc_id, spec["az"]), e)

    def set_map_public(self, subnet_id, value, new=False):
        try:
            call = caller(self.client, self.new_resource_retry if new else None)
            call("modify_subnet_attribute", SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": value})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise SubnetsError("MapPublicIpOnLaunch of subnet %s could not be set to %s" % (subnet_id, value), e)

    def delete(self, subnet):
        self.delete_resource(
            "delete_subnet",
            "subnet %s (%s)" % (subnet["SubnetId"], subnet["CidrBlock"]),
            "InvalidSubnetID.NotFound",
            "usually a network interface (of a load balancer, NAT gateway, Lambda function, DB instance or instance) "
            "is still in it; AWS releases those of deleted resources a while after their deletion. "
            "DescribeNetworkInterfaces with the filter subnet-id=%s lists them" % subnet["SubnetId"],
            SubnetId=subnet["SubnetId"],
        )

    # ---- desired state --------------------------------------------------------------------------------------

    def ensure_present(self, vpc_id, subnets, purge_tags=True):
        desired = desired_subnets(subnets)
        if not desired:
            return self.report({}, {}, subnets=[])
        existing = self.subnets_of(vpc_id)

        misplaced = [
            "%s (%s) is in %s, not in %s"
            % (existing[d["cidr"]]["SubnetId"], d["cidr"], existing[d["cidr"]].get("AvailabilityZone"), d["az"])
            for d in desired
            if d["cidr"] in existing and not in_zone(existing[d["cidr"]], d["az"])
        ]
        if misplaced:
            raise SubnetsError(
                "the availability zone of a subnet cannot change: in %s, subnet %s. Delete the subnet (and what "
                "uses it) or give its CIDR the zone it is in" % (vpc_id, "; subnet ".join(misplaced))
            )

        results, before, after, created = [], {}, {}, []
        for spec in desired:
            cidr = spec["cidr"]
            current = existing.get(cidr)
            if current is None:
                result = {
                    "id": None,
                    "cidr": cidr,
                    "az": spec["az"],
                    "map_public": spec["map_public"],
                    "tags": dict(spec.get("tags") or {}),
                    "state": None,
                }
                if not self.check_mode:
                    subnet = self.create(vpc_id, spec)
                    created.append({"index": len(results), "spec": spec, "subnet": subnet})
                    result.update(created_view(subnet, spec))
                self.changed = True
                results.append(result)
                after[cidr] = diff_view(result)
                continue

            result = view(current)
            before[cidr] = diff_view(result)
            if spec.get("tags") is not None:
                to_set, to_unset = compare_aws_tags(result["tags"], spec["tags"], purge_tags=purge_tags)
                if to_set or to_unset:
                    if not self.check_mode:
                        self.fix_tags(result["id"], to_set, to_unset, "subnet %s" % result["id"])
                    self.changed = True
                    result["tags"] = updated_tags(result["tags"], to_set, to_unset)
            if result["map_public"] != spec["map_public"]:
                if not self.check_mode:
                    self.set_map_public(result["id"], spec["map_public"])
                self.changed = True
                result["map_public"] = spec["map_public"]
            results.append(result)
            after[cidr] = diff_view(result)

        if created:
            subnets_created = [new["subnet"] for new in created]
            if self.wait:
                subnets_created = self.wait_available(subnets_created)
            for new, subnet in zip(created, subnets_created):
                spec, result = new["spec"], results[new["index"]]
                if bool(subnet.get("MapPublicIpOnLaunch")) != spec["map_public"]:
                    self.set_map_public(subnet["SubnetId"], spec["map_public"], new=True)
                result.update(created_view(subnet, spec))
                after[spec["cidr"]] = diff_view(result)

        return self.report(before, after, subnets=results)

    def ensure_absent(self, vpc_id, subnets):
        desired = desired_subnets(subnets)
        if not desired:
            return self.report({}, {}, subnets=[])
        existing = self.subnets_of(vpc_id)

        results, before, deleted = [], {}, []
        for spec in desired:
            current = existing.get(spec["cidr"])
            if current is None:
                results.append(
                    {
                        "id": None,
                        "cidr": spec["cidr"],
                        "az": spec["az"],
                        "map_public": spec["map_public"],
                        "tags": {},
                        "state": "absent",
                    }
                )
                continue
            result = view(current)
            before[spec["cidr"]] = diff_view(result)
            if not self.check_mode:
                self.delete(current)
                deleted.append(current["SubnetId"])
            self.changed = True
            result["state"] = "deleted"
            results.append(result)

        if deleted and self.wait:
            self.wait_deleted(vpc_id, deleted)
        return self.report(before, {}, subnets=results)


def main():
    subnet = dict(
        cidr=dict(type="str", required=True),
        az=dict(type="str", required=True),
        tags=dict(type="dict"),
        map_public=dict(type="bool", default=False),
    )
    module = vpc_list_module(
        "subnets", subnet, wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=300)
    )
    params = module.params
    manager = new_manager(module, SubnetsManager, "ec2", wait=params["wait"], wait_timeout=params["wait_timeout"])
    converge_vpc_list(module, manager, "subnets", "subnets")


if __name__ == "__main__":
    main()
