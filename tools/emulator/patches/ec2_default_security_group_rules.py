"""A VPC's default security group admits traffic from its own members.

AWS creates every VPC with a `default` security group that has an inbound rule allowing all traffic
from the group itself (and an outbound rule allowing all traffic). moto 5.2.5 gives the default group
the outbound rule only, so stripping the default group never revokes an inbound rule against the
emulator, and a deployer policy proven against it would lack `ec2:RevokeSecurityGroupIngress`.
"""

from moto.ec2.models import security_groups

_PATCHED = "_tap_default_ingress"


def apply():
    cls = security_groups.SecurityGroup
    if getattr(cls, _PATCHED, False):
        return
    original = cls.__init__

    def __init__(self, ec2_backend, group_id, name, description, vpc_id=None, tags=None, is_default=None):
        original(self, ec2_backend, group_id, name, description, vpc_id=vpc_id, tags=tags, is_default=is_default)
        if is_default and vpc_id and ec2_backend.vpcs.get(vpc_id):
            account = ec2_backend.account_id
            self.ingress_rules.append(
                security_groups.SecurityGroupRule(
                    ec2_backend,
                    "-1",
                    self.id,
                    None,
                    None,
                    None,
                    {"GroupId": self.id, "OwnerId": account, "UserId": account},
                    is_egress=False,
                )
            )

    cls.__init__ = __init__
    setattr(cls, _PATCHED, True)
