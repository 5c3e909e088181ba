"""tap_fail_on_drift (callback tap.infra.drift + playbooks/drift.yml) and the AWX session-token fallback.

Both run tiny playbooks on the controller only (no AWS calls): a play that changes (or not) followed by the
real drift play; and the project's group_vars rendered with AWX-style credential environment variables.
"""

import json
import os
import subprocess

import pytest

from tests.conftest import REPO_ROOT, VENV_BIN

pytestmark = pytest.mark.integration

INVENTORY = """\
all:
  children:
    tap_regions:
      hosts:
        site-a: {ansible_connection: local, ansible_python_interpreter: "{{ ansible_playbook_python }}"}
        site-b: {ansible_connection: local, ansible_python_interpreter: "{{ ansible_playbook_python }}"}
"""

PLAYBOOK = """\
- name: A play whose first task changes when asked to
  hosts: tap_regions
  gather_facts: false
  tasks:
    - name: Put the alarm threshold back
      ansible.builtin.debug:
        msg: would change
      changed_when: inventory_hostname in (drifted | default([]))
    - name: Read the alarm
      ansible.builtin.debug:
        msg: unchanged
    - name: Write a controller-side file (not drift)
      ansible.builtin.debug:
        msg: always changes
      changed_when: true
      tags: tap_local_artifact
- name: Drift
  ansible.builtin.import_playbook: %s
""" % (REPO_ROOT / "playbooks" / "drift.yml")

TOKEN_PLAYBOOK = """\
- name: Render the module defaults of the project
  hosts: localhost
  connection: local
  gather_facts: false
  vars_files:
    - %s
  vars:
    aws_region: us-east-1
  tasks:
    - name: Show them
      ansible.builtin.debug:
        msg: "{{ tap_aws_module_defaults }}"
""" % (REPO_ROOT / "group_vars" / "all" / "main.yml")


def ansible_playbook(tmp_path, text, *args, env=None, inventory=None):
    (tmp_path / "playbook.yml").write_text(text)
    command = [str(VENV_BIN / "ansible-playbook"), str(tmp_path / "playbook.yml"), *args]
    if inventory:
        (tmp_path / "hosts.yml").write_text(inventory)
        command += ["-i", str(tmp_path / "hosts.yml")]
    run_env = {
        k: v for k, v in os.environ.items() if k not in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "TAP_DRIFT_FILE")
    }
    run_env.update(ANSIBLE_NOCOLOR="1", PATH=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]))
    run_env.update(env or {})
    # From the repository root: its ansible.cfg enables the callback and finds the collection.
    return subprocess.run(command, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True, timeout=300)


def drift_run(tmp_path, *args, env=None):
    return ansible_playbook(tmp_path, PLAYBOOK, "--check", *args, env=env, inventory=INVENTORY)


def test_drift_fails_the_check_run_listing_the_changed_tasks_per_host(tmp_path):
    result = drift_run(tmp_path, "-e", "tap_fail_on_drift=true", "-e", '{"drifted": ["site-b"]}')
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Drift: 1 task result(s) would change (tap_fail_on_drift is true)" in output
    assert "site-b:\n" in output and "- Put the alarm threshold back" in output
    assert "site-a:\n" not in output
    assert "Write a controller-side file" not in output.split("Drift: ")[1]
    assert not list((tmp_path / ".tap").glob("drift-*.json")), "the default record is removed at the end"


def test_no_drift_passes_and_drift_without_the_flag_passes(tmp_path):
    clean = drift_run(tmp_path, "-e", "tap_fail_on_drift=true")
    assert clean.returncode == 0, clean.stdout[-3000:]
    unflagged = drift_run(tmp_path, "-e", '{"drifted": ["site-a", "site-b"]}')
    assert unflagged.returncode == 0, unflagged.stdout[-3000:]


def test_the_flag_without_the_callback_fails_instead_of_passing_silently(tmp_path):
    result = drift_run(tmp_path, "-e", "tap_fail_on_drift=true", env={"ANSIBLE_CALLBACKS_ENABLED": "junit",
                                                                       "JUNIT_OUTPUT_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "tap_fail_on_drift needs the callback tap.infra.drift" in result.stdout


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, None),
        ({"AWS_SECURITY_TOKEN": "fake-awx-token"}, "fake-awx-token"),
        ({"AWS_SESSION_TOKEN": "fake-session-token"}, "fake-session-token"),
        ({"AWS_SESSION_TOKEN": "fake-session-token", "AWS_SECURITY_TOKEN": "fake-awx-token"}, "fake-session-token"),
        ({"AWS_SESSION_TOKEN": "", "AWS_SECURITY_TOKEN": "fake-awx-token"}, "fake-awx-token"),
    ],
)
def test_session_token_comes_from_aws_session_token_else_awx_security_token(tmp_path, env, expected):
    result = ansible_playbook(
        tmp_path, TOKEN_PLAYBOOK, "-i", "localhost,", env=dict(env, ANSIBLE_STDOUT_CALLBACK="json")
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rendered = json.loads(result.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"]
    assert rendered["region"] == "us-east-1"
    if expected is None:
        assert "session_token" not in rendered
    else:
        assert rendered["session_token"] == expected


def test_the_callback_documentation_renders():
    result = subprocess.run(
        [str(VENV_BIN / "ansible-doc"), "-t", "callback", "tap.infra.drift"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
    )
    assert result.returncode == 0, result.stderr
    assert "TAP_DRIFT_FILE" in result.stdout and "tap_local_artifact" in result.stdout
