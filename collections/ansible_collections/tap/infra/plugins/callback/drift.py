# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every changed task result of a run, so that a final play can fail on drift."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: drift
type: aggregate
short_description: Record the changed tasks of a run for the tap-infra drift check
description:
  - Records every task result that reports C(changed) (in check mode, every task that B(would) change)
    as C(host), C(task), C(play), C(role), C(path) and C(tags) in a JSON file, rewritten after each change.
  - The drift play ignores tasks tagged C(tap_local_artifact). Such tasks only (re)write files on the
    controller (the Lambda zip, the outputs file), which a fresh checkout (every AWX job) writes again.
  - The file starts as an empty list when the playbook starts, so a run only ever sees its own changes.
  - The callback publishes the file's path to the plays as the environment variable C(TAP_DRIFT_FILE)
    (read with C(lookup('ansible.builtin.env', 'TAP_DRIFT_FILE'))). The last play of tap-infra's
    C(site.yml), C(playbooks/drift.yml), reads it and fails, listing the changed tasks per host,
    when C(tap_fail_on_drift) is true. That is the scheduled drift check of AWX
    (C(--check --diff -e tap_fail_on_drift=true)).
  - The callback never changes a result or the output; it only writes its file.
  - Enable it with C(callbacks_enabled = tap.infra.drift) in C([defaults]) of C(ansible.cfg) (tap-infra's
    C(ansible.cfg) does), or C(ANSIBLE_CALLBACKS_ENABLED).
options:
  path:
    description:
      - The JSON file to write. Relative paths are relative to the directory of the playbook.
      - When not set, C(.tap/drift-<pid>.json) next to the playbook, keyed by the process id of the
        run, and removed when the run ends. A path that is set is kept after the run.
    type: path
    env:
      - name: TAP_DRIFT_FILE
    ini:
      - section: callback_tap_drift
        key: path
author:
  - tap-infra maintainers (@tap-infra)
requirements:
  - enable in configuration (C(callbacks_enabled = tap.infra.drift))
"""

import json
import os
import tempfile

from ansible.plugins.callback import CallbackBase

ENV_VAR = "TAP_DRIFT_FILE"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "tap.infra.drift"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self.path = None
        self.keep = False
        self.changes = []
        self._play_name = ""

    # The file ---------------------------------------------------------------------------------------

    def start(self, basedir):
        """Choose the file, publish its path to the plays and start it as an empty list."""
        configured = self.get_option("path")
        self.keep = bool(configured)
        path = configured or os.path.join(".tap", "drift-%d.json" % os.getpid())
        if not os.path.isabs(path):
            path = os.path.join(basedir or os.getcwd(), path)
        self.path = os.path.abspath(path)
        self.changes = []
        # Worker processes fork from this one after this point: the plays see the path in their environment.
        os.environ[ENV_VAR] = self.path
        self.write()

    def write(self):
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".drift-", suffix=".json")
        with os.fdopen(handle, "w") as stream:
            json.dump(self.changes, stream, indent=2)
        os.replace(temporary, self.path)

    def record(self, result):
        if self.path is None or not result._result.get("changed", False):
            return
        task = result._task
        role = getattr(task, "_role", None)
        self.changes.append(
            {
                "host": result._host.get_name(),
                "task": task.get_name().strip(),
                "play": self._play_name,
                "role": role.get_name() if role else None,
                "path": task.get_path() or None,
                "tags": sorted(str(tag) for tag in (task.tags or [])),
            }
        )
        self.write()

    # Events -----------------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self.start(getattr(playbook, "_basedir", None))

    def v2_playbook_on_play_start(self, play):
        self._play_name = play.get_name().strip()

    def v2_runner_on_ok(self, result):
        self.record(result)

    def v2_playbook_on_stats(self, stats):
        if self.path and not self.keep:
            try:
                os.remove(self.path)
            except OSError:
                pass
