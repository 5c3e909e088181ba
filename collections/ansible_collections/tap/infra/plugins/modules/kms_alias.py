#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kms_alias
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
short_description: Create, retarget or delete an AWS KMS alias
version_added: 0.1.0
description:
  - Creates a KMS alias pointing at a customer managed key, points an existing alias at another key
    (C(UpdateAlias)), or deletes an alias (C(DeleteAlias)).
  - M(amazon.aws.kms_key) manages the alias of a key it creates, but O(state=absent) there only schedules
    the key's deletion, and the alias stays until AWS deletes the key at the end of the pending window.
    Neither C(amazon.aws) nor C(community.aws) ships a module that deletes an alias; this module fills that gap.
  - With O(state=absent) the result holds the key the alias pointed at, so a following task can schedule
    that key's deletion by its id once the alias is gone.
  - In diff mode the result holds the alias before and after (its name and target key id).
author:
  - tap-infra maintainers (@tap-infra)
options:
  name:
    description:
      - The name of the alias, with or without the V(alias/) prefix (V(tap-dev-s3) and V(alias/tap-dev-s3)
        are the same alias).
      - Letters, digits, V(/), V(_) and V(-); at most 256 characters with the prefix.
      - Names beginning with V(alias/aws/) are reserved for AWS managed keys and are refused.
    required: true
    type: str
    aliases: ['alias', 'alias_name']
  target_key_id:
    description:
      - The key the alias points at, as a key id (V(1234abcd-12ab-34cd-56ef-1234567890ab), V(mrk-...))
        or a key ARN, of a customer managed key in the module's region.
      - Required when O(state=present); ignored when O(state=absent).
      - An alias name or alias ARN is refused (an alias cannot point at an alias).
    type: str
    aliases: ['key_id', 'key_arn']
  state:
    description:
      - V(present) creates the alias, or points it at O(target_key_id) when it points at another key.
      - V(absent) deletes the alias when it exists; the key it pointed at is left alone.
notes:
  - The identity needs C(kms:ListAliases), and C(kms:CreateAlias), C(kms:UpdateAlias) or C(kms:DeleteAlias) on
    both the alias and the keys involved (the old and the new target of an update).
  - Why it exists - no upstream module deletes a KMS alias; C(amazon.aws.kms_key) with C(state=absent) only schedules
    the key's deletion and the alias stays (amazon.aws 11.4). The project can drop it when an upstream module deletes
    an alias.
"""

EXAMPLES = r"""
- name: Point alias/tap-dev-s3 at a key
  tap.infra.kms_alias:
    name: alias/tap-dev-s3
    target_key_id: "{{ key.key_arn }}"

- name: Delete the alias first, then schedule the deletion of the key it pointed at
  tap.infra.kms_alias:
    name: tap-dev-s3
    state: absent
  register: alias

- name: Schedule the key's deletion
  amazon.aws.kms_key:
    key_id: "{{ alias.target_key_id }}"
    pending_window: 7
    state: absent
  when: alias.target_key_id | length > 0
"""

RETURN = r"""
alias_name:
  description: The name of the alias, with the V(alias/) prefix.
  returned: always
  type: str
  sample: alias/tap-dev-s3
alias_arn:
  description:
    - The ARN of the alias.
    - With O(state=absent), the ARN the alias had before it was deleted.
    - Empty when there is no alias (O(state=absent) on a missing alias, or an alias that would be created in
      check mode).
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:alias/tap-dev-s3
target_key_id:
  description:
    - The id of the key the alias points at (after the run, or as it would in check mode).
    - With O(state=absent), the id of the key the alias pointed at before it was deleted; empty when there was
      no alias.
  returned: always
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
"""

import re

from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as AliasParameterError
from ansible_collections.tap.infra.plugins.module_utils.common import converge_named
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.kms import ALIAS_PREFIX
from ansible_collections.tap.infra.plugins.module_utils.kms import alias_name

KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(?P<key_id>[^/:]+)$")


def key_id_of(target):
    """The key id of a key id or key ARN; refuses aliases and other ARNs."""
    target = (target or "").strip()
    if not target:
        raise AliasParameterError("target_key_id is required when state is present")
    if target.startswith("arn:"):
        match = KEY_ARN.match(target)
        if not match:
            raise AliasParameterError(
                "%s is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)" % target
            )
        return match.group("key_id")
    if target.startswith(ALIAS_PREFIX) or "/" in target or ":" in target:
        raise AliasParameterError("target_key_id must be a key id or a key ARN, not %s" % target)
    return target


def state_of(alias):
    """The alias as the diff shows it: its name and target key id; empty when there is none."""
    if not alias:
        return {}
    return {"alias_name": alias["AliasName"], "target_key_id": alias.get("TargetKeyId", "")}


class AliasManager(Manager):
    """Converges one alias; holds the client and the check mode switch."""

    def get(self, name, key_id=None):
        """The alias as ListAliases returns it (every page, optionally only the key's), or None."""
        params = {"KeyId": key_id} if key_id else {}
        for alias in paginated(self.client, "list_aliases", "Aliases", **params):
            if alias["AliasName"] == name:
                return alias
        return None

    def ensure_present(self, name, target_key_id):
        name = alias_name(name)
        key_id = key_id_of(target_key_id)
        current = self.get(name)
        result = {
            "changed": False,
            "alias_name": name,
            "alias_arn": current["AliasArn"] if current else "",
            "target_key_id": key_id,
        }
        if current and current.get("TargetKeyId") == key_id:
            return result

        result["changed"] = True
        result["diff"] = {"before": state_of(current), "after": {"alias_name": name, "target_key_id": key_id}}
        if self.check_mode:
            return result

        if current:
            self.client.update_alias(AliasName=name, TargetKeyId=target_key_id, aws_retry=True)
        else:
            self.client.create_alias(AliasName=name, TargetKeyId=target_key_id, aws_retry=True)
            # CreateAlias answers nothing: the ARN is read back from the aliases of the key.
            created = self.get(name, key_id=key_id)
            result["alias_arn"] = created["AliasArn"] if created else ""
        return result

    def ensure_absent(self, name):
        name = alias_name(name)
        current = self.get(name)
        result = {"changed": False, "alias_name": name, "alias_arn": "", "target_key_id": ""}
        if current is None:
            return result

        result.update(changed=True, alias_arn=current["AliasArn"], target_key_id=current.get("TargetKeyId", ""))
        result["diff"] = {"before": state_of(current), "after": {}}
        self.delete_if_exists("delete_alias", "NotFoundException", AliasName=name)
        return result


def main():
    name = dict(type="str", required=True, aliases=["alias", "alias_name"])
    target_key_id = dict(type="str", aliases=["key_id", "key_arn"])
    converge_named(AliasManager, "kms", "KMS alias", name, target_key_id=target_key_id)


if __name__ == "__main__":
    main()
