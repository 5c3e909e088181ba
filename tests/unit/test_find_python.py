"""tools/find-python: the Python `make` builds the virtual environment on (3.13, else 3.12)."""

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

FIND_PYTHON = REPO_ROOT / "tools" / "find-python"


def find(path, **env):
    environment = {"PATH": os.pathsep.join(str(p) for p in path), "HOME": "/nonexistent", **env}
    return subprocess.run(["/bin/bash", str(FIND_PYTHON)], env=environment, capture_output=True, text=True,
                          check=False)


def shim(directory, name, script):
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


def test_a_candidate_that_exists_but_does_not_run_is_passed_over(tmp_path):
    broken, working = tmp_path / "shims", tmp_path / "bin"
    broken.mkdir()
    working.mkdir()
    # a pyenv shim on PATH that fails without PYENV_VERSION, as on this machine kind
    shim(broken, "python3.13", "echo 'pyenv: python3.13: command not found' >&2; exit 127\n")
    shim(working, "python3.12", 'exec %s "$@"\n' % sys.executable)
    done = find([broken, working, "/usr/bin", "/bin"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(working / "python3.12")


def test_an_old_python_is_not_enough_and_the_message_says_what_to_install(tmp_path):
    shim(tmp_path, "python3", "exit 1\n")  # e.g. a Python 3.11, which the version check refuses
    done = find([tmp_path, "/nonexistent"])
    assert done.returncode == 1 and done.stdout == ""
    assert "Python 3.13 (or 3.12)" in done.stderr and "make PYTHON=" in done.stderr


def test_pyenv_versions_are_found_without_a_shim(tmp_path):
    version_bin = tmp_path / "pyenv" / "versions" / "3.13.9" / "bin"
    version_bin.mkdir(parents=True)
    shim(version_bin, "python3.13", 'exec %s "$@"\n' % sys.executable)
    done = find(["/nonexistent"], PYENV_ROOT=str(tmp_path / "pyenv"))
    assert done.stdout.strip() == str(version_bin / "python3.13"), done.stderr


def test_python_given_by_the_user_comes_first(tmp_path):
    chosen = shim(tmp_path, "my-python", 'exec %s "$@"\n' % sys.executable)
    done = find(["/usr/bin", "/bin"], PYTHON=str(chosen))
    assert done.stdout.strip() == str(chosen)
