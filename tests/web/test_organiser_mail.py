"""The organisers' outbox page (retry, abort) and their messages to registrants."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from app.db.database import Database
from app.db.tables import Outbox
from app.domain.mail import MailKind, still_relevant
from app.domain.model import AttendanceMode, EventFormat, RegistrationStatus, Seats
from app.domain.outbox import OutboxStatus
from app.services import organisers
from app.services.registrations import list_for_event, register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import FIXED_NOW, registration_request
from tests.mail import conftest as email_fixtures
from tests.mail.conftest import make_sender, outbox_rows
from tests.smtp_sink import SmtpSink
from tests.web.conftest import cookie_token
from tests.web.test_organisers import EMAIL, PASSWORD, sign_in

SUBJECT = "Raumänderung am Mittwoch"

# The real SMTP server and the settings that point at it, from the mail tests.
sink = email_fixtures.sink
mail_settings = email_fixtures.mail_settings


def _sender_clock() -> ManualClock:
    """The sender's clock: a minute after the 'now' the web layer enqueues with."""
    return ManualClock(FIXED_NOW + dt.timedelta(minutes=1))


async def _post(client: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    return await client.post(
        path, data={**form, "_csrf_token": cookie_token(client)}, follow_redirects=False
    )


async def _set_status(mail_id: int, status: OutboxStatus, **values: Any) -> None:
    await Outbox.update({Outbox.status: status.value}, force=True, **values).where(
        Outbox.id == mail_id
    )


@pytest.fixture
async def organiser(db: Database):
    """A signed-up organiser (the tests sign in as them)."""
    return await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")


@pytest.fixture
async def hybrid(db: Database, event_factory, now):
    """A hybrid event: two confirmed online, one confirmed and one waiting in person, one gone."""
    event = await event_factory(
        slug="runde",
        title="Hybride Runde",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(1, 0),
    )
    await register(db, "runde", registration_request("on1@stadt.example", mode="online"), now)
    await register(db, "runde", registration_request("on2@stadt.example", mode="online"), now)
    await register(db, "runde", registration_request("vor@stadt.example", mode="in_person"), now)
    await register(db, "runde", registration_request("warte@stadt.example", mode="in_person"), now)
    await register(db, "runde", registration_request("weg@stadt.example", mode="online"), now)
    from app.db.tables import Registration as RegistrationTable

    await RegistrationTable.update(
        {RegistrationTable.status: RegistrationStatus.CANCELLED.value}
    ).where(RegistrationTable.email == "weg@stadt.example")
    statuses = {r.email: r.status for r in await list_for_event(event.id)}
    assert statuses["warte@stadt.example"] is RegistrationStatus.WAITLISTED
    return event


async def test_outbox_page_lists_mails_with_their_state(client, organiser, hybrid) -> None:
    rows = await outbox_rows()
    await _set_status(rows[0]["id"], OutboxStatus.FAILED, last_error="550 mailbox unknown")
    await sign_in(client)
    page = await client.get("/organiser/outbox")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "on1@stadt.example" in page.text
    assert "Hybride Runde" in page.text
    assert "550 mailbox unknown" in page.text
    assert "Fehlgeschlagen" in page.text
    assert "Wartet" in page.text
    # Newest first.
    assert page.text.index(f'id="mail-{rows[-1]["id"]}"') < page.text.index(
        f'id="mail-{rows[0]["id"]}"'
    )
    failed = await client.get("/organiser/outbox?status=failed")
    assert failed.text.count('data-status="') == 1
    assert f"/organiser/outbox/{rows[0]['id']}/retry" in failed.text
    other = await client.get(f"/organiser/outbox?event={hybrid.id + 99}")
    assert 'data-status="' not in other.text


async def test_retry_and_abort_only_from_allowed_states(client, organiser, hybrid) -> None:
    first, second, third, *_ = await outbox_rows()
    await _set_status(first["id"], OutboxStatus.FAILED, attempts=5, last_error="550 nein")
    await _set_status(second["id"], OutboxStatus.SENT)
    await sign_in(client)
    await client.get("/organiser/outbox")

    retried = await _post(client, f"/organiser/outbox/{first['id']}/retry")
    assert retried.status_code == 303
    assert retried.headers["location"].startswith("/organiser/outbox")
    # A sent mail is neither retried nor aborted; a queued one is not "retried" either.
    await _post(client, f"/organiser/outbox/{second['id']}/retry")
    await _post(client, f"/organiser/outbox/{second['id']}/abort")
    await _post(client, f"/organiser/outbox/{third['id']}/retry")
    rows = {row["id"]: row for row in await outbox_rows()}
    assert rows[first["id"]]["status"] == "queued"
    assert rows[first["id"]]["attempts"] == 0
    assert rows[first["id"]]["last_error"] == "550 nein"  # kept as history
    assert rows[second["id"]]["status"] == "sent"
    assert rows[third["id"]]["status"] == "queued"
    assert rows[third["id"]]["attempts"] == 0

    aborted = await _post(client, f"/organiser/outbox/{third['id']}/abort")
    assert aborted.status_code == 303
    await _set_status(first["id"], OutboxStatus.FAILED)
    await _post(client, f"/organiser/outbox/{first['id']}/abort")
    rows = {row["id"]: row for row in await outbox_rows()}
    assert rows[third["id"]]["status"] == rows[first["id"]]["status"] == "cancelled"
    assert rows[third["id"]]["last_error"] == "abgebrochen"
    # Cancelled is final: no retry from there.
    await _post(client, f"/organiser/outbox/{third['id']}/retry")
    assert {row["id"]: row for row in await outbox_rows()}[third["id"]]["status"] == "cancelled"


async def test_actions_need_the_csrf_token(client, organiser, hybrid) -> None:
    [first, *_] = await outbox_rows()
    await _set_status(first["id"], OutboxStatus.FAILED)
    await sign_in(client)
    refused = await client.post(f"/organiser/outbox/{first['id']}/retry")
    assert refused.status_code == 403
    assert (await outbox_rows(id=first["id"]))[0]["status"] == "failed"


async def test_a_retried_mail_is_delivered_once(
    db: Database,
    client,
    organiser,
    hybrid,
    sink: SmtpSink,
    mail_settings: Settings,
) -> None:
    clock = _sender_clock()
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    delivered = len(sink.received)
    [first, *_] = await outbox_rows(status="sent")
    await _set_status(first["id"], OutboxStatus.FAILED, last_error="550 nein")
    await sign_in(client)
    await client.get("/organiser/outbox")
    await _post(client, f"/organiser/outbox/{first['id']}/retry")
    report = await sender.drain()
    again = await sender.drain()
    await sender.close()
    assert report.sent == 1
    assert again.sent == 0
    assert len(sink.received) == delivered + 1
    assert sink.received[-1].recipients == [first["recipient"]]
    [row] = await outbox_rows(id=first["id"])
    assert row["status"] == "sent"
    assert row["attempts"] == 1
    assert row["last_error"] == ""


async def test_preview_shows_escaped_html_and_the_count(client, organiser, hybrid) -> None:
    await sign_in(client)
    form = await client.get(f"/organiser/events/{hybrid.id}/message")
    assert form.status_code == 200
    response = await _post(
        client,
        f"/organiser/events/{hybrid.id}/message/preview",
        subject=SUBJECT,
        text="<script>alert(1)</script>\nZweite Zeile",
        audience="online",
    )
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text  # text part and textarea
    # The HTML body escapes it once, the page once more.
    assert "&amp;lt;script&amp;gt;" in response.text
    assert "Geht an <strong>2</strong> Empfänger" in response.text
    assert SUBJECT in response.text
    assert "/r/" in response.text  # the sample recipient's personal link
    assert await outbox_rows(kind=MailKind.MESSAGE.value) == []


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("all", {"on1", "on2", "vor", "warte"}),
        ("confirmed", {"on1", "on2", "vor"}),
        ("waitlisted", {"warte"}),
        ("online", {"on1", "on2"}),
        ("in_person", {"vor", "warte"}),
    ],
)
async def test_sending_enqueues_one_mail_per_chosen_recipient(
    client,
    organiser,
    hybrid,
    audience: str,
    expected: set[str],
) -> None:
    await sign_in(client)
    await client.get(f"/organiser/events/{hybrid.id}/message")
    response = await _post(
        client,
        f"/organiser/events/{hybrid.id}/message",
        subject=SUBJECT,
        text="Wir treffen uns in Raum 2.",
        audience=audience,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/organiser/outbox?event={hybrid.id}"
    rows = await outbox_rows(kind=MailKind.MESSAGE.value)
    assert sorted(row["recipient"] for row in rows) == sorted(
        f"{name}@stadt.example" for name in expected
    )


async def test_sent_message_is_delivered(
    db: Database,
    client,
    organiser,
    hybrid,
    sink: SmtpSink,
    mail_settings: Settings,
) -> None:
    clock = _sender_clock()
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    before = len(sink.received)
    await sign_in(client)
    await client.get(f"/organiser/events/{hybrid.id}/message")
    await _post(
        client,
        f"/organiser/events/{hybrid.id}/message",
        subject=SUBJECT,
        text="Wir treffen uns in Raum 2.",
        audience="confirmed",
    )
    report = await sender.drain()
    await sender.close()
    assert report.sent == 3
    received = sink.received[before:]
    assert sorted(r.recipients[0] for r in received) == [
        "on1@stadt.example",
        "on2@stadt.example",
        "vor@stadt.example",
    ]
    message = received[0].message
    assert str(message["Subject"]) == SUBJECT
    plain = message.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "Wir treffen uns in Raum 2." in text
    assert "Hybride Runde" in text
    assert "https://treffpunkt.test/r/" in text


async def test_empty_subject_is_shown_next_to_the_field_and_text_kept(
    client,
    organiser,
    hybrid,
) -> None:
    await sign_in(client)
    await client.get(f"/organiser/events/{hybrid.id}/message")
    for path in ("message", "message/preview"):
        response = await _post(
            client,
            f"/organiser/events/{hybrid.id}/{path}",
            subject="  ",
            text="Bitte <b>nicht</b> vergessen",
            audience="all",
        )
        assert response.status_code == 400
        assert 'id="subject-error"' in response.text
        assert "Bitte geben Sie einen Betreff ein." in response.text
        assert "Bitte &lt;b&gt;nicht&lt;/b&gt; vergessen</textarea>" in response.text
    too_long = await _post(
        client,
        f"/organiser/events/{hybrid.id}/message",
        subject="x" * 151,
        text="",
        audience="all",
    )
    assert too_long.status_code == 400
    assert "höchstens 150 Zeichen" in too_long.text
    assert 'id="text-error"' in too_long.text
    assert await outbox_rows(kind=MailKind.MESSAGE.value) == []


async def test_message_to_unknown_event_is_not_found(client, organiser) -> None:
    await sign_in(client)
    response = await client.get("/organiser/events/999/message")
    assert response.status_code == 404


async def test_anonymous_access_is_refused(client, hybrid) -> None:
    for path in (
        "/organiser/outbox",
        f"/organiser/events/{hybrid.id}/message",
    ):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/organiser/sign-in")
    await client.get("/")
    response = await _post(
        client,
        f"/organiser/events/{hybrid.id}/message",
        subject=SUBJECT,
        text="x",
        audience="all",
    )
    assert response.status_code in (303, 401, 403)
    assert await outbox_rows(kind=MailKind.MESSAGE.value) == []


def test_messages_skip_cancelled_registrations(now) -> None:
    from tests.conftest import make_event
    from tests.mail.test_render import registration

    event = make_event(now)
    person = registration(mode=AttendanceMode.IN_PERSON)
    assert still_relevant(MailKind.MESSAGE, event, person, now) is None
    gone = registration(status=RegistrationStatus.CANCELLED)
    assert still_relevant(MailKind.MESSAGE, event, gone, now) == "registration cancelled"
