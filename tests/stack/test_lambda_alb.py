"""lambda_alb: assertions on AWS state by describe calls.

    TAP_SUFFIX=x pytest tests/stack -m present    (after site.yml)
    TAP_SUFFIX=x pytest tests/stack -m absent     (after teardown.yml)

The emulator omits HostHeaderConfig/PathPatternConfig/ForwardConfig in describe_rules, so conditions
are read from their Values and forward actions from TargetGroupArn (both are present on real AWS too).
"""

import json
from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.concerns("lambda_alb")

ELB_PRINCIPAL = "elasticloadbalancing.amazonaws.com"


def _not_found(exc, *codes):
    return getattr(exc, "response", {}).get("Error", {}).get("Code") in codes


def _alb(elbv2, name):
    try:
        return elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]
    except Exception as exc:  # noqa: BLE001 - botocore ClientError
        if _not_found(exc, "LoadBalancerNotFound"):
            return None
        raise


def _target_group(elbv2, name):
    try:
        return elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]
    except Exception as exc:  # noqa: BLE001
        if _not_found(exc, "TargetGroupNotFound"):
            return None
        raise


def _route(site, sites):
    """A site's default route: named after its region_role, or after the site when others share the role."""
    shared = sum(1 for other in sites if other["region_role"] == site["region_role"]) > 1
    key = site["host"] if shared else site["region_role"]
    return "%s.example.com" % key, "/api/%s*" % key


def _condition_values(rule, field):
    for condition in rule["Conditions"]:
        if condition["Field"] == field:
            config = condition.get({"host-header": "HostHeaderConfig", "path-pattern": "PathPatternConfig"}[field])
            return sorted((config or {}).get("Values") or condition.get("Values") or [])
    return None


def _forward_target(action):
    if action.get("TargetGroupArn"):
        return action["TargetGroupArn"]
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    return groups[0]["TargetGroupArn"] if len(groups) == 1 else None


def _as_list(value):
    return value if isinstance(value, list) else [value]


# ---- present -----------------------------------------------------------------------------------------------


@pytest.mark.present
def test_load_balancer_listener_and_rules(stack):
    """Each site's ALB: internet-facing, HTTP 80 defaulting to its own target group, one host+path rule per site
    (priority 10, 20, ... in tap_sites order): its own route forwards, another site's route redirects there."""
    for site in stack.sites:
        names = stack.names(site["host"])
        elbv2 = stack.client("elbv2", site["aws_region"])
        alb = _alb(elbv2, names["alb"])
        assert alb is not None, "no load balancer %s" % names["alb"]
        assert alb["Scheme"] == "internet-facing"
        group = _target_group(elbv2, names["target_group"])
        assert group is not None and group["TargetType"] == "lambda"
        # One load balancer per target group (moto lists it once per action that uses it: compare as a set).
        assert set(group["LoadBalancerArns"]) == {alb["LoadBalancerArn"]}

        listeners = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
        assert [(lst["Protocol"], lst["Port"]) for lst in listeners] == [("HTTP", 80)]
        default = listeners[0]["DefaultActions"]
        assert [a["Type"] for a in default] == ["forward"]
        assert _forward_target(default[0]) == group["TargetGroupArn"]

        rules = [
            r for r in elbv2.describe_rules(ListenerArn=listeners[0]["ListenerArn"])["Rules"] if not r["IsDefault"]
        ]
        rules.sort(key=lambda r: int(r["Priority"]))
        assert [int(r["Priority"]) for r in rules] == [10 * (i + 1) for i in range(len(stack.sites))]
        for rule, other in zip(rules, stack.sites):
            host, path = _route(other, stack.sites)
            assert _condition_values(rule, "host-header") == [host]
            assert _condition_values(rule, "path-pattern") == [path]
            assert len(rule["Actions"]) == 1
            action = rule["Actions"][0]
            if other["host"] == site["host"]:
                assert action["Type"] == "forward"
                assert _forward_target(action) == group["TargetGroupArn"]
            else:
                other_alb = _alb(stack.client("elbv2", other["aws_region"]), stack.names(other["host"])["alb"])
                assert other_alb is not None
                assert action["Type"] == "redirect"
                redirect = action["RedirectConfig"]
                assert redirect["Host"] == other_alb["DNSName"]
                assert redirect["StatusCode"] == "HTTP_302"
                assert redirect["Protocol"] == "HTTP" and str(redirect["Port"]) == "80"


@pytest.mark.present
def test_load_balancer_security_group_allows_http_only(stack):
    for site in stack.sites:
        names = stack.names(site["host"])
        elbv2 = stack.client("elbv2", site["aws_region"])
        ec2 = stack.client("ec2", site["aws_region"])
        alb = _alb(elbv2, names["alb"])
        groups = ec2.describe_security_groups(GroupIds=alb["SecurityGroups"])["SecurityGroups"]
        assert [g["GroupName"] for g in groups] == [names["alb_security_group"]]
        ingress = groups[0]["IpPermissions"]
        assert [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in ingress] == [("tcp", 80, 80)]


@pytest.mark.present
def test_function_is_the_only_target_and_permission_is_scoped(stack):
    for site in stack.sites:
        names = stack.names(site["host"])
        elbv2 = stack.client("elbv2", site["aws_region"])
        lam = stack.client("lambda", site["aws_region"])
        function = lam.get_function_configuration(FunctionName=names["function"])
        assert function["Runtime"].startswith("python3.1")
        assert function["MemorySize"] == 128 and function["Timeout"] == 30
        env = function["Environment"]["Variables"]
        assert env["BUCKET_NAME"] and env["TABLE_NAME"]

        group = _target_group(elbv2, names["target_group"])
        targets = elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]
        assert [t["Target"]["Id"] for t in targets] == [function["FunctionArn"]]

        statements = json.loads(lam.get_policy(FunctionName=names["function"])["Policy"])["Statement"]
        elb = [s for s in statements if (s.get("Principal") or {}).get("Service") == ELB_PRINCIPAL]
        assert len(elb) == 1, elb
        assert elb[0]["Sid"] == "elb-invoke-%s" % names["target_group"]
        assert elb[0]["Action"] == "lambda:InvokeFunction"
        source_arns = [
            v
            for operator in ("ArnLike", "ArnEquals")
            for k, v in (elb[0].get("Condition") or {}).get(operator, {}).items()
            if k.lower() == "aws:sourcearn"
        ]
        assert source_arns == [group["TargetGroupArn"]]


@pytest.mark.present
def test_execution_role_and_scoped_inline_policy(stack):
    for site in stack.sites:
        names = stack.names(site["host"])
        iam = stack.client("iam", site["aws_region"])
        role = iam.get_role(RoleName=names["lambda_role"])["Role"]
        trust = role["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(unquote(trust))
        assert [s["Principal"]["Service"] for s in trust["Statement"]] == ["lambda.amazonaws.com"]

        attached = iam.list_attached_role_policies(RoleName=names["lambda_role"])["AttachedPolicies"]
        assert [p["PolicyArn"].split(":", 5)[5] for p in attached] == [
            "policy/service-role/AWSLambdaBasicExecutionRole"
        ]
        assert iam.list_role_policies(RoleName=names["lambda_role"])["PolicyNames"] == [names["lambda_policy"]]
        assert iam.list_instance_profiles_for_role(RoleName=names["lambda_role"])["InstanceProfiles"] == []

        document = iam.get_role_policy(RoleName=names["lambda_role"], PolicyName=names["lambda_policy"])[
            "PolicyDocument"
        ]
        if isinstance(document, str):
            document = json.loads(unquote(document))
        services = set()
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            for resource in _as_list(statement["Resource"]):
                assert resource != "*" and resource.startswith("arn:"), resource
                assert not resource.split(":", 5)[5].startswith("*"), resource
            for action in _as_list(statement["Action"]):
                assert "*" not in action, action
                services.add(action.split(":")[0])
        assert services == {"s3", "kms", "dynamodb"}


@pytest.mark.present
def test_log_group_retention(stack):
    for site in stack.sites:
        names = stack.names(site["host"])
        logs = stack.client("logs", site["aws_region"])
        groups = logs.describe_log_groups(logGroupNamePrefix=names["log_group"])["logGroups"]
        matching = [g for g in groups if g["logGroupName"] == names["log_group"]]
        assert len(matching) == 1
        assert matching[0]["retentionInDays"] == 14


# ---- absent ------------------------------------------------------------------------------------------------


@pytest.mark.absent
def test_nothing_of_lambda_alb_is_left(stack):
    for site in stack.sites:
        names = stack.names(site["host"])
        region = site["aws_region"]
        elbv2 = stack.client("elbv2", region)
        assert _alb(elbv2, names["alb"]) is None
        assert _target_group(elbv2, names["target_group"]) is None

        functions = stack.client("lambda", region).get_paginator("list_functions").paginate().build_full_result()
        assert names["function"] not in [f["FunctionName"] for f in functions["Functions"]]

        iam = stack.client("iam", region)
        roles = iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]
        assert names["lambda_role"] not in [r["RoleName"] for r in roles]
        profiles = iam.get_paginator("list_instance_profiles").paginate().build_full_result()["InstanceProfiles"]
        assert names["lambda_role"] not in [p["InstanceProfileName"] for p in profiles]

        logs = stack.client("logs", region)
        groups = logs.describe_log_groups(logGroupNamePrefix=names["log_group"])["logGroups"]
        assert [g["logGroupName"] for g in groups if g["logGroupName"] == names["log_group"]] == []

        ec2 = stack.client("ec2", region)
        # by name and the suffix's tags: another environment may use the same group name in its own VPC
        sgs = ec2.describe_security_groups(
            Filters=[
                {"Name": "group-name", "Values": [names["alb_security_group"]]},
                {"Name": "tag:Project", "Values": ["tap-infra"]},
                {"Name": "tag:Environment", "Values": [stack.suffix]},
            ]
        )
        assert sgs["SecurityGroups"] == []


@pytest.mark.absent
def test_no_resource_with_the_suffix_is_left(stack):
    """Sweep by suffix, not only by derived names: nothing lambda_alb creates may survive teardown."""
    marker = "tap-%s-" % stack.suffix
    for region in sorted({site["aws_region"] for site in stack.sites}):
        elbv2 = stack.client("elbv2", region)
        albs = elbv2.get_paginator("describe_load_balancers").paginate().build_full_result()["LoadBalancers"]
        assert [a["LoadBalancerName"] for a in albs if a["LoadBalancerName"].startswith(marker)] == []
        tgs = elbv2.get_paginator("describe_target_groups").paginate().build_full_result()["TargetGroups"]
        assert [t["TargetGroupName"] for t in tgs if t["TargetGroupName"].startswith(marker)] == []
        functions = stack.client("lambda", region).get_paginator("list_functions").paginate().build_full_result()
        assert [f["FunctionName"] for f in functions["Functions"] if f["FunctionName"].startswith(marker)] == []
        logs = stack.client("logs", region)
        groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/" + marker)["logGroups"]
        assert groups == []
    iam = stack.client("iam", stack.sites[0]["aws_region"])
    roles = iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]
    assert [r["RoleName"] for r in roles if r["RoleName"].startswith(marker)] == []
