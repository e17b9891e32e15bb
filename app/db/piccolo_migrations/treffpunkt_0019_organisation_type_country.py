"""Registrations say what kind of organisation and which country they come from (NULL: unknown).

Funders count attendance per organisation type and per country; rows from before stay NULL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

# After treffpunkt_0018 ("...:000018"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000019"
VERSION = "1.38.0"
DESCRIPTION = "Registration: organisation type and country"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )

    for column_name in ("organisation_type", "country"):
        manager.add_column(
            table_class_name="Registration",
            tablename="registration",
            column_name=column_name,
            db_column_name=column_name,
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": 20,
                "default": None,
                "null": True,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )

    return manager
