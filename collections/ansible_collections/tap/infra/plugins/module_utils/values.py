# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Nested values (mappings and sequences) rebuilt as plain dicts and lists."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping


def unchanged(value):
    return value


def rebuilt(value, leaf=unchanged, sequences=(list, tuple)):
    """`value` with every mapping rebuilt as a dict and every sequence of the `sequences` types as a list, at any
    depth; any other value is replaced by leaf(value)."""
    if isinstance(value, Mapping):
        return {key: rebuilt(item, leaf, sequences) for key, item in value.items()}
    if isinstance(value, sequences):
        return [rebuilt(item, leaf, sequences) for item in value]
    return leaf(value)
