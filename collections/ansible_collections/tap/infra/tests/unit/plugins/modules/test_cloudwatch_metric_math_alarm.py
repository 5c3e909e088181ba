# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.cloudwatch_metric_math_alarm against botocore's Stubber, with the shapes DescribeAlarms returns."""

import copy
import datetime
from functools import partial

import pytest

from ansible_collections.tap.infra.plugins.modules import (
    cloudwatch_metric_math_alarm as module_under_test,
)
from ansible_collections.tap.infra.plugins.modules.cloudwatch_metric_math_alarm import (
    AlarmDefinitionError,
)
from ansible_collections.tap.infra.plugins.modules.cloudwatch_metric_math_alarm import (
    MetricMathAlarmManager,
)
from ansible_collections.tap.infra.plugins.modules.cloudwatch_metric_math_alarm import desired_from_params
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

NAME = "tap-test-us-east-1-dynamodb-throttles"
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:%s" % NAME
TOPIC = "arn:aws:sns:us-east-1:123456789012:tap-test-us-east-1-alarms"
TABLE = "tap-test-table"
WHEN = datetime.datetime(2026, 11, 20, 10, 0, 0, 123000, tzinfo=datetime.timezone.utc)


def params(**overrides):
    """Module parameters as Ansible hands them over (every option present, defaults applied)."""
    result = {
        "name": NAME,
        "state": "present",
        "metrics": [
            {
                "id": "m1",
                "expression": None,
                "label": None,
                "return_data": False,
                "period": None,
                "account_id": None,
                "metric_stat": {
                    "metric": {
                        "namespace": "AWS/DynamoDB",
                        "metric_name": "ThrottledRequests",
                        "dimensions": {"TableName": TABLE, "Operation": "PutItem"},
                    },
                    "period": 300,
                    "stat": "Sum",
                    "unit": None,
                },
            },
            {
                "id": "m2",
                "expression": None,
                "label": None,
                "return_data": False,
                "period": None,
                "account_id": None,
                "metric_stat": {
                    "metric": {
                        "namespace": "AWS/DynamoDB",
                        "metric_name": "ThrottledRequests",
                        "dimensions": [
                            {"name": "TableName", "value": TABLE},
                            {"name": "Operation", "value": "GetItem"},
                        ],
                    },
                    "period": 300,
                    "stat": "Sum",
                    "unit": None,
                },
            },
            {
                "id": "e1",
                "expression": "m1 + m2",
                "label": "Throttled PutItem + GetItem",
                "return_data": None,  # omitted: AWS treats it as true
                "period": None,
                "account_id": None,
                "metric_stat": None,
            },
        ],
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        "threshold": 1.0,
        "evaluation_periods": 1,
        "datapoints_to_alarm": None,
        "treat_missing_data": "notBreaching",
        "alarm_actions": [TOPIC],
        "ok_actions": [TOPIC],
        "insufficient_data_actions": [],
        "description": "DynamoDB throttled PutItem + GetItem requests",
        "actions_enabled": True,
        "tags": {"Project": "tap-infra", "Environment": "test"},
        "purge_tags": True,
    }
    result.update(overrides)
    return result


def described(**overrides):
    """One MetricAlarms item as DescribeAlarms returns it for the alarm above (dimensions in AWS's order)."""
    alarm = {
        "AlarmName": NAME,
        "AlarmArn": ARN,
        "AlarmDescription": "DynamoDB throttled PutItem + GetItem requests",
        "AlarmConfigurationUpdatedTimestamp": WHEN,
        "ActionsEnabled": True,
        "OKActions": [TOPIC],
        "AlarmActions": [TOPIC],
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
        "StateReason": "Unchecked: Initial alarm creation",
        "StateUpdatedTimestamp": WHEN,
        "Dimensions": [],
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "Metrics": [
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/DynamoDB",
                        "MetricName": "ThrottledRequests",
                        "Dimensions": [
                            {"Name": "TableName", "Value": TABLE},
                            {"Name": "Operation", "Value": "PutItem"},
                        ],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {
                "Id": "m2",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/DynamoDB",
                        "MetricName": "ThrottledRequests",
                        "Dimensions": [
                            {"Name": "Operation", "Value": "GetItem"},
                            {"Name": "TableName", "Value": TABLE},
                        ],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {"Id": "e1", "Expression": "m1 + m2", "Label": "Throttled PutItem + GetItem", "ReturnData": True},
        ],
        "StateTransitionedTimestamp": WHEN,
    }
    alarm.update(overrides)
    return alarm


TAGS = [{"Key": "Project", "Value": "tap-infra"}, {"Key": "Environment", "Value": "test"}]


cloudwatch = utils.client_fixture("cloudwatch")


def describe(stubber, *alarms):
    stubber.add_response(
        "describe_alarms",
        {"MetricAlarms": list(alarms), "CompositeAlarms": []},
        {"AlarmNames": [NAME], "AlarmTypes": ["MetricAlarm"]},
    )


def tags(stubber, tag_list):
    stubber.add_response("list_tags_for_resource", {"Tags": tag_list}, {"ResourceARN": ARN})


def test_create(cloudwatch):
    client, stubber = cloudwatch
    desired = desired_from_params(params())
    describe(stubber)
    expected = copy.deepcopy(desired)
    expected["Tags"] = TAGS
    stubber.add_response("put_metric_alarm", {}, expected)
    describe(stubber, described())

    result = MetricMathAlarmManager(client).ensure_present(desired, params()["tags"])

    assert result["changed"] is True
    assert result["alarm_arn"] == ARN
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["Metrics"][0]["Id"] == "e1"
    assert result["alarm"]["metrics"][2]["expression"] == "m1 + m2"
    assert result["alarm"]["tags"] == {"Project": "tap-infra", "Environment": "test"}
    assert result["alarm"]["state_updated_timestamp"] == WHEN.isoformat()


def test_no_change_when_equal_but_differently_ordered(cloudwatch):
    client, stubber = cloudwatch
    # AWS lists the dimensions in its own order, the actions as stored; the queries are in another order.
    alarm = described()
    alarm["Metrics"] = list(reversed(alarm["Metrics"]))
    describe(stubber, alarm)
    tags(stubber, list(reversed(TAGS)))

    result = MetricMathAlarmManager(client).ensure_present(desired_from_params(params()), params()["tags"])

    assert result["changed"] is False
    assert "diff" not in result


def test_defaults_filled_as_aws_returns_them(cloudwatch):
    client, stubber = cloudwatch
    # Explicit datapoints_to_alarm == evaluation_periods and an explicit return_data true on e1
    # describe the same alarm as AWS's listing without DatapointsToAlarm.
    metrics = params()["metrics"]
    metrics[2]["return_data"] = True
    describe(stubber, described())
    tags(stubber, TAGS)

    desired = desired_from_params(params(metrics=metrics, datapoints_to_alarm=1))
    result = MetricMathAlarmManager(client).ensure_present(desired, params()["tags"])

    assert result["changed"] is False


def test_change_in_metrics_is_detected_and_diffed(cloudwatch):
    client, stubber = cloudwatch
    metrics = params()["metrics"]
    metrics[0]["metric_stat"]["period"] = 60
    desired = desired_from_params(params(metrics=metrics))
    describe(stubber, described())
    tags(stubber, TAGS)
    stubber.add_response("put_metric_alarm", {}, desired)
    describe(stubber, described())

    result = MetricMathAlarmManager(client).ensure_present(desired, params()["tags"])

    assert result["changed"] is True
    before = {q["Id"]: q for q in result["diff"]["before"]["Metrics"]}
    after = {q["Id"]: q for q in result["diff"]["after"]["Metrics"]}
    assert before["m1"]["MetricStat"]["Period"] == 300
    assert after["m1"]["MetricStat"]["Period"] == 60
    assert before["e1"] == after["e1"]


def test_change_in_threshold_and_actions(cloudwatch):
    client, stubber = cloudwatch
    desired = desired_from_params(params(threshold=5, ok_actions=[]))
    describe(stubber, described())
    tags(stubber, TAGS)
    stubber.add_response("put_metric_alarm", {}, desired)
    describe(stubber, described(Threshold=5.0, OKActions=[]))

    result = MetricMathAlarmManager(client).ensure_present(desired, params()["tags"])

    assert result["changed"] is True
    assert (result["diff"]["before"]["Threshold"], result["diff"]["after"]["Threshold"]) == (1.0, 5.0)
    assert result["diff"]["after"]["OKActions"] == []


def test_tags_only_change_uses_tag_calls(cloudwatch):
    client, stubber = cloudwatch
    describe(stubber, described())
    tags(stubber, TAGS + [{"Key": "Stale", "Value": "yes"}])
    stubber.add_response("tag_resource", {}, {"ResourceARN": ARN, "Tags": [{"Key": "Owner", "Value": "ops"}]})
    stubber.add_response("untag_resource", {}, {"ResourceARN": ARN, "TagKeys": ["Stale"]})

    wanted = dict(params()["tags"], Owner="ops")
    result = MetricMathAlarmManager(client).ensure_present(desired_from_params(params()), wanted)

    assert result["changed"] is True
    assert result["alarm"]["tags"] == wanted
    assert result["diff"]["before"]["Tags"]["Stale"] == "yes"


def test_tags_none_leaves_tags_alone(cloudwatch):
    client, stubber = cloudwatch
    describe(stubber, described())
    tags(stubber, [{"Key": "Other", "Value": "x"}])
    result = MetricMathAlarmManager(client).ensure_present(desired_from_params(params(tags=None)), None)
    assert result["changed"] is False


def test_single_metric_alarm_of_the_same_name_is_replaced(cloudwatch):
    client, stubber = cloudwatch
    single = described(Namespace="AWS/DynamoDB", MetricName="ThrottledRequests", Statistic="Sum", Period=300)
    del single["Metrics"]
    desired = desired_from_params(params())
    describe(stubber, single)
    tags(stubber, TAGS)
    stubber.add_response("put_metric_alarm", {}, desired)
    describe(stubber, described())

    assert MetricMathAlarmManager(client).ensure_present(desired, params()["tags"])["changed"] is True


def test_check_mode_makes_no_writes(cloudwatch):
    client, stubber = cloudwatch
    describe(stubber)
    describe(stubber, described())
    tags(stubber, TAGS)

    manager = MetricMathAlarmManager(client, check_mode=True)
    created = manager.ensure_present(desired_from_params(params()), params()["tags"])
    updated = manager.ensure_present(desired_from_params(params(threshold=3)), params()["tags"])

    assert created["changed"] is True and created["alarm_arn"] == ""
    assert created["alarm"]["alarm_name"] == NAME
    assert updated["changed"] is True and updated["alarm"]["threshold"] == 3.0


def test_absent_deletes(cloudwatch):
    client, stubber = cloudwatch
    describe(stubber, described())
    stubber.add_response("delete_alarms", {}, {"AlarmNames": [NAME]})

    result = MetricMathAlarmManager(client).ensure_absent(NAME)

    assert result["changed"] is True
    assert result["diff"]["after"] == {}


def test_absent_when_missing_and_in_check_mode(cloudwatch):
    client, stubber = cloudwatch
    describe(stubber)
    describe(stubber, described())
    assert MetricMathAlarmManager(client).ensure_absent(NAME)["changed"] is False
    assert MetricMathAlarmManager(client, check_mode=True).ensure_absent(NAME)["changed"] is True


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m[2].update(return_data=False), "found 0"),
        (lambda m: m[0].update(return_data=True), "found 2"),
        (lambda m: m[2].update(metric_stat=m[0]["metric_stat"]), "both an expression and a metric_stat"),
        (lambda m: m[0].update(metric_stat=None), "needs an expression or a metric_stat"),
        (lambda m: m[0]["metric_stat"]["metric"].update(dimensions="TableName=x"), "dictionary or a list"),
        (lambda m: m[0]["metric_stat"]["metric"].update(dimensions=["TableName=x"]), "must be a dictionary"),
        (lambda m: m[0]["metric_stat"]["metric"].update(dimensions=[{"name": "TableName"}]), "needs a name and a"),
        (lambda m: m.clear(), "at least one query"),
    ],
)
def test_invalid_definitions_are_refused(change, message):
    metrics = params()["metrics"]
    change(metrics)
    with pytest.raises(AlarmDefinitionError, match=message):
        desired_from_params(params(metrics=metrics))


def test_dimensions_as_a_list_and_a_unit_are_sent_as_aws_takes_them():
    metrics = params()["metrics"]
    metrics[0]["metric_stat"]["metric"]["dimensions"] = [{"name": "TableName", "value": TABLE}]
    metrics[0]["metric_stat"]["unit"] = "Count"
    query = desired_from_params(params(metrics=metrics))["Metrics"][0]
    assert query["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "TableName", "Value": TABLE}]
    assert query["MetricStat"]["Unit"] == "Count"


def test_main_absent_of_a_missing_alarm_changes_nothing(cloudwatch, monkeypatch):
    client, stubber = cloudwatch
    describe(stubber)
    fake = FakeModule({"name": NAME, "state": "absent"}, client)
    run_main(monkeypatch, fake)
    assert fake.result["changed"] is False and "diff" not in fake.result


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with these params and the stubbed cloudwatch client."""

    def __init__(self, params, client, check_mode=False, diff=False):
        super().__init__(params, {"cloudwatch": client}, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, module_under_test)


def test_main_in_diff_mode(cloudwatch, monkeypatch):
    client, stubber = cloudwatch
    describe(stubber, described())
    tags(stubber, TAGS)
    fake = FakeModule(params(threshold=2), client, check_mode=True, diff=True)
    run_main(monkeypatch, fake)
    assert fake.result["changed"] is True
    assert fake.result["diff"]["after"]["Threshold"] == 2.0


def test_main_reports_invalid_definition(cloudwatch, monkeypatch):
    client, stubber = cloudwatch
    metrics = params()["metrics"]
    metrics[2]["return_data"] = False
    fake = FakeModule(params(metrics=metrics), client)
    run_main(monkeypatch, fake)
    assert fake.result["failed"] is True and "exactly one query" in fake.result["msg"]
