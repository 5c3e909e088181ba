"""The molecule scenarios: the whole stack (default), one per concern, and the stack on LocalStack.

Each runs create, converge, idempotence, verify (tests/stack of its concerns) and destroy, on an emulator of its
own (a free port), with its own suffix. The scenarios of the selected tests start together, at most
TAP_MOLECULE_JOBS at once (default 4), longest first; each test waits for its own.
"""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from tests.conftest import REPO_ROOT, VENV_BIN, free_port

pytestmark = pytest.mark.integration

# Longest first: the pool starts them in this order.
SCENARIOS = ["default", "localstack", "lambda_alb", "rds", "vpc", "dynamodb_global", "cloudwatch", "kms_s3"]
CONCERNS = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())["tap_concerns"]
RECAP = re.compile(r"^(us-east-1|us-west-2)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", re.M)


def run_scenario(name, directory):
    log_path = directory / ("molecule-%s.log" % name)
    port = str(free_port())
    env = dict(os.environ, TAP_EMULATOR_PORT=port, TAP_LOCALSTACK_PORT=port, TAP_RUN_LOG=str(log_path))
    env.pop("TAP_SUFFIX", None)  # each scenario's own default suffix
    env.pop("LOCALSTACK_ENDPOINT", None)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    # The project's default, Mitogen-accelerated strategy; the other playbook tests run plain linear (README, Tests).
    env.setdefault("TAP_ACCELERATION", "on")
    env.update(ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0")
    with open(log_path, "w") as log:
        # A scenario's state outlives a run that failed before destroy ("instances already created"): start clean.
        subprocess.run(
            [str(VENV_BIN / "molecule"), "reset", "--scenario-name", name],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=300, check=False,
        )  # fmt: skip
        result = subprocess.run(
            [str(VENV_BIN / "molecule"), "test", "--scenario-name", name],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=3000,
            check=False,
        )
    if result.returncode != 0:
        launcher = "tools.localstack" if name == "localstack" else "tools.emulator"
        subprocess.run([sys.executable, "-m", launcher, "stop"], cwd=REPO_ROOT, env=env, check=False)
    return result.returncode, log_path.read_text()


def scenario_of(item):
    """test_molecule_<scenario>_scenario, or the parameter of test_molecule_scenario_of_one_concern."""
    return item.callspec.params["scenario"] if hasattr(item, "callspec") else item.name.split("_")[2]


@pytest.fixture(scope="module")
def scenario_runs(request, tmp_path_factory):
    """{scenario: future of (return code, output)} for the scenario of every selected test of this module."""
    wanted = {scenario_of(item) for item in request.session.items if item.module is request.module}
    directory = tmp_path_factory.mktemp("molecule")
    with ThreadPoolExecutor(max_workers=int(os.environ.get("TAP_MOLECULE_JOBS", "4"))) as pool:
        yield {name: pool.submit(run_scenario, name, directory) for name in SCENARIOS if name in wanted}


def scenario_concerns(name):
    """The tap_concerns a per-concern scenario passes (its molecule.yml's --extra-vars)."""
    config = yaml.safe_load((REPO_ROOT / "molecule" / name / "molecule.yml").read_text())
    extra = [json.loads(arg) for arg in config["provisioner"]["ansible_args"] if arg.startswith("{")]
    return extra[0]["tap_concerns"]


def converged_roles(output):
    """The concerns whose roles ran a task."""
    return set(re.findall(r"^TASK \[(\w+) : ", output, re.M)) & set(CONCERNS)


def recaps(output):
    return [(site, int(changed)) for site, changed in RECAP.findall(output)]


def check_scenario(output, returncode):
    assert returncode == 0, output[-6000:]
    assert re.search(r"idempotence\]? ?:? Executed: Successful", output), "idempotence step did not pass"
    # converge, idempotence, verify and teardown each recap both region sites
    found = recaps(output)
    assert len(found) == 8, found
    assert [changed for _, changed in found[2:4]] == [0, 0], "second converge changed something"
    # the stack assertions of the scenario's concerns ran, the secret-leak check included (TAP_RUN_LOG)
    match = re.search(r"msg: (\d+) passed(, \d+ deselected)? in", output)
    assert match and int(match.group(1)) > 0, "verify did not pass every stack assertion"


def test_molecule_default_scenario(scenario_runs):
    returncode, output = scenario_runs["default"].result()
    check_scenario(output, returncode)
    # every check of playbooks/verify.yml passed (requests through the load balancers, reads of what they wrote)
    assert re.search(r"^\s*(\d+) checks: \1 passed, 0 failed", output, re.M), "playbooks/verify.yml did not pass"


@pytest.mark.parametrize("scenario", CONCERNS)
def test_molecule_scenario_of_one_concern(scenario_runs, scenario):
    returncode, output = scenario_runs[scenario].result()
    check_scenario(output, returncode)
    # the concern and what it needs ran, nothing of the others (converge, idempotence, teardown)
    assert converged_roles(output) == set(scenario_concerns(scenario))


def test_molecule_localstack_scenario(scenario_runs):
    returncode, output = scenario_runs["localstack"].result()
    check_scenario(output, returncode)
    # create named each concern this LocalStack cannot serve, with the reason; the others ran, and only they
    served = re.search(r"localstack: serving ([\w, ]+)", output)
    assert served, "create did not say which concerns LocalStack serves"
    skipped = dict(re.findall(r"localstack: skipping (\w+): (.+)", output))
    concerns = set(served.group(1).split(", "))
    assert concerns and concerns | set(skipped) == set(CONCERNS) and not concerns & set(skipped)
    assert converged_roles(output) == concerns
