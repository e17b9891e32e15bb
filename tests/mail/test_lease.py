"""The sender's lease: never sent twice by two live workers, never taken over forever.

A claim is a lease (``MAIL_LEASE_SECONDS``). A worker sends a mail only while the lease on it is
safely ahead, renewing it in the database when it is not; a mail another worker took over is
left to that worker. A mail whose lease ran out on its last allowed attempt is failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app.db import outbox
from app.db.database import Database
from app.db.tables import Outbox
from app.domain.mail import MailKind
from app.domain.model import Seats
from app.domain.outbox import OutboxStatus
from app.services.registrations import register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.mail.conftest import make_sender, outbox_rows
from tests.smtp_sink import SinkHandler, SmtpSink

#: Short, so that a slow server outlasts it within a second or two.
LEASE_SECONDS = 2.0
#: Each message takes this long at the server: longer than the lease divided by the batch.
SERVER_SECONDS = 0.3
BATCH = 10
MAILS = 12
#: Generous for a loaded CI machine; a fast one ends as soon as every mail is sent.
DEADLINE_SECONDS = 60.0


@dataclass
class SlowHandler(SinkHandler):
    """Takes ``SERVER_SECONDS`` over every message before it answers (a slow mail server)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(SERVER_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_sink(sink: SmtpSink) -> SmtpSink:
    """The test's SMTP server, made slow (the handler is read per message)."""
    sink.handler = SlowHandler()
    sink.stop()
    return sink.start()


def running_clock(start: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock that starts at the tests' ``now`` and moves with real time (leases run out)."""
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


async def _register_many(db: Database, count: int, now: dt.datetime) -> None:
    for number in range(count):
        await register(db, "konferenz", registration_request(f"team{number}@stadt.example"), now)


async def test_two_workers_on_a_slow_server_send_every_mail_exactly_once(
    db: Database, event_factory, now, slow_sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz", in_person_seats=Seats(None, 0), reminder_lead=None)
    await _register_many(db, MAILS, now)
    assert len(await outbox_rows(kind=MailKind.CONFIRMATION.value)) == MAILS
    clock = running_clock(now)
    workers = [
        make_sender(
            db, mail_settings, clock, mail_lease_seconds=LEASE_SECONDS, mail_poll_seconds=0.05
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.batch_size = BATCH
    # One worker claims a full batch, the other the rest and is soon idle, polling: a batch
    # takes BATCH * SERVER_SECONDS (3 s), longer than the lease (2 s). The idle one must not
    # take over the busy one's tail while the busy one is still working through it.
    stop = asyncio.Event()
    running = [asyncio.create_task(worker.run(stop)) for worker in workers]
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while await Outbox.count().where(Outbox.status == OutboxStatus.SENT.value) < MAILS:
            assert time.monotonic() < deadline, "the mail was not all sent in time"
            assert not any(task.done() for task in running), "a sender stopped"
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(*running)

    received = Counter(slow_sink.message_ids())
    twice = {message_id: n for message_id, n in received.items() if n > 1}
    assert not twice, f"{len(twice)} of {MAILS} mails went out more than once"
    rows = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert {row["status"] for row in rows} == {OutboxStatus.SENT.value}
    assert {row["message_id"] for row in rows} == set(received)
    # Nobody took anything over: each mail was claimed once.
    assert {row["attempts"] for row in rows} == {1}
    assert len({row["claimed_by"] for row in rows}) == 2


async def _left_by_a_dead_worker(attempts: int, now: dt.datetime) -> int:
    """The one mail, as a worker leaves it that died mid-send on its ``attempts``-th claim."""
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    await Outbox.update(
        {
            Outbox.status: OutboxStatus.SENDING.value,
            Outbox.attempts: attempts,
            Outbox.claimed_by: "dead-worker",
            Outbox.lease_until: now - dt.timedelta(seconds=1),
        }
    ).where(Outbox.id == row["id"])
    return int(row["id"])


async def test_a_take_over_counts_an_attempt_and_the_last_one_fails_the_mail(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz", reminder_lead=None)
    await _register_many(db, 1, now)
    sender = make_sender(db, mail_settings, clock)
    last = mail_settings.mail_max_attempts

    # Below the cap, a dead worker's claim is taken over, counted, and sent.
    await _left_by_a_dead_worker(last - 1, now)
    assert (await sender.drain()).sent == 1
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert (row["status"], row["attempts"]) == (OutboxStatus.SENT.value, last)

    # Its lease ran out on the last allowed attempt: failed, visibly, and not claimed again.
    mail_id = await _left_by_a_dead_worker(last, now)
    report = await sender.drain()
    await sender.close()
    assert report.sent == 0
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert row["status"] == OutboxStatus.FAILED.value
    assert row["attempts"] == last
    assert row["lease_until"] is None
    assert "lease" in row["last_error"]
    assert len(sink.received) == 1
    assert not await outbox.has_due(clock.advance(days=1))
    # The dead worker, should it wake up, cannot record anything over it.
    assert not await outbox.mark_sent(mail_id, worker="dead-worker", message_id="x", now=now)


@dataclass
class StalledHandler(SinkHandler):
    """Answers every message only after twice the lease (a server that stalls)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(2 * LEASE_SECONDS)
        return await super().handle_DATA(server, session, envelope)


async def test_an_exchange_slower_than_the_lease_is_cut_off_before_the_lease_ends(
    db: Database, event_factory, now, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz", reminder_lead=None)
    await _register_many(db, 1, now)
    sink.handler = StalledHandler()
    sink.stop()
    sink.start()
    # The SMTP timeout alone would wait far longer than the lease.
    sender = make_sender(
        db, mail_settings, running_clock(now), mail_lease_seconds=LEASE_SECONDS, smtp_timeout=30
    )
    began = time.monotonic()
    report = await sender.drain()
    took = time.monotonic() - began
    await sender.close()

    assert (report.sent, report.retried) == (0, 1)
    assert took < LEASE_SECONDS, f"still sending {took:.1f} s after the claim"
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert row["status"] == OutboxStatus.QUEUED.value
    assert "lease" in row["last_error"]
