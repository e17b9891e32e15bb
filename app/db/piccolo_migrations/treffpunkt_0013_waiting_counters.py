"""Waiting-list counters on the event row, and an index for waiting positions.

``waiting_in_person`` and ``waiting_online`` hold how many registrations of the event wait in
that mode. Triggers on ``registration`` keep them right whatever writes a status, mode or event
(register, cancel, promote, hold expiry, deletion), so a registration or an event page reads one
counter instead of counting the waiting list. The index on (event, mode, status, waitlisted_at,
id) is the waiting list's queue order: a position is an index range, not a sort of the list.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0012 ("...:000012"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000013"
VERSION = "1.38.0"
DESCRIPTION = "Waiting-list counters per mode on the event, and the waiting-list index"

MODES = ("in_person", "online")

ADD_COLUMNS = [
    f'ALTER TABLE "event" ADD COLUMN "waiting_{mode}" INTEGER NOT NULL DEFAULT 0'
    for mode in MODES
]

WAITING_INDEX = (
    'CREATE INDEX IF NOT EXISTS registration_waiting_queue ON "registration" '
    '("event", "mode", "status", "waitlisted_at", "id")'
)


def _count(mode: str) -> str:
    return (
        'SELECT COUNT(*) FROM "registration" WHERE "registration"."event" = "event"."id" '
        f"AND \"registration\".\"mode\" = '{mode}' AND \"registration\".\"status\" = 'waitlisted'"
    )


RECOUNT = 'UPDATE "event" SET ' + ", ".join(
    f'"waiting_{mode}" = ({_count(mode)})' for mode in MODES
)


def _sqlite_change(row: str, sign: str) -> str:
    sets = ", ".join(
        f'"waiting_{mode}" = "waiting_{mode}" {sign} ({row}.mode = \'{mode}\')' for mode in MODES
    )
    return f'UPDATE "event" SET {sets} WHERE id = {row}.event;'


_CHANGED = (
    "(OLD.status IS NOT NEW.status OR OLD.mode IS NOT NEW.mode OR OLD.event IS NOT NEW.event)"
)

SQLITE_TRIGGERS = [
    "CREATE TRIGGER registration_waiting_insert AFTER INSERT ON registration "
    f"WHEN NEW.status = 'waitlisted' BEGIN {_sqlite_change('NEW', '+')} END",
    "CREATE TRIGGER registration_waiting_delete AFTER DELETE ON registration "
    f"WHEN OLD.status = 'waitlisted' BEGIN {_sqlite_change('OLD', '-')} END",
    "CREATE TRIGGER registration_waiting_leave AFTER UPDATE OF status, mode, event "
    f"ON registration WHEN OLD.status = 'waitlisted' AND {_CHANGED} "
    f"BEGIN {_sqlite_change('OLD', '-')} END",
    "CREATE TRIGGER registration_waiting_join AFTER UPDATE OF status, mode, event "
    f"ON registration WHEN NEW.status = 'waitlisted' AND {_CHANGED} "
    f"BEGIN {_sqlite_change('NEW', '+')} END",
]


def _pg_change(row: str, sign: str) -> str:
    sets = ", ".join(
        f'"waiting_{mode}" = "waiting_{mode}" {sign} ({row}.mode = \'{mode}\')::int'
        for mode in MODES
    )
    return f'UPDATE "event" SET {sets} WHERE id = {row}.event;'


POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION registration_waiting_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waitlisted' THEN
        {_pg_change("OLD", "-")}
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'waitlisted' THEN
        {_pg_change("NEW", "+")}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

POSTGRES_TRIGGERS = [
    POSTGRES_FUNCTION,
    "CREATE TRIGGER registration_waiting_insert AFTER INSERT ON registration FOR EACH ROW "
    "WHEN (NEW.status = 'waitlisted') EXECUTE FUNCTION registration_waiting_count()",
    "CREATE TRIGGER registration_waiting_delete AFTER DELETE ON registration FOR EACH ROW "
    "WHEN (OLD.status = 'waitlisted') EXECUTE FUNCTION registration_waiting_count()",
    "CREATE TRIGGER registration_waiting_update AFTER UPDATE OF status, mode, event "
    "ON registration FOR EACH ROW WHEN ((OLD.status = 'waitlisted' OR NEW.status = "
    "'waitlisted') AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.mode IS DISTINCT FROM "
    "NEW.mode OR OLD.event IS DISTINCT FROM NEW.event)) "
    "EXECUTE FUNCTION registration_waiting_count()",
]


async def add_waiting_counters():
    engine = engine_finder()
    assert engine is not None
    triggers = SQLITE_TRIGGERS if engine.engine_type == "sqlite" else POSTGRES_TRIGGERS
    for statement in [*ADD_COLUMNS, WAITING_INDEX, RECOUNT, *triggers]:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(add_waiting_counters)
    return manager
