"""Seat counters recounted from the registrations that hold a seat.

Until this release a registration also raised the seat counter of every other event with room
in its mode (an unbracketed OR in the seat update), and cancellations gave back only their own:
existing databases hold counters that are too high. Each counter is set to the number of its
event's pending and confirmed registrations in that mode. The counts can only fall (the rules
never seated anyone on a counter that was too low), so the CHECK constraints (PostgreSQL) and
triggers (SQLite) that keep counters within capacity hold throughout.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T12:00:00:000010"
VERSION = "1.38.0"
DESCRIPTION = "Recount every event's seat counters from its seat-holding registrations"

#: The statuses that hold a seat, as they were when this migration was written.
SEAT_HOLDING = ("pending", "confirmed")


def _holders(mode: str) -> str:
    statuses = ", ".join(f"'{status}'" for status in SEAT_HOLDING)
    return (
        'SELECT COUNT(*) FROM "registration" '
        'WHERE "registration"."event" = "event"."id" '
        f"AND \"registration\".\"mode\" = '{mode}' "
        f'AND "registration"."status" IN ({statuses})'
    )


#: Plain SQL that SQLite and PostgreSQL read alike.
RECOUNT = (
    'UPDATE "event" SET '
    f'"seats_taken_in_person" = ({_holders("in_person")}), '
    f'"seats_taken_online" = ({_holders("online")})'
)


async def recount_seats():
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(RECOUNT)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(recount_seats)
    return manager
