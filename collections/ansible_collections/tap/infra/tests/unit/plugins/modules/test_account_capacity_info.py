# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""account_capacity_info against botocore Stubbers with AWS's response shapes: one message per problem, a bounded
number of reads, a check the endpoint does not answer skipped with a note."""

from functools import partial

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from ansible_collections.tap.infra.plugins.modules import account_capacity_info
from ansible_collections.tap.infra.plugins.modules.account_capacity_info import CapacityChecks, run_checks

from ansible_collections.tap.infra.tests.unit.plugins.modules import utils
from ansible_collections.tap.infra.tests.unit.plugins.modules.utils import raw_client

OURS = {"Project": "tap-infra", "Environment": "prod"}
OUR_TAGS = [{"Key": key, "Value": value} for key, value in OURS.items()]


def params(**changes):
    base = {
        "zones": ["us-east-1b", "us-east-1c"],
        "adds": {},
        "db_engine": None,
        "db_engine_version": None,
        "db_instance_class": None,
    }
    base.update(changes)
    return base


class Clients:
    """Stubbed clients of EC2 (the region check answered first, with `region_status`) and of `services`."""

    def __init__(self, *services, region_status="opt-in-not-required", regions=None):
        self.raw = {service: raw_client(service) for service in ("ec2",) + services}
        self.stubs = {service: Stubber(client) for service, client in self.raw.items()}
        for stub in self.stubs.values():
            stub.activate()
        region = {"RegionName": "us-east-1", "Endpoint": "ec2.us-east-1.amazonaws.com", "OptInStatus": region_status}
        self.answer_region([region] if regions is None else regions)

    def answer_region(self, regions):
        self.answer("ec2", "describe_regions", {"Regions": regions}, {"RegionNames": ["us-east-1"], "AllRegions": True})

    def __call__(self, service):
        return self.raw[service]

    def answer(self, service, operation, response, expected=None):
        self.stubs[service].add_response(operation, response, expected or {})

    def run(self, names=None, **changes):
        checks = CapacityChecks(self, "us-east-1", OURS, names)
        run_checks(checks, params(**changes))
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()
        return checks


def test_a_region_not_enabled_is_one_problem_and_nothing_else_is_read():
    checks = Clients(region_status="not-opted-in").run(adds={"vpcs": 1, "elastic_ips": 2})
    assert checks.problems == [
        "region us-east-1 is not enabled for this account (not-opted-in): enable it (AWS console: Account > AWS "
        "Regions, or `aws account enable-region --region-name us-east-1`) and wait until it is ENABLED"
    ]


def test_elastic_ips_full_names_the_figures_and_the_fix_and_counts_our_own_as_there():
    clients = Clients()
    addresses = [{"AllocationId": "eipalloc-%d" % n, "PublicIp": "198.51.100.%d" % n} for n in range(3)]
    addresses.append({"AllocationId": "eipalloc-9", "PublicIp": "198.51.100.9", "Tags": OUR_TAGS})
    clients.answer("ec2", "describe_addresses", {"Addresses": addresses})
    attribute = {"AttributeName": "vpc-max-elastic-ips", "AttributeValues": [{"AttributeValue": "5"}]}
    clients.answer(
        "ec2",
        "describe_account_attributes",
        {"AccountAttributes": [attribute]},
        {"AttributeNames": ["vpc-max-elastic-ips"]},
    )
    checks = clients.run(adds={"elastic_ips": 3})
    # 4 used, 1 of them ours: the deploy adds 2, 6 > 5.
    assert checks.problems == [
        "Elastic IP addresses in us-east-1: the account uses 4 of 5 and this deploy adds 2: release unused addresses "
        "or raise the quota L-0263D0A3 (EC2-VPC Elastic IPs)"
    ]
    assert checks.room["elastic_ips"] == {"used": 4, "own": 1, "max": 5}


def test_a_redeploy_adds_nothing_so_a_full_account_is_no_problem_and_no_quota_is_read():
    # The Stubber refuses any call not queued: GetServiceQuota is not made.
    clients = Clients("service-quotas")
    vpcs = [{"VpcId": "vpc-%d" % n} for n in range(4)] + [{"VpcId": "vpc-9", "Tags": OUR_TAGS}]
    clients.answer("ec2", "describe_vpcs", {"Vpcs": vpcs}, {"MaxResults": 1000})
    checks = clients.run(adds={"vpcs": 1})
    assert checks.problems == [] and checks.room["vpcs"] == {"used": 5, "own": 1, "max": None}


def test_a_check_the_endpoint_does_not_answer_is_a_note_and_the_next_check_runs():
    clients = Clients("service-quotas", "elbv2")
    clients.stubs["service-quotas"].add_client_error(
        "get_service_quota",
        "NoSuchResourceException",
        "The request failed because the specified service does not exist.",
    )
    clients.answer("ec2", "describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1"}]}, {"MaxResults": 1000})
    ours = {"LoadBalancerName": "tap-prod-us-east-1-alb", "Type": "application"}
    clients.answer("elbv2", "describe_load_balancers", {"LoadBalancers": [ours]}, {"PageSize": 400})
    checks = clients.run({"load_balancer": "tap-prod-us-east-1-alb"}, adds={"vpcs": 1, "load_balancers": 1})
    assert checks.problems == []
    assert checks.notes == [
        "The VPC check in us-east-1 skipped: the endpoint did not answer GetServiceQuota (NoSuchResourceException)"
    ]
    assert checks.room["load_balancers"] == {"used": 1, "own": 1, "max": None}


def test_an_engine_version_not_offered_for_the_class_names_the_fix():
    clients = Clients("rds")
    offer = {"Engine": "postgres", "EngineVersion": "15.3", "DBInstanceClass": "db.t3.micro", "MaxRecords": 20}
    clients.answer("rds", "describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": []}, offer)
    other = {"Engine": "postgres", "EngineVersion": "17.7", "DBInstanceClass": "db.t3.micro"}
    clients.answer(
        "rds",
        "describe_orderable_db_instance_options",
        {"OrderableDBInstanceOptions": [other]},
        {"Engine": "postgres", "MaxRecords": 20},
    )
    checks = clients.run(db_engine="postgres", db_engine_version="15.3", db_instance_class="db.t3.micro")
    assert len(checks.problems) == 1
    assert checks.problems[0].startswith("postgres 15.3 on db.t3.micro is not offered in us-east-1: choose a version")


def test_an_empty_region_list_is_a_region_of_unknown_status_and_stops_the_checks():
    checks = Clients(regions=[]).run(adds={"elastic_ips": 1})
    assert len(checks.problems) == 1
    assert checks.problems[0].startswith("region us-east-1 is not enabled for this account (unknown): enable it")
    assert checks.room == {}


def test_nat_gateways_are_counted_per_zone_of_their_subnet():
    clients = Clients("service-quotas")
    quota = {"ServiceCode": "vpc", "QuotaCode": "L-FE5A380F", "Value": 5.0}
    clients.answer(
        "service-quotas", "get_service_quota", {"Quota": quota}, {"ServiceCode": "vpc", "QuotaCode": "L-FE5A380F"}
    )

    def nat(n, subnet, tags=None):
        gateway = {"NatGatewayId": "nat-%017d" % n, "SubnetId": subnet, "VpcId": "vpc-1", "State": "available"}
        return dict(gateway, Tags=tags) if tags else gateway

    # Five foreign gateways in us-east-1b, our own in us-east-1c, one in us-east-1a (a zone the deployment skips).
    nats = [nat(n, "subnet-b") for n in range(5)] + [nat(7, "subnet-c", OUR_TAGS), nat(8, "subnet-a")]
    live = [{"Name": "state", "Values": ["pending", "available"]}]
    clients.answer("ec2", "describe_nat_gateways", {"NatGateways": nats}, {"Filter": live, "MaxResults": 1000})
    subnets = [
        {
            "SubnetId": "subnet-%s" % zone,
            "AvailabilityZone": "us-east-1%s" % zone,
            "VpcId": "vpc-1",
            "State": "available",
        }
        for zone in "abc"
    ]
    clients.answer("ec2", "describe_subnets", {"Subnets": subnets}, {"SubnetIds": ["subnet-a", "subnet-b", "subnet-c"]})
    checks = clients.run(adds={"nat_gateways_per_zone": 1})
    assert checks.problems == [
        "NAT gateways of zone us-east-1b in us-east-1: the account uses 5 of 5 and this deploy adds 1: raise the "
        "Service Quotas quota L-FE5A380F (NAT gateways per Availability Zone) for us-east-1"
    ]
    assert checks.room == {
        "nat_gateways:us-east-1b": {"used": 5, "own": 0, "max": 5},
        "nat_gateways:us-east-1c": {"used": 1, "own": 1, "max": None},
    }


def test_no_nat_gateway_at_all_reads_no_subnet():
    clients = Clients("service-quotas")
    quota = {"ServiceCode": "vpc", "QuotaCode": "L-FE5A380F", "Value": 5.0}
    clients.answer(
        "service-quotas", "get_service_quota", {"Quota": quota}, {"ServiceCode": "vpc", "QuotaCode": "L-FE5A380F"}
    )
    live = [{"Name": "state", "Values": ["pending", "available"]}]
    clients.answer("ec2", "describe_nat_gateways", {"NatGateways": []}, {"Filter": live, "MaxResults": 1000})
    # The Stubber refuses any call not queued: describe_subnets is not made.
    checks = clients.run(adds={"nat_gateways_per_zone": 1})
    assert checks.problems == []
    assert checks.room["nat_gateways:us-east-1b"] == {"used": 0, "own": 0, "max": 5}


def db_instance(identifier):
    return {
        "DBInstanceIdentifier": identifier,
        "DBInstanceClass": "db.t3.micro",
        "Engine": "postgres",
        "DBInstanceStatus": "available",
    }


def test_db_instances_full_names_the_quota_and_ours_is_found_by_its_identifier():
    clients = Clients("service-quotas", "rds")
    quota = {"ServiceCode": "rds", "QuotaCode": "L-7B6409FD", "Value": 40.0}
    expected = {"ServiceCode": "rds", "QuotaCode": "L-7B6409FD"}
    instances = [db_instance("other-%d" % n) for n in range(40)]
    clients.answer("service-quotas", "get_service_quota", {"Quota": quota}, expected)
    clients.answer("rds", "describe_db_instances", {"DBInstances": instances}, {"MaxRecords": 100})
    full = clients.run({"db_instance": "tap-prod-us-east-1-db"}, adds={"db_instances": 1})
    assert full.problems == [
        "DB instances in us-east-1: the account uses 40 of 40 and this deploy adds 1: raise the Service Quotas quota "
        "L-7B6409FD (DB instances) for us-east-1"
    ]
    clients.answer_region([{"RegionName": "us-east-1", "OptInStatus": "opted-in"}])
    ours = instances[:39] + [db_instance("tap-prod-us-east-1-db")]
    clients.answer("rds", "describe_db_instances", {"DBInstances": ours}, {"MaxRecords": 100})
    redeploy = clients.run({"db_instance": "tap-prod-us-east-1-db"}, adds={"db_instances": 1})
    assert redeploy.problems == [] and redeploy.room["db_instances"] == {"used": 40, "own": 1, "max": None}


def test_load_balancers_other_than_application_ones_are_not_counted():
    clients = Clients("elbv2")
    limits = [{"Name": "network-load-balancers", "Max": "50"}, {"Name": "application-load-balancers", "Max": "2"}]
    listed = [
        {"LoadBalancerName": "a", "Type": "application"},
        {"LoadBalancerName": "b", "Type": "application"},
        {"LoadBalancerName": "n", "Type": "network"},
        {"LoadBalancerName": "g", "Type": "gateway"},
    ]
    clients.answer("elbv2", "describe_load_balancers", {"LoadBalancers": listed}, {"PageSize": 400})
    clients.answer("elbv2", "describe_account_limits", {"Limits": limits})
    checks = clients.run({"load_balancer": "tap-prod-us-east-1-alb"}, adds={"load_balancers": 1})
    assert checks.problems == [
        "Application Load Balancers in us-east-1: the account uses 2 of 2 and this deploy adds 1: delete unused load "
        "balancers or raise the quota L-53DA6B97 (Application Load Balancers)"
    ]


def test_an_offered_engine_version_is_no_problem_and_reads_once():
    clients = Clients("rds")
    offer = {"Engine": "postgres", "EngineVersion": "17.7", "DBInstanceClass": "db.t3.micro"}
    asked = dict(offer, MaxRecords=20)
    clients.answer("rds", "describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": [offer]}, asked)
    checks = clients.run(db_engine="postgres", db_engine_version="17.7", db_instance_class="db.t3.micro")
    assert checks.problems == [] and checks.notes == []


def test_an_endpoint_offering_nothing_for_the_engine_skips_the_offer_check_with_a_note():
    clients = Clients("rds")
    asked = {"Engine": "postgres", "EngineVersion": "17.7", "DBInstanceClass": "db.t3.micro", "MaxRecords": 20}
    clients.answer("rds", "describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": []}, asked)
    any_offer = {"Engine": "postgres", "MaxRecords": 20}
    clients.answer("rds", "describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": []}, any_offer)
    checks = clients.run(db_engine="postgres", db_engine_version="17.7", db_instance_class="db.t3.micro")
    assert checks.problems == []
    assert checks.notes == [
        "The DB engine offer check in us-east-1 skipped: the endpoint offers no postgres option at all"
    ]


class NotAws:
    """An EC2 client whose endpoint answers every request with a page that is not AWS's XML (a proxy's or a web
    server's): botocore's parser raises ResponseParserError."""

    def __init__(self):
        self.ec2 = raw_client("ec2")
        self.ec2.meta.events.register("before-send", self.send)
        self.sent = 0

    def send(self, request, **kwargs):
        self.sent += 1
        return AWSResponse(request.url, 200, {"Content-Type": "text/html"}, self)

    def stream(self, **kwargs):
        yield b"<html><body>It works!</body>"

    def __call__(self, service):
        assert service == "ec2"
        return self.ec2


def test_an_answer_that_is_not_aws_s_skips_each_check_with_a_note():
    endpoint = NotAws()
    checks = CapacityChecks(endpoint, "us-east-1", OURS)
    run_checks(checks, params(adds={"elastic_ips": 1}))
    assert checks.problems == [] and checks.room == {}
    assert checks.notes == [
        "The region check in us-east-1 skipped: the endpoint's answer to describe_regions is not AWS's",
        "The Elastic IP check in us-east-1 skipped: the endpoint's answer to describe_addresses is not AWS's",
    ]
    assert endpoint.sent == 2


class FakeModule(utils.FakeModule):
    region = "us-east-1"

    def __init__(self, params, clients):
        full = {"load_balancer_name": None, "db_instance_identifier": None, "tags": {}}
        full.update(params)
        super().__init__(full, clients)
        self.asked = []

    def client(self, service, retry_decorator=None):
        self.asked.append(service)
        return super().client(service, retry_decorator)


run_main = partial(utils.run_main, account_capacity_info)


def test_main_returns_problems_notes_and_room_and_makes_one_client_per_service(monkeypatch):
    clients = Clients()
    # Tagged as the deployment's, but the module was given no tags: every address counts as another's.
    addresses = [
        {"AllocationId": "eipalloc-%d" % n, "PublicIp": "198.51.100.%d" % n, "Tags": OUR_TAGS} for n in range(4)
    ]
    clients.answer("ec2", "describe_addresses", {"Addresses": addresses})
    attribute = {"AttributeName": "vpc-max-elastic-ips", "AttributeValues": [{"AttributeValue": "5"}]}
    clients.answer(
        "ec2",
        "describe_account_attributes",
        {"AccountAttributes": [attribute]},
        {"AttributeNames": ["vpc-max-elastic-ips"]},
    )
    fake = FakeModule(params(adds={"elastic_ips": 2}), clients.raw)
    result = run_main(monkeypatch, fake)
    clients.stubs["ec2"].assert_no_pending_responses()
    assert result == {
        "changed": False,
        "problems": [
            "Elastic IP addresses in us-east-1: the account uses 4 of 5 and this deploy adds 2: release unused "
            "addresses or raise the quota L-0263D0A3 (EC2-VPC Elastic IPs)"
        ],
        "notes": [],
        "room": {"elastic_ips": {"used": 4, "own": 0, "max": 5}},
    }
    assert fake.asked == ["ec2"]
    assert fake.spec["supports_check_mode"] is True


def test_main_fails_on_an_error_that_is_not_a_missing_api(monkeypatch):
    clients = Clients("service-quotas")
    clients.stubs["service-quotas"].add_client_error(
        "get_service_quota", "ServiceException", "Something went wrong on our end.", http_status_code=500
    )
    clients.answer("ec2", "describe_vpcs", {"Vpcs": []}, {"MaxResults": 1000})
    fake = FakeModule(params(adds={"vpcs": 1}), clients.raw)
    result = run_main(monkeypatch, fake)
    assert result["failed"] is True
    assert result["msg"].startswith(
        "Failed to read the account's capacity in us-east-1: An error occurred (ServiceException)"
    )


def test_the_deployment_s_own_gateways_in_every_zone_need_no_subnet_and_no_quota():
    # The Stubber refuses any call not queued: neither DescribeSubnets nor GetServiceQuota is made.
    clients = Clients("service-quotas")
    nats = [
        {"NatGatewayId": "nat-%017d" % n, "SubnetId": "subnet-%d" % n, "State": "available", "Tags": OUR_TAGS}
        for n in range(2)
    ] + [{"NatGatewayId": "nat-%017d" % 9, "SubnetId": "subnet-9", "State": "available"}]
    live = [{"Name": "state", "Values": ["pending", "available"]}]
    clients.answer("ec2", "describe_nat_gateways", {"NatGateways": nats}, {"Filter": live, "MaxResults": 1000})
    checks = clients.run(adds={"nat_gateways_per_zone": 1})
    assert checks.problems == []
    assert checks.room == {"nat_gateways": {"used": 3, "own": 2, "max": None}}


@pytest.mark.parametrize("running, offer_read", [("17.7", False), ("16.4", True)])
def test_the_offer_is_read_unless_the_deployment_s_instance_already_runs_that_version_on_that_class(running, offer_read):
    # The Stubber refuses any call not queued, and fails on one queued but not made.
    clients = Clients("rds")
    ours = dict(db_instance("tap-prod-us-east-1-db"), EngineVersion=running)
    clients.answer("rds", "describe_db_instances", {"DBInstances": [ours]}, {"MaxRecords": 100})
    if offer_read:
        offer = {"Engine": "postgres", "EngineVersion": "17.7", "DBInstanceClass": "db.t3.micro"}
        asked = dict(offer, MaxRecords=20)
        clients.answer("rds", "describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": [offer]}, asked)
    checks = clients.run(
        {"db_instance": "tap-prod-us-east-1-db"},
        adds={"db_instances": 1},
        db_engine="postgres",
        db_engine_version="17.7",
        db_instance_class="db.t3.micro",
    )
    assert checks.problems == [] and checks.notes == []
