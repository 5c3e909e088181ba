"""Run the benchmark: deploy, verify, no-op re-run, check-mode plan and teardown over 1, 2 and 4 regions on the
instant emulator, acceleration on vs off, the same phases with an AWS-like latency on every API call, and
deploy/teardown of 1, 2 and 4 regions in slow-AWS mode next to their critical-path bounds. Every run gets its
own emulator (and call-recording proxy) on free ports.

    python -m bench [--repeat N | --quick] [--regions 1,2,4] [--phases plan,deploy,verify,noop,teardown]
                    [--no-accel-off] [--latency S] [--latency-repeat N] [--no-slow] [--slow-spec SPEC]
                    [--slow-repeat N] [--slow-regions 1,2,4] [--keep] [--output docs/BENCHMARKS.md]
                    [--json .tap/bench/results.json]
"""

import argparse
import collections
import contextlib
import datetime
import importlib.metadata
import inspect
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from bench import report

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
# Half of AWS's typical durations: long enough that the AWS waits, not the client, dominate (as on AWS),
# short enough for one bench run (about 15 minutes for a 2-region deploy and teardown).
DEFAULT_SLOW_SPEC = "aws*0.5"
# Seconds the proxy adds to every API call in the latency series: the service time of a control-plane call
# plus the round trip of a controller in or near the region (farther regions add up to about 0.3 s).
DEFAULT_LATENCY = 0.05
ACCEL_ENV = "TAP_ACCELERATION"
# The services the playbooks call, as the proxy names them (its record's "service").
PROJECT_SERVICES = tuple(
    "cloudwatch dynamodb ec2 elbv2 iam kms lambda logs rds s3 secretsmanager servicequotas sns sts tagging".split()
)


def log(message):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), message), file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_info():
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "date (UTC)": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "CPUs": "%s x %s" % (os.cpu_count(), model),
        "load average at start (1/5/15 min)": "%.2f / %.2f / %.2f" % os.getloadavg(),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "ansible-core": version("ansible-core"),
        "ansible": version("ansible"),
        "mitogen": version("mitogen"),
        "moto": version("moto"),
        "boto3": version("boto3"),
    }


def write_inventory(directory, count):
    """An inventory of `count` region sites (the first primary), with the local inventory's settings."""
    directory = Path(directory)
    (directory / "group_vars").mkdir(parents=True, exist_ok=True)
    hosts = {}
    for index, region in enumerate(REGIONS[:count]):
        hosts[region] = {
            "aws_region": region,
            "region_role": "primary" if index == 0 else "secondary",
            "vpc_cidr": "10.%d.0.0/16" % index,
        }
    inventory = {"all": {"children": {"tap_regions": {"hosts": hosts}}}}
    if count > 2:
        # Several secondaries: a route of its own per site (the default route is per region role).
        inventory["all"]["vars"] = {
            "lambda_alb_routes": {
                region: {"host": "%s.example.com" % region, "path": "/api/%s*" % region} for region in hosts
            }
        }
    (directory / "hosts.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    shutil.copy(REPO_ROOT / "inventories" / "local" / "group_vars" / "all.yml", directory / "group_vars" / "all.yml")
    return directory / "hosts.yml"


STRATEGY_LINE = re.compile(r"^tap_linear: (.+)$", re.M)


def strategy_state(stderr):
    """What the run's first line says of its strategy ('accelerations active: ...' or 'plain linear (...)')."""
    match = STRATEGY_LINE.search(stderr)
    return match.group(1) if match else "not stated"


def strategy_states(results, accelerated):
    """Every distinct strategy state of the accelerated (or the acceleration-off) runs of a bench run."""
    entries = list(results["instant"].values()) + list(results.get("latency", {}).get("regions", {}).values())
    entries += list(results.get("slow", {}).get("regions", {}).values())
    states = set()
    for entry in entries:
        for phase, samples in entry.get("phases", {}).items():
            if (phase == "noop_off") != accelerated:
                states.update(sample["strategy"] for sample in samples if "strategy" in sample)
    return sorted(states)


def play_recap(output):
    return {
        host: {name: int(value) for name, value in re.findall(r"(\w+)=(\d+)", counts)}
        for host, counts in re.findall(r"^(\S+)\s+: (ok=\d+.*)$", output, re.M)
    }


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def count_calls(calls, start, end):
    window = [call for call in calls if start <= call.get("t", 0) <= end]
    reads = sum(1 for call in window if call.get("read"))
    return {"calls": len(window), "reads": reads, "writes": len(window) - reads}


def top_actions(calls, start, end, limit=25):
    """The most frequent "service Action" of a time window, most frequent first (for the JSON results)."""
    counter = collections.Counter(
        "%s %s" % (call.get("service"), call.get("action")) for call in calls if start <= call.get("t", 0) <= end
    )
    return dict(counter.most_common(limit))


class Stack:
    """One emulator (optionally slow) behind one recording proxy (optionally adding `latency` seconds to every
    AWS call), for one sequence of runs."""

    def __init__(self, workdir, slow=None, latency=0.0):
        self.workdir = Path(workdir)
        self.slow = slow
        self.latency = latency
        self.emulator = None
        self.proxy = None
        self.record = self.workdir / "calls.jsonl"
        self.port = None
        self.note = None

    def __enter__(self):
        from tools.emulator.launcher import Emulator

        kwargs = {"port": free_port(), "state_dir": self.workdir / "emulator"}
        if self.slow:
            kwargs["slow"] = self.slow
        self.emulator = Emulator(**kwargs)
        self.emulator.start(timeout=120)
        self.port = self.emulator.port
        try:
            from tools.emulator.proxy import FaultProxy, preload
        except ImportError:
            self.note = "tools/emulator/proxy.py is not available: API calls were not counted"
            return self
        try:
            # no faults: a pass-through that records every call
            self.proxy = FaultProxy(
                upstream_url=self.emulator.url, port=0, record=str(self.record), latency=self.latency
            )
            self.proxy.__enter__()
            preload(PROJECT_SERVICES)  # before the first timed run, which would pay for it otherwise
        except BaseException:
            self.emulator.stop()
            raise
        self.port = self.proxy.port
        return self

    def __exit__(self, *exc):
        if self.proxy is not None:
            self.proxy.__exit__(*exc)
        if self.emulator is not None:
            self.emulator.stop()
        return False

    def emulator_cpu(self):
        """User + system CPU seconds of the emulator process so far (Linux /proc); None elsewhere."""
        pid = self.emulator.pid() if self.emulator is not None else None
        try:
            with open("/proc/%d/stat" % pid) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (TypeError, OSError, ValueError, IndexError):
            return None

    def calls(self):
        if self.proxy is None or not self.record.exists():
            return None
        from tools.emulator.proxy import load_calls

        return load_calls(str(self.record))

    def playbook(self, playbook, inventory, suffix, *args, accelerated=True, timeout=3600):
        """Run one playbook; returns a sample {wall, cpu, calls, reads, writes, changed, rc}."""
        env = dict(os.environ, TAP_EMULATOR_PORT=str(self.port), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
        env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
        env[ACCEL_ENV] = "on" if accelerated else "off"
        env.pop("TAP_DRIFT_FILE", None)
        command = [str(VENV_BIN / "ansible-playbook"), playbook, "-i", str(inventory), "-e", "suffix=%s" % suffix]
        command += list(args)
        emulator_before = self.emulator_cpu()
        cpu_before, t_before, wall_before = children_cpu(), time.time(), time.monotonic()
        result = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        wall = time.monotonic() - wall_before
        t_after = time.time()
        sample = {"wall": wall, "cpu": children_cpu() - cpu_before, "rc": result.returncode}
        sample["strategy"] = strategy_state(result.stderr)
        emulator_after = self.emulator_cpu()
        if emulator_before is not None and emulator_after is not None:
            sample["emulator_cpu"] = emulator_after - emulator_before
        recap = play_recap(result.stdout)
        sample["changed"] = sum(host.get("changed", 0) for host in recap.values()) if recap else None
        calls = self.calls()
        if calls is not None:
            sample.update(count_calls(calls, t_before, t_after))
            sample["top_actions"] = top_actions(calls, t_before, t_after)
        log_file = self.workdir / ("%s-%d.log" % (Path(playbook).stem, int(t_before)))
        log_file.write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            log("  %s failed (rc %d), log: %s" % (playbook, result.returncode, log_file))
            sample["log"] = str(log_file)
        return sample


def managed_resources(stack, regions, before):
    from tests.conftest import emulator_inventory

    after = emulator_inventory(stack.emulator, regions)
    return sum(len(set(ids) - set(before.get(kind, []))) for kind, ids in after.items())


def run_series(counts, phases, repeat, workroot, accel_off_count=None, latency=0.0, progress=None):
    """{count: {resources, phases: {phase: [sample, ...]}}} for each region count on the instant emulator (every
    API call `latency` seconds long). The repeats of the counts alternate (1, 2, 4, 1, 2, 4, ...): the VM's speed
    drifts over minutes, and a ratio between region counts is only fair when both sides share that drift.
    `progress` is called with the entries after each run."""
    entries = {count: {"phases": {}, "resources": None} for count in counts}
    for attempt in range(repeat):
        for count in counts:
            run_attempt(count, phases, attempt, repeat, count == accel_off_count, workroot, entries[count],
                        latency=latency)
            if progress:
                progress(entries)
    return entries


def run_attempt(count, phases, attempt, repeat, accel_off, workroot, entry, keep_going=True, latency=0.0):
    """Run `attempt` (of `repeat`) of `count` regions, adding its samples to `entry`."""
    from tests.conftest import emulator_inventory

    regions = REGIONS[:count]

    def add(phase, sample):
        entry["phases"].setdefault(phase, []).append(sample)
        log(
            "  %d region(s) %-9s %6.1f s wall, %6.1f s CPU, calls %s, changed %s, rc %d"
            % (count, phase, sample["wall"], sample["cpu"], sample.get("calls", "-"), sample["changed"], sample["rc"])
        )

    workdir = Path(tempfile.mkdtemp(prefix="r%d-%d-" % (count, attempt), dir=workroot))
    inventory = write_inventory(workdir / "inventory", count)
    suffix = "bn" + uuid.uuid4().hex[:6]
    log("%d region(s), latency %.3f s, run %d/%d, suffix %s" % (count, latency, attempt + 1, repeat, suffix))
    try:
        with Stack(workdir, latency=latency) as stack:
            if stack.note:
                entry["note"] = stack.note
            before = emulator_inventory(stack.emulator, regions)
            if "plan" in phases:
                add("plan", stack.playbook("site.yml", inventory, suffix, "--check", "--diff"))
            needs_stack = {"deploy", "verify", "noop", "teardown"} & set(phases) or accel_off
            if not needs_stack:
                return
            deployed = stack.playbook("site.yml", inventory, suffix)
            if "deploy" in phases:
                add("deploy", deployed)
            if deployed["rc"] != 0 and not keep_going:
                return
            entry["resources"] = managed_resources(stack, regions, before)
            if "verify" in phases:  # after the deploy, before the no-op (which then shows verify left no trace)
                add("verify", stack.playbook("playbooks/verify.yml", inventory, suffix))
            # on the same deployed stack; the order alternates between repeats (no order effect in the median)
            noops = [("noop", True)] if "noop" in phases else []
            if accel_off:
                noops.insert(attempt % 2, ("noop_off", False))
            for phase, accelerated in noops:
                add(phase, stack.playbook("site.yml", inventory, suffix, accelerated=accelerated))
            if "teardown" in phases:  # otherwise the emulator is simply discarded
                add("teardown", stack.playbook("teardown.yml", inventory, suffix))
    finally:
        remove_local_artifacts(suffix)


def remove_local_artifacts(suffix):
    """The controller-side files a run of `suffix` leaves (outputs and verify files, Lambda zips)."""
    (REPO_ROOT / "outputs" / ("%s.json" % suffix)).unlink(missing_ok=True)
    (REPO_ROOT / "outputs" / ("%s.verify.json" % suffix)).unlink(missing_ok=True)
    for path in (REPO_ROOT / ".tap" / "build").glob("tap-%s-*" % suffix):
        path.unlink(missing_ok=True)


def run_slow(spec, repeat, workroot, counts=(2,), progress=None):
    """Slow-AWS mode, for each region count: deploy and teardown next to slow.critical_path.

    {spec, durations, regions: {count: {critical_path, phases: {phase: [sample, ...]}}}}; `progress` is called
    with the entry after each region count."""
    from tools.emulator.launcher import Emulator

    try:
        from tools.emulator import slow
    except ImportError:
        return {"skipped": "tools/emulator/slow.py is not available"}
    if "slow" not in inspect.signature(Emulator).parameters:
        return {"skipped": "the emulator launcher has no slow mode"}
    durations = slow.durations(spec)
    entry = {"spec": spec, "durations": durations, "regions": {}}
    for count in counts:
        bound = slow.critical_path(durations, count)
        runs = entry["regions"][str(count)] = {"critical_path": bound, "phases": {}}
        for attempt in range(repeat):
            workdir = Path(tempfile.mkdtemp(prefix="slow-%d-%d-" % (count, attempt), dir=workroot))
            inventory = write_inventory(workdir / "inventory", count)
            suffix = "bs" + uuid.uuid4().hex[:6]
            log("slow mode %s, %d region(s), run %d/%d, suffix %s" % (spec, count, attempt + 1, repeat, suffix))
            with Stack(workdir, slow=spec) as stack:
                for phase, playbook in (("deploy", "site.yml"), ("teardown", "teardown.yml")):
                    sample = stack.playbook(playbook, inventory, suffix)
                    runs["phases"].setdefault(phase, []).append(sample)
                    log(
                        "  slow %d region(s) %-8s %6.1f s wall (bound %.1f s), rc %d"
                        % (count, phase, sample["wall"], bound[phase], sample["rc"])
                    )
            remove_local_artifacts(suffix)
        if progress:
            progress(entry)
    return entry


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; figures are medians (3)")
    parser.add_argument("--quick", action="store_true", help="one run per measurement (same as --repeat 1)")
    parser.add_argument("--regions", default="1,2,4", help="region counts on the instant emulator (1,2,4)")
    parser.add_argument("--phases", default=",".join(report.PHASES), help="instant-emulator phases to report")
    parser.add_argument("--no-accel-off", action="store_true", help="skip the acceleration-off no-op (2 regions)")
    parser.add_argument(
        "--latency",
        type=float,
        default=DEFAULT_LATENCY,
        help="seconds added to every API call in the latency series; 0 skips it (%s)" % DEFAULT_LATENCY,
    )
    parser.add_argument("--latency-repeat", type=int, default=3, help="runs per measurement of the latency series (3)")
    parser.add_argument("--no-slow", action="store_true", help="skip the slow-AWS runs")
    parser.add_argument("--slow-spec", default=DEFAULT_SLOW_SPEC, help="slow mode spec (%s)" % DEFAULT_SLOW_SPEC)
    parser.add_argument(
        "--slow-repeat", type=int, default=1, help="slow-mode runs (1: its figures are set by the emulated durations)"
    )
    parser.add_argument("--slow-regions", default="1,2,4", help="region counts in slow-AWS mode (1,2,4)")
    parser.add_argument("--output", default=str(REPO_ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument("--json", default=str(REPO_ROOT / ".tap" / "bench" / "results.json"))
    parser.add_argument("--keep", action="store_true", help="keep the work directory (run logs, call records)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    args.region_counts = [int(n) for n in args.regions.split(",") if n.strip()]
    args.slow_counts = [int(n) for n in args.slow_regions.split(",") if n.strip()]
    args.phase_list = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(args.phase_list) - set(report.PHASES)
    counts = args.region_counts + args.slow_counts
    repeats = (args.repeat, args.slow_repeat, args.latency_repeat)
    if unknown or any(n < 1 or n > len(REGIONS) for n in counts) or min(repeats) < 1 or not 0 <= args.latency <= 60:
        parser.error(
            "phases are %s; regions 1..%d; repeat >= 1; latency 0..60 s" % (", ".join(report.PHASES), len(REGIONS))
        )
    return args


def run(args):
    results = {"machine": machine_info(), "cpus": os.cpu_count(), "instant": {}, "latency": {}, "slow": {}, "notes": []}
    results["machine"]["repeats"] = args.repeat
    results["machine"]["repeats (latency series)"] = args.latency_repeat
    results["machine"]["repeats (slow mode)"] = args.slow_repeat
    started = time.monotonic()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    workroot = Path(tempfile.mkdtemp(prefix="tap-bench-"))
    log("work directory %s" % workroot)
    try:
        def instant_progress(entries):
            results["instant"] = {str(count): entry for count, entry in entries.items()}
            for entry in entries.values():
                if entry.get("note") and entry["note"] not in results["notes"]:
                    results["notes"].append(entry["note"])
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))

        accel_off_count = None if args.no_accel_off else 2
        run_series(args.region_counts, args.phase_list, args.repeat, workroot, accel_off_count, progress=instant_progress)
        if args.latency > 0:

            def latency_progress(entries):
                results["latency"] = {"seconds": args.latency, "regions": {str(n): e for n, e in entries.items()}}
                Path(args.json).write_text(json.dumps(results, indent=2, default=str))

            run_series(args.region_counts, args.phase_list, args.latency_repeat, workroot, latency=args.latency,
                       progress=latency_progress)
        else:
            results["latency"] = {"skipped": "--latency 0"}
        if not args.no_slow and args.slow_counts:

            def slow_progress(entry):
                results["slow"] = entry
                Path(args.json).write_text(json.dumps(results, indent=2, default=str))

            results["slow"] = run_slow(args.slow_spec, args.slow_repeat, workroot, args.slow_counts, slow_progress)
        else:
            results["slow"] = {"skipped": "--no-slow"}
    finally:
        results["machine"]["strategy, accelerated runs"] = " / ".join(strategy_states(results, True)) or "-"
        results["machine"]["strategy, acceleration-off runs"] = " / ".join(strategy_states(results, False)) or "-"
        results["machine"]["load average at end (1/5/15 min)"] = "%.2f / %.2f / %.2f" % os.getloadavg()
        results["machine"]["bench duration"] = "%.1f min" % ((time.monotonic() - started) / 60)
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    failed = [
        "%s region(s) %s" % (n, phase)
        for n, entry in results["instant"].items()
        for phase, samples in entry["phases"].items()
        if any(sample["rc"] for sample in samples)
    ]
    failed += [
        "latency %s region(s) %s" % (n, phase)
        for n, entry in results["latency"].get("regions", {}).items()
        for phase, samples in entry["phases"].items()
        if any(sample["rc"] for sample in samples)
    ]
    failed += [
        "slow %s region(s) %s" % (n, phase)
        for n, runs in results["slow"].get("regions", {}).items()
        for phase, samples in runs["phases"].items()
        if any(sample["rc"] for sample in samples)
    ]
    if failed:
        results["notes"].append("failed runs (logs under %s): %s" % (workroot, ", ".join(failed)))
    elif not args.keep:
        shutil.rmtree(workroot, ignore_errors=True)
    return results


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results = run(args)
    text = report.render(results)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text + "\n")
    log("wrote %s (raw samples: %s)" % (args.output, args.json))
    print(text)
    return 1 if any("failed runs" in note for note in results["notes"]) else 0
