"""DescribeTags names NAT gateways `natgateway` and Elastic IPs `elastic-ip`, as AWS does.

LocalStack's EC2 is moto's (moto-ext 5.1.54), with moto's `nat-gateway` and `vpc-elastic-ip`: the project's
moto patch (tools/emulator/patches/ec2_tag_resource_types.py) applies unchanged.
"""

from tools.emulator.patches import ec2_tag_resource_types


def apply():
    ec2_tag_resource_types.apply()
