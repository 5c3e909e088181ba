# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""elb_lambda_target_group against real AWS response shapes (botocore Stubber, no network).

The emulator neither checks the invoke permission nor its SourceArn, so the call order and the
parameters that real AWS depends on are asserted here: Stubber fails on any call out of order,
with other parameters, or left unmade.
"""

import json

from functools import partial

import botocore
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.tap.infra.plugins.modules import elb_lambda_target_group as mod
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils
from ansible_collections.tap.infra.plugins.module_utils.common import CLIENT_DECORATOR
from ansible_collections.tap.infra.plugins.module_utils.errors import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.retries import ELB_INVOKE_PERMISSION

REGION = "us-east-1"
ACCOUNT = "123456789012"
NAME = "tap-dev-us-east-1-tg"
SID = "elb-invoke-" + NAME
FUNCTION = "tap-dev-us-east-1-fn"
FUNCTION_ARN = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, FUNCTION)
OTHER_FUNCTION_ARN = "arn:aws:lambda:%s:%s:function:other-fn" % (REGION, ACCOUNT)
TG_ARN = "arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/73e2d6bc24d8a067" % (REGION, ACCOUNT, NAME)
OTHER_TG_ARN = "arn:aws:elasticloadbalancing:%s:%s:targetgroup/other-tg/0f8e2d6bc24d8a06" % (REGION, ACCOUNT)
TAGS = {"Project": "tap-infra", "Environment": "dev"}

# ---- real AWS response shapes --------------------------------------------------------------------------------


def target_group(**overrides):
    group = {
        "TargetGroupArn": TG_ARN,
        "TargetGroupName": NAME,
        "HealthCheckEnabled": False,
        "HealthCheckIntervalSeconds": 35,
        "HealthCheckTimeoutSeconds": 30,
        "HealthyThresholdCount": 5,
        "UnhealthyThresholdCount": 2,
        "HealthCheckPath": "/",
        "Matcher": {"HttpCode": "200"},
        "LoadBalancerArns": [],
        "TargetType": "lambda",
    }
    group.update(overrides)
    return group


def function_configuration():
    return {
        "FunctionName": FUNCTION,
        "FunctionArn": FUNCTION_ARN,
        "Runtime": "python3.13",
        "Role": "arn:aws:iam::%s:role/%s" % (ACCOUNT, FUNCTION),
        "Handler": "app.handler",
        "CodeSize": 1234,
        "Timeout": 30,
        "MemorySize": 128,
        "State": "Active",
    }


def statement(source_arn=TG_ARN, sid=SID, function_arn=FUNCTION_ARN):
    st = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": "elasticloadbalancing.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": function_arn,
    }
    if source_arn:
        st["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
    return st


def policy(*statements):
    doc = {"Version": "2012-10-17", "Id": "default", "Statement": list(statements)}
    return {"Policy": json.dumps(doc), "RevisionId": "4f3a1b2c-0000-4000-8000-000000000001"}


def target_health(*ids):
    return {
        "TargetHealthDescriptions": [
            {
                "Target": {"Id": i, "AvailabilityZone": "all"},
                "TargetHealth": {
                    "State": "unavailable",
                    "Reason": "Target.HealthCheckDisabled",
                    "Description": "Health checks are disabled for the target group",
                },
            }
            for i in ids
        ]
    }


def attributes(multi_value="false"):
    return {"Attributes": [{"Key": "lambda.multi_value_headers.enabled", "Value": multi_value}]}


def tag_description(tags=None):
    tags = TAGS if tags is None else tags
    return {"TagDescriptions": [{"ResourceArn": TG_ARN, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]}


# ---- fixtures ----------------------------------------------------------------------------------------------


class Stubs:
    """Stubbed elbv2 and lambda clients, wrapped as AnsibleAWSModule.client() wraps them."""

    def __init__(self):
        self.elbv2_raw = utils.raw_client("elbv2")
        self.lambda_raw = utils.raw_client("lambda")
        self.elbv2 = Stubber(self.elbv2_raw)
        self.lam = Stubber(self.lambda_raw)
        self.calls = []
        for name, client in (("elbv2", self.elbv2_raw), ("lambda", self.lambda_raw)):
            client.meta.events.register(
                "before-call.*.*", lambda model, _n=name, **kw: self.calls.append("%s.%s" % (_n, model.name))
            )

    def manager(self, check_mode=False):
        self.clock = utils.Clock()
        return mod.LambdaTargetGroupManager(
            RetryingBotoClientWrapper(self.elbv2_raw, CLIENT_DECORATOR),
            RetryingBotoClientWrapper(self.lambda_raw, CLIENT_DECORATOR),
            check_mode=check_mode,
            sleep=self.clock.sleep,
            clock=self.clock,
        )

    def __enter__(self):
        self.elbv2.activate()
        self.lam.activate()
        return self

    def __exit__(self, *exc):
        self.elbv2.deactivate()
        self.lam.deactivate()

    def verify(self):
        self.elbv2.assert_no_pending_responses()
        self.lam.assert_no_pending_responses()

    # common read sequences
    def function_exists(self, name=FUNCTION):
        self.lam.add_response("get_function_configuration", function_configuration(), {"FunctionName": name})

    def function_missing(self, name=FUNCTION):
        self.lam.add_client_error(
            "get_function_configuration",
            service_error_code="ResourceNotFoundException",
            http_status_code=404,
            service_message="Function not found: %s" % name,
            expected_params={"FunctionName": name},
        )

    def group_missing(self):
        self.elbv2.add_client_error(
            "describe_target_groups",
            service_error_code="TargetGroupNotFound",
            http_status_code=400,
            service_message="One or more target groups not found",
            expected_params={"Names": [NAME]},
        )

    def group_exists(self, **overrides):
        self.elbv2.add_response(
            "describe_target_groups", {"TargetGroups": [target_group(**overrides)]}, {"Names": [NAME]}
        )

    def existing_state(self, policy_response, targets=(FUNCTION_ARN,), multi_value="false", tags=None):
        self.function_exists()
        self.group_exists()
        self.elbv2.add_response("describe_target_group_attributes", attributes(multi_value), {"TargetGroupArn": TG_ARN})
        self.elbv2.add_response("describe_tags", tag_description(tags), {"ResourceArns": [TG_ARN]})
        if policy_response is None:
            self.no_policy()
        else:
            self.lam.add_response("get_policy", policy_response, {"FunctionName": FUNCTION_ARN})
        self.elbv2.add_response("describe_target_health", target_health(*targets), {"TargetGroupArn": TG_ARN})

    def no_policy(self, function=FUNCTION_ARN):
        self.lam.add_client_error(
            "get_policy",
            service_error_code="ResourceNotFoundException",
            http_status_code=404,
            service_message="The resource you requested does not exist.",
            expected_params={"FunctionName": function},
        )

    def expect_add_permission(self, source_arn=TG_ARN):
        self.lam.add_response(
            "add_permission",
            {"Statement": json.dumps(statement(source_arn))},
            {
                "FunctionName": FUNCTION_ARN,
                "StatementId": SID,
                "Action": "lambda:InvokeFunction",
                "Principal": "elasticloadbalancing.amazonaws.com",
                "SourceArn": source_arn,
            },
        )
        self.lam.add_response("get_policy", policy(statement(source_arn)), {"FunctionName": FUNCTION_ARN})


stubs = utils.stubs_fixture(Stubs)


WRITES = {
    "elbv2.CreateTargetGroup",
    "elbv2.ModifyTargetGroup",
    "elbv2.ModifyTargetGroupAttributes",
    "elbv2.AddTags",
    "elbv2.RemoveTags",
    "elbv2.RegisterTargets",
    "elbv2.DeregisterTargets",
    "elbv2.DeleteTargetGroup",
    "lambda.AddPermission",
    "lambda.RemovePermission",
}


def writes(calls):
    return [c for c in calls if c in WRITES]


# ---- helpers -------------------------------------------------------------------------------------------------


def test_statement_id_is_derived_from_the_name():
    assert mod.statement_id_for(NAME) == SID
    assert mod.statement_id_for(NAME) == mod.statement_id_for(NAME)


def test_arn_suffix_is_the_cloudwatch_dimension():
    assert mod.arn_suffix(TG_ARN) == "targetgroup/%s/73e2d6bc24d8a067" % NAME
    assert mod.arn_suffix("") == ""


def test_statement_matches_requires_the_source_arn():
    assert mod.statement_matches(statement(), TG_ARN)
    assert not mod.statement_matches(statement(source_arn=None), TG_ARN)
    assert not mod.statement_matches(statement(source_arn=OTHER_TG_ARN), TG_ARN)
    assert not mod.statement_matches(None, TG_ARN)


# ---- present -------------------------------------------------------------------------------------------------


def test_create_from_nothing_orders_group_permission_target(stubs):
    stubs.function_exists()
    stubs.group_missing()
    stubs.elbv2.add_response(
        "create_target_group",
        {"TargetGroups": [target_group()]},
        {
            "Name": NAME,
            "TargetType": "lambda",
            "HealthCheckEnabled": False,
            "Tags": [{"Key": "Project", "Value": "tap-infra"}, {"Key": "Environment", "Value": "dev"}],
        },
    )
    stubs.expect_add_permission()
    stubs.elbv2.add_response("register_targets", {}, {"TargetGroupArn": TG_ARN, "Targets": [{"Id": FUNCTION_ARN}]})

    result = stubs.manager().ensure_present(NAME, FUNCTION, tags=TAGS)

    assert writes(stubs.calls) == ["elbv2.CreateTargetGroup", "lambda.AddPermission", "elbv2.RegisterTargets"]
    assert result["changed"] is True
    assert result["target_group_arn"] == TG_ARN
    assert result["arn_suffix"] == "targetgroup/%s/73e2d6bc24d8a067" % NAME
    assert result["function_arn"] == FUNCTION_ARN
    assert result["permission"]["Condition"]["ArnLike"]["AWS:SourceArn"] == TG_ARN
    assert result["targets"] == [FUNCTION_ARN]
    assert result["diff"]["before"]["target_group"] is None
    assert result["diff"]["after"]["targets"] == [FUNCTION_ARN]


def test_register_is_retried_while_the_permission_propagates(stubs):
    stubs.function_exists()
    stubs.group_missing()
    stubs.elbv2.add_response("create_target_group", {"TargetGroups": [target_group()]})
    stubs.expect_add_permission()
    stubs.elbv2.add_client_error(
        "register_targets",
        service_error_code="AccessDenied",
        http_status_code=403,
        service_message="elasticloadbalancing principal does not have permission to invoke %s" % FUNCTION_ARN,
    )
    stubs.elbv2.add_response("register_targets", {}, {"TargetGroupArn": TG_ARN, "Targets": [{"Id": FUNCTION_ARN}]})

    result = stubs.manager().ensure_present(NAME, FUNCTION)

    assert result["changed"] is True
    assert writes(stubs.calls).count("elbv2.RegisterTargets") == 2


def new_group_with_permission(stubs):
    stubs.function_exists()
    stubs.group_missing()
    stubs.elbv2.add_response("create_target_group", {"TargetGroups": [target_group()]})
    stubs.expect_add_permission()


def test_register_gives_up_when_the_permission_never_propagates(stubs):
    new_group_with_permission(stubs)
    waits = ELB_INVOKE_PERMISSION.schedule()
    for attempt in range(len(waits) + 1):
        stubs.elbv2.add_client_error(
            "register_targets",
            service_error_code="AccessDenied",
            http_status_code=403,
            service_message="elasticloadbalancing principal does not have permission to invoke %s from target group %s"
            % (FUNCTION_ARN, TG_ARN),
        )
    manager = stubs.manager()
    with pytest.raises(botocore.exceptions.ClientError, match="does not have permission to invoke"):
        manager.ensure_present(NAME, FUNCTION)
    assert writes(stubs.calls).count("elbv2.RegisterTargets") == len(waits) + 1
    assert stubs.clock.sleeps == waits and sum(waits) <= ELB_INVOKE_PERMISSION.seconds


def test_a_plain_access_denied_fails_at_once_naming_the_action_and_statement(stubs):
    new_group_with_permission(stubs)
    stubs.elbv2.add_client_error(
        "register_targets",
        service_error_code="AccessDenied",
        http_status_code=403,
        service_message="User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: "
        "elasticloadbalancing:RegisterTargets on resource: %s" % TG_ARN,
    )
    manager = stubs.manager()
    with pytest.raises(ModuleError) as raised:
        manager.ensure_present(NAME, FUNCTION)
    assert writes(stubs.calls).count("elbv2.RegisterTargets") == 1 and stubs.clock.sleeps == []
    message = raised.value.message
    assert "elasticloadbalancing:RegisterTargets" in message and TG_ARN in message
    assert "ElbProjectResources" in message and "not retried" in message


def test_converged_state_is_a_no_op(stubs):
    stubs.existing_state(policy(statement()))

    result = stubs.manager().ensure_present(NAME, FUNCTION, tags=TAGS, multi_value_headers=False)

    assert result["changed"] is False
    assert writes(stubs.calls) == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_function_given_as_arn_is_the_target_id(stubs):
    stubs.lam.add_response("get_function_configuration", function_configuration(), {"FunctionName": FUNCTION_ARN})
    stubs.group_exists()
    stubs.elbv2.add_response("describe_target_group_attributes", attributes(), {"TargetGroupArn": TG_ARN})
    stubs.elbv2.add_response("describe_tags", tag_description(), {"ResourceArns": [TG_ARN]})
    stubs.lam.add_response("get_policy", policy(statement()), {"FunctionName": FUNCTION_ARN})
    stubs.elbv2.add_response("describe_target_health", target_health(FUNCTION_ARN), {"TargetGroupArn": TG_ARN})

    result = stubs.manager().ensure_present(NAME, FUNCTION_ARN)

    assert result["changed"] is False


@pytest.mark.parametrize("source_arn", [None, OTHER_TG_ARN], ids=["missing-source-arn", "wrong-source-arn"])
def test_unscoped_or_misscoped_permission_is_replaced(stubs, source_arn):
    stubs.existing_state(policy(statement(source_arn=source_arn)))
    stubs.lam.add_response("remove_permission", {}, {"FunctionName": FUNCTION_ARN, "StatementId": SID})
    stubs.expect_add_permission()

    result = stubs.manager().ensure_present(NAME, FUNCTION)

    assert result["changed"] is True
    assert writes(stubs.calls) == ["lambda.RemovePermission", "lambda.AddPermission"]
    assert mod.statement_source_arn(result["permission"]) == TG_ARN
    assert mod.statement_source_arn(result["diff"]["before"]["permission"]) == source_arn


def test_get_policy_not_found_adds_the_permission_before_registering(stubs):
    stubs.existing_state(None, targets=())
    stubs.expect_add_permission()
    stubs.elbv2.add_response("register_targets", {}, {"TargetGroupArn": TG_ARN, "Targets": [{"Id": FUNCTION_ARN}]})

    result = stubs.manager().ensure_present(NAME, FUNCTION)

    assert result["changed"] is True
    assert writes(stubs.calls) == ["lambda.AddPermission", "elbv2.RegisterTargets"]
    assert result["diff"]["before"]["permission"] is None


def test_other_statements_of_the_function_are_left_alone(stubs):
    foreign = statement(sid="someone-else", source_arn=None)
    stubs.existing_state(policy(foreign, statement()))

    result = stubs.manager().ensure_present(NAME, FUNCTION)

    assert result["changed"] is False


def test_a_different_registered_function_is_replaced(stubs):
    stubs.existing_state(policy(statement()), targets=(OTHER_FUNCTION_ARN,))
    stubs.elbv2.add_response(
        "deregister_targets", {}, {"TargetGroupArn": TG_ARN, "Targets": [{"Id": OTHER_FUNCTION_ARN}]}
    )
    stubs.lam.add_response("remove_permission", {}, {"FunctionName": OTHER_FUNCTION_ARN, "StatementId": SID})
    stubs.elbv2.add_response("register_targets", {}, {"TargetGroupArn": TG_ARN, "Targets": [{"Id": FUNCTION_ARN}]})

    result = stubs.manager().ensure_present(NAME, FUNCTION)

    assert result["changed"] is True
    assert result["diff"]["before"]["targets"] == [OTHER_FUNCTION_ARN]


def test_attributes_health_check_and_tags_are_converged(stubs):
    stubs.existing_state(policy(statement()), tags={"Project": "tap-infra", "Stale": "x"})
    stubs.elbv2.add_response(
        "modify_target_group",
        {"TargetGroups": [target_group(HealthCheckEnabled=True, HealthCheckPath="/health")]},
        {"TargetGroupArn": TG_ARN, "HealthCheckEnabled": True, "HealthCheckPath": "/health"},
    )
    stubs.elbv2.add_response(
        "modify_target_group_attributes",
        attributes("true"),
        {"TargetGroupArn": TG_ARN, "Attributes": [{"Key": "lambda.multi_value_headers.enabled", "Value": "true"}]},
    )
    stubs.elbv2.add_response("remove_tags", {}, {"ResourceArns": [TG_ARN], "TagKeys": ["Stale"]})
    stubs.elbv2.add_response(
        "add_tags", {}, {"ResourceArns": [TG_ARN], "Tags": [{"Key": "Environment", "Value": "dev"}]}
    )

    result = stubs.manager().ensure_present(
        NAME, FUNCTION, health_check={"enabled": True, "path": "/health"}, multi_value_headers=True, tags=TAGS
    )

    assert result["changed"] is True
    assert result["attributes"] == {"multi_value_headers": True}
    assert result["tags"] == TAGS
    assert result["diff"]["after"]["target_group"]["HealthCheckPath"] == "/health"


def test_existing_group_of_another_type_is_an_error(stubs):
    stubs.function_exists()
    stubs.group_exists(TargetType="instance")
    with pytest.raises(mod.LambdaTargetGroupError, match="not lambda"):
        stubs.manager().ensure_present(NAME, FUNCTION)


def test_missing_function_is_an_error_outside_check_mode(stubs):
    stubs.function_missing()
    with pytest.raises(mod.LambdaTargetGroupError, match="does not exist"):
        stubs.manager().ensure_present(NAME, FUNCTION)


# ---- check mode ----------------------------------------------------------------------------------------------


def test_check_mode_on_an_empty_account_makes_no_writes(stubs):
    stubs.function_missing()
    stubs.group_missing()

    result = stubs.manager(check_mode=True).ensure_present(NAME, FUNCTION, tags=TAGS)

    assert result["changed"] is True
    assert writes(stubs.calls) == []
    assert result["target_group_arn"] == ""


def test_check_mode_with_a_misscoped_permission_reports_change_without_writes(stubs):
    stubs.existing_state(policy(statement(source_arn=None)), targets=())

    result = stubs.manager(check_mode=True).ensure_present(NAME, FUNCTION, multi_value_headers=True)

    assert result["changed"] is True
    assert writes(stubs.calls) == []
    assert result["diff"]["after"]["permission"]["Condition"]["ArnLike"]["AWS:SourceArn"] == TG_ARN


def test_check_mode_converged_reports_no_change(stubs):
    stubs.existing_state(policy(statement()))
    result = stubs.manager(check_mode=True).ensure_present(NAME, FUNCTION)
    assert result["changed"] is False


# ---- absent --------------------------------------------------------------------------------------------------


def test_absent_deregisters_then_removes_permission_then_deletes(stubs):
    stubs.group_exists()
    stubs.elbv2.add_response("describe_target_health", target_health(FUNCTION_ARN), {"TargetGroupArn": TG_ARN})
    stubs.function_exists()
    stubs.lam.add_response("get_policy", policy(statement()), {"FunctionName": FUNCTION_ARN})
    stubs.elbv2.add_response("deregister_targets", {}, {"TargetGroupArn": TG_ARN, "Targets": [{"Id": FUNCTION_ARN}]})
    stubs.lam.add_response("remove_permission", {}, {"FunctionName": FUNCTION_ARN, "StatementId": SID})
    stubs.elbv2.add_response("delete_target_group", {}, {"TargetGroupArn": TG_ARN})

    result = stubs.manager().ensure_absent(NAME, FUNCTION)

    assert result["changed"] is True
    assert writes(stubs.calls) == ["elbv2.DeregisterTargets", "lambda.RemovePermission", "elbv2.DeleteTargetGroup"]


def test_absent_tolerates_everything_missing(stubs):
    stubs.group_missing()
    stubs.function_missing()

    result = stubs.manager().ensure_absent(NAME, FUNCTION)

    assert result["changed"] is False
    assert writes(stubs.calls) == []


def test_absent_removes_a_leftover_permission_when_the_group_is_gone(stubs):
    stubs.group_missing()
    stubs.function_exists()
    stubs.lam.add_response("get_policy", policy(statement()), {"FunctionName": FUNCTION_ARN})
    stubs.lam.add_client_error(
        "remove_permission",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        service_message="Statement not found",
    )

    result = stubs.manager().ensure_absent(NAME, FUNCTION)

    assert result["changed"] is True


def test_absent_with_function_without_policy(stubs):
    stubs.group_exists()
    stubs.elbv2.add_response("describe_target_health", target_health(), {"TargetGroupArn": TG_ARN})
    stubs.function_exists()
    stubs.no_policy()
    stubs.elbv2.add_response("delete_target_group", {}, {"TargetGroupArn": TG_ARN})

    result = stubs.manager().ensure_absent(NAME, FUNCTION)

    assert result["changed"] is True
    assert writes(stubs.calls) == ["elbv2.DeleteTargetGroup"]


def test_absent_in_check_mode_makes_no_writes(stubs):
    stubs.group_exists()
    stubs.elbv2.add_response("describe_target_health", target_health(FUNCTION_ARN), {"TargetGroupArn": TG_ARN})
    stubs.function_exists()
    stubs.lam.add_response("get_policy", policy(statement()), {"FunctionName": FUNCTION_ARN})

    result = stubs.manager(check_mode=True).ensure_absent(NAME, FUNCTION)

    assert result["changed"] is True
    assert writes(stubs.calls) == []


# ---- main() through a fake module ------------------------------------------------------------------------


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with the module's defaults under the given params, the stubbed clients."""

    def __init__(self, params, stubs, check_mode=False, diff=False):
        defaults = dict(
            name=NAME,
            function_name=None,
            state="present",
            health_check=None,
            multi_value_headers=None,
            tags=None,
            purge_tags=True,
        )
        clients = {
            "elbv2": RetryingBotoClientWrapper(stubs.elbv2_raw, CLIENT_DECORATOR),
            "lambda": RetryingBotoClientWrapper(stubs.lambda_raw, CLIENT_DECORATOR),
        }
        super().__init__(dict(defaults, **params), clients, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, mod)


def test_main_check_mode_with_diff(stubs, monkeypatch):
    stubs.function_missing()
    stubs.group_missing()
    fake = FakeModule({"function_name": FUNCTION}, stubs, check_mode=True, diff=True)

    result = run_main(monkeypatch, fake)

    assert result["changed"] is True
    assert result["diff"]["before"]["target_group"] is None
    assert result["diff"]["after"]["targets"] == [FUNCTION]
    assert writes(stubs.calls) == []
    assert fake.spec["supports_check_mode"] is True


def test_main_without_diff_returns_no_diff(stubs, monkeypatch):
    stubs.existing_state(policy(statement()))
    result = run_main(monkeypatch, FakeModule({"function_name": FUNCTION}, stubs))
    assert result["changed"] is False
    assert "diff" not in result
    assert result["arn_suffix"] == "targetgroup/%s/73e2d6bc24d8a067" % NAME


def test_main_reports_aws_errors_as_failures(stubs, monkeypatch):
    stubs.lam.add_client_error(
        "get_function_configuration", service_error_code="AccessDeniedException", http_status_code=403
    )
    result = run_main(monkeypatch, FakeModule({"function_name": FUNCTION}, stubs))
    assert result["failed"] is True
    assert "lambda:GetFunction on %s" % FUNCTION in result["msg"] and "LambdaProjectFunctions" in result["msg"]
