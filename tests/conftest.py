"""Fixtures shared by the test suite: the embedded emulator for a test session."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tools.emulator.launcher import Emulator

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """A patched moto server on a free loopback port, for the whole test session."""
    instance = Emulator(port=free_port(), state_dir=tmp_path_factory.mktemp("emulator"))
    instance.start()
    yield instance
    instance.stop()


def run_playbook(playbook, emulator, *args, inventory=None, env=None, timeout=900):
    """Run ansible-playbook from the repository root against the emulator; returns CompletedProcess."""
    command = [str(VENV_BIN / "ansible-playbook"), playbook, *args]
    if inventory:
        command += ["-i", str(inventory)]
    run_env = dict(os.environ, TAP_EMULATOR_PORT=str(emulator.port), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    run_env["PATH"] = os.pathsep.join([str(VENV_BIN), run_env.get("PATH", "")])
    run_env.update(env or {})
    return subprocess.run(
        command, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True, timeout=timeout, check=False
    )


def aws_client(emulator, service, region="us-east-1"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=emulator.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
