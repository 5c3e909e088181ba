"""Start, stop and query the embedded AWS emulator (moto server with tap-infra's fidelity patches).

    python -m tools.emulator start|stop|status|reset [--host 127.0.0.1] [--port 4566] [--slow SPEC] [--realistic [SPEC]]

`--slow SPEC` (start only) makes resources pass through AWS's transitional states for realistic
durations: SPEC is a preset ("aws", "fast" = aws/60), a scaled preset ("aws*0.05") or a JSON object of
durations (tools/emulator/slow.py). Transitions are recorded in .tap/emulator-PORT.slow.jsonl.
`--realistic [SPEC]` (start only) answers as AWS does where first deploys fail: eventual consistency, names
held after deletion, account limits (tools/emulator/realism.py); SPEC "aws" (the default), "aws*0.1" (windows
scaled) or JSON; the requests it refused are recorded in .tap/emulator-PORT.realism.jsonl.

The server's pid and log live in a git-ignored state directory (.tap/emulator-PORT.*). Only
loopback addresses are accepted: the emulator has no authentication.
"""

import argparse
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools.emulator import realism
from tools.emulator import slow as slow_mode

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_STATE_DIR = REPO_ROOT / ".tap"


class EmulatorError(Exception):
    """A launcher failure with a message meant for the user."""


def check_loopback(host):
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError) as exc:
        raise EmulatorError("emulator host %r does not resolve: %s" % (host, exc))
    if not address.is_loopback:
        raise EmulatorError(
            "emulator host %r (%s) is not a loopback address: the emulator has no authentication, "
            "bind it to 127.0.0.1 or another 127.x address" % (host, address)
        )


def port_in_use(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _json_lines(path):
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def _spec_text(spec):
    return spec if isinstance(spec, str) else json.dumps(spec)


class Emulator:
    def __init__(self, host=DEFAULT_HOST, port=DEFAULT_PORT, state_dir=DEFAULT_STATE_DIR, slow=None, realistic=None):
        self.host = host
        self.port = int(port)
        self.state_dir = Path(state_dir)
        self.pid_file = self.state_dir / ("emulator-%d.pid" % self.port)
        self.log_file = self.state_dir / ("emulator-%d.log" % self.port)
        # slow mode: see tools/emulator/slow.py; the transitions the server applied, as JSON lines
        self.slow = slow or None
        self.slow_record_file = self.state_dir / ("emulator-%d.slow.jsonl" % self.port)
        # realistic mode: see tools/emulator/realism.py; the requests it refused, as JSON lines
        self.realistic = realistic or None
        self.realism_record_file = self.state_dir / ("emulator-%d.realism.jsonl" % self.port)
        for read, spec in ((slow_mode.durations, self.slow), (realism.settings, self.realistic)):
            try:
                if spec:
                    read(spec)
            except ValueError as exc:  # SlowSpecError, RealismSpecError: the message names the problem
                raise EmulatorError(str(exc))

    def slow_record(self):
        """The slow-mode record of the server (transitions and transitional states it returned)."""
        return _json_lines(self.slow_record_file)

    def realism_record(self):
        """The realistic-mode record of the server: each request refused while a window was open."""
        return _json_lines(self.realism_record_file)

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def pid(self):
        """The pid of our running server, or None (a stale pid file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            self.pid_file.unlink(missing_ok=True)
            return None
        except PermissionError:
            pass
        return pid

    def healthy(self):
        try:
            # /moto-api/config is cheap at any state size (data.json serialises every resource)
            with urllib.request.urlopen(self.url + "/moto-api/config", timeout=10) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _post(self, path, payload=None):
        data = json.dumps(payload or {}).encode()
        request = urllib.request.Request(self.url + path, data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def configure(self):
        """Emulator-wide settings that must precede any resource: Lambda without Docker."""
        self._post("/moto-api/config", {"lambda": {"use_docker": False}})

    def start(self, timeout=60):
        check_loopback(self.host)
        if self.pid() and self.healthy():
            return "already running at %s (pid %d)" % (self.url, self.pid())
        if port_in_use(self.host, self.port):
            raise EmulatorError(
                "port %d on %s is taken by another process: stop it or pick another port "
                "(--port, or TAP_EMULATOR_PORT)" % (self.port, self.host)
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        env.pop(slow_mode.ENV_VAR, None)
        env.pop(slow_mode.RECORD_ENV_VAR, None)
        env.pop(realism.ENV_VAR, None)
        env.pop(realism.RECORD_ENV_VAR, None)
        if self.realistic:
            env[realism.ENV_VAR] = _spec_text(self.realistic)
            env[realism.RECORD_ENV_VAR] = str(self.realism_record_file)
            self.realism_record_file.unlink(missing_ok=True)
        if self.slow:
            env[slow_mode.ENV_VAR] = _spec_text(self.slow)
            env[slow_mode.RECORD_ENV_VAR] = str(self.slow_record_file)
            self.slow_record_file.unlink(missing_ok=True)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "tools.emulator.server", "--host", self.host, "--port", str(self.port)]
        process = self.launch(command, env, timeout, "emulator")
        self.configure()
        modes = [("slow mode", self.slow), ("realistic mode", self.realistic)]
        return "started at %s (pid %d, log %s%s)" % (
            self.url,
            process.pid,
            self.log_file,
            "".join(", %s %s" % (name, _spec_text(spec)) for name, spec in modes if spec),
        )

    def launch(self, command, env, timeout, label):
        """Start the server process (pid file, log), and return it once healthy."""
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=str(REPO_ROOT),
                env=env,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise EmulatorError("%s exited with code %s; see %s" % (label, process.returncode, self.log_file))
            if self.healthy():
                return process
            time.sleep(0.2)
        self.stop()
        raise EmulatorError("%s did not become healthy within %ds; see %s" % (label, timeout, self.log_file))

    def stop(self, timeout=10):
        pid = self.pid()
        if pid is None:
            return "not running"
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.pid_file.unlink(missing_ok=True)
        return "stopped (pid %d)" % pid

    def reset(self):
        """Wipe every resource in the emulator (and re-apply the emulator-wide settings)."""
        self._post("/moto-api/reset")
        self.configure()
        return "reset"

    def status(self):
        pid = self.pid()
        if pid and self.healthy():
            return "running at %s (pid %d)" % (self.url, pid)
        if pid:
            return "process %d exists but %s does not answer" % (pid, self.url)
        return "not running"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "status", "reset"])
    parser.add_argument("--host", default=os.environ.get("TAP_EMULATOR_HOST", DEFAULT_HOST))
    parser.add_argument("--port", type=int, default=int(os.environ.get("TAP_EMULATOR_PORT", DEFAULT_PORT)))
    parser.add_argument("--state-dir", default=os.environ.get("TAP_EMULATOR_STATE_DIR", str(DEFAULT_STATE_DIR)))
    parser.add_argument(
        "--slow",
        default=os.environ.get(slow_mode.ENV_VAR) or None,
        metavar="SPEC",
        help='start in slow-AWS mode: "aws", "fast", "aws*0.05" or a JSON object of durations',
    )
    parser.add_argument(
        "--realistic",
        nargs="?",
        const="aws",
        default=os.environ.get(realism.ENV_VAR) or None,
        metavar="SPEC",
        help='start in realistic mode: "aws" (default), "aws*0.1" (windows scaled) or a JSON object of settings',
    )
    args = parser.parse_args(argv)
    try:
        emulator = Emulator(args.host, args.port, args.state_dir, slow=args.slow, realistic=args.realistic)
        print("emulator: %s" % getattr(emulator, args.action)())
    except EmulatorError as exc:
        print("emulator: error: %s" % exc, file=sys.stderr)
        return 2
    except (urllib.error.URLError, OSError) as exc:
        print("emulator: error: %s does not answer (%s): start it first" % (emulator.url, exc), file=sys.stderr)
        return 2
    if args.action == "status" and not emulator.healthy():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
