"""DescribeNatGateways honours the tag filters (`tag:<key>`, `tag-key`, `tag-value`).

AWS filters NAT gateways by tag like every other EC2 resource. moto 5.2.5 applies only the
nat-gateway-id, vpc-id, subnet-id and state filters and silently ignores the tag filters, so a
lookup by tags returns every NAT gateway of the region, other stacks' included.
"""

from moto.ec2.models.nat_gateways import NatGatewayBackend
from moto.ec2.utils import tag_filter_matches

TAG_FILTERS = ("tag-key", "tag-value")


def _is_tag_filter(name):
    return name.startswith("tag:") or name in TAG_FILTERS


def apply():
    original = NatGatewayBackend.describe_nat_gateways
    if getattr(original, "tap_patched", False):
        return

    def describe_nat_gateways(self, filters, nat_gateway_ids):
        found = original(self, filters, nat_gateway_ids)
        for name, values in (filters or {}).items():
            if _is_tag_filter(name):
                found = [nat for nat in found if tag_filter_matches(nat, name, values)]
        return found

    describe_nat_gateways.tap_patched = True
    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways
