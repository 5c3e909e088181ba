"""Realistic mode: a deleted load balancer holds its security groups and subnets for a while.

AWS (ELB User Guide, "Delete an Application Load Balancer": its network interfaces are released after the load
balancer is deleted, which takes a few minutes; EC2 API Reference, DeleteSecurityGroup and DeleteSubnet):
until then DeleteSecurityGroup answers DependencyViolation, HTTP 400, "resource <group id> has a dependent
object", and DeleteSubnet "The subnet '<id>' has dependencies and cannot be deleted.". moto frees both at once.
"""

from tools.emulator import realism

WINDOW = "load_balancer_interfaces_release"


def apply():
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend
    from moto.elbv2.models import ELBv2Backend

    def delete_load_balancer(original):
        def wrapper(self, arn):
            balancer = self.load_balancers.get(arn)
            original(self, arn)
            if balancer is not None:
                for resource in list(balancer.security_groups or []) + [s.id for s in balancer.subnets]:
                    realism.mark(WINDOW, resource)

        return wrapper

    def delete_security_group(original):
        def wrapper(self, name=None, group_id=None):
            group = self.get_security_group_by_name_or_id(group_id or name)
            if group is not None and realism.holding(WINDOW, group.id):
                raise DependencyViolationError("resource %s has a dependent object" % group.id)
            return original(self, name=name, group_id=group_id)

        return wrapper

    def delete_subnet(original):
        def wrapper(self, subnet_id):
            if realism.holding(WINDOW, subnet_id):
                raise DependencyViolationError("The subnet '%s' has dependencies and cannot be deleted." % subnet_id)
            return original(self, subnet_id)

        return wrapper

    realism.wrap(ELBv2Backend, "delete_load_balancer", __name__, delete_load_balancer)
    realism.wrap(EC2Backend, "delete_security_group", __name__, delete_security_group)
    realism.wrap(EC2Backend, "delete_subnet", __name__, delete_subnet)
