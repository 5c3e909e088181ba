"""Install the awx.awx collection pinned in requirements-awx.txt into this Python's site-packages.

ansible >= 13 no longer bundles awx.awx; ansible 12.3.0 (on PyPI) does. This downloads that one wheel with
pip (no dependencies, hash-checked), and unpacks only `ansible_collections/awx/awx/` beside the collections
that the installed `ansible` package bundles, where ansible-core finds them. Run it with the virtual
environment's python:  .venv/bin/python tools/install_awx_collection.py
"""

import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements-awx.txt"
PREFIX = "ansible_collections/awx/awx/"


def target_directory():
    return Path(sysconfig.get_paths()["purelib"]) / PREFIX


def installed_version(target):
    manifest = target / "MANIFEST.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text())["collection_info"]["version"]


def wanted_version(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(PREFIX + "MANIFEST.json"))["collection_info"]["version"]


def download(directory):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--require-hashes", "-r", str(REQUIREMENTS), "-d", str(directory)],
        check=True,
    )
    wheels = list(Path(directory).glob("*.whl"))
    if len(wheels) != 1:
        sys.exit("install_awx_collection: expected one wheel from %s, got %s" % (REQUIREMENTS, wheels))
    return wheels[0]


def unpack(wheel, target):
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(PREFIX) and not member.endswith("/"):
                destination = staging / member[len(PREFIX):]
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(archive.read(member))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def main():
    target = target_directory()
    with tempfile.TemporaryDirectory() as directory:
        wheel = download(directory)
        version = wanted_version(wheel)
        if installed_version(target) == version:
            print("awx.awx %s is installed in %s" % (version, target))
            return
        unpack(wheel, target)
    print("awx.awx %s installed in %s" % (installed_version(target), target))


if __name__ == "__main__":
    main()
