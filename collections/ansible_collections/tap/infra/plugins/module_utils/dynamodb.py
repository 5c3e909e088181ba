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


def _to_decimal(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_decimal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_decimal(v) for v in value]
    return value


def _from_decimal(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_decimal(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_from_decimal(v) for v in value]
    return value


def to_dynamodb(values):
    """{name: plain value} -> {name: DynamoDB attribute value}."""
    serializer = TypeSerializer()
    return {name: serializer.serialize(_to_decimal(value)) for name, value in values.items()}


def from_dynamodb(item):
    """{name: DynamoDB attribute value} -> {name: plain value}; None stays None."""
    if item is None:
        return None
    deserializer = TypeDeserializer()
    return {name: _from_decimal(deserializer.deserialize(value)) for name, value in item.items()}
