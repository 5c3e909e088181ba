# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""KMS helpers of the tap.infra modules: alias names."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError

ALIAS_PREFIX = "alias/"
RESERVED_PREFIX = "alias/aws/"
ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]+$")


def alias_name(name):
    """The full alias name (with the alias/ prefix); refuses reserved and malformed names."""
    name = (name or "").strip()
    full = name if name.startswith(ALIAS_PREFIX) else ALIAS_PREFIX + name
    if full.startswith(RESERVED_PREFIX):
        raise ModuleError("%s: names beginning with %s are reserved for AWS managed keys" % (full, RESERVED_PREFIX))
    if len(full) > 256 or not ALIAS_NAME.match(full):
        raise ModuleError(
            "%s is not a valid alias name (alias/ followed by letters, digits, /, _ and -; at most 256 characters)"
            % full
        )
    return full
