# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""DynamoDB items as plain values (str, int, float, bool, list, dict) and back, with boto3's (de)serializers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import Decimal

try:
    from boto3.dynamodb.types import TypeDeserializer
    from boto3.dynamodb.types import TypeSerializer
except ImportError:
    pass  # protected by AnsibleAWSModule

from ansible_collections.tap.infra.plugins.module_utils.values import rebuilt

# The table option of the modules that read or write items (doc fragment tap.infra.aws_module.dynamodb_table).
TABLE_OPTION = dict(type="str", required=True)


def _float_to_decimal(value):
    """DynamoDB numbers are Decimals: a float goes through its shortest text (0.1 stays 0.1)."""
    return Decimal(str(value)) if isinstance(value, float) else value


def _decimal_to_number(value):
    """A Decimal as an int when it is whole, else a float; any other value unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_dynamodb(values):
    """{name: plain value} -> {name: DynamoDB attribute value}."""
    serializer = TypeSerializer()
    return {name: serializer.serialize(rebuilt(value, _float_to_decimal)) for name, value in values.items()}


def from_dynamodb(item):
    """{name: DynamoDB attribute value} -> {name: plain value}; None stays None."""
    if item is None:
        return None
    deserializer = TypeDeserializer()
    # A string, number or binary set (SS, NS, BS) comes back as a list.
    values = {name: deserializer.deserialize(value) for name, value in item.items()}
    return rebuilt(values, _decimal_to_number, (list, set))
