"""Organisers' two-factor sign-in: the TOTP secret (encrypted) and one-time recovery codes.

``organiser_two_factor`` has at most one row per organiser: a secret being enrolled
(``enabled_at`` NULL) or switched on; ``last_step`` is the RFC 6238 time step of the last code
accepted, so no code counts twice. ``organiser_recovery_code`` holds SHA-256 hashes of the
recovery codes, each deleted when used.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class BaseUser(Table, tablename="piccolo_user", schema=None):
    pass


# After treffpunkt_0021 ("...:000021"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000022"
VERSION = "1.38.0"
DESCRIPTION = "Two-factor sign-in for organisers"


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


def _organiser(**overrides):
    return _params(
        references=BaseUser,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        **overrides,
    )


TABLES = {
    ("OrganiserTwoFactor", "organiser_two_factor"): [
        # unique: one secret per organiser, and the index every sign-in goes by.
        ("organiser", ForeignKey, _organiser(unique=True)),
        ("secret", Text, _params(default="", secret=True)),
        ("enabled_at", Timestamptz, _params(null=True)),
        ("last_step", Integer, _params(null=True)),
    ],
    ("OrganiserRecoveryCode", "organiser_recovery_code"): [
        ("organiser", ForeignKey, _organiser(index=True)),
        ("code_hash", Varchar, _params(length=64, default="", unique=True)),
    ],
}


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(
            class_name=class_name, tablename=tablename, schema=None, columns=None
        )
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
