"""Invitations through the pages: the organiser imports a list (CSRF, per-row errors, escaped),
sends the invitations, the invitee's mail arrives at a real SMTP server and its link opens the
form filled in; an invitation-only event refuses an uninvited address next to the email field.
"""

from __future__ import annotations

import re

from app.db.tables import Invitation as InvitationTable
from app.db.tables import Registration as RegistrationTable
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_form
from tests.mail.conftest import mail_settings, make_sender, sink  # noqa: F401 - fixtures
from tests.mail.mailbox import subjects, text_body, to
from tests.smtp_sink import SmtpSink
from tests.web.conftest import cookie_token, submit, upcoming
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

NASTY = "<script>alert(1)</script>"
LIST = (
    "\ufeffName;E-Mail;Organisation;Sprache\r\n"
    "Olena Koval;olena@misto.example;Stadt Lwiw;uk\r\n"
    "Jürgen Müller;j.mueller@kreis.example;Kreis Unna;de\r\n"
)


async def upload(client, event_id: int, text: str):
    base = f"/organiser/events/{event_id}/invitations"
    await client.get(base)
    data = {"_csrf_token": cookie_token(client)}
    files = {"file": ("liste.csv", text.encode("utf-8"), "text/csv")}
    return await client.post(f"{base}/import", data=data, files=files, follow_redirects=True)


async def test_the_list_is_imported_and_errors_are_shown_by_row(
    client,
    organiser,  # noqa: F811
    event_factory,
) -> None:
    event = await event_factory(slug="runde", **upcoming())
    await sign_in(client)
    # Multipart like the form, without the token (and without a file part: a part Litestar
    # spools to a file is left open when the CSRF check refuses the request).
    refused = await client.post(
        f"/organiser/events/{event.id}/invitations/import", files={"note": (None, "x")}
    )
    assert refused.status_code == 403
    assert await InvitationTable.count() == 0

    bad = LIST + f"{NASTY};{NASTY};x;de\r\n=1+1;eve@example.org;x;de\r\nAnna;anna@x.example;;fr\r\n"
    page = await upload(client, event.id, bad)
    assert page.status_code == 400
    assert "Nichts importiert" in page.text
    assert "Die Datei enthält 3 Fehler" in page.text
    assert "<td>4</td><td>E-Mail</td><td>Keine gültige E-Mail-Adresse.</td>" in page.text
    assert "<td>5</td><td>Name</td>" in page.text
    assert "Unbekannte Sprache" in page.text
    assert NASTY not in page.text
    assert await InvitationTable.count() == 0

    page = await upload(client, event.id, LIST)
    assert page.status_code == 200
    assert "2 Personen neu eingeladen." in page.text
    assert "Eingeladen: 2, davon angeschrieben: 0." in page.text


async def test_the_invitation_arrives_and_its_link_fills_the_form(
    client,
    organiser,  # noqa: F811
    event_factory,
    db,
    clock: ManualClock,
    sink: SmtpSink,  # noqa: F811
    mail_settings: Settings,  # noqa: F811
) -> None:
    event = await event_factory(slug="runde", title="Runde", invitation_only=True, **upcoming())
    await sign_in(client)
    await upload(client, event.id, LIST)
    base = f"/organiser/events/{event.id}/invitations"
    sent = await client.post(
        f"{base}/send", data={"_csrf_token": cookie_token(client)}, follow_redirects=True
    )
    assert "2 Einladungen werden verschickt." in sent.text
    sender = make_sender(db, mail_settings, clock)
    assert (await sender.drain()).sent == 2
    await sender.close()

    (mail,) = to(sink, "olena@misto.example")
    assert subjects([mail]) == ["Запрошення: Runde"]
    assert mail.message["Content-Language"] == "uk"
    link = re.search(r"https://treffpunkt\.test(/i/[A-Za-z0-9_-]+)", text_body(mail))
    assert link is not None
    page = await client.get(link.group(1))
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'value="Olena"' in page.text
    assert 'value="Koval"' in page.text
    assert 'value="olena@misto.example"' in page.text
    token = link.group(1).removeprefix("/i/")
    assert f'name="invitation" value="{token}"' in page.text
    # The link lets her register from her private address, though only the invited may.
    form = registration_form("olena.private@example.org", invitation=token)
    response = await submit(client, "runde", form)
    assert response.status_code == 303
    assert await RegistrationTable.count() == 1
    # A made-up link is not found.
    assert (await client.get("/i/" + "A" * 43)).status_code == 404


async def test_an_uninvited_address_is_refused_next_to_the_email_field(
    client, event_factory, db, now
) -> None:
    from io import BytesIO

    from app.services import invitations

    event = await event_factory(slug="runde", invitation_only=True, **upcoming())
    await invitations.import_invitees(db, event.id, BytesIO(LIST.encode()), now)
    response = await submit(client, "runde", registration_form("eve@example.org"))
    assert response.status_code == 400
    assert "nur für eingeladene Personen" in response.text
    assert 'aria-invalid="true"' in response.text.split('name="email"')[1].split(">")[0]
    assert await RegistrationTable.count() == 0
    accepted = await submit(client, "runde", registration_form("J.Mueller@kreis.example"))
    assert accepted.status_code == 303
