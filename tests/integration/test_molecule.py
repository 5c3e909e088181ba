"""The molecule scenario: deploy both regions, idempotence, verify by describe calls, teardown."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, VENV_BIN, free_port

pytestmark = pytest.mark.integration


def test_molecule_default_scenario(tmp_path):
    log_path = tmp_path / "molecule.log"
    env = dict(os.environ, TAP_EMULATOR_PORT=str(free_port()), TAP_SUFFIX="molecule", TAP_RUN_LOG=str(log_path))
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    # The whole stack with the project's default, Mitogen-accelerated strategy; the other playbook tests
    # run plain linear (README, Tests).
    env.setdefault("TAP_ACCELERATION", "on")
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0")
    with open(log_path, "w") as log:
        result = subprocess.run(
            [str(VENV_BIN / "molecule"), "test", "--scenario-name", "default"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=3000,
            check=False,
        )
    output = log_path.read_text()
    if result.returncode != 0:
        subprocess.run([sys.executable, "-m", "tools.emulator", "stop"], cwd=REPO_ROOT, env=env, check=False)
    assert result.returncode == 0, output[-6000:]
    assert re.search(r"idempotence\]? ?:? Executed: Successful", output), "idempotence step did not pass"
    # converge, idempotence, verify (playbooks/verify.yml) and teardown each recap both region sites
    recaps = re.findall(r"^(us-east-1|us-west-2)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", output, re.M)
    assert len(recaps) == 8, recaps
    # every check of playbooks/verify.yml passed (requests through the load balancers, reads of what they wrote)
    assert re.search(r"^\s*(\d+) checks: \1 passed, 0 failed", output, re.M), "playbooks/verify.yml did not pass"
    assert [changed for _, changed in recaps[2:4]] == ["0", "0"], "second converge changed something"
    # the stack assertions ran, the secret-leak check included (TAP_RUN_LOG is set)
    assert re.search(r"msg: \d+ passed(, \d+ deselected)? in", output), "verify did not pass every stack assertion"
