"""The organisers' workspace as a team has it, for the walks over every organiser page.

``python -m tests.browser.workspace_world`` (with the live server's ``DATABASE_URL``) stores, beside
the administrator the live server was made with:

- the busy event (:mod:`tests.browser.busy_event`), owned by an event manager, with a co-host
  and a door-staff account on its team;
- a hybrid event with a hostile title (markup, quotes, an ampersand) and people attending
  online, some marked as attended: its attendance page and certificates have rows, its audit
  log has entries made by a manager whose name is hostile too;
- a webhook endpoint with a delivered and a failed delivery (a long error).

It prints a JSON object (:class:`World`). Its own process, since the browser tests are sync and
the services async.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from app.db.database import Database
from app.db.tables import Registration as RegistrationTable
from app.db.tables import WebhookDelivery, WebhookEndpoint
from app.domain.audit import Actor, AuditAction
from app.domain.model import AttendanceSource, EventFormat, Seats
from app.domain.roles import Role, StaffKind
from app.services import attendance, audit, event_admin, event_staff, events, organisers
from app.services import registrations as registering
from tests.browser import busy_event
from tests.browser.conftest import ORGANISER_EMAIL, ROOT
from tests.conftest import make_event, registration_request

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

PASSWORD = "arbeitsbereich-passwort-42"
#: Manages the busy event and the hostile one; a name with markup, shown in the header and log.
MANAGER = ("leitung@example.org", 'Maria-Theresia <b>Leitung</b> & "Kommunalpartnerschaften"')
CO_HOST = ("mitveranstaltung@example.org", "Bogdana Mitveranstaltungsbeauftragte")
DOOR = ("einlass@example.org", "Dietmar Einlasskontrolleur")
HOSTILE_TITLE = (
    '<script>alert("Titel")</script> Wiederaufbaupartnerschaftskonferenz & '
    "<img src=x onerror=alert(1)> \"Daseinsvorsorge\" 'Kommunen'"
)
HOSTILE_SLUG = "wiederaufbaupartnerschaftskonferenz-online"
ONLINE_PEOPLE = 8
#: Registrations of the busy event ticked for the bulk confirmation page.
BULK_SELECTION = 6


@dataclasses.dataclass(frozen=True)
class World:
    """The ids a walk needs."""

    busy_event: int
    hostile_event: int
    selected: list[int]


async def _hostile_event(db: Database, manager: Actor, now: dt.datetime) -> int:
    starts = now + dt.timedelta(days=14)
    event = await events.create_event(
        db,
        make_event(
            now,
            slug=HOSTILE_SLUG,
            title=HOSTILE_TITLE,
            format=EventFormat.HYBRID,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            registration_opens_at=now - dt.timedelta(days=7),
            registration_closes_at=starts - dt.timedelta(days=1),
            in_person_seats=Seats(30, 0),
            online_seats=Seats(None, 0),
        ),
    )
    assert manager.id is not None
    async with db.transaction():
        await event_staff.add_owner(event.id, manager.id)
    await audit.record(db, manager, AuditAction.EVENT_CREATED, now=now, event_id=event.id)
    made = []
    for index in range(ONLINE_PEOPLE):
        request = registration_request(
            f"online.{index}@gemeinde-{index}.example",
            first_name=f"Oleksandr-Maximilian {index}",
            last_name="Hohenzollern-Schewtschenko",
            organisation="Gemeindeverwaltung Wiederaufbaupartnerschaftsangelegenheiten",
            mode="online" if index % 4 else "in_person",
        )
        made.append(await registering.register(db, HOSTILE_SLUG, request, now))
    await attendance.mark_attended_online(
        db,
        event.id,
        [m.registration.id for m in made[: ONLINE_PEOPLE // 2]],
        source=AttendanceSource.ORGANISER,
        now=now,
        actor=manager,
    )
    await audit.export_started(db, manager, event.id, "xlsx", now)
    return event.id


async def _webhook(admin: Actor, event_id: int, now: dt.datetime) -> None:
    rows = await WebhookEndpoint.insert(
        WebhookEndpoint(
            url="https://crm.kreisverwaltung.example/schnittstellen/treffpunkt/anmeldungen/eingang",
            description="CRM der Kreisverwaltung <b>Partnerschaften</b>",
            event_types="registration.created registration.cancelled event.changed",
            personal_data=True,
            secret="whsec_" + "x" * 43,
            active=False,
            created_at=now,
            created_by=admin.id,
        )
    ).returning(WebhookEndpoint.id)
    endpoint = int(rows[0]["id"])
    for change, (status, error, code) in enumerate(
        (
            ("delivered", "", 200),
            (
                "failed",
                "ConnectError: [Errno -2] Name or service not known: "
                "crm.kreisverwaltung.example<script>alert(1)</script>",
                None,
            ),
        ),
        start=1,
    ):
        await WebhookDelivery.insert(
            WebhookDelivery(
                endpoint=endpoint,
                change=change,
                event_type="registration.created",
                event=event_id,
                payload="{}",
                status=status,
                attempts=8 if status == "failed" else 1,
                send_after=now,
                last_error=error,
                response_code=code,
                created_at=now,
                delivered_at=now if status == "delivered" else None,
            )
        )


async def store(database_url: str) -> World:
    """Store the busy event, the team, the hostile event and a webhook; their ids."""
    event_id = await busy_event.store(database_url)
    now = dt.datetime.now(dt.UTC)
    db = Database.from_url(database_url, sqlite_readers=1, pool_size=1)
    await db.connect()
    try:
        admin_account = await organisers.account_by_email(ORGANISER_EMAIL)
        assert admin_account is not None
        admin = Actor(admin_account.id, admin_account.name)
        made = {}
        for (email, name), role in (
            (MANAGER, Role.MANAGER),
            (CO_HOST, Role.MANAGER),
            (DOOR, Role.DOOR_STAFF),
        ):
            made[email] = await organisers.create_organiser(
                db, email, PASSWORD, name, role=role, actor=admin, now=now
            )
        manager = Actor(made[MANAGER[0]].id, MANAGER[1])
        async with db.transaction():
            await event_staff.add_owner(event_id, made[MANAGER[0]].id)
        for email, kind in ((CO_HOST[0], StaffKind.CO_HOST), (DOOR[0], StaffKind.DOOR)):
            await event_staff.assign(db, event_id, email, kind, actor=manager, now=now)
        hostile = await _hostile_event(db, manager, now)
        await event_admin.publish(db, hostile, now, actor=manager)
        await _webhook(admin, event_id, now)
        selected = await (
            RegistrationTable.select(RegistrationTable.id)
            .where(RegistrationTable.event == event_id)
            .order_by(RegistrationTable.id)
            .limit(BULK_SELECTION)
        )
        return World(event_id, hostile, [int(row["id"]) for row in selected])
    finally:
        await db.close()


def add_to(server: LiveServer) -> World:
    """Store the world in the live server's database (another process)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.workspace_world"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"workspace_world failed:\n{result.stdout}\n{result.stderr}"
    return World(**json.loads(result.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    print(json.dumps(dataclasses.asdict(asyncio.run(store(os.environ["DATABASE_URL"])))))
