"""Realistic mode: Lambda cannot assume a role created, or whose trust policy changed, moments ago.

AWS (Lambda API Reference, CreateFunction and UpdateFunctionConfiguration, Errors; IAM User Guide,
"Troubleshoot IAM: changes that I make are not always immediately visible"): InvalidParameterValueException,
HTTP 400, "The role defined for the function cannot be assumed by Lambda." until the role has propagated.
moto accepts any role at once.
"""

from tools.emulator import realism

WINDOW = "role_propagation"
MESSAGE = "The role defined for the function cannot be assumed by Lambda."


def apply():
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend
    from moto.iam.models import IAMBackend

    def create_role(original):
        def wrapper(self, *args, **kwargs):
            role = original(self, *args, **kwargs)
            realism.mark(WINDOW, ("assume", role.arn))
            return role

        return wrapper

    def update_assume_role_policy(original):
        def wrapper(self, role_name, policy_document):
            original(self, role_name, policy_document)
            realism.mark(WINDOW, ("assume", self.get_role(role_name).arn))

        return wrapper

    def check(role_arn):
        if realism.holding(WINDOW, ("assume", role_arn)):
            raise InvalidParameterValueException(MESSAGE)

    def create_function(original):
        def wrapper(self, spec):
            check(spec.get("Role"))
            return original(self, spec)

        return wrapper

    def update_function_configuration(original):
        def wrapper(self, function_name, qualifier, body):
            check(body.get("Role") or self.get_function(function_name, qualifier).role)
            return original(self, function_name, qualifier, body)

        return wrapper

    realism.wrap(IAMBackend, "create_role", __name__, create_role)
    realism.wrap(IAMBackend, "update_assume_role_policy", __name__, update_assume_role_policy)
    realism.wrap(LambdaBackend, "create_function", __name__, create_function)
    realism.wrap(LambdaBackend, "update_function_configuration", __name__, update_function_configuration)
