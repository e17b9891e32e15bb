"""Which mail a registration enqueues and when it is due, and how scheduled mail follows the event.

Rows are written in the registration's own transaction; access data and reminders wait for a
moment relative to the start and move when the event moves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from app.db import registrations as registration_rows
from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.mail import MailKind
from app.domain.model import (
    AttendanceMode,
    Event,
    EventFormat,
    OnlineAccess,
    RegistrationRequest,
    RegistrationStatus,
    Seats,
)
from app.domain.outbox import OutboxStatus
from app.services import registrations
from app.services.event_changes import change_event
from app.services.events import get_public, get_with_access
from app.services.registrations import register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.mail.conftest import make_sender, outbox_rows
from tests.mail.mailbox import (
    calendar_methods,
    decoded,
    kinds_of,
    mails_of,
    payload,
    subjects,
    text_body,
    to,
    utc,
)
from tests.smtp_sink import SmtpSink

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
QUEUED = OutboxStatus.QUEUED.value


def online_form(email: str, **overrides: Any) -> RegistrationRequest:
    """A registration for online participation."""
    return registration_request(email, mode="online", **overrides)


# --- What a registration enqueues ----------------------------------------------------------


async def test_a_confirmed_seat_enqueues_its_confirmation_due_now_and_a_reminder(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="konferenz")
    outcome = await register(db, "konferenz", registration_request("anna@stadt.example"), now)

    assert outcome.registration.status is RegistrationStatus.CONFIRMED
    rows = await mails_of(outcome.registration.id)
    assert [row["kind"] for row in rows] == [MailKind.CONFIRMATION, MailKind.REMINDER]
    confirmation, reminder = rows
    assert confirmation["recipient"] == "anna@stadt.example"
    assert confirmation["status"] == QUEUED
    assert utc(confirmation["send_after"]) == now
    assert utc(reminder["send_after"]) == event.starts_at - DAY
    assert reminder["status"] == QUEUED
    # In person: no access data is ever planned.
    assert await outbox_rows(kind=MailKind.ACCESS.value) == []


async def test_a_full_event_enqueues_a_waiting_list_notice_with_the_position(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz", in_person_seats=Seats(1, 0))
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    first = await register(db, "konferenz", registration_request("ben@stadt.example"), now)
    second = await register(db, "konferenz", registration_request("cem@stadt.example"), now)

    for outcome, position in ((first, 1), (second, 2)):
        assert outcome.registration.status is RegistrationStatus.WAITLISTED
        # A waiting registrant gets the notice only: no reminder for a seat they do not have.
        [row] = await mails_of(outcome.registration.id)
        assert row["kind"] == MailKind.WAITLISTED
        assert row["recipient"] == outcome.registration.email
        assert utc(row["send_after"]) == now
        assert payload(row)["position"] == position

    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()
    [received] = to(sink, "cem@stadt.example")
    assert calendar_methods(received) == []
    # The place in the queue reaches the mail, not just the row.
    assert "Platz 2" in text_body(received)


async def test_an_online_seat_schedules_the_access_data_a_day_before_the_start(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE)
    outcome = await register(db, "runde", online_form("olena@stadt.example"), now)

    rows = {row["kind"]: row for row in await mails_of(outcome.registration.id)}
    assert set(rows) == {MailKind.CONFIRMATION, MailKind.ACCESS, MailKind.REMINDER}
    assert utc(rows[MailKind.CONFIRMATION]["send_after"]) == now
    assert utc(rows[MailKind.ACCESS]["send_after"]) == event.starts_at - DAY
    assert rows[MailKind.ACCESS]["recipient"] == "olena@stadt.example"
    assert utc(rows[MailKind.REMINDER]["send_after"]) == event.starts_at - DAY


async def test_the_event_sets_its_own_access_and_reminder_leads(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(
        slug="runde",
        format=EventFormat.ONLINE,
        access_mail_lead=2 * HOUR,
        reminder_lead=3 * DAY,
    )
    outcome = await register(db, "runde", online_form("olena@stadt.example"), now)

    [access] = await mails_of(outcome.registration.id, MailKind.ACCESS)
    [reminder] = await mails_of(outcome.registration.id, MailKind.REMINDER)
    assert utc(access["send_after"]) == event.starts_at - 2 * HOUR
    assert utc(reminder["send_after"]) == event.starts_at - 3 * DAY


async def test_registering_after_the_access_moment_gets_the_access_data_at_once(
    db: Database, event_factory, now
) -> None:
    starts = now + 3 * HOUR
    await event_factory(
        slug="runde", format=EventFormat.ONLINE, starts_at=starts, ends_at=starts + 2 * HOUR
    )
    outcome = await register(db, "runde", online_form("spaet@stadt.example"), now)

    [access] = await mails_of(outcome.registration.id, MailKind.ACCESS)
    assert utc(access["send_after"]) == now
    # The reminder's moment (a day before) has passed: the confirmation says it all.
    assert await mails_of(outcome.registration.id, MailKind.REMINDER) == []


async def test_no_reminder_when_the_event_sends_none(db: Database, event_factory, now) -> None:
    await event_factory(slug="runde", format=EventFormat.ONLINE, reminder_lead=None)
    outcome = await register(db, "runde", online_form("olena@stadt.example"), now)

    assert await kinds_of(outcome.registration.id) == [MailKind.CONFIRMATION, MailKind.ACCESS]


async def test_in_a_hybrid_event_only_the_online_registrants_get_access_data(
    db: Database, event_factory, now
) -> None:
    await event_factory(
        slug="hybrid",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(5, 0),
        online_seats=Seats(5, 0),
    )
    present = await register(
        db, "hybrid", registration_request("vorort@stadt.example", mode="in_person"), now
    )
    online = await register(db, "hybrid", online_form("online@stadt.example"), now)

    assert MailKind.ACCESS not in await kinds_of(present.registration.id)
    assert await kinds_of(present.registration.id) == [MailKind.CONFIRMATION, MailKind.REMINDER]
    [access] = await mails_of(online.registration.id, MailKind.ACCESS)
    assert access["recipient"] == "online@stadt.example"


async def test_access_in_the_confirmation_shows_id_passcode_and_personal_link_not_the_zoom_url(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(
        slug="runde", format=EventFormat.ONLINE, access_in_confirmation=True
    )
    outcome = await register(db, "runde", online_form("olena@stadt.example"), now)
    sender = make_sender(db, mail_settings, clock)
    report = await sender.drain()
    await sender.close()

    assert report.sent == 1
    [received] = sink.received
    assert calendar_methods(received) == ["REQUEST"]
    text = text_body(received)
    assert "555 000 111" in text
    assert "987654" in text
    assert f"https://treffpunkt.test/j/{outcome.registration.token}" in text
    assert event.online_access is not None
    everything = decoded(received)
    # Neither the text, the HTML nor the invite carries the meeting's own URL.
    assert event.online_access.join_url not in everything
    assert "zoom.example" not in everything
    assert "SECRETPWD" not in everything


async def test_the_access_mail_itself_carries_the_personal_join_link_only(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE, reminder_lead=None)
    outcome = await register(db, "runde", online_form("olena@stadt.example"), now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    # Not yet: the access data waits for its moment.
    assert len(sink.received) == 1
    clock.now = event.starts_at - DAY
    report = await sender.drain()
    await sender.close()

    assert report.sent == 1
    [_, received] = sink.received
    text = text_body(received)
    assert f"https://treffpunkt.test/j/{outcome.registration.token}" in text
    assert "987654" in text
    assert "zoom.example" not in decoded(received)
    [access] = await mails_of(outcome.registration.id, MailKind.ACCESS)
    assert access["status"] == OutboxStatus.SENT.value


# --- Atomicity -------------------------------------------------------------------------------


async def seats_taken(event_id: int) -> int:
    row = (
        await EventTable.select(EventTable.seats_taken_in_person)
        .where(EventTable.id == event_id)
        .first()
    )
    assert row is not None
    return int(row["seats_taken_in_person"])


#: A trigger that breaks the transaction once the third mail row is written (the registration's
#: confirmation, reminder and organiser notice): the registration's writes are all done by then.
_BREAK_AFTER_THIRD_MAIL = {
    "sqlite": [
        "CREATE TRIGGER test_break_after_mail AFTER INSERT ON outbox "
        "WHEN (SELECT COUNT(*) FROM outbox) = 3 "
        "BEGIN SELECT RAISE(ABORT, 'the transaction breaks after the mail was written'); END"
    ],
    "postgres": [
        "CREATE FUNCTION test_break_after_mail() RETURNS trigger AS $$ BEGIN "
        "IF (SELECT COUNT(*) FROM outbox) = 3 THEN "
        "RAISE EXCEPTION 'the transaction breaks after the mail was written'; END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER test_break_after_mail AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION test_break_after_mail()",
    ],
}


async def test_a_registration_that_fails_after_enqueueing_leaves_no_mail_behind(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="konferenz", notify_organisers=True, contact_email="team@x.de")
    # The registration's statements run inside the database layer in one go (on SQLite in one
    # call on the writer's thread), so the break comes from the database: a trigger that fails
    # the transaction once its three mails are in the outbox.
    for statement in _BREAK_AFTER_THIRD_MAIL["sqlite" if db.is_sqlite else "postgres"]:
        await db.engine.run_ddl(statement)
    with pytest.raises(Exception, match="after the mail was written"):
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)

    # The three mails were written (the trigger fired on the third) and went with the
    # transaction: no mail about a registration that does not exist.
    assert await outbox_rows() == []
    assert await RegistrationTable.count() == 0
    assert await seats_taken(event.id) == 0


async def test_a_duplicate_refused_by_the_database_leaves_no_seat_and_no_mail(
    db: Database, event_factory, now, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = await event_factory(slug="konferenz")
    first = await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    before = await outbox_rows()

    real_locked = registration_rows._locked

    def blind_to_addresses(
        row: Any, mode: AttendanceMode, known: Event | None
    ) -> registration_rows.Locked:
        # Plays the race the unique index is there for: the locked read misses the other row.
        return dataclasses.replace(real_locked(row, mode, known), existing=None)

    monkeypatch.setattr(registration_rows, "_locked", blind_to_addresses)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await register(db, "konferenz", registration_request("ANNA@stadt.example"), now)

    assert await outbox_rows() == before
    assert await seats_taken(event.id) == 1
    assert [r.id for r in await registrations.list_for_event(event.id)] == [first.registration.id]


# --- Scheduled mail follows the event -------------------------------------------------------


async def _online_event_with_registrants(db: Database, event_factory, now):
    event = await event_factory(
        slug="runde", format=EventFormat.ONLINE, online_seats=Seats(2, 0), waitlist_enabled=True
    )
    seated = [
        (await register(db, "runde", online_form(f"{name}@stadt.example"), now)).registration
        for name in ("anna", "ben")
    ]
    waiting = (await register(db, "runde", online_form("cem@stadt.example"), now)).registration
    assert waiting.status is RegistrationStatus.WAITLISTED
    return event, seated, waiting


async def test_moving_the_event_moves_the_waiting_access_and_reminder_mails(
    db: Database, event_factory, now
) -> None:
    event, seated, _ = await _online_event_with_registrants(db, event_factory, now)
    later = event.starts_at + 2 * DAY
    moved = dataclasses.replace(event, starts_at=later, ends_at=later + 4 * HOUR)

    outcome = await change_event(db, event.id, moved, notify=False, message="", now=now)

    assert outcome.significant
    for registration in seated:
        [access] = await mails_of(registration.id, MailKind.ACCESS)
        [reminder] = await mails_of(registration.id, MailKind.REMINDER)
        assert (access["status"], reminder["status"]) == (QUEUED, QUEUED)
        assert utc(access["send_after"]) == later - DAY
        assert utc(reminder["send_after"]) == later - DAY
        # The confirmation was due at once and stays so.
        [confirmation] = await mails_of(registration.id, MailKind.CONFIRMATION)
        assert utc(confirmation["send_after"]) == now


async def test_changing_the_leads_alone_moves_the_scheduled_mail(
    db: Database, event_factory, now
) -> None:
    event, seated, _ = await _online_event_with_registrants(db, event_factory, now)
    changed = dataclasses.replace(event, access_mail_lead=HOUR, reminder_lead=2 * DAY)

    outcome = await change_event(db, event.id, changed, notify=True, message="", now=now)

    # Not a change of the event itself: nobody is told, the invites stay as they are.
    assert not outcome.significant
    assert outcome.notified == 0
    for registration in seated:
        [access] = await mails_of(registration.id, MailKind.ACCESS)
        [reminder] = await mails_of(registration.id, MailKind.REMINDER)
        assert utc(access["send_after"]) == event.starts_at - HOUR
        assert utc(reminder["send_after"]) == event.starts_at - 2 * DAY


async def test_a_registration_after_a_move_plans_its_mail_for_the_new_time(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="konferenz")
    # The registration form's page read the event before the organiser moved it.
    seen = (await get_public("konferenz")).event
    later = event.starts_at + 2 * DAY
    moved = dataclasses.replace(event, starts_at=later, ends_at=later + 4 * HOUR)
    await change_event(db, event.id, moved, notify=False, message="", now=now)

    outcome = await register(
        db, "konferenz", registration_request("anna@stadt.example"), now, event=seen
    )

    # Planned from the event as stored under the lock, not as the page saw it.
    [reminder] = await mails_of(outcome.registration.id, MailKind.REMINDER)
    assert utc(reminder["send_after"]) == later - DAY


async def test_mail_already_sent_is_not_touched_when_the_event_moves(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event, seated, _ = await _online_event_with_registrants(db, event_factory, now)
    sender = make_sender(db, mail_settings, clock)
    clock.now = event.starts_at - DAY
    await sender.drain()
    await sender.close()
    [access] = await mails_of(seated[0].id, MailKind.ACCESS)
    assert access["status"] == OutboxStatus.SENT.value

    later = event.starts_at + DAY
    moved = dataclasses.replace(event, starts_at=later, ends_at=later + 4 * HOUR)
    await change_event(db, event.id, moved, notify=False, message="", now=clock.now)

    [after] = await mails_of(seated[0].id, MailKind.ACCESS)
    assert after["status"] == OutboxStatus.SENT.value
    assert utc(after["send_after"]) == utc(access["send_after"])


async def test_switching_the_reminder_off_cancels_the_waiting_reminders(
    db: Database, event_factory, now
) -> None:
    event, seated, _ = await _online_event_with_registrants(db, event_factory, now)

    await change_event(
        db,
        event.id,
        dataclasses.replace(event, reminder_lead=None),
        notify=True,
        message="",
        now=now,
    )

    for registration in seated:
        [reminder] = await mails_of(registration.id, MailKind.REMINDER)
        assert reminder["status"] == OutboxStatus.CANCELLED.value
        assert reminder["last_error"] == "no longer scheduled"
        [access] = await mails_of(registration.id, MailKind.ACCESS)
        assert access["status"] == QUEUED
    assert await outbox_rows(kind=MailKind.EVENT_CHANGED.value) == []


async def test_a_moved_reminder_goes_out_at_the_new_moment_only(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="konferenz")
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    later = event.starts_at + 2 * DAY
    moved = dataclasses.replace(event, starts_at=later, ends_at=later + 4 * HOUR)
    await change_event(db, event.id, moved, notify=False, message="", now=now)
    sender = make_sender(db, mail_settings, clock)

    await sender.drain()
    clock.now = event.starts_at - DAY  # the old moment
    at_old_moment = await sender.drain()
    clock.now = later - DAY
    at_new_moment = await sender.drain()
    await sender.close()

    assert at_old_moment.handled == 0
    assert at_new_moment.sent == 1
    assert subjects(sink.received) == [
        "Anmeldung bestätigt: Konferenz",
        "Erinnerung: Konferenz",
    ]


async def test_a_significant_change_with_notice_tells_every_active_registrant(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event, _seated, waiting = await _online_event_with_registrants(db, event_factory, now)
    gone = (await register(db, "runde", online_form("dora@stadt.example"), now)).registration
    await registrations.cancel(db, gone.token, now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    before = len(sink.received)
    later = event.starts_at + HOUR
    moved = dataclasses.replace(event, starts_at=later, ends_at=later + 4 * HOUR)

    outcome = await change_event(
        db, event.id, moved, notify=True, message="Wir beginnen eine Stunde später.", now=now
    )

    assert outcome.significant
    assert outcome.notified == 3
    assert outcome.event.revision == event.revision + 1
    assert (await get_with_access(event.id)).revision == event.revision + 1
    changed = await outbox_rows(kind=MailKind.EVENT_CHANGED.value)
    assert sorted(row["recipient"] for row in changed) == [
        "anna@stadt.example",
        "ben@stadt.example",
        "cem@stadt.example",
    ]
    assert all(payload(row)["message"] == "Wir beginnen eine Stunde später." for row in changed)
    assert all(utc(row["send_after"]) == now for row in changed)
    assert await mails_of(gone.id, MailKind.EVENT_CHANGED) == []

    report = await sender.drain()
    await sender.close()
    assert report.sent == 3
    received = sink.received[before:]
    assert sorted(r.recipients[0] for r in received) == [
        "anna@stadt.example",
        "ben@stadt.example",
        "cem@stadt.example",
    ]
    for item in received:
        assert "Wir beginnen eine Stunde später." in text_body(item)
    [confirmed_notice] = to(sink, "anna@stadt.example")[-1:]
    assert calendar_methods(confirmed_notice) == ["REQUEST"]
    # The waiting registrant hears of the change, but gets no invite for a seat they lack.
    [waiting_notice] = to(sink, waiting.email)[-1:]
    assert "Wir beginnen eine Stunde später." in text_body(waiting_notice)
    assert calendar_methods(waiting_notice) == []


async def test_a_significant_change_without_notice_sends_nothing_but_moves_the_schedule(
    db: Database, event_factory, now
) -> None:
    event, seated, _ = await _online_event_with_registrants(db, event_factory, now)
    before = {row["id"] for row in await outbox_rows()}
    later = event.starts_at - DAY
    moved = dataclasses.replace(event, starts_at=later, ends_at=later + 4 * HOUR)

    outcome = await change_event(db, event.id, moved, notify=False, message="", now=now)

    assert outcome.significant
    assert outcome.notified == 0
    assert outcome.event.revision == event.revision + 1
    assert {row["id"] for row in await outbox_rows()} == before
    [reminder] = await mails_of(seated[0].id, MailKind.REMINDER)
    assert utc(reminder["send_after"]) == later - DAY


async def test_a_change_that_is_not_significant_sends_nothing_and_keeps_the_revision(
    db: Database, event_factory, now
) -> None:
    event, _, _ = await _online_event_with_registrants(db, event_factory, now)
    before = await outbox_rows()

    outcome = await change_event(
        db,
        event.id,
        dataclasses.replace(event, description="Mit neuem Programmpunkt."),
        notify=True,
        message="Neu im Programm",
        now=now + HOUR,
    )

    assert not outcome.significant
    assert outcome.notified == 0
    assert outcome.event.revision == event.revision
    assert outcome.event.description == "Mit neuem Programmpunkt."
    # Not one row added or changed.
    assert await outbox_rows() == before


async def test_switching_the_reminder_on_later_schedules_it_for_those_already_confirmed(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="konferenz", in_person_seats=Seats(1, 0), reminder_lead=None)
    seated = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration
    waiting = (
        await register(db, "konferenz", registration_request("ben@stadt.example"), now)
    ).registration
    assert await mails_of(seated.id, MailKind.REMINDER) == []

    await change_event(
        db,
        event.id,
        dataclasses.replace(event, reminder_lead=2 * DAY),
        notify=False,
        message="",
        now=now,
    )

    [reminder] = await mails_of(seated.id, MailKind.REMINDER)
    assert (reminder["status"], utc(reminder["send_after"])) == (QUEUED, event.starts_at - 2 * DAY)
    # Only a seat is reminded of; switching it on twice plans no second reminder.
    assert await mails_of(waiting.id, MailKind.REMINDER) == []
    current = await get_with_access(event.id)
    await change_event(
        db,
        event.id,
        dataclasses.replace(current, reminder_lead=DAY),
        notify=False,
        message="",
        now=now,
    )
    [moved] = await mails_of(seated.id, MailKind.REMINDER)
    assert utc(moved["send_after"]) == event.starts_at - DAY


async def test_a_reminder_switched_off_and_on_again_is_planned_anew(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="konferenz")
    seated = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration
    off = dataclasses.replace(event, reminder_lead=None)
    await change_event(db, event.id, off, notify=False, message="", now=now)
    await change_event(db, event.id, event, notify=False, message="", now=now)

    reminders = await mails_of(seated.id, MailKind.REMINDER)
    assert [row["status"] for row in reminders] == [OutboxStatus.CANCELLED.value, QUEUED]
    assert utc(reminders[1]["send_after"]) == event.starts_at - DAY


async def test_a_reminder_whose_moment_has_passed_is_not_planned_when_switched_on(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="konferenz", reminder_lead=None)
    seated = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration

    too_early = dataclasses.replace(event, reminder_lead=8 * DAY)  # a day ago
    await change_event(db, event.id, too_early, notify=False, message="", now=now)

    assert await mails_of(seated.id, MailKind.REMINDER) == []


async def test_more_seats_promote_and_the_promoted_get_their_mail(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE, online_seats=Seats(1, 0))
    await register(db, "runde", online_form("anna@stadt.example"), now)
    waiting = (await register(db, "runde", online_form("ben@stadt.example"), now)).registration
    current = await get_with_access(event.id)

    outcome = await change_event(
        db,
        event.id,
        dataclasses.replace(current, online_seats=Seats(2, 1)),
        notify=False,
        message="",
        now=now + HOUR,
    )

    assert outcome.promoted == 1
    rows = {row["kind"]: row for row in await mails_of(waiting.id)}
    assert set(rows) == {
        MailKind.WAITLISTED,
        MailKind.PROMOTION,
        MailKind.ACCESS,
        MailKind.REMINDER,
    }
    assert utc(rows[MailKind.PROMOTION]["send_after"]) == now + HOUR
    assert utc(rows[MailKind.ACCESS]["send_after"]) == event.starts_at - DAY


async def test_late_access_data_and_a_promotion_in_one_change_send_one_access_mail(
    db: Database, event_factory, now
) -> None:
    starts = now + 10 * HOUR  # the access mail's moment has passed
    event = await event_factory(
        slug="runde",
        format=EventFormat.ONLINE,
        online_seats=Seats(1, 0),
        online_access=None,
        starts_at=starts,
        ends_at=starts + 2 * HOUR,
    )
    await register(db, "runde", online_form("anna@stadt.example"), now)
    waiting = (await register(db, "runde", online_form("ben@stadt.example"), now)).registration
    current = await get_with_access(event.id)
    with_access = dataclasses.replace(
        current,
        online_seats=Seats(2, 1),
        online_access=OnlineAccess(join_url="https://zoom.example/j/1", meeting_id="1"),
    )

    await change_event(db, event.id, with_access, notify=False, message="", now=now)

    [access] = await mails_of(waiting.id, MailKind.ACCESS)
    assert utc(access["send_after"]) == now
