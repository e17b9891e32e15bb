"""Invitation mails through a real SMTP server: each invitee's in their own language, with
their name and a personal link to the filled-in form; none for a cancelled event.
"""

from __future__ import annotations

import io
import re

from app.db.database import Database
from app.db.tables import Outbox
from app.services import invitations
from app.services.event_changes import cancel_event
from app.settings import Settings
from tests.clock import ManualClock
from tests.mail.conftest import make_sender
from tests.mail.mailbox import subjects, text_body, to
from tests.smtp_sink import SmtpSink

LIST = (
    "\ufeffName;E-Mail;Organisation;Sprache\r\n"
    "Jürgen Müller;j.mueller@kreis.example;Kreis Unna;de\r\n"
    "Anna Smith;anna@town.example;Town;en\r\n"
    "Olena Koval;olena@misto.example;Stadt Lwiw;uk\r\n"
)
#: Per address: the subject, the greeting and the line before the link.
EXPECTED = {
    "j.mueller@kreis.example": ("de", "Einladung: Konferenz", "Guten Tag Jürgen Müller,"),
    "anna@town.example": ("en", "Invitation: Konferenz", "Dear Anna Smith,"),
    "olena@misto.example": ("uk", "Запрошення: Konferenz", "Доброго дня, Olena Koval!"),
}
LINK = re.compile(r"https://treffpunkt\.test/i/([A-Za-z0-9_-]{43})")


async def invite(db: Database, event_id: int, now) -> None:
    stream = io.BytesIO(LIST.encode())
    await invitations.import_invitees(db, event_id, stream, now, max_bytes=10_000)
    await invitations.send_invitations(db, event_id, now)


async def test_each_invitee_gets_a_personal_invitation_in_their_language(
    db: Database,
    event_factory,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
) -> None:
    event = await event_factory(title="Konferenz")
    await invite(db, event.id, clock.now)
    sender = make_sender(db, mail_settings, clock)
    assert (await sender.drain()).sent == 3
    await sender.close()
    tokens = set()
    for address, (language, subject, greeting) in EXPECTED.items():
        (mail,) = to(sink, address)
        assert subjects([mail]) == [subject]
        assert mail.message["Content-Language"] == language
        body = text_body(mail)
        assert greeting in body
        link = LINK.search(body)
        assert link is not None, body
        tokens.add(link.group(1))
        view = await invitations.invitation_view(link.group(1))
        assert view.email == address
        # The link is in the HTML part too.
        html = mail.message.get_body(("html",))
        assert html is not None
        assert f"/i/{link.group(1)}" in html.get_content()
    assert len(tokens) == 3


async def test_no_invitation_goes_out_for_a_cancelled_event(
    db: Database,
    event_factory,
    clock: ManualClock,
    sink: SmtpSink,
    mail_settings: Settings,
) -> None:
    event = await event_factory(title="Konferenz")
    await invite(db, event.id, clock.now)
    await cancel_event(db, event.id, message="", now=clock.now)
    sender = make_sender(db, mail_settings, clock)
    await sender.drain()
    await sender.close()
    assert sink.received == []
    rows = await Outbox.select(Outbox.status).where(Outbox.kind == "invitation")
    assert len(rows) == 3
    assert "sent" not in {row["status"] for row in rows}
