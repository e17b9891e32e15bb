"""An index on registration (event, id) for reading an event's registrations in id order.

The organisers' list pages with LIMIT/OFFSET in id order, and the exports read an event in
batches by id (``id > last ORDER BY id LIMIT n``). On PostgreSQL the index on ``event`` alone
makes each of those queries fetch and sort all of the event's rows, so reading an event whole
would grow with the square of its size. SQLite needs none: its index on ``event`` ends with the
rowid, which is the id, so it already serves that order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0011 ("...:000011"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T09:00:00:000012"
VERSION = "1.38.0"
DESCRIPTION = "Index on registration (event, id) for pages and batches in id order"

EVENT_ID_INDEX = (
    'CREATE INDEX IF NOT EXISTS registration_event_id ON "registration" ("event", "id")'
)


async def add_event_id_index():
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type != "sqlite":
        await engine.run_ddl(EVENT_ID_INDEX)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(add_event_id_index)
    return manager
