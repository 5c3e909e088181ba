"""Unit tests of tap.infra.dynamodb_global_table: the manager class driven by a botocore Stubber that
answers with AWS response shapes (DescribeTable during replica creation, UpdateTable one change per
call, throttling, deletion)."""

import datetime

import botocore
import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.tap.infra.plugins.modules import dynamodb_global_table as module
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils
from ansible_collections.tap.infra.plugins.module_utils.retries import BACKUPS_BEING_ENABLED

REGION = "us-east-1"
NAME = "tap-dev-table"
ACCOUNT = "123456789012"
ARN = "arn:aws:dynamodb:%s:%s:table/%s" % (REGION, ACCOUNT, NAME)
NOW = datetime.datetime(2026, 11, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
TAGS = {"Project": "tap-infra", "Environment": "dev"}


# ----------------------------------------------------------------------------- AWS response shapes
def table(status="ACTIVE", replicas=None, protection=False, sse=True, stream="NEW_AND_OLD_IMAGES", keys=None):
    """A DescribeTable `Table` as AWS returns it for an on-demand table with a stream (keys: the customer
    managed key of the table and of replicas, by region; AWS managed key elsewhere)."""
    keys = keys or {}
    description = {
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "TableName": NAME,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "TableStatus": status,
        "CreationDateTime": NOW,
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},  # on-demand
        "TableSizeBytes": 0,
        "ItemCount": 0,
        "TableArn": ARN,
        "TableId": "4b8c0a68-6a3a-4c8c-9d2b-3f0a8a2b1c55",
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": NOW},
        "DeletionProtectionEnabled": protection,
        "TableClassSummary": {"TableClass": "STANDARD"},
        "WarmThroughput": {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"},
    }
    if stream:
        description["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
        description["LatestStreamLabel"] = "2026-11-01T12:00:00.000"
        description["LatestStreamArn"] = ARN + "/stream/2026-11-01T12:00:00.000"
    if sse:
        description["SSEDescription"] = {
            "Status": "ENABLED",
            "SSEType": "KMS",
            "KMSMasterKeyArn": keys.get(REGION, "arn:aws:kms:%s:%s:key/0f6a1b2c-aws-managed" % (REGION, ACCOUNT)),
        }
    if replicas:
        description["GlobalTableVersion"] = "2019.11.21"
        description["Replicas"] = []
        for region, replica_status in replicas:
            replica = {"RegionName": region, "ReplicaStatus": replica_status}
            if replica_status == "CREATING":
                replica["ReplicaStatusPercentProgress"] = "0"
            if region in keys:
                replica["KMSMasterKeyId"] = keys[region]
            replica["ReplicaTableClassSummary"] = {"TableClass": "STANDARD"}
            description["Replicas"].append(replica)
    return description


def backups(enabled):
    pitr = {"PointInTimeRecoveryStatus": "ENABLED" if enabled else "DISABLED"}
    if enabled:
        pitr.update({"EarliestRestorableDateTime": NOW, "LatestRestorableDateTime": NOW, "RecoveryPeriodInDays": 35})
    return {
        "ContinuousBackupsDescription": {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}
    }


def tag_list(tags):
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


# ----------------------------------------------------------------------------- harness
class Stubbed:
    """A stubbed DynamoDB client behind the same retry wrapper AnsibleAWSModule.client() gives."""

    def __init__(self):
        raw = utils.raw_client("dynamodb", REGION)
        self.stubber = Stubber(raw)
        self.client = RetryingBotoClientWrapper(raw, utils.CLIENT_DECORATOR)

    def describe(self, description):
        self.stubber.add_response("describe_table", {"Table": description}, {"TableName": NAME})

    def describe_missing(self):
        self.stubber.add_client_error(
            "describe_table",
            service_error_code="ResourceNotFoundException",
            service_message="Requested resource not found: Table: %s not found" % NAME,
            http_status_code=400,
            expected_params={"TableName": NAME},
        )

    def pitr(self, enabled):
        self.stubber.add_response("describe_continuous_backups", backups(enabled), {"TableName": NAME})

    def tags(self, tags):
        self.stubber.add_response("list_tags_of_resource", tag_list(tags), {"ResourceArn": ARN})

    def existing(self, description, pitr=True, tags=None):
        self.describe(description)
        self.pitr(pitr)
        self.tags(TAGS if tags is None else tags)

    def update(self, expected, answer):
        params = dict(expected, TableName=NAME)
        self.stubber.add_response("update_table", {"TableDescription": answer}, params)

    def replica_update(self, action, region, answer):
        self.update({"ReplicaUpdates": [{action: {"RegionName": region}}]}, answer)


@pytest.fixture
def aws(monkeypatch):
    stubbed = Stubbed()
    with stubbed.stubber:
        yield stubbed
        stubbed.stubber.assert_no_pending_responses()


def params(**overrides):
    values = {
        "name": NAME,
        "state": "present",
        "hash_key_name": "pk",
        "hash_key_type": "STRING",
        "range_key_name": "sk",
        "range_key_type": "STRING",
        "billing_mode": "PAY_PER_REQUEST",
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "point_in_time_recovery": True,
        "sse": {"enabled": True, "kms_key_id": None, "replica_kms_key_ids": {}},
        "deletion_protection": None,
        "replica_regions": ["us-west-2"],
        "tags": dict(TAGS),
        "purge_tags": True,
        "wait": True,
        "wait_timeout": 600,
    }
    values.update(overrides)
    return values


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def manager(aws, check_mode=False, **overrides):
    clock = Clock()
    m = module.GlobalTableManager(
        aws.client, params(**overrides), REGION, check_mode=check_mode, sleep=clock.sleep, clock=clock
    )
    m.test_clock = clock
    return m


# ----------------------------------------------------------------------------- tests
def test_creates_table_then_one_replica_and_waits_for_it(aws):
    aws.describe_missing()
    aws.stubber.add_response(
        "create_table",
        {"TableDescription": table(status="CREATING")},
        {
            "TableName": NAME,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "SSESpecification": {"Enabled": True, "SSEType": "KMS"},
            "Tags": ANY,
        },
    )
    aws.describe(table(status="CREATING"))
    aws.describe(table())
    aws.pitr(False)
    aws.tags(TAGS)
    aws.stubber.add_response(
        "update_continuous_backups",
        backups(True),
        {"TableName": NAME, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
    )
    aws.describe(table())  # settled before the replica change
    aws.replica_update("Create", "us-west-2", table(status="UPDATING", replicas=[("us-west-2", "CREATING")]))
    aws.describe(table(status="UPDATING", replicas=[("us-west-2", "CREATING")]))
    aws.describe(table(replicas=[("us-west-2", "CREATING")]))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))

    m = manager(aws)
    result = m.ensure_present()

    assert result["changed"] is True
    assert result["table_arn"] == ARN
    assert result["table_name"] == NAME
    assert result["stream_arn"] == ARN + "/stream/2026-11-01T12:00:00.000"
    assert result["point_in_time_recovery"] is True
    assert result["replicas"] == [
        {
            "region_name": "us-west-2",
            "replica_status": "ACTIVE",
            "replica_table_class_summary": {"table_class": "STANDARD"},
        }
    ]
    assert result["tags"] == TAGS
    assert m.test_clock.sleeps == [module.POLL_SECONDS] * 3
    assert m.diff["before"] == {}
    assert m.diff["after"]["replica_regions"] == ["us-west-2"]


def test_two_new_replicas_one_change_per_call_even_without_wait(aws):
    aws.existing(table())
    aws.describe(table())
    aws.replica_update("Create", "eu-west-1", table(status="UPDATING", replicas=[("eu-west-1", "CREATING")]))
    # AWS refuses a second replica change until the first settled: the module waits in between
    aws.describe(table(status="UPDATING", replicas=[("eu-west-1", "CREATING")]))
    aws.describe(table(replicas=[("eu-west-1", "ACTIVE")]))
    aws.replica_update(
        "Create",
        "us-west-2",
        table(status="UPDATING", replicas=[("eu-west-1", "ACTIVE"), ("us-west-2", "CREATING")]),
    )
    # wait: false skips only the final wait
    aws.describe(table(status="UPDATING", replicas=[("eu-west-1", "ACTIVE"), ("us-west-2", "CREATING")]))

    result = manager(aws, replica_regions=["us-west-2", "eu-west-1"], wait=False).ensure_present()

    assert result["changed"] is True
    assert [(r["region_name"], r["replica_status"]) for r in result["replicas"]] == [
        ("eu-west-1", "ACTIVE"),
        ("us-west-2", "CREATING"),
    ]


def test_throttling_is_left_to_botocore(aws):
    # LimitExceededException is one of botocore's throttling codes (standard retry mode): the module layer
    # does not retry it on top, the task fails after one UpdateTable.
    aws.existing(table())
    aws.describe(table())
    aws.stubber.add_client_error(
        "update_table",
        service_error_code="LimitExceededException",
        service_message="Subscriber limit exceeded: Only 10 tables can be created, updated, or deleted simultaneously",
        http_status_code=400,
        expected_params={"TableName": NAME, "ReplicaUpdates": [{"Create": {"RegionName": "us-west-2"}}]},
    )
    m = manager(aws)
    with pytest.raises(botocore.exceptions.ClientError, match="LimitExceededException"):
        m.ensure_present()
    assert m.test_clock.sleeps == []


def backups_unavailable(aws):
    aws.stubber.add_client_error(
        "update_continuous_backups",
        service_error_code="ContinuousBackupsUnavailableException",
        service_message="Backups are being enabled for the table: %s. Please retry later" % NAME,
        http_status_code=400,
    )


def test_pitr_refused_after_create_table_is_retried(aws):
    aws.existing(table(), pitr=False)
    backups_unavailable(aws)
    backups_unavailable(aws)
    aws.stubber.add_response("update_continuous_backups", backups(True))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))

    m = manager(aws, replica_regions=None)
    result = m.ensure_present()
    assert result["changed"] is True
    assert result["point_in_time_recovery"] is True
    assert m.test_clock.sleeps == list(BACKUPS_BEING_ENABLED.delays()[:2])


def test_pitr_refused_is_retried_within_its_bound_then_fails(aws):
    aws.existing(table(), pitr=False)
    waits = BACKUPS_BEING_ENABLED.schedule()
    for attempt in range(len(waits) + 1):
        backups_unavailable(aws)

    m = manager(aws, replica_regions=None)
    with pytest.raises(botocore.exceptions.ClientError, match="ContinuousBackupsUnavailableException"):
        m.ensure_present()
    assert m.test_clock.sleeps == waits and 0 < sum(waits) <= BACKUPS_BEING_ENABLED.seconds
    assert len(waits) < BACKUPS_BEING_ENABLED.attempts


def test_removes_a_region_no_longer_listed(aws):
    both = [("eu-west-1", "ACTIVE"), ("us-west-2", "ACTIVE")]
    aws.existing(table(replicas=both))
    aws.describe(table(replicas=both))
    aws.replica_update("Delete", "eu-west-1", table(status="UPDATING", replicas=[("eu-west-1", "DELETING"), both[1]]))
    aws.describe(table(status="UPDATING", replicas=[("eu-west-1", "DELETING"), both[1]]))
    aws.describe(table(replicas=[both[1]]))

    m = manager(aws)
    result = m.ensure_present()

    assert result["changed"] is True
    assert [r["region_name"] for r in result["replicas"]] == ["us-west-2"]
    assert m.diff["before"]["replica_regions"] == ["eu-west-1", "us-west-2"]
    assert m.diff["after"]["replica_regions"] == ["us-west-2"]


def test_converged_table_changes_nothing(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")]))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))

    m = manager(aws)
    result = m.ensure_present()

    assert result["changed"] is False
    assert m.diff["before"] == m.diff["after"]


def test_unset_replica_regions_leaves_replicas_alone(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")]))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))
    assert manager(aws, replica_regions=None).ensure_present()["changed"] is False


def test_check_mode_reports_changes_and_writes_nothing(aws):
    aws.existing(table(), pitr=False, tags={"Project": "tap-infra"})

    m = manager(aws, check_mode=True)
    result = m.ensure_present()

    assert result["changed"] is True
    assert m.diff["before"]["replica_regions"] == []
    assert m.diff["after"]["replica_regions"] == ["us-west-2"]
    assert m.diff["before"]["point_in_time_recovery"] is False
    assert m.diff["after"]["point_in_time_recovery"] is True
    assert m.diff["after"]["tags"] == TAGS


def test_check_mode_on_an_empty_account(aws):
    aws.describe_missing()
    result = manager(aws, check_mode=True).ensure_present()
    assert result["changed"] is True
    assert result["replicas"] == [{"region_name": "us-west-2", "replica_status": None}]


def test_check_mode_converged_is_unchanged(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")]))
    assert manager(aws, check_mode=True).ensure_present()["changed"] is False


def test_tags_are_converged(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")]), tags={"Project": "tap-infra", "Old": "x"})
    aws.stubber.add_response("untag_resource", {}, {"ResourceArn": ARN, "TagKeys": ["Old"]})
    aws.stubber.add_response("tag_resource", {}, {"ResourceArn": ARN, "Tags": [{"Key": "Environment", "Value": "dev"}]})
    aws.tags(TAGS)
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))
    result = manager(aws).ensure_present()
    assert result["changed"] is True
    assert result["tags"] == TAGS


def test_deletion_protection_and_sse_one_update_each(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")], sse=False))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")], sse=False))
    aws.update({"SSESpecification": {"Enabled": True, "SSEType": "KMS"}}, table(status="UPDATING"))
    aws.describe(table(status="UPDATING", replicas=[("us-west-2", "UPDATING")]))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))
    aws.update({"DeletionProtectionEnabled": True}, table(protection=True))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")], protection=True))

    result = manager(aws, deletion_protection=True).ensure_present()
    assert result["changed"] is True
    assert result["deletion_protection_enabled"] is True


def test_enabled_stream_is_not_enabled_again(aws):
    # enabling a stream that is on raises ResourceInUseException on AWS: no StreamSpecification update expected
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")]))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))
    assert manager(aws).ensure_present()["changed"] is False


def test_missing_stream_is_enabled(aws):
    aws.existing(table(stream=None), tags=TAGS)
    aws.describe(table(stream=None))
    aws.update({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}, table())
    aws.describe(table())
    result = manager(aws, replica_regions=[]).ensure_present()
    assert result["changed"] is True
    assert result["stream_view_type"] == "NEW_AND_OLD_IMAGES"


def test_absent_deletes_replicas_first_one_by_one(aws):
    both = [("eu-west-1", "ACTIVE"), ("us-west-2", "ACTIVE")]
    aws.existing(table(replicas=both))
    aws.describe(table(replicas=both))
    aws.replica_update("Delete", "eu-west-1", table(status="UPDATING", replicas=[("eu-west-1", "DELETING"), both[1]]))
    aws.describe(table(status="UPDATING", replicas=[("eu-west-1", "DELETING"), both[1]]))
    aws.describe(table(replicas=[both[1]]))
    aws.replica_update("Delete", "us-west-2", table(status="UPDATING", replicas=[("us-west-2", "DELETING")]))
    aws.describe(table(status="UPDATING", replicas=[("us-west-2", "DELETING")]))
    aws.describe(table())
    aws.stubber.add_response("delete_table", {"TableDescription": table(status="DELETING")}, {"TableName": NAME})
    aws.describe(table(status="DELETING"))
    aws.describe_missing()

    m = manager(aws, state="absent")
    result = m.ensure_absent()
    assert result == {"changed": True}
    assert m.diff["after"] == {}
    assert m.diff["before"]["replica_regions"] == ["eu-west-1", "us-west-2"]


def test_absent_refuses_a_protected_table_unless_protection_is_lifted(aws):
    aws.existing(table(protection=True))
    with pytest.raises(module.GlobalTableError, match="protected"):
        manager(aws, state="absent").ensure_absent()


def test_absent_lifts_protection_when_told(aws):
    aws.existing(table(protection=True))
    aws.describe(table(protection=True))
    aws.update({"DeletionProtectionEnabled": False}, table())
    aws.describe(table())
    aws.stubber.add_response("delete_table", {"TableDescription": table(status="DELETING")}, {"TableName": NAME})

    result = manager(aws, state="absent", deletion_protection=False, wait=False).ensure_absent()
    assert result["changed"] is True


def test_absent_check_mode_writes_nothing(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")]))
    assert manager(aws, state="absent", check_mode=True).ensure_absent() == {"changed": True}


def test_absent_when_gone_is_unchanged(aws):
    aws.describe_missing()
    assert manager(aws, state="absent").ensure_absent() == {"changed": False}


def test_failed_replica_fails_the_module(aws):
    aws.existing(table(replicas=[("us-west-2", "CREATION_FAILED")]))
    aws.describe(table(replicas=[("us-west-2", "CREATION_FAILED")]))
    with pytest.raises(module.GlobalTableError, match="CREATION_FAILED"):
        manager(aws).ensure_present()


def test_wait_times_out(aws):
    aws.existing(table(replicas=[("us-west-2", "CREATING")]))
    for dummy in range(4):
        aws.describe(table(replicas=[("us-west-2", "CREATING")]))
    with pytest.raises(module.GlobalTableError, match="Timed out"):
        manager(aws, wait_timeout=30).ensure_present()


def test_own_region_is_not_a_replica():
    m = module.GlobalTableManager(None, params(replica_regions=[REGION]), REGION)
    with pytest.raises(module.GlobalTableError, match="must not contain"):
        m.ensure_present()


def test_key_schema_cannot_change(aws):
    aws.existing(table())
    with pytest.raises(module.GlobalTableError, match="key schema"):
        manager(aws, range_key_name=None).ensure_present()


# ----------------------------------------------------------------------------- customer managed keys per region
KEYS = {
    REGION: "arn:aws:kms:%s:%s:key/11111111-2222-4333-8444-555555555555" % (REGION, ACCOUNT),
    "us-west-2": "arn:aws:kms:us-west-2:%s:key/66666666-7777-4888-9999-000000000000" % ACCOUNT,
}
CUSTOMER_SSE = {"enabled": True, "kms_key_id": KEYS[REGION], "replica_kms_key_ids": {"us-west-2": KEYS["us-west-2"]}}


def test_new_replica_is_created_with_its_regions_key(aws):
    aws.existing(table(keys=KEYS))
    aws.describe(table(keys=KEYS))
    aws.update(
        {"ReplicaUpdates": [{"Create": {"RegionName": "us-west-2", "KMSMasterKeyId": KEYS["us-west-2"]}}]},
        table(status="UPDATING", replicas=[("us-west-2", "CREATING")], keys=KEYS),
    )
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")], keys=KEYS))

    result = manager(aws, sse=CUSTOMER_SSE).ensure_present()

    assert result["changed"] is True
    assert result["replicas"][0]["kms_master_key_id"] == KEYS["us-west-2"]


def test_replica_with_another_key_is_switched_to_its_regions_key(aws):
    # the table and its replica on the AWS managed key (as built before customer keys were configured)
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")]))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))
    aws.update(
        {"SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEYS[REGION]}},
        table(status="UPDATING", replicas=[("us-west-2", "ACTIVE")], keys={REGION: KEYS[REGION]}),
    )
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")], keys={REGION: KEYS[REGION]}))
    aws.update(
        {"ReplicaUpdates": [{"Update": {"RegionName": "us-west-2", "KMSMasterKeyId": KEYS["us-west-2"]}}]},
        table(status="UPDATING", replicas=[("us-west-2", "UPDATING")], keys=KEYS),
    )
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")], keys=KEYS))

    m = manager(aws, sse=CUSTOMER_SSE)
    result = m.ensure_present()

    assert result["changed"] is True
    assert m.diff["before"]["replica_kms_keys"] == {"us-west-2": None}
    assert m.diff["after"]["replica_kms_keys"] == {"us-west-2": KEYS["us-west-2"]}
    assert m.diff["after"]["sse"] == {"enabled": True, "kms_key_arn": KEYS[REGION]}


def test_replica_keys_given_by_id_are_converged_and_check_mode_agrees(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")], keys=KEYS))
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")], keys=KEYS))
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")], keys=KEYS))
    by_id = {
        "enabled": True,
        "kms_key_id": KEYS[REGION].rsplit("/", maxsplit=1)[-1],
        "replica_kms_key_ids": {"us-west-2": KEYS["us-west-2"].rsplit("/", maxsplit=1)[-1]},
    }

    assert manager(aws, sse=by_id).ensure_present()["changed"] is False
    assert manager(aws, check_mode=True, sse=by_id).ensure_present()["changed"] is False


def test_check_mode_reports_a_replica_key_change_and_writes_nothing(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")], keys={REGION: KEYS[REGION]}))

    m = manager(aws, check_mode=True, sse=CUSTOMER_SSE)
    assert m.ensure_present()["changed"] is True
    assert m.diff["after"]["replica_kms_keys"] == {"us-west-2": KEYS["us-west-2"]}


# ----------------------------------------------------------------------------- inputs refused, main()
@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"replica_regions": ["us-west-2", REGION]}, "must not contain the module's region"),
        ({"stream_view_type": "KEYS_ONLY"}, "needs stream_view_type NEW_AND_OLD_IMAGES"),
        (
            {"sse": {"enabled": True, "kms_key_id": "alias/tap-test", "replica_kms_key_ids": {}}},
            "give sse.replica_kms_key_ids for us-west-2",
        ),
    ],
)
def test_inputs_are_refused_before_any_call(aws, overrides, message):
    with pytest.raises(module.GlobalTableError, match=message):
        manager(aws, **overrides).ensure_present()


def test_creating_needs_a_hash_key(aws):
    aws.describe_missing()
    with pytest.raises(module.GlobalTableError, match="hash_key_name is required to create table"):
        manager(aws, hash_key_name=None).ensure_present()


class FakeModule(utils.FakeModule):
    region = REGION


def test_main_previews_a_new_table_and_drops_the_diff_unless_asked(aws, monkeypatch):
    aws.describe_missing()
    aws.describe_missing()
    fake = FakeModule(params(), {"dynamodb": aws.client}, check_mode=True)
    result = utils.run_main(module, monkeypatch, fake)
    assert result["changed"] is True and "diff" not in result
    with_diff = utils.run_main(module, monkeypatch, FakeModule(params(), {"dynamodb": aws.client}, True, True))
    assert with_diff["diff"]["before"] == {} and with_diff["diff"]["after"]["replica_regions"] == ["us-west-2"]


def test_main_names_the_table_of_a_refused_input(aws, monkeypatch):
    fake = FakeModule(params(replica_regions=[REGION]), {"dynamodb": aws.client})
    result = utils.run_main(module, monkeypatch, fake)
    assert result["failed"] is True and "must not contain the module's region" in result["msg"]


def test_the_stream_view_of_a_table_with_replicas_is_not_changed(aws):
    aws.existing(table(replicas=[("us-west-2", "ACTIVE")], stream="NEW_IMAGE"))
    with pytest.raises(module.GlobalTableError, match="has replicas; its stream view type NEW_IMAGE cannot be changed"):
        manager(aws).ensure_present()


def test_without_tags_the_tags_are_left_alone_and_pitr_unknown_on_a_table_gone(aws):
    aws.describe(table(replicas=[("us-west-2", "ACTIVE")]))
    gone = ("TableNotFoundException", "Table not found: %s" % NAME, 400, {"TableName": NAME})
    aws.stubber.add_client_error("describe_continuous_backups", *gone)
    aws.tags({"Owner": "someone"})
    m = manager(aws, tags=None, check_mode=True)
    result = m.ensure_present()
    assert m.diff["before"]["tags"] == m.diff["after"]["tags"] == {"Owner": "someone"}
    assert m.diff["before"]["point_in_time_recovery"] is None and result["changed"] is True
