"""The organisers' JSON API: bearer tokens only, problem details, the same data as the pages."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from litestar.routes import HTTPRoute
from openpyxl.worksheet.worksheet import Worksheet
from piccolo.apps.user.tables import BaseUser

from app.db.tables import ApiToken, Outbox
from app.db.tables import Registration as RegistrationTable
from app.domain.model import EventFormat, EventStatus, Question, QuestionKind, Seats
from app.services import api_tokens, organisers, registrations
from app.web.api_auth import FAILED_ATTEMPTS_LIMIT
from tests.conftest import registration_request
from tests.web.conftest import SECRETS, cookie_token, upcoming
from tests.web.test_organisers import PASSWORD, organiser, sign_in  # noqa: F401 - fixture used

API = "/api/v1/organiser"
PROBLEM = "application/problem+json"


@pytest.fixture
async def secret(db, organiser, now):  # noqa: F811 - the fixture above
    return (await api_tokens.create(db, organiser.id, "Tests", now)).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
async def people(db, event_factory, now):
    """A hybrid event (with Zoom data) and three people: two confirmed, one cancelled."""
    event = await event_factory(
        slug="forum",
        title="Forum",
        format=EventFormat.HYBRID,
        in_person_seats=Seats(5, 0),
        online_seats=Seats(None, 0),
        questions=(Question("essen", "Essen", QuestionKind.CHOICE, options=("vegan", "alles")),),
    )
    made = {}
    for key, email, mode, first, org in [
        ("anna", "anna@example.org", "in_person", "Anna", "Stadt Dortmund"),
        ("borys", "borys@example.org", "online", "Борис", "Київська Рада"),
        ("doris", "doris@example.org", "in_person", "Doris", "Weg e.V."),
    ]:
        form = registration_request(
            email, first_name=first, organisation=org, mode=mode, answers={"essen": "vegan"}
        )
        made[key] = (await registrations.register(db, "forum", form, now)).registration
    await registrations.cancel(db, made["doris"].token, now)
    return event, made


def _is_problem(response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    return body


def _example_path(path: str) -> str:
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: "1" if m.group(2) == "int" else "beispiel", path)


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Basic b3JnYTpwdw==",
        "Bearer tp_garbled",
        "Bearer tp_" + "A" * 43,
        "Bearer " + "x" * 500,
    ],
)
async def test_without_a_valid_token_the_answer_is_401_problem_with_a_challenge(
    client, secret, header
):
    headers = {"Authorization": header} if header is not None else {}
    response = await client.get(f"{API}/events", headers=headers)
    body = _is_problem(response, 401)
    assert body["title"] == "Unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")
    if header and header.startswith("Bearer ") and header.strip() != "Bearer":
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert secret not in response.text


async def test_revoked_tokens_and_inactive_accounts_are_refused(
    client,
    db,
    organiser,  # noqa: F811
    secret,
    now,
):
    assert (await client.get(f"{API}/events", headers=bearer(secret))).status_code == 200
    [info] = await api_tokens.list_for(organiser.id)
    await api_tokens.revoke(db, organiser.id, info.id, now)
    _is_problem(await client.get(f"{API}/events", headers=bearer(secret)), 401)

    other = await organisers.create_organiser(db, "andere@example.org", PASSWORD, "Ada")
    second = (await api_tokens.create(db, other.id, "Zweites", now)).secret
    assert (await client.get(f"{API}/events", headers=bearer(second))).status_code == 200
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == other.id)
    _is_problem(await client.get(f"{API}/events", headers=bearer(second)), 401)


async def test_the_organiser_session_alone_does_not_open_the_api(
    client,
    organiser,  # noqa: F811
    people,
):
    event, _ = people
    assert (await sign_in(client)).status_code == 303
    assert (await client.get("/organiser/")).status_code == 200
    _is_problem(await client.get(f"{API}/events"), 401)
    _is_problem(await client.get(f"{API}/events/{event.id}/registrations"), 401)
    # Even with the CSRF token a page form would carry.
    response = await client.post(
        f"{API}/events/{event.id}/registrations",
        json={"first_name": "A", "last_name": "B", "email": "ab@example.org", "consent": True},
        headers={"x-csrftoken": cookie_token(client)},
    )
    _is_problem(response, 401)
    assert len(await registrations.list_for_event(event.id)) == 3


async def test_every_organiser_api_route_refuses_requests_without_a_token(client):
    routes = [
        route
        for route in client.app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith(API)
    ]
    checked = []
    for route in routes:
        path = _example_path(route.path)
        for method in sorted(route.methods - {"OPTIONS"}):
            response = await client.request(method, path, json={})
            checked.append((method, path))
            _is_problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer")
    assert ("GET", f"{API}/events") in checked
    assert ("POST", f"{API}/events/1/registrations") in checked
    assert ("GET", f"{API}/events/1/registrations/export") in checked


async def test_failed_attempts_are_throttled_per_client(client, secret):
    bad = bearer("tp_" + "B" * 43)
    for _ in range(FAILED_ATTEMPTS_LIMIT):
        _is_problem(await client.get(f"{API}/events", headers=bad), 401)
    refused = await client.get(f"{API}/events", headers=bearer(secret))
    _is_problem(refused, 429)
    assert refused.headers["retry-after"] == "60"


# --- reading ----------------------------------------------------------------------------------


async def test_events_include_drafts_with_counts_and_no_access_data(
    client, secret, people, event_factory
):
    event, _ = people
    await event_factory(slug="entwurf", title="Ein Entwurf", status=EventStatus.DRAFT)
    response = await client.get(f"{API}/events", headers=bearer(secret))
    assert response.status_code == 200
    by_slug = {e["slug"]: e for e in response.json()}
    assert by_slug["entwurf"]["status"] == "draft"
    assert by_slug["entwurf"]["counts"]["confirmed"] == 0
    forum = by_slug["forum"]
    assert forum["id"] == event.id
    assert forum["format"] == "hybrid"
    assert forum["counts"] == {
        "pending": 0,
        "confirmed": 2,
        "waitlisted": 0,
        "cancelled": 1,
        # Approval (issue 18): every status is counted, these too.
        "awaiting": 0,
        "requested": 0,
        "declined": 0,
    }
    assert set(forum) == {
        "id", "slug", "title", "status", "format", "starts_at", "ends_at", "counts",
        "invitation_only",
    }  # fmt: skip
    assert forum["invitation_only"] is False
    for secret_text in SECRETS:
        assert secret_text not in response.text


async def test_registrations_list_and_filters(client, secret, people):
    event, made = people
    url = f"{API}/events/{event.id}/registrations"
    response = await client.get(url, headers=bearer(secret))
    assert response.status_code == 200
    listed = response.json()
    assert [r["email"] for r in listed] == [
        "anna@example.org",
        "borys@example.org",
        "doris@example.org",
    ]
    anna = listed[0]
    assert anna["id"] == made["anna"].id
    assert anna["status"] == "confirmed"
    assert anna["mode"] == "in_person"
    assert anna["answers"] == {"essen": "vegan"}
    assert anna["confirmed_at"] is not None
    assert anna["checked_in_at"] is None
    assert "token" not in anna
    assert listed[2]["cancelled_at"] is not None

    def emails(response):
        assert response.status_code == 200
        return [r["email"] for r in response.json()]

    headers = bearer(secret)
    assert emails(await client.get(url, params={"q": "БОРИС"}, headers=headers)) == [
        "borys@example.org"
    ]
    assert emails(await client.get(url, params={"status": "cancelled"}, headers=headers)) == [
        "doris@example.org"
    ]
    assert emails(await client.get(url, params={"mode": "online"}, headers=headers)) == [
        "borys@example.org"
    ]
    assert emails(
        await client.get(url, params={"q": "stadt", "status": "confirmed"}, headers=headers)
    ) == ["anna@example.org"]
    # Unknown values are ignored, as on the page.
    assert len(emails(await client.get(url, params={"status": "nonsense"}, headers=headers))) == 3
    for made_registration in made.values():
        assert made_registration.token not in response.text
    for secret_text in SECRETS:
        assert secret_text not in response.text


async def test_unknown_event_is_a_404_problem(client, secret):
    headers = bearer(secret)
    _is_problem(await client.get(f"{API}/events/999/registrations", headers=headers), 404)
    _is_problem(await client.get(f"{API}/events/999/registrations/export", headers=headers), 404)
    response = await client.post(
        f"{API}/events/999/registrations",
        json={"first_name": "A", "last_name": "B", "email": "ab@example.org", "consent": True},
        headers=headers,
    )
    _is_problem(response, 404)


async def test_export_csv(client, secret, people):
    event, _ = people
    response = await client.get(
        f"{API}/events/{event.id}/registrations/export",
        params={"format": "csv"},
        headers=bearer(secret),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="forum-anmeldungen.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4
    assert any("anna@example.org" in row for row in rows)
    assert any("Борис" in row for row in rows)
    for secret_text in SECRETS:
        assert secret_text not in response.text
    default = await client.get(
        f"{API}/events/{event.id}/registrations/export", headers=bearer(secret)
    )
    assert default.content == response.content


async def test_export_xlsx(client, secret, people):
    event, _ = people
    response = await client.get(
        f"{API}/events/{event.id}/registrations/export",
        params={"format": "xlsx"},
        headers=bearer(secret),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "forum-anmeldungen.xlsx" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "anna@example.org" in values
    assert "Борис" in values
    assert sheet.max_row == 4


async def test_export_of_an_unknown_format_is_a_400_problem(client, secret, people):
    event, _ = people
    response = await client.get(
        f"{API}/events/{event.id}/registrations/export",
        params={"format": "pdf"},
        headers=bearer(secret),
    )
    _is_problem(response, 400)


# --- adding -----------------------------------------------------------------------------------


def _person(email: str, **overrides: object) -> dict[str, object]:
    return {
        "first_name": "Olena",
        "last_name": "Koval",
        "email": email,
        "organisation": "Stadt Dortmund",
        "consent": True,
        **overrides,
    }


async def test_add_confirms_then_waitlists_and_mails_go_to_the_outbox(
    client, secret, event_factory
):
    event = await event_factory(**upcoming(slug="klein", in_person_seats=Seats(1, 0)))
    url = f"{API}/events/{event.id}/registrations"
    first = await client.post(url, json=_person("eins@example.org"), headers=bearer(secret))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["outcome"] == "confirmed"
    assert body["status"] == "confirmed"
    assert body["email"] == "eins@example.org"
    assert body["mode"] == "in_person"
    assert "token" not in body
    second = await client.post(url, json=_person("zwei@example.org"), headers=bearer(secret))
    assert second.status_code == 201
    assert second.json()["outcome"] == "waitlisted"
    for response in (first, second):
        mails = await Outbox.select(Outbox.recipient).where(
            Outbox.registration == response.json()["id"]
        )
        assert mails, "no mail in the outbox"
    tokens = await RegistrationTable.select(RegistrationTable.token)
    for row in tokens:
        assert row["token"] not in first.text + second.text


async def test_a_full_event_without_waiting_list_is_a_409_problem(client, secret, event_factory):
    event = await event_factory(
        **upcoming(slug="voll", in_person_seats=Seats(1, 0), waitlist_enabled=False)
    )
    url = f"{API}/events/{event.id}/registrations"
    assert (
        await client.post(url, json=_person("a@example.org"), headers=bearer(secret))
    ).status_code == 201
    refused = await client.post(url, json=_person("b@example.org"), headers=bearer(secret))
    _is_problem(refused, 409)
    assert len(await registrations.list_for_event(event.id)) == 1


async def test_a_second_registration_of_an_address_changes_nothing(client, secret, people):
    event, made = people
    url = f"{API}/events/{event.id}/registrations"
    before = await RegistrationTable.select().where(RegistrationTable.id == made["anna"].id)
    mails = await Outbox.count()
    response = await client.post(
        url,
        json=_person("ANNA@example.org", first_name="Andere", mode="online"),
        headers=bearer(secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "already_registered"
    assert body["id"] == made["anna"].id
    assert body["first_name"] == "Anna"
    after = await RegistrationTable.select().where(RegistrationTable.id == made["anna"].id)
    assert after == before
    # As on the organisers' form: the registration stays as it was, and the person is sent
    # their personal link again (the one seat path's answer to a second attempt).
    assert await Outbox.count() == mails + 1
    [resent] = await Outbox.select(Outbox.recipient).order_by(Outbox.id, ascending=False).limit(1)
    assert resent["recipient"] == "anna@example.org"
    assert made["anna"].token not in response.text


async def test_invalid_input_is_a_400_problem_with_errors_per_field(client, secret, people):
    event, _ = people
    url = f"{API}/events/{event.id}/registrations"
    response = await client.post(
        url,
        json=_person("keine-adresse", mode="zeppelin", answers={"essen": "fleisch"}, consent=False),
        headers=bearer(secret),
    )
    body = _is_problem(response, 400)
    assert body["errors"] == {
        "email": "invalid_email",
        "mode": "invalid_choice",
        "answers.essen": "invalid_choice",
        "consent": "consent_required",
    }
    missing = await client.post(url, json={"first_name": "A"}, headers=bearer(secret))
    _is_problem(missing, 400)
    assert len(await registrations.list_for_event(event.id)) == 3


async def test_add_with_answers_and_mode_on_a_hybrid_event(client, secret, people):
    event, _ = people
    response = await client.post(
        f"{API}/events/{event.id}/registrations",
        json=_person("neu@example.org", mode="online", language="uk", answers={"essen": "alles"}),
        headers=bearer(secret),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["mode"], body["language"], body["answers"]) == ("online", "uk", {"essen": "alles"})
    for secret_text in SECRETS:
        assert secret_text not in response.text


# --- the organisers' page ---------------------------------------------------------------------


async def test_the_page_makes_a_token_shows_it_once_and_revokes_it(
    client,
    organiser,  # noqa: F811
):
    await sign_in(client)
    page = await client.get("/organiser/api-tokens")
    assert page.status_code == 200
    assert "API-Zugang" in page.text
    assert "Noch keine." in page.text
    home = await client.get("/organiser/")
    assert 'href="/organiser/api-tokens"' in home.text

    created = await client.post(
        "/organiser/api-tokens/",
        data={"name": "Excel-Abgleich", "_csrf_token": cookie_token(client)},
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    assert "Nur jetzt sichtbar" in created.text
    match = re.search(r'value="(tp_[A-Za-z0-9_-]{43})"', created.text)
    assert match
    secret = match.group(1)
    [row] = await ApiToken.select()
    assert row["token_hash"] == api_tokens.token_hash(secret)
    assert secret not in str(row)

    again = await client.get("/organiser/api-tokens")
    assert secret not in again.text
    assert "Nur jetzt sichtbar" not in again.text
    assert "Excel-Abgleich" in again.text
    assert f"{secret[:10]}…" in again.text
    assert again.headers["cache-control"] == "no-store"

    assert (await client.get(f"{API}/events", headers=bearer(secret))).status_code == 200
    used = await client.get("/organiser/api-tokens")
    assert "nie" not in used.text.split("Ihre Tokens")[1].split("Neues Token")[0]

    revoked = await client.post(
        f"/organiser/api-tokens/{row['id']}/revoke",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    listing = await client.get(revoked.headers["location"])
    assert "Das Token wurde widerrufen" in listing.text
    assert "widerrufen am" in listing.text
    _is_problem(await client.get(f"{API}/events", headers=bearer(secret)), 401)


async def test_the_page_needs_a_name_and_the_csrf_token(
    client,
    organiser,  # noqa: F811
):
    await sign_in(client)
    await client.get("/organiser/api-tokens")
    refused = await client.post(
        "/organiser/api-tokens/", data={"name": " ", "_csrf_token": cookie_token(client)}
    )
    assert refused.status_code == 400
    assert "Bitte geben Sie dem Token einen Namen" in refused.text
    forged = await client.post("/organiser/api-tokens/", data={"name": "Fremd"})
    assert forged.status_code == 403
    assert await ApiToken.count() == 0


async def test_nobody_revokes_another_organisers_token(
    client,
    db,
    organiser,  # noqa: F811
    now,
):
    other = await organisers.create_organiser(db, "andere@example.org", PASSWORD, "Ada")
    theirs = await api_tokens.create(db, other.id, "Fremd", now)
    await sign_in(client)
    await client.get("/organiser/api-tokens")
    response = await client.post(
        f"/organiser/api-tokens/{theirs.info.id}/revoke",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert await api_tokens.authenticate(theirs.secret, now) == other
    page = await client.get("/organiser/api-tokens")
    assert "Fremd" not in page.text


# --- OpenAPI ----------------------------------------------------------------------------------


async def test_the_schema_documents_the_api_and_its_bearer_scheme(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    expected = {
        (f"{API}/events", "get"),
        (f"{API}/events/{{event_id}}/registrations", "get"),
        (f"{API}/events/{{event_id}}/registrations", "post"),
        (f"{API}/events/{{event_id}}/registrations/export", "get"),
        (f"{API}/events/{{event_id}}/texts", "get"),
        (f"{API}/events/{{event_id}}/texts", "put"),
        (f"{API}/events/{{event_id}}/materials", "get"),
        (f"{API}/events/{{event_id}}/materials", "put"),
        (f"{API}/events/{{event_id}}/invitation-only", "put"),
    }
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path.startswith(API):
                found.add((path, method))
                assert operation["security"] == [{"bearerAuth": []}]
                assert operation["tags"] == ["organiser"]
                assert operation["summary"]
                assert "401" in operation["responses"]
            else:
                assert "security" not in operation, path
    assert found == expected
    post = schema["paths"][f"{API}/events/{{event_id}}/registrations"]["post"]
    assert "201" in post["responses"]
    assert "400" in post["responses"]
    assert "security" not in schema
