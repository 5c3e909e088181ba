"""DeleteVpc refuses a VPC that still holds a security group (other than its default) or an attached
internet gateway: DependencyViolation, as AWS answers.

AWS (EC2 API reference, DeleteVpc): "you must ... delete all security groups associated with the VPC (except
the default one) ... detach or delete all gateways". moto-ext 5.1.54, under LocalStack, deletes the VPC and
leaves the groups and the gateway behind, so a teardown that deletes them in the wrong order passes.
"""

from moto.ec2.exceptions import DependencyViolationError
from moto.ec2.models.vpcs import VPCBackend

_original_delete_vpc = VPCBackend.delete_vpc


def _dependencies(backend, vpc_id):
    groups = [group.id for group in backend.groups.get(vpc_id, {}).values() if group.name != "default"]
    gateways = [
        gateway.id for gateway in backend.internet_gateways.values() if gateway.vpc and gateway.vpc.id == vpc_id
    ]
    return groups + gateways


def delete_vpc(self, vpc_id):
    dependencies = _dependencies(self, vpc_id)
    if dependencies:
        raise DependencyViolationError(
            "The vpc '%s' has dependencies and cannot be deleted (%s)." % (vpc_id, ", ".join(sorted(dependencies)))
        )
    return _original_delete_vpc(self, vpc_id)


def apply():
    VPCBackend.delete_vpc = delete_vpc
