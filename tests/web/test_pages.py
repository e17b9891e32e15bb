"""The public pages: listings, the event page, static files, headers, no third-party requests."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import AsyncTestClient

from app.domain.model import (
    EventFormat,
    EventStatus,
    Person,
    PersonRole,
    ProgrammeItem,
    Question,
    QuestionKind,
    Seats,
)
from app.web.templating import static_url
from tests.conftest import registration_form
from tests.web.conftest import KNOWN_WHEN, submit, upcoming

_EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I)


#: The only other hosts a page may link to (never load from): the calendar subscribe buttons,
#: which the calendar issue asks for.
SUBSCRIBE_HOSTS = ("https://calendar.google.com/", "https://outlook.live.com/")


def external_urls(html: str) -> list[str]:
    """Absolute or protocol-relative URLs the page would load or link to.

    Links (``<a href>``) to the calendar services' subscribe pages are navigation the reader
    chooses, not requests the page makes, and are the one exception.
    """
    return [url for url in _EXTERNAL.findall(html) if not url.startswith(SUBSCRIBE_HOSTS)]


async def test_upcoming_list_shows_cards(client: AsyncTestClient, event_factory) -> None:
    await event_factory(**upcoming(slug="konferenz", title="Landkreise als Akteure"))
    await event_factory(
        **upcoming(slug="abgesagt", title="Fällt aus", status=EventStatus.CANCELLED, is_sample=True)
    )
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="de">' in html
    assert "Landkreise als Akteure" in html
    assert KNOWN_WHEN in html
    assert "Museum Haus Opherdicke, Dorfstraße 29, 59439 Holzwickede" in html
    assert "Noch 20 Plätze frei" in html
    assert "Abgesagt" in html
    assert "Beispiel" in html
    assert 'href="/events/konferenz"' in html


async def test_past_events_are_apart(client: AsyncTestClient, event_factory, now) -> None:
    await event_factory(
        slug="vorbei",
        title="Online-Diskussionsrunde",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30) + dt.timedelta(hours=1),
    )
    await event_factory(**upcoming(slug="bald", title="Bald"))
    upcoming_page = (await client.get("/")).text
    past_page = (await client.get("/past")).text
    assert "Online-Diskussionsrunde" not in upcoming_page
    assert "Online-Diskussionsrunde" in past_page
    assert "Bald" not in past_page


async def test_event_page_reads_like_an_invitation(client: AsyncTestClient, event_factory) -> None:
    await event_factory(
        **upcoming(
            title="Konferenz „Landkreise als internationale Akteure“",
            registration_closes_at=dt.datetime(2030, 11, 27, 22, 59, tzinfo=dt.UTC),
            programme=(
                ProgrammeItem(title="Begrüßung", time="10:00", detail="Landrat"),
                ProgrammeItem(title="Podium", time="10:30"),
            ),
            people=(
                Person("Dr. Anna Beispiel", "Kreis Unna", PersonRole.SPEAKER),
                Person("Max Muster", "Netzwerkstelle", PersonRole.MODERATION),
            ),
            series="Reallabor",
            tags=("Ukraine", "Landkreise"),
            contact_email="kontakt@example.org",
            funding_note="Gefördert von Engagement Global",
            description="Ein **wichtiger** Termin.",
        )
    )
    response = await client.get("/events/konferenz")
    assert response.status_code == 200
    html = response.text
    assert "Konferenz „Landkreise als internationale Akteure“" in html
    assert KNOWN_WHEN in html
    assert "Museum Haus Opherdicke<br>Dorfstraße 29<br>59439 Holzwickede" in html
    assert "Noch 20 Plätze frei" in html
    assert "Anmeldung bis Mittwoch, 27. November 2030</p>" in html
    assert "Begrüßung" in html
    assert "Landrat" in html
    assert "Dr. Anna Beispiel</strong>, Kreis Unna" in html
    assert "moderiert von" in html
    assert "Max Muster" in html
    assert "Reallabor" in html
    assert "Landkreise" in html
    assert 'href="mailto:kontakt@example.org"' in html
    assert "Gefördert von Engagement Global" in html
    assert "<strong>wichtiger</strong>" in html
    assert 'action="/events/konferenz/register"' in html
    assert 'name="_csrf_token"' in html
    assert "Beispielveranstaltung" not in html


async def test_deadline_with_a_time(client: AsyncTestClient, event_factory) -> None:
    await event_factory(
        **upcoming(registration_closes_at=dt.datetime(2030, 11, 27, 11, 30, tzinfo=dt.UTC))
    )
    html = (await client.get("/events/konferenz")).text
    assert "Anmeldung bis Mittwoch, 27. November 2030, 12:30 Uhr" in html


async def test_online_and_hybrid_places_and_seats(client: AsyncTestClient, event_factory) -> None:
    await event_factory(**upcoming(slug="online", format=EventFormat.ONLINE))
    await event_factory(
        **upcoming(
            slug="hybrid",
            format=EventFormat.HYBRID,
            in_person_seats=Seats(12, 0),
            online_seats=Seats(None, 0),
        )
    )
    online = (await client.get("/events/online")).text
    assert "Online (Zoom)" in online
    assert "Museum Haus Opherdicke" not in online
    assert "Plätze frei" in online
    assert 'name="mode"' not in online
    hybrid = (await client.get("/events/hybrid")).text
    assert "Museum Haus Opherdicke" in hybrid
    assert "Online (Zoom)" in hybrid
    assert "vor Ort: Noch 12 Plätze frei" in hybrid
    assert "online: Plätze frei" in hybrid
    assert 'type="radio" name="mode" value="in_person"' in hybrid
    assert 'type="radio" name="mode" value="online"' in hybrid


async def test_sample_and_cancelled_markers(client: AsyncTestClient, event_factory) -> None:
    await event_factory(**upcoming(slug="probe", is_sample=True))
    await event_factory(**upcoming(slug="weg", status=EventStatus.CANCELLED))
    sample = (await client.get("/events/probe")).text
    assert "Beispielveranstaltung – keine echte Anmeldung" in sample
    cancelled = (await client.get("/events/weg")).text
    assert "Abgesagt" in cancelled
    assert "Die Veranstaltung wurde abgesagt" in cancelled
    assert "<form" not in cancelled


async def test_questions_are_on_the_form(client: AsyncTestClient, event_factory) -> None:
    await event_factory(
        **upcoming(
            questions=(
                Question("diet", "Essen", QuestionKind.CHOICE, True, ("vegetarisch", "vegan")),
                Question("city", "Partnerstadt", QuestionKind.CHOICE, False, tuple("abcdefg")),
                Question("photo", "Fotos erlaubt?", QuestionKind.YES_NO, True),
                Question("note", "Anmerkung", QuestionKind.TEXT),
            )
        )
    )
    html = (await client.get("/events/konferenz")).text
    assert 'type="radio" name="q_diet" value="vegan"' in html
    assert '<select id="f-q_city" name="q_city"' in html
    assert 'name="q_photo" value="yes"' in html
    assert 'name="q_photo" value="no"' in html
    assert '<textarea id="f-q_note" name="q_note"' in html
    assert '<label for="f-q_note">Anmerkung</label>' in html
    assert '<option value="uk" lang="uk">Українська</option>' in html
    assert '<option value="de" lang="de" selected>Deutsch</option>' in html
    assert 'href="/privacy"' in html


async def test_every_input_has_a_label(client: AsyncTestClient, event_factory) -> None:
    await event_factory(
        **upcoming(
            format=EventFormat.HYBRID,
            questions=(Question("photo", "Fotos erlaubt?", QuestionKind.YES_NO, True),),
        )
    )
    html = (await client.get("/events/konferenz")).text
    ids = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', html)
    assert len(ids) >= 10
    for element_id in ids:
        assert f'for="{element_id}"' in html, element_id


async def test_markdown_description_is_sanitised(client: AsyncTestClient, event_factory) -> None:
    await event_factory(
        **upcoming(description="Hallo <script>alert(1)</script> [x](javascript:alert(1))")
    )
    html = (await client.get("/events/konferenz")).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


async def test_unknown_and_draft_events_are_404(client: AsyncTestClient, event_factory) -> None:
    await event_factory(**upcoming(slug="entwurf", status=EventStatus.DRAFT))
    for path in ("/events/entwurf", "/events/gibt-es-nicht", "/nirgends", "/events/%00x"):
        response = await client.get(path)
        assert response.status_code == 404
        assert "Seite nicht gefunden" in response.text
        assert response.headers["content-type"].startswith("text/html")


async def test_no_page_loads_anything_from_elsewhere(
    client: AsyncTestClient,
    event_factory,
    now: dt.datetime,
) -> None:
    await event_factory(**upcoming(format=EventFormat.HYBRID))
    await event_factory(
        slug="vorbei",
        starts_at=now - dt.timedelta(days=3),
        ends_at=now - dt.timedelta(days=3) + dt.timedelta(hours=2),
    )
    location = (
        await submit(client, "konferenz", registration_form("a@example.org", mode="in_person"))
    ).headers["location"]
    pages = [
        "/",
        "/past",
        "/events/konferenz",
        "/privacy",
        location,
        "/nirgends",
        "/api/schema",
    ]
    for path in pages:
        response = await client.get(path)
        assert response.status_code in {200, 404}, path
        assert external_urls(response.text) == [], path
        for match in re.findall(r"<link [^>]*>|<script[^>]*>", response.text):
            assert "//" not in match, (path, match)
        # The subscribe links are plain anchors: nothing of theirs is loaded with the page.
        for match in re.findall(r"<[^>]+(?:calendar\.google|outlook\.live)[^>]*>", response.text):
            assert match.startswith("<a "), (path, match)


async def test_static_css_is_served_with_long_caching(client: AsyncTestClient) -> None:
    for asset in ("site.css", "vendor/pico/pico.min.css"):
        response = await client.get(static_url(asset))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/css")
        assert "max-age=31536000" in response.headers["cache-control"]
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", response.text)
    assert (await client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")).status_code == 200


async def test_security_headers_on_every_response(client: AsyncTestClient, event_factory) -> None:
    await event_factory(**upcoming())
    for path in ("/", "/events/konferenz", "/nirgends", "/api/v1/events", "/healthz"):
        headers = (await client.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self';" in csp
        assert "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp


async def test_pages_have_no_inline_scripts_or_styles(
    client: AsyncTestClient, event_factory
) -> None:
    await event_factory(**upcoming())
    for path in ("/", "/events/konferenz", "/privacy"):
        html = (await client.get(path)).text
        # The one script is a file of our own (site.js, progressive enhancement): no code
        # inside the page, nothing the CSP would have to allow.
        scripts = re.findall(r"<script[^>]*>.*?</script>", html, flags=re.DOTALL)
        assert html.count("<script") == len(scripts), path
        for script in scripts:
            assert re.fullmatch(
                r'<script src="/static/site\.js\?v=[0-9a-f]+" defer></script>', script
            )
        assert "<style" not in html
        assert " style=" not in html


async def test_privacy_page(client: AsyncTestClient) -> None:
    response = await client.get("/privacy")
    assert response.status_code == 200
    assert "Datenschutzhinweis" in response.text
