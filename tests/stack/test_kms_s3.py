"""Stack assertions for the kms_s3 role: the bucket and its KMS key, by describe calls."""

import json

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.concerns("kms_s3")


def _key(stack, site):
    kms = stack.client("kms", site["aws_region"])
    return kms, kms.describe_key(KeyId=stack.names(site["host"])["kms_alias"])["KeyMetadata"]


def _bucket(stack, site):
    return stack.client("s3", site["aws_region"]), stack.names(site["host"])["bucket"]


@pytest.mark.present
def test_key_is_customer_managed_rotated_and_aliased(stack):
    for site in stack.sites:
        kms, key = _key(stack, site)
        assert key["KeyManager"] == "CUSTOMER", site["host"]
        assert key["KeyState"] == "Enabled", site["host"]
        assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], site["host"]


@pytest.mark.present
def test_key_policy_root_administers_and_s3_uses_it_for_this_account(stack):
    for site in stack.sites:
        kms, key = _key(stack, site)
        account = key["Arn"].split(":")[4]
        policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
        statements = policy["Statement"]
        assert any(
            s["Effect"] == "Allow" and s["Principal"] == {"AWS": "arn:aws:iam::%s:root" % account} and s["Action"] == "kms:*"
            for s in statements
        ), site["host"]
        via_s3 = [s for s in statements if "Condition" in s]
        assert via_s3, site["host"]
        for statement in via_s3:
            condition = statement["Condition"]["StringEquals"]
            assert condition["kms:ViaService"] == "s3.%s.amazonaws.com" % site["aws_region"]
            assert condition["kms:CallerAccount"] == account
            assert "kms:*" not in statement["Action"]


@pytest.mark.present
def test_bucket_default_encryption_is_the_key_with_bucket_key(stack):
    for site in stack.sites:
        _, key = _key(stack, site)
        s3, bucket = _bucket(stack, site)
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        default = rule["ApplyServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] == "aws:kms", bucket
        assert default["KMSMasterKeyID"] in (key["Arn"], key["KeyId"]), bucket
        assert rule["BucketKeyEnabled"] is True, bucket


@pytest.mark.present
def test_bucket_is_versioned_private_and_owner_enforced(stack):
    for site in stack.sites:
        s3, bucket = _bucket(stack, site)
        assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled", bucket
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }, bucket
        rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert [r["ObjectOwnership"] for r in rules] == ["BucketOwnerEnforced"], bucket


@pytest.mark.present
def test_bucket_policy_denies_requests_without_tls(stack):
    for site in stack.sites:
        s3, bucket = _bucket(stack, site)
        arn = "arn:aws:s3:::%s" % bucket
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        denies = [
            s
            for s in policy["Statement"]
            if s["Effect"] == "Deny"
            and s["Principal"] in ("*", {"AWS": "*"})
            and s["Action"] in ("s3:*", ["s3:*"])
            and str(s["Condition"]["Bool"]["aws:SecureTransport"]).lower() == "false"
        ]
        assert denies, bucket
        resources = {r for s in denies for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])}
        assert {arn, arn + "/*"} <= resources, bucket


@pytest.mark.present
def test_bucket_is_tagged(stack):
    for site in stack.sites:
        s3, bucket = _bucket(stack, site)
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert tags["Environment"] == stack.suffix and tags["Project"] == "tap-infra" and tags["Name"] == bucket


@pytest.mark.absent
def test_no_bucket_is_left(stack):
    for site in stack.sites:
        s3, bucket = _bucket(stack, site)
        with pytest.raises(ClientError) as error:
            s3.head_bucket(Bucket=bucket)
        assert error.value.response["Error"]["Code"] in ("404", "NoSuchBucket"), bucket


@pytest.mark.absent
def test_the_bucket_key_alias_is_gone_and_the_key_pending_deletion(stack):
    """Teardown deletes the alias (not left on a key pending deletion), then schedules the key."""
    for site in stack.sites:
        alias = stack.names(site["host"])["kms_alias"]
        assert alias not in stack.kms_alias_names(site["aws_region"]), "%s is still there" % alias
        with pytest.raises(ClientError) as error:
            stack.client("kms", site["aws_region"]).describe_key(KeyId=alias)
        assert error.value.response["Error"]["Code"] == "NotFoundException", alias
        states = stack.kms_key_states(site["aws_region"], alias[len("alias/") :])
        assert states and set(states) == {"PendingDeletion"}, (alias, states)


@pytest.mark.absent
def test_every_key_of_the_suffix_is_pending_deletion(stack):
    for site in stack.sites:
        kms = stack.client("kms", site["aws_region"])
        for page in kms.get_paginator("list_keys").paginate():
            for entry in page["Keys"]:
                tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=entry["KeyId"]).get("Tags", [])}
                if tags.get("Project") == "tap-infra" and tags.get("Environment") == stack.suffix:
                    state = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]["KeyState"]
                    assert state == "PendingDeletion", (site["host"], entry["KeyId"], tags.get("Name"))
