# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tap.infra.drift callback: records changed task results in its JSON file."""

import json
import os
import sys
from pathlib import Path

import pytest

COLLECTIONS = str(Path(__file__).resolve().parents[7])
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from ansible_collections.tap.infra.plugins.callback.drift import ENV_VAR, CallbackModule  # noqa: E402


class FakeRole:
    def get_name(self):
        return "vpc"


class FakeTask:
    def __init__(self, name, role=None, path="/repo/roles/vpc/tasks/vpc.yml:3", tags=None):
        self.name = name
        self.tags = tags or []
        self._role = role
        self.path = path

    def get_name(self):
        return self.name

    def get_path(self):
        return self.path


class FakeHost:
    def __init__(self, name):
        self.name = name

    def get_name(self):
        return self.name


class FakeResult:
    def __init__(self, host, task, changed):
        self._host = FakeHost(host)
        self._task = task
        self._result = {"changed": changed}


class FakePlay:
    def get_name(self):
        return "Converge the stack in every region site"


class FakePlaybook:
    def __init__(self, basedir):
        self._basedir = str(basedir)


@pytest.fixture
def environ():
    """The process environment, without the callback's variable before and after each test (the callback
    sets it in os.environ, and it must not leak into later tests or the playbooks they start)."""
    os.environ.pop(ENV_VAR, None)
    yield os.environ
    os.environ.pop(ENV_VAR, None)


def callback(path=None):
    module = CallbackModule()
    # What set_options() gives a callback loaded by Ansible (the option is resolved from TAP_DRIFT_FILE / ini).
    module._plugin_options = {"path": path}
    return module


def read(path):
    return json.loads(Path(path).read_text())


def test_start_publishes_an_empty_file_keyed_by_pid_next_to_the_playbook(tmp_path, environ):
    module = callback()
    module.v2_playbook_on_start(FakePlaybook(tmp_path))

    expected = tmp_path / ".tap" / ("drift-%d.json" % os.getpid())
    assert module.path == str(expected)
    assert environ[ENV_VAR] == str(expected)
    assert read(expected) == []


def test_records_changed_results_only_with_host_task_play_role_and_path(tmp_path, environ):
    module = callback()
    module.v2_playbook_on_start(FakePlaybook(tmp_path))
    module.v2_playbook_on_play_start(FakePlay())

    module.v2_runner_on_ok(FakeResult("us-east-1", FakeTask("Converge the VPC ", FakeRole()), True))
    module.v2_runner_on_ok(FakeResult("us-west-2", FakeTask("Read the VPC"), False))
    module.v2_runner_on_ok(FakeResult("us-west-2", FakeTask("Put the alarm", path="", tags=["tap_local_artifact", "always"]), True))

    assert read(module.path) == [
        {
            "host": "us-east-1",
            "task": "Converge the VPC",
            "play": "Converge the stack in every region site",
            "role": "vpc",
            "path": "/repo/roles/vpc/tasks/vpc.yml:3",
            "tags": [],
        },
        {
            "host": "us-west-2",
            "task": "Put the alarm",
            "play": "Converge the stack in every region site",
            "role": None,
            "path": None,
            "tags": ["always", "tap_local_artifact"],
        },
    ]


def test_a_new_run_starts_from_an_empty_list(tmp_path, environ):
    path = tmp_path / "drift.json"
    path.write_text(json.dumps([{"host": "old", "task": "stale"}]))
    module = callback(str(path))
    module.v2_playbook_on_start(FakePlaybook(tmp_path))
    assert read(path) == []


def test_default_file_is_removed_at_the_end_and_a_configured_one_kept(tmp_path, environ):
    default = callback()
    default.v2_playbook_on_start(FakePlaybook(tmp_path / "a"))
    default.v2_runner_on_ok(FakeResult("h", FakeTask("t"), True))
    default.v2_playbook_on_stats(None)
    assert not Path(default.path).exists()

    configured = callback("out/drift.json")
    configured.v2_playbook_on_start(FakePlaybook(tmp_path / "b"))
    configured.v2_runner_on_ok(FakeResult("h", FakeTask("t"), True))
    configured.v2_playbook_on_stats(None)
    assert configured.path == str(tmp_path / "b" / "out" / "drift.json")
    assert [change["task"] for change in read(configured.path)] == ["t"]


def test_results_before_the_playbook_starts_are_ignored(environ):
    module = callback()
    module.v2_runner_on_ok(FakeResult("h", FakeTask("t"), True))
    assert module.changes == []
