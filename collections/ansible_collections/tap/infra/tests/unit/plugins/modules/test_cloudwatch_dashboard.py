# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.cloudwatch_dashboard against botocore's Stubber, with the response shapes CloudWatch returns."""

import json
from functools import partial

import pytest

from ansible_collections.tap.infra.plugins.modules import cloudwatch_dashboard
from ansible_collections.tap.infra.plugins.modules.cloudwatch_dashboard import DashboardBodyError
from ansible_collections.tap.infra.plugins.modules.cloudwatch_dashboard import DashboardManager
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

NAME = "tap-test-dashboard"
ARN = "arn:aws:cloudwatch::123456789012:dashboard/%s" % NAME


def widget(title, metric, x=0, region="us-east-1"):
    return {
        "type": "metric",
        "x": x,
        "y": 0,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "view": "timeSeries",
            "region": region,
            "stat": "Sum",
            "period": 300,
            "metrics": [["AWS/Lambda", metric, "FunctionName", "tap-test-us-east-1-fn", {"region": region}]],
        },
    }


BODY = {"widgets": [widget("Lambda invocations", "Invocations"), widget("Lambda errors", "Errors", x=12)]}


cloudwatch = utils.client_fixture("cloudwatch")


def stored(stubber, body_text):
    stubber.add_response(
        "get_dashboard",
        {"DashboardArn": ARN, "DashboardBody": body_text, "DashboardName": NAME},
        {"DashboardName": NAME},
    )


def not_found(stubber):
    stubber.add_client_error(
        "get_dashboard",
        service_error_code="ResourceNotFound",
        service_message="Dashboard %s does not exist" % NAME,
        http_status_code=404,
        expected_params={"DashboardName": NAME},
    )


def test_create(cloudwatch):
    client, stubber = cloudwatch
    not_found(stubber)
    stubber.add_response(
        "put_dashboard",
        {"DashboardValidationMessages": []},
        {"DashboardName": NAME, "DashboardBody": cloudwatch_dashboard.canonical(BODY)},
    )
    stored(stubber, cloudwatch_dashboard.canonical(BODY))

    result = DashboardManager(client).ensure_present(NAME, BODY)

    assert result["changed"] is True
    assert result["dashboard_arn"] == ARN
    assert result["widgets"] == {"added": ["Lambda errors", "Lambda invocations"], "removed": [], "changed": []}
    assert result["diff"]["before"] == ""
    assert json.loads(result["diff"]["after"]) == BODY


def test_no_change_when_only_key_order_and_whitespace_differ(cloudwatch):
    client, stubber = cloudwatch
    # What the console or another tool may have stored: pretty-printed, keys in another order.
    reordered = {"widgets": [dict(reversed(list(w.items()))) for w in BODY["widgets"]]}
    stored(stubber, json.dumps(reordered, indent=4))

    result = DashboardManager(client).ensure_present(NAME, json.dumps(BODY))

    assert result["changed"] is False
    assert "diff" not in result
    assert result["dashboard_arn"] == ARN


def test_change_is_detected_and_summarized(cloudwatch):
    client, stubber = cloudwatch
    stored(stubber, json.dumps(BODY))
    new_body = {
        "widgets": [
            widget("Lambda invocations", "Invocations", region="us-west-2"),
            widget("ALB request count", "RequestCount", x=12),
        ]
    }
    stubber.add_response(
        "put_dashboard",
        {
            "DashboardValidationMessages": [
                {"DataPath": "/widgets/1/properties/metrics/0", "Message": "The metric has no datapoints."}
            ]
        },
        {"DashboardName": NAME, "DashboardBody": cloudwatch_dashboard.canonical(new_body)},
    )

    result = DashboardManager(client).ensure_present(NAME, new_body)

    assert result["changed"] is True
    assert result["widgets"] == {
        "added": ["ALB request count"],
        "removed": ["Lambda errors"],
        "changed": ["Lambda invocations"],
    }
    assert json.loads(result["diff"]["before"]) == BODY
    assert json.loads(result["diff"]["after"]) == new_body
    assert result["validation_messages"] == [
        {"data_path": "/widgets/1/properties/metrics/0", "message": "The metric has no datapoints."}
    ]


def test_check_mode_makes_no_writes(cloudwatch):
    client, stubber = cloudwatch
    not_found(stubber)
    stored(stubber, json.dumps({"widgets": []}))

    created = DashboardManager(client, check_mode=True).ensure_present(NAME, BODY)
    updated = DashboardManager(client, check_mode=True).ensure_present(NAME, BODY)

    # Only the two get_dashboard responses were queued: any put would fail the stubber.
    assert created["changed"] is True and created["dashboard_arn"] == ""
    assert updated["changed"] is True and updated["widgets"]["added"] == ["Lambda errors", "Lambda invocations"]


def test_absent_deletes(cloudwatch):
    client, stubber = cloudwatch
    stored(stubber, json.dumps(BODY))
    stubber.add_response("delete_dashboards", {}, {"DashboardNames": [NAME]})

    result = DashboardManager(client).ensure_absent(NAME)

    assert result["changed"] is True
    assert result["widgets"]["removed"] == ["Lambda errors", "Lambda invocations"]
    assert result["diff"]["after"] == ""


def test_absent_when_missing_is_ok(cloudwatch):
    client, stubber = cloudwatch
    not_found(stubber)
    assert DashboardManager(client).ensure_absent(NAME)["changed"] is False


def test_absent_in_check_mode_makes_no_writes(cloudwatch):
    client, stubber = cloudwatch
    stored(stubber, json.dumps(BODY))
    assert DashboardManager(client, check_mode=True).ensure_absent(NAME)["changed"] is True


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", 42])
def test_bad_body_is_refused(body):
    with pytest.raises(DashboardBodyError):
        cloudwatch_dashboard.parse_body(body)


def test_untitled_widgets_are_named_by_place():
    text = {"type": "text", "x": 0, "y": 6, "width": 24, "height": 1, "properties": {"markdown": "# Site\nmore"}}
    bare = {"type": "metric", "x": 0, "y": 7, "properties": {"metrics": []}}
    summary = cloudwatch_dashboard.widget_summary(None, {"widgets": [text, bare]})
    assert summary["added"] == ["# Site", "metric widget at x=0,y=7 (#1)"]


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with these params and the stubbed cloudwatch client."""

    def __init__(self, params, client, check_mode=False, diff=False):
        super().__init__(params, {"cloudwatch": client}, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, cloudwatch_dashboard)


def test_main_drops_diff_unless_asked(cloudwatch, monkeypatch):
    client, stubber = cloudwatch
    not_found(stubber)
    fake = FakeModule({"name": NAME, "body": BODY, "state": "present"}, client, check_mode=True)
    run_main(monkeypatch, fake)
    assert fake.result["changed"] is True
    assert "diff" not in fake.result


def test_main_reports_bad_body(cloudwatch, monkeypatch):
    client, stubber = cloudwatch
    fake = FakeModule({"name": NAME, "body": "{oops", "state": "present"}, client)
    run_main(monkeypatch, fake)
    assert fake.result["failed"] is True and "not valid JSON" in fake.result["msg"]


def test_main_absent_tolerates_a_dashboard_deleted_meanwhile(cloudwatch, monkeypatch):
    client, stubber = cloudwatch
    stored(stubber, json.dumps(BODY))
    stubber.add_client_error(
        "delete_dashboards",
        service_error_code="ResourceNotFound",
        service_message="Dashboard %s does not exist" % NAME,
        http_status_code=404,
    )
    fake = FakeModule({"name": NAME, "body": None, "state": "absent"}, client)
    run_main(monkeypatch, fake)
    assert fake.result["changed"] is True and fake.result["widgets"]["removed"]


def test_two_widgets_of_one_title_are_told_apart_and_no_body_is_none():
    twice = {"widgets": [widget("Lambda errors", "Errors"), widget("Lambda errors", "Errors", x=12)]}
    assert cloudwatch_dashboard.widget_summary(None, twice)["added"] == ["Lambda errors", "Lambda errors (#1)"]
    assert cloudwatch_dashboard.parse_body(None) is None
