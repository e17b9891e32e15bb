"""Zoom data that come after the access mail's moment still reach every online participant."""

from __future__ import annotations

import dataclasses
import datetime as dt
from email.message import EmailMessage

from app.db.database import Database
from app.domain.mail import MailKind
from app.domain.model import EventFormat, OnlineAccess
from app.domain.outbox import OutboxStatus
from app.services.event_changes import change_event
from app.services.events import get_with_access
from app.services.registrations import register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.mail.conftest import make_sender, outbox_rows
from tests.smtp_sink import SmtpSink

ACCESS = OnlineAccess(
    join_url="https://zoom.example/j/4242?pwd=LATEPWD", meeting_id="42 42", passcode="777111"
)


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def _access_rows() -> list[tuple[str, int | None]]:
    return [(row["status"], row["registration"]) for row in await outbox_rows(kind="access")]


async def test_access_data_set_late_are_sent_at_once(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE, online_access=None)
    online = await register(db, "runde", registration_request("olena@stadt.example"), now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()  # the confirmation

    # The access mail's moment comes, but there are no data yet: it is dropped, visibly.
    clock.now = event.starts_at - dt.timedelta(hours=23)
    await sender.drain()
    assert await _access_rows() == [(OutboxStatus.CANCELLED.value, online.registration.id)]

    current = await get_with_access(event.id)
    await change_event(
        db,
        event.id,
        dataclasses.replace(current, online_access=ACCESS),
        notify=False,
        message="",
        now=clock.now,
    )
    assert await _access_rows() == [
        (OutboxStatus.CANCELLED.value, online.registration.id),
        (OutboxStatus.QUEUED.value, online.registration.id),
    ]
    await sender.drain()
    await sender.close()

    texts = [_text(received.message) for received in sink.received]
    access_mails = [text for text in texts if "777111" in text]
    assert len(access_mails) == 1
    assert "42 42" in access_mails[0]
    # The mail links the personal join link, never the Zoom URL with its password.
    assert f"https://treffpunkt.test/j/{online.registration.token}" in access_mails[0]
    assert not any("LATEPWD" in text for text in texts)


async def test_access_data_set_in_time_add_no_second_mail(
    db: Database, event_factory, now, clock: ManualClock, mail_settings: Settings
) -> None:
    event = await event_factory(slug="runde", format=EventFormat.ONLINE, online_access=None)
    await register(db, "runde", registration_request("olena@stadt.example"), now)
    current = await get_with_access(event.id)
    await change_event(
        db,
        event.id,
        dataclasses.replace(current, online_access=ACCESS),
        notify=False,
        message="",
        now=now,
    )
    # The one waiting access mail will find the data when it goes out.
    rows = await outbox_rows(kind=MailKind.ACCESS.value)
    assert [row["status"] for row in rows] == [OutboxStatus.QUEUED.value]
    assert rows[0]["send_after"] == event.starts_at - dt.timedelta(hours=24)
