"""Which concerns of the stack a LocalStack serves, and why it cannot serve the others.

A concern is served when LocalStack offers every service it calls, answers a read of each (a paid-plan
service answers 501), and runs it without what localstack-core lacks (Docker, downloads at run time),
and when every concern it needs (the facts it reads, CONTRIBUTING.md) is served too.
"""

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Concerns in the order of group_vars/all/main.yml's tap_concerns.
SERVICES = {
    "vpc": ["ec2"],
    "rds": ["rds", "secretsmanager", "kms", "ec2"],
    "dynamodb_global": ["dynamodb", "kms"],
    "kms_s3": ["kms", "s3"],
    "lambda_alb": ["lambda", "elbv2", "iam", "logs", "ec2"],
    "cloudwatch": ["cloudwatch", "sns"],
}
NEEDS = {
    "rds": ["vpc"],
    "lambda_alb": ["vpc", "kms_s3", "dynamodb_global"],
}
# What localstack-core cannot do on a machine without Docker and without downloads.
CORE_LIMITS = {
    "dynamodb_global": "localstack-core downloads DynamoDB Local and a Java runtime at run time (offline here)",
    "lambda_alb": "localstack-core runs no Lambda function without Docker (the load balancer's target)",
}
# Services LocalStack sells in its paid plans only (answering 501 in the others, or not listed at all).
PAID = {"rds", "elbv2"}
# One cheap read per service whose answer tells whether the plan includes it.
PROBES = {
    "rds": ("describe_db_instances", {}),
    "elbv2": ("describe_load_balancers", {}),
}


def probe(endpoint, service):
    """None when the service answers a read, else the reason it cannot serve."""
    operation, arguments = PROBES[service]
    client = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )
    try:
        getattr(client, operation)(**arguments)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = exc.response.get("Error", {}).get("Message", "")
        if status == 501:
            return "%s is not in this LocalStack's plan (501: %s)" % (service, message.strip() or "not implemented")
        return "%s answers %s" % (service, exc)
    except BotoCoreError as exc:
        return "%s does not answer: %s" % (service, exc)
    return None


def served_concerns(endpoint, mode, health, probe=probe):
    """(served concerns in stack order, {skipped concern: reason})."""
    offered = set((health or {}).get("services", {}))
    probed = {}
    served, skipped = [], {}
    for concern, services in SERVICES.items():
        missing = [service for service in services if service not in offered]
        if missing:
            paid = [service for service in missing if service in PAID]
            skipped[concern] = (
                "%s: paid-plan LocalStack service, not in this one" % ", ".join(paid)
                if paid
                else "this LocalStack offers no %s" % ", ".join(missing)
            )
            continue
        reasons = [CORE_LIMITS[concern]] if mode == "core" and concern in CORE_LIMITS else []
        for service in services:
            if service in PROBES:
                if service not in probed:
                    probed[service] = probe(endpoint, service)
                if probed[service]:
                    reasons.append(probed[service])
        unserved = [need for need in NEEDS.get(concern, []) if need not in served]
        if unserved:
            reasons.append("needs %s, not served" % ", ".join(unserved))
        if reasons:
            skipped[concern] = "; ".join(reasons)
        else:
            served.append(concern)
    return served, skipped
