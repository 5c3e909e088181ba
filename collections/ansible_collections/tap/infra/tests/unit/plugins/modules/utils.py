# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness of the module tests: botocore Stubbers behind the wrapper AnsibleAWSModule.client() gives (with the
modules' CLIENT_DECORATOR), and a stand-in for AnsibleAWSModule that runs a module's main()."""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.tap.infra.plugins.module_utils import common
from ansible_collections.tap.infra.plugins.module_utils.common import CLIENT_DECORATOR

REGION = "us-east-1"


class Clock:
    """A manager's clock and sleep: sleeping moves the time on, and every wait is recorded."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def raw_client(service, region=REGION):
    """A boto3 client with dummy credentials: the Stubber answers, nothing goes out."""
    return boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


class Stubs:
    """A stubbed client of `service`, wrapped as AnsibleAWSModule.client() wraps it, recording the calls made."""

    service = None

    def __init__(self):
        self.raw = raw_client(self.service)
        self.stubber = Stubber(self.raw)
        self.calls = []
        self.raw.meta.events.register("before-call.*.*", lambda model, **kw: self.calls.append(model.name))

    def client(self, decorator=CLIENT_DECORATOR):
        return RetryingBotoClientWrapper(self.raw, decorator)

    def __enter__(self):
        self.stubber.activate()
        return self

    def __exit__(self, *exc):
        self.stubber.deactivate()

    def verify(self):
        self.stubber.assert_no_pending_responses()


def stubs_fixture(stubs_class):
    """A `stubs` fixture: an active stubs_class() per test, every queued response used by its end."""

    @pytest.fixture
    def stubs():
        with stubs_class() as s:
            yield s
            s.verify()

    return stubs


def client_fixture(service):
    """A fixture named after `service`: (stubbed client wrapped as the modules wrap it, its Stubber), every queued
    response used by the end of the test."""

    @pytest.fixture(name=service)
    def fixture():
        client = raw_client(service)
        with Stubber(client) as stubber:
            yield RetryingBotoClientWrapper(client, CLIENT_DECORATOR), stubber
            stubber.assert_no_pending_responses()

    return fixture


class ModuleExit(SystemExit):
    """What exit_json (0) and fail_json (1) raise, as AnsibleModule's end the process."""


class FakeModule:
    """Stands in for AnsibleAWSModule: params, check/diff flags, the clients (by service, or by (service, region)),
    warnings and exit calls."""

    def __init__(self, params, clients, check_mode=False, diff=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self._clients = clients
        self.result = None
        self.spec = None
        self.warnings = []

    def __call__(self, **kwargs):
        self.spec = kwargs
        return self

    def client(self, service, retry_decorator=None, region=None):
        """The client of `service`, or with `region`, the one of (service, region)."""
        key = service if region is None else (service, region)
        assert key in self._clients
        return self._clients[key]

    def warn(self, message):
        self.warnings.append(message)

    def exit_json(self, **result):
        self.result = result
        raise ModuleExit(0)

    def fail_json(self, **result):
        self.result = dict(result, failed=True)
        raise ModuleExit(1)

    def fail_json_aws(self, exception, msg=None, **kwargs):
        self.fail_json(msg="%s: %s" % (msg, exception), **kwargs)


def run_main(module, monkeypatch, fake):
    """module.main() with `fake` as its AnsibleAWSModule; the result it exited or failed with."""
    monkeypatch.setattr(common, "AnsibleAWSModule", fake)
    with pytest.raises(ModuleExit):
        module.main()
    return fake.result
