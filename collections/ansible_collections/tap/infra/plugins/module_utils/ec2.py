# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 helpers of the tap.infra modules: retries around new and busy resources, tag updates, CIDR blocks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError

# Network interfaces of deleted resources linger for a while: a deletion is retried on DependencyViolation, at most
# this many attempts (jittered back-off, 5 s doubling up to 30 s).
DEPENDENCY_ATTEMPTS = 15
DEPENDENCY_DELAY = 5


def consistency_retry(codes):
    """Retries on `codes`, the errors of a resource made or changed moments ago that EC2 does not show yet
    (EC2 is eventually consistent): 10 attempts, 2 s doubling up to 15 s (jittered)."""
    return AWSRetry.jittered_backoff(retries=10, delay=2, max_delay=15, catch_extra_error_codes=codes)


def dependency_retry(attempts, delay):
    """Retries a deletion on DependencyViolation: `attempts` attempts, `delay` s doubling up to 30 s (jittered)."""
    return AWSRetry.jittered_backoff(
        retries=attempts, delay=delay, max_delay=30, catch_extra_error_codes=["DependencyViolation"]
    )


def caller(client, retry=None):
    """call(method, **params): through `retry` when given (a resource made moments ago), else with the client's
    own retries (aws_retry)."""

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
