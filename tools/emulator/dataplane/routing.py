"""How an Application Load Balancer routes one HTTP request: rules, conditions and actions.

Pure functions (no moto, no sockets), so that each documented case is a unit test
(tests/unit/test_data_plane_routing.py). AWS behaviour, from the ELBv2 User Guide for Application Load
Balancers, "Listener rules for your Application Load Balancer" (listener-rules.html, "Rule conditions",
"Rule action types"):

- Rules are evaluated in priority order, from the lowest value to the highest; the default rule
  (the listener's default actions) is evaluated last.
- A rule matches when every one of its conditions matches (AND); a condition matches when any one of its
  values matches (OR).
- `host-header`: matched against the host name of the Host header (without its port), NOT case-sensitive;
  wildcards `*` (0 or more characters) and `?` (exactly 1 character).
- `path-pattern`: matched against the path of the URL only, not its query string; case-sensitive; wildcards
  `*` and `?`.
- `http-header`: the header name is not case-sensitive, the values are not case-sensitive, with `*` and `?`.
- `http-request-method`: case-sensitive, exact (no wildcards).
- `query-string`: key/value pairs, not case-sensitive, `*` and `?`; a pair without a key matches any key.
- `source-ip`: the client's address is in one of the CIDR blocks.
- Actions: `forward` (to one target group, or weighted target groups in ForwardConfig), `redirect`
  (RedirectConfig: Protocol, Port, Host, Path, Query, StatusCode HTTP_301/HTTP_302; the reserved keywords
  `#{protocol}`, `#{host}`, `#{port}`, `#{path}` and `#{query}` reuse the components of the original URL;
  `#{path}` is the original path without its leading "/", the default Path is "/#{path}"; the default of
  every other component is its own keyword) and `fixed-response` (status code, content type, body).

Conditions are read as moto stores them: a condition may carry its values in `Values` or in its
`HostHeaderConfig` / `PathPatternConfig` / ... (moto omits the latter from DescribeRules, FIELD-NOTES).
"""

import ipaddress
import random
import re
from functools import lru_cache
from urllib.parse import parse_qsl

_CONFIG_KEY = {
    "host-header": "HostHeaderConfig",
    "path-pattern": "PathPatternConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "source-ip": "SourceIpConfig",
}


class Request:
    """The parts of an HTTP request a load balancer routes by."""

    def __init__(self, method, path, query="", headers=None, body=b"", client_ip="127.0.0.1", listener_port=80,
                 protocol="HTTP"):
        self.method = method
        self.path = path or "/"
        self.query = query or ""
        # [(name, value)] in the order received; names as sent
        self.headers = list(headers or [])
        self.body = body or b""
        self.client_ip = client_ip
        self.listener_port = int(listener_port)
        self.protocol = protocol.upper()

    def header(self, name):
        """The last value of a header (names are not case-sensitive), or None."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found

    @property
    def host(self):
        """The host name of the Host header, without its port."""
        host = (self.header("host") or "").strip()
        if host.startswith("["):
            return host.split("]")[0] + "]"
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@lru_cache(maxsize=1024)
def _wildcard(pattern, case_sensitive):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(r"\A%s\Z" % regex, 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def wildcard_match(pattern, value, case_sensitive=True):
    """AWS's wildcard match: `*` is 0 or more characters, `?` exactly one."""
    return _wildcard(pattern, case_sensitive).match(value or "") is not None


def condition_values(condition):
    """The values of a condition, from its typed config or its plain Values."""
    field = condition.get("Field")
    config = condition.get(_CONFIG_KEY.get(field, ""), None) or {}
    return list(config.get("Values") or condition.get("Values") or [])


def condition_matches(condition, request):
    field = condition.get("Field")
    if field == "host-header":
        return any(wildcard_match(v, request.host, case_sensitive=False) for v in condition_values(condition))
    if field == "path-pattern":
        return any(wildcard_match(v, request.path, case_sensitive=True) for v in condition_values(condition))
    if field == "http-request-method":
        return request.method in condition_values(condition)
    if field == "source-ip":
        try:
            address = ipaddress.ip_address(request.client_ip)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(v, strict=False) for v in condition_values(condition))
    if field == "http-header":
        config = condition.get("HttpHeaderConfig") or {}
        name = config.get("HttpHeaderName", "")
        sent = [value for key, value in request.headers if key.lower() == name.lower()]
        return any(wildcard_match(v, s, case_sensitive=False) for v in config.get("Values", []) for s in sent)
    if field == "query-string":
        pairs = parse_qsl(request.query, keep_blank_values=True)
        for wanted in (condition.get("QueryStringConfig") or {}).get("Values", []):
            for key, value in pairs:
                key_ok = "Key" not in wanted or wildcard_match(wanted["Key"], key, case_sensitive=False)
                if key_ok and wildcard_match(wanted.get("Value", ""), value, case_sensitive=False):
                    return True
        return False
    return False  # a condition this data plane does not know never matches


def rule_matches(conditions, request):
    return all(condition_matches(condition, request) for condition in conditions)


def select_rule(rules, request):
    """The first matching rule by priority, the default rule last.

    rules: [(priority, conditions, actions)], priority an int or "default". Returns (priority, actions).
    """
    ordered = sorted(rules, key=lambda r: (r[0] == "default", 0 if r[0] == "default" else int(r[0])))
    for priority, conditions, actions in ordered:
        if priority == "default" or rule_matches(conditions, request):
            return priority, actions
    return None, []


def redirect_location(config, request):
    """(status, Location) of a redirect action, with the reserved keywords of the original URL substituted."""
    original = {
        "protocol": request.protocol,
        "host": request.host,
        "port": str(request.listener_port),
        "path": request.path[1:] if request.path.startswith("/") else request.path,
        "query": request.query,
    }

    def substitute(value):
        return re.sub(r"#\{(protocol|host|port|path|query)\}", lambda m: original[m.group(1)], value)

    protocol = substitute(config.get("Protocol") or "#{protocol}")
    host = substitute(config.get("Host") or "#{host}")
    port = substitute(config.get("Port") or "#{port}")
    path = substitute(config.get("Path") or "/#{path}")
    query = substitute(config.get("Query") if config.get("Query") is not None else "#{query}")
    location = "%s://%s:%s%s" % (protocol.lower(), host, port, path if path.startswith("/") else "/" + path)
    if query:
        location += "?" + query
    status = 301 if config.get("StatusCode") == "HTTP_301" else 302
    return status, location


def forward_target_group(action, rand=random.random):
    """The target group ARN a forward action sends this request to (weighted, for ForwardConfig)."""
    if action.get("TargetGroupArn"):
        return action["TargetGroupArn"]
    groups = [g for g in (action.get("ForwardConfig") or {}).get("TargetGroups", []) if int(g.get("Weight", 1)) > 0]
    if not groups:
        return None
    total = sum(int(g.get("Weight", 1)) for g in groups)
    point = rand() * total
    for group in groups:
        point -= int(group.get("Weight", 1))
        if point < 0:
            return group["TargetGroupArn"]
    return groups[-1]["TargetGroupArn"]
