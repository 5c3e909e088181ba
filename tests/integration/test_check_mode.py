"""Check mode is an honest preview, also on an empty account: it reports changes and writes nothing."""

import uuid

import pytest

from tests.conftest import REPO_ROOT, emulator_inventory, play_recap, project_deprecations, run_playbook

pytestmark = pytest.mark.integration


def fresh_suffix():
    return "chk" + uuid.uuid4().hex[:6]


def test_site_check_mode_previews_the_whole_stack_and_writes_nothing(emulator):
    suffix = fresh_suffix()
    outputs_file = REPO_ROOT / "outputs" / ("%s.json" % suffix)
    before = emulator_inventory(emulator)

    result = run_playbook("site.yml", emulator, "--check", "--diff", "-e", "suffix=%s" % suffix)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    counts = play_recap(output)
    assert set(counts) == {"us-east-1", "us-west-2"}, output[-2000:]
    for host, host_counts in counts.items():
        assert host_counts["failed"] == 0 and host_counts["unreachable"] == 0, (host, host_counts)
        assert host_counts["changed"] > 0, (host, host_counts)
    assert emulator_inventory(emulator) == before
    assert not outputs_file.exists()
    assert project_deprecations(output) == []


def test_teardown_check_mode_on_an_empty_account_changes_nothing(emulator):
    suffix = fresh_suffix()
    before = emulator_inventory(emulator)

    result = run_playbook("teardown.yml", emulator, "--check", "-e", "suffix=%s" % suffix)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    counts = play_recap(output)
    assert set(counts) == {"us-east-1", "us-west-2"}, output[-2000:]
    for host, host_counts in counts.items():
        assert host_counts["failed"] == 0 and host_counts["changed"] == 0, (host, host_counts)
    assert emulator_inventory(emulator) == before
    assert project_deprecations(output) == []
