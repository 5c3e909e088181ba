# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # What every tap.infra module shares: how it retries (plugins/module_utils/retries.py).
    DOCUMENTATION = r"""
options: {}
notes:
  - Throttling, 5xx answers and dropped connections are retried by botocore's retry mode (set C(retries) in
    O(aws_config), for example C(mode=standard) and C(total_max_attempts)); the module adds no retry of its own.
  - Only the eventual-consistency answers AWS documents for a resource made or changed moments ago are retried by
    the module, each a bounded number of times within a bounded number of seconds (the module's notes name them).
  - A denied call (C(AccessDenied), C(AccessDeniedException), C(UnauthorizedOperation), C(AuthFailure)) is never
    retried; the task fails at once, naming the API action, the resource and the statement of the project's
    deployer policy (C(docs/deployer-policy.json)) that grants the action.
"""

    # The state option of a module that converges a resource to present or absent (module_utils/common.py
    # STATE_OPTION); a module replaces the description with what each value does there (and, where they differ,
    # the choices and the default).
    STATE = r"""
options:
  state:
    description:
      - V(present) creates the resource or updates it to match the options; V(absent) deletes it when it exists.
    choices: ['present', 'absent']
    default: present
    type: str
"""

    # The table option of the modules that read or write items of a DynamoDB table (module_utils/dynamodb.py
    # TABLE_OPTION).
    DYNAMODB_TABLE = r"""
options:
  table:
    description: The name (or ARN) of the table.
    required: true
    type: str
"""

    # The options of a module converging a list of resources of one VPC (module_utils/ec2.py vpc_list_module); the
    # module documents the list itself.
    VPC_LIST = r"""
options:
  vpc_id:
    description:
      - The VPC the listed resources belong to.
    type: str
    required: true
  purge_tags:
    description:
      - Remove the tags of a listed resource that are not in its C(tags), except the tags the module sets itself.
        Tags whose key begins with V(aws:) are never changed.
      - Has no effect on a resource whose C(tags) is not set.
    type: bool
    default: true
  state:
    description:
      - V(present) creates and updates the listed resources; V(absent) deletes those of them that exist.
    choices: ['present', 'absent']
    default: present
    type: str
"""
