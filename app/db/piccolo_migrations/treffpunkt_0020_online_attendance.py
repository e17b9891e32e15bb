"""Registrations record online attendance: when, and whether an organiser or an import said so.

Check-in (``checked_in_at``) is the door's record; online participants are never checked in, so
the funder report and the certificates of attendance need their own record. NULL: not attended
(or not known). ``attendance_source`` is ``organiser``, ``import`` or ``zoom``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

# After treffpunkt_0019 ("...:000019"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000020"
VERSION = "1.38.0"
DESCRIPTION = "Registration: online attendance and its source"


def _params(**overrides: object) -> dict[str, object]:
    return {
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **overrides,
    }


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="attended_online_at",
        db_column_name="attended_online_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(),
        schema=None,
    )
    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="attendance_source",
        db_column_name="attendance_source",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=20),
        schema=None,
    )
    return manager
