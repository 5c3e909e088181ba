#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ec2_vpc
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
short_description: Converge one VPC, found by its tags or its id
version_added: 0.1.0
description:
  - Creates, updates or deletes one VPC, found by its C(Name) tag and the other identifying tags named in
    O(match_tags) (or by O(vpc_id)).
  - One C(DescribeVpcs) call (filtered by the tags, which it returns) finds the VPC, and one C(DescribeVpcAttribute)
    call reads each DNS attribute that is set (O(enable_dns_support), O(enable_dns_hostnames)). When everything
    matches, these are the only calls (at most three). M(amazon.aws.ec2_vpc_net) re-reads the VPC several times and
    reads each attribute twice.
  - With O(state=present), a missing VPC is created with its tags (C(CreateVpc) with C(TagSpecifications), so it is
    never untagged), awaited until C(available) (bounded by O(wait_timeout)), then its DNS attributes are set
    (C(ModifyVpcAttribute), one attribute per call as EC2 requires). Tags and DNS attributes that differ are fixed.
  - The primary CIDR block of an existing VPC cannot change. A VPC found with another primary CIDR block than
    O(cidr_block) is an error, reported before any change (no second VPC is created).
  - More than one VPC matching the tags is an error naming them; the module never picks one.
  - With O(state=absent), the VPC is deleted if it exists (C(DeleteVpc)).
  - Supports check mode (no writes, honest C(changed)) and diff mode (the VPC before and after).
author:
  - tap-infra maintainers (@tap-infra)
options:
  name:
    description:
      - The value of the C(Name) tag of the VPC, which identifies it (with O(match_tags)) unless O(vpc_id) is set.
      - Required unless O(vpc_id) is set.
    type: str
  vpc_id:
    description:
      - Identifies the VPC by its id instead of its tags.
      - With O(state=present), a VPC with this id must exist (a VPC cannot be created with a given id).
    type: str
  match_tags:
    description:
      - Keys of O(tags) that, with the C(Name) tag, identify the VPC, for example V([Project, Environment]).
      - Each key must be in O(tags). Not used when O(vpc_id) is set.
    type: list
    elements: str
    default: []
  cidr_block:
    description:
      - The primary IPv4 CIDR block of the VPC, for example V(10.0.0.0/16).
      - Required to create the VPC. An existing VPC whose primary CIDR block differs is an error.
      - Not compared with O(state=absent).
    type: str
  enable_dns_support:
    description:
      - Whether the Amazon-provided DNS server resolves names in the VPC (C(enableDnsSupport)).
      - When not set, the attribute is neither read nor changed.
    type: bool
  enable_dns_hostnames:
    description:
      - Whether instances with a public IP address get public DNS host names (C(enableDnsHostnames)).
      - When not set, the attribute is neither read nor changed.
    type: bool
  tags:
    description:
      - Tags of the VPC. The C(Name) tag is O(name); a different C(Name) in O(tags) is an error.
      - Tags whose key begins with V(aws:) are never changed.
      - When not set, only the C(Name) tag is enforced and the other tags are left alone.
    type: dict
  purge_tags:
    description:
      - Remove the tags of the VPC that are not in O(tags) (except V(aws:) tags). Has no effect when O(tags) is not
        set.
    type: bool
    default: true
  state:
    description:
      - V(present) creates and updates the VPC; V(absent) deletes it if it exists.
  wait:
    description:
      - Wait until a VPC this run created is C(available) before setting its DNS attributes and returning.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for a new VPC.
    type: int
    default: 300
notes:
  - C(DependencyViolation) on C(DeleteVpc) is retried, at most 15 attempts within 6 minutes (5 s doubling to 30 s),
    since AWS releases the network interfaces of deleted NAT gateways, load balancers, DB instances and Lambda
    functions a while after their deletion. The module fails, naming the VPC, when it still has dependencies after that.
  - EC2 filters treat C(*) and C(?) in tag values as wildcards; the VPCs returned are also compared exactly.
  - The identity needs C(ec2:DescribeVpcs), and as needed C(ec2:DescribeVpcAttribute), C(ec2:CreateVpc),
    C(ec2:CreateTags) (also for the tags passed with C(CreateVpc)), C(ec2:DeleteTags), C(ec2:ModifyVpcAttribute)
    and C(ec2:DeleteVpc).
  - Secondary and IPv6 CIDR blocks, the tenancy and the DHCP options are not managed.
  - Why it exists - it replaces C(amazon.aws.ec2_vpc_net), which finds a VPC by its name and CIDR, not by its tags,
    and re-reads the VPC several times and each DNS attribute twice per run (here at most 3 reads when nothing
    changes; amazon.aws 11.4). The project can drop it when C(ec2_vpc_net) finds a VPC by its tags in a few reads.
"""

EXAMPLES = r"""
- name: The site's VPC, found by its Name, Project and Environment tags
  tap.infra.ec2_vpc:
    name: shop-prod-vpc
    match_tags: [Project, Environment]
    cidr_block: 10.0.0.0/16
    enable_dns_support: true
    enable_dns_hostnames: true
    tags:
      Project: shop
      Environment: prod
  register: vpc

- name: Its id
  ansible.builtin.debug:
    msg: "{{ vpc.vpc.id }}"

- name: Delete it (found by its id; a VPC already gone is not an error)
  tap.infra.ec2_vpc:
    vpc_id: "{{ vpc.vpc.id }}"
    state: absent
"""

RETURN = r"""
vpc:
  description:
    - The VPC after the run (or as it would be, in check mode).
    - With O(state=absent), the VPC as it was before its deletion, or only RV(vpc.id) (V(null) unless O(vpc_id) is
      set), RV(vpc.tags) and RV(vpc.state) when it was not there.
  returned: always
  type: dict
  contains:
    id:
      description: The VPC id; V(null) for a VPC that would be created in check mode.
      type: str
      sample: vpc-0123456789abcdef0
    vpc_id:
      description: The same as RV(vpc.id), for a VPC that exists.
      type: str
      sample: vpc-0123456789abcdef0
    name:
      description: The C(Name) tag.
      type: str
      sample: shop-prod-vpc
    cidr_block:
      description: The primary IPv4 CIDR block.
      type: str
      sample: 10.0.0.0/16
    cidr_block_association_set:
      description: The IPv4 CIDR blocks of the VPC (as C(DescribeVpcs) returns them, in snake case).
      type: list
      elements: dict
    enable_dns_support:
      description: The C(enableDnsSupport) attribute; V(null) when O(enable_dns_support) is not set.
      type: bool
      sample: true
    enable_dns_hostnames:
      description: The C(enableDnsHostnames) attribute; V(null) when O(enable_dns_hostnames) is not set.
      type: bool
      sample: true
    tags:
      description: The tags of the VPC, V(aws:) tags included.
      type: dict
      sample: {Name: shop-prod-vpc, Project: shop, Environment: prod}
    state:
      description:
        - With O(state=present), the state EC2 reports (V(available), or V(pending) with O(wait=false)); V(null) for
          a VPC that would be created in check mode.
        - With O(state=absent), V(deleted) for a VPC that was deleted (or would be, in check mode), V(absent) for one
          that was not there.
      type: str
      sample: available
    dhcp_options_id:
      description: The DHCP options set of the VPC.
      type: str
      sample: dopt-0123456789abcdef0
    instance_tenancy:
      description: The instance tenancy of the VPC.
      type: str
      sample: default
    is_default:
      description: Whether this is the default VPC of the region.
      type: bool
      sample: false
    owner_id:
      description: The account that owns the VPC.
      type: str
      sample: "123456789012"
"""


try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as VpcError
from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge_state
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.common import updated_tags
from ansible_collections.tap.infra.plugins.module_utils.ec2 import Ec2Manager
from ansible_collections.tap.infra.plugins.module_utils.ec2 import caller
from ansible_collections.tap.infra.plugins.module_utils.ec2 import normalise_cidr

WAIT_DELAY = 2
# Module option -> (DescribeVpcAttribute Attribute, response / ModifyVpcAttribute key).
ATTRIBUTES = {
    "enable_dns_support": ("enableDnsSupport", "EnableDnsSupport"),
    "enable_dns_hostnames": ("enableDnsHostnames", "EnableDnsHostnames"),
}


def desired_tags(name, tags):
    """The tags to converge: O(tags) with the Name tag; None when only the Name tag is enforced."""
    if tags is None:
        return None
    tags = {str(k): str(v) for k, v in tags.items()}
    if name is not None:
        if tags.get("Name", name) != name:
            raise VpcError("tags.Name (%s) differs from name (%s): leave Name out of tags" % (tags["Name"], name))
        tags["Name"] = name
    return tags


def lookup_tags(name, tags, match_tags):
    """The tags that identify the VPC: Name and the O(match_tags) keys of O(tags)."""
    wanted = {"Name": name}
    missing = [key for key in match_tags if key not in (tags or {})]
    if missing:
        raise VpcError("match_tags names keys that are not in tags: %s" % ", ".join(missing))
    for key in match_tags:
        wanted[key] = str(tags[key])
    return wanted


def view(vpc, attributes=None):
    """A VPC (AWS shape) as the module returns it."""
    result = camel_dict_to_snake_dict({k: v for k, v in vpc.items() if k != "Tags"})
    result["id"] = vpc["VpcId"]
    result["tags"] = boto3_tag_list_to_ansible_dict(vpc.get("Tags", []))
    if "Name" in result["tags"]:
        result["name"] = result["tags"]["Name"]
    for option in ATTRIBUTES:
        result[option] = (attributes or {}).get(option)
    return result


def diff_view(vpc):
    """A VPC as the diff shows it (what this module manages)."""
    if not vpc or vpc.get("state") in ("absent", "deleted"):
        return {}
    return {key: vpc.get(key) for key in ("id", "cidr_block", "enable_dns_support", "enable_dns_hostnames", "tags")}


class VpcManager(Ec2Manager):
    """Converges one VPC; holds the client and the check mode switch."""

    # ---- reads --------------------------------------------------------------------------------------------

    def describe(self, **params):
        return paginated(self.client, "describe_vpcs", "Vpcs", **params)

    def find(self, vpc_id=None, tags=None):
        """The one VPC with this id, or with these tags (None when there is none); refuses several."""
        if vpc_id:
            found = self.describe(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
            what = "id %s" % vpc_id
        else:
            filters = [{"Name": "tag:%s" % key, "Values": [value]} for key, value in tags.items()]
            found = self.describe(Filters=filters)
            # Filter values treat * and ? as wildcards: keep exact matches only.
            found = [
                vpc
                for vpc in found
                if all(boto3_tag_list_to_ansible_dict(vpc.get("Tags", [])).get(k) == v for k, v in tags.items())
            ]
            what = "the tags %s" % ", ".join("%s=%s" % item for item in tags.items())
        if len(found) > 1:
            raise VpcError(
                "%d VPCs match %s: %s. Delete the extra VPCs (or tag them differently), or give vpc_id"
                % (
                    len(found),
                    what,
                    ", ".join("%s (%s, %s)" % (v["VpcId"], v.get("CidrBlock"), v.get("State")) for v in found),
                )
            )
        return found[0] if found else None

    def read_attribute(self, vpc_id, option):
        attribute, key = ATTRIBUTES[option]
        try:
            response = self.client.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute, aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise VpcError("the %s attribute of %s could not be read" % (attribute, vpc_id), e)
        return bool(response.get(key, {}).get("Value"))

    # ---- waits --------------------------------------------------------------------------------------------

    def wait_available(self, vpc):
        """Wait until the new VPC is available; returns it as last described."""
        vpc_id = vpc["VpcId"]

        def describe():
            found = self.new_resource_retry(self.client.describe_vpcs)(VpcIds=[vpc_id])["Vpcs"]
            return found[0] if found else vpc

        def late(last):
            return "VPC %s is not available after %d seconds (state: %s)" % (
                vpc_id,
                self.wait_timeout,
                last.get("State"),
            )

        def available(last):
            return last.get("State") == "available"

        return self.wait_until(describe, available, self.wait_timeout, WAIT_DELAY, late, current=vpc)

    # ---- writes -------------------------------------------------------------------------------------------

    def create(self, cidr_block, tags):
        params = {"CidrBlock": cidr_block}
        if tags:
            params["TagSpecifications"] = boto3_tag_specifications(tags, types="vpc")
        try:
            return self.client.create_vpc(aws_retry=True, **params)["Vpc"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise VpcError("the VPC %s (%s) could not be created" % (tags.get("Name"), cidr_block), e)

    def set_attribute(self, vpc_id, option, value, new=False):
        attribute, key = ATTRIBUTES[option]
        try:
            call = caller(self.client, self.new_resource_retry if new else None)
            call("modify_vpc_attribute", VpcId=vpc_id, **{key: {"Value": value}})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise VpcError("the %s attribute of %s could not be set to %s" % (attribute, vpc_id, value), e)

    def set_attributes(self, vpc_id, changes, new=False):
        """One ModifyVpcAttribute per attribute (EC2 takes one at a time). Host names need DNS support: turning
        host names off goes first, turning them on goes last."""
        order = list(changes)
        if changes.get("enable_dns_hostnames") is True:
            order.sort(key=lambda option: option == "enable_dns_hostnames")
        else:
            order.sort(key=lambda option: option != "enable_dns_hostnames")
        for option in order:
            self.set_attribute(vpc_id, option, changes[option], new=new)

    def delete(self, vpc):
        self.delete_resource(
            "delete_vpc",
            "VPC %s (%s)" % (vpc["VpcId"], vpc.get("CidrBlock")),
            "InvalidVpcID.NotFound",
            "subnets, an internet gateway, security groups other than the default one, route tables other than the "
            "main one, or network interfaces (AWS releases those of deleted NAT gateways, load balancers and DB "
            "instances a while after their deletion). DescribeNetworkInterfaces with the filter vpc-id=%s lists the "
            "interfaces" % vpc["VpcId"],
            VpcId=vpc["VpcId"],
        )

    # ---- desired state --------------------------------------------------------------------------------------

    def ensure_present(
        self,
        name=None,
        vpc_id=None,
        tags=None,
        match_tags=(),
        cidr_block=None,
        purge_tags=True,
        enable_dns_support=None,
        enable_dns_hostnames=None,
    ):
        if not vpc_id and not name:
            raise VpcError("name (or vpc_id) is required")
        wanted_tags = desired_tags(name, tags)
        cidr = normalise_cidr(cidr_block) if cidr_block is not None else None
        attributes = {
            option: value
            for option, value in (
                ("enable_dns_support", enable_dns_support),
                ("enable_dns_hostnames", enable_dns_hostnames),
            )
            if value is not None
        }
        current = self.find(vpc_id=vpc_id) if vpc_id else self.find(tags=lookup_tags(name, tags, match_tags))

        if current is None:
            if vpc_id:
                raise VpcError("VPC %s does not exist (a VPC cannot be created with a given id)" % vpc_id)
            if cidr is None:
                raise VpcError("cidr_block is required to create the VPC %s" % name)
            return self.create_new(cidr, wanted_tags or {"Name": name}, attributes)

        if cidr is not None and current.get("CidrBlock") != cidr:
            raise VpcError(
                "the primary CIDR block of VPC %s is %s, not %s, and the primary CIDR block of a VPC cannot change. "
                "Give cidr_block the VPC's CIDR block, or delete the VPC (and what is in it) to create it anew"
                % (current["VpcId"], current.get("CidrBlock"), cidr)
            )

        vpc_id = current["VpcId"]
        read = {option: self.read_attribute(vpc_id, option) for option in attributes}
        before = view(current, read)
        result = view(current, read)

        if wanted_tags is not None:
            to_set, to_unset = compare_aws_tags(result["tags"], wanted_tags, purge_tags=purge_tags)
        elif name is not None:
            to_set, to_unset = compare_aws_tags(result["tags"], {"Name": name}, purge_tags=False)
        else:
            to_set, to_unset = {}, []
        if to_set or to_unset:
            if not self.check_mode:
                self.fix_tags(vpc_id, to_set, to_unset, vpc_id)
            self.changed = True
            result["tags"] = updated_tags(result["tags"], to_set, to_unset)
            if "Name" in result["tags"]:
                result["name"] = result["tags"]["Name"]

        changes = {option: value for option, value in attributes.items() if read[option] != value}
        if changes:
            if not self.check_mode:
                self.set_attributes(vpc_id, changes)
            self.changed = True
            result.update(changes)

        return {
            "changed": self.changed,
            "vpc": result,
            "diff": {"before": diff_view(before), "after": diff_view(result)},
        }

    def create_new(self, cidr, tags, attributes):
        if self.check_mode:
            self.changed = True
            result = {
                "id": None,
                "cidr_block": cidr,
                "tags": dict(tags),
                "name": tags.get("Name"),
                "state": None,
                "enable_dns_support": attributes.get("enable_dns_support"),
                "enable_dns_hostnames": attributes.get("enable_dns_hostnames"),
            }
            return {"changed": True, "vpc": result, "diff": {"before": {}, "after": diff_view(result)}}

        vpc = self.create(cidr, tags)
        self.changed = True
        if self.wait:
            vpc = self.wait_available(vpc)
        # Set every attribute given rather than rely on the defaults of a new VPC.
        self.set_attributes(vpc["VpcId"], attributes, new=True)
        if not vpc.get("Tags"):
            vpc = dict(vpc, Tags=ansible_dict_to_boto3_tag_list(tags))
        result = view(vpc, attributes)
        return {"changed": True, "vpc": result, "diff": {"before": {}, "after": diff_view(result)}}

    def ensure_absent(self, name=None, vpc_id=None, tags=None, match_tags=()):
        if not vpc_id and not name:
            raise VpcError("name (or vpc_id) is required")
        current = self.find(vpc_id=vpc_id) if vpc_id else self.find(tags=lookup_tags(name, tags, match_tags))
        if current is None:
            result = {"id": vpc_id or None, "tags": {}, "state": "absent"}
            return {"changed": False, "vpc": result, "diff": {"before": {}, "after": {}}}
        before = view(current)
        if not self.check_mode:
            self.delete(current)
        self.changed = True
        result = dict(before, state="deleted")
        return {"changed": True, "vpc": result, "diff": {"before": diff_view(before), "after": {}}}


def main():
    argument_spec = dict(
        name=dict(type="str"),
        vpc_id=dict(type="str"),
        match_tags=dict(type="list", elements="str", default=[]),
        cidr_block=dict(type="str"),
        enable_dns_support=dict(type="bool"),
        enable_dns_hostnames=dict(type="bool"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=STATE_OPTION,
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = aws_module(argument_spec, required_one_of=[["name", "vpc_id"]])
    params = module.params
    manager = new_manager(module, VpcManager, "ec2", wait=params["wait"], wait_timeout=params["wait_timeout"])
    identity = [params[key] for key in ("name", "vpc_id", "tags", "match_tags")]
    settings = {key: params[key] for key in ("cidr_block", "purge_tags", "enable_dns_support", "enable_dns_hostnames")}
    failure = "the VPC %s could not be converged" % (params["vpc_id"] or params["name"])
    converge_state(module, manager, failure, *identity, **settings)


if __name__ == "__main__":
    main()
