"""The embedded event list (/embed): framed by the sites of EMBED_ORIGINS only; CORS for the
public API from those sites only; every other page unframeable, cached or not."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from app.asgi import create_app
from app.db.database import Database
from app.settings import Settings, SettingsError, parse_origins
from tests.clock import ManualClock
from tests.web.conftest import SameLoopTestClient, upcoming

PARTNER = "https://partner.example"
OTHER_PARTNER = "http://127.0.0.1:8123"
STRANGER = "https://evil.example"


@pytest.fixture
async def embed_client(
    db: Database, settings: Settings, clock: ManualClock, event_factory
) -> AsyncIterator[SameLoopTestClient]:
    """A client of an app that lets two sites frame /embed, with one upcoming event."""
    await event_factory(**upcoming(series="Partnerschaften"))
    embedding = dataclasses.replace(settings, embed_origins=(PARTNER, OTHER_PARTNER))
    async with SameLoopTestClient(create_app(embedding, database=db, clock=clock)) as client:
        yield client


def _frame_ancestors(csp: str) -> str:
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        if name == "frame-ancestors":
            return value.strip()
    raise AssertionError(f"no frame-ancestors in {csp}")


@pytest.mark.parametrize("attempt", ["uncached", "cached"])
async def test_only_embed_may_be_framed_and_only_by_the_listed_sites(
    embed_client: SameLoopTestClient, attempt: str
) -> None:
    for _ in range(2 if attempt == "cached" else 1):
        embed = await embed_client.get("/embed")
        page = await embed_client.get("/")
        event = await embed_client.get("/events/konferenz")
        api = await embed_client.get("/api/v1/events/")
    assert embed.status_code == 200
    assert _frame_ancestors(embed.headers["content-security-policy"]) == (
        f"{PARTNER} {OTHER_PARTNER}"
    )
    assert "x-frame-options" not in embed.headers
    for other in (page, event, api):
        assert other.status_code == 200
        assert _frame_ancestors(other.headers["content-security-policy"]) == "'none'"
        assert other.headers["x-frame-options"] == "DENY"


async def test_without_embed_origins_embed_is_unframeable_too(client: SameLoopTestClient) -> None:
    for _ in range(2):
        embed = await client.get("/embed")
        assert embed.status_code == 200
        assert _frame_ancestors(embed.headers["content-security-policy"]) == "'none'"
        assert embed.headers["x-frame-options"] == "DENY"


async def test_the_embedded_list_has_no_site_chrome_and_opens_events_outside_the_frame(
    embed_client: SameLoopTestClient,
) -> None:
    html = (await embed_client.get("/embed")).text
    assert '<a href="/events/konferenz" target="_blank" rel="noopener">' in html
    assert "site-header" not in html
    assert "site-footer" not in html
    assert "<form" not in html
    assert "<script" not in html


async def test_the_embedded_list_of_one_series(
    embed_client: SameLoopTestClient, event_factory
) -> None:
    await event_factory(**upcoming(slug="andere-reihe", title="Andere Reihe", series="Anderes"))
    all_events = (await embed_client.get("/embed")).text
    assert "/events/konferenz" in all_events
    assert "/events/andere-reihe" in all_events
    one = (await embed_client.get("/embed", params={"series": "Anderes"})).text
    assert "/events/andere-reihe" in one
    assert "/events/konferenz" not in one
    none = (await embed_client.get("/embed", params={"series": "<b>gibt es nicht</b>"})).text
    assert "/events/" not in none
    assert "<b>gibt" not in none


@pytest.mark.parametrize(
    ("language", "heading"),
    [("de", "Kommende Veranstaltungen"), ("en", "Upcoming events"), ("uk", "Майбутні заходи")],
)
async def test_the_embedded_list_speaks_three_languages(
    embed_client: SameLoopTestClient, language: str, heading: str
) -> None:
    by_header = await embed_client.get("/embed", headers={"Accept-Language": language})
    assert f'<html lang="{language}">' in by_header.text
    assert heading in by_header.text
    by_choice = await embed_client.get("/embed", params={"lang": language})
    assert f'<html lang="{language}">' in by_choice.text


@pytest.mark.parametrize("path", ["/api/v1/events/", "/api/v1/events/konferenz"])
@pytest.mark.parametrize("attempt", ["uncached", "cached"])
async def test_the_public_api_may_be_read_by_the_listed_sites_only(
    embed_client: SameLoopTestClient, path: str, attempt: str
) -> None:
    if attempt == "cached":
        # Stored by a request of an allowed site: no other site gets its permission.
        await embed_client.get(path, headers={"Origin": PARTNER})
    allowed = await embed_client.get(path, headers={"Origin": OTHER_PARTNER})
    refused = await embed_client.get(path, headers={"Origin": STRANGER})
    plain = await embed_client.get(path)
    assert allowed.status_code == refused.status_code == plain.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == OTHER_PARTNER
    assert "access-control-allow-credentials" not in allowed.headers
    for response in (refused, plain):
        assert "access-control-allow-origin" not in response.headers
    for response in (allowed, refused, plain):
        assert "Origin" in response.headers["vary"]
    assert allowed.content == refused.content == plain.content


async def test_preflights_allow_reading_from_the_listed_sites_only(
    embed_client: SameLoopTestClient,
) -> None:
    def preflight(origin: str, method: str = "GET", path: str = "/api/v1/events/"):
        return embed_client.options(
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "accept-language",
            },
        )

    allowed = await preflight(PARTNER)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == PARTNER
    assert allowed.headers["access-control-allow-methods"] == "GET, HEAD"
    assert "accept-language" in allowed.headers["access-control-allow-headers"].lower()
    for refused in (
        await preflight(STRANGER),
        await preflight(PARTNER, "POST"),
        await preflight(PARTNER, "DELETE", "/api/v1/events/konferenz"),
    ):
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers


async def test_the_organisers_api_and_the_pages_get_no_cors(
    embed_client: SameLoopTestClient,
) -> None:
    for path in ("/api/v1/organiser/events", "/", "/embed", "/api/v1/eventsx"):
        response = await embed_client.get(path, headers={"Origin": PARTNER})
        assert "access-control-allow-origin" not in response.headers, path
    preflight = await embed_client.options(
        "/api/v1/organiser/events",
        headers={"Origin": PARTNER, "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_embed_origins_are_read_from_the_environment() -> None:
    assert parse_origins("") == ()
    assert parse_origins(" https://A.example/, http://b.example:8080  https://a.example") == (
        "https://a.example",
        "http://b.example:8080",
    )
    env = {"SECRET_KEY": "x" * 32, "EMBED_ORIGINS": "https://partner.example"}
    assert Settings.from_env(env).embed_origins == ("https://partner.example",)
    bad_origins = ("*", "partner.example", "https://a.example/x", "https://a.example;x", "'self'")
    for bad in bad_origins:
        with pytest.raises(SettingsError):
            parse_origins(bad)
