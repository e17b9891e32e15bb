"""The invariants the rules rely on, enforced by the database too."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder


# Piccolo declares constraints with ALTER TABLE ... ADD CONSTRAINT, which SQLite lacks, so the
# invariants are written out per engine: CHECK constraints on PostgreSQL, triggers on SQLite.
SEAT_RULES = {
    "in_person": "seats_taken_in_person >= 0 AND "
    "(capacity_in_person IS NULL OR seats_taken_in_person <= capacity_in_person)",
    "online": "seats_taken_online >= 0 AND "
    "(capacity_online IS NULL OR seats_taken_online <= capacity_online)",
    "ends_after_start": "ends_at > starts_at",
}

UNIQUE_EMAIL = (
    'CREATE UNIQUE INDEX registration_one_per_email ON "registration" '
    '("event", "email_normalised")'
)
WAITLIST_INDEX = (
    'CREATE INDEX registration_event_status ON "registration" ("event", "status", "id")'
)


def _sqlite_trigger(name: str, when: str, rule: str) -> str:
    row_rule = rule
    for column in (
        "seats_taken_in_person",
        "capacity_in_person",
        "seats_taken_online",
        "capacity_online",
        "ends_at",
        "starts_at",
    ):
        row_rule = row_rule.replace(column, f"NEW.{column}")
    return (
        f'CREATE TRIGGER event_{name}_{when.lower()} BEFORE {when} ON "event" '
        f"WHEN NOT ({row_rule}) "
        f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: event_{name}'); END"
    )


async def add_invariants() -> None:
    engine = engine_finder()
    assert engine is not None
    statements = [UNIQUE_EMAIL, WAITLIST_INDEX]
    if engine.engine_type == "sqlite":
        for name, rule in SEAT_RULES.items():
            for when in ("INSERT", "UPDATE"):
                statements.append(_sqlite_trigger(name, when, rule))
    else:
        for name, rule in SEAT_RULES.items():
            statements.append(
                f'ALTER TABLE "event" ADD CONSTRAINT event_{name} CHECK ({rule})'
            )
    for statement in statements:
        await engine.run_ddl(statement)



ID = "2026-11-22T16:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Seat, time and one-registration-per-address invariants"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="treffpunkt", description=DESCRIPTION)
    manager.add_raw(add_invariants)
    return manager
