"""A bucket policy statement applies only when its Condition holds; requests to the emulator count as TLS.

AWS behaviour (IAM User Guide, "IAM JSON policy elements: Condition"; S3 User Guide, "Bucket policy examples",
"Managing access with HTTPS (aws:SecureTransport)"): a statement whose condition is not satisfied does not
apply; it neither allows nor denies. The usual TLS-only statement, Deny s3:* when `Bool aws:SecureTransport
false`, therefore denies plain-HTTP requests only; AWS SDKs and the CLI reach S3 over HTTPS.

moto 5.2.6 evaluates bucket policies without any request context and answers DENIED for every statement
whose condition it cannot confirm, Allow and Deny alike: the TLS-only statement then blocks every object call
(FIELD-NOTES), e.g. the site function's PutObject.

The emulator's plain-HTTP endpoint stands in for AWS's HTTPS endpoints, so its requests carry
aws:SecureTransport "true". Statements with conditions on other keys keep moto's evaluation.
"""

import functools
import json

from moto.s3.models import FakeBucket

_PATCHED = "_tap_policy_conditions"
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}
_BOOL_OPERATORS = {"Bool": False, "BoolIfExists": True}


def _secure_transport_only(condition):
    """Whether the condition tests aws:SecureTransport only (with Bool / BoolIfExists)."""
    return bool(condition) and all(
        operator in _BOOL_OPERATORS and set(k.lower() for k in tests) == {"aws:securetransport"}
        for operator, tests in condition.items()
    )


def _holds(condition):
    for tests in condition.values():
        for value in tests.values():
            wanted = [str(v).lower() for v in (value if isinstance(value, list) else [value])]
            if REQUEST_CONTEXT["aws:SecureTransport"] not in wanted:
                return False
    return True


def _applicable_policy(policy):
    """The policy without the statements whose aws:SecureTransport condition does not hold (conditions of
    those that hold are dropped: they are satisfied)."""
    document = json.loads(policy)
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept = []
    for statement in statements:
        condition = statement.get("Condition")
        if _secure_transport_only(condition):
            if not _holds(condition):
                continue
            statement = {k: v for k, v in statement.items() if k != "Condition"}
        kept.append(statement)
    return dict(document, Statement=kept)


def _get_permission(original):
    @functools.wraps(original)
    def get_permission(self, action, resource):
        from moto.iam.access_control import IAMPolicy, PermissionResult

        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = _applicable_policy(self.policy.decode())
        if not policy["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    setattr(get_permission, _PATCHED, True)
    return get_permission


def apply():
    if not getattr(FakeBucket.get_permission, _PATCHED, False):
        FakeBucket.get_permission = _get_permission(FakeBucket.get_permission)
