# The project's default strategy (ansible.cfg: strategy = tap_linear): Ansible's linear strategy, run
# through Mitogen when ansible_mitogen is importable (persistent interpreters: boto3 is imported once per
# host, not once per task). Without Mitogen, or with TAP_ACCELERATION=off, it is plain linear.
#
# Every acceleration below hooks into private internals of ansible-core or Mitogen. Each is checked when the
# strategy loads, against the versions it is tested on (TESTED_CORE, TESTED_MITOGEN) and against the
# internals it touches: one that does not fit is switched off with a warning naming it, and the run goes on
# without it. Nothing private is read outside those checks, so plain linear never depends on them.
from __future__ import annotations

DOCUMENTATION = """
name: tap_linear
short_description: linear, accelerated by Mitogen when it is installed
description:
  - Task execution is the same as the C(linear) strategy (every host finishes a task before the next task).
  - When the C(ansible_mitogen) package (mitogen) is importable, tasks run through its C(mitogen_linear)
    strategy. Otherwise, or when the environment variable E(TAP_ACCELERATION) is C(off), C(0), C(false) or
    C(no), this is plain C(linear).
  - The run prints one line at its start naming the accelerations that are active, and a warning for each one
    switched off because the installed ansible-core or Mitogen does not fit it. Accelerations are tested on
    ansible-core 2.19, 2.20 and 2.21 and Mitogen 0.3.54 or later 0.3 releases; on any other version the run is
    plain C(linear), with one warning.
  - C(mitogen) - under Mitogen, each region site gets its own interpreter (C(per-site interpreters)), and
    Mitogen's CPU pinning is off (C(no CPU pinning)) so that the sites' modules run on every CPU.
  - C(site interpreters forked) - the sites' interpreters are forked from one interpreter that started Python and
    Mitogen and imported boto3 and Ansible's module_utils once, for all of them.
  - C(modules in the site's interpreter) - the modules of C(tap.infra), C(amazon.aws) and C(community.aws)
    run in the site's interpreter (Mitogen would fork a pristine child for a module whose module_utils come
    from a collection path); boto3 is imported, and botocore's models are parsed, once per site.
  - C(collections listed once) - the directories of the installed collections are listed once, in the
    controller, not in every worker (Ansible forks one per task and host).
  - C(module scans compile once) - Mitogen scans each module a run uses for the C(ansible.module_utils) it
    imports, compiling the module and every module_utils it reaches; a source is now compiled once per run, not
    once per module that reaches it.
  - C(Jinja plugins loaded once), C(shared compiled templates), C(frozen worker memory) - the workers of one
    run share their compiled Jinja templates (a template is compiled once per run, not once per task and
    host), Ansible's built-in filter and test plugins are loaded once, in the controller, and the objects a
    worker inherits from the controller are left out of its garbage collections.
  - C(controller skip) - a task whose C(when) is false for a host is skipped in the controller, without
    forking a worker; Ansible's own task executor evaluates the conditional there, and its skip result takes
    the path a worker's result takes (callbacks, registered variables). Tasks with a loop or C(delegate_to),
    conditionals that call a lookup, and any evaluation that fails go to a worker as usual.
  - C(controller actions) - Ansible's own actions that need no connection and change nothing outside the run
    (C(set_fact), C(debug), C(fail), C(set_stats), C(assert), C(validate_argument_spec), C(include_tasks),
    C(include_role)) run in the controller, without a worker, and their result takes the path of a worker's.
    A local plugin of one of these names, a delegated task, and a task that waits (async, until, a loop's
    pause, timeout) or calls a lookup go to a worker.
  - C(lookups loaded once) - the controller loads the plugin of each lookup a task names (with its imports, boto3
    and the collection's module_utils for the AWS collections' lookups) before it forks the task's workers, which
    inherit it instead of importing it each; the workers still run the lookup.
  - C(connection plugins listed once) - the connection plugin files Ansible lists to clean a host's facts
    (each time it computes the host's variables) are listed once per set of plugin directories.
author: tap-infra maintainers
"""

import os
import re

from ansible.plugins.loader import strategy_loader
from ansible.utils.display import Display

display = Display()

ACCELERATION_ENV = "TAP_ACCELERATION"
OFF_VALUES = ("off", "0", "false", "no", "linear")
# The releases every acceleration is tested on (make test runs the strategy's tests on each ansible-core).
TESTED_CORE = ("2.19", "2.20", "2.21")
TESTED_MITOGEN = ((0, 3, 54), (0, 4))  # from (inclusive) .. to (exclusive)


class Unfit(Exception):
    """An acceleration's internals are not what it was written for: it stays off."""


def acceleration_requested(environ=os.environ):
    return environ.get(ACCELERATION_ENV, "on").strip().lower() not in OFF_VALUES


def core_version():
    from ansible.release import __version__

    return ".".join(__version__.split(".")[:2])


def mitogen_version():
    import mitogen

    return tuple(mitogen.__version__)[:3]


def require(obj, *names):
    """Unfit unless `obj` has every attribute of `names` (dotted paths allowed)."""
    for name in names:
        target = obj
        for part in name.split("."):
            if not hasattr(target, part):
                raise Unfit("%s has no %s" % (getattr(obj, "__name__", type(obj).__name__), name))
            target = getattr(target, part)


def mitogen_mixin():
    """Mitogen's strategy mixin with every acceleration that fits; None when acceleration is off, Mitogen is
    unavailable or the versions are not among those tested (a plain linear run)."""
    global ACTIVE, SWITCHED_OFF
    ACTIVE, SWITCHED_OFF = [], {}
    if not acceleration_requested():
        announce("plain linear (%s=off)" % ACCELERATION_ENV)
        return None
    try:
        import ansible_mitogen.strategy
    except ImportError:
        announce("plain linear (mitogen is not installed)")
        return None
    except Exception as exc:  # e.g. a Mitogen release that does not support this ansible-core
        display.warning("tap_linear: mitogen cannot be used (%s): falling back to the linear strategy" % exc)
        announce("plain linear (mitogen cannot be used)")
        return None
    untested = untested_versions()
    if untested:
        display.warning("tap_linear: %s: the accelerations are tested on ansible-core %s and mitogen %s to %s; "
                        "running the linear strategy" % (untested, ", ".join(TESTED_CORE),
                                                         ".".join(map(str, TESTED_MITOGEN[0])),
                                                         ".".join(map(str, TESTED_MITOGEN[1]))))
        announce("plain linear (%s)" % untested)
        return None
    ACTIVE.append("mitogen")
    for name, install in ACCELERATIONS:
        try:
            install()
        except Exception as exc:  # Unfit, or an internal that changed shape in a way no check foresaw
            SWITCHED_OFF[name] = str(exc) or type(exc).__name__
            display.warning("tap_linear: acceleration '%s' switched off: %s (ansible-core %s, mitogen %s)"
                            % (name, SWITCHED_OFF[name], core_version(), ".".join(map(str, mitogen_version()))))
        else:
            ACTIVE.append(name)
    announce("accelerations active: %s" % ", ".join(ACTIVE)
             + ("; switched off: %s" % ", ".join(SWITCHED_OFF) if SWITCHED_OFF else ""))
    return ansible_mitogen.strategy.StrategyMixin


def untested_versions():
    """What is outside the tested versions ('' when both are tested)."""
    found = []
    if core_version() not in TESTED_CORE:
        found.append("ansible-core %s" % core_version())
    if not TESTED_MITOGEN[0] <= mitogen_version() < TESTED_MITOGEN[1]:
        found.append("mitogen %s" % ".".join(map(str, mitogen_version())))
    return " and ".join(found)


def announce(state):
    """The run's one line about its strategy, on stderr (stdout may be a machine-read callback's)."""
    display.display("tap_linear: %s" % state, stderr=True)


def no_cpu_pinning():
    """Mitogen pins its processes to CPUs: on a machine with fewer than 4 CPUs it keeps CPU 0 for its
    multiplexer and pins the controller, every worker and every interpreter (where the modules run) to the
    remaining CPU(s). On 2 CPUs all the region sites' modules then share one CPU, and the sites, parallel
    under plain linear, wait for each other. Without pinning the OS schedules them on every CPU."""
    import ansible_mitogen.affinity as affinity

    require(affinity, "Policy", "policy")
    affinity.policy = affinity.Policy()


SITE_PREFIX = "tap:"  # a site's interpreter is named after its inventory host


def one_interpreter_per_host():
    """Mitogen keys a local connection's interpreter by its Python path alone, so every region site (all are
    `connection: local`) would share one interpreter and its tasks would wait for each other's: the sites,
    parallel under plain linear, would run one at a time. Naming each interpreter after its inventory host
    gives every site its own."""
    import ansible_mitogen.connection as connection
    import ansible_mitogen.transport_config as transport_config

    require(connection, "CONNECTION_METHOD")
    require(transport_config, "Spec.inventory_name")
    shared = connection.CONNECTION_METHOD.get("local")
    if shared is None:
        raise Unfit("ansible_mitogen.connection.CONNECTION_METHOD has no 'local'")
    if getattr(shared, "per_host", False):
        return

    def connect_local(spec):
        options = shared(spec)
        options["kwargs"] = dict(options["kwargs"], remote_name=SITE_PREFIX + spec.inventory_name())
        return options

    connect_local.per_host = True
    connection.CONNECTION_METHOD["local"] = connect_local


# What every site's first AWS module imports: imported once, in the interpreter the sites are forked from. A name
# that cannot be imported there is left to the modules (their own import reports it).
SITES_INTERPRETER = "tap-sites"  # no host's name: those start with SITE_PREFIX
SITES_IMPORT = ("boto3", "botocore.session", "ansible.module_utils.basic", "ansible.module_utils.urls")
SITES_IMPORT_CODE = (
    "import importlib\n"
    "for name in %r:\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except Exception:\n"
    "        pass\n" % (SITES_IMPORT,))


def site_interpreters_forked():
    """Each site's interpreter started Python and Mitogen, then imported boto3 and Ansible's module_utils for its
    first module: about a third of a CPU-second per site, spent again by every site. One interpreter now does
    that once, and each site's interpreter is forked from it (Mitogen's fork method, which Mitogen uses for its
    own isolated children). A site still gets its own interpreter, process and state; only the imports of
    SITES_IMPORT are shared, as a fork shares memory."""
    import ansible_mitogen.connection as connection
    import ansible_mitogen.services as services

    require(connection, "CONNECTION_METHOD", "Connection._stack_from_spec")
    require(services, "ContextService._connect")
    if not getattr(connection.CONNECTION_METHOD.get("local"), "per_host", False):
        raise Unfit("it needs per-site-interpreters")
    stack_from_spec = connection.Connection._stack_from_spec
    if getattr(stack_from_spec, "forked", False):
        return
    mitogen_connect = services.ContextService._connect

    def forked_stack(self, spec, stack=(), seen_names=()):
        found = stack_from_spec(self, spec, stack, seen_names)
        # only a site's own local interpreter: not a hop of mitogen_via, not a become
        if stack or seen_names or len(found) != 1 or found[0].get("method") != "local":
            return found
        site = found[0]["kwargs"].get("remote_name") or ""
        if not site.startswith(SITE_PREFIX):
            return found
        sites = dict(found[0], kwargs=dict(found[0]["kwargs"], remote_name=SITES_INTERPRETER))
        return (sites, {"method": "fork", "kwargs": {"name": site}})

    def connect(self, key, spec, via=None):
        response = mitogen_connect(self, key, spec, via=via)
        if via is None and spec.get("kwargs", {}).get("remote_name") == SITES_INTERPRETER:
            try:
                response["context"].call(exec, SITES_IMPORT_CODE)
            except Exception as exc:  # the sites are forked all the same, and import what they need
                display.vvv("tap_linear: the sites' interpreter could not import ahead: %s" % exc)
        return response

    forked_stack.forked = True
    connection.Connection._stack_from_spec = forked_stack
    services.ContextService._connect = connect


# Collections whose modules run in the site's interpreter itself: their module_utils are namespaced by the
# collection (no clash with another module's), and they leave no state behind that a later task would see.
IN_PROCESS_COLLECTIONS = ("tap.infra", "amazon.aws", "community.aws")


def collection_modules_in_process():
    """Mitogen runs a module in the site's persistent interpreter, except one that imports module_utils from a
    collection path of the playbook (as this project's collection is): that one runs in a child forked from
    a pristine interpreter, which imports boto3 and parses botocore's service models again for each task.
    The modules of IN_PROCESS_COLLECTIONS run in the site's interpreter instead, as Mitogen runs the others.
    Mitogen's other reasons to fork (async tasks, mitogen_task_isolation=fork, modules known to leak) still
    apply."""
    import ansible_mitogen.planner as planner

    require(planner, "NewStylePlanner.should_fork", "NewStylePlanner.get_module_map",
            "NewStylePlanner.ALWAYS_FORK_MODULES")
    newstyle = planner.NewStylePlanner
    if getattr(newstyle.should_fork, "in_process_collections", None):
        return
    prefixes = tuple("ansible_collections.%s." % name for name in IN_PROCESS_COLLECTIONS)
    mitogen_should_fork = newstyle.should_fork

    def should_fork(self):
        custom = self.get_module_map()["custom"]
        if not custom or not all(fullname.startswith(prefixes) for fullname, _path, _is_pkg in custom):
            return mitogen_should_fork(self)
        return (
            super(newstyle, self).should_fork()
            or self._inv.task_vars.get("mitogen_task_isolation") == "fork"
            or self._inv.module_name in self.ALWAYS_FORK_MODULES
        )

    should_fork.in_process_collections = IN_PROCESS_COLLECTIONS
    should_fork.mitogen_should_fork = mitogen_should_fork
    newstyle.should_fork = should_fork


def collection_dirs_listed_once():
    """Before it first runs a module of a collection, Mitogen lists the directory of every installed collection
    (importing each collection's package) and remembers it in the worker process. Ansible forks a new worker for
    every task and host, so every collection task of every site listed them again: about 60% of the workers' CPU
    time in a 4-region no-op. The list is taken once here, in the controller, and the workers inherit it."""
    import ansible
    import ansible.collections.list
    import ansible_mitogen.planner as planner
    from ansible._internal._display_utils import DeferredWarningContext

    require(planner, "_load_collections")
    if getattr(planner._load_collections, "collection_dirs", None) is not None:
        return
    try:
        with DeferredWarningContext(variables={}) as listing:
            collection_dirs = tuple(path.decode("utf-8") for path in ansible.collections.list.list_collection_dirs())
    except Exception as exc:  # e.g. no collection loader in this process: Mitogen lists them per task
        raise Unfit("the controller cannot list the collections (%s)" % exc)
    # ansible-core's own internal collections have no version to read: that warning is not the user's
    for warning in listing.get_warnings():
        if os.path.dirname(ansible.__file__) not in warning.event.msg:
            display.warning(warning.event.msg)

    def load_collections(invocation):
        invocation._extra_sys_paths.update(collection_dirs)

    load_collections.collection_dirs = collection_dirs
    load_collections.mitogen_load_collections = planner._load_collections
    planner._load_collections = load_collections


def module_scans_compile_once():
    """Before a worker first runs a module, Mitogen's multiplexer scans it for the ansible.module_utils it
    imports: it compiles the module's source and, one after the other, that of every module_utils reached. Each
    scan compiled them anew, so a run compiled the same module_utils (basic.py among them) for every module it
    ran: about 350 compilations of some 40 files. A scan now compiles a given source once per run."""
    import ansible_mitogen.module_finder as module_finder

    require(module_finder, "_scan_importlib_find_spec")
    if "compile" not in module_finder._scan_importlib_find_spec.__code__.co_names:
        raise Unfit("ansible_mitogen.module_finder's scan no longer compiles sources itself")
    if getattr(module_finder, "compile", None) is not None:
        return
    compiled = {}

    def compile_once(source, filename, mode, *args, **kwargs):
        key = (source, filename, mode, args, tuple(sorted(kwargs.items())))
        if key not in compiled:
            compiled[key] = compile(source, filename, mode, *args, **kwargs)
        return compiled[key]

    module_finder.compile = compile_once


def jinja_plugins_loaded_once():
    """Ansible loads every built-in filter and test plugin (about 600 files) the first time a process looks up
    a filter or a test, and each worker is a new process: in a profile of a no-op, 7% of the workers' CPU time.
    They are loaded once here, in the controller, and the workers inherit them."""
    from ansible.plugins.loader import filter_loader, test_loader

    for loader in (filter_loader, test_loader):
        require(loader, "_ensure_non_collection_wrappers")
        loader._ensure_non_collection_wrappers()


def compiled_templates_shared():
    """Each worker compiles (parses, generates Python, compiles it) every Jinja template its task evaluates, and
    the same templates come back in every task and site (tags, names, module defaults): in a profile of a no-op,
    a third of the workers' CPU time. The compiled code is kept in Ansible's temporary directory of the run,
    which the workers share: a template is compiled once per run, and each use binds the code to its own
    environment. The key is the template's source and every setting that changes its code; the cache lives as
    long as the run, during which the plugins a template's code calls cannot change. Only trusted template
    sources (what playbooks, roles and inventories say) are compiled, never the values a run produces."""
    import contextvars
    import hashlib
    import inspect
    import marshal

    from ansible import constants as C
    from ansible._internal._templating import _jinja_bits, _jinja_common
    from jinja2.utils import internalcode

    require(_jinja_bits, "AnsibleEnvironment.compile", "AnsibleEnvironment.compile_expression",
            "AnsibleEnvironment._debuggable_template_source", "_TemplateCompileContext.current",
            "_TEMPLATE_OVERRIDE_FIELD_NAMES")
    require(_jinja_common, "_TemplateConfig.allow_embedded_templates")
    environment_class = _jinja_bits.AnsibleEnvironment
    if getattr(environment_class.compile, "code_cache", None):
        return
    parameters = list(inspect.signature(environment_class.compile).parameters)
    if parameters[:6] != ["self", "source", "name", "filename", "raw", "defer_init"]:
        raise Unfit("AnsibleEnvironment.compile takes %s" % parameters)
    # beside Ansible's own cache of module payloads: a directory of this run, removed when the run ends
    cache = os.path.join(C.DEFAULT_LOCAL_TMP, "tap_template_cache")
    try:
        os.makedirs(cache, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise Unfit("no template cache directory (%s)" % exc)
    expression = contextvars.ContextVar("tap_expression_source", default=None)
    compiled = {}  # this process's own (the controller's, inherited by each worker, and each worker's)
    jinja_compile = environment_class.compile
    jinja_compile_expression = environment_class.compile_expression

    @internalcode
    def cached_compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        text = source if isinstance(source, str) else expression.get()
        if raw or text is None or self._debuggable_template_source:
            return jinja_compile(self, source, name, filename, raw, defer_init)
        context = _jinja_bits._TemplateCompileContext.current(optional=True)
        key = repr(
            (
                str.__str__(text),
                isinstance(source, str),
                name,
                filename,
                defer_init,
                compile_settings(self),
                context.escape_backslashes if context else None,
                _jinja_common._TemplateConfig.allow_embedded_templates,
            )
        )
        code = compiled.get(key)
        if code is not None:
            return code
        path = os.path.join(cache, hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest())
        try:
            with open(path, "rb") as stored:
                code = compiled[key] = marshal.load(stored)
                return code
        except (OSError, EOFError, ValueError, TypeError):
            pass
        code = compiled[key] = jinja_compile(self, source, name, filename, raw, defer_init)
        partial = "%s.%d" % (path, os.getpid())
        try:
            with open(partial, "wb") as stored:
                marshal.dump(code, stored)
            os.replace(partial, path)
        except (OSError, ValueError):
            pass
        return code

    def compile_expression(self, source, undefined_to_none=True):
        # Jinja compiles an expression from its parsed tree: its source is the key
        token = expression.set("expression %r %r" % (str.__str__(source), undefined_to_none))
        try:
            return jinja_compile_expression(self, source, undefined_to_none)
        finally:
            expression.reset(token)

    cached_compile.code_cache = cache
    cached_compile.jinja_compile = jinja_compile
    compile_expression.jinja_compile_expression = jinja_compile_expression
    environment_class.compile = cached_compile
    environment_class.compile_expression = compile_expression


# Settings of a Jinja environment that change the code a template compiles to (besides Ansible's overrides).
COMPILE_SETTINGS = (
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
)


def compile_settings(environment):
    from ansible._internal._templating import _jinja_bits

    names = _jinja_bits._TEMPLATE_OVERRIDE_FIELD_NAMES + COMPILE_SETTINGS
    return (
        type(environment).__qualname__,
        environment.code_generator_class.__qualname__,
        tuple(sorted(environment.extensions)),
        repr(environment.autoescape),
    ) + tuple(repr(getattr(environment, name, None)) for name in names)


def inherited_objects_frozen_in_workers():
    """A worker is forked from the controller with all of its objects; each full garbage collection in the
    worker would walk them all (and copy the memory pages it touches). The worker freezes them first."""
    import gc

    from ansible.executor.process import worker

    require(worker, "WorkerProcess._run")
    if getattr(worker.WorkerProcess._run, "frozen", False):
        return
    ansible_run = worker.WorkerProcess._run

    def _run(self):
        gc.freeze()
        return ansible_run(self)

    _run.frozen = True
    _run.ansible_run = ansible_run
    worker.WorkerProcess._run = _run


class ConnectionPathsListedOnce:
    """A connection plugin loader whose list of plugin files (`all(path_only=True)`) is taken once per set of
    plugin directories; everything else is the loader's."""

    def __init__(self, loader):
        self.loader = loader
        self.listed = {}

    def all(self, *args, **kwargs):
        if args or kwargs != {"path_only": True}:
            return self.loader.all(*args, **kwargs)
        directories = tuple(self.loader._get_paths())
        if directories not in self.listed:
            self.listed[directories] = list(self.loader.all(path_only=True))
        return iter(self.listed[directories])

    def __getattr__(self, name):
        return getattr(self.loader, name)


def connection_plugins_listed_once():
    """Each time the controller computes a host's variables (once per task and host) Ansible cleans the host's
    facts, and the cleaning lists the connection plugin files on disk (a glob of every plugin directory) to drop
    facts named after a connection plugin. The list is now taken once per set of plugin directories (a role
    that brings its own connection plugins changes the set)."""
    from ansible.vars import clean

    require(clean, "connection_loader", "connection_loader.all", "connection_loader._get_paths")
    if not isinstance(clean.connection_loader, ConnectionPathsListedOnce):
        clean.connection_loader = ConnectionPathsListedOnce(clean.connection_loader)


class TaskWouldRun(BaseException):
    """Raised where the controller's conditional probe finds that a task runs (a BaseException, so that the
    task executor's error handling, meant for the task's own errors, lets it through)."""


LOOKUP_CALL = re.compile(r"\b(?:lookup|query|q)\s*\(")


def conditional_false(task, task_vars):
    """A quick first look: the task's conditional evaluated with the host's variables alone (no copy of the task,
    no play context), its warnings discarded. Only a false result is worth the exact evaluation; an error or a
    true result leaves the task to the worker."""
    from ansible._internal._display_utils import DeferredWarningContext

    try:
        with DeferredWarningContext(variables=task_vars):
            return not task._resolve_conditional(task.when, task_vars)
    except Exception:
        return False


def worth_probing(task, task_vars):
    """Whether the controller decides the task's skip: not for a loop or delegate_to (the conditional is
    evaluated per item or with the delegated host's variables), nor for a lookup (it would run twice, here then
    in the worker, whenever the task runs); and only when a first look finds the conditional false."""
    if not task.when or task.loop is not None or task.loop_with or task.delegate_to is not None:
        return False
    if any(LOOKUP_CALL.search(str(condition)) for condition in task.when):
        return False
    return conditional_false(task, task_vars)


class WorkerInController:
    """The part of a worker's job the controller does itself, for one generation of ansible-core's executor."""

    EXECUTOR_PARAMETERS = ()  # TaskExecutor.__init__'s, after self

    def __init__(self, linear):
        import inspect

        from ansible.executor.task_executor import TaskExecutor

        require(TaskExecutor, "_execute_internal", "run")
        self.check(linear)
        parameters = list(inspect.signature(TaskExecutor.__init__).parameters)[1:]
        if parameters != list(self.EXECUTOR_PARAMETERS):
            raise Unfit("TaskExecutor takes %s" % parameters)
        self.probe_class = self.conditional_probe_class()


class WorkerOf219(WorkerInController):
    """What a worker of ansible-core 2.19 and 2.20 does with a task, done in the controller: the task executor
    takes the task and its variables, and its result goes to the results queue as a _RawTaskResult."""

    EXECUTOR_PARAMETERS = ("host", "task", "job_vars", "play_context", "loader", "shared_loader_obj", "final_q",
                           "variable_manager")

    @staticmethod
    def check(linear):
        from ansible._internal._display_utils import DeferredWarningContext  # noqa: F401
        from ansible._internal._task import TaskContext  # noqa: F401
        from ansible.executor import task_result

        require(task_result, "_RawTaskResult.as_wire_task_result")
        require(linear, "_convert_wire_task_result_to_raw")

    @staticmethod
    def conditional_probe_class():
        from ansible.executor.task_executor import TaskExecutor

        class ConditionalProbe(TaskExecutor):
            """Ansible's task executor, stopped where it has evaluated the task's `when`: it returns the result a
            worker would send for a skipped task, or raises TaskWouldRun."""

            def _execute_internal(self, templar, variables):
                evaluate = self._task._resolve_conditional

                def evaluate_or_stop(*args, **kwargs):
                    if evaluate(*args, **kwargs):
                        raise TaskWouldRun()
                    return False

                self._task._resolve_conditional = evaluate_or_stop
                return super()._execute_internal(templar, variables)

        return ConditionalProbe

    def skipped(self, strategy, host, task, task_vars, play_context):
        """The result a worker would send for `task` on `host` when its `when` is false; None when the task runs
        or the controller does not decide."""
        from multiprocessing.reduction import ForkingPickler

        from ansible._internal._task import TaskContext
        from ansible.executor.task_result import _RawTaskResult
        from ansible.plugins.loader import get_plugin_loader_namespace

        probe = task.copy(exclude_tasks=True)  # the executor squashes its task: never the controller's own
        executor = self.probe_class(host, probe, dict(task_vars), play_context, strategy._loader,
                                    get_plugin_loader_namespace(), strategy._final_q, strategy._variable_manager)
        with TaskContext(probe):
            result = executor.run()
        if not result.get("skipped") or result.get("failed"):
            return None
        wire = _RawTaskResult(host=host, task=probe, return_data=result, task_fields=probe.dump_attrs())
        # Through pickle, as a worker's result goes through the result queue.
        return ForkingPickler.loads(ForkingPickler.dumps(wire.as_wire_task_result()))

    @staticmethod
    def received(strategy, wire):
        """What the results thread makes of a worker's result (once the task is in the queued task cache)."""
        return strategy._convert_wire_task_result_to_raw(wire)

    def execute(self, strategy, host, task, task_vars, play_context):
        """What a worker does for `task` on `host`: the task executor runs on a copy of the task, and its result
        goes to the results queue (after any per-item callbacks of a loop, as a worker's does)."""
        from ansible._internal._task import TaskContext
        from ansible.executor.task_executor import TaskExecutor
        from ansible.executor.task_result import _RawTaskResult
        from ansible.plugins.loader import get_plugin_loader_namespace

        own = task.copy(exclude_tasks=True)  # the executor post-validates and squashes its task
        with TaskContext(own):
            result = TaskExecutor(host, own, dict(task_vars), play_context, strategy._loader,
                                  get_plugin_loader_namespace(), strategy._final_q, strategy._variable_manager).run()
            try:
                strategy._final_q.send_task_result(
                    _RawTaskResult(host=host, task=own, return_data=result, task_fields=own.dump_attrs()))
            except Exception as exc:  # as a worker does when its result cannot be sent
                from ansible._internal._errors import _error_utils

                strategy._final_q.send_task_result(_RawTaskResult(
                    host=host, task=own, return_data=_error_utils.result_dict_from_exception(send_failure(exc)),
                    task_fields={}))


class WorkerOf221(WorkerInController):
    """What a worker of ansible-core 2.21 does with a task, done in the controller: the task and its variables
    are the ambient TaskContext, the executor returns a UnifiedTaskResult, and a WireTaskResult of it goes to the
    results queue."""

    EXECUTOR_PARAMETERS = ("host", "play_context", "loader", "shared_loader_obj", "final_q", "variable_manager")

    @staticmethod
    def check(linear):
        from ansible._internal import _task

        require(_task, "TaskContext.create", "UnifiedTaskResult.finalize_registered_values",
                "UnifiedTaskResult.create_from_action_exception", "WireTaskResult.create")
        require(linear, "_convert_wire_task_result_to_host_task_result")

    @staticmethod
    def conditional_probe_class():
        from ansible.executor.task_executor import TaskExecutor

        class ConditionalProbe(TaskExecutor):
            """Ansible's task executor, stopped where it has evaluated the task's `when`: it returns the result a
            worker would send for a skipped task, or raises TaskWouldRun."""

            def _execute_internal(self):
                task = self._task
                evaluate = task._resolve_conditional_with_item

                def evaluate_or_stop(*args, **kwargs):
                    outcome = evaluate(*args, **kwargs)
                    if outcome[0]:
                        raise TaskWouldRun()
                    return outcome

                task._resolve_conditional_with_item = evaluate_or_stop
                return super()._execute_internal()

        return ConditionalProbe

    def run(self, executor_class, strategy, host, own, task_vars, play_context):
        """The worker's run of `own` (a copy of the task): its finalized result, in the task's context."""
        from ansible._internal._task import TaskContext
        from ansible.plugins.loader import get_plugin_loader_namespace

        with TaskContext.create(task=own, task_vars=dict(task_vars), host_name=host.name):
            own.squash()
            utr = executor_class(host, play_context, strategy._loader, get_plugin_loader_namespace(),
                                 strategy._final_q, strategy._variable_manager).run()
            utr.finalize_registered_values()
            return utr

    def skipped(self, strategy, host, task, task_vars, play_context):
        """The result a worker would send for `task` on `host` when its `when` is false; None when the task runs
        or the controller does not decide."""
        from multiprocessing.reduction import ForkingPickler

        from ansible._internal._task import WireTaskResult

        probe = task.copy(exclude_tasks=True)  # squashed and templated by the run: never the controller's own
        utr = self.run(self.probe_class, strategy, host, probe, task_vars, play_context)
        if not utr.skipped or utr.failed:
            return None
        # Through pickle, as a worker's result goes through the result queue.
        return ForkingPickler.loads(ForkingPickler.dumps(WireTaskResult.create(host=host, task=probe, utr=utr)))

    @staticmethod
    def received(strategy, wire):
        """What the results thread makes of a worker's result (once the task is in the queued task cache)."""
        return strategy._convert_wire_task_result_to_host_task_result(wire)

    def execute(self, strategy, host, task, task_vars, play_context):
        """What a worker does for `task` on `host`: the task executor runs on a copy of the task, and its result
        goes to the results queue (after any per-item callbacks of a loop, as a worker's does)."""
        from ansible._internal._task import UnifiedTaskResult
        from ansible.executor.task_executor import TaskExecutor
        from ansible.inventory.host import Host
        from ansible.playbook.task import Task

        own = task.copy(exclude_tasks=True)
        utr = self.run(TaskExecutor, strategy, host, own, task_vars, play_context)
        # the values callbacks consult, resolved by the run (as the worker sets them on its task)
        own.ignore_errors = utr.ignore_errors
        own.ignore_unreachable = utr.ignore_unreachable
        try:
            strategy._final_q.send_task_result(host, own, utr)
        except Exception as exc:  # as a worker does when its result cannot be sent: a stand-in host and task
            stand_in = Task()
            stand_in._uuid = own._uuid
            from ansible._internal._task import TaskContext

            with TaskContext.create(task=stand_in, task_vars={}, host_name=host.name):
                failed = UnifiedTaskResult.create_from_action_exception(send_failure(exc))
                failed.finalize_registered_values()
            strategy._final_q.send_task_result(Host(name=host.name), stand_in, failed)


def send_failure(exc):
    from ansible.errors import AnsibleError

    try:
        raise AnsibleError("Task result omitted due to queue send failure.") from exc
    except AnsibleError as error:
        return error


# The worker's part that the controller can do itself, per ansible-core release of TESTED_CORE.
WORKER_OF = {"2.19": WorkerOf219, "2.20": WorkerOf219, "2.21": WorkerOf221}
IN_CONTROLLER = None  # the WORKER_OF instance, once the controller skip or actions are on


def in_controller():
    global IN_CONTROLLER
    if IN_CONTROLLER is None:
        IN_CONTROLLER = WORKER_OF[core_version()](_LINEAR)
    return IN_CONTROLLER


def controller_skip():
    """A task whose `when` is false is skipped in the controller (see DOCUMENTATION)."""
    in_controller()


# Ansible's own actions that need no connection and change nothing outside the run: they template their
# arguments into a result (include_tasks and include_role only return what the strategy is to include; assert
# and validate_argument_spec check values the run already has). The controller runs them itself, without
# forking a worker: a worker costs about 20 ms of CPU per task and host (the fork, the worker's start and its
# result's trip back), more than such a task's own work.
CONTROLLER_ACTIONS = frozenset()
INCLUDE_ACTIONS = frozenset()


def controller_actions():
    """Ansible's connection-less actions run in the controller (see DOCUMENTATION)."""
    global CONTROLLER_ACTIONS, INCLUDE_ACTIONS
    from ansible import constants as C
    from ansible.utils.fqcn import add_internal_fqcns

    require(C, "_ACTION_SET_FACT", "_ACTION_DEBUG", "_ACTION_ALL_INCLUDES")
    in_controller()
    INCLUDE_ACTIONS = frozenset(C._ACTION_ALL_INCLUDES)
    CONTROLLER_ACTIONS = frozenset(C._ACTION_SET_FACT + C._ACTION_DEBUG + C._ACTION_ALL_INCLUDES
                                   + add_internal_fqcns(("set_stats", "fail", "assert", "validate_argument_spec")))


# The name of a lookup a task calls: lookup('name', ...), query('name', ...), q('name', ...).
LOOKUP_NAME = re.compile(LOOKUP_CALL.pattern + r"""\s*['"]([\w.]+)['"]""")
_lookups_loaded = set()


def lookups_loaded_once():
    """A lookup runs in the worker of each task and host, and each worker imported its plugin: for the AWS
    collections' lookups that is boto3, botocore and the collection's module_utils, about 0.2 CPU-s per worker,
    paid again by every site. The controller now loads the plugin of each lookup a task names before it forks
    that task's workers, which inherit it; they still run the lookup themselves."""
    from ansible.plugins.loader import lookup_loader

    require(lookup_loader, "get")


def load_lookups(task):
    """Load, once per run, the plugin of every lookup the task names (a plugin that cannot load is left to the
    worker, which reports its error)."""
    from ansible.plugins.loader import lookup_loader

    for source in (task.args, task.vars, task.when, task.loop):
        for name in LOOKUP_NAME.findall(str(source)) if source else ():
            if name in _lookups_loaded:
                continue
            _lookups_loaded.add(name)
            try:
                lookup_loader.get(name)
            except Exception as exc:
                display.vvvv("tap_linear: lookup %s left to the workers (%s)" % (name, exc))


_builtin_action = {}


def builtin_action(task):
    """Whether the task's action resolves to Ansible's own action plugin (not a local override of its name, from
    the plugin directories of the moment: a role may bring its own)."""
    from ansible.plugins import action as action_plugins
    from ansible.plugins.loader import action_loader

    key = (task.action, tuple(task.collections or ()), tuple(action_loader._get_paths()))
    if key not in _builtin_action:
        context = action_loader.find_plugin_with_context(task.action, collection_list=task.collections)
        path = context.plugin_resolved_path if context.resolved else None
        builtin_dir = os.path.dirname(action_plugins.__file__)
        _builtin_action[key] = bool(path) and os.path.dirname(os.path.abspath(path)) == builtin_dir
    return _builtin_action[key]


def runs_in_controller(task):
    """A task the controller runs without a worker: one of CONTROLLER_ACTIONS, not delegated, and nothing that
    waits (async, retries, a loop's pause, a timeout) or calls a lookup plugin (with_*, lookup() or query() in
    its arguments or variables: a lookup may wait on I/O, and the controller serves one host after the other)."""
    if task.action not in CONTROLLER_ACTIONS or task.delegate_to is not None or task.loop_with:
        return False
    if task.async_val or task.until or task.timeout or getattr(task.loop_control, "pause", 0):
        return False
    if LOOKUP_CALL.search(str(task.args)) or LOOKUP_CALL.search(str(task.vars)):
        return False
    return task.action in INCLUDE_ACTIONS or builtin_action(task)


# Every acceleration under Mitogen, by the name the run's first line and warnings give it.
ACCELERATIONS = (
    ("per-site-interpreters", one_interpreter_per_host),
    ("site-interpreters-forked", site_interpreters_forked),
    ("no-cpu-pinning", no_cpu_pinning),
    ("in-process-modules", collection_modules_in_process),
    ("collections-listed-once", collection_dirs_listed_once),
    ("module-scans-compile-once", module_scans_compile_once),
    ("jinja-plugins-loaded-once", jinja_plugins_loaded_once),
    ("shared-compiled-templates", compiled_templates_shared),
    ("frozen-worker-memory", inherited_objects_frozen_in_workers),
    ("connection-plugins-listed-once", connection_plugins_listed_once),
    ("controller-skip", controller_skip),
    ("controller-actions", controller_actions),
    ("lookups-loaded-once", lookups_loaded_once),
)
ACTIVE = []  # the accelerations this run uses ("mitogen" first), set when the strategy loads
SWITCHED_OFF = {}  # name: why

_LINEAR = strategy_loader.get("linear", class_only=True)
_MIXIN = mitogen_mixin()
ACCELERATED = _MIXIN is not None
CONTROLLER_SKIP = "controller-skip" in ACTIVE
CONTROLLER_RUNS_ACTIONS = "controller-actions" in ACTIVE
LOOKUPS_LOADED_ONCE = "lookups-loaded-once" in ACTIVE


class StrategyModule(*((_MIXIN,) if ACCELERATED else ()), _LINEAR):
    if CONTROLLER_SKIP or CONTROLLER_RUNS_ACTIONS or LOOKUPS_LOADED_ONCE:
        def _queue_task(self, host, task, task_vars, play_context):
            if CONTROLLER_RUNS_ACTIONS and runs_in_controller(task):
                self._started_without_worker(host, task, task_vars, play_context)
                IN_CONTROLLER.execute(self, host, task, task_vars, play_context)
                return
            skipped = None
            if CONTROLLER_SKIP and worth_probing(task, task_vars):
                try:
                    skipped = IN_CONTROLLER.skipped(self, host, task, task_vars, play_context)
                except TaskWouldRun:
                    skipped = None
                except Exception as exc:  # the worker evaluates it again, and reports any error
                    display.vvvv("tap_linear: %s: left to the worker (%s)" % (task.get_name(), exc))
                    skipped = None
            if skipped is None:
                if LOOKUPS_LOADED_ONCE:
                    load_lookups(task)
                return super()._queue_task(host, task, task_vars, play_context)
            self._started_without_worker(host, task, task_vars, play_context)
            # What the results thread does with a worker's result.
            result = IN_CONTROLLER.received(self, skipped)
            with self._results_lock:
                self._results.append(result)

        def _started_without_worker(self, host, task, task_vars, play_context):
            """What the linear strategy's _queue_task records and announces when it starts a worker."""
            self._queued_task_cache[(host.name, task._uuid)] = {
                "host": host, "task": task, "task_vars": task_vars, "play_context": play_context}
            self._tqm.send_callback("v2_runner_on_start", host, task)
            self._pending_results += 1
