"""Atom feeds of upcoming events and of reports: valid, escaped, stable, and nothing secret."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest

from app.domain.materials import MaterialsDraft
from app.domain.model import EventFormat, EventStatus, EventText, MaterialLink
from app.services import materials
from app.web.atom import FeedLinks, atom_feed
from tests.conftest import make_event
from tests.web.conftest import SECRETS

NS = {"a": "http://www.w3.org/2005/Atom"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DAY = dt.timedelta(days=1)
TAG = re.compile(r"tag:[a-z0-9.-]+,\d{4}-\d{2}-\d{2}:event/\d+(/report)?")


def parse(body: bytes) -> ET.Element:
    root = ET.fromstring(body)  # noqa: S314 - the app's own feed, not untrusted input
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return root


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall("a:entry", NS)


def text(element: ET.Element, path: str) -> str:
    found = element.find(path, NS)
    assert found is not None, path
    return found.text or ""


@pytest.fixture
async def feed_events(db, event_factory, now):
    """Upcoming: an online event with Zoom data and an English title, one of a series; a draft,
    a cancelled and a past event with a report."""
    online = await event_factory(
        slug="runde",
        title="Runde <Partnerschaft> & „Zukunft“",
        format=EventFormat.ONLINE,
        contact_email="kontakt@netzwerk.example",
        translations={"en": EventText(title="Round <table> & future")},
    )
    series = await event_factory(
        slug="reallabor",
        title="Reallabor",
        series="Reallabor",
        starts_at=now + 3 * DAY,
        ends_at=now + 3 * DAY + dt.timedelta(hours=2),
    )
    await event_factory(slug="entwurf", title="Entwurf", status=EventStatus.DRAFT)
    await event_factory(slug="abgesagt", title="Abgesagt", status=EventStatus.CANCELLED)
    past = await event_factory(
        slug="rueckblick",
        title="Rückblick",
        series="Reallabor",
        starts_at=now - 5 * DAY,
        ends_at=now - 5 * DAY + dt.timedelta(hours=2),
    )
    await materials.save(
        db,
        past.id,
        MaterialsDraft(
            report="Gut <script>alert(1)</script> [x](javascript:alert(1)) & mehr",
            report_translations={"uk": "Звіт"},
            recording_url="https://video.example/watch?v=1&t=2",
            slides=(MaterialLink("https://folien.example/a.pdf", "Folien <A>"),),
        ),
        now,
    )
    await event_factory(  # past without materials: not in the reports feed
        slug="ohne", title="Ohne Bericht", starts_at=now - 2 * DAY, ends_at=now - DAY
    )
    return online, series, past


async def test_the_events_feed_lists_upcoming_published_events_escaped(client, feed_events):
    online, _series, _past = feed_events
    response = await client.get("/feeds/events.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = parse(response.content)
    assert root.get(XML_LANG) == "de"
    assert text(root, "a:title") == "Treffpunkt: kommende Veranstaltungen"
    titles = [text(entry, "a:title") for entry in entries(root)]
    assert titles == ["Reallabor", "Runde <Partnerschaft> & „Zukunft“"]
    assert b"Runde &lt;Partnerschaft&gt; &amp;" in response.content
    first = entries(root)[1]
    assert TAG.fullmatch(text(first, "a:id"))
    assert text(first, "a:id").endswith(f":event/{online.id}")
    link = first.find("a:link[@rel='alternate']", NS)
    assert link is not None
    assert link.get("href") == "http://127.0.0.1:8000/events/runde?lang=de"
    assert "Online" in text(first, "a:summary")
    self_link = root.find("a:link[@rel='self']", NS)
    assert self_link is not None
    assert self_link.get("href") == "http://127.0.0.1:8000/feeds/events.atom?lang=de"

    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [entry.title for entry in parsed.entries] == titles
    assert parsed.feed.language == "de"


async def test_feeds_carry_no_access_data_and_no_personal_data(client, feed_events):
    for path in ("/feeds/events.atom", "/feeds/reports.atom", "/feeds/events.atom?lang=en"):
        body = (await client.get(path)).text
        for secret in (*SECRETS, "kontakt@netzwerk.example", "@"):
            assert secret not in body.replace("xmlns", ""), (path, secret)


async def test_ids_and_updated_are_stable_across_renders_and_languages(client, clock, feed_events):
    first = parse((await client.get("/feeds/events.atom")).content)
    clock.advance(hours=2)  # past the page cache: rendered again
    again = parse((await client.get("/feeds/events.atom")).content)
    english = parse((await client.get("/feeds/events.atom?lang=en")).content)

    def stamps(root: ET.Element) -> list[tuple[str, str]]:
        return [(text(e, "a:id"), text(e, "a:updated")) for e in entries(root)]

    assert stamps(first) == stamps(again) == stamps(english)
    assert text(first, "a:updated") == text(again, "a:updated")
    assert text(first, "a:id") != text(english, "a:id")  # one feed per language


async def test_the_feed_speaks_the_readers_language_with_german_marked(client, feed_events):
    root = parse((await client.get("/feeds/events.atom?lang=en")).content)
    assert root.get(XML_LANG) == "en"
    assert text(root, "a:title") == "Treffpunkt: upcoming events"
    by_title = {text(e, "a:title"): e for e in entries(root)}
    assert "Round <table> & future" in by_title
    untranslated = by_title["Reallabor"].find("a:title", NS)
    assert untranslated is not None
    assert untranslated.get(XML_LANG) == "de"
    ukrainian = parse((await client.get("/feeds/events.atom?lang=uk")).content)
    assert text(ukrainian, "a:title") == "Treffpunkt: майбутні заходи"


async def test_the_reports_feed_holds_past_events_with_a_report_safely(client, feed_events):
    _online, _series, past = feed_events
    response = await client.get("/feeds/reports.atom")
    root = parse(response.content)
    assert text(root, "a:title") == "Treffpunkt: Berichte und Aufzeichnungen"
    [entry] = entries(root)
    assert text(entry, "a:title") == "Rückblick"
    assert text(entry, "a:id").endswith(f":event/{past.id}/report")
    content = entry.find("a:content", NS)
    assert content is not None
    assert content.get("type") == "html"
    html = content.text or ""
    assert "&lt;script&gt;" in html
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert 'href="https://video.example/watch?v=1&amp;t=2"' in html
    assert "Folien &lt;A&gt;" in html

    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.entries[0].link == "http://127.0.0.1:8000/events/rueckblick?lang=de"
    ukrainian = parse((await client.get("/feeds/reports.atom?lang=uk")).content)
    uk_content = entries(ukrainian)[0].find("a:content", NS)
    assert uk_content is not None
    assert "Звіт" in (uk_content.text or "")
    english = parse((await client.get("/feeds/reports.atom?lang=en")).content)
    en_content = entries(english)[0].find("a:content", NS)
    assert en_content is not None
    assert en_content.get(XML_LANG) == "de"  # no English report: the German one, marked


async def test_series_feeds_and_bad_series_values(client, feed_events):
    events = parse((await client.get("/feeds/events.atom?series=Reallabor")).content)
    assert [text(e, "a:title") for e in entries(events)] == ["Reallabor"]
    assert text(events, "a:title").endswith("– Reallabor")
    reports = parse((await client.get("/feeds/reports.atom?series=Reallabor")).content)
    assert [text(e, "a:title") for e in entries(reports)] == ["Rückblick"]
    empty = parse((await client.get("/feeds/reports.atom?series=Unbekannt")).content)
    assert entries(empty) == []
    assert text(empty, "a:updated") == "1970-01-01T00:00:00Z"
    too_long = await client.get("/feeds/events.atom", params={"series": "x" * 500})
    assert too_long.status_code == 400


async def test_pages_announce_their_feeds(client, feed_events):
    index = (await client.get("/?lang=en")).text
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/feeds/events.atom?lang=en"'
        in index
    )
    assert 'href="/feeds/reports.atom?lang=en"' in index
    event_page = (await client.get("/events/reallabor?lang=de")).text
    assert 'href="/feeds/events.atom?series=Reallabor&amp;lang=de"' in event_page
    assert 'href="/feeds/reports.atom?series=Reallabor&amp;lang=de"' in event_page
    assert "series=" not in (await client.get("/events/runde")).text.split("</head>")[0]


def test_an_event_without_stored_times_or_a_real_end_falls_back_safely(now):
    event = dataclasses.replace(
        make_event(now, id=7, title="Ohne\x0bEnde"), created_at=None, updated_at=None
    )
    event = dataclasses.replace(event, ends_at=event.starts_at)
    body = atom_feed(
        [event],
        kind="events",
        language="de",
        series="",
        base_url="https://treffpunkt.test",
        domain="treffpunkt.test",
        links=FeedLinks("https://treffpunkt.test/feeds/events.atom", "https://treffpunkt.test/"),
    )
    root = parse(body)
    [entry] = entries(root)
    assert text(entry, "a:title") == "OhneEnde"  # a character XML cannot carry is dropped
    start = event.starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert text(entry, "a:updated") == start
    assert text(entry, "a:id") == f"tag:treffpunkt.test,{event.starts_at.date()}:event/7"
    assert "–" not in text(entry, "a:summary").splitlines()[0]  # the start alone
    assert not feedparser.parse(body).bozo
