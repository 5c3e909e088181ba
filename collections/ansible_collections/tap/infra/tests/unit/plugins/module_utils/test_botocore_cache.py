"""botocore_cache: botocore loaders of one interpreter share the files they parse, per search scope."""

import botocore.loaders
import botocore.session

from ansible_collections.tap.infra.plugins.module_utils.botocore_cache import share_loader_cache


class CountingFileLoader(botocore.loaders.JSONFileLoader):
    loads = []

    def load_file(self, file_path):
        CountingFileLoader.loads.append(file_path)
        return super().load_file(file_path)


def loader_class():
    """A Loader subclass of its own, so that the test leaves botocore's class as it was."""

    class Loader(botocore.loaders.Loader):
        FILE_LOADER_CLASS = CountingFileLoader

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
