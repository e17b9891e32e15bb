"""The registrations' ``search_text``: kept by the database on every write path (migration 0014)."""

from __future__ import annotations

import datetime as dt

from app.db.database import Database
from app.db.tables import Registration as RegistrationTable
from app.services import registrations
from app.services.organiser_registrations import RegistrationFilter, list_registrations
from tests.conftest import registration_request

#: A copy of a registration under another name, by plain SQL, as another write path would.
COPY = (
    "INSERT INTO registration (token, first_name, last_name, email, email_normalised, event, "
    "organisation, job_title, mode, language, status, answers, consent_version, consent_at, "
    "created_at, updated_at, invite_sequence) "
    "SELECT {}, {}, {}, {}, {}, event, organisation, job_title, mode, language, status, answers, "
    "consent_version, consent_at, created_at, updated_at, invite_sequence "
    "FROM registration WHERE id = {}"
)


async def _found(event_id: int, q: str) -> list[str]:
    page = await list_registrations(event_id, RegistrationFilter.parse(q, None, None))
    return [r.email for r in page.registrations]


async def test_rows_written_by_plain_sql_are_found_in_any_case(
    db: Database, event_factory, now: dt.datetime
) -> None:
    event = await event_factory(slug="suche")
    outcome = await registrations.register(
        db,
        "suche",
        registration_request("olena@example.org", first_name="Олена", organisation="Straße AG"),
        now,
    )
    assert await _found(event.id, "олена STRAßE") == ["olena@example.org"]
    assert await _found(event.id, "ОЛЕНА koval") == ["olena@example.org"]

    # Another write path: a plain INSERT that knows nothing of search_text.
    await RegistrationTable.raw(
        COPY,
        "t" * 40,
        "Jürgen",
        "Ääsmä",
        "juergen@example.org",
        "juergen@example.org",
        outcome.registration.id,
    )
    assert await _found(event.id, "ÄÄSMÄ jürgen") == ["juergen@example.org"]
    assert await _found(event.id, "example.org") == ["olena@example.org", "juergen@example.org"]
    assert await _found(event.id, "100%") == []  # no pattern characters: a plain substring

    await RegistrationTable.raw(
        "UPDATE registration SET first_name = {} WHERE id = {}", "Петро", outcome.registration.id
    )
    assert await _found(event.id, "олена") == []
    assert await _found(event.id, "петро") == ["olena@example.org"]
