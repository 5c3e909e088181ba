"""A fault-injecting, call-recording HTTP proxy in front of the emulator (loopback only).

    python -m tools.emulator proxy --upstream-port P [--port Q] [--seed S] [--throttle F]
        [--server-error F] [--drop F] [--max-requests N] [--max-seconds T] [--record FILE] [--latency S]
        [--deny elasticloadbalancing:RegisterTargets ...]

Every AWS request (one signed with SigV4) is identified by service and region (the credential
scope of its Authorization header) and by action (X-Amz-Target, the query/form `Action=`, the
Smithy RPC v2 path, or for REST services the operation of botocore's model whose method and
request URI match). A seeded random share of them is answered by the proxy itself, the way AWS
answers when it is overloaded, in the protocol botocore's service model resolves for the service
(CloudWatch: json in botocore 1.44, smithy-rpc-v2-cbor when a request says so):

| protocol (botocore)          | throttling                                   | server error            |
|------------------------------|----------------------------------------------|-------------------------|
| ec2                          | 503 RequestLimitExceeded (EC2 XML)           | 500 InternalError       |
| query (IAM, STS, ELBv2, ...) | 400 Throttling (ErrorResponse XML)           | 500 InternalFailure     |
| json (DynamoDB, KMS, Logs)   | 400 ThrottlingException ({"__type"})         | 500 InternalFailure     |
| json / smithy-rpc-v2-cbor of | 400 Throttling (x-amzn-query-error header    | 500 InternalFailure     |
| a query-compatible service   | carries the query code)                      |                         |
| rest-json (Lambda)           | 429 TooManyRequestsException                 | 500 InternalFailure     |
| rest-xml (S3)                | 503 SlowDown                                 | 500 InternalError       |

A server error is either that 500 or 503 ServiceUnavailable. A dropped request gets no response:
the connection is closed after the request was read.

Which requests get a fault follows from the seed, the call (service, region, action) and its rank among
the calls alike: the same calls get the same faults however concurrent clients (region sites run in
parallel) interleave them.

Faults are injected BEFORE forwarding: the emulator never sees a faulted request, so a client that
retries a write after a fault cannot create a duplicate (on real AWS a 5xx or a lost response may
follow a write that took effect; idempotent product code handles that, but this proxy does not
simulate it). Faults stop after `max_requests` AWS requests or `max_seconds`, whichever comes first;
from then on every request is forwarded. Unsigned requests (the emulator's /moto-api) are forwarded
untouched and neither counted nor recorded.

With `latency` (seconds), every AWS request waits that long before the proxy faults or forwards it: the
round trip and service time of a call to AWS, which the emulator on loopback answers in about a millisecond.
Requests wait in parallel (one thread per connection), as calls from parallel clients do on AWS.

With `deny` (IAM actions, `<service prefix>:<Action>`), every request for one of those actions is answered as AWS
answers a caller whose policy does not grant it, never forwarded: the deployer missing one statement. Per protocol:
EC2 403 UnauthorizedOperation; query (ELBv2, IAM, RDS, ...) and S3 403 AccessDenied; Lambda 403, the other json
services 400, AccessDeniedException; the message "User: <arn> is not authorized to perform: <action> because no
identity-based policy allows the <action> action" (IAM User Guide, "Troubleshoot access denied error messages").

With `record`, one JSON line per AWS request: {"t", "service" (botocore's service name), "region",
"action", "read", "fault" (null, "throttle", "server_error", "drop" or "deny"), "status"}.
"""

import argparse
import hashlib
import http.client
import http.server
import ipaddress
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from functools import lru_cache

__all__ = ["FaultProxy", "load_calls", "identify", "preload", "main"]

FAULT_KINDS = ("throttle", "server_error", "drop")
READ_PREFIXES = ("Describe", "Get", "List", "Head", "BatchGet")
READ_ACTIONS = ("Query", "Scan")
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
# Credential-scope (signing) names that differ from botocore's service names.
SIGNING_NAME_TO_SERVICE = {
    "monitoring": "cloudwatch",
    "elasticloadbalancing": "elbv2",  # "elb" when the API version is 2012-06-01
    "email": "ses",
    "states": "stepfunctions",
    "execute-api": "apigateway",
    "es": "opensearch",
    "events": "events",
}
CREDENTIAL_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


def load_calls(path):
    """The records of a proxy's `record` file, in order."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@lru_cache(maxsize=None)
def _botocore_session():
    import botocore.session

    return botocore.session.get_session()  # one session: its loader reads botocore's shared data files once


_MODELS_LOCK = threading.Lock()  # a botocore session is not thread-safe; handler threads share this one


@lru_cache(maxsize=None)
def _service_model(service):
    try:
        with _MODELS_LOCK:
            return _botocore_session().get_service_model(service)
    except Exception:  # pylint: disable=broad-except  (unknown service: no model, generic handling)
        return None


def preload(services):
    """Read the botocore models of `services` (and their REST routes) now, not at their first request: a
    benchmark does it before its timed runs, the first of which would otherwise pay about 1.5 CPU-s for them on
    the machine it measures."""
    for service in services:
        protocol_of(service)
        query_compatible(service)
        _rest_routes(service)


def protocol_of(service):
    """The protocol botocore speaks to the service (of those the model lists, the one botocore picks)."""
    model = _service_model(service)
    if model is None:
        return "json"
    return getattr(model, "resolved_protocol", None) or model.protocol


def query_compatible(service):
    """Whether the service keeps its former query-protocol error codes in json/cbor (CloudWatch, SQS)."""
    model = _service_model(service)
    return model is not None and "awsQueryCompatible" in model.metadata


@lru_cache(maxsize=None)
def _rest_routes(service):
    """[(method, path regex, {query key: value or None}, {header}, specificity, operation)] of a REST service."""
    model = _service_model(service)
    routes = []
    if model is None:
        return routes
    for name in model.operation_names:
        http_spec = model.operation_model(name).http
        uri = http_spec.get("requestUri", "/")
        path, _, query = uri.partition("?")
        pattern = ""
        literal = 0
        for token in re.split(r"(\{[^}]+\})", path):
            if token.startswith("{"):
                pattern += ".+" if token.endswith("+}") else "[^/]+"
            else:
                pattern += re.escape(token)
                literal += len(token)
        required = {}
        for pair in filter(None, query.split("&")):
            key, _, value = pair.partition("=")
            required[key] = value or None
        # Required header members tell apart operations of one method and path (CopyObject, PutObject).
        input_shape = model.operation_model(name).input_shape
        headers = set()
        if input_shape is not None:
            for member in input_shape.required_members:
                serialization = input_shape.members[member].serialization
                if serialization.get("location") == "header":
                    headers.add(serialization.get("name", member).lower())
        specificity = (len(required) + len(headers), literal)
        routes.append(
            (http_spec.get("method", "GET"), re.compile("^%s/?$" % pattern), required, headers, specificity, name)
        )
    return routes


def rest_operation(service, method, path, query, headers=()):
    """The operation of a REST service (S3, Lambda, ...) that a method, path, query and headers address."""
    best = None
    for route_method, regex, required, required_headers, specificity, name in _rest_routes(service):
        if route_method != method or not regex.match(path):
            continue
        matched = required_headers.issubset(headers)
        for key, value in required.items():
            if key == "x-id":  # botocore's operation hint: optional, but must agree when present
                if key in query and query[key] != name:
                    matched = False
                continue
            if key not in query or (value is not None and query[key] != value):
                matched = False
        if matched and (best is None or specificity > best[0]):
            best = (specificity, name)
    return best[1] if best else "%s %s" % (method, path)


def identify(method, path, headers, body):
    """(service, region, action, protocol) of a signed AWS request, or None for an unsigned one."""
    lower = {k.lower(): v for k, v in headers.items()}
    parsed = urllib.parse.urlsplit(path)
    query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
    match = CREDENTIAL_RE.search(lower.get("authorization", "")) or CREDENTIAL_RE.search(
        "Credential=" + query.get("X-Amz-Credential", "")
    )
    if not match:
        return None
    region, signing_name = match.groups()
    form = {}
    if "x-www-form-urlencoded" in lower.get("content-type", "") and body:
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    service = SIGNING_NAME_TO_SERVICE.get(signing_name, signing_name)
    if signing_name == "elasticloadbalancing" and (form.get("Version") or query.get("Version")) == "2012-06-01":
        service = "elb"
    protocol = protocol_of(service)
    rpc = re.match(r"^/service/[^/]+/operation/([^/?]+)", parsed.path)
    if lower.get("smithy-protocol") == "rpc-v2-cbor" or (rpc and protocol == "smithy-rpc-v2-cbor"):
        return service, region, rpc.group(1) if rpc else "", "smithy-rpc-v2-cbor"
    if "x-amz-target" in lower:
        return service, region, lower["x-amz-target"].rsplit(".", 1)[-1], "json"
    action = form.get("Action") or query.get("Action")
    if action:
        return service, region, action, protocol if protocol in ("ec2", "query") else "query"
    path_only = urllib.parse.unquote(parsed.path) or "/"
    return service, region, rest_operation(service, method, path_only, query, set(lower)), protocol


def is_read(service, method, action):
    if service == "s3":
        return method in ("GET", "HEAD")
    return action.startswith(READ_PREFIXES) or action in READ_ACTIONS


# --- error responses in each protocol ------------------------------------------------------------


def _cbor_head(major, length):
    if length < 24:
        return bytes([major << 5 | length])
    if length < 0x100:
        return bytes([major << 5 | 24, length])
    if length < 0x10000:
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")
    return bytes([major << 5 | 26]) + length.to_bytes(4, "big")


def cbor_text_map(mapping):
    """CBOR encoding of a map of text strings (all an error body needs)."""
    out = _cbor_head(5, len(mapping))
    for key, value in mapping.items():
        for text in (key, value):
            data = text.encode("utf-8")
            out += _cbor_head(3, len(data)) + data
    return out


def _xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


DENIED_CALLER = "arn:aws:iam::123456789012:user/tap-deployer"


def iam_action(service, action):
    """The IAM action of a call: the service's signing name (CloudWatch's is monitoring) and the action."""
    model = _service_model(service)
    prefix = "cloudwatch" if service == "cloudwatch" else (model.signing_name if model is not None else service)
    return "%s:%s" % (prefix, action)


def denied_response(service, protocol, action, request_id):
    """(status, headers, body) of AWS's answer to a caller whose policy does not grant `action` (IAM form)."""
    message = "User: %s is not authorized to perform: %s because no identity-based policy allows the %s action" % (
        DENIED_CALLER,
        action,
        action,
    )
    if protocol == "ec2":
        status, code, message = (
            403,
            "UnauthorizedOperation",
            "You are not authorized to perform this operation. " + message,
        )
    elif protocol in ("query", "rest-xml") or query_compatible(service):
        status, code = 403, "AccessDenied"
    else:
        status, code = (403 if protocol == "rest-json" else 400), "AccessDeniedException"
    return error_response(service, protocol, status, code, message, request_id, sender=True)


def fault_response(service, protocol, kind, request_id, rng_choice=0.0):
    """(status, headers, body) of an injected throttling or server error in the service's protocol."""
    sender = kind == "throttle"
    if kind == "throttle":
        status, code = {
            "ec2": (503, "RequestLimitExceeded"),
            "query": (400, "Throttling"),
            "rest-json": (429, "TooManyRequestsException"),
            "rest-xml": (503, "SlowDown"),
        }.get(protocol, (400, "Throttling" if query_compatible(service) else "ThrottlingException"))
        message = "Rate exceeded" if protocol != "rest-xml" else "Please reduce your request rate."
    elif rng_choice < 0.5:
        status, code = 500, "InternalError" if protocol in ("ec2", "rest-xml") else "InternalFailure"
        message = "We encountered an internal error. Please try again."
    else:
        status, code = 503, "ServiceUnavailable"
        message = "The service is unavailable. Please try again shortly."
    return error_response(service, protocol, status, code, message, request_id, sender)


def error_response(service, protocol, status, code, message, request_id, sender):
    """(status, headers, body) of an AWS error in the service's protocol."""
    headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message>'
            "</Error></Errors><RequestID>%s</RequestID></Response>" % (code, message, request_id)
        )
        headers["Content-Type"] = "text/xml;charset=UTF-8"
    elif protocol == "query":
        body = (
            "<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>%s</RequestId></ErrorResponse>"
            % ("Sender" if sender else "Receiver", code, message, request_id)
        )
        headers["Content-Type"] = "text/xml"
    elif protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            "<RequestId>%s</RequestId></Error>"
            % (
                code,
                _xml_escape(message),
                request_id,
            )
        )
        headers["Content-Type"] = "application/xml"
    elif protocol == "smithy-rpc-v2-cbor":
        body = cbor_text_map({"__type": code, "message": message})
        headers["Content-Type"] = "application/cbor"
        headers["smithy-protocol"] = "rpc-v2-cbor"
    else:  # json, rest-json
        body = json.dumps({"__type": code, "message": message})
        headers["Content-Type"] = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        headers["x-amzn-ErrorType"] = code
    if protocol in ("json", "smithy-rpc-v2-cbor") and query_compatible(service):
        headers["x-amzn-query-error"] = "%s;%s" % (code, "Sender" if sender else "Receiver")
    if isinstance(body, str):
        body = body.encode("utf-8")
    return status, headers, body


# --- the proxy -----------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TapFaultProxy"
    # A response goes out as its headers, then its body. With Nagle's algorithm on, the body waits for the
    # client's delayed ACK of the headers: about 40 ms on every call of a kept-alive connection but its first.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        proxy = self.server.fault_proxy
        body = self._read_body()
        identity = identify(self.command, self.path, dict(self.headers.items()), body)
        if identity is None:
            self._forward(body)
            return
        service, region, action, protocol = identity
        if proxy.latency:
            time.sleep(proxy.latency)
        fault, choice, request_id = proxy._decide((service, region, action))
        if iam_action(service, action) in proxy.deny:
            fault = "deny"
        record = {
            "t": time.time(),
            "service": service,
            "region": region,
            "action": action,
            "read": is_read(service, self.command, action),
            "fault": fault,
            "status": None,
        }
        try:
            if fault == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            elif fault:
                if fault == "deny":
                    status, headers, payload = denied_response(
                        service, protocol, iam_action(service, action), request_id
                    )
                else:
                    status, headers, payload = fault_response(service, protocol, fault, request_id, choice)
                record["status"] = status
                self._respond(status, list(headers.items()), payload)
            else:
                record["status"] = self._forward(body)
        finally:
            proxy._record(record)

    def _forward(self, body):
        upstream = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=300)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "expect"}
            if body or self.command in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(body))
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            response_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            if self.command != "HEAD":
                response_headers = [(k, v) for k, v in response_headers if k.lower() != "content-length"]
                response_headers.append(("Content-Length", str(len(payload))))
            self._respond(response.status, response_headers, payload, reason=response.reason)
            return response.status
        finally:
            upstream.close()

    def _respond(self, status, headers, payload, reason=None):
        self.send_response(status, reason)
        names = {k.lower() for k, _ in headers}
        for key, value in headers:
            self.send_header(key, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultProxy:
    """A threaded proxy to `upstream_url` on 127.0.0.1:`port` (0: any free port); a context manager."""

    def __init__(
        self,
        upstream_url,
        port=0,
        seed=0,
        throttle=0.0,
        server_error=0.0,
        drop=0.0,
        max_requests=None,
        max_seconds=None,
        record=None,
        host="127.0.0.1",
        latency=0.0,
        deny=(),
    ):
        shares = {"throttle": throttle, "server_error": server_error, "drop": drop}
        for name, share in shares.items():
            if not 0.0 <= float(share) <= 1.0:
                raise ValueError("%s must be a share between 0 and 1, got %r" % (name, share))
        if sum(shares.values()) > 1.0:
            raise ValueError("throttle + server_error + drop must not exceed 1")
        if not 0.0 <= float(latency) <= 60.0:
            raise ValueError("latency must be between 0 and 60 seconds, got %r" % latency)
        if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            raise ValueError("the proxy listens on loopback addresses only, not %r" % host)
        upstream = urllib.parse.urlsplit(upstream_url)
        if not ipaddress.ip_address(socket.gethostbyname(upstream.hostname)).is_loopback:
            raise ValueError("the upstream must be a loopback address, not %r" % upstream.hostname)
        self.upstream_url = upstream_url
        self.shares = shares
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.record_path = record
        self.latency = float(latency)
        self.deny = frozenset(deny)
        self._seed = seed
        self._occurrences = {}
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "throttle": 0, "server_error": 0, "drop": 0}
        self._record_file = None
        self._started = None
        self._server = _Server((host, int(port)), _Handler)
        self._server.fault_proxy = self
        self._server.upstream_host = upstream.hostname
        self._server.upstream_port = upstream.port or 80
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://%s:%d" % (self._server.server_address[0], self.port)

    def counts(self):
        with self._lock:
            return dict(self._counts)

    def _decide(self, call=()):
        """(fault kind or None, a draw for the error variant, request id) of the next AWS request. The draws
        come from the seed, the call (service, region, action) and how many such calls came before it: the
        same calls get the same faults however concurrent clients interleave them."""
        with self._lock:
            self._counts["requests"] += 1
            index = self._counts["requests"]
            occurrence = self._occurrences[call] = self._occurrences.get(call, 0) + 1
            digest = hashlib.sha256(repr((self._seed, call, occurrence)).encode()).digest()
            draw, choice = (int.from_bytes(digest[start : start + 8], "big") / 2.0**64 for start in (0, 8))
            expired = (self.max_requests is not None and index > self.max_requests) or (
                self.max_seconds is not None and time.monotonic() - self._started > self.max_seconds
            )
            fault = None
            if not expired:
                threshold = 0.0
                for kind in FAULT_KINDS:
                    threshold += self.shares[kind]
                    if draw < threshold:
                        fault = kind
                        self._counts[kind] += 1
                        break
            return fault, choice, "tapfault-%08d" % index

    def _record(self, record):
        if self._record_file is None:
            return
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._lock:
            self._record_file.write(line)
            self._record_file.flush()

    def start(self):
        if self.record_path:
            self._record_file = open(self.record_path, "a", encoding="utf-8")  # pylint: disable=consider-using-with
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=10)
        if self._record_file:
            with self._lock:
                self._record_file.close()
                self._record_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.emulator proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-port", type=int, required=True)
    parser.add_argument("--upstream-host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--throttle", type=float, default=0.0)
    parser.add_argument("--server-error", type=float, default=0.0)
    parser.add_argument("--drop", type=float, default=0.0)
    parser.add_argument("--max-requests", type=int)
    parser.add_argument("--max-seconds", type=float)
    parser.add_argument("--record")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each AWS request waits (0)")
    parser.add_argument("--deny", nargs="*", default=[], metavar="ACTION", help="IAM actions answered AccessDenied")
    args = parser.parse_args(argv)
    try:
        proxy = FaultProxy(
            "http://%s:%d" % (args.upstream_host, args.upstream_port),
            port=args.port,
            seed=args.seed,
            throttle=args.throttle,
            server_error=args.server_error,
            drop=args.drop,
            max_requests=args.max_requests,
            max_seconds=args.max_seconds,
            record=args.record,
            latency=args.latency,
            deny=args.deny,
        )
    except (ValueError, OSError) as exc:
        print("proxy: error: %s" % exc, file=sys.stderr)
        return 2
    with proxy:
        print("proxy: %s -> %s (Ctrl-C stops)" % (proxy.url, proxy.upstream_url), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    print("proxy: %s" % json.dumps(proxy.counts()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
