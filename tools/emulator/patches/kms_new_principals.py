"""Realistic mode: a key policy naming an IAM principal created moments ago (or not at all) is refused.

AWS (KMS API Reference, CreateKey and PutKeyPolicy, Errors: MalformedPolicyDocumentException; KMS Developer
Guide, "Key policies": "If the principal was created recently, wait ... the new principal might not be visible
to AWS KMS"): HTTP 400, "Policy contains a statement with one or more invalid principals." moto accepts any
policy.
"""

import json
import re

from tools.emulator import realism

WINDOW = "role_propagation"
MESSAGE = "Policy contains a statement with one or more invalid principals."
IAM_PRINCIPAL = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)/")


def principals(policy):
    """The AWS principals (ARNs) that the statements of a policy document name."""
    try:
        statements = json.loads(policy).get("Statement", [])
    except (TypeError, ValueError, AttributeError):
        return []
    found = []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        names = principal.get("AWS", []) if isinstance(principal, dict) else []
        found += names if isinstance(names, list) else [names]
    return found


def apply():
    from moto.core.exceptions import JsonRESTError
    from moto.iam.models import IAMBackend, iam_backends
    from moto.kms.models import KmsBackend

    def visible(arn):
        match = IAM_PRINCIPAL.match(arn)
        if not match:
            return True
        partition, account, kind = match.groups()
        backend = iam_backends[account][partition]
        pool = backend.roles.values() if kind == "role" else backend.users.values()
        return any(p.arn == arn for p in pool) and not realism.holding(WINDOW, ("principal", arn))

    def check(policy):
        if realism.enabled() and policy and not all(visible(arn) for arn in principals(policy)):
            raise JsonRESTError("MalformedPolicyDocumentException", MESSAGE)

    def created(original):
        def wrapper(self, *args, **kwargs):
            principal = original(self, *args, **kwargs)
            realism.mark(WINDOW, ("principal", principal.arn))
            return principal

        return wrapper

    def create_key(original):
        def wrapper(self, policy, *args, **kwargs):
            check(policy)
            return original(self, policy, *args, **kwargs)

        return wrapper

    def put_key_policy(original):
        def wrapper(self, key_id, policy):
            check(policy)
            return original(self, key_id, policy)

        return wrapper

    realism.wrap(IAMBackend, "create_role", __name__, created)
    realism.wrap(IAMBackend, "create_user", __name__, created)
    realism.wrap(KmsBackend, "create_key", __name__, create_key)
    realism.wrap(KmsBackend, "put_key_policy", __name__, put_key_policy)
