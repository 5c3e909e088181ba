"""Slow-AWS mode: how long AWS takes to settle the resources of this stack, and what that costs a run.

The emulator started with `--slow SPEC` (env `TAP_EMULATOR_SLOW` in the server process) makes resources
pass through AWS's transitional states for these durations (patches/slow_states.py). SPEC is a preset
name ("aws", "fast"), a scaled preset ("aws*0.05") or a JSON object overriding keys of a preset
(`{"preset": "fast", "rds_create": 30}`; the base preset defaults to "aws").

Preset "aws": typical figures in seconds, from AWS's documentation and common observation (they vary with
region, load and instance class; these are middles of the usual ranges):
- rds_create 900, rds_delete 600: a Multi-AZ DB instance is `creating` (then `backing-up`) for about
  10-20 minutes and `deleting` for 5-15 minutes ("Creating an Amazon RDS DB instance", RDS User Guide:
  "it can take several minutes for the new DB instance to become available"; the AWS CLI waiter
  db-instance-available polls up to 60 x 30 s for it).
- nat_create 120, nat_delete 60: a NAT gateway is `pending` for 1-5 minutes, then `available`; `deleting`
  takes about a minute, after which it stays listed as `deleted` for about an hour ("NAT gateways",
  Amazon VPC User Guide; the EC2 waiter nat_gateway_available polls up to 40 x 15 s).
- alb_create 180: an Application Load Balancer is `provisioning` for 2-5 minutes (ELBv2 waiter
  load_balancer_available polls up to 40 x 15 s).
- replica_create 420, replica_delete 300: adding a replica to a global table (version 2019.11.21) takes
  several minutes for an empty table, 5-10 in practice, while the table is `UPDATING`; removing one takes
  a few minutes ("Global tables: how it works", DynamoDB Developer Guide).
- table_create 10, table_delete 10: an on-demand table without indexes is `CREATING` / `DELETING` for
  seconds (DynamoDB waiter table_exists polls every 20 s).
Preset "fast" is "aws" scaled by 1/60 (one AWS minute per second).
"""

import json

ENV_VAR = "TAP_EMULATOR_SLOW"
RECORD_ENV_VAR = "TAP_EMULATOR_SLOW_RECORD"

PRESETS = {
    "aws": {
        "rds_create": 900.0,
        "rds_delete": 600.0,
        "nat_create": 120.0,
        "nat_delete": 60.0,
        "alb_create": 180.0,
        "replica_create": 420.0,
        "replica_delete": 300.0,
        "table_create": 10.0,
        "table_delete": 10.0,
    },
}
PRESETS["fast"] = {key: value / 60.0 for key, value in PRESETS["aws"].items()}

KEYS = tuple(PRESETS["aws"])


class SlowSpecError(ValueError):
    """A slow-mode SPEC that cannot be read (the message names what is wrong)."""


def read_spec(spec, presets, label, error=SlowSpecError, unscaled=()):
    """The settings SPEC selects from `presets` (a dict of name -> {key: number}); SPEC may also be a dict.

    SPEC is a preset name, a scaled preset ("aws*0.05": every key but those of `unscaled` times the factor) or
    a JSON object overriding keys of its "preset" (default "aws"). `label` names the mode in messages.
    """
    if isinstance(spec, dict):
        values = dict(spec)
    else:
        text = str(spec).strip()
        if text.startswith("{"):
            try:
                values = json.loads(text)
            except ValueError as exc:
                raise error("%s spec is not valid JSON: %s" % (label, exc))
            if not isinstance(values, dict):
                raise error("%s spec JSON must be an object" % label)
        else:
            name, _, factor = text.partition("*")
            try:
                result = dict(presets[name.strip()])
            except KeyError:
                raise error("unknown %s preset %r (choose from %s)" % (label, name, ", ".join(sorted(presets))))
            if factor:
                try:
                    scale = float(factor)
                except ValueError:
                    raise error("%s spec factor %r is not a number" % (label, factor))
                if scale < 0:
                    raise error("%s spec factor must not be negative" % label)
                result = {key: value if key in unscaled else value * scale for key, value in result.items()}
            return result
    result = read_spec(values.pop("preset", "aws"), presets, label, error, unscaled)
    unknown = sorted(set(values) - set(result))
    if unknown:
        raise error("unknown %s key(s) %s (known: %s)" % (label, ", ".join(unknown), ", ".join(result)))
    for key, value in values.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise error("%s %s must be a number >= 0" % (label, key))
        result[key] = float(value) if key not in unscaled else int(value)
    return result


def durations(spec):
    """The durations (seconds per key of KEYS) that SPEC selects; SPEC may also be such a dict."""
    return read_spec(spec, PRESETS, "slow")


def critical_path(durations, regions):
    """The longest chain of dependent AWS waits of a deploy and of a teardown of this stack.

    `regions`: the number of region sites (or their list). Sites are built in parallel, so a chain that
    stays within a site counts once; the global table crosses sites: its replicas are added (and removed)
    from the primary one at a time, after the table is ACTIVE (and before it is deleted). API calls that
    complete at once (VPC, subnets, subnet groups, security groups, keys, ...) count 0: this is AWS-side
    latency only, what an ideal orchestrator would wait.
    """
    count = regions if isinstance(regions, int) else len(list(regions))
    replicas = max(count - 1, 0)
    d = durations
    deploy_chains = [
        ["vpc", "isolated subnets", "db subnet group", "rds_create"],
        ["vpc", "public subnet", "eip", "nat_create"],
        ["vpc", "public subnets", "alb_create"],
        ["table_create"] + ["replica_create"] * replicas,
    ]
    teardown_chains = [
        ["rds_delete", "db subnet group, db security groups, isolated subnets", "vpc"],
        ["nat_delete", "eip release, igw detach, public subnets", "vpc"],
        ["replica_delete"] * replicas + ["table_delete"],
    ]

    def cost(chain):
        return sum(d.get(step, 0.0) for step in chain)

    deploy_chain = max(deploy_chains, key=cost)
    teardown_chain = max(teardown_chains, key=cost)
    return {
        "deploy": cost(deploy_chain),
        "teardown": cost(teardown_chain),
        "deploy_chain": deploy_chain,
        "teardown_chain": teardown_chain,
    }
