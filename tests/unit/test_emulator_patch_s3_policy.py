"""s3_policy_conditions: a TLS-only bucket policy lets SDK calls through (the emulator counts as TLS), while a
statement without a condition still denies, as on AWS."""

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.conftest import aws_client

# moto enforces bucket policies in server mode only: these run against the emulator (server.py, patches applied).
BUCKET = "tap-policy"


@pytest.fixture
def bucket_with(emulator):
    def create(statement):
        global BUCKET
        BUCKET = "tap-policy-" + uuid.uuid4().hex[:8]
        statement = json.loads(json.dumps(statement).replace("tap-policy", BUCKET))
        s3 = aws_client(emulator, "s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        return s3

    return create


def deny(condition=None):
    statement = {"Sid": "x", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::tap-policy", "arn:aws:s3:::tap-policy/*"]}
    if condition:
        statement["Condition"] = condition
    return statement


def test_tls_only_policy_allows_requests_made_over_tls(bucket_with):
    s3 = bucket_with(deny({"Bool": {"aws:SecureTransport": "false"}}))
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"v")
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"v"


def test_a_statement_whose_condition_holds_still_denies(bucket_with):
    s3 = bucket_with(deny({"Bool": {"aws:SecureTransport": "true"}}))
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"v")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_deny_without_condition_denies(bucket_with):
    s3 = bucket_with(deny())
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"v")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
