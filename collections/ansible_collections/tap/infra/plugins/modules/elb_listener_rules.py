#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: elb_listener_rules
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
short_description: Converge the rules of one ELBv2 listener to a given list
version_added: 0.1.0
description:
  - Creates, changes, reprioritises and deletes the non-default rules of one Application Load Balancer listener,
    given by its ARN, so that they are exactly O(rules) (with O(purge_rules=true)).
  - One C(DescribeRules) call (paginated) reads every rule of the listener; when everything matches, that is the only
    call. M(amazon.aws.elb_application_lb) converges the whole load balancer (about 10 reads) to do the same.
  - A rule is identified by its conditions and actions first, then by its priority. A rule listed with the
    conditions and actions of an existing rule keeps that rule and, when the priority differs, moves it
    (C(SetRulePriorities)), so a route never disappears while rules are reordered. A listed rule without such a
    match takes over the rule at its priority (C(ModifyRule)) or is created (C(CreateRule)). The remaining rules are
    deleted (C(DeleteRule)) with O(purge_rules=true).
  - AWS refuses a priority used by another rule of the listener. Deletions come first; a rule moves only to a free
    priority, and rules that swap priorities move through a free priority.
  - Conditions and actions are compared normalised, so the short form given here equals the long form AWS returns
    (C(HostHeaderConfig)/C(PathPatternConfig) next to C(Values), C(Order), C(ForwardConfig) with
    C(TargetGroupStickinessConfig) next to C(TargetGroupArn), the defaults of C(RedirectConfig)). The order of the
    values of a condition and of the conditions of a rule does not matter; the order of the actions does.
  - Supports check mode (no writes, honest C(changed)) and diff mode (the rules before and after, normalised). In
    check mode a listener that does not exist (e.g. a placeholder ARN for a load balancer not created yet) counts as
    a listener without rules.
author:
  - tap-infra maintainers (@tap-infra)
options:
  listener_arn:
    description:
      - The ARN of the listener.
    type: str
    required: true
  rules:
    description:
      - The non-default rules of the listener, in the shape of the ELBv2 API (C(CreateRule)).
      - The default action of the listener is not a rule here; M(amazon.aws.elb_application_lb) manages it.
    type: list
    elements: dict
    required: true
    suboptions:
      Priority:
        description:
          - The priority of the rule, 1 to 50000, unique within O(rules).
        type: int
        required: true
      Conditions:
        description:
          - The conditions of the rule (C(RuleCondition) of the ELBv2 API), for example a C(Field) V(host-header)
            with C(Values) V([example.com]).
        type: list
        elements: dict
        required: true
      Actions:
        description:
          - The actions of the rule (C(Action) of the ELBv2 API), for example a C(Type) V(forward) with a
            C(TargetGroupArn). Several actions need an C(Order) each.
        type: list
        elements: dict
        required: true
  purge_rules:
    description:
      - Delete the non-default rules of the listener that are not in O(rules).
      - With V(false) they are left alone, except a rule at the priority of a listed rule, which takes the listed
        conditions and actions.
    type: bool
    default: true
notes:
  - The identity needs C(elasticloadbalancing:DescribeRules), and as needed C(elasticloadbalancing:CreateRule),
    C(elasticloadbalancing:ModifyRule), C(elasticloadbalancing:SetRulePriorities) and
    C(elasticloadbalancing:DeleteRule).
  - Tags and C(Transforms) of rules are not managed. The client secret of an C(authenticate-oidc) action is not
    compared (AWS does not return it).
  - Why it exists - it complements C(amazon.aws.elb_application_lb) (O(amazon.aws.elb_application_lb#module:listeners)
    with C(Rules)), which converges the whole load balancer (about 10 reads) to manage one listener's rules, and fails
    on the first run when a listener is created together with its rules (amazon.aws#2400; amazon.aws 11.4). Here one
    DescribeRules when nothing changes. The project can drop it when an upstream module converges one listener's
    rules.
"""

EXAMPLES = r"""
- name: Host AND path routing on the HTTP listener
  tap.infra.elb_listener_rules:
    listener_arn: "{{ alb.listeners[0].listener_arn }}"
    rules:
      - Priority: 10
        Conditions:
          - {Field: host-header, Values: [api.example.com]}
          - {Field: path-pattern, Values: ["/api/*"]}
        Actions:
          - {Type: forward, TargetGroupArn: "{{ api_target_group_arn }}"}
      - Priority: 20
        Conditions:
          - {Field: host-header, Values: [old.example.com]}
        Actions:
          - Type: redirect
            RedirectConfig: {Host: new.example.com, StatusCode: HTTP_301}
  register: listener_rules

- name: Add a rule and leave the other rules of the listener alone
  tap.infra.elb_listener_rules:
    listener_arn: "{{ listener_arn }}"
    rules:
      - Priority: 100
        Conditions:
          - {Field: path-pattern, Values: [/health]}
        Actions:
          - Type: fixed-response
            FixedResponseConfig: {StatusCode: "200", ContentType: text/plain, MessageBody: ok}
    purge_rules: false
"""

RETURN = r"""
listener_arn:
  description: The ARN of the listener.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2
rules:
  description:
    - The non-default rules of the listener after the run (or as they would be, in check mode), by priority.
    - Conditions and actions in the normalised short form of the ELBv2 API (defaults filled in, no C(Order)).
  returned: always
  type: list
  elements: dict
  contains:
    rule_arn:
      description: The ARN of the rule; V(null) for a rule that would be created in check mode.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
    priority:
      description: The priority of the rule.
      type: int
      sample: 10
    conditions:
      description: The conditions of the rule.
      type: list
      elements: dict
      sample: [{Field: host-header, Values: [api.example.com]}, {Field: path-pattern, Values: ["/api/*"]}]
    actions:
      description: The actions of the rule, in the order they are performed.
      type: list
      elements: dict
      sample: [{Type: forward, TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067"}]
"""

import copy
import json
from functools import partial

try:
    import botocore
except ImportError:
    pass  # protected by AnsibleAWSModule


from ansible_collections.tap.infra.plugins.module_utils.common import Manager
from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError as RulesError
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge
from ansible_collections.tap.infra.plugins.module_utils.common import list_of_dicts
from ansible_collections.tap.infra.plugins.module_utils.common import new_manager
from ansible_collections.tap.infra.plugins.module_utils.common import paginated
from ansible_collections.tap.infra.plugins.module_utils.errors import error_code

MAX_PRIORITY = 50000

CONDITION_CONFIGS = {
    "host-header": "HostHeaderConfig",
    "path-pattern": "PathPatternConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig",
    "source-ip": "SourceIpConfig",
}
# What AWS returns for the parts of a RedirectConfig that were not given.
REDIRECT_DEFAULTS = {
    "Protocol": "#{protocol}",
    "Port": "#{port}",
    "Host": "#{host}",
    "Path": "/#{path}",
    "Query": "#{query}",
}
AUTHENTICATE_DEFAULTS = {
    "Scope": "openid",
    "SessionTimeout": 604800,
    "SessionCookieName": "AWSELBAuthSessionCookie",
    "OnUnauthenticatedRequest": "authenticate",
}
AUTHENTICATE_CONFIGS = {
    "authenticate-oidc": "AuthenticateOidcConfig",
    "authenticate-cognito": "AuthenticateCognitoConfig",
}


# ---- normalisation ------------------------------------------------------------------------------------------


def scrub(value):
    """The value without None, empty dicts and empty lists (absent and empty mean the same to ELBv2)."""
    if isinstance(value, dict):
        scrubbed = {k: scrub(v) for k, v in value.items()}
        return {k: v for k, v in scrubbed.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def normalise_condition(condition):
    """A condition in its short form: C(Values) for host-header and path-pattern, the *Config otherwise."""
    condition = scrub(condition)
    field = condition.get("Field")
    config_key = CONDITION_CONFIGS.get(field)
    config = dict(condition.get(config_key) or {}) if config_key else {}
    result = {"Field": field}
    if field in ("host-header", "path-pattern"):
        values = config.pop("Values", None) or condition.get("Values")
        regex = config.pop("RegexValues", None) or condition.get("RegexValues")
        if values:
            result["Values"] = sorted(values)
        if regex:
            result[config_key] = {"RegexValues": sorted(regex)}
        return result
    if config_key is None:
        result.update({k: v for k, v in condition.items() if k != "Field"})
        return result
    if "Values" in condition and "Values" not in config:
        config["Values"] = condition["Values"]
    if field == "query-string":
        pairs = [{k: v for k, v in pair.items() if k in ("Key", "Value")} for pair in config.get("Values") or []]
        config["Values"] = sorted(pairs, key=lambda p: (p.get("Key") or "", p.get("Value") or ""))
    else:
        for key in ("Values", "RegexValues"):
            if key in config:
                config[key] = sorted(config[key])
    result[config_key] = config
    return result


def normalise_forward(action):
    config = action.get("ForwardConfig") or {}
    groups = [dict(g) for g in config.get("TargetGroups") or []]
    if not groups and action.get("TargetGroupArn"):
        groups = [{"TargetGroupArn": action["TargetGroupArn"]}]
    stickiness = config.get("TargetGroupStickinessConfig") or {}
    stickiness = dict(stickiness) if stickiness.get("Enabled") else {"Enabled": False}
    if len(groups) == 1 and not stickiness["Enabled"]:
        return {"Type": "forward", "TargetGroupArn": groups[0]["TargetGroupArn"]}
    for group in groups:
        if len(groups) == 1:
            group.pop("Weight", None)  # the weight of a single group does not matter
        else:
            group.setdefault("Weight", 1)
    groups.sort(key=lambda g: g["TargetGroupArn"])
    return {"Type": "forward", "ForwardConfig": {"TargetGroups": groups, "TargetGroupStickinessConfig": stickiness}}


def normalise_action(action):
    """An action in its short form, without Order (the order of the list is the order of the actions)."""
    action = scrub(action)
    kind = action.get("Type")
    if kind == "forward":
        return normalise_forward(action)
    result = {k: v for k, v in action.items() if k not in ("Order", "TargetGroupArn", "ForwardConfig")}
    if kind == "redirect":
        config = dict(REDIRECT_DEFAULTS, **(action.get("RedirectConfig") or {}))
        config["Port"] = str(config["Port"])
        result["RedirectConfig"] = config
    elif kind == "fixed-response":
        config = dict(action.get("FixedResponseConfig") or {})
        if "StatusCode" in config:
            config["StatusCode"] = str(config["StatusCode"])
        result["FixedResponseConfig"] = config
    elif kind in AUTHENTICATE_CONFIGS:
        key = AUTHENTICATE_CONFIGS[kind]
        config = dict(AUTHENTICATE_DEFAULTS, **(action.get(key) or {}))
        config.pop("ClientSecret", None)
        config.pop("UseExistingClientSecret", None)
        config["SessionTimeout"] = int(config["SessionTimeout"])
        result[key] = config
    return result


def normalise_actions(actions):
    indexed = [(a.get("Order") if a.get("Order") is not None else i + 1, i, a) for i, a in enumerate(actions or [])]
    return [normalise_action(a) for order, i, a in sorted(indexed, key=lambda t: (t[0], t[1]))]


def normalise_conditions(conditions):
    return sorted((normalise_condition(c) for c in conditions or []), key=canonical_json)


def content_of(rule):
    """Conditions and actions of a rule (AWS or module shape), normalised."""
    return {
        "Conditions": normalise_conditions(rule.get("Conditions")),
        "Actions": normalise_actions(rule.get("Actions")),
    }


def content_key(content):
    return canonical_json(content)


def view(rule_arn, priority, content):
    return {
        "rule_arn": rule_arn,
        "priority": priority,
        "conditions": content["Conditions"],
        "actions": content["Actions"],
    }


def diff_view(rules):
    return {
        str(rule["priority"]): {"conditions": rule["conditions"], "actions": rule["actions"]}
        for rule in sorted(rules, key=lambda r: r["priority"])
    }


def desired_rules(rules):
    """The listed rules with their normalised content; refuses priorities out of range or listed twice."""
    desired, seen = [], set()
    for rule in rules:
        priority = int(rule["Priority"])
        if not 1 <= priority <= MAX_PRIORITY:
            raise RulesError("rule priority %d is out of range (1 to %d)" % (priority, MAX_PRIORITY))
        if priority in seen:
            raise RulesError("rule priority %d is listed more than once in rules" % priority)
        seen.add(priority)
        if not rule.get("Conditions") or not rule.get("Actions"):
            raise RulesError("the rule at priority %d needs Conditions and Actions" % priority)
        content = content_of(rule)
        desired.append(
            {
                "priority": priority,
                "conditions": scrub(copy.deepcopy(rule["Conditions"])),
                "actions": scrub(copy.deepcopy(rule["Actions"])),
                "content": content,
                "key": content_key(content),
            }
        )
    return desired


def current_rule(rule):
    content = content_of(rule)
    return {
        "arn": rule["RuleArn"],
        "priority": int(rule["Priority"]),
        "content": content,
        "key": content_key(content),
    }


# ---- the plan -----------------------------------------------------------------------------------------------


def plan(current, desired, purge=True):
    """What to do, as lists: keep, move, modify, create, delete.

    1. a rule at the listed priority with the listed content is kept;
    2. with purge, a rule with the listed content elsewhere is moved (its route never disappears);
    3. the rule at the listed priority otherwise takes the listed content (without purge this comes before 2, so
       that a rule left alone never sits on a listed priority);
    4. the rest is created; the unused rules are deleted with purge.
    """
    free = {rule["arn"]: rule for rule in current}
    at_priority = {rule["priority"]: rule for rule in current}
    keep, move, modify, create = [], [], [], []
    todo = []
    for want in desired:
        have = at_priority.get(want["priority"])
        if have is not None and have["key"] == want["key"]:
            keep.append((have, want))
            del free[have["arn"]]
        else:
            todo.append(want)

    def take_same_priority(wants):
        left = []
        for want in wants:
            have = at_priority.get(want["priority"])
            if have is not None and have["arn"] in free:
                modify.append((have, want))
                del free[have["arn"]]
            else:
                left.append(want)
        return left

    def take_same_content(wants):
        left = []
        for want in wants:
            have = next((r for r in free.values() if r["key"] == want["key"]), None)
            if have is not None:
                move.append((have, want))
                del free[have["arn"]]
            else:
                left.append(want)
        return left

    if purge:
        todo = take_same_priority(take_same_content(todo))
    else:
        todo = take_same_content(take_same_priority(todo))
    create = todo
    delete = sorted(free.values(), key=lambda r: r["priority"]) if purge else []
    kept_alone = [] if purge else sorted(free.values(), key=lambda r: r["priority"])
    return {"keep": keep, "move": move, "modify": modify, "create": create, "delete": delete, "alone": kept_alone}


def schedule_moves(moves, occupied):
    """The SetRulePriorities steps (rule ARN, priority) for the moves, each to a free priority.

    occupied: priority -> ARN of every rule of the listener once the deletions are done. A move waits until its
    priority is free; when the moves wait on each other (a swap, a rotation), one goes to a free priority first.
    """
    occupied = dict(occupied)
    reserved = set(occupied) | {want["priority"] for have, want in moves}
    pending = [(have["arn"], have["priority"], want["priority"]) for have, want in moves]
    steps = []

    def step(arn, source, target):
        steps.append((arn, target))
        if occupied.get(source) == arn:
            del occupied[source]
        occupied[target] = arn

    while pending:
        ready = next((m for m in pending if m[2] not in occupied), None)
        if ready is not None:
            pending.remove(ready)
            step(*ready)
            continue
        arn, source, target = pending.pop(0)
        spare = free_priority(reserved)
        reserved.add(spare)
        step(arn, source, spare)
        pending.append((arn, spare, target))
    return steps


def free_priority(used):
    """A priority no rule uses or will use: above the highest one when possible."""
    highest = max(used, default=0)
    if highest < MAX_PRIORITY:
        return highest + 1
    for priority in range(MAX_PRIORITY - 1, 0, -1):
        if priority not in used:
            return priority
    raise RulesError("the listener has no free rule priority to reorder its rules through")


class ListenerRulesManager(Manager):
    """Converges the non-default rules of one listener; holds the client and the check mode switch."""

    # ---- reads --------------------------------------------------------------------------------------------

    def rules_of(self, listener_arn):
        """The non-default rules of the listener (None when it does not exist): the one read of a converged run."""
        try:
            rules = paginated(self.client, "describe_rules", "Rules", ListenerArn=listener_arn)
        except botocore.exceptions.ClientError as e:
            if error_code(e) == "ListenerNotFound":
                return None
            raise RulesError("the rules of listener %s could not be read" % listener_arn, e)
        return [rule for rule in rules if not rule.get("IsDefault")]

    # ---- writes -------------------------------------------------------------------------------------------

    def call(self, what, method, **params):
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise RulesError(what, e)

    def delete(self, rule):
        self.call(
            "rule %s (priority %d) could not be deleted" % (rule["arn"], rule["priority"]),
            "delete_rule",
            RuleArn=rule["arn"],
        )

    def set_priority(self, arn, priority):
        response = self.call(
            "rule %s could not be moved to priority %d" % (arn, priority),
            "set_rule_priorities",
            RulePriorities=[{"RuleArn": arn, "Priority": priority}],
        )
        return response.get("Rules", [])

    def modify(self, rule, want):
        response = self.call(
            "rule %s (priority %d) could not be modified" % (rule["arn"], rule["priority"]),
            "modify_rule",
            RuleArn=rule["arn"],
            Conditions=want["conditions"],
            Actions=want["actions"],
        )
        return response["Rules"][0]

    def create(self, listener_arn, want):
        response = self.call(
            "the rule at priority %d could not be created on listener %s" % (want["priority"], listener_arn),
            "create_rule",
            ListenerArn=listener_arn,
            Priority=want["priority"],
            Conditions=want["conditions"],
            Actions=want["actions"],
        )
        return response["Rules"][0]

    # ---- desired state ------------------------------------------------------------------------------------

    def ensure(self, listener_arn, rules, purge_rules=True):
        desired = desired_rules(rules)
        found = self.rules_of(listener_arn)
        if found is None:
            if not self.check_mode:
                raise RulesError("listener %s does not exist" % listener_arn)
            found = []
        current = [current_rule(rule) for rule in found]
        todo = plan(current, desired, purge=purge_rules)
        before = [view(r["arn"], r["priority"], r["content"]) for r in current]

        results = {}
        for have, want in todo["keep"]:
            results[want["priority"]] = view(have["arn"], want["priority"], have["content"])
        for rule in todo["alone"]:
            results[rule["priority"]] = view(rule["arn"], rule["priority"], rule["content"])

        # Deletions first: they free priorities for the moves and creations.
        for rule in todo["delete"]:
            if not self.check_mode:
                self.delete(rule)
            self.changed = True

        occupied = {have["priority"]: have["arn"] for have, want in todo["keep"] + todo["modify"]}
        occupied.update({rule["priority"]: rule["arn"] for rule in todo["alone"]})
        occupied.update({have["priority"]: have["arn"] for have, want in todo["move"]})
        for arn, priority in schedule_moves(todo["move"], occupied):
            if not self.check_mode:
                self.set_priority(arn, priority)
            self.changed = True
        for have, want in todo["move"]:
            results[want["priority"]] = view(have["arn"], want["priority"], have["content"])

        for have, want in todo["modify"]:
            content = want["content"]
            if not self.check_mode:
                content = content_of(self.modify(have, want))
            self.changed = True
            results[want["priority"]] = view(have["arn"], want["priority"], content)

        for want in todo["create"]:
            arn, content = None, want["content"]
            if not self.check_mode:
                created = self.create(listener_arn, want)
                arn, content = created["RuleArn"], content_of(created)
            self.changed = True
            results[want["priority"]] = view(arn, want["priority"], content)

        after = [results[p] for p in sorted(results)]
        return self.report(
            {"rules": diff_view(before)}, {"rules": diff_view(after)}, listener_arn=listener_arn, rules=after
        )


def main():
    argument_spec = dict(
        listener_arn=dict(type="str", required=True),
        rules=list_of_dicts(
            dict(
                Priority=dict(type="int", required=True),
                Conditions=dict(type="list", elements="dict", required=True),
                Actions=dict(type="list", elements="dict", required=True),
            ),
            required=True,
        ),
        purge_rules=dict(type="bool", default=True),
    )
    module = aws_module(argument_spec)
    params = module.params
    manager = new_manager(module, ListenerRulesManager, "elbv2")
    ensure = partial(manager.ensure, params["listener_arn"], params["rules"], purge_rules=params["purge_rules"])
    converge(module, ensure, "the rules of listener %s could not be converged" % params["listener_arn"], manager)


if __name__ == "__main__":
    main()
