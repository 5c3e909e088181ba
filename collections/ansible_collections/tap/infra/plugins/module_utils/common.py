# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every tap.infra module shares: its error, its manager's base (client, check mode, clock), bounded waits,
paginated reads, tag updates and the run of main(). How calls are retried: module_utils/retries.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tap.infra.plugins.module_utils.botocore_cache import share_in_interpreter
from ansible_collections.tap.infra.plugins.module_utils.errors import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.retries import Retrying
from ansible_collections.tap.infra.plugins.module_utils.retries import denials_explained
from ansible_collections.tap.infra.plugins.module_utils.retries import explained

# The client decorator of every module: module.client(service, retry_decorator=CLIENT_DECORATOR), then
# aws_retry=True on each call. Throttling and 5xx are botocore's (retries.py); a denial fails at once, explained.
CLIENT_DECORATOR = denials_explained


def paginated(client, method, key, **params):
    """The `key` list of every page of a paginated read (a denial explained)."""
    paginator = client.get_paginator(method)
    try:
        return paginator.paginate(**params).build_full_result().get(key, [])
    except botocore.exceptions.ClientError as e:
        raise explained(getattr(getattr(client, "client", client), method), e, params)


NOT_DESCRIBED = object()  # wait_until(): no description at hand yet


class Manager:
    """The base of every module's manager: the client(s), the check-mode switch, what changed, the warnings,
    and the clock and sleep of its retries and waits (tests replace both)."""

    def __init__(self, client, check_mode=False, sleep=time.sleep, clock=time.monotonic):
        self.client = client
        self.check_mode = check_mode
        self.sleep = sleep
        self.clock = clock
        self.changed = False
        self.warnings = []

    def report(self, before, after, **returned):
        """The module's result: what it returns, whether this run changed anything, and the diff."""
        return dict(returned, changed=self.changed, diff={"before": before, "after": after})

    def delete_if_exists(self, method, not_found, **params):
        """The delete call `method`, unless in check mode; a resource already gone (`not_found`) is no error."""
        if self.check_mode:
            return
        try:
            getattr(self.client, method)(aws_retry=True, **params)
        except is_boto3_error_code(not_found):
            pass

    def retrying(self, policy, **bounds):
        """A decorator retrying a call on `policy` (retries.py), with this manager's clock."""
        return Retrying(policy.within(**bounds) if bounds else policy, self.sleep, self.clock)

    def wait_until(self, describe, done, timeout, delay, late, current=NOT_DESCRIBED):
        """describe() every `delay` seconds until done(description); returns that description. After `timeout`
        seconds, a ModuleError with the message late(last description). `current`: a description at hand, so the
        first describe() comes after a wait."""
        deadline = self.clock() + timeout
        if current is NOT_DESCRIBED:
            current = describe()
        while not done(current):
            if self.clock() >= deadline:
                raise ModuleError(late(current))
            self.sleep(delay)
            current = describe()
        return current


def aws_module(argument_spec, **options):
    """The AnsibleAWSModule of a module's main() (check mode supported); boto3 is shared in the interpreter first
    (botocore_cache.py)."""
    share_in_interpreter()
    return AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, **options)


def aws_client(module, service, **extra_params):
    """The module's client of `service`, with the collection's decorator (`extra_params`: e.g. another region)."""
    return module.client(service, retry_decorator=CLIENT_DECORATOR, **extra_params)


def new_manager(module, manager_class, *services, **options):
    """A manager_class with the module's clients of `services` (in that order) and its check mode."""
    return manager_class(
        *[aws_client(module, service) for service in services], check_mode=module.check_mode, **options
    )


def list_of_dicts(options, **more):
    """An option that is a list of dictionaries, each with `options` (and `more`, such as required=True)."""
    return dict(type="list", elements="dict", options=options, **more)


# The state option of every module that converges a resource to present or absent.
STATE_OPTION = dict(type="str", default="present", choices=["present", "absent"])

# The tags and purge_tags options as amazon.aws's doc fragment amazon.aws.tags documents them.
TAG_OPTIONS = dict(tags=dict(type="dict", aliases=["resource_tags"]), purge_tags=dict(type="bool", default=True))


def converge_state(module, manager, failure, *identity, **settings):
    """converge() with manager.ensure_present(*identity, **settings) or manager.ensure_absent(*identity), as the
    module's state option asks: `identity` names what is converged, `settings` are what it should be."""
    if module.params["state"] == "present":
        converge(module, lambda: manager.ensure_present(*identity, **settings), failure, manager)
    else:
        converge(module, lambda: manager.ensure_absent(*identity), failure, manager)


def converge_named(manager_class, service, what, name_option, **settings):
    """main() of a module converging one resource found by its name: the options name (`name_option`), state and
    `settings` ({option: spec}, each required with state=present and passed to manager.ensure_present by its name);
    `what` names the resource in a failure."""
    argument_spec = dict(settings, name=name_option, state=STATE_OPTION)
    module = aws_module(argument_spec, required_if=[("state", "present", sorted(settings))])
    manager = new_manager(module, manager_class, service)
    name = module.params["name"]
    failure = "%s %s could not be converged" % (what, name)
    converge_state(module, manager, failure, name, **{option: module.params[option] for option in settings})


def updated_tags(tags, to_set, to_unset):
    """The tags once the changes compare_aws_tags found are made."""
    result = {k: v for k, v in tags.items() if k not in to_unset}
    result.update(to_set)
    return result


def converge(module, ensure, failure, manager=None):
    """Exit with the result of ensure(), its diff only in diff mode.

    A ModuleError fails with its message (and its AWS error, when there is one), any other AWS error with
    `failure`. With a manager, a failure also reports manager.changed and its warnings are passed on.
    """

    def changed():
        return {} if manager is None else {"changed": manager.changed}

    try:
        result = ensure()
    except ModuleError as e:
        if e.exception is not None:
            module.fail_json_aws(e.exception, msg=e.message, **changed())
        module.fail_json(msg=e.message, **changed())
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=failure, **changed())

    for warning in getattr(manager, "warnings", []):
        module.warn(warning)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)
