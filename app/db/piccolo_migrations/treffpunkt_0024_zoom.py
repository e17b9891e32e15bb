"""The Zoom integration's records: each event's meeting and each registration's registrant.

What Zoom holds is kept beside our own rows, never in them: the registration transaction stays
as it is, and the reconciler (``app.services.zoom``) compares the two and makes the calls.
Unique on event and on registration: one meeting per event, one registrant per registration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

# After treffpunkt_0023 ("...:000023"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000024"
VERSION = "1.38.0"
DESCRIPTION = "Zoom meetings and registrants"


class Event(Table, tablename="event"):
    id = Serial(primary_key=True)


class Registration(Table, tablename="registration"):
    id = Serial(primary_key=True)


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


def _foreign_key(references):
    return _params(
        references=references,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        unique=True,
        index=True,
    )


_SYNC = [
    ("state", Varchar, _params(length=20, default="pending", index=True)),
    ("attempts", Integer, _params(default=0)),
    ("next_attempt_at", Timestamptz, _params(null=True, index=True)),
    ("last_error", Text, _params(default="")),
    ("updated_at", Timestamptz, _params(null=True)),
]

MEETING_COLUMNS = [
    ("event", ForeignKey, _foreign_key(Event)),
    ("meeting_id", Varchar, _params(length=100, default="", secret=True)),
    ("synced_revision", Integer, _params(default=-1)),
    *_SYNC,
    ("report_fetched_at", Timestamptz, _params(null=True)),
]

REGISTRANT_COLUMNS = [
    ("registration", ForeignKey, _foreign_key(Registration)),
    ("event", Integer, _params(index=True)),
    ("registrant_id", Varchar, _params(length=100, default="", secret=True)),
    ("join_url", Text, _params(default="", secret=True)),
    *_SYNC,
]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    for class_name, tablename, columns in (
        ("ZoomMeeting", "zoom_meeting", MEETING_COLUMNS),
        ("ZoomRegistrant", "zoom_registrant", REGISTRANT_COLUMNS),
    ):
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
