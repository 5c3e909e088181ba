"""Run a deployed Lambda function's code as Lambda does: warm execution environments, one per concurrent request.

moto runs function code only in Docker (not available here). The data plane runs it itself:

- the code is the function's deployment package (the zip moto holds), extracted once per CodeSha256;
- each execution environment is a worker process (worker.py) that imports the handler once and then serves
  invocations, one at a time, like a warm Lambda environment; a request takes an idle environment of the
  function (same code and configuration) or starts a new one; environments of an older version of the
  function (code or configuration changed) are stopped;
- the environment has the function's environment variables and Lambda's reserved ones (AWS_REGION,
  AWS_DEFAULT_REGION, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION,
  AWS_LAMBDA_LOG_GROUP_NAME, LAMBDA_TASK_ROOT, _HANDLER, TZ), credentials "testing" and AWS_ENDPOINT_URL =
  the emulator, so the SDK in the function talks to the emulator;
- the invocation is limited to the function's timeout: past it the environment is stopped (Lambda stops a
  timed-out invocation's environment) and the invocation is an error (Task timed out).

Emulator simplification: every python3.x runtime runs on the emulator's own Python (the virtualenv's, with
its boto3); other runtimes are refused (the load balancer then answers 502). Memory size is not enforced.
"""

import atexit
import hashlib
import io
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path

WORKER = Path(__file__).resolve().with_name("worker.py")


class InvokeError(Exception):
    """The invocation failed: kind is "Unhandled" (the function raised), "Timeout" or "Runtime"."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


class Function:
    """What an execution environment is built from (a snapshot of moto's LambdaFunction)."""

    def __init__(self, arn, name, region, account_id, runtime, handler, timeout, memory_size, environment,
                 code_sha256, code_bytes):
        self.arn = arn
        self.name = name
        self.region = region
        self.account_id = account_id
        self.runtime = runtime or ""
        self.handler = handler or ""
        self.timeout = float(timeout or 3)
        self.memory_size = int(memory_size or 128)
        self.environment = dict(environment or {})
        self.code_sha256 = code_sha256
        self.code_bytes = code_bytes

    @classmethod
    def from_moto(cls, fn):
        return cls(fn.function_arn, fn.function_name, fn.region, fn.account_id, fn.run_time, fn.handler, fn.timeout,
                   fn.memory_size, fn.environment_vars, fn.code_sha_256, fn.code_bytes)

    @property
    def version_key(self):
        """Environments are reused only for the same code and configuration."""
        config = json.dumps([self.runtime, self.handler, self.timeout, self.memory_size, self.environment],
                            sort_keys=True)
        return "%s|%s" % (self.code_sha256, hashlib.sha256(config.encode()).hexdigest())


class Environment:
    """One worker process: a warm execution environment."""

    def __init__(self, function, code_dir, endpoint_url):
        self.function = function
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(function.environment)
        env.update(
            AWS_REGION=function.region,
            AWS_DEFAULT_REGION=function.region,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_ENDPOINT_URL=endpoint_url,
            AWS_LAMBDA_FUNCTION_NAME=function.name,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(function.memory_size),
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/%s" % function.name,
            AWS_EXECUTION_ENV="AWS_Lambda_%s" % function.runtime,
            LAMBDA_TASK_ROOT=str(code_dir),
            _HANDLER=function.handler,
        )
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), str(code_dir), function.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the function's log: the emulator's log
            cwd=str(code_dir),
            env=env,
            start_new_session=True,
        )
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        self.buffer = b""

    def alive(self):
        return self.process.poll() is None

    def invoke(self, event, request_id):
        deadline = time.time() + self.function.timeout
        context = {
            "function_name": self.function.name,
            "invoked_function_arn": self.function.arn,
            "memory_limit_in_mb": self.function.memory_size,
            "aws_request_id": request_id,
            "log_group_name": "/aws/lambda/%s" % self.function.name,
            "log_stream_name": "tap-emulator",
            "deadline": deadline,
        }
        try:
            self.process.stdin.write((json.dumps({"event": event, "context": context}) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.stop()
            raise InvokeError("Runtime", "Runtime exited: the execution environment stopped")
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.time()
            if remaining <= 0 or not self.selector.select(remaining):
                self.stop()
                raise InvokeError("Timeout", "Task timed out after %.2f seconds" % self.function.timeout)
            chunk = os.read(fd, 65536)
            if not chunk:
                self.stop()
                raise InvokeError("Runtime", "Runtime exited without providing a reason")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        answer = json.loads(line)
        if "error" in answer:
            error = answer["error"]
            raise InvokeError("Unhandled", "%s: %s" % (error.get("errorType"), error.get("errorMessage")))
        return answer["result"]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.selector.close()
        except (OSError, ValueError):
            pass


class Runtime:
    """Execution environments of every function, kept warm between requests."""

    def __init__(self, endpoint_url):
        self.endpoint_url = endpoint_url
        self.lock = threading.Lock()
        self.idle = {}  # function ARN -> (version key, [Environment])
        self.code_root = Path(tempfile.mkdtemp(prefix="tap-lambda-"))
        self.code_dirs = {}
        atexit.register(self.close)

    def _code_dir(self, function):
        with self.lock:
            if function.code_sha256 in self.code_dirs:
                return self.code_dirs[function.code_sha256]
        target = self.code_root / hashlib.sha256(function.code_sha256.encode()).hexdigest()[:16]
        if not target.exists():
            staging = Path(tempfile.mkdtemp(dir=self.code_root))
            with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as package:
                package.extractall(staging)
            try:
                staging.rename(target)
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
        with self.lock:
            self.code_dirs[function.code_sha256] = target
        return target

    def _take(self, function):
        with self.lock:
            version, environments = self.idle.get(function.arn, (None, []))
            if version != function.version_key:
                for stale in environments:
                    stale.stop()
                environments = []
                self.idle[function.arn] = (function.version_key, environments)
            while environments:
                environment = environments.pop()
                if environment.alive():
                    return environment
        if not function.runtime.startswith("python3"):
            raise InvokeError("Runtime", "runtime %s is not supported by the emulator's data plane" % function.runtime)
        if not function.code_bytes:
            raise InvokeError("Runtime", "the function has no deployment package")
        return Environment(function, self._code_dir(function), self.endpoint_url)

    def _give_back(self, function, environment):
        with self.lock:
            version, environments = self.idle.get(function.arn, (None, []))
            if version == function.version_key and environment.alive():
                environments.append(environment)
                return
        environment.stop()

    def invoke(self, function, event):
        """The function's result for event (a JSON-serialisable value); InvokeError when it fails."""
        environment = self._take(function)
        try:
            result = environment.invoke(event, str(uuid.uuid4()))
        except InvokeError:
            self._give_back(function, environment)
            raise
        self._give_back(function, environment)
        return result

    def forget(self, function_arn=None):
        """Stop the environments of one function (or of all)."""
        with self.lock:
            arns = [function_arn] if function_arn else list(self.idle)
            for arn in arns:
                for environment in self.idle.pop(arn, (None, []))[1]:
                    environment.stop()

    def close(self):
        self.forget()
        shutil.rmtree(self.code_root, ignore_errors=True)
