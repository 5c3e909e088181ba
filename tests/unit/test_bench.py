"""The benchmark's medians, call counting, inventories and report (no timing asserted)."""

import pytest
import yaml

from bench import report, runner


def sample(wall, cpu=1.0, calls=None, reads=None, changed=0, rc=0, emulator=None):
    result = {"wall": wall, "cpu": cpu, "changed": changed, "rc": rc}
    if emulator is not None:
        result["emulator_cpu"] = emulator
    if calls is not None:
        result.update(calls=calls, reads=reads, writes=calls - reads)
    return result


def test_median_ignores_missing_values_and_handles_even_counts():
    assert report.median([3.0, 1.0, 2.0]) == 2.0
    assert report.median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert report.median([None, 5.0]) == 5.0
    assert report.median([None, None]) is None
    assert report.median([]) is None


def test_summarize_takes_medians_per_metric_and_counts_failures():
    summary = report.summarize([sample(10, calls=100, reads=80), sample(30, calls=120, reads=90, rc=2), sample(20)])
    assert summary["wall"] == 20
    assert summary["calls"] == 110
    assert summary["reads"] == 85
    assert summary["writes"] == 25
    assert summary["spread"] == 20
    assert summary["n"] == 3 and summary["failed"] == 1


def test_summarize_of_one_sample_has_no_spread():
    summary = report.summarize([sample(7.5)])
    assert summary["wall"] == 7.5 and summary["spread"] is None


def test_count_calls_splits_a_record_by_time_window():
    calls = [
        {"t": 1.0, "read": True},
        {"t": 2.0, "read": True},
        {"t": 2.5, "read": False},
        {"t": 9.0, "read": False},
    ]
    assert runner.count_calls(calls, 1.5, 3.0) == {"calls": 2, "reads": 1, "writes": 1}
    assert runner.count_calls(calls, 0, 10) == {"calls": 4, "reads": 2, "writes": 2}


def test_play_recap_reads_every_host():
    output = (
        "PLAY RECAP ***\n"
        "us-east-1                  : ok=54   changed=0    unreachable=0    failed=0    skipped=13\n"
        "eu-west-1                  : ok=48   changed=3    unreachable=0    failed=0    skipped=9\n"
    )
    recap = runner.play_recap(output)
    assert recap["us-east-1"]["ok"] == 54 and recap["eu-west-1"]["changed"] == 3


def test_inventory_has_one_primary_and_disjoint_cidrs(tmp_path):
    path = runner.write_inventory(tmp_path / "inv", 4)
    hosts = yaml.safe_load(path.read_text())["all"]["children"]["tap_regions"]["hosts"]
    assert list(hosts) == ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
    assert [h["region_role"] for h in hosts.values()].count("primary") == 1
    assert len({h["vpc_cidr"] for h in hosts.values()}) == 4
    assert (tmp_path / "inv" / "group_vars" / "all.yml").exists()
    routes = yaml.safe_load(path.read_text())["all"]["vars"]["lambda_alb_routes"]
    assert len({route["host"] for route in routes.values()}) == 4


def results_fixture():
    return {
        "machine": {"CPUs": "2 x Test CPU", "Python": "3.11.9"},
        "cpus": 2,
        "instant": {
            "1": {
                "resources": 50,
                "phases": {
                    "noop": [sample(40, calls=150, reads=140, emulator=2), sample(44, calls=150, reads=140, emulator=4)]
                },
            },
            "2": {
                "resources": 100,
                "phases": {
                    "noop": [sample(50, cpu=20, calls=300, reads=280, emulator=10)],
                    "noop_off": [sample(100, cpu=60, calls=300, reads=280)],
                    "deploy": [sample(120, calls=900, reads=500, changed=130)],
                },
            },
        },
        "latency": {
            "seconds": 0.05,
            "regions": {
                "1": {"resources": 50, "phases": {"noop": [sample(60, calls=150, reads=140)]}},
                "4": {"resources": 200, "phases": {"noop": [sample(75, calls=600, reads=560)]}},
            },
        },
        "slow": {
            "spec": "aws*0.1",
            "durations": {"rds_create": 60.0},
            "regions": {
                "1": {
                    "critical_path": {"deploy": 80.0, "teardown": 40.0},
                    "phases": {"deploy": [sample(90)], "teardown": [sample(45)]},
                },
                "2": {
                    "critical_path": {"deploy": 100.0, "teardown": 50.0, "deploy_chain": ["vpc", "rds_create"]},
                    "phases": {"deploy": [sample(120)], "teardown": [sample(60)]},
                },
            },
        },
        "notes": ["a note"],
    }


def test_render_writes_the_tables_with_medians_and_ratios():
    text = report.render(results_fixture())
    assert "| CPUs | 2 x Test CPU |" in text
    # 1 region no-op: median of 40 and 44, reads/resource 140/50
    assert "| 1 | no-op re-run | 42 | 4 | 1 | 3 | 150 | 140 | 10 | 2.80 | 0 | 2/2 |" in text
    # the CPU floor: 1 region (1 + 3) / 2 CPUs = 2 s, 5% busy; 2 regions (20 + 10) / 2 = 15 s, 30% busy
    assert "| no-op re-run | 42 / 2 (5%) | 50 / 15 (30%) | 0.36x |" in text
    assert "| deploy from scratch | - | - | - |" not in text
    # acceleration: 50 s on vs 100 s off
    assert "| 2 | 50 | 100 | 0.50x | 20 | 60 | 0.33x |" in text
    # scaling relative to 1 region
    assert "| no-op re-run | 42 (1.00x) | 50 (1.19x) |" in text
    # slow mode next to the bound, per region count, and scaling with the bound's own ratio
    assert "| 2 | deploy from scratch | 120 | 100 | 1.20x | - | 1/1 |" in text
    assert "| 1 | teardown | 45 | 40 | 1.12x | - | 1/1 |" in text
    assert "| deploy from scratch | 90 (1.00x; bound 1.00x) | 120 (1.33x; bound 1.25x) |" in text
    assert "2 region(s), deploy chain: vpc -> rds_create" in text
    # the latency series: its own table and scaling, 4 regions vs 1
    assert "each API call held 50 ms at the proxy" in text
    assert "| 4 | no-op re-run | 75 | - | 1 | - | 600 | 560 | 40 | 2.80 | 0 | 1/1 |" in text
    assert "| no-op re-run | 60 (1.00x) | 75 (1.25x) |" in text
    assert "- a note" in text


def test_render_without_runs_says_so():
    text = report.render(
        {"machine": {}, "instant": {}, "latency": {"skipped": "--latency 0"}, "slow": {"skipped": "--no-slow"}}
    )
    assert "(not run: --no-slow)" in text
    assert "(not run: --latency 0)" in text
    assert text.count("(not run") == 4


def test_slow_mode_region_counts_are_options_and_checked():
    assert runner.parse_args([]).slow_counts == [1, 2, 4]
    assert runner.parse_args(["--slow-regions", "1,4"]).slow_counts == [1, 4]
    assert runner.parse_args([]).latency == runner.DEFAULT_LATENCY
    assert runner.parse_args(["--latency", "0"]).latency == 0
    for bad in (
        ["--slow-regions", "5"],
        ["--slow-regions", "0"],
        ["--slow-repeat", "0"],
        ["--latency", "-1"],
        ["--latency-repeat", "0"],
    ):
        with pytest.raises(SystemExit):
            runner.parse_args(bad)


def test_emulator_cpu_is_read_from_the_emulator_process(tmp_path):
    import os

    class Emulator:
        def __init__(self, pid):
            self._pid = pid

        def pid(self):
            return self._pid

    stack = runner.Stack(tmp_path)
    stack.emulator = Emulator(os.getpid())
    sum(range(2_000_000))  # some CPU time of this process
    assert stack.emulator_cpu() > 0
    stack.emulator = Emulator(None)  # not running
    assert stack.emulator_cpu() is None


def test_the_strategy_line_of_each_run_is_recorded():
    from bench import runner

    stderr = "[WARNING]: x\ntap_linear: accelerations active: mitogen, controller-skip\nmore\n"
    assert runner.strategy_state(stderr) == "accelerations active: mitogen, controller-skip"
    assert runner.strategy_state("no line") == "not stated"
    results = {
        "instant": {"2": {"phases": {"noop": [{"strategy": "accelerations active: a"}],
                                     "noop_off": [{"strategy": "plain linear (TAP_ACCELERATION=off)"}]}}},
        "latency": {"regions": {"1": {"phases": {"plan": [{"strategy": "accelerations active: a; switched off: b"}]}}}},
        "slow": {"skipped": "--no-slow"},
    }
    assert runner.strategy_states(results, True) == ["accelerations active: a", "accelerations active: a; switched off: b"]
    assert runner.strategy_states(results, False) == ["plain linear (TAP_ACCELERATION=off)"]


def test_the_verify_phase_is_reported_between_deploy_and_the_no_op():
    results = {
        "machine": {},
        "cpus": 2,
        "instant": {
            str(count): {
                "resources": 50 * count,
                "phases": {
                    "deploy": [sample(100 * count, calls=900 * count, reads=600 * count)],
                    "verify": [sample(20, calls=50, reads=40, changed=7, emulator=2),
                               sample(24, calls=50, reads=40, changed=7, emulator=2)]
                    if count == 1
                    else [sample(30, cpu=3, calls=100 * count, reads=80 * count, changed=15, emulator=4)],
                    "noop": [sample(40 * count, calls=150 * count, reads=140 * count)],
                },
            }
            for count in (1, 2, 4)
        },
        "latency": {"seconds": 0.05, "regions": {"2": {"resources": 100, "phases": {"verify": [sample(45, changed=15)]}}}},
        "slow": {"skipped": "--no-slow"},
    }
    text = report.render(results)
    assert "**verify**" in text and "playbooks/verify.yml" in text
    # medians of 20 and 24 s; 40 reads over 50 resources; verify's own probes changed
    assert "| 1 | verify (requests through the load balancers) | 22 | 4 | 1 | 2 | 50 | 40 | 10 | 0.80 | 7 | 2/2 |" in text
    assert "| 4 | verify (requests through the load balancers) | 30 | - | 3 | 4 | 400 | 320 | 80 | 1.60 | 15 | 1/1 |" in text
    instant = text.split("## Instant emulator")[1].split("## With AWS-like latency")[0]
    for count in ("1", "2", "4"):
        rows = [line.split(" | ")[1] for line in instant.splitlines() if line.startswith("| %s | " % count)]
        assert rows == ["deploy from scratch", "verify (requests through the load balancers)", "no-op re-run"], rows
    # scaling and CPU floor relative to 1 region; the latency series has its verify row
    assert "| verify (requests through the load balancers) | 22 (1.00x) | 30 (1.36x) | 30 (1.36x) |" in text
    assert "| verify (requests through the load balancers) | 22 / 1.5 (7%) | 30 / 3.5 (12%) | 30 / 3.5 (12%) | 0.16x |" in text
    assert "| 2 | verify (requests through the load balancers) | 45 | - | 1 | - | - | - | - | - | 15 | 1/1 |" in text


def test_verify_is_a_phase_of_the_command_line():
    assert "verify" in runner.parse_args([]).phase_list
    assert runner.parse_args(["--phases", "deploy,verify"]).phase_list == ["deploy", "verify"]
