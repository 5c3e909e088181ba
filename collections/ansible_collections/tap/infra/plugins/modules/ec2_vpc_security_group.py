#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ec2_vpc_security_group
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
short_description: Converge one security group of a VPC, its rules and its tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one security group of a VPC, found by the VPC and the group name (or, with
    O(state=absent), by O(group_id)).
  - One C(DescribeSecurityGroups) call (filtered by the VPC and the name) reads the group, its rules and its tags;
    when everything matches, that is the only call. M(amazon.aws.ec2_security_group) also calls C(DescribeTags),
    C(sts:GetCallerIdentity) and C(DescribeSecurityGroups) again.
  - The inbound rules (O(rules)) and the outbound rules (O(rules_egress)) are converged to exactly the given lists
    (what is not listed is revoked), descriptions included. Each rule is one protocol, port range and source
    (IPv4 or IPv6 CIDR, prefix list or security group); a listed rule with several ports or sources stands for
    every combination.
  - A new group is created with its tags (C(CreateSecurityGroup) with C(TagSpecifications), so it is never
    untagged). Tags that differ are fixed (C(CreateTags), C(DeleteTags)). Rules are added with
    C(AuthorizeSecurityGroupIngress) and C(AuthorizeSecurityGroupEgress), removed with
    C(RevokeSecurityGroupIngress) and C(RevokeSecurityGroupEgress) (by the rule properties as described, exactly),
    and their descriptions changed with C(UpdateSecurityGroupRuleDescriptionsIngress) and
    C(UpdateSecurityGroupRuleDescriptionsEgress).
  - The VPC's V(default) group is found and converged like any other, but never created or deleted.
  - Supports check mode (no writes, honest C(changed)) and diff mode (rules as flat lists, and tags).
author:
  - tap-infra maintainers (@tap-infra)
options:
  name:
    description:
      - The group name, unique within the VPC. V(default) is the VPC's default security group.
      - Required with O(state=present); with O(state=absent), O(name) or O(group_id).
    type: str
  vpc_id:
    description:
      - The VPC of the group. Required with O(state=present) and with O(name) and O(state=absent).
    type: str
  group_id:
    description:
      - With O(state=absent), the id of the group to delete, instead of O(name) and O(vpc_id).
    type: str
  description:
    description:
      - The group description, needed to create the group. AWS cannot change it afterwards; a group whose
        description differs is left as it is, with a warning.
    type: str
  rules:
    description:
      - The inbound rules. Those of the group that are not listed are revoked.
      - When not set, the group has no inbound rule (as a new group has none).
    type: list
    elements: dict
    suboptions: &rule_options
      proto:
        description:
          - The protocol, by name (V(tcp), V(udp), V(icmp), V(icmpv6)), by number, or V(all) (V(-1)).
        type: str
        default: tcp
      ports:
        description:
          - With V(tcp) and V(udp), the ports, each a number or a range V(from-to). Required with those protocols.
        type: list
        elements: str
      icmp_type:
        description: With V(icmp) and V(icmpv6), the type (V(-1) for any).
        type: int
        default: -1
      icmp_code:
        description: With V(icmp) and V(icmpv6), the code (V(-1) for any).
        type: int
        default: -1
      cidr_ip:
        description: IPv4 CIDR blocks (a host address is taken as its network, for example V(10.0.0.0/8)).
        type: list
        elements: str
      cidr_ipv6:
        description: IPv6 CIDR blocks.
        type: list
        elements: str
      prefix_list_id:
        description: Managed prefix list ids.
        type: list
        elements: str
      group_id:
        description: Security group ids (of the same account).
        type: list
        elements: str
      rule_desc:
        description:
          - The description of the rule (of each of its sources). When not set, the rule has none.
        type: str
  rules_egress:
    description:
      - The outbound rules. Those of the group that are not listed are revoked.
      - When not set, the group allows all outbound IPv4 traffic and nothing else, as a new group does (AWS's
        default rule, C(-1) to V(0.0.0.0/0), without description). V([]) allows no outbound traffic at all.
    type: list
    elements: dict
    suboptions: *rule_options
  tags:
    description:
      - Tags of the group. Tags whose key begins with V(aws:) are never changed.
      - When not set, the tags of an existing group are left alone.
    type: dict
  purge_tags:
    description:
      - Remove the tags of the group that are not in O(tags) (except V(aws:) tags). No effect without O(tags).
    type: bool
    default: true
  state:
    description:
      - V(present) creates and updates the group; V(absent) deletes it if it exists.
  wait_timeout:
    description:
      - With O(state=absent), for how many seconds C(DependencyViolation) on C(DeleteSecurityGroup) is retried
        (5 s doubling up to 30 s between attempts), while network interfaces of deleted load balancers, DB instances
        or functions still use the group.
    type: int
    default: 300
notes:
  - Right after C(CreateSecurityGroup), other calls may not see the group yet (EC2 is eventually consistent), so the
    module uses the id returned by the create call and retries C(InvalidGroup.NotFound), at most 10 attempts within
    90 s.
  - A rule is revoked by its properties exactly as C(DescribeSecurityGroups) returned them; a rule that AWS reports
    as unknown (it changed meanwhile) fails the task.
  - The identity needs C(ec2:DescribeSecurityGroups), and as needed C(ec2:CreateSecurityGroup), C(ec2:CreateTags)
    (also for the tags passed with C(CreateSecurityGroup)), C(ec2:DeleteTags), C(ec2:AuthorizeSecurityGroupIngress),
    C(ec2:AuthorizeSecurityGroupEgress), C(ec2:RevokeSecurityGroupIngress), C(ec2:RevokeSecurityGroupEgress),
    C(ec2:UpdateSecurityGroupRuleDescriptionsIngress), C(ec2:UpdateSecurityGroupRuleDescriptionsEgress) and
    C(ec2:DeleteSecurityGroup).
  - Security groups outside a VPC (EC2-Classic), group names as rule sources and cross-account sources are not
    managed.
  - Why it exists - it replaces C(amazon.aws.ec2_security_group), which also calls DescribeTags, GetCallerIdentity and
    DescribeSecurityGroups again on every run (here one DescribeSecurityGroups when nothing changes; amazon.aws 11.4).
    The project can drop it when C(ec2_security_group) converges in one read.
"""

EXAMPLES = r"""
- name: Load balancer group, HTTP and HTTPS from anywhere (default outbound rule)
  tap.infra.ec2_vpc_security_group:
    name: web-alb
    description: web load balancer
    vpc_id: "{{ vpc.vpc.id }}"
    rules:
      - proto: tcp
        ports: [80, 443]
        cidr_ip: [0.0.0.0/0]
        cidr_ipv6: ["::/0"]
        rule_desc: HTTP(S) from anywhere
    tags: {Name: web-alb, Project: web}
  register: alb_group

- name: Database group, 5432 from the application's group only, no outbound traffic
  tap.infra.ec2_vpc_security_group:
    name: web-db
    description: web database
    vpc_id: "{{ vpc.vpc.id }}"
    rules:
      - ports: [5432]
        group_id: ["{{ app_group.group_id }}"]
        rule_desc: PostgreSQL from the application
    rules_egress: []
    tags: {Name: web-db, Project: web}

- name: Strip every rule of the VPC's default group
  tap.infra.ec2_vpc_security_group:
    name: default
    vpc_id: "{{ vpc.vpc.id }}"
    rules: []
    rules_egress: []

- name: Delete a group by id
  tap.infra.ec2_vpc_security_group:
    group_id: "{{ alb_group.group_id }}"
    state: absent
"""

RETURN = r"""
group_id:
  description: The group id; V(null) for a group that would be created in check mode, or that was not there.
  returned: always
  type: str
  sample: sg-0123456789abcdef0
group_name:
  description: The group name.
  returned: always
  type: str
  sample: web-alb
vpc_id:
  description: The VPC of the group.
  returned: always
  type: str
  sample: vpc-0123456789abcdef0
description:
  description: The group description.
  returned: always
  type: str
  sample: web load balancer
owner_id:
  description: The account that owns the group (V(null) for a group not created yet).
  returned: always
  type: str
  sample: "123456789012"
ip_permissions:
  description:
    - The inbound rules after the run (or as they would be, in check mode), in the shape of
      C(DescribeSecurityGroups), snake_cased; one entry per protocol and port range.
  returned: always
  type: list
  elements: dict
  sample:
    - ip_protocol: tcp
      from_port: 80
      to_port: 80
      ip_ranges: [{cidr_ip: 0.0.0.0/0, description: HTTP from anywhere}]
      ipv6_ranges: []
      prefix_list_ids: []
      user_id_group_pairs: []
ip_permissions_egress:
  description: The outbound rules, in the same shape as RV(ip_permissions).
  returned: always
  type: list
  elements: dict
  sample:
    - ip_protocol: "-1"
      ip_ranges: [{cidr_ip: 0.0.0.0/0}]
      ipv6_ranges: []
      prefix_list_ids: []
      user_id_group_pairs: []
tags:
  description: The tags of the group, V(aws:) tags included.
  returned: always
  type: dict
  sample: {Name: web-alb, Project: web}
state:
  description:
    - V(present), V(deleted) (deleted, or would be in check mode) or V(absent) (was not there).
  returned: always
  type: str
  sample: present
"""

import ipaddress
import time

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as SecurityGroupError
from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.plugins.module_utils.common import list_of_dicts
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.common import updated_tags
from ansible_collections.tap.infra.plugins.module_utils.ec2 import caller
from ansible_collections.tap.infra.plugins.module_utils.ec2 import update_tags
from ansible_collections.tap.infra.plugins.module_utils.errors import error_code
from ansible_collections.tap.infra.plugins.module_utils.retries import DEPENDENCY_VIOLATION
from ansible_collections.tap.infra.plugins.module_utils.retries import EC2_NOT_YET_VISIBLE

DEFAULT_GROUP = "default"

PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp"}
PROTOCOLS.update({"icmpv6": "icmpv6", "58": "icmpv6", "all": "-1", "-1": "-1"})
WITH_PORTS = ("tcp", "udp")
WITH_ICMP = ("icmp", "icmpv6")
# Source kinds: the key of the rule option, of the IpPermission list, and of the source in its entries.
SOURCES = (
    ("cidr_ip", "IpRanges", "CidrIp"),
    ("cidr_ipv6", "Ipv6Ranges", "CidrIpv6"),
    ("prefix_list_id", "PrefixListIds", "PrefixListId"),
    ("group_id", "UserIdGroupPairs", "GroupId"),
)
LIST_OF = {kind: (listed, field) for kind, listed, field in SOURCES}
# AWS's outbound rule of a new group: all IPv4 traffic.
DEFAULT_EGRESS = [{"proto": "-1", "cidr_ip": ["0.0.0.0/0"]}]


# ---- rules as atoms: (protocol, from port, to port, source kind, source) -> description ------------------------


def normalise_protocol(proto):
    value = str(proto).strip().lower()
    if value in PROTOCOLS:
        return PROTOCOLS[value]
    if value.isdigit() and 0 <= int(value) <= 255:
        return str(int(value))
    raise SecurityGroupError("%s is not a protocol (tcp, udp, icmp, icmpv6, all, or a number 0-255)" % proto)


def normalise_source(kind, value):
    value = str(value).strip()
    try:
        if kind == "cidr_ip":
            return str(ipaddress.IPv4Network(value, strict=False))
        if kind == "cidr_ipv6":
            return str(ipaddress.IPv6Network(value, strict=False))
    except ValueError as e:
        raise SecurityGroupError("%s is not an %s CIDR block: %s" % (value, "IPv4" if kind == "cidr_ip" else "IPv6", e))
    return value


def port_ranges(ports):
    ranges = []
    for port in ports:
        text = str(port).strip()
        low, sep, high = text.partition("-")
        try:
            first, last = int(low), int(high if sep else low)
        except ValueError:
            raise SecurityGroupError("%s is not a port or a port range (from-to)" % port)
        if not 0 <= first <= last <= 65535:
            raise SecurityGroupError("%s is not a port range within 0-65535" % port)
        ranges.append((first, last))
    return ranges


def desired_atoms(rules, direction):
    """The listed rules as atoms, mapped to their description; refuses one atom listed with two descriptions."""
    atoms = {}
    for rule in rules:
        proto = normalise_protocol(rule.get("proto") or "tcp")
        if proto in WITH_PORTS:
            if not rule.get("ports"):
                raise SecurityGroupError("%s rule %s: ports are required with %s" % (direction, rule, proto))
            ranges = port_ranges(rule["ports"])
        elif proto in WITH_ICMP:
            ranges = [(rule.get("icmp_type", -1), rule.get("icmp_code", -1))]
        else:
            if rule.get("ports"):
                raise SecurityGroupError("%s rule %s: ports apply to tcp and udp only" % (direction, rule))
            ranges = [(None, None)]
        sources = [(kind, normalise_source(kind, v)) for kind in LIST_OF for v in rule.get(kind) or []]
        if not sources:
            raise SecurityGroupError(
                "%s rule %s has no source: cidr_ip, cidr_ipv6, prefix_list_id or group_id" % (direction, rule)
            )
        desc = rule.get("rule_desc") or None
        for first, last in ranges:
            for kind, value in sources:
                key = (proto, first, last, kind, value)
                if key in atoms and atoms[key] != desc:
                    raise SecurityGroupError(
                        "%s rule %s is listed twice, with descriptions %r and %r"
                        % (direction, rule_text(key), atoms[key], desc)
                    )
                atoms[key] = desc
    return atoms


def current_atoms(permissions):
    """The described permissions as atoms, mapped to the source entry as AWS returned it."""
    atoms = {}
    for perm in permissions or []:
        proto = normalise_protocol(perm["IpProtocol"])
        first, last = (perm.get("FromPort"), perm.get("ToPort")) if proto in WITH_PORTS + WITH_ICMP else (None, None)
        for kind, listed, field in SOURCES:
            for entry in perm.get(listed) or []:
                if field not in entry:
                    continue  # e.g. a group pair by name only (EC2-Classic)
                atoms[(proto, first, last, kind, normalise_source(kind, entry[field]))] = entry
    return atoms


def rule_text(key):
    proto, first, last, kind, value = key
    ports = "" if first is None else (" %s" % first if first == last else " %s-%s" % (first, last))
    return "%s%s %s %s" % ("all" if proto == "-1" else proto, ports, kind, value)


def to_permissions(entries):
    """(atom key, source entry) pairs as IpPermissions, one per protocol and port range, in a stable order."""
    grouped = {}
    for key, entry in sorted(entries, key=lambda item: sort_key(item[0])):
        proto, first, last, kind = key[:4]
        perm = grouped.setdefault((proto, first, last), {"IpProtocol": proto})
        if first is not None:
            perm["FromPort"], perm["ToPort"] = first, last
        perm.setdefault(LIST_OF[kind][0], []).append(entry)
    return list(grouped.values())


def sort_key(key):
    proto, first, last, kind, value = key
    return (proto, -2 if first is None else first, -2 if last is None else last, kind, value)


def new_entry(key, desc, owner_id=None):
    """The source entry of an atom for an authorize or a description call (and the after-state)."""
    kind, value = key[3], key[4]
    entry = {LIST_OF[kind][1]: value}
    if kind == "group_id" and owner_id:
        entry["UserId"] = owner_id
    if desc:
        entry["Description"] = desc
    return entry


def source_entry(key, entry, owner_id=None):
    """The source of an atom exactly as described, without its description (to revoke it or describe it anew)."""
    field = LIST_OF[key[3]][1]
    source = {field: entry[field]}
    if key[3] == "group_id" and entry.get("UserId") and entry["UserId"] != owner_id:
        source["UserId"] = entry["UserId"]
    return source


def with_description(entry, desc):
    changed = {k: v for k, v in entry.items() if k != "Description"}
    if desc:
        changed["Description"] = desc
    return changed


def full_permissions(perms):
    """Every list key present, as DescribeSecurityGroups returns them."""
    return [dict({pair[0]: [] for pair in LIST_OF.values()}, **perm) for perm in perms]


def flat_rules(atoms):
    """Atoms as the diff shows them: one dict per protocol, port range and source, in a stable order."""
    rules = []
    for key in sorted(atoms, key=sort_key):
        proto, first, last, kind, value = key
        rule = {"proto": "all" if proto == "-1" else proto}
        if proto in WITH_ICMP:
            rule["icmp_type"], rule["icmp_code"] = first, last
        elif first is not None:
            rule["ports"] = "%s" % first if first == last else "%s-%s" % (first, last)
        rule[kind] = value
        desc = atoms[key] if not isinstance(atoms[key], dict) else atoms[key].get("Description")
        if desc:
            rule["rule_desc"] = desc
        rules.append(rule)
    return rules


class SecurityGroupManager(Manager):
    """Converges one security group of a VPC; holds the client and the check mode switch."""

    def __init__(self, client, check_mode=False, sleep=time.sleep, clock=time.monotonic):
        super().__init__(client, check_mode, sleep, clock)
        # Right after CreateSecurityGroup other calls may not see the group yet (EC2 is eventually consistent).
        self.new_group_retry = self.retrying(EC2_NOT_YET_VISIBLE)

    # ---- reads --------------------------------------------------------------------------------------------

    def describe(self, filters):
        groups = paginated(self.client, "describe_security_groups", "SecurityGroups", Filters=filters)
        if len(groups) > 1:
            raise SecurityGroupError(
                "%d security groups match %s: %s" % (len(groups), filters, ", ".join(g["GroupId"] for g in groups))
            )
        return groups[0] if groups else None

    def find(self, vpc_id, name):
        """The group, with its rules and tags: the one read of a converged run."""
        return self.describe([{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}])

    def describe_new(self, group_id):
        try:
            return self.new_group_retry(self.client.describe_security_groups)(GroupIds=[group_id])["SecurityGroups"][0]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise SecurityGroupError("the new security group %s could not be read" % group_id, e)

    # ---- writes -------------------------------------------------------------------------------------------

    def call(self, new, method, what, **params):
        try:
            return caller(self.client, self.new_group_retry if new else None)(method, **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise SecurityGroupError("%s of security group %s failed" % (what, params.get("GroupId")), e)

    def create(self, vpc_id, name, description, tags):
        params = {"VpcId": vpc_id, "GroupName": name, "Description": description}
        if tags:
            params["TagSpecifications"] = boto3_tag_specifications(tags, types="security-group")
        try:
            return self.client.create_security_group(aws_retry=True, **params)["GroupId"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise SecurityGroupError("security group %s could not be created in %s" % (name, vpc_id), e)

    def fix_tags(self, group_id, to_set, to_unset, new=False):
        operations = {"delete_tags": "DeleteTags", "create_tags": "CreateTags"}  # as a failure names them

        def call(method, **params):
            return self.call(new, method, operations[method], **params)

        update_tags(call, group_id, to_set, to_unset)

    def revoke(self, group_id, direction, entries, new=False):
        method = "revoke_security_group_%s" % direction
        perms = to_permissions(entries)
        result = self.call(new, method, "Revoke (%s)" % direction, GroupId=group_id, IpPermissions=perms)
        # In a default VPC AWS reports rules it did not find instead of failing: never take that for done.
        if result.get("UnknownIpPermissions"):
            raise SecurityGroupError(
                "%s rules of security group %s were not revoked, AWS does not know them (changed meanwhile?): %s"
                % (direction, group_id, result["UnknownIpPermissions"])
            )

    def delete(self, group_id, timeout):
        """DeleteSecurityGroup, retried on DependencyViolation for at most `timeout` seconds."""
        attempts = max(DEPENDENCY_VIOLATION.attempts, timeout // DEPENDENCY_VIOLATION.max_delay + 4)
        retry = self.retrying(DEPENDENCY_VIOLATION, attempts=attempts, seconds=timeout)
        try:
            retry(self.client.delete_security_group)(GroupId=group_id)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            code = error_code(e)
            if code == "InvalidGroup.NotFound":
                return  # deleted meanwhile
            if code != "DependencyViolation":
                raise SecurityGroupError("security group %s could not be deleted" % group_id, e)
            raise SecurityGroupError(
                "security group %s is still in use after %d seconds of attempts to delete it: usually a "
                "network interface (of a load balancer, DB instance, Lambda function or instance) or a rule "
                "of another group refers to it; AWS releases the interfaces of deleted resources a while "
                "after their deletion. DescribeNetworkInterfaces with the filter group-id=%s lists them"
                % (group_id, timeout, group_id),
                e,
            )

    # ---- desired state --------------------------------------------------------------------------------------

    def converge_rules(self, group, direction, desired, new=False):
        """Authorize what is missing, fix descriptions, revoke what is not listed; returns the after atoms."""
        listed = "IpPermissions" if direction == "ingress" else "IpPermissionsEgress"
        current = current_atoms(group.get(listed))
        owner = group.get("OwnerId")
        missing = [(k, new_entry(k, d, None)) for k, d in desired.items() if k not in current]
        redescribe = [
            (k, with_description(source_entry(k, current[k], owner), d))
            for k, d in desired.items()
            if k in current and (current[k].get("Description") or None) != d
        ]
        extra = [(k, source_entry(k, e, owner)) for k, e in current.items() if k not in desired]
        if missing or redescribe or extra:
            self.changed = True
        if not self.check_mode and group.get("GroupId"):
            group_id = group["GroupId"]
            # New rules first, old ones last: traffic that both allow is never cut off in between.
            if missing:
                method = "authorize_security_group_%s" % direction
                self.call(
                    new, method, "Authorize (%s)" % direction, GroupId=group_id, IpPermissions=to_permissions(missing)
                )
            if redescribe:
                method = "update_security_group_rule_descriptions_%s" % direction
                self.call(
                    new,
                    method,
                    "UpdateSecurityGroupRuleDescriptions (%s)" % direction,
                    GroupId=group_id,
                    IpPermissions=to_permissions(redescribe),
                )
            if extra:
                self.revoke(group_id, direction, extra, new=new)
        after = {}
        for key, desc in desired.items():
            after[key] = with_description(current[key], desc) if key in current else new_entry(key, desc, owner)
        return after

    def ensure_present(self, params):
        name, vpc_id = params["name"], params["vpc_id"]
        ingress = desired_atoms(params.get("rules") or [], "ingress")
        egress_rules = params.get("rules_egress")
        egress = desired_atoms(DEFAULT_EGRESS if egress_rules is None else egress_rules, "egress")
        tags = params.get("tags")

        group = self.find(vpc_id, name)
        before = diff_view(group) if group else {}
        new = False
        if group is None:
            if name == DEFAULT_GROUP:
                if not self.check_mode:
                    raise SecurityGroupError(
                        "VPC %s has no default security group (does the VPC exist?); it is never created" % vpc_id
                    )
                # Check mode before the VPC exists: AWS will give it a default group with rules to strip.
                group = {"GroupName": name, "VpcId": vpc_id, "Description": "default VPC security group"}
                group["IpPermissionsEgress"] = to_permissions(
                    [(k, new_entry(k, d)) for k, d in desired_atoms(DEFAULT_EGRESS, "egress").items()]
                )
            else:
                if not params.get("description"):
                    raise SecurityGroupError(
                        "security group %s does not exist: description is needed to create it" % name
                    )
                self.changed = True
                if self.check_mode:
                    group = {"GroupName": name, "VpcId": vpc_id, "Description": params["description"], "Tags": []}
                    group["IpPermissionsEgress"] = to_permissions(
                        [(k, new_entry(k, d)) for k, d in desired_atoms(DEFAULT_EGRESS, "egress").items()]
                    )
                    group["Tags"] = ansible_dict_to_boto3_tag_list(tags or {})
                else:
                    group_id = self.create(vpc_id, name, params["description"], tags)
                    group = self.describe_new(group_id)
                    new = True
        elif params.get("description") and group.get("Description") != params["description"] and name != DEFAULT_GROUP:
            self.warnings.append(
                "security group %s has the description %r, not %r: AWS cannot change a group's description (delete "
                "and re-create the group to change it)"
                % (group["GroupId"], group.get("Description"), params["description"])
            )

        current_tags = boto3_tag_list_to_ansible_dict(group.get("Tags", []))
        if tags is not None:
            to_set, to_unset = compare_aws_tags(current_tags, tags, purge_tags=params.get("purge_tags", True))
            if to_set or to_unset:
                self.changed = True
                if not self.check_mode and group.get("GroupId"):
                    self.fix_tags(group["GroupId"], to_set, to_unset, new=new)
                current_tags = updated_tags(current_tags, to_set, to_unset)

        after_in = self.converge_rules(group, "ingress", ingress, new=new)
        after_out = self.converge_rules(group, "egress", egress, new=new)
        result = {
            "group_id": group.get("GroupId"),
            "group_name": group.get("GroupName", name),
            "vpc_id": group.get("VpcId", vpc_id),
            "description": group.get("Description"),
            "owner_id": group.get("OwnerId"),
            "ip_permissions": full_permissions(to_permissions(after_in.items())),
            "ip_permissions_egress": full_permissions(to_permissions(after_out.items())),
            "tags": current_tags,
            "state": "present",
        }
        after = {
            "group_name": result["group_name"],
            "description": result["description"],
            "vpc_id": result["vpc_id"],
            "rules": flat_rules(after_in),
            "rules_egress": flat_rules(after_out),
            "tags": current_tags,
        }
        return self.result(result, before, after)

    def ensure_absent(self, params):
        if params.get("group_id"):
            filters = [{"Name": "group-id", "Values": [params["group_id"]]}]
            if params.get("vpc_id"):
                filters.insert(0, {"Name": "vpc-id", "Values": [params["vpc_id"]]})
            group = self.describe(filters)
        else:
            group = self.find(params["vpc_id"], params["name"])
        if group is None:
            return self.result(
                {
                    "group_id": None,
                    "group_name": params.get("name"),
                    "vpc_id": params.get("vpc_id"),
                    "description": None,
                    "owner_id": None,
                    "ip_permissions": [],
                    "ip_permissions_egress": [],
                    "tags": {},
                    "state": "absent",
                },
                {},
                {},
            )
        view = {
            "group_id": group["GroupId"],
            "group_name": group["GroupName"],
            "vpc_id": group.get("VpcId"),
            "description": group.get("Description"),
            "owner_id": group.get("OwnerId"),
            "ip_permissions": full_permissions(group.get("IpPermissions", [])),
            "ip_permissions_egress": full_permissions(group.get("IpPermissionsEgress", [])),
            "tags": boto3_tag_list_to_ansible_dict(group.get("Tags", [])),
        }
        if group["GroupName"] == DEFAULT_GROUP:
            self.warnings.append(
                "%s is the default group of %s: it is never deleted" % (group["GroupId"], view["vpc_id"])
            )
            return self.result(dict(view, state="present"), diff_view(group), diff_view(group))
        self.changed = True
        if not self.check_mode:
            self.delete(group["GroupId"], params.get("wait_timeout", 300))
        return self.result(dict(view, state="deleted"), diff_view(group), {})

    def result(self, view, before, after):
        result = camel_dict_to_snake_dict(dict((k, v) for k, v in view.items() if k != "tags"))
        result["tags"] = view["tags"]
        result["changed"] = self.changed
        result["diff"] = {"before": before, "after": after}
        return result


def diff_view(group):
    """A described group as the diff shows it (what this module manages)."""
    return {
        "group_name": group.get("GroupName"),
        "description": group.get("Description"),
        "vpc_id": group.get("VpcId"),
        "rules": flat_rules(current_atoms(group.get("IpPermissions"))),
        "rules_egress": flat_rules(current_atoms(group.get("IpPermissionsEgress"))),
        "tags": boto3_tag_list_to_ansible_dict(group.get("Tags", [])),
    }


def main():
    rule_options = dict(
        proto=dict(type="str", default="tcp"),
        ports=dict(type="list", elements="str"),
        icmp_type=dict(type="int", default=-1),
        icmp_code=dict(type="int", default=-1),
        cidr_ip=dict(type="list", elements="str"),
        cidr_ipv6=dict(type="list", elements="str"),
        prefix_list_id=dict(type="list", elements="str"),
        group_id=dict(type="list", elements="str"),
        rule_desc=dict(type="str"),
    )
    argument_spec = dict(
        name=dict(type="str"),
        vpc_id=dict(type="str"),
        group_id=dict(type="str"),
        description=dict(type="str"),
        rules=list_of_dicts(rule_options),
        rules_egress=list_of_dicts(rule_options),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        state=STATE_OPTION,
        wait_timeout=dict(type="int", default=300),
    )
    module = aws_module(
        argument_spec,
        required_if=[["state", "present", ["name", "vpc_id"]], ["state", "absent", ["name", "group_id"], True]],
    )
    params = module.params
    if params["state"] == "absent" and not params["group_id"] and not params["vpc_id"]:
        module.fail_json(msg="with state=absent, group_id, or name and vpc_id, are required")
    manager = new_manager(module, SecurityGroupManager, "ec2")
    what = params["group_id"] or "%s in %s" % (params["name"], params["vpc_id"])
    ensure = manager.ensure_present if params["state"] == "present" else manager.ensure_absent
    converge(module, lambda: ensure(params), "security group %s could not be converged" % what, manager)


if __name__ == "__main__":
    main()
