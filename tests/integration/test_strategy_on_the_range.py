"""The strategy's tests (tests/unit/test_strategy_plugin.py) on every older ansible-core of the support range, in
its .venv-core environment: each acceleration fits and is active there too, the controller's share of a
worker's job gives a worker's results, and the fallbacks hold. .venv's own run of that file covers the newest."""

import os
import subprocess

import pytest

from tests.conftest import REPO_ROOT, VENV_BIN, core_range, core_venv_bin

pytestmark = pytest.mark.integration

# .venv's collections (the ansible.posix json callback the skip cases read), as .venv-core links them
COLLECTIONS = next((VENV_BIN.parent / "lib").glob("python3*/site-packages"))


@pytest.mark.parametrize("core", list(core_range())[:-1])
def test_the_strategy_tests_pass_on_each_older_core(core):
    done = subprocess.run(
        [str(core_venv_bin(core) / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/unit/test_strategy_plugin.py"],
        cwd=REPO_ROOT,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR="1"),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
