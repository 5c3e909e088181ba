# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What preflight learns about the account: the endpoint and credentials (STS GetCallerIdentity), the Lambda runtime."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: caller_problem
short_description: The one message for a failed STS GetCallerIdentity of a region site
description:
  - Tells an endpoint that cannot be reached (no route, DNS, proxy, TLS, timeout; botocore's connection errors,
    or a worker lost under the accelerated strategy) from credentials that are missing or refused, and names the
    endpoint and the region in either case. An empty string when the call succeeded.
options:
  _input:
    description: The registered result of M(amazon.aws.aws_caller_info) (with C(failed_when) false).
    type: dict
    required: true
  region:
    description: The site's region.
    type: str
    required: true
  endpoint_url:
    description: The endpoint the modules use (C(tap_aws_endpoint_url)); empty for AWS's own.
    type: str
author:
  - tap-infra maintainers (@tap-infra)
"""

EXAMPLES = r"""
- name: Stop on an unreachable endpoint or invalid credentials
  ansible.builtin.fail:
    msg: "{{ caller | tap.infra.caller_problem(aws_region, tap_aws_endpoint_url | default('')) }}"
  when: caller.account is not defined
"""

RETURN = r"""
_value:
  description: The message, or an empty string.
  type: str
"""

# The companion filter lambda_runtime_problem: Lambda has no API listing its runtimes, so the runtimes and their
# deprecation dates come from AWS's documentation page "Lambda runtimes"
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), as read in December 2026. After the
# deprecation date AWS stops patching a runtime and, some weeks later, refuses new functions with it.
LAMBDA_RUNTIMES_AS_OF = "2026-12"
LAMBDA_RUNTIME_DEPRECATION = {
    "python3.14": "2029-06-30",
    "python3.13": "2029-06-30",
    "python3.12": "2028-10-31",
    "python3.11": "2026-06-30",
    "python3.10": "2026-06-30",
    "python3.9": "2025-12-15",
    "python3.8": "2024-10-14",
    "nodejs24.x": "2028-04-30",
    "nodejs22.x": "2027-04-30",
    "nodejs20.x": "2026-04-30",
    "nodejs18.x": "2025-09-01",
}

import ipaddress
import re
from urllib.parse import urlsplit

# botocore.exceptions: EndpointConnectionError (no route, DNS, refused), ConnectTimeoutError, ReadTimeoutError,
# ConnectionClosedError, ProxyConnectionError, SSLError; how each words its message.
UNREACHABLE = re.compile(
    r"Could not connect to the endpoint URL|Connect timeout on endpoint URL|Read timeout on endpoint URL"
    r"|Connection was closed before we received a valid response|Failed to connect to proxy URL"
    r"|SSL validation failed|Name or service not known|Temporary failure in name resolution"
    r"|Module result deserialization failed|EOF on stream"
)
URL_IN_MESSAGE = re.compile(r'(?:endpoint URL|proxy URL): "([^"]+)"|SSL validation failed for (\S+)')


def _is_loopback(url):
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def caller_problem(result, region, endpoint_url=None):
    result = result or {}
    if result.get("account"):
        return ""
    said = str(result.get("msg") or "").strip() or "no answer"
    if result.get("unreachable") or UNREACHABLE.search(said):
        endpoint = endpoint_url or "https://sts.%s.amazonaws.com" % region
        match = URL_IN_MESSAGE.search(said)
        through = ""
        if "proxy URL" in said and match:
            through = " through the proxy %s (HTTPS_PROXY/HTTP_PROXY; NO_PROXY lists the hosts that bypass it)" % (
                match.group(1)
            )
        elif match and not endpoint_url:
            endpoint = (match.group(1) or match.group(2)).rstrip("/")
        if _is_loopback(endpoint_url):
            fix = "start the emulator (`python -m tools.emulator start` or `make demo`) or fix tap_aws_endpoint_url"
        else:
            fix = "check the network route, DNS and proxy settings from this controller, or fix tap_aws_endpoint_url"
        return "AWS endpoint %s for region %s cannot be reached%s: %s (%s)" % (endpoint, region, through, fix, said)
    opt_in = ""
    if not endpoint_url and re.search(r"InvalidClientTokenId|UnrecognizedClientException|AuthFailure", said):
        opt_in = " (or region %s is an opt-in region not enabled for the account: enable it first)" % region
    return (
        "AWS credentials for %s are missing or invalid%s: valid credentials are required (environment, profile or AWX "
        "credential); STS at %s said: %s" % (region, opt_in, endpoint_url or "AWS", said)
    )


def lambda_runtime_problem(runtime, today):
    """A message when the runtime is deprecated on `today` (YYYY-MM-DD) or unknown to the table; else empty."""
    deprecated = LAMBDA_RUNTIME_DEPRECATION.get(runtime)
    supported = sorted(name for name, date in LAMBDA_RUNTIME_DEPRECATION.items() if date > str(today))
    if deprecated is None:
        return (
            "lambda_alb_runtime %s is not in the project's table of Lambda runtimes (AWS's page \"Lambda runtimes\", "
            "%s): choose one of %s, or add it to the table once AWS lists it" % (runtime, LAMBDA_RUNTIMES_AS_OF, ", ".join(supported))
        )
    if deprecated <= str(today):
        return (
            "lambda_alb_runtime %s was deprecated by AWS Lambda on %s (no more patches; new functions refused soon "
            "after): choose one of %s" % (runtime, deprecated, ", ".join(supported))
        )
    return ""


class FilterModule(object):
    def filters(self):
        return {"caller_problem": caller_problem, "lambda_runtime_problem": lambda_runtime_problem}
