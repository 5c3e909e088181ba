#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ec2_vpc_route_tables
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.vpc_list
short_description: Converge a set of route tables of one VPC in one task
version_added: 0.1.0
description:
  - Creates, updates or deletes several route tables of one VPC, each identified by its C(Name) tag within the VPC
    (their tags, their subnet associations and their routes).
  - One C(DescribeRouteTables) call (filtered by the VPC; tags, associations and routes come with it) reads every
    route table of the VPC; when everything matches, that is the only call. A loop over
    M(amazon.aws.ec2_vpc_route_table) makes several C(DescribeRouteTables) and C(DescribeTags) calls per table.
  - With O(state=present), a missing table is created with its tags (C(CreateRouteTable) with C(TagSpecifications),
    so it is never untagged). Tags that differ are fixed (C(CreateTags), C(DeleteTags)).
  - Routes (when O(route_tables[].routes) is set) are purged to the list given; a route whose target changed is
    replaced in place (C(ReplaceRoute)). The C(local) route, propagated routes and the prefix-list routes of gateway
    endpoints are left alone.
  - Subnet associations (when O(route_tables[].subnets) is set) are purged to the list given; a subnet associated
    with another table of the VPC is moved with C(ReplaceRouteTableAssociation), so it is never left without its
    table in between.
  - With O(state=absent), every table of the VPC with a listed name is disassociated from its subnets and deleted;
    a table already gone is no error.
  - Tables of the VPC whose name is not listed are left alone (except the associations moved away from them).
  - Supports check mode (no writes, honest C(changed)) and diff mode (each listed table before and after, by name).
author:
  - tap-infra maintainers (@tap-infra)
options:
  route_tables:
    description:
      - The route tables, each identified by its C(Name) tag within the VPC.
      - With O(state=present), the result lists them in the same order. With O(state=absent), only their names
        (O(route_tables[].name)) are used.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The value of the C(Name) tag of the table, unique among the listed tables.
        type: str
        required: true
      tags:
        description:
          - Tags of the table, besides C(Name) (which is always O(route_tables[].name)).
          - When not set, the tags of an existing table other than C(Name) are left alone.
        type: dict
      subnets:
        description:
          - The ids of the subnets associated with the table; other subnet associations of the table are removed.
          - A subnet associated with another table of the VPC is moved to this one.
          - When not set, the associations of the table are left alone.
        type: list
        elements: str
      routes:
        description:
          - The routes of the table; other routes made with C(CreateRoute) are deleted.
          - When not set, the routes of the table are left alone.
        type: list
        elements: dict
        suboptions:
          dest:
            description:
              - The destination, an IPv4 or IPv6 CIDR block (V(0.0.0.0/0), V(::/0)).
            type: str
            required: true
          gateway_id:
            description:
              - An internet gateway or virtual private gateway (V(igw-...), V(vgw-...)).
              - Exactly one of O(route_tables[].routes[].gateway_id) and O(route_tables[].routes[].nat_gateway_id).
            type: str
          nat_gateway_id:
            description:
              - A NAT gateway (V(nat-...)). It may still be C(pending).
            type: str
notes:
  - Tables are found by their C(Name) tag among the tables of O(vpc_id). Should several tables of the VPC carry a
    listed name (two runs that overlapped), O(state=present) converges the one with the most subnet associations
    (then the lowest id) and warns; O(state=absent) deletes them all.
  - A new table is not visible to every EC2 call at once (eventual consistency); the calls that follow
    C(CreateRouteTable) on it are retried on C(InvalidRouteTableID.NotFound), and route writes on a gateway or
    NAT gateway not found, at most 10 attempts within 90 s (2 s doubling to 15 s). C(DeleteRouteTable) on
    C(DependencyViolation) right after its subnets were disassociated is retried like the other deletions of the
    collection (at most 15 attempts within 6 minutes).
  - In check mode the target of a route may be empty, a subnet may be empty or listed for several tables; these
    stand for resources an earlier task would create, and the preview shows the change. Outside check mode they
    are errors, reported before any change.
  - The identity needs C(ec2:DescribeRouteTables), and as needed C(ec2:CreateRouteTable), C(ec2:CreateTags) (also
    for the tags passed with C(CreateRouteTable)), C(ec2:DeleteTags), C(ec2:CreateRoute), C(ec2:ReplaceRoute),
    C(ec2:DeleteRoute), C(ec2:AssociateRouteTable), C(ec2:ReplaceRouteTableAssociation),
    C(ec2:DisassociateRouteTable) and C(ec2:DeleteRouteTable).
  - Route propagation, gateway (edge) associations and other route targets (transit gateways, peering connections,
    network interfaces) are not managed; routes to them are deleted when O(route_tables[].routes) is set.
  - Why it exists - it replaces C(amazon.aws.ec2_vpc_route_table), which converges one table per task with several
    reads each and sleeps about 5 s on every change (here one DescribeRouteTables for the whole set when nothing
    changes; amazon.aws 11.4). The project can drop it when an upstream module converges a set of tables in one read.
"""

EXAMPLES = r"""
- name: A public table over two subnets, a private one per AZ, an isolated one
  tap.infra.ec2_vpc_route_tables:
    vpc_id: "{{ vpc.vpc.id }}"
    route_tables:
      - name: web-public
        tags: {Tier: public}
        subnets: [subnet-0aaa, subnet-0bbb]
        routes:
          - {dest: 0.0.0.0/0, gateway_id: igw-0123}
      - name: app-private-a
        tags: {Tier: private}
        subnets: [subnet-0ccc]
        routes:
          - {dest: 0.0.0.0/0, nat_gateway_id: nat-0456}
      - name: db-isolated
        tags: {Tier: isolated}
        subnets: [subnet-0ddd]
        routes: []
  register: route_tables

- name: Their ids, in the order given
  ansible.builtin.debug:
    msg: "{{ route_tables.route_tables | map(attribute='id') }}"

- name: Delete them (disassociated first)
  tap.infra.ec2_vpc_route_tables:
    vpc_id: "{{ vpc.vpc.id }}"
    route_tables:
      - {name: web-public}
      - {name: app-private-a}
      - {name: db-isolated}
    state: absent
"""

RETURN = r"""
route_tables:
  description:
    - With O(state=present), the listed tables after the run (or as they would be, in check mode), in the order of
      O(route_tables).
    - With O(state=absent), each table deleted (or that would be), and an entry with V(null) id for a listed name
      that had no table.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description:
        - The route table id; V(null) for a table that would be created in check mode, or that was not there with
          O(state=absent).
      type: str
      sample: rtb-0123456789abcdef0
    name:
      description: The C(Name) tag.
      type: str
      sample: web-public
    tags:
      description: The tags of the table, V(aws:) tags included.
      type: dict
      sample: {Name: web-public, Tier: public}
    routes:
      description:
        - Every route of the table (the C(local) route included), with its target. In check mode the routes that
          would change are shown as they would be, without a state.
      type: list
      elements: dict
      sample: [{dest: 10.0.0.0/16, gateway_id: local, origin: CreateRouteTable, state: active},
               {dest: 0.0.0.0/0, gateway_id: igw-0123, origin: CreateRoute, state: active}]
    associations:
      description:
        - The subnet associations of the table; V(null) id for one that would be made in check mode.
      type: list
      elements: dict
      sample: [{id: rtbassoc-0123456789abcdef0, subnet_id: subnet-0aaa}]
    state:
      description:
        - With O(state=present), V(present).
        - With O(state=absent), V(deleted) for a table deleted (or that would be, in check mode), V(absent) for a name
          without a table.
      type: str
      sample: present
"""

import ipaddress

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as RouteTablesError
from ansible_collections.tap.infra.plugins.module_utils.common import list_of_dicts
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.common import updated_tags
from ansible_collections.tap.infra.plugins.module_utils.ec2 import Ec2Manager
from ansible_collections.tap.infra.plugins.module_utils.ec2 import caller
from ansible_collections.tap.infra.plugins.module_utils.ec2 import converge_vpc_list
from ansible_collections.tap.infra.plugins.module_utils.ec2 import vpc_list_module
from ansible_collections.tap.infra.plugins.module_utils.errors import error_code

# Targets of a route as DescribeRouteTables returns them (a route to an instance also names its interface).
TARGET_KEYS = (
    ("GatewayId", "gateway_id"),
    ("NatGatewayId", "nat_gateway_id"),
    ("TransitGatewayId", "transit_gateway_id"),
    ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
    ("InstanceId", "instance_id"),
    ("NetworkInterfaceId", "network_interface_id"),
    ("EgressOnlyInternetGatewayId", "egress_only_internet_gateway_id"),
    ("CarrierGatewayId", "carrier_gateway_id"),
    ("LocalGatewayId", "local_gateway_id"),
    ("CoreNetworkArn", "core_network_arn"),
)
LIVE_ASSOCIATION = ("associated", "associating")


def normalise_dest(dest):
    """The destination CIDR block as EC2 writes it, and whether it is IPv6."""
    try:
        network = ipaddress.ip_network((dest or "").strip(), strict=True)
    except ValueError as e:
        raise RouteTablesError("%s is not a CIDR block (a network address and a prefix length): %s" % (dest, e))
    return str(network), network.version == 6


def name_of(table):
    return boto3_tag_list_to_ansible_dict(table.get("Tags", [])).get("Name")


def route_dest(route):
    return route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")


def route_target(route):
    """(key, id) of the target of a route as AWS shapes it; (None, None) when there is none."""
    for key, unused in TARGET_KEYS:
        if route.get(key):
            return key, route[key]
    return None, None


def is_managed_route(route):
    """A route this module converges: made by CreateRoute to a CIDR, not a gateway endpoint's, not local."""
    if route.get("Origin", "CreateRoute") != "CreateRoute" or route.get("DestinationPrefixListId"):
        return False
    gateway = route.get("GatewayId") or ""
    return bool(route_dest(route)) and gateway != "local" and not gateway.startswith("vpce-")


def subnet_associations(table):
    """The live subnet associations of a table (not the main one, not gateway associations)."""
    return [
        a
        for a in table.get("Associations", [])
        if a.get("SubnetId")
        and not a.get("Main")
        and a.get("AssociationState", {}).get("State", "associated") in LIVE_ASSOCIATION
    ]


def route_view(route):
    result = {"dest": route_dest(route)}
    for key, option in TARGET_KEYS:
        if key in route:
            result[option] = route[key]
    if "Origin" in route:
        result["origin"] = route["Origin"]
    if "State" in route:
        result["state"] = route["State"]
    return result


def view(table, name):
    """A table (AWS shape) as the module returns it."""
    return {
        "id": table.get("RouteTableId"),
        "name": name,
        "tags": boto3_tag_list_to_ansible_dict(table.get("Tags", [])),
        "routes": [route_view(r) for r in table.get("Routes", [])],
        "associations": [
            {"id": a.get("RouteTableAssociationId"), "subnet_id": a["SubnetId"]} for a in subnet_associations(table)
        ],
        "state": "present",
    }


def diff_view(table):
    """A table as the diff shows it: id, tags, subnets, and routes as destination -> target."""
    return {
        "id": table.get("RouteTableId"),
        "tags": boto3_tag_list_to_ansible_dict(table.get("Tags", [])),
        "subnets": sorted(a["SubnetId"] for a in subnet_associations(table)),
        "routes": {route_dest(r): route_target(r)[1] for r in table.get("Routes", []) if route_dest(r)},
    }


def desired_tables(specs, check_mode):
    """The listed tables, validated and normalised; refuses what cannot be applied, before any write."""
    desired, names, owners = [], set(), {}
    for spec in specs:
        name = spec.get("name")
        if not name:
            raise RouteTablesError("every route table needs a name")
        if name in names:
            raise RouteTablesError("route table %s is listed more than once" % name)
        names.add(name)
        tags = spec.get("tags")
        if tags is not None:
            if tags.get("Name", name) != name:
                raise RouteTablesError("route table %s: its Name tag is its name, not %s" % (name, tags["Name"]))
            tags = dict(tags, Name=name)

        subnets = spec.get("subnets")
        if subnets is not None:
            unique = []
            for subnet_id in subnets:
                if not subnet_id:
                    if check_mode:
                        continue  # a subnet an earlier task would create
                    raise RouteTablesError("route table %s: a subnet id is empty" % name)
                if check_mode:
                    # Placeholders for subnets an earlier task would create repeat: each stands for one subnet.
                    unique.append(subnet_id)
                    continue
                if subnet_id in unique:
                    continue
                if subnet_id in owners:
                    raise RouteTablesError(
                        "subnet %s is listed for route tables %s and %s: a subnet has one route table"
                        % (subnet_id, owners[subnet_id], name)
                    )
                owners[subnet_id] = name
                unique.append(subnet_id)
            subnets = unique

        routes = spec.get("routes")
        if routes is not None:
            seen, normalised = set(), []
            for route in routes:
                dest, ipv6 = normalise_dest(route.get("dest"))
                if dest in seen:
                    raise RouteTablesError("route table %s: destination %s is listed more than once" % (name, dest))
                seen.add(dest)
                gateway_id, nat_gateway_id = route.get("gateway_id") or None, route.get("nat_gateway_id") or None
                if gateway_id and nat_gateway_id:
                    raise RouteTablesError(
                        "route table %s: the route to %s has both a gateway_id and a nat_gateway_id" % (name, dest)
                    )
                if gateway_id == "local":
                    raise RouteTablesError(
                        "route table %s: the local route (%s) is EC2's own and cannot be listed" % (name, dest)
                    )
                if not (gateway_id or nat_gateway_id) and not check_mode:
                    raise RouteTablesError("route table %s: the route to %s has no target" % (name, dest))
                key, target = ("NatGatewayId", nat_gateway_id) if nat_gateway_id else ("GatewayId", gateway_id)
                normalised.append({"dest": dest, "ipv6": ipv6, "key": key, "target": target})
            routes = normalised
        desired.append({"name": name, "tags": tags, "subnets": subnets, "routes": routes})
    return desired


def route_params(table_id, route):
    params = {"RouteTableId": table_id}
    params["DestinationIpv6CidrBlock" if route["ipv6"] else "DestinationCidrBlock"] = route["dest"]
    if route["target"]:
        params[route["key"]] = route["target"]
    return params


def new_association(table, subnet_id, association_id):
    """A subnet association in the shape DescribeRouteTables gives it (id None: one check mode would make)."""
    return {
        "Main": False,
        "RouteTableAssociationId": association_id,
        "RouteTableId": table["RouteTableId"],
        "SubnetId": subnet_id,
        "AssociationState": {"State": "associated"},
    }


def shaped_route(route):
    """A desired route in the shape DescribeRouteTables gives it (no state until EC2 reports one)."""
    shape = {"DestinationIpv6CidrBlock" if route["ipv6"] else "DestinationCidrBlock": route["dest"]}
    shape[route["key"]] = route["target"]
    shape["Origin"] = "CreateRoute"
    return shape


class RouteTablesManager(Ec2Manager):
    """Converges the listed route tables of one VPC. Right after CreateRouteTable (or CreateNatGateway, in an earlier
    task) other calls may not see it yet (new_resource_retry); DeleteRouteTable right after DisassociateRouteTable
    may still see the association (delete_retry)."""

    # ---- reads --------------------------------------------------------------------------------------------

    def tables_of(self, vpc_id):
        """Every route table of the VPC, with tags, associations and routes: the one read of a converged run."""
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
        return paginated(self.client, "describe_route_tables", "RouteTables", Filters=filters)

    # ---- writes -------------------------------------------------------------------------------------------

    def call(self, method, new, **params):
        """A write; retried while a resource made moments ago is not yet visible when `new` says so."""
        return caller(self.client, self.new_resource_retry if new else None)(method, **params)

    def create(self, vpc_id, spec):
        tags = spec["tags"] if spec["tags"] is not None else {"Name": spec["name"]}
        params = {"VpcId": vpc_id, "TagSpecifications": boto3_tag_specifications(tags, types="route-table")}
        try:
            table = self.client.create_route_table(aws_retry=True, **params)["RouteTable"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise RouteTablesError("route table %s could not be created in %s" % (spec["name"], vpc_id), e)
        if not table.get("Tags"):
            table["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        return table

    def write_route(self, method, table_id, name, route):
        try:
            # The target may have been created moments ago (a NAT gateway is not awaited): retried either way.
            self.new_resource_retry(getattr(self.client, method))(**route_params(table_id, route))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise RouteTablesError(
                "route table %s (%s): the route to %s via %s could not be %s"
                % (
                    name,
                    table_id,
                    route["dest"],
                    route["target"],
                    "created" if method == "create_route" else "replaced",
                ),
                e,
            )

    def delete_route(self, table_id, name, route, new):
        params = {"RouteTableId": table_id}
        if route.get("DestinationIpv6CidrBlock"):
            params["DestinationIpv6CidrBlock"] = route["DestinationIpv6CidrBlock"]
        else:
            params["DestinationCidrBlock"] = route["DestinationCidrBlock"]
        try:
            self.call("delete_route", new, **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            if error_code(e) == "InvalidRoute.NotFound":
                return  # deleted meanwhile
            raise RouteTablesError(
                "route table %s (%s): the route to %s could not be deleted" % (name, table_id, route_dest(route)), e
            )

    def associate(self, table_id, name, subnet_id):
        try:
            # The table or the subnet may have been created moments ago: retried either way.
            call = self.new_resource_retry(self.client.associate_route_table)
            return call(RouteTableId=table_id, SubnetId=subnet_id)["AssociationId"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise RouteTablesError(
                "subnet %s could not be associated with route table %s (%s)" % (subnet_id, name, table_id), e
            )

    def move(self, table_id, name, association, new):
        try:
            return self.call(
                "replace_route_table_association",
                new,
                AssociationId=association["RouteTableAssociationId"],
                RouteTableId=table_id,
            )["NewAssociationId"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise RouteTablesError(
                "subnet %s could not be moved from route table %s to %s (%s)"
                % (association["SubnetId"], association.get("RouteTableId"), name, table_id),
                e,
            )

    def disassociate(self, name, association):
        try:
            self.client.disassociate_route_table(AssociationId=association["RouteTableAssociationId"], aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            if error_code(e) == "InvalidAssociationID.NotFound":
                return  # disassociated meanwhile
            raise RouteTablesError(
                "subnet %s could not be disassociated from route table %s (%s)"
                % (association.get("SubnetId") or association.get("GatewayId"), name, association.get("RouteTableId")),
                e,
            )

    def delete(self, name, table_id):
        what = "route table %s (%s)" % (name, table_id)
        self.delete_resource("delete_route_table", what, "InvalidRouteTableID.NotFound", RouteTableId=table_id)

    # ---- desired state --------------------------------------------------------------------------------------

    def adopt(self, name, candidates):
        """The table to converge among those with the name: most associations, then lowest id."""
        ordered = sorted(candidates, key=lambda t: (-len(subnet_associations(t)), t["RouteTableId"]))
        if len(ordered) > 1:
            self.warnings.append(
                "several route tables of the VPC are named %s (%s): %s is converged, the others are left alone"
                % (name, ", ".join(t["RouteTableId"] for t in ordered), ordered[0]["RouteTableId"])
            )
        return ordered[0]

    def converge_tags(self, table, spec, purge_tags, new):
        current = boto3_tag_list_to_ansible_dict(table.get("Tags", []))
        wanted = spec["tags"] if spec["tags"] is not None else dict(current, Name=spec["name"])
        to_set, to_unset = compare_aws_tags(
            current, wanted, purge_tags=purge_tags if spec["tags"] is not None else False
        )
        if not (to_set or to_unset):
            return
        if not self.check_mode:
            table_id = table.get("RouteTableId")
            self.fix_tags(table_id, to_set, to_unset, "route table %s (%s)" % (spec["name"], table_id), new=new)
        self.changed = True
        table["Tags"] = ansible_dict_to_boto3_tag_list(updated_tags(current, to_set, to_unset))

    def converge_routes(self, table, spec, new):
        if spec["routes"] is None:
            return
        table_id = table.get("RouteTableId")
        routes = table.setdefault("Routes", [])
        managed = {route_dest(r): r for r in routes if is_managed_route(r)}
        for route in spec["routes"]:
            current = managed.pop(route["dest"], None)
            if current is not None and route["target"] and current.get(route["key"]) == route["target"]:
                continue
            if current is None and any(route_dest(r) == route["dest"] for r in routes):
                raise RouteTablesError(
                    "route table %s: the route to %s is not one this module manages (local, propagated or a "
                    "gateway endpoint's)" % (spec["name"], route["dest"])
                )
            if not self.check_mode:
                self.write_route("create_route" if current is None else "replace_route", table_id, spec["name"], route)
            self.changed = True
            shape = shaped_route(route)
            if current is None:
                routes.append(shape)
            else:
                routes[routes.index(current)] = shape
        for extra in managed.values():
            if not self.check_mode:
                self.delete_route(table_id, spec["name"], extra, new)
            self.changed = True
            routes.remove(extra)

    def ensure_present(self, vpc_id, specs, purge_tags=True):
        desired = desired_tables(specs, self.check_mode)
        if not desired:
            return self.report({}, {}, route_tables=[])
        existing = self.tables_of(vpc_id)
        by_name = {}
        for table in existing:
            by_name.setdefault(name_of(table), []).append(table)

        # The one table per listed name (created now when missing), and whether this run created it.
        tables, new, before = [], [], {}
        for spec in desired:
            candidates = by_name.get(spec["name"])
            if candidates:
                table = self.adopt(spec["name"], candidates)
                before[spec["name"]] = diff_view(table)
                new.append(False)
            else:
                if self.check_mode:
                    tags = spec["tags"] if spec["tags"] is not None else {"Name": spec["name"]}
                    table = {"RouteTableId": None, "VpcId": vpc_id, "Tags": ansible_dict_to_boto3_tag_list(tags)}
                    table.update({"Routes": [], "Associations": []})
                else:
                    table = self.create(vpc_id, spec)
                self.changed = True
                new.append(True)
            tables.append(table)

        for table, spec, is_new in zip(tables, desired, new):
            self.converge_tags(table, spec, purge_tags, is_new)
            self.converge_routes(table, spec, is_new)

        # Where each subnet is associated now, in any table of the VPC.
        association_of = {}
        for table in existing:
            for association in subnet_associations(table):
                association_of[association["SubnetId"]] = (table, association)
        wanted_in, listed = {}, {}
        for table, spec in zip(tables, desired):
            for subnet_id in spec["subnets"] or []:
                wanted_in.setdefault(subnet_id, table)
                listed[subnet_id] = listed.get(subnet_id, 0) + 1

        for table, spec, is_new in zip(tables, desired, new):
            if spec["subnets"] is None:
                continue
            for subnet_id in spec["subnets"]:
                if listed[subnet_id] > 1:
                    # Check mode only: a placeholder listed more than once, each time for a subnet to be created.
                    self.changed = True
                    table.setdefault("Associations", []).append(new_association(table, subnet_id, None))
                    continue
                holder, association = association_of.get(subnet_id, (None, None))
                if holder is table:
                    continue
                if holder is None:
                    association_id = None
                    if not self.check_mode:
                        association_id = self.associate(table["RouteTableId"], spec["name"], subnet_id)
                else:
                    association_id = None
                    if not self.check_mode:
                        association_id = self.move(table["RouteTableId"], spec["name"], association, is_new)
                    holder["Associations"].remove(association)
                self.changed = True
                table.setdefault("Associations", []).append(new_association(table, subnet_id, association_id))
            for association in subnet_associations(table):
                # Not listed here nor for another listed table (those are moved, above or below).
                if association["SubnetId"] not in wanted_in:
                    if not self.check_mode:
                        self.disassociate(spec["name"], association)
                    self.changed = True
                    table["Associations"].remove(association)

        results = [view(table, spec["name"]) for table, spec in zip(tables, desired)]
        after = {spec["name"]: diff_view(table) for table, spec in zip(tables, desired)}
        return self.report(before, after, route_tables=results)

    def ensure_absent(self, vpc_id, specs):
        names = []
        for spec in specs:
            if spec.get("name") and spec["name"] not in names:
                names.append(spec["name"])
        if not names:
            return self.report({}, {}, route_tables=[])
        existing = self.tables_of(vpc_id)

        results, before = [], {}
        for name in names:
            found = sorted((t for t in existing if name_of(t) == name), key=lambda t: t["RouteTableId"])
            if not found:
                results.append(
                    {"id": None, "name": name, "tags": {}, "routes": [], "associations": [], "state": "absent"}
                )
                continue
            for table in found:
                if any(a.get("Main") for a in table.get("Associations", [])):
                    raise RouteTablesError(
                        "route table %s (%s) is the main route table of %s and cannot be deleted"
                        % (name, table["RouteTableId"], vpc_id)
                    )
            for index, table in enumerate(found):
                before[name if index == 0 else "%s (%s)" % (name, table["RouteTableId"])] = diff_view(table)
                result = view(table, name)
                if not self.check_mode:
                    for association in table.get("Associations", []):
                        if association.get("AssociationState", {}).get("State", "associated") != "disassociated":
                            self.disassociate(name, association)
                    self.delete(name, table["RouteTableId"])
                self.changed = True
                result["state"] = "deleted"
                results.append(result)
        return self.report(before, {}, route_tables=results)


def main():
    route = dict(dest=dict(type="str", required=True), gateway_id=dict(type="str"), nat_gateway_id=dict(type="str"))
    table = dict(
        name=dict(type="str", required=True),
        tags=dict(type="dict"),
        subnets=dict(type="list", elements="str"),
        routes=list_of_dicts(route),
    )
    module = vpc_list_module("route_tables", table)
    converge_vpc_list(module, new_manager(module, RouteTablesManager, "ec2"), "route_tables", "route tables")


if __name__ == "__main__":
    main()
