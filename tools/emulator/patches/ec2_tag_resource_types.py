"""EC2 tags carry AWS's resource type names (`natgateway`, `elastic-ip`).

AWS reports the tags of NAT gateways and Elastic IPs (DescribeTags) with ResourceType
`natgateway` and `elastic-ip`, and filters on those values. moto 5.2.5 reports `nat-gateway` and
`vpc-elastic-ip`, so tools that read tags by resource type (the stock `ec2_vpc_nat_gateway` and
`ec2_eip` among them) never see the tags and re-apply them on every run.
"""

from moto.ec2 import utils

AWS_RESOURCE_TYPES = {
    "nat": "natgateway",
    "eipalloc": "elastic-ip",
}


def apply():
    utils.EC2_PREFIX_TO_RESOURCE.update(AWS_RESOURCE_TYPES)
