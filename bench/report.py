"""Medians over repeated samples and the markdown report (docs/BENCHMARKS.md). No I/O, no timing."""

import statistics

PHASES = ("plan", "deploy", "verify", "noop", "teardown")
PHASE_TITLES = {
    "plan": "check-mode plan, empty account",
    "deploy": "deploy from scratch",
    "verify": "verify (requests through the load balancers)",
    "noop": "no-op re-run",
    "noop_off": "no-op re-run, acceleration off",
    "teardown": "teardown",
}
METRICS = ("wall", "cpu", "emulator_cpu", "calls", "reads", "writes", "changed")
# The columns of instant_rows.
INSTANT_HEADER = (
    "regions",
    "phase",
    "wall s",
    "spread s",
    "CPU s",
    "emulator CPU s",
    "API calls",
    "reads",
    "writes",
    "reads/resource",
    "changed",
    "ok runs",
)


def median(values):
    """Median of the values that are not None; None when there are none."""
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def summarize(samples):
    """{metric: median} over samples (dicts with some of METRICS), plus n and the wall spread (max - min)."""
    summary = {metric: median([sample.get(metric) for sample in samples]) for metric in METRICS}
    walls = [sample["wall"] for sample in samples if sample.get("wall") is not None]
    summary["n"] = len(samples)
    summary["spread"] = (max(walls) - min(walls)) if len(walls) > 1 else None
    summary["failed"] = sum(1 for sample in samples if sample.get("rc", 0) != 0)
    return summary


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return "%.*f" % (digits, value)
    return "%d" % value


def fmt_ratio(value):
    return "-" if value is None else "%.2fx" % value


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def instant_rows(instant):
    """One row per (regions, phase) of the instant-emulator runs: medians, calls, reads per resource."""
    rows = []
    for regions in sorted(instant, key=int):
        entry = instant[regions]
        resources = entry.get("resources")
        for phase in PHASES + ("noop_off",):
            samples = entry.get("phases", {}).get(phase)
            if not samples:
                continue
            s = summarize(samples)
            rows.append(
                [
                    regions,
                    PHASE_TITLES[phase],
                    fmt(s["wall"]),
                    fmt(s["spread"]),
                    fmt(s["cpu"]),
                    fmt(s["emulator_cpu"]),
                    fmt(s["calls"], 0),
                    fmt(s["reads"], 0),
                    fmt(s["writes"], 0),
                    fmt(ratio(s["reads"], resources), 2),
                    fmt(s["changed"], 0),
                    "%d/%d" % (s["n"] - s["failed"], s["n"]),
                ]
            )
    return rows


def scaling_rows(instant):
    """Wall time of each phase for every region count, relative to the smallest region count."""
    counts = sorted(instant, key=int)
    if not counts:
        return []
    base = counts[0]
    rows = []
    for phase in PHASES:
        walls = {n: summarize(instant[n].get("phases", {}).get(phase, []))["wall"] for n in counts}
        if walls[base] is None:
            continue
        rows.append(
            [PHASE_TITLES[phase]]
            + ["%s (%s)" % (fmt(walls[n]), fmt_ratio(ratio(walls[n], walls[base]))) for n in counts]
        )
    return rows


def cpu_floor_rows(instant, cpus):
    """Per phase and region count: the wall time, the least wall time the CPU work allows on `cpus` CPUs (the
    run's CPU and the emulator's, spread over every CPU) and the share of the CPUs the run kept busy; last, the
    largest region count's floor relative to the smallest count's wall."""
    counts = sorted(instant, key=int)
    if not counts or not cpus:
        return []
    rows = []
    for phase in PHASES:
        cells, floors, walls = [], {}, {}
        for n in counts:
            s = summarize(instant[n].get("phases", {}).get(phase, []))
            walls[n] = s["wall"]
            if s["wall"] is None or s["cpu"] is None or s["emulator_cpu"] is None:
                cells.append("-")
                continue
            busy = s["cpu"] + s["emulator_cpu"]
            floors[n] = busy / cpus
            cells.append("%s / %s (%d%%)" % (fmt(s["wall"]), fmt(floors[n]), round(100 * busy / (s["wall"] * cpus))))
        if all(cell == "-" for cell in cells):
            continue
        rows.append([PHASE_TITLES[phase]] + cells + [fmt_ratio(ratio(floors.get(counts[-1]), walls[counts[0]]))])
    return rows


def acceleration_row(instant, regions="2"):
    entry = instant.get(regions) or {}
    on = summarize(entry.get("phases", {}).get("noop", []))
    off = summarize(entry.get("phases", {}).get("noop_off", []))
    if on["wall"] is None or off["wall"] is None:
        return None
    return [
        regions,
        fmt(on["wall"]),
        fmt(off["wall"]),
        fmt_ratio(ratio(on["wall"], off["wall"])),
        fmt(on["cpu"]),
        fmt(off["cpu"]),
        fmt_ratio(ratio(on["cpu"], off["cpu"])),
    ]


def slow_rows(slow):
    rows = []
    for count, runs in sorted((slow.get("regions") or {}).items(), key=lambda item: int(item[0])):
        for phase in ("deploy", "teardown"):
            samples = runs.get("phases", {}).get(phase)
            if not samples:
                continue
            s = summarize(samples)
            bound = (runs.get("critical_path") or {}).get(phase)
            rows.append(
                [
                    count,
                    PHASE_TITLES[phase],
                    fmt(s["wall"]),
                    fmt(bound),
                    fmt_ratio(ratio(s["wall"], bound)),
                    fmt(s["calls"], 0),
                    "%d/%d" % (s["n"] - s["failed"], s["n"]),
                ]
            )
    return rows


def slow_scaling_rows(slow):
    """Per phase: wall (and bound) of each region count, relative to the smallest count."""
    regions = slow.get("regions") or {}
    counts = sorted(regions, key=int)
    rows = []
    for phase in ("deploy", "teardown"):
        walls = {n: summarize(regions[n].get("phases", {}).get(phase, []))["wall"] for n in counts}
        bounds = {n: (regions[n].get("critical_path") or {}).get(phase) for n in counts}
        if len(counts) < 2 or walls[counts[0]] is None:
            continue
        cells = []
        for n in counts:
            if walls[n] is None:
                cells.append("-")
                continue
            cells.append(
                "%s (%s; bound %s)"
                % (
                    fmt(walls[n]),
                    fmt_ratio(ratio(walls[n], walls[counts[0]])),
                    fmt_ratio(ratio(bounds[n], bounds[counts[0]])),
                )
            )
        rows.append([PHASE_TITLES[phase]] + cells)
    return rows


def scaling_section(entries, title):
    """The scaling table of `entries` ({regions: entry}) under `title` (with %s for the smallest region count)."""
    scaling = scaling_rows(entries)
    if not scaling:
        return []
    counts = sorted(entries, key=int)
    return [title % counts[0], "", table(["phase"] + ["%s region(s)" % n for n in counts], scaling), ""]


def latency_section(latency):
    """The phases of the instant emulator again, with every API call `seconds` long (the proxy waits)."""
    out = ["## With AWS-like latency on every API call", ""]
    regions = latency.get("regions") or {}
    if not regions:
        return out + ["(not run%s)" % (": " + latency["skipped"] if latency.get("skipped") else ""), ""]
    out += [
        "The same phases, each API call held %d ms at the proxy (`--latency`): the service time of a control-plane"
        " call and the round trip of a controller in or near the region, which the emulator on loopback leaves"
        " out. Farther regions add up to about 300 ms per call. Resources settle at once, as on the instant"
        " emulator." % round(1000 * latency.get("seconds", 0)),
        "",
        table(INSTANT_HEADER, instant_rows(regions)),
        "",
    ]
    return out + scaling_section(regions, "Scaling with the number of regions (wall s, and relative to %s region(s)):")


def render(results):
    """The whole docs/BENCHMARKS.md text for a results dict (see bench.runner.run for its shape)."""
    machine = results.get("machine", {})
    instant = results.get("instant", {})
    out = [
        "# Benchmarks",
        "",
        "Written by `python -m bench` (`make bench`); do not edit by hand. Re-run on a quiet machine: other",
        "processes make every figure worse.",
        "",
        "## Machine and run",
        "",
        table(["item", "value"], [[key, value] for key, value in machine.items()]),
        "",
        "Every figure is the **median** over the repeats (`--repeat`), the repeats of the region counts alternating"
        " (1, 2, 4, 1, 2, 4, ...: the machine's speed drifts over minutes); *spread* is max - min of the wall times.",
        "*CPU* is user + system time of ansible-playbook and every process it waited for (the controller side); the",
        "emulator's own is *emulator CPU*. On a busy machine CPU is steadier than the wall time.",
        "",
        "## Definitions",
        "",
        "- **plan**: `site.yml --check --diff` on an empty account; **deploy**: `site.yml` from scratch; **no-op**:",
        "  `site.yml` again on the deployed stack (changed must be 0); **teardown**: `teardown.yml`; **verify**:",
        "  `playbooks/verify.yml` on the deployed stack, after the deploy and before the no-op (its *changed* are its",
        "  own probe items and objects, written and removed; the no-op after it still changes nothing).",
        "- **API calls** are counted at a recording proxy between Ansible and the emulator",
        "  (`tools/emulator/proxy.py`): *reads* are Describe/Get/List/Head/BatchGet/Query/Scan actions and S3",
        "  GET/HEAD, *writes* everything else. The proxy reads the botocore models it needs before the first run",
        "  (`preload`): on the machine it measures, that run would pay about 1.5 CPU-s for them.",
        "- **Managed resources**: the identifiers the project's emulator listing (`tests/conftest.py`",
        "  `emulator_inventory`: VPCs, subnets, gateways, route tables, security groups, addresses, KMS keys and",
        "  aliases, tables, functions, load balancers, target groups, DB instances and subnet groups, secrets,",
        "  topics, alarms, dashboards, log groups, buckets, IAM roles) shows after the deploy and not before it.",
        "  The count is given per region count below; *reads/resource* = reads of the phase / managed resources.",
        "- Regions are taken in this order: us-east-1 (primary), us-west-2, eu-west-1, ap-southeast-2, one site",
        "  each, VPCs 10.0/16, 10.1/16, ...",
        "",
        "## Instant emulator",
        "",
    ]
    resources = ", ".join("%s region(s): %s" % (n, instant[n].get("resources", "-")) for n in sorted(instant, key=int))
    if resources:
        out += ["Managed resources: %s." % resources, ""]
    rows = instant_rows(instant)
    if rows:
        out += [
            table(INSTANT_HEADER, rows),
            "",
        ]
    else:
        out += ["(not run)", ""]
    out += scaling_section(instant, "### Scaling with the number of regions (wall s, and relative to %s region(s))")
    floors = cpu_floor_rows(instant, results.get("cpus"))
    if floors:
        counts = sorted(instant, key=int)
        out += [
            "### What %s CPUs allow (wall s / least wall the CPU work allows (CPU busy))" % results["cpus"],
            "",
            "On the instant emulator a run is CPU work: the run's own (*CPU*) and the emulator's. Spread over every",
            "CPU it gives the least wall time any scheduling could reach; the last column is that floor for %s"
            " region(s) relative to the wall time of %s." % (counts[-1], counts[0]),
            "",
            table(
                ["phase"]
                + ["%s region(s)" % n for n in counts]
                + ["%s-region floor / %s-region wall" % (counts[-1], counts[0])],
                floors,
            ),
            "",
        ]
    out += latency_section(results.get("latency") or {})
    accel = acceleration_row(instant)
    out += ["## Acceleration (Mitogen) on vs off, no-op re-run", ""]
    if accel:
        out += [
            table(
                ["regions", "on wall s", "off wall s", "on/off wall", "on CPU s", "off CPU s", "on/off CPU"], [accel]
            ),
            "",
        ]
    else:
        out += ["(not run)", ""]
    slow = results.get("slow") or {}
    out += ["## Slow-AWS emulator mode vs the critical-path bound", ""]
    if slow.get("regions"):
        out += [
            "Emulator started with `--slow %s`: operations take the durations below; the bound is"
            " `tools/emulator/slow.py` `critical_path` (the longest chain of dependent AWS waits, what an ideal"
            " orchestrator would take, without any client-side time)." % slow.get("spec"),
            "",
            table(
                ["regions", "phase", "wall s", "critical path s", "wall/bound", "API calls", "ok runs"], slow_rows(slow)
            ),
            "",
        ]
        scaling = slow_scaling_rows(slow)
        if scaling:
            counts = sorted(slow["regions"], key=int)
            out += [
                "Scaling with the number of regions in slow mode (wall s, relative to %s region(s); the bound's own"
                " ratio):" % counts[0],
                "",
                table(["phase"] + ["%s region(s)" % n for n in counts], scaling),
                "",
            ]
        for count, runs in sorted(slow["regions"].items(), key=lambda item: int(item[0])):
            chains = runs.get("critical_path") or {}
            for phase in ("deploy", "teardown"):
                if chains.get(phase + "_chain"):
                    out += [
                        "- %s region(s), %s chain: %s"
                        % (count, phase, " -> ".join(str(step) for step in chains[phase + "_chain"]))
                    ]
        if slow.get("durations"):
            out += [
                "- durations (s): " + ", ".join("%s %s" % (k, fmt(v)) for k, v in sorted(slow["durations"].items()))
            ]
        out += [""]
    else:
        out += ["(not run%s)" % (": " + slow["skipped"] if slow.get("skipped") else ""), ""]
    notes = results.get("notes") or []
    if notes:
        out += ["## Notes", ""] + ["- " + note for note in notes] + [""]
    return "\n".join(out)
