#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: elb_lambda_target_group
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
  - amazon.aws.tags
short_description: An ELBv2 target group serving one Lambda function, with its scoped invoke permission
version_added: 0.1.0
description:
  - Converges, in one idempotent task, the three resources an Application Load Balancer needs to invoke a
    Lambda function
    (1) an ELBv2 target group of type C(lambda),
    (2) the Lambda resource-policy statement that lets C(elasticloadbalancing.amazonaws.com) invoke the function,
    scoped to that target group by C(AWS:SourceArn),
    (3) the function registered as the only target of the group.
  - The permission is added before the target is registered, as ELBv2 requires (RegisterTargets fails with
    AccessDenied otherwise); registration is retried while the new permission propagates (only on ELBv2's
    C(elasticloadbalancing principal does not have permission to invoke) answer; any other denial fails at once).
  - The statement id is derived from the target group name (C(elb-invoke-<name>)), so a re-run finds it and a
    statement with that id but a missing or different C(SourceArn) is replaced.
  - With O(state=absent) the target is deregistered, the permission removed and the group deleted, each step
    tolerating a resource that is already gone. The group must no longer be used by a listener or rule.
  - Supports check mode (no writes, honest C(changed)) and diff mode (target group settings, permission, targets).
author:
  - tap-infra maintainers (@tap-infra)
options:
  name:
    description:
      - Name of the target group (at most 32 letters, digits and hyphens).
    type: str
    required: true
  function_name:
    description:
      - Name or ARN (optionally qualified) of the Lambda function to register.
      - Required with O(state=present). With O(state=absent) the permission is removed from this function, and from
        every function still registered in the group.
    type: str
  state:
    description:
      - Whether the target group, permission and target should exist.
  health_check:
    description:
      - Health checks of the target group. Lambda target groups have them disabled unless enabled here.
      - Only the sub-options that are set are compared and changed.
    type: dict
    suboptions:
      enabled:
        description: Whether ELB invokes the function for health checks.
        type: bool
        default: false
      path:
        description: The path of the health check request.
        type: str
      interval_seconds:
        description: Seconds between health checks (5-300).
        type: int
      timeout_seconds:
        description: Seconds to wait for a health check response (2-120).
        type: int
      healthy_threshold_count:
        description: Consecutive successes before the target is healthy (2-10).
        type: int
      unhealthy_threshold_count:
        description: Consecutive failures before the target is unhealthy (2-10).
        type: int
      matcher:
        description: HTTP codes of a successful response, for example V(200) or V(200-299).
        type: str
  multi_value_headers:
    description:
      - Value of the target group attribute C(lambda.multi_value_headers.enabled).
      - When true, ELB passes query parameters and headers as lists and expects C(multiValueHeaders) in responses.
      - Left unchanged when not set.
    type: bool
notes:
  - One Lambda target per target group, and one load balancer per target group, are ELBv2 quotas.
  - The function's resource policy is modified only for the statement id this module owns.
  - C(RegisterTargets) is retried, at most 10 attempts within 90 s, only on ELBv2's C(AccessDenied)
    "elasticloadbalancing principal does not have permission to invoke ..." while the new permission propagates.
    C(AddPermission) and C(RemovePermission) are retried on C(ResourceConflictException) (the function is being
    created or updated), at most 10 attempts within 90 s.
  - Why it exists - it replaces C(community.aws.elb_target_group) with C(target_type=lambda) plus
    C(amazon.aws.lambda_policy). The first adds no invoke permission for the function (its own examples take three
    tasks) and has no check mode; the second reports ok in check mode when the permission is missing (amazon.aws 11.4,
    community.aws 11.2). The project can drop it when C(elb_target_group) registers a function with its scoped
    permission and supports check mode.
"""

EXAMPLES = r"""
- name: Serve a function through a target group
  tap.infra.elb_lambda_target_group:
    name: tap-dev-us-east-1-tg
    function_name: tap-dev-us-east-1-fn
    multi_value_headers: false
    tags:
      Project: tap-infra
  register: tg

- name: Use it as the default action of a listener
  amazon.aws.elb_application_lb:
    name: tap-dev-us-east-1-alb
    subnets: "{{ subnet_ids }}"
    security_groups: ["{{ sg_id }}"]
    listeners:
      - Protocol: HTTP
        Port: 80
        DefaultActions:
          - Type: forward
            TargetGroupArn: "{{ tg.target_group_arn }}"

- name: Remove target, permission and group (after the load balancer is gone)
  tap.infra.elb_lambda_target_group:
    name: tap-dev-us-east-1-tg
    function_name: tap-dev-us-east-1-fn
    state: absent
"""

RETURN = r"""
target_group_arn:
  description: ARN of the target group (empty in check mode when it does not exist yet).
  returned: state=present
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tap-dev-us-east-1-tg/0123456789abcdef
target_group_name:
  description: Name of the target group.
  returned: always
  type: str
  sample: tap-dev-us-east-1-tg
arn_suffix:
  description: The C(targetgroup/<name>/<id>) part of the ARN, the C(TargetGroup) dimension of CloudWatch metrics.
  returned: state=present
  type: str
  sample: targetgroup/tap-dev-us-east-1-tg/0123456789abcdef
function_arn:
  description: ARN of the registered function.
  returned: state=present
  type: str
  sample: arn:aws:lambda:us-east-1:123456789012:function:tap-dev-us-east-1-fn
statement_id:
  description: Id of the permission statement this module owns in the function's resource policy.
  returned: always
  type: str
  sample: elb-invoke-tap-dev-us-east-1-tg
permission:
  description: The permission statement as the function's policy holds it (empty in check mode before creation).
  returned: state=present
  type: dict
  sample:
    Sid: elb-invoke-tap-dev-us-east-1-tg
    Effect: Allow
    Principal: {Service: elasticloadbalancing.amazonaws.com}
    Action: lambda:InvokeFunction
    Resource: arn:aws:lambda:us-east-1:123456789012:function:tap-dev-us-east-1-fn
    Condition: {ArnLike: {"AWS:SourceArn": "arn:aws:elasticloadbalancing:...:targetgroup/tap-dev-us-east-1-tg/0123"}}
targets:
  description: Ids of the registered targets.
  returned: state=present
  type: list
  elements: str
target_group:
  description: The target group as DescribeTargetGroups returns it, in snake case.
  returned: state=present and the group exists
  type: dict
attributes:
  description: Target group attributes this module manages.
  returned: state=present
  type: dict
  sample: {multi_value_headers: false}
tags:
  description: Tags of the target group.
  returned: state=present
  type: dict
"""

import json
import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as LambdaTargetGroupError
from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import TAG_OPTIONS
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge_state
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager
from ansible_collections.tap.infra.plugins.module_utils.common import updated_tags
from ansible_collections.tap.infra.plugins.module_utils.retries import ELB_INVOKE_PERMISSION
from ansible_collections.tap.infra.plugins.module_utils.retries import FUNCTION_BEING_UPDATED

ELB_PRINCIPAL = "elasticloadbalancing.amazonaws.com"
INVOKE_ACTION = "lambda:InvokeFunction"
MULTI_VALUE_ATTRIBUTE = "lambda.multi_value_headers.enabled"

# health_check sub-option -> (CreateTargetGroup/ModifyTargetGroup parameter, value in DescribeTargetGroups)
HEALTH_CHECK_FIELDS = {
    "enabled": "HealthCheckEnabled",
    "path": "HealthCheckPath",
    "interval_seconds": "HealthCheckIntervalSeconds",
    "timeout_seconds": "HealthCheckTimeoutSeconds",
    "healthy_threshold_count": "HealthyThresholdCount",
    "unhealthy_threshold_count": "UnhealthyThresholdCount",
}


def statement_id_for(name):
    """The permission's statement id, derived from the target group name (Sid: [a-zA-Z0-9-_]{1,100})."""
    return "elb-invoke-%s" % name


def arn_suffix(arn):
    """'targetgroup/<name>/<id>' from a target group ARN (the CloudWatch TargetGroup dimension)."""
    if not arn:
        return ""
    return arn.split(":", 5)[5]


def is_arn(value):
    return value.startswith("arn:")


def statement_source_arn(statement):
    """The AWS:SourceArn a policy statement is scoped to, or None."""
    for operator in ("ArnLike", "ArnEquals", "StringEquals", "StringLike"):
        block = (statement.get("Condition") or {}).get(operator) or {}
        for key, value in block.items():
            if key.lower() == "aws:sourcearn":
                return value[0] if isinstance(value, list) and len(value) == 1 else value
    return None


def statement_matches(statement, target_group_arn):
    """True if a statement grants exactly: ELB may invoke, from this target group only."""
    if not statement or statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal") or {}
    service = principal.get("Service") if isinstance(principal, dict) else principal
    action = statement.get("Action")
    return service == ELB_PRINCIPAL and action == INVOKE_ACTION and statement_source_arn(statement) == target_group_arn


class LambdaTargetGroupManager(Manager):
    """Reads and converges the target group, the invoke permission and the target."""

    def __init__(self, elbv2, lambda_client, check_mode=False, sleep=time.sleep, clock=time.monotonic):
        super().__init__(elbv2, check_mode, sleep, clock)
        self.elbv2 = elbv2
        self.lambda_client = lambda_client
        self.register_retry = self.retrying(ELB_INVOKE_PERMISSION)
        self.lambda_retry = self.retrying(FUNCTION_BEING_UPDATED)

    # ---- reads --------------------------------------------------------------------------------------------

    def describe_target_group(self, name):
        try:
            groups = self.elbv2.describe_target_groups(Names=[name], aws_retry=True)["TargetGroups"]
        except is_boto3_error_code("TargetGroupNotFound"):
            return None
        return groups[0] if groups else None

    def get_function_arn(self, function_name):
        """The function's ARN (as given when an ARN is given), or None if the function does not exist."""
        try:
            config = self.lambda_client.get_function_configuration(FunctionName=function_name, aws_retry=True)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        if is_arn(function_name):
            return function_name
        return config["FunctionArn"]

    def get_statement(self, function, sid):
        try:
            policy = self.lambda_client.get_policy(FunctionName=function, aws_retry=True)["Policy"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        for statement in json.loads(policy).get("Statement", []):
            if statement.get("Sid") == sid:
                return statement
        return None

    def get_targets(self, arn):
        descriptions = self.elbv2.describe_target_health(TargetGroupArn=arn, aws_retry=True)
        return sorted(d["Target"]["Id"] for d in descriptions.get("TargetHealthDescriptions", []))

    def get_attributes(self, arn):
        attributes = self.elbv2.describe_target_group_attributes(TargetGroupArn=arn, aws_retry=True)["Attributes"]
        values = {a["Key"]: a["Value"] for a in attributes}
        return {"multi_value_headers": values.get(MULTI_VALUE_ATTRIBUTE, "false") == "true"}

    def get_tags(self, arn):
        descriptions = self.elbv2.describe_tags(ResourceArns=[arn], aws_retry=True)["TagDescriptions"]
        return boto3_tag_list_to_ansible_dict(descriptions[0].get("Tags", [])) if descriptions else {}

    # ---- writes -------------------------------------------------------------------------------------------

    def add_permission(self, function, sid, target_group_arn):
        self.lambda_retry(self.lambda_client.add_permission)(
            FunctionName=function,
            StatementId=sid,
            Action=INVOKE_ACTION,
            Principal=ELB_PRINCIPAL,
            SourceArn=target_group_arn,
        )

    def remove_permission(self, function, sid):
        """Remove our statement; a function or statement that is already gone is fine."""
        try:
            self.lambda_retry(self.lambda_client.remove_permission)(FunctionName=function, StatementId=sid)
        except is_boto3_error_code("ResourceNotFoundException"):
            pass

    def register(self, arn, function_arn):
        self.register_retry(self.elbv2.register_targets)(TargetGroupArn=arn, Targets=[{"Id": function_arn}])

    def deregister(self, arn, target_ids):
        if target_ids:
            try:
                self.elbv2.deregister_targets(
                    TargetGroupArn=arn, Targets=[{"Id": t} for t in target_ids], aws_retry=True
                )
            except is_boto3_error_code(["TargetGroupNotFound", "InvalidTarget"]):
                pass

    # ---- desired state --------------------------------------------------------------------------------------

    @staticmethod
    def health_check_params(health_check):
        health_check = health_check or {"enabled": False}
        params = {}
        for option, key in HEALTH_CHECK_FIELDS.items():
            if health_check.get(option) is not None:
                params[key] = health_check[option]
        if health_check.get("matcher") is not None:
            params["Matcher"] = {"HttpCode": health_check["matcher"]}
        return params

    @staticmethod
    def health_check_view(group):
        view = {key: group.get(key) for key in HEALTH_CHECK_FIELDS.values() if key in group}
        if "Matcher" in group:
            view["Matcher"] = group["Matcher"]
        return view

    def ensure_present(
        self, name, function_name, health_check=None, multi_value_headers=None, tags=None, purge_tags=True
    ):
        sid = statement_id_for(name)
        function_arn = self.get_function_arn(function_name)
        if function_arn is None:
            if not self.check_mode:
                raise LambdaTargetGroupError("Lambda function %s does not exist" % function_name)
            # Check mode before the function exists: everything would be created.
            function_arn = function_name if is_arn(function_name) else ""

        group = self.describe_target_group(name)
        if group and group.get("TargetType") != "lambda":
            raise LambdaTargetGroupError(
                "target group %s exists with target type %s, not lambda" % (name, group.get("TargetType"))
            )
        desired_health = self.health_check_params(health_check)

        if group:
            arn = group["TargetGroupArn"]
            before = {
                "target_group": self.health_check_view(group),
                "attributes": self.get_attributes(arn),
                "tags": self.get_tags(arn),
                "permission": self.get_statement(function_arn, sid) if function_arn else None,
                "targets": self.get_targets(arn),
            }
        else:
            arn = ""
            before = {"target_group": None, "attributes": None, "tags": None, "permission": None, "targets": []}

        # 1. the target group, its health check, attributes and tags
        if not group:
            self.changed = True
            if not self.check_mode:
                params = dict(Name=name, TargetType="lambda", **desired_health)
                if tags:
                    params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
                group = self.elbv2.create_target_group(aws_retry=True, **params)["TargetGroups"][0]
                arn = group["TargetGroupArn"]
        else:
            current_health = self.health_check_view(group)
            health_changes = {k: v for k, v in desired_health.items() if current_health.get(k) != v}
            if health_changes:
                self.changed = True
                if not self.check_mode:
                    group = self.elbv2.modify_target_group(TargetGroupArn=arn, aws_retry=True, **health_changes)[
                        "TargetGroups"
                    ][0]

        current_attributes = before["attributes"] or {"multi_value_headers": False}
        desired_attributes = dict(current_attributes)
        if multi_value_headers is not None:
            desired_attributes["multi_value_headers"] = multi_value_headers
        if desired_attributes != current_attributes:
            self.changed = True
            if not self.check_mode:
                self.elbv2.modify_target_group_attributes(
                    TargetGroupArn=arn,
                    Attributes=[{"Key": MULTI_VALUE_ATTRIBUTE, "Value": str(multi_value_headers).lower()}],
                    aws_retry=True,
                )

        current_tags = before["tags"] if before["tags"] is not None else (tags or {})
        desired_tags = current_tags
        if before["tags"] is not None and tags is not None:
            tags_to_set, tags_to_unset = compare_aws_tags(current_tags, tags, purge_tags=purge_tags)
            desired_tags = updated_tags(current_tags, tags_to_set, tags_to_unset)
            if tags_to_unset:
                self.changed = True
                if not self.check_mode:
                    self.elbv2.remove_tags(ResourceArns=[arn], TagKeys=tags_to_unset, aws_retry=True)
            if tags_to_set:
                self.changed = True
                if not self.check_mode:
                    self.elbv2.add_tags(
                        ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(tags_to_set), aws_retry=True
                    )

        # 2. the invoke permission, scoped to this target group (must precede RegisterTargets)
        statement = before["permission"]
        desired_statement = {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": ELB_PRINCIPAL},
            "Action": INVOKE_ACTION,
            "Resource": function_arn,
            "Condition": {"ArnLike": {"AWS:SourceArn": arn}},
        }
        if not (arn and statement_matches(statement, arn)):
            self.changed = True
            if not self.check_mode:
                if statement is not None:
                    self.remove_permission(function_arn, sid)
                self.add_permission(function_arn, sid, arn)
                statement = self.get_statement(function_arn, sid)
            else:
                statement = None

        # 3. the function as the only target (a different function is deregistered and loses our permission)
        current_targets = before["targets"]
        stale = [t for t in current_targets if t != function_arn]
        if stale:
            self.changed = True
            if not self.check_mode:
                self.deregister(arn, stale)
                for target in stale:
                    self.remove_permission(target, sid)
        if function_arn not in current_targets or not function_arn:
            self.changed = True
            if not self.check_mode:
                self.register(arn, function_arn)

        after = {
            "target_group": dict(self.health_check_view(group or {}), **desired_health),
            "attributes": desired_attributes,
            "tags": desired_tags,
            "permission": statement if statement else desired_statement,
            "targets": [function_arn or function_name],
        }
        result = self.report(
            before,
            after,
            target_group_arn=arn,
            target_group_name=name,
            arn_suffix=arn_suffix(arn),
            function_arn=function_arn,
            statement_id=sid,
            permission=statement or {},
            targets=[function_arn] if function_arn else [],
            attributes=desired_attributes,
            tags=desired_tags,
        )
        if group:
            result["target_group"] = camel_dict_to_snake_dict(group)
        return result

    def ensure_absent(self, name, function_name=None):
        sid = statement_id_for(name)
        group = self.describe_target_group(name)
        arn = group["TargetGroupArn"] if group else ""
        targets = self.get_targets(arn) if group else []

        functions = list(targets)
        if function_name:
            function_arn = self.get_function_arn(function_name)
            if function_arn and function_arn not in functions:
                functions.append(function_arn)
        statements = {}
        for function in functions:
            statement = self.get_statement(function, sid)
            if statement is not None:
                statements[function] = statement

        before = {"target_group": name if group else None, "targets": targets, "permission": statements or None}
        if group or statements:
            self.changed = True
        if not self.check_mode:
            # Order: deregister the target, remove the permission, delete the group (each may be gone).
            if group:
                self.deregister(arn, targets)
            for function in statements:
                self.remove_permission(function, sid)
            if group:
                try:
                    self.elbv2.delete_target_group(TargetGroupArn=arn, aws_retry=True)
                except is_boto3_error_code("TargetGroupNotFound"):
                    pass
        after = {"target_group": None, "targets": [], "permission": None}
        return self.report(before, after, target_group_name=name, target_group_arn=arn, statement_id=sid)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        function_name=dict(type="str"),
        state=STATE_OPTION,
        health_check=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=False),
                path=dict(type="str"),
                interval_seconds=dict(type="int"),
                timeout_seconds=dict(type="int"),
                healthy_threshold_count=dict(type="int"),
                unhealthy_threshold_count=dict(type="int"),
                matcher=dict(type="str"),
            ),
        ),
        multi_value_headers=dict(type="bool"),
        **TAG_OPTIONS,
    )
    module = aws_module(argument_spec, required_if=[("state", "present", ["function_name"])])
    manager = new_manager(module, LambdaTargetGroupManager, "elbv2", "lambda")
    params = module.params
    converge_state(
        module,
        manager,
        "Failed to converge Lambda target group %s" % params["name"],
        params["name"],
        params["function_name"],
        health_check=params["health_check"],
        multi_value_headers=params["multi_value_headers"],
        tags=params["tags"],
        purge_tags=params["purge_tags"],
    )


if __name__ == "__main__":
    main()
