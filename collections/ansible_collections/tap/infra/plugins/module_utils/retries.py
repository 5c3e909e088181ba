# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How every tap.infra module retries, in one place.

- Throttling, 5xx answers and dropped connections: botocore's retry mode (the project sets `standard` with
  `tap_aws_max_attempts` attempts per call in `aws_config`). The module layer adds no retry of its own on top.
- Eventual consistency: only the answers AWS documents for a resource made or changed moments ago. Each is a
  named Consistency policy below (codes, message shape, attempts, seconds), and each call site that can meet
  one says which (`Retrying(policy, sleep, clock)(client.method)(**params)`).
- Denials (AccessDenied, AccessDeniedException, UnauthorizedOperation, AuthFailure) are never retried: the task
  fails at once with a message naming the API action, the resource and the statement of
  docs/deployer-policy.json that grants the action (`module_utils/deployer_policy.py`). The one exception is
  ELB_INVOKE_PERMISSION, a message shape ELBv2 gives while a new Lambda permission propagates.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
from functools import wraps

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

from ansible_collections.tap.infra.plugins.module_utils.deployer_policy import statements_granting
from ansible_collections.tap.infra.plugins.module_utils.errors import ModuleError

DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure")

# boto3 service name -> IAM service prefix, where they differ.
IAM_PREFIX = {"elbv2": "elasticloadbalancing", "resourcegroupstaggingapi": "tag"}
# API operation -> IAM action, where they differ (AWS's service authorization reference).
IAM_ACTION = {
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:DeleteObjects": "s3:DeleteObjectVersion",  # s3_object_versions deletes versions by id
    "lambda:GetFunctionConfiguration": "lambda:GetFunction",
}
# Request parameters that name the resource a call acts on, most specific first.
RESOURCE_PARAMETERS = (
    "KeyId", "AliasName", "TargetGroupArn", "ListenerArn", "RuleArn", "FunctionName", "TableName", "GroupId",
    "SubnetId", "RouteTableId", "InternetGatewayId", "VpcId", "AlarmName", "AlarmNames", "DashboardName",
    "DashboardNames", "ResourceArn", "ResourceARN", "ResourceArns", "Resources", "Bucket", "Names", "Filters",
)  # fmt: skip


class Consistency:
    """An eventual-consistency answer AWS documents: its error codes (and message shape, when a code also means
    something that must not be retried), retried at most `attempts` times within `seconds`, waiting `delay`
    seconds doubling up to `max_delay` between attempts."""

    def __init__(self, name, codes, attempts, seconds, message=None, delay=2, max_delay=15):
        self.name = name
        self.codes = tuple(codes)
        self.attempts = attempts
        self.seconds = seconds
        self.message = re.compile(message) if message else None
        self.delay = delay
        self.max_delay = max_delay

    def matches(self, error):
        details = getattr(error, "response", {}).get("Error", {})
        if details.get("Code") not in self.codes:
            return False
        return self.message is None or bool(self.message.search(details.get("Message") or ""))

    def delays(self):
        """The waits between attempts, deterministic (the deadline bounds them too)."""
        return tuple(min(self.delay * 2**n, self.max_delay) for n in range(self.attempts - 1))

    def schedule(self):
        """The waits of a call that is refused every time (and answers at once): both bounds applied."""
        waits, total = [], 0
        for delay in self.delays():
            if total + delay > self.seconds:
                break
            waits.append(delay)
            total += delay
        return waits

    def within(self, attempts=None, seconds=None):
        """The same policy with other bounds (a module option that sets them)."""
        return Consistency(
            self.name,
            self.codes,
            attempts or self.attempts,
            self.seconds if seconds is None else seconds,
            self.message.pattern if self.message else None,
            self.delay,
            self.max_delay,
        )


# EC2 is eventually consistent: a resource made moments ago may not be visible to the next call yet.
# https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html
EC2_NOT_YET_VISIBLE = Consistency(
    "EC2 resource made moments ago not visible yet",
    [
        "InvalidVpcID.NotFound",
        "InvalidSubnetID.NotFound",
        "InvalidGroup.NotFound",
        "InvalidRouteTableID.NotFound",
        "InvalidGatewayID.NotFound",
        "InvalidInternetGatewayID.NotFound",
        "InvalidNatGatewayID.NotFound",
        "NatGatewayNotFound",
    ],
    attempts=10,
    seconds=90,
)
# DeleteSecurityGroup, DeleteSubnet, DeleteRouteTable, DetachInternetGateway, DeleteVpc: refused while network
# interfaces of a deleted load balancer, NAT gateway or DB instance (or an association) are being released.
# https://repost.aws/knowledge-center/troubleshoot-dependency-error-delete-vpc
DEPENDENCY_VIOLATION = Consistency(
    "resource still held by dependents being released", ["DependencyViolation"], attempts=15, seconds=360,
    delay=5, max_delay=30,
)  # fmt: skip
# UpdateContinuousBackups for a while after CreateTable: "Backups are being enabled for the table: <name>. Please
# retry later". https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContinuousBackups.html
BACKUPS_BEING_ENABLED = Consistency(
    "point-in-time recovery not available yet on a new table", ["ContinuousBackupsUnavailableException"],
    attempts=20, seconds=300, delay=5, max_delay=30,
)  # fmt: skip
# UpdateTable while the table or a replica is being created, updated or deleted.
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
TABLE_BUSY = Consistency(
    "table or replica being changed", ["ResourceInUseException"], attempts=10, seconds=600, delay=3, max_delay=60
)
# CreateKey / PutKeyPolicy with a policy naming an IAM principal created moments ago: "Policy contains a statement
# with one or more invalid principals." (the same code with another message is a policy error: not retried).
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
NEW_PRINCIPAL_IN_KEY_POLICY = Consistency(
    "IAM principal in the key policy not propagated yet", ["MalformedPolicyDocumentException"], attempts=7,
    seconds=90, message="invalid principals",
)  # fmt: skip
# RegisterTargets of a Lambda function before, and for a while after, AddPermission for ELBv2: AccessDenied
# "elasticloadbalancing principal does not have permission to invoke <function> from target group <arn>".
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
ELB_INVOKE_PERMISSION = Consistency(
    "Lambda invoke permission for ELBv2 not propagated yet", ["AccessDenied"], attempts=10, seconds=90,
    message="^elasticloadbalancing principal does not have permission to invoke ",
)  # fmt: skip
# AddPermission / RemovePermission while the function is being created or updated: ResourceConflictException.
# https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
FUNCTION_BEING_UPDATED = Consistency(
    "function being created or updated", ["ResourceConflictException"], attempts=10, seconds=90
)


def iam_action(function, error):
    """The IAM action of the call that failed (e.g. kms:CreateKey)."""
    while not hasattr(function, "__self__") and hasattr(function, "__wrapped__"):
        function = function.__wrapped__  # through RetryingBotoClientWrapper's wrapper
    client = getattr(function, "__self__", None)
    service = client.meta.service_model.service_name if client is not None else "unknown"
    action = "%s:%s" % (IAM_PREFIX.get(service, service), getattr(error, "operation_name", "?"))
    return IAM_ACTION.get(action, action)


def resource_of(params):
    for name in RESOURCE_PARAMETERS:
        if params.get(name):
            value = params[name]
            if name == "Filters":  # EC2 filters: name=value,value
                value = ["%s=%s" % (f.get("Name"), ",".join(f.get("Values", []))) for f in value]
            return ", ".join(value) if isinstance(value, (list, tuple)) else str(value)
    return "(none named by the call)"


def denial(function, error, params):
    """The ModuleError for a refused call: the action, the resource and the deployer policy statement."""
    action = iam_action(function, error)
    statements = statements_granting(action)
    if statements:
        where = "docs/deployer-policy.json grants it in statement %s" % " and ".join(statements)
    else:
        where = "docs/deployer-policy.json has no statement granting it: add one"
    code = error.response["Error"]["Code"]
    return ModuleError(
        "%s: the deployer may not call %s on %s (not retried). %s; check that the identity running the play has "
        "that policy and that no SCP, permissions boundary or resource policy denies it"
        % (code, action, resource_of(params), where),
        error,
    )


def explained(function, error, params):
    """`error` as the module raises it: a denial becomes a ModuleError naming what to grant."""
    if isinstance(error, botocore.exceptions.ClientError) and error.response.get("Error", {}).get("Code") in DENIED:
        return denial(function, error, params)
    return error


def denials_explained(function):
    """The client decorator of every module (module.client(service, retry_decorator=denials_explained), then
    aws_retry=True on each call): one attempt at the module layer, a denial explained."""

    @wraps(function)
    def call(*args, **params):
        try:
            return function(*args, **params)
        except botocore.exceptions.ClientError as e:
            raise explained(function, e, params)

    return call


class Retrying:
    """A decorator retrying a call on one Consistency policy, with the clock and sleep a manager holds (tests
    replace both)."""

    def __init__(self, policy, sleep=time.sleep, clock=time.monotonic):
        self.policy = policy
        self.sleep = sleep
        self.clock = clock

    def __call__(self, function):
        policy = self.policy

        @wraps(function)
        def call(*args, **params):
            deadline = None  # set at the first answer that may be retried: a call that succeeds reads no clock
            for delay in policy.delays() + (None,):
                try:
                    return function(*args, **params)
                except botocore.exceptions.ClientError as e:
                    if delay is None or not policy.matches(e):
                        raise explained(function, e, params)
                    now = self.clock()
                    deadline = now + policy.seconds if deadline is None else deadline
                    if now + delay > deadline:
                        raise
                self.sleep(delay)
            return None  # not reached

        return call
