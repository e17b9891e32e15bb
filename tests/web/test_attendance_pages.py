"""The organisers' online attendance page: tick off, upload a list, download every certificate."""

from __future__ import annotations

import datetime as dt
import io

import httpx
import pytest
from pypdf import PdfReader

from app.db.database import Database
from app.db.tables import AuditEntry
from app.domain.audit import AuditAction
from app.domain.model import EventFormat, Registration, Seats
from app.services import organisers, registrations
from tests.conftest import registration_request
from tests.web.conftest import cookie_token
from tests.web.test_organisers import EMAIL, PASSWORD, sign_in

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
async def organiser(db: Database):
    return await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")


@pytest.fixture
async def hybrid(db: Database, event_factory, now: dt.datetime):
    """A hybrid event with two confirmed online participants (one with a hostile name) and one
    in the room; another event with an online participant of its own."""
    event = await event_factory(
        slug="runde", title="Runde", format=EventFormat.HYBRID, in_person_seats=Seats(5, 0)
    )
    people: dict[str, Registration] = {}
    for key, email, mode, first in (
        ("anna", "anna@stadt.example", "online", "Anna"),
        ("evil", "evil@stadt.example", "online", HOSTILE),
        ("room", "room@stadt.example", "in_person", "Raum"),
    ):
        request = registration_request(email, mode=mode, first_name=first)
        people[key] = (await registrations.register(db, "runde", request, now)).registration
    await event_factory(slug="andere", format=EventFormat.ONLINE)
    request = registration_request("other@stadt.example", mode="online")
    people["other"] = (await registrations.register(db, "andere", request, now)).registration
    return event, people


async def _post(client: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    return await client.post(
        path, data={**form, "_csrf_token": cookie_token(client)}, follow_redirects=False
    )


async def _upload(client: httpx.AsyncClient, event_id: int, content: bytes) -> httpx.Response:
    return await client.post(
        f"/organiser/events/{event_id}/attendance/import",
        data={"_csrf_token": cookie_token(client)},
        files={"file": ("teilnehmer.csv", content, "text/csv")},
        follow_redirects=False,
    )


async def _marked(event_id: int) -> set[str]:
    return {
        r.email
        for r in await registrations.list_for_event(event_id)
        if r.attended_online_at is not None
    }


async def test_the_page_lists_online_participants_escaped_and_toggles_them(
    client, organiser, hybrid
) -> None:
    event, people = hybrid
    assert (await sign_in(client)).status_code == 303
    page = await client.get(f"/organiser/events/{event.id}/attendance")
    assert page.status_code == 200
    assert HOSTILE not in page.text
    assert "&lt;script&gt;" in page.text
    assert f'id="r-{people["anna"].id}"' in page.text
    assert f'id="r-{people["room"].id}"' not in page.text
    assert "0 von 2 bestätigten Online-Anmeldungen" in page.text

    path = f"/organiser/events/{event.id}/attendance/{people['anna'].id}"
    answer = await _post(client, path, action="in")
    assert answer.status_code == 303
    assert await _marked(event.id) == {"anna@stadt.example"}
    again = await _post(client, path, action="in")
    assert "notice=unchanged" in again.headers["location"]
    page = await client.get(f"/organiser/events/{event.id}/attendance")
    assert "1 von 2 bestätigten Online-Anmeldungen" in page.text
    assert "Teilnahme zurücknehmen" in page.text

    await _post(client, path, action="out")
    assert await _marked(event.id) == set()
    actions = [row["action"] for row in await AuditEntry.select().order_by(AuditEntry.id)]
    assert actions[-2:] == [
        AuditAction.ATTENDED_ONLINE.value,
        AuditAction.ATTENDED_ONLINE_UNDONE.value,
    ]


async def test_someone_of_another_event_or_in_the_room_cannot_be_marked(
    client, organiser, hybrid
) -> None:
    event, people = hybrid
    await sign_in(client)
    for key in ("other", "room"):
        await _post(
            client, f"/organiser/events/{event.id}/attendance/{people[key].id}", action="in"
        )
    assert await _marked(event.id) == set()
    assert await _marked(people["other"].event_id) == set()
    refused = await _post(
        client, f"/organiser/events/{event.id}/attendance/{people['anna'].id}", action="maybe"
    )
    assert refused.status_code == 400


async def test_an_uploaded_list_marks_everyone_or_lists_every_bad_row(
    client, organiser, hybrid
) -> None:
    event, _ = hybrid
    await sign_in(client)
    await client.get(f"/organiser/events/{event.id}/attendance")

    bad = (
        "\ufeffE-Mail;Name\n"
        "anna@stadt.example;Anna\n"
        "other@stadt.example;Fremd\n"
        "room@stadt.example;Raum\n"
        '=HYPERLINK("https://evil.example");x\n'
        f"{HOSTILE}@x.example;y\n"
    ).encode()
    answer = await _upload(client, event.id, bad)
    assert answer.status_code == 422
    assert "Die Liste wurde nicht übernommen" in answer.text
    assert "Zeile 3" in answer.text
    assert "Unter dieser Adresse ist niemand für diese Veranstaltung angemeldet." in answer.text
    assert "Diese Person ist für die Teilnahme vor Ort angemeldet." in answer.text
    assert "Sieht aus wie eine Tabellenformel" in answer.text
    assert "Zeile 6" in answer.text
    assert HOSTILE not in answer.text
    assert await _marked(event.id) == set()

    good = b"E-Mail,Name\nanna@stadt.example,Anna\nevil@stadt.example,E\nanna@stadt.example,A\n"
    answer = await _upload(client, event.id, good)
    assert answer.status_code == 200
    assert "2 Adressen gelesen." in answer.text
    assert "2 Personen neu als online teilgenommen markiert." in answer.text
    assert "1 Zeile wiederholte eine Adresse" in answer.text
    assert await _marked(event.id) == {"anna@stadt.example", "evil@stadt.example"}
    [entry] = await AuditEntry.select().where(
        AuditEntry.action == AuditAction.ATTENDED_ONLINE.value
    )
    assert entry["detail"] == "count=2 source=import"


async def test_an_upload_without_a_file_or_the_token_changes_nothing(
    client, organiser, hybrid
) -> None:
    event, _ = hybrid
    await sign_in(client)
    await client.get(f"/organiser/events/{event.id}/attendance")
    empty = await client.post(
        f"/organiser/events/{event.id}/attendance/import",
        data={"_csrf_token": cookie_token(client)},
        files={"file": ("", b"", "text/csv")},
        follow_redirects=False,
    )
    assert empty.status_code == 422
    assert await _marked(event.id) == set()


async def test_an_upload_without_the_token_is_refused(client, organiser, hybrid) -> None:
    event, _ = hybrid
    await sign_in(client)
    forged = await client.post(
        f"/organiser/events/{event.id}/attendance/import",
        files={"file": ("x.csv", b"anna@stadt.example\n", "text/csv")},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert await _marked(event.id) == set()


async def test_the_pages_are_for_organisers_only(client, hybrid) -> None:
    event, _ = hybrid
    for path in ("attendance", "certificates.pdf"):
        answer = await client.get(f"/organiser/events/{event.id}/{path}", follow_redirects=False)
        assert answer.status_code in (302, 303, 401), path
    assert await _marked(event.id) == set()


async def test_all_certificates_in_one_pdf_a_page_per_attendee_recorded_as_an_export(
    db, client, organiser, hybrid, clock
) -> None:
    event, people = hybrid
    await sign_in(client)
    await client.get(f"/organiser/events/{event.id}/attendance")
    await _upload(client, event.id, b"anna@stadt.example\n")
    await _post(client, f"/organiser/events/{event.id}/check-in/{people['room'].id}", action="in")
    clock.now = event.ends_at + dt.timedelta(days=1)

    answer = await client.get(f"/organiser/events/{event.id}/certificates.pdf")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert "teilnahmebescheinigungen.pdf" in answer.headers["content-disposition"]
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages]
    assert len(pages) == 2
    assert "Anna Koval" in pages[0]
    assert "Raum Koval" in pages[1]
    assert not any("script" in page for page in pages)
    [entry] = await AuditEntry.select().where(
        AuditEntry.action == AuditAction.EXPORT_DOWNLOADED.value
    )
    assert entry["detail"] == "format=certificates"
    assert entry["event"] == event.id
