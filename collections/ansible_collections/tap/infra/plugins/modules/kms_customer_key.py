#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kms_customer_key
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
short_description: Converge a symmetric customer managed KMS key and its alias, found by its alias or its tags
version_added: 0.1.0
description:
  - Converges one symmetric encryption customer managed KMS key (C(SYMMETRIC_DEFAULT), C(ENCRYPT_DECRYPT)) with its
    description, key policy, tags, automatic rotation and one alias, or removes it.
  - The key is looked up by its alias first (one C(DescribeKey) call). When the alias points at an C(Enabled) key,
    the module reads only that key's tags, policy and rotation status and changes only what differs, so a run that
    changes nothing makes four read calls.
  - When the alias is missing, or points at a key that is not C(Enabled) (for example C(PendingDeletion) or
    C(Disabled)), the key is searched by its O(identifying_tags) (C(ListKeys), then C(DescribeKey) and
    C(ListResourceTags) per customer managed key not pending deletion). C(CreateKey) and C(CreateAlias) are separate
    calls, as are C(DeleteAlias) and C(ScheduleKeyDeletion); a run interrupted between them leaves a key without its
    alias, which the next run adopts (O(state=present)) or schedules for deletion (O(state=absent)) instead of
    creating a second key or forgetting one.
  - When several keys carry the identifying tags, the one the alias points at is adopted, else an C(Enabled) one
    before a C(Disabled) one, else the oldest; the others are left alone and named in a warning.
  - A key is created only when no key carries the identifying tags; rotation is enabled and the alias created after
    C(CreateKey).
  - Supports check mode (reads only, reports what would change) and diff mode (description, tags, rotation, policy
    and alias target before and after).
  - M(amazon.aws.kms_key) reads the key in full on every run (aliases of the whole region, grants, policies, tags,
    rotation), twice when it updates, and cannot find a key by its tags; M(amazon.aws.kms_key_info) with tag filters
    reads every key of the region in full.
author:
  - tap-infra maintainers (@tap-infra)
options:
  alias:
    description:
      - The key's alias, with or without the V(alias/) prefix (V(tap-dev-s3) and V(alias/tap-dev-s3) are the same).
      - Letters, digits, V(/), V(_) and V(-); at most 256 characters with the prefix. Names beginning with
        V(alias/aws/) are reserved for AWS managed keys and are refused.
    required: true
    type: str
    aliases: ['alias_name']
  description:
    description:
      - The key's description. Left alone when not set (and empty on a new key).
    type: str
  policy:
    description:
      - The key policy, as a JSON string or a dictionary. Compared with the current policy semantically
        (statement order, single values against one-element lists); put (C(PutKeyPolicy)) only when it differs.
      - Left alone when not set; a new key then gets AWS's default key policy.
      - C(CreateKey) and C(PutKeyPolicy) refuse a policy naming an IAM principal created a moment ago
        (C(MalformedPolicyDocumentException), IAM being eventually consistent); both are retried for about a minute.
    type: json
  tags:
    description:
      - The key's tags. Tags not listed are removed, except those beginning with V(aws:).
      - Must hold every tag of O(identifying_tags).
    required: true
    type: dict
    aliases: ['resource_tags']
  identifying_tags:
    description:
      - The keys of the O(tags) that identify the key when its alias does not lead to it. A key carrying these tags
        with the values of O(tags) is the key this module manages.
    type: list
    elements: str
    default: ['Project', 'Environment', 'Name']
  enable_key_rotation:
    description:
      - Whether AWS rotates the key material automatically (every year).
    type: bool
    default: true
  pending_window:
    description:
      - With O(state=absent), the days a key stays C(PendingDeletion) before AWS deletes it (7 to 30).
    type: int
    default: 30
    aliases: ['deletion_delay']
  state:
    description:
      - V(present) converges the key (adopted by its alias or its tags, created when there is none) and points the
        alias at it. A C(Disabled) key that is adopted is enabled again.
      - V(absent) deletes the alias when it exists, then schedules the deletion of every key carrying the
        identifying tags that is not already pending deletion (also one whose alias is already gone). A key the alias
        pointed at without those tags is left alone (named in a warning).
notes:
  - Reads need C(kms:DescribeKey), C(kms:ListResourceTags), C(kms:GetKeyPolicy) and C(kms:GetKeyRotationStatus) on the
    key, and C(tag:GetResources) for the search by tags.
  - The search by tags (when the alias does not lead to an enabled key, and on O(state=absent)) asks the Resource
    Groups Tagging API for the keys carrying the identifying tags (C(GetResources) with C(TagFilters) and
    C(ResourceTypeFilters=kms:key)), then describes each key it returns; its cost does not grow with the number of
    keys in the region.
  - Writes need, as the case may be, C(kms:CreateKey) and C(kms:TagResource) (tags on create),
    C(kms:EnableKeyRotation), C(kms:DisableKeyRotation), C(kms:PutKeyPolicy), C(kms:UpdateKeyDescription),
    C(kms:TagResource), C(kms:UntagResource), C(kms:EnableKey), C(kms:ScheduleKeyDeletion) on the key, and
    C(kms:CreateAlias), C(kms:UpdateAlias) or C(kms:DeleteAlias) on the alias and the keys involved.
  - C(CreateKey) and C(PutKeyPolicy) are retried on C(MalformedPolicyDocumentException) naming invalid principals
    (an IAM principal created moments ago, not yet propagated), at most 7 attempts within 90 s; any other
    malformed policy fails at once.
  - Why it exists - it replaces C(amazon.aws.kms_key), which cannot find a key by its tags (the key of an interrupted
    run, created but not yet aliased, would be duplicated) and reads the key in full on every run (about 25 reads with
    C(kms_key_info), against 4 here when nothing changes; amazon.aws 11.4). The project can drop it when C(kms_key)
    finds a key by its tags and reads only what it compares.
"""

EXAMPLES = r"""
- name: The bucket's key, rotated yearly, found by its alias or its tags
  tap.infra.kms_customer_key:
    alias: alias/tap-dev-us-east-1-s3
    description: "tap-infra dev us-east-1: default encryption of the bucket"
    policy: "{{ lookup('ansible.builtin.template', 'key-policy.json.j2') }}"
    tags:
      Project: tap-infra
      Environment: dev
      Name: tap-dev-us-east-1-s3
  register: key

- name: Use it
  ansible.builtin.debug:
    msg: "{{ key.key_arn }}"

- name: Delete the alias and schedule the deletion of every key with those tags
  tap.infra.kms_customer_key:
    alias: alias/tap-dev-us-east-1-s3
    tags:
      Project: tap-infra
      Environment: dev
      Name: tap-dev-us-east-1-s3
    pending_window: 7
    state: absent
"""

RETURN = r"""
alias:
  description: The alias, with the V(alias/) prefix.
  returned: always
  type: str
  sample: alias/tap-dev-us-east-1-s3
key_id:
  description:
    - With O(state=present), the id of the key (empty in check mode when the key would be created).
    - With O(state=absent), the id of the key the alias pointed at before; empty when there was no alias.
  returned: always
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
key_arn:
  description:
    - The ARN of the key of RV(key_id) (empty when RV(key_id) is).
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
key_state:
  description:
    - The state of the key of RV(key_id) after the run (as it would be in check mode); empty when RV(key_id) is.
  returned: always
  type: str
  sample: Enabled
scheduled_key_ids:
  description:
    - The keys whose deletion was scheduled (or would be, in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["1234abcd-12ab-34cd-56ef-1234567890ab"]
"""

import json
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as CustomerKeyError
from ansible_collections.tap.infra.plugins.module_utils.common import STATE_OPTION
from ansible_collections.tap.infra.plugins.module_utils.common import aws_client
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.common import updated_tags
from ansible_collections.tap.infra.plugins.module_utils.kms import alias_name
from ansible_collections.tap.infra.plugins.module_utils.retries import NEW_PRINCIPAL_IN_KEY_POLICY

GONE_STATES = ("PendingDeletion", "PendingReplicaDeletion")


def policy_dict(policy):
    """The policy option (a JSON string after Ansible's json type) as a dict; None when not set."""
    if policy is None:
        return None
    if isinstance(policy, dict):
        return policy
    try:
        loaded = json.loads(policy)
    except ValueError as exc:
        raise CustomerKeyError("policy is not valid JSON: %s" % exc)
    if not isinstance(loaded, dict):
        raise CustomerKeyError("policy must be a JSON object (a key policy document)")
    return loaded


def text_tags(tags):
    """Tag values as AWS holds them: strings."""
    return {str(key): "" if value is None else str(value) for key, value in (tags or {}).items()}


def tag_list(tags):
    """Tags as KMS takes them, sorted by key (so the calls do not depend on dict order)."""
    return ansible_dict_to_boto3_tag_list(dict(sorted(tags.items())), "TagKey", "TagValue")


class CustomerKeyManager(Manager):
    """Converges one customer managed key and its alias. Needs only a KMS client, a Resource Groups Tagging API
    client (`tagging`), the module parameters and check_mode, so unit tests drive it with stubbed clients."""

    def __init__(
        self, client, params, tagging=None, check_mode=False, warn=None, sleep=time.sleep, clock=time.monotonic
    ):
        super().__init__(client, check_mode, sleep, clock)
        self.tagging = tagging
        self.params = params
        self.warn = warn or (lambda msg: None)
        self.alias = alias_name(params["alias"])
        self.tags = text_tags(params.get("tags"))
        self.identifying = list(params.get("identifying_tags") or [])
        missing = [key for key in self.identifying if key not in self.tags]
        if not self.identifying or missing:
            raise CustomerKeyError(
                "tags must hold every identifying tag (%s); missing: %s"
                % (", ".join(self.identifying) or "none given", ", ".join(missing) or "identifying_tags is empty")
            )
        self.policy = policy_dict(params.get("policy"))
        self.changed = False
        self.diff = {"before": {}, "after": {}}

    # ------------------------------------------------------------------ reads
    def describe(self, key_id):
        """KeyMetadata of a key id, ARN or alias name; None when KMS does not know it (NotFoundException)."""
        try:
            return self.client.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]
        except is_boto3_error_code("NotFoundException"):
            return None

    def read_tags(self, key_id):
        tags = paginated(self.client, "list_resource_tags", "Tags", KeyId=key_id)
        return boto3_tag_list_to_ansible_dict(tags, "TagKey", "TagValue")

    def read_policy(self, key_id):
        policy = self.client.get_key_policy(KeyId=key_id, PolicyName="default", aws_retry=True)["Policy"]
        return json.loads(policy)

    def read_rotation(self, key_id):
        return self.client.get_key_rotation_status(KeyId=key_id, aws_retry=True)["KeyRotationEnabled"]

    def identified_by(self, tags):
        return all(tags.get(key) == self.tags[key] for key in self.identifying)

    def find_tagged(self):
        """[(KeyMetadata, tags)] of every customer managed key not pending deletion that carries the identifying
        tags: GetResources filtered by those tags and the kms:key type (AWS filters, so the calls do not grow
        with the keys of the region), then DescribeKey per key it returns."""
        tag_filters = [{"Key": key, "Values": [self.tags[key]]} for key in self.identifying]
        mappings = paginated(
            self.tagging, "get_resources", "ResourceTagMappingList", TagFilters=tag_filters,
            ResourceTypeFilters=["kms:key"],
        )  # fmt: skip
        found = []
        for mapping in mappings:
            metadata = self.describe(mapping["ResourceARN"])
            if metadata is None or metadata.get("KeyManager") == "AWS" or metadata["KeyState"] in GONE_STATES:
                continue  # deleted since, or pending deletion
            tags = boto3_tag_list_to_ansible_dict(mapping.get("Tags", []))
            if self.identified_by(tags):
                found.append((metadata, tags))
        return found

    def identity(self):
        return ", ".join("%s=%s" % (key, self.tags[key]) for key in self.identifying)

    def read_state(self, metadata, tags=None):
        """The managed settings of a key, as the diff shows them."""
        key_id = metadata["KeyId"]
        state = {
            "key_id": key_id,
            "description": metadata.get("Description", ""),
            "tags": self.read_tags(key_id) if tags is None else tags,
        }
        if self.policy is not None:
            state["policy"] = self.read_policy(key_id)
        state["enable_key_rotation"] = self.read_rotation(key_id)
        return state

    # ------------------------------------------------------------------ writes
    def _with_policy_retries(self, call, **kwargs):
        """A call carrying a key policy, retried while IAM has not propagated a principal it names."""
        return self.retrying(NEW_PRINCIPAL_IN_KEY_POLICY)(call)(**kwargs)

    def set_alias(self, aliased, key_id):
        """Point the alias at key_id: CreateAlias when there is none, UpdateAlias when it points elsewhere."""
        if aliased is None:
            try:
                self.client.create_alias(AliasName=self.alias, TargetKeyId=key_id, aws_retry=True)
                return
            except is_boto3_error_code("AlreadyExistsException"):
                # Created meanwhile (another run, or a retried call that went through): point it here.
                aliased = self.describe(self.alias)
                if aliased is not None and aliased["KeyId"] == key_id:
                    return
        self.client.update_alias(AliasName=self.alias, TargetKeyId=key_id, aws_retry=True)

    def create(self, aliased):
        self.changed = True
        after = {
            "alias_target": "(new key)",
            "description": self.params.get("description") or "",
            "tags": self.tags,
            "enable_key_rotation": self.params["enable_key_rotation"],
        }
        if self.policy is not None:
            after["policy"] = self.policy
        self.diff["after"] = after
        if aliased is not None:
            self.diff["before"] = {"alias_target": aliased["KeyId"]}
        if self.check_mode:
            return self.result(None)

        params = {
            "Description": self.params.get("description") or "",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "Tags": tag_list(self.tags),
        }
        if self.policy is not None:
            params["Policy"] = json.dumps(self.policy)
        metadata = self._with_policy_retries(self.client.create_key, **params)["KeyMetadata"]
        key_id = metadata["KeyId"]
        if self.params["enable_key_rotation"]:
            self.client.enable_key_rotation(KeyId=key_id, aws_retry=True)
        self.set_alias(aliased, key_id)
        after["alias_target"] = key_id
        return self.result(metadata)

    def converge(self, metadata, aliased, tags=None):
        """Change what differs on an existing key (Enabled, or Disabled and enabled again) and aim the alias at it."""
        key_id = metadata["KeyId"]
        if metadata["KeyState"] not in ("Enabled", "Disabled"):
            raise CustomerKeyError(
                "key %s (tagged %s) is %s: it cannot be converged; wait until it is Enabled or Disabled"
                % (key_id, self.identity(), metadata["KeyState"])
            )
        before = self.read_state(metadata, tags)
        before["alias_target"] = aliased["KeyId"] if aliased else ""
        before["key_state"] = metadata["KeyState"]
        before.pop("key_id")
        after = dict(before, alias_target=key_id, key_state="Enabled")
        description = self.params.get("description")
        if description is not None:
            after["description"] = description
        to_set, to_unset = compare_aws_tags(before["tags"], self.tags, purge_tags=True)
        after["tags"] = updated_tags(before["tags"], to_set, to_unset)
        if self.policy is not None and compare_policies(before["policy"], self.policy):
            after["policy"] = self.policy
        after["enable_key_rotation"] = self.params["enable_key_rotation"]

        self.changed = before != after
        self.diff = {"before": before, "after": after}
        if self.check_mode or not self.changed:
            return self.result(dict(metadata, KeyState=after["key_state"]))

        if before["key_state"] == "Disabled":
            self.client.enable_key(KeyId=key_id, aws_retry=True)
        if after["description"] != before["description"]:
            self.client.update_key_description(KeyId=key_id, Description=after["description"], aws_retry=True)
        if to_unset:
            self.client.untag_resource(KeyId=key_id, TagKeys=sorted(to_unset), aws_retry=True)
        if to_set:
            self.client.tag_resource(KeyId=key_id, Tags=tag_list(to_set), aws_retry=True)
        if after["enable_key_rotation"] != before["enable_key_rotation"]:
            if after["enable_key_rotation"]:
                self.client.enable_key_rotation(KeyId=key_id, aws_retry=True)
            else:
                self.client.disable_key_rotation(KeyId=key_id, aws_retry=True)
        if after["alias_target"] != before["alias_target"]:
            self.set_alias(aliased, key_id)
        # The policy last: a policy that locks this identity out still leaves the other settings converged.
        if after.get("policy") != before.get("policy"):
            self._with_policy_retries(
                self.client.put_key_policy, KeyId=key_id, PolicyName="default", Policy=json.dumps(self.policy)
            )
        return self.result(dict(metadata, KeyState="Enabled"))

    # ------------------------------------------------------------------ states
    def ensure_present(self):
        aliased = self.describe(self.alias)
        if aliased is not None and aliased["KeyState"] == "Enabled":
            return self.converge(aliased, aliased)

        candidates = self.find_tagged()
        if not candidates:
            return self.create(aliased)
        aliased_id = aliased["KeyId"] if aliased else None
        candidates.sort(
            key=lambda found: (
                found[0]["KeyId"] != aliased_id,
                found[0]["KeyState"] != "Enabled",
                found[0].get("CreationDate") is None,
                found[0].get("CreationDate"),
            )
        )
        (adopted, tags), others = candidates[0], candidates[1:]
        if others:
            self.warn(
                "%d other key(s) are tagged %s and left alone (%s adopted for %s): %s"
                % (
                    len(others),
                    self.identity(),
                    adopted["KeyId"],
                    self.alias,
                    ", ".join(found[0]["KeyId"] for found in others),
                )
            )
        return self.converge(adopted, aliased, tags)

    def ensure_absent(self):
        aliased = self.describe(self.alias)
        tagged = [found[0] for found in self.find_tagged()]
        scheduled = [metadata["KeyId"] for metadata in tagged]
        # The key the alias names is judged by its own tags too: the tagging API is eventually consistent (a key
        # tagged moments ago may not be listed yet), and some endpoints do not list KMS keys there at all.
        if (
            aliased is not None
            and aliased["KeyId"] not in scheduled
            and aliased["KeyState"] not in GONE_STATES
            and self.identified_by(self.read_tags(aliased["KeyId"]))
        ):
            scheduled.append(aliased["KeyId"])
        self.changed = aliased is not None or bool(scheduled)
        self.diff = {
            "before": {"alias_target": aliased["KeyId"] if aliased else "", "live_key_ids": scheduled},
            "after": {"alias_target": "", "live_key_ids": []},
        }
        if aliased is not None and aliased["KeyId"] not in scheduled and aliased["KeyState"] not in GONE_STATES:
            self.warn(
                "%s pointed at key %s, which is not tagged %s: the alias is deleted, the key left alone"
                % (self.alias, aliased["KeyId"], self.identity())
            )
        if not self.check_mode:
            if aliased is not None:
                try:
                    self.client.delete_alias(AliasName=self.alias, aws_retry=True)
                except is_boto3_error_code("NotFoundException"):
                    pass  # deleted meanwhile
            for key_id in scheduled:
                self.schedule_deletion(key_id)
        result = self.result(aliased)
        if aliased is not None and aliased["KeyId"] in scheduled:
            result["key_state"] = "PendingDeletion"
        result["scheduled_key_ids"] = scheduled
        return result

    def schedule_deletion(self, key_id):
        try:
            self.client.schedule_key_deletion(
                KeyId=key_id, PendingWindowInDays=self.params["pending_window"], aws_retry=True
            )
        except is_boto3_error_code("KMSInvalidStateException"):
            # Scheduled meanwhile (another run): nothing left to do. Anything else is an error.
            metadata = self.describe(key_id)
            if metadata is None or metadata["KeyState"] not in GONE_STATES:
                raise

    def result(self, metadata):
        metadata = metadata or {}
        return {
            "changed": self.changed,
            "alias": self.alias,
            "key_id": metadata.get("KeyId", ""),
            "key_arn": metadata.get("Arn", ""),
            "key_state": metadata.get("KeyState", ""),
        }


def run(module, client, tagging):
    def ensure():
        manager = CustomerKeyManager(
            client, module.params, tagging=tagging, check_mode=module.check_mode, warn=module.warn
        )
        result = manager.ensure_present() if module.params["state"] == "present" else manager.ensure_absent()
        if result["changed"]:
            result["diff"] = manager.diff
        return result

    converge(module, ensure, "KMS key %s could not be converged" % module.params["alias"])


def main():
    argument_spec = dict(
        alias=dict(type="str", required=True, aliases=["alias_name"]),
        description=dict(type="str"),
        policy=dict(type="json"),
        tags=dict(type="dict", required=True, aliases=["resource_tags"]),
        identifying_tags=dict(type="list", elements="str", default=["Project", "Environment", "Name"]),
        enable_key_rotation=dict(type="bool", default=True),
        pending_window=dict(type="int", default=30, aliases=["deletion_delay"]),
        state=STATE_OPTION,
    )
    module = aws_module(argument_spec)
    if not 7 <= module.params["pending_window"] <= 30:
        module.fail_json(msg="pending_window must be between 7 and 30 days, not %s" % module.params["pending_window"])
    run(module, aws_client(module, "kms"), aws_client(module, "resourcegroupstaggingapi"))


if __name__ == "__main__":
    main()
