# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.kms_customer_key against botocore's Stubber, with the response shapes KMS returns.

The Stubber fails on any call not queued, in order, so each test's queue is the exact list of calls the
module makes: the no-op run is four reads and nothing else.
"""

import datetime
import json
from functools import partial

import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.tap.infra.plugins.modules import kms_customer_key
from ansible_collections.tap.infra.plugins.modules.kms_customer_key import CustomerKeyError
from ansible_collections.tap.infra.plugins.modules.kms_customer_key import CustomerKeyManager
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils
from ansible_collections.tap.infra.plugins.module_utils.common import CLIENT_DECORATOR
from ansible_collections.tap.infra.plugins.module_utils.retries import NEW_PRINCIPAL_IN_KEY_POLICY

ACCOUNT = "123456789012"
ALIAS = "alias/tap-test-us-east-1-s3"
ALIAS_ARN = "arn:aws:kms:us-east-1:%s:%s" % (ACCOUNT, ALIAS)
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
OLDER_ID = "0aaa1111-2222-3333-4444-555566667777"
OTHER_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"
GONE_ID = "9f9f9f9f-8e8e-7d7d-6c6c-5b5b5b5b5b5b"
MANAGED_ID = "a1b2c3d4-0000-1111-2222-333344445555"
NEW_ID = "5e5e5e5e-4d4d-3c3c-2b2b-1a1a1a1a1a1a"
WHEN = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
EARLIER = datetime.datetime(2024, 4, 1, 12, 0, tzinfo=datetime.timezone.utc)

TAGS = {"Project": "tap-infra", "Environment": "test", "Name": "tap-test-us-east-1-s3"}
DESCRIPTION = "tap-infra test us-east-1: default encryption of the bucket"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "RootAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "S3UsesIt",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}
            },
        },
    ],
}


def arn(key_id):
    return "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, key_id)


def metadata(key_id=KEY_ID, state="Enabled", manager="CUSTOMER", description=DESCRIPTION, created=WHEN):
    """KeyMetadata as DescribeKey / CreateKey return it for a symmetric encryption key."""
    found = {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": arn(key_id),
        "CreationDate": created,
        "Enabled": state == "Enabled",
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": state,
        "Origin": "AWS_KMS",
        "KeyManager": manager,
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    if state == "PendingDeletion":
        found.update(DeletionDate=WHEN + datetime.timedelta(days=7), PendingDeletionWindowInDays=7)
    return found


def tag_list(tags):
    """A tag list as the module sends it (sorted by key) and as KMS returns it."""
    return [{"TagKey": key, "TagValue": value} for key, value in sorted(tags.items())]


def params(**overrides):
    values = {
        "alias": ALIAS,
        "description": DESCRIPTION,
        "policy": json.dumps(POLICY),  # Ansible's json type hands a dict over as its JSON text
        "tags": dict(TAGS),
        "identifying_tags": ["Project", "Environment", "Name"],
        "enable_key_rotation": True,
        "pending_window": 7,
        "state": "present",
    }
    values.update(overrides)
    return values


class Clients:
    """The module's two clients (KMS, Resource Groups Tagging API), stubbed; `stubber` queues a response on the
    client of the operation."""

    def __init__(self, kms_client, tagging):
        self.kms = kms_client
        self.tagging = tagging
        self.client = kms_client.client  # the raw KMS client (its exceptions)


class Stubbers:
    def __init__(self, kms_stubber, tagging_stubber):
        self.kms = kms_stubber
        self.tagging = tagging_stubber

    def _for(self, operation):
        return self.tagging if operation == "get_resources" else self.kms

    def add_response(self, operation, *args, **kwargs):
        self._for(operation).add_response(operation, *args, **kwargs)

    def add_client_error(self, operation, *args, **kwargs):
        self._for(operation).add_client_error(operation, *args, **kwargs)


@pytest.fixture
def kms():
    kms_raw, tagging_raw = utils.raw_client("kms"), utils.raw_client("resourcegroupstaggingapi")
    with Stubber(kms_raw) as kms_stubber, Stubber(tagging_raw) as tagging_stubber:
        clients = Clients(
            RetryingBotoClientWrapper(kms_raw, CLIENT_DECORATOR), RetryingBotoClientWrapper(tagging_raw, CLIENT_DECORATOR)
        )
        yield clients, Stubbers(kms_stubber, tagging_stubber)
        kms_stubber.assert_no_pending_responses()
        tagging_stubber.assert_no_pending_responses()


# --- the calls, as queued responses ---------------------------------------------------------------------------


def described(stubber, key_id, found):
    stubber.add_response("describe_key", {"KeyMetadata": found}, {"KeyId": key_id})


def alias_missing(stubber, name=ALIAS):
    stubber.add_client_error(
        "describe_key",
        service_error_code="NotFoundException",
        service_message="Alias arn:aws:kms:us-east-1:%s:%s is not found." % (ACCOUNT, name),
        http_status_code=400,
        expected_params={"KeyId": name},
    )


def tagged(stubber, key_id, tags):
    stubber.add_response("list_resource_tags", {"Tags": tag_list(tags), "Truncated": False}, {"KeyId": key_id})


def policy_read(stubber, key_id=KEY_ID, policy=None):
    text = json.dumps(POLICY if policy is None else policy, indent=4)  # AWS returns the text as it was put
    stubber.add_response(
        "get_key_policy", {"Policy": text, "PolicyName": "default"}, {"KeyId": key_id, "PolicyName": "default"}
    )


def rotation_read(stubber, key_id=KEY_ID, enabled=True):
    response = {"KeyRotationEnabled": enabled, "KeyId": key_id}
    if enabled:
        response.update(RotationPeriodInDays=365, NextRotationDate=WHEN + datetime.timedelta(days=365))
    stubber.add_response("get_key_rotation_status", response, {"KeyId": key_id})


def listed(stubber, *pages):
    """ListKeys over one or more pages (NextMarker/Truncated as KMS pages them)."""
    marker = None
    for index, key_ids in enumerate(pages):
        expected = {"Marker": marker} if marker else {}
        response = {"Keys": [{"KeyId": k, "KeyArn": arn(k)} for k in key_ids], "Truncated": index < len(pages) - 1}
        if response["Truncated"]:
            marker = "page-%d-marker" % (index + 1)
            response["NextMarker"] = marker
        stubber.add_response("list_keys", response, expected)


def converged_reads(stubber, key_id=KEY_ID, tags=None, policy=None, rotation=True, found=None):
    """The no-op: DescribeKey by alias, ListResourceTags, GetKeyPolicy, GetKeyRotationStatus."""
    described(stubber, ALIAS, found or metadata(key_id))
    tagged(stubber, key_id, TAGS if tags is None else tags)
    policy_read(stubber, key_id, policy)
    rotation_read(stubber, key_id, rotation)


def manager(client, check_mode=False, warnings=None, sleeps=None, **overrides):
    return CustomerKeyManager(
        client.kms,
        params(**overrides),
        tagging=client.tagging,
        check_mode=check_mode,
        warn=(warnings.append if warnings is not None else None),
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


# --- parameters --------------------------------------------------------------------------------------------


def test_alias_gets_the_prefix(kms):
    client = kms[0]
    assert manager(client, alias="tap-test-us-east-1-s3").alias == ALIAS


@pytest.mark.parametrize("name", ["alias/aws/s3", "aws/dynamodb", "alias/has space", "alias/", "x" * 257])
def test_bad_or_reserved_aliases_are_refused(kms, name):
    client = kms[0]
    with pytest.raises(CustomerKeyError):
        manager(client, alias=name)


def test_tags_must_hold_the_identifying_tags(kms):
    client = kms[0]
    with pytest.raises(CustomerKeyError, match="missing: Name"):
        manager(client, tags={"Project": "tap-infra", "Environment": "test"})
    with pytest.raises(CustomerKeyError):
        manager(client, identifying_tags=[])


def test_policy_as_dict_or_json_and_bad_json_refused(kms):
    client = kms[0]
    assert manager(client, policy=POLICY).policy == POLICY
    assert manager(client).policy == POLICY
    with pytest.raises(CustomerKeyError, match="not valid JSON"):
        manager(client, policy="{not json")
    with pytest.raises(CustomerKeyError, match="JSON object"):
        manager(client, policy="[]")


# --- present, the key found by its alias -----------------------------------------------------------------------


def test_no_op_is_exactly_four_reads_and_no_write(kms):
    client, stubber = kms
    converged_reads(stubber)

    result = manager(client).ensure_present()

    assert result == {
        "changed": False,
        "alias": ALIAS,
        "key_id": KEY_ID,
        "key_arn": arn(KEY_ID),
        "key_state": "Enabled",
    }


def test_no_op_ignores_policy_formatting_order_and_aws_tags(kms):
    client, stubber = kms
    reordered = {
        "Statement": [
            dict(POLICY["Statement"][1], Action=["kms:GenerateDataKey*", "kms:Decrypt"]),
            dict(POLICY["Statement"][0], Action=["kms:*"]),
        ],
        "Version": "2012-10-17",
    }
    converged_reads(stubber, tags=dict(TAGS, **{"aws:cloudformation:stack-name": "kept"}), policy=reordered)

    assert manager(client).ensure_present()["changed"] is False


def test_unset_options_are_neither_read_nor_changed(kms):
    client, stubber = kms
    described(stubber, ALIAS, metadata(description="someone else's words"))
    tagged(stubber, KEY_ID, TAGS)
    rotation_read(stubber)

    assert manager(client, policy=None, description=None).ensure_present()["changed"] is False


def test_policy_drift_is_put_back(kms):
    client, stubber = kms
    loosened = {"Version": "2012-10-17", "Statement": [dict(POLICY["Statement"][1], Principal="*", Condition={})]}
    converged_reads(stubber, policy=loosened)
    stubber.add_response("put_key_policy", {}, {"KeyId": KEY_ID, "PolicyName": "default", "Policy": json.dumps(POLICY)})

    result = manager(client).ensure_present()

    assert result["changed"] is True


def test_tag_drift_is_fixed_and_aws_tags_are_kept(kms):
    client, stubber = kms
    current = dict(TAGS, Environment="prod", Owner="someone", **{"aws:createdBy": "x"})
    converged_reads(stubber, tags=current)
    stubber.add_response("untag_resource", {}, {"KeyId": KEY_ID, "TagKeys": ["Owner"]})
    stubber.add_response("tag_resource", {}, {"KeyId": KEY_ID, "Tags": [{"TagKey": "Environment", "TagValue": "test"}]})

    assert manager(client).ensure_present()["changed"] is True


def test_description_drift_is_fixed(kms):
    client, stubber = kms
    converged_reads(stubber, found=metadata(description="edited by hand"))
    stubber.add_response("update_key_description", {}, {"KeyId": KEY_ID, "Description": DESCRIPTION})

    assert manager(client).ensure_present()["changed"] is True


def test_rotation_drift_is_fixed_both_ways(kms):
    client, stubber = kms
    converged_reads(stubber, rotation=False)
    stubber.add_response("enable_key_rotation", {}, {"KeyId": KEY_ID})
    converged_reads(stubber, rotation=True)
    stubber.add_response("disable_key_rotation", {}, {"KeyId": KEY_ID})

    assert manager(client).ensure_present()["changed"] is True
    assert manager(client, enable_key_rotation=False).ensure_present()["changed"] is True


def test_every_drift_at_once_policy_last_with_diff(kms):
    client, stubber = kms
    converged_reads(
        stubber,
        found=metadata(description="old"),
        tags={"Project": "tap-infra"},
        policy={"Statement": []},
        rotation=False,
    )
    stubber.add_response("update_key_description", {}, {"KeyId": KEY_ID, "Description": DESCRIPTION})
    stubber.add_response(
        "tag_resource",
        {},
        {"KeyId": KEY_ID, "Tags": tag_list({"Environment": TAGS["Environment"], "Name": TAGS["Name"]})},
    )
    stubber.add_response("enable_key_rotation", {}, {"KeyId": KEY_ID})
    stubber.add_response("put_key_policy", {}, {"KeyId": KEY_ID, "PolicyName": "default", "Policy": json.dumps(POLICY)})
    key = manager(client)

    assert key.ensure_present()["changed"] is True
    assert key.diff["before"] == {
        "alias_target": KEY_ID,
        "description": "old",
        "tags": {"Project": "tap-infra"},
        "policy": {"Statement": []},
        "enable_key_rotation": False,
        "key_state": "Enabled",
    }
    assert key.diff["after"] == {
        "alias_target": KEY_ID,
        "description": DESCRIPTION,
        "tags": TAGS,
        "policy": POLICY,
        "enable_key_rotation": True,
        "key_state": "Enabled",
    }


def test_check_mode_reports_drift_and_writes_nothing(kms):
    client, stubber = kms
    converged_reads(stubber, found=metadata(description="old"), rotation=False)

    key = manager(client, check_mode=True)
    result = key.ensure_present()

    # Only the four reads were queued: any write would fail the stubber.
    assert result["changed"] is True and result["key_id"] == KEY_ID
    assert key.diff["before"]["description"] == "old" and key.diff["after"]["description"] == DESCRIPTION
    assert (key.diff["before"]["enable_key_rotation"], key.diff["after"]["enable_key_rotation"]) == (False, True)


# --- present, the alias does not lead to an enabled key -----------------------------------------------------


IDENTITY_FILTERS = [{"Key": key, "Values": [TAGS[key]]} for key in ("Project", "Environment", "Name")]


def tag_mappings(stubber, *pages):
    """GetResources with the identifying tags and the kms:key type, over one or more pages (PaginationToken as
    the Resource Groups Tagging API pages them). pages: lists of (key id, tags)."""
    token = None
    for index, keys in enumerate(pages):
        expected = {"TagFilters": IDENTITY_FILTERS, "ResourceTypeFilters": ["kms:key"]}
        if token:
            expected["PaginationToken"] = token
        token = "page-%d-token" % (index + 1) if index < len(pages) - 1 else ""
        mappings = [
            {"ResourceARN": arn(key_id), "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}
            for key_id, tags in keys
        ]
        stubber.add_response(
            "get_resources", {"PaginationToken": token, "ResourceTagMappingList": mappings}, expected
        )


def scan(stubber, *keys, pages=None):
    """The search by tags: GetResources answers the keys carrying the identifying tags (AWS filters them), then
    DescribeKey per key. keys: (key id, KeyMetadata, tags or None: the identifying tags)."""
    matching = [(key_id, TAGS if tags is None else tags) for key_id, found, tags in keys]
    matching = [(key_id, tags) for key_id, tags in matching if all(tags.get(k) == TAGS[k] for k in TAGS)]
    if pages:
        pages = [[found for found in matching if found[0] in page] for page in pages]
    tag_mappings(stubber, *(pages or [matching]))
    for key_id, found, tags in keys:
        if (key_id, TAGS if tags is None else tags) in matching:
            described(stubber, arn(key_id), found)


def test_alias_missing_adopts_the_key_found_by_its_tags(kms):
    client, stubber = kms
    alias_missing(stubber)
    neighbour = dict(TAGS, Environment="other")
    scan(
        stubber,
        (MANAGED_ID, metadata(MANAGED_ID, manager="AWS", description="Default key for S3"), None),
        (GONE_ID, metadata(GONE_ID, state="PendingDeletion"), None),
        (OTHER_ID, metadata(OTHER_ID), neighbour),
        (KEY_ID, metadata(KEY_ID), TAGS),
        pages=[[MANAGED_ID, GONE_ID], [OTHER_ID, KEY_ID]],
    )
    # The tags were read by the scan: only the policy and the rotation remain to be read.
    policy_read(stubber)
    rotation_read(stubber)
    stubber.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": KEY_ID})

    key = manager(client)
    result = key.ensure_present()

    assert result == {"changed": True, "alias": ALIAS, "key_id": KEY_ID, "key_arn": arn(KEY_ID), "key_state": "Enabled"}
    assert (key.diff["before"]["alias_target"], key.diff["after"]["alias_target"]) == ("", KEY_ID)


def test_several_tagged_keys_the_oldest_is_adopted_the_others_named(kms):
    client, stubber = kms
    warnings = []
    alias_missing(stubber)
    scan(stubber, (KEY_ID, metadata(KEY_ID), TAGS), (OLDER_ID, metadata(OLDER_ID, created=EARLIER), TAGS))
    policy_read(stubber, OLDER_ID)
    rotation_read(stubber, OLDER_ID)
    stubber.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": OLDER_ID})

    assert manager(client, warnings=warnings).ensure_present()["key_id"] == OLDER_ID
    assert len(warnings) == 1 and KEY_ID in warnings[0] and "left alone" in warnings[0]


def test_alias_on_a_disabled_tagged_key_prefers_it_and_enables_it(kms):
    client, stubber = kms
    warnings = []
    described(stubber, ALIAS, metadata(KEY_ID, state="Disabled"))
    scan(
        stubber,
        (OLDER_ID, metadata(OLDER_ID, created=EARLIER), TAGS),
        (KEY_ID, metadata(KEY_ID, state="Disabled"), TAGS),
    )
    policy_read(stubber, KEY_ID)
    rotation_read(stubber, KEY_ID)
    stubber.add_response("enable_key", {}, {"KeyId": KEY_ID})

    result = manager(client, warnings=warnings).ensure_present()

    # The alias already points at the adopted key: no alias call.
    assert (result["changed"], result["key_id"], result["key_state"]) == (True, KEY_ID, "Enabled")
    assert OLDER_ID in warnings[0]


def test_alias_on_a_key_pending_deletion_gets_a_new_key(kms):
    client, stubber = kms
    described(stubber, ALIAS, metadata(GONE_ID, state="PendingDeletion"))
    scan(stubber, (GONE_ID, metadata(GONE_ID, state="PendingDeletion"), None))
    stubber.add_response(
        "create_key",
        {"KeyMetadata": metadata(NEW_ID)},
        {
            "Description": DESCRIPTION,
            "KeySpec": "SYMMETRIC_DEFAULT",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "Tags": tag_list(TAGS),
            "Policy": json.dumps(POLICY),
        },
    )
    stubber.add_response("enable_key_rotation", {}, {"KeyId": NEW_ID})
    stubber.add_response("update_alias", {}, {"AliasName": ALIAS, "TargetKeyId": NEW_ID})

    result = manager(client).ensure_present()

    assert (result["changed"], result["key_id"], result["key_arn"]) == (True, NEW_ID, arn(NEW_ID))


def create_key(stubber, key_id=NEW_ID):
    stubber.add_response(
        "create_key",
        {"KeyMetadata": metadata(key_id)},
        {
            "Description": DESCRIPTION,
            "KeySpec": "SYMMETRIC_DEFAULT",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "Tags": tag_list(TAGS),
            "Policy": json.dumps(POLICY),
        },
    )


def test_nothing_found_creates_the_key_then_rotation_then_alias(kms):
    client, stubber = kms
    alias_missing(stubber)
    scan(stubber, (OTHER_ID, metadata(OTHER_ID), dict(TAGS, Name="tap-test-us-east-1-rds")))
    create_key(stubber)
    stubber.add_response("enable_key_rotation", {}, {"KeyId": NEW_ID})
    stubber.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": NEW_ID})

    key = manager(client)
    result = key.ensure_present()

    assert result == {"changed": True, "alias": ALIAS, "key_id": NEW_ID, "key_arn": arn(NEW_ID), "key_state": "Enabled"}
    assert key.diff["before"] == {} and key.diff["after"]["alias_target"] == NEW_ID


def test_a_new_key_without_rotation_skips_enable_key_rotation(kms):
    client, stubber = kms
    alias_missing(stubber)
    scan(stubber)
    create_key(stubber)
    stubber.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": NEW_ID})

    assert manager(client, enable_key_rotation=False).ensure_present()["key_id"] == NEW_ID


def test_check_mode_on_an_empty_account_writes_nothing_and_has_no_arn(kms):
    client, stubber = kms
    alias_missing(stubber)
    scan(stubber)

    key = manager(client, check_mode=True)
    result = key.ensure_present()

    assert result == {"changed": True, "alias": ALIAS, "key_id": "", "key_arn": "", "key_state": ""}
    assert key.diff["after"]["tags"] == TAGS and key.diff["after"]["policy"] == POLICY


def test_check_mode_adoption_writes_nothing(kms):
    client, stubber = kms
    alias_missing(stubber)
    scan(stubber, (KEY_ID, metadata(KEY_ID), TAGS))
    policy_read(stubber)
    rotation_read(stubber)

    result = manager(client, check_mode=True).ensure_present()

    assert (result["changed"], result["key_id"]) == (True, KEY_ID)


def test_malformed_policy_is_retried_then_the_key_is_created(kms):
    client, stubber = kms
    sleeps = []
    alias_missing(stubber)
    scan(stubber)
    for dummy in range(2):
        stubber.add_client_error(
            "create_key",
            service_error_code="MalformedPolicyDocumentException",
            service_message="Policy contains a statement with one or more invalid principals.",
            http_status_code=400,
        )
    create_key(stubber)
    stubber.add_response("enable_key_rotation", {}, {"KeyId": NEW_ID})
    stubber.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": NEW_ID})

    assert manager(client, sleeps=sleeps).ensure_present()["key_id"] == NEW_ID
    assert sleeps == list(NEW_PRINCIPAL_IN_KEY_POLICY.schedule()[:2])


def test_malformed_policy_retries_are_bounded(kms):
    client, stubber = kms
    sleeps = []
    converged_reads(stubber, policy={"Statement": []})
    for dummy in range(len(NEW_PRINCIPAL_IN_KEY_POLICY.schedule()) + 1):
        stubber.add_client_error(
            "put_key_policy",
            service_error_code="MalformedPolicyDocumentException",
            service_message="Policy contains a statement with one or more invalid principals.",
            http_status_code=400,
        )

    with pytest.raises(client.client.exceptions.MalformedPolicyDocumentException):
        manager(client, sleeps=sleeps).ensure_present()
    assert sleeps == list(NEW_PRINCIPAL_IN_KEY_POLICY.schedule())


def test_alias_created_meanwhile_is_pointed_at_the_key(kms):
    client, stubber = kms
    alias_missing(stubber)
    scan(stubber, (KEY_ID, metadata(KEY_ID), TAGS))
    policy_read(stubber)
    rotation_read(stubber)
    stubber.add_client_error(
        "create_alias",
        service_error_code="AlreadyExistsException",
        service_message="An alias with the name %s already exists" % ALIAS_ARN,
        http_status_code=400,
        expected_params={"AliasName": ALIAS, "TargetKeyId": KEY_ID},
    )
    described(stubber, ALIAS, metadata(OTHER_ID))
    stubber.add_response("update_alias", {}, {"AliasName": ALIAS, "TargetKeyId": KEY_ID})

    assert manager(client).ensure_present()["changed"] is True


def test_a_key_the_deployer_may_not_describe_fails_at_once_naming_the_statement(kms):
    client, stubber = kms
    alias_missing(stubber)
    tag_mappings(stubber, [(OTHER_ID, TAGS)])
    stubber.add_client_error(
        "describe_key",
        service_error_code="AccessDeniedException",
        service_message="User: arn:aws:iam::%s:user/deployer is not authorized to perform: kms:DescribeKey" % ACCOUNT,
        http_status_code=400,
        expected_params={"KeyId": arn(OTHER_ID)},
    )
    sleeps = []
    with pytest.raises(CustomerKeyError) as raised:
        manager(client, sleeps=sleeps).ensure_present()
    message = raised.value.message
    assert "kms:DescribeKey on %s" % arn(OTHER_ID) in message and "KmsReadKeys" in message
    assert sleeps == []


def test_the_search_costs_the_same_whatever_the_region_holds(kms):
    # 500 keys in the region, 2 of them this key's (one pending deletion from an earlier teardown): AWS filters by
    # tag, so the search is one GetResources and one DescribeKey per key carrying the tags, never a read per key
    # of the region.
    client, stubber = kms
    region = [("%08d-0000-4000-8000-000000000000" % n, {"Project": "other", "Name": "k%d" % n}) for n in range(498)]
    region += [(GONE_ID, TAGS), (KEY_ID, TAGS)]
    alias_missing(stubber)
    tag_mappings(stubber, [(key_id, tags) for key_id, tags in region if tags == TAGS])
    described(stubber, arn(GONE_ID), metadata(GONE_ID, state="PendingDeletion"))
    described(stubber, arn(KEY_ID), metadata(KEY_ID))
    policy_read(stubber)
    rotation_read(stubber)
    stubber.add_response("create_alias", {}, {"AliasName": ALIAS, "TargetKeyId": KEY_ID})
    calls = []
    for raw in (client.kms.client, client.tagging.client):
        raw.meta.events.register("before-parameter-build.*.*", lambda model, **kw: calls.append(model.name))

    assert manager(client).ensure_present()["key_id"] == KEY_ID
    assert calls.count("GetResources") == 1 and calls.count("DescribeKey") == 3  # alias, then the 2 tagged keys
    assert "ListKeys" not in calls and len(calls) == 7 < len(region)


# --- absent ---------------------------------------------------------------------------------------------------


def test_absent_deletes_the_alias_and_schedules_every_live_tagged_key(kms):
    client, stubber = kms
    described(stubber, ALIAS, metadata(KEY_ID))
    scan(
        stubber,
        (MANAGED_ID, metadata(MANAGED_ID, manager="AWS"), None),
        (GONE_ID, metadata(GONE_ID, state="PendingDeletion"), None),
        (KEY_ID, metadata(KEY_ID), TAGS),
        (OLDER_ID, metadata(OLDER_ID, state="Disabled", created=EARLIER), TAGS),
        (OTHER_ID, metadata(OTHER_ID), dict(TAGS, Environment="other")),
    )
    stubber.add_response("delete_alias", {}, {"AliasName": ALIAS})
    stubber.add_response("schedule_key_deletion", {"KeyId": arn(KEY_ID)}, {"KeyId": KEY_ID, "PendingWindowInDays": 7})
    stubber.add_response(
        "schedule_key_deletion", {"KeyId": arn(OLDER_ID)}, {"KeyId": OLDER_ID, "PendingWindowInDays": 7}
    )

    key = manager(client, state="absent")
    result = key.ensure_absent()

    assert result["changed"] is True
    assert result["scheduled_key_ids"] == [KEY_ID, OLDER_ID]
    assert (result["key_id"], result["key_state"]) == (KEY_ID, "PendingDeletion")
    assert key.diff == {
        "before": {"alias_target": KEY_ID, "live_key_ids": [KEY_ID, OLDER_ID]},
        "after": {"alias_target": "", "live_key_ids": []},
    }


def test_absent_schedules_the_key_whose_alias_is_already_gone(kms):
    client, stubber = kms
    alias_missing(stubber)
    scan(stubber, (KEY_ID, metadata(KEY_ID), TAGS))
    stubber.add_response("schedule_key_deletion", {"KeyId": arn(KEY_ID)}, {"KeyId": KEY_ID, "PendingWindowInDays": 7})

    result = manager(client, state="absent").ensure_absent()

    assert (result["changed"], result["scheduled_key_ids"], result["key_id"]) == (True, [KEY_ID], "")


def test_absent_when_everything_is_gone_changes_nothing(kms):
    client, stubber = kms
    alias_missing(stubber)
    scan(stubber, (GONE_ID, metadata(GONE_ID, state="PendingDeletion"), None))

    result = manager(client, state="absent").ensure_absent()

    assert result == {
        "changed": False,
        "alias": ALIAS,
        "key_id": "",
        "key_arn": "",
        "key_state": "",
        "scheduled_key_ids": [],
    }


def test_absent_leaves_an_untagged_aliased_key_alone_with_a_warning(kms):
    client, stubber = kms
    warnings = []
    described(stubber, ALIAS, metadata(OTHER_ID))
    scan(stubber, (OTHER_ID, metadata(OTHER_ID), {"Project": "someone-else"}))
    tagged(stubber, OTHER_ID, {"Project": "someone-else"})
    stubber.add_response("delete_alias", {}, {"AliasName": ALIAS})

    result = manager(client, state="absent", warnings=warnings).ensure_absent()

    assert (result["changed"], result["scheduled_key_ids"], result["key_state"]) == (True, [], "Enabled")
    assert OTHER_ID in warnings[0] and "left alone" in warnings[0]


def test_absent_schedules_the_aliased_key_by_its_own_tags_when_the_tagging_api_does_not_list_it_yet(kms):
    client, stubber = kms
    warnings = []
    described(stubber, ALIAS, metadata(KEY_ID))
    tag_mappings(stubber, [])  # the Resource Groups Tagging API is eventually consistent: not listed yet
    tagged(stubber, KEY_ID, TAGS)
    stubber.add_response("delete_alias", {}, {"AliasName": ALIAS})
    stubber.add_response("schedule_key_deletion", {"KeyId": arn(KEY_ID)}, {"KeyId": KEY_ID, "PendingWindowInDays": 7})

    result = manager(client, state="absent", warnings=warnings).ensure_absent()

    assert (result["changed"], result["scheduled_key_ids"], result["key_state"]) == (True, [KEY_ID], "PendingDeletion")
    assert warnings == []


def test_absent_in_check_mode_writes_nothing(kms):
    client, stubber = kms
    described(stubber, ALIAS, metadata(KEY_ID))
    scan(stubber, (KEY_ID, metadata(KEY_ID), TAGS))

    result = manager(client, state="absent", check_mode=True).ensure_absent()

    assert (result["changed"], result["scheduled_key_ids"]) == (True, [KEY_ID])


def test_absent_tolerates_a_concurrent_deletion(kms):
    client, stubber = kms
    described(stubber, ALIAS, metadata(KEY_ID))
    scan(stubber, (KEY_ID, metadata(KEY_ID), TAGS))
    stubber.add_client_error(
        "delete_alias", service_error_code="NotFoundException", service_message="gone", http_status_code=400
    )
    stubber.add_client_error(
        "schedule_key_deletion",
        service_error_code="KMSInvalidStateException",
        service_message="%s is pending deletion." % arn(KEY_ID),
        http_status_code=400,
    )
    described(stubber, KEY_ID, metadata(KEY_ID, state="PendingDeletion"))

    assert manager(client, state="absent").ensure_absent()["scheduled_key_ids"] == [KEY_ID]


# --- main -----------------------------------------------------------------------------------------------------


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with these params and the stubbed kms client."""

    def __init__(self, module_params, client, check_mode=False, diff=False):
        clients = {"kms": client.kms, "resourcegroupstaggingapi": client.tagging}
        super().__init__(module_params, clients, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, kms_customer_key)


def test_main_drops_diff_unless_asked(kms, monkeypatch):
    client, stubber = kms
    converged_reads(stubber, rotation=False)
    result = run_main(monkeypatch, FakeModule(params(), client, check_mode=True))
    assert result["changed"] is True and "diff" not in result


def test_main_keeps_diff_when_asked(kms, monkeypatch):
    client, stubber = kms
    converged_reads(stubber, rotation=False)
    result = run_main(monkeypatch, FakeModule(params(), client, check_mode=True, diff=True))
    assert result["diff"]["after"]["enable_key_rotation"] is True


@pytest.mark.parametrize("days", [6, 31])
def test_main_refuses_a_pending_window_aws_refuses(kms, monkeypatch, days):
    client = kms[0]
    result = run_main(monkeypatch, FakeModule(params(pending_window=days, state="absent"), client))
    assert result["failed"] is True and "between 7 and 30" in result["msg"]


def test_main_reports_a_reserved_alias(kms, monkeypatch):
    client = kms[0]
    result = run_main(monkeypatch, FakeModule(params(alias="alias/aws/s3"), client))
    assert result["failed"] is True and "reserved" in result["msg"]


def test_main_reports_aws_errors(kms, monkeypatch):
    client, stubber = kms
    stubber.add_client_error(
        "describe_key", service_error_code="AccessDeniedException", service_message="not allowed", http_status_code=400
    )
    result = run_main(monkeypatch, FakeModule(params(), client))
    assert result["failed"] is True and "kms:DescribeKey on %s" % ALIAS in result["msg"]


def test_main_passes_warnings_on(kms, monkeypatch):
    client, stubber = kms
    described(stubber, ALIAS, metadata(OTHER_ID))
    scan(stubber, (OTHER_ID, metadata(OTHER_ID), {}))
    tagged(stubber, OTHER_ID, {})
    stubber.add_response("delete_alias", {}, {"AliasName": ALIAS})
    fake = FakeModule(params(state="absent"), client)
    result = run_main(monkeypatch, fake)
    assert result["changed"] is True and fake.warnings
