"""The whole stack on the oldest ansible-core of the support range (2.19, from .venv-core/2.19): deploy, a no-op
re-run and teardown of both region sites, with the project's default (Mitogen-accelerated) strategy, so that
`tap_linear`'s code path for 2.19 runs. The other playbook tests run .venv's ansible-core (the newest of the range).
"""

import os

import pytest

from tests.conftest import REPO_ROOT, core_range, core_venv_bin, play_recap, run_playbook, run_stack_tests

pytestmark = pytest.mark.integration

OLDEST = next(iter(core_range()))
SUFFIX = "oldcore"
SITES = {"us-east-1", "us-west-2"}
# The project's default, not run_playbook's (off, for the other playbook tests): accelerated when Mitogen imports.
# Export TAP_ACCELERATION=off to tell a failure of the strategy from one of the roles on this core.
ACCELERATION = {"TAP_ACCELERATION": os.environ.get("TAP_ACCELERATION", "on")}


def clean_recap(result, what):
    """The run's PLAY RECAP, once it is shown that the run succeeded for every site."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, "%s failed:\n%s" % (what, output[-6000:])
    recap = play_recap(result.stdout)
    assert set(recap) == SITES, "%s: no recap for every site\n%s" % (what, output[-3000:])
    for host, counts in recap.items():
        assert counts["failed"] == 0 and counts["unreachable"] == 0, (what, host, counts)
    return recap


def test_deploy_noop_and_teardown_on_the_oldest_core(emulator, tmp_path):
    venv_bin = core_venv_bin(OLDEST)

    def playbook(name, *args):
        return run_playbook(
            name, emulator, "-e", "suffix=%s" % SUFFIX, *args, env=ACCELERATION, timeout=2400, venv_bin=venv_bin
        )

    run_log = tmp_path / "runs.log"
    torn_down = False
    try:
        deploy = playbook("site.yml", "-vv")  # -vv: the ansible-core version
        run_log.write_text(deploy.stdout + deploy.stderr)
        clean_recap(deploy, "deploy on ansible-core %s" % OLDEST)
        assert "ansible-playbook [core %s." % OLDEST in deploy.stdout, deploy.stdout[:500]
        if ACCELERATION["TAP_ACCELERATION"] == "on":  # the run's first line: every acceleration on this core too
            assert "tap_linear: accelerations active: mitogen, " in deploy.stderr, deploy.stderr[:3000]
            assert "switched off" not in deploy.stderr, deploy.stderr[:3000]

        noop = playbook("site.yml")
        with open(run_log, "a") as log:
            log.write(noop.stdout + noop.stderr)
        recap = clean_recap(noop, "no-op re-run on ansible-core %s" % OLDEST)
        assert {host: counts["changed"] for host, counts in recap.items()} == dict.fromkeys(SITES, 0), noop.stdout[
            -6000:
        ]

        present = run_stack_tests(emulator, SUFFIX, "present", run_log)
        assert present.returncode == 0, present.stdout[-6000:]
        assert " passed" in present.stdout

        teardown = playbook("teardown.yml")
        torn_down = True
        clean_recap(teardown, "teardown on ansible-core %s" % OLDEST)
        absent = run_stack_tests(emulator, SUFFIX, "absent")
        assert absent.returncode == 0, absent.stdout[-6000:]
    finally:
        if not torn_down:  # nothing of this test left for the session's other tests
            playbook("teardown.yml")
        (REPO_ROOT / "outputs" / ("%s.json" % SUFFIX)).unlink(missing_ok=True)
