"""The outbox's own types: a mail to enqueue, one a sender claimed, one as organisers see it.

Plain data, so that the services, the sender and ``app/mail/`` share them without any of them
knowing how the outbox is stored (that is :mod:`app.db.outbox`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.domain.mail import MailKind
from app.domain.model import Language


class OutboxStatus(StrEnum):
    """Where one mail is."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: A mail in one of these is still on its way or already out.
ACTIVE_STATUSES = frozenset({OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT})


@dataclass(frozen=True, slots=True)
class NewMail:
    """A mail to enqueue."""

    kind: MailKind
    event_id: int
    registration_id: int | None
    recipient: str
    language: Language
    send_after: dt.datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClaimedMail:
    """A mail a sender has claimed and must now settle."""

    id: int
    kind: MailKind
    event_id: int
    registration_id: int | None
    recipient: str
    language: Language
    payload: Mapping[str, Any]
    attempts: int
    created_at: dt.datetime

    def message_id(self, domain: str) -> str:
        """The Message-ID, the same on every attempt, so receivers can tell a repeat."""
        stamp = self.created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        return f"<treffpunkt.{self.id}.{stamp}@{domain}>"


@dataclass(frozen=True, slots=True)
class OutboxLine:
    """One mail on the organisers' outbox page."""

    id: int
    kind: str
    recipient: str
    event_id: int
    event_title: str
    status: str
    attempts: int
    last_error: str
    send_after: dt.datetime | None
    sent_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class MailRecord:
    """One mail to a registrant, as their data download lists it."""

    kind: str
    recipient: str
    status: str
    created_at: dt.datetime | None
    sent_at: dt.datetime | None
