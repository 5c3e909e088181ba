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
    def __init__(self, *services):
        self.raw = {service: raw_client(service) for service in services}
        self.stubs = {service: Stubber(client) for service, client in self.raw.items()}
        for stub in self.stubs.values():
            stub.activate()

    def __call__(self, service):
        return self.raw[service]

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def enabled(clients, status="opt-in-not-required"):
    clients.stubs["ec2"].add_response(
        "describe_regions",
        {"Regions": [{"RegionName": "us-east-1", "Endpoint": "ec2.us-east-1.amazonaws.com", "OptInStatus": status}]},
        {"RegionNames": ["us-east-1"], "AllRegions": True},
    )


def test_a_region_not_enabled_is_one_problem_and_nothing_else_is_read():
    clients = Clients("ec2")
    enabled(clients, "not-opted-in")
    checks = CapacityChecks(clients, "us-east-1", OURS)
    run_checks(checks, params(adds={"vpcs": 1, "elastic_ips": 2}))
    clients.verify()
    assert checks.problems == [
        "region us-east-1 is not enabled for this account (not-opted-in): enable it (AWS console: Account > AWS "
        "Regions, or `aws account enable-region --region-name us-east-1`) and wait until it is ENABLED"
    ]


def test_elastic_ips_full_names_the_figures_and_the_fix_and_counts_our_own_as_there():
    clients = Clients("ec2")
    enabled(clients)
    clients.stubs["ec2"].add_response(
        "describe_account_attributes",
        {"AccountAttributes": [{"AttributeName": "vpc-max-elastic-ips", "AttributeValues": [{"AttributeValue": "5"}]}]},
        {"AttributeNames": ["vpc-max-elastic-ips"]},
    )
    addresses = [{"AllocationId": "eipalloc-%d" % n, "PublicIp": "198.51.100.%d" % n} for n in range(3)]
    addresses.append({"AllocationId": "eipalloc-9", "PublicIp": "198.51.100.9", "Tags": OUR_TAGS})
    clients.stubs["ec2"].add_response("describe_addresses", {"Addresses": addresses}, {})
    checks = CapacityChecks(clients, "us-east-1", OURS)
    run_checks(checks, params(adds={"elastic_ips": 3}))
    clients.verify()
    # 4 used, 1 of them ours: the deploy adds 2, 6 > 5.
    assert checks.problems == [
        "Elastic IP addresses in us-east-1: the account uses 4 of 5 and this deploy adds 2: release unused addresses "
        "or raise the quota L-0263D0A3 (EC2-VPC Elastic IPs)"
    ]
    assert checks.room["elastic_ips"] == {"used": 4, "own": 1, "max": 5}


def test_a_redeploy_adds_nothing_so_a_full_account_is_no_problem():
    clients = Clients("ec2", "service-quotas")
    enabled(clients)
    clients.stubs["service-quotas"].add_response(
        "get_service_quota",
        {"Quota": {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE", "Value": 5.0}},
        {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE"},
    )
    vpcs = [{"VpcId": "vpc-%d" % n} for n in range(4)] + [{"VpcId": "vpc-9", "Tags": OUR_TAGS}]
    clients.stubs["ec2"].add_response("describe_vpcs", {"Vpcs": vpcs}, {"MaxResults": 1000})
    checks = CapacityChecks(clients, "us-east-1", OURS)
    run_checks(checks, params(adds={"vpcs": 1}))
    clients.verify()
    assert checks.problems == [] and checks.room["vpcs"] == {"used": 5, "own": 1, "max": 5}


def test_a_check_the_endpoint_does_not_answer_is_a_note_and_the_next_check_runs():
    clients = Clients("ec2", "service-quotas", "elbv2")
    enabled(clients)
    clients.stubs["service-quotas"].add_client_error(
        "get_service_quota", "NoSuchResourceException", "The request failed because the specified service does not exist."
    )
    clients.stubs["elbv2"].add_response(
        "describe_account_limits", {"Limits": [{"Name": "application-load-balancers", "Max": "50"}]}, {}
    )
    clients.stubs["elbv2"].add_response(
        "describe_load_balancers",
        {"LoadBalancers": [{"LoadBalancerName": "tap-prod-us-east-1-alb", "Type": "application"}]},
        {"PageSize": 400},
    )
    checks = CapacityChecks(clients, "us-east-1", OURS, {"load_balancer": "tap-prod-us-east-1-alb"})
    run_checks(checks, params(adds={"vpcs": 1, "load_balancers": 1}))
    clients.verify()
    assert checks.problems == []
    assert checks.notes == [
        "The VPC check in us-east-1 skipped: the endpoint did not answer GetServiceQuota (NoSuchResourceException)"
    ]
    assert checks.room["load_balancers"] == {"used": 1, "own": 1, "max": 50}


def test_an_engine_version_not_offered_for_the_class_names_the_fix():
    clients = Clients("ec2", "rds")
    enabled(clients)
    clients.stubs["rds"].add_response(
        "describe_orderable_db_instance_options",
        {"OrderableDBInstanceOptions": []},
        {"Engine": "postgres", "EngineVersion": "15.3", "DBInstanceClass": "db.t3.micro", "MaxRecords": 20},
    )
    clients.stubs["rds"].add_response(
        "describe_orderable_db_instance_options",
        {"OrderableDBInstanceOptions": [{"Engine": "postgres", "EngineVersion": "17.7", "DBInstanceClass": "db.t3.micro"}]},
        {"Engine": "postgres", "MaxRecords": 20},
    )
    checks = CapacityChecks(clients, "us-east-1", OURS)
    run_checks(checks, params(db_engine="postgres", db_engine_version="15.3", db_instance_class="db.t3.micro"))
    clients.verify()
    assert len(checks.problems) == 1
    assert checks.problems[0].startswith("postgres 15.3 on db.t3.micro is not offered in us-east-1: choose a version")
