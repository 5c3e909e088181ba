"""Realistic mode: a deleted bucket's name is refused for a while.

AWS (S3 User Guide, "Deleting a bucket": "it can take some time before the name can be reused"; S3 API
Reference, Error responses: OperationAborted, HTTP 409, "A conflicting conditional operation is currently in
progress against this resource. Please try again."): CreateBucket with that name answers OperationAborted until
the deletion has propagated. moto frees the name at once.
"""

from tools.emulator import realism

WINDOW = "bucket_name_release"


def apply():
    from moto.s3.models import S3Backend

    def delete_bucket(original):
        def wrapper(self, bucket_name):
            deleted = original(self, bucket_name)
            if deleted is not None:
                realism.mark(WINDOW, bucket_name)
            return deleted

        return wrapper

    def create_bucket(original):
        def wrapper(self, bucket_name, *args, **kwargs):
            if realism.holding(WINDOW, bucket_name):
                raise realism.AwsError(
                    409,
                    "OperationAborted",
                    "A conflicting conditional operation is currently in progress against this resource. "
                    "Please try again.",
                    "s3",
                )
            return original(self, bucket_name, *args, **kwargs)

        return wrapper

    realism.wrap(S3Backend, "delete_bucket", __name__, delete_bucket)
    realism.wrap(S3Backend, "create_bucket", __name__, create_bucket)
