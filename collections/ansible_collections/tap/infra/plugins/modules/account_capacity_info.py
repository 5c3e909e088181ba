#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: account_capacity_info
short_description: Whether an AWS account and region can take what a deployment adds
version_added: 0.2.0
description:
  - Read-only checks a first deploy on a real account meets, each with a bounded number of read calls whatever
    the account holds; returns one message per problem, naming the fix, and one note per check the endpoint
    could not answer (the check is then skipped, not failed).
  - The region is enabled for the account (EC2 C(DescribeRegions) with C(AllRegions), its C(OptInStatus)).
  - Room for what the deployment adds beyond what it already has (resources carrying O(tags) are counted as its
    own). What the account has is listed first; the limit is read only when the deployment adds some, so a re-run
    of a deployed stack reads no limit. Elastic IPs (C(DescribeAddresses), then EC2 C(DescribeAccountAttributes)
    C(vpc-max-elastic-ips)), VPCs (C(DescribeVpcs), then Service Quotas C(L-F678F1CE)), NAT gateways per zone
    (C(DescribeNatGateways), then C(DescribeSubnets) of those and Service Quotas C(L-FE5A380F), unless the
    deployment already has one in every zone), Application Load Balancers (C(DescribeLoadBalancers), then ELBv2
    C(DescribeAccountLimits)), DB instances (RDS C(DescribeDBInstances), then Service Quotas C(L-7B6409FD)).
  - The DB engine version is offered for the instance class in the region (RDS
    C(DescribeOrderableDBInstanceOptions) filtered by engine, version and class, one page); not read when the
    deployment's DB instance already runs that version on that class.
author:
  - tap-infra maintainers (@tap-infra)
options:
  zones:
    description: The zone names the deployment uses (NAT gateways are counted per zone).
    type: list
    elements: str
    default: []
  tags:
    description: Tags that mark the deployment's own resources (they are not counted as additions).
    type: dict
    default: {}
  adds:
    description:
      - How many of each the deployment holds once deployed; keys V(vpcs), V(elastic_ips), V(nat_gateways_per_zone),
        V(load_balancers), V(db_instances). A missing key is not checked.
    type: dict
    default: {}
  load_balancer_name:
    description: The deployment's load balancer (counted as its own when it exists).
    type: str
  db_instance_identifier:
    description: The deployment's DB instance (counted as its own when it exists).
    type: str
  db_engine:
    description: The DB engine (V(postgres)); with O(db_engine_version) and O(db_instance_class), checks the offer.
    type: str
  db_engine_version:
    description: The DB engine version.
    type: str
  db_instance_class:
    description: The DB instance class.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Why it exists. No upstream module reads Service Quotas, ELBv2 account limits or orderable DB options;
    M(amazon.aws.aws_region_info) does not pass C(AllRegions), so it cannot tell a disabled region from a missing
    one; the C(amazon.aws.aws_account_attribute) lookup does not take the play's module defaults. The project
    would drop this module for upstream info modules covering these account-level APIs.
  - The identity needs C(ec2:DescribeRegions), C(ec2:DescribeAccountAttributes), C(ec2:DescribeAddresses),
    C(ec2:DescribeVpcs), C(ec2:DescribeNatGateways), C(ec2:DescribeSubnets), C(servicequotas:GetServiceQuota),
    C(elasticloadbalancing:DescribeAccountLimits), C(elasticloadbalancing:DescribeLoadBalancers),
    C(rds:DescribeDBInstances) and C(rds:DescribeOrderableDBInstanceOptions); a check denied is skipped
    with a note.
  - Supports check mode (it only reads).
"""

EXAMPLES = r"""
- name: Check that the account has room for the stack
  tap.infra.account_capacity_info:
    zones: [us-east-1a, us-east-1b]
    tags: {Project: tap-infra, Environment: prod}
    load_balancer_name: tap-prod-us-east-1-alb
    db_instance_identifier: tap-prod-us-east-1-db
    adds: {vpcs: 1, elastic_ips: 2, nat_gateways_per_zone: 1, load_balancers: 1, db_instances: 1}
    db_engine: postgres
    db_engine_version: "17.7"
    db_instance_class: db.t3.micro
  register: capacity

- name: Stop on any problem
  ansible.builtin.assert:
    that: capacity.problems | length == 0
    fail_msg: "{{ capacity.problems | join('\n') }}"
"""

RETURN = r"""
problems:
  description: One message per problem, each naming the region, the figure and the fix.
  returned: always
  type: list
  elements: str
notes:
  description: One message per check the endpoint could not answer (skipped).
  returned: always
  type: list
  elements: str
room:
  description:
    - Per resource kind (NAT gateways per zone, V(nat_gateways:<zone>)), what the account has, its own, and the
      maximum; the maximum is null when the deployment adds none of the kind (the limit is not read).
    - V(nat_gateways) (no zone) when the deployment already has its gateways in every zone.
  returned: always
  type: dict
  sample: {"elastic_ips": {"used": 3, "own": 0, "max": 5}}
"""

try:
    import botocore
    import botocore.parsers
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.tap.infra.plugins.module_utils.common import aws_module

# What an endpoint without the API answers (an emulator, a partition without Service Quotas), or a denial: skip.
UNANSWERED = {
    "NotImplemented",
    "InvalidAction",
    "UnknownOperationException",
    "UnsupportedOperation",
    "NoSuchResourceException",
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
}
ENABLED = ("opt-in-not-required", "opted-in")
# kind: (its name in messages, the check's name in notes); the Service Quotas quota of the kinds that have one.
KINDS = {
    "elastic_ips": ("Elastic IP addresses", "The Elastic IP check"),
    "vpcs": ("VPCs", "The VPC check"),
    "nat_gateways": ("NAT gateways", "The NAT gateway check"),
    "load_balancers": ("Application Load Balancers", "The load balancer check"),
    "db_instances": ("DB instances", "The DB instance check"),
}
QUOTAS = {
    "vpcs": ("vpc", "L-F678F1CE", "VPCs per Region"),
    "nat_gateways": ("vpc", "L-FE5A380F", "NAT gateways per Availability Zone"),
    "db_instances": ("rds", "L-7B6409FD", "DB instances"),
}
LIVE_NAT_STATES = ["pending", "available"]


class Unanswered(Exception):
    pass


def _code(exception):
    return exception.response.get("Error", {}).get("Code", "") if hasattr(exception, "response") else ""


class CapacityChecks:
    def __init__(self, clients, region, tags, names=None):
        self.clients = clients
        self.region = region
        self.tags = tags or {}
        self.names = names or {}
        self.problems = []
        self.notes = []
        self.room = {}
        self.db_instance = None  # the deployment's DB instance, when the DB instance check found it

    def call(self, service, operation, what, **params):
        try:
            return getattr(self.clients(service), operation)(**params)
        except botocore.parsers.ResponseParserError:
            self.notes.append("%s in %s skipped: the endpoint's answer to %s is not AWS's" % (what, self.region, operation))
            raise Unanswered()
        except botocore.exceptions.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if _code(exc) in UNANSWERED or status in (404, 501):
                self.notes.append(
                    "%s in %s skipped: the endpoint did not answer %s (%s)"
                    % (what, self.region, getattr(exc, "operation_name", operation), _code(exc))
                )
                raise Unanswered()
            raise

    def _own(self, items, tag_key="Tags"):
        if not self.tags:
            return 0
        own = 0
        for item in items:
            tags = {tag["Key"]: tag["Value"] for tag in item.get(tag_key) or []}
            own += all(tags.get(key) == value for key, value in self.tags.items())
        return own

    def _need(self, kind, items, own, read_limit, wanted):
        """A problem when `items` (what the account has, `own` of them the deployment's) plus what the deployment
        still adds exceed the limit; `read_limit()` gives (maximum, fix) and is called only when the deployment
        adds some (a re-run of a deployed stack reads no limit)."""
        base, _sep, zone = kind.partition(":")
        label = KINDS[base][0] + (" of zone %s" % zone if zone else "")
        used = len(items)
        adds = max(0, wanted - own)
        self.room[kind] = {"used": used, "own": own, "max": None}
        if not adds:
            return
        maximum, fix = read_limit()
        self.room[kind]["max"] = maximum
        if used + adds > maximum:
            self.problems.append(
                "%s in %s: the account uses %d of %d and this deploy adds %d: %s"
                % (label, self.region, used, maximum, adds, fix)
            )

    def region_enabled(self):
        regions = self.call(
            "ec2", "describe_regions", "The region check", RegionNames=[self.region], AllRegions=True
        ).get("Regions", [])
        status = regions[0].get("OptInStatus", "opt-in-not-required") if regions else "unknown"
        if status not in ENABLED:
            self.problems.append(
                "region %s is not enabled for this account (%s): enable it (AWS console: Account > AWS Regions, or "
                "`aws account enable-region --region-name %s`) and wait until it is ENABLED" % (self.region, status, self.region)
            )
            return False
        return True

    def quota(self, kind):
        service, code, name = QUOTAS[kind]
        answer = self.call("service-quotas", "get_service_quota", KINDS[kind][1], ServiceCode=service, QuotaCode=code)
        return int(answer["Quota"]["Value"]), "raise the Service Quotas quota %s (%s) for %s" % (code, name, self.region)

    def elastic_ips(self, wanted):
        what = KINDS["elastic_ips"][1]
        addresses = self.call("ec2", "describe_addresses", what)["Addresses"]

        def limit():
            attribute = self.call("ec2", "describe_account_attributes", what, AttributeNames=["vpc-max-elastic-ips"])
            maximum = int(attribute["AccountAttributes"][0]["AttributeValues"][0]["AttributeValue"])
            return maximum, "release unused addresses or raise the quota L-0263D0A3 (EC2-VPC Elastic IPs)"

        self._need("elastic_ips", addresses, self._own(addresses), limit, wanted)

    def vpcs(self, wanted):
        vpcs = self.call("ec2", "describe_vpcs", KINDS["vpcs"][1], MaxResults=1000)["Vpcs"]
        self._need("vpcs", vpcs, self._own(vpcs), lambda: self.quota("vpcs"), wanted)

    def nat_gateways(self, wanted, zones):
        what = KINDS["nat_gateways"][1]
        live = [{"Name": "state", "Values": LIVE_NAT_STATES}]
        nats = self.call("ec2", "describe_nat_gateways", what, Filter=live, MaxResults=1000)["NatGateways"]
        own = self._own(nats)
        if zones and own >= wanted * len(zones):
            # The deployment already has its gateways (one per zone): it adds none, so neither the zones of
            # the account's gateways nor the quota are read.
            self.room["nat_gateways"] = {"used": len(nats), "own": own, "max": None}
            return
        subnet_ids = sorted({nat["SubnetId"] for nat in nats})
        subnets = self.call("ec2", "describe_subnets", what, SubnetIds=subnet_ids)["Subnets"] if subnet_ids else []
        zone_of = {subnet["SubnetId"]: subnet["AvailabilityZone"] for subnet in subnets}
        quota = []  # read once, for the first zone that needs one

        def limit():
            if not quota:
                quota.append(self.quota("nat_gateways"))
            return quota[0]

        for zone in zones:
            in_zone = [nat for nat in nats if zone_of.get(nat["SubnetId"]) == zone]
            self._need("nat_gateways:" + zone, in_zone, self._own(in_zone), limit, wanted)

    def load_balancers(self, wanted):
        what = KINDS["load_balancers"][1]
        listed = self.call("elbv2", "describe_load_balancers", what, PageSize=400)["LoadBalancers"]
        balancers = [balancer for balancer in listed if balancer.get("Type", "application") == "application"]
        # Tags of load balancers need another call per 20 of them: the deployment's own is found by its name.
        own = len([b for b in balancers if b["LoadBalancerName"] == self.names.get("load_balancer")])

        def limit():
            limits = self.call("elbv2", "describe_account_limits", what)["Limits"]
            maximum = int(next(limit["Max"] for limit in limits if limit["Name"] == "application-load-balancers"))
            return maximum, "delete unused load balancers or raise the quota L-53DA6B97 (Application Load Balancers)"

        self._need("load_balancers", balancers, own, limit, wanted)

    def db_instances(self, wanted):
        # RDS DescribeAccountAttributes also gives usage and maximum, but emulators do not answer it (moto: 500,
        # retried to the last attempt); Service Quotas answers "not found" at once where it does not know RDS.
        instances = self.call("rds", "describe_db_instances", KINDS["db_instances"][1], MaxRecords=100)["DBInstances"]
        ours = [i for i in instances if i["DBInstanceIdentifier"] == self.names.get("db_instance")]
        self.db_instance = ours[0] if ours else None
        self._need("db_instances", instances, len(ours), lambda: self.quota("db_instances"), wanted)

    def db_offer(self, engine, version, instance_class):
        what = "The DB engine offer check"
        current = self.db_instance or {}
        if (current.get("Engine"), current.get("EngineVersion"), current.get("DBInstanceClass")) == (
            engine,
            version,
            instance_class,
        ):
            return  # the deployment's instance already runs it
        offered = self.call(
            "rds",
            "describe_orderable_db_instance_options",
            what,
            Engine=engine,
            EngineVersion=version,
            DBInstanceClass=instance_class,
            MaxRecords=20,
        )["OrderableDBInstanceOptions"]
        if offered:
            return
        # Nothing at all for the engine: the endpoint does not know RDS's offer (an emulator): skip.
        any_offer = self.call(
            "rds", "describe_orderable_db_instance_options", what, Engine=engine, MaxRecords=20
        )["OrderableDBInstanceOptions"]
        if not any_offer:
            self.notes.append(
                "%s in %s skipped: the endpoint offers no %s option at all" % (what, self.region, engine)
            )
            return
        self.problems.append(
            "%s %s on %s is not offered in %s: choose a version and class RDS offers there "
            "(`aws rds describe-orderable-db-instance-options --engine %s --engine-version %s --region %s`, or "
            "`aws rds describe-db-engine-versions --engine %s`) and set rds_engine_version / rds_instance_class"
            % (engine, version, instance_class, self.region, engine, version, self.region, engine)
        )


def run_checks(checks, params):
    if not _attempt(checks.region_enabled):
        return
    adds = params["adds"] or {}
    steps = [
        ("elastic_ips", checks.elastic_ips),
        ("vpcs", checks.vpcs),
        ("nat_gateways_per_zone", lambda n: checks.nat_gateways(n, params["zones"])),
        ("load_balancers", checks.load_balancers),
        ("db_instances", checks.db_instances),
    ]
    for key, step in steps:
        if key in adds:
            _attempt(step, int(adds[key]))
    if params["db_engine"] and params["db_engine_version"] and params["db_instance_class"]:
        _attempt(checks.db_offer, params["db_engine"], params["db_engine_version"], params["db_instance_class"])


def _attempt(step, *args):
    try:
        result = step(*args)
    except Unanswered:
        return True
    return result is not False


def main():
    argument_spec = dict(
        zones=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", default={}),
        adds=dict(type="dict", default={}),
        load_balancer_name=dict(type="str"),
        db_instance_identifier=dict(type="str"),
        db_engine=dict(type="str"),
        db_engine_version=dict(type="str"),
        db_instance_class=dict(type="str"),
    )
    module = aws_module(argument_spec)
    clients = {}

    def client(service):
        if service not in clients:
            clients[service] = module.client(service)
        return clients[service]

    names = {"load_balancer": module.params["load_balancer_name"], "db_instance": module.params["db_instance_identifier"]}
    checks = CapacityChecks(client, module.region, module.params["tags"], names)
    try:
        run_checks(checks, module.params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        module.fail_json_aws(exc, msg="Failed to read the account's capacity in %s" % module.region)
    module.exit_json(changed=False, problems=checks.problems, notes=checks.notes, room=checks.room)


if __name__ == "__main__":
    main()
