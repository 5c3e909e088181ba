"""The project's strategy (plugins/strategy/tap_linear.py): Mitogen when importable and not switched off,
plain linear otherwise."""

import builtins
import importlib.util
import sys
import uuid

import pytest
from ansible.plugins.strategy.linear import StrategyModule as Linear

from tests.conftest import REPO_ROOT

PLUGIN = REPO_ROOT / "plugins" / "strategy" / "tap_linear.py"


def load_plugin():
    spec = importlib.util.spec_from_file_location("tap_linear_%s" % uuid.uuid4().hex, PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ansible_cfg_selects_the_strategy():
    config = (REPO_ROOT / "ansible.cfg").read_text()
    assert "strategy = tap_linear" in config and "strategy_plugins = plugins/strategy" in config


def test_accelerated_by_default_when_mitogen_is_installed(monkeypatch):
    pytest.importorskip("ansible_mitogen")
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    plugin = load_plugin()
    import ansible_mitogen.strategy

    assert plugin.ACCELERATED
    assert issubclass(plugin.StrategyModule, ansible_mitogen.strategy.StrategyMixin)
    assert issubclass(plugin.StrategyModule, Linear)


@pytest.mark.parametrize("value", ["off", "0", "false", "No", "linear"])
def test_switched_off_by_the_environment(monkeypatch, value):
    monkeypatch.setenv("TAP_ACCELERATION", value)
    plugin = load_plugin()
    assert not plugin.ACCELERATED
    assert plugin.StrategyModule.__mro__[1] is Linear


def test_falls_back_to_linear_without_mitogen(monkeypatch):
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    real_import = builtins.__import__

    def no_mitogen(name, *args, **kwargs):
        if name.startswith("ansible_mitogen"):
            raise ImportError("No module named %r" % name)
        return real_import(name, *args, **kwargs)

    for name in [name for name in sys.modules if name.startswith("ansible_mitogen")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", no_mitogen)
    plugin = load_plugin()
    assert not plugin.ACCELERATED
    assert plugin.StrategyModule.__mro__[1] is Linear


def test_falls_back_to_linear_when_mitogen_fails_to_load(monkeypatch):
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    real_import = builtins.__import__

    def broken_mitogen(name, *args, **kwargs):
        if name.startswith("ansible_mitogen"):
            raise RuntimeError("unsupported ansible-core")
        return real_import(name, *args, **kwargs)

    for name in [name for name in sys.modules if name.startswith("ansible_mitogen")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", broken_mitogen)
    plugin = load_plugin()
    assert not plugin.ACCELERATED


class _LocalSpec:
    """The part of Mitogen's connection spec a local connection reads."""

    def __init__(self, host):
        self.host = host

    def inventory_name(self):
        return self.host

    def python_path(self):
        return ["/venv/bin/python"]


def test_each_region_site_gets_its_own_interpreter(monkeypatch):
    pytest.importorskip("ansible_mitogen")
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    load_plugin()
    load_plugin()  # loaded again (each play loads it): wrapped once
    import ansible_mitogen.connection as connection
    from ansible_mitogen.services import key_from_dict

    east, west = (connection.CONNECTION_METHOD["local"](_LocalSpec(host)) for host in ("us-east-1", "us-west-2"))
    assert east["method"] == west["method"] == "local"
    assert east["kwargs"]["python_path"] == west["kwargs"]["python_path"]
    # Mitogen keys its interpreters (contexts) by these options: one per site, not one shared
    assert key_from_dict(**east) != key_from_dict(**west)
    assert key_from_dict(**east) == key_from_dict(**connection.CONNECTION_METHOD["local"](_LocalSpec("us-east-1")))
    assert east["kwargs"]["remote_name"] == "tap:us-east-1"


def test_mitogen_does_not_pin_the_sites_to_one_cpu(monkeypatch):
    """On fewer than 4 CPUs Mitogen's affinity policy pins the controller, the workers and every interpreter
    to the same CPU(s) (CPU 0 is kept for its multiplexer): on 2 CPUs the sites' modules shared one CPU."""
    pytest.importorskip("ansible_mitogen")
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    import ansible_mitogen.affinity as affinity

    monkeypatch.setattr(affinity, "policy", affinity.LinuxPolicy(cpu_count=2))
    load_plugin()
    assert type(affinity.policy) is affinity.Policy  # the base policy: every assignment is a no-op


def test_mitogen_pinning_is_left_alone_when_acceleration_is_off(monkeypatch):
    pytest.importorskip("ansible_mitogen")
    monkeypatch.setenv("TAP_ACCELERATION", "off")
    import ansible_mitogen.affinity as affinity

    pinning = affinity.LinuxPolicy(cpu_count=2)
    monkeypatch.setattr(affinity, "policy", pinning)
    load_plugin()
    assert affinity.policy is pinning


class _Invocation:
    """The part of Mitogen's module invocation its planners read."""

    def __init__(self, module_name, task_vars=None, wrap_async=False):
        self.module_name = module_name
        self.task_vars = task_vars or {}
        self.wrap_async = wrap_async


def new_style_planner(module_name, custom_module_utils, **invocation):
    import ansible_mitogen.planner as planner

    instance = planner.NewStylePlanner(_Invocation(module_name, **invocation))
    custom = [(name, "/collections/%s.py" % name.replace(".", "/"), False) for name in custom_module_utils]
    instance.get_module_map = lambda: {"custom": custom, "builtin": []}
    return instance


TAP_MODULE_UTILS = [
    "ansible_collections.tap.infra.plugins.module_utils.botocore_cache",
    "ansible_collections.amazon.aws.plugins.module_utils.modules",
]


@pytest.fixture
def mitogen_planner(monkeypatch):
    pytest.importorskip("ansible_mitogen")
    import ansible_mitogen.planner as planner

    current = planner.NewStylePlanner.should_fork
    # Mitogen's own decision, also when an earlier test has loaded the plugin
    monkeypatch.setattr(planner.NewStylePlanner, "should_fork", getattr(current, "mitogen_should_fork", current))
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    return planner


def test_mitogen_alone_forks_a_fresh_interpreter_for_collection_module_utils(mitogen_planner):
    assert new_style_planner("tap.infra.ec2_vpc", TAP_MODULE_UTILS).should_fork()


def test_the_aws_collections_modules_run_in_the_sites_interpreter(mitogen_planner):
    load_plugin()
    load_plugin()  # loaded again (each play loads it): wrapped once
    assert not new_style_planner("tap.infra.ec2_vpc", TAP_MODULE_UTILS).should_fork()
    assert not new_style_planner(
        "community.aws.sns_topic", ["ansible_collections.community.aws.plugins.x"]
    ).should_fork()
    assert not new_style_planner("ansible.builtin.ping", []).should_fork()


def test_other_modules_and_mitogens_other_reasons_still_fork(mitogen_planner):
    load_plugin()
    other = ["ansible_collections.example.thing.plugins.module_utils.x"] + TAP_MODULE_UTILS
    assert new_style_planner("example.thing.mod", other).should_fork()
    assert new_style_planner("tap.infra.ec2_vpc", TAP_MODULE_UTILS, wrap_async=True).should_fork()
    isolated = {"mitogen_task_isolation": "fork"}
    assert new_style_planner("tap.infra.ec2_vpc", TAP_MODULE_UTILS, task_vars=isolated).should_fork()
    assert new_style_planner("firewalld", ["ansible_collections.tap.infra.plugins.module_utils.x"]).should_fork()


def test_planner_left_alone_when_acceleration_is_off(mitogen_planner, monkeypatch):
    monkeypatch.setenv("TAP_ACCELERATION", "off")
    load_plugin()
    assert new_style_planner("tap.infra.ec2_vpc", TAP_MODULE_UTILS).should_fork()


@pytest.fixture
def mitogen_collection_loading(monkeypatch):
    pytest.importorskip("ansible_mitogen")
    import ansible.collections.list
    import ansible_mitogen.planner as planner

    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    monkeypatch.setattr(planner, "_load_collections", planner._load_collections)
    listed = []

    def list_collection_dirs(*args, **kwargs):
        listed.append(args)
        return [b"/collections/ansible_collections/tap/infra", b"/site-packages/ansible_collections/amazon/aws"]

    monkeypatch.setattr(ansible.collections.list, "list_collection_dirs", list_collection_dirs)
    return planner, listed


class _ModuleInvocation:
    def __init__(self):
        self._extra_sys_paths = set()


def test_collection_directories_are_listed_once_in_the_controller(mitogen_collection_loading):
    """Mitogen lists every installed collection before it first runs a collection's module in a worker, and
    remembers that in the worker, which Ansible forks anew for every task and host."""
    planner, listed = mitogen_collection_loading
    planner._load_collections = getattr(
        planner._load_collections, "mitogen_load_collections", planner._load_collections
    )
    load_plugin()
    load_plugin()
    assert len(listed) == 1  # at load, in the controller: the workers inherit the list
    invocations = [_ModuleInvocation() for _ in range(3)]
    for invocation in invocations:
        planner._load_collections(invocation)
    assert len(listed) == 1
    assert all(
        invocation._extra_sys_paths
        == {"/collections/ansible_collections/tap/infra", "/site-packages/ansible_collections/amazon/aws"}
        for invocation in invocations
    )


def test_mitogen_lists_the_collections_per_task_without_the_plugin(mitogen_collection_loading):
    planner, listed = mitogen_collection_loading
    planner._load_collections = getattr(
        planner._load_collections, "mitogen_load_collections", planner._load_collections
    )
    for _ in range(3):
        planner._load_collections(_ModuleInvocation())
    assert len(listed) == 3


def test_mitogen_keeps_listing_when_the_controller_cannot(mitogen_collection_loading, monkeypatch):
    planner, _listed = mitogen_collection_loading
    import ansible.collections.list

    mitogen_load_collections = getattr(planner._load_collections, "mitogen_load_collections", planner._load_collections)
    planner._load_collections = mitogen_load_collections

    def broken(*args, **kwargs):
        raise AttributeError("'MultiplexedPath' object has no attribute 'glob'")

    monkeypatch.setattr(ansible.collections.list, "list_collection_dirs", broken)
    load_plugin()
    assert planner._load_collections is mitogen_load_collections
