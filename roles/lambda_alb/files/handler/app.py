"""tap-infra site API: the Lambda function behind each region site's Application Load Balancer.

GET  /api/...  -> 200 {message, region, site, timestamp}
POST /api/...  -> 201: writes an item (pk/sk) to the global table and an object (SSE-KMS) to the site's
                  bucket, returns their keys
other methods  -> 405

Environment: TABLE_NAME, BUCKET_NAME, KMS_KEY_ARN (optional: the bucket's key), SITE_NAME, REGION_ROLE.
"""

import base64
import json
import os
import uuid
from datetime import datetime, timezone
from functools import lru_cache

import boto3

STATUS_TEXT = {200: "200 OK", 201: "201 Created", 400: "400 Bad Request", 404: "404 Not Found"}
STATUS_TEXT[405] = "405 Method Not Allowed"


@lru_cache(maxsize=None)
def _client(service):
    return boto3.client(service)


def _now():
    return datetime.now(timezone.utc)


def _response(event, status, payload, extra_headers=None):
    """An ALB Lambda response; multiValueHeaders when the target group has them enabled."""
    headers = {"Content-Type": "application/json"}
    headers.update(extra_headers or {})
    response = {
        "statusCode": status,
        "statusDescription": STATUS_TEXT.get(status, str(status)),
        "isBase64Encoded": False,
        "body": json.dumps(payload, sort_keys=True),
    }
    if "multiValueHeaders" in event:
        response["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    else:
        response["headers"] = headers
    return response


def _site():
    return os.environ.get("SITE_NAME", "unknown")


def _region():
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "unknown")


def _body(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return {"text": raw}


def _get(event):
    role = os.environ.get("REGION_ROLE", "")
    return _response(
        event,
        200,
        {
            "message": "Hello from the %s site" % (role or _site()),
            "region": _region(),
            "site": _site(),
            "timestamp": _now().isoformat(),
        },
    )


def _post(event):
    now = _now()
    request_id = str(uuid.uuid4())
    site = _site()
    pk = "site#%s" % site
    sk = "%s#%s" % (now.isoformat(), request_id)
    object_key = "requests/%s/%s.json" % (now.strftime("%Y/%m/%d"), request_id)
    record = {
        "site": site,
        "region": _region(),
        "path": event.get("path", ""),
        "received_at": now.isoformat(),
        "payload": _body(event),
    }

    _client("dynamodb").put_item(
        TableName=os.environ["TABLE_NAME"],
        Item={
            "pk": {"S": pk},
            "sk": {"S": sk},
            "site": {"S": site},
            "region": {"S": record["region"]},
            "object_key": {"S": object_key},
            "payload": {"S": json.dumps(record["payload"], sort_keys=True)},
        },
    )
    put = {
        "Bucket": os.environ["BUCKET_NAME"],
        "Key": object_key,
        "Body": json.dumps(record, sort_keys=True).encode("utf-8"),
        "ContentType": "application/json",
        "ServerSideEncryption": "aws:kms",
    }
    if os.environ.get("KMS_KEY_ARN"):
        put["SSEKMSKeyId"] = os.environ["KMS_KEY_ARN"]
    _client("s3").put_object(**put)

    return _response(
        event,
        201,
        {"item": {"pk": pk, "sk": sk}, "object": {"bucket": put["Bucket"], "key": object_key}, "site": site},
    )


def handler(event, context):
    method = (event.get("httpMethod") or "").upper()
    if method in ("GET", "HEAD"):
        return _get(event)
    if method == "POST":
        return _post(event)
    return _response(event, 405, {"message": "method %s not allowed" % method}, {"Allow": "GET, HEAD, POST"})
