"""Invitations through the pages: the organiser imports a list (CSRF, per-row errors, escaped,
the size limit), sees the invitees, confirms sending; the invitation link opens the form
filled in; an invitation-only event says so, and refuses an uninvited address next to the
email field, for a form sent without any page too.
"""

from __future__ import annotations

import io
import json

import pytest

from app.db.tables import AuditEntry, Outbox
from app.db.tables import Invitation as InvitationTable
from app.db.tables import Registration as RegistrationTable
from app.services import api_tokens, invitations
from app.settings import Settings
from tests.conftest import registration_form
from tests.web.conftest import cookie_token, submit, upcoming
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

#: The upload limit of this module's app (INVITATION_MAX_UPLOAD_MB), small to test cheaply.
LIMIT = 2_000
NASTY = "<script>alert(1)</script>"
LIST = (
    "\ufeffName;E-Mail;Organisation;Sprache\r\n"
    "Olena Koval;olena@misto.example;Stadt Lwiw;uk\r\n"
    "Jürgen Müller;j.mueller@kreis.example;Kreis Unna;de\r\n"
)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="x" * 32,
        debug=True,
        mail_sender_in_serve=False,
        invitation_max_upload_bytes=LIMIT,
    )


async def upload(client, event_id: int, content: bytes):
    base = f"/organiser/events/{event_id}/invitations"
    await client.get(base)
    data = {"_csrf_token": cookie_token(client)}
    files = {"file": ("liste.csv", content, "text/csv")}
    return await client.post(f"{base}/import", data=data, files=files, follow_redirects=True)


async def test_the_list_is_imported_whole_or_errors_are_shown_by_row(
    client,
    organiser,  # noqa: F811
    event_factory,
) -> None:
    event = await event_factory(slug="runde", **upcoming())
    await sign_in(client)
    refused = await client.post(
        f"/organiser/events/{event.id}/invitations/import", files={"note": (None, "x")}
    )
    assert refused.status_code == 403

    bad = LIST + f"{NASTY};{NASTY};x;de\r\n=1+1;eve@example.org;x;de\r\nAnna;anna@x.example;;fr\r\n"
    bad += "Olena;OLENA@misto.example;;uk\r\n"
    page = await upload(client, event.id, bad.encode())
    assert page.status_code == 422
    assert "Nichts importiert" in page.text
    assert "Die Datei enthält 4 Fehler" in page.text
    assert "<td>4</td><td>E-Mail</td><td>Keine gültige E-Mail-Adresse.</td>" in page.text
    assert "<td>5</td><td>Name</td>" in page.text
    assert "Unbekannte Sprache" in page.text
    assert "<td>7</td><td>E-Mail</td><td>Diese Adresse steht schon in Zeile 2.</td>" in page.text
    assert NASTY not in page.text
    assert await InvitationTable.count() == 0

    page = await upload(client, event.id, LIST.encode())
    assert page.status_code == 200
    assert "2 Personen eingeladen." in page.text
    assert "Eingeladen: 2, davon angeschrieben: 0, angemeldet: 0." in page.text
    assert "olena@misto.example" in page.text
    assert "Kreis Unna" in page.text
    # The same list again: each address is already invited, and nothing changes.
    page = await upload(client, event.id, LIST.encode())
    assert page.status_code == 422
    assert "Diese Adresse ist schon eingeladen." in page.text
    assert await InvitationTable.count() == 2
    # Excel's other encoding, an empty file, a list without an email column.
    cp1252 = LIST.replace("\ufeff", "").encode("cp1252", errors="replace")
    assert "nicht in UTF-8" in (await upload(client, event.id, cp1252)).text
    assert "keine Eingeladenen" in (await upload(client, event.id, b"")).text
    assert "keine Spalte" in (await upload(client, event.id, b"Name|Mail\nA|a@b.example\n")).text
    entries = await AuditEntry.select().where(AuditEntry.action == "invitees_imported")
    assert [(entry["event"], entry["detail"]) for entry in entries] == [(event.id, "2")]


async def test_a_file_over_the_limit_is_refused_with_the_limit(
    client,
    organiser,  # noqa: F811
    event_factory,
) -> None:
    event = await event_factory(slug="runde", **upcoming())
    await sign_in(client)
    rows = "".join(f"P {n};p{n}@example.org;;de\r\n" for n in range(100))
    too_big = (LIST + rows).encode()
    assert LIMIT < len(too_big) < LIMIT + 1_000_000
    page = await upload(client, event.id, too_big)
    assert page.status_code == 422
    assert "Die Datei ist zu groß: höchstens 0.002 MB" in page.text
    # Far beyond it, the request itself is refused before it is read whole.
    huge = await upload(client, event.id, too_big + b"x" * 1_000_000)
    assert huge.status_code == 413
    assert "zu groß" in huge.text
    assert await InvitationTable.count() == 0


async def test_sending_is_confirmed_first_and_sends_each_invitee_once(
    client,
    organiser,  # noqa: F811
    event_factory,
) -> None:
    event = await event_factory(slug="runde", title="Runde", **upcoming())
    await sign_in(client)
    await upload(client, event.id, LIST.encode())
    base = f"/organiser/events/{event.id}/invitations"
    confirmation = await client.get(f"{base}/send")
    assert confirmation.status_code == 200
    assert "2 Personen bekommen jetzt eine persönliche Einladung" in confirmation.text
    assert await Outbox.count() == 0
    token = {"_csrf_token": cookie_token(client)}
    sent = await client.post(f"{base}/send", data=token, follow_redirects=True)
    assert "2 Einladungen werden verschickt." in sent.text
    assert "davon angeschrieben: 2" in sent.text
    again = await client.post(f"{base}/send", data=token, follow_redirects=True)
    assert "0 Einladungen werden verschickt." in again.text
    assert await Outbox.count() == 2
    assert "niemanden mehr anzuschreiben" in (await client.get(f"{base}/send")).text


async def test_the_link_fills_the_form_and_a_forged_one_is_not_found(
    client, event_factory, db, now
) -> None:
    event = await event_factory(slug="runde", invitation_only=True, **upcoming())
    await invitations.import_invitees(
        db, event.id, io.BytesIO(LIST.encode()), now, max_bytes=10_000
    )
    await invitations.send_invitations(db, event.id, now)
    mails = await Outbox.select().where(Outbox.recipient == "olena@misto.example")
    payload = mails[0]["payload"]
    token = (json.loads(payload) if isinstance(payload, str) else payload)["invitation"]
    page = await client.get(f"/i/{token}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    for value in ("Olena", "Koval", "olena@misto.example", "Stadt Lwiw"):
        assert f'value="{value}"' in page.text
    assert '<option value="uk" lang="uk" selected>' in page.text
    assert 'id="invitation-only"' in page.text
    middle = len(token) // 2
    altered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    assert (await client.get(f"/i/{altered}")).status_code == 404
    assert (await client.get("/i/" + "A" * 43)).status_code == 404


async def test_an_uninvited_address_is_refused_next_to_the_email_field(
    client, event_factory, db, now
) -> None:
    event = await event_factory(slug="runde", invitation_only=True, **upcoming())
    await invitations.import_invitees(
        db, event.id, io.BytesIO(LIST.encode()), now, max_bytes=10_000
    )
    public = await client.get("/events/runde")
    assert "Nur auf Einladung" in public.text
    response = await submit(client, "runde", registration_form("eve@example.org"))
    assert response.status_code == 400
    assert "nur für eingeladene Personen" in response.text
    assert 'aria-invalid="true"' in response.text.split('name="email"')[1].split(">")[0]
    # In English too.
    client.cookies.set("treffpunkt_lang", "en")
    english = await client.post(
        "/events/runde/register",
        data={**registration_form("eve@example.org"), "_csrf_token": cookie_token(client)},
    )
    client.cookies.delete("treffpunkt_lang")
    assert english.status_code == 400
    assert "by invitation only" in english.text
    assert await RegistrationTable.count() == 0
    accepted = await submit(client, "runde", registration_form(" J.Mueller@Kreis.example"))
    assert accepted.status_code == 303
    # An event open to all says nothing of invitations.
    await event_factory(slug="offen", **upcoming())
    assert "Nur auf Einladung" not in (await client.get("/events/offen")).text


async def test_the_organiser_api_makes_an_event_invitation_only(
    client,
    organiser,  # noqa: F811
    event_factory,
    db,
    now,
) -> None:
    event = await event_factory(slug="runde", **upcoming())
    secret = (await api_tokens.create(db, organiser.id, "Skript", now)).secret
    bearer = {"authorization": f"Bearer {secret}"}
    url = f"/api/v1/organiser/events/{event.id}/invitation-only"
    assert (
        await client.put(url, json={"invitation_only": "ja"}, headers=bearer)
    ).status_code == 400
    response = await client.put(url, json={"invitation_only": True}, headers=bearer)
    assert response.status_code == 200
    assert response.json() == {"invitation_only": True}
    (listed,) = (await client.get("/api/v1/organiser/events", headers=bearer)).json()
    assert listed["invitation_only"] is True
    entries = await AuditEntry.select().where(AuditEntry.action == "event_edited")
    assert [entry["detail"] for entry in entries] == ["invitation_only=on"]
    # From now on the public registration takes invited addresses only.
    refused = await submit(client, "runde", registration_form("eve@example.org"))
    assert refused.status_code == 400
    assert await RegistrationTable.count() == 0
    await client.put(url, json={"invitation_only": False}, headers=bearer)
    assert (await submit(client, "runde", registration_form("eve@example.org"))).status_code == 303
