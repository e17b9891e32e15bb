"""Migration 0010 repairs seat counters that drifted before the seat update was fixed."""

from __future__ import annotations

import contextlib
import datetime as dt
import io

from piccolo.apps.migrations.commands.forwards import run_forwards

from app.db.database import Database
from app.db.piccolo_migrations import treffpunkt_0009_privacy_notice as before
from app.db.piccolo_migrations import treffpunkt_0010_recount_seats as recount
from app.db.tables import Event as EventTable
from app.domain.model import RegistrationStatus
from app.services import registrations
from tests.conftest import registration_request


async def _migrate_up_to(migration_id: str) -> None:
    # Piccolo reports progress with print(); the test stays quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        assert (await run_forwards(app_name="user")).success
        assert (await run_forwards(app_name="treffpunkt", migration_id=migration_id)).success


async def _event(slug: str, starts: dt.datetime, *, seats: tuple[int, int], **capacity: int) -> int:
    # Written as the schema of 0009 has it; everything not named takes its column default.
    rows = await EventTable.raw(
        'INSERT INTO "event" ("slug", "title", "format", "status", "starts_at", "ends_at", '
        '"capacity_in_person", "capacity_online", "seats_taken_in_person", "seats_taken_online") '
        "VALUES ({}, {}, 'hybrid', 'published', {}, {}, {}, {}, {}, {}) RETURNING \"id\"",
        slug,
        slug,
        starts,
        starts + dt.timedelta(hours=4),
        capacity.get("in_person"),
        capacity.get("online"),
        *seats,
    )
    return int(rows[0]["id"])


async def _registration(
    event_id: int, email: str, mode: str, status: str, now: dt.datetime
) -> None:
    await EventTable.raw(
        'INSERT INTO "registration" ("event", "token", "first_name", "last_name", "email", '
        '"email_normalised", "mode", "status", "consent_version", "consent_at") '
        "VALUES ({}, {}, 'Olena', 'Koval', {}, {}, {}, {}, '2026-11', {})",
        event_id,
        f"token-{event_id}-{email}",
        email,
        email,
        mode,
        status,
        now,
    )


async def _counters() -> dict[str, tuple[int, int]]:
    rows = await EventTable.select(
        EventTable.slug, EventTable.seats_taken_in_person, EventTable.seats_taken_online
    )
    return {row["slug"]: (row["seats_taken_in_person"], row["seats_taken_online"]) for row in rows}


async def test_counters_are_recounted_from_the_seat_holding_registrations(
    empty_database_url: str, now: dt.datetime
) -> None:
    database = Database.from_url(empty_database_url)
    await database.connect()
    try:
        await _migrate_up_to(before.ID)
        starts = now + dt.timedelta(days=7)
        # Counters as the old seat update left them: raised by other events' registrations.
        busy = await _event("busy", starts, seats=(4, 2), in_person=5, online=2)
        for email, mode, status in (
            ("confirmed@example.org", "in_person", "confirmed"),
            ("pending@example.org", "in_person", "pending"),
            ("waiting@example.org", "in_person", "waitlisted"),
            ("cancelled@example.org", "in_person", "cancelled"),
            ("online@example.org", "online", "confirmed"),
        ):
            await _registration(busy, email, mode, status, now)
        await _event("unlimited", starts, seats=(7, 3))
        await _event("one-seat", starts, seats=(1, 0), in_person=1)
        right = await _event("right", starts, seats=(0, 1), in_person=3, online=3)
        await _registration(right, "right@example.org", "online", "pending", now)

        await database.migrate()

        assert await _counters() == {
            "busy": (2, 1),
            "unlimited": (0, 0),
            "one-seat": (0, 0),
            "right": (0, 1),
        }
        migrations = await EventTable.raw('SELECT "name" FROM "migration"')
        assert recount.ID in {row["name"] for row in migrations}
        # The one-seat event seats its first registrant again instead of making them wait.
        outcome = await registrations.register(
            database, "one-seat", registration_request("first@example.org", mode="in_person"), now
        )
        assert outcome.registration.status is RegistrationStatus.CONFIRMED
    finally:
        await database.close()
