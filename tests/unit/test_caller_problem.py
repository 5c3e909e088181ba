"""preflight's message for a failed STS GetCallerIdentity: endpoint and region named, network told from credentials.

Messages are botocore's (botocore.exceptions) as amazon.aws.aws_caller_info wraps them.
"""

from ansible_collections.tap.infra.plugins.filter.account import caller_problem


def test_a_successful_call_is_no_problem():
    assert caller_problem({"account": "123456789012"}, "us-east-1") == ""


def test_no_route_on_aws_names_the_regional_sts_endpoint():
    said = 'Failed to retrieve caller identity: Could not connect to the endpoint URL: "https://sts.eu-west-1.amazonaws.com/"'
    message = caller_problem({"msg": said}, "eu-west-1")
    assert message.startswith("AWS endpoint https://sts.eu-west-1.amazonaws.com for region eu-west-1 cannot be reached: ")
    assert "check the network route, DNS and proxy" in message


def test_a_worker_lost_under_mitogen_is_an_unreachable_endpoint_not_bad_credentials():
    message = caller_problem({"unreachable": True, "msg": "EOF on stream; last 100 lines received: ..."}, "us-west-2")
    assert message.startswith("AWS endpoint https://sts.us-west-2.amazonaws.com for region us-west-2 cannot be reached")


def test_the_loopback_emulator_says_to_start_it():
    said = 'Could not connect to the endpoint URL: "http://127.0.0.1:4566/"'
    message = caller_problem({"msg": said}, "us-east-1", "http://127.0.0.1:4566")
    assert message.startswith("AWS endpoint http://127.0.0.1:4566 for region us-east-1 cannot be reached: start the emulator")


def test_refused_credentials_are_credentials():
    said = "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation"
    message = caller_problem({"msg": said}, "us-east-1")
    assert message.startswith(
        "AWS credentials for us-east-1 are missing or invalid (or region us-east-1 is an opt-in region not enabled "
        "for the account: enable it first): "
    )
    assert said in message
    emulator = caller_problem({"msg": said}, "us-east-1", "http://127.0.0.1:4566")
    assert emulator.startswith("AWS credentials for us-east-1 are missing or invalid: ")
