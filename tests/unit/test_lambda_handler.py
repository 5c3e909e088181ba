"""The lambda_alb handler, run in-process against moto (the emulator's Lambda never runs code), and its
reproducible packaging."""

import base64
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROLE_FILES = Path(__file__).resolve().parents[2] / "roles" / "lambda_alb" / "files"
REGION = "us-east-1"
TABLE = "tap-test-table"
BUCKET = "tap-test-us-east-1-123456789012"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


app = load("tap_lambda_alb_app", ROLE_FILES / "handler" / "app.py")
package = load("tap_lambda_alb_package", ROLE_FILES / "package.py")


def alb_event(method, path="/api/primary/hello", body=None, multi_value=False, base64_body=False):
    event = {
        "requestContext": {
            "elb": {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tap-tg/0123456789abcdef"
            }
        },
        "httpMethod": method,
        "path": path,
        "body": "",
        "isBase64Encoded": False,
    }
    headers = {"host": "primary.example.com", "content-type": "application/json"}
    if multi_value:
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        event["multiValueQueryStringParameters"] = {}
    else:
        event["headers"] = headers
        event["queryStringParameters"] = {}
    if body is not None:
        raw = json.dumps(body)
        if base64_body:
            event["body"] = base64.b64encode(raw.encode()).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = raw
    return event


@pytest.fixture
def env(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "TABLE_NAME": TABLE,
        "BUCKET_NAME": BUCKET,
        "SITE_NAME": "us-east-1",
        "REGION_ROLE": "primary",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app._client.cache_clear()
    yield
    app._client.cache_clear()


@pytest.fixture
def aws(env, monkeypatch):
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        key_arn = kms.create_key(Description="bucket key")["KeyMetadata"]["Arn"]
        monkeypatch.setenv("KMS_KEY_ARN", key_arn)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_encryption(
            Bucket=BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}
                ]
            },
        )
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield {"s3": s3, "dynamodb": dynamodb, "key_arn": key_arn}


def assert_alb_shape(response):
    assert set(response) >= {"statusCode", "statusDescription", "body", "isBase64Encoded"}
    assert response["isBase64Encoded"] is False
    assert response["statusDescription"].startswith(str(response["statusCode"]) + " ")
    assert ("headers" in response) != ("multiValueHeaders" in response)


def test_get_returns_site_information(env):
    response = app.handler(alb_event("GET"), None)
    assert_alb_shape(response)
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert set(body) == {"message", "region", "site", "timestamp"}
    assert body["region"] == REGION
    assert body["site"] == "us-east-1"
    assert "primary" in body["message"]


def test_get_with_multi_value_headers_answers_in_kind(env):
    response = app.handler(alb_event("GET", multi_value=True), None)
    assert_alb_shape(response)
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405(env, method):
    response = app.handler(alb_event(method), None)
    assert_alb_shape(response)
    assert response["statusCode"] == 405
    assert response["statusDescription"] == "405 Method Not Allowed"
    assert "POST" in response["headers"]["Allow"]


@pytest.mark.parametrize("base64_body", [False, True])
def test_post_writes_item_and_kms_encrypted_object(aws, base64_body):
    response = app.handler(alb_event("POST", body={"hello": "world"}, base64_body=base64_body), None)

    assert_alb_shape(response)
    assert response["statusCode"] == 201
    body = json.loads(response["body"])
    key = body["item"]
    item = aws["dynamodb"].get_item(TableName=TABLE, Key={"pk": {"S": key["pk"]}, "sk": {"S": key["sk"]}})["Item"]
    assert item["pk"]["S"] == "site#us-east-1"
    assert json.loads(item["payload"]["S"]) == {"hello": "world"}
    assert item["object_key"]["S"] == body["object"]["key"]

    obj = aws["s3"].get_object(Bucket=BUCKET, Key=body["object"]["key"])
    assert obj["ServerSideEncryption"] == "aws:kms"
    assert obj["SSEKMSKeyId"] == aws["key_arn"]
    stored = json.loads(obj["Body"].read())
    assert stored["payload"] == {"hello": "world"}
    assert stored["site"] == "us-east-1"


def test_post_without_table_env_fails_loudly(aws, monkeypatch):
    monkeypatch.delenv("TABLE_NAME")
    with pytest.raises(KeyError):
        app.handler(alb_event("POST", body={}), None)


# ---- packaging ---------------------------------------------------------------------------------------------


def test_two_builds_are_byte_identical(tmp_path):
    first = tmp_path / "a.zip"
    second = tmp_path / "b.zip"
    script = str(ROLE_FILES / "package.py")
    source = str(ROLE_FILES / "handler")
    out1 = subprocess.run([sys.executable, script, source, str(first)], check=True, capture_output=True, text=True)
    out2 = subprocess.run([sys.executable, script, source, str(second)], check=True, capture_output=True, text=True)
    assert first.read_bytes() == second.read_bytes()
    assert out1.stdout.split()[1] == out2.stdout.split()[1]
    assert out1.stdout.startswith("changed ")


def test_rebuild_reports_unchanged_and_keeps_the_file(tmp_path):
    out = tmp_path / "fn.zip"
    source = str(ROLE_FILES / "handler")
    assert package.main(["package.py", source, str(out)]) == 0
    mtime = out.stat().st_mtime_ns
    assert package.write_if_changed(package.build(source), str(out)) is False
    assert out.stat().st_mtime_ns == mtime


def test_build_ignores_mtimes_modes_and_bytecode(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(ROLE_FILES / "handler", source, ignore=shutil.ignore_patterns("__pycache__"))
    reference = package.build(str(source))
    os.utime(source / "app.py", (1_900_000_000, 1_900_000_000))
    os.chmod(source / "app.py", 0o600)
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"junk")
    assert package.build(str(source)) == reference


def test_zip_contents_and_metadata(tmp_path):
    import zipfile

    out = tmp_path / "fn.zip"
    package.write_if_changed(package.build(str(ROLE_FILES / "handler")), str(out))
    with zipfile.ZipFile(out) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["app.py"]
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
    assert all((i.external_attr >> 16) & 0o777 == 0o644 for i in infos)
