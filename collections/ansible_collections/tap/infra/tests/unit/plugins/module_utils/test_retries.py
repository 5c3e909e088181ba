# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry policy of the modules (module_utils/retries.py) against botocore's Stubber, with AWS's answers:
each eventual-consistency answer retried up to its bounds, denials failing after exactly one call with the action,
the resource and the deployer policy statement, throttling never retried by the module layer."""

import botocore
import pytest

from ansible_collections.tap.infra.plugins.module_utils import retries
from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.deployer_policy import statements_granting
from ansible_collections.tap.infra.plugins.module_utils.errors import ModuleError
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tap-test-use1-tg/73e2d6bc24d8a067"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:tap-test-use1-fn"
SG_ID = "sg-0123456789abcdef0"
VPC_ID = "vpc-0ee975135d1a2b3c4"
TABLE = "tap-test-table"

# (policy, service, operation, params, AWS's answer: code, HTTP status, message)
CONSISTENCY_ANSWERS = [
    (
        retries.BACKUPS_BEING_ENABLED,
        "dynamodb",
        "update_continuous_backups",
        {"TableName": TABLE, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
        ("ContinuousBackupsUnavailableException", 400, "Backups are being enabled for the table: %s. Please retry "
         "later" % TABLE),
    ),
    (
        retries.NEW_PRINCIPAL_IN_KEY_POLICY,
        "kms",
        "put_key_policy",
        {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "PolicyName": "default", "Policy": "{}"},
        ("MalformedPolicyDocumentException", 400, "Policy contains a statement with one or more invalid principals."),
    ),
    (
        retries.ELB_INVOKE_PERMISSION,
        "elbv2",
        "register_targets",
        {"TargetGroupArn": TG_ARN, "Targets": [{"Id": FUNCTION_ARN}]},
        ("AccessDenied", 403, "elasticloadbalancing principal does not have permission to invoke %s from target "
         "group %s" % (FUNCTION_ARN, TG_ARN)),
    ),
    (
        retries.DEPENDENCY_VIOLATION,
        "ec2",
        "delete_security_group",
        {"GroupId": SG_ID},
        ("DependencyViolation", 400, "resource %s has a dependent object" % SG_ID),
    ),
    (
        retries.DEPENDENCY_VIOLATION,
        "ec2",
        "delete_vpc",
        {"VpcId": VPC_ID},
        ("DependencyViolation", 400, "The vpc '%s' has dependencies and cannot be deleted." % VPC_ID),
    ),
]  # fmt: skip
IDS = [case[2] + "-" + case[4][0] for case in CONSISTENCY_ANSWERS]


class Stubbed(utils.Stubs):
    def __init__(self, service):
        self.service = service
        super().__init__()
        self.clock = utils.Clock()
        self.manager = Manager(self.client(), sleep=self.clock.sleep, clock=self.clock)

    def refuse(self, operation, answer, times=1):
        code, status, message = answer
        for attempt in range(times):
            self.stubber.add_client_error(
                operation, service_error_code=code, service_message=message, http_status_code=status
            )


def call(stubs, policy, operation, params):
    return stubs.manager.retrying(policy)(getattr(stubs.manager.client, operation))(**params)


@pytest.mark.parametrize("policy, service, operation, params, answer", CONSISTENCY_ANSWERS, ids=IDS)
def test_the_answer_is_retried_until_it_passes(policy, service, operation, params, answer):
    with Stubbed(service) as stubs:
        stubs.refuse(operation, answer, times=2)
        stubs.stubber.add_response(operation, {})
        call(stubs, policy, operation, params)
        stubs.verify()
    assert len(stubs.calls) == 3 and stubs.clock.sleeps == list(policy.delays()[:2])


@pytest.mark.parametrize("policy, service, operation, params, answer", CONSISTENCY_ANSWERS, ids=IDS)
def test_the_answer_is_retried_within_its_bounds_then_fails(policy, service, operation, params, answer):
    waits = policy.schedule()
    with Stubbed(service) as stubs:
        stubs.refuse(operation, answer, times=len(waits) + 1)
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call(stubs, policy, operation, params)
        stubs.verify()
    assert raised.value.response["Error"]["Code"] == answer[0]
    assert len(stubs.calls) == len(waits) + 1 <= policy.attempts
    assert stubs.clock.sleeps == waits and sum(waits) <= policy.seconds


def test_a_module_option_sets_the_seconds():
    answer = CONSISTENCY_ANSWERS[3][4]
    with Stubbed("ec2") as stubs:
        stubs.refuse("delete_security_group", answer, times=3)
        with pytest.raises(botocore.exceptions.ClientError):
            retry = stubs.manager.retrying(retries.DEPENDENCY_VIOLATION, seconds=20)
            retry(stubs.manager.client.delete_security_group)(GroupId=SG_ID)
    assert stubs.clock.sleeps == [5, 10]  # the next wait (20 s) would pass 20 s


@pytest.mark.parametrize(
    "code, service, operation, params, action, statement",
    [
        ("AccessDenied", "elbv2", "register_targets", {"TargetGroupArn": TG_ARN, "Targets": [{"Id": FUNCTION_ARN}]},
         "elasticloadbalancing:RegisterTargets", "ElbProjectResources"),
        ("AccessDeniedException", "kms", "create_key", {}, "kms:CreateKey", "KmsNoResourceScope"),
        ("AccessDeniedException", "dynamodb", "update_continuous_backups",
         {"TableName": TABLE, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
         "dynamodb:UpdateContinuousBackups", "DynamodbProjectTables"),
        ("UnauthorizedOperation", "ec2", "delete_vpc", {"VpcId": VPC_ID}, "ec2:DeleteVpc", "Ec2NoResourceScope"),
        ("AuthFailure", "ec2", "delete_security_group", {"GroupId": SG_ID}, "ec2:DeleteSecurityGroup",
         "Ec2NoResourceScope"),
    ],
)  # fmt: skip
def test_a_denial_fails_after_one_call_naming_action_resource_and_statement(
    code, service, operation, params, action, statement
):
    # Under every policy (the ELBv2 one included, which retries only its own message shape) and under the
    # client's decorator alone: one call, then a message naming what to grant.
    resource = next(iter(params.values()), None) if params else "(none named by the call)"
    policies = [None, retries.ELB_INVOKE_PERMISSION, retries.DEPENDENCY_VIOLATION]
    with Stubbed(service) as stubs:
        stubs.refuse(operation, (code, 403, "User: arn:aws:iam::123456789012:user/deployer is not authorized"), 3)
        for index, policy in enumerate(policies):
            with pytest.raises(ModuleError) as raised:
                if policy is None:
                    getattr(stubs.manager.client, operation)(aws_retry=True, **params)
                else:
                    call(stubs, policy, operation, params)
            assert len(stubs.calls) == index + 1 and stubs.clock.sleeps == []
            message = raised.value.message
            assert message.startswith("%s: the deployer may not call %s on %s (not retried)" % (code, action, resource))
            assert "docs/deployer-policy.json grants it in statement %s" % statement in message
            assert raised.value.exception.response["Error"]["Code"] == code
        stubs.verify()


def test_an_action_no_statement_grants_is_named_as_missing():
    with Stubbed("kms") as stubs:
        stubs.refuse("list_keys", ("AccessDeniedException", 400, "not allowed"))
        with pytest.raises(ModuleError, match="kms:ListKeys on .* has no statement granting it: add one"):
            stubs.manager.client.list_keys(aws_retry=True)


def test_a_denied_paginated_read_is_explained():
    with Stubbed("ec2") as stubs:
        stubs.refuse("describe_vpcs", ("UnauthorizedOperation", 403, "You are not authorized"))
        with pytest.raises(ModuleError, match="ec2:DescribeVpcs on vpc-id=%s .*Ec2NoResourceScope" % VPC_ID):
            paginated(stubs.manager.client, "describe_vpcs", "Vpcs", Filters=[{"Name": "vpc-id", "Values": [VPC_ID]}])


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException",
                                  "TooManyRequestsException", "InternalError", "ServiceUnavailable"])  # fmt: skip
def test_throttling_and_5xx_are_not_retried_by_the_module_layer(code):
    # botocore's standard retry mode retries them (the project's aws_config); the Stubber answers below it.
    policies = [None] + sorted({case[0] for case in CONSISTENCY_ANSWERS}, key=lambda p: p.name)
    with Stubbed("ec2") as stubs:
        status = 503 if code.startswith(("Internal", "Service")) else 400
        stubs.refuse("delete_vpc", (code, status, "slow down"), times=len(policies))
        for index, policy in enumerate(policies):
            with pytest.raises(botocore.exceptions.ClientError, match=code):
                if policy is None:
                    stubs.manager.client.delete_vpc(VpcId=VPC_ID, aws_retry=True)
                else:
                    call(stubs, policy, "delete_vpc", {"VpcId": VPC_ID})
            assert len(stubs.calls) == index + 1 and stubs.clock.sleeps == []


def test_the_same_code_with_another_message_is_not_retried():
    # MalformedPolicyDocumentException for a policy that is wrong, not for a principal IAM has not propagated yet.
    with Stubbed("kms") as stubs:
        stubs.refuse("create_key", ("MalformedPolicyDocumentException", 400, "The new key policy will not allow you "
                                    "to update the key policy in the future."))  # fmt: skip
        with pytest.raises(botocore.exceptions.ClientError):
            call(stubs, retries.NEW_PRINCIPAL_IN_KEY_POLICY, "create_key", {"Policy": "{}"})
    assert len(stubs.calls) == 1


def test_every_policy_is_bounded_in_attempts_and_seconds():
    policies = [value for value in vars(retries).values() if isinstance(value, retries.Consistency)]
    assert len(policies) >= 7
    for policy in policies:
        assert policy.codes and 1 < policy.attempts <= 20 and 0 < policy.seconds <= 600
        assert not set(policy.codes) & set(retries.DENIED) or policy.message is not None


def test_statements_granting():
    assert statements_granting("kms:CreateAlias") == ["KmsAliases", "KmsWriteProjectKeys"]
    assert statements_granting("tag:GetResources") == ["TagFindProjectKeys"]
    assert statements_granting("kms:ListKeys") == []


def test_wait_until_describes_until_done_or_the_deadline():
    clock = utils.Clock()
    manager = Manager(None, sleep=clock.sleep, clock=clock)
    answers = iter(["creating", "creating", "done"])
    done = "done".__eq__
    assert manager.wait_until(lambda: next(answers), done, timeout=10, delay=3, late=str) == "done"
    assert clock.sleeps == [3, 3]
    with pytest.raises(ModuleError, match="table t is creating"):
        manager.wait_until(lambda: "creating", done, timeout=10, delay=3, late="table t is {0}".format)
    assert clock.sleeps == [3, 3, 3, 3, 3, 3]


def test_wait_until_with_a_description_at_hand_waits_before_describing():
    clock = utils.Clock()
    manager = Manager(None, sleep=clock.sleep, clock=clock)
    answers = iter(["done"])
    done = "done".__eq__
    assert manager.wait_until(lambda: next(answers), done, 10, 3, str, current="creating") == "done"
    assert clock.sleeps == [3]
    assert manager.wait_until(lambda: next(answers), done, 10, 3, str, current="done") == "done"
    assert clock.sleeps == [3]
