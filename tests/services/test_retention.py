"""Data protection: anonymising after the retention period, deleting on request, the data export."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.db.tables import Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import NotFound
from app.domain.model import RegistrationStatus, Seats
from app.services import registrations, retention
from app.services.organiser_dashboard import dashboard
from tests.conftest import registration_request

ROOT = Path(__file__).resolve().parents[2]
RETENTION = dt.timedelta(days=90)


async def _rows(event_id: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = (
        await RegistrationTable.select()
        .where(RegistrationTable.event == event_id)
        .order_by(RegistrationTable.id)
    )
    return rows


@pytest.fixture
async def ended_and_upcoming(db, event_factory, now):
    """An event that ended 100 days ago and one still ahead, two registrations each."""
    past = await event_factory(slug="vorbei", in_person_seats=Seats(10, 0))
    ahead = await event_factory(slug="bald", in_person_seats=Seats(10, 0))
    registered_at = now - dt.timedelta(days=120)
    for slug in ("vorbei", "bald"):
        for email in ("olena@example.org", "jan@example.org"):
            form = registration_request(email, organisation="Громада <b>Житомир</b>")
            await registrations.register(db, slug, form, registered_at)
    # The past event happened 100 days before now.
    from app.db.tables import Event as EventTable

    await EventTable.update(
        {
            EventTable.starts_at: now - dt.timedelta(days=100, hours=4),
            EventTable.ends_at: now - dt.timedelta(days=100),
        }
    ).where(EventTable.id == past.id)
    return past, ahead


async def test_registrations_past_the_retention_period_lose_their_personal_data(
    db, now, ended_and_upcoming
):
    past, ahead = ended_and_upcoming
    before = await dashboard(past.id)
    old_tokens = [row["token"] for row in await _rows(past.id)]

    assert await retention.anonymise_expired(db, now, RETENTION) == 2
    for row in await _rows(past.id):
        assert row["first_name"] == row["last_name"] == ""
        assert row["organisation"] == row["job_title"] == ""
        assert str(row["email"]).endswith("@anonymisiert.invalid")
        answers = row["answers"]
        assert (json.loads(answers) if isinstance(answers, str) else answers) == {}
        assert row["anonymised_at"] is not None
        assert row["status"] == RegistrationStatus.CONFIRMED.value  # counts stay
        assert row["token"] not in old_tokens
    # The counts for statistics are unchanged.
    after = await dashboard(past.id)
    assert after.counts == before.counts
    # The old personal links lead nowhere.
    for token in old_tokens:
        with pytest.raises(NotFound):
            await registrations.find_by_token(str(token))
    # Mails keep the record that they were sent, but not to whom or what.
    mails = await Outbox.select().where(Outbox.event == past.id)
    assert mails
    assert all(mail["recipient"] == "" for mail in mails)
    # The upcoming event is untouched; running again changes nothing.
    assert all(row["first_name"] == "Olena" for row in await _rows(ahead.id))
    assert await retention.anonymise_expired(db, now, RETENTION) == 0


async def test_a_longer_retention_period_keeps_the_data(db, now, ended_and_upcoming):
    past, _ = ended_and_upcoming
    assert await retention.anonymise_expired(db, now, dt.timedelta(days=120)) == 0
    assert all(row["anonymised_at"] is None for row in await _rows(past.id))


async def test_an_organiser_deletes_one_registration_at_once_and_the_seat_moves_on(
    db, event_factory, now
):
    event = await event_factory(slug="voll", in_person_seats=Seats(1, 0))
    first = await registrations.register(db, "voll", registration_request("a@example.org"), now)
    waiting = await registrations.register(db, "voll", registration_request("b@example.org"), now)
    assert waiting.registration.status is RegistrationStatus.WAITLISTED

    outcome = await retention.delete_registration_data(db, event.id, first.registration.id, now)
    assert outcome.cancelled
    rows = {row["id"]: row for row in await _rows(event.id)}
    gone = rows[first.registration.id]
    assert gone["first_name"] == ""
    assert gone["status"] == RegistrationStatus.CANCELLED.value
    assert rows[waiting.registration.id]["status"] == RegistrationStatus.CONFIRMED.value
    # No mail is left waiting for the deleted address.
    waiting_mail = await Outbox.select().where(
        Outbox.registration == first.registration.id, Outbox.status == "queued"
    )
    assert waiting_mail == []
    with pytest.raises(NotFound):
        await retention.delete_registration_data(db, event.id + 1, waiting.registration.id, now)


async def test_the_registrant_sees_everything_held_and_can_delete_it(db, event_factory, now):
    await event_factory(slug="forum")
    made = await registrations.register(
        db, "forum", registration_request("olena@example.org", last_name="Коваль"), now
    )
    token = made.registration.token
    data = await retention.personal_data(token)
    assert data["registration"]["email"] == "olena@example.org"
    assert data["registration"]["last_name"] == "Коваль"
    assert data["consent"]["privacy_notice_version"]
    assert data["event"]["slug"] == "forum"
    assert data["emails"][0]["kind"] == "confirmation"
    assert data["emails"][0]["to"] == "olena@example.org"
    json.dumps(data)  # serialisable as it is
    assert token not in json.dumps(data)

    await retention.delete_own_data(db, token, now)
    with pytest.raises(NotFound):
        await retention.personal_data(token)


def test_the_anonymise_command(tmp_path):
    database = tmp_path / "cli.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "x" * 32,
        "RETENTION_DAYS": "30",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "anonymise"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "0 registrations anonymised (retention: 30 days)" in result.stdout
