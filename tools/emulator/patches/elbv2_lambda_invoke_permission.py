"""Realistic mode: a Lambda target is registered only once the load balancer may invoke the function.

AWS (ELB User Guide, "Lambda functions as targets", Permissions to invoke the Lambda function: "you must
grant Elastic Load Balancing permission to invoke your Lambda function" before registering it; the
permission, like any resource policy change, takes a few seconds to propagate): RegisterTargets answers
AccessDenied, HTTP 403, "elasticloadbalancing principal does not have permission to invoke <function arn>
from target group <target group arn>" until the function's policy allows elasticloadbalancing.amazonaws.com
(for that target group), and for a while after AddPermission. moto registers any function.
"""

from tools.emulator import realism

WINDOW = "invoke_permission_propagation"


def apply():
    from moto.awslambda.models import LambdaBackend
    from moto.elbv2.models import ELBv2Backend

    from tools.emulator.dataplane import DataPlane, invoke_allowed

    def add_permission(original):
        def wrapper(self, function_name, qualifier, raw):
            statement = original(self, function_name, qualifier, raw)
            realism.mark(WINDOW, self.get_function(function_name).function_arn)
            return statement

        return wrapper

    def may_invoke(function_arn, target_group_arn):
        found = DataPlane._function(function_arn)
        if found is None or realism.holding(WINDOW, found[0].arn):
            return False
        return invoke_allowed(found[1], found[0].arn, target_group_arn, function_arn.split(":")[4])

    def register_targets(original):
        def wrapper(self, target_group_arn, instances):
            group = self.target_groups.get(target_group_arn)
            if realism.enabled() and group is not None and group.target_type == "lambda":
                for target in instances:
                    if not may_invoke(target["Id"], target_group_arn):
                        raise realism.AwsError(
                            403,
                            "AccessDenied",
                            "elasticloadbalancing principal does not have permission to invoke %s from target "
                            "group %s" % (target["Id"], target_group_arn),
                            "elbv2",
                        )
            return original(self, target_group_arn, instances)

        return wrapper

    realism.wrap(LambdaBackend, "add_permission", __name__, add_permission)
    realism.wrap(ELBv2Backend, "register_targets", __name__, register_targets)
