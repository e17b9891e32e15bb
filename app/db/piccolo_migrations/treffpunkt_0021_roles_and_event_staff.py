"""Roles of organiser accounts, per-event staff (owner, co-hosts, door staff), co-host name.

Every account that exists now becomes an administrator, so nobody is locked out: until roles
existed, every account could do everything. Events from before have no owner; administrators
manage them and can assign co-hosts and door staff.

Written as SQL per engine (the raw step runs before Piccolo's own steps, and the rows of the
existing accounts must be inserted after the table exists).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0020 ("...:000020"): Piccolo applies migrations in the order of their IDs.
ID = "2026-12-03T14:00:00:000021"
VERSION = "1.38.0"
DESCRIPTION = "Organiser roles, event staff, co-host organisation"


def _tables(primary_key: str) -> list[str]:
    return [
        'CREATE TABLE "organiser_role" ('
        f'"id" {primary_key}, '
        '"organiser" INTEGER NOT NULL UNIQUE REFERENCES "piccolo_user" ("id") '
        "ON DELETE CASCADE ON UPDATE CASCADE, "
        "\"role\" VARCHAR(20) NOT NULL DEFAULT 'door_staff')",
        'CREATE TABLE "event_staff" ('
        f'"id" {primary_key}, '
        '"event" INTEGER NOT NULL REFERENCES "event" ("id") '
        "ON DELETE CASCADE ON UPDATE CASCADE, "
        '"organiser" INTEGER NOT NULL REFERENCES "piccolo_user" ("id") '
        "ON DELETE CASCADE ON UPDATE CASCADE, "
        "\"kind\" VARCHAR(20) NOT NULL DEFAULT '')",
        # One kind per organiser and event; also the index of an event's staff.
        'CREATE UNIQUE INDEX event_staff_event_organiser ON "event_staff" ("event", "organiser")',
        # The guard reads an organiser's events on every request.
        'CREATE INDEX event_staff_organiser ON "event_staff" ("organiser")',
        "ALTER TABLE \"event\" ADD COLUMN \"co_host\" VARCHAR(300) NOT NULL DEFAULT ''",
        'INSERT INTO "organiser_role" ("organiser", "role") '
        "SELECT \"id\", 'administrator' FROM \"piccolo_user\"",
    ]


async def add_roles() -> None:
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "sqlite":
        statements = _tables("INTEGER PRIMARY KEY")
    else:
        statements = _tables("SERIAL PRIMARY KEY")
    for statement in statements:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="treffpunkt", description=DESCRIPTION)
    manager.add_raw(add_roles)
    return manager
