"""Schemathesis against ``/api/schema/openapi.json``: no 5xx, every answer as the schema says.

Each operation gets a fixed number of generated requests (derandomized, no example database),
valid ones and (where the schema allows any) invalid ones, sent with a valid organiser token to
the app on the test's database, and every response is checked by schemathesis: no server
error, a documented status code, content type, headers and body.

The cases are drawn first and sent afterwards, on the test's own event loop: schemathesis' own
ASGI client runs the app on another loop, where the PostgreSQL pool of the ``db`` fixture
cannot be used.

Left out, with reasons: ``positive_data_acceptance`` for adding a registration (the schema
cannot say that an address must be an email address, consent given and the event's questions
answered: a 400 with ``errors`` per field is the documented answer) and for setting an event's
materials (nor that a link must be an https link with a host, a report free of control
characters: the same documented 400) or its translations (nor that a question's translated
options must be as many as its German ones, a translated row needs a German one: the same 400),
and ``negative_data_rejection`` (unknown query parameters are ignored, as on any web page).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.asgi import create_app
from app.clock import system_clock
from app.services import api_tokens
from app.settings import Settings
from tests.security.conftest import World

#: Generated requests per operation and mode.
MAX_EXAMPLES = 30
SCHEMA_PATH = "/api/schema/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ADD_REGISTRATION = ("POST", "/api/v1/organiser/events/{event_id}/registrations")
SET_MATERIALS = ("PUT", "/api/v1/organiser/events/{event_id}/materials")
SET_TEXTS = ("PUT", "/api/v1/organiser/events/{event_id}/texts")


def _operations() -> list[tuple[str, str]]:
    """Every operation the schema documents (read at collection time for the test ids)."""
    app = create_app(
        Settings(database_url="sqlite:///unused.sqlite3", secret_key="x" * 32),
        clock=system_clock,  # the schema does not depend on the time
    )
    paths: dict[str, dict[str, Any]] = app.openapi_schema.to_schema()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


def _has_inputs(operation: Any) -> bool:
    """Whether invalid requests exist: a query, header or body (a string path takes anything)."""
    return bool(operation.query or operation.headers or operation.body)


def _draw(strategy: Any) -> list[Any]:
    """Up to ``MAX_EXAMPLES`` cases, the same ones on every run."""
    cases: list[Any] = []

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


async def _send(client: httpx.AsyncClient, case: Any, secret: str) -> httpx.Response:
    kwargs = case.as_transport_kwargs(
        base_url=str(client.base_url), headers={"Authorization": f"Bearer {secret}"}
    )
    assert not kwargs.get("cookies"), "the schema documents no cookie"
    return await client.request(
        kwargs["method"],
        case.formatted_path,
        headers=kwargs["headers"],
        params=kwargs.get("params"),
        json=kwargs.get("json"),
    )


async def _schema(client: httpx.AsyncClient) -> Any:
    response = await client.get(SCHEMA_PATH)
    assert response.status_code == 200
    return schemathesis.openapi.from_dict(response.json())


@pytest.mark.parametrize(("method", "path"), _operations())
async def test_generated_requests_get_documented_answers(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    schema = await _schema(client)
    operation = schema[path][method]
    modes = [GenerationMode.POSITIVE]
    if _has_inputs(operation):
        modes.append(GenerationMode.NEGATIVE)
    checks = [*CHECKS]
    if (method, path) not in (ADD_REGISTRATION, SET_MATERIALS, SET_TEXTS):
        checks.append(positive_data_acceptance)
    sent = 0
    for mode in modes:
        cases = _draw(operation.as_strategy(generation_mode=mode))
        assert cases, (method, path, mode)
        for case in cases:
            response = await _send(client, case, world.api_secret)
            case.validate_response(response, checks=checks if mode.is_positive else CHECKS)
            sent += 1
    assert sent >= len(modes)
    # The app still answers, and the event and registration are still there.
    assert (await client.get(f"/api/v1/events/{world.event.slug}")).status_code == 200


async def test_real_data_answers_match_the_schema(
    client: httpx.AsyncClient, world: World, db: Any
) -> None:
    """The generated ids and slugs rarely hit the one event: its answers are checked here."""
    schema = await _schema(client)
    event_id, slug = world.event.id, world.event.slug
    cases = [
        schema["/api/v1/events"]["GET"].Case(query={"past": "false"}),
        schema["/api/v1/events/{slug}"]["GET"].Case(path_parameters={"slug": slug}),
        schema["/api/v1/organiser/events"]["GET"].Case(),
        schema["/api/v1/organiser/events/{event_id}/registrations"]["GET"].Case(
            path_parameters={"event_id": event_id}, query={"q": "anna"}
        ),
        schema["/api/v1/organiser/events/{event_id}/registrations/export"]["GET"].Case(
            path_parameters={"event_id": event_id}, query={"format": "csv"}
        ),
        schema[ADD_REGISTRATION[1]]["POST"].Case(
            path_parameters={"event_id": event_id},
            body={
                "first_name": "Борис",
                "last_name": "O'Brien",
                "email": "borys@example.org",
                "consent": True,
            },
            media_type="application/json",
        ),
    ]
    statuses = []
    for case in cases:
        response = await _send(client, case, world.api_secret)
        case.validate_response(response, checks=[*CHECKS, positive_data_acceptance])
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 200, 200, 201]
    listed = await client.get(
        f"/api/v1/organiser/events/{event_id}/registrations",
        headers={"Authorization": f"Bearer {world.api_secret}"},
    )
    assert sorted(r["email"] for r in listed.json()) == ["anna@example.org", "borys@example.org"]


async def test_the_checks_catch_an_undocumented_answer(
    client: httpx.AsyncClient, world: World
) -> None:
    """The checks can fail: a 404 problem is not documented for the list of events."""
    schema = await _schema(client)
    case = schema["/api/v1/events"]["GET"].Case()
    response = await client.get("/api/v1/events/no-such-event")
    assert response.status_code == 404
    with pytest.raises(BaseException, match="Undocumented status code"):
        case.validate_response(response, checks=CHECKS)


# Regressions of what the fuzzing found.


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organiser/events/550962372135372324864/registrations",
        "/api/v1/organiser/events/550962372135372324864/registrations/export",
        "/api/v1/organiser/events/-9223372036854775809/registrations",
        # Past PostgreSQL's serial (int4): asyncpg's "out of int32 range".
        "/api/v1/organiser/events/2147483648/registrations",
        "/api/v1/organiser/events/-2147483649/registrations",
    ],
)
async def test_an_id_too_large_for_the_database_is_404_not_500(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    # SQLite raised OverflowError past 64 bits, asyncpg a DataError past 32: a 500 with a trace.
    response = await client.get(path, headers={"Authorization": f"Bearer {world.api_secret}"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_id_too_large_on_an_organiser_page_is_404_not_500(
    client: httpx.AsyncClient, world: World
) -> None:
    from tests.web.test_organisers import sign_in

    await sign_in(client)
    for path in (
        "/organiser/events/550962372135372324864",
        "/organiser/events/9223372036854775808/registrations",
        "/organiser/events/9223372036854775808/preview",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
    # The largest id that fits is a plain 'no such event'.
    response = await client.get("/organiser/events/2147483647")
    assert response.status_code == 404


async def test_errors_of_the_public_api_are_documented_as_problem_details(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get(SCHEMA_PATH)).json()
    responses = schema["paths"]["/api/v1/events/{slug}"]["get"]["responses"]
    assert list(responses["404"]["content"]) == ["application/problem+json"]
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if "400" in op["responses"]:
                content = list(op["responses"]["400"]["content"])
                assert content == ["application/problem+json"], (method, path)


async def test_a_token_that_fits_the_shape_but_was_never_made_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    forged = "tp_" + "A" * 43
    assert api_tokens.is_token_shaped(forged)
    response = await client.get(
        "/api/v1/organiser/events", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
