#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudwatch_metric_math_alarm
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
  - amazon.aws.tags.modules
short_description: Create, update or delete a CloudWatch alarm defined by metric queries (metric math)
version_added: 0.1.0
description:
  - Converges one CloudWatch metric alarm whose metric is a list of metric data queries (C(Metrics)), typically
    a metric math expression over several metrics, for example C(e1 = m1 + m2).
  - The current alarm (DescribeAlarms) and the desired one are compared in a normalized form (dimensions sorted
    by name, queries sorted by id, action lists sorted, and the defaults AWS fills in applied to both sides
    (C(ReturnData=true), C(ActionsEnabled=true), C(TreatMissingData=missing),
    C(DatapointsToAlarm=EvaluationPeriods))). PutMetricAlarm is called only when they differ.
  - PutMetricAlarm replaces the whole alarm definition, so options left out take their defaults (for
    example an omitted O(description) removes an existing one). Tags are the exception (O(tags), O(purge_tags)).
  - "Why this module exists: M(amazon.aws.cloudwatch_metric_alarm) (amazon.aws 10.1.2) handles metric math
    alarms (its C(metrics) option) badly: it drops the existing C(Metrics) from the described alarm before
    comparing, so it reports changed on every run and never detects a real change to the queries. It also has
    no tags option. For single-metric alarms (C(metric_name)) the stock module is idempotent and should be used."
author:
  - tap-infra maintainers (@tap-infra)
options:
  name:
    description:
      - The name of the alarm.
    required: true
    type: str
    aliases: ['alarm_name']
  state:
    description:
      - V(present) creates the alarm or replaces its definition when it differs; V(absent) deletes it.
  metrics:
    description:
      - The metric data queries of the alarm. Exactly one of them must return data (O(metrics[].return_data),
        true by default), the series the alarm evaluates.
      - Required when O(state=present).
    type: list
    elements: dict
    suboptions:
      id:
        description: A short name for the query (lowercase letter first), used in expressions.
        type: str
        required: true
      expression:
        description: A metric math expression over other queries' ids. Mutually exclusive with O(metrics[].metric_stat).
        type: str
      label:
        description: A human-readable label for the series.
        type: str
      return_data:
        description: Whether this query is the alarm's series. AWS treats an omitted value as V(true).
        type: bool
      period:
        description: The period in seconds of an expression query (optional; AWS derives it from the metrics).
        type: int
      account_id:
        description: The account of the metric, for cross-account alarms.
        type: str
      metric_stat:
        description: A metric and the statistic over it. Mutually exclusive with O(metrics[].expression).
        type: dict
        suboptions:
          metric:
            description: The metric.
            type: dict
            required: true
            suboptions:
              namespace:
                description: The namespace, for example V(AWS/DynamoDB).
                type: str
                required: true
              metric_name:
                description: The metric name, for example V(ThrottledRequests).
                type: str
                required: true
              dimensions:
                description:
                  - The dimensions, either a dictionary of name to value or a list of C(name)/C(value) dictionaries.
                type: raw
          period:
            description: The period in seconds (10, 30, or a multiple of 60).
            type: int
            required: true
          stat:
            description: The statistic, for example V(Sum), V(Average) or V(p99).
            type: str
            required: true
          unit:
            description: The unit to filter the metric on.
            type: str
  comparison_operator:
    description:
      - How the series is compared with O(threshold). Required when O(state=present).
    choices:
      - GreaterThanOrEqualToThreshold
      - GreaterThanThreshold
      - LessThanThreshold
      - LessThanOrEqualToThreshold
    type: str
    aliases: ['comparison']
  threshold:
    description: The threshold. Required when O(state=present).
    type: float
  evaluation_periods:
    description: The number of periods over which the series is compared with the threshold. Required when O(state=present).
    type: int
  datapoints_to_alarm:
    description: The number of breaching data points (out of O(evaluation_periods)) that trigger the alarm; defaults to O(evaluation_periods).
    type: int
  treat_missing_data:
    description: How missing data points are treated.
    choices: ['breaching', 'notBreaching', 'ignore', 'missing']
    default: missing
    type: str
  alarm_actions:
    description: ARNs of the actions (for example SNS topics) run when the alarm enters the ALARM state.
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs of the actions run when the alarm enters the OK state.
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs of the actions run when the alarm enters the INSUFFICIENT_DATA state.
    type: list
    elements: str
    default: []
  description:
    description: The alarm description.
    type: str
  actions_enabled:
    description: Whether the actions run on state changes.
    type: bool
    default: true
notes:
  - Why it exists - it complements C(amazon.aws.cloudwatch_metric_alarm), which with O(metrics) reports changed on
    every run and never detects a real change to the metrics (it drops the existing C(Metrics) before comparing;
    amazon.aws 11.4). The project can drop it when C(cloudwatch_metric_alarm) compares C(Metrics).
"""

EXAMPLES = r"""
- name: DynamoDB throttling on PutItem and GetItem, as one alarm
  tap.infra.cloudwatch_metric_math_alarm:
    name: tap-dev-us-east-1-dynamodb-throttles
    description: Throttled PutItem + GetItem requests
    metrics:
      - id: m1
        return_data: false
        metric_stat:
          metric:
            namespace: AWS/DynamoDB
            metric_name: ThrottledRequests
            dimensions: {TableName: tap-dev-table, Operation: PutItem}
          period: 300
          stat: Sum
      - id: m2
        return_data: false
        metric_stat:
          metric:
            namespace: AWS/DynamoDB
            metric_name: ThrottledRequests
            dimensions: {TableName: tap-dev-table, Operation: GetItem}
          period: 300
          stat: Sum
      - id: e1
        expression: m1 + m2
        label: Throttled PutItem + GetItem
        return_data: true
    comparison_operator: GreaterThanOrEqualToThreshold
    threshold: 1
    evaluation_periods: 1
    treat_missing_data: notBreaching
    alarm_actions: ["{{ topic_arn }}"]
    ok_actions: ["{{ topic_arn }}"]
    tags:
      Project: tap-infra

- name: Delete it
  tap.infra.cloudwatch_metric_math_alarm:
    name: tap-dev-us-east-1-dynamodb-throttles
    state: absent
"""

RETURN = r"""
alarm_name:
  description: The name of the alarm.
  returned: always
  type: str
  sample: tap-dev-us-east-1-dynamodb-throttles
alarm_arn:
  description: The ARN of the alarm; empty when it does not exist (absent, or to be created in check mode).
  returned: always
  type: str
  sample: arn:aws:cloudwatch:us-east-1:123456789012:alarm:tap-dev-us-east-1-dynamodb-throttles
alarm:
  description:
    - The alarm as DescribeAlarms returns it (keys in snake case), with its C(tags); in check mode, the desired
      definition. Empty when absent.
  returned: always
  type: dict
  contains:
    alarm_name:
      description: The name.
      type: str
    metrics:
      description: The metric data queries.
      type: list
      elements: dict
    comparison_operator:
      description: The comparison operator.
      type: str
    threshold:
      description: The threshold.
      type: float
    evaluation_periods:
      description: The number of evaluation periods.
      type: int
    alarm_actions:
      description: The alarm actions.
      type: list
      elements: str
    ok_actions:
      description: The OK actions.
      type: list
      elements: str
    state_value:
      description: The state (V(OK), V(ALARM), V(INSUFFICIENT_DATA)).
      type: str
    tags:
      description: The alarm's tags.
      type: dict
"""

import copy
import datetime

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import TAG_OPTIONS
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.plugins.module_utils.common import list_of_dicts
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager


class AlarmDefinitionError(ValueError):
    """The desired alarm is not a valid metric-query alarm."""


def dimension_list(dimensions):
    """Dimensions as AWS lists them, sorted by name: from a dict, or a list of name/value (or Name/Value) dicts."""
    if not dimensions:
        return []
    if isinstance(dimensions, dict):
        items = [{"Name": str(key), "Value": str(value)} for key, value in dimensions.items()]
    elif isinstance(dimensions, list):
        items = []
        for item in dimensions:
            if not isinstance(item, dict):
                raise AlarmDefinitionError("a dimension must be a dictionary with name and value, got %r" % (item,))
            name = item.get("Name", item.get("name"))
            value = item.get("Value", item.get("value"))
            if name is None or value is None:
                raise AlarmDefinitionError("a dimension needs a name and a value, got %r" % (item,))
            items.append({"Name": str(name), "Value": str(value)})
    else:
        raise AlarmDefinitionError("dimensions must be a dictionary or a list, got %s" % type(dimensions).__name__)
    return sorted(items, key=lambda item: (item["Name"], item["Value"]))


def query_from_params(query):
    """One MetricDataQuery (AWS shape) from the module's snake-case suboptions; unset keys left out."""
    result = {"Id": query["id"]}
    if query.get("expression") and query.get("metric_stat"):
        raise AlarmDefinitionError("query %s has both an expression and a metric_stat" % query["id"])
    if not query.get("expression") and not query.get("metric_stat"):
        raise AlarmDefinitionError("query %s needs an expression or a metric_stat" % query["id"])
    if query.get("metric_stat"):
        stat = query["metric_stat"]
        metric = stat["metric"]
        result["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metric_name"],
                "Dimensions": dimension_list(metric.get("dimensions")),
            },
            "Period": stat["period"],
            "Stat": stat["stat"],
        }
        if stat.get("unit"):
            result["MetricStat"]["Unit"] = stat["unit"]
    for key, aws_key in (
        ("expression", "Expression"),
        ("label", "Label"),
        ("return_data", "ReturnData"),
        ("period", "Period"),
        ("account_id", "AccountId"),
    ):
        if query.get(key) is not None:
            result[aws_key] = query[key]
    return result


def desired_from_params(params):
    """PutMetricAlarm arguments (without Tags) from the module parameters."""
    metrics = [query_from_params(query) for query in params["metrics"] or []]
    if not metrics:
        raise AlarmDefinitionError("metrics must hold at least one query")
    returning = [query["Id"] for query in metrics if query.get("ReturnData", True)]
    if len(returning) != 1:
        raise AlarmDefinitionError(
            "exactly one query must return data (return_data true or omitted), found %d: %s"
            % (len(returning), ", ".join(returning) or "none")
        )
    desired = {
        "AlarmName": params["name"],
        "ActionsEnabled": params["actions_enabled"],
        "OKActions": list(params["ok_actions"] or []),
        "AlarmActions": list(params["alarm_actions"] or []),
        "InsufficientDataActions": list(params["insufficient_data_actions"] or []),
        "EvaluationPeriods": params["evaluation_periods"],
        "Threshold": float(params["threshold"]),
        "ComparisonOperator": params["comparison_operator"],
        "TreatMissingData": params["treat_missing_data"],
        "Metrics": metrics,
    }
    if params.get("description"):
        desired["AlarmDescription"] = params["description"]
    if params.get("datapoints_to_alarm") is not None:
        desired["DatapointsToAlarm"] = params["datapoints_to_alarm"]
    return desired


def normalize_query(query):
    result = {"Id": query["Id"], "ReturnData": query.get("ReturnData", True)}
    for key in ("Expression", "Label", "Period", "AccountId"):
        if query.get(key) not in (None, ""):
            result[key] = query[key]
    if query.get("MetricStat"):
        stat = query["MetricStat"]
        metric = stat.get("Metric", {})
        result["MetricStat"] = {
            "Metric": {
                "Namespace": metric.get("Namespace"),
                "MetricName": metric.get("MetricName"),
                "Dimensions": dimension_list(metric.get("Dimensions")),
            },
            "Period": stat.get("Period"),
            "Stat": stat.get("Stat"),
        }
        if stat.get("Unit"):
            result["MetricStat"]["Unit"] = stat["Unit"]
    return result


def normalize(alarm):
    """An alarm definition (DescribeAlarms item or PutMetricAlarm arguments) in a comparable form."""
    if alarm is None:
        return None
    evaluation_periods = alarm.get("EvaluationPeriods")
    normalized = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription") or "",
        "ActionsEnabled": alarm.get("ActionsEnabled", True),
        "OKActions": sorted(alarm.get("OKActions") or []),
        "AlarmActions": sorted(alarm.get("AlarmActions") or []),
        "InsufficientDataActions": sorted(alarm.get("InsufficientDataActions") or []),
        "EvaluationPeriods": evaluation_periods,
        "DatapointsToAlarm": alarm.get("DatapointsToAlarm") or evaluation_periods,
        "Threshold": float(alarm["Threshold"]) if alarm.get("Threshold") is not None else None,
        "ComparisonOperator": alarm.get("ComparisonOperator"),
        "TreatMissingData": alarm.get("TreatMissingData") or "missing",
        "Metrics": sorted((normalize_query(query) for query in alarm.get("Metrics") or []), key=lambda q: q["Id"]),
    }
    # A single-metric alarm of the same name must show up as a difference, not be silently kept.
    for key in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "ThresholdMetricId"):
        if alarm.get(key):
            normalized[key] = alarm[key]
    return normalized


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def alarm_result(alarm, tags):
    """The returned alarm: snake-case keys, dimension names/values and tag keys left as they are."""
    if not alarm:
        return {}
    result = camel_dict_to_snake_dict(_jsonable(alarm))
    if tags is not None:
        result["tags"] = dict(tags)
    return result


class MetricMathAlarmManager(Manager):
    """Converges one metric-query alarm; holds the client and the check mode switch."""

    def describe(self, name):
        response = self.client.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"], aws_retry=True)
        alarms = [alarm for alarm in response.get("MetricAlarms", []) if alarm["AlarmName"] == name]
        return alarms[0] if alarms else None

    def get_tags(self, arn):
        try:
            response = self.client.list_tags_for_resource(ResourceARN=arn, aws_retry=True)
        except is_boto3_error_code("ResourceNotFoundException"):
            return {}
        return boto3_tag_list_to_ansible_dict(response.get("Tags", []))

    def ensure_present(self, desired, tags=None, purge_tags=True):
        name = desired["AlarmName"]
        current = self.describe(name)
        current_tags = self.get_tags(current["AlarmArn"]) if current else {}
        before, after = normalize(current), normalize(desired)

        if current:
            tags_to_set, tags_to_unset = (
                compare_aws_tags(current_tags, tags, purge_tags) if tags is not None else ({}, [])
            )
        else:
            tags_to_set, tags_to_unset = dict(tags or {}), []
        new_tags = dict(current_tags)
        new_tags.update(tags_to_set)
        for key in tags_to_unset:
            new_tags.pop(key, None)

        definition_changed = before != after
        changed = definition_changed or bool(tags_to_set) or bool(tags_to_unset)
        result = {"changed": changed, "alarm_name": name, "alarm_arn": current["AlarmArn"] if current else ""}
        if changed:
            result["diff"] = {
                "before": dict(before, Tags=current_tags) if before else {},
                "after": dict(after, Tags=new_tags),
            }
        if self.check_mode:
            result["alarm"] = alarm_result(dict(current or {}, **desired) if changed else current, new_tags)
            return result

        if definition_changed:
            arguments = copy.deepcopy(desired)
            if not current and tags:
                arguments["Tags"] = ansible_dict_to_boto3_tag_list(tags)
            self.client.put_metric_alarm(aws_retry=True, **arguments)
        current_after = self.describe(name) if definition_changed else current
        if current and tags_to_set:
            self.client.tag_resource(
                ResourceARN=current["AlarmArn"], Tags=ansible_dict_to_boto3_tag_list(tags_to_set), aws_retry=True
            )
        if current and tags_to_unset:
            self.client.untag_resource(ResourceARN=current["AlarmArn"], TagKeys=tags_to_unset, aws_retry=True)

        result["alarm_arn"] = current_after["AlarmArn"] if current_after else ""
        result["alarm"] = alarm_result(current_after, new_tags)
        return result

    def ensure_absent(self, name):
        current = self.describe(name)
        result = {"changed": current is not None, "alarm_name": name, "alarm_arn": "", "alarm": {}}
        if current is None:
            return result
        result["diff"] = {"before": normalize(current), "after": {}}
        self.delete_if_exists("delete_alarms", "ResourceNotFound", AlarmNames=[name])
        return result


def main():
    dimension_options = dict(
        namespace=dict(type="str", required=True),
        metric_name=dict(type="str", required=True),
        dimensions=dict(type="raw"),
    )
    metric_stat_options = dict(
        metric=dict(type="dict", required=True, options=dimension_options),
        period=dict(type="int", required=True),
        stat=dict(type="str", required=True),
        unit=dict(type="str"),
    )
    query_options = dict(
        id=dict(type="str", required=True),
        expression=dict(type="str"),
        label=dict(type="str"),
        return_data=dict(type="bool"),
        period=dict(type="int"),
        account_id=dict(type="str"),
        metric_stat=dict(type="dict", options=metric_stat_options),
    )
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["alarm_name"]),
        state=STATE_OPTION,
        metrics=list_of_dicts(query_options),
        comparison_operator=dict(
            type="str",
            aliases=["comparison"],
            choices=[
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "LessThanThreshold",
                "LessThanOrEqualToThreshold",
            ],
        ),
        threshold=dict(type="float"),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(
            type="str", default="missing", choices=["breaching", "notBreaching", "ignore", "missing"]
        ),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        description=dict(type="str"),
        actions_enabled=dict(type="bool", default=True),
        **TAG_OPTIONS,
    )
    module = aws_module(
        argument_spec,
        required_if=[("state", "present", ["metrics", "comparison_operator", "threshold", "evaluation_periods"])],
    )
    manager = new_manager(module, MetricMathAlarmManager, "cloudwatch")
    name = module.params["name"]

    def ensure():
        if module.params["state"] == "absent":
            return manager.ensure_absent(name)
        try:
            desired = desired_from_params(module.params)
        except AlarmDefinitionError as exc:
            raise ModuleError("alarm %s: %s" % (name, exc))
        return manager.ensure_present(desired, module.params["tags"], module.params["purge_tags"])

    converge(module, ensure, "CloudWatch alarm %s could not be converged" % name, manager)


if __name__ == "__main__":
    main()
