"""Public pages from the page cache: the same answers as rendered afresh, per visitor.

A fresh app on the same database has an empty cache, so what it answers is the page rendered
now; the app under test has answered every page before each write, so a cache that missed a
write would answer the old page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from typing import Any

import httpx
import pytest
from litestar import Litestar

from app.asgi import create_app
from app.db.database import Database
from app.domain.model import EventStatus, Seats
from app.services import event_admin, event_changes, invitations, registrations
from app.services.events import get_with_access
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_form, registration_request
from tests.web.conftest import SameLoopTestClient, csrf_token, upcoming

PAGES = (
    "/",
    "/past",
    "/events/konferenz",
    "/events/zweite",
    "/events/konferenz?lang=en",
    "/api/v1/events/",
    "/api/v1/events/?past=true",
    "/api/v1/events/konferenz",
    "/calendar.ics",
    "/events/konferenz.ics",
)
LANGUAGES = ("de", "en", "uk")
#: A token of the shape Litestar makes, held by the test's visitors.
TOKEN = "ab" * 64
OTHER_TOKEN = "cd" * 64


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


async def answer(app: Litestar, path: str, language: str, token: str = TOKEN) -> Answer:
    async with SameLoopTestClient(app) as client:
        client.cookies.set("treffpunkt_csrf", token)
        response = await client.get(path, headers={"Accept-Language": language})
    return Answer(response.status_code, sorted(response.headers.multi_items()), response.content)


@pytest.fixture
def make_app(settings: Settings, clock: ManualClock):
    def make(database: Database) -> Litestar:
        return create_app(settings, database=database, clock=clock)

    return make


async def assert_cached_equals_uncached(app: Litestar, db: Database, make_app) -> None:
    # One fresh app for the round: it is asked each page and language once, so it renders each.
    fresh = make_app(db)
    for path in PAGES:
        for language in LANGUAGES:
            cached = await answer(app, path, language)
            uncached = await answer(fresh, path, language)
            assert cached == uncached, (path, language)
            # And once more: now surely from the cache.
            assert await answer(app, path, language) == uncached, (path, language)


async def test_every_public_page_is_the_same_cached_and_uncached_after_every_kind_of_write(
    db: Database, make_app, event_factory, now: dt.datetime
) -> None:
    app = make_app(db)
    event = await event_factory(**upcoming(in_person_seats=Seats(1, 0)))
    second = await event_factory(**upcoming(slug="zweite", status=EventStatus.DRAFT))
    await assert_cached_equals_uncached(app, db, make_app)

    outcomes = []
    for person in ("a", "b", "c"):  # registration: a seat, then the waiting list
        outcomes.append(
            await registrations.register(
                db, "konferenz", registration_request(f"{person}@example.org"), now
            )
        )
        await assert_cached_equals_uncached(app, db, make_app)
    await registrations.cancel(db, outcomes[0].registration.token, now)  # b moves up
    await assert_cached_equals_uncached(app, db, make_app)

    current = await get_with_access(event.id)
    wider = dataclasses.replace(current, title="Konferenz neu", in_person_seats=Seats(2, 1))
    await event_changes.change_event(db, event.id, wider, notify=False, message="", now=now)
    await assert_cached_equals_uncached(app, db, make_app)
    await registrations.promote_waiting(db, event.id, now)  # c takes the new seat
    await assert_cached_equals_uncached(app, db, make_app)

    await event_admin.publish(db, second.id, now)
    await assert_cached_equals_uncached(app, db, make_app)
    await event_admin.unpublish(db, second.id, now)
    await assert_cached_equals_uncached(app, db, make_app)
    await event_changes.cancel_event(db, event.id, message="Leider", now=now)
    await assert_cached_equals_uncached(app, db, make_app)


async def test_a_write_of_another_process_shows_once_the_clock_moved_a_second(
    db: Database, make_app, event_factory, clock: ManualClock, now: dt.datetime
) -> None:
    # Two processes: each its own cache and its own count of committed writes, one database.
    here = make_app(db)
    elsewhere = make_app(Database(db.engine))
    await event_factory(**upcoming())
    before = await answer(elsewhere, "/events/konferenz", "de")

    await registrations.register(db, "konferenz", registration_request("a@example.org"), now)
    fresh = await answer(make_app(db), "/events/konferenz", "de")
    assert fresh != before
    assert await answer(here, "/events/konferenz", "de") == fresh

    clock.advance(seconds=0.5)
    assert await answer(elsewhere, "/events/konferenz", "de") == before  # still its cached page
    clock.advance(seconds=0.5)
    assert await answer(elsewhere, "/events/konferenz", "de") == fresh


async def test_the_page_changes_when_its_registration_closes_not_a_second_later(
    db: Database, make_app, event_factory, clock: ManualClock, now: dt.datetime
) -> None:
    app = make_app(db)
    deadline = now + dt.timedelta(milliseconds=300)
    await event_factory(**upcoming(registration_closes_at=deadline))
    assert 'name="_csrf_token"' in (await answer(app, "/events/konferenz", "de")).body.decode()
    clock.advance(milliseconds=300)
    page = await answer(app, "/events/konferenz", "de")
    assert 'name="_csrf_token"' not in page.body.decode()
    assert page == await answer(make_app(db), "/events/konferenz", "de")


def _form_token(response: httpx.Response) -> str:
    return csrf_token(response.text)


async def test_visitors_get_their_own_language_and_token_never_anothers(
    db: Database, make_app, event_factory
) -> None:
    app = make_app(db)
    await event_factory(**upcoming(translations={}))
    async with SameLoopTestClient(app) as first, SameLoopTestClient(app) as second:
        first.cookies.set("treffpunkt_csrf", TOKEN)
        second.cookies.set("treffpunkt_csrf", OTHER_TOKEN)
        german = await first.get("/events/konferenz", headers={"Accept-Language": "de"})
        english = await second.get("/events/konferenz", headers={"Accept-Language": "en"})
        again = await second.get("/events/konferenz", headers={"Accept-Language": "de"})
        assert german.headers["content-language"] == "de"
        assert english.headers["content-language"] == "en"
        assert '<html lang="de"' in german.text
        assert '<html lang="en"' in english.text
        assert _form_token(german) == TOKEN
        assert _form_token(english) == OTHER_TOKEN
        assert _form_token(again) == OTHER_TOKEN
        assert TOKEN not in again.text
        assert again.text == german.text.replace(TOKEN, OTHER_TOKEN)
        assert "set-cookie" not in again.headers


async def test_a_visitor_without_a_token_gets_one_and_can_register_with_it(
    db: Database, make_app, event_factory
) -> None:
    app = make_app(db)
    await event_factory(**upcoming())
    async with SameLoopTestClient(app) as warm:
        await warm.get("/events/konferenz")
        await warm.get("/events/konferenz")
    async with SameLoopTestClient(app) as newcomer, SameLoopTestClient(app) as other:
        page = await newcomer.get("/events/konferenz")
        token = newcomer.cookies.get("treffpunkt_csrf")
        assert token
        assert _form_token(page) == token
        cookie = page.headers["set-cookie"]
        assert re.fullmatch(rf"treffpunkt_csrf={token}; HttpOnly; Path=/; SameSite=lax", cookie), (
            cookie
        )
        other_page = await other.get("/events/konferenz")
        assert _form_token(other_page) != token

        refused = await newcomer.post(
            "/events/konferenz/register",
            data={**registration_form("x@example.org"), "_csrf_token": _form_token(other_page)},
        )
        assert refused.status_code == 403
        accepted = await newcomer.post(
            "/events/konferenz/register",
            data={**registration_form("x@example.org"), "_csrf_token": _form_token(page)},
            follow_redirects=False,
        )
        assert accepted.status_code == 303


async def test_a_registration_decides_on_the_database_not_on_the_event_this_process_remembers(
    db: Database, make_app, event_factory, now: dt.datetime
) -> None:
    # The form's POST starts from the event as this process last read it (kept up to a second);
    # another process's write of that second must still decide the registration.
    app = make_app(db)
    event = await event_factory(**upcoming(in_person_seats=Seats(2, 0), waitlist_enabled=False))
    elsewhere = Database(db.engine)
    async with SameLoopTestClient(app) as first, SameLoopTestClient(app) as second:
        page = await first.get("/events/konferenz")
        other = await second.get("/events/konferenz")
        accepted = await first.post(
            "/events/konferenz/register",
            data={**registration_form("a@example.org"), "_csrf_token": _form_token(page)},
            follow_redirects=False,
        )
        assert accepted.status_code == 303
        assert 'name="_csrf_token"' in (await second.get("/events/konferenz")).text
        # Another process cancels the event: this one still shows its page of a second ago …
        await event_changes.cancel_event(elsewhere, event.id, message="Leider", now=now)
        assert 'name="_csrf_token"' in (await second.get("/events/konferenz")).text
        # … but the registration is refused as for a cancelled event, and no seat is taken.
        refused = await second.post(
            "/events/konferenz/register",
            data={**registration_form("b@example.org"), "_csrf_token": _form_token(other)},
        )
    assert refused.status_code == 409, refused.text
    stored = await registrations.list_for_event(event.id)
    assert [r.email for r in stored] == ["a@example.org"]
    assert (await get_with_access(event.id)).in_person_seats.taken == 1
    assert (await get_with_access(event.id)).status is EventStatus.CANCELLED


async def test_an_event_made_invitation_only_elsewhere_refuses_the_uninvited_at_once(
    db: Database, make_app, event_factory, now: dt.datetime
) -> None:
    # Made invitation-only by another process (revision unchanged) within the second this one
    # keeps its read of the event: the POST must not pass the invitation gate on that read.
    app = make_app(db)
    event = await event_factory(**upcoming())
    async with SameLoopTestClient(app) as visitor:
        page = await visitor.get("/events/konferenz")
        await invitations.set_invitation_only(Database(db.engine), event.id, True, now)
        refused = await visitor.post(
            "/events/konferenz/register",
            data={**registration_form("stranger@example.org"), "_csrf_token": _form_token(page)},
            follow_redirects=False,
        )
    assert refused.status_code != 303
    assert await registrations.list_for_event(event.id) == []


async def test_a_page_made_from_a_remembered_event_changes_at_its_deadline_too(
    db: Database, make_app, event_factory, clock: ManualClock, now: dt.datetime
) -> None:
    # The English page is made from the event the German one remembered: it must not outlive
    # the deadline that remembered event ends at.
    app = make_app(db)
    await event_factory(**upcoming(registration_closes_at=now + dt.timedelta(milliseconds=300)))
    assert 'name="_csrf_token"' in (await answer(app, "/events/konferenz", "de")).body.decode()
    clock.advance(milliseconds=100)
    assert 'name="_csrf_token"' in (await answer(app, "/events/konferenz", "en")).body.decode()
    clock.advance(milliseconds=200)
    page = await answer(app, "/events/konferenz", "en")
    assert 'name="_csrf_token"' not in page.body.decode()
    assert page == await answer(make_app(db), "/events/konferenz", "en")


@pytest.mark.parametrize("cookie", ["nonsense", '"' + TOKEN + '"', "<b>" + "a" * 125])
async def test_a_token_cookie_of_another_shape_gets_litestars_own_answer(
    db: Database, make_app, event_factory, cookie: str
) -> None:
    app = make_app(db)
    await event_factory(**upcoming())
    await answer(app, "/events/konferenz", "de")
    cached = await answer(app, "/events/konferenz", "de", token=cookie)
    assert cached == await answer(make_app(db), "/events/konferenz", "de", token=cookie)


async def test_visitors_missing_the_same_page_at_once_wait_for_one_render(
    db: Database, make_app, event_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.web import pages
    from app.web.controllers import public

    rendered: list[str] = []
    render = pages.event_page

    def counting_render(*args: Any, **kwargs: Any) -> Any:
        rendered.append("event")
        return render(*args, **kwargs)

    monkeypatch.setattr(public, "event_page", counting_render)
    app = make_app(db)
    await event_factory(**upcoming())
    async with SameLoopTestClient(app) as client:
        client.cookies.set("treffpunkt_csrf", TOKEN)
        answers = await asyncio.gather(*(client.get("/events/konferenz") for _ in range(20)))
    assert {response.status_code for response in answers} == {200}
    assert len({response.content for response in answers}) == 1
    assert rendered == ["event"]


async def test_a_stored_page_is_answered_before_litestars_routing_and_middleware(
    db: Database, make_app, event_factory
) -> None:
    app = make_app(db)
    await event_factory(**upcoming())
    reached: list[str] = []
    handler = app.asgi_handler

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await handler(scope, receive, send)

    app.asgi_handler = counting
    first = await answer(app, "/events/konferenz", "de")
    second = await answer(app, "/events/konferenz", "de")
    assert reached == ["/events/konferenz"]
    assert second == first == await answer(make_app(db), "/events/konferenz", "de")


@pytest.mark.parametrize("https", [False, True])
async def test_security_headers_of_a_stored_page_are_those_of_a_fresh_one(
    db: Database, settings: Settings, clock: ManualClock, event_factory, https: bool
) -> None:
    scheme = "https" if https else "http"
    secure = dataclasses.replace(settings, base_url=f"{scheme}://treffpunkt.example")
    app = create_app(secure, database=db, clock=clock)
    await event_factory(**upcoming())
    await answer(app, "/events/konferenz", "en")
    cached = await answer(app, "/events/konferenz", "en")
    fresh = await answer(create_app(secure, database=db, clock=clock), "/events/konferenz", "en")
    assert cached == fresh
    assert ("strict-transport-security" in dict(cached.headers)) is https


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "kein host/"},
        {"If-None-Match": '"x"'},
        {"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"},
        {"Range": "bytes=0-10"},
    ],
)
async def test_head_and_conditional_requests_get_litestars_own_answer(
    db: Database, make_app, event_factory, headers: dict[str, str]
) -> None:
    app = make_app(db)
    await event_factory(**upcoming())
    for path in ("/events/konferenz", "/events/konferenz.ics", "/"):
        await answer(app, path, "de")  # stored (the calendar file in its own entry)

        async def ask(target: Litestar, method: str, path: str = path) -> Answer:
            async with SameLoopTestClient(target) as client:
                client.cookies.set("treffpunkt_csrf", TOKEN)
                response = await client.request(method, path, headers=headers)
            # Litestar lists the allowed methods of a 405 in no fixed order.
            listed = [
                (name, ", ".join(sorted(value.split(", "))) if name == "allow" else value)
                for name, value in response.headers.multi_items()
            ]
            return Answer(response.status_code, sorted(listed), response.content)

        for method in ("GET", "HEAD"):
            assert await ask(app, method) == await ask(make_app(db), method), (path, method)


async def test_the_language_cookie_chooses_the_stored_page(
    db: Database, make_app, event_factory
) -> None:
    app = make_app(db)
    await event_factory(**upcoming(translations={}))
    async with SameLoopTestClient(app) as client:
        client.cookies.set("treffpunkt_csrf", TOKEN)
        german = await client.get("/events/konferenz", headers={"Accept-Language": "de"})
        chosen = await client.get("/events/konferenz?lang=en")
        assert "set-cookie" in chosen.headers
        for _ in range(2):  # rendered, then stored
            english = await client.get("/events/konferenz", headers={"Accept-Language": "de"})
            assert english.headers["content-language"] == "en"
            assert '<html lang="en"' in english.text
            assert "set-cookie" not in english.headers
        client.cookies.delete("treffpunkt_lang")
        again = await client.get("/events/konferenz", headers={"Accept-Language": "de"})
        assert again.text == german.text
