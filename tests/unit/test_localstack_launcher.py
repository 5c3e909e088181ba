"""tools/localstack without LocalStack: which LocalStack the launcher picks, and which concerns it serves."""

import pytest

from tests.conftest import free_port
from tools.localstack import launcher
from tools.localstack.concerns import SERVICES, served_concerns

EVERY_SERVICE = {"services": {service: "available" for services in SERVICES.values() for service in services}}
# localstack-core 2026.3.0's health without the paid-plan services (as seen: no rds, no elbv2)
CORE_HEALTH = {"services": {name: "available" for name in EVERY_SERVICE["services"] if name not in ("rds", "elbv2")}}


def answering(reasons):
    """A probe: the reason per service ({} = every probed service answers), recording the calls."""
    calls = []

    def probe(endpoint, service):
        calls.append(service)
        return reasons.get(service)

    probe.calls = calls
    return probe


def test_localstack_core_serves_vpc_kms_s3_and_cloudwatch_and_says_why_not_the_others():
    served, skipped = served_concerns("http://127.0.0.1:1", "core", CORE_HEALTH, probe=answering({}))
    assert served == ["vpc", "kms_s3", "cloudwatch"]
    assert skipped["rds"] == "rds: paid-plan LocalStack service, not in this one"
    assert "downloads DynamoDB Local" in skipped["dynamodb_global"]
    assert "elbv2: paid-plan" in skipped["lambda_alb"]


def test_a_container_with_every_service_serves_every_concern_in_stack_order():
    probe = answering({})
    served, skipped = served_concerns("http://127.0.0.1:1", "docker", EVERY_SERVICE, probe=probe)
    assert (served, skipped) == (list(SERVICES), {})
    assert sorted(probe.calls) == ["elbv2", "rds"]  # each probed once


def test_a_plan_answering_501_skips_the_concern_and_those_needing_it():
    probe = answering({"rds": "rds is not in this LocalStack's plan (501: not included)"})
    served, skipped = served_concerns("http://127.0.0.1:1", "docker", EVERY_SERVICE, probe=probe)
    assert "rds" not in served and skipped["rds"].startswith("rds is not in this LocalStack's plan (501")
    assert served == ["vpc", "dynamodb_global", "kms_s3", "lambda_alb", "cloudwatch"]


def test_a_concern_whose_needs_are_not_served_is_skipped_naming_them():
    health = {"services": {name: state for name, state in EVERY_SERVICE["services"].items() if name != "dynamodb"}}
    served, skipped = served_concerns("http://127.0.0.1:1", "docker", health, probe=answering({}))
    assert skipped == {
        "dynamodb_global": "this LocalStack offers no dynamodb",
        "lambda_alb": "needs dynamodb_global, not served",
    }
    assert served == ["vpc", "rds", "kms_s3", "cloudwatch"]


def test_localstack_endpoint_wins_and_is_never_started_or_stopped(monkeypatch):
    monkeypatch.setattr(launcher, "docker_available", lambda: True)
    chosen = launcher.choose(4566, {"LOCALSTACK_ENDPOINT": "http://localstack:4566/", "LOCALSTACK_AUTH_TOKEN": "t"})
    assert isinstance(chosen, launcher.LocalStackEndpoint) and chosen.url == "http://localstack:4566"
    assert chosen.stop() == "left running at http://localstack:4566 (LOCALSTACK_ENDPOINT)"


def test_docker_with_a_token_runs_the_container_on_loopback_without_the_token_in_its_arguments(monkeypatch):
    monkeypatch.setattr(launcher, "docker_available", lambda: True)
    chosen = launcher.choose(4610, {"LOCALSTACK_AUTH_TOKEN": "ls-secret-token"})
    assert isinstance(chosen, launcher.LocalStackContainer)
    command = chosen.run_command()
    assert "127.0.0.1:4610:4566" in command and chosen.image in command
    assert command[command.index("--env") + 1] == "LOCALSTACK_AUTH_TOKEN"  # passed on from the environment
    assert not [argument for argument in command if "ls-secret-token" in argument]


@pytest.mark.parametrize(
    "environ, docker",
    [({"LOCALSTACK_AUTH_TOKEN": "t"}, False), ({}, True)],
    ids=["token-without-docker", "docker-without-token"],
)
def test_otherwise_localstack_core_in_its_own_environment_on_loopback(monkeypatch, tmp_path, environ, docker):
    monkeypatch.setattr(launcher, "docker_available", lambda: docker)
    port = free_port()
    chosen = launcher.choose(port, dict(environ, TAP_LOCALSTACK_VENV=str(tmp_path)))
    assert type(chosen) is launcher.LocalStack and chosen.url == "http://127.0.0.1:%d" % port
    env = chosen.environment()
    assert (env["GATEWAY_LISTEN"], env["PERSISTENCE"], env["DNS_ADDRESS"]) == ("127.0.0.1:%d" % port, "0", "0")
    with pytest.raises(launcher.EmulatorError, match="make localstack-venv"):
        chosen.start()
