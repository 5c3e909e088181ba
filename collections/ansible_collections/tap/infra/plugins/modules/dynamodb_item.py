#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dynamodb_item
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
  - tap.infra.aws_module.dynamodb_table
short_description: Put, update or delete one item of a DynamoDB table
version_added: 0.2.0
description:
  - Converges one item, found by its primary key, to a declared state.
  - O(state=present) writes the item with C(PutItem) when it does not exist, and sets the attributes that differ
    with C(UpdateItem) (C(SET)) when it does; attributes not named in O(attributes) are left alone.
  - O(state=absent) deletes the item with C(DeleteItem) when it exists.
  - Neither C(amazon.aws) nor C(community.aws) has a module for DynamoDB items.
  - Values are given as plain YAML/JSON (strings, numbers, booleans, lists, maps) and converted with boto3's
    C(TypeSerializer); the result gives the item back the same way.
author:
  - tap-infra maintainers (@tap-infra)
options:
  key:
    description: The item's primary key, the partition key and (for a composite key) the sort key.
    required: true
    type: dict
  attributes:
    description: Attributes of the item besides the key (O(state=present)).
    type: dict
    default: {}
  state:
    description: V(present) writes the item, V(absent) deletes it.
notes:
  - The identity needs C(dynamodb:GetItem), and C(dynamodb:PutItem), C(dynamodb:UpdateItem) or
    C(dynamodb:DeleteItem) on the table.
  - Reads are strongly consistent (in the region of the module).
  - Why it exists - neither C(amazon.aws) nor C(community.aws) has a module that writes or deletes a DynamoDB item
    (C(community.aws.dynamodb_table) manages tables only), and the C(aws dynamodb) CLI is not idempotent and needs
    the typed attribute-value syntax. The project can drop it when an item module (with check mode) is published
    in C(amazon.aws) or C(community.aws).
"""

EXAMPLES = r"""
- name: Write an item
  tap.infra.dynamodb_item:
    table: tap-prod-table
    key: {pk: "verify#1", sk: "crud"}
    attributes: {step: put, count: 1}

- name: Delete it
  tap.infra.dynamodb_item:
    table: tap-prod-table
    key: {pk: "verify#1", sk: "crud"}
    state: absent
"""

RETURN = r"""
item:
  description: The item after the run (as it would be in check mode); empty when it does not exist.
  returned: always
  type: dict
  sample: {pk: "verify#1", sk: crud, step: put, count: 1}
operation:
  description: The write made (or that would be made in check mode) - V(put), V(update), V(delete) or V(none).
  returned: always
  type: str
  sample: put
"""


from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge_state
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import TABLE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import from_dynamodb
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import to_dynamodb


class ItemManager(Manager):
    """Converges one item; holds the client and the check mode switch."""

    def get(self, table, key):
        found = self.client.get_item(TableName=table, Key=to_dynamodb(key), ConsistentRead=True, aws_retry=True)
        return from_dynamodb(found.get("Item"))

    def ensure_present(self, table, key, attributes):
        current = self.get(table, key)
        wanted = dict(current or {}, **attributes)
        wanted.update(key)
        result = {"changed": False, "item": wanted, "operation": "none"}
        if current is None:
            result.update(changed=True, operation="put", diff={"before": {}, "after": wanted})
            if not self.check_mode:
                self.client.put_item(TableName=table, Item=to_dynamodb(wanted), aws_retry=True)
            return result
        changes = {name: value for name, value in attributes.items() if current.get(name) != value}
        if not changes:
            return result
        result.update(changed=True, operation="update", diff={"before": current, "after": wanted})
        if not self.check_mode:
            names = {"#a%d" % i: name for i, name in enumerate(changes)}
            values = {":v%d" % i: value for i, value in enumerate(changes.values())}
            self.client.update_item(
                TableName=table,
                Key=to_dynamodb(key),
                UpdateExpression="SET " + ", ".join("#a%d = :v%d" % (i, i) for i in range(len(changes))),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_dynamodb(values),
                aws_retry=True,
            )
        return result

    def ensure_absent(self, table, key):
        current = self.get(table, key)
        if current is None:
            return {"changed": False, "item": {}, "operation": "none"}
        if not self.check_mode:
            self.client.delete_item(TableName=table, Key=to_dynamodb(key), aws_retry=True)
        return {"changed": True, "item": {}, "operation": "delete", "diff": {"before": current, "after": {}}}


def main():
    argument_spec = dict(
        table=TABLE_OPTION,
        key=dict(type="dict", required=True, no_log=False),
        attributes=dict(type="dict", default={}),
        state=STATE_OPTION,
    )
    module = aws_module(argument_spec)
    manager = new_manager(module, ItemManager, "dynamodb")
    table, key = module.params["table"], module.params["key"]
    failure = "DynamoDB item %s of table %s could not be converged" % (key, table)
    converge_state(module, manager, failure, table, key, attributes=module.params["attributes"])


if __name__ == "__main__":
    main()
