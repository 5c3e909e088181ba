# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.elb_listener_rules against botocore's Stubber, with the response shapes ELBv2 returns.

Stubber fails on any call out of order, with other parameters, or left unmade: the number of reads of a
converged run and the absence of writes in check mode are asserted by the queued responses themselves.
"""

import pytest

from ansible_collections.tap.infra.plugins.modules import elb_listener_rules as mod
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils
from ansible_collections.tap.infra.plugins.module_utils.common import CLIENT_DECORATOR

REGION = "us-east-1"
ACCOUNT = "123456789012"
LB = "app/tap-test-use1-alb/50dc6c495c0c9188"
LISTENER_ARN = "arn:aws:elasticloadbalancing:%s:%s:listener/%s/f2f7dc8efc522ab2" % (REGION, ACCOUNT, LB)
TG_ARN = "arn:aws:elasticloadbalancing:%s:%s:targetgroup/tap-test-use1-tg/73e2d6bc24d8a067" % (REGION, ACCOUNT)
OTHER_DNS = "tap-test-usw2-alb-1234567890.us-west-2.elb.amazonaws.com"
THIRD_DNS = "tap-test-euw1-alb-0987654321.eu-west-1.elb.amazonaws.com"


def rule_arn(rule_id):
    return "arn:aws:elasticloadbalancing:%s:%s:listener-rule/%s/f2f7dc8efc522ab2/%s" % (REGION, ACCOUNT, LB, rule_id)


# ---- the rules as rules.yml builds them (short form) -----------------------------------------------------------


def forward():
    return {"Type": "forward", "TargetGroupArn": TG_ARN}


def redirect(host=OTHER_DNS):
    return {
        "Type": "redirect",
        "RedirectConfig": {
            "Protocol": "HTTP",
            "Port": "80",
            "Host": host,
            "Path": "/#{path}",
            "Query": "#{query}",
            "StatusCode": "HTTP_302",
        },
    }


def route(key):
    return [
        {"Field": "host-header", "Values": ["%s.example.com" % key]},
        {"Field": "path-pattern", "Values": ["/api/%s*" % key]},
    ]


def want(priority, key, action):
    return {"Priority": priority, "Conditions": route(key), "Actions": [action]}


PLAN = [want(10, "primary", forward()), want(20, "secondary", redirect())]


# ---- real AWS response shapes ----------------------------------------------------------------------------------


def long_action(action):
    """An action as DescribeRules / CreateRule return it: Order, and ForwardConfig next to TargetGroupArn."""
    shape = dict(action, Order=1)
    if action["Type"] == "forward":
        shape["ForwardConfig"] = {
            "TargetGroups": [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}],
            "TargetGroupStickinessConfig": {"Enabled": False},
        }
    return shape


def long_condition(condition):
    config = {"host-header": "HostHeaderConfig", "path-pattern": "PathPatternConfig"}[condition["Field"]]
    return dict(condition, **{config: {"Values": list(condition["Values"])}})


def aws_rule(rule_id, spec, priority=None):
    return {
        "RuleArn": rule_arn(rule_id),
        "Priority": str(spec["Priority"] if priority is None else priority),
        "Conditions": [long_condition(c) for c in spec["Conditions"]],
        "Actions": [long_action(a) for a in spec["Actions"]],
        "IsDefault": False,
    }


def default_rule():
    return {
        "RuleArn": rule_arn("9683b2d02a6cabee"),
        "Priority": "default",
        "Conditions": [],
        "Actions": [long_action(forward())],
        "IsDefault": True,
    }


IDS = ["1111111111111111", "2222222222222222", "3333333333333333"]


def converged():
    return [default_rule(), aws_rule(IDS[0], PLAN[0]), aws_rule(IDS[1], PLAN[1])]


# ---- fixtures --------------------------------------------------------------------------------------------------


class Stubs(utils.Stubs):
    """The stubbed elbv2 client, recording the calls made."""

    service = "elbv2"

    def manager(self, check_mode=False):
        return mod.ListenerRulesManager(self.client(CLIENT_DECORATOR), check_mode=check_mode)

    # reads
    def rules(self, rules, marker=None, next_marker=None):
        params = {"ListenerArn": LISTENER_ARN}
        if marker:
            params["Marker"] = marker
        response = {"Rules": rules}
        if next_marker:
            response["NextMarker"] = next_marker
        self.stubber.add_response("describe_rules", response, params)

    def listener_not_found(self):
        self.stubber.add_client_error(
            "describe_rules",
            service_error_code="ListenerNotFound",
            service_message="One or more listeners not found",
            http_status_code=400,
            expected_params={"ListenerArn": LISTENER_ARN},
        )

    def throttled(self, operation, params):
        self.stubber.add_client_error(
            operation,
            service_error_code="Throttling",
            service_message="Rate exceeded",
            http_status_code=400,
            expected_params=params,
        )

    # writes
    def expect_create(self, rule_id, spec):
        params = {
            "ListenerArn": LISTENER_ARN,
            "Priority": spec["Priority"],
            "Conditions": spec["Conditions"],
            "Actions": spec["Actions"],
        }
        self.stubber.add_response("create_rule", {"Rules": [aws_rule(rule_id, spec)]}, params)

    def expect_modify(self, rule_id, spec):
        params = {"RuleArn": rule_arn(rule_id), "Conditions": spec["Conditions"], "Actions": spec["Actions"]}
        self.stubber.add_response("modify_rule", {"Rules": [aws_rule(rule_id, spec)]}, params)

    def expect_priority(self, rule_id, spec, priority):
        self.stubber.add_response(
            "set_rule_priorities",
            {"Rules": [aws_rule(rule_id, spec, priority=priority)]},
            {"RulePriorities": [{"RuleArn": rule_arn(rule_id), "Priority": priority}]},
        )

    def expect_delete(self, rule_id):
        self.stubber.add_response("delete_rule", {}, {"RuleArn": rule_arn(rule_id)})


stubs = utils.stubs_fixture(Stubs)


def writes(calls):
    return [c for c in calls if c != "DescribeRules"]


def summary(result):
    return [(r["priority"], r["rule_arn"], r["actions"][0]["Type"]) for r in result["rules"]]


# ---- normalisation ---------------------------------------------------------------------------------------------


def test_the_long_forms_aws_returns_equal_the_short_forms():
    for spec in PLAN:
        assert mod.content_of(aws_rule(IDS[0], spec)) == mod.content_of(spec)


def test_redirect_defaults_are_filled_in():
    short = {"Type": "redirect", "RedirectConfig": {"Host": "example.com", "StatusCode": "HTTP_301"}}
    returned = {
        "Type": "redirect",
        "Order": 1,
        "RedirectConfig": {
            "Protocol": "#{protocol}",
            "Port": "#{port}",
            "Host": "example.com",
            "Path": "/#{path}",
            "Query": "#{query}",
            "StatusCode": "HTTP_301",
        },
    }
    assert mod.normalise_action(short) == mod.normalise_action(returned)
    assert (
        mod.normalise_action(dict(short, RedirectConfig=dict(short["RedirectConfig"], Port=8080)))["RedirectConfig"][
            "Port"
        ]
        == "8080"
    )


def test_forward_config_forms():
    weighted = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": "b", "Weight": 1}, {"TargetGroupArn": "a", "Weight": 3}],
        },
    }
    assert mod.normalise_action(weighted) == {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": "a", "Weight": 3}, {"TargetGroupArn": "b", "Weight": 1}],
            "TargetGroupStickinessConfig": {"Enabled": False},
        },
    }
    sticky = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": "a"}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60},
        },
    }
    assert mod.normalise_action(sticky) != mod.normalise_action({"Type": "forward", "TargetGroupArn": "a"})


def test_condition_values_and_conditions_are_unordered_actions_are_ordered():
    a = {"Conditions": [{"Field": "host-header", "Values": ["b", "a"]}, {"Field": "path-pattern", "Values": ["/x"]}]}
    b = {
        "Conditions": [
            {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/x"]}},
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["a", "b"]}},
        ]
    }
    assert mod.content_of(a) == mod.content_of(b)
    first = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}
    actions = [dict(first, Order=2), dict(forward(), Order=1)]
    assert [x["Type"] for x in mod.normalise_actions(actions)] == ["forward", "fixed-response"]
    header = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Site", "Values": ["b", "a"]}}
    assert mod.normalise_condition(header) == {
        "Field": "http-header",
        "HttpHeaderConfig": {"HttpHeaderName": "X-Site", "Values": ["a", "b"]},
    }


def test_a_priority_listed_twice_or_out_of_range_is_refused():
    with pytest.raises(mod.RulesError, match="priority 10 is listed more than once"):
        mod.desired_rules([PLAN[0], dict(PLAN[1], Priority=10)])
    with pytest.raises(mod.RulesError, match="out of range"):
        mod.desired_rules([dict(PLAN[0], Priority=50001)])


# ---- converge --------------------------------------------------------------------------------------------------


def test_create_all_on_a_listener_with_only_its_default_rule(stubs):
    stubs.rules([default_rule()])
    stubs.expect_create(IDS[0], PLAN[0])
    stubs.expect_create(IDS[1], PLAN[1])

    result = stubs.manager().ensure(LISTENER_ARN, PLAN)

    assert stubs.calls == ["DescribeRules", "CreateRule", "CreateRule"]
    assert result["changed"] is True
    assert summary(result) == [(10, rule_arn(IDS[0]), "forward"), (20, rule_arn(IDS[1]), "redirect")]
    assert result["rules"][0]["conditions"] == route("primary")
    assert result["rules"][0]["actions"] == [forward()]
    assert result["rules"][1]["actions"] == [redirect()]
    assert result["diff"]["before"] == {"rules": {}}
    assert sorted(result["diff"]["after"]["rules"]) == ["10", "20"]


def test_converged_is_one_read_and_no_write(stubs):
    stubs.rules(converged())

    result = stubs.manager().ensure(LISTENER_ARN, PLAN)

    assert stubs.calls == ["DescribeRules"]
    assert result["changed"] is False
    assert summary(result) == [(10, rule_arn(IDS[0]), "forward"), (20, rule_arn(IDS[1]), "redirect")]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_rules_are_read_page_by_page(stubs):
    rules = converged()
    stubs.rules(rules[:2], next_marker="page-2")
    stubs.rules(rules[2:], marker="page-2")

    result = stubs.manager().ensure(LISTENER_ARN, PLAN)

    assert stubs.calls == ["DescribeRules", "DescribeRules"]
    assert result["changed"] is False


def test_a_throttled_read_is_left_to_botocore(stubs):
    # Throttling is botocore's to retry (standard mode): the module layer makes the call once.
    stubs.throttled("describe_rules", {"ListenerArn": LISTENER_ARN})
    with pytest.raises(mod.RulesError, match="could not be read"):
        stubs.manager().ensure(LISTENER_ARN, PLAN)
    assert stubs.calls == ["DescribeRules"]


def test_a_throttled_write_is_left_to_botocore(stubs):
    stubs.rules([default_rule(), aws_rule(IDS[0], PLAN[0])])
    stubs.throttled(
        "create_rule",
        {
            "ListenerArn": LISTENER_ARN,
            "Priority": 20,
            "Conditions": PLAN[1]["Conditions"],
            "Actions": PLAN[1]["Actions"],
        },
    )
    with pytest.raises(mod.RulesError):
        stubs.manager().ensure(LISTENER_ARN, PLAN)
    assert writes(stubs.calls) == ["CreateRule"]


def test_an_action_change_is_modified_in_place(stubs):
    # The other site's load balancer was re-created: its redirect host changed.
    stubs.rules([default_rule(), aws_rule(IDS[0], PLAN[0]), aws_rule(IDS[1], want(20, "secondary", redirect("old")))])
    stubs.expect_modify(IDS[1], PLAN[1])

    result = stubs.manager().ensure(LISTENER_ARN, PLAN)

    assert writes(stubs.calls) == ["ModifyRule"]
    assert result["changed"] is True
    assert result["rules"][1]["rule_arn"] == rule_arn(IDS[1])
    assert result["rules"][1]["actions"] == [redirect()]
    assert result["diff"]["before"]["rules"]["20"]["actions"][0]["RedirectConfig"]["Host"] == "old"
    assert result["diff"]["after"]["rules"]["20"]["actions"][0]["RedirectConfig"]["Host"] == OTHER_DNS


def test_a_condition_change_is_modified_in_place(stubs):
    stubs.rules([default_rule(), aws_rule(IDS[0], want(10, "old-route", forward())), aws_rule(IDS[1], PLAN[1])])
    stubs.expect_modify(IDS[0], PLAN[0])

    result = stubs.manager().ensure(LISTENER_ARN, PLAN)

    assert writes(stubs.calls) == ["ModifyRule"]
    assert result["rules"][0]["conditions"] == route("primary")


def test_an_extra_rule_is_purged(stubs):
    extra = aws_rule(IDS[2], want(30, "third", redirect(THIRD_DNS)))
    stubs.rules(converged() + [extra])
    stubs.expect_delete(IDS[2])

    result = stubs.manager().ensure(LISTENER_ARN, PLAN)

    assert writes(stubs.calls) == ["DeleteRule"]
    assert [r["priority"] for r in result["rules"]] == [10, 20]
    assert "30" in result["diff"]["before"]["rules"] and "30" not in result["diff"]["after"]["rules"]


def test_without_purge_an_extra_rule_is_left_alone(stubs):
    extra = aws_rule(IDS[2], want(30, "third", redirect(THIRD_DNS)))
    stubs.rules(converged() + [extra])

    result = stubs.manager().ensure(LISTENER_ARN, PLAN, purge_rules=False)

    assert stubs.calls == ["DescribeRules"]
    assert result["changed"] is False
    assert [r["priority"] for r in result["rules"]] == [10, 20, 30]


def test_without_purge_the_rule_at_a_listed_priority_is_taken_over(stubs):
    # The listed content exists at 30, but 10 holds another rule that stays: modify 10, leave 30 alone.
    stubs.rules([default_rule(), aws_rule(IDS[2], want(10, "third", forward())), aws_rule(IDS[0], PLAN[0], 30)])
    stubs.expect_modify(IDS[2], PLAN[0])

    result = stubs.manager().ensure(LISTENER_ARN, PLAN[:1], purge_rules=False)

    assert writes(stubs.calls) == ["ModifyRule"]
    assert [(r["priority"], r["rule_arn"]) for r in result["rules"]] == [(10, rule_arn(IDS[2])), (30, rule_arn(IDS[0]))]


def test_two_rules_swapping_priorities_move_through_a_free_priority(stubs):
    # The order of the sites changed: each rule keeps its content and moves; AWS refuses a priority in use.
    stubs.rules([default_rule(), aws_rule(IDS[0], PLAN[0], 20), aws_rule(IDS[1], PLAN[1], 10)])
    stubs.expect_priority(IDS[0], PLAN[0], 21)
    stubs.expect_priority(IDS[1], PLAN[1], 20)
    stubs.expect_priority(IDS[0], PLAN[0], 10)

    result = stubs.manager().ensure(LISTENER_ARN, PLAN)

    assert writes(stubs.calls) == ["SetRulePriorities"] * 3
    assert summary(result) == [(10, rule_arn(IDS[0]), "forward"), (20, rule_arn(IDS[1]), "redirect")]
    assert result["diff"]["before"]["rules"]["10"]["actions"][0]["Type"] == "redirect"
    assert result["diff"]["after"]["rules"]["10"]["actions"][0]["Type"] == "forward"


def test_a_site_inserted_in_the_middle_shifts_the_rules_after_it(stubs):
    # 10 primary, 20 secondary -> 10 primary, 20 new site, 30 secondary: move 20 -> 30 first, then create 20.
    third = want(20, "third", redirect(THIRD_DNS))
    plan = [PLAN[0], third, dict(PLAN[1], Priority=30)]
    stubs.rules(converged())
    stubs.expect_priority(IDS[1], PLAN[1], 30)
    stubs.expect_create(IDS[2], third)

    result = stubs.manager().ensure(LISTENER_ARN, plan)

    assert writes(stubs.calls) == ["SetRulePriorities", "CreateRule"]
    assert [(r["priority"], r["rule_arn"]) for r in result["rules"]] == [
        (10, rule_arn(IDS[0])),
        (20, rule_arn(IDS[2])),
        (30, rule_arn(IDS[1])),
    ]


def test_a_site_removed_deletes_its_rule_before_the_next_one_moves_up(stubs):
    third = want(30, "third", redirect(THIRD_DNS))
    stubs.rules(converged() + [aws_rule(IDS[2], third)])
    stubs.expect_delete(IDS[1])
    stubs.expect_priority(IDS[2], third, 20)

    result = stubs.manager().ensure(LISTENER_ARN, [PLAN[0], dict(third, Priority=20)])

    assert writes(stubs.calls) == ["DeleteRule", "SetRulePriorities"]
    assert [(r["priority"], r["rule_arn"]) for r in result["rules"]] == [(10, rule_arn(IDS[0])), (20, rule_arn(IDS[2]))]


def test_a_rotation_of_three_rules_needs_one_spare_priority():
    current = [
        {"arn": "a", "priority": 10, "key": "A", "content": {}},
        {"arn": "b", "priority": 20, "key": "B", "content": {}},
        {"arn": "c", "priority": 30, "key": "C", "content": {}},
    ]
    desired = [
        {"priority": 10, "key": "C"},
        {"priority": 20, "key": "A"},
        {"priority": 30, "key": "B"},
    ]
    todo = mod.plan(current, desired)
    assert len(todo["move"]) == 3 and not todo["modify"] and not todo["create"] and not todo["delete"]
    steps = mod.schedule_moves(todo["move"], {r["priority"]: r["arn"] for r in current})
    assert steps == [("c", 31), ("b", 30), ("a", 20), ("c", 10)]
    # every step lands on a free priority
    occupied = {r["priority"]: r["arn"] for r in current}
    for arn, priority in steps:
        assert priority not in occupied
        occupied = {p: a for p, a in occupied.items() if a != arn}
        occupied[priority] = arn
    assert occupied == {10: "c", 20: "a", 30: "b"}


def test_an_empty_list_deletes_every_rule_but_the_default(stubs):
    stubs.rules(converged())
    stubs.expect_delete(IDS[0])
    stubs.expect_delete(IDS[1])
    result = stubs.manager().ensure(LISTENER_ARN, [])
    assert writes(stubs.calls) == ["DeleteRule", "DeleteRule"]
    assert result["rules"] == []


# ---- check mode ------------------------------------------------------------------------------------------------


def test_check_mode_on_a_listener_that_does_not_exist_yet(stubs):
    # The placeholder ARN of a load balancer that is not created yet.
    stubs.listener_not_found()

    result = stubs.manager(check_mode=True).ensure(LISTENER_ARN, PLAN)

    assert stubs.calls == ["DescribeRules"]
    assert result["changed"] is True
    assert [(r["priority"], r["rule_arn"]) for r in result["rules"]] == [(10, None), (20, None)]
    assert result["rules"][1]["actions"] == [redirect()]
    assert result["diff"] == {
        "before": {"rules": {}},
        "after": {
            "rules": {
                "10": {"conditions": route("primary"), "actions": [forward()]},
                "20": {"conditions": route("secondary"), "actions": [redirect()]},
            }
        },
    }


def test_check_mode_writes_nothing_and_reports_what_would_change(stubs):
    extra = aws_rule(IDS[2], want(30, "third", redirect(THIRD_DNS)))
    stubs.rules([default_rule(), aws_rule(IDS[0], PLAN[0], 20), aws_rule(IDS[1], want(10, "x", forward())), extra])

    result = stubs.manager(check_mode=True).ensure(LISTENER_ARN, PLAN)

    assert stubs.calls == ["DescribeRules"]
    assert result["changed"] is True
    assert [r["priority"] for r in result["rules"]] == [10, 20]
    assert result["rules"][0]["rule_arn"] == rule_arn(IDS[0])  # moved, not re-created
    assert result["rules"][0]["actions"] == [forward()]


def test_check_mode_converged_is_unchanged(stubs):
    stubs.rules(converged())
    result = stubs.manager(check_mode=True).ensure(LISTENER_ARN, PLAN)
    assert result["changed"] is False


def test_a_missing_listener_is_an_error_outside_check_mode(stubs):
    stubs.listener_not_found()
    with pytest.raises(mod.RulesError, match="listener %s does not exist" % LISTENER_ARN):
        stubs.manager().ensure(LISTENER_ARN, PLAN)


def test_a_refused_write_names_the_rule(stubs):
    stubs.rules([default_rule(), aws_rule(IDS[0], PLAN[0])])
    stubs.stubber.add_client_error(
        "create_rule",
        service_error_code="PriorityInUse",
        service_message="Priority '20' is currently in use",
        http_status_code=400,
    )
    manager = stubs.manager()
    with pytest.raises(mod.RulesError, match="the rule at priority 20 could not be created"):
        manager.ensure(LISTENER_ARN, PLAN)
    assert manager.changed is False


# ---- normalisation edges, priorities, main() ------------------------------------------------------------------


def test_conditions_compare_in_their_short_and_long_forms():
    short = mod.normalise_condition({"Field": "path-pattern", "RegexValues": ["^/a$"]})
    assert short == {"Field": "path-pattern", "PathPatternConfig": {"RegexValues": ["^/a$"]}}
    # a field without a *Config (as an older API shape) is kept as given
    assert mod.normalise_condition({"Field": "custom", "Values": ["x"]}) == {"Field": "custom", "Values": ["x"]}
    # query-string pairs in any order, with or without the Values outside the config
    one = mod.normalise_condition(
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}}
    )
    two = mod.normalise_condition({"Field": "query-string", "Values": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]})
    assert one == two


def test_an_oidc_action_compares_without_its_secret_and_with_aws_defaults():
    given = {
        "Type": "authenticate-oidc",
        "Order": 1,
        "AuthenticateOidcConfig": {"Issuer": "https://idp", "ClientId": "c", "ClientSecret": "s", "SessionTimeout": "60"},
    }
    normalised = mod.normalise_action(given)["AuthenticateOidcConfig"]
    assert "ClientSecret" not in normalised and normalised["SessionTimeout"] == 60
    assert normalised["Scope"] == "openid" and normalised["OnUnauthenticatedRequest"] == "authenticate"


def test_a_rule_without_conditions_or_actions_is_refused():
    with pytest.raises(mod.RulesError, match="needs Conditions and Actions"):
        mod.desired_rules([{"Priority": 5, "Conditions": [], "Actions": PLAN[0]["Actions"]}])


def test_a_free_priority_is_searched_below_the_highest():
    assert mod.free_priority({1, 2}) == 3
    assert mod.free_priority({mod.MAX_PRIORITY, mod.MAX_PRIORITY - 1}) == mod.MAX_PRIORITY - 2
    with pytest.raises(mod.RulesError, match="no free rule priority"):
        mod.free_priority(set(range(1, mod.MAX_PRIORITY + 1)))


def test_main_converges_and_drops_the_diff_unless_asked(stubs, monkeypatch):
    stubs.rules(converged())
    stubs.rules(converged())
    client = stubs.client()
    params = {"listener_arn": LISTENER_ARN, "rules": PLAN, "purge_rules": True}
    plain = utils.run_main(mod, monkeypatch, utils.FakeModule(params, {"elbv2": client}))
    with_diff = utils.run_main(mod, monkeypatch, utils.FakeModule(params, {"elbv2": client}, diff=True))
    assert plain["changed"] is False and "diff" not in plain and "diff" in with_diff
