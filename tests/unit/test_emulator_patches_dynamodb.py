"""The DynamoDB fidelity patches, each AWS behaviour shown against the patched emulator in-process."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tools.emulator import patches

PRIMARY = "us-east-1"
SECONDARY = "us-west-2"
THIRD = "eu-west-1"
TABLE = "tap-test-table"


@pytest.fixture(autouse=True)
def emulator(monkeypatch):
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
    ):
        monkeypatch.setenv(name, value)
    patches.apply_all()
    with mock_aws():
        yield


def client(region):
    return boto3.client("dynamodb", region_name=region)


def create_table(region=PRIMARY, **extra):
    kwargs = dict(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    kwargs.update(extra)
    return client(region).create_table(**kwargs)["TableDescription"]


def add_replica(region, source=PRIMARY):
    return client(source).update_table(TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": region}}])


def replicas(region):
    return client(region).describe_table(TableName=TABLE)["Table"].get("Replicas", [])


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_apply_all_is_idempotent():
    from moto.dynamodb.models.table import Table

    describe = Table.describe
    patches.apply_all()
    assert Table.describe is describe


# --- dynamodb_table_id -------------------------------------------------------------------------


def test_describe_table_has_a_stable_table_id():
    created = create_table()
    described = client(PRIMARY).describe_table(TableName=TABLE)["Table"]
    assert created["TableId"]
    assert described["TableId"] == created["TableId"]


def test_table_ids_are_unique():
    first = create_table()["TableId"]
    second = create_table(region=SECONDARY)["TableId"]
    assert first != second


# --- dynamodb_replicas -------------------------------------------------------------------------


def test_create_replica_makes_a_table_in_the_other_region():
    create_table(SSESpecification={"Enabled": True, "SSEType": "KMS"})
    client(PRIMARY).put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "sk": {"S": "b"}})
    response = add_replica(SECONDARY)

    assert response["TableDescription"]["Replicas"] == [{"RegionName": SECONDARY, "ReplicaStatus": "ACTIVE"}]
    assert replicas(PRIMARY) == [{"RegionName": SECONDARY, "ReplicaStatus": "ACTIVE"}]
    assert replicas(SECONDARY) == [{"RegionName": PRIMARY, "ReplicaStatus": "ACTIVE"}]
    replica = client(SECONDARY).describe_table(TableName=TABLE)["Table"]
    assert replica["TableArn"].startswith("arn:aws:dynamodb:%s:" % SECONDARY)
    assert replica["GlobalTableVersion"] == "2019.11.21"
    assert replica["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert replica["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert replica["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert replica["SSEDescription"]["KMSMasterKeyArn"].startswith("arn:aws:kms:%s:" % SECONDARY)
    assert client(SECONDARY).scan(TableName=TABLE)["Count"] == 1


def test_one_replica_change_per_request():
    create_table()
    with pytest.raises(ClientError) as excinfo:
        client(PRIMARY).update_table(
            TableName=TABLE,
            ReplicaUpdates=[{"Create": {"RegionName": SECONDARY}}, {"Create": {"RegionName": THIRD}}],
        )
    assert error_code(excinfo) == "ValidationException"
    assert replicas(PRIMARY) == []
    with pytest.raises(ClientError):
        client(SECONDARY).describe_table(TableName=TABLE)


def test_local_region_cannot_be_a_replica():
    create_table()
    with pytest.raises(ClientError) as excinfo:
        add_replica(PRIMARY)
    assert error_code(excinfo) == "ValidationException"
    assert "local region" in excinfo.value.response["Error"]["Message"]


def test_replica_over_an_existing_table_is_refused():
    create_table()
    create_table(region=SECONDARY)
    with pytest.raises(ClientError) as excinfo:
        add_replica(SECONDARY)
    assert error_code(excinfo) == "ValidationException"


def test_replica_needs_new_and_old_images():
    create_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    with pytest.raises(ClientError) as excinfo:
        add_replica(SECONDARY)
    assert error_code(excinfo) == "ValidationException"


def test_three_regions_list_each_other():
    create_table()
    add_replica(SECONDARY)
    add_replica(THIRD)
    assert [r["RegionName"] for r in replicas(PRIMARY)] == [THIRD, SECONDARY]
    assert [r["RegionName"] for r in replicas(THIRD)] == [PRIMARY, SECONDARY]


def test_delete_replica_removes_the_other_table():
    create_table()
    add_replica(SECONDARY)
    client(PRIMARY).update_table(TableName=TABLE, ReplicaUpdates=[{"Delete": {"RegionName": SECONDARY}}])
    assert replicas(PRIMARY) == []
    assert "GlobalTableVersion" not in client(PRIMARY).describe_table(TableName=TABLE)["Table"]
    with pytest.raises(ClientError) as excinfo:
        client(SECONDARY).describe_table(TableName=TABLE)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_delete_of_a_region_that_is_no_replica_is_refused():
    create_table()
    with pytest.raises(ClientError) as excinfo:
        client(PRIMARY).update_table(TableName=TABLE, ReplicaUpdates=[{"Delete": {"RegionName": SECONDARY}}])
    assert error_code(excinfo) == "ValidationException"


def test_delete_table_deletes_only_its_own_region():
    create_table()
    add_replica(SECONDARY)
    client(PRIMARY).delete_table(TableName=TABLE)
    assert client(PRIMARY).list_tables()["TableNames"] == []
    assert client(SECONDARY).list_tables()["TableNames"] == [TABLE]
    assert replicas(SECONDARY) == []


def test_customer_managed_key_needs_a_replica_key():
    kms = boto3.client("kms", region_name=PRIMARY)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    create_table(SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
    with pytest.raises(ClientError) as excinfo:
        add_replica(SECONDARY)
    assert "KMSMasterKeyId" in excinfo.value.response["Error"]["Message"]
    replica_key = boto3.client("kms", region_name=SECONDARY).create_key()["KeyMetadata"]["Arn"]
    client(PRIMARY).update_table(
        TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": SECONDARY, "KMSMasterKeyId": replica_key}}]
    )
    replica = client(SECONDARY).describe_table(TableName=TABLE)["Table"]
    assert replica["SSEDescription"]["KMSMasterKeyArn"] == replica_key


def test_replica_keys_are_listed_and_a_replica_can_be_switched_to_another_key():
    key = boto3.client("kms", region_name=PRIMARY).create_key()["KeyMetadata"]["Arn"]
    secondary_kms = boto3.client("kms", region_name=SECONDARY)
    first, second = (secondary_kms.create_key()["KeyMetadata"]["Arn"] for _ in range(2))
    create_table(SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
    client(PRIMARY).update_table(
        TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": SECONDARY, "KMSMasterKeyId": first}}]
    )
    assert [(r["RegionName"], r["KMSMasterKeyId"]) for r in replicas(PRIMARY)] == [(SECONDARY, first)]

    client(PRIMARY).update_table(
        TableName=TABLE, ReplicaUpdates=[{"Update": {"RegionName": SECONDARY, "KMSMasterKeyId": second}}]
    )
    assert [r["KMSMasterKeyId"] for r in replicas(PRIMARY)] == [second]
    replica = client(SECONDARY).describe_table(TableName=TABLE)["Table"]
    assert replica["SSEDescription"]["KMSMasterKeyArn"] == second
    assert [(r["RegionName"], r["KMSMasterKeyId"]) for r in replica["Replicas"]] == [(PRIMARY, key)]
    with pytest.raises(ClientError) as excinfo:
        client(PRIMARY).update_table(
            TableName=TABLE, ReplicaUpdates=[{"Update": {"RegionName": THIRD, "KMSMasterKeyId": second}}]
        )
    assert error_code(excinfo) == "ValidationException"


def test_replicas_on_the_aws_managed_or_an_aws_owned_key_list_no_key():
    create_table()
    add_replica(SECONDARY)
    assert ["KMSMasterKeyId" in r for r in replicas(PRIMARY)] == [False]


def test_update_table_without_replica_updates_is_unchanged():
    create_table()
    response = client(PRIMARY).update_table(TableName=TABLE, DeletionProtectionEnabled=True)
    assert response["TableDescription"]["DeletionProtectionEnabled"] is True
    assert "Replicas" not in response["TableDescription"]
