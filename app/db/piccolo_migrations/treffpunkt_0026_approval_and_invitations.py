"""Approval of registrations by organisers, and invitations.

Events say whether registrations need an organiser's approval and whether one waiting for it
keeps a seat meanwhile (``requires_approval``, ``approval_holds_seat``). A registration records
whether it holds a seat while it waits (``seat_held``): the event's choice may change later, and
the seat counters must still equal the registrations that hold a seat. Existing rows hold none
while waiting, as no registration waited for approval before.

Invitations: the table ``invitation`` holds an event's invitees (one per normalised address,
a unique index), each with the secret token of their personal invitation link and when the
invitation was enqueued; ``invitation_only`` events accept registrations from them only.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

# After treffpunkt_0020 ("...:000020"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000026"
VERSION = "1.38.0"
DESCRIPTION = "Approval of registrations; invitations"


class Event(Table, tablename="event", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


#: Plain SQL that SQLite and PostgreSQL read alike (FALSE/TRUE: SQLite 3.23 and later).
STATEMENTS = [
    'ALTER TABLE "event" ADD COLUMN "requires_approval" BOOLEAN NOT NULL DEFAULT FALSE',
    'ALTER TABLE "event" ADD COLUMN "approval_holds_seat" BOOLEAN NOT NULL DEFAULT TRUE',
    'ALTER TABLE "event" ADD COLUMN "invitation_only" BOOLEAN NOT NULL DEFAULT FALSE',
    'ALTER TABLE "registration" ADD COLUMN "seat_held" BOOLEAN NOT NULL DEFAULT FALSE',
    'CREATE UNIQUE INDEX invitation_one_per_email ON "invitation" ("event", "email_normalised")',
]


class Invitation(Table, tablename="invitation", schema=None):
    """The table as this migration makes it (a copy: later changes of tables.py do not apply)."""

    event = ForeignKey(
        references=Event,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        index=True,
        null=False,
    )
    name = Varchar(length=200, default="")
    email = Varchar(length=254, default="")
    email_normalised = Varchar(length=254, default="")
    organisation = Varchar(length=200, default="")
    language = Varchar(length=5, default="de")
    token = Varchar(length=64, unique=True, secret=True)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


async def add_approval_and_invitations() -> None:
    engine = engine_finder()
    assert engine is not None
    # Raw steps run before Piccolo's own: the table is made here, then its unique index.
    # Through run_ddl, so PostgreSQL runs it in the migration's transaction like the rest.
    for statement in Invitation.create_table(if_not_exists=True).ddl:
        await engine.run_ddl(statement)
    for statement in STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="treffpunkt", description=DESCRIPTION)
    manager.add_raw(add_approval_and_invitations)
    return manager
