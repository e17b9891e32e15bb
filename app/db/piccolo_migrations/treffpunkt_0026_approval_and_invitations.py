"""Approval of registrations by organisers.

Events say whether registrations need an organiser's approval and whether one waiting for it
keeps a seat meanwhile (``requires_approval``, ``approval_holds_seat``). A registration records
whether it holds a seat while it waits (``seat_held``): the event's choice may change later, and
the seat counters must still equal the registrations that hold a seat. Existing rows hold none
while waiting, as no registration waited for approval before.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0020 ("...:000020"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000026"
VERSION = "1.38.0"
DESCRIPTION = "Approval of registrations"

#: Plain SQL that SQLite and PostgreSQL read alike (FALSE/TRUE: SQLite 3.23 and later).
STATEMENTS = [
    'ALTER TABLE "event" ADD COLUMN "requires_approval" BOOLEAN NOT NULL DEFAULT FALSE',
    'ALTER TABLE "event" ADD COLUMN "approval_holds_seat" BOOLEAN NOT NULL DEFAULT TRUE',
    'ALTER TABLE "registration" ADD COLUMN "seat_held" BOOLEAN NOT NULL DEFAULT FALSE',
]


async def add_approval() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="treffpunkt", description=DESCRIPTION)
    manager.add_raw(add_approval)
    return manager
