#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dynamodb_global_table
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
  - amazon.aws.tags
short_description: Manage a DynamoDB global table (version 2019.11.21) and its replicas
version_added: 1.0.0
description:
  - Creates, updates or deletes a DynamoDB table in the module's region and converges its replicas
    (global tables version 2019.11.21, added and removed with C(UpdateTable ReplicaUpdates)) to
    O(replica_regions).
  - Also manages what M(community.aws.dynamodb_table) cannot - the stream, point-in-time recovery,
    server-side encryption with an AWS managed or customer managed KMS key, and deletion protection.
  - AWS accepts one replica creation or deletion per C(UpdateTable) call, and only while the table is
    C(ACTIVE) and no replica is C(CREATING), C(UPDATING) or C(DELETING). The module therefore loops
    wait until settled, one change, wait again, whatever O(wait) says.
  - Only the settings the user sets are changed on an existing table. The key schema cannot be changed
    in place; a mismatch fails the module.
  - Point-in-time recovery, deletion protection and tags apply to the table in the module's region;
    AWS keeps them per replica.
options:
  name:
    description: Name of the table (the same in every replica region).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the table and its replicas.
      - V(absent) deletes the replicas one by one, then the table.
  hash_key_name:
    description: Name of the partition key. Required when O(state=present) and the table does not exist.
    type: str
  hash_key_type:
    description: Type of the partition key.
    <<: &key_type
      type: str
      choices: [STRING, NUMBER, BINARY]
      default: STRING
  range_key_name:
    description: Name of the sort key. Omit for a table without a sort key.
    type: str
  range_key_type:
    description: Type of the sort key.
    <<: *key_type
  billing_mode:
    description:
      - Billing mode of the table. Only on-demand capacity is supported; replicas of provisioned tables
        need auto scaling, which this module does not manage.
    type: str
    choices: [PAY_PER_REQUEST]
    default: PAY_PER_REQUEST
  stream_view_type:
    description:
      - What the DynamoDB stream records. Replicas need V(NEW_AND_OLD_IMAGES).
      - A stream already on with this view type is left alone (enabling it again is an error on AWS).
        Changing the view type disables and re-enables the stream, which gives it a new ARN; this is
        refused while the table has replicas.
    type: str
    choices: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]
    default: NEW_AND_OLD_IMAGES
  point_in_time_recovery:
    description: Whether point-in-time recovery (continuous backups) is enabled on the table.
    type: bool
    default: true
  sse:
    description:
      - Server-side encryption. When omitted, a new table uses an AWS owned key (the AWS default) and an
        existing table's encryption is left alone.
    type: dict
    suboptions:
      enabled:
        description:
          - V(true) encrypts with a KMS key (O(sse.kms_key_id), or the AWS managed key C(alias/aws/dynamodb)).
          - V(false) encrypts with an AWS owned key.
        type: bool
        default: true
      kms_key_id:
        description:
          - Customer managed KMS key of the table in the module's region (key ARN or key id; an alias is
            accepted by AWS but cannot be compared, so the module reports a change every run).
          - A replica of a table encrypted with a customer managed key needs a key in its own region, see
            O(sse.replica_kms_key_ids).
        type: str
      replica_kms_key_ids:
        description:
          - Customer managed KMS key per replica region (key ARN or key id), used when O(sse.kms_key_id) is set.
          - A new replica is created with its region's key; an existing replica whose key differs is switched
            to it (C(ReplicaUpdates) C(Update), one replica per call).
        type: dict
        default: {}
  deletion_protection:
    description:
      - Whether the table in the module's region is protected against deletion.
      - When not set, a new table is created unprotected and an existing table keeps its setting.
      - With O(state=absent), a protected table is deleted only when this is set to V(false) (the module
        lifts the protection first); otherwise the module fails and deletes nothing.
    type: bool
  replica_regions:
    description:
      - The regions, other than the module's region, that hold a replica. Replicas in other regions are
        created, replicas in regions not listed are deleted (with their data).
      - When omitted, the replicas are left alone. V([]) removes every replica.
    type: list
    elements: str
  wait:
    description:
      - Whether to wait for the last change to finish (table and every replica C(ACTIVE), or the table
        gone when O(state=absent)).
      - V(false) only skips that final wait; the module still waits between changes because AWS accepts
        one replica change at a time, and waits for a new table to become C(ACTIVE) before changing it.
        The result then reports replicas that may still be C(CREATING); wait for them later, for example
        by running the module again with O(wait=true), which changes nothing and waits.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each state change (replica creation can take many minutes).
    type: int
    default: 1800
author:
  - tap-infra maintainers (@tap-infra)
notes:
  - Supports check mode (reports what would change, writes nothing) and diff mode (the managed settings,
    replicas included, before and after).
  - Tags are not replicated by AWS; they apply to the table in the module's region.
  - C(UpdateContinuousBackups) is refused with C(ContinuousBackupsUnavailableException) for a while after
    C(CreateTable); it is retried, at most 20 attempts within 5 minutes. C(UpdateTable) and C(DeleteTable) are
    retried on C(ResourceInUseException) (the table or a replica is changing), at most 10 attempts within 10 minutes.
  - Why it exists - it replaces C(community.aws.dynamodb_table), which has no options for replicas (global tables
    2019.11.21), the stream, point-in-time recovery, SSE with a customer managed key or deletion protection
    (community.aws 11.2). The project can drop it when C(community.aws.dynamodb_table) manages those
    (community.aws#605).
"""

EXAMPLES = r"""
- name: A table in us-east-1 with a replica in us-west-2
  tap.infra.dynamodb_global_table:
    region: us-east-1
    name: tap-dev-table
    hash_key_name: pk
    range_key_name: sk
    replica_regions:
      - us-west-2
    sse:
      enabled: true
    tags:
      Project: tap-infra

- name: Start replica creation without waiting for the last replica to become ACTIVE
  tap.infra.dynamodb_global_table:
    name: tap-dev-table
    hash_key_name: pk
    range_key_name: sk
    replica_regions: [us-west-2, eu-west-1]
    wait: false

- name: Later, wait for every replica (changes nothing)
  tap.infra.dynamodb_global_table:
    name: tap-dev-table
    hash_key_name: pk
    range_key_name: sk
    replica_regions: [us-west-2, eu-west-1]

- name: Delete the replicas, lift deletion protection, delete the table
  tap.infra.dynamodb_global_table:
    name: tap-dev-table
    state: absent
    deletion_protection: false
"""

RETURN = r"""
table_name:
  description: Name of the table.
  returned: when the table exists
  type: str
  sample: tap-dev-table
table_arn:
  description: ARN of the table in the module's region.
  returned: when the table exists
  type: str
  sample: arn:aws:dynamodb:us-east-1:123456789012:table/tap-dev-table
table_id:
  description: Unique identifier of the table.
  returned: when the table exists
  type: str
  sample: 4b8c0a68-6a3a-4c8c-9d2b-3f0a8a2b1c55
table_status:
  description: Status of the table.
  returned: when the table exists
  type: str
  sample: ACTIVE
key_schema:
  description: Key schema of the table.
  returned: when the table exists
  type: list
  elements: dict
  sample: [{"attribute_name": "pk", "key_type": "HASH"}, {"attribute_name": "sk", "key_type": "RANGE"}]
attribute_definitions:
  description: Types of the key attributes.
  returned: when the table exists
  type: list
  elements: dict
  sample: [{"attribute_name": "pk", "attribute_type": "S"}]
billing_mode:
  description: Billing mode of the table.
  returned: when the table exists
  type: str
  sample: PAY_PER_REQUEST
stream_arn:
  description: ARN of the latest stream.
  returned: when the table has a stream
  type: str
  sample: arn:aws:dynamodb:us-east-1:123456789012:table/tap-dev-table/stream/2026-11-01T00:00:00.000
stream_view_type:
  description: View type of the stream, or null when there is none.
  returned: when the table exists
  type: str
  sample: NEW_AND_OLD_IMAGES
point_in_time_recovery:
  description: Whether point-in-time recovery is enabled (null in check mode for a table not yet created).
  returned: when the table exists
  type: bool
  sample: true
sse_description:
  description: Server-side encryption as AWS describes it (absent for an AWS owned key).
  returned: when the table uses a KMS key
  type: dict
  sample: {"status": "ENABLED", "sse_type": "KMS", "kms_master_key_arn": "arn:aws:kms:us-east-1:123456789012:key/abc"}
deletion_protection_enabled:
  description: Whether the table in the module's region is protected against deletion.
  returned: when the table exists
  type: bool
  sample: false
global_table_version:
  description: Global tables version, when the table has replicas.
  returned: when the table has replicas
  type: str
  sample: "2019.11.21"
replicas:
  description: The replicas of the table (other regions).
  returned: when the table exists
  type: list
  elements: dict
  contains:
    region_name:
      description: Region of the replica.
      type: str
      sample: us-west-2
    replica_status:
      description: Status of the replica (CREATING, ACTIVE, UPDATING, DELETING, ...).
      type: str
      sample: ACTIVE
    kms_master_key_id:
      description: The replica's customer managed KMS key.
      returned: when the replica uses a customer managed key
      type: str
      sample: arn:aws:kms:us-west-2:123456789012:key/1f2e3d4c-5b6a-4789-8abc-0123456789ab
tags:
  description: Tags of the table in the module's region.
  returned: when the table exists
  type: dict
  sample: {"Project": "tap-infra"}
"""

import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as GlobalTableError
from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import TAG_OPTIONS
from ansible_collections.tap.infra.plugins.module_utils.common import aws_client
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.plugins.module_utils.retries import BACKUPS_BEING_ENABLED
from ansible_collections.tap.infra.plugins.module_utils.retries import TABLE_BUSY

KEY_TYPES = {"STRING": "S", "NUMBER": "N", "BINARY": "B"}
REPLICA_IN_PROGRESS = ("CREATING", "UPDATING", "DELETING", "ARCHIVING")
REPLICA_FAILED = ("CREATION_FAILED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "REPLICATION_NOT_AUTHORIZED")
POLL_SECONDS = 10


class GlobalTableManager(Manager):
    """Converges one table and its replicas. Needs only a client, the module parameters, the region and
    check_mode, so unit tests drive it with a stubbed client."""

    def __init__(self, client, params, region, check_mode=False, sleep=time.sleep, clock=time.monotonic):
        super().__init__(client, check_mode, sleep, clock)
        self.params = params
        self.name = params["name"]
        self.region = region
        self.diff = {"before": {}, "after": {}}

    # ------------------------------------------------------------------ reads
    def describe(self):
        try:
            return self.client.describe_table(TableName=self.name, aws_retry=True)["Table"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def point_in_time_recovery(self):
        try:
            backups = self.client.describe_continuous_backups(TableName=self.name, aws_retry=True)
        except is_boto3_error_code(["TableNotFoundException", "ResourceNotFoundException"]):
            return None
        status = backups["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
        return status.get("PointInTimeRecoveryStatus") == "ENABLED"

    def tags(self, table_arn):
        tags = []
        kwargs = {"ResourceArn": table_arn}
        while True:
            response = self.client.list_tags_of_resource(aws_retry=True, **kwargs)
            tags.extend(response.get("Tags", []))
            if not response.get("NextToken"):
                return boto3_tag_list_to_ansible_dict(tags)
            kwargs["NextToken"] = response["NextToken"]

    # ------------------------------------------------------------------ waits
    def _wait(self, done, what):
        timeout = self.params["wait_timeout"]

        def late(table):
            return "Timed out after %ss waiting for table %s %s" % (timeout, self.name, what)

        return self.wait_until(self.describe, done, timeout, POLL_SECONDS, late)

    def wait_settled(self):
        """Until the table is ACTIVE and no replica is changing: AWS refuses changes before that."""

        def settled(table):
            if table is None:
                raise GlobalTableError("Table %s disappeared while waiting for it" % self.name)
            for replica in table.get("Replicas", []):
                if replica.get("ReplicaStatus") in REPLICA_FAILED:
                    raise GlobalTableError(
                        "Replica of %s in %s is %s: %s"
                        % (
                            self.name,
                            replica["RegionName"],
                            replica["ReplicaStatus"],
                            replica.get("ReplicaStatusDescription", "no description"),
                        )
                    )
            return table["TableStatus"] == "ACTIVE" and not any(
                replica.get("ReplicaStatus") in REPLICA_IN_PROGRESS for replica in table.get("Replicas", [])
            )

        return self._wait(settled, "to become ACTIVE with settled replicas")

    def wait_gone(self):
        return self._wait(lambda table: table is None, "to be deleted")

    # ------------------------------------------------------------------ desired state
    def _key_schema(self):
        schema = [{"AttributeName": self.params["hash_key_name"], "KeyType": "HASH"}]
        attributes = [
            {"AttributeName": self.params["hash_key_name"], "AttributeType": KEY_TYPES[self.params["hash_key_type"]]}
        ]
        if self.params.get("range_key_name"):
            schema.append({"AttributeName": self.params["range_key_name"], "KeyType": "RANGE"})
            attributes.append(
                {
                    "AttributeName": self.params["range_key_name"],
                    "AttributeType": KEY_TYPES[self.params["range_key_type"]],
                }
            )
        return schema, attributes

    def _replicas(self, table):
        """Replica regions of a description (the module's own region excluded, should AWS list it)."""
        regions = [replica["RegionName"] for replica in (table or {}).get("Replicas", [])]
        return [region for region in regions if region != self.region]

    def _wanted_key_schema(self):
        if not self.params.get("hash_key_name"):
            return None
        schema, attributes = self._key_schema()
        return _key_schema_view({"KeySchema": schema, "AttributeDefinitions": attributes})

    def _desired_replicas(self, table):
        if self.params.get("replica_regions") is None:
            return set(self._replicas(table))
        return set(self.params["replica_regions"])

    def _sse_wanted(self):
        """(enabled, kms_key_id) wanted, or None to leave encryption alone."""
        sse = self.params.get("sse")
        if sse is None:
            return None
        return bool(sse.get("enabled", True)), sse.get("kms_key_id")

    def _replica_keys_wanted(self):
        """{region: customer managed key} of the replicas, or None when the table uses no customer key."""
        sse = self.params.get("sse") or {}
        if not (sse.get("enabled", True) and sse.get("kms_key_id")):
            return None
        return sse.get("replica_kms_key_ids") or {}

    def _sse_specification(self, wanted):
        enabled, key = wanted
        spec = {"Enabled": enabled}
        if enabled:
            spec["SSEType"] = "KMS"
            if key:
                spec["KMSMasterKeyId"] = key
        return spec

    def settings(self, table, pitr, tags):
        """The managed settings of an existing table, for diff and comparison."""
        if table is None:
            return {}
        sse = table.get("SSEDescription") or {}
        sse_enabled = sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING") and sse.get("SSEType") == "KMS"
        stream = table.get("StreamSpecification") or {}
        return {
            "name": table["TableName"],
            "key_schema": _key_schema_view(table),
            "billing_mode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            "stream_view_type": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
            "point_in_time_recovery": pitr,
            "sse": {"enabled": sse_enabled, "kms_key_arn": sse.get("KMSMasterKeyArn") if sse_enabled else None},
            "deletion_protection": bool(table.get("DeletionProtectionEnabled", False)),
            "replica_regions": sorted(self._replicas(table)),
            "replica_kms_keys": {
                replica["RegionName"]: replica.get("KMSMasterKeyId")
                for replica in table.get("Replicas", [])
                if replica["RegionName"] != self.region
            },
            "tags": tags,
        }

    def wanted_settings(self, before):
        """The settings after convergence (before: settings of the existing table, {} when none)."""
        after = dict(before)
        after.update(
            {
                "name": self.name,
                "key_schema": self._wanted_key_schema() or before.get("key_schema"),
                "billing_mode": self.params["billing_mode"],
                "stream_view_type": self.params["stream_view_type"],
                "point_in_time_recovery": self.params["point_in_time_recovery"],
            }
        )
        wanted_sse = self._sse_wanted()
        if wanted_sse is not None:
            enabled, key = wanted_sse
            current_key = (before.get("sse") or {}).get("kms_key_arn")
            if enabled and current_key and (not key or _same_key(key, current_key)):
                key = current_key  # the key as AWS describes it (an ARN)
            after["sse"] = {"enabled": enabled, "kms_key_arn": key if enabled else None}
        elif not before:
            after["sse"] = {"enabled": False, "kms_key_arn": None}
        if self.params.get("deletion_protection") is not None:
            after["deletion_protection"] = self.params["deletion_protection"]
        elif not before:
            after["deletion_protection"] = False
        if self.params.get("replica_regions") is not None:
            after["replica_regions"] = sorted(set(self.params["replica_regions"]))
        elif not before:
            after["replica_regions"] = []
        current_keys = before.get("replica_kms_keys") or {}
        wanted_keys = self._replica_keys_wanted() or {}
        after["replica_kms_keys"] = {}
        for region in after["replica_regions"]:
            key, current = wanted_keys.get(region), current_keys.get(region)
            after["replica_kms_keys"][region] = current if not key or _same_key(key, current) else key
        if self.params.get("tags") is not None:
            if self.params.get("purge_tags", True):
                after["tags"] = dict(self.params["tags"])
            else:
                after["tags"] = dict(before.get("tags") or {}, **self.params["tags"])
        elif not before:
            after["tags"] = {}
        return after

    # ------------------------------------------------------------------ writes
    def _update(self, **kwargs):
        """One UpdateTable call on a settled table, then wait for it to settle again."""
        self.changed = True
        self.wait_settled()
        self.retrying(TABLE_BUSY)(self.client.update_table)(TableName=self.name, **kwargs)

    def validate(self):
        params = self.params
        if params["state"] != "present":
            return
        regions = params.get("replica_regions") or []
        if self.region in regions:
            raise GlobalTableError(
                "replica_regions must not contain the module's region %s: the table itself is there" % self.region
            )
        if regions and params["stream_view_type"] != "NEW_AND_OLD_IMAGES":
            raise GlobalTableError("A table with replicas needs stream_view_type NEW_AND_OLD_IMAGES")
        sse = params.get("sse") or {}
        if sse.get("kms_key_id"):
            missing = [r for r in regions if r not in (sse.get("replica_kms_key_ids") or {})]
            if missing:
                raise GlobalTableError(
                    "sse.kms_key_id is a customer managed key: give sse.replica_kms_key_ids for %s" % ", ".join(missing)
                )

    def ensure_present(self):
        self.validate()
        table = self.describe()
        pitr = self.point_in_time_recovery() if table else None
        tags = self.tags(table["TableArn"]) if table else {}
        before = self.settings(table, pitr, tags)
        after = self.wanted_settings(before)
        self.diff = {"before": before, "after": after}

        if table is not None and before["key_schema"] != after["key_schema"]:
            raise GlobalTableError(
                "Table %s has key schema %s; it cannot be changed to %s"
                % (self.name, before["key_schema"], after["key_schema"])
            )

        if table is None:
            if not self.params.get("hash_key_name"):
                raise GlobalTableError("hash_key_name is required to create table %s" % self.name)
            self.changed = True
            if self.check_mode:
                return self.planned_result(after)
            self.create()
            table = self.wait_settled()
            pitr = self.point_in_time_recovery()
            tags = self.tags(table["TableArn"])
        elif self.check_mode:
            self.changed = before != after
            return self.result(table, after["point_in_time_recovery"], after["tags"])

        self.converge_settings(table)
        pitr = self.converge_pitr(pitr)
        tags = self.converge_tags(table["TableArn"], tags)
        self.converge_replicas(table)
        # wait: false skips only this last wait (for the last change, typically a replica CREATING)
        if self.params["wait"]:
            table = self.wait_settled()
        elif self.changed:
            table = self.describe()
        return self.result(table, pitr, tags)

    def create(self):
        schema, attributes = self._key_schema()
        kwargs = {
            "TableName": self.name,
            "KeySchema": schema,
            "AttributeDefinitions": attributes,
            "BillingMode": self.params["billing_mode"],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": self.params["stream_view_type"]},
        }
        wanted_sse = self._sse_wanted()
        if wanted_sse is not None and wanted_sse[0]:
            kwargs["SSESpecification"] = self._sse_specification(wanted_sse)
        if self.params.get("deletion_protection"):
            kwargs["DeletionProtectionEnabled"] = True
        if self.params.get("tags"):
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list(self.params["tags"])
        self.client.create_table(aws_retry=True, **kwargs)

    def converge_settings(self, table):
        """Stream, billing mode, encryption and deletion protection: one UpdateTable call each."""
        stream = table.get("StreamSpecification") or {}
        view = self.params["stream_view_type"]
        if not (stream.get("StreamEnabled") and stream.get("StreamViewType") == view):
            if stream.get("StreamEnabled"):
                if table.get("Replicas"):
                    raise GlobalTableError(
                        "Table %s has replicas; its stream view type %s cannot be changed to %s"
                        % (self.name, stream.get("StreamViewType"), view)
                    )
                self._update(StreamSpecification={"StreamEnabled": False})
            self._update(StreamSpecification={"StreamEnabled": True, "StreamViewType": view})

        billing = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
        if billing != self.params["billing_mode"]:
            self._update(BillingMode=self.params["billing_mode"])

        wanted_sse = self._sse_wanted()
        if wanted_sse is not None:
            current = self.settings(table, None, {})["sse"]
            enabled, key = wanted_sse
            differs = current["enabled"] != enabled or (enabled and key and not _same_key(key, current["kms_key_arn"]))
            if differs:
                self._update(SSESpecification=self._sse_specification(wanted_sse))

        protection = self.params.get("deletion_protection")
        if protection is not None and bool(table.get("DeletionProtectionEnabled", False)) != protection:
            self._update(DeletionProtectionEnabled=protection)

    def converge_pitr(self, current):
        wanted = self.params["point_in_time_recovery"]
        if current != wanted:
            self.changed = True
            # Refused for a while after CreateTable (ContinuousBackupsUnavailableException): retried.
            self.retrying(BACKUPS_BEING_ENABLED)(self.client.update_continuous_backups)(
                TableName=self.name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": wanted},
            )
        return wanted

    def converge_tags(self, table_arn, current):
        if self.params.get("tags") is None:
            return current
        to_set, to_unset = compare_aws_tags(current, self.params["tags"], self.params["purge_tags"])
        if not (to_set or to_unset):
            return current
        if to_unset:
            self.changed = True
            self.client.untag_resource(ResourceArn=table_arn, TagKeys=to_unset, aws_retry=True)
        if to_set:
            self.changed = True
            self.client.tag_resource(ResourceArn=table_arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)
        return self.tags(table_arn)

    def converge_replicas(self, table):
        """Create, delete and re-key replicas, one per UpdateTable call, each on a settled table."""
        current = set(self._replicas(table))
        wanted = self._desired_replicas(table)
        keys = self._replica_keys_wanted() or {}
        current_keys = self.settings(table, None, {})["replica_kms_keys"]
        changes = []
        for region in sorted(current - wanted):
            changes.append({"Delete": {"RegionName": region}})
        for region in sorted(wanted - current):
            create = {"RegionName": region}
            if keys.get(region):
                create["KMSMasterKeyId"] = keys[region]
            changes.append({"Create": create})
        for region in sorted(current & wanted):
            if keys.get(region) and not _same_key(keys[region], current_keys.get(region)):
                changes.append({"Update": {"RegionName": region, "KMSMasterKeyId": keys[region]}})
        for change in changes:
            self._update(ReplicaUpdates=[change])

    def ensure_absent(self):
        table = self.describe()
        if table is None:
            self.diff = {"before": {}, "after": {}}
            return {"changed": False}
        before = self.settings(table, self.point_in_time_recovery(), self.tags(table["TableArn"]))
        self.diff = {"before": before, "after": {}}
        protection = self.params.get("deletion_protection")
        if table.get("DeletionProtectionEnabled") and protection is not False:
            raise GlobalTableError(
                "Table %s is protected against deletion; set deletion_protection: false to delete it" % self.name
            )
        self.changed = True
        if self.check_mode:
            return {"changed": True}
        # replicas first, one per call (AWS keeps the other replicas when only this table is deleted)
        for region in sorted(self._replicas(table)):
            self._update(ReplicaUpdates=[{"Delete": {"RegionName": region}}])
        if table.get("DeletionProtectionEnabled"):
            self._update(DeletionProtectionEnabled=False)
        self.wait_settled()
        try:
            self.retrying(TABLE_BUSY)(self.client.delete_table)(TableName=self.name)
        except is_boto3_error_code("ResourceNotFoundException"):
            pass
        if self.params["wait"]:
            self.wait_gone()
        return {"changed": True}

    # ------------------------------------------------------------------ result
    def planned_result(self, planned):
        """Check mode, table not created yet: report the plan."""
        return {
            "changed": self.changed,
            "table_name": self.name,
            "table_status": None,
            "billing_mode": planned["billing_mode"],
            "stream_view_type": planned["stream_view_type"],
            "point_in_time_recovery": planned["point_in_time_recovery"],
            "deletion_protection_enabled": planned["deletion_protection"],
            "replicas": [{"region_name": r, "replica_status": None} for r in planned["replica_regions"]],
            "tags": planned["tags"],
        }

    def result(self, table, pitr, tags):
        description = camel_dict_to_snake_dict(normalize_boto3_result(table))
        stream = table.get("StreamSpecification") or {}
        description.update(
            {
                "changed": self.changed,
                "billing_mode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
                "stream_arn": table.get("LatestStreamArn"),
                "stream_view_type": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
                "point_in_time_recovery": pitr,
                "replicas": description.get("replicas", []),
                "deletion_protection_enabled": bool(table.get("DeletionProtectionEnabled", False)),
                "tags": tags,
            }
        )
        return description


def _key_schema_view(table):
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    return [
        {"name": key["AttributeName"], "key_type": key["KeyType"], "type": types.get(key["AttributeName"])}
        for key in table.get("KeySchema", [])
    ]


def _same_key(wanted, current_arn):
    if not current_arn:
        return False
    return wanted == current_arn or current_arn.endswith("/" + wanted)


def run(module, client):
    manager = GlobalTableManager(client, module.params, module.region, check_mode=module.check_mode)

    def ensure():
        result = manager.ensure_present() if module.params["state"] == "present" else manager.ensure_absent()
        return dict(result, diff=manager.diff)

    converge(module, ensure, "Failed to manage DynamoDB table %s" % module.params["name"])


def main():
    key_type = dict(type="str", default="STRING", choices=list(KEY_TYPES))
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=STATE_OPTION,
        hash_key_name=dict(type="str"),
        hash_key_type=key_type,
        range_key_name=dict(type="str"),
        range_key_type=key_type,
        billing_mode=dict(type="str", default="PAY_PER_REQUEST", choices=["PAY_PER_REQUEST"]),
        stream_view_type=dict(
            type="str",
            default="NEW_AND_OLD_IMAGES",
            choices=["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"],
        ),
        point_in_time_recovery=dict(type="bool", default=True),
        sse=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=True),
                kms_key_id=dict(type="str"),
                replica_kms_key_ids=dict(type="dict", default={}, no_log=False),
            ),
        ),
        deletion_protection=dict(type="bool"),
        replica_regions=dict(type="list", elements="str"),
        **TAG_OPTIONS,
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = aws_module(argument_spec)
    run(module, aws_client(module, "dynamodb"))


if __name__ == "__main__":
    main()
