"""KMS ScheduleKeyDeletion and CancelKeyDeletion accept a key ARN.

AWS accepts a key id or a key ARN in KeyId for both calls and answers KeyId as the key ARN.
moto 5.2.5 looks the value up as a raw key id and fails with HTTP 500 (KeyError) for an ARN, so
`amazon.aws.kms_key state=absent` (which passes the ARN) cannot delete a key.
"""

from moto.kms.models import KmsBackend

_PATCHED = "_tap_accepts_key_arn"


def _resolving(method):
    def wrapper(self, key_id, *args, **kwargs):
        return method(self, self.any_id_to_key_id(key_id), *args, **kwargs)

    setattr(wrapper, _PATCHED, True)
    wrapper.__doc__ = method.__doc__
    return wrapper


def apply():
    for name in ("schedule_key_deletion", "cancel_key_deletion"):
        method = getattr(KmsBackend, name)
        if not getattr(method, _PATCHED, False):
            setattr(KmsBackend, name, _resolving(method))
