"""Certificates of attendance: asked for on the personal page, sent through the outbox.

The mail is an outbox row like every other; the PDF is made when the mail is sent
(``app.mail.message``), from the registration and event as they are then, so a certificate never
names a title or time the organisers have since corrected. Asking again within
:data:`REQUEST_INTERVAL` sends nothing more, so the button cannot flood a mailbox.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from app.db import outbox
from app.db.database import Database
from app.domain.attendance import CertificateState, certificate_state
from app.domain.mail import MailKind
from app.domain.outbox import NewMail
from app.services.events import get_with_access
from app.services.registrations import find_by_token

#: A certificate goes out at most this often per registration.
REQUEST_INTERVAL = dt.timedelta(minutes=15)


class RequestOutcome(enum.Enum):
    """What asking for a certificate did."""

    QUEUED = "queued"
    #: One was asked for a moment ago: it is on its way.
    ALREADY_QUEUED = "already_queued"
    #: No certificate (yet): see the state.
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class CertificateRequest:
    """The outcome and the registration's certificate state."""

    outcome: RequestOutcome
    state: CertificateState


async def request_certificate(db: Database, token: str, now: dt.datetime) -> CertificateRequest:
    """Enqueue the certificate mail for the registration behind ``token``, if it attended.

    Only the registration of this token, to its own address: a token opens nothing else.
    Raises ``NotFound`` for an unknown token.
    """
    registration = await find_by_token(token)
    event = await get_with_access(registration.event_id)
    state = certificate_state(event, registration, now)
    if state is not CertificateState.AVAILABLE:
        return CertificateRequest(RequestOutcome.REFUSED, state)
    async with db.transaction():
        # Two clicks at once on PostgreSQL would both count none and both enqueue: the event's
        # lock puts the second after the first's commit (SQLite writes one at a time anyway).
        await db.lock_event(event.id)
        recent = await outbox.recent_count(
            registration_id=registration.id,
            kind=MailKind.CERTIFICATE,
            since=now - REQUEST_INTERVAL,
        )
        if recent:
            return CertificateRequest(RequestOutcome.ALREADY_QUEUED, state)
        await outbox.enqueue(
            db,
            [
                NewMail(
                    kind=MailKind.CERTIFICATE,
                    event_id=event.id,
                    registration_id=registration.id,
                    recipient=registration.email,
                    language=registration.language,
                    send_after=now,
                )
            ],
            now,
        )
    return CertificateRequest(RequestOutcome.QUEUED, state)
