"""Calendar files over HTTP: one event, the feeds with ETag and 304, the personal feed."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from litestar.testing import AsyncTestClient

from app.db.tables import Event as EventTable
from app.domain.mailbox_proof import all_events_path
from app.domain.model import EventFormat, EventStatus, Seats
from app.services import registrations
from app.settings import Settings
from tests.conftest import registration_form
from tests.web.conftest import SECRETS, submit, token_from, upcoming

Client = AsyncTestClient


def parsed(body: bytes) -> Calendar:
    """The body as icalendar reads it (raises on anything malformed)."""
    return Calendar.from_ical(body)


def summaries(body: bytes) -> list[str]:
    """The titles of the events in a calendar file."""
    return sorted(str(vevent["SUMMARY"]) for vevent in parsed(body).walk("VEVENT"))


async def test_one_event_as_ics_without_access_data(client: Client, event_factory) -> None:
    await event_factory(**upcoming(slug="runde", title="Online-Runde", format=EventFormat.ONLINE))

    answer = await client.get("/events/runde.ics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert answer.headers["etag"]
    calendar = parsed(answer.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert summaries(answer.content) == ["Online-Runde"]
    for secret in SECRETS:
        assert secret not in answer.text
    assert "ATTENDEE" not in answer.text


@pytest.mark.parametrize(
    "path", ["/events/gibt-es-nicht.ics", "/events/entwurf.ics", "/events/.ics"]
)
async def test_unknown_or_draft_events_are_404(client: Client, event_factory, path: str) -> None:
    await event_factory(**upcoming(slug="entwurf", status=EventStatus.DRAFT))
    assert (await client.get(path)).status_code == 404


async def test_the_feed_has_published_and_cancelled_events_never_drafts_or_secrets(
    client: Client, event_factory
) -> None:
    await event_factory(**upcoming(slug="a", title="Konferenz", format=EventFormat.HYBRID))
    await event_factory(**upcoming(slug="b", title="Abgesagt", status=EventStatus.CANCELLED))
    await event_factory(**upcoming(slug="c", title="Entwurf", status=EventStatus.DRAFT))

    answer = await client.get("/calendar.ics")

    assert answer.status_code == 200
    assert summaries(answer.content) == ["Abgesagt", "Konferenz"]
    cancelled = next(v for v in parsed(answer.content).walk("VEVENT") if v["SUMMARY"] == "Abgesagt")
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "X-WR-CALNAME" in answer.text
    assert "REFRESH-INTERVAL" in answer.text
    for secret in SECRETS:
        assert secret not in answer.text
    # Programs poll feeds: no CSRF cookie is made for them.
    assert "set-cookie" not in answer.headers


async def test_an_unchanged_feed_answers_304(client: Client, event_factory) -> None:
    await event_factory(**upcoming(slug="a"))
    first = await client.get("/calendar.ics")
    etag = first.headers["etag"]
    last_modified = first.headers["last-modified"]

    by_tag = await client.get("/calendar.ics", headers={"If-None-Match": etag})
    by_date = await client.get("/calendar.ics", headers={"If-Modified-Since": last_modified})
    other_tag = await client.get("/calendar.ics", headers={"If-None-Match": '"anders"'})
    unreadable_date = await client.get(
        "/calendar.ics", headers={"If-Modified-Since": "gestern nachmittag"}
    )
    older = format_datetime(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), usegmt=True)
    old_date = await client.get("/calendar.ics", headers={"If-Modified-Since": older})

    assert (by_tag.status_code, by_tag.content) == (304, b"")
    assert by_tag.headers["etag"] == etag
    assert by_date.status_code == 304
    assert other_tag.status_code == 200
    assert unreadable_date.status_code == 200
    assert old_date.status_code == 200


async def test_feeds_per_series_and_tag(client: Client, event_factory) -> None:
    await event_factory(
        **upcoming(slug="a", title="Reallabor 1", series="Reallabor", tags=("ukraine",))
    )
    await event_factory(**upcoming(slug="b", title="Reallabor 2", series="Reallabor"))
    await event_factory(**upcoming(slug="c", title="Landkreise", tags=("ukraine", "kreise")))

    series = await client.get("/calendar.ics", params={"series": "Reallabor"})
    tag = await client.get("/calendar.ics", params={"tag": "ukraine"})

    assert summaries(series.content) == ["Reallabor 1", "Reallabor 2"]
    assert "Reallabor" in str(parsed(series.content)["X-WR-CALNAME"])
    assert summaries(tag.content) == ["Landkreise", "Reallabor 1"]


@pytest.mark.parametrize(
    "query",
    [
        {"foo": "bar"},
        {"series": ""},
        {"series": "gibt es nicht"},
        {"tag": "x" * 500},
        {"series": "a\x00b"},
        {"series": ["a", "b"]},
        {"tag": "'; DROP TABLE event; --"},
    ],
)
async def test_bogus_feed_queries_are_a_valid_feed_or_400(
    client: Client, event_factory, query: dict[str, object]
) -> None:
    await event_factory(**upcoming(slug="a"))
    answer = await client.get("/calendar.ics", params=query)  # type: ignore[arg-type]
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        parsed(answer.content)


async def test_the_personal_feed_has_the_access_data_behind_the_token(
    client: Client, event_factory, db
) -> None:
    await event_factory(**upcoming(slug="runde", title="Online-Runde", format=EventFormat.ONLINE))
    await event_factory(**upcoming(slug="treffen", title="Treffen"))
    answer = await submit(client, "runde", registration_form("olena@stadt.example", mode="online"))
    token = token_from(answer.headers["location"])
    await submit(client, "treffen", registration_form("OLENA@stadt.example"))

    feed = await client.get(f"/r/{token}/calendar.ics")

    assert feed.status_code == 200
    assert feed.headers["cache-control"] == "no-store"
    # Its own registration only: the other one has the same address, which proves nothing.
    assert summaries(feed.content) == ["Online-Runde"]
    text = feed.content.replace(b"\r\n ", b"").decode()
    assert f"/j/{token}" in text
    assert "987654" in text  # the passcode
    assert "SECRETPWD" not in text  # never the raw Zoom link


async def test_cancelled_registrations_leave_the_personal_feeds_and_old_links_die(
    client: Client, event_factory, db, now, settings: Settings
) -> None:
    await event_factory(**upcoming(slug="treffen", title="Treffen"))
    await event_factory(**upcoming(slug="runde", title="Runde"))
    first = token_from(
        (await submit(client, "treffen", registration_form("anna@stadt.example"))).headers[
            "location"
        ]
    )
    await submit(client, "runde", registration_form("anna@stadt.example"))

    # The feed of all events, as the mails to the address link it.
    all_events = all_events_path(settings.secret_key, first, "anna@stadt.example")
    assert summaries((await client.get(all_events)).content) == ["Runde", "Treffen"]

    await registrations.cancel(db, first, now)
    assert summaries((await client.get(all_events)).content) == ["Runde"]
    assert summaries((await client.get(f"/r/{first}/calendar.ics")).content) == []

    # Registering again gives a new link; the old one no longer serves anything.
    await submit(client, "treffen", registration_form("anna@stadt.example"))
    assert (await client.get(f"/r/{first}/calendar.ics")).status_code == 404
    assert (await client.get(all_events)).status_code == 404
    assert (await client.get("/r/not-a-token/calendar.ics")).status_code == 404


async def test_a_cancelled_event_shows_as_cancelled_in_the_personal_feed(
    client: Client, event_factory
) -> None:
    event = await event_factory(
        **upcoming(slug="treffen", title="Treffen", in_person_seats=Seats(5, 0))
    )
    token = token_from(
        (await submit(client, "treffen", registration_form("anna@stadt.example"))).headers[
            "location"
        ]
    )
    await EventTable.update({EventTable.status: EventStatus.CANCELLED.value}).where(
        EventTable.id == event.id
    )

    [vevent] = parsed((await client.get(f"/r/{token}/calendar.ics")).content).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"


async def test_pages_offer_subscriptions(client: Client, event_factory) -> None:
    await event_factory(**upcoming(slug="a", series="Reallabor"))

    index = (await client.get("/")).text
    event_page = (await client.get("/events/a")).text

    assert 'href="webcal://127.0.0.1:8000/calendar.ics"' in index
    google = next(
        part for part in index.split('"') if part.startswith("https://calendar.google.com/")
    )
    assert parse_qs(urlsplit(google.replace("&amp;", "&")).query)["cid"] == [
        "webcal://127.0.0.1:8000/calendar.ics"
    ]
    assert (
        "https://outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2F127.0.0.1%3A8000%2Fcalendar.ics"
        in index
    )
    assert 'href="/events/a.ics"' in event_page
    assert "webcal://127.0.0.1:8000/calendar.ics?series=Reallabor" in event_page
