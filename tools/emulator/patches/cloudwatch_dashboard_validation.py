"""Realistic mode: PutDashboard validates the dashboard body as CloudWatch does.

AWS (CloudWatch API Reference, "Dashboard Body Structure and Syntax"; PutDashboard, Errors:
InvalidParameterInput, HTTP 400, with DashboardValidationMessages, one {DataPath, Message} per problem): the
body is an object with a `widgets` array; each widget has a `type` (metric, text, log, alarm, explorer,
custom), `properties`, and integer `x` (0-23), `y` (>= 0), `width` (1-24), `height` (1-1000); a metric widget's
properties name a `region` and its metrics (or an alarm's annotations); a text widget's, `markdown`. moto stores
any JSON.
"""

import json

from tools.emulator import realism

TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
BOUNDS = {"x": (0, 23), "y": (0, None), "width": (1, 24), "height": (1, 1000)}


def validation_messages(body):
    """[(data path, message)] of a dashboard body, in CloudWatch's words ([] when it is valid)."""
    found = []
    dashboard = json.loads(body)
    if not isinstance(dashboard, dict):
        return [("", "Should be object")]
    widgets = dashboard.get("widgets")
    if widgets is None:
        return [("", "Should have required property 'widgets'")]
    if not isinstance(widgets, list):
        return [("/widgets", "Should be array")]
    for index, widget in enumerate(widgets):
        path = "/widgets/%d" % index
        if not isinstance(widget, dict):
            found.append((path, "Should be object"))
            continue
        for key in ("type", "properties"):
            if key not in widget:
                found.append((path, "Should have required property '%s'" % key))
        if "type" in widget and widget["type"] not in TYPES:
            found.append((path + "/type", "Should be equal to one of the allowed values"))
        for key, (low, high) in BOUNDS.items():
            value = widget.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                found.append((path + "/" + key, "Should be integer"))
            elif value < low:
                found.append((path + "/" + key, "Should be >= %d" % low))
            elif high is not None and value > high:
                found.append((path + "/" + key, "Should be <= %d" % high))
        properties = widget.get("properties")
        if "properties" in widget and not isinstance(properties, dict):
            found.append((path + "/properties", "Should be object"))
        elif widget.get("type") == "metric":
            if "region" not in properties:
                found.append((path + "/properties", "Should have required property 'region'"))
            if not any(key in properties for key in ("metrics", "annotations")):
                found.append((path + "/properties", "Should have required property 'metrics'"))
            elif not isinstance(properties.get("metrics", []), list):
                found.append((path + "/properties/metrics", "Should be array"))
        elif widget.get("type") == "text" and "markdown" not in properties:
            found.append((path + "/properties", "Should have required property 'markdown'"))
    return found


def apply():
    from moto.cloudwatch.exceptions import DashboardInvalidInputError
    from moto.cloudwatch.models import CloudWatchBackend

    def put_dashboard(original):
        def wrapper(self, name, body):
            found = validation_messages(body) if realism.enabled() else []
            if found:
                listed = [{"dataPath": path, "message": message} for path, message in found]
                error = DashboardInvalidInputError(
                    "The dashboard body is invalid, there are %d validation errors:\n%s"
                    % (len(found), json.dumps(listed, indent=2))
                )
                error.dashboardValidationMessages = [{"DataPath": path, "Message": message} for path, message in found]
                raise error
            return original(self, name, body)

        return wrapper

    realism.wrap(CloudWatchBackend, "put_dashboard", __name__, put_dashboard)
