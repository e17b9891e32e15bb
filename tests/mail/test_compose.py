"""MIME messages: structure, headers that survive hostile names, the invite inline and attached."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage, MIMEPart

import pytest
from icalendar import Calendar

from app.calendar.invite import InviteMethod, build_invite
from app.domain.mail import MailKind
from app.domain.model import Language, Registration
from app.mail.compose import ComposedMail, Invite, compose_message
from app.mail.render import MailContext, RenderedMail, render_mail
from tests.conftest import make_event, make_registration

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
MESSAGE_ID = "<outbox-17.a1b2c3@treffpunkt.example.org>"
RENDERED = RenderedMail(
    subject="Anmeldung bestätigt: Konferenz „Landkreise“",
    text="Guten Tag Olena Koval,\n\nIhr Platz ist bestätigt.\n",
    html="<p>Guten Tag Olena Koval,</p>",
)


def registration(**overrides: object) -> Registration:
    """A confirmed in-person registration."""
    return make_registration(NOW, **overrides)


def compose(
    rendered: RenderedMail = RENDERED,
    *,
    to_name: str = "Olena Koval",
    to_address: str = "olena.koval@example.org",
    from_address: str = "Netzwerkstelle Städtepartnerschaften <noreply@example.org>",
    reply_to: str | None = "team@example.org",
    invite: Invite | None = None,
) -> ComposedMail:
    """A message as the sender composes it."""
    return compose_message(
        rendered,
        from_address=from_address,
        reply_to=reply_to,
        to_name=to_name,
        to_address=to_address,
        message_id=MESSAGE_ID,
        invite=invite,
        now=NOW,
    )


def received(message: ComposedMail) -> EmailMessage:
    """The message as a mail program parses it from the wire."""
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def an_invite(method: InviteMethod = InviteMethod.REQUEST) -> Invite:
    """A real invite for event 7."""
    content = build_invite(
        make_event(NOW, id=7, revision=1),
        registration(),
        method=method,
        organiser_name="Netzwerkstelle",
        organiser_email="netzwerk@example.org",
        uid_domain="treffpunkt.example.org",
        now=NOW,
    )
    return Invite(method=method, content=content)


def shape(part: MIMEPart) -> object:
    """The MIME tree as nested content types."""
    if part.is_multipart():
        return (part.get_content_type(), [shape(p) for p in part.iter_parts()])
    return part.get_content_type()


def test_without_invite_text_and_html_alternatives() -> None:
    message = received(compose())
    assert shape(message) == ("multipart/alternative", ["text/plain", "text/html"])
    text, html = message.iter_parts()
    assert text.get_content_charset() == "utf-8"
    assert html.get_content_charset() == "utf-8"
    # On the wire every line ends in CRLF.
    assert text.get_content().replace("\r\n", "\n") == RENDERED.text
    assert html.get_content().replace("\r\n", "\n").rstrip("\n") == RENDERED.html


@pytest.mark.parametrize("method", list(InviteMethod))
def test_with_invite_calendar_inline_and_attached(method: InviteMethod) -> None:
    invite = an_invite(method)
    message = received(compose(invite=invite))
    assert shape(message) == (
        "multipart/mixed",
        [
            ("multipart/alternative", ["text/plain", "text/html", "text/calendar"]),
            "application/ics",
        ],
    )
    body, attachment = message.iter_parts()
    calendar_part = list(body.iter_parts())[2]
    assert calendar_part.get_param("method") == method.value
    assert calendar_part.get_content_charset() == "utf-8"
    inline = calendar_part.get_payload(decode=True)
    assert inline == invite.content
    assert f"METHOD:{method.value}\r\n".encode() in inline
    assert str(Calendar.from_ical(inline)["METHOD"]) == calendar_part.get_param("method")

    assert attachment.get_content_disposition() == "attachment"
    # A German mail: the invitation is "einladung.ics", its cancellation "absage.ics".
    filename = "einladung.ics" if method is InviteMethod.REQUEST else "absage.ics"
    assert attachment.get_filename() == filename
    assert attachment.get_param("name") == filename
    assert attachment.get_payload(decode=True) == invite.content


def test_headers_parse_back() -> None:
    message = received(compose())
    assert message["From"].addresses[0].display_name == "Netzwerkstelle Städtepartnerschaften"
    assert message["From"].addresses[0].addr_spec == "noreply@example.org"
    assert message["To"].addresses[0].display_name == "Olena Koval"
    assert message["To"].addresses[0].addr_spec == "olena.koval@example.org"
    assert message["Reply-To"].addresses[0].addr_spec == "team@example.org"
    assert message["Subject"] == RENDERED.subject
    assert message["Date"].datetime == NOW
    assert message["Message-ID"] == MESSAGE_ID
    assert message["MIME-Version"] == "1.0"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "de"


def test_bare_from_address_and_no_reply_to() -> None:
    message = received(compose(from_address="noreply@example.org", reply_to=None))
    assert message["From"].addresses[0].addr_spec == "noreply@example.org"
    assert message["From"].addresses[0].display_name == ""
    assert "Reply-To" not in message


def test_content_language_is_the_language_written_in() -> None:
    rendered = RenderedMail(subject="Hi", text="Hi\n", html="<p>Hi</p>", language=Language.UK)
    assert received(compose(rendered))["Content-Language"] == "uk"


def test_wire_format_is_seven_bit_with_short_lines() -> None:
    long_line = "Ä" * 300
    rendered = RenderedMail(subject="Ü" * 120, text=long_line + "\n", html=f"<p>{long_line}</p>")
    raw = compose(rendered, invite=an_invite()).data
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert received(compose(rendered))["Subject"] == "Ü" * 120


@pytest.mark.parametrize(
    "name",
    [
        "Eve\r\nBcc: victim@example.org",
        "Eve\nBcc: victim@example.org",
        "Eve\rBcc: victim@example.org",
        'Mallory <evil@x>, "Q"',
        "Mallory <evil@example.org>, victim@example.org",
        "Eve\x00\x0b\x0c\x1b\x85\u2028Bcc: victim@example.org",
        '"\\"; Cc: <victim@example.org>',
    ],
)
def test_hostile_names_stay_one_display_name(name: str) -> None:
    message = received(compose(to_name=name))
    assert len(message.get_all("To", [])) == 1
    assert "Bcc" not in message
    assert "Cc" not in message
    addresses = message["To"].addresses
    assert len(addresses) == 1
    assert addresses[0].addr_spec == "olena.koval@example.org"
    assert "\n" not in addresses[0].display_name
    assert "\r" not in addresses[0].display_name


def test_hostile_subject_stays_one_header() -> None:
    rendered = RenderedMail(
        subject="Hallo\r\nBcc: victim@example.org\r\n\r\nBody", text="x\n", html="<p>x</p>"
    )
    message = received(compose(rendered))
    assert message["Subject"] == "Hallo Bcc: victim@example.org Body"
    assert "Bcc" not in message
    assert len(message.get_all("Subject", [])) == 1


@pytest.mark.parametrize(
    "name",
    ["Олена Коваль", "Jürgen Müller-Lüdenscheidt", "Łukasz Żółć", "Müller, Anna (Kreis Unna)"],
)
def test_names_round_trip(name: str) -> None:
    message = received(compose(to_name=name))
    assert message["To"].addresses[0].display_name == name


@pytest.mark.parametrize(
    "address", ["o'brien@example.org", "olena+treffpunkt@example.org", "noreply@localhost"]
)
def test_plain_addresses_pass_unchanged(address: str) -> None:
    assert received(compose(to_address=address))["To"].addresses[0].addr_spec == address


def test_internationalised_domain_goes_out_as_punycode() -> None:
    message = received(compose(to_address="anna@müller.de"))
    assert message["To"].addresses[0].addr_spec == "anna@xn--mller-kva.de"


@pytest.mark.parametrize(
    "address",
    [
        "",
        "olena",
        "olena@",
        "@example.org",
        "olena koval@example.org",
        "olena@example.org\r\nBcc: victim@example.org",
        "olena@example.org\n",
        "a@b@example.org",
        "<olena@example.org>",
        "Olena <olena@example.org>",
        "olena@example.org, victim@example.org",
        'ol"ena@example.org',
        "olená@example.org",
        "...@example.org",
        ".olena@example.org",
        "olena@.example.org",
        "olena@example..org",
        "olena@example.org.",
        "olena@[192.0.2.1]",
        "=?utf-8?q?x?=@example.org",
        "olena@" + "x" * 250 + ".org",
    ],
)
def test_unusable_recipient_raises_value_error(address: str) -> None:
    with pytest.raises(ValueError, match="address"):
        compose(to_address=address)


def test_unusable_from_address_raises_value_error() -> None:
    with pytest.raises(ValueError, match="address"):
        compose(from_address="Treffpunkt")


def test_now_must_carry_a_zone() -> None:
    with pytest.raises(ValueError, match="aware"):
        compose_message(
            RENDERED,
            from_address="noreply@example.org",
            reply_to=None,
            to_name="",
            to_address="olena@example.org",
            message_id=MESSAGE_ID,
            invite=None,
            now=dt.datetime(2026, 11, 20, 9, 0),
        )


def test_a_rendered_confirmation_end_to_end() -> None:
    event = make_event(NOW, id=7, title="Konferenz <Landkreise>")
    person = registration(first_name="Олена", last_name="Коваль")
    rendered = render_mail(
        MailContext(
            kind=MailKind.CONFIRMATION,
            event=event,
            registration=person,
            language=Language.DE,
            base_url="https://treffpunkt.example.org",
            personal_url="https://treffpunkt.example.org/r/PERSONALTOKEN123",
            join_url=None,
            include_access=False,
        )
    )
    message = received(
        compose(rendered, to_name=person.full_name, to_address=person.email, invite=an_invite())
    )
    assert message["Subject"] == "Anmeldung bestätigt: Konferenz <Landkreise>"
    assert message["To"].addresses[0].display_name == "Олена Коваль"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "Guten Tag Олена Коваль," in text.get_content()
    assert "Konferenz &lt;Landkreise&gt;" in html.get_content()


@pytest.mark.parametrize(
    ("language", "method", "filename"),
    [
        (Language.DE, InviteMethod.REQUEST, "einladung.ics"),
        (Language.DE, InviteMethod.CANCEL, "absage.ics"),
        (Language.EN, InviteMethod.REQUEST, "invitation.ics"),
        (Language.EN, InviteMethod.CANCEL, "cancellation.ics"),
        (Language.UK, InviteMethod.REQUEST, "запрошення.ics"),
        (Language.UK, InviteMethod.CANCEL, "скасування.ics"),
    ],
)
def test_attachment_is_named_in_the_mails_language_and_by_kind(
    language: Language, method: InviteMethod, filename: str
) -> None:
    rendered = RenderedMail(
        subject=RENDERED.subject, text=RENDERED.text, html=RENDERED.html, language=language
    )
    mail = compose(rendered, invite=an_invite(method))
    # 7-bit on the wire: a Cyrillic name travels encoded (RFC 2231 and RFC 2047) ...
    assert mail.data.isascii()
    _, attachment = received(mail).iter_parts()
    # ... and a mail program reads it back as written, from either header.
    assert attachment.get_filename() == filename
    assert attachment["Content-Type"].params["name"] == filename
    assert attachment["Content-Disposition"].params["filename"] == filename
    if not filename.isascii():
        wire = mail.data.decode("ascii")
        assert "filename*=utf-8''%D" in wire
        assert 'name="=?utf-8?b?' in wire
