"""GetDashboard of a missing dashboard answers ResourceNotFound (404), as AWS does.

AWS (CloudWatch API reference, GetDashboard, Errors): DashboardNotFoundError, code ResourceNotFound, HTTP 404.
LocalStack 2026.3.0 answers InvalidParameterValue (400), which callers read as a bad request, not as a
dashboard to create.
"""

from localstack.aws.api.cloudwatch import DashboardNotFoundError
from localstack.services.cloudwatch.provider_v2 import CloudwatchProvider

_original_get_dashboard = CloudwatchProvider.get_dashboard


def get_dashboard(self, context, dashboard_name, **kwargs):
    store = self.get_store(context.account_id, context.region)
    if dashboard_name not in store.dashboards:
        raise DashboardNotFoundError("Dashboard %s does not exist." % dashboard_name)
    return _original_get_dashboard(self, context, dashboard_name, **kwargs)


def apply():
    CloudwatchProvider.get_dashboard = get_dashboard
