# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 helpers of the tap.infra modules: the managers' base, calls through a retry, tag updates, CIDR blocks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

import ipaddress
import time

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge_state
from ansible_collections.tap.infra.plugins.module_utils.common import list_of_dicts
from ansible_collections.tap.infra.plugins.module_utils.errors import error_code
from ansible_collections.tap.infra.plugins.module_utils.retries import DEPENDENCY_VIOLATION
from ansible_collections.tap.infra.plugins.module_utils.retries import EC2_NOT_YET_VISIBLE


class Ec2Manager(Manager):
    """The manager of an EC2 resource that is waited for when new (wait, wait_timeout), retried while it is not
    visible yet (EC2_NOT_YET_VISIBLE), and deleted through DEPENDENCY_VIOLATION (at most delete_attempts)."""

    def __init__(
        self, client, check_mode=False, wait=True, wait_timeout=300, delete_attempts=None, sleep=time.sleep,
        clock=time.monotonic,
    ):  # fmt: skip
        super().__init__(client, check_mode, sleep, clock)
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.new_resource_retry = self.retrying(EC2_NOT_YET_VISIBLE)
        self.delete_attempts = delete_attempts or DEPENDENCY_VIOLATION.attempts
        self.delete_retry = self.retrying(DEPENDENCY_VIOLATION, attempts=self.delete_attempts)

    def fix_tags(self, resource_id, to_set, to_unset, what, new=False):
        """update_tags() on the resource (`what` names it in a failure); `new`: made moments ago, so retried while
        EC2 does not see it yet."""
        try:
            update_tags(caller(self.client, self.new_resource_retry if new else None), resource_id, to_set, to_unset)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise ModuleError("the tags of %s could not be updated" % what, e)

    def delete_resource(self, method, what, not_found, dependencies=None, **params):
        """The delete call, retried on DependencyViolation (interfaces of deleted resources linger); one already gone
        (the `not_found` error code) is done. `dependencies` says what may still hold the resource."""
        try:
            self.delete_retry(getattr(self.client, method))(**params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            code = error_code(e)
            if code == not_found:
                return  # deleted meanwhile
            if code == "DependencyViolation" and dependencies:
                raise ModuleError(
                    "%s still has dependencies after %d attempts to delete it: %s"
                    % (what, self.delete_attempts, dependencies),
                    e,
                )
            raise ModuleError("%s could not be deleted" % what, e)


def caller(client, retry=None):
    """call(method, **params): through `retry` when given (a resource made moments ago: module_utils/retries.py),
    else through the client's decorator (aws_retry)."""

    def call(method, **params):
        function = getattr(client, method)
        if retry is not None:
            return retry(function)(**params)
        return function(aws_retry=True, **params)

    return call


def update_tags(call, resource_id, to_set, to_unset):
    """Tags removed, then tags set, each in key order (compare_aws_tags' order depends on a set);
    call(method, **params) makes each call."""
    if to_unset:
        call("delete_tags", Resources=[resource_id], Tags=[{"Key": key} for key in sorted(to_unset)])
    if to_set:
        tags = ansible_dict_to_boto3_tag_list(dict(sorted(to_set.items())))
        call("create_tags", Resources=[resource_id], Tags=tags)


def normalise_cidr(cidr):
    """The IPv4 CIDR block as EC2 writes it; refuses what is not an IPv4 network address."""
    try:
        return str(ipaddress.IPv4Network((cidr or "").strip(), strict=True))
    except ValueError as e:
        raise ModuleError("%s is not an IPv4 CIDR block (a network address and a prefix length): %s" % (cidr, e))


def vpc_list_module(key, options, **more_options):
    """The AnsibleAWSModule of a module converging a list of `key` (each with `options`) in one VPC: the options
    vpc_id, `key`, purge_tags, state (doc fragment tap.infra.aws_module.vpc_list) and `more_options`."""
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        purge_tags=dict(type="bool", default=True),
        state=STATE_OPTION,
        **more_options,
    )
    argument_spec[key] = list_of_dicts(options, required=True)
    return aws_module(argument_spec)


def converge_vpc_list(module, manager, key, what):
    """converge_state() of the `key` list of a vpc_list_module(), `what` naming them in a failure."""
    vpc_id = module.params["vpc_id"]
    failure = "the %s of %s could not be converged" % (what, vpc_id)
    converge_state(module, manager, failure, vpc_id, module.params[key], purge_tags=module.params["purge_tags"])
