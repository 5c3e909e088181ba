"""Shared by every unit test of the collection."""

import pytest

from ansible_collections.tap.infra.plugins.module_utils import botocore_cache


@pytest.fixture(autouse=True)
def clients_not_shared_across_tests(monkeypatch):
    """A module's main() shares boto3 clients in its interpreter (share_in_interpreter): in the one pytest process
    that would hand one test's client, and its Stubber, to the next. The module tests keep boto3 as it is;
    test_botocore_cache installs the sharing on classes of its own."""
    monkeypatch.setattr(botocore_cache, "share_clients", lambda *args, **kwargs: False)
