"""The AWX jobs, run as AWX runs them: ansible-runner with a private data dir, against the emulator.

AWX gives a job: the project checkout (project/), its inventory (inventory/), the survey answers and the
template's extra vars (env/extravars) and the credential's environment (env/envvars: the "Amazon Web
Services" credential injects AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SECURITY_TOKEN). The inventory
here has no keys: the job must use the injected credentials, as on AWX. Sequence: deploy (its set_stats
outputs come back as the runner's artifacts), drift check (passes), a change behind the project's back,
drift check (fails, naming the drifted task), teardown (nothing of the suffix left).
"""

import os
import shutil
import uuid

import pytest
import yaml

from tests.conftest import REPO_ROOT, VENV_BIN, aws_client, emulator_inventory

ansible_runner = pytest.importorskip("ansible_runner")

pytestmark = pytest.mark.integration

# What the outputs need (bucket, ALB) and what the drift check changes behind the project's back (the
# function's log group): rds and cloudwatch are left out to keep the four runs short.
CONCERNS = ["vpc", "kms_s3", "dynamodb_global", "lambda_alb"]
SITES = {"us-east-1": "us-east-1", "us-west-2": "us-west-2"}
AWX_TOKEN = "fake-awx-sts-token"


def private_data_dir(root, emulator):
    """project/ (a clean checkout), inventory/hosts.yml (the local inventory, keys removed), env/envvars."""
    shutil.copytree(
        REPO_ROOT,
        root / "project",
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", ".tap", "outputs", ".pytest_cache", "__pycache__", ".ansible", "context"
        ),
    )
    local = yaml.safe_load((REPO_ROOT / "inventories" / "local" / "hosts.yml").read_text())
    settings = yaml.safe_load((REPO_ROOT / "inventories" / "local" / "group_vars" / "all.yml").read_text())
    settings.pop("tap_aws_access_key")
    settings.pop("tap_aws_secret_key")
    settings["tap_aws_endpoint_url"] = emulator.url
    local["all"]["vars"] = settings
    (root / "inventory").mkdir()
    (root / "inventory" / "hosts.yml").write_text(yaml.safe_dump(local))
    (root / "env").mkdir()
    envvars = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": AWX_TOKEN,
        "ANSIBLE_NOCOLOR": "1",
        # The plain linear strategy here (as in an execution environment without Mitogen); the molecule
        # scenario runs accelerated (README, Tests).
        "TAP_ACCELERATION": os.environ.get("TAP_ACCELERATION", "off"),
        # This venv's ansible-playbook (on AWX: the execution environment's).
        "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]),
    }
    (root / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    return root


def run_job(pdd, playbook, extravars, cmdline=None):
    """One AWX job: env/extravars = survey answers + template extra vars, env/cmdline = the job type's flags.

    Both files are rewritten (or removed) for every job: ansible-runner keeps what it was given in env/, and
    AWX builds a fresh private data dir per job. The project and inventory stay (one checkout).
    """
    env = pdd / "env"
    (env / "extravars").write_text(yaml.safe_dump(dict(extravars, tap_concerns=CONCERNS)))
    if cmdline:
        (env / "cmdline").write_text(cmdline)
    elif (env / "cmdline").exists():
        (env / "cmdline").unlink()
    return ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, quiet=True, timeout=1200)


def stdout_of(runner):
    return runner.stdout.read()


def stats_artifacts(runner):
    stats = [event for event in runner.events if event.get("event") == "playbook_on_stats"]
    assert len(stats) == 1
    return stats[0]["event_data"].get("artifact_data", {})


@pytest.fixture(scope="module")
def job(emulator, tmp_path_factory):
    return {"pdd": private_data_dir(tmp_path_factory.mktemp("awx-job"), emulator), "suffix": "awx" + uuid.uuid4().hex[:5]}


def test_deploy_job_publishes_the_outputs_as_artifacts(job, emulator):
    runner = run_job(job["pdd"], "site.yml", {"suffix": job["suffix"]})
    output = stdout_of(runner)
    assert runner.status == "successful" and runner.rc == 0, output[-6000:]
    assert AWX_TOKEN not in output
    assert set(runner.stats["ok"]) == set(SITES) and not runner.stats["failures"]

    outputs = stats_artifacts(runner)["tap_outputs"][job["suffix"]]
    assert set(outputs) == set(SITES)
    for site, region in SITES.items():
        alb = aws_client(emulator, "elbv2", region).describe_load_balancers(
            Names=["tap-%s-%s-alb" % (job["suffix"], site)]
        )["LoadBalancers"][0]
        assert outputs[site]["alb_dns_name"] == alb["DNSName"]
        buckets = [b["Name"] for b in aws_client(emulator, "s3", region).list_buckets()["Buckets"]]
        assert outputs[site]["bucket_name"] in buckets
        assert outputs[site]["bucket_name"].startswith("tap-%s-%s-" % (job["suffix"], site))
        assert outputs[site]["region"] == region


def test_drift_check_passes_on_the_deployed_stack_and_fails_after_a_change_behind_its_back(job, emulator):
    drift_vars = {"suffix": job["suffix"], "tap_fail_on_drift": True}
    clean = run_job(job["pdd"], "site.yml", drift_vars, cmdline="--check --diff")
    output = stdout_of(clean)
    assert clean.status == "successful" and clean.rc == 0, output[-6000:]
    assert sum(clean.stats.get("changed", {}).values()) == 0, clean.stats

    # Someone changes the function's log retention by hand, in one region only.
    log_group = "/aws/lambda/tap-%s-us-west-2-fn" % job["suffix"]
    aws_client(emulator, "logs", "us-west-2").put_retention_policy(logGroupName=log_group, retentionInDays=30)

    drifted = run_job(job["pdd"], "site.yml", drift_vars, cmdline="--check --diff")
    output = stdout_of(drifted)
    assert drifted.status == "failed" and drifted.rc != 0, output[-6000:]
    message = output.split("Drift: ", 1)[1]
    assert "us-west-2:" in message and "Log group of the function, with retention" in message
    assert "us-east-1:" not in message.split("PLAY RECAP")[0]
    # Check mode wrote nothing: the retention is still the one set by hand.
    found = aws_client(emulator, "logs", "us-west-2").describe_log_groups(logGroupNamePrefix=log_group)
    assert found["logGroups"][0]["retentionInDays"] == 30


def test_teardown_job_leaves_nothing_of_the_suffix(job, emulator):
    runner = run_job(job["pdd"], "teardown.yml", {"suffix": job["suffix"], "confirm": job["suffix"]})
    output = stdout_of(runner)
    assert runner.status == "successful" and runner.rc == 0, output[-6000:]
    left = {
        kind: [identifier for identifier in identifiers if job["suffix"] in identifier]
        for kind, identifiers in emulator_inventory(emulator).items()
    }
    assert not any(left.values()), left
