"""Organisers' session versions: signing out and a new password end sessions in every process."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class BaseUser(Table, tablename="piccolo_user", schema=None):
    pass


# After treffpunkt_0010 ("...:000010"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-02T12:00:00:000011"
VERSION = "1.38.0"
DESCRIPTION = "Session version per organiser"


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
    (
        "organiser",
        ForeignKey,
        # unique: one row per organiser, and the index that the per-request check and the
        # sign-out's INSERT ... ON CONFLICT use (a second, plain index would be redundant).
        _params(
            references=BaseUser,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
            unique=True,
        ),
    ),
    ("version", Integer, _params(default=0)),
]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_table(
        class_name="OrganiserSession",
        tablename="organiser_session",
        schema=None,
        columns=None,
    )
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="OrganiserSession",
            tablename="organiser_session",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
