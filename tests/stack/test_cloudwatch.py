"""Observability and outputs, asserted by describe calls: alarms, alarm topics, the dashboard, the outputs file.

TAP_SUFFIX=x pytest tests/stack/test_cloudwatch.py -m present   # after site.yml
TAP_SUFFIX=x pytest tests/stack/test_cloudwatch.py -m absent    # after teardown.yml
"""

import json
import os

import pytest
from botocore.exceptions import ClientError

SEED_WIDGETS = ["Lambda invocations", "Lambda errors", "DynamoDB consumed read/write capacity", "ALB request count"]
ALARM_KINDS = ["lambda-errors", "dynamodb-throttles", "alb-5xx", "rds-cpu"]


def primary_site(stack):
    primary = stack.primary
    host = primary if isinstance(primary, str) else primary["host"]
    return next(site for site in stack.sites if site["host"] == host)


def get_dashboard(stack):
    site = primary_site(stack)
    name = stack.names(site["host"])["dashboard"]
    return stack.client("cloudwatch", site["aws_region"]).get_dashboard(DashboardName=name)


def topic_arn(stack, site):
    name = stack.names(site["host"])["alarm_topic"]
    sns = stack.client("sns", site["aws_region"])
    arns = [topic["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for topic in page["Topics"]]
    matches = [arn for arn in arns if arn.split(":")[-1] == name]
    return matches[0] if matches else None


def alarms(stack, site):
    prefix = stack.names(site["host"])["alarm_prefix"]
    cloudwatch = stack.client("cloudwatch", site["aws_region"])
    found = {}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix + "-"):
        for alarm in page["MetricAlarms"]:
            found[alarm["AlarmName"][len(prefix) + 1 :]] = alarm
    return found


def alb(stack, site):
    elbv2 = stack.client("elbv2", site["aws_region"])
    return elbv2.describe_load_balancers(Names=[stack.names(site["host"])["alb"]])["LoadBalancers"][0]


def dims(metric):
    return {item["Name"]: item["Value"] for item in metric.get("Dimensions", [])}


def sites_ids(stack):
    return [site["host"] for site in stack.sites]


# --- after site.yml ---------------------------------------------------------------------------------


@pytest.mark.present
@pytest.mark.concerns("cloudwatch")
def test_dashboard_shows_every_site(stack):
    body = json.loads(get_dashboard(stack)["DashboardBody"])
    widgets = {widget["properties"]["title"]: widget for widget in body["widgets"] if widget["type"] == "metric"}
    regions = {site["aws_region"] for site in stack.sites}

    # a widget of the load balancer needs its ARN suffix, a fact of lambda_alb's run (tap.infra.dashboard_body)
    titles = SEED_WIDGETS + ["ALB 5XX errors", "ALB target response time", "RDS CPU utilization"]
    if "lambda_alb" not in stack.concerns:
        assert not [title for title in widgets if title.startswith("ALB ")]
        titles = [title for title in titles if not title.startswith("ALB ")]
    for title in titles:
        assert title in widgets, "dashboard lacks widget %r" % title
        lines = widgets[title]["properties"]["metrics"]
        assert {line[-1]["region"] for line in lines} == regions, title
    if len(regions) > 1:
        replication = widgets["DynamoDB replication latency"]["properties"]["metrics"]
        assert {(line[-1]["region"], line[line.index("ReceivingRegion") + 1]) for line in replication} == {
            (source, target) for source in regions for target in regions if source != target
        }
    lambda_lines = widgets["Lambda errors"]["properties"]["metrics"]
    assert {line[3] for line in lambda_lines} == {stack.names(site["host"])["function"] for site in stack.sites}


@pytest.mark.present
@pytest.mark.concerns("cloudwatch")
def test_alarms_of_every_site(stack):
    for site in stack.sites:
        check_site_alarms(stack, site)


def check_site_alarms(stack, site):
    names = stack.names(site["host"])
    topic = topic_arn(stack, site)
    assert topic, "no alarm topic %s in %s" % (names["alarm_topic"], site["aws_region"])
    found = alarms(stack, site)
    # the load balancer's ARN suffix comes from lambda_alb's run: without it, no ALB alarm (roles/cloudwatch)
    kinds = [kind for kind in ALARM_KINDS if kind != "alb-5xx" or "lambda_alb" in stack.concerns]
    assert sorted(found) == sorted(kinds)

    for alarm in found.values():
        assert alarm["AlarmActions"] == [topic], alarm["AlarmName"]
        assert alarm["OKActions"] == [topic], alarm["AlarmName"]
        assert alarm["ActionsEnabled"] is True

    errors = found["lambda-errors"]
    assert (errors["Namespace"], errors["MetricName"], errors["Statistic"]) == ("AWS/Lambda", "Errors", "Sum")
    assert dims(errors) == {"FunctionName": names["function"]}
    assert (errors["Period"], errors["EvaluationPeriods"], errors["Threshold"]) == (300, 1, 1.0)
    assert errors["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"

    throttles = found["dynamodb-throttles"]
    queries = {query["Id"]: query for query in throttles["Metrics"]}
    stats = [query["MetricStat"] for query in queries.values() if "MetricStat" in query]
    assert sorted(dims(stat["Metric"])["Operation"] for stat in stats) == ["GetItem", "PutItem"]
    table = stack.names(primary_site(stack)["host"])["table"]
    for stat in stats:
        assert (stat["Metric"]["Namespace"], stat["Metric"]["MetricName"]) == ("AWS/DynamoDB", "ThrottledRequests")
        assert dims(stat["Metric"])["TableName"] == table
        assert (stat["Stat"], stat["Period"]) == ("Sum", 300)
    returning = [query for query in queries.values() if query.get("ReturnData", True)]
    assert len(returning) == 1 and "m1" in returning[0]["Expression"] and "m2" in returning[0]["Expression"]
    assert (throttles["Threshold"], throttles["ComparisonOperator"]) == (1.0, "GreaterThanOrEqualToThreshold")

    cpu = found["rds-cpu"]
    assert (cpu["Namespace"], cpu["MetricName"], cpu["Statistic"]) == ("AWS/RDS", "CPUUtilization", "Average")
    assert dims(cpu) == {"DBInstanceIdentifier": names["db_instance"]}
    assert (cpu["Period"], cpu["Threshold"], cpu["ComparisonOperator"]) == (300, 80.0, "GreaterThanThreshold")

    if "lambda_alb" in stack.concerns:
        check_alb_alarm(stack, site, found["alb-5xx"])


def check_alb_alarm(stack, site, five_xx):
    arn_suffix = alb(stack, site)["LoadBalancerArn"].split(":loadbalancer/")[1]
    stats = [query["MetricStat"] for query in five_xx["Metrics"] if "MetricStat" in query]
    assert sorted(stat["Metric"]["MetricName"] for stat in stats) == [
        "HTTPCode_ELB_5XX_Count",
        "HTTPCode_Target_5XX_Count",
    ]
    for stat in stats:
        assert dims(stat["Metric"]) == {"LoadBalancer": arn_suffix}
        assert (stat["Stat"], stat["Period"]) == ("Sum", 300)


@pytest.mark.present
def test_outputs_file_matches_aws(stack):
    with open(stack.outputs_file) as handle:
        text = handle.read()
    outputs = json.loads(text)
    assert sorted(outputs) == sorted(sites_ids(stack))
    assert "password" not in text.lower()
    primary = primary_site(stack)

    concerns = stack.concerns
    for site in stack.sites:
        names = stack.names(site["host"])
        region = site["aws_region"]
        entry = outputs[site["host"]]
        assert entry["region"] == region
        # a concern that did not run is not read back (playbooks/outputs.yml): its outputs are null
        if "kms_s3" in concerns:
            stack.client("s3", region).head_bucket(Bucket=entry["bucket_name"])
            assert entry["bucket_name"] == names["bucket"]
        else:
            assert entry["bucket_name"] is None
        if "dynamodb_global" in concerns:
            assert entry["table_name"] == stack.names(primary["host"])["table"]
            stack.client("dynamodb", region).describe_table(TableName=entry["table_name"])
        if "lambda_alb" in concerns:
            assert entry["alb_dns_name"] == alb(stack, site)["DNSName"]
        else:
            assert (entry["alb_dns_name"], entry["alb_url"]) == (None, None)
        if "rds" in concerns:
            instance = stack.client("rds", region).describe_db_instances(DBInstanceIdentifier=names["db_instance"])
            assert entry["rds_endpoint_address"] == instance["DBInstances"][0]["Endpoint"]["Address"]
            secret = stack.client("secretsmanager", region).describe_secret(SecretId=names["db_secret"])
            assert entry["db_secret_arn"] == secret["ARN"]
        else:
            assert (entry["rds_endpoint_address"], entry["db_secret_arn"]) == (None, None)
        if "cloudwatch" in concerns:
            assert entry["alarm_topic_arn"] == topic_arn(stack, site)
        else:
            assert entry["alarm_topic_arn"] is None
        assert entry["dashboard_url"] == (
            "https://{r}.console.aws.amazon.com/cloudwatch/home?region={r}#dashboards:name={n}".format(
                r=primary["aws_region"], n=names["dashboard"]
            )
        )


# --- after teardown.yml -----------------------------------------------------------------------------


@pytest.mark.absent
@pytest.mark.concerns("cloudwatch")
def test_no_dashboard_left(stack):
    with pytest.raises(ClientError) as error:
        get_dashboard(stack)
    assert error.value.response["Error"]["Code"] == "ResourceNotFound"


@pytest.mark.absent
@pytest.mark.concerns("cloudwatch")
def test_no_alarm_or_topic_left(stack):
    for site in stack.sites:
        assert alarms(stack, site) == {}, site["host"]
        assert topic_arn(stack, site) is None, site["host"]


@pytest.mark.absent
def test_no_outputs_file_left(stack):
    assert not os.path.exists(stack.outputs_file)
