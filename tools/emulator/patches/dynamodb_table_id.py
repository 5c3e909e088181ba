"""DescribeTable (and CreateTable, UpdateTable, DeleteTable) answer a TableId.

AWS gives every table a unique TableId (a UUID) and returns it in each TableDescription.
moto 5.2.5 omits it, so `community.aws.dynamodb_table`, which reads `table_id` from the
description, fails on every call (`'table_id'`) although the table is created.
"""

import functools
import uuid

from moto.dynamodb.models.table import Table

_PATCHED = "_tap_table_id"


def _with_table_id(describe):
    @functools.wraps(describe)
    def wrapper(self, base_key="TableDescription"):
        result = describe(self, base_key)
        if not getattr(self, "tap_table_id", None):
            self.tap_table_id = str(uuid.uuid4())
        result[base_key]["TableId"] = self.tap_table_id
        return result

    setattr(wrapper, _PATCHED, True)
    return wrapper


def apply():
    if not getattr(Table.describe, _PATCHED, False):
        Table.describe = _with_table_id(Table.describe)
