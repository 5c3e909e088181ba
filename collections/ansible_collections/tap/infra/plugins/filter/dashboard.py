# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the multi-region tap-infra CloudWatch dashboard, built from the facts of every site."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dashboard_body
short_description: Build the multi-region tap-infra CloudWatch dashboard body
description:
  - Returns a CloudWatch dashboard body (a dictionary) with one widget per metric family and, in each widget,
    one line per region site; every metric carries its site's region (metric option C(region)), so one
    dashboard shows all sites side by side.
  - "Widgets: Lambda invocations, Lambda errors, DynamoDB consumed read/write capacity, ALB request count (the
    original stack's four), ALB 5XX errors, ALB target response time, RDS CPU utilization, RDS free storage,
    RDS connections, DynamoDB replication latency (one line per source and receiving region)."
  - A site whose identifier for a family is missing or empty (for example a partial run) contributes no line
    to it; a widget without lines is left out.
options:
  _input:
    description:
      - The sites, primary first. Each is a mapping with C(inventory_hostname) (or C(host)), C(aws_region),
        and the facts C(tap_function_name), C(tap_table_name), C(tap_alb_arn_suffix), C(tap_db_instance_id),
        typically C(tap_sites | map('extract', hostvars)).
    type: list
    elements: dict
    required: true
  period:
    description: The period of every metric, in seconds.
    type: int
    default: 300
  width:
    description: The width of a widget (the grid is 24 wide).
    type: int
    default: 12
  height:
    description: The height of a widget.
    type: int
    default: 6
author:
  - tap-infra maintainers (@tap-infra)
"""

EXAMPLES = r"""
- name: Put the dashboard
  tap.infra.cloudwatch_dashboard:
    name: "{{ tap_names.dashboard }}"
    body: "{{ tap_sites | map('extract', hostvars) | tap.infra.dashboard_body }}"
"""

RETURN = r"""
_value:
  description: The dashboard body (C(widgets) list).
  type: dict
"""

from ansible.errors import AnsibleFilterError

GRID_WIDTH = 24


def _site(raw):
    def get(key, default=None):
        try:
            value = raw.get(key, default)
        except AttributeError:
            raise AnsibleFilterError("dashboard_body: each site must be a mapping, got %s" % type(raw).__name__)
        return default if value is None else value

    host = get("host") or get("inventory_hostname")
    region = get("aws_region") or get("region")
    if not host or not region:
        raise AnsibleFilterError("dashboard_body: every site needs a host name and an aws_region")
    return {
        "host": str(host),
        "region": str(region),
        "function": str(get("tap_function_name", "")),
        "table": str(get("tap_table_name", "")),
        "alb": str(get("tap_alb_arn_suffix", "")),
        "db": str(get("tap_db_instance_id", "")),
    }


def _line(namespace, metric, dimensions, site, label, **options):
    line = [namespace, metric]
    for name, value in dimensions:
        line.extend([name, value])
    line.append(dict({"region": site["region"], "label": label}, **options))
    return line


def _family(sites, key, namespace, metric, dimension, label="{host}", **options):
    return [
        _line(namespace, metric, [(dimension, site[key])], site, label.format(**site), **options)
        for site in sites
        if site[key]
    ]


def dashboard_body(sites, period=300, width=12, height=6):
    """The dashboard body for the given sites (primary first); see DOCUMENTATION."""
    sites = [_site(site) for site in sites or []]
    if not sites:
        raise AnsibleFilterError("dashboard_body needs at least one site")
    home = sites[0]["region"]

    replication = [
        _line(
            "AWS/DynamoDB",
            "ReplicationLatency",
            [("TableName", source["table"]), ("ReceivingRegion", target["region"])],
            source,
            "%s -> %s" % (source["host"], target["host"]),
        )
        for source in sites
        for target in sites
        if source["table"] and source is not target and source["region"] != target["region"]
    ]
    families = [
        ("Lambda invocations", "Sum", _family(sites, "function", "AWS/Lambda", "Invocations", "FunctionName")),
        ("Lambda errors", "Sum", _family(sites, "function", "AWS/Lambda", "Errors", "FunctionName")),
        (
            "DynamoDB consumed read/write capacity",
            "Sum",
            _family(sites, "table", "AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", "{host} read")
            + _family(
                sites,
                "table",
                "AWS/DynamoDB",
                "ConsumedWriteCapacityUnits",
                "TableName",
                "{host} write",
                yAxis="right",
            ),
        ),
        ("ALB request count", "Sum", _family(sites, "alb", "AWS/ApplicationELB", "RequestCount", "LoadBalancer")),
        (
            "ALB 5XX errors",
            "Sum",
            _family(sites, "alb", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", "{host} ELB 5XX")
            + _family(
                sites, "alb", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "{host} target 5XX"
            ),
        ),
        (
            "ALB target response time",
            "Average",
            _family(sites, "alb", "AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer"),
        ),
        ("RDS CPU utilization", "Average", _family(sites, "db", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier")),
        ("RDS free storage", "Average", _family(sites, "db", "AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier")),
        (
            "RDS connections",
            "Maximum",
            _family(sites, "db", "AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier"),
        ),
        ("DynamoDB replication latency", "Average", replication),
    ]

    per_row = max(1, GRID_WIDTH // width)
    widgets = []
    for title, stat, metrics in families:
        if not metrics:
            continue
        index = len(widgets)
        widgets.append(
            {
                "type": "metric",
                "x": (index % per_row) * width,
                "y": (index // per_row) * height,
                "width": width,
                "height": height,
                "properties": {
                    "title": title,
                    "view": "timeSeries",
                    "stacked": False,
                    "region": home,
                    "stat": stat,
                    "period": int(period),
                    "metrics": metrics,
                },
            }
        )
    return {"widgets": widgets}


def dashboard_url(name, region):
    """The console address of a dashboard."""
    return "https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards:name=%s" % (region, region, name)


class FilterModule(object):
    def filters(self):
        return {"dashboard_body": dashboard_body, "dashboard_url": dashboard_url}
