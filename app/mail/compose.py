"""A rendered mail as a MIME message: text and HTML alternatives, and the invite when there is one.

With an invite the message is ``multipart/mixed`` holding ``multipart/alternative`` (text, HTML,
``text/calendar; method=…``) and the same ``.ics`` as an attachment: Outlook and Gmail act on the
inline calendar part, Apple Mail and others on the attachment (RFC 6047 allows both).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, parseaddr

from app.calendar.invite import InviteMethod
from app.mail.render import RenderedMail, single_line

INVITE_FILENAME = "einladung.ics"
#: RFC 5321: the longest forward-path is 256 octets including the angle brackets.
MAX_ADDRESS = 254

# One @, no whitespace, controls, quotes, brackets or separators: an address every server takes
# without quoting. Stricter than the form (validation.py), which lets quoted local parts through;
# such a rare address fails here, visibly on its outbox row, instead of going out mangled.
_ADDRESS = re.compile(
    r"[^@\s\x00-\x1f\x7f\"<>()\[\],;:\\]{1,64}@[^@\s\x00-\x1f\x7f\"<>()\[\],;:\\]+"
)


@dataclass(frozen=True, slots=True)
class Invite:
    """An ``.ics`` to send along, and its iTIP method."""

    method: InviteMethod
    content: bytes


def compose_message(
    rendered: RenderedMail,
    *,
    from_address: str,
    reply_to: str | None,
    to_name: str,
    to_address: str,
    message_id: str,
    invite: Invite | None,
    now: dt.datetime,
) -> EmailMessage:
    """The MIME message of one rendered mail to one recipient.

    Raises ``ValueError`` for an address no server would take, so the caller marks it failed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if single_line(message_id) != message_id:
        raise ValueError("message_id must be one line without spaces")
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = _parse_address(from_address)
    message["To"] = Address(display_name=single_line(to_name), addr_spec=_checked(to_address))
    if reply_to:
        message["Reply-To"] = _parse_address(reply_to)
    message["Subject"] = single_line(rendered.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["MIME-Version"] = "1.0"
    # RFC 3834: tells autoresponders (vacation notices) not to answer.
    message["Auto-Submitted"] = "auto-generated"

    alternatives = [
        _text_part(rendered.text, "plain"),
        _text_part(rendered.html, "html"),
    ]
    if invite is None:
        message.make_alternative()
        _attach_all(message, alternatives)
    else:
        # base64 keeps the .ics byte for byte: its CRLF line ends and 75-octet folding.
        params = {"charset": "utf-8", "method": invite.method.value}
        alternatives.append(_part(invite.content, "text", "calendar", params, "base64"))
        body = MIMEPart(policy=email.policy.SMTP)
        body.make_alternative()
        _attach_all(body, alternatives)
        attachment = _part(
            invite.content, "application", "ics", {"name": INVITE_FILENAME}, "base64"
        )
        attachment.add_header("Content-Disposition", "attachment", filename=INVITE_FILENAME)
        message.make_mixed()
        _attach_all(message, [body, attachment])
    # Only now: make_alternative()/make_mixed() would move every Content-* header into a part.
    message["Content-Language"] = rendered.language.value
    return message


def _text_part(text: str, subtype: str) -> MIMEPart:
    # MIMEPart, not EmailMessage: body parts carry no MIME-Version header of their own.
    # Quoted-printable keeps the text readable and lines short without relying on 8BITMIME.
    part = MIMEPart(policy=email.policy.SMTP)
    part.set_content(text, subtype=subtype, charset="utf-8", cte="quoted-printable")
    return part


def _part(
    content: bytes, maintype: str, subtype: str, params: dict[str, str], cte: str
) -> MIMEPart:
    part = MIMEPart(policy=email.policy.SMTP)
    part.set_content(content, maintype, subtype, cte=cte, params=params)
    return part


def _attach_all(container: MIMEPart, parts: list[MIMEPart]) -> None:
    for part in parts:
        container.attach(part)


def _parse_address(value: str) -> Address:
    """``"Name <addr>"`` or a bare address from the settings."""
    name, addr = parseaddr(value)
    return Address(display_name=single_line(name), addr_spec=_checked(addr))


def _checked(address: str) -> str:
    """``address`` when it is one plain mailbox, else ``ValueError``."""
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"not a usable email address: {address!r}")
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        # Would need SMTPUTF8, which we cannot count on.
        raise ValueError(f"not a usable email address: {address!r}")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValueError(f"not a usable email address: {address!r}") from error
    checked = f"{local}@{domain}"
    if len(checked) > MAX_ADDRESS:
        raise ValueError(f"not a usable email address: {address!r}")
    try:
        # The header parser is the final judge: dots in the wrong place, empty labels …
        parsed = Address(addr_spec=checked).addr_spec
    except (ValueError, HeaderParseError) as error:
        raise ValueError(f"not a usable email address: {address!r}") from error
    if parsed != checked:
        raise ValueError(f"not a usable email address: {address!r}")
    return checked
