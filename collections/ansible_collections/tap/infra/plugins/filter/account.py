# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What preflight's first call (STS GetCallerIdentity) says about the endpoint and the credentials."""

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
    return (
        "AWS credentials for %s are missing or invalid: valid credentials are required (environment, profile or AWX "
        "credential); STS at %s said: %s" % (region, endpoint_url or "AWS", said)
    )


class FilterModule(object):
    def filters(self):
        return {"caller_problem": caller_problem}
