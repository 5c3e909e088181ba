"""Realistic mode: the account's default VPC quotas per region.

AWS (Amazon VPC User Guide, "Amazon VPC quotas": VPCs per Region 5, the default VPC included; Elastic IP
addresses per Region 5; EC2 API Reference, Error codes): CreateVpc answers VpcLimitExceeded, HTTP 400,
"The maximum number of VPCs has been reached."; AllocateAddress answers AddressLimitExceeded, HTTP 400,
"The maximum number of addresses has been reached.". moto has no limit. Settings vpcs_per_region and
eips_per_region (tools/emulator/realism.py).
"""

from tools.emulator import realism


def apply():
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models import EC2Backend

    def create_vpc(original):
        def wrapper(self, *args, **kwargs):
            if (
                realism.enabled()
                and not kwargs.get("is_default")
                and len(self.vpcs) >= realism.setting("vpcs_per_region")
            ):
                raise EC2ClientError("VpcLimitExceeded", "The maximum number of VPCs has been reached.")
            return original(self, *args, **kwargs)

        return wrapper

    def allocate_address(original):
        def wrapper(self, *args, **kwargs):
            if realism.enabled() and len(self.addresses) >= realism.setting("eips_per_region"):
                raise EC2ClientError("AddressLimitExceeded", "The maximum number of addresses has been reached.")
            return original(self, *args, **kwargs)

        return wrapper

    realism.wrap(EC2Backend, "create_vpc", __name__, create_vpc)
    realism.wrap(EC2Backend, "allocate_address", __name__, allocate_address)
