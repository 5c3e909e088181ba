"""Start, stop and query LocalStack for the `localstack` molecule scenario, and say which concerns it serves.

    python -m tools.localstack start|stop|status|concerns [--port 4566] [--output FILE]

Where LocalStack comes from, first match wins:
- LOCALSTACK_ENDPOINT set: a LocalStack already running there (started and stopped by its owner);
- Docker and LOCALSTACK_AUTH_TOKEN: the container LOCALSTACK_IMAGE, published on 127.0.0.1:PORT;
- otherwise localstack-core in .venv-localstack (make localstack-venv), on 127.0.0.1:PORT, no Docker, with the
  fidelity patches of tools/localstack/patches (tools/localstack/server.py).

`concerns` lists the concerns of the stack this LocalStack serves (JSON, to --output or stdout) and prints one
line for each concern it cannot serve, with the reason. Pid, log and LocalStack's files live in .tap/.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools.emulator.launcher import Emulator, EmulatorError, check_loopback, port_in_use
from tools.localstack.concerns import served_concerns

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORT = 4566
DEFAULT_VENV = REPO_ROOT / ".venv-localstack"
DEFAULT_IMAGE = "localstack/localstack-pro:2026.3.0"
HEALTH_PATH = "/_localstack/health"


class LocalStack(Emulator):
    """localstack-core in its own virtual environment (pid file, stop and status as the embedded emulator's)."""

    mode = "core"

    def __init__(self, port=DEFAULT_PORT, state_dir=None, venv=DEFAULT_VENV):
        super().__init__(port=port, state_dir=state_dir or REPO_ROOT / ".tap")
        self.pid_file = self.state_dir / ("localstack-%d.pid" % self.port)
        self.log_file = self.state_dir / ("localstack-%d.log" % self.port)
        self.filesystem_root = self.state_dir / ("localstack-%d" % self.port)
        self.venv = Path(venv)

    def health(self):
        """LocalStack's health document ({"services": {name: state}, "edition": ...}), or None."""
        try:
            with urllib.request.urlopen(self.url + HEALTH_PATH, timeout=10) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def healthy(self):
        return bool((self.health() or {}).get("services"))

    def environment(self):
        address = "%s:%d" % (self.host, self.port)
        env = dict(os.environ)
        env.update(
            GATEWAY_LISTEN=address,
            LOCALSTACK_HOST=address,
            GATEWAY_SERVER="hypercorn",
            DISABLE_EVENTS="1",
            DNS_ADDRESS="0",
            PERSISTENCE="0",
            OVERRIDE_IN_DOCKER="0",
            FILESYSTEM_ROOT=str(self.filesystem_root),
            PYTHONPATH=str(REPO_ROOT),
        )
        return env

    def start(self, timeout=120):
        check_loopback(self.host)
        if self.pid() and self.healthy():
            return "already running at %s (pid %d)" % (self.url, self.pid())
        if port_in_use(self.host, self.port):
            raise EmulatorError(
                "port %d is taken by another process: stop it, pick another port (TAP_LOCALSTACK_PORT) or point "
                "LOCALSTACK_ENDPOINT at a running LocalStack" % self.port
            )
        python = self.venv / "bin" / "python"
        if not python.exists():
            raise EmulatorError("%s is missing: run `make localstack-venv` first" % python)
        shutil.rmtree(self.filesystem_root, ignore_errors=True)
        self.filesystem_root.mkdir(parents=True)
        process = self.launch(
            [str(python), "-m", "tools.localstack.server"], self.environment(), timeout, "localstack-core"
        )
        return "started localstack-core at %s (pid %d, log %s)" % (self.url, process.pid, self.log_file)

    def stop(self, timeout=20):
        answer = super().stop(timeout)
        shutil.rmtree(self.filesystem_root, ignore_errors=True)
        return answer


class LocalStackContainer(LocalStack):
    """LocalStack's container (Docker, LOCALSTACK_AUTH_TOKEN), published on 127.0.0.1:PORT."""

    mode = "docker"

    def __init__(self, port=DEFAULT_PORT, image=DEFAULT_IMAGE):
        super().__init__(port=port)
        self.image = image
        self.container = "tap-localstack-%d" % self.port

    def run_command(self):
        return [
            "docker", "run", "--detach", "--rm", "--name", self.container,
            "--publish", "%s:%d:4566" % (self.host, self.port),
            "--env", "LOCALSTACK_AUTH_TOKEN",
            "--volume", "/var/run/docker.sock:/var/run/docker.sock",
            self.image,
        ]  # fmt: skip

    def start(self, timeout=180):
        if self.healthy():
            return "already running at %s" % self.url
        subprocess.run(self.run_command(), check=True, capture_output=True, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return "started container %s (%s) at %s" % (self.container, self.image, self.url)
            time.sleep(1)
        raise EmulatorError(
            "container %s did not answer within %ds (docker logs %s)" % (self.container, timeout, self.container)
        )

    def stop(self, timeout=20):
        done = subprocess.run(["docker", "rm", "--force", self.container], capture_output=True, text=True, check=False)
        return "removed container %s" % self.container if done.returncode == 0 else "not running"

    def status(self):
        return "running at %s" % self.url if self.healthy() else "not running"


class LocalStackEndpoint(LocalStack):
    """A LocalStack someone else runs (LOCALSTACK_ENDPOINT): never started or stopped here."""

    mode = "endpoint"

    def __init__(self, url):
        super().__init__()
        self.endpoint = url.rstrip("/")

    @property
    def url(self):
        return self.endpoint

    def start(self, timeout=0):
        if not self.healthy():
            raise EmulatorError("LOCALSTACK_ENDPOINT %s does not answer %s" % (self.url, HEALTH_PATH))
        return "using %s" % self.url

    def stop(self, timeout=0):
        return "left running at %s (LOCALSTACK_ENDPOINT)" % self.url

    def status(self):
        return "running at %s" % self.url if self.healthy() else "%s does not answer" % self.url


def docker_available():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def choose(port, environ=os.environ):
    """The LocalStack of this machine: LOCALSTACK_ENDPOINT, else Docker with a token, else localstack-core."""
    if environ.get("LOCALSTACK_ENDPOINT"):
        return LocalStackEndpoint(environ["LOCALSTACK_ENDPOINT"])
    if environ.get("LOCALSTACK_AUTH_TOKEN") and docker_available():
        return LocalStackContainer(port, environ.get("LOCALSTACK_IMAGE") or DEFAULT_IMAGE)
    return LocalStack(port, venv=environ.get("TAP_LOCALSTACK_VENV") or DEFAULT_VENV)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.localstack", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "status", "concerns"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("TAP_LOCALSTACK_PORT", DEFAULT_PORT)))
    parser.add_argument("--output", help="concerns: write the served concerns (a JSON list) to this file")
    args = parser.parse_args(argv)
    localstack = choose(args.port)
    try:
        if args.action != "concerns":
            print("localstack: %s" % getattr(localstack, args.action)())
            return 0 if args.action != "status" or localstack.healthy() else 1
        served, skipped = served_concerns(localstack.url, localstack.mode, localstack.health() or {})
        for concern, reason in skipped.items():
            print("localstack: skipping %s: %s" % (concern, reason))
        print("localstack: serving %s" % ", ".join(served))
        if args.output:
            Path(args.output).write_text(json.dumps(served) + "\n")
        else:
            print(json.dumps(served))
    except (EmulatorError, subprocess.CalledProcessError) as exc:
        print("localstack: error: %s" % (getattr(exc, "stderr", None) or exc), file=sys.stderr)
        return 2
    return 0
