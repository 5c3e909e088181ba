"""Security properties of the whole deployed stack, by describe calls: least-privilege IAM, private TLS-only
buckets, every data store encrypted with a customer managed key of the stack, an unreachable database.

Resources are found by the suffix (names "tap-<suffix>-..." and Project/Environment tags), not only by the
derived names, so that a resource added later is covered too.
"""

import json
from urllib.parse import unquote

import pytest

from tests.stack.checks import wildcard_problems


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _document(document):
    return json.loads(unquote(document)) if isinstance(document, str) else document


def _tags(pairs, key="Key", value="Value"):
    return {pair[key]: pair[value] for pair in pairs or []}


def _ours(stack, tags):
    return tags.get("Project") == "tap-infra" and tags.get("Environment") == stack.suffix


def _marker(stack):
    return "tap-%s-" % stack.suffix


def _roles(stack):
    """Every IAM role of the suffix: named for it or tagged with it."""
    iam = stack.client("iam", stack.primary["aws_region"])
    roles = []
    for role in iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]:
        if role.get("Path", "/").startswith("/aws-service-role/"):
            continue
        tags = _tags(iam.list_role_tags(RoleName=role["RoleName"]).get("Tags"))
        if role["RoleName"].startswith(_marker(stack)) or _ours(stack, tags):
            roles.append(role["RoleName"])
    return iam, roles


def _policy_documents(stack):
    """(where, document) of every inline and customer managed policy of the suffix's roles, and of every
    customer managed policy named for the suffix."""
    iam, roles = _roles(stack)
    assert roles, "no IAM role of suffix %s found" % stack.suffix
    documents = []
    managed = set()
    for role in roles:
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            documents.append(("role %s inline policy %s" % (role, name), _document(document)))
        for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            if attached["PolicyArn"].split(":")[4] != "aws":  # customer managed (AWS managed ones have account "aws")
                managed.add(attached["PolicyArn"])
    for policy in iam.get_paginator("list_policies").paginate(Scope="Local").build_full_result()["Policies"]:
        if policy["PolicyName"].startswith(_marker(stack)):
            managed.add(policy["Arn"])
    for arn in sorted(managed):
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        documents.append(("managed policy %s" % arn, _document(document)))
    return documents


@pytest.mark.present
@pytest.mark.concerns("lambda_alb")
def test_no_policy_of_the_stack_grants_wildcards(stack):
    problems = []
    for where, document in _policy_documents(stack):
        problems.extend(wildcard_problems(where, document))
    assert problems == []


def _buckets(stack):
    s3 = stack.client("s3", stack.primary["aws_region"])
    # the sites' bucket names: a bucket merely starting with the suffix's prefix is not the stack's
    ours = {stack.names(site["host"])["bucket"] for site in stack.sites}
    names = [b["Name"] for b in s3.list_buckets().get("Buckets", []) if b["Name"] in ours]
    assert len(names) >= len(stack.sites), "buckets of suffix %s: %s" % (stack.suffix, names)
    return names


def _bucket_region(stack, name):
    region = stack.client("s3", stack.primary["aws_region"]).get_bucket_location(Bucket=name).get("LocationConstraint")
    return region or "us-east-1"


@pytest.mark.present
@pytest.mark.concerns("kms_s3")
def test_every_bucket_of_the_suffix_is_tls_only_and_blocks_public_access(stack):
    for name in _buckets(stack):
        s3 = stack.client("s3", _bucket_region(stack, name))
        arn = "arn:aws:s3:::%s" % name
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(
            ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"], True
        ), name
        statements = _as_list(json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"])
        covered = set()
        for statement in statements:
            insecure = str(statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")).lower()
            if (
                statement["Effect"] == "Deny"
                and statement.get("Principal") in ("*", {"AWS": "*"})
                and set(_as_list(statement["Action"])) & {"s3:*", "*"}
                and insecure == "false"
            ):
                covered.update(_as_list(statement["Resource"]))
        assert {arn, arn + "/*"} <= covered, "%s does not deny every request without TLS" % name


def _our_keys(stack, region):
    """ARNs of the enabled customer managed keys of the suffix in the region (by tags), and key id -> ARN."""
    kms = stack.client("kms", region)
    arns = set()
    for page in kms.get_paginator("list_keys").paginate():
        for entry in page["Keys"]:
            tags = _tags(kms.list_resource_tags(KeyId=entry["KeyId"]).get("Tags"), "TagKey", "TagValue")
            if not _ours(stack, tags):
                continue
            key = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
            if key["KeyManager"] == "CUSTOMER" and key["KeyState"] == "Enabled":
                arns.add(key["Arn"])
    assert arns, "no customer managed key of suffix %s in %s" % (stack.suffix, region)
    return arns


def _key_arn(stack, region, key_id):
    """The ARN of a key given as ARN, id, alias name or alias ARN (None when there is no such key)."""
    if not key_id:
        return None
    return stack.client("kms", region).describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


@pytest.mark.present
@pytest.mark.concerns("kms_s3")
def test_every_bucket_is_encrypted_with_a_key_of_the_stack(stack):
    for name in _buckets(stack):
        region = _bucket_region(stack, name)
        s3 = stack.client("s3", region)
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0]["ApplyServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] == "aws:kms", name
        assert _key_arn(stack, region, default.get("KMSMasterKeyID")) in _our_keys(stack, region), name


@pytest.mark.present
@pytest.mark.concerns("rds")
def test_every_db_instance_and_secret_is_encrypted_with_a_key_of_the_stack(stack):
    for site in stack.sites:
        region = site["aws_region"]
        keys = _our_keys(stack, region)
        rds = stack.client("rds", region)
        instances = [
            db
            for db in rds.describe_db_instances()["DBInstances"]
            if db["DBInstanceIdentifier"].startswith(_marker(stack))
        ]
        assert instances, region
        for db in instances:
            assert db["StorageEncrypted"] is True, db["DBInstanceIdentifier"]
            assert db["KmsKeyId"] in keys, db["DBInstanceIdentifier"]
        sm = stack.client("secretsmanager", region)
        secrets = [
            s
            for s in sm.get_paginator("list_secrets").paginate().build_full_result()["SecretList"]
            if _ours(stack, _tags(s.get("Tags")))
        ]
        assert secrets, region
        for secret in secrets:
            assert _key_arn(stack, region, secret.get("KmsKeyId")) in keys, secret["Name"]


@pytest.mark.present
@pytest.mark.concerns("dynamodb_global")
def test_the_table_and_every_replica_are_encrypted_with_a_key_of_the_stack_in_their_region(stack):
    table = stack.names(stack.primary["host"])["table"]
    for region in stack.regions:
        described = stack.client("dynamodb", region).describe_table(TableName=table)["Table"]
        sse = described.get("SSEDescription") or {}
        assert (sse.get("Status"), sse.get("SSEType")) == ("ENABLED", "KMS"), (region, sse)
        assert sse["KMSMasterKeyArn"].split(":")[3] == region, (region, sse)
        assert sse["KMSMasterKeyArn"] in _our_keys(stack, region), (region, sse)


def _route_tables_of(ec2, subnet_id, vpc_id):
    explicit = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    if explicit["RouteTables"]:
        return explicit["RouteTables"]
    return ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]


@pytest.mark.present
@pytest.mark.concerns("vpc", "rds")
def test_the_db_is_private_isolated_and_reachable_only_from_the_application_group(stack):
    """Not publicly accessible; its subnets have no route out (no internet or NAT gateway); its security group
    admits only the DB port, only from the DB client security group (no CIDR)."""
    for site in stack.sites:
        names = stack.names(site["host"])
        region = site["aws_region"]
        ec2 = stack.client("ec2", region)
        db = stack.client("rds", region).describe_db_instances(DBInstanceIdentifier=names["db_instance"])[
            "DBInstances"
        ][0]
        assert db["PubliclyAccessible"] is False, names["db_instance"]
        for subnet in db["DBSubnetGroup"]["Subnets"]:
            for table in _route_tables_of(ec2, subnet["SubnetIdentifier"], db["DBSubnetGroup"]["VpcId"]):
                targets = [
                    route.get("GatewayId") or route.get("NatGatewayId") or route.get("TransitGatewayId")
                    for route in table["Routes"]
                ]
                assert all(target in (None, "local") for target in targets), (subnet["SubnetIdentifier"], targets)
        client_group = ec2.describe_security_groups(
            Filters=[
                {"Name": "group-name", "Values": [names["db_client_security_group"]]},
                {"Name": "vpc-id", "Values": [db["DBSubnetGroup"]["VpcId"]]},
            ]
        )["SecurityGroups"][0]
        group_ids = [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]]
        for group in ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]:
            for rule in group["IpPermissions"]:
                assert (rule["IpProtocol"], rule.get("FromPort"), rule.get("ToPort")) == ("tcp", 5432, 5432), rule
                assert not rule.get("IpRanges") and not rule.get("Ipv6Ranges") and not rule.get("PrefixListIds"), rule
                assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [client_group["GroupId"]], rule
            assert group["IpPermissions"], "the DB security group admits nothing at all"
