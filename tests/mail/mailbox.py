"""Reading what the SMTP sink received, and the outbox rows of one registration, in mail tests."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage
from typing import Any

from app.db.tables import Outbox
from app.domain.mail import MailKind
from tests.smtp_sink import Received, SmtpSink


def decoded(received: Received) -> str:
    """Headers and every part decoded (base64 and quoted-printable undone), for leak checks."""
    message = received.message
    chunks = [str(message.items())]
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            chunks.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(chunks)


def text_body(received: Received) -> str:
    """The ``text/plain`` body."""
    message = received.message
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage), "no text/plain part"
    return str(part.get_content())


def calendar_methods(received: Received) -> list[str]:
    """The ``method`` of every inline ``text/calendar`` part (empty: no invite)."""
    return [
        str(part.get_param("method"))
        for part in received.message.walk()
        if part.get_content_type() == "text/calendar"
    ]


def to(sink: SmtpSink, address: str) -> list[Received]:
    """What ``address`` received, in order."""
    return [item for item in sink.received if address in item.recipients]


def subjects(items: list[Received]) -> list[str]:
    """The subjects of ``items``."""
    return [str(item.message["Subject"]) for item in items]


async def mails_of(registration_id: int, kind: MailKind | None = None) -> list[dict[str, Any]]:
    """The outbox rows of one registration (optionally one kind), oldest first."""
    query = Outbox.select().where(Outbox.registration == registration_id).order_by(Outbox.id)
    if kind is not None:
        query = query.where(Outbox.kind == kind.value)
    rows: list[dict[str, Any]] = await query
    return rows


async def kinds_of(registration_id: int, status: str | None = None) -> list[str]:
    """The kinds of one registration's rows (optionally in one status), oldest first."""
    return [
        row["kind"]
        for row in await mails_of(registration_id)
        if status is None or row["status"] == status
    ]


def payload(row: dict[str, Any]) -> dict[str, Any]:
    """The row's payload as a dict, whichever way the database returned it."""
    value = row["payload"]
    return dict(json.loads(value) if isinstance(value, str) else value)


def utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, for comparing what either database returns."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
