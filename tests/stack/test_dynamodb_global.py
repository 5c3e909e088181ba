"""The data tier as AWS describes it: the global table in the primary region and its replicas."""

import json

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.concerns("dynamodb_global")


def table_name(stack):
    return stack.names(stack.primary["host"])["table"]


def secondary_regions(stack):
    return sorted({site["aws_region"] for site in stack.sites} - {stack.primary["aws_region"]})


def describe(stack, region):
    return stack.client("dynamodb", region).describe_table(TableName=table_name(stack))["Table"]


@pytest.mark.present
def test_table_in_primary_region(stack):
    table = describe(stack, stack.primary["aws_region"])
    assert table["TableStatus"] == "ACTIVE"
    assert sorted((k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]) == [("pk", "HASH"), ("sk", "RANGE")]
    assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {"pk": "S", "sk": "S"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert table["TableId"]


@pytest.mark.present
def test_point_in_time_recovery_enabled(stack):
    client = stack.client("dynamodb", stack.primary["aws_region"])
    backups = client.describe_continuous_backups(TableName=table_name(stack))["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


@pytest.mark.present
def test_table_tags(stack):
    table = describe(stack, stack.primary["aws_region"])
    client = stack.client("dynamodb", stack.primary["aws_region"])
    tags = {t["Key"]: t["Value"] for t in client.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
    assert tags["Project"] == "tap-infra"
    assert tags["Environment"] == stack.suffix


@pytest.mark.present
def test_replica_listed_on_primary(stack):
    table = describe(stack, stack.primary["aws_region"])
    replicas = {r["RegionName"]: r["ReplicaStatus"] for r in table.get("Replicas", [])}
    assert sorted(replicas) == secondary_regions(stack)
    assert set(replicas.values()) <= {"ACTIVE"}


@pytest.mark.present
def test_table_present_in_each_secondary_region(stack):
    for region in secondary_regions(stack):
        replica = describe(stack, region)
        assert replica["TableStatus"] == "ACTIVE"
        assert replica["TableArn"].split(":")[3] == region
        assert stack.primary["aws_region"] in [r["RegionName"] for r in replica.get("Replicas", [])]


@pytest.mark.absent
def test_no_table_in_any_region(stack):
    suffix_prefix = "tap-%s-" % stack.suffix
    for region in sorted({site["aws_region"] for site in stack.sites}):
        client = stack.client("dynamodb", region)
        names = [n for page in client.get_paginator("list_tables").paginate() for n in page["TableNames"]]
        assert [n for n in names if n.startswith(suffix_prefix)] == []
        with pytest.raises(ClientError) as excinfo:
            client.describe_table(TableName=table_name(stack))
        assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def key_sites(stack):
    """The site holding the table's key of each region: the first site (primary first) of the region."""
    holders = {}
    for site in stack.sites:
        holders.setdefault(site["aws_region"], site)
    return list(holders.values())


@pytest.mark.present
def test_each_regions_key_is_customer_managed_rotated_and_scoped_to_dynamodb(stack):
    for site in key_sites(stack):
        kms = stack.client("kms", site["aws_region"])
        key = kms.describe_key(KeyId=stack.names(site["host"])["table_kms_alias"])["KeyMetadata"]
        assert key["KeyManager"] == "CUSTOMER" and key["KeyState"] == "Enabled", site["host"]
        assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], site["host"]
        policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
        for statement in policy["Statement"]:
            if statement["Principal"] != {"AWS": "arn:aws:iam::%s:root" % stack.account_id}:
                condition = statement["Condition"]["StringEquals"]
                assert condition["kms:ViaService"] == "dynamodb.%s.amazonaws.com" % site["aws_region"]
                assert condition["kms:CallerAccount"] == stack.account_id
        described = describe(stack, site["aws_region"])
        assert described["SSEDescription"]["KMSMasterKeyArn"] == key["Arn"], site["host"]


@pytest.mark.absent
def test_each_regions_key_alias_is_gone_and_the_key_pending_deletion(stack):
    for site in key_sites(stack):
        alias = stack.names(site["host"])["table_kms_alias"]
        assert alias not in stack.kms_alias_names(site["aws_region"]), "%s is still there" % alias
        states = stack.kms_key_states(site["aws_region"], alias[len("alias/") :])
        assert states and set(states) == {"PendingDeletion"}, (alias, states)
