"""The emulator's data plane: every load balancer listener answers HTTP on loopback, as an ALB does.

moto implements the ELBv2 and Lambda control planes only: a load balancer has a DNS name that resolves
nowhere, and nothing routes a request or runs a function. With the data plane (started by the emulator's
server, tools/emulator/server.py):

- every listener of every load balancer created in the emulator answers HTTP on a loopback port of its own
  (assigned by the system when the listener is created, released when it is deleted); the port stands in for
  the listener's port (80) on the load balancer's DNS name;
- `GET /moto-api/tap/data-plane` on the emulator lists them: for each load balancer its ARN, region, DNS
  name and, per listener, its port and the loopback URL that reaches it (`url`);
- a request is routed by the listener's rules as ELBv2 does (routing.py, from moto's backend objects, which
  keep the HostHeaderConfig/PathPatternConfig that DescribeRules omits), and a `forward` to a Lambda target
  group invokes the function's code as Lambda does (runtime.py), after checking that the function's resource
  policy lets `elasticloadbalancing.amazonaws.com` invoke it from that target group (lambda_target.py).

AWS references: ELBv2 User Guide for Application Load Balancers, "Listener rules for your Application Load
Balancer", "Use Lambda functions as targets of an Application Load Balancer", "Troubleshoot your Application
Load Balancers"; Lambda Developer Guide, "Process Application Load Balancer requests with Lambda".

Not emulated: HTTPS listeners (answered as HTTP), authentication actions (authenticate-oidc/-cognito: 500),
instance/IP targets (503: no target the emulator can reach), health checks, stickiness, access logs.
"""

import json
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tools.emulator.dataplane import lambda_target, routing
from tools.emulator.dataplane.runtime import Function, InvokeError, Runtime

ELB_PRINCIPAL = "elasticloadbalancing.amazonaws.com"


def _arn_parts(arn):
    """(region, account id) of an ARN."""
    parts = arn.split(":")
    return parts[3], parts[4]


def _elbv2_backend(arn):
    from moto.elbv2.models import elbv2_backends

    region, account = _arn_parts(arn)
    return elbv2_backends[account][region]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def version_string(self):
        return "awselb/2.0"

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        pass

    def _serve(self):
        started = time.perf_counter()
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = routing.Request(
            self.command,
            split.path or "/",
            split.query,
            list(self.headers.items()),
            body,
            client_ip=self.client_address[0],
            listener_port=self.server.listener_port,
        )
        try:
            status, headers, payload = self.server.data_plane.handle(self.server.listener_arn, request)
        except Exception:  # noqa: BLE001 - the load balancer answers, whatever broke inside the emulator
            traceback.print_exc()
            status, headers, payload = lambda_target.error_response(500, "EmulatorError")
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Tap-Data-Plane-Ms", "%.1f" % ((time.perf_counter() - started) * 1000))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


class _ListenerServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host, data_plane, listener_arn, load_balancer_arn, listener_port):
        super().__init__((host, 0), _Handler)
        self.data_plane = data_plane
        self.listener_arn = listener_arn
        self.load_balancer_arn = load_balancer_arn
        self.listener_port = int(listener_port or 80)


def invoke_allowed(statements, function_arn, target_group_arn, account_id):
    """Whether a Lambda resource policy lets the load balancer invoke the function from this target group.

    AWS ("Use Lambda functions as targets", Permissions to invoke the Lambda function): the function's
    policy must allow `lambda:InvokeFunction` to the principal `elasticloadbalancing.amazonaws.com`; a
    SourceArn condition restricts it to one target group. An explicit Deny wins. Conditions other than
    SourceArn and SourceAccount are not evaluated here and make a statement not apply.
    """

    def principal_ok(principal):
        if principal == "*":
            return True
        services = (principal or {}).get("Service") if isinstance(principal, dict) else None
        services = services if isinstance(services, list) else [services]
        return ELB_PRINCIPAL in services or "*" in services

    def action_ok(action):
        actions = action if isinstance(action, list) else [action]
        return any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions)

    def resource_ok(resource):
        resources = resource if isinstance(resource, list) else [resource]
        return any(r in ("*", function_arn, function_arn + ":$LATEST") or routing.wildcard_match(r, function_arn)
                   for r in resources)

    def conditions_ok(condition):
        for operator, tests in (condition or {}).items():
            for key, wanted in tests.items():
                values = wanted if isinstance(wanted, list) else [wanted]
                if key.lower() == "aws:sourcearn":
                    seen = target_group_arn
                elif key.lower() == "aws:sourceaccount":
                    seen = account_id
                else:
                    return False
                if operator in ("ArnLike", "StringLike"):
                    ok = any(routing.wildcard_match(v, seen) for v in values)
                elif operator in ("ArnEquals", "StringEquals"):
                    ok = seen in values
                else:
                    return False
                if not ok:
                    return False
        return True

    def applies(statement):
        return (principal_ok(statement.get("Principal")) and action_ok(statement.get("Action"))
                and resource_ok(statement.get("Resource", "*")) and conditions_ok(statement.get("Condition")))

    if any(s.get("Effect") == "Deny" and applies(s) for s in statements):
        return False
    return any(s.get("Effect", "Allow") == "Allow" and applies(s) for s in statements)


class DataPlane:
    def __init__(self):
        self.lock = threading.Lock()
        self.servers = {}  # listener ARN -> _ListenerServer
        self.enabled = False
        self.host = "127.0.0.1"
        self.runtime = None

    def enable(self, endpoint_url, host="127.0.0.1"):
        """Serve every listener created from now on; functions call AWS at endpoint_url (the emulator)."""
        self.host = host
        self.runtime = Runtime(endpoint_url)
        self.enabled = True

    # ---- listeners -------------------------------------------------------------------------------------------

    def listener_created(self, listener):
        if not self.enabled:
            return
        server = _ListenerServer(self.host, self, listener.arn, listener.load_balancer_arn, listener.port)
        with self.lock:
            old = self.servers.pop(listener.arn, None)
            self.servers[listener.arn] = server
        if old:
            self._close(old)
        threading.Thread(target=server.serve_forever, name="alb-" + listener.arn[-16:], daemon=True).start()

    def listener_deleted(self, listener_arn):
        with self.lock:
            server = self.servers.pop(listener_arn, None)
        if server:
            self._close(server)

    @staticmethod
    def _close(server):
        threading.Thread(target=lambda: (server.shutdown(), server.server_close()), daemon=True).start()

    def _listener(self, listener_arn, load_balancer_arn):
        """(load balancer, listener) from moto's backend, or (None, None) once either is gone."""
        try:
            balancer = _elbv2_backend(load_balancer_arn).load_balancers.get(load_balancer_arn)
        except Exception:  # noqa: BLE001 - a reset backend, an account or region that no longer exists
            return None, None
        listener = balancer.listeners.get(listener_arn) if balancer else None
        return (balancer, listener) if listener else (None, None)

    def describe(self):
        """Every load balancer the data plane serves, with the loopback URL of each listener."""
        with self.lock:
            servers = list(self.servers.items())
        found = {}
        for listener_arn, server in servers:
            balancer, listener = self._listener(listener_arn, server.load_balancer_arn)
            if listener is None:
                self.listener_deleted(listener_arn)
                continue
            region, account = _arn_parts(balancer.arn)
            entry = found.setdefault(balancer.arn, {
                "LoadBalancerArn": balancer.arn,
                "LoadBalancerName": balancer.name,
                "DNSName": balancer.dns_name,
                "Region": region,
                "AccountId": account,
                "Listeners": [],
            })
            host, port = server.server_address[:2]
            entry["Listeners"].append({
                "ListenerArn": listener_arn,
                "Port": int(listener.port),
                "Protocol": listener.protocol,
                "Url": "http://%s:%d" % (host, port),
            })
        return {"LoadBalancers": sorted(found.values(), key=lambda b: b["LoadBalancerArn"])}

    # ---- requests --------------------------------------------------------------------------------------------

    def handle(self, listener_arn, request):
        """(status, [(header, value)], body) of the load balancer's answer to request."""
        server = self.servers.get(listener_arn)
        balancer, listener = self._listener(listener_arn, server.load_balancer_arn if server else "")
        if listener is None:
            self.listener_deleted(listener_arn)
            return lambda_target.error_response(503, "ListenerNotFound")
        if (request.header("upgrade") or "").lower() == "websocket":
            return lambda_target.error_response(400, "WebSocketsNotSupportedByLambda")
        rules = [(rule.priority, rule.conditions or [], [a.data for a in rule.actions])
                 for rule in listener.rules.values()]
        _, actions = routing.select_rule(rules, request)
        # An action list ends with its one terminal action (authenticate-* actions come before it).
        for action in actions:
            kind = action.get("Type")
            if kind == "redirect":
                status, location = routing.redirect_location(action.get("RedirectConfig") or {}, request)
                return status, [("Location", location), ("Content-Type", "text/html")], b""
            if kind == "fixed-response":
                config = action.get("FixedResponseConfig") or {}
                headers = [("Content-Type", config.get("ContentType") or "text/plain")]
                return int(config.get("StatusCode", 200)), headers, (config.get("MessageBody") or "").encode()
            if kind == "forward":
                return self._forward(balancer, routing.forward_target_group(action), request)
        return lambda_target.error_response(500, "UnsupportedAction")

    def _forward(self, balancer, target_group_arn, request):
        backend = _elbv2_backend(balancer.arn)
        group = backend.target_groups.get(target_group_arn)
        if group is None or not group.targets:
            return lambda_target.error_response(503, "NoRegisteredTargets")
        if group.target_type != "lambda":
            return lambda_target.error_response(503, "TargetNotReachableFromEmulator")
        function_arn = next(iter(group.targets))
        multi_value = str(group.attributes.get("lambda.multi_value_headers.enabled", "false")).lower() == "true"
        try:
            function = self._function(function_arn)
            if function is None:
                raise lambda_target.TargetError(502, "LambdaResourceNotFound", function_arn)
            statements, region_account = function[1], _arn_parts(function_arn)
            if not invoke_allowed(statements, function[0].arn, target_group_arn, region_account[1]):
                raise lambda_target.TargetError(502, "LambdaAccessDenied",
                                                "no permission for %s to invoke %s from %s"
                                                % (ELB_PRINCIPAL, function_arn, target_group_arn))
            event = lambda_target.build_event(request, target_group_arn, multi_value)
            try:
                result = self.runtime.invoke(function[0], event)
            except InvokeError as exc:
                print("data plane: %s: %s" % (function_arn, exc.message), flush=True)
                reason = {"Timeout": "LambdaTimeout", "Unhandled": "LambdaUnhandled"}.get(exc.kind, "LambdaUnhandled")
                raise lambda_target.TargetError(502, reason, exc.message)
            return lambda_target.parse_response(json.dumps(result), multi_value)
        except lambda_target.TargetError as exc:
            return lambda_target.error_response(exc.status, exc.reason)

    @staticmethod
    def _function(function_arn):
        """(Function, policy statements) of a target's function ARN, or None when it does not exist.

        The emulator runs Lambda without Docker (launcher.configure), where moto keeps functions in its
        "simple" Lambda backend; an in-process moto keeps them in the regular one.
        """
        from moto.awslambda.models import lambda_backends
        from moto.awslambda_simple.models import lambda_simple_backends

        region, account = _arn_parts(function_arn)
        for backends in (lambda_simple_backends, lambda_backends):
            try:
                fn = backends[account][region].get_function(function_arn)
            except Exception:  # noqa: BLE001 - moto raises its UnknownFunctionException
                continue
            if fn is not None:
                return Function.from_moto(fn), list(fn.policy.statements)
        return None


DATA_PLANE = DataPlane()
