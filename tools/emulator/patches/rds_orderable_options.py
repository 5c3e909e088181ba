"""PostgreSQL's orderable DB instance options; in realistic mode, CreateDBInstance refuses what RDS does not offer.

AWS (RDS User Guide, "Supported DB engines for DB instance classes" and "Amazon RDS for PostgreSQL updates"; RDS
API Reference, CreateDBInstance, Errors): InvalidParameterCombination, HTTP 400, "Cannot find version <version>
for postgres" for a version RDS no longer (or not yet) offers, and "RDS does not support creating a DB instance
with the following combination: DBInstanceClass=<class>, Engine=postgres, EngineVersion=<version>,
LicenseModel=postgresql-license. For supported combinations of instance class and database engine version, see
the documentation." for a class that does not run that version. moto accepts any version and class, and
DescribeOrderableDBInstanceOptions knows only Aurora PostgreSQL and Neptune.

OFFERED is a snapshot of what RDS offers in every commercial region (December 2026): the minor versions of the
supported majors, and the current-generation classes (db.t2, db.m4 and db.r4 run no version offered here).
DescribeOrderableDBInstanceOptions answers from it for Engine=postgres (filters EngineVersion, DBInstanceClass).
"""

from tools.emulator import realism

VERSIONS = {
    "13": (20, 21, 22, 23),
    "14": (17, 18, 19, 20),
    "15": (12, 13, 14, 15),
    "16": (8, 9, 10, 11),
    "17": (4, 5, 6, 7),
    "18": (1,),
}
SIZES = {
    "db.t3": ("micro", "small", "medium", "large", "xlarge", "2xlarge"),
    "db.t4g": ("micro", "small", "medium", "large", "xlarge", "2xlarge"),
}
for _family in ("db.m5", "db.m6g", "db.m6i", "db.m7g", "db.r5", "db.r6g", "db.r6i", "db.r7g"):
    SIZES[_family] = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
OFFERED_VERSIONS = ["%s.%d" % (major, minor) for major, minors in VERSIONS.items() for minor in minors]
OFFERED_CLASSES = ["%s.%s" % (family, size) for family, sizes in SIZES.items() for size in sizes]


def options(region, engine_version=None, instance_class=None):
    """DescribeOrderableDBInstanceOptions' OrderableDBInstanceOptions for postgres in a region."""
    return [
        {
            "Engine": "postgres",
            "EngineVersion": version,
            "DBInstanceClass": instance_class_,
            "LicenseModel": "postgresql-license",
            "AvailabilityZones": [{"Name": region + zone} for zone in "abc"],
            "MultiAZCapable": True,
            "ReadReplicaCapable": True,
            "Vpc": True,
            "SupportsStorageEncryption": True,
            "StorageType": "gp3",
            "SupportsIops": True,
            "SupportsPerformanceInsights": True,
            "MinStorageSize": 20,
            "MaxStorageSize": 65536,
        }
        for version in OFFERED_VERSIONS
        if engine_version in (None, version)
        for instance_class_ in OFFERED_CLASSES
        if instance_class in (None, instance_class_)
    ]


def refusal(engine_version, instance_class):
    """AWS's message refusing CreateDBInstance of postgres with this version and class, or None."""
    if engine_version is not None and engine_version not in OFFERED_VERSIONS:
        return "Cannot find version %s for postgres" % engine_version
    if instance_class not in OFFERED_CLASSES:
        return (
            "RDS does not support creating a DB instance with the following combination: DBInstanceClass=%s, "
            "Engine=postgres, EngineVersion=%s, LicenseModel=postgresql-license. For supported combinations of "
            "instance class and database engine version, see the documentation." % (instance_class, engine_version)
        )
    return None


def apply():
    from moto.rds.exceptions import InvalidParameterCombination
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    def describe_orderable_db_instance_options(original):
        def wrapper(self, engine, engine_version):
            if engine == "postgres":
                return options(self.region_name, engine_version)
            return original(self, engine, engine_version)

        return wrapper

    def describe_response(original):
        def wrapper(self):
            wanted = self.params.get("DBInstanceClass")
            result = original(self)
            if wanted and self.params.get("Engine") == "postgres":
                listed = result.result["OrderableDBInstanceOptions"]
                listed[:] = [option for option in listed if option["DBInstanceClass"] == wanted]
            return result

        return wrapper

    def create_db_instance(original):
        def wrapper(self, db_kwargs):
            if realism.enabled() and db_kwargs.get("engine") == "postgres":
                message = refusal(db_kwargs.get("engine_version"), db_kwargs.get("db_instance_class"))
                if message:
                    raise InvalidParameterCombination(message)
            return original(self, db_kwargs)

        return wrapper

    realism.wrap(RDSBackend, "describe_orderable_db_instance_options", __name__, describe_orderable_db_instance_options)
    realism.wrap(RDSResponse, "describe_orderable_db_instance_options", __name__, describe_response)
    realism.wrap(RDSBackend, "create_db_instance", __name__, create_db_instance)
