"""Approval: events may require an organiser's approval before a seat is confirmed (issue 18).

Two settings on the event: ``approval_required`` and ``approval_holds_seat`` (a registration
awaiting approval holds a free seat meanwhile). The new registration statuses need no schema:
``awaiting`` holds a seat (the services count it like ``confirmed``), ``requested`` and
``declined`` hold none, and none of them is ``waitlisted``, so the seat counters and the
waiting-list counters of migration 0013 stay right as they are.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0025 and the number given to parallel work on invitations ("...:000026").
ID = "2026-12-03T14:00:00:000027"
VERSION = "1.38.0"
DESCRIPTION = "Approval settings on the event"


async def add_approval():
    engine = engine_finder()
    assert engine is not None
    false, true = ("0", "1") if engine.engine_type == "sqlite" else ("FALSE", "TRUE")
    for statement in (
        f'ALTER TABLE "event" ADD COLUMN "approval_required" BOOLEAN NOT NULL DEFAULT {false}',
        f'ALTER TABLE "event" ADD COLUMN "approval_holds_seat" BOOLEAN NOT NULL DEFAULT {true}',
    ):
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(add_approval)
    return manager
