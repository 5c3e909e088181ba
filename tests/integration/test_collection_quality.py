"""The collection and the playbooks meet the quality gates of a published collection."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, VENV_BIN

COLLECTION = REPO_ROOT / "collections" / "ansible_collections" / "tap" / "infra"
MODULES = sorted(path.stem for path in (COLLECTION / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
ROLES = sorted(path.name for path in (REPO_ROOT / "roles").iterdir() if path.is_dir())
# Python the controller or a managed node loads: the collection's plugins and the project's strategy.
PLUGIN_SOURCES = sorted(list((COLLECTION / "plugins").rglob("*.py")) + list((REPO_ROOT / "plugins").rglob("*.py")))
# Modules of ansible-core whose import is deprecated (2.20): the run would print a deprecation warning.
DEPRECATED_IMPORT = re.compile(
    r"ansible\.module_utils\.(_text|common\._collections_compat)\b"
    r"|from\s+ansible\.module_utils(\.common)?\s+import\s+[^\n]*\b(_text|_collections_compat)\b"
)


def run(*command, cwd=REPO_ROOT):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0")
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders_every_module(module):
    result = run(str(VENV_BIN / "ansible-doc"), "tap.infra.%s" % module)
    assert result.returncode == 0, result.stderr
    assert "EXAMPLES:" in result.stdout and "RETURN VALUES:" in result.stdout


def test_no_plugin_imports_a_deprecated_core_module():
    found = [str(path.relative_to(REPO_ROOT)) for path in PLUGIN_SOURCES if DEPRECATED_IMPORT.search(path.read_text())]
    assert PLUGIN_SOURCES and found == []


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_argument_specs_and_a_readme(role):
    assert (REPO_ROOT / "roles" / role / "README.md").is_file()
    result = run(str(VENV_BIN / "ansible-doc"), "-t", "role", "-r", "roles", role)
    assert result.returncode == 0, result.stderr
    assert "ENTRY POINT: *main*" in result.stdout


def test_collection_builds(tmp_path):
    result = run(str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), cwd=COLLECTION)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("tap-infra-*.tar.gz"))


def test_ansible_lint_production_profile():
    result = run(str(VENV_BIN / "ansible-lint"), "--profile", "production", "--nocolor")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
