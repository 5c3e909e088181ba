"""Realistic mode: a secret name is refused while a secret of that name is scheduled for deletion or being deleted.

AWS (Secrets Manager API Reference, CreateSecret, Errors: InvalidRequestException; DeleteSecret:
"ForceDeleteWithoutRecovery ... the deletion happens asynchronously, there can be a short delay before the
secret is permanently deleted"): HTTP 400, "You can't create this secret because a secret with this name is
already scheduled for deletion." moto forgets a force-deleted secret at once, and answers a name scheduled for
deletion with ResourceExistsException.
"""

from tools.emulator import realism

WINDOW = "secret_deletion"
MESSAGE = "You can't create this secret because a secret with this name is already scheduled for deletion."


def apply():
    from moto.secretsmanager.exceptions import InvalidRequestException
    from moto.secretsmanager.models import SecretsManagerBackend

    def delete_secret(original):
        def wrapper(self, secret_id, recovery_window_in_days, force_delete_without_recovery):
            arn, name, deletion_date = original(self, secret_id, recovery_window_in_days, force_delete_without_recovery)
            if force_delete_without_recovery:
                realism.mark(WINDOW, (self.region_name, name))
            return arn, name, deletion_date

        return wrapper

    def create_secret(original):
        def wrapper(self, name, *args, **kwargs):
            if realism.enabled():
                existing = self.secrets.get(name) if name in self.secrets else None
                if realism.holding(WINDOW, (self.region_name, name)) or (existing and existing.is_deleted()):
                    raise InvalidRequestException(MESSAGE)
            return original(self, name, *args, **kwargs)

        return wrapper

    realism.wrap(SecretsManagerBackend, "delete_secret", __name__, delete_secret)
    realism.wrap(SecretsManagerBackend, "create_secret", __name__, create_secret)
