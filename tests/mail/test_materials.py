"""The "report and recording are online" mail: through the outbox to each registrant once."""

from __future__ import annotations

import datetime as dt

import pytest

from app.db.database import Database
from app.domain.errors import InvalidInput
from app.domain.mail import MailKind
from app.domain.materials import MaterialsDraft
from app.domain.model import EventFormat, EventText, MaterialLink
from app.services import materials
from app.services.event_changes import cancel_event
from app.services.registrations import cancel, register
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request
from tests.mail.conftest import make_sender, outbox_rows
from tests.mail.mailbox import calendar_methods, decoded, subjects, text_body, to
from tests.smtp_sink import Received, SmtpSink

DAY = dt.timedelta(days=1)
DRAFT = MaterialsDraft(
    report="# Bericht\n\nDanke an alle.",
    report_translations={"en": "Thanks to everyone."},
    recording_url="https://video.example/watch?v=1&t=2",
    slides=(MaterialLink("https://folien.example/a.pdf", "Vortrag <Kyjiw>"),),
    photos=(MaterialLink("https://fotos.example/album"),),
)


SUBJECTS = ("Bericht und Aufzeichnung", "Report and recording", "Звіт і запис")


def materials_mail(sink: SmtpSink, address: str) -> Received:
    """The one materials mail ``address`` received (the confirmation came before)."""
    [mail] = [m for m in to(sink, address) if str(m.message["Subject"]).startswith(SUBJECTS)]
    return mail


async def test_each_registrant_gets_the_mail_once_in_their_language(
    db: Database, event_factory, now, clock: ManualClock, sink: SmtpSink, mail_settings: Settings
) -> None:
    event = await event_factory(
        slug="runde",
        format=EventFormat.ONLINE,
        translations={"en": EventText(title="Round table"), "uk": EventText(title="Круглий стіл")},
    )
    anna = (
        await register(
            db,
            "runde",
            registration_request("anna@stadt.example", language="de", mode="online"),
            now,
        )
    ).registration
    ben = (
        await register(
            db, "runde", registration_request("ben@city.example", language="en", mode="online"), now
        )
    ).registration
    olena = (
        await register(
            db,
            "runde",
            registration_request("olena@misto.example", language="uk", mode="online"),
            now,
        )
    ).registration
    gone = (
        await register(db, "runde", registration_request("gone@stadt.example", mode="online"), now)
    ).registration
    await cancel(db, gone.token, now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()

    clock.now = event.ends_at + DAY
    with pytest.raises(InvalidInput) as refused:
        await materials.announce(db, event.id, clock.now)
    assert refused.value.errors == {"announce": materials.NOTHING_TO_ANNOUNCE}
    await materials.save(db, event.id, DRAFT, clock.now)

    assert await materials.announce(db, event.id, clock.now) == 3
    assert await materials.announce(db, event.id, clock.now) == 0  # a second click sends nothing
    report = await sender.drain()
    assert report.sent == 3
    assert await materials.announce(db, event.id, clock.now) == 0  # nor once they went out
    await sender.close()

    # The cancelled registration gets its (delayed) cancellation notice, never the materials.
    assert not any("online" in subject for subject in subjects(to(sink, "gone@stadt.example")))
    german, english, ukrainian = (
        materials_mail(sink, address)
        for address in ("anna@stadt.example", "ben@city.example", "olena@misto.example")
    )
    assert subjects([german, english, ukrainian]) == [
        "Bericht und Aufzeichnung sind online: Konferenz",
        "Report and recording are online: Round table",
        "Звіт і запис уже онлайн: Круглий стіл",
    ]
    text = text_body(german)
    assert "https://video.example/watch?v=1&t=2" in text
    assert "Folien – Vortrag <Kyjiw>: https://folien.example/a.pdf" in text
    assert "Bericht: https://treffpunkt.test/events/runde" in text
    assert "Recording: https://video.example/watch?v=1&t=2" in text_body(english)
    assert "Запис:" in text_body(ukrainian)
    assert "Звіт (німецькою): https://treffpunkt.test/events/runde" in text_body(ukrainian)
    assert "(auf Deutsch)" not in text
    html = german.message.get_body(preferencelist=("html",))
    assert html is not None
    body = str(html.get_content())
    assert "Vortrag &lt;Kyjiw&gt;" in body
    assert 'href="https://video.example/watch?v=1&amp;t=2"' in body
    assert calendar_methods(german) == []  # no invite: nothing changes in the calendar
    for received in (german, english, ukrainian):
        assert "zoom.example" not in decoded(received)
        assert "SECRETPWD" not in decoded(received)
    rows = await outbox_rows(kind=MailKind.MATERIALS.value)
    assert {row["registration"] for row in rows} == {anna.id, ben.id, olena.id}


async def test_no_announcement_before_the_end_or_for_a_cancelled_event(
    db: Database, event_factory, now
) -> None:
    event = await event_factory(slug="runde")
    await register(db, "runde", registration_request("anna@stadt.example"), now)
    await materials.save(db, event.id, DRAFT, now)
    with pytest.raises(InvalidInput) as early:
        await materials.announce(db, event.id, now)
    assert early.value.errors == {"announce": materials.NOT_OVER}
    await cancel_event(db, event.id, message="", now=now)
    with pytest.raises(InvalidInput) as cancelled:
        await materials.announce(db, event.id, event.ends_at + DAY)
    assert cancelled.value.errors == {"announce": materials.NOT_PUBLISHED}
    assert await outbox_rows(kind=MailKind.MATERIALS.value) == []
