"""Organisers' personal API tokens (hashed) for the organiser API."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class BaseUser(Table, tablename="piccolo_user", schema=None):
    pass


ID = "2026-11-23T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Personal API tokens of organisers"


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
        _params(
            references=BaseUser,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
            index=True,
        ),
    ),
    ("name", Varchar, _params(length=100, default="")),
    ("token_hash", Varchar, _params(length=64, default="", unique=True, secret=True)),
    ("prefix", Varchar, _params(length=16, default="")),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ("last_used_at", Timestamptz, _params(null=True)),
    ("revoked_at", Timestamptz, _params(null=True)),
]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_table(
        class_name="ApiToken", tablename="api_token", schema=None, columns=None
    )
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="ApiToken",
            tablename="api_token",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
