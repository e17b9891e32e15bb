"""The outbox store on its own: rows in, outbox types out, every write conditional where it must be.

The sender's behaviour built on it (leases under load, retries, take-overs by live workers) is
tested in ``tests/mail/``; here each statement is checked directly, on both backends.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from app.db import outbox
from app.db.database import Database
from app.db.tables import Outbox
from app.domain.mail import MailKind
from app.domain.model import Language
from app.domain.outbox import ClaimedMail, NewMail, OutboxStatus
from app.services.registrations import register
from tests.conftest import registration_request
from tests.mail.conftest import outbox_rows

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 3


@pytest.fixture
async def people(db: Database, event_factory, now: dt.datetime) -> tuple[int, list[int]]:
    """An event and two registrations for it, with an empty outbox."""
    event = await event_factory(slug="konferenz", title="Konferenz", reminder_lead=None)
    ids = []
    for email in ("anna@stadt.example", "ben@stadt.example"):
        outcome = await register(db, "konferenz", registration_request(email), now)
        ids.append(outcome.registration.id)
    await Outbox.delete(force=True)
    return event.id, ids


def _mail(
    event_id: int,
    registration_id: int,
    send_after: dt.datetime,
    kind: MailKind = MailKind.REMINDER,
) -> NewMail:
    return NewMail(
        kind=kind,
        event_id=event_id,
        registration_id=registration_id,
        recipient=f"person{registration_id}@stadt.example",
        language=Language.UK,
        send_after=send_after,
        payload={"position": 2, "note": "Grüße"},
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def _claim(db: Database, worker: str, now: dt.datetime, limit: int = 10) -> list[ClaimedMail]:
    async with db.transaction():
        return await outbox.claim(
            db, worker=worker, now=now, lease=LEASE, limit=limit, max_attempts=MAX_ATTEMPTS
        )


async def test_a_due_mail_is_claimed_once_as_it_was_enqueued(db: Database, people, now) -> None:
    event_id, (anna, ben) = people
    async with db.transaction():
        count = await outbox.enqueue(
            db,
            [_mail(event_id, anna, now), _mail(event_id, ben, now + dt.timedelta(hours=1))],
            now,
        )
    assert count == 2
    assert db.mail_waiting.is_set()
    assert await outbox.has_due(now)

    [claimed] = await _claim(db, "w1", now)
    assert (claimed.kind, claimed.event_id, claimed.registration_id) == (
        MailKind.REMINDER,
        event_id,
        anna,
    )
    assert claimed.recipient == f"person{anna}@stadt.example"
    assert claimed.language is Language.UK
    assert claimed.payload == {"position": 2, "note": "Grüße"}
    assert claimed.attempts == 1
    assert claimed.created_at == now
    assert claimed.created_at.tzinfo is not None
    # Leased: neither due nor claimed again; the later one is not due yet.
    assert not await outbox.has_due(now)
    assert await _claim(db, "w2", now) == []
    [row] = await outbox_rows(registration=anna)
    assert (row["status"], row["claimed_by"]) == (OutboxStatus.SENDING.value, "w1")


async def test_a_lease_that_ran_out_is_taken_over_until_the_attempts_are_used_up(
    db: Database, people, now
) -> None:
    event_id, (anna, _) = people
    async with db.transaction():
        await outbox.enqueue(db, [_mail(event_id, anna, now)], now)
    moment = now
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [claimed] = await _claim(db, f"w{attempt}", moment)
        assert claimed.attempts == attempt
        moment += LEASE + dt.timedelta(seconds=1)

    assert await _claim(db, "late", moment) == []
    [row] = await outbox_rows(registration=anna)
    assert row["status"] == OutboxStatus.FAILED.value
    assert row["last_error"] == outbox.LEASE_RAN_OUT
    assert row["lease_until"] is None


async def test_only_the_holder_renews_and_settles(db: Database, people, now) -> None:
    event_id, (anna, ben) = people
    async with db.transaction():
        await outbox.enqueue(db, [_mail(event_id, anna, now), _mail(event_id, ben, now)], now)
    first, second = await _claim(db, "w1", now)
    later = now + dt.timedelta(minutes=1)

    assert (
        await outbox.renew_leases([first.id, second.id], worker="w2", now=later, lease=LEASE)
        == set()
    )
    assert await outbox.mark_sent(first.id, worker="w1", message_id="<m1>", now=later)
    # A settled mail is no longer held: not renewed, not settled again.
    held = await outbox.renew_leases([first.id, second.id], worker="w1", now=later, lease=LEASE)
    assert held == {second.id}
    assert not await outbox.mark_failed(first.id, worker="w1", error="x", now=later)
    assert not await outbox.mark_retry(second.id, worker="w2", error="x", retry_at=later, now=later)
    assert await outbox.mark_retry(
        second.id, worker="w1", error="4xx " * 600, retry_at=later, now=later
    )

    sent, retried = await outbox_rows()
    assert (sent["status"], sent["message_id"], sent["lease_until"]) == ("sent", "<m1>", None)
    assert sent["sent_at"] == later
    assert retried["status"] == OutboxStatus.QUEUED.value
    assert retried["send_after"] == later
    assert len(retried["last_error"]) == 2000


async def test_waiting_mail_is_cancelled_and_moved_by_kind_event_and_registration(
    db: Database, people, now
) -> None:
    event_id, (anna, ben) = people
    async with db.transaction():
        await outbox.enqueue(
            db,
            [
                _mail(event_id, anna, now, MailKind.REMINDER),
                _mail(event_id, anna, now, MailKind.ACCESS),
                _mail(event_id, ben, now, MailKind.REMINDER),
            ],
            now,
        )
    cancelled = await outbox.cancel_waiting(
        kinds=[MailKind.REMINDER], reason="registration cancelled", now=now, registration_id=anna
    )
    assert cancelled == 1
    later = now + dt.timedelta(days=1)
    assert await outbox.move_waiting(event_id, MailKind.REMINDER, later, now) == 1

    reminder, access, other = await outbox_rows()
    assert (reminder["status"], reminder["last_error"]) == ("cancelled", "registration cancelled")
    assert access["status"] == OutboxStatus.QUEUED.value
    assert (other["status"], other["send_after"]) == (OutboxStatus.QUEUED.value, later)
    assert await outbox.registrations_with_mail(
        event_id, MailKind.REMINDER, statuses=[OutboxStatus.QUEUED]
    ) == {ben}
    assert await outbox.recent_count(registration_id=anna, kind=MailKind.ACCESS, since=now) == 1
    assert await outbox.recent_count(registration_id=anna, kind=MailKind.ACCESS, since=later) == 0


async def test_organisers_see_requeue_and_cancel_only_what_is_not_being_sent(
    db: Database, people, now
) -> None:
    event_id, (anna, ben) = people
    async with db.transaction():
        await outbox.enqueue(db, [_mail(event_id, anna, now), _mail(event_id, ben, now)], now)
    first, second = await _claim(db, "w1", now)
    await outbox.mark_failed(first.id, worker="w1", error="550 no such user", now=now)

    lines = await outbox.outbox_lines(limit=10)
    assert [line.id for line in lines] == [second.id, first.id]
    assert {line.event_title for line in lines} == {"Konferenz"}
    [failed] = await outbox.outbox_lines(status=OutboxStatus.FAILED, event_id=event_id, limit=10)
    assert (failed.id, failed.attempts, failed.last_error) == (first.id, 1, "550 no such user")
    assert await outbox.outbox_lines(event_id=event_id + 1, limit=10) == []

    # The one being sent is its worker's to settle.
    assert not await outbox.requeue_failed(second.id, now)
    assert not await outbox.cancel_unsent(second.id, "abgebrochen", now)
    assert await outbox.requeue_failed(first.id, now)
    [row, _] = await outbox_rows()
    assert (row["status"], row["attempts"], row["claimed_by"]) == ("queued", 0, "")
    assert row["last_error"] == "550 no such user"
    assert await outbox.cancel_unsent(first.id, "abgebrochen", now)
    assert not await outbox.cancel_unsent(first.id, "abgebrochen", now)


async def test_forgetting_recipients_keeps_the_record_without_the_person(
    db: Database, people, now
) -> None:
    event_id, (anna, ben) = people
    async with db.transaction():
        await outbox.enqueue(
            db,
            [
                _mail(event_id, anna, now, MailKind.CONFIRMATION),
                _mail(event_id, anna, now, MailKind.REMINDER),
                _mail(event_id, ben, now),
            ],
            now,
        )
    [sent] = await _claim(db, "w1", now, limit=1)
    assert await outbox.mark_sent(sent.id, worker="w1", message_id="<m>", now=now)

    await outbox.forget_recipients([anna], "personal data deleted", now)

    records = await outbox.mails_of(anna)
    assert [(record.kind, record.status) for record in records] == [
        ("confirmation", "sent"),
        ("reminder", "cancelled"),
    ]
    assert {record.recipient for record in records} == {""}
    assert records[0].sent_at == now
    rows = await outbox_rows(registration=anna)
    assert [_json(row["payload"]) for row in rows] == [{}, {}]
    [untouched] = await outbox.mails_of(ben)
    assert (untouched.recipient, untouched.status) == (f"person{ben}@stadt.example", "queued")


def test_the_store_is_the_only_code_that_touches_the_outbox_table() -> None:
    """One owner: the services go through the store, and ``app/mail/`` sees no table at all."""
    app_dir = Path(__file__).resolve().parents[2] / "app"
    for path in sorted(app_dir.rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            f"{node.module}.{alias.name}"
            for node in ast.walk(module)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }
        where = path.relative_to(app_dir).as_posix()
        if where.startswith("mail/"):
            assert not {name for name in imported if name.startswith("app.db")}, where
        elif where not in {"db/outbox.py", "db/tables.py"} and not where.startswith(
            "db/piccolo_migrations/"
        ):
            assert "app.db.tables.Outbox" not in imported, where
