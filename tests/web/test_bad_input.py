"""Bad input answers 4xx with a clear message, never 5xx (issue 12, points 7 and 8).

Each case was a 500 (or a 503 "outage") before: a NUL in a static file's path, event dates at
the edge of the calendar, a JSON body nested past the decoder's recursion limit, a 100 KB or a
directory-shaped time zone, a form body that is not UTF-8. Beside them: the ``.ics`` content
type said its charset twice, and the export's xlsx type was missing from the OpenAPI schema.
"""

from __future__ import annotations

import errno
import re

import httpx
import pytest

from app.db.database import is_unavailable
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.errors import InvalidInput
from app.domain.event_rules import INVALID_TIMEZONE
from app.web.downloads import XLSX
from app.web.event_form import parse_event_form
from tests.conftest import registration_form
from tests.security.conftest import World
from tests.security.test_csrf import snapshot
from tests.web.conftest import SameLoopTestClient, cookie_token
from tests.web.test_organiser_events import NEW, full_form
from tests.web.test_organisers import sign_in

# The security tests' settings (no throttles) and their world: an organiser with an API token,
# an event with one registration.
from tests.security.conftest import settings, world  # noqa: F401  isort: skip

#: The event form's error code (a literal: the test ran on the code before the code existed).
DATE_OUT_OF_RANGE = "date_out_of_range"
FIELD_ERROR = r'<small id="{field}-error" class="field-error">([^<]*)</small>'


def field_error(page: str, field: str) -> str:
    match = re.search(FIELD_ERROR.format(field=field), page)
    assert match, f"no error next to {field}"
    return match.group(1)


# Static files.


@pytest.mark.parametrize(
    "path",
    [
        "/static/%00",
        "/static/vendor/%00x.css",
        "/static/style.css%00.png",
        "/static/" + "a" * 5_000,
        "/static/" + "a/" * 3_000 + "x.css",
    ],
)
async def test_an_unusable_static_path_is_404(client: SameLoopTestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404, response.text[:300]
    assert "Traceback" not in response.text


# Event dates and time zones.


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "timezone"),
    [
        ("0001-01-01T00:00", "0001-01-01T02:00", "Europe/Berlin"),
        ("9999-12-31T20:00", "9999-12-31T23:00", "America/New_York"),
        ("1899-12-31T10:00", "1899-12-31T12:00", "UTC"),
        ("3000-01-01T10:00", "3000-01-01T12:00", "UTC"),
    ],
)
def test_dates_outside_the_supported_years_are_a_field_error(
    starts_at: str, ends_at: str, timezone: str
) -> None:
    form = full_form(starts_at=starts_at, ends_at=ends_at, timezone=timezone)
    form.pop("registration_opens_at")
    form.pop("registration_closes_at")
    with pytest.raises(InvalidInput) as refused:
        parse_event_form(form)
    assert refused.value.errors["starts_at"] == DATE_OUT_OF_RANGE
    assert refused.value.errors["ends_at"] == DATE_OUT_OF_RANGE


@pytest.mark.parametrize("timezone", ["x" * 100_000, "Europe", "Europe/", "Europe/Berlin\x00"])
def test_a_malformed_time_zone_is_a_field_error(timezone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_event_form(full_form(timezone=timezone))
    assert refused.value.errors == {"timezone": INVALID_TIMEZONE}


async def _signed_in(client: SameLoopTestClient, world: World) -> SameLoopTestClient:  # noqa: F811
    assert (await sign_in(client)).status_code == 303
    return client


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "0001-01-01T00:00", "registration_opens_at": ""}, "starts_at"),
        (
            {
                "ends_at": "9999-12-31T23:00",
                "timezone": "America/Los_Angeles",
                "registration_closes_at": "",
            },
            "ends_at",
        ),
        ({"registration_closes_at": "0001-01-01T00:00"}, "registration_closes_at"),
    ],
)
async def test_edge_of_the_calendar_dates_on_the_event_form_are_400_next_to_the_field(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
    overrides: dict[str, str],
    field: str,
) -> None:
    await _signed_in(client, world)
    before = await EventTable.count()
    response = await client.post(
        NEW,
        data={**full_form(**overrides), "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 400, response.text[-2000:]
    assert "1900" in field_error(response.text, field)
    assert await EventTable.count() == before


@pytest.mark.parametrize("timezone", ["x" * 100_000, "Europe"])
async def test_a_malformed_time_zone_on_the_event_form_is_400_not_an_outage(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
    timezone: str,
) -> None:
    await _signed_in(client, world)
    before = await EventTable.count()
    response = await client.post(
        NEW,
        data={**full_form(timezone=timezone), "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "Retry-After" not in response.headers
    assert "Europe/Berlin" in field_error(response.text, "timezone")
    # The refused value is not echoed back as a choice of the list.
    assert "x" * 1_000 not in response.text
    assert await EventTable.count() == before


def test_only_network_errors_count_as_the_database_being_unavailable() -> None:
    # A file name too long or a directory is a bug (500), not an outage worth a retry (503).
    assert not is_unavailable(OSError(errno.ENAMETOOLONG, "File name too long"))
    assert not is_unavailable(IsADirectoryError(errno.EISDIR, "Is a directory"))
    assert not is_unavailable(FileNotFoundError(errno.ENOENT, "No such file"))
    assert not is_unavailable(PermissionError(errno.EACCES, "Permission denied"))
    # Network trouble stays an outage; asyncio's "Multiple exceptions" carries no errno.
    assert is_unavailable(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert is_unavailable(OSError(errno.EHOSTUNREACH, "No route to host"))
    assert is_unavailable(OSError(errno.ENETUNREACH, "Network is unreachable"))
    assert is_unavailable(OSError("Multiple exceptions: [Errno 111] Connect call failed"))
    assert is_unavailable(TimeoutError())


# JSON nesting.


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1_000 + "]" * 1_000,
        "[" * 100_000,
        '{"first_name": "A", "last_name": "B", "email": "deep@example.org", "answers": '
        + '{"a": ' * 2_000
        + '"x"'
        + "}" * 2_000
        + "}",
    ],
    ids=["array", "unclosed", "in-a-field"],
)
async def test_a_deeply_nested_json_body_is_400_problem_details(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
    body: str,
) -> None:
    before = await snapshot()
    response = await client.post(
        f"/api/v1/organiser/events/{world.event.id}/registrations",
        content=body,
        headers={"Authorization": f"Bearer {world.api_secret}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert "nested" in problem["detail"]
    assert await snapshot() == before


# Form bodies: strict UTF-8, the same answer however the bytes were sent.


async def _register_raw(
    client: SameLoopTestClient, slug: str, body: bytes, content_type: str
) -> httpx.Response:
    return await client.post(
        f"/events/{slug}/register",
        content=body,
        headers={"Content-Type": content_type},
        follow_redirects=False,
    )


def _urlencoded(form: dict[str, str], raw_field: tuple[str, bytes]) -> bytes:
    from urllib.parse import urlencode

    name, raw = raw_field
    return urlencode(form).encode() + b"&" + name.encode() + b"=" + raw


def _multipart(form: dict[str, str], raw_field: tuple[str, bytes], boundary: str) -> bytes:
    name, raw = raw_field
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
        for key, value in form.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + raw
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def _bodies(client: SameLoopTestClient, email: str, last_name: bytes) -> list[tuple[str, bytes]]:
    """The same registration with ``last_name`` as raw bytes: url-encoded raw, percent-encoded
    and multipart."""
    from urllib.parse import quote_from_bytes

    form = {**registration_form(email), "_csrf_token": cookie_token(client)}
    form.pop("last_name")
    boundary = "treffpunkt-boundary-42"
    return [
        ("application/x-www-form-urlencoded", _urlencoded(form, ("last_name", last_name))),
        (
            "application/x-www-form-urlencoded",
            _urlencoded(form, ("last_name", quote_from_bytes(last_name).encode())),
        ),
        (
            f"multipart/form-data; boundary={boundary}",
            _multipart(form, ("last_name", last_name), boundary),
        ),
    ]


@pytest.mark.parametrize("invalid", [b"Ko\xffval", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"])
async def test_a_form_body_that_is_not_utf8_is_400_however_it_was_encoded(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
    invalid: bytes,
) -> None:
    await client.get(f"/events/{world.event.slug}")
    before = await snapshot()
    for number, (content_type, body) in enumerate(_bodies(client, "bytes@example.org", invalid)):
        response = await _register_raw(client, world.event.slug, body, content_type)
        assert response.status_code == 400, (number, response.status_code, response.text[:300])
        assert "UTF-8" in response.text, number
    assert await snapshot() == before


async def test_a_utf8_form_body_is_stored_the_same_however_it_was_encoded(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
) -> None:
    await client.get(f"/events/{world.event.slug}")
    name = "Коваль-Müller"
    for number, (content_type, body) in enumerate(
        _bodies(client, "placeholder@example.org", name.encode())
    ):
        email = f"utf8-{number}@example.org"
        body = body.replace(b"placeholder%40example.org", email.replace("@", "%40").encode())
        body = body.replace(b"placeholder@example.org", email.encode())
        response = await _register_raw(client, world.event.slug, body, content_type)
        assert response.status_code == 303, (number, response.text[:300])
        row = await RegistrationTable.select(RegistrationTable.last_name).where(
            RegistrationTable.email == email
        )
        assert row == [{"last_name": name}], number


async def test_a_json_api_body_that_is_not_utf8_is_400(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
) -> None:
    response = await client.post(
        f"/api/v1/organiser/events/{world.event.id}/registrations",
        content=b'{"first_name": "A\xff", "last_name": "B", "email": "b@example.org"}',
        headers={"Authorization": f"Bearer {world.api_secret}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


# Content types.


async def test_calendar_files_name_their_charset_once(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
) -> None:
    for path in (
        "/calendar.ics",
        f"/events/{world.event.slug}.ics",
        f"/r/{world.registration.token}/calendar.ics",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/calendar; charset=utf-8", path


async def test_the_schema_documents_the_exports_content_types(client: SameLoopTestClient) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    export = schema["paths"]["/api/v1/organiser/events/{event_id}/registrations/export"]["get"]
    assert set(export["responses"]["200"]["content"]) == {"text/csv", XLSX}


async def test_the_schema_documents_429_wherever_the_token_throttle_answers_it(
    client: SameLoopTestClient,
    world: World,  # noqa: F811
) -> None:
    import schemathesis

    from app.web.api_auth import FAILED_ATTEMPTS_LIMIT
    from tests.security.test_openapi_fuzz import CHECKS

    document = (await client.get("/api/schema/openapi.json")).json()
    organiser_operations = [
        (method, path, operation)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/organiser/")
        for method, operation in operations.items()
    ]
    assert len(organiser_operations) >= 4
    for method, path, operation in organiser_operations:
        assert list(operation["responses"]["429"]["content"]) == ["application/problem+json"], (
            method,
            path,
        )
    # A real 429 of the throttle is an answer the schema documents.
    bad = {"Authorization": "Bearer tp_" + "B" * 43}
    for _ in range(FAILED_ATTEMPTS_LIMIT):
        assert (await client.get("/api/v1/organiser/events", headers=bad)).status_code == 401
    refused = await client.get("/api/v1/organiser/events", headers=bad)
    assert refused.status_code == 429
    schema = schemathesis.openapi.from_dict(document)
    schema["/api/v1/organiser/events"]["GET"].Case().validate_response(refused, checks=CHECKS)
