"""Realistic mode: point-in-time recovery cannot be enabled for a while after CreateTable.

AWS (DynamoDB API Reference, UpdateContinuousBackups, Errors): ContinuousBackupsUnavailableException, HTTP 400,
"Backups are being enabled for the table: <name>. Please retry later" while the backups of a new table are
still being set up. moto enables point-in-time recovery at once.
"""

from tools.emulator import realism

WINDOW = "pitr_after_create_table"


def apply():
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.models import DynamoDBBackend

    def create_table(original):
        def wrapper(self, name, *args, **kwargs):
            table = original(self, name, *args, **kwargs)
            realism.mark(WINDOW, table.table_arn)
            return table

        return wrapper

    def update_continuous_backups(original):
        def wrapper(self, table_name, point_in_time_spec):
            table = self.tables.get(table_name)
            if table is not None and realism.holding(WINDOW, table.table_arn):
                raise DynamodbException(
                    ERROR_TYPE_PREFIX + "ContinuousBackupsUnavailableException",
                    "Backups are being enabled for the table: %s. Please retry later" % table_name,
                )
            return original(self, table_name, point_in_time_spec)

        return wrapper

    realism.wrap(DynamoDBBackend, "create_table", __name__, create_table)
    realism.wrap(DynamoDBBackend, "update_continuous_backups", __name__, update_continuous_backups)
