"""execution-environment.yml: ansible-builder writes a complete build context, tap.infra included.

Building the image needs podman or docker (and Galaxy + PyPI); these tests stop at the build
context and replay the galaxy stage's collection install offline against the bundled collections.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, VENV_BIN

pytestmark = pytest.mark.integration

EE_FILE = REPO_ROOT / "execution-environment.yml"
COLLECTION_NAMESPACE = "collections/ansible_collections/tap/infra"
BUNDLED = Path(yaml.__file__).resolve().parents[1] / "ansible_collections"  # the venv's site-packages


def run(*command, cwd=REPO_ROOT, env=None):
    run_env = dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1", **(env or {}))
    run_env["PATH"] = os.pathsep.join([str(VENV_BIN), run_env.get("PATH", "")])
    return subprocess.run(command, cwd=cwd, env=run_env, capture_output=True, text=True, timeout=300, check=False)


def pinned(requirements_txt, package):
    """The exact version `package==X` pins in a requirements file."""
    match = re.search(r"^%s==(\S+)" % re.escape(package), requirements_txt, re.M | re.I)
    assert match, "%s is not pinned" % package
    return match.group(1)


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """`ansible-builder create` output for execution-environment.yml."""
    path = tmp_path_factory.mktemp("ee") / "context"
    result = run(
        str(VENV_BIN / "ansible-builder"),
        "create",
        "--file",
        str(EE_FILE),
        "--context",
        str(path),
        "--output-filename",
        "Containerfile",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def test_definition_is_schema_3_with_pins_of_requirements_txt():
    definition = yaml.safe_load(EE_FILE.read_text())
    requirements = (REPO_ROOT / "requirements.txt").read_text()
    assert definition["version"] == 3
    assert "$" not in definition["images"]["base_image"]["name"]
    deps = definition["dependencies"]
    core = deps["ansible_core"]["package_pip"]
    assert core.startswith("ansible-core==2.21.")
    assert deps["ansible_runner"]["package_pip"] == "ansible-runner==%s" % pinned(requirements, "ansible-runner")
    ee_python = (REPO_ROOT / deps["python"]).read_text()
    for package in ("boto3", "botocore"):
        assert pinned(ee_python, package) == pinned(requirements, package)
    for test_tool in ("molecule", "pytest", "moto", "ansible-lint"):
        assert not re.search(r"^%s\b" % test_tool, ee_python, re.M), test_tool


def test_ansible_core_pin_matches_the_ansible_package_of_requirements_txt():
    from ansible.release import __version__ as core_version

    definition = yaml.safe_load(EE_FILE.read_text())
    assert definition["dependencies"]["ansible_core"]["package_pip"] == "ansible-core==%s" % core_version


def test_galaxy_requirements_name_the_aws_collections_and_tap_infra_from_source():
    requirements = yaml.safe_load((REPO_ROOT / "requirements.yml").read_text())
    entries = {entry["name"]: entry for entry in requirements["collections"]}
    assert entries["amazon.aws"]["version"] == ">=11.4.0"
    assert entries["community.aws"]["version"] == ">=11.2.0"
    own = entries["./%s" % COLLECTION_NAMESPACE]
    assert own["type"] == "dir"
    assert (REPO_ROOT / COLLECTION_NAMESPACE / "galaxy.yml").is_file()


def test_containerfile_uses_the_base_image_and_installs_every_requirement(context):
    definition = yaml.safe_load(EE_FILE.read_text())
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="%s"' % definition["images"]["base_image"]["name"] in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect --user-pip=requirements.txt" in containerfile
    assert (
        'ARG ANSIBLE_INSTALL_REFS="%s %s"'
        % (
            definition["dependencies"]["ansible_core"]["package_pip"],
            definition["dependencies"]["ansible_runner"]["package_pip"],
        )
        in containerfile
    )
    # The galaxy stage works in /build, where requirements.yml's `type: dir` path must resolve.
    assert re.search(
        r"COPY _build /build\nWORKDIR /build\n(.*\n)*RUN .*ansible-galaxy collection install", containerfile
    )


def test_build_context_holds_the_requirements_and_the_collection(context):
    build = context / "_build"
    assert (build / "requirements.yml").read_text() == (REPO_ROOT / "requirements.yml").read_text()
    ee_python = yaml.safe_load(EE_FILE.read_text())["dependencies"]["python"]
    assert (build / "requirements.txt").read_text() == (REPO_ROOT / ee_python).read_text()
    collection = build / COLLECTION_NAMESPACE
    source = REPO_ROOT / COLLECTION_NAMESPACE
    assert (collection / "galaxy.yml").read_text() == (source / "galaxy.yml").read_text()
    for module in sorted((source / "plugins" / "modules").glob("*.py")):
        assert (collection / "plugins" / "modules" / module.name).is_file(), module.name


def test_galaxy_stage_installs_tap_infra_from_the_build_context(context, tmp_path):
    """The galaxy stage's install, replayed offline from /build's contents with the AWS collections present."""
    target = tmp_path / "collections"
    for name in ("amazon/aws", "community/aws", "awx/awx"):
        link = target / "ansible_collections" / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(BUNDLED / name)
    roles = run(
        str(VENV_BIN / "ansible-galaxy"),
        "role",
        "install",
        "-r",
        "requirements.yml",
        "--roles-path",
        str(tmp_path / "roles"),
        cwd=context / "_build",
    )
    assert roles.returncode == 0, roles.stdout + roles.stderr
    result = run(
        str(VENV_BIN / "ansible-galaxy"),
        "collection",
        "install",
        "--offline",
        "-r",
        "requirements.yml",
        "--collections-path",
        str(target),
        cwd=context / "_build",
        env={"ANSIBLE_COLLECTIONS_PATH": str(target)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    version = yaml.safe_load((REPO_ROOT / COLLECTION_NAMESPACE / "galaxy.yml").read_text())["version"]
    assert "tap.infra:%s was installed successfully" % version in result.stdout, result.stdout
    installed = target / "ansible_collections" / "tap" / "infra"
    assert (installed / "MANIFEST.json").is_file()
    doc = run(
        str(VENV_BIN / "ansible-doc"),
        "tap.infra.dynamodb_global_table",
        cwd=tmp_path,
        env={"ANSIBLE_COLLECTIONS_PATH": str(target)},
    )
    assert doc.returncode == 0, doc.stderr
    assert str(installed) in doc.stdout
