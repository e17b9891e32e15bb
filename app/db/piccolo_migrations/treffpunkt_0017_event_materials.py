"""Events keep what stays after them: report, recording, slides and photos (JSON, empty for all)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

# After treffpunkt_0016 ("...:000016"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000017"
VERSION = "1.38.0"
DESCRIPTION = "Event materials after the event: report, recording, slides, photos"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Event",
        tablename="event",
        column_name="materials",
        db_column_name="materials",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "{}",
            "null": False,
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
