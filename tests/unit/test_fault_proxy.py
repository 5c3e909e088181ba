"""The fault-injecting proxy (tools/emulator/proxy.py): botocore reads each injected fault as the error
AWS sends in that service's protocol, faults are reproducible by seed and bounded, every call is recorded."""

import json
import time

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers
import pytest

from tools.emulator import proxy as proxy_module
from tools.emulator.proxy import FaultProxy, fault_response, identify, load_calls

NO_RETRIES = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1})
# (service, read call, the throttling error code and HTTP status AWS answers with in that protocol)
THROTTLING = [
    ("ec2", "describe_vpcs", "RequestLimitExceeded", 503),
    ("iam", "list_roles", "Throttling", 400),
    ("sts", "get_caller_identity", "Throttling", 400),
    ("elbv2", "describe_load_balancers", "Throttling", 400),
    ("rds", "describe_db_instances", "Throttling", 400),
    ("sns", "list_topics", "Throttling", 400),
    ("cloudwatch", "describe_alarms", "Throttling", 400),
    ("dynamodb", "list_tables", "ThrottlingException", 400),
    ("kms", "list_keys", "ThrottlingException", 400),
    ("secretsmanager", "list_secrets", "ThrottlingException", 400),
    ("logs", "describe_log_groups", "ThrottlingException", 400),
    ("lambda", "list_functions", "TooManyRequestsException", 429),
    ("s3", "list_buckets", "SlowDown", 503),
]


def client(proxy, service, config=NO_RETRIES, region="us-west-2"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=proxy.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("service,operation,code,status", THROTTLING, ids=[t[0] for t in THROTTLING])
def test_throttling_is_the_services_own_error(emulator, service, operation, code, status):
    with FaultProxy(emulator.url, throttle=1.0) as proxy:
        assert error_of(getattr(client(proxy, service), operation)) == (code, status)
        assert proxy.counts() == {"requests": 1, "throttle": 1, "server_error": 0, "drop": 0}


@pytest.mark.parametrize("service,operation", [(t[0], t[1]) for t in THROTTLING], ids=[t[0] for t in THROTTLING])
def test_server_errors_and_drops_are_parsed_as_such(emulator, service, operation):
    with FaultProxy(emulator.url, seed=3, server_error=1.0) as proxy:
        seen = {error_of(getattr(client(proxy, service), operation)) for _ in range(6)}
    internal = "InternalError" if service in ("ec2", "s3") else "InternalFailure"
    assert seen == {(internal, 500), ("ServiceUnavailable", 503)}
    with FaultProxy(emulator.url, drop=1.0) as proxy:
        with pytest.raises(botocore.exceptions.ConnectionClosedError):
            getattr(client(proxy, service), operation)()


def test_cbor_throttling_parses_as_throttling():
    """CloudWatch also speaks Smithy RPC v2 CBOR: the error keeps the query-compatible code."""
    status, headers, body = fault_response("cloudwatch", "smithy-rpc-v2-cbor", "throttle", "request-1")
    parsed = botocore.parsers.create_parser("smithy-rpc-v2-cbor").parse(
        {"status_code": status, "headers": headers, "body": body}, None
    )
    assert (parsed["Error"]["Code"], status) == ("Throttling", 400)


WRITES = 12


def test_standard_retries_get_through_and_the_emulator_never_sees_a_faulted_write(emulator):
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 10})
    with FaultProxy(emulator.url, seed=4, throttle=0.2, server_error=0.1, drop=0.1) as proxy:
        ssm = client(proxy, "ssm", config=config)  # any JSON service; the stack does not use SSM
        for index in range(WRITES):
            ssm.put_parameter(Name="/fault-proxy/p%d" % index, Value="v", Type="String")
        counts = proxy.counts()
    assert counts["requests"] > WRITES and counts["throttle"] and counts["server_error"] and counts["drop"]
    direct = boto3.client(
        "ssm", region_name="us-west-2", endpoint_url=emulator.url, aws_access_key_id="a", aws_secret_access_key="b"
    )
    versions = [
        direct.get_parameter(Name="/fault-proxy/p%d" % index)["Parameter"]["Version"] for index in range(WRITES)
    ]
    assert versions == [1] * WRITES  # each write reached the emulator exactly once


def faults_of(emulator, seed, record):
    with FaultProxy(emulator.url, seed=seed, throttle=0.2, server_error=0.1, drop=0.1, record=str(record)) as proxy:
        kms = client(proxy, "kms")
        for _ in range(30):
            try:
                kms.list_keys()
            except (botocore.exceptions.ClientError, botocore.exceptions.ConnectionClosedError):
                pass
        counts = proxy.counts()
    return [call["fault"] for call in load_calls(record)], counts


def test_seeded_faults_are_reproducible(emulator, tmp_path):
    first, first_counts = faults_of(emulator, 5, tmp_path / "first.jsonl")
    second, _ = faults_of(emulator, 5, tmp_path / "second.jsonl")
    other, _ = faults_of(emulator, 6, tmp_path / "other.jsonl")
    assert first == second and first != other
    assert {kind: first.count(kind) for kind in ("throttle", "server_error", "drop")} == {
        kind: first_counts[kind] for kind in ("throttle", "server_error", "drop")
    }
    assert first_counts["requests"] == 30


def test_the_record_names_service_region_action_and_outcome(emulator, tmp_path):
    record = tmp_path / "calls.jsonl"
    with FaultProxy(emulator.url, record=str(record)) as proxy:
        s3 = client(proxy, "s3", region="us-east-1")
        s3.create_bucket(Bucket="fault-proxy-record")
        s3.put_bucket_policy(
            Bucket="fault-proxy-record",
            Policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )
        s3.get_bucket_versioning(Bucket="fault-proxy-record")
        s3.head_bucket(Bucket="fault-proxy-record")
        s3.delete_bucket_policy(Bucket="fault-proxy-record")
        s3.delete_bucket(Bucket="fault-proxy-record")
        client(proxy, "dynamodb").list_tables()
        client(proxy, "ec2").describe_vpcs()
        client(proxy, "elbv2").describe_load_balancers()
        client(proxy, "lambda").list_functions()
        client(proxy, "cloudwatch", region="eu-west-1").describe_alarms()
        client(proxy, "sts").get_caller_identity()
        started = time.time()
    calls = load_calls(record)
    assert [(c["service"], c["region"], c["action"], c["read"], c["fault"], c["status"] // 100) for c in calls] == [
        ("s3", "us-east-1", "CreateBucket", False, None, 2),
        ("s3", "us-east-1", "PutBucketPolicy", False, None, 2),
        ("s3", "us-east-1", "GetBucketVersioning", True, None, 2),
        ("s3", "us-east-1", "HeadBucket", True, None, 2),
        ("s3", "us-east-1", "DeleteBucketPolicy", False, None, 2),
        ("s3", "us-east-1", "DeleteBucket", False, None, 2),
        ("dynamodb", "us-west-2", "ListTables", True, None, 2),
        ("ec2", "us-west-2", "DescribeVpcs", True, None, 2),
        ("elbv2", "us-west-2", "DescribeLoadBalancers", True, None, 2),
        ("lambda", "us-west-2", "ListFunctions", True, None, 2),
        ("cloudwatch", "eu-west-1", "DescribeAlarms", True, None, 2),
        ("sts", "us-west-2", "GetCallerIdentity", True, None, 2),
    ]
    assert all(started - 60 < c["t"] <= started for c in calls)


def test_rest_paths_map_to_operations():
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/%s/aws4_request, X"}

    def action(service, method, path, **headers):
        headers["Authorization"] = signed["Authorization"] % service
        return identify(method, path, headers, b"")[2]

    assert action("s3", "GET", "/b?list-type=2&prefix=x") == "ListObjectsV2"
    assert action("s3", "GET", "/b") == "ListObjects"
    assert action("s3", "GET", "/b?versions") == "ListObjectVersions"
    assert action("s3", "POST", "/b?delete") == "DeleteObjects"
    assert action("s3", "PUT", "/b/some/key") == "PutObject"
    assert action("s3", "PUT", "/b/some/key", **{"x-amz-copy-source": "/a/k"}) == "CopyObject"
    assert action("s3", "PUT", "/b?publicAccessBlock") == "PutPublicAccessBlock"
    assert action("lambda", "POST", "/2015-03-31/functions/f/policy") == "AddPermission"
    assert action("lambda", "GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af") == "ListTags"
    assert identify("GET", "/moto-api/config", {}, b"") is None


def test_a_preloaded_service_is_identified_without_reading_its_model(monkeypatch):
    for name in ("_service_model", "_rest_routes"):  # fresh caches: nothing read yet in this test
        fresh = proxy_module.lru_cache(maxsize=None)(getattr(proxy_module, name).__wrapped__)
        monkeypatch.setattr(proxy_module, name, fresh)

    def models_read():
        return proxy_module._service_model.cache_info().misses, proxy_module._rest_routes.cache_info().misses

    proxy_module.preload(["lambda", "ec2"])
    assert models_read() == (2, 2)
    signed = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/%s/aws4_request, X"
    lambda_call = identify("GET", "/2015-03-31/functions/f", {"Authorization": signed % "lambda"}, b"")
    ec2_headers = {"Authorization": signed % "ec2", "Content-Type": "application/x-www-form-urlencoded"}
    ec2_call = identify("POST", "/", ec2_headers, b"Action=DescribeVpcs&Version=2016-11-15")
    assert lambda_call == ("lambda", "us-east-1", "GetFunction", "rest-json")
    assert ec2_call == ("ec2", "us-east-1", "DescribeVpcs", "ec2")
    assert models_read() == (2, 2)


def test_bounds_stop_the_faults(emulator):
    with FaultProxy(emulator.url, throttle=1.0, max_requests=3) as proxy:
        kms = client(proxy, "kms")
        codes = []
        for _ in range(5):
            try:
                kms.list_keys()
                codes.append("ok")
            except botocore.exceptions.ClientError as exc:
                codes.append(exc.response["Error"]["Code"])
        assert codes == ["ThrottlingException"] * 3 + ["ok"] * 2
        assert proxy.counts() == {"requests": 5, "throttle": 3, "server_error": 0, "drop": 0}
    proxy = FaultProxy(emulator.url, throttle=1.0, max_seconds=1.0)
    kms = client(proxy, "kms")  # built before the clock starts, however slow the machine
    with proxy:
        assert error_of(kms.list_keys)[0] == "ThrottlingException"
        time.sleep(1.1)
        kms.list_keys()
        assert proxy.counts()["throttle"] == 1


def test_latency_delays_every_aws_call_and_parallel_calls_wait_together(emulator):
    """The benchmark's AWS-like latency: each signed call waits, calls of parallel clients overlap."""
    import concurrent.futures

    with FaultProxy(emulator.url, latency=0.3) as proxy:
        clients = [client(proxy, "sts", region=region) for region in ("us-east-1", "us-west-2", "eu-west-1")]
        clients[0].get_caller_identity()  # connection set up
        started = time.monotonic()
        clients[0].get_caller_identity()
        one = time.monotonic() - started
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda sts: sts.get_caller_identity(), clients))
        three = time.monotonic() - started
    assert one >= 0.3
    assert 0.3 <= three < 0.6  # parallel, not 0.9 s in a row
    with pytest.raises(ValueError, match="latency"):
        FaultProxy("http://127.0.0.1:1", latency=-1)


def test_shares_and_addresses_are_checked():
    with pytest.raises(ValueError, match="throttle"):
        FaultProxy("http://127.0.0.1:1", throttle=1.5)
    with pytest.raises(ValueError, match="exceed"):
        FaultProxy("http://127.0.0.1:1", throttle=0.6, drop=0.6)
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("http://127.0.0.1:1", host="8.8.8.8")


def test_responses_are_not_held_back_by_nagles_algorithm(emulator, monkeypatch):
    """A response is written as headers, then body: with Nagle's algorithm on, each call of a kept-alive
    connection but its first waited about 40 ms for the client's delayed ACK, in every benchmark figure."""
    import socket

    from tools.emulator import proxy as proxy_module

    nodelay = []
    setup = proxy_module._Handler.setup

    def recording_setup(handler):
        setup(handler)
        nodelay.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(proxy_module._Handler, "setup", recording_setup)
    with FaultProxy(emulator.url) as proxy:
        sts = client(proxy, "sts")
        for _ in range(3):
            sts.get_caller_identity()
    assert nodelay and all(nodelay)
    assert len(nodelay) == 1  # one kept-alive connection served the three calls


def test_faults_follow_the_calls_not_their_interleaving():
    """Two sites run in parallel: which of their calls fail must not depend on which one came first."""
    calls = [("ec2", "us-east-1", "DescribeVpcs")] * 20 + [("lambda", "us-west-2", "GetFunction")] * 20
    shuffled = calls[1::2] + calls[0::2]

    def faults(order, seed=7):
        proxy = FaultProxy("http://127.0.0.1:1", seed=seed, throttle=0.3, server_error=0.1)
        decided = {}
        for call in order:
            decided.setdefault(call, []).append(proxy._decide(call)[0])
        return decided

    first = faults(calls)
    assert faults(shuffled) == first
    assert faults(calls, seed=8) != first
    assert {None, "throttle", "server_error"} == {fault for per_call in first.values() for fault in per_call}


# (IAM action withheld, a call of it, AWS's error code and HTTP status for a caller without the permission)
DENIED = [
    (
        "elasticloadbalancing:RegisterTargets",
        "elbv2",
        "register_targets",
        dict(TargetGroupArn="arn", Targets=[]),
        "AccessDenied",
        403,
    ),
    ("ec2:AllocateAddress", "ec2", "allocate_address", dict(Domain="vpc"), "UnauthorizedOperation", 403),
    ("s3:CreateBucket", "s3", "create_bucket", dict(Bucket="tap-denied"), "AccessDenied", 403),
    ("lambda:ListFunctions", "lambda", "list_functions", {}, "AccessDeniedException", 403),
    ("kms:CreateKey", "kms", "create_key", {}, "AccessDeniedException", 400),
    ("cloudwatch:ListDashboards", "cloudwatch", "list_dashboards", {}, "AccessDenied", 403),
]


@pytest.mark.parametrize("action, service, operation, kwargs, code, status", DENIED)
def test_a_withheld_action_is_denied_as_aws_denies_it(
    emulator, tmp_path, action, service, operation, kwargs, code, status
):
    record = tmp_path / "calls.jsonl"
    with FaultProxy(emulator.url, deny=[action], record=str(record)) as proxy:
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            getattr(client(proxy, service), operation)(**kwargs)
        client(proxy, "sts").get_caller_identity()  # any other action is forwarded
    error = excinfo.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert "is not authorized to perform: %s because" % action in error["Error"]["Message"]
    assert [(c["action"], c["fault"]) for c in load_calls(record)] == [
        (action.split(":")[1], "deny"),
        ("GetCallerIdentity", None),
    ]
