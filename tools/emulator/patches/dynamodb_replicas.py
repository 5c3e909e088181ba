"""UpdateTable ReplicaUpdates: DynamoDB global tables version 2019.11.21.

AWS behaviour (UpdateTable, ReplicationGroupUpdate, DeleteTable):
- `ReplicaUpdates: [{"Create": {"RegionName": R}}]` creates a replica: a table of the same name, key schema,
  billing mode and stream in region R of the same account (the request invokes CreateTableReplica there),
  filled with the table's items. `{"Delete": {"RegionName": R}}` deletes the replica and its items.
- One replica creation or deletion per UpdateTable request, else ValidationException; the local region
  cannot be added or deleted through ReplicaUpdates (ValidationException "Cannot add, delete, or update
  the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.");
  a replica cannot be created over an existing table of that name in the target region.
- A replica needs a stream of NEW_AND_OLD_IMAGES; a table without a stream gets one.
- DescribeTable in any member region lists the other members in `Replicas` (RegionName, ReplicaStatus)
  with `GlobalTableVersion: 2019.11.21`.
- DeleteTable deletes the table in its own region only: the other replicas keep existing (and stay a
  global table when more than one is left). A protected replica cannot be deleted.
- A replica of a table encrypted with a customer managed KMS key needs KMSMasterKeyId for its region.
  `{"Update": {"RegionName": R, "KMSMasterKeyId": K}}` switches the replica in R to key K. DescribeTable
  lists each replica's customer managed key as `KMSMasterKeyId` of its `Replicas` entry.

moto 5.2.5 ignores ReplicaUpdates silently (no replica appears, describe has no `Replicas`) and answers
CreateGlobalTable (2017.11.29) with HTTP 500.

Emulator simplifications: changes are instant (ReplicaStatus is ACTIVE at once, never CREATING); items
are copied when a replica is created, but later writes are not replicated; global secondary indexes are
not copied. Exact wording of the "one replica per request" message is not documented by AWS.
"""

import copy
import functools

from moto.dynamodb.exceptions import DeletionProtectedException, MockValidationException
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult

GLOBAL_TABLE_VERSION = "2019.11.21"
_PATCHED = "_tap_global_tables"


def _group(table):
    """Regions of the table's replication group, its own region included."""
    group = getattr(table, "tap_replication_group", None)
    if group is None:
        group = {table.region_name}
        table.tap_replication_group = group
    return group


def _member(account_id, region, name):
    return dynamodb_backends[account_id][region].tables.get(name)


def _set_group(account_id, name, regions):
    for region in regions:
        table = _member(account_id, region, name)
        if table is not None:
            table.tap_replication_group = set(regions)


def _is_aws_managed_key(table):
    from moto.kms import kms_backends

    key = (table.sse_specification or {}).get("KMSMasterKeyId")
    kms = kms_backends[table.account_id][table.region_name]
    if not key or not kms.alias_exists("alias/aws/dynamodb"):
        return not key
    return kms.describe_key("alias/aws/dynamodb").arn == key


def create_replica(table, region, kms_key_id=None):
    account_id = table.account_id
    if region == table.region_name:
        raise MockValidationException(
            "Cannot add, delete, or update the local region through ReplicaUpdates. "
            "Use CreateTable, DeleteTable, or UpdateTable as required."
        )
    if region in _group(table):
        raise MockValidationException(
            "One or more parameter values were invalid: Table %s already has a replica in %s" % (table.name, region)
        )
    if _member(account_id, region, table.name) is not None:
        raise MockValidationException(
            "Failed to create a the new replica of table with name: '%s' because one or more replicas already "
            "existed as tables." % table.name
        )
    stream = table.stream_specification or {}
    if stream.get("StreamEnabled") and stream.get("StreamViewType") != "NEW_AND_OLD_IMAGES":
        raise MockValidationException(
            "One or more parameter values were invalid: Table must have a stream of NEW_AND_OLD_IMAGES to add replicas"
        )
    if not stream.get("StreamEnabled"):
        table.set_stream_specification({"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    sse = None
    if (table.sse_specification or {}).get("Enabled"):
        if not kms_key_id and not _is_aws_managed_key(table):
            raise MockValidationException(
                "One or more parameter values were invalid: KMSMasterKeyId must be specified for each replica."
            )
        sse = {"Enabled": True, "SSEType": "KMS"}
        if kms_key_id:
            sse["KMSMasterKeyId"] = kms_key_id
    backend = dynamodb_backends[account_id][region]
    replica = backend.create_table(
        name=table.name,
        schema=copy.deepcopy(table.schema),
        throughput=None if table.billing_mode == "PAY_PER_REQUEST" else dict(table.throughput),
        attr=copy.deepcopy(table.attr),
        global_indexes=None,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        billing_mode=table.billing_mode,
        sse_specification=sse,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    replica.items = copy.deepcopy(table.items)
    _set_group(account_id, table.name, _group(table) | {region})


def delete_replica(table, region):
    account_id = table.account_id
    if region == table.region_name:
        raise MockValidationException(
            "Cannot add, delete, or update the local region through ReplicaUpdates. "
            "Use CreateTable, DeleteTable, or UpdateTable as required."
        )
    if region not in _group(table):
        raise MockValidationException(
            "One or more parameter values were invalid: Table %s has no replica in %s" % (table.name, region)
        )
    replica = _member(account_id, region, table.name)
    if replica is not None:
        if replica.deletion_protection_enabled:
            raise DeletionProtectedException(table.name)
        dynamodb_backends[account_id][region].tables.pop(table.name)
    remaining = _group(table) - {region}
    _set_group(account_id, table.name, remaining)


def update_replica(table, region, kms_key_id=None):
    if region == table.region_name:
        raise MockValidationException(
            "Cannot add, delete, or update the local region through ReplicaUpdates. "
            "Use CreateTable, DeleteTable, or UpdateTable as required."
        )
    replica = _member(table.account_id, region, table.name)
    if region not in _group(table) or replica is None:
        raise MockValidationException(
            "One or more parameter values were invalid: Table %s has no replica in %s" % (table.name, region)
        )
    if kms_key_id:
        replica.sse_specification = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_id}


def _customer_key(table):
    """The table's customer managed key, None for the AWS managed or an AWS owned key."""
    if table is None or not (table.sse_specification or {}).get("Enabled") or _is_aws_managed_key(table):
        return None
    return table.sse_specification.get("KMSMasterKeyId")


def apply_replica_updates(table, replica_updates):
    actions = [u for u in replica_updates or [] if "Create" in u or "Delete" in u]
    if len(actions) > 1:
        raise MockValidationException(
            "One or more parameter values were invalid: Only one replica can be created or deleted per UpdateTable "
            "request"
        )
    for update in actions:
        if "Create" in update:
            create_replica(table, update["Create"]["RegionName"], update["Create"].get("KMSMasterKeyId"))
        else:
            delete_replica(table, update["Delete"]["RegionName"])
    for update in replica_updates or []:
        if "Update" in update:
            update_replica(table, update["Update"]["RegionName"], update["Update"].get("KMSMasterKeyId"))


def _describe(original):
    @functools.wraps(original)
    def describe(self, base_key="TableDescription"):
        result = original(self, base_key)
        others = sorted(_group(self) - {self.region_name})
        if others:
            result[base_key]["Replicas"] = []
            for region in others:
                replica = {"RegionName": region, "ReplicaStatus": "ACTIVE"}
                key = _customer_key(_member(self.account_id, region, self.name))
                if key:
                    replica["KMSMasterKeyId"] = key
                result[base_key]["Replicas"].append(replica)
            result[base_key]["GlobalTableVersion"] = GLOBAL_TABLE_VERSION
        return result

    setattr(describe, _PATCHED, True)
    return describe


def _update_table(original):
    @functools.wraps(original)
    def update_table(self):
        replica_updates = self.body.get("ReplicaUpdates")
        if not replica_updates:
            return original(self)
        table = self.dynamodb_backend.get_table(self.body["TableName"])
        apply_replica_updates(table, replica_updates)
        others = {k: v for k, v in self.body.items() if k not in ("TableName", "ReplicaUpdates")}
        if others:
            return original(self)
        return DynamoResult(table.describe())

    setattr(update_table, _PATCHED, True)
    return update_table


def _delete_table(original):
    @functools.wraps(original)
    def delete_table(self, name):
        table = original(self, name)
        group = _group(table)
        if len(group) > 1:
            _set_group(table.account_id, table.name, group - {table.region_name})
            table.tap_replication_group = {table.region_name}
        return table

    setattr(delete_table, _PATCHED, True)
    return delete_table


def apply():
    if not getattr(Table.describe, _PATCHED, False):
        Table.describe = _describe(Table.describe)
    if not getattr(DynamoHandler.update_table, _PATCHED, False):
        DynamoHandler.update_table = _update_table(DynamoHandler.update_table)
    if not getattr(DynamoDBBackend.delete_table, _PATCHED, False):
        DynamoDBBackend.delete_table = _delete_table(DynamoDBBackend.delete_table)
