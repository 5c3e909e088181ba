# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of playbooks/verify.yml: the dimension values an alarm watches, check records, and the table of checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: alarm_dimension_values
short_description: Every dimension value a CloudWatch alarm watches
description:
  - The values of the alarm's own dimensions and of the dimensions of every metric of a metric-math alarm,
    as M(amazon.aws.cloudwatch_metric_alarm_info) returns them (snake_case keys) or as DescribeAlarms does.
options:
  _input:
    description: One alarm.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Does the alarm watch the function?
  ansible.builtin.assert:
    that: tap_names.function in (alarm | tap.infra.alarm_dimension_values)
"""

RETURN = r"""
_value:
  description: The dimension values, sorted, without duplicates.
  type: list
  elements: str
"""


def _get(mapping, *names):
    for name in names:
        if isinstance(mapping, dict) and name in mapping:
            return mapping[name]
    return None


def alarm_dimension_values(alarm):
    values = set()

    def add(dimensions):
        for dimension in dimensions or []:
            value = _get(dimension, "value", "Value")
            if value is not None:
                values.add(str(value))

    add(_get(alarm, "dimensions", "Dimensions"))
    for metric in _get(alarm, "metrics", "Metrics") or []:
        stat = _get(metric, "metric_stat", "MetricStat") or {}
        add(_get(_get(stat, "metric", "Metric") or {}, "dimensions", "Dimensions"))
    return sorted(values)


def verify_table(checks):
    """The checks as one text table: result, site, check, expected, seen (failures first)."""
    rows = [("result", "site", "check", "expected", "seen")]
    ordered = sorted(checks, key=lambda c: (bool(c.get("ok")), str(c.get("site")), str(c.get("check"))))
    for check in ordered:
        rows.append(
            (
                "pass" if check.get("ok") else "FAIL",
                str(check.get("site", "")),
                str(check.get("check", "")),
                str(check.get("expected", "")),
                str(check.get("seen", "")),
            )
        )
    widths = [min(max(len(row[i]) for row in rows), 70) for i in range(5)]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell if len(cell) <= widths[i] else cell[: widths[i] - 3] + "..." for i, cell in enumerate(row)]
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    passed = sum(1 for c in checks if c.get("ok"))
    lines.append("%d checks: %d passed, %d failed" % (len(checks), passed, len(checks) - passed))
    return "\n".join(lines)


def verify_answer(labelled, site, status, answering_site, function):
    """One check record from (label, ansible.builtin.uri result): the status expected, answered by the function of
    answering_site (the handler names its site in its JSON body)."""
    if isinstance(labelled, dict):
        label, result = labelled.get("key"), labelled.get("value") or {}
    else:
        label, result = labelled[0], labelled[1] or {}
    seen_status = result.get("status")
    body = result.get("json") if isinstance(result.get("json"), dict) else {}
    seen_site = body.get("site")
    if seen_status is None:
        seen = "no request (%s)" % ("skipped" if result.get("skipped") else result.get("msg", "?"))
    elif seen_status == -1:
        seen = "no answer: %s" % result.get("msg", "")
    else:
        seen = "%s from %s" % (seen_status, ("site " + seen_site) if seen_site else "no site function")
        if result.get("x_tap_error_reason"):
            seen += " (%s)" % result["x_tap_error_reason"]
    return {
        "site": site,
        "check": label,
        "expected": "%s from %s (site %s)" % (status, function, answering_site),
        "seen": seen,
        "ok": seen_status == status and seen_site == answering_site,
    }


def verify_replica_check(region, site, table, result, seconds):
    """One check record: the item of a site's POST read back in `region`, from `result`, what the tries of
    tap.infra.dynamodb_item_info with `regions` registered (items_by_region, read_errors, attempts)."""
    result = result or {}
    found = (result.get("items_by_region") or {}).get(region)
    if found:
        seen = "read back by attempt %s" % result.get("attempts", 1)
    elif region in (result.get("read_errors") or {}):
        seen = result["read_errors"][region]
    elif "items_by_region" in result:
        seen = "not read back in %s attempt(s)" % result.get("attempts", 1)
    else:
        seen = result.get("msg") or ("skipped" if result.get("skipped") else "not read")
    return {
        "site": site,
        "check": "item of the POST in table %s in %s" % (table, region),
        "expected": "read back within %s s" % seconds,
        "seen": seen,
        "ok": bool(found),
    }


class FilterModule(object):
    def filters(self):
        return {
            "alarm_dimension_values": alarm_dimension_values,
            "verify_table": verify_table,
            "verify_answer": verify_answer,
            "verify_replica_check": verify_replica_check,
        }
