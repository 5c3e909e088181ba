"""preflight's message for a failed STS GetCallerIdentity: endpoint and region named, network told from credentials.

Messages are botocore's (botocore.exceptions) as amazon.aws.aws_caller_info wraps them.
"""

from ansible_collections.tap.infra.plugins.filter.account import FilterModule, caller_problem, lambda_runtime_problem


def test_a_successful_call_is_no_problem():
    assert caller_problem({"account": "123456789012"}, "us-east-1") == ""


def test_no_route_on_aws_names_the_regional_sts_endpoint():
    said = 'Failed to retrieve caller identity: Could not connect to the endpoint URL: "https://sts.eu-west-1.amazonaws.com/"'
    message = caller_problem({"msg": said}, "eu-west-1")
    assert message.startswith(
        "AWS endpoint https://sts.eu-west-1.amazonaws.com for region eu-west-1 cannot be reached: "
    )
    assert "check the network route, DNS and proxy" in message


def test_a_worker_lost_under_mitogen_is_an_unreachable_endpoint_not_bad_credentials():
    message = caller_problem({"unreachable": True, "msg": "EOF on stream; last 100 lines received: ..."}, "us-west-2")
    assert message.startswith("AWS endpoint https://sts.us-west-2.amazonaws.com for region us-west-2 cannot be reached")


def test_the_loopback_emulator_says_to_start_it():
    said = 'Could not connect to the endpoint URL: "http://127.0.0.1:4566/"'
    message = caller_problem({"msg": said}, "us-east-1", "http://127.0.0.1:4566")
    assert message.startswith(
        "AWS endpoint http://127.0.0.1:4566 for region us-east-1 cannot be reached: start the emulator"
    )


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


def test_no_answer_at_all_is_a_credentials_message_naming_aws():
    message = caller_problem(None, "us-east-1")
    assert message == (
        "AWS credentials for us-east-1 are missing or invalid: valid credentials are required (environment, profile "
        "or AWX credential); STS at AWS said: no answer"
    )


def test_localhost_is_the_emulator_too():
    said = 'Connect timeout on endpoint URL: "http://localhost:4566/"'
    message = caller_problem({"msg": said}, "us-east-1", "http://localhost:4566")
    assert message.startswith(
        "AWS endpoint http://localhost:4566 for region us-east-1 cannot be reached: start the emulator"
    )


def test_an_endpoint_named_by_host_is_not_the_emulator():
    said = 'Could not connect to the endpoint URL: "https://sts.internal.example/"'
    message = caller_problem({"msg": said}, "us-east-1", "https://sts.internal.example")
    assert message.startswith(
        "AWS endpoint https://sts.internal.example for region us-east-1 cannot be reached: check the"
    )


def test_a_proxy_that_cannot_be_reached_is_named_with_the_variables_that_set_it():
    said = 'Failed to connect to proxy URL: "http://proxy.corp.example:3128"'
    message = caller_problem({"msg": said}, "eu-west-1")
    assert message.startswith(
        "AWS endpoint https://sts.eu-west-1.amazonaws.com for region eu-west-1 cannot be reached through the proxy "
        "http://proxy.corp.example:3128 (HTTPS_PROXY/HTTP_PROXY; NO_PROXY lists the hosts that bypass it): check the "
        "network route"
    )


def test_a_failed_tls_validation_names_the_endpoint_from_botocore_s_message():
    said = (
        "SSL validation failed for https://sts.eu-central-1.amazonaws.com/ [SSL: CERTIFICATE_VERIFY_FAILED] "
        "certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1000)"
    )
    message = caller_problem({"msg": said}, "eu-central-1")
    assert message.startswith("AWS endpoint https://sts.eu-central-1.amazonaws.com for region eu-central-1 cannot be ")
    assert message.endswith("(%s)" % said)


def test_a_runtime_still_supported_is_no_problem():
    assert lambda_runtime_problem("python3.13", "2026-12-06") == ""


def test_a_deprecated_runtime_names_its_date_and_the_runtimes_still_supported():
    assert lambda_runtime_problem("python3.11", "2026-12-06") == (
        "lambda_alb_runtime python3.11 was deprecated by AWS Lambda on 2026-06-30 (no more patches; new functions "
        "refused soon after): choose one of nodejs22.x, nodejs24.x, python3.12, python3.13, python3.14"
    )
    # Deprecated on the day itself.
    assert lambda_runtime_problem("python3.12", "2028-10-31").startswith(
        "lambda_alb_runtime python3.12 was deprecated by AWS Lambda on 2028-10-31"
    )


def test_a_runtime_not_in_the_table_says_so():
    assert lambda_runtime_problem("python3.15", "2026-12-06") == (
        "lambda_alb_runtime python3.15 is not in the project's table of Lambda runtimes (AWS's page \"Lambda "
        'runtimes", 2026-12): choose one of nodejs22.x, nodejs24.x, python3.12, python3.13, python3.14, or add it to '
        "the table once AWS lists it"
    )


def test_the_filters_ansible_sees():
    assert FilterModule().filters() == {
        "caller_problem": caller_problem,
        "lambda_runtime_problem": lambda_runtime_problem,
    }
