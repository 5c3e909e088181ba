"""tap.infra passes `ansible-test sanity` and `ansible-test units`, as a published collection must.

ansible-test needs the collection at `.../ansible_collections/tap/infra` inside a git repository (it
lists files with git) and its dependencies in the same `ansible_collections` tree, so the tests run in
a copy: the collection, git-initialised, next to links to the bundled amazon.aws and community.aws.

Offline here: ansible-test bootstraps pip in each test venv from get-pip-<version>.py, downloaded
from a host that is not reachable; a cached stand-in that runs ensurepip takes its place, then each
sanity test's pinned requirements come from PyPI (venvs cached in ~/.ansible/test/venv).
Measured on 2 cores: sanity ~2.5 min on the first run (venv installs), 40-85 s after; units 12-50 s.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, VENV_BIN

pytestmark = pytest.mark.integration

COLLECTION = REPO_ROOT / "collections" / "ansible_collections" / "tap" / "infra"
BUNDLED = Path(yaml.__file__).resolve().parents[1] / "ansible_collections"  # the venv's site-packages
DEPENDENCIES = ("amazon/aws", "community/aws")  # galaxy.yml dependencies
PYTHON = "3.11"
# Tests ansible-test would skip or that do not apply are listed by ansible-test itself; none is
# excluded here: all 24 sanity tests of ansible-core 2.19 run.
SANITY_EXCLUDES = ()


def ansible_test_pip_version():
    """The pip version ansible-test bootstraps (its get-pip-<version>.py)."""
    import ansible_test

    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", source.read_text())
    assert match, "pip version not found in %s" % source
    return match.group(1)


def ensure_get_pip_stand_in():
    """ansible-test's cached get-pip script, replaced by ensurepip (the download host is unreachable)."""
    cache = (
        Path.home() / ".ansible" / "test" / "cache" / ("get_pip_%s.py" % ansible_test_pip_version().replace(".", "_"))
    )
    if not cache.exists():  # a real cached get-pip.py, if there is one, is kept
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("import ensurepip; ensurepip.bootstrap(upgrade=True)\n")


def environment():
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0")
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    for variable in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_CONFIG"):
        env.pop(variable, None)
    return env


def _ignore(directory, names):
    """What `ansible-galaxy collection build` leaves out: byte code, test output, built tarballs."""
    ignored = {name for name in names if name == "__pycache__" or name.endswith((".pyc", ".tar.gz"))}
    if Path(directory) == COLLECTION / "tests" and "output" in names:
        ignored.add("output")
    return ignored


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A git-initialised copy of the collection at <tmp>/ansible_collections/tap/infra, deps alongside."""
    if not shutil.which("git"):
        pytest.skip("ansible-test lists a collection's files with git; git is not installed")
    root = tmp_path_factory.mktemp("ansible-test") / "ansible_collections"
    target = root / "tap" / "infra"
    shutil.copytree(COLLECTION, target, ignore=_ignore)
    for name in DEPENDENCIES:
        link = root / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(BUNDLED / name, target_is_directory=True)
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=target, check=True, capture_output=True)
    ensure_get_pip_stand_in()
    return target


def ansible_test(checkout, *args):
    return subprocess.run(
        [str(VENV_BIN / "ansible-test"), *args, "--python", PYTHON, "--color", "no"],
        cwd=checkout,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def findings(output):
    """ansible-test's ERROR/FATAL lines, without pip's install chatter."""
    return "\n".join(line for line in output.splitlines() if line.startswith(("ERROR", "FATAL"))) or output[-6000:]


def test_ansible_test_sanity_passes(checkout):
    args = ["sanity"] + ["--skip-test=%s" % name for name in SANITY_EXCLUDES]
    result = ansible_test(checkout, *args)
    output = result.stdout + result.stderr
    assert result.returncode == 0, findings(output)
    ran = re.findall(r'^Running sanity test "([^"]+)"', output, re.M)
    for essential in ("validate-modules", "pylint", "pep8", "yamllint", "compile", "import", "ansible-doc"):
        assert essential in ran, "%s did not run: %s" % (essential, ran)
    # Every exception is a reasoned entry of the ignore file (none today).
    ignore_file = COLLECTION / "tests" / "sanity" / ("ignore-%s.txt" % ".".join(_core_version().split(".")[:2]))
    if ignore_file.exists():
        for line in ignore_file.read_text().splitlines():
            assert not line.strip() or "#" in line, "ignore entry without a reason: %s" % line


def test_ansible_test_units_pass(checkout):
    result = ansible_test(checkout, "units")
    output = result.stdout + result.stderr
    assert result.returncode == 0, findings(output)
    passed = sum(int(count) for count in re.findall(r"=+ (\d+) passed", output))
    expected = len(re.findall(r"^def test_|^    def test_", _unit_test_sources(), re.M))
    assert passed >= expected > 0, (passed, expected)


def _core_version():
    from ansible.release import __version__

    return __version__


def _unit_test_sources():
    return "\n".join(path.read_text() for path in (COLLECTION / "tests" / "unit").rglob("test_*.py"))
