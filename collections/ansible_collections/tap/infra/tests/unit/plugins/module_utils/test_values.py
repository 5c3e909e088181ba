# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""values.rebuilt: nested values as plain dicts and lists (preflight's inputs, DynamoDB items)."""

from decimal import Decimal
from types import MappingProxyType

from ansible_collections.tap.infra.plugins.module_utils.values import rebuilt


def test_every_mapping_and_sequence_becomes_a_plain_dict_or_list_at_any_depth():
    value = MappingProxyType({"a": (1, MappingProxyType({"b": [2, (3,)]})), "c": "text"})
    plain = rebuilt(value)
    assert plain == {"a": [1, {"b": [2, [3]]}], "c": "text"}  # a tuple is not equal to a list
    assert isinstance(plain, dict) and isinstance(plain["a"][1], dict)  # a mapping proxy is not a dict


def test_leaf_replaces_every_other_value_and_strings_are_not_sequences():
    assert rebuilt({"n": [1.5, "ab"], "m": {"x": 2}}, lambda v: v * 2) == {"n": [3.0, "abab"], "m": {"x": 4}}


def test_only_the_sequence_types_asked_for_are_rebuilt():
    assert rebuilt({"s": {Decimal(1)}, "t": (1,)}, sequences=(set,)) == {"s": [Decimal(1)], "t": (1,)}
