"""Mail over a registration's life: cancelling, promotion, double opt-in, second attempts, notices.

Nothing goes out for a cancelled registration or event, whether the row was stopped when the
change happened or is only found out by the sender at sending time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import RegistrationClosed
from app.domain.mail import MailKind
from app.domain.model import EventFormat, RegistrationRequest, RegistrationStatus, Seats
from app.domain.outbox import OutboxStatus
from app.services.event_changes import cancel_event
from app.services.registrations import cancel, confirm_address, expire_holds, register
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
SENT = OutboxStatus.SENT.value
CANCELLED = OutboxStatus.CANCELLED.value
ORGANISERS = "team@veranstalter.example"


def online_form(email: str, **overrides: Any) -> RegistrationRequest:
    """A registration for online participation."""
    return registration_request(email, mode="online", **overrides)


async def seats_taken(event_id: int) -> tuple[int, int]:
    row = (
        await EventTable.select(EventTable.seats_taken_in_person, EventTable.seats_taken_online)
        .where(EventTable.id == event_id)
        .first()
    )
    assert row is not None
    return row["seats_taken_in_person"], row["seats_taken_online"]


async def status_of(registration_id: int) -> RegistrationStatus:
    row = (
        await RegistrationTable.select(RegistrationTable.status)
        .where(RegistrationTable.id == registration_id)
        .first()
    )
    assert row is not None
    return RegistrationStatus(row["status"])


# --- Cancelling a registration ---------------------------------------------------------------


async def test_cancelling_a_seat_stops_its_mail_and_the_promoted_person_gets_theirs(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE, online_seats=Seats(1, 0))
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    ben = (await register(db, "runde", online_form("ben@stadt.example"), now)).registration
    assert ben.status is RegistrationStatus.WAITLISTED
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()  # anna's confirmation, ben's waiting-list notice

    clock.advance(hours=1)
    outcome = await cancel(db, anna.token, clock.now)

    assert outcome.registration.status is RegistrationStatus.CANCELLED
    rows = {row["kind"]: row for row in await mails_of(anna.id)}
    assert rows[MailKind.CONFIRMATION]["status"] == SENT
    for kind in (MailKind.ACCESS, MailKind.REMINDER):
        assert rows[kind]["status"] == CANCELLED
        assert rows[kind]["last_error"] == "registration cancelled"
    notice = rows[MailKind.CANCELLED]
    assert (notice["status"], notice["recipient"]) == (QUEUED, "anna@stadt.example")
    assert utc(notice["send_after"]) == clock.now
    assert payload(notice)["held_seat"] is True

    assert await status_of(ben.id) is RegistrationStatus.CONFIRMED
    assert await seats_taken(event.id) == (0, 1)
    promoted = {row["kind"]: row for row in await mails_of(ben.id)}
    assert utc(promoted[MailKind.PROMOTION]["send_after"]) == clock.now
    assert utc(promoted[MailKind.ACCESS]["send_after"]) == event.starts_at - DAY
    assert utc(promoted[MailKind.REMINDER]["send_after"]) == event.starts_at - DAY

    report = await sender.drain()
    assert report.sent == 2
    clock.now = event.starts_at - DAY
    scheduled = await sender.drain()
    await sender.close()

    assert scheduled.sent == 2  # ben's access data and reminder; nothing of anna's
    anna_mail = to(sink, "anna@stadt.example")
    assert subjects(anna_mail) == [
        "Anmeldung bestätigt: Konferenz",
        "Abmeldung bestätigt: Konferenz",
    ]
    assert calendar_methods(anna_mail[-1]) == ["CANCEL"]
    ben_mail = to(sink, "ben@stadt.example")
    assert subjects(ben_mail) == [
        "Warteliste: Konferenz",
        "Ein Platz ist frei geworden: Konferenz",
        "Ihre Zugangsdaten: Konferenz",
        "Erinnerung: Konferenz",
    ]
    assert calendar_methods(ben_mail[1]) == ["REQUEST"]
    assert f"/j/{ben.token}" in text_body(ben_mail[2])


async def test_a_waiting_list_notice_not_yet_sent_is_dropped_once_promoted(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz", in_person_seats=Seats(1, 0))
    anna = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration
    ben = (
        await register(db, "konferenz", registration_request("ben@stadt.example"), now)
    ).registration
    await cancel(db, anna.token, now)

    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()

    [waiting] = await mails_of(ben.id, MailKind.WAITLISTED)
    assert (waiting["status"], waiting["last_error"]) == (CANCELLED, "no longer waiting")
    assert subjects(to(sink, "ben@stadt.example")) == ["Ein Platz ist frei geworden: Konferenz"]
    # Anna's confirmation was stopped with her registration; she hears of the cancellation only.
    assert subjects(to(sink, "anna@stadt.example")) == ["Abmeldung bestätigt: Konferenz"]


async def test_cancelling_a_waiting_place_cancels_no_invite_and_promotes_nobody(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="konferenz", in_person_seats=Seats(1, 0))
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ben = (
        await register(db, "konferenz", registration_request("ben@stadt.example"), now)
    ).registration

    outcome = await cancel(db, ben.token, now)

    assert [change.kind for change in outcome.changes] == ["cancelled"]
    [notice] = await mails_of(ben.id, MailKind.CANCELLED)
    assert payload(notice)["held_seat"] is False
    assert await seats_taken(event.id) == (1, 0)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()
    [received] = to(sink, "ben@stadt.example")
    assert calendar_methods(received) == []


async def test_registering_again_before_a_delayed_cancellation_notice_goes_out_drops_it(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    anna = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await cancel(db, anna.token, clock.now)
    sink.stop()
    assert (await sender.drain()).retried == 1  # the cancellation notice waits for a retry

    clock.advance(seconds=10)
    again = await register(db, "konferenz", registration_request("anna@stadt.example"), clock.now)
    assert again.registration.status is RegistrationStatus.CONFIRMED
    sink.start()
    clock.advance(minutes=5)
    await sender.drain()
    await sender.close()

    # A CANCEL arriving after the new REQUEST would take the event out of her calendar although
    # she is registered; the cancellation notice is out of date, the confirmation says it all.
    received = to(sink, "anna@stadt.example")
    assert [calendar_methods(item) for item in received] == [["REQUEST"], ["REQUEST"]]
    [stale] = await mails_of(anna.id, MailKind.CANCELLED)
    assert stale["status"] == CANCELLED
    assert stale["last_error"] == "registered again"


async def test_registering_again_onto_the_waiting_list_still_cancels_the_old_invite(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz", in_person_seats=Seats(1, 0))
    anna = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration
    await register(db, "konferenz", registration_request("ben@stadt.example"), now)
    await sender_drain(db, mail_settings, clock)
    await cancel(db, anna.token, now)  # ben takes the seat

    again = await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    assert again.registration.status is RegistrationStatus.WAITLISTED
    await sender_drain(db, mail_settings, clock)

    # Her seat is gone: the calendar entry of the first confirmation must go with it.
    received = to(sink, "anna@stadt.example")
    assert subjects(received) == [
        "Anmeldung bestätigt: Konferenz",
        "Abmeldung bestätigt: Konferenz",
        "Warteliste: Konferenz",
    ]
    assert calendar_methods(received[1]) == ["CANCEL"]


async def test_a_row_that_slipped_through_is_cancelled_at_sending_time(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="runde", format=EventFormat.ONLINE)
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    await cancel(db, anna.token, now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    assert subjects(to(sink, "anna@stadt.example")) == ["Abmeldung bestätigt: Konferenz"]

    # As if the cancellation had missed them: the scheduled mails are queued and due again.
    await Outbox.update(
        {Outbox.status: QUEUED, Outbox.send_after: clock.now, Outbox.last_error: ""}
    ).where(
        Outbox.registration == anna.id, Outbox.kind.is_in(["access", "reminder", "confirmation"])
    )
    report = await sender.drain()
    await sender.close()

    assert report.cancelled == 3
    assert report.sent == 0
    for row in await mails_of(anna.id):
        if row["kind"] != MailKind.CANCELLED:
            assert (row["status"], row["last_error"]) == (CANCELLED, "registration cancelled")
    assert len(to(sink, "anna@stadt.example")) == 1


async def test_scheduled_mail_due_after_the_end_is_dropped(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE)
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    # The sender was down until after the event: the access data and reminder are overdue.
    clock.now = event.ends_at + dt.timedelta(minutes=1)
    report = await sender.drain()
    await sender.close()

    assert (report.sent, report.cancelled) == (0, 2)
    for kind in (MailKind.ACCESS, MailKind.REMINDER):
        [row] = await mails_of(anna.id, kind)
        assert (row["status"], row["last_error"]) == (CANCELLED, "event over")
    assert subjects(sink.received) == ["Anmeldung bestätigt: Konferenz"]


# --- Cancelling the event -------------------------------------------------------------------


async def test_cancelling_the_event_stops_all_waiting_mail_and_tells_every_active_registrant(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(
        slug="runde", format=EventFormat.ONLINE, online_seats=Seats(2, 0), double_opt_in=True
    )
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    await confirm_address(db, anna.token, now)
    ben = (await register(db, "runde", online_form("ben@stadt.example"), now)).registration
    cem = (await register(db, "runde", online_form("cem@stadt.example"), now)).registration
    dora = (await register(db, "runde", online_form("dora@stadt.example"), now)).registration
    await cancel(db, dora.token, now)
    assert [await status_of(r.id) for r in (anna, ben, cem, dora)] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.PENDING,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
    ]
    waiting_before = {
        row["id"] for row in await outbox_rows(status=QUEUED) if row["kind"] != "cancelled"
    }
    assert len(waiting_before) == 6  # anna: 4 (opt-in, confirmation, access, reminder), ben, cem

    cancelled = await cancel_event(db, event.id, message="Die Referentin ist erkrankt.", now=now)
    again = await cancel_event(db, event.id, message="noch einmal", now=now)

    assert cancelled.revision == event.revision + 1
    assert again.revision == cancelled.revision
    for row in await outbox_rows():
        if row["id"] in waiting_before:
            assert (row["status"], row["last_error"]) == (CANCELLED, "event cancelled")
    notices = await outbox_rows(kind=MailKind.EVENT_CANCELLED.value)
    assert sorted(row["recipient"] for row in notices) == [
        "anna@stadt.example",
        "ben@stadt.example",
        "cem@stadt.example",
    ]
    assert {payload(row)["message"] for row in notices} == {"Die Referentin ist erkrankt."}

    report = await sender_drain(db, mail_settings, clock)
    assert report.sent == 4  # three notices, and dora's own cancellation notice
    for address in ("anna", "ben", "cem"):
        [received] = to(sink, f"{address}@stadt.example")
        assert str(received.message["Subject"]) == "Abgesagt: Konferenz"
        assert "Die Referentin ist erkrankt." in text_body(received)
    # Only the confirmed seat had an entry in a calendar to take out.
    assert calendar_methods(to(sink, "anna@stadt.example")[0]) == ["CANCEL"]
    assert calendar_methods(to(sink, "ben@stadt.example")[0]) == []
    assert calendar_methods(to(sink, "cem@stadt.example")[0]) == []
    assert subjects(to(sink, "dora@stadt.example")) == ["Abmeldung bestätigt: Konferenz"]

    # Even a row forced back into the queue finds the event cancelled when it is due.
    await Outbox.update({Outbox.status: QUEUED, Outbox.send_after: clock.now}).where(
        Outbox.registration == anna.id, Outbox.kind == MailKind.ACCESS.value
    )
    clock.now = event.starts_at - DAY
    late = await sender_drain(db, mail_settings, clock)
    assert (late.sent, late.cancelled) == (0, 1)
    [access] = await mails_of(anna.id, MailKind.ACCESS)
    assert (access["status"], access["last_error"]) == (CANCELLED, "event cancelled")
    assert len(sink.received) == 4


async def sender_drain(db: Database, settings: Settings, clock: ManualClock):
    """One drain by a fresh sender, closed afterwards."""
    sender = make_sender(db, settings, clock)
    try:
        return await sender.drain()
    finally:
        await sender.close()


# --- Double opt-in ----------------------------------------------------------------------------


async def test_double_opt_in_holds_the_seat_and_asks_for_the_address_only(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(
        slug="runde", format=EventFormat.ONLINE, double_opt_in=True, opt_in_hold=2 * HOUR
    )
    outcome = await register(db, "runde", online_form("anna@stadt.example"), now)

    registration = outcome.registration
    assert registration.status is RegistrationStatus.PENDING
    assert registration.hold_until == now + 2 * HOUR
    assert await seats_taken(event.id) == (0, 1)
    [opt_in] = await mails_of(registration.id)
    assert opt_in["kind"] == MailKind.OPT_IN
    assert (opt_in["recipient"], utc(opt_in["send_after"])) == ("anna@stadt.example", now)
    assert dt.datetime.fromisoformat(payload(opt_in)["hold_until"]) == now + 2 * HOUR

    await sender_drain(db, mail_settings, clock)
    [received] = sink.received
    assert f"https://treffpunkt.test/r/{registration.token}" in text_body(received)
    assert calendar_methods(received) == []
    assert "987654" not in decoded(received)


async def test_confirming_the_address_brings_the_confirmation_and_the_scheduled_mail(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE, double_opt_in=True)
    pending = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    await sender_drain(db, mail_settings, clock)  # the opt-in, with the link to confirm
    later = now + dt.timedelta(minutes=30)

    confirmed = await confirm_address(db, pending.token, later)

    assert confirmed.status is RegistrationStatus.CONFIRMED
    assert confirmed.hold_until is None
    rows = await mails_of(pending.id)
    assert [row["kind"] for row in rows] == [
        MailKind.OPT_IN,
        MailKind.CONFIRMATION,
        MailKind.ACCESS,
        MailKind.REMINDER,
    ]
    _, confirmation, access, reminder = rows
    assert utc(confirmation["send_after"]) == later
    assert utc(access["send_after"]) == event.starts_at - DAY
    assert utc(reminder["send_after"]) == event.starts_at - DAY
    # Confirming twice changes nothing, and sends nothing.
    await confirm_address(db, pending.token, later + HOUR)
    assert len(await mails_of(pending.id)) == 4

    clock.now = later
    await sender_drain(db, mail_settings, clock)
    assert subjects(sink.received) == [
        "Bitte bestätigen Sie Ihre Anmeldung: Konferenz",
        "Anmeldung bestätigt: Konferenz",
    ]
    assert calendar_methods(sink.received[1]) == ["REQUEST"]


async def test_an_expired_hold_frees_the_seat_promotes_and_writes_nothing_more_to_the_address(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(
        slug="konferenz", in_person_seats=Seats(1, 0), double_opt_in=True, opt_in_hold=2 * HOUR
    )
    anna = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration
    ben = (
        await register(db, "konferenz", registration_request("ben@stadt.example"), now)
    ).registration
    assert ben.status is RegistrationStatus.WAITLISTED
    await sender_drain(db, mail_settings, clock)  # anna's opt-in, ben's waiting-list notice

    assert await expire_holds(db, now + 2 * HOUR - dt.timedelta(seconds=1)) == 0
    clock.now = now + 2 * HOUR
    assert await expire_holds(db, clock.now) == 1

    assert await status_of(anna.id) is RegistrationStatus.CANCELLED
    assert await status_of(ben.id) is RegistrationStatus.CONFIRMED
    assert await seats_taken(event.id) == (1, 0)
    [promotion] = await mails_of(ben.id, MailKind.PROMOTION)
    assert (promotion["status"], utc(promotion["send_after"])) == (QUEUED, clock.now)
    assert await kinds_of(anna.id) == [MailKind.OPT_IN]

    # Clicking the old link afterwards is refused, and still writes nothing.
    with pytest.raises(RegistrationClosed):
        await confirm_address(db, anna.token, clock.now + HOUR)
    await sender_drain(db, mail_settings, clock)
    clock.now = event.starts_at - DAY
    await sender_drain(db, mail_settings, clock)

    assert subjects(to(sink, "anna@stadt.example")) == [
        "Bitte bestätigen Sie Ihre Anmeldung: Konferenz"
    ]
    assert subjects(to(sink, "ben@stadt.example")) == [
        "Warteliste: Konferenz",
        "Ein Platz ist frei geworden: Konferenz",
        "Erinnerung: Konferenz",
    ]


async def test_an_expired_hold_with_nobody_waiting_gives_the_seat_back_and_stops_the_opt_in(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="konferenz", double_opt_in=True, opt_in_hold=HOUR)
    anna = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration
    assert await seats_taken(event.id) == (1, 0)

    # The sender never got to the opt-in (SMTP down, say) before the hold ran out.
    assert await expire_holds(db, now + HOUR) == 1
    clock.now = now + HOUR
    await sender_drain(db, mail_settings, clock)

    assert await seats_taken(event.id) == (0, 0)
    [opt_in] = await mails_of(anna.id)
    assert (opt_in["kind"], opt_in["status"]) == (MailKind.OPT_IN, CANCELLED)
    assert sink.received == []


# --- A second attempt with the same address ---------------------------------------------------


async def test_a_second_attempt_resends_the_personal_link_at_most_every_15_minutes(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(slug="konferenz")
    anna = (
        await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    ).registration

    for minutes in (1, 10, 15):
        again = await register(
            db,
            "konferenz",
            registration_request(" ANNA@stadt.example"),
            now + dt.timedelta(minutes=minutes),
        )
        assert not again.created
    links = await mails_of(anna.id, MailKind.PERSONAL_LINK)
    assert len(links) == 1
    assert links[0]["recipient"] == "anna@stadt.example"
    assert utc(links[0]["send_after"]) == now + dt.timedelta(minutes=1)

    # Once the quarter of an hour since the last link is over, one more.
    await register(
        db, "konferenz", registration_request("anna@stadt.example"), now + dt.timedelta(minutes=17)
    )
    assert len(await mails_of(anna.id, MailKind.PERSONAL_LINK)) == 2

    clock.now = now + dt.timedelta(minutes=17)
    await sender_drain(db, mail_settings, clock)
    received = to(sink, "anna@stadt.example")
    assert subjects(received) == [
        "Anmeldung bestätigt: Konferenz",
        "Ihr persönlicher Link: Konferenz",
        "Ihr persönlicher Link: Konferenz",
    ]
    assert f"https://treffpunkt.test/r/{anna.token}" in text_body(received[1])
    assert calendar_methods(received[1]) == []


# --- Notices to the organisers ---------------------------------------------------------------


async def test_every_new_registration_is_announced_to_the_organisers_once(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    await event_factory(
        slug="konferenz",
        in_person_seats=Seats(1, 0),
        notify_organisers=True,
        contact_email=ORGANISERS,
    )
    await event_factory(
        slug="runde",
        format=EventFormat.ONLINE,
        double_opt_in=True,
        notify_organisers=True,
        contact_email=ORGANISERS,
    )
    seat = await register(
        db,
        "konferenz",
        registration_request("anna@stadt.example", first_name="Anna", last_name="Amsel"),
        now,
    )
    waiting = await register(
        db,
        "konferenz",
        registration_request("ben@stadt.example", first_name="Ben", last_name="Buchfink"),
        now,
    )
    pending = await register(
        db, "runde", online_form("cem@stadt.example", first_name="Cem", last_name="Dohle"), now
    )
    # Not new: a second attempt, a confirmed address, a cancellation.
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)
    await confirm_address(db, pending.registration.token, now)
    await cancel(db, waiting.registration.token, now)

    notices = await outbox_rows(kind=MailKind.ORGANISER_NOTICE.value)
    assert [(row["registration"], row["recipient"]) for row in notices] == [
        (seat.registration.id, ORGANISERS),
        (waiting.registration.id, ORGANISERS),
        (pending.registration.id, ORGANISERS),
    ]
    assert all(utc(row["send_after"]) == now for row in notices)

    await sender_drain(db, mail_settings, clock)
    received = to(sink, ORGANISERS)
    assert len(received) == 3
    tokens = [o.registration.token for o in (seat, waiting, pending)]
    for item, name in zip(received, ["Anna Amsel", "Ben Buchfink", "Cem Dohle"], strict=True):
        assert item.recipients == [ORGANISERS]
        assert name in text_body(item)
        everything = decoded(item)
        # The notice is about someone, not for them: none of their links travel in it.
        assert "/r/" not in everything
        assert "/j/" not in everything
        assert not any(token in everything for token in tokens)
        assert calendar_methods(item) == []
    for row in await outbox_rows(kind=MailKind.ORGANISER_NOTICE.value):
        assert row["status"] == SENT


@pytest.mark.parametrize(
    ("notify", "contact"), [(True, ""), (False, ORGANISERS)], ids=["no-address", "switched-off"]
)
async def test_no_organiser_notice_unless_asked_for_and_addressed(
    db: Database, event_factory, now, notify: bool, contact: str
) -> None:
    await event_factory(slug="konferenz", notify_organisers=notify, contact_email=contact)
    await register(db, "konferenz", registration_request("anna@stadt.example"), now)

    assert await outbox_rows(kind=MailKind.ORGANISER_NOTICE.value) == []
