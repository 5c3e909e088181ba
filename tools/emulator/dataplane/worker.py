"""A warm Lambda execution environment for one Python function (run as a script by runtime.py).

    python worker.py <code directory> <handler module.function>

Imports the handler once (the init phase), then serves invocations: one JSON line on stdin
({"event", "context"}), one JSON line back ({"result"} or {"error": {"errorType", "errorMessage"}}) on the
original stdout. What the function prints goes to stderr (the emulator's log), as Lambda sends it to the
function's log stream. The environment variables are set by runtime.py.
"""

import importlib
import json
import os
import sys
import time
import traceback


class Context:
    """The Lambda context object (the attributes and method the Python runtime documents)."""

    def __init__(self, data):
        self.function_name = data["function_name"]
        self.function_version = data.get("function_version", "$LATEST")
        self.invoked_function_arn = data["invoked_function_arn"]
        self.memory_limit_in_mb = data.get("memory_limit_in_mb", 128)
        self.aws_request_id = data["aws_request_id"]
        self.log_group_name = data.get("log_group_name", "")
        self.log_stream_name = data.get("log_stream_name", "")
        self.identity = None
        self.client_context = None
        self._deadline = data["deadline"]

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def main():
    code_dir, handler_name = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path[0] = code_dir
    os.chdir(code_dir)
    module_name, _, function_name = handler_name.rpartition(".")
    init_error = None
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # noqa: BLE001 - an init error is the function's, reported per invocation
        init_error = {"errorType": "Runtime.ImportModuleError", "errorMessage": "%s: %s" % (type(exc).__name__, exc)}
    for line in sys.stdin:
        request = json.loads(line)
        if init_error:
            answer = {"error": init_error}
        else:
            try:
                answer = {"result": handler(request["event"], Context(request["context"]))}
            except Exception as exc:  # noqa: BLE001 - an unhandled error is the invocation's result
                traceback.print_exc()
                answer = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc)}}
        try:
            text = json.dumps(answer)
        except (TypeError, ValueError) as exc:
            text = json.dumps({"error": {"errorType": "Runtime.MarshalError", "errorMessage": str(exc)}})
        protocol.write(text + "\n")


if __name__ == "__main__":
    main()
