# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every tap.infra module shares: its error, its client's retries, paginated reads and the run of main()."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# The client's retries (module.client(..., retry_decorator=RETRY_DECORATOR), then aws_retry=True on each call).
RETRY_DECORATOR = AWSRetry.jittered_backoff(retries=10)


class ModuleError(Exception):
    """A failure with a message for the user (and the botocore exception when there is one)."""

    def __init__(self, message, exception=None):
        super().__init__(message)
        self.message = message
        self.exception = exception


def error_code(exception):
    """The AWS error code of a botocore exception (None for a connection error and the like)."""
    return getattr(exception, "response", {}).get("Error", {}).get("Code")


def paginated(client, method, key, retry_decorator=RETRY_DECORATOR, **params):
    """The `key` list of every page of a paginated read."""
    return paginated_query_with_retries(client, method, retry_decorator=retry_decorator, **params).get(key, [])


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
