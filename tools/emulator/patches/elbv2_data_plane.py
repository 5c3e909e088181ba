"""Load balancers answer HTTP: each ELBv2 listener gets the emulator data plane's loopback server.

AWS behaviour: a load balancer's listener accepts connections on its port and routes every request by its
rules ("Listener rules for your Application Load Balancer"); a Lambda target group invokes its function
("Use Lambda functions as targets of an Application Load Balancer"). moto 5.2.6 has the control plane only.

This patch tells the data plane (tools/emulator/dataplane) when a listener is created or deleted (also with
its load balancer), and adds `GET /moto-api/tap/data-plane` to the emulator: the loopback URL of every
listener, beside the load balancer's DNS name. It does nothing until the data plane is enabled
(`DATA_PLANE.enable(endpoint_url)`, done by tools/emulator/server.py), so in-process moto tests are unchanged.
"""

import functools
import json

from moto.elbv2.models import ELBv2Backend

from tools.emulator.dataplane import DATA_PLANE

_PATCHED = "_tap_data_plane"
DATA_PLANE_PATH = "/moto-api/tap/data-plane"


def _create_listener(original):
    @functools.wraps(original)
    def create_listener(self, *args, **kwargs):
        listener = original(self, *args, **kwargs)
        DATA_PLANE.listener_created(listener)
        return listener

    setattr(create_listener, _PATCHED, True)
    return create_listener


def _delete_listener(original):
    @functools.wraps(original)
    def delete_listener(self, listener_arn):
        listener = original(self, listener_arn)
        DATA_PLANE.listener_deleted(listener_arn)
        return listener

    setattr(delete_listener, _PATCHED, True)
    return delete_listener


def _delete_load_balancer(original):
    @functools.wraps(original)
    def delete_load_balancer(self, arn):
        balancer = self.load_balancers.get(arn)
        listeners = list(balancer.listeners) if balancer else []
        result = original(self, arn)
        for listener_arn in listeners:
            DATA_PLANE.listener_deleted(listener_arn)
        return result

    setattr(delete_load_balancer, _PATCHED, True)
    return delete_load_balancer


def describe_data_plane(request, full_url, headers):
    """GET /moto-api/tap/data-plane: {"Enabled", "LoadBalancers": [{..., "Listeners": [{"Port", "Url"}]}]}."""
    body = dict(DATA_PLANE.describe(), Enabled=DATA_PLANE.enabled)
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def apply():
    if not getattr(ELBv2Backend.create_listener, _PATCHED, False):
        ELBv2Backend.create_listener = _create_listener(ELBv2Backend.create_listener)
    if not getattr(ELBv2Backend.delete_listener, _PATCHED, False):
        ELBv2Backend.delete_listener = _delete_listener(ELBv2Backend.delete_listener)
    if not getattr(ELBv2Backend.delete_load_balancer, _PATCHED, False):
        ELBv2Backend.delete_load_balancer = _delete_load_balancer(ELBv2Backend.delete_load_balancer)
    from moto.moto_api._internal import urls

    urls.url_paths.setdefault("{0}" + DATA_PLANE_PATH + "$", describe_data_plane)
