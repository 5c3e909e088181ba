#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dynamodb_item_info
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.dynamodb_table
short_description: Read items of a DynamoDB table by primary key or by partition key
version_added: 0.2.0
description:
  - With O(key), reads one item (C(GetItem)); with O(partition_key), reads every item of that partition
    (C(Query), all pages), optionally those whose sort key begins with O(sort_key_prefix).
  - Values come back as plain values (strings, numbers, booleans, lists, maps).
author:
  - tap-infra maintainers (@tap-infra)
options:
  key:
    description: The primary key of one item. Mutually exclusive with O(partition_key).
    type: dict
  partition_key:
    description: The partition key (one name and value) of the items to query. Mutually exclusive with O(key).
    type: dict
  sort_key_prefix:
    description: With O(partition_key), only items whose sort key (named in O(sort_key_name)) begins with it.
    type: str
  sort_key_name:
    description: The name of the sort key, for O(sort_key_prefix).
    type: str
    default: sk
  consistent_read:
    description: Strongly consistent reads (in the module's region).
    type: bool
    default: true
notes:
  - The identity needs C(dynamodb:GetItem) or C(dynamodb:Query) on the table.
  - Why it exists - neither C(amazon.aws) nor C(community.aws) has a module (or lookup) that reads DynamoDB items;
    C(community.aws.dynamodb_table_info) describes a table only. It reads in any region of a global table, which
    is how C(playbooks/verify.yml) sees replication. The project can drop it when an item read module is published
    in C(amazon.aws) or C(community.aws).
"""

EXAMPLES = r"""
- name: Read one item in another replica region of a global table
  tap.infra.dynamodb_item_info:
    table: tap-prod-table
    key: {pk: "site#us-east-1", sk: "2026-01-01T00:00:00+00:00#id"}
    region: us-west-2
  register: found
  until: found.item | length > 0
  retries: 10
  delay: 1

- name: Every item of a partition
  tap.infra.dynamodb_item_info:
    table: tap-prod-table
    partition_key: {pk: "verify#1"}
  register: partition

- name: How many there are
  ansible.builtin.debug:
    msg: "{{ partition.query_items | length }} item(s)"
"""

RETURN = r"""
item:
  description: The item read with O(key); empty when it does not exist.
  returned: when O(key) is given
  type: dict
  sample: {pk: "verify#1", sk: crud, step: put}
query_items:
  description:
    - The items of the partition, in sort key order.
    - Not named C(items), which Jinja's dot notation would take for the method of a dict.
  returned: when O(partition_key) is given
  type: list
  elements: dict
"""


from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.common import aws_client
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import TABLE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import from_dynamodb
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import to_dynamodb


def read(client, params):
    table, consistent = params["table"], params["consistent_read"]
    if params["key"]:
        found = client.get_item(
            TableName=table, Key=to_dynamodb(params["key"]), ConsistentRead=consistent, aws_retry=True
        )
        return {"changed": False, "item": from_dynamodb(found.get("Item")) or {}}
    if len(params["partition_key"]) != 1:
        raise ModuleError("partition_key must name exactly one attribute")
    ((name, value),) = params["partition_key"].items()
    condition = "#pk = :pk"
    names, values = {"#pk": name}, {":pk": value}
    if params["sort_key_prefix"] is not None:
        condition += " AND begins_with(#sk, :sk)"
        names["#sk"], values[":sk"] = params["sort_key_name"], params["sort_key_prefix"]
    items = paginated(
        client,
        "query",
        "Items",
        TableName=table,
        KeyConditionExpression=condition,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=to_dynamodb(values),
        ConsistentRead=consistent,
    )
    return {"changed": False, "query_items": [from_dynamodb(i) for i in items]}


def main():
    argument_spec = dict(
        table=TABLE_OPTION,
        key=dict(type="dict", no_log=False),
        partition_key=dict(type="dict", no_log=False),
        sort_key_prefix=dict(type="str", no_log=False),
        sort_key_name=dict(type="str", default="sk", no_log=False),
        consistent_read=dict(type="bool", default=True),
    )
    module = aws_module(
        argument_spec, mutually_exclusive=[("key", "partition_key")], required_one_of=[("key", "partition_key")]
    )
    client = aws_client(module, "dynamodb")
    converge(
        module, lambda: read(client, module.params), "items of table %s could not be read" % module.params["table"]
    )


if __name__ == "__main__":
    main()
