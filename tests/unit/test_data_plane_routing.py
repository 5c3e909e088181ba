"""The data plane's routing against the cases of the ELBv2 documentation ("Listener rules for your Application
Load Balancer": rule priority, condition types and their matching, redirect keywords; "Use Lambda functions as
targets": event and response format, error statuses), and the Lambda invoke permission."""

import base64
import json

import pytest

from tools.emulator.dataplane import invoke_allowed
from tools.emulator.dataplane.lambda_target import TargetError, build_event, parse_response
from tools.emulator.dataplane.routing import Request, forward_target_group, redirect_location, select_rule

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef"
FN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


def req(host="example.com", path="/", method="GET", query="", headers=(), client_ip="10.0.0.1"):
    return Request(method, path, query, [("Host", host), *headers], client_ip=client_ip)


def host(*values):
    return {"Field": "host-header", "HostHeaderConfig": {"Values": list(values)}}


def path(*values):
    return {"Field": "path-pattern", "Values": list(values)}


def route(rules, request):
    return select_rule(rules, request)[0]


# ---- rule order ----------------------------------------------------------------------------------------------


def test_rules_are_evaluated_lowest_priority_first_and_default_last():
    rules = [("default", [], ["d"]), (20, [path("/a*")], ["twenty"]), (5, [path("/a/b*")], ["five"])]
    assert route(rules, req(path="/a/b/c")) == 5
    assert route(rules, req(path="/a/x")) == 20
    assert route(rules, req(path="/z")) == "default"


def test_conditions_are_anded_values_are_ored():
    rules = [(10, [host("a.example.com", "b.example.com"), path("/api/*")], ["x"]), ("default", [], [])]
    assert route(rules, req("b.example.com", "/api/v1")) == 10
    assert route(rules, req("b.example.com", "/other")) == "default"  # host matches, path does not
    assert route(rules, req("c.example.com", "/api/v1")) == "default"


# ---- host-header ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, sent, matches",
    [
        ("example.com", "EXAMPLE.com", True),  # not case-sensitive
        ("*.example.com", "www.example.com", True),  # * is 0 or more characters
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),
        ("www.example.???", "www.example.com", True),  # ? is exactly one character
        ("www.example.???", "www.example.co", False),
        ("api.example.com", "api.example.com:80", True),  # the port is not part of the host name
        ("api.example.com", "api.example.com.evil.net", False),
    ],
)
def test_host_header_matching(pattern, sent, matches):
    assert (route([(1, [host(pattern)], [])], req(sent)) == 1) is matches


# ---- path-pattern --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, sent, matches",
    [
        ("/img/*", "/img/a.png", True),
        ("/img/*", "/IMG/a.png", False),  # case-sensitive
        ("/api/primary*", "/api/primary", True),
        ("/api/primary*", "/api/primary/items", True),
        ("/api/primary*", "/api/secondary", False),
        ("/v?/x", "/v1/x", True),
        ("/v?/x", "/v10/x", False),
        ("/exact", "/exact/", False),
    ],
)
def test_path_pattern_matching(pattern, sent, matches):
    assert (route([(1, [path(pattern)], [])], req(path=sent)) == 1) is matches


def test_path_pattern_ignores_the_query_string():
    assert route([(1, [path("/search")], [])], req(path="/search", query="q=x")) == 1


def test_other_condition_types():
    method = {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["POST"]}}
    assert route([(1, [method], [])], req(method="POST")) == 1
    assert route([(1, [method], [])], req(method="post")) is None  # case-sensitive
    header = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "User-Agent", "Values": ["*mobile*"]}}
    assert route([(1, [header], [])], req(headers=[("user-agent", "X Mobile Y")])) == 1
    query = {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "version", "Value": "v1"}]}}
    assert route([(1, [query], [])], req(query="version=V1&x=2")) == 1
    assert route([(1, [query], [])], req(query="version=v2")) is None
    source = {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}
    assert route([(1, [source], [])], req(client_ip="10.1.2.3")) == 1
    assert route([(1, [source], [])], req(client_ip="192.168.0.1")) is None


# ---- actions -------------------------------------------------------------------------------------------------


def test_redirect_defaults_reuse_every_component():
    assert redirect_location({"StatusCode": "HTTP_301"}, req("a.example.com", "/x/y", query="q=1")) == (
        301,
        "http://a.example.com:80/x/y?q=1",
    )


def test_redirect_keyword_substitution():
    config = {
        "Protocol": "HTTPS",
        "Port": "443",
        "Host": "#{host}.new.example.com",
        "Path": "/new/#{path}",
        "Query": "#{query}&from=#{port}",
        "StatusCode": "HTTP_302",
    }
    status, location = redirect_location(config, req("old", "/a/b", query="k=v"))
    assert (status, location) == (302, "https://old.new.example.com:443/new/a/b?k=v&from=80")


def test_redirect_to_another_load_balancer_keeps_path_and_query():
    config = {"Protocol": "HTTP", "Port": "80", "Host": "other-alb.elb.amazonaws.com", "Path": "/#{path}",
              "Query": "#{query}", "StatusCode": "HTTP_302"}
    assert redirect_location(config, req("secondary.example.com", "/api/secondary/x")) == (
        302,
        "http://other-alb.elb.amazonaws.com:80/api/secondary/x",
    )


def test_weighted_forward():
    action = {"ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "a", "Weight": 1}, {"TargetGroupArn": "b",
                                                                                       "Weight": 3}]}}
    assert forward_target_group(action, rand=lambda: 0.1) == "a"
    assert forward_target_group(action, rand=lambda: 0.5) == "b"
    assert forward_target_group({"Type": "forward", "TargetGroupArn": "c"}) == "c"


# ---- Lambda event and response -------------------------------------------------------------------------------


def test_event_single_value_takes_the_last_value_and_keeps_encoding():
    request = Request("GET", "/lambda", "query=1234ABCD&query=x%20y", [("Host", "h"), ("X-A", "1"), ("X-A", "2")])
    event = build_event(request, TG, multi_value=False)
    assert event["requestContext"] == {"elb": {"targetGroupArn": TG}}
    assert event["httpMethod"] == "GET" and event["path"] == "/lambda"
    assert event["queryStringParameters"] == {"query": "x%20y"}  # not URL-decoded, last value
    assert event["headers"]["x-a"] == "2" and event["headers"]["host"] == "h"  # lowercase names
    assert {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"} <= set(event["headers"])
    assert event["body"] == "" and event["isBase64Encoded"] is False
    assert "multiValueHeaders" not in event


def test_event_multi_value_and_binary_body():
    request = Request("POST", "/", "a=1&a=2", [("Host", "h"), ("Content-Type", "application/octet-stream")],
                      b"\x00\xff")
    event = build_event(request, TG, multi_value=True)
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["multiValueHeaders"]["host"] == ["h"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\xff"


def test_request_body_over_1_mb_is_413():
    with pytest.raises(TargetError) as err:
        build_event(Request("POST", "/", "", [("Host", "h")], b"x" * (1024 * 1024 + 1)), TG, False)
    assert err.value.status == 413


def test_response_parsing():
    ok = {"statusCode": 201, "headers": {"Content-Type": "text/plain"}, "body": "hi", "isBase64Encoded": False}
    assert parse_response(json.dumps(ok), False) == (201, [("Content-Type", "text/plain")], b"hi")
    binary = {"statusCode": 200, "body": base64.b64encode(b"\x01").decode(), "isBase64Encoded": True,
              "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}}
    assert parse_response(json.dumps(binary), True) == (200, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], b"\x01")


@pytest.mark.parametrize(
    "answer",
    [{"body": "no status"}, {"statusCode": "abc"}, "a string", {"statusCode": 200, "body": {"not": "a string"}},
     {"statusCode": 200, "body": "!!", "isBase64Encoded": True}],
)
def test_invalid_response_is_502(answer):
    with pytest.raises(TargetError) as err:
        parse_response(json.dumps(answer), False)
    assert (err.value.status, err.value.reason) == (502, "LambdaInvalidResponse")


def test_response_over_1_mb_is_502():
    with pytest.raises(TargetError) as err:
        parse_response(json.dumps({"statusCode": 200, "body": "x" * (1024 * 1024)}), False)
    assert (err.value.status, err.value.reason) == (502, "LambdaResponseTooLarge")


# ---- invoke permission ---------------------------------------------------------------------------------------


def statement(**overrides):
    base = {"Effect": "Allow", "Principal": {"Service": "elasticloadbalancing.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": FN,
            "Condition": {"ArnLike": {"AWS:SourceArn": TG}}}
    base.update(overrides)
    return base


def test_invoke_permission():
    assert invoke_allowed([statement()], FN, TG, "123456789012")
    assert not invoke_allowed([], FN, TG, "123456789012")
    other_tg = TG.replace("0123456789abcdef", "fedcba9876543210")
    assert not invoke_allowed([statement()], FN, other_tg, "123456789012")  # SourceArn names another group
    assert invoke_allowed([statement(Condition={})], FN, other_tg, "123456789012")  # no SourceArn: any
    assert not invoke_allowed([statement(Principal={"Service": "apigateway.amazonaws.com"})], FN, TG, "1")
    assert not invoke_allowed([statement(Action="lambda:GetFunction")], FN, TG, "1")
    assert not invoke_allowed([statement(), statement(Effect="Deny", Condition={})], FN, TG, "1")
