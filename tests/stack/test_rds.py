"""Stack assertions for the rds role: the instance, its network, key and secret, by describe calls."""

import ipaddress
import json
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.stack.checks import files_containing

pytestmark = pytest.mark.concerns("rds")


def _instance(stack, site):
    rds = stack.client("rds", site["aws_region"])
    name = stack.names(site["host"])["db_instance"]
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def _security_groups(stack, site):
    names = stack.names(site["host"])
    ec2 = stack.client("ec2", site["aws_region"])
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [names["db_security_group"], names["db_client_security_group"]]}]
    )["SecurityGroups"]
    by_name = {g["GroupName"]: g for g in groups}
    return by_name.get(names["db_security_group"]), by_name.get(names["db_client_security_group"])


def _secret(stack, site):
    sm = stack.client("secretsmanager", site["aws_region"])
    return sm, stack.names(site["host"])["db_secret"]


def _key_arn(stack, site, alias):
    return stack.client("kms", site["aws_region"]).describe_key(KeyId=alias)["KeyMetadata"]["Arn"]


@pytest.mark.present
def test_subnet_group_is_the_isolated_subnets(stack):
    for site in stack.sites:
        rds = stack.client("rds", site["aws_region"])
        name = stack.names(site["host"])["db_subnet_group"]
        group = rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
        ids = [s["SubnetIdentifier"] for s in group["Subnets"]]
        subnets = stack.client("ec2", site["aws_region"]).describe_subnets(SubnetIds=ids)["Subnets"]
        planned = list(ipaddress.ip_network(site["vpc_cidr"]).subnets(new_prefix=24))
        assert sorted(s["CidrBlock"] for s in subnets) == sorted(str(planned[i]) for i in (4, 5)), name
        assert len({s["AvailabilityZone"] for s in subnets}) == 2, name


@pytest.mark.present
def test_db_admits_postgres_only_from_the_client_group(stack):
    for site in stack.sites:
        db_group, client_group = _security_groups(stack, site)
        assert db_group and client_group, site["host"]
        assert db_group["VpcId"] == client_group["VpcId"], site["host"]
        [rule] = db_group["IpPermissions"]
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 5432, 5432)
        assert [p["GroupId"] for p in rule["UserIdGroupPairs"]] == [client_group["GroupId"]]
        assert not rule.get("IpRanges") and not rule.get("Ipv6Ranges") and not rule.get("PrefixListIds")
        assert db_group["IpPermissionsEgress"] == [], "the DB initiates nothing"
        assert client_group["IpPermissions"] == [], "the client group admits nothing"


@pytest.mark.present
def test_instance_is_multi_az_encrypted_private_postgres(stack):
    for site in stack.sites:
        names = stack.names(site["host"])
        db = _instance(stack, site)
        db_group, _ = _security_groups(stack, site)
        assert db["MultiAZ"] is True
        assert db["Engine"] == "postgres"
        assert int(db["EngineVersion"].split(".")[0]) >= 16, db["EngineVersion"]
        assert db["DBInstanceClass"] == "db.t3.micro"
        assert (db["StorageType"], db["AllocatedStorage"]) == ("gp2", 20)
        assert db["StorageEncrypted"] is True
        assert db["KmsKeyId"] == _key_arn(stack, site, names["db_kms_alias"])
        assert db["PubliclyAccessible"] is False
        assert db["CopyTagsToSnapshot"] is True
        assert db["MasterUsername"] not in ("admin", "postgres", "rdsadmin")
        assert db["DBSubnetGroup"]["DBSubnetGroupName"] == names["db_subnet_group"]
        assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [db_group["GroupId"]]
        tags = {t["Key"]: t["Value"] for t in db.get("TagList", [])}
        assert tags["Environment"] == stack.suffix and tags["Name"] == names["db_instance"]


@pytest.mark.present
def test_db_key_is_customer_managed_and_rotated(stack):
    for site in stack.sites:
        kms = stack.client("kms", site["aws_region"])
        key = kms.describe_key(KeyId=stack.names(site["host"])["db_kms_alias"])["KeyMetadata"]
        assert key["KeyManager"] == "CUSTOMER" and key["KeyState"] == "Enabled"
        assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]


@pytest.mark.present
def test_secret_holds_the_instance_credentials_encrypted_with_the_db_key(stack):
    for site in stack.sites:
        names = stack.names(site["host"])
        sm, secret_name = _secret(stack, site)
        described = sm.describe_secret(SecretId=secret_name)
        assert described["KmsKeyId"] in (
            _key_arn(stack, site, names["db_kms_alias"]),
            names["db_kms_alias"],
        ), secret_name
        value = json.loads(sm.get_secret_value(SecretId=secret_name)["SecretString"])
        assert set(value) == {"username", "password", "engine", "host", "port", "dbname"}
        db = _instance(stack, site)
        assert value["username"] == db["MasterUsername"]
        assert value["engine"] == "postgres"
        assert value["dbname"] == db["DBName"]
        assert int(value["port"]) == db["Endpoint"]["Port"] == 5432
        assert value["host"] == db["Endpoint"]["Address"]
        assert len(value["password"]) >= 16 and not set(value["password"]) & set('/@" ')


@pytest.mark.present
def test_password_appears_nowhere_in_the_run_log(stack):
    """TAP_RUN_LOG: the captured output of the ansible runs (skipped when not given)."""
    log_path = os.environ.get("TAP_RUN_LOG")
    if not log_path:
        pytest.skip("TAP_RUN_LOG not set")
    text = Path(log_path).read_text(errors="replace")
    assert "PLAY RECAP" in text and "rds" in text, "%s is not the log of a deployment" % log_path
    for site in stack.sites:
        sm, secret_name = _secret(stack, site)
        password = json.loads(sm.get_secret_value(SecretId=secret_name)["SecretString"])["password"]
        assert password not in text, "the master password of %s leaked into %s" % (site["host"], log_path)


@pytest.mark.present
def test_password_appears_in_no_file_of_the_project(stack):
    """outputs/, .tap/ (build artefacts, emulator state, drift records), logs: no file under the project holds a
    password (tests/unit/test_stack_checks.py shows the search finds one in each of those places)."""
    root = Path(__file__).resolve().parents[2]
    assert (root / "outputs").is_dir() and (root / ".tap").is_dir(), "nothing to search: was the stack deployed?"
    passwords = []
    for site in stack.sites:
        sm, secret_name = _secret(stack, site)
        passwords.append(json.loads(sm.get_secret_value(SecretId=secret_name)["SecretString"])["password"])
    assert files_containing(root, passwords) == [], "a DB master password leaked into these files"


@pytest.mark.absent
def test_no_db_instance_is_left(stack):
    for site in stack.sites:
        with pytest.raises(ClientError) as error:
            _instance(stack, site)
        assert error.value.response["Error"]["Code"] == "DBInstanceNotFound"


@pytest.mark.absent
def test_no_db_subnet_group_is_left(stack):
    for site in stack.sites:
        rds = stack.client("rds", site["aws_region"])
        with pytest.raises(ClientError) as error:
            rds.describe_db_subnet_groups(DBSubnetGroupName=stack.names(site["host"])["db_subnet_group"])
        assert error.value.response["Error"]["Code"] == "DBSubnetGroupNotFoundFault"


@pytest.mark.absent
def test_no_db_security_group_is_left(stack):
    for site in stack.sites:
        assert _security_groups(stack, site) == (None, None), site["host"]


@pytest.mark.absent
def test_no_db_secret_is_left(stack):
    for site in stack.sites:
        sm, secret_name = _secret(stack, site)
        try:
            described = sm.describe_secret(SecretId=secret_name)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        else:
            assert described.get("DeletedDate"), "%s is neither deleted nor scheduled for deletion" % secret_name


@pytest.mark.absent
def test_the_db_key_alias_is_gone_and_the_key_pending_deletion(stack):
    """Teardown deletes the alias (not left on a key pending deletion), then schedules the key."""
    for site in stack.sites:
        alias = stack.names(site["host"])["db_kms_alias"]
        assert alias not in stack.kms_alias_names(site["aws_region"]), "%s is still there" % alias
        with pytest.raises(ClientError) as error:
            stack.client("kms", site["aws_region"]).describe_key(KeyId=alias)
        assert error.value.response["Error"]["Code"] == "NotFoundException", alias
        states = stack.kms_key_states(site["aws_region"], alias[len("alias/") :])
        assert states and set(states) == {"PendingDeletion"}, (alias, states)
