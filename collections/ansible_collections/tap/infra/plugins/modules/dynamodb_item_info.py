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
  - With O(key) and O(regions), reads the item in each of those regions at once (one C(GetItem) per region, made
    concurrently). That is how a write is seen to reach every replica of a global table, in the time of one read
    however many regions there are.
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
  regions:
    description:
      - With O(key), read the item in each of these regions (the replica regions of a global table) instead of in
        O(region) only; the result is RV(items_by_region).
      - The endpoint, credentials and profile are the module's, in every region.
    type: list
    elements: str
  consistent_read:
    description: Strongly consistent reads (in each region read).
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

- name: Wait until a write is in every replica region (each try reads them all at once)
  tap.infra.dynamodb_item_info:
    table: tap-prod-table
    key: {pk: "site#us-east-1", sk: "2026-01-01T00:00:00+00:00#id"}
    regions: [us-east-1, us-west-2, eu-west-1]
  register: replicas
  until: replicas.items_by_region | default({}) | dict2items | rejectattr('value') | list | length == 0
  retries: 40
  delay: 0.25

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
  returned: when O(key) is given without O(regions)
  type: dict
  sample: {pk: "verify#1", sk: crud, step: put}
items_by_region:
  description: The item read with O(key) in each region of O(regions) that could be read (empty where it does not
    exist).
  returned: when O(regions) is given
  type: dict
  sample: {us-east-1: {pk: "verify#1", sk: crud}, us-west-2: {}}
read_errors:
  description:
    - Each region of O(regions) that could not be read (no such table there, a denial) and why. The module fails
      only when no region could be read.
  returned: when O(regions) is given
  type: dict
  sample: {eu-west-1: "item of table tap-prod-table could not be read: An error occurred (ResourceNotFoundException)
    when calling the GetItem operation: Requested resource not found"}
query_items:
  description:
    - The items of the partition, in sort key order.
    - Not named C(items), which Jinja's dot notation would take for the method of a dict.
  returned: when O(partition_key) is given
  type: list
  elements: dict
"""


try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.common import aws_client
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import TABLE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import from_dynamodb
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import to_dynamodb


def get_item(client, params):
    found = client.get_item(
        TableName=params["table"], Key=to_dynamodb(params["key"]), ConsistentRead=params["consistent_read"],
        aws_retry=True,
    )
    return from_dynamodb(found.get("Item")) or {}


def read_in_regions(clients, params):
    """The item of params["key"] in every region of `clients` ({region: client}), read concurrently. A region that
    cannot be read is named in read_errors and the others are read all the same; it fails when none can be."""

    def read_one(region):
        try:
            return get_item(clients[region], params), None
        except ModuleError as e:  # a denial, explained
            return None, e
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            return None, ModuleError("item of table %s could not be read: %s" % (params["table"], e), exception=e)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        answers = dict(zip(clients, pool.map(read_one, clients)))
    errors = {region: error for region, (item, error) in answers.items() if error}
    if len(errors) == len(answers):
        region, error = next(iter(errors.items()))
        raise ModuleError("in %s: %s" % (region, error.message))
    return {
        "changed": False,
        "items_by_region": {region: item for region, (item, error) in answers.items() if not error},
        "read_errors": {region: error.message for region, error in errors.items()},
    }


def read(client, params):
    table, consistent = params["table"], params["consistent_read"]
    if params["key"]:
        return {"changed": False, "item": get_item(client, params)}
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
        regions=dict(type="list", elements="str"),
    )
    module = aws_module(
        argument_spec,
        mutually_exclusive=[("key", "partition_key"), ("partition_key", "regions")],
        required_one_of=[("key", "partition_key")],
    )
    failure = "items of table %s could not be read" % module.params["table"]
    if module.params["regions"]:
        clients = {region: aws_client(module, "dynamodb", region=region) for region in module.params["regions"]}
        converge(module, lambda: read_in_regions(clients, module.params), failure)
    else:
        client = aws_client(module, "dynamodb")
        converge(module, lambda: read(client, module.params), failure)


if __name__ == "__main__":
    main()
