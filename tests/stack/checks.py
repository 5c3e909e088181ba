"""Checks of the stack assertions that run without a stack (tested in tests/unit/test_stack_checks.py):
where a secret shows up in a directory tree, which IAM policy statements grant wildcards."""

import os
from pathlib import Path

# Directories not searched: version control, the virtual environment and caches hold no output of a run.
SKIPPED_DIRECTORIES = frozenset({".git", ".venv", "__pycache__", "node_modules", ".pytest_cache"})
MAX_FILE_SIZE = 50_000_000


def files_containing(root, secrets, skipped=SKIPPED_DIRECTORIES, max_size=MAX_FILE_SIZE):
    """Every regular file under root (hidden directories such as .tap included) holding one of the secrets."""
    needles = [secret.encode() if isinstance(secret, str) else secret for secret in secrets]
    if not all(needles):
        raise ValueError("an empty secret matches everything")
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name not in skipped]
        for name in files:
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file() or path.stat().st_size > max_size:
                continue
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                found.append(path)
    return sorted(found)


# Statements that may use Resource "*" because AWS has no resource-level permission for these actions, with
# the reason. A statement with Resource "*" passes only if every one of its actions is listed here.
WILDCARD_RESOURCE_ACTIONS = {
    "xray:PutTraceSegments": "X-Ray accepts no resource in a policy",
    "xray:PutTelemetryRecords": "X-Ray accepts no resource in a policy",
    "ec2:CreateNetworkInterface": "a function in a VPC creates its interfaces before they have an ARN",
    "ec2:DescribeNetworkInterfaces": "Describe* calls of EC2 support no resource-level permission",
    "ec2:DeleteNetworkInterface": "interfaces of a function in a VPC are created and deleted by Lambda",
    "ec2:AssignPrivateIpAddresses": "interfaces of a function in a VPC are created and deleted by Lambda",
    "ec2:UnassignPrivateIpAddresses": "interfaces of a function in a VPC are created and deleted by Lambda",
}


def _as_list(value):
    return value if isinstance(value, list) else [value]


def wildcard_problems(where, document):
    """Messages for every Allow statement granting Action "*" (or "service:*"), or Resource "*" for actions
    that have resource-level permissions; NotAction / NotResource in an Allow count as wildcards."""
    problems = []
    for index, statement in enumerate(_as_list(document.get("Statement", []))):
        if statement.get("Effect") != "Allow":
            continue
        label = "%s statement %s" % (where, statement.get("Sid") or index)
        if "NotAction" in statement or "NotResource" in statement:
            problems.append("%s allows by NotAction/NotResource" % label)
        actions = _as_list(statement.get("Action", []))
        for action in actions:
            if action == "*" or action.endswith(":*"):
                problems.append("%s allows action %s" % (label, action))
        if "*" in _as_list(statement.get("Resource", [])):
            unlisted = [a for a in actions if a not in WILDCARD_RESOURCE_ACTIONS]
            if unlisted:
                problems.append("%s allows %s on Resource *" % (label, ", ".join(unlisted)))
    return problems
