"""The ALB <-> Lambda contract: the event a load balancer sends a function and how it reads the answer.

AWS behaviour, from "Use Lambda functions as targets of an Application Load Balancer" (ELBv2 User Guide,
lambda-functions.html) and "Troubleshoot your Application Load Balancers" (load-balancer-troubleshooting.html):

- The event: `requestContext.elb.targetGroupArn`, `httpMethod`, `path`, the query string and the headers
  (header names in lowercase), `body` and `isBase64Encoded`. With the target group attribute
  `lambda.multi_value_headers.enabled` false the event has `queryStringParameters` and `headers`, and for a
  name sent more than once the load balancer uses the last value; with it true the event has
  `multiValueQueryStringParameters` and `multiValueHeaders` with every value. Query values are passed as
  sent (not URL-decoded). A binary body is base64-encoded (`isBase64Encoded: true`).
- The answer: `statusCode` (required), `statusDescription`, `headers` (or `multiValueHeaders` when the
  attribute is on), `body`, `isBase64Encoded` (the body is then decoded before it is sent to the client).
- The load balancer answers HTTP 502 when the function's response is malformed or lacks required fields, when
  the response JSON exceeds 1 MB, when the function did not respond before its configured timeout, when the
  function returned an error (unhandled exception), and when the load balancer may not invoke the function
  (access log error reasons LambdaInvalidResponse, LambdaResponseTooLarge, LambdaUnhandled,
  LambdaAccessDenied, LambdaResourceNotFound). It answers HTTP 413 when the request body exceeds 1 MB and
  HTTP 503 when the target group has no registered target.

Emulator choice (documented in the README): a body is passed as text when its Content-Type is textual
(text/*, JSON, XML, JavaScript, form data) and it decodes as UTF-8, else base64-encoded.
"""

import base64
import binascii
import json
import uuid

MAX_BODY = 1024 * 1024
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml",
              "application/x-www-form-urlencoded", "application/x-yaml")
_ERROR_TEXT = {
    400: "Bad Request",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


class TargetError(Exception):
    """The load balancer answers with its own error page; reason as the access log's error_reason."""

    def __init__(self, status, reason, detail=""):
        super().__init__("%s %s: %s" % (status, reason, detail))
        self.status = status
        self.reason = reason
        self.detail = detail


def error_response(status, reason):
    """(status, [(header, value)], body) of the load balancer's own error page."""
    text = "%d %s" % (status, _ERROR_TEXT.get(status, "Error"))
    body = ("<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n"
            "</body>\r\n</html>\r\n" % (text, text)).encode()
    # The access log's error_reason, as a header (emulator only: AWS writes it to the access log).
    return status, [("Content-Type", "text/html"), ("X-Tap-Error-Reason", reason)], body


def _is_text(headers, body):
    content_type = ""
    encoding = ""
    for name, value in headers:
        if name.lower() == "content-type":
            content_type = value.lower()
        if name.lower() == "content-encoding":
            encoding = value.lower()
    if encoding or not content_type.startswith(TEXT_TYPES) and body:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def build_event(request, target_group_arn, multi_value, client_port=None):
    """The event the load balancer sends the function for this request (routing.Request)."""
    if len(request.body) > MAX_BODY:
        raise TargetError(413, "LambdaRequestTooLarge", "request body over 1 MB")
    headers = [(name.lower(), value) for name, value in request.headers]
    headers += [
        ("x-amzn-trace-id", "Root=1-%s-%s" % (uuid.uuid4().hex[:8], uuid.uuid4().hex[:24])),
        ("x-forwarded-for", request.client_ip),
        ("x-forwarded-port", str(request.listener_port)),
        ("x-forwarded-proto", request.protocol.lower()),
    ]
    pairs = []
    for part in request.query.split("&") if request.query else []:
        key, _, value = part.partition("=")
        pairs.append((key, value))
    event = {
        "requestContext": {"elb": {"targetGroupArn": target_group_arn}},
        "httpMethod": request.method,
        "path": request.path,
    }
    if multi_value:
        multi_query, multi_headers = {}, {}
        for key, value in pairs:
            multi_query.setdefault(key, []).append(value)
        for key, value in headers:
            multi_headers.setdefault(key, []).append(value)
        event["multiValueQueryStringParameters"] = multi_query
        event["multiValueHeaders"] = multi_headers
    else:
        event["queryStringParameters"] = dict(pairs)
        event["headers"] = dict(headers)
    if _is_text(request.headers, request.body):
        event["body"] = request.body.decode("utf-8")
        event["isBase64Encoded"] = False
    else:
        event["body"] = base64.b64encode(request.body).decode("ascii")
        event["isBase64Encoded"] = True
    return event


def parse_response(raw, multi_value):
    """(status, [(header, value)], body bytes) from the function's JSON answer; TargetError when invalid."""
    if len(raw) > MAX_BODY:
        raise TargetError(502, "LambdaResponseTooLarge", "response JSON over 1 MB")
    try:
        answer = json.loads(raw)
    except ValueError:
        raise TargetError(502, "LambdaInvalidResponse", "response is not JSON")
    if not isinstance(answer, dict):
        raise TargetError(502, "LambdaInvalidResponse", "response is not a JSON object")
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise TargetError(502, "LambdaInvalidResponse", "statusCode missing or not an HTTP status")
    headers = []
    if multi_value:
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            if not isinstance(values, list):
                raise TargetError(502, "LambdaInvalidResponse", "multiValueHeaders values must be lists")
            headers += [(name, str(value)) for value in values]
    else:
        source = answer.get("headers") or {}
        if not isinstance(source, dict):
            raise TargetError(502, "LambdaInvalidResponse", "headers must be an object")
        headers = [(name, str(value)) for name, value in source.items()]
    body = answer.get("body")
    if body is None:
        body = b""
    elif not isinstance(body, str):
        raise TargetError(502, "LambdaInvalidResponse", "body must be a string")
    elif answer.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise TargetError(502, "LambdaInvalidResponse", "body is not valid base64")
    else:
        body = body.encode("utf-8")
    return status, headers, body
