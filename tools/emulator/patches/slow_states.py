"""Slow mode: resources pass through AWS's transitional states, and AWS's dependency errors apply.

AWS behaviour restored when the server runs with `TAP_EMULATOR_SLOW` (durations: tools/emulator/slow.py);
without it nothing changes. moto 5.2.5 makes every resource ready at once and deletes at once, so code
that forgets to wait passes against it and fails on AWS.
- RDS DB instance: `creating` (no Endpoint yet) -> `available`; DeleteDBInstance: `deleting` -> gone.
  Deleting an instance already `deleting`: InvalidDBInstanceState.
- NAT gateway: `pending` -> `available`; DeleteNatGateway: `deleting` -> `deleted` (its EIP then
  disassociated).
- ELBv2 load balancer: `provisioning` -> `active`.
- DynamoDB table: `CREATING` -> `ACTIVE`; DeleteTable: `DELETING` -> gone. UpdateTable ReplicaUpdates
  Create: the replica `CREATING` -> `ACTIVE` while the table is `UPDATING`; Delete: the replica `DELETING`
  -> gone while the table is `UPDATING`. UpdateTable or DeleteTable on a table that is not ACTIVE:
  ResourceInUseException ("Attempt to change a resource which is still in use: Table is being updated").
- Dependency errors (moto enforces none of them): DeleteDBSubnetGroup while a DB instance not yet gone
  uses it (InvalidDBSubnetGroupStateFault); DeleteSecurityGroup while such an instance uses the group,
  DeleteSubnet while such an instance's subnet group or a NAT gateway not yet `deleted` is in the subnet,
  DetachInternetGateway while a NAT gateway of the VPC is not yet `deleted` (DependencyViolation);
  ReleaseAddress while a NAT gateway not yet `deleted` holds the address (InvalidIPAddress.InUse).

States are computed from timestamps when a request arrives (every due transition is applied before the
request is handled); no background thread. Every transition (when applied) and every transitional state
returned by a describe call is recorded in RECORD (and appended as JSON lines to `TAP_EMULATOR_SLOW_RECORD`
when set), so a test can show that a run really met the transitional states.
"""

import collections
import heapq
import itertools
import json
import os
import threading
import time

from tools.emulator import realism, slow

_PATCHED = "_tap_slow_states"
_lock = threading.RLock()
_pending = []  # heap of (deadline, sequence, function)
_sequence = itertools.count()
_state = {"durations": None, "record_path": None}
RECORD = collections.deque(maxlen=20000)
clock = time.monotonic  # what deadlines are measured with (tests substitute their own)

DDB_IN_USE_VERB = {"CREATING": "created", "UPDATING": "updated", "DELETING": "deleted"}


# ------------------------------------------------------------------ configuration and clock
def configure(spec, record_path=None):
    """Enable slow mode with SPEC (see slow.durations), or disable it with None."""
    with _lock:
        _state["durations"] = slow.durations(spec) if spec else None
        _state["record_path"] = record_path
        _pending.clear()
        RECORD.clear()


def enabled():
    return _state["durations"] is not None


def record(event, kind, resource, state, **extra):
    entry = dict(time=time.time(), event=event, kind=kind, id=resource, state=state, **extra)
    with _lock:
        RECORD.append(entry)
        if _state["record_path"]:
            with open(_state["record_path"], "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")


def _schedule(key, function):
    deadline = clock() + _state["durations"][key]
    with _lock:
        heapq.heappush(_pending, (deadline, next(_sequence), function))


def sweep():
    """Apply every transition that is due (called before each request)."""
    now = clock()
    while True:
        with _lock:
            if not _pending or _pending[0][0] > now:
                return
            _, _, function = heapq.heappop(_pending)
        try:
            function()
        except Exception:  # a resource changed behind the transition (reset, deleted): nothing to apply
            pass


def transition(obj, attr, transient, final, key, kind, resource, on_done=None, labels=None):
    """Set obj.attr to `transient` now and to `final` after durations[key] (unless changed meanwhile).

    The record names the states `labels` (transient, final), by default the values themselves.
    """
    labels = labels or (transient, final)
    token = object()
    tokens = obj.__dict__.setdefault("_tap_tokens", {})
    tokens[attr] = token
    setattr(obj, attr, transient)
    record("transition", kind, resource, labels[0])

    def finish():
        if tokens.get(attr) is not token:
            return
        tokens.pop(attr, None)
        setattr(obj, attr, final)
        record("transition", kind, resource, labels[1])
        if on_done is not None:
            on_done()

    _schedule(key, finish)


def _wrap(cls, name, make):
    realism.wrap(cls, name, _PATCHED, make)


# ------------------------------------------------------------------ RDS
def _rds():
    from moto.rds.exceptions import InvalidDBInstanceStateFault, RDSClientError
    from moto.rds.models import DBInstance, RDSBackend

    class InvalidDBSubnetGroupStateFault(RDSClientError):
        def __init__(self, message):
            super().__init__("InvalidDBSubnetGroupStateFault", message)

    def create_db_instance(original):
        def wrapper(self, db_kwargs):
            database = original(self, db_kwargs)
            if enabled() and type(database) is DBInstance:
                transition(
                    database, "status", "creating", "available", "rds_create", "rds", database.db_instance_identifier
                )
            return database

        return wrapper

    def delete_db_instance(original):
        def wrapper(self, db_instance_identifier, *args, **kwargs):
            current = self.databases.get(db_instance_identifier)
            if enabled() and current is not None and current.status == "deleting":
                raise InvalidDBInstanceStateFault("Instance %s is already being deleted." % db_instance_identifier)
            database = original(self, db_instance_identifier, *args, **kwargs)
            if enabled():
                databases = self.databases
                databases[db_instance_identifier] = database

                def gone():
                    if databases.get(db_instance_identifier) is database:
                        databases.pop(db_instance_identifier)

                transition(
                    database,
                    "status",
                    "deleting",
                    "deleted",
                    "rds_delete",
                    "rds",
                    db_instance_identifier,
                    gone,
                    labels=("deleting", "gone"),
                )
            return database

        return wrapper

    def describe_db_instances(original):
        def wrapper(self, *args, **kwargs):
            databases = original(self, *args, **kwargs)
            for database in databases:
                if enabled() and database.status in ("creating", "deleting"):
                    record("observed", "rds", database.db_instance_identifier, database.status)
            return databases

        return wrapper

    def delete_subnet_group(original):
        def wrapper(self, subnet_name):
            if enabled():
                for database in self.databases.values():
                    if getattr(database, "_db_subnet_group_name", None) == subnet_name:
                        raise InvalidDBSubnetGroupStateFault(
                            "Cannot delete the subnet group '%s' because at least one database instance: %s is "
                            "still using it." % (subnet_name, database.db_instance_identifier)
                        )
            return original(self, subnet_name)

        return wrapper

    endpoint = DBInstance.endpoint
    if not getattr(endpoint.fget, _PATCHED, False):

        def endpoint_while_ready(self):
            return None if self.status == "creating" else endpoint.fget(self)

        setattr(endpoint_while_ready, _PATCHED, True)
        DBInstance.endpoint = property(endpoint_while_ready)

    _wrap(RDSBackend, "create_db_instance", create_db_instance)
    _wrap(RDSBackend, "delete_db_instance", delete_db_instance)
    _wrap(RDSBackend, "describe_db_instances", describe_db_instances)
    _wrap(RDSBackend, "delete_subnet_group", delete_subnet_group)


def _databases(account_id, region):
    """The RDS instances of a region that are not gone yet."""
    from moto.rds.models import rds_backends

    return list(rds_backends[account_id][region].databases.values())


def _database_subnet_ids(database):
    group = getattr(database, "db_subnet_group", None)
    return {subnet.id for subnet in getattr(group, "_subnets", None) or []}


# ------------------------------------------------------------------ EC2: NAT gateways and dependencies
def _ec2():
    from moto.ec2.exceptions import DependencyViolationError, EC2ClientError
    from moto.ec2.models import EC2Backend

    class InvalidIPAddressInUse(EC2ClientError):
        def __init__(self, address):
            super().__init__("InvalidIPAddress.InUse", "Address %s is in use." % address)

    def live_nats(backend):
        return [nat for nat in backend.nat_gateways.values() if nat.state != "deleted"]

    def create_nat_gateway(original):
        def wrapper(self, *args, **kwargs):
            nat = original(self, *args, **kwargs)
            if enabled():
                transition(nat, "state", "pending", "available", "nat_create", "nat", nat.id)
            return nat

        return wrapper

    def delete_nat_gateway(original):
        def wrapper(self, nat_gateway_id):
            nat = self.nat_gateways.get(nat_gateway_id)
            if not enabled() or nat is None:
                return original(self, nat_gateway_id)
            if nat.state in ("deleting", "deleted"):
                return nat
            allocations = [address.get("allocationId") for address in nat.address_set]

            def release_addresses():
                for allocation in filter(None, allocations):
                    for eip in self.address_by_allocation([allocation]):
                        self.disassociate_address(address=eip.public_ip)

            transition(nat, "state", "deleting", "deleted", "nat_delete", "nat", nat.id, release_addresses)
            return nat

        return wrapper

    def describe_nat_gateways(original):
        def wrapper(self, *args, **kwargs):
            nats = original(self, *args, **kwargs)
            for nat in nats:
                if enabled() and nat.state in ("pending", "deleting"):
                    record("observed", "nat", nat.id, nat.state)
            return nats

        return wrapper

    def delete_subnet(original):
        def wrapper(self, subnet_id):
            if enabled():
                users = [nat.id for nat in live_nats(self) if nat.subnet_id == subnet_id]
                users += [
                    db.db_instance_identifier
                    for db in _databases(self.account_id, self.region_name)
                    if subnet_id in _database_subnet_ids(db)
                ]
                if users:
                    raise DependencyViolationError(
                        "The subnet '%s' has dependencies and cannot be deleted." % subnet_id
                    )
            return original(self, subnet_id)

        return wrapper

    def detach_internet_gateway(original):
        def wrapper(self, internet_gateway_id, vpc_id):
            if enabled() and any(
                nat.vpc_id == vpc_id and nat.connectivity_type != "private" for nat in live_nats(self)
            ):
                raise DependencyViolationError(
                    "Network %s has some mapped public address(es). Please unmap those public address(es) "
                    "before detaching the gateway." % vpc_id
                )
            return original(self, internet_gateway_id, vpc_id)

        return wrapper

    def release_address(original):
        def wrapper(self, address=None, allocation_id=None):
            if enabled():
                eips = self.address_by_ip([address]) if address else self.address_by_allocation([allocation_id])
                for eip in eips:
                    for nat in live_nats(self):
                        if any(a.get("allocationId") == eip.allocation_id for a in nat.address_set):
                            raise InvalidIPAddressInUse(eip.public_ip)
            return original(self, address=address, allocation_id=allocation_id)

        return wrapper

    def delete_security_group(original):
        def wrapper(self, name=None, group_id=None):
            if enabled():
                group = self.get_security_group_by_name_or_id(group_id or name)
                if group is not None:
                    for db in _databases(self.account_id, self.region_name):
                        if group.id in (db.vpc_security_group_ids or []):
                            raise DependencyViolationError("resource %s has a dependent object" % group.id)
            return original(self, name=name, group_id=group_id)

        return wrapper

    _wrap(EC2Backend, "create_nat_gateway", create_nat_gateway)
    _wrap(EC2Backend, "delete_nat_gateway", delete_nat_gateway)
    _wrap(EC2Backend, "describe_nat_gateways", describe_nat_gateways)
    _wrap(EC2Backend, "delete_subnet", delete_subnet)
    _wrap(EC2Backend, "detach_internet_gateway", detach_internet_gateway)
    _wrap(EC2Backend, "release_address", release_address)
    _wrap(EC2Backend, "delete_security_group", delete_security_group)


# ------------------------------------------------------------------ ELBv2
def _elbv2():
    from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer

    def create_load_balancer(original):
        def wrapper(self, *args, **kwargs):
            balancer = original(self, *args, **kwargs)
            if enabled():
                transition(
                    balancer,
                    "_tap_provisioning",
                    True,
                    False,
                    "alb_create",
                    "alb",
                    balancer.name,
                    labels=("provisioning", "active"),
                )
            return balancer

        return wrapper

    def activate(original):
        def wrapper(self):
            if getattr(self, "_tap_provisioning", False):
                return None
            return original(self)

        return wrapper

    def describe_load_balancers(original):
        def wrapper(self, *args, **kwargs):
            balancers = original(self, *args, **kwargs)
            for balancer in balancers:
                if enabled() and balancer.state == "provisioning":
                    record("observed", "alb", balancer.name, balancer.state)
            return balancers

        return wrapper

    _wrap(ELBv2Backend, "create_load_balancer", create_load_balancer)
    _wrap(FakeLoadBalancer, "activate", activate)
    _wrap(ELBv2Backend, "describe_load_balancers", describe_load_balancers)


# ------------------------------------------------------------------ DynamoDB
def _dynamodb():
    from moto.dynamodb.exceptions import ResourceInUseException
    from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    from tools.emulator.patches import dynamodb_replicas

    def in_use(table):
        status = getattr(table, "_tap_status", None)
        if status:
            raise ResourceInUseException(
                "Attempt to change a resource which is still in use: Table is being %s: %s"
                % (DDB_IN_USE_VERB[status], table.name)
            )

    def create_table(original):
        def wrapper(self, name, *args, **kwargs):
            table = original(self, name, *args, **kwargs)
            if enabled():
                transition(
                    table,
                    "_tap_status",
                    "CREATING",
                    None,
                    "table_create",
                    "table",
                    "%s/%s" % (self.region_name, name),
                    labels=("CREATING", "ACTIVE"),
                )
            return table

        return wrapper

    def delete_table(original):
        def wrapper(self, name):
            if not enabled():
                return original(self, name)
            in_use(self.get_table(name))
            table = original(self, name)
            tables = self.tables
            tables[table.name] = table

            def gone():
                if tables.get(table.name) is table:
                    tables.pop(table.name)

            name = "%s/%s" % (self.region_name, table.name)
            transition(
                table, "_tap_status", "DELETING", None, "table_delete", "table", name, gone, ("DELETING", "gone")
            )
            return table

        return wrapper

    def update_table(original):
        def wrapper(self):
            if enabled():
                in_use(self.dynamodb_backend.get_table(self.body["TableName"]))
            return original(self)

        return wrapper

    def describe(original):
        def wrapper(self, base_key="TableDescription"):
            result = original(self, base_key)
            description = result[base_key]
            status = getattr(self, "_tap_status", None)
            if status:
                description["TableStatus"] = status
            for replica in description.get("Replicas", []):
                member = dynamodb_backends[self.account_id][replica["RegionName"]].tables.get(self.name)
                member_status = getattr(member, "_tap_status", None)
                if member_status in ("CREATING", "DELETING"):
                    replica["ReplicaStatus"] = member_status
                    record("observed", "replica", "%s/%s" % (replica["RegionName"], self.name), member_status)
            if status:
                record("observed", "table", "%s/%s" % (self.region_name, self.name), status)
            return result

        return wrapper

    create_replica = dynamodb_replicas.create_replica
    delete_replica = dynamodb_replicas.delete_replica

    def slow_create_replica(table, region, kms_key_id=None):
        create_replica(table, region, kms_key_id)
        if enabled():
            replica = dynamodb_backends[table.account_id][region].tables.get(table.name)
            name = "%s/%s" % (region, table.name)
            own = "%s/%s" % (table.region_name, table.name)
            transition(
                replica,
                "_tap_status",
                "CREATING",
                None,
                "replica_create",
                "replica",
                name,
                None,
                ("CREATING", "ACTIVE"),
            )
            transition(
                table, "_tap_status", "UPDATING", None, "replica_create", "table", own, None, ("UPDATING", "ACTIVE")
            )

    def slow_delete_replica(table, region):
        replica = dynamodb_backends[table.account_id][region].tables.get(table.name)
        if (
            not enabled()
            or region == table.region_name
            or region not in dynamodb_replicas._group(table)
            or replica is None
            or replica.deletion_protection_enabled
        ):
            return delete_replica(table, region)
        name = "%s/%s" % (region, table.name)
        own = "%s/%s" % (table.region_name, table.name)

        def gone():
            delete_replica(table, region)

        transition(
            replica, "_tap_status", "DELETING", None, "replica_delete", "replica", name, gone, ("DELETING", "gone")
        )
        transition(table, "_tap_status", "UPDATING", None, "replica_delete", "table", own, None, ("UPDATING", "ACTIVE"))

    if not getattr(create_replica, _PATCHED, False):
        setattr(slow_create_replica, _PATCHED, True)
        setattr(slow_delete_replica, _PATCHED, True)
        dynamodb_replicas.create_replica = slow_create_replica
        dynamodb_replicas.delete_replica = slow_delete_replica

    _wrap(DynamoDBBackend, "create_table", create_table)
    _wrap(DynamoDBBackend, "delete_table", delete_table)
    _wrap(DynamoHandler, "update_table", update_table)
    _wrap(Table, "describe", describe)


# ------------------------------------------------------------------ request hook
def _requests():
    from moto.core.responses import BaseResponse

    def call_action(original):
        def wrapper(self):
            if enabled():
                sweep()
            return original(self)

        return wrapper

    _wrap(BaseResponse, "call_action", call_action)


def apply():
    _rds()
    _ec2()
    _elbv2()
    _dynamodb()
    _requests()
    spec = os.environ.get(slow.ENV_VAR)
    if spec and not enabled():
        configure(spec, os.environ.get(slow.RECORD_ENV_VAR) or None)
