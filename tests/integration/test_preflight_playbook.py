"""Bad inputs, run as a user would (ansible-playbook site.yml / teardown.yml), stop in preflight.

Each case must fail, name the input and the rule in one message, and write nothing to the emulator.
The rules themselves are tested at filter level in tests/unit/test_naming_and_preflight.py.

Missing credentials: botocore refuses to sign before anything reaches the endpoint, exactly as against
AWS. Invalid credentials: a second emulator started with INITIAL_NO_AUTH_ACTION_COUNT=0 authenticates
every request, and STS answers an unknown access key with InvalidClientTokenId, as AWS does.
Wrong types in role inputs are checked against each role's meta/argument_specs.yml.
"""

import json
import re

import pytest
import yaml

from tests.conftest import emulator_inventory, free_port, play_recap, run_playbook
from tools.emulator.launcher import Emulator

pytestmark = pytest.mark.integration

EMULATOR_ENDPOINT = "http://127.0.0.1:{{ lookup('ansible.builtin.env', 'TAP_EMULATOR_PORT') }}"
GOOD_HOSTS = {
    "us-east-1": {"aws_region": "us-east-1", "region_role": "primary", "vpc_cidr": "10.0.0.0/16"},
    "us-west-2": {"aws_region": "us-west-2", "region_role": "secondary", "vpc_cidr": "10.1.0.0/16"},
}
CREDENTIAL_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)
ROLE_INPUT = (
    "input {name} of role {role} (roles/{role}/meta/argument_specs.yml) is {value}: argument '{name}' is of type "
)
PROJECT_INPUT = "input {name} (project-wide, meta/argument_specs.yml) is {value}: "
SUFFIX_RULE = "lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen"


def write_inventory(tmp_path, host_changes=None, credentials=True, **group_vars):
    """A two-site inventory like inventories/local, with some host vars changed and group vars added."""
    hosts = {host: dict(host_vars) for host, host_vars in GOOD_HOSTS.items()}
    for host, changes in (host_changes or {}).items():
        hosts[host].update(changes)
    settings = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "tap_aws_endpoint_url": EMULATOR_ENDPOINT,
    }
    if credentials:
        settings.update(tap_aws_access_key="testing", tap_aws_secret_key="testing")
    settings.update(group_vars)
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"all": {"children": {"tap_regions": {"vars": settings, "hosts": hosts}}}}))
    return path


def error_messages(output):
    """The [ERROR] messages of a run (each up to its 'Origin:' line), whitespace-normalised."""
    return [" ".join(m.split()) for m in re.findall(r"^\[ERROR\]: (.*?)(?=^Origin:|^$|\Z)", output, re.M | re.S)]


# id, playbook, extra args, inventory (None = the default local one, else write_inventory kwargs), fragments
CASES = [
    ("suffix-missing", "site.yml", [], None, ["suffix is missing: pass -e suffix=NAME"]),
    ("suffix-uppercase", "site.yml", ["-e", "suffix=Prod"], None, ["suffix 'Prod' breaks the rule: " + SUFFIX_RULE]),
    (
        "suffix-underscore",
        "site.yml",
        ["-e", "suffix=my_env"],
        None,
        ["suffix 'my_env' breaks the rule: " + SUFFIX_RULE],
    ),
    (
        "suffix-trailing-hyphen",
        "site.yml",
        ["-e", "suffix=prod-"],
        None,
        ["suffix 'prod-' breaks the rule: " + SUFFIX_RULE],
    ),
    (
        "suffix-too-long",
        "site.yml",
        ["-e", "suffix=averyverylongsuffix"],
        None,
        [
            "alb name 'tap-averyverylongsuffix-us-east-1-alb' is 37 characters, AWS allows 32: shorten suffix by 5",
            "target_group name 'tap-averyverylongsuffix-us-west-2-tg' is 36 characters, AWS allows 32: "
            "shorten suffix by 4",
        ],
    ),
    (
        "suffix-missing-on-teardown",
        "teardown.yml",
        [],
        None,
        ["suffix is missing: pass -e suffix=NAME"],
    ),
    (
        "two-primaries",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"region_role": "primary"}}},
        ["region_role: exactly one site must be primary, found 2 (us-east-1, us-west-2)"],
    ),
    (
        "no-primary",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-east-1": {"region_role": "secondary"}}},
        ["region_role: exactly one site must be primary, found 0 (none)"],
    ),
    (
        "duplicate-region",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"aws_region": "us-east-1"}}},
        [
            "aws_region us-east-1 is used by several sites (us-east-1, us-west-2): regions must be unique "
            "(set tap_allow_shared_region: true for a single-region layout)"
        ],
    ),
    (
        "overlapping-cidr",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"vpc_cidr": "10.0.128.0/17"}}},
        [
            "vpc_cidr 10.0.0.0/16 of site us-east-1 overlaps vpc_cidr 10.0.128.0/17 of site us-west-2: "
            "site CIDRs must not overlap"
        ],
    ),
    (
        "cidr-too-small",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"vpc_cidr": "10.1.0.0/24"}}},
        ["vpc_cidr '10.1.0.0/24' of site us-west-2 must be a /16 to /21"],
    ),
    (
        "malformed-cidr",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"vpc_cidr": "10.1.0.0/33"}}},
        ["vpc_cidr '10.1.0.0/33' of site us-west-2 is not a valid IPv4 network CIDR"],
    ),
    (
        "unknown-region-format",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"aws_region": "mars-1"}}},
        ["aws_region 'mars-1' of site us-west-2 is not an AWS region name such as us-east-1"],
    ),
    (
        "unreachable-endpoint",
        "site.yml",
        ["-e", "suffix=pf"],
        {"tap_aws_endpoint_url": "http://127.0.0.1:{closed_port}"},
        [
            "AWS endpoint http://127.0.0.1:{closed_port} for region us-east-1 cannot be reached: start the emulator",
            "AWS endpoint http://127.0.0.1:{closed_port} for region us-west-2 cannot be reached",
        ],
    ),
    (
        "missing-credentials",
        "site.yml",
        ["-e", "suffix=pf"],
        {"credentials": False},
        [
            "AWS credentials for us-east-1 are missing or invalid: valid credentials are required",
            "AWS credentials for us-west-2 are missing or invalid",
            "Unable to locate credentials",
        ],
    ),
    ("suffix-empty", "site.yml", ["-e", "suffix="], None, ["suffix is missing: pass -e suffix=NAME"]),
    (
        "unknown-region",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"aws_region": "us-east-9"}}},
        ["aws_region 'us-east-9' of site us-west-2 is not a region AWS has"],
    ),
    (
        "rds-storage-not-a-number",
        "site.yml",
        ["-e", "suffix=pf", "-e", json.dumps({"rds_allocated_storage": "lots"})],
        None,
        [
            ROLE_INPUT.format(name="rds_allocated_storage", role="rds", value="'lots'")
            + "str and we were unable to convert to int"
        ],
    ),
    (
        "rds-multi-az-not-a-boolean",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"rds_multi_az": "maybe"}}},
        [
            ROLE_INPUT.format(name="rds_multi_az", role="rds", value="'maybe'")
            + "str and we were unable to convert to bool: The value 'maybe' is not a valid boolean"
        ],
    ),
    (
        "vpc-az-count-a-list",
        "site.yml",
        ["-e", "suffix=pf", "-e", json.dumps({"vpc_az_count": [1, 2]})],
        None,
        [
            ROLE_INPUT.format(name="vpc_az_count", role="vpc", value="[1, 2]")
            + "list and we were unable to convert to int"
        ],
    ),
    (
        "lambda-memory-a-string",
        "site.yml",
        ["-e", "suffix=pf", "-e", json.dumps({"lambda_alb_memory_size": "256MB"})],
        None,
        [
            ROLE_INPUT.format(name="lambda_alb_memory_size", role="lambda_alb", value="'256MB'")
            + "str and we were unable to convert to int"
        ],
    ),
    (
        "cloudwatch-threshold-a-dict",
        "site.yml",
        ["-e", "suffix=pf"],
        {"cloudwatch_rds_cpu_threshold": {"high": 90}},
        [
            ROLE_INPUT.format(name="cloudwatch_rds_cpu_threshold", role="cloudwatch", value="{'high': 90}")
            + "dict and we were unable to convert to float"
        ],
    ),
    (
        "table-key-type-not-a-choice-on-teardown",
        "teardown.yml",
        ["-e", "suffix=pf", "-e", "dynamodb_global_hash_key_type=INTEGER"],
        None,
        [
            "input dynamodb_global_hash_key_type of role dynamodb_global (roles/dynamodb_global/meta/argument_specs.yml) "
            "is 'INTEGER': value of dynamodb_global_hash_key_type must be one of: STRING, NUMBER, BINARY, got: INTEGER"
        ],
    ),
    (
        "invalid-credentials",
        "site.yml",
        ["-e", "suffix=pf"],
        {"tap_aws_endpoint_url": "http://127.0.0.1:{auth_port}"},
        [
            "AWS credentials for us-east-1 are missing or invalid: valid credentials are required",
            "AWS credentials for us-west-2 are missing or invalid",
            "InvalidClientTokenId",
        ],
    ),
    (
        "teardown-without-confirm",
        "teardown.yml",
        ["-e", "suffix=pf"],
        {"tap_teardown_requires_confirmation": True},
        ["confirm: tearing down suffix 'pf' at http://127.0.0.1:", "requires -e confirm=pf"],
    ),
    (
        "teardown-wrong-confirm",
        "teardown.yml",
        ["-e", "suffix=pf", "-e", "confirm=prod"],
        {"tap_teardown_requires_confirmation": True},
        ["confirm: tearing down suffix 'pf' at http://127.0.0.1:", "requires -e confirm=pf"],
    ),
    (
        "zone-not-in-region",
        "site.yml",
        ["-e", "suffix=pf"],
        {"host_changes": {"us-west-2": {"vpc_zone_ids": ["usw2-az1", "usw2-az9"]}}},
        ["zone usw2-az9 of site us-west-2 (vpc_zone_ids) is not a zone of this region: choose from usw2-az1, "],
    ),
    (
        "vpc-az-count-not-2-or-3",
        "site.yml",
        ["-e", "suffix=pf", "-e", json.dumps({"vpc_az_count": 4})],
        None,
        [
            "vpc_az_count of site us-east-1 is 4: the subnets span 2 or 3 zones",
            "vpc_az_count of site us-west-2 is 4: the subnets span 2 or 3 zones",
        ],
    ),
    # Any endpoint but loopback may hold a production stack: the user's own inventory asks too.
    (
        "teardown-non-loopback-endpoint-without-confirm",
        "teardown.yml",
        ["-e", "suffix=pf"],
        {"tap_aws_endpoint_url": "http://192.0.2.10:4566"},
        ["confirm: tearing down suffix 'pf' at http://192.0.2.10:4566 requires -e confirm=pf"],
    ),
    (
        "teardown-aws-without-confirm",
        "teardown.yml",
        ["-e", "suffix=pf"],
        {"tap_aws_endpoint_url": None},
        ["confirm: tearing down suffix 'pf' at AWS requires -e confirm=pf"],
    ),
    (
        "max-attempts-zero",
        "site.yml",
        ["-e", "suffix=pf", "-e", json.dumps({"tap_aws_max_attempts": 0})],
        None,
        [PROJECT_INPUT.format(name="tap_aws_max_attempts", value="0") + "must be at least 1"],
    ),
    (
        "unknown-concern",
        "site.yml",
        ["-e", "suffix=pf", "-e", "tap_concerns=vpc,network"],
        None,
        [
            PROJECT_INPUT.format(name="tap_concerns", value="'vpc,network'")
            + "value of tap_concerns must be one or more of: vpc, rds, dynamodb_global, kms_s3, lambda_alb, "
            "cloudwatch. Got no match for: network"
        ],
    ),
    (
        "tags-without-environment",
        "teardown.yml",
        ["-e", "suffix=pf", "-e", json.dumps({"tap_tags": {"Project": "tap-infra"}})],
        None,
        [PROJECT_INPUT.format(name="tap_tags", value="{'Project': 'tap-infra'}") + "needs Environment"],
    ),
    (
        "allowed-cidr-out-of-range",
        "site.yml",
        ["-e", "suffix=pf", "-e", json.dumps({"lambda_alb_allowed_cidrs": ["300.0.0.0/8"]})],
        None,
        [
            "input lambda_alb_allowed_cidrs of role lambda_alb (roles/lambda_alb/meta/argument_specs.yml) is "
            "['300.0.0.0/8']: '300.0.0.0/8': each must be an IPv4 CIDR such as 203.0.113.0/24"
        ],
    ),
    (
        "limit-to-one-site",
        "site.yml",
        ["-e", "suffix=pf", "--limit", "us-west-2"],
        None,
        ["--limit us-west-2: a run covers every region site of the inventory (us-east-1, us-west-2)"],
    ),
]


@pytest.fixture
def no_ambient_credentials(monkeypatch, tmp_path):
    """No credential reaches boto3 but what the inventory gives (no env keys, profiles, files or IMDS)."""
    for name in CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="module")
def authenticating_emulator(tmp_path_factory):
    """An emulator that authenticates every request: only access keys of its own IAM users are valid."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INITIAL_NO_AUTH_ACTION_COUNT", "0")
        instance = Emulator(port=free_port(), state_dir=tmp_path_factory.mktemp("authenticating-emulator"))
        instance.start()
    yield instance
    instance.stop()


@pytest.mark.parametrize(
    "playbook, args, inventory, fragments", [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_stops_in_preflight_and_writes_nothing(
    emulator, request, tmp_path, no_ambient_credentials, playbook, args, inventory, fragments
):
    ports = {"closed_port": free_port()}
    if "{auth_port}" in json.dumps(inventory):
        ports["auth_port"] = request.getfixturevalue("authenticating_emulator").port

    def with_ports(text):
        for name, port in ports.items():
            text = text.replace("{%s}" % name, str(port))
        return text

    if inventory is not None:
        inventory = {k: with_ports(v) if isinstance(v, str) else v for k, v in inventory.items()}
        inventory = write_inventory(tmp_path, **inventory)
    fragments = [with_ports(fragment) for fragment in fragments]
    before = emulator_inventory(emulator)

    result = run_playbook(playbook, emulator, *args, inventory=inventory, timeout=120)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    errors = error_messages(output)
    # Every error is preflight's own message (no raw module error, no later play reached).
    assert errors and all(e.startswith("Task failed: Action failed: ") for e in errors), errors
    assert all(
        origin.endswith("playbooks/preflight.yml") for origin in re.findall(r"^Origin: (\S+?):\d+", output, re.M)
    )
    assert "PLAY [Converge the stack in every region site]" not in output, output[-4000:]
    for fragment in fragments:
        assert any(fragment in error for error in errors), (fragment, errors)
    assert emulator_inventory(emulator) == before


def test_teardown_with_the_typed_confirmation_passes_preflight(emulator, tmp_path):
    inventory = write_inventory(tmp_path, tap_teardown_requires_confirmation=True)
    before = emulator_inventory(emulator)

    result = run_playbook(
        "teardown.yml",
        emulator,
        "-e",
        "suffix=pfconfirm",
        "-e",
        "confirm=pfconfirm",
        "-e",
        '{"tap_concerns": ["vpc"]}',
        inventory=inventory,
        timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "PLAY [Converge the stack in every region site]" in output
    counts = play_recap(output)
    assert set(counts) == {"us-east-1", "us-west-2"}, output[-2000:]
    assert all(c["changed"] == 0 and c["failed"] == 0 for c in counts.values()), counts
    assert emulator_inventory(emulator) == before


def test_command_line_forms_of_project_inputs_are_accepted(emulator, tmp_path):
    """-e gives strings: a number of attempts and a comma-separated list of concerns are taken as such."""
    before = emulator_inventory(emulator)

    result = run_playbook(
        "teardown.yml",
        emulator,
        "-e",
        "suffix=pfforms",
        "-e",
        "tap_aws_max_attempts=2",
        "-e",
        "tap_concerns=cloudwatch,kms_s3",
        timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    counts = play_recap(output)
    assert set(counts) == {"us-east-1", "us-west-2"}, output[-2000:]
    assert all(c["changed"] == 0 and c["failed"] == 0 for c in counts.values()), counts
    # Both roles ran, in reverse order on teardown, and no other.
    roles = re.findall(r"^TASK \[(\w+) : ", output, re.M)
    assert roles and set(roles) <= {"cloudwatch", "kms_s3", "kms_key"}, sorted(set(roles))
    assert roles.index("kms_s3") < roles.index("cloudwatch"), roles
    assert emulator_inventory(emulator) == before


def test_sites_keep_the_inventory_order_from_run_to_run(emulator, tmp_path):
    """tap_sites (the primary, then the others in inventory order) fixes the ALB rules' priorities and the
    replicas' order: it must not change between runs, whose string hashing (PYTHONHASHSEED) differs."""
    secondaries = ["us-west-2", "eu-west-1", "ap-southeast-2", "eu-central-1", "ca-central-1"]
    hosts = {"us-east-1": {"aws_region": "us-east-1", "region_role": "primary", "vpc_cidr": "10.0.0.0/16"}}
    for index, region in enumerate(secondaries, start=1):
        hosts[region] = {"aws_region": region, "region_role": "secondary", "vpc_cidr": "10.%d.0.0/16" % index}
    settings = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "tap_aws_endpoint_url": EMULATOR_ENDPOINT,
        "tap_aws_access_key": "testing",
        "tap_aws_secret_key": "testing",
    }
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        yaml.safe_dump({"all": {"children": {"tap_regions": {"vars": settings, "hosts": hosts}}}}, sort_keys=False)
    )

    expected = "tap_sites=" + ",".join(["us-east-1"] + secondaries)
    for seed in ("1", "2", "3"):
        result = run_playbook(
            "tests/integration/playbooks/site_order.yml",
            emulator,
            "-e",
            "suffix=order",
            inventory=inventory,
            env={"PYTHONHASHSEED": seed},
            timeout=300,
        )
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
        printed = re.findall(r'"msg": "(tap_sites=[^"]*)"|msg: (tap_sites=\S+)', result.stdout)
        assert [a or b for a, b in printed] == [expected] * len(hosts), (seed, printed)
