"""The checks behind stack assertions, without a stack: the password search finds a leak where one can occur,
the IAM wildcard rule rejects what it must."""

import pytest

from tests.stack.checks import files_containing, wildcard_problems

SECRET = "Q7xk2PZr9mWvT4bLc8NdYh3sFjG6aE1u"


def project_tree(root):
    """A project tree shaped like a deployed one: outputs, .tap (build, emulator log, drift records), a run log."""
    files = {
        "outputs/demo.json": '{"us-east-1": {"db_secret_arn": "arn:aws:secretsmanager:..."}}',
        ".tap/build/app.zip": "PK\x03\x04 zipped handler",
        ".tap/emulator-4566.log": "POST / HTTP/1.1 200",
        ".tap/drift/changed.json": "[]",
        "run.log": "TASK [rds : Store the master credentials] ok: [us-east-1]",
        ".venv/lib/site.py": "",
    }
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return files


def test_a_clean_tree_has_no_leak(tmp_path):
    project_tree(tmp_path)
    assert files_containing(tmp_path, [SECRET]) == []


@pytest.mark.parametrize(
    "relative",
    ["outputs/demo.json", ".tap/build/app.zip", ".tap/emulator-4566.log", ".tap/drift/changed.json", "run.log"],
)
def test_a_password_anywhere_in_outputs_tap_or_a_log_is_found(tmp_path, relative):
    project_tree(tmp_path)
    path = tmp_path / relative
    path.write_bytes(path.read_bytes() + b' "password": "' + SECRET.encode() + b'"')
    assert files_containing(tmp_path, ["another-password", SECRET]) == [path]


def test_the_virtual_environment_is_not_searched_and_an_empty_secret_is_refused(tmp_path):
    project_tree(tmp_path)
    (tmp_path / ".venv" / "lib" / "site.py").write_text(SECRET)
    assert files_containing(tmp_path, [SECRET]) == []
    with pytest.raises(ValueError):
        files_containing(tmp_path, [""])


def test_the_wildcard_rule_itself():
    allow = {"Effect": "Allow"}
    assert wildcard_problems("p", {"Statement": [dict(allow, Action="*", Resource="arn:aws:s3:::b")]})
    assert wildcard_problems("p", {"Statement": [dict(allow, Action="s3:*", Resource="arn:aws:s3:::b")]})
    assert wildcard_problems("p", {"Statement": [dict(allow, Action=["s3:GetObject"], Resource="*")]})
    assert wildcard_problems("p", {"Statement": dict(allow, NotAction="iam:*", Resource="arn:aws:s3:::b")})
    assert not wildcard_problems("p", {"Statement": [dict(allow, Action="xray:PutTraceSegments", Resource="*")]})
    assert not wildcard_problems("p", {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    assert not wildcard_problems(
        "p", {"Statement": [dict(allow, Action=["s3:GetObject"], Resource="arn:aws:s3:::b/*")]}
    )
