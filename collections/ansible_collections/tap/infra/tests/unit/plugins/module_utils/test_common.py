# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""common.converge: how every module's main() ends (its result, its failure, its warnings)."""

import botocore.exceptions
import pytest

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

THROTTLED = botocore.exceptions.ClientError(
    {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeTable"
)


def end(ensure, manager=None, diff=False):
    module = utils.FakeModule({}, {}, diff=diff)
    with pytest.raises(utils.ModuleExit):
        converge(module, ensure, "the table could not be converged", manager)
    return module


def test_an_aws_error_fails_with_the_module_message_and_changed():
    manager = Manager(None)
    manager.changed = True

    def ensure():
        raise THROTTLED

    result = end(ensure, manager).result
    assert result["failed"] and result["changed"] is True
    assert result["msg"].startswith("the table could not be converged: ") and "ThrottlingException" in result["msg"]


def test_a_module_error_without_an_aws_error_fails_with_its_message():
    def ensure():
        raise ModuleError("name too long")

    assert end(ensure).result == {"msg": "name too long", "failed": True}


def test_warnings_are_passed_on_and_the_diff_only_in_diff_mode():
    manager = Manager(None)
    manager.warnings.append("two tables carry the name")

    def ensure():
        return {"changed": False, "diff": {"before": {}, "after": {}}}

    module = end(ensure, manager)
    assert module.warnings == ["two tables carry the name"] and module.result == {"changed": False}
    assert "diff" in end(ensure, manager, diff=True).result
