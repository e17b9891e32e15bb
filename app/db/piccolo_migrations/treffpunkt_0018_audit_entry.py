"""The audit trail of organisers' actions (table ``audit_entry``).

Organiser and event are plain ids, not foreign keys: entries outlive deleted accounts and events
(the organiser's name is copied into each entry).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

# After treffpunkt_0017 ("...:000017"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000018"
VERSION = "1.38.0"
DESCRIPTION = "Audit trail of organisers' actions"


def _params(**overrides):
    params = {
        "default": None,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


COLUMNS = [
    ("at", Timestamptz, _params(index=True)),
    ("organiser", Integer, _params(null=True)),
    ("organiser_name", Varchar, _params(length=300, default="")),
    ("action", Varchar, _params(length=40, default="", index=True)),
    ("event", Integer, _params(null=True, index=True)),
    ("subject", Integer, _params(null=True)),
    ("detail", Varchar, _params(length=300, default="")),
]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_table(
        class_name="AuditEntry", tablename="audit_entry", schema=None, columns=None
    )
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="AuditEntry",
            tablename="audit_entry",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
