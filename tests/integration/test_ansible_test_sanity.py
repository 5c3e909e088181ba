"""tap.infra passes `ansible-test sanity` and `ansible-test units` on every ansible-core of its support range.

The range (2.19, 2.20, 2.21) is `tests/conftest.py` `core_range()`: .venv's ansible-core and those of
`tests/requirements-core-range.txt`, each in .venv-core/<major.minor> (`make test` builds them), all on .venv's
Python. Each test runs that core's own ansible-test with that Python (`--python 3.13`), one test per core and
command, so pytest-xdist can spread them.

ansible-test needs the collection at `.../ansible_collections/tap/infra` inside a git repository (it lists files
with git) and its dependencies in the same `ansible_collections` tree, so each test runs in a copy: the collection,
git-initialised, next to links to the amazon.aws and community.aws bundled in .venv.

Offline here: ansible-test bootstraps pip in each of its sanity venvs from get-pip-<version>.py (pip 24.2 for core
2.19, 25.2 for 2.20 and 2.21), downloaded from a host that is not reachable; a cached stand-in takes its place,
which runs ensurepip and then installs that pip from PyPI. Each sanity test's pinned requirements then come from
PyPI into a venv cached under ~/.ansible/test/venv, named by a hash of its requirements: the cores share some
of those names (same pip, same pins), and two runs creating one venv at once remove each other's half-made one.
So each core's ansible-test runs with its own HOME (ansible-test's cache: ~/.ansible/tap-infra-test/<major.minor>),
pip's cache and configuration staying the user's.

Measured on 2 busy cores (load 3-4), each test alone, 24 sanity tests run on each core: sanity 88 s (2.19),
119 s (2.20), 159 s (2.21) cold (every sanity venv installed from PyPI), 43, 46 and 36 s warm, of which pylint takes
21-25 s and ansible-doc 7-8 s (import 3-5 s, validate-modules 2-3 s, every other test 1 s or less); units 30-70 s
(no venv of its own: cold and warm alike). So the older cores are not narrowed: the tests that must run on every
core (validate-modules, pylint, pep8, compile, import, ansible-doc, yamllint) are nearly all of the time.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, core_range, core_venv_bin

pytestmark = pytest.mark.integration

COLLECTION = REPO_ROOT / "collections" / "ansible_collections" / "tap" / "infra"
BUNDLED = Path(yaml.__file__).resolve().parents[1] / "ansible_collections"  # .venv's site-packages
DEPENDENCIES = ("amazon/aws", "community/aws")  # galaxy.yml dependencies
PYTHON = "%d.%d" % sys.version_info[:2]  # .venv's, which every environment of the range is built on
CORES = list(core_range())
# Tests ansible-test would skip or that do not apply are listed by ansible-test itself; none is excluded here.
SANITY_EXCLUDES = ()
ESSENTIAL = ("validate-modules", "pylint", "pep8", "yamllint", "compile", "import", "ansible-doc")
# ansible-test's cache (sanity venvs, get-pip) for each core: see the module's docstring.
ANSIBLE_TEST_HOMES = Path.home() / ".ansible" / "tap-infra-test"
GET_PIP_STAND_IN = """\
# Stand-in for get-pip.py, whose host (ci-files.testing.ansible.com) is not reachable: pip from Python's ensurepip,
# then the pip release ansible-test asks for (its arguments, e.g. pip==25.2) from the package index.
import ensurepip
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
arguments = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]  # get-pip's own options
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + arguments)
"""


def ansible_test_pip_version(bin_dir):
    """The pip version this core's ansible-test bootstraps (its get-pip-<version>.py)."""
    found = subprocess.run(
        [str(bin_dir / "python"), "-c", "import ansible_test; print(ansible_test.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    source = Path(found.stdout.strip()).parent / "_internal" / "python_requirements.py"
    match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", source.read_text())
    assert match, "pip version not found in %s" % source
    return match.group(1)


def ensure_get_pip_stand_in(home, bin_dir):
    """ansible-test's cached get-pip script in home, the stand-in (a real cached get-pip.py, if there is one, is kept)."""
    name = "get_pip_%s.py" % ansible_test_pip_version(bin_dir).replace(".", "_")
    cache = home / ".ansible" / "test" / "cache" / name
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(GET_PIP_STAND_IN)


def environment(version):
    """ansible-test's environment for core <version>: its venv first on PATH, its own HOME (see the docstring)."""
    bin_dir = core_venv_bin(version)
    home = ANSIBLE_TEST_HOMES / version
    home.mkdir(parents=True, exist_ok=True)
    ensure_get_pip_stand_in(home, bin_dir)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0", HOME=str(home))
    # pip's cache and user configuration where they are without the HOME change
    env.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    env.setdefault("XDG_CONFIG_HOME", str(Path.home() / ".config"))
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    for variable in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_CONFIG", "VIRTUAL_ENV"):
        env.pop(variable, None)
    return env


def _ignore(directory, names):
    """What `ansible-galaxy collection build` leaves out: byte code, test output, built tarballs."""
    ignored = {name for name in names if name == "__pycache__" or name.endswith((".pyc", ".tar.gz"))}
    if Path(directory) == COLLECTION / "tests" and "output" in names:
        ignored.add("output")
    return ignored


@pytest.fixture
def checkout(tmp_path):
    """A git-initialised copy of the collection at <tmp>/ansible_collections/tap/infra, deps alongside."""
    if not shutil.which("git"):
        pytest.skip("ansible-test lists a collection's files with git; git is not installed")
    root = tmp_path / "ansible_collections"
    target = root / "tap" / "infra"
    shutil.copytree(COLLECTION, target, ignore=_ignore)
    for name in DEPENDENCIES:
        link = root / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(BUNDLED / name, target_is_directory=True)
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=target, check=True, capture_output=True)
    return target


def ansible_test(checkout, version, *args):
    env = environment(version)
    return subprocess.run(
        [str(core_venv_bin(version) / "ansible-test"), *args, "--python", PYTHON, "--color", "no"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def findings(output):
    """ansible-test's ERROR/FATAL lines, without pip's install chatter."""
    return "\n".join(line for line in output.splitlines() if line.startswith(("ERROR", "FATAL"))) or output[-6000:]


@pytest.mark.parametrize("version", CORES)
def test_each_environment_has_its_core_on_the_same_python(version):
    """ansible-test --python PYTHON runs that core on the Python of .venv (and of pytest)."""
    found = subprocess.run(
        [
            str(core_venv_bin(version) / "python"),
            "-c",
            "import sys, ansible.release; print(sys.version_info[:2])\n" "print(ansible.release.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    python, core = found.stdout.split("\n")[:2]
    assert python == str(sys.version_info[:2]) and core.startswith(version + "."), (version, found.stdout)


@pytest.mark.parametrize("version", CORES)
def test_ansible_test_sanity_passes(checkout, version):
    args = ["sanity"] + ["--skip-test=%s" % name for name in SANITY_EXCLUDES]
    result = ansible_test(checkout, version, *args)
    output = result.stdout + result.stderr
    assert result.returncode == 0, findings(output)
    ran = re.findall(r'^Running sanity test "([^"]+)"', output, re.M)
    for essential in ESSENTIAL:
        assert essential in ran, "%s did not run on %s: %s" % (essential, version, ran)
    # Every exception is a reasoned entry of this core's ignore file.
    ignore_file = COLLECTION / "tests" / "sanity" / ("ignore-%s.txt" % version)
    assert ignore_file.exists(), "no %s" % ignore_file
    for line in ignore_file.read_text().splitlines():
        assert not line.strip() or "#" in line, "ignore entry without a reason: %s" % line


@pytest.mark.parametrize("version", CORES)
def test_ansible_test_units_pass(checkout, version):
    result = ansible_test(checkout, version, "units")
    output = result.stdout + result.stderr
    assert result.returncode == 0, findings(output)
    passed = sum(int(count) for count in re.findall(r"=+ (\d+) passed", output))
    expected = len(re.findall(r"^def test_|^    def test_", _unit_test_sources(), re.M))
    assert passed >= expected > 0, (passed, expected)


def _unit_test_sources():
    return "\n".join(path.read_text() for path in (COLLECTION / "tests" / "unit").rglob("test_*.py"))
