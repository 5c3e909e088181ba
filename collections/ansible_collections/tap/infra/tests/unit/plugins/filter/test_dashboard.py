# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The multi-region dashboard body filter."""

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tap.infra.plugins.filter.dashboard import FilterModule
from ansible_collections.tap.infra.plugins.filter.dashboard import dashboard_body
from ansible_collections.tap.infra.plugins.filter.dashboard import dashboard_url


def site(host, region, **facts):
    values = {
        "inventory_hostname": host,
        "aws_region": region,
        "tap_function_name": "tap-x-%s-fn" % host,
        "tap_table_name": "tap-x-table",
        "tap_alb_arn_suffix": "app/tap-x-%s-alb/50dc6c495c0c9188" % host,
        "tap_db_instance_id": "tap-x-%s-db" % host,
    }
    values.update(facts)
    return values


SITES = [site("us-east-1", "us-east-1"), site("us-west-2", "us-west-2")]


def widgets_by_title(body):
    return {widget["properties"]["title"]: widget for widget in body["widgets"]}


def test_every_widget_and_region():
    body = dashboard_body(SITES)
    widgets = widgets_by_title(body)
    assert list(widgets) == [
        "Lambda invocations",
        "Lambda errors",
        "DynamoDB consumed read/write capacity",
        "ALB request count",
        "ALB 5XX errors",
        "ALB target response time",
        "RDS CPU utilization",
        "RDS free storage",
        "RDS connections",
        "DynamoDB replication latency",
    ]
    for title, widget in widgets.items():
        regions = {line[-1]["region"] for line in widget["properties"]["metrics"]}
        assert regions == {"us-east-1", "us-west-2"}, title
        assert widget["properties"]["region"] == "us-east-1"
        assert widget["properties"]["period"] == 300
    json.dumps(body)  # serializable as is


def test_metric_lines():
    widgets = widgets_by_title(dashboard_body(SITES))
    assert widgets["Lambda errors"]["properties"]["metrics"][1] == [
        "AWS/Lambda",
        "Errors",
        "FunctionName",
        "tap-x-us-west-2-fn",
        {"region": "us-west-2", "label": "us-west-2"},
    ]
    capacity = widgets["DynamoDB consumed read/write capacity"]["properties"]["metrics"]
    assert [line[1] for line in capacity] == ["ConsumedReadCapacityUnits"] * 2 + ["ConsumedWriteCapacityUnits"] * 2
    assert capacity[-1][-1] == {"region": "us-west-2", "label": "us-west-2 write", "yAxis": "right"}
    assert {line[1] for line in widgets["ALB 5XX errors"]["properties"]["metrics"]} == {
        "HTTPCode_ELB_5XX_Count",
        "HTTPCode_Target_5XX_Count",
    }
    assert widgets["RDS CPU utilization"]["properties"]["stat"] == "Average"
    assert widgets["RDS CPU utilization"]["properties"]["metrics"][0][2:4] == [
        "DBInstanceIdentifier",
        "tap-x-us-east-1-db",
    ]


def test_replication_latency_per_receiving_region():
    lines = widgets_by_title(dashboard_body(SITES))["DynamoDB replication latency"]["properties"]["metrics"]
    assert [(line[-1]["region"], line[5]) for line in lines] == [("us-east-1", "us-west-2"), ("us-west-2", "us-east-1")]
    assert all(line[2:5] == ["TableName", "tap-x-table", "ReceivingRegion"] for line in lines)


def test_layout_two_per_row():
    widgets = dashboard_body(SITES)["widgets"]
    assert [(w["x"], w["y"]) for w in widgets[:4]] == [(0, 0), (12, 0), (0, 6), (12, 6)]
    assert all((w["width"], w["height"]) == (12, 6) for w in widgets)


def test_single_region_has_no_replication_widget():
    titles = widgets_by_title(dashboard_body(SITES[:1]))
    assert "DynamoDB replication latency" not in titles
    assert len(titles) == 9


def test_missing_facts_drop_lines_and_empty_widgets():
    partial = [site("us-east-1", "us-east-1", tap_db_instance_id=None), site("us-west-2", "us-west-2")]
    partial[1].pop("tap_db_instance_id")
    partial[1]["tap_alb_arn_suffix"] = ""
    widgets = widgets_by_title(dashboard_body(partial))
    assert not any(title.startswith("RDS") for title in widgets)
    assert len(widgets["ALB request count"]["properties"]["metrics"]) == 1


def test_host_key_and_options():
    body = dashboard_body([{"host": "a", "aws_region": "eu-west-1", "tap_function_name": "f"}], period=60, width=24)
    assert [w["properties"]["title"] for w in body["widgets"]] == ["Lambda invocations", "Lambda errors"]
    assert body["widgets"][1]["y"] == 6 and body["widgets"][1]["properties"]["period"] == 60


@pytest.mark.parametrize("sites", [[], None, [{"aws_region": "us-east-1"}], ["us-east-1"]])
def test_bad_input(sites):
    with pytest.raises(AnsibleFilterError):
        dashboard_body(sites)


def test_url_and_registration():
    assert dashboard_url("tap-x-dashboard", "us-east-1") == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=tap-x-dashboard"
    )
    assert set(FilterModule().filters()) == {"dashboard_body", "dashboard_url"}
