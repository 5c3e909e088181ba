"""Global tables replicate writes: an item written in one replica region appears in every other one.

AWS behaviour ("DynamoDB global tables", version 2019.11.21; "How global tables work", "Consistency modes"):
- a write (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) to any replica is
  replicated to every other replica of the table asynchronously, typically within a second;
- concurrent writes to the same item in different regions are reconciled by last writer wins: every replica
  ends with the item as the latest write made it (a delete included);
- a replica created later starts with the table's items (the dynamodb_replicas patch copies them).

moto 5.2.6 has no replication at all (and no replicas without the dynamodb_replicas patch).

Emulator implementation: after a successful write, the item's new state (or its absence) is queued with the
write's time and applied to every other replica after TAP_DYNAMODB_REPLICATION_DELAY seconds (default 0.2),
unless that replica already holds a later write of the item. Replicated writes do not appear in the
replicas' streams. PartiQL writes (ExecuteStatement) are not replicated.
"""

import copy
import functools
import os
import queue
import threading
import time

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

_PATCHED = "_tap_global_replication"
DELAY = float(os.environ.get("TAP_DYNAMODB_REPLICATION_DELAY", "0.2"))

_queue = queue.Queue()
_worker = None
_clock_lock = threading.Lock()
_last_clock = [0.0]


def _clock():
    """A strictly increasing write time (last writer wins needs an order even within one clock tick)."""
    with _clock_lock:
        now = max(time.time(), _last_clock[0] + 1e-6)
        _last_clock[0] = now
        return now


def _versions(table):
    versions = getattr(table, "tap_item_versions", None)
    if versions is None:
        versions = table.tap_item_versions = {}
    return versions


def _group(table):
    return getattr(table, "tap_replication_group", None) or {table.region_name}


def _key_of(table, attributes):
    """(hash DynamoType, range DynamoType or None) of an item or key given as the API gives it."""
    hash_value = DynamoType(attributes[table.hash_key_attr])
    range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _record(table, key):
    """Note a local write of key in table and queue it for the other replicas."""
    stamp = _clock()
    _versions(table)[key] = stamp
    others = _group(table) - {table.region_name}
    if not others:
        return
    item = table.get_item(*key)
    snapshot = copy.deepcopy(item) if item is not None else None
    _start_worker()
    _queue.put((time.monotonic() + DELAY, table.account_id, table.name, sorted(others), key, snapshot, stamp))


def _apply(account_id, name, region, key, snapshot, stamp):
    replica = dynamodb_backends[account_id][region].tables.get(name)
    if replica is None:
        return
    versions = _versions(replica)
    if versions.get(key, 0) >= stamp:
        return  # that replica holds a later write of the item: last writer wins
    versions[key] = stamp
    hash_value, range_value = key
    if snapshot is None:
        try:
            replica.delete_item(hash_value, range_value)
        except KeyError:
            pass
        return
    if replica.range_key_attr:
        replica.items[hash_value][range_value] = copy.deepcopy(snapshot)
    else:
        replica.items[hash_value] = copy.deepcopy(snapshot)


def _run():
    while True:
        due, account_id, name, regions, key, snapshot, stamp = _queue.get()
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        for region in regions:
            try:
                _apply(account_id, name, region, key, snapshot, stamp)
            except Exception as exc:  # noqa: BLE001 - a reset emulator, a table deleted meanwhile
                print("dynamodb replication: %s in %s: %s" % (name, region, exc), flush=True)


def _start_worker():
    global _worker
    if _worker is None or not _worker.is_alive():
        _worker = threading.Thread(target=_run, name="dynamodb-replication", daemon=True)
        _worker.start()


def _wrap(original, keys_of):
    @functools.wraps(original)
    def write(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        try:
            for table, key in keys_of(self, *args, **kwargs):
                _record(table, key)
        except Exception as exc:  # noqa: BLE001 - never fail the write that succeeded
            print("dynamodb replication: %s" % exc, flush=True)
        return result

    setattr(write, _PATCHED, True)
    return write


def _put_keys(self, table_name, item_attrs, *args, **kwargs):
    table = self.get_table(table_name)
    return [(table, _key_of(table, item_attrs))]


def _key_keys(self, table_name, key, *args, **kwargs):
    table = self.get_table(table_name)
    return [(table, _key_of(table, key))]


def _transact_keys(self, transact_items, *args, **kwargs):
    found = []
    for entry in transact_items:
        for kind, op in entry.items():
            if kind == "ConditionCheck":
                continue
            table = self.get_table(op["TableName"])
            found.append((table, _key_of(table, op["Item"] if kind == "Put" else op["Key"])))
    return found


def apply():
    for name, keys_of in (
        ("put_item", _put_keys),
        ("update_item", _key_keys),
        ("delete_item", _key_keys),
        ("transact_write_items", _transact_keys),
    ):
        method = getattr(DynamoDBBackend, name)
        if not getattr(method, _PATCHED, False):
            setattr(DynamoDBBackend, name, _wrap(method, keys_of))
