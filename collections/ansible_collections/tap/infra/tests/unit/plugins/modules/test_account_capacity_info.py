# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""account_capacity_info against botocore Stubbers with AWS's response shapes: one message per problem, a bounded
number of reads, a check the endpoint does not answer skipped with a note."""

from botocore.stub import Stubber

from ansible_collections.tap.infra.plugins.modules.account_capacity_info import CapacityChecks, run_checks

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

    def __init__(self, *services, region_status="opt-in-not-required"):
        self.raw = {service: raw_client(service) for service in ("ec2",) + services}
        self.stubs = {service: Stubber(client) for service, client in self.raw.items()}
        for stub in self.stubs.values():
            stub.activate()
        region = {"RegionName": "us-east-1", "Endpoint": "ec2.us-east-1.amazonaws.com", "OptInStatus": region_status}
        self.answer("ec2", "describe_regions", {"Regions": [region]}, {"RegionNames": ["us-east-1"], "AllRegions": True})

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
    attribute = {"AttributeName": "vpc-max-elastic-ips", "AttributeValues": [{"AttributeValue": "5"}]}
    clients.answer(
        "ec2", "describe_account_attributes", {"AccountAttributes": [attribute]}, {"AttributeNames": ["vpc-max-elastic-ips"]}
    )
    addresses = [{"AllocationId": "eipalloc-%d" % n, "PublicIp": "198.51.100.%d" % n} for n in range(3)]
    addresses.append({"AllocationId": "eipalloc-9", "PublicIp": "198.51.100.9", "Tags": OUR_TAGS})
    clients.answer("ec2", "describe_addresses", {"Addresses": addresses})
    checks = clients.run(adds={"elastic_ips": 3})
    # 4 used, 1 of them ours: the deploy adds 2, 6 > 5.
    assert checks.problems == [
        "Elastic IP addresses in us-east-1: the account uses 4 of 5 and this deploy adds 2: release unused addresses "
        "or raise the quota L-0263D0A3 (EC2-VPC Elastic IPs)"
    ]
    assert checks.room["elastic_ips"] == {"used": 4, "own": 1, "max": 5}


def test_a_redeploy_adds_nothing_so_a_full_account_is_no_problem():
    clients = Clients("service-quotas")
    quota = {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE", "Value": 5.0}
    clients.answer("service-quotas", "get_service_quota", {"Quota": quota}, {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE"})
    vpcs = [{"VpcId": "vpc-%d" % n} for n in range(4)] + [{"VpcId": "vpc-9", "Tags": OUR_TAGS}]
    clients.answer("ec2", "describe_vpcs", {"Vpcs": vpcs}, {"MaxResults": 1000})
    checks = clients.run(adds={"vpcs": 1})
    assert checks.problems == [] and checks.room["vpcs"] == {"used": 5, "own": 1, "max": 5}


def test_a_check_the_endpoint_does_not_answer_is_a_note_and_the_next_check_runs():
    clients = Clients("service-quotas", "elbv2")
    clients.stubs["service-quotas"].add_client_error(
        "get_service_quota", "NoSuchResourceException", "The request failed because the specified service does not exist."
    )
    clients.answer("elbv2", "describe_account_limits", {"Limits": [{"Name": "application-load-balancers", "Max": "50"}]})
    ours = {"LoadBalancerName": "tap-prod-us-east-1-alb", "Type": "application"}
    clients.answer("elbv2", "describe_load_balancers", {"LoadBalancers": [ours]}, {"PageSize": 400})
    checks = clients.run({"load_balancer": "tap-prod-us-east-1-alb"}, adds={"vpcs": 1, "load_balancers": 1})
    assert checks.problems == []
    assert checks.notes == [
        "The VPC check in us-east-1 skipped: the endpoint did not answer GetServiceQuota (NoSuchResourceException)"
    ]
    assert checks.room["load_balancers"] == {"used": 1, "own": 1, "max": 50}


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
