"""Realistic mode: the AWS answers a first deploy meets and moto never gives.

The emulator started with `--realistic SPEC` (env `TAP_EMULATOR_REALISM` in the server process) refuses, as
AWS does, what eventual consistency and name reuse refuse for a while, and enforces the account's default
limits (patches: `tools/emulator/patches`, one module per behaviour, each naming the AWS documentation it
follows). Without it nothing changes. SPEC is "aws" (the windows below), a scaled preset ("aws*0.1": every
window times 0.1, limits unchanged) or a JSON object overriding keys of a preset
(`{"preset": "aws*0.1", "vpcs_per_region": 10}`).

Preset "aws", windows in seconds (AWS states no bound for any of them; these are typical observations):
- pitr_after_create_table 30: UpdateContinuousBackups answers ContinuousBackupsUnavailableException while
  backups are being enabled for a new table.
- role_propagation 10: IAM is eventually consistent ("Changes that I make are not always immediately
  visible", IAM User Guide): Lambda cannot assume a role created or whose trust policy changed moments ago,
  and KMS rejects a key policy naming a principal created moments ago.
- invoke_permission_propagation 10: ELB's RegisterTargets of a Lambda function is refused until the
  function's resource policy lets elasticloadbalancing.amazonaws.com invoke it, and for a while after.
- load_balancer_interfaces_release 120: a deleted load balancer's network interfaces are released within
  minutes; meanwhile its security groups and subnets cannot be deleted.
- secret_deletion 30: ForceDeleteWithoutRecovery deletes asynchronously; the name is refused meanwhile.
- bucket_name_release 60: a deleted bucket's name is refused (OperationAborted) for a while.
Limits (Amazon VPC quotas, defaults per region): vpcs_per_region 5 (the default VPC counts),
eips_per_region 5.
"""

import functools
import json
import os
import time

try:
    from werkzeug.exceptions import HTTPException
except ImportError:  # the launcher reads this module's settings where only the server's environment has werkzeug
    HTTPException = Exception

from tools.emulator import proxy, slow

ENV_VAR = "TAP_EMULATOR_REALISM"
RECORD_ENV_VAR = "TAP_EMULATOR_REALISM_RECORD"
LIMITS = ("vpcs_per_region", "eips_per_region")
PRESETS = {
    "aws": {
        "pitr_after_create_table": 30.0,
        "role_propagation": 10.0,
        "invoke_permission_propagation": 10.0,
        "load_balancer_interfaces_release": 120.0,
        "secret_deletion": 30.0,
        "bucket_name_release": 60.0,
        "vpcs_per_region": 5,
        "eips_per_region": 5,
    },
}

clock = time.monotonic  # what windows are measured with (tests substitute their own)
_state = {"settings": None, "record_path": None}
_marks = {}  # (kind, key) -> clock() when the window opened


class RealismSpecError(ValueError):
    """A realistic-mode SPEC that cannot be read (the message names what is wrong)."""


def settings(spec):
    """The windows and limits SPEC selects (see the module's documentation); SPEC may also be a dict."""
    return slow.read_spec(spec, PRESETS, "realism", RealismSpecError, unscaled=LIMITS)


def configure(spec, record_path=None):
    """Enable realistic mode with SPEC, or disable it with None; forgets every open window.

    Every refusal while a window is open is appended to `record_path` as a JSON line {time, window, key}.
    """
    _state["settings"] = settings(spec) if spec else None
    _state["record_path"] = record_path
    _marks.clear()


def configure_from_environment():
    spec = os.environ.get(ENV_VAR)
    if spec and not enabled():
        configure(spec, os.environ.get(RECORD_ENV_VAR) or None)


def enabled():
    return _state["settings"] is not None


def setting(key):
    return _state["settings"][key]


def mark(kind, key):
    """Open the window `kind` (a key of the settings) for `key`, now."""
    if enabled():
        _marks[(kind, key)] = clock()


def holding(kind, key):
    """Whether the window `kind` opened for `key` has not closed yet (the caller refuses the request then)."""
    opened = _marks.get((kind, key)) if enabled() else None
    held = opened is not None and clock() - opened < setting(kind)
    if held and _state["record_path"]:
        with open(_state["record_path"], "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"time": time.time(), "window": kind, "key": repr(key)}) + "\n")
    return held


def wrap(cls, name, marker, make):
    """Replace cls.name by make(original), once per marker (the patch's name)."""
    original = getattr(cls, name)
    if getattr(original, marker, False):
        return
    wrapper = functools.wraps(original)(make(original))
    setattr(wrapper, marker, True)
    setattr(cls, name, wrapper)


class AwsError(HTTPException):
    """An AWS error answer whose HTTP status the service model does not give (moto answers 400 then).

    `service` is botocore's name (elbv2, s3); the body is in its protocol (tools/emulator/proxy.py).
    """

    def __init__(self, status, code, message, service):
        super().__init__()
        self.code = status
        self.message = message
        _, self.headers, self.description = proxy.error_response(
            service, proxy.protocol_of(service), status, code, message, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE", True
        )

    def get_headers(self, *args, **kwargs):
        return list(self.headers.items())

    def get_body(self, *args, **kwargs):
        return self.description
