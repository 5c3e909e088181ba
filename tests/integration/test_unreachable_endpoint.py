"""An AWS endpoint that cannot be reached stops preflight with one message per site naming the endpoint and the
region, on the project's accelerated strategy (Mitogen) and on plain linear alike.

Real-AWS settings (no tap_aws_endpoint_url) behind a proxy that refuses connections (HTTPS_PROXY: botocore's
ProxyConnectionError), and an endpoint whose name does not resolve (`.invalid`, RFC 2606: EndpointConnectionError).
"""

import pytest
import yaml

from tests.conftest import free_port, run_playbook
from tests.integration.test_preflight_playbook import error_messages, write_inventory

pytestmark = pytest.mark.integration


@pytest.fixture
def aws_settings_inventory(tmp_path):
    """inventories/local's two sites with real-AWS settings: no endpoint, keys from the inventory."""
    path = write_inventory(tmp_path)
    document = yaml.safe_load(path.read_text())
    del document["all"]["children"]["tap_regions"]["vars"]["tap_aws_endpoint_url"]
    path.write_text(yaml.safe_dump(document))
    return path


def assert_one_message_per_site(result, expected):
    """The run failed in preflight with, for each site, an error holding expected(region)."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    errors = error_messages(output)
    for region in ("us-east-1", "us-west-2"):
        assert [e for e in errors if expected(region) in e], (expected(region), errors, output[-3000:])
    assert "UNREACHABLE!" not in output and "credentials" not in " ".join(errors)
    assert "PLAY [Converge the stack in every region site]" not in output


@pytest.mark.parametrize("acceleration", ["on", "off"])
def test_aws_behind_an_unreachable_proxy(emulator, aws_settings_inventory, acceleration):
    proxy = "http://127.0.0.1:%d" % free_port()
    env = {"TAP_ACCELERATION": acceleration, "HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    result = run_playbook("site.yml", emulator, "-e", "suffix=pf", inventory=aws_settings_inventory, env=env, timeout=300)
    assert_one_message_per_site(
        result,
        lambda region: "AWS endpoint https://sts.%s.amazonaws.com for region %s cannot be reached through the proxy %s "
        % (region, region, proxy),
    )


@pytest.mark.parametrize("acceleration", ["on", "off"])
def test_an_endpoint_whose_name_does_not_resolve(emulator, tmp_path, acceleration):
    endpoint = "http://tap-emulator.invalid:4566"
    inventory = write_inventory(tmp_path, tap_aws_endpoint_url=endpoint)
    env = {"TAP_ACCELERATION": acceleration}
    result = run_playbook("site.yml", emulator, "-e", "suffix=pf", inventory=inventory, env=env, timeout=300)
    assert_one_message_per_site(
        result,
        lambda region: "AWS endpoint %s for region %s cannot be reached: check the network route, DNS and proxy"
        % (endpoint, region),
    )
