"""The project's strategy (plugins/strategy/tap_linear.py): Mitogen when importable and not switched off,
plain linear otherwise."""

import builtins
import gc
import os
import importlib.util
import sys
import uuid
from pathlib import Path

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


def test_ansible_doc_renders_the_strategy():
    import subprocess

    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "-t", "strategy", "-M", str(PLUGIN.parent), "tap_linear"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False, env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
    )
    assert done.returncode == 0 and "STRATEGY tap_linear" in done.stdout, done.stderr
    assert "TAP_ACCELERATION" in done.stdout and "set_fact" in done.stdout


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


class _SiteSpec(_LocalSpec):
    """A site's connection spec as Mitogen's stack builder reads it."""

    def transport(self):
        return "local"

    def mitogen_via(self):
        return None

    def become(self):
        return False


def test_the_sites_interpreters_are_forked_from_one_interpreter(monkeypatch):
    pytest.importorskip("ansible_mitogen")
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    plugin = load_plugin()
    load_plugin()  # loaded again: wrapped once
    import ansible_mitogen.connection as connection
    from ansible_mitogen.services import key_from_dict

    stack_of = connection.Connection._stack_from_spec
    assert stack_of.forked
    east, west = (stack_of(object(), _SiteSpec(host)) for host in ("us-east-1", "us-west-2"))
    # one interpreter for both (Mitogen's key of the first hop is the same), then a fork of it per site
    assert key_from_dict(**east[0]) == key_from_dict(**west[0])
    assert east[0]["method"] == "local" and east[0]["kwargs"]["remote_name"] == plugin.SITES_INTERPRETER
    assert east[1] == {"method": "fork", "kwargs": {"name": "tap:us-east-1"}}
    assert key_from_dict(via="sites", **east[1]) != key_from_dict(via="sites", **west[1])
    # a host reached as another's mitogen_via hop is left as Mitogen builds it
    (hop,) = stack_of(object(), _SiteSpec("bastion"), (), ("us-east-1",))
    assert hop["method"] == "local" and hop["kwargs"]["remote_name"] == "tap:bastion"


SITE_PROBE = """#!/usr/bin/python
import os
import sys

from ansible.module_utils.basic import AnsibleModule

AnsibleModule({}).exit_json(pid=os.getpid(), ppid=os.getppid(), boto3_already_imported="boto3" in sys.modules)
"""


def probe_sites(tmp_path, acceleration):
    import json
    import subprocess

    (tmp_path / "library").mkdir(exist_ok=True)
    (tmp_path / "library" / "site_probe.py").write_text(SITE_PROBE)
    (tmp_path / "probe.yml").write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - site_probe:\n")
    done = subprocess.run(
        [sys.executable, "-m", "ansible.cli.playbook", str(tmp_path / "probe.yml"), "-i", "h1,h2,", "-c", "local",
         "-e", "ansible_python_interpreter=%s" % sys.executable],
        cwd=REPO_ROOT, capture_output=True, text=True,
        env=dict(os.environ, TAP_ACCELERATION=acceleration, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
                 ANSIBLE_LIBRARY=str(tmp_path / "library")),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # one entry per host and task
    return {host: result for task in json.loads(done.stdout)["plays"][0]["tasks"]
            for host, result in task["hosts"].items()}


def test_each_site_runs_in_its_own_fork_of_an_interpreter_that_imported_boto3(tmp_path):
    pytest.importorskip("ansible_mitogen")
    pytest.importorskip("boto3")
    sites = probe_sites(tmp_path, "on")
    assert sites["h1"]["boto3_already_imported"] and sites["h2"]["boto3_already_imported"]
    assert sites["h1"]["pid"] != sites["h2"]["pid"] and sites["h1"]["ppid"] == sites["h2"]["ppid"]
    plain = probe_sites(tmp_path, "off")  # a module in a fresh interpreter: nothing imported ahead
    assert not plain["h1"]["boto3_already_imported"] and not plain["h2"]["boto3_already_imported"]


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


@pytest.fixture(autouse=True)
def collections_listable(monkeypatch):
    """A run's controller has Ansible's collection loader, which lists the installed collections; this test
    process has none, so the listing is the repository's own collection."""
    import ansible.collections.list

    own = str(REPO_ROOT / "collections" / "ansible_collections" / "tap" / "infra").encode()
    monkeypatch.setattr(ansible.collections.list, "list_collection_dirs", lambda *args, **kwargs: iter([own]))


@pytest.fixture(autouse=True)
def controller_patches_restored(monkeypatch):
    """Loading the plugin patches Ansible's templating and worker classes of this process: undone after each test."""
    from ansible._internal._templating._jinja_bits import AnsibleEnvironment
    from ansible.executor.process.worker import WorkerProcess

    for cls, name in (
        (AnsibleEnvironment, "compile"),
        (AnsibleEnvironment, "compile_expression"),
        (WorkerProcess, "_run"),
    ):
        original = getattr(cls, name)
        for attribute in ("jinja_compile", "jinja_compile_expression", "ansible_run"):
            original = getattr(original, attribute, original)
        monkeypatch.setattr(cls, name, original)


@pytest.fixture
def shared_templates(monkeypatch, tmp_path):
    """The template cache installed as a run installs it (in a temporary directory of its own); counts the
    templates Jinja generates code for."""
    from ansible import constants
    from ansible._internal._templating._jinja_bits import AnsibleEnvironment

    monkeypatch.setattr(constants, "DEFAULT_LOCAL_TMP", str(tmp_path))
    plugin = load_plugin()
    plugin.compiled_templates_shared()
    assert AnsibleEnvironment.compile.code_cache == str(tmp_path / "tap_template_cache")
    generated = []
    jinja_generate = AnsibleEnvironment._generate

    def _generate(self, source, *args, **kwargs):
        generated.append(source)
        return jinja_generate(self, source, *args, **kwargs)

    monkeypatch.setattr(AnsibleEnvironment, "_generate", _generate)
    return AnsibleEnvironment.compile.code_cache, generated


def template(text, **variables):
    from ansible._internal._datatag._tags import TrustedAsTemplate
    from ansible.template import Templar

    # a new Templar (and Jinja environment) each time, as in a new worker
    return Templar(variables=variables).template(TrustedAsTemplate().tag(text))


def test_a_template_is_compiled_once_per_run(shared_templates):
    cache, generated = shared_templates
    assert template("{{ names | map('upper') | join(',') }}", names=["a", "b"]) == "A,B"
    assert len(generated) == 1 and len(os.listdir(cache)) == 1
    assert template("{{ names | map('upper') | join(',') }}", names=["c"]) == "C"
    assert len(generated) == 1  # the second worker binds the stored code to its own variables
    assert template("{{ names | first }}", names=["c"]) == "c"
    assert len(generated) == 2 and len(os.listdir(cache)) == 2


def test_a_process_keeps_the_code_it_compiled_or_read(shared_templates):
    cache, generated = shared_templates
    assert template("{{ 'x' | upper }}") == "X"
    for stored in os.listdir(cache):
        os.remove(os.path.join(cache, stored))
    assert template("{{ 'x' | upper }}") == "X"
    assert len(generated) == 1 and os.listdir(cache) == []  # neither compiled nor read again


def test_conditionals_are_compiled_once_per_run(shared_templates):
    from ansible._internal._datatag._tags import TrustedAsTemplate
    from ansible.template import Templar

    _cache, generated = shared_templates
    results = [
        Templar(variables={"state": state}).evaluate_conditional(TrustedAsTemplate().tag("state == 'absent'"))
        for state in ("absent", "present", "absent")
    ]
    assert results == [True, False, True]
    assert len(generated) == 1


def test_settings_that_change_the_code_keep_their_own_entry(shared_templates, monkeypatch):
    """The same text compiles differently with another variable syntax (a template's #jinja2: header) or without
    Ansible's backslash escaping (conditionals): each gets its own entry and renders as it does uncached."""
    from ansible._internal._datatag._tags import TrustedAsTemplate
    from ansible._internal._templating._jinja_bits import AnsibleEnvironment
    from ansible.template import Templar

    _cache, generated = shared_templates
    cases = [
        lambda: template("#jinja2:variable_start_string:'[[', variable_end_string:']]'\n[[ x ]] {{ x }}", x=1),
        lambda: template("[[ x ]] {{ x }}", x=1),
        lambda: template("{{ 'a\\\\1' | regex_replace('a', 'b') }}"),
        lambda: Templar().evaluate_conditional(
            TrustedAsTemplate().tag("'a\\\\1' | regex_replace('a', 'b') == 'b\\\\1'")
        ),
    ]
    with monkeypatch.context() as uncached:
        uncached.setattr(AnsibleEnvironment, "compile", AnsibleEnvironment.compile.jinja_compile)
        uncached.setattr(
            AnsibleEnvironment, "compile_expression", AnsibleEnvironment.compile_expression.jinja_compile_expression
        )
        expected = [case() for case in cases]
    del generated[:]
    assert [case() for case in cases] == expected
    assert expected[:2] == ["1 {{ x }}", "[[ x ]] 1"]
    assert len(generated) == len(cases)
    assert [case() for case in cases] == expected
    assert len(generated) == len(cases)


def test_the_cache_is_removed_when_the_run_ends(tmp_path):
    import subprocess

    script = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('tap_linear', %r)\n"
        "plugin = importlib.util.module_from_spec(spec); spec.loader.exec_module(plugin)\n"
        "plugin.compiled_templates_shared()\n"
        "from ansible._internal._templating._jinja_bits import AnsibleEnvironment\n"
        "print(AnsibleEnvironment.compile.code_cache)\n" % str(PLUGIN)
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, TAP_ACCELERATION="off", ANSIBLE_LOCAL_TEMP=str(tmp_path)),
    )
    cache = done.stdout.strip().splitlines()[-1]
    assert cache.startswith(str(tmp_path)) and cache.endswith("tap_template_cache")
    assert not os.path.exists(cache)  # Ansible removes its local temporary directory of the run


def test_a_module_scan_compiles_each_source_once_per_run(monkeypatch, tmp_path):
    """Mitogen's multiplexer scans every module a run uses for the ansible.module_utils it imports."""
    pytest.importorskip("ansible_mitogen")
    import ansible.module_utils
    import ansible_mitogen.module_finder as module_finder

    builtin_path = os.path.dirname(ansible.module_utils.__file__)
    modules = []
    for name in ("first", "second"):
        modules.append(tmp_path / ("%s.py" % name))
        modules[-1].write_text("from ansible.module_utils.basic import AnsibleModule\nNAME = %r\n" % name)

    def scan(path):
        return module_finder.scan(path.stem, str(path), (builtin_path,))

    monkeypatch.delattr(module_finder, "compile", raising=False)  # as before any strategy loaded
    unpatched = [scan(path) for path in modules]
    plugin = load_plugin()
    monkeypatch.delattr(module_finder, "compile")
    compiled = []

    def counting_compile(source, filename, mode, *args, **kwargs):
        compiled.append(filename)
        return compile(source, filename, mode, *args, **kwargs)

    monkeypatch.setattr(plugin, "compile", counting_compile, raising=False)
    plugin.module_scans_compile_once()
    assert scan(modules[0]) == unpatched[0]
    first_scan = len(compiled)
    assert first_scan > 10  # basic.py and the module_utils it imports
    assert scan(modules[1]) == unpatched[1]
    assert compiled[first_scan:] == ["second"]  # only the new module's own source
    assert scan(modules[0]) == unpatched[0] and len(compiled) == first_scan + 1


def test_a_module_scan_that_no_longer_compiles_makes_the_hook_unfit(monkeypatch):
    pytest.importorskip("ansible_mitogen")
    import ansible_mitogen.module_finder as module_finder

    plugin = load_plugin()
    monkeypatch.setattr(module_finder, "_scan_importlib_find_spec", lambda *args: [])
    with pytest.raises(plugin.Unfit, match="no longer compiles"):
        plugin.module_scans_compile_once()


def test_builtin_jinja_plugins_are_loaded_in_the_controller(monkeypatch):
    from ansible.plugins.loader import filter_loader, test_loader

    for loader in (filter_loader, test_loader):
        monkeypatch.setattr(loader, "_cached_non_collection_wrappers", {})
    load_plugin().jinja_plugins_loaded_once()
    assert "ansible.builtin.to_json" in filter_loader._cached_non_collection_wrappers
    assert "ansible.builtin.match" in test_loader._cached_non_collection_wrappers


def test_workers_freeze_what_they_inherit(monkeypatch):
    from ansible.executor.process.worker import WorkerProcess

    calls = []
    monkeypatch.setattr(WorkerProcess, "_run", lambda self: calls.append("run") or "result")
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    load_plugin().inherited_objects_frozen_in_workers()
    assert WorkerProcess._run(object()) == "result"
    assert calls == ["freeze", "run"]


def test_fact_cleaning_lists_the_connection_plugins_once_per_set_of_directories(monkeypatch):
    """Ansible cleans a host's facts whenever it computes the host's variables, and the cleaning globs every
    connection plugin directory."""
    from ansible.plugins.loader import connection_loader
    from ansible.vars import clean

    facts = {"ansible_local_shell": "x", "ansible_winrm_scheme": "y", "site": "us-east-1"}
    monkeypatch.setattr(clean, "connection_loader", connection_loader)
    expected = clean.clean_facts(facts)
    assert expected == {"site": "us-east-1"}

    listed, directories = [], ["/plugins/connection"]

    class CountingLoader:
        def all(self, *args, **kwargs):
            listed.append(kwargs)
            return connection_loader.all(*args, **kwargs)

        def _get_paths(self):
            return list(directories)

    monkeypatch.setattr(clean, "connection_loader", CountingLoader())
    plugin = load_plugin()
    plugin.connection_plugins_listed_once()
    plugin.connection_plugins_listed_once()
    assert isinstance(clean.connection_loader.loader, CountingLoader)  # wrapped once
    assert [clean.clean_facts(facts) for _ in range(3)] == [expected] * 3
    assert len(listed) == 1
    directories.append("/roles/r/connection_plugins")  # a role that brings its own connection plugins
    assert clean.clean_facts(facts) == expected
    assert len(listed) == 2


def test_a_role_that_brings_an_action_of_a_builtin_name_takes_it_out_of_the_controller(tmp_path):
    from ansible.playbook.task import Task
    from ansible.plugins.loader import action_loader

    task = Task.load({"name": "a fact", "set_fact": {"x": 1}})
    plugin = load_plugin()
    assert plugin.runs_in_controller(task)
    (tmp_path / "action_plugins").mkdir()
    (tmp_path / "action_plugins" / "set_fact.py").write_text(LOCAL_SET_STATS)
    action_loader.add_directory(str(tmp_path / "action_plugins"))  # as a role's action_plugins/ is added
    try:
        assert not plugin.runs_in_controller(task)
    finally:
        action_loader._extra_dirs.remove(os.path.realpath(str(tmp_path / "action_plugins")))
        action_loader._clear_caches()
    assert plugin.runs_in_controller(task)


SKIP_CASES = """
- hosts: all
  gather_facts: false
  vars:
    flag: "{{ inventory_hostname == 'h1' }}"
  tasks:
    - name: skipped with register
      ansible.builtin.ping:
      register: skipped_reg
      when: not flag
    - name: registered skip seen by the next task
      ansible.builtin.debug:
        msg: "{{ skipped_reg }}"
    - name: skipped with no_log
      ansible.builtin.ping:
        data: secret
      no_log: true
      when: flag is false
    - name: loop with when
      ansible.builtin.ping:
        data: "{{ item }}"
      loop: [1, 2]
      when: item > 1 and flag
    - name: block with when
      when: flag
      block:
        - name: in block
          ansible.builtin.ping:
          when: inventory_hostname != 'h3'
    - name: include_role with when
      ansible.builtin.include_role:
        name: r
      when: flag
    - name: include_tasks with when
      ansible.builtin.include_tasks: included.yml
      when: not flag
    - name: run_once skipped
      ansible.builtin.ping:
      run_once: true
      register: once_reg
      when: "{{ false }}"
    - name: delegated
      ansible.builtin.ping:
      delegate_to: h2
      when: flag
    - name: lookup in when
      ansible.builtin.ping:
      when: lookup('ansible.builtin.env', 'HOME') == ''
    - name: undefined in when
      ansible.builtin.ping:
      when: nope.x
      ignore_errors: true
    - name: every registered skip
      ansible.builtin.debug:
        msg: "{{ skipped_reg }} {{ once_reg }}"
    - name: fact with no_log
      ansible.builtin.set_fact:
        secret_fact: "{{ 'secret-' ~ inventory_hostname }}"
      no_log: true
      register: fact_reg
    - name: facts per item
      ansible.builtin.set_fact:
        "item_{{ item }}": "{{ item * 2 }}"
      loop: [1, 2]
    - name: fact with undefined when
      ansible.builtin.set_fact:
        never: 1
      when: nope.y
      ignore_errors: true
    - name: run_once fact
      ansible.builtin.set_fact:
        once_fact: "{{ inventory_hostname }}"
      run_once: true
    - name: failing fail
      ansible.builtin.fail:
        msg: "failed on {{ inventory_hostname }}"
      when: flag
      ignore_errors: true
    - name: passing assert
      ansible.builtin.assert:
        that: [flag or not flag]
        quiet: true
    - name: failing assert
      ansible.builtin.assert:
        that: [flag]
        fail_msg: "not true on {{ inventory_hostname }}"
      ignore_errors: true
    - name: argument spec
      ansible.builtin.validate_argument_spec:
        argument_spec:
          size: {type: int, required: true}
        provided_arguments:
          size: "{{ '3' if flag else 'three' }}"
      ignore_errors: true
    - name: stats
      ansible.builtin.set_stats:
        data:
          stat: "{{ inventory_hostname }}"
    - name: fact from a lookup
      ansible.builtin.set_fact:
        home: "{{ lookup('ansible.builtin.env', 'HOME') }}"
    - name: a local action plugin of a built-in name
      set_stats:
        data:
          local: 1
    - name: facts seen by the next task
      ansible.builtin.debug:
        msg: "{{ secret_fact | length }} {{ item_1 }} {{ item_2 }} {{ once_fact }} {{ fact_reg.ansible_facts | count }}"
"""

LOCAL_SET_STATS = """
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        return {"changed": False, "local_plugin": True}
"""

COUNTING_PLAYBOOK_CLI = """
import os, sys
from ansible.executor.process.worker import WorkerProcess
start = WorkerProcess.start
def counted(self):
    with open(os.environ['WORKER_LOG'], 'a') as log:
        log.write('%s|%s\\n' % (self._host.name, self._task.get_name()))
    return start(self)
WorkerProcess.start = counted
from ansible.cli.playbook import main
sys.argv[0] = 'ansible-playbook'
sys.exit(main())
"""


def run_skip_cases(tmp_path, acceleration):
    import json
    import re
    import subprocess

    (tmp_path / "roles" / "r" / "tasks").mkdir(parents=True, exist_ok=True)
    (tmp_path / "roles" / "r" / "tasks" / "main.yml").write_text("- ansible.builtin.debug:\n    msg: in role\n")
    (tmp_path / "roles" / "r" / "meta").mkdir(exist_ok=True)  # the role's own argument validation task
    (tmp_path / "roles" / "r" / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    options:\n      r_size: {type: int, default: 1}\n")
    (tmp_path / "included.yml").write_text("- ansible.builtin.debug:\n    msg: included\n")
    (tmp_path / "cases.yml").write_text(SKIP_CASES)
    (tmp_path / "action_plugins").mkdir(exist_ok=True)
    (tmp_path / "action_plugins" / "set_stats.py").write_text(LOCAL_SET_STATS)
    log = tmp_path / ("workers-%s" % acceleration)
    done = subprocess.run(
        [sys.executable, "-c", COUNTING_PLAYBOOK_CLI, str(tmp_path / "cases.yml"), "-i", "h1,h2,h3,", "-c", "local",
         "-e", "ansible_python_interpreter=%s" % sys.executable],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, TAP_ACCELERATION=acceleration, WORKER_LOG=str(log),
                 ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_ROLES_PATH=str(tmp_path / "roles"),
                 ANSIBLE_ACTION_PLUGINS=str(tmp_path / "action_plugins")),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.dumps(json.loads(done.stdout), sort_keys=True)
    results = re.sub(r'"(id|start|end)": "[^"]*"', "", results)  # task ids and times differ from run to run
    workers = log.read_text().splitlines()
    return results, workers, json.loads(done.stdout), done.stderr


def test_the_controller_skips_false_whens_and_runs_connectionless_actions_with_a_workers_result(tmp_path):
    linear_results, linear_workers, _, linear_stderr = run_skip_cases(tmp_path, "off")
    results, workers, report, stderr = run_skip_cases(tmp_path, "on")
    assert results == linear_results  # what callbacks and registered variables get is unchanged
    # each run says at its start how it runs; in a real run every acceleration is active
    assert "tap_linear: plain linear (TAP_ACCELERATION=off)" in linear_stderr
    names = ", ".join(["mitogen"] + [name for name, _install in load_plugin().ACCELERATIONS])
    assert "tap_linear: accelerations active: %s\n" % names in stderr, stderr
    assert "switched off" not in stderr
    templated_when = "Conditionals should not be surrounded by templating delimiters"
    # the deprecation comes with the task's result, as with linear: the controller's look at the conditional
    # does not warn on its own
    assert templated_when in results and templated_when not in stderr + linear_stderr
    assert "secret-h" not in results  # the no_log fact, run in the controller, is censored like a worker's

    outcomes, actions = {}, {}
    for task in (t for play in report["plays"] for t in play["tasks"]):
        for host, result in task["hosts"].items():
            outcomes[host, task["task"]["name"]] = "skipped" if result.get("skipped") else "ran"
            actions[task["task"]["name"]] = result["action"]
    assert outcomes["h1", "skipped with register"] == "skipped"
    assert outcomes["h3", "skipped with no_log"] == "ran" and outcomes["h1", "skipped with no_log"] == "skipped"
    assert outcomes["h1", "failing fail"] == "ran" and outcomes["h2", "failing fail"] == "skipped"
    failed = {(host, task["task"]["name"]) for play in report["plays"] for task in play["tasks"]
              for host, result in task["hosts"].items() if result.get("failed")}
    assert {("h2", "failing assert"), ("h2", "argument spec")} <= failed
    assert not failed & {("h1", "failing assert"), ("h1", "argument spec"), ("h1", "passing assert")}
    in_controller = {"ansible.builtin.set_fact", "ansible.builtin.debug", "ansible.builtin.fail",
                     "ansible.builtin.set_stats", "ansible.builtin.include_role", "ansible.builtin.include_tasks",
                     "ansible.builtin.assert", "ansible.builtin.validate_argument_spec"}
    assert set(actions.values()) == in_controller | {"ansible.builtin.ping", "set_stats"}

    forked = {tuple(line.split("|", 1)) for line in workers}
    assert len(linear_workers) > 2 * len(workers)
    assert forked == {key for key, outcome in outcomes.items()
                      if outcome == "ran" and actions[key[1]] not in in_controller} | {
        # a loop's conditional is per item, a delegated task's is the delegated host's, a lookup would run
        # twice when the task runs, an error is the worker's to report: those go to workers
        (host, name) for host in ("h1", "h2", "h3")
        for name in ("loop with when", "delegated", "lookup in when", "undefined in when")
    } | {
        # a lookup in the arguments may wait on I/O; a local plugin that takes a built-in action's name may do
        # anything: those go to workers too
        (host, name) for host in ("h1", "h2", "h3")
        for name in ("fact from a lookup", "a local action plugin of a built-in name")
    }
    assert ("h1", "run_once skipped") in [tuple(line.split("|", 1)) for line in linear_workers]


def test_the_controller_loads_the_lookups_a_task_names_before_forking_its_workers(monkeypatch):
    from ansible.playbook.task import Task
    from ansible.plugins.loader import lookup_loader

    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    plugin = load_plugin()
    loaded = []
    monkeypatch.setattr(lookup_loader, "get", lambda name, *args, **kwargs: loaded.append(name))
    task = Task.load({"name": "a secret", "set_fact": {"x": "{{ lookup('amazon.aws.secretsmanager_secret', 's') }}"},
                      "vars": {"y": "{{ query(\"ansible.builtin.env\", 'HOME') }}"}, "when": "q('no.such.lookup')"})
    plugin.load_lookups(task)
    plugin.load_lookups(task)  # once per run
    assert sorted(loaded) == ["amazon.aws.secretsmanager_secret", "ansible.builtin.env", "no.such.lookup"]

    def broken(name, *args, **kwargs):
        raise ImportError(name)

    monkeypatch.setattr(lookup_loader, "get", broken)  # a plugin that cannot load is the worker's to report
    plugin.load_lookups(Task.load({"set_fact": {"x": "{{ lookup('other.one', 'a') }}"}}))


def test_without_the_internals_it_needs_every_task_goes_to_a_worker(monkeypatch, capsys):
    from ansible.plugins.strategy import StrategyBase

    pytest.importorskip("ansible_mitogen")
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    for name in ("_convert_wire_task_result_to_raw", "_convert_wire_task_result_to_host_task_result"):
        if hasattr(StrategyBase, name):
            monkeypatch.delattr(StrategyBase, name)
    plugin = load_plugin()
    assert plugin.ACCELERATED and not plugin.CONTROLLER_SKIP and not plugin.CONTROLLER_RUNS_ACTIONS
    from ansible.playbook.task import Task

    queued = []
    monkeypatch.setattr(plugin._MIXIN, "_queue_task", lambda self, host, task, *args: queued.append(task.action))
    strategy = object.__new__(plugin.StrategyModule)
    for task in ({"set_fact": {"x": 1}}, {"debug": {"msg": "m"}, "when": False}):
        plugin.StrategyModule._queue_task(strategy, "h1", Task.load(task), {}, None)
    assert queued == ["set_fact", "debug"]
    assert set(plugin.SWITCHED_OFF) == {"controller-skip", "controller-actions"}
    warnings = [line for line in capsys.readouterr().err.splitlines() if "WARNING" in line]
    assert len(warnings) == 2 and all("_convert_wire_task_result" in line for line in warnings), warnings


def test_the_controller_skips_only_under_acceleration(monkeypatch):
    monkeypatch.setenv("TAP_ACCELERATION", "off")
    plugin = load_plugin()
    assert not plugin.CONTROLLER_SKIP and plugin.StrategyModule._queue_task is Linear._queue_task


def test_on_the_installed_ansible_core_every_acceleration_is_active(monkeypatch, capsys):
    """Run on every ansible-core of the range (make test runs this file on each): a rename in its internals, or a
    Mitogen release that moved something, switches an acceleration off and fails this test."""
    pytest.importorskip("ansible_mitogen")
    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    plugin = load_plugin()
    assert plugin.core_version() in plugin.TESTED_CORE
    assert plugin.SWITCHED_OFF == {}
    assert plugin.ACTIVE == ["mitogen"] + [name for name, _install in plugin.ACCELERATIONS]
    assert "WARNING" not in capsys.readouterr().err


def test_the_default_toolchain_is_the_newest_tested_ansible_core():
    import yaml

    plugin = load_plugin()
    ee = yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())
    pinned = ee["dependencies"]["ansible_core"]["package_pip"].split("==")[1]
    assert ".".join(pinned.split(".")[:2]) == plugin.TESTED_CORE[-1]


def test_a_hook_that_does_not_fit_is_switched_off_with_one_warning_naming_it(monkeypatch, capsys):
    pytest.importorskip("ansible_mitogen")
    import ansible_mitogen.affinity as affinity

    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    monkeypatch.delattr(affinity, "Policy")
    plugin = load_plugin()
    assert plugin.ACCELERATED and "no-cpu-pinning" not in plugin.ACTIVE
    assert "Policy" in plugin.SWITCHED_OFF["no-cpu-pinning"]
    assert {"per-site-interpreters", "controller-skip", "controller-actions"} <= set(plugin.ACTIVE)
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "switched off:" in line and "WARNING" in line] == [
        line for line in err.splitlines() if "no-cpu-pinning" in line and "WARNING" in line]
    assert len([line for line in err.splitlines() if "WARNING" in line]) == 1
    assert "; switched off: no-cpu-pinning" in err


def test_an_untested_ansible_core_runs_plain_linear_with_one_warning(monkeypatch, capsys):
    pytest.importorskip("ansible_mitogen")
    import ansible.release

    monkeypatch.delenv("TAP_ACCELERATION", raising=False)
    monkeypatch.setattr(ansible.release, "__version__", "2.99.0")
    plugin = load_plugin()
    assert not plugin.ACCELERATED and plugin.StrategyModule.__mro__[1] is Linear
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if "WARNING" in line]) == 1
    assert "ansible-core 2.99" in err and "tap_linear: plain linear (ansible-core 2.99)" in err


def test_with_acceleration_off_nothing_private_is_read(monkeypatch):
    """A future ansible-core may rename any private constant or module: with acceleration off, loading the
    strategy touches none, so it cannot fail a run."""
    from ansible import constants

    monkeypatch.setenv("TAP_ACCELERATION", "off")
    for name in [name for name in vars(constants) if name.startswith("_ACTION_")]:
        monkeypatch.delattr(constants, name)
    real_import = builtins.__import__

    def public_only(name, globals=None, locals=None, fromlist=(), level=0):
        modules = [name] + ["%s.%s" % (name, item) for item in fromlist or ()]
        if any(part.startswith("_") for module in modules for part in module.split(".")[1:] if part != "__future__"):
            raise ImportError("private: %s %s" % (name, fromlist))
        if name.startswith(("ansible_mitogen", "mitogen")):
            raise ImportError(name)
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", public_only)
    plugin = load_plugin()
    assert not plugin.ACCELERATED and plugin.StrategyModule.__mro__[1] is Linear
    assert plugin.StrategyModule._queue_task is Linear._queue_task
