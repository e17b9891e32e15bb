"""Attendees ask for their certificate on their personal page; it comes by mail, as a PDF.

The whole way on both databases: the page's button (CSRF), the outbox row, the sender, the
in-process SMTP server, and the attachment read back with pypdf.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from app.db.database import Database
from app.domain.mail import MailKind
from app.domain.model import AttendanceSource, EventFormat, EventText, Registration, Seats
from app.services import attendance, certificates, organiser_registrations
from app.services.registrations import register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.mail import conftest as email_fixtures
from tests.mail.conftest import make_sender, outbox_rows
from tests.mail.mailbox import to
from tests.smtp_sink import Received, SmtpSink
from tests.web.conftest import cookie_token

sink = email_fixtures.sink
mail_settings = email_fixtures.mail_settings

BUTTON = "Teilnahmebescheinigung per E-Mail anfordern"
NOT_ATTENDED = "Für Ihre Anmeldung ist keine Teilnahme vermerkt"


async def _person(db: Database, email: str, now: dt.datetime, **fields: Any) -> Registration:
    request = registration_request(email, **fields)
    return (await register(db, "runde", request, now)).registration


@pytest.fixture
async def people(db: Database, event_factory, now: dt.datetime):
    """A hybrid event a week ahead: Jürgen checked in, Олена attended online, Bob did not come."""
    event = await event_factory(
        slug="runde",
        title="Partnerschaftsrunde",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(10, 0),
        funding_note="Gefördert durch die Staatskanzlei NRW.",
        translations={"uk": EventText(title="Партнерський круглий стіл")},
    )
    juergen = await _person(db, "juergen@kreis.example", now, first_name="Jürgen", mode="in_person")
    olena = await _person(
        db,
        "olena@misto.example",
        now,
        first_name="Олена",
        last_name="Коваль",
        language="uk",
        mode="online",
    )
    bob = await _person(db, "bob@stadt.example", now, first_name="Bob", mode="online")
    await organiser_registrations.set_checked_in(db, event.id, juergen.id, True, event.starts_at)
    await attendance.mark_attended_online(
        db, event.id, [olena.id], source=AttendanceSource.ZOOM, now=event.ends_at, actor=None
    )
    return event, juergen, olena, bob


async def _ask(client: httpx.AsyncClient, token: str) -> httpx.Response:
    await client.get(f"/r/{token}")
    return await client.post(
        f"/r/{token}/certificate",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )


def _attachment(mail: Received) -> tuple[str, bytes]:
    [part] = [
        p for p in mail.message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    return str(part.get_filename()), part.get_content()


def _pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )


async def test_an_attendee_asks_after_the_event_and_gets_the_pdf_by_mail(
    db, client, clock: ManualClock, people, sink: SmtpSink, mail_settings: Settings
) -> None:
    event, juergen, olena, _ = people
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()  # the confirmations
    clock.now = event.ends_at + dt.timedelta(hours=2)

    page = await client.get(f"/r/{juergen.token}")
    assert BUTTON in page.text
    answer = await _ask(client, juergen.token)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/r/{juergen.token}?certificate=queued"
    shown = await client.get(answer.headers["location"])
    assert "Ihre Teilnahmebescheinigung ist per E-Mail unterwegs" in shown.text

    assert (await _ask(client, olena.token)).status_code == 303
    report = await sender.drain()
    assert report.sent == 2

    [mail] = [
        m
        for m in to(sink, "juergen@kreis.example")
        if "Teilnahmebescheinigung" in str(m.message["Subject"])
    ]
    assert str(mail.message["Subject"]) == "Ihre Teilnahmebescheinigung: Partnerschaftsrunde"
    filename, pdf = _attachment(mail)
    assert filename == "teilnahmebescheinigung.pdf"
    text = _pdf_text(pdf)
    assert "Teilnahmebescheinigung" in text
    assert "Jürgen Koval" in text
    assert "Partnerschaftsrunde" in text
    assert "Form der Teilnahme: vor Ort" in text
    assert "Gefördert durch die Staatskanzlei NRW." in text
    assert "Veranstalter: Treffpunkt Partnerschaften" in text

    [mail] = [
        m for m in to(sink, "olena@misto.example") if "сертифікат" in str(m.message["Subject"])
    ]
    assert str(mail.message["Subject"]) == "Ваш сертифікат про участь: Партнерський круглий стіл"
    filename, pdf = _attachment(mail)
    text = _pdf_text(pdf)
    assert "Сертифікат про участь" in text
    assert "Олена Коваль" in text
    assert "Партнерський круглий стіл" in text
    assert "Форма участі: онлайн (Zoom)" in text


async def test_asking_twice_sends_one_mail(db, client, clock: ManualClock, people) -> None:
    event, juergen, _, _ = people
    clock.now = event.ends_at + dt.timedelta(hours=2)
    assert (await _ask(client, juergen.token)).headers["location"].endswith("=queued")
    again = await _ask(client, juergen.token)
    assert again.headers["location"].endswith("?certificate=already_queued")
    assert len(await outbox_rows(kind=MailKind.CERTIFICATE.value)) == 1


async def test_who_did_not_attend_is_told_so_and_gets_nothing(
    db, client, clock: ManualClock, people
) -> None:
    event, _, _, bob = people
    clock.now = event.ends_at + dt.timedelta(hours=2)
    page = await client.get(f"/r/{bob.token}")
    assert NOT_ATTENDED in page.text
    assert BUTTON not in page.text
    answer = await _ask(client, bob.token)
    assert answer.headers["location"] == f"/r/{bob.token}?certificate=not_attended"
    assert NOT_ATTENDED in (await client.get(answer.headers["location"])).text
    assert await outbox_rows(kind=MailKind.CERTIFICATE.value) == []


async def test_before_the_end_no_certificate_is_offered(
    db, client, clock: ManualClock, people
) -> None:
    event, juergen, _, _ = people
    clock.now = event.ends_at - dt.timedelta(minutes=1)
    page = await client.get(f"/r/{juergen.token}")
    assert "Teilnahmebescheinigung" not in page.text
    answer = await _ask(client, juergen.token)
    assert answer.headers["location"] == f"/r/{juergen.token}?certificate=not_over"
    assert await outbox_rows(kind=MailKind.CERTIFICATE.value) == []


async def test_a_token_gets_its_own_certificate_only(
    db, client, clock: ManualClock, people, sink: SmtpSink, mail_settings: Settings
) -> None:
    event, juergen, _, bob = people
    clock.now = event.ends_at + dt.timedelta(hours=2)
    # Bob's token asks: nothing for anyone, Jürgen's certificate included.
    await _ask(client, bob.token)
    assert await outbox_rows(kind=MailKind.CERTIFICATE.value) == []
    # A made-up or altered token opens nothing.
    assert (await _ask(client, juergen.token[:-1] + "x")).status_code == 404
    assert (await _ask(client, "A" * 43)).status_code == 404
    # Jürgen's token: a mail to Jürgen's address only, about Jürgen.
    await _ask(client, juergen.token)
    [row] = await outbox_rows(kind=MailKind.CERTIFICATE.value)
    assert (row["registration"], row["recipient"]) == (juergen.id, "juergen@kreis.example")
    await make_sender(db, mail_settings, clock).drain()
    certificates = [m for m in sink.received if _has_pdf(m)]
    assert [m.recipients for m in certificates] == [["juergen@kreis.example"]]
    assert "Bob" not in _pdf_text(_attachment(certificates[0])[1])


def _has_pdf(mail: Received) -> bool:
    return any(p.get_content_type() == "application/pdf" for p in mail.message.iter_attachments())


async def test_a_certificate_no_longer_due_is_not_sent(
    db, client, clock: ManualClock, people, sink: SmtpSink, mail_settings: Settings
) -> None:
    """Asked for, then the organisers took the attendance back before it went out."""
    event, _, olena, _ = people
    clock.now = event.ends_at + dt.timedelta(hours=2)
    await _ask(client, olena.token)
    await attendance.unmark_attended_online(db, event.id, [olena.id], now=clock.now, actor=None)
    await make_sender(db, mail_settings, clock).drain()
    [row] = await outbox_rows(kind=MailKind.CERTIFICATE.value)
    assert row["status"] == "cancelled"
    assert not any(_has_pdf(m) for m in sink.received)


async def test_requests_at_the_same_moment_send_one_mail(db, clock: ManualClock, people) -> None:
    """Clicks at once: the requests run together (on PostgreSQL in connections of their own)."""
    event, juergen, _, _ = people
    later = event.ends_at + dt.timedelta(hours=2)
    outcomes = await asyncio.gather(
        *(certificates.request_certificate(db, juergen.token, later) for _ in range(12))
    )
    assert sorted(o.outcome.value for o in outcomes) == ["already_queued"] * 11 + ["queued"]
    assert len(await outbox_rows(kind=MailKind.CERTIFICATE.value)) == 1
