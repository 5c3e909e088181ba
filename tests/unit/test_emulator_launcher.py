"""The emulator launcher: loopback only, clear errors, start/stop/status/reset, patched server."""

import socket

import pytest

from tests.conftest import aws_client, free_port
from tools.emulator.launcher import Emulator, EmulatorError, check_loopback, main


def test_refuses_a_non_loopback_bind():
    with pytest.raises(EmulatorError, match="not a loopback address"):
        check_loopback("0.0.0.0")
    with pytest.raises(EmulatorError, match="not a loopback address"):
        check_loopback("8.8.8.8")
    check_loopback("127.0.0.1")


def test_refuses_a_taken_port(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        with pytest.raises(EmulatorError, match="port %d on 127.0.0.1 is taken" % port):
            Emulator(port=port, state_dir=tmp_path).start()


def test_status_of_a_stopped_emulator(tmp_path, capsys):
    assert main(["status", "--port", str(free_port()), "--state-dir", str(tmp_path)]) == 1
    assert "not running" in capsys.readouterr().out


def test_reset_of_a_stopped_emulator_says_so(tmp_path, capsys):
    assert main(["reset", "--port", str(free_port()), "--state-dir", str(tmp_path)]) == 2
    assert "does not answer" in capsys.readouterr().err


def test_start_reuse_reset_stop(emulator, tmp_path):
    assert "running at %s" % emulator.url in emulator.status()
    again = Emulator(port=emulator.port, state_dir=emulator.state_dir)
    assert again.start().startswith("already running")
    ec2 = aws_client(emulator, "ec2")
    ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "t", "Value": "x"}]}])
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:t", "Values": ["x"]}])["Vpcs"]
    emulator.reset()
    assert not ec2.describe_vpcs(Filters=[{"Name": "tag:t", "Values": ["x"]}])["Vpcs"]
    assert emulator.pid_file.exists() and emulator.log_file.exists()


def test_aws_managed_policies_are_loaded(emulator):
    iam = aws_client(emulator, "iam")
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn
