"""botocore_cache: botocore loaders of one interpreter share the files they parse, per search scope; boto3
sessions of one interpreter share the clients built for the same request."""

import os

import boto3.session
import botocore.config
import botocore.loaders
import botocore.session
import pytest
from botocore.stub import Stubber

from ansible_collections.tap.infra.plugins.module_utils import botocore_cache
from ansible_collections.tap.infra.plugins.module_utils.botocore_cache import share_clients
from ansible_collections.tap.infra.plugins.module_utils.botocore_cache import share_loader_cache


class CountingFileLoader(botocore.loaders.JSONFileLoader):
    loads = []

    def load_file(self, file_path):
        CountingFileLoader.loads.append(file_path)
        return super().load_file(file_path)


# botocore's own initialiser, as it is before any module of this process shares the interpreter's loaders
PRISTINE_LOADER_INIT = botocore.loaders.Loader.__init__


def loader_class():
    """A Loader subclass of its own, so that the test leaves botocore's class as it was (and does not inherit the
    sharing a module run earlier in this process installed on it)."""

    class Loader(botocore.loaders.Loader):
        FILE_LOADER_CLASS = CountingFileLoader
        __init__ = PRISTINE_LOADER_INIT

    return Loader


def service_model_loads():
    return [path for path in CountingFileLoader.loads if path.endswith("/service-2")]


def test_loaders_share_parsed_service_models():
    CountingFileLoader.loads = []
    Loader = loader_class()
    assert share_loader_cache(Loader, entries={}) is True
    first = Loader().load_service_model("ec2", "service-2")
    second = Loader().load_service_model("ec2", "service-2")
    assert first is second
    assert len(service_model_loads()) == 1


def test_without_sharing_each_loader_parses_again():
    CountingFileLoader.loads = []
    Loader = loader_class()
    Loader().load_service_model("ec2", "service-2")
    Loader().load_service_model("ec2", "service-2")
    assert len(service_model_loads()) == 2


def test_loaders_that_look_elsewhere_do_not_share(tmp_path):
    CountingFileLoader.loads = []
    Loader = loader_class()
    share_loader_cache(Loader, entries={})
    plain = Loader()
    extended = Loader()
    extended.search_paths.append(str(tmp_path))  # as boto3 appends its own data directory after creation
    (tmp_path / "tapdemo" / "2024-01-01").mkdir(parents=True)
    (tmp_path / "tapdemo" / "2024-01-01" / "service-2.json").write_text('{"metadata": {}, "operations": {}}')
    assert "tapdemo" in extended.list_available_services("service-2")
    assert "tapdemo" not in plain.list_available_services("service-2")


def test_sharing_is_installed_once():
    Loader = loader_class()
    entries = {}
    assert share_loader_cache(Loader, entries=entries) is True
    init = Loader.__init__
    assert share_loader_cache(Loader, entries={}) is False
    assert Loader.__init__ is init
    Loader().load_service_model("sts", "service-2")
    assert entries  # the first installation's entries are the ones used


def test_clients_of_separate_sessions_work_with_the_shared_cache():
    Loader = loader_class()
    share_loader_cache(Loader, entries={})
    clients = []
    for region in ("us-east-1", "us-west-2"):
        session = botocore.session.Session()
        session.register_component("data_loader", Loader())
        clients.append(
            session.create_client("sts", region_name=region, aws_access_key_id="a", aws_secret_access_key="b")
        )
    assert clients[0].meta.service_model.service_name == clients[1].meta.service_model.service_name == "sts"
    assert clients[0].can_paginate("get_caller_identity") is False


CREDENTIALS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}


def session_class(clients, sessions=None):
    """A boto3 Session subclass with sharing installed, so that the test leaves boto3's class as it was."""

    class Session(boto3.session.Session):
        pass

    assert share_clients(Session, clients=clients, sessions={} if sessions is None else sessions) is True
    return Session


def sts(session, **overrides):
    arguments = dict(CREDENTIALS, region_name="us-east-1", config=botocore.config.Config(retries={"mode": "standard"}))
    arguments.update(overrides)
    return session.client("sts", **arguments)


@pytest.fixture
def no_aws_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_") or name.startswith("_ANSIBLE_PLACEBO"):
            monkeypatch.delenv(name)


def test_sessions_hand_out_the_client_built_for_the_same_request(no_aws_environment):
    clients = {}
    Session = session_class(clients)
    first = sts(Session())
    assert sts(Session()) is first  # another module's session, same request
    assert sts(Session(), config=botocore.config.Config(retries={"mode": "standard"})) is first  # an equal config
    assert len(clients) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"region_name": "us-west-2"},
        {"endpoint_url": "http://127.0.0.1:5000"},
        {"aws_access_key_id": "AKIDOTHER"},
        {"aws_session_token": "token"},
        {"config": botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 3})},
        {"verify": False},
    ],
)
def test_another_request_gets_another_client(no_aws_environment, overrides):
    Session = session_class({})
    first = sts(Session())
    other = sts(Session(), **overrides)
    assert other is not first
    assert sts(Session(), **overrides) is other


def test_session_arguments_and_the_aws_environment_are_part_of_the_request(no_aws_environment, monkeypatch):
    Session = session_class({})
    first = sts(Session())
    assert sts(Session(region_name="eu-west-1")) is not first
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")  # botocore's settings and the credential chain read AWS_*
    changed = sts(Session())
    assert changed is not first
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    assert sts(Session()) is first


def test_no_sharing_for_an_own_botocore_session_or_the_placebo_recorder(no_aws_environment, monkeypatch, tmp_path):
    Session = session_class({})
    botocore_session = botocore.session.get_session()
    assert sts(Session(botocore_session=botocore_session)) is not sts(Session(botocore_session=botocore_session))
    monkeypatch.setenv("_ANSIBLE_PLACEBO_RECORD", str(tmp_path))
    assert sts(Session()) is not sts(Session())


def test_a_forked_child_builds_its_own_clients(no_aws_environment, monkeypatch):
    Session = session_class({})
    parent = sts(Session())
    monkeypatch.setattr(botocore_cache.os, "getpid", lambda: -1)
    child = sts(Session())
    assert child is not parent
    assert sts(Session()) is child


def test_an_argument_without_a_hashable_form_gets_a_new_client(no_aws_environment):
    class Unhashable:
        __hash__ = None

    with pytest.raises(TypeError):
        botocore_cache._frozen({"retries": [Unhashable()]})
    assert botocore_cache._frozen({"b": [1, {"c": 2}], "a": 0}) == (("a", 0), ("b", (1, (("c", 2),))))
    clients = {}
    Session = session_class(clients)
    unhashable = Unhashable()
    assert sts(Session(), verify=unhashable) is not sts(Session(), verify=unhashable)
    assert not clients


def test_a_session_asked_again_with_the_same_arguments_and_environment_is_the_first(no_aws_environment, monkeypatch):
    sessions = {}
    Session = session_class({}, sessions)
    first = Session(region_name="us-east-1")
    built = first._session  # botocore's session: not built again for the second module
    assert Session(region_name="us-east-1") is first and first._session is built
    assert Session(region_name="eu-west-1") is not first
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDOTHER")  # the credential chain reads AWS_*
    other = Session(region_name="us-east-1")
    assert other is not first
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    assert Session(region_name="us-east-1") is first
    assert len(sessions) == 3


def test_sessions_not_shared(no_aws_environment, monkeypatch, tmp_path):
    Session = session_class({})

    class Unshared(Session):  # a subclass of a patched class is patched on its own, or not at all
        pass

    botocore_session = botocore.session.get_session()
    assert Session(botocore_session=botocore_session) is not Session(botocore_session=botocore_session)
    assert Session(aws_secret_access_key=bytearray(b"x")) is not Session(aws_secret_access_key=bytearray(b"x"))
    assert Unshared() is not Unshared()
    parent = Session()
    monkeypatch.setattr(botocore_cache.os, "getpid", lambda: -1)  # a forked child
    assert Session() is not parent
    monkeypatch.setenv("_ANSIBLE_PLACEBO_RECORD", str(tmp_path))
    assert Session() is not Session()


def test_clients_sharing_is_installed_once(no_aws_environment):
    clients = {}
    Session = session_class(clients)
    client_method = Session.client
    assert share_clients(Session, clients={}) is False
    assert Session.client is client_method
    sts(Session())
    assert len(clients) == 1  # the first installation's cache is the one used


def test_a_shared_client_serves_every_module_that_asks_for_it(no_aws_environment):
    Session = session_class({})
    identity = {"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/tap"}
    for _module in range(2):
        client = sts(Session())
        with Stubber(client) as stubber:
            stubber.add_response("get_caller_identity", identity, {})
            assert client.get_caller_identity()["Account"] == "123456789012"
            stubber.assert_no_pending_responses()


def test_share_in_interpreter_installs_both(monkeypatch):
    calls = []
    monkeypatch.setattr(botocore_cache, "share_loader_cache", lambda: calls.append("loader"))
    monkeypatch.setattr(botocore_cache, "share_clients", lambda: calls.append("clients"))
    botocore_cache.share_in_interpreter()
    assert calls == ["loader", "clients"]


def test_without_botocore_or_boto3_nothing_is_installed(monkeypatch):
    # AnsibleAWSModule reports the missing library; the sharing then stays out of the way.
    monkeypatch.delattr(botocore_cache, "botocore")
    monkeypatch.delattr(botocore_cache, "boto3")
    assert share_loader_cache() is False
    assert share_clients() is False


def test_a_config_without_its_user_options_has_no_hashable_form():
    config = botocore.config.Config()
    del config._user_provided_options
    with pytest.raises(TypeError, match="user-provided options"):
        botocore_cache._frozen(config)


def test_a_session_with_an_unhashable_argument_gets_new_clients(no_aws_environment):
    clients = {}
    Session = session_class(clients)
    session = Session(aws_access_key_id=CREDENTIALS["aws_access_key_id"], aws_secret_access_key=bytearray(b"x"))
    assert sts(session) is not sts(session)
    assert not clients
