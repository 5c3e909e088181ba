"""GetResources lists customer managed KMS keys by their tags, as AWS does.

AWS (Resource Groups Tagging API reference, GetResources; the services it supports include AWS KMS, resource
type kms:key): GetResources with TagFilters and ResourceTypeFilters ["kms:key"] answers the keys carrying those
tags. LocalStack 2026.3.0 answers GetResources from moto's backends while its KMS is a provider of its own, so no
key is ever listed and a search by tags (kms_customer_key after an interrupted run, and on teardown) finds
nothing. The patch gives moto's tagging backend LocalStack's KMS store to read.
"""

from collections import namedtuple

from localstack.services.kms.models import kms_stores
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend

_Key = namedtuple("_Key", "id arn")


class _LocalStackKeys:
    """The two reads moto's GetResources makes of a KMS backend, answered from LocalStack's KMS store."""

    def __init__(self, account_id, region):
        self.store = kms_stores[account_id][region]

    def list_keys(self):
        return [_Key(key.metadata["KeyId"], key.metadata["Arn"]) for key in self.store.keys.values()]

    def list_resource_tags(self, key_id):
        tags = self.store.tags.get_tags(self.store.keys[key_id].metadata["Arn"])
        return {"Tags": [{"TagKey": key, "TagValue": value} for key, value in tags.items()]}


def apply():
    ResourceGroupsTaggingAPIBackend.kms_backend = property(lambda self: _LocalStackKeys(self.account_id, self.region_name))
