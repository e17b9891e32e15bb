"""The sender against a real SMTP server: what arrives, and that nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter

import pytest
from icalendar import Calendar

from app.db import outbox
from app.db.database import Database
from app.domain.mail import MailKind
from app.domain.model import EventFormat, Language, Seats
from app.domain.outbox import NewMail, OutboxStatus
from app.formatting import format_moment
from app.services.registrations import list_for_event as registrations_of
from app.services.registrations import register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.mail.conftest import make_sender, outbox_rows
from tests.smtp_sink import SmtpSink


async def _register_many(db: Database, slug: str, count: int, now: dt.datetime) -> None:
    """``count`` registrations, each enqueueing one confirmation that is due now."""
    for number in range(count):
        await register(db, slug, registration_request(f"team{number}@stadt.example"), now)


async def _enqueue_notice(db: Database, event_id: int, recipient: str, now: dt.datetime) -> None:
    """An organiser notice about the event's first registration, to ``recipient``."""
    [first] = await registrations_of(event_id)
    async with db.transaction():
        await outbox.enqueue(
            db,
            [
                NewMail(
                    kind=MailKind.ORGANISER_NOTICE,
                    event_id=event_id,
                    registration_id=first.id,
                    recipient=recipient,
                    language=Language.DE,
                    send_after=now,
                )
            ],
            now,
        )


async def test_confirmation_arrives_with_headers_body_and_invite(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(
        slug="runde", title="Online-Runde Energie", format=EventFormat.ONLINE
    )
    outcome = await register(
        db, "runde", registration_request("olena@stadt.example", mode="online"), now
    )
    sender = make_sender(db, mail_settings, clock)
    report = await sender.drain()
    await sender.close()

    # The confirmation goes now; the access data waits for 24 h before the start.
    assert report.sent == 1
    [received] = sink.received
    assert received.recipients == ["olena@stadt.example"]
    assert received.mail_from == "noreply@treffpunkt.test"
    message = received.message
    assert message["To"] == "Olena Koval <olena@stadt.example>"
    assert "Online-Runde Energie" in str(message["Subject"])
    assert message["Reply-To"] == "team@treffpunkt.test"
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert row["status"] == OutboxStatus.SENT.value
    assert row["message_id"] == message["Message-ID"]
    assert row["sent_at"] == clock.now or row["sent_at"] is not None

    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in alternative.iter_parts()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    plain, _, invitation = alternative.iter_parts()
    assert invitation.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "einladung.ics"
    assert b"METHOD:REQUEST" in attachment.get_payload(decode=True)

    text = plain.get_content()
    assert "Online-Runde Energie" in text
    assert f"https://treffpunkt.test/r/{outcome.registration.token}" in text
    # Access data is not in a confirmation unless the organiser asks for it.
    assert "987654" not in received.data.decode("utf-8", "replace")
    assert event.online_access is not None
    assert event.online_access.join_url not in received.data.decode("utf-8", "replace")

    [access] = await outbox_rows(kind=MailKind.ACCESS.value)
    assert access["status"] == OutboxStatus.QUEUED.value


async def test_header_syntax_in_a_name_cannot_add_headers_or_recipients(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    await register(
        db,
        "konferenz",
        registration_request(
            "eve@stadt.example",
            first_name="Eve\r\nBcc: victim@evil.example",
            last_name='"Mallory" <boss@evil.example>, x',
        ),
        now,
    )
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()

    [received] = sink.received
    assert received.recipients == ["eve@stadt.example"]
    message = received.message
    assert message.get_all("Bcc") is None
    assert len(message.get_all("To", [])) == 1
    [address] = message["To"].addresses
    assert address.addr_spec == "eve@stadt.example"
    assert "victim@evil.example" not in [a.addr_spec for a in message["To"].addresses]


async def test_an_invalid_address_never_reaches_smtp(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="konferenz", in_person_seats=Seats(0, 0))
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    for recipient in ["team@stadt.example\r\nBcc: x@evil.example", "kein-at-zeichen"]:
        await _enqueue_notice(db, event.id, recipient, now)
    sender = make_sender(db, mail_settings, clock)
    report = await sender.drain()
    await sender.close()

    # The waiting-list notice goes; the two notices with broken addresses never reach SMTP.
    assert (report.sent, report.failed) == (1, 2)
    assert sink.handler.attempts == 1
    for row in await outbox_rows(kind=MailKind.ORGANISER_NOTICE.value):
        assert row["status"] == OutboxStatus.FAILED.value
        assert row["last_error"] == "invalid recipient address"


async def test_451_then_250_delivers_once(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    sink.handler.answers.append("451 4.3.0 Try again later")
    sender = make_sender(db, mail_settings, clock)

    first = await sender.drain()
    assert (first.sent, first.retried) == (0, 1)
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert row["status"] == OutboxStatus.QUEUED.value
    assert row["last_error"].startswith("451")
    # Not due yet: nothing happens before the retry delay.
    assert (await sender.drain()).handled == 0

    clock.advance(seconds=61)
    second = await sender.drain()
    await sender.close()
    assert second.sent == 1
    assert len(sink.received) == 1
    assert sink.handler.attempts == 2
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert (row["status"], row["attempts"]) == (OutboxStatus.SENT.value, 2)


async def test_5xx_fails_for_good_and_keeps_the_answer(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    sink.handler.refused_recipients["gone@stadt.example"] = "550 5.1.1 Mailbox unknown"
    await register(db, "konferenz", registration_request("gone@stadt.example"), now)
    await register(db, "konferenz", registration_request("here@stadt.example"), now)
    sender = make_sender(db, mail_settings, clock)
    report = await sender.drain()
    clock.advance(hours=2)
    again = await sender.drain()
    await sender.close()

    assert (report.sent, report.failed, again.handled) == (1, 1, 0)
    [failed] = await outbox_rows(status=OutboxStatus.FAILED.value)
    assert failed["recipient"] == "gone@stadt.example"
    assert failed["last_error"] == "550 5.1.1 Mailbox unknown"
    assert [r.recipients for r in sink.received] == [["here@stadt.example"]]


async def test_a_server_down_for_a_while_gets_every_message_exactly_once(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    await _register_many(db, "konferenz", 12, now)
    sender = make_sender(db, mail_settings, clock, mail_max_attempts=10)
    sink.stop()
    down = await sender.drain()
    assert down.sent == 0
    assert down.retried == 12

    # Still down at the first retry.
    clock.advance(minutes=2)
    assert (await sender.drain()).sent == 0

    sink.start()
    # Back, but it closes the conversation once with 421 before it settles.
    sink.handler.answers.append("421 4.3.2 Service shutting down")
    for _ in range(10):
        clock.advance(hours=1, seconds=1)
        await sender.drain()
    await sender.close()

    ids = sink.message_ids()
    assert len(ids) == 12
    assert len(set(ids)) == 12
    confirmations = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert Counter(row["status"] for row in confirmations) == {OutboxStatus.SENT.value: 12}


async def test_retries_are_bounded(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    await _register_many(db, "konferenz", 1, now)
    sink.stop()
    sender = make_sender(db, mail_settings, clock, mail_max_attempts=3)
    delays: list[dt.timedelta] = []
    for _ in range(5):
        await sender.drain()
        [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
        if row["status"] != OutboxStatus.QUEUED.value:
            break
        delays.append(row["send_after"] - clock.now)
        clock.advance(hours=2)
    await sender.close()

    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert row["status"] == OutboxStatus.FAILED.value
    assert row["attempts"] == 3
    assert row["last_error"].startswith("gave up after 3 attempts")
    # Growing delays: 60 s, then 120 s.
    assert [round(d.total_seconds()) for d in delays] == [60, 120]


async def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    await _register_many(db, "konferenz", 1, now)
    # A worker claims and dies before sending.
    lease = dt.timedelta(seconds=mail_settings.mail_lease_seconds)
    claimed = await outbox.claim(
        db,
        worker="dead",
        now=clock.now,
        lease=lease,
        limit=10,
        max_attempts=mail_settings.mail_max_attempts,
    )
    assert len(claimed) == 1

    sender = make_sender(db, mail_settings, clock)
    assert (await sender.drain()).handled == 0  # still leased
    clock.advance(seconds=mail_settings.mail_lease_seconds + 1)
    assert (await sender.drain()).sent == 1
    await sender.close()
    # The dead worker cannot overwrite the outcome afterwards.
    assert not await outbox.mark_failed(claimed[0].id, worker="dead", error="x", now=clock.now)
    [row] = await outbox_rows(kind=MailKind.CONFIRMATION.value)
    assert row["status"] == OutboxStatus.SENT.value
    assert len(sink.received) == 1


async def test_two_workers_never_send_the_same_message_twice(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz", in_person_seats=Seats(None, 0))
    await _register_many(db, "konferenz", 120, now)
    workers = [make_sender(db, mail_settings, clock) for _ in range(2)]
    for worker in workers:
        worker.batch_size = 5
    reports = await asyncio.gather(*(worker.drain() for worker in workers))
    for worker in workers:
        await worker.close()

    assert sum(report.sent for report in reports) == 120
    ids = sink.message_ids()
    assert len(ids) == 120
    assert len(set(ids)) == 120
    sent = await outbox_rows(status=OutboxStatus.SENT.value)
    assert len(sent) == 120
    assert {row["message_id"] for row in sent} == set(ids)


async def test_a_template_error_fails_the_mail_visibly(
    db: Database,
    event_factory,
    now,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await event_factory(slug="konferenz", double_opt_in=True)
    outcome = await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    # A payload the opt-in template cannot use: the mail must fail, not go out half-made.
    from app.db.tables import Outbox

    await Outbox.update({Outbox.payload: '{"hold_until": "not a time"}'}).where(
        Outbox.registration == outcome.registration.id
    )
    sender = make_sender(db, mail_settings, clock)
    with caplog.at_level(logging.ERROR, logger="treffpunkt.mail"):
        report = await sender.drain()
    await sender.close()

    assert report.failed == 1
    [row] = await outbox_rows(kind=MailKind.OPT_IN.value)
    assert row["status"] == OutboxStatus.FAILED.value
    assert row["last_error"].startswith("template:")
    assert any("template failed" in record.getMessage() for record in caplog.records)
    assert sink.handler.attempts == 0


async def test_without_smtp_host_mail_is_written_as_files(
    db: Database, event_factory, now, clock: ManualClock, tmp_path, mail_settings: Settings
) -> None:
    import dataclasses

    from app.services.delivery import OutboxSender

    await event_factory(slug="konferenz", in_person_seats=Seats(1, 0))
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    await register(db, "konferenz", registration_request("ben@stadt.example"), now)
    settings = dataclasses.replace(mail_settings, smtp_host="", mail_dir=tmp_path / "mail")
    sender = OutboxSender(db, settings, clock=clock)
    report = await sender.drain()

    assert report.sent == 2
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    assert not list((tmp_path / "mail").glob(".*"))  # no half-written files left
    contents = b"".join(f.read_bytes() for f in files)
    assert b"anna@stadt.example" in contents
    assert b"ben@stadt.example" in contents


async def test_mail_about_an_event_answers_to_its_contact_in_the_registrants_language(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(
        slug="runde",
        title="Online-Runde Energie",
        format=EventFormat.ONLINE,
        contact_email="netzwerk@stadt.example",
    )
    await register(
        db,
        "runde",
        registration_request("olena@stadt.example", mode="online", language="uk"),
        now,
    )
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()

    [received] = sink.received
    message = received.message
    # Answers go to the event's contact, not to the configured MAIL_REPLY_TO.
    assert message["Reply-To"] == "netzwerk@stadt.example"
    _, attachment = message.iter_parts()
    assert attachment.get_filename() == "запрошення.ics"
    content = attachment.get_payload(decode=True)
    assert isinstance(content, bytes)
    [vevent] = Calendar.from_ical(content).walk("VEVENT")
    assert str(vevent["ORGANIZER"]) == "mailto:netzwerk@stadt.example"
    # The confirmation says when the Zoom data come: the event's lead time before the start.
    moment = format_moment(event.starts_at - event.access_mail_lead, event.timezone, "uk")
    moment += " GMT+01:00"  # the zone, named as Ukrainian names it
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    assert f"Дані для онлайн-участі (Zoom) надійдуть Вам окремим листом: {moment}." in (
        plain.get_content()
    )


async def test_sending_mail_keeps_the_pages_this_process_has_cached(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    # The sender in the web process wakes after every registration; its leases and outcomes
    # change no public page, so they must not count as public changes (the page cache's
    # generation), or every registration would empty the cache through its mails.
    await event_factory(slug="runde")
    await register(db, "runde", registration_request("olena@stadt.example"), now)
    counted = db.writes_committed
    sender = make_sender(db, mail_settings, clock)
    report = await sender.drain()
    await sender.close()
    assert report.sent >= 1
    assert db.writes_committed == counted


async def test_only_public_transactions_count_as_public_changes(db: Database) -> None:
    counted = db.writes_committed
    async with db.transaction(public=False):
        pass
    assert db.writes_committed == counted
    # A public part makes the whole one public.
    async with db.transaction(public=False), db.transaction():
        pass
    assert db.writes_committed == counted + 1
    async with db.transaction():
        pass
    assert db.writes_committed == counted + 2
    with pytest.raises(RuntimeError):
        async with db.transaction():
            raise RuntimeError("rolled back")
    assert db.writes_committed == counted + 2
