"""DeleteVpc is refused while the VPC still holds a security group other than its default one, or an internet
gateway.

AWS (EC2 API Reference, DeleteVpc: "You must detach or delete all gateways and resources that are associated
with the VPC before you can delete it"; VPC User Guide, "Delete your VPC"): DependencyViolation, HTTP 400,
"The vpc '<id>' has dependencies and cannot be deleted." moto deletes the VPC and leaves its security groups
behind, pointing at a VPC that no longer exists. Always on: this is AWS's rule, not a window.
"""

from tools.emulator import realism


def apply():
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend

    def delete_vpc(original):
        def wrapper(self, vpc_id):
            groups = [g for g in self.groups.get(vpc_id, {}).values() if g.name != "default"]
            gateways = [g for g in self.internet_gateways.values() if g.vpc is not None and g.vpc.id == vpc_id]
            if groups or gateways:
                raise DependencyViolationError("The vpc '%s' has dependencies and cannot be deleted." % vpc_id)
            return original(self, vpc_id)

        return wrapper

    realism.wrap(EC2Backend, "delete_vpc", __name__, delete_vpc)
