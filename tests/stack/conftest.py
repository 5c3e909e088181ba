"""Fixtures for assertions on a deployed (or torn down) stack, by describe calls on the emulator.

Environment: TAP_SUFFIX (required), TAP_EMULATOR_PORT (default 4566), TAP_ENDPOINT_URL (default
http://127.0.0.1:<TAP_EMULATOR_PORT>), TAP_INVENTORY (default inventories/local), TAP_RUN_LOG (optional: the
run's output, searched for secrets), TAP_CONCERNS (comma-separated, default every concern of group_vars: the
concerns the run deployed or tore down).

A test marked `concerns(a, b)` asserts what those concerns build: it is deselected when one of them is not in
TAP_CONCERNS, so a run of some concerns (a molecule scenario of one concern) is asserted by the tests of those.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from ansible_collections.tap.infra.plugins.filter.naming import resource_names

REPO_ROOT = Path(__file__).resolve().parents[2]
ALL_CONCERNS = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())["tap_concerns"]


def run_concerns():
    """The concerns of the asserted run: TAP_CONCERNS, else every concern."""
    listed = [name.strip() for name in os.environ.get("TAP_CONCERNS", "").split(",") if name.strip()]
    unknown = sorted(set(listed) - set(ALL_CONCERNS))
    if unknown:
        raise pytest.UsageError("TAP_CONCERNS names unknown concerns %s (known: %s)" % (unknown, ALL_CONCERNS))
    return listed or list(ALL_CONCERNS)


def pytest_configure(config):
    config.addinivalue_line("markers", "concerns(*names): asserts what these concerns build (TAP_CONCERNS)")


def pytest_collection_modifyitems(config, items):
    concerns = set(run_concerns())
    selected, deselected = [], []
    for item in items:
        needed = {name for mark in item.iter_markers("concerns") for name in mark.args}
        (selected if needed <= concerns else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


class Stack:
    def __init__(self, suffix, endpoint_url, inventory):
        self.suffix = suffix
        self.endpoint_url = endpoint_url
        self.sites = self._read_sites(inventory)
        self.primary = next(site for site in self.sites if site["region_role"] == "primary")
        self.regions = sorted({site["aws_region"] for site in self.sites})
        self.account_id = self.client("sts", "us-east-1").get_caller_identity()["Account"]
        self.outputs_file = REPO_ROOT / "outputs" / ("%s.json" % suffix)
        self.run_log = os.environ.get("TAP_RUN_LOG")
        self.concerns = run_concerns()

    @staticmethod
    def _read_sites(inventory):
        listing = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(inventory), "--list"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(listing.stdout)
        hostvars = data["_meta"]["hostvars"]
        sites = []
        for host in data["tap_regions"]["hosts"]:
            site = {key: hostvars[host][key] for key in ("aws_region", "region_role", "vpc_cidr")}
            sites.append(dict(site, host=host))
        return sorted(sites, key=lambda site: site["region_role"] != "primary")

    def names(self, host):
        return resource_names(self.suffix, host, self.account_id)

    def kms_alias_names(self, region):
        """Every alias name of the region (all pages of ListAliases)."""
        kms = self.client("kms", region)
        return {a["AliasName"] for page in kms.get_paginator("list_aliases").paginate() for a in page["Aliases"]}

    def kms_key_states(self, region, name_tag):
        """The KeyState of every key of the region tagged Name=name_tag (how teardown finds keys, by tags)."""
        kms = self.client("kms", region)
        states = []
        for page in kms.get_paginator("list_keys").paginate():
            for entry in page["Keys"]:
                tags = kms.list_resource_tags(KeyId=entry["KeyId"]).get("Tags", [])
                if {"TagKey": "Name", "TagValue": name_tag} in tags:
                    states.append(kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]["KeyState"])
        return states

    def client(self, service, region):
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture(scope="session")
def stack():
    suffix = os.environ.get("TAP_SUFFIX")
    if not suffix:
        pytest.skip("TAP_SUFFIX is not set: stack assertions need a deployed suffix")
    port = os.environ.get("TAP_EMULATOR_PORT", "4566")
    inventory = os.environ.get("TAP_INVENTORY", str(REPO_ROOT / "inventories" / "local" / "hosts.yml"))
    endpoint_url = os.environ.get("TAP_ENDPOINT_URL") or "http://127.0.0.1:%s" % port
    return Stack(suffix, endpoint_url, inventory)
