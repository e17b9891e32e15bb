"""Invitations (issue 18, point 4): an event's invitees, and events open to them only.

``invitation`` holds one row per invitee of an event, unique by the normalised address (the
key registrations use too), with when the row was imported and when its invitation mail was
enqueued. ``token_hash`` is the SHA-256 of the invitation link's secret, set when the mail is
enqueued; the secret itself is never stored here. ``event.invitation_only``: only invited
addresses may register.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

# After treffpunkt_0020 and the numbers given to parallel work ("...:000026").
ID = "2026-12-03T14:00:00:000026"
VERSION = "1.38.0"
DESCRIPTION = "Invitations: invitees per event with hashed link tokens; invitation-only events"


def _statements(pk: str, timestamp: str, false: str) -> list[str]:
    return [
        f'ALTER TABLE "event" ADD COLUMN "invitation_only" BOOLEAN NOT NULL DEFAULT {false}',
        f"""CREATE TABLE "invitation" (
            "id" {pk},
            "event" INTEGER NOT NULL REFERENCES "event" ("id") ON DELETE CASCADE,
            "first_name" VARCHAR(200) NOT NULL DEFAULT '',
            "last_name" VARCHAR(200) NOT NULL DEFAULT '',
            "email" VARCHAR(254) NOT NULL,
            "email_normalised" VARCHAR(254) NOT NULL,
            "organisation" VARCHAR(200) NOT NULL DEFAULT '',
            "language" VARCHAR(5) NOT NULL DEFAULT 'de',
            "token_hash" VARCHAR(64) NULL UNIQUE,
            "created_at" {timestamp} NOT NULL,
            "sent_at" {timestamp} NULL
        )""",
        # Also the index of every per-event query (and of the foreign key).
        'CREATE UNIQUE INDEX invitation_one_per_email ON "invitation" '
        '("event", "email_normalised")',
    ]


SQLITE = _statements("INTEGER PRIMARY KEY AUTOINCREMENT", "TIMESTAMPTZ", "0")
POSTGRES = _statements("SERIAL PRIMARY KEY", "TIMESTAMP WITH TIME ZONE", "false")


async def add_invitations():
    engine = engine_finder()
    assert engine is not None
    for statement in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="treffpunkt", description=DESCRIPTION
    )
    manager.add_raw(add_invitations)
    return manager
