"""SQL metacharacters everywhere, oversized bodies and fields.

Metacharacters (``'``, ``"; DROP TABLE``, ``%``, ``_``, ``\\``, NUL) in every registration field,
the organisers' search, the API's query parameters and event slugs in URLs: stored and shown
literally, or refused with a clean 400/404; the tables intact afterwards.

Sizes: a 10 MB body to the registration, the organisers' event form and the API, a body just
over the 1 MB limit (app.asgi.REQUEST_MAX_BODY_SIZE), a 100,000-character name, 10,000 form
fields: 400 or 413, never 5xx, nothing stored, and the app answers afterwards.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from markupsafe import escape

from app.asgi import REQUEST_MAX_BODY_SIZE
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from tests.conftest import registration_form
from tests.security.conftest import World
from tests.security.test_csrf import snapshot
from tests.web.conftest import SameLoopTestClient, cookie_token, submit, token_from
from tests.web.test_organisers import sign_in

PAYLOADS = {
    "quote": "O'Brien",
    "drop": '"; DROP TABLE registration; --',
    "or": "x' OR '1'='1' --",
    "percent": "100% sicher",
    "underscore": "a_b__c",
    "backslash": "C:\\Temp\\ \\' \\\\",
    "comment": "/* */ -- #",
    "union": "' UNION SELECT token FROM registration --",
}
METACHARACTERS = ["'", '"; DROP TABLE registration; --', "%", "_", "\\", "\x00", "%00", "*"]
FIELDS = ("first_name", "last_name", "organisation", "job_title")
MB10 = 10 * 1024 * 1024


async def row_counts() -> tuple[int, int]:
    return await EventTable.count(), await RegistrationTable.count()


@pytest.mark.parametrize("field", FIELDS)
async def test_metacharacters_in_registration_fields_are_stored_and_shown_literally(
    client: SameLoopTestClient, world: World, field: str
) -> None:
    for number, (name, payload) in enumerate(PAYLOADS.items()):
        email = f"p{number}.{field.replace('_', '')}@example.org"
        response = await submit(
            client, world.event.slug, registration_form(email, **{field: payload})
        )
        assert response.status_code == 303, (field, name, response.text[:300])
        token = token_from(response.headers["location"])
        row = await RegistrationTable.select().where(RegistrationTable.token == token).first()
        assert row is not None
        assert row[field] == payload, (field, name)
        page = await client.get(f"/r/{token}")
        assert page.status_code == 200
        if field in ("first_name", "last_name"):
            assert str(escape(payload)) in page.text, (field, name)
    listed = await client.get(
        f"/api/v1/organiser/events/{world.event.id}/registrations",
        headers={"Authorization": f"Bearer {world.api_secret}"},
    )
    shown = {r[field] for r in listed.json()}
    assert set(PAYLOADS.values()) <= shown
    assert await row_counts() == (1, 1 + len(PAYLOADS))


async def test_metacharacters_in_the_email_address_are_refused_or_literal(
    client: SameLoopTestClient, world: World
) -> None:
    before = await row_counts()
    stored = 0
    for payload in ("o'brien@example.org", "a%b@example.org", "a_b@example.org"):
        response = await submit(client, world.event.slug, registration_form(payload))
        assert response.status_code in (303, 400), payload
        row = await RegistrationTable.select().where(RegistrationTable.email == payload).first()
        assert (row is not None) == (response.status_code == 303), payload
        stored += row is not None
    for payload in ('"; DROP TABLE registration; --', "a\\b@example.org", "a\x00b@example.org"):
        response = await submit(client, world.event.slug, registration_form(payload))
        assert response.status_code == 400, payload
    assert stored >= 1
    assert await row_counts() == (before[0], before[1] + stored)


async def test_nul_in_any_field_is_a_clean_400(client: SameLoopTestClient, world: World) -> None:
    before = await snapshot()
    for field in FIELDS:
        form = registration_form("nul@example.org", **{field: "a\x00b"})
        response = await submit(client, world.event.slug, form)
        assert response.status_code == 400, field
    assert await snapshot() == before


async def test_metacharacters_in_the_organisers_search_and_the_api_queries(
    client: SameLoopTestClient, world: World
) -> None:
    percent = await submit(
        client, world.event.slug, registration_form("pct@example.org", last_name="100%_\\")
    )
    assert percent.status_code == 303
    await sign_in(client)
    page = f"/organiser/events/{world.event.id}/registrations"
    api = f"/api/v1/organiser/events/{world.event.id}/registrations"
    bearer = {"Authorization": f"Bearer {world.api_secret}"}
    for q in METACHARACTERS:
        response = await client.get(page, params={"q": q})
        assert response.status_code == 200, q
        listed = await client.get(api, params={"q": q, "status": q, "mode": q}, headers=bearer)
        assert listed.status_code == 200, q
        emails = {r["email"] for r in listed.json()}
        # Literal search: "%" and "_" and "\" match only the name that holds them.
        if q in ("%", "_", "\\"):
            assert emails == {"pct@example.org"}, q
            assert "pct@example.org" in response.text
            assert "anna@example.org" not in response.text, q
        else:
            assert "anna@example.org" not in emails, q
        export = await client.get(f"{api}/export", params={"format": q}, headers=bearer)
        assert export.status_code == 400, q
    for q in METACHARACTERS:
        response = await client.get("/api/v1/events", params={"past": q})
        assert response.status_code == 400, q
    assert await row_counts() == (1, 2)


@pytest.mark.parametrize("slug", [*METACHARACTERS, "konferenz'--", "konferenz%", "konf_renz"])
async def test_metacharacters_in_slugs_are_404(
    client: SameLoopTestClient, world: World, slug: str
) -> None:
    quoted = quote(slug, safe="")
    for path in (f"/events/{quoted}", f"/api/v1/events/{quoted}"):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.status_code)
    await client.get("/")
    response = await client.post(
        f"/events/{quoted}/register",
        data={**registration_form("slug@example.org"), "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert await row_counts() == (1, 1)


# Sizes.


async def test_a_10_mb_body_is_413_on_the_forms_and_the_api(
    client: SameLoopTestClient, world: World
) -> None:
    await sign_in(client)
    csrf = cookie_token(client)
    before = await snapshot()
    huge = "x" * MB10
    register = await client.post(
        f"/events/{world.event.slug}/register",
        data={**registration_form("big@example.org", organisation=huge), "_csrf_token": csrf},
        follow_redirects=False,
    )
    event_form = await client.post(
        "/organiser/events/new",
        data={"title": "Groß", "slug": "gross", "description": huge, "_csrf_token": csrf},
        follow_redirects=False,
    )
    api = await client.post(
        f"/api/v1/organiser/events/{world.event.id}/registrations",
        content=json.dumps(
            {"first_name": huge, "last_name": "B", "email": "big@example.org", "consent": True}
        ),
        headers={"Authorization": f"Bearer {world.api_secret}", "Content-Type": "application/json"},
    )
    assert [register.status_code, event_form.status_code, api.status_code] == [413, 413, 413]
    assert await snapshot() == before
    assert (await client.get(f"/events/{world.event.slug}")).status_code == 200


async def test_bodies_over_the_limit_are_refused_and_under_it_handled(
    client: SameLoopTestClient, world: World
) -> None:
    await client.get("/")
    csrf = cookie_token(client)
    before = await snapshot()
    base = {**registration_form("limit@example.org"), "_csrf_token": csrf}
    over = await client.post(
        f"/events/{world.event.slug}/register",
        data={**base, "organisation": "x" * REQUEST_MAX_BODY_SIZE},
        follow_redirects=False,
    )
    assert over.status_code == 413
    # Just under: parsed, and refused by validation (the field is far too long).
    under = await client.post(
        f"/events/{world.event.slug}/register",
        data={**base, "organisation": "x" * (REQUEST_MAX_BODY_SIZE - 2_000)},
        follow_redirects=False,
    )
    assert under.status_code == 400
    assert await snapshot() == before


@pytest.mark.parametrize("field", [*FIELDS, "email"])
async def test_a_100000_character_field_is_400_and_nothing_stored(
    client: SameLoopTestClient, world: World, field: str
) -> None:
    before = await snapshot()
    form = {**registration_form("long@example.org"), field: "x" * 100_000}
    response = await submit(client, world.event.slug, form)
    assert response.status_code == 400
    assert await snapshot() == before
    api = await client.post(
        f"/api/v1/organiser/events/{world.event.id}/registrations",
        json={"first_name": "A", "last_name": "B", "email": "long@example.org", "consent": True}
        | {field: "x" * 100_000},
        headers={"Authorization": f"Bearer {world.api_secret}"},
    )
    assert api.status_code == 400
    assert api.json()["errors"][field] in ("too_long", "invalid_email")
    assert await snapshot() == before


async def test_10000_form_fields_are_handled_without_error_and_not_stored(
    client: SameLoopTestClient, world: World
) -> None:
    await client.get("/")
    csrf = cookie_token(client)
    junk = {f"f{i}": "v" for i in range(10_000)}
    before = await snapshot()
    # Junk alone: an invalid registration, nothing stored.
    alone = await client.post(
        f"/events/{world.event.slug}/register",
        data={**junk, "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert alone.status_code == 400
    questions = {f"q_{i}": "v" for i in range(10_000)}
    as_answers = await client.post(
        f"/events/{world.event.slug}/register",
        data={**questions, "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert as_answers.status_code == 400
    assert await snapshot() == before
    # Beside a valid form the unknown fields are ignored: the person is registered, the
    # fields are not kept anywhere.
    valid = await client.post(
        f"/events/{world.event.slug}/register",
        data={**registration_form("fields@example.org"), **junk, **questions, "_csrf_token": csrf},
        follow_redirects=False,
    )
    assert valid.status_code == 303
    row = await RegistrationTable.select().where(RegistrationTable.email == "fields@example.org")
    assert len(row) == 1
    assert not row[0]["answers"] or row[0]["answers"] in ("{}", {})
    assert (await client.get("/")).status_code == 200
