"""Approval: registrations wait for an organiser, who approves (a seat, or the waiting list) or
declines (the held seat goes on); each step's mail goes out in the registrant's language.

On SQLite and PostgreSQL, with the real sender and SMTP server.
"""

from __future__ import annotations

import pytest

from app.db.database import Database
from app.db.tables import AuditEntry
from app.domain.audit import Actor, AuditAction
from app.domain.errors import NotFound, RegistrationClosed
from app.domain.mail import MailKind
from app.domain.model import EventFormat, RegistrationStatus, Seats
from app.services.event_changes import cancel_event
from app.services.registrations import approve, cancel, decline, pending_approvals, register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.mail.conftest import make_sender
from tests.mail.mailbox import calendar_methods, kinds_of, subjects, text_body, to
from tests.mail.test_lifecycle import online_form, seats_taken, status_of
from tests.smtp_sink import SmtpSink

ORGANISER = Actor(id=None, name="Team")


async def approval_event(event_factory, *, capacity: int = 1, held: bool = True, **overrides):
    return await event_factory(
        slug="runde",
        format=EventFormat.ONLINE,
        online_seats=Seats(capacity, 0),
        requires_approval=True,
        approval_holds_seat=held,
        **overrides,
    )


async def test_a_held_seat_is_confirmed_on_approval_and_the_next_one_waits(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await approval_event(event_factory)
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    ben = (await register(db, "runde", online_form("ben@stadt.example"), now)).registration
    assert (anna.status, anna.seat_held) == (RegistrationStatus.PENDING_APPROVAL, True)
    # The only seat is kept for anna: ben waits for approval without one.
    assert (ben.status, ben.seat_held) == (RegistrationStatus.PENDING_APPROVAL, False)
    assert await seats_taken(event.id) == (0, 1)
    assert [r.id for r in await pending_approvals(event.id)] == [anna.id, ben.id]
    sender = make_sender(db, mail_settings, clock)
    assert (await sender.drain()).sent == 2

    approved = await approve(db, event.id, anna.id, now, actor=ORGANISER)
    assert approved.registration.status is RegistrationStatus.CONFIRMED
    assert not approved.registration.seat_held
    assert await seats_taken(event.id) == (0, 1)
    waiting = await approve(db, event.id, ben.id, now, actor=ORGANISER)
    assert waiting.registration.status is RegistrationStatus.WAITLISTED
    assert waiting.changes[0].position == 1
    # Deciding twice changes nothing.
    assert (await approve(db, event.id, anna.id, now)).changes == ()
    assert (await decline(db, event.id, ben.id, now)).changes == ()

    await sender.drain()
    await sender.close()
    anna_mail = to(sink, "anna@stadt.example")
    assert subjects(anna_mail) == [
        "Anmeldung eingegangen, Freigabe ausstehend: Konferenz",
        "Anmeldung bestätigt: Konferenz",
    ]
    assert calendar_methods(anna_mail[0]) == []
    assert calendar_methods(anna_mail[1]) == ["REQUEST"]
    assert f"/r/{anna.token}" in text_body(anna_mail[0])
    assert subjects(to(sink, "ben@stadt.example")) == [
        "Anmeldung eingegangen, Freigabe ausstehend: Konferenz",
        "Warteliste: Konferenz",
    ]
    actions = await AuditEntry.select(AuditEntry.action, AuditEntry.subject).order_by(AuditEntry.id)
    assert [(a["action"], a["subject"]) for a in actions] == [
        (AuditAction.REGISTRATION_APPROVED.value, anna.id),
        (AuditAction.REGISTRATION_APPROVED.value, ben.id),
    ]


async def test_declining_frees_the_held_seat_for_the_waiting_list(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await approval_event(event_factory)
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    ben = (await register(db, "runde", online_form("ben@stadt.example"), now)).registration
    await approve(db, event.id, ben.id, now)
    assert await status_of(ben.id) is RegistrationStatus.WAITLISTED
    # A "received" mail not yet sent when the decision came is dropped: it would mislead.
    assert await kinds_of(anna.id) == [MailKind.APPROVAL_PENDING]

    outcome = await decline(db, event.id, anna.id, now, actor=ORGANISER)

    assert outcome.registration.status is RegistrationStatus.DECLINED
    assert [change.kind.value for change in outcome.changes] == ["declined", "promoted"]
    assert await status_of(ben.id) is RegistrationStatus.CONFIRMED
    assert await seats_taken(event.id) == (0, 1)
    # A declined address stays taken: registering again only sends the personal link again.
    again = await register(db, "runde", online_form("anna@stadt.example"), now)
    assert not again.created
    assert again.registration.status is RegistrationStatus.DECLINED
    # Nor can it be cancelled into a fresh start.
    assert (await cancel(db, anna.token, now)).changes == ()

    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()
    anna_mail = to(sink, "anna@stadt.example")
    assert subjects(anna_mail)[-1] == "Anmeldung nicht angenommen: Konferenz"
    assert calendar_methods(anna_mail[-1]) == []
    assert subjects(to(sink, "ben@stadt.example"))[-1] == "Ein Platz ist frei geworden: Konferenz"
    declined = await AuditEntry.select().where(
        AuditEntry.action == AuditAction.REGISTRATION_DECLINED.value
    )
    assert [entry["subject"] for entry in declined] == [anna.id]


async def test_without_a_held_seat_the_seat_is_taken_on_approval(
    db: Database, event_factory, now
) -> None:
    event = await approval_event(event_factory, held=False, waitlist_enabled=False)
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    ben = (await register(db, "runde", online_form("ben@stadt.example"), now)).registration
    assert not anna.seat_held
    assert not ben.seat_held
    assert await seats_taken(event.id) == (0, 0)

    await approve(db, event.id, ben.id, now)
    assert await seats_taken(event.id) == (0, 1)
    # No seat left and no waiting list: the approval is refused and nothing changes.
    with pytest.raises(RegistrationClosed, match="full"):
        await approve(db, event.id, anna.id, now)
    assert await status_of(anna.id) is RegistrationStatus.PENDING_APPROVAL
    # Declining one that held no seat gives nothing back.
    await decline(db, event.id, anna.id, now)
    assert await seats_taken(event.id) == (0, 1)
    # A full event without a waiting list takes no new registration to approve.
    with pytest.raises(RegistrationClosed, match="full"):
        await register(db, "runde", online_form("cleo@stadt.example"), now)


async def test_cancelling_while_waiting_for_approval_gives_the_held_seat_back(
    db: Database, event_factory, now
) -> None:
    event = await approval_event(event_factory, capacity=2)
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    assert await seats_taken(event.id) == (0, 1)
    outcome = await cancel(db, anna.token, now)
    assert outcome.registration.status is RegistrationStatus.CANCELLED
    assert not outcome.registration.seat_held
    assert await seats_taken(event.id) == (0, 0)
    assert await kinds_of(anna.id) == [MailKind.APPROVAL_PENDING, MailKind.CANCELLED]


async def test_an_approval_of_another_events_registration_is_not_found(
    db: Database, event_factory, now
) -> None:
    event = await approval_event(event_factory)
    other = await event_factory(slug="andere")
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration

    for decide in (approve, decline):
        with pytest.raises(NotFound):
            await decide(db, other.id, anna.id, now)
    assert await status_of(anna.id) is RegistrationStatus.PENDING_APPROVAL
    assert event.id != other.id


async def test_approving_on_a_cancelled_event_is_refused(db: Database, event_factory, now) -> None:
    event = await approval_event(event_factory)
    anna = (await register(db, "runde", online_form("anna@stadt.example"), now)).registration
    await cancel_event(db, event.id, message="", now=now)
    with pytest.raises(RegistrationClosed, match="cancelled"):
        await approve(db, event.id, anna.id, now)
    # Declining still answers the person; the held seat goes back.
    await decline(db, event.id, anna.id, now)
    assert await seats_taken(event.id) == (0, 0)


@pytest.mark.parametrize(
    ("language", "received", "declined"),
    [
        (
            "en",
            "Registration received, awaiting approval: Konferenz",
            "Registration not accepted: Konferenz",
        ),
        (
            "uk",
            "Реєстрацію отримано, очікує схвалення: Konferenz",
            "Реєстрацію не прийнято: Konferenz",
        ),
    ],
)
async def test_the_approval_mails_speak_the_registrants_language(
    db: Database,
    event_factory,
    now,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
    language: str,
    received: str,
    declined: str,
) -> None:
    event = await approval_event(event_factory)
    form = registration_request("olena@misto.example", mode="online", language=language)
    olena = (await register(db, "runde", form, now)).registration
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await decline(db, event.id, olena.id, now)
    await sender.drain()
    await sender.close()
    mail = to(sink, "olena@misto.example")
    assert subjects(mail) == [received, declined]
    for item in mail:
        assert item.message["Content-Language"] == language
