"""The organisers' registration list, its exports and the check-in at the door."""

from __future__ import annotations

import asyncio
import csv
import io

import openpyxl
import pypdf
import pytest

from app.db.tables import Registration as RegistrationTable
from app.domain.model import EventFormat, Seats
from app.services import registrations
from tests.conftest import registration_request
from tests.web.conftest import cookie_token
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

NASTY = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil")'


@pytest.fixture
async def people(db, event_factory, now):
    """A hybrid event with two in-person seats: confirmed, waiting, online and cancelled people."""
    event = await event_factory(
        slug="forum",
        title="Forum",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(2, 0),
        online_seats=Seats(None, 0),
    )
    made = {}
    for key, email, mode, first, last, org in [
        ("anna", "anna@example.org", "in_person", "Anna", "Alpha", "Stadt Dortmund"),
        ("borys", "borys@example.org", "in_person", "Борис", "Бабенко", "Київська Рада"),
        ("nasty", "nasty@example.org", "in_person", "Eve", "Evil", "Böse GmbH"),
        ("formula", "formula@example.org", "online", "Fred", "Formel", "Tabellen AG"),
        ("doris", "doris@example.org", "online", "Doris", "Delta", "Weg e.V."),
    ]:
        form = registration_request(
            email, first_name=first, last_name=last, organisation=org, mode=mode
        )
        made[key] = (await registrations.register(db, "forum", form, now)).registration
    # Names the form would refuse, as an import or an old version might have stored them.
    await RegistrationTable.update({RegistrationTable.last_name: NASTY}).where(
        RegistrationTable.id == made["nasty"].id
    )
    await RegistrationTable.update({RegistrationTable.first_name: FORMULA}).where(
        RegistrationTable.id == made["formula"].id
    )
    await registrations.cancel(db, made["doris"].token, now)
    return event, made


def _base(event) -> str:
    return f"/organiser/events/{event.id}"


async def test_signed_in_organiser_sees_the_list_with_counts(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    page = await client.get(f"{_base(event)}/registrations")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<div class="reg-table" role="region"' in page.text
    assert 'data-count="confirmed-in_person">2<' in page.text
    assert 'data-count="waitlisted-in_person">1<' in page.text
    assert 'data-count="confirmed-online">1<' in page.text
    assert 'data-count="cancelled-online">1<' in page.text
    assert "5 Anmeldungen insgesamt" in page.text
    assert "5 von 5 angezeigt" in page.text
    for name in ("Anna Alpha", "Борис Бабенко", "Doris Delta"):
        assert name in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "бОРИС"}, {"Борис"}),
        ({"q": "KIJ"}, set()),
        ({"q": "київська"}, {"Борис"}),
        ({"q": "DORTMUND"}, {"Anna"}),
        ({"q": "doris@EXAMPLE"}, {"Doris"}),
        ({"status": "confirmed"}, {"Anna", "Борис", "Fred"}),
        ({"status": "waitlisted"}, {"Eve"}),
        ({"mode": "online"}, {"Fred", "Doris"}),
        ({"mode": "online", "status": "cancelled"}, {"Doris"}),
        ({"status": "bogus", "mode": "' OR 1=1 --"}, {"Anna", "Борис", "Eve", "Fred", "Doris"}),
    ],
)
async def test_search_and_filters(client, organiser, people, query, expected):  # noqa: F811
    event, _ = people
    await sign_in(client)
    page = await client.get(f"{_base(event)}/registrations", params=query)
    assert page.status_code == 200
    shown = {
        name
        for name, marker in [
            ("Anna", "anna@example.org"),
            ("Борис", "borys@example.org"),
            ("Eve", "nasty@example.org"),
            ("Fred", "formula@example.org"),
            ("Doris", "doris@example.org"),
        ]
        if f"<td>{marker}</td>" in page.text
    }
    assert shown == expected
    assert f"{len(expected)} von 5 angezeigt" in page.text


async def test_names_are_escaped_in_the_page(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    for path in ("registrations", "check-in?q=formel"):
        page = await client.get(f"{_base(event)}/{path}")
        assert NASTY not in page.text
    page = await client.get(f"{_base(event)}/registrations")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "=HYPERLINK(&#34;http://evil&#34;)" in page.text
    assert "Київська Рада" in page.text


async def test_csv_download(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    response = await client.get(f"{_base(event)}/registrations.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="forum-anmeldungen.csv"'
    )
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nr.", "Vorname", "Nachname"]
    assert len(rows) == 6
    assert rows[2][1:3] == ["Борис", "Бабенко"]
    assert rows[4][1] == "'" + FORMULA


async def test_xlsx_and_signature_list_downloads(client, organiser, people):  # noqa: F811
    event, _ = people
    await sign_in(client)
    xlsx = await client.get(f"{_base(event)}/registrations.xlsx")
    assert xlsx.status_code == 200
    assert "forum-anmeldungen.xlsx" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.max_row == 6
    pdf = await client.get(f"{_base(event)}/signature-list.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Alpha" in text
    assert "Delta" not in text  # cancelled
    assert "Evil" not in text  # waiting


async def _door(client, event, registration_id, action, q=""):
    return await client.post(
        f"{_base(event)}/check-in/{registration_id}",
        data={"action": action, "q": q, "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )


async def _checked_in_at(registration_id):
    row = await (
        RegistrationTable.select(RegistrationTable.checked_in_at)
        .where(RegistrationTable.id == registration_id)
        .first()
    )
    assert row is not None
    return row["checked_in_at"]


async def test_check_in_and_undo(client, organiser, people):  # noqa: F811
    event, made = people
    await sign_in(client)
    view = await client.get(f"{_base(event)}/check-in")
    assert view.status_code == 200
    assert "0 von 3" in view.text
    assert "Anna Alpha" in view.text
    assert "Doris Delta" not in view.text  # only confirmed people are at the door
    anna = made["anna"].id
    answer = await _door(client, event, anna, "in", q="anna")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{_base(event)}/check-in?q=anna"
    assert await _checked_in_at(anna) is not None
    view = await client.get(answer.headers["location"])
    assert "Einlass zurücknehmen" in view.text
    assert "1 von 3" in view.text

    again = await _door(client, event, anna, "in")
    assert again.status_code == 303
    assert "notice=unchanged" in again.headers["location"]

    undone = await _door(client, event, anna, "out")
    assert undone.status_code == 303
    assert await _checked_in_at(anna) is None
    listing = await client.get(f"{_base(event)}/registrations")
    assert "(eingelassen)" not in listing.text


async def test_two_devices_check_in_the_same_person_at_once(client, organiser, people):  # noqa: F811
    event, made = people
    await sign_in(client)
    anna = made["anna"].id
    first, second = await asyncio.gather(
        _door(client, event, anna, "in"), _door(client, event, anna, "in")
    )
    assert first.status_code == second.status_code == 303
    hints = sorted("notice=unchanged" in r.headers["location"] for r in (first, second))
    assert hints == [False, True]
    stamped = await _checked_in_at(anna)
    assert stamped is not None
    await _door(client, event, anna, "in")
    assert await _checked_in_at(anna) == stamped


async def test_only_confirmed_registrations_can_be_checked_in(client, organiser, people):  # noqa: F811
    event, made = people
    await sign_in(client)
    for key in ("doris", "nasty"):  # cancelled, waiting
        answer = await _door(client, event, made[key].id, "in")
        assert answer.status_code == 303
        assert "notice=not-confirmed" in answer.headers["location"]
        assert await _checked_in_at(made[key].id) is None
    page = await client.get(answer.headers["location"])
    assert "Nur bestätigte Anmeldungen" in page.text


async def test_bad_door_requests(client, organiser, people, event_factory):  # noqa: F811
    event, made = people
    other = await event_factory(slug="anderes", title="Anderes")
    await sign_in(client)
    assert (await _door(client, event, made["anna"].id, "rein")).status_code == 400
    assert (await _door(client, other, made["anna"].id, "in")).status_code == 404
    assert (await client.get("/organiser/events/999999/registrations")).status_code == 404
    assert await _checked_in_at(made["anna"].id) is None
