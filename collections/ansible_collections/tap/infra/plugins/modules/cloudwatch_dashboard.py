#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudwatch_dashboard
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
short_description: Create, update or delete an Amazon CloudWatch dashboard
version_added: 0.1.0
description:
  - Creates, updates or deletes one CloudWatch dashboard.
  - The dashboard body is compared in a normalized form (parsed JSON, canonical key order), so a body that
    differs only in key order or whitespace does not cause an update.
  - Neither C(amazon.aws) nor C(community.aws) ships a dashboard module; this module fills that gap.
  - In diff mode the result holds the bodies before and after, and a summary of the widgets added, removed
    and changed, each named by its title (or by its type and position when it has no title).
author:
  - tap-infra maintainers (@tap-infra)
options:
  name:
    description:
      - The name of the dashboard (letters, digits, V(-) and V(_); at most 255 characters).
    required: true
    type: str
    aliases: ['dashboard_name']
  body:
    description:
      - The dashboard body, as a dictionary or a JSON string, in the CloudWatch dashboard body structure
        (a C(widgets) list, optional C(start), C(end), C(periodOverride)).
      - Required when O(state=present).
      - See U(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
    type: raw
  state:
    description:
      - V(present) creates the dashboard or replaces its body when it differs.
      - V(absent) deletes the dashboard when it exists.
notes:
  - Why it exists - neither C(amazon.aws) nor C(community.aws) has a CloudWatch dashboard module (amazon.aws 11.4,
    community.aws 11.2). The project can drop it when one is published.
"""

EXAMPLES = r"""
- name: One dashboard with a Lambda errors widget
  tap.infra.cloudwatch_dashboard:
    name: tap-dev-dashboard
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Lambda errors
            view: timeSeries
            stat: Sum
            period: 300
            region: us-east-1
            metrics:
              - ["AWS/Lambda", "Errors", "FunctionName", "tap-dev-us-east-1-fn", {"region": "us-east-1"}]

- name: Body from a template
  tap.infra.cloudwatch_dashboard:
    name: tap-dev-dashboard
    body: "{{ lookup('ansible.builtin.template', 'dashboard.json.j2') }}"

- name: Delete the dashboard
  tap.infra.cloudwatch_dashboard:
    name: tap-dev-dashboard
    state: absent
"""

RETURN = r"""
dashboard_name:
  description: The name of the dashboard.
  returned: always
  type: str
  sample: tap-dev-dashboard
dashboard_arn:
  description:
    - The ARN of the dashboard.
    - Empty when the dashboard does not exist (after O(state=absent), or when it would be created in check mode).
  returned: always
  type: str
  sample: arn:aws:cloudwatch::123456789012:dashboard/tap-dev-dashboard
body:
  description: The dashboard body (parsed) as it is, or would be in check mode, after the run; empty when absent.
  returned: always
  type: dict
  sample: {"widgets": []}
validation_messages:
  description: The validation messages PutDashboard returned (the dashboard is saved despite them).
  returned: always
  type: list
  elements: dict
  contains:
    data_path:
      description: The data path of the element the message is about.
      type: str
      sample: /widgets/0/properties/metrics/0
    message:
      description: The message.
      type: str
      sample: The metric has no datapoints.
widgets:
  description: The widgets added, removed and changed by this run, by title.
  returned: when changed
  type: dict
  contains:
    added:
      description: Titles of the widgets added.
      type: list
      elements: str
    removed:
      description: Titles of the widgets removed.
      type: list
      elements: str
    changed:
      description: Titles of the widgets whose definition changed.
      type: list
      elements: str
"""

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.common import converge_named


class DashboardBodyError(ModuleError):
    """The body given is not a JSON object."""


def parse_body(body):
    """The body as a dictionary (from a dictionary or a JSON string); None stays None."""
    if body is None:
        return None
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise DashboardBodyError("body is not valid JSON: %s" % exc)
    if not isinstance(body, dict):
        raise DashboardBodyError("body must be a JSON object (a dictionary), got %s" % type(body).__name__)
    # A round trip turns every mapping/sequence type (e.g. Ansible's lazy containers) into plain ones.
    return json.loads(json.dumps(body))


def canonical(body):
    """The canonical JSON text of a parsed body: sorted keys, no insignificant whitespace."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def widget_key(widget, index):
    """A widget's name for the summary: its title, else the first line of a text widget, else type and place."""
    properties = widget.get("properties") or {}
    title = properties.get("title")
    if not title:
        lines = str(properties.get("markdown") or "").strip().splitlines()
        title = lines[0] if lines else None
    if title:
        return str(title)
    return "%s widget at x=%s,y=%s (#%d)" % (widget.get("type", "unknown"), widget.get("x"), widget.get("y"), index)


def widget_summary(before, after):
    """Widgets added, removed and changed between two parsed bodies, named by title."""

    def keyed(body):
        widgets = {}
        for index, widget in enumerate((body or {}).get("widgets") or []):
            key = widget_key(widget, index)
            if key in widgets:
                key = "%s (#%d)" % (key, index)
            widgets[key] = canonical(widget)
        return widgets

    old, new = keyed(before), keyed(after)
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(key for key in set(old) & set(new) if old[key] != new[key]),
    }


class DashboardManager(Manager):
    """Converges one dashboard; holds the client and the check mode switch."""

    def get(self, name):
        """The dashboard as GetDashboard returns it, or None when it does not exist."""
        try:
            return self.client.get_dashboard(DashboardName=name, aws_retry=True)
        except is_boto3_error_code("ResourceNotFound"):
            return None

    def ensure_present(self, name, body):
        desired = parse_body(body)
        current = self.get(name)
        before = parse_body(current["DashboardBody"]) if current else None
        result = {
            "changed": False,
            "dashboard_name": name,
            "dashboard_arn": current["DashboardArn"] if current else "",
            "body": desired,
            "validation_messages": [],
        }
        if before is not None and canonical(before) == canonical(desired):
            return result

        result["changed"] = True
        result["widgets"] = widget_summary(before, desired)
        result["diff"] = {
            "before": json.dumps(before, indent=2, sort_keys=True) + "\n" if before is not None else "",
            "after": json.dumps(desired, indent=2, sort_keys=True) + "\n",
            "before_header": "dashboard %s" % name,
            "after_header": "dashboard %s" % name,
        }
        if self.check_mode:
            return result

        response = self.client.put_dashboard(DashboardName=name, DashboardBody=canonical(desired), aws_retry=True)
        result["validation_messages"] = [
            camel_dict_to_snake_dict(message) for message in response.get("DashboardValidationMessages", [])
        ]
        if not current:
            created = self.get(name)
            result["dashboard_arn"] = created["DashboardArn"] if created else ""
        return result

    def ensure_absent(self, name):
        current = self.get(name)
        result = {"changed": False, "dashboard_name": name, "dashboard_arn": "", "body": {}, "validation_messages": []}
        if current is None:
            return result
        before = parse_body(current["DashboardBody"])
        result["changed"] = True
        result["widgets"] = widget_summary(before, None)
        result["diff"] = {
            "before": json.dumps(before, indent=2, sort_keys=True) + "\n",
            "after": "",
            "before_header": "dashboard %s" % name,
            "after_header": "dashboard %s" % name,
        }
        self.delete_if_exists("delete_dashboards", "ResourceNotFound", DashboardNames=[name])
        return result


def main():
    name = dict(type="str", required=True, aliases=["dashboard_name"])
    converge_named(DashboardManager, "cloudwatch", "CloudWatch dashboard", name, body=dict(type="raw"))


if __name__ == "__main__":
    main()
