"""The organisers' view of the outbox (retry, abort) and their messages to registrants."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app import paths
from app.db import outbox
from app.db.database import Database
from app.db.mapping import registration_from_row
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import NotFound
from app.domain.mail import MailKind
from app.domain.model import AttendanceMode, Event, Registration, RegistrationStatus
from app.domain.outbox import NewMail, OutboxLine, OutboxStatus
from app.i18n import N_, _
from app.mail.render import MailContext, RenderedMail, render_mail
from app.services import audit
from app.services.events import get_with_access

#: The outbox page shows at most this many rows, newest first.
OUTBOX_LIMIT = 200
SUBJECT_MAX = 150
TEXT_MAX = 10_000
ABORT_REASON = "abgebrochen"


async def outbox_lines(
    *, status: OutboxStatus | None = None, event_id: int | None = None
) -> list[OutboxLine]:
    """The newest mails (at most :data:`OUTBOX_LIMIT`), optionally of one status and one event."""
    return await outbox.outbox_lines(status=status, event_id=event_id, limit=OUTBOX_LIMIT)


async def retry(db: Database, mail_id: int, now: dt.datetime) -> bool:
    """Put a failed mail back in the queue, due now; ``False`` when it was not failed.

    The attempts start from zero so the sender's retry budget applies afresh.
    """
    async with db.transaction():
        requeued = await outbox.requeue_failed(mail_id, now)
    if requeued:
        db.announce_mail()
    return requeued


async def abort(db: Database, mail_id: int, now: dt.datetime) -> bool:
    """Cancel a queued or failed mail; ``False`` when it was in neither state."""
    async with db.transaction():
        return await outbox.cancel_unsent(mail_id, ABORT_REASON, now)


class Audience(StrEnum):
    """Who of an event's registrants a message goes to."""

    ALL = "all"  # confirmed and waiting
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ONLINE = "online"  # confirmed or waiting, taking part online
    IN_PERSON = "in_person"  # confirmed or waiting, taking part in person
    #: Registrations chosen in the organisers' list (of those, the confirmed and waiting).
    SELECTION = "selection"


AUDIENCE_LABELS: Mapping[Audience, str] = {
    Audience.ALL: N_("Alle aktiven Anmeldungen (bestätigt und Warteliste)"),
    Audience.CONFIRMED: N_("Nur bestätigte"),
    Audience.WAITLISTED: N_("Nur Warteliste"),
    Audience.ONLINE: N_("Online Teilnehmende"),
    Audience.IN_PERSON: N_("Vor Ort Teilnehmende"),
}

#: Pending registrations (address not confirmed yet) get no messages: the address may not be
#: theirs. Cancelled ones are out anyway.
_ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


@dataclass(frozen=True, slots=True)
class Message:
    """An organiser's message, already checked."""

    subject: str
    text: str
    audience: Audience
    #: The registration ids of :attr:`Audience.SELECTION` (none for the other audiences).
    selection: tuple[int, ...] = ()


def check_message(
    values: Mapping[str, str], selection: tuple[int, ...] = ()
) -> tuple[Message | None, dict[str, str]]:
    """The message from form values, or the errors per field (in the language in use).

    ``selection``: the registrations chosen in the list; the audience is then that selection.
    """
    errors: dict[str, str] = {}
    subject = " ".join(values.get("subject", "").split())
    text = values.get("text", "").replace("\r\n", "\n").strip()
    if not subject:
        errors["subject"] = _("Bitte geben Sie einen Betreff ein.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("Der Betreff darf höchstens %(max)d Zeichen lang sein.") % {
            "max": SUBJECT_MAX
        }
    if not text:
        errors["text"] = _("Bitte geben Sie einen Text ein.")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("Der Text darf höchstens %(max)d Zeichen lang sein.") % {"max": TEXT_MAX}
    try:
        audience = Audience(values.get("audience", ""))
    except ValueError:
        errors["audience"] = _("Bitte wählen Sie aus, wer die Nachricht bekommt.")
        audience = Audience.ALL
    if audience is Audience.SELECTION and not selection:
        errors["audience"] = _("Bitte wählen Sie aus, wer die Nachricht bekommt.")
    if selection:
        audience = Audience.SELECTION
    if errors:
        return None, errors
    return Message(subject, text, audience, selection), {}


def _chosen(registration: Registration, audience: Audience) -> bool:
    if registration.status not in _ACTIVE:
        return False
    match audience:
        case Audience.ALL:
            return True
        case Audience.CONFIRMED:
            return registration.status is RegistrationStatus.CONFIRMED
        case Audience.WAITLISTED:
            return registration.status is RegistrationStatus.WAITLISTED
        case Audience.ONLINE:
            return registration.mode is AttendanceMode.ONLINE
        case Audience.IN_PERSON:
            return registration.mode is AttendanceMode.IN_PERSON
        case Audience.SELECTION:
            return True


async def selected(event_id: int, ids: Sequence[int]) -> list[Registration]:
    """The registrations ``ids`` of ``event_id`` in id order, whatever their status.

    Raises ``NotFound`` unless every id is a registration of the event: a forged or stale
    selection sends nothing.
    """
    rows = await (
        RegistrationTable.select()
        .where(RegistrationTable.event == event_id, RegistrationTable.id.is_in(list(ids)))
        .order_by(RegistrationTable.id)
    )
    if len(rows) != len(set(ids)):
        raise NotFound(f"registrations of event {event_id}")
    return [registration_from_row(row) for row in rows]


def receives(registration: Registration) -> bool:
    """Whether a selected registration gets the message (confirmed or waiting)."""
    return _chosen(registration, Audience.SELECTION)


async def _recipients(event_id: int, message: Message) -> list[Registration]:
    if message.audience is Audience.SELECTION:
        return [r for r in await selected(event_id, message.selection) if receives(r)]
    rows = await (
        RegistrationTable.select()
        .where(RegistrationTable.event == event_id)
        .order_by(RegistrationTable.id)
    )
    return [
        registration
        for registration in (registration_from_row(row) for row in rows)
        if _chosen(registration, message.audience)
    ]


@dataclass(frozen=True, slots=True)
class Preview:
    """How the message looks for one recipient, and how many get it."""

    count: int
    mail: RenderedMail | None
    sample: str


def _payload(message: Message) -> dict[str, Any]:
    return {"subject": message.subject, "message": message.text}


async def preview(event: Event, message: Message, base_url: str) -> Preview:
    """Render the message with the real template for the first recipient."""
    recipients = await _recipients(event.id, message)
    if not recipients:
        return Preview(0, None, "")
    sample = recipients[0]
    context = MailContext(
        kind=MailKind.MESSAGE,
        event=event,
        registration=sample,
        language=sample.language,
        base_url=base_url,
        personal_url=base_url + paths.personal(sample.token),
        join_url=None,
        include_access=False,
        # As the sender will see it: through JSON.
        payload=json.loads(json.dumps(_payload(message))),
    )
    return Preview(len(recipients), render_mail(context), sample.email)


async def send(
    db: Database,
    event_id: int,
    message: Message,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> int:
    """Enqueue one mail per chosen recipient, all in one transaction; returns how many."""
    async with db.transaction():
        recipients = await _recipients(event_id, message)
        mails: Sequence[NewMail] = [
            NewMail(
                kind=MailKind.MESSAGE,
                event_id=event_id,
                registration_id=registration.id,
                recipient=registration.email,
                language=registration.language,
                send_after=now,
                payload=_payload(message),
            )
            for registration in recipients
        ]
        sent = await outbox.enqueue(db, mails, now)
        await audit.record(
            db,
            actor,
            AuditAction.MESSAGE_SENT,
            now=now,
            event_id=event_id,
            detail=f"audience={message.audience.value},recipients={sent}",
        )
        return sent


async def event(event_id: int) -> Event:
    """The event a message is about (raises ``NotFound``)."""
    return await get_with_access(event_id)
