"""Organisation type and country on the form and in the API; the funder report page and file."""

from __future__ import annotations

import io

import openpyxl
import pypdf

from app.domain.model import Country, EventFormat, OrganisationType, Seats
from app.services import organiser_registrations, registrations
from tests.conftest import registration_form, registration_request
from tests.web.conftest import submit, upcoming
from tests.web.test_organiser_api import API, bearer, secret  # noqa: F401 - fixture used
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - fixture used

NASTY = "<script>alert(1)</script>"


async def test_the_form_offers_the_choices_and_stores_them(client, event_factory):
    event = await event_factory(**upcoming())
    page = await client.get(f"/events/{event.slug}")
    assert '<select id="f-organisation_type" name="organisation_type">' in page.text
    assert '<option value="municipality">Kommune</option>' in page.text
    assert '<option value="ua">Ukraine</option>' in page.text
    form = registration_form("k@example.org", organisation_type="district", country="de")
    response = await submit(client, event.slug, form)
    assert response.status_code == 303
    [made] = await registrations.list_for_event(event.id)
    assert (made.organisation_type, made.country) == (OrganisationType.DISTRICT, Country.GERMANY)


async def test_both_may_stay_unsaid(client, event_factory):
    event = await event_factory(**upcoming())
    form = registration_form("n@example.org", organisation_type="", country="")
    assert (await submit(client, event.slug, form)).status_code == 303
    [made] = await registrations.list_for_event(event.id)
    assert (made.organisation_type, made.country) == (None, None)


async def test_bad_choices_are_refused_next_to_their_fields(client, event_factory):
    event = await event_factory(**upcoming())
    form = registration_form("b@example.org", organisation_type=NASTY, country="xx")
    response = await submit(client, event.slug, form)
    assert response.status_code == 400
    html = response.text
    message = "Bitte wählen Sie eine der angebotenen Möglichkeiten."
    assert f'<small id="organisation_type-error" class="field-error">{message}</small>' in html
    assert f'<small id="country-error" class="field-error">{message}</small>' in html
    assert 'name="organisation_type" aria-describedby="organisation_type-error"' in html
    assert NASTY not in html
    assert await registrations.list_for_event(event.id) == []


async def test_the_api_takes_and_gives_both(client, secret, event_factory):  # noqa: F811
    event = await event_factory(**upcoming())
    url = f"{API}/events/{event.id}/registrations"
    person = {"first_name": "A", "last_name": "B", "email": "ab@example.org", "consent": True}
    added = await client.post(
        url, json={**person, "organisation_type": "association", "country": "ua"},
        headers=bearer(secret),
    )  # fmt: skip
    assert added.status_code == 201, added.text
    assert (added.json()["organisation_type"], added.json()["country"]) == ("association", "ua")
    refused = await client.post(
        url, json={**person, "email": "c@example.org", "country": "Deutschland"},
        headers=bearer(secret),
    )  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"country": "invalid_choice"}
    listed = (await client.get(url, headers=bearer(secret))).json()
    assert listed[0]["country"] == "ua"


async def _event_with_people(db, event_factory, now):
    event = await event_factory(
        **upcoming(
            title=f"Forum {NASTY}",
            format=EventFormat.HYBRID,
            in_person_seats=Seats(10, 0),
            online_seats=Seats(None, 0),
            funding_note="Gefördert durch die Staatskanzlei NRW.",
        )
    )
    people = [
        ("a@example.org", "in_person", "municipality", "de"),
        ("b@example.org", "in_person", "district", "ua"),
        ("c@example.org", "online", "municipality", "ua"),
        ("d@example.org", "online", "", ""),
    ]
    made = []
    for email, mode, kind, country in people:
        request = registration_request(email, mode=mode, organisation_type=kind, country=country)
        made.append((await registrations.register(db, event.slug, request, now)).registration)
    await registrations.cancel(db, made[3].token, now)
    for registration in made[:2]:
        await organiser_registrations.set_checked_in(db, event.id, registration.id, True, now)
    return event


async def test_the_report_page_counts_and_escapes(client, organiser, db, event_factory, now):  # noqa: F811
    event = await _event_with_people(db, event_factory, now)
    await sign_in(client)
    page = await client.get(f"/organiser/events/{event.id}/report")
    assert page.status_code == 200
    html = page.text
    assert NASTY not in html
    assert "Forum &lt;script&gt;" in html
    assert "Gefördert durch die Staatskanzlei NRW." in html
    # Total: 3 registered, 3 confirmed, 2 attended, 1 cancelled.
    assert '<th scope="row">Gesamt</th><td>3</td><td>3</td><td>2</td><td>1</td>' in html
    assert '<th scope="row">Kommune</th><td>2</td><td>2</td><td>1</td><td>0</td>' in html
    assert '<th scope="row">Ukraine</th><td>2</td><td>2</td><td>1</td><td>0</td>' in html
    assert '<th scope="row">keine Angabe</th><td>0</td><td>0</td><td>0</td><td>1</td>' in html
    assert '<th scope="row">online</th><td>1</td><td>1</td><td>0</td><td>1</td>' in html
    english = await client.get(f"/organiser/events/{event.id}/report?lang=en")
    assert "Report for funders" in english.text
    assert '<th scope="row">Municipality</th>' in english.text


async def test_the_report_as_excel(client, organiser, db, event_factory, now):  # noqa: F811
    event = await _event_with_people(db, event_factory, now)
    await sign_in(client)
    response = await client.get(f"/organiser/events/{event.id}/report.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Bericht für Fördergeber"
    assert rows[1][0] == f"Forum {NASTY}"
    assert ["Gesamt", 3, 3, 2, 1] in [row[:5] for row in rows]
    assert ["Kreis", 1, 1, 1, 0] in [row[:5] for row in rows]
    assert ["Deutschland", 1, 1, 1, 0] in [row[:5] for row in rows]


async def test_the_report_of_an_unknown_event_is_404(client, organiser):  # noqa: F811
    await sign_in(client)
    assert (await client.get("/organiser/events/999999/report")).status_code == 404
    assert (await client.get("/organiser/events/999999/report.xlsx")).status_code == 404


async def test_the_report_as_pdf(client, organiser, db, event_factory, now):  # noqa: F811
    event = await _event_with_people(db, event_factory, now)
    await sign_in(client)
    response = await client.get(f"/organiser/events/{event.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Bericht für Fördergeber" in text
    assert "Gefördert durch die Staatskanzlei NRW." in text
    assert "Gesamt 3 3 2 1" in text
    assert "Kommune 2 2 1 0" in text
    english = await client.get(f"/organiser/events/{event.id}/report.pdf?lang=en")
    english_text = pypdf.PdfReader(io.BytesIO(english.content)).pages[0].extract_text()
    assert "Municipality 2 2 1 0" in english_text
