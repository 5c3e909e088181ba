"""The emulator's data plane end to end, against the running emulator: load balancers answer HTTP on loopback,
route by their rules, invoke Lambda code as ALB and Lambda do; global tables replicate writes."""

import io
import json
import time
import urllib.error
import urllib.request
import uuid
import zipfile

import pytest

from tests.conftest import aws_client

REGION = "us-east-1"
HANDLER = r'''
import json, os, time
import boto3

def handler(event, context):
    mode = event["path"].rsplit("/", 1)[-1]
    if mode == "raise":
        raise ValueError("boom")
    if mode == "invalid":
        return {"no": "status"}
    if mode == "sleep":
        time.sleep(5)
    if mode == "table":
        boto3.client("dynamodb").describe_table(TableName=os.environ["TABLE_NAME"])
    return {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "isBase64Encoded": False,
        "headers": {"Content-Type": "application/json", "X-Multi": str("multiValueHeaders" in event)},
        "multiValueHeaders": {"Content-Type": ["application/json"], "X-Multi": [str("multiValueHeaders" in event)]},
        "body": json.dumps({"pid": os.getpid(), "event": event, "region": os.environ["AWS_REGION"],
                            "env": os.environ.get("GREETING"), "remaining": context.get_remaining_time_in_millis()}),
    }
'''


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(url, path="/", host="site.example.com", method="GET", body=None):
    request = urllib.request.Request(url + path, data=body, method=method, headers={"Host": host})
    started = time.perf_counter()
    try:
        with OPENER.open(request, timeout=30) as response:
            status, headers, payload = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, headers, payload = exc.code, dict(exc.headers), exc.read()
    return status, headers, payload, (time.perf_counter() - started) * 1000


def package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def site(emulator):
    """A VPC, a function, its Lambda target group and an ALB whose listener forwards to it (no permission yet)."""
    tag = uuid.uuid4().hex[:8]
    ec2, elbv2 = aws_client(emulator, "ec2"), aws_client(emulator, "elbv2")
    lam, iam = aws_client(emulator, "lambda"), aws_client(emulator, "iam")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.%d.0/24" % i, AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    role = iam.create_role(RoleName="dp-" + tag, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function = lam.create_function(
        FunctionName="dp-" + tag, Runtime="python3.13", Role=role, Handler="app.handler", Timeout=2,
        Code={"ZipFile": package()}, Environment={"Variables": {"GREETING": "hello", "TABLE_NAME": "dp-" + tag}},
    )
    group = elbv2.create_target_group(Name="dp-" + tag, TargetType="lambda")["TargetGroups"][0]
    elbv2.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[{"Id": function["FunctionArn"]}])
    balancer = elbv2.create_load_balancer(Name="dp-" + tag, Subnets=subnets)["LoadBalancers"][0]
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )["Listeners"][0]
    with urllib.request.urlopen(emulator.url + "/moto-api/tap/data-plane") as response:
        plane = json.load(response)
    entry = next(b for b in plane["LoadBalancers"] if b["LoadBalancerArn"] == balancer["LoadBalancerArn"])
    return {
        "tag": tag, "lambda": lam, "elbv2": elbv2, "function": function, "group": group, "balancer": balancer,
        "listener": listener, "entry": entry, "url": entry["Listeners"][0]["Url"],
    }


def allow(site):
    site["lambda"].add_permission(
        FunctionName=site["function"]["FunctionName"], StatementId="elb", Action="lambda:InvokeFunction",
        Principal="elasticloadbalancing.amazonaws.com", SourceArn=site["group"]["TargetGroupArn"],
    )


def test_discovery_lists_the_listener_beside_the_dns_name(site):
    assert site["entry"]["DNSName"] == site["balancer"]["DNSName"]
    assert site["entry"]["Region"] == REGION
    assert [(lst["Port"], lst["Url"].startswith("http://127.0.0.1:")) for lst in site["entry"]["Listeners"]] == [
        (80, True)
    ]


def test_lambda_through_the_load_balancer(site):
    # Without the invoke permission ALB answers 502 (LambdaAccessDenied) and never runs the code.
    status, headers, _, _ = call(site["url"], "/hello")
    assert (status, headers.get("X-Tap-Error-Reason")) == (502, "LambdaAccessDenied")

    allow(site)
    status, headers, payload, _ = call(site["url"], "/api/x/hello?a=1&a=2", method="POST", body=b'{"k": 1}')
    assert status == 200, payload
    body = json.loads(payload)
    event = body["event"]
    assert event["requestContext"]["elb"]["targetGroupArn"] == site["group"]["TargetGroupArn"]
    assert (event["httpMethod"], event["path"], event["body"]) == ("POST", "/api/x/hello", '{"k": 1}')
    assert event["queryStringParameters"] == {"a": "2"} and event["headers"]["host"] == "site.example.com"
    assert (body["region"], body["env"], headers["X-Multi"]) == (REGION, "hello", "False")
    assert 0 < body["remaining"] <= 2000

    # A warm environment serves the next requests: same process, within 50 ms.
    timings, pids = [], set()
    for _ in range(5):
        status, _, payload, took = call(site["url"], "/again")
        assert status == 200
        pids.add(json.loads(payload)["pid"])
        timings.append(took)
    assert pids == {body["pid"]}
    assert min(timings) <= 50, timings

    # Multi-value headers, per the target group attribute.
    site["elbv2"].modify_target_group_attributes(
        TargetGroupArn=site["group"]["TargetGroupArn"],
        Attributes=[{"Key": "lambda.multi_value_headers.enabled", "Value": "true"}],
    )
    status, headers, payload, _ = call(site["url"], "/mv?a=1&a=2")
    assert status == 200 and headers["X-Multi"] == "True"
    assert json.loads(payload)["event"]["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    site["elbv2"].modify_target_group_attributes(
        TargetGroupArn=site["group"]["TargetGroupArn"],
        Attributes=[{"Key": "lambda.multi_value_headers.enabled", "Value": "false"}],
    )


def test_function_failures_give_alb_status_codes(site):
    for mode, reason in (("raise", "LambdaUnhandled"), ("invalid", "LambdaInvalidResponse"),
                         ("table", "LambdaUnhandled"), ("sleep", "LambdaTimeout")):
        status, headers, _, _ = call(site["url"], "/fail/" + mode)
        assert (mode, status, headers.get("X-Tap-Error-Reason")) == (mode, 502, reason)
    # after a timeout the environment is replaced: the function still answers
    assert call(site["url"], "/ok")[0] == 200


def test_a_changed_configuration_gets_a_new_environment(site):
    before = json.loads(call(site["url"], "/ok")[2])
    site["lambda"].update_function_configuration(
        FunctionName=site["function"]["FunctionName"],
        Environment={"Variables": {"GREETING": "changed", "TABLE_NAME": "x"}},
    )
    after = json.loads(call(site["url"], "/ok")[2])
    assert after["env"] == "changed" and after["pid"] != before["pid"]


def test_rules_redirect_fixed_response_and_default(site):
    elbv2, arn = site["elbv2"], site["listener"]["ListenerArn"]
    elbv2.create_rule(ListenerArn=arn, Priority=10, Conditions=[
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["other.example.com"]}},
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/other*"]}},
    ], Actions=[{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTP", "Port": "80", "Host": "other-lb.example.net", "Path": "/#{path}", "Query": "#{query}",
        "StatusCode": "HTTP_302"}}])
    elbv2.create_rule(ListenerArn=arn, Priority=5, Conditions=[{"Field": "path-pattern", "Values": ["/fixed"]}],
                      Actions=[{"Type": "fixed-response", "FixedResponseConfig": {
                          "StatusCode": "418", "ContentType": "text/plain", "MessageBody": "teapot"}}])
    status, headers, _, _ = call(site["url"], "/api/other/x?q=1", host="OTHER.example.com")
    assert (status, headers["Location"]) == (302, "http://other-lb.example.net:80/api/other/x?q=1")
    assert call(site["url"], "/fixed")[0::2] == (418, b"teapot")
    # host matches, path does not: the default action (the function)
    assert call(site["url"], "/api/elsewhere", host="other.example.com")[0] == 200


def test_deleting_the_load_balancer_closes_its_port(emulator, site):
    url = site["url"]
    site["elbv2"].delete_load_balancer(LoadBalancerArn=site["balancer"]["LoadBalancerArn"])
    with urllib.request.urlopen(emulator.url + "/moto-api/tap/data-plane") as response:
        listed = [b["LoadBalancerArn"] for b in json.load(response)["LoadBalancers"]]
    assert site["balancer"]["LoadBalancerArn"] not in listed
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=1)
        except urllib.error.HTTPError:
            pass
        except OSError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the deleted load balancer still answers on %s" % url)


# ---- global table replication --------------------------------------------------------------------------------


def test_global_table_replicates_writes_and_deletes(emulator):
    name = "dp-repl-" + uuid.uuid4().hex[:8]
    east, west = aws_client(emulator, "dynamodb", "us-east-1"), aws_client(emulator, "dynamodb", "us-west-2")
    east.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk",
                                                                               "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}

    def seen(client):
        return client.get_item(TableName=name, Key=key, ConsistentRead=True).get("Item")

    def eventually(check):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(0.05)
        return False

    east.put_item(TableName=name, Item=dict(key, v={"S": "east"}))
    assert eventually(lambda: (seen(west) or {}).get("v") == {"S": "east"})
    west.update_item(TableName=name, Key=key, UpdateExpression="SET v = :v", ExpressionAttributeValues={
        ":v": {"S": "west"}})
    assert eventually(lambda: (seen(east) or {}).get("v") == {"S": "west"})
    # concurrent writes: the last writer wins everywhere
    east.put_item(TableName=name, Item=dict(key, v={"S": "first"}))
    west.put_item(TableName=name, Item=dict(key, v={"S": "last"}))
    time.sleep(1)
    assert seen(east)["v"] == seen(west)["v"] == {"S": "last"}
    west.delete_item(TableName=name, Key=key)
    assert eventually(lambda: seen(east) is None)
