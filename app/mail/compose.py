"""A rendered mail as a MIME message: text and HTML alternatives, and the invite when there is one.

With an invite the message is ``multipart/mixed`` holding ``multipart/alternative`` (text, HTML,
``text/calendar; method=…``) and the same ``.ics`` as an attachment: Outlook and Gmail act on the
inline calendar part, Apple Mail and others on the attachment (RFC 6047 allows both).

The message is built with the ``email.mime`` classes and flattened once to its wire bytes here:
the modern ``EmailMessage`` API re-parses every header it is given and again when it is
flattened, which took several times longer than sending the message to a local server. Header
values are made safe before they are set (one line, RFC 2047 for anything beyond ASCII,
addresses checked), so nothing is lost by not re-parsing them.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import functools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from email import encoders
from email.charset import BASE64, Charset
from email.errors import HeaderParseError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from app.calendar.invite import InviteMethod
from app.domain.model import Language
from app.mail.render import RenderedMail, single_line

#: The attachment's name by iTIP method and the mail's language: what a mail program shows.
INVITE_FILENAMES: dict[InviteMethod, dict[Language, str]] = {
    InviteMethod.REQUEST: {
        Language.DE: "einladung.ics",
        Language.EN: "invitation.ics",
        Language.UK: "запрошення.ics",
    },
    InviteMethod.CANCEL: {
        Language.DE: "absage.ics",
        Language.EN: "cancellation.ics",
        Language.UK: "скасування.ics",
    },
}
#: RFC 5321: the longest forward-path is 256 octets including the angle brackets.
MAX_ADDRESS = 254

# One @, no whitespace, controls, quotes, brackets or separators: an address every server takes
# without quoting. The form (validation.py) takes no more than that; an address that reached the
# outbox some other way and fails here fails visibly on its outbox row, never goes out mangled.
_ADDRESS = re.compile(
    r"[^@\s\x00-\x1f\x7f\"<>()\[\],;:\\]{1,64}@[^@\s\x00-\x1f\x7f\"<>()\[\],;:\\]+"
)

#: Text parts: base64 keeps lines short and 7-bit without relying on 8BITMIME; it is done in C,
#: where quoted-printable runs character by character in Python (a third of the composing time).
_TEXT_CHARSET = Charset("utf-8")
_TEXT_CHARSET.body_encoding = BASE64


class _WirePolicy(Compat32):
    """compat32 with CRLF, writing short plain header lines as they are.

    Every header value here was made one line and 7-bit before it was set; running each through
    ``email.header.Header`` again only to learn that it needs no folding cost a third of the
    composing time. Longer or encoded values still take the library's folding.
    """

    def fold_binary(self, name: str, value: Any) -> bytes:
        """``name: value`` as it is when it is short plain ASCII, else the library's folding."""
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= _FOLD_AT
            and "\n" not in value
            and "\r" not in value
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        folded: bytes = super().fold_binary(name, value)
        return folded


#: RFC 5322's recommended longest line, without the CRLF.
_FOLD_AT = 78
#: CRLF line ends, headers folded as set (they were made safe before).
WIRE_POLICY = _WirePolicy(linesep="\r\n")


@dataclass(frozen=True, slots=True)
class Invite:
    """An ``.ics`` to send along, and its iTIP method."""

    method: InviteMethod
    content: bytes


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent along (a certificate of attendance): its name, MIME type and bytes."""

    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True, slots=True)
class ComposedMail:
    """A message ready for the wire: its envelope recipient and its bytes."""

    message_id: str
    #: The checked address (a domain beyond ASCII as punycode), for the SMTP envelope.
    recipient: str
    #: The whole message, CRLF line ends, 7-bit.
    data: bytes

    def parsed(self) -> EmailMessage:
        """The message as a mail program reads it (for tests and the file transport)."""
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


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
    attachments: Sequence[Attachment] = (),
) -> ComposedMail:
    """The wire form of one rendered mail to one recipient.

    Raises ``ValueError`` for an address no server would take, so the caller marks it failed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if single_line(message_id) != message_id:
        raise ValueError("message_id must be one line without spaces")
    recipient = _checked(to_address)
    alternative = MIMEMultipart("alternative", boundary=_boundary())
    alternative.attach(_text_part(rendered.text, "plain"))
    alternative.attach(_text_part(rendered.html, "html"))
    if invite is None and not attachments:
        message = alternative
    elif invite is None:
        message = MIMEMultipart("mixed", boundary=_boundary())
        message.attach(alternative)
    else:
        # base64 keeps the .ics byte for byte: its CRLF line ends and 75-octet folding.
        alternative.attach(
            _binary_part(
                invite.content, "text", "calendar", charset="utf-8", method=invite.method.value
            )
        )
        filename = invite_filename(invite.method, rendered.language)
        attachment = _binary_part(invite.content, "application", "ics")
        _name_attachment(attachment, filename)
        message = MIMEMultipart("mixed", boundary=_boundary())
        message.attach(alternative)
        message.attach(attachment)
    for extra in attachments:
        part = _binary_part(extra.content, extra.maintype, extra.subtype)
        _name_attachment(part, extra.filename)
        message.attach(part)
    message["From"] = _address_header(*parseaddr(from_address))
    message["To"] = _address_header(to_name, recipient)
    if reply_to:
        message["Reply-To"] = _address_header(*parseaddr(reply_to))
    message["Subject"] = _text_header("Subject", rendered.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    # RFC 3834: tells autoresponders (vacation notices) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = rendered.language.value
    return ComposedMail(
        message_id=message_id, recipient=recipient, data=message.as_bytes(policy=WIRE_POLICY)
    )


def invite_filename(method: InviteMethod, language: Language) -> str:
    """``einladung.ics``, ``cancellation.ics``, ``запрошення.ics`` …: the invite's file name."""
    return INVITE_FILENAMES[method][language]


def _name_attachment(part: MIMENonMultipart, filename: str) -> None:
    """The file name in the two places mail programs look, readable beyond ASCII.

    ``Content-Disposition``'s ``filename`` is the standard place, with RFC 2231's
    ``filename*=utf-8''…`` for a name beyond ASCII; the older ``name`` of ``Content-Type``,
    which Outlook and some webmailers still read, carries an RFC 2047 encoded word there.
    """
    if filename.isascii():
        part.set_param("name", filename)
        part.add_header("Content-Disposition", "attachment", filename=filename)
        return
    part.set_param("name", Header(filename, "utf-8").encode())
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))


def _boundary() -> str:
    # Chosen here, so the generator need not search the body for a collision with a regex
    # compiled anew for every message: "=_" never occurs in quoted-printable or base64 text.
    return f"=_treffpunkt_{secrets.token_hex(12)}"


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    # Body parts carry no MIME-Version of their own; the top level has it.
    del part["MIME-Version"]
    part.set_payload(text, charset=_TEXT_CHARSET)
    return part


def _binary_part(content: bytes, maintype: str, subtype: str, **params: str) -> MIMENonMultipart:
    part = MIMENonMultipart(maintype, subtype)
    del part["MIME-Version"]
    for name, value in params.items():
        part.set_param(name, value)
    part.set_payload(content)
    encoders.encode_base64(part)
    return part


@functools.lru_cache(maxsize=1024)
def _text_header(name: str, value: str) -> str:
    """One line; RFC 2047 encoded words when it is not plain ASCII."""
    line = single_line(value)
    # The header's name counts towards its first line: without it the first word would be
    # folded onto a line of its own, which readers show as a leading space.
    return line if line.isascii() else Header(line, "utf-8", header_name=name).encode()


@functools.lru_cache(maxsize=4096)
def _address_header(name: str, address: str) -> str:
    """``Name <address>``, the name quoted or RFC 2047 encoded as needed, on one line."""
    return formataddr((single_line(name), _checked(address)), charset="utf-8")


def is_usable_address(address: str) -> bool:
    """Whether ``address`` is one plain mailbox every server takes (as a header or recipient)."""
    try:
        _checked(address)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
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
