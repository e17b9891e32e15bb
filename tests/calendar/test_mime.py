"""The MIME ``method=`` of every calendar part is the METHOD of the file it carries.

RFC 6047 §2.4: the two must match, or Outlook and Gmail reject the invite (or, worse, act on
the wrong one). Checked for every kind of mail and every state a registration can be in, on the
wire bytes as a mail program reads them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from app.calendar.invite import InviteMethod, build_invite, invite_method_for
from app.domain.mail import MailKind
from app.domain.model import AttendanceMode, EventFormat, Language, RegistrationStatus
from app.domain.outbox import ClaimedMail
from app.mail.compose import ComposedMail, Invite, compose_message
from app.mail.message import build_message
from app.mail.render import RenderedMail
from app.settings import Settings
from tests.calendar.readers import read_agreed
from tests.calendar.test_invite import registration
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
RENDERED = RenderedMail(subject="Betreff", text="Text\n", html="<p>Text</p>")

#: Every payload a kind is enqueued with that matters for its invite.
PAYLOADS: dict[MailKind, list[dict[str, Any]]] = {
    MailKind.CANCELLED: [{"held_seat": True}, {"held_seat": False}],
    MailKind.EVENT_CHANGED: [{"message": "Neuer Raum"}],
    MailKind.EVENT_CANCELLED: [{"message": "Leider abgesagt"}],
    MailKind.OPT_IN: [{"hold_until": (NOW + dt.timedelta(hours=24)).isoformat()}],
    # An invitation's link and name are its payload's (nobody is registered yet).
    MailKind.INVITATION: [{"invitation": "A" * 43, "name": "Olena Koval"}],
}
CASES = [
    pytest.param(kind, payload, status, id=f"{kind.value}-{status.value}-{index}")
    for kind, status in itertools.product(MailKind, RegistrationStatus)
    # A certificate goes only to someone who attended: the outbox drops it for anyone else; an
    # invitation to nobody registered, so one status stands for all.
    if kind not in (MailKind.CERTIFICATE, MailKind.INVITATION)
    or status is RegistrationStatus.CONFIRMED
    for index, payload in enumerate(PAYLOADS.get(kind, [{}]))
]
_METHOD_LINE = re.compile(rb"^METHOD:(.*)$", re.MULTILINE)


def calendar_parts(message: EmailMessage) -> list[tuple[str, str | None, bytes]]:
    """Every calendar part: its content type, ``method=`` parameter and decoded bytes."""
    found = []
    for part in message.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            method = part.get_param("method")
            # A tuple would be an RFC 2231 encoded parameter, which a method never needs.
            assert method is None or isinstance(method, str)
            found.append((part.get_content_type(), method, payload))
    return found


def check_methods(composed: ComposedMail, expected: InviteMethod | None) -> None:
    """Each calendar part's METHOD is its ``method=``, and the invite's method."""
    parts = calendar_parts(composed.parsed())
    if expected is None:
        assert parts == []
        return
    assert [content_type for content_type, _, _ in parts] == ["text/calendar", "application/ics"]
    for content_type, parameter, content in parts:
        [line] = _METHOD_LINE.findall(content)
        method = line.rstrip(b"\r").decode("ascii")
        assert method == expected.value
        assert read_agreed(content).method == method
        if content_type == "text/calendar":
            assert parameter == method
        else:
            # The attachment has no method= (RFC 6047 asks it only of text/calendar).
            assert parameter is None


@pytest.mark.parametrize(("kind", "payload", "status"), CASES)
def test_mime_method_is_the_files_method(
    kind: MailKind, payload: Mapping[str, Any], status: RegistrationStatus
) -> None:
    event = make_event(NOW, id=7, revision=1, format=EventFormat.HYBRID)
    person = registration(status=status, mode=AttendanceMode.ONLINE, invite_sequence=1)
    method = invite_method_for(kind, payload, person)
    invite = None
    if method is not None:
        content = build_invite(
            event,
            person,
            method=method,
            organiser_name="Netzwerkstelle",
            organiser_email="netzwerk@example.org",
            uid_domain="treffpunkt.example.org",
            now=NOW,
        )
        invite = Invite(method=method, content=content)
    composed = compose_message(
        RENDERED,
        from_address="Netzwerkstelle <noreply@example.org>",
        reply_to=None,
        to_name=person.full_name,
        to_address=person.email,
        message_id="<outbox-1@treffpunkt.example.org>",
        invite=invite,
        now=NOW,
    )
    check_methods(composed, method)


@pytest.mark.parametrize(("kind", "payload", "status"), CASES)
def test_the_sender_composes_matching_methods(
    kind: MailKind, payload: Mapping[str, Any], status: RegistrationStatus, tmp_path: Path
) -> None:
    """The same through the sender's own composing, templates and all."""
    settings = Settings(
        base_url="https://treffpunkt.example.org",
        mail_from="Netzwerkstelle <noreply@treffpunkt.example.org>",
        mail_dir=tmp_path,
    )
    event = make_event(NOW, id=7, revision=1, format=EventFormat.HYBRID)
    attended = NOW if kind is MailKind.CERTIFICATE else None
    person = registration(status=status, mode=AttendanceMode.ONLINE, attended_online_at=attended)
    mail = ClaimedMail(
        id=1,
        kind=kind,
        event_id=7,
        registration_id=person.id,
        recipient=person.email,
        language=Language.DE,
        payload=payload,
        attempts=1,
        created_at=NOW,
    )
    composed = build_message(mail, event, person, settings, NOW)
    check_methods(composed, invite_method_for(kind, payload, person))
