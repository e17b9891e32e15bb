"""Zoom on the web: the personal join link leads to the registrant's own Zoom URL, and the
organisers' Zoom page asks for the meeting, shows states and errors (escaped, no secrets) and
sets stopped rows going again — each an audited action behind CSRF."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.db.database import Database
from app.db.tables import AuditEntry
from app.db.tables import Event as EventTable
from app.domain.audit import AuditAction
from app.domain.model import EventFormat, Seats
from app.services import event_admin, organisers, zoom
from app.services.zoom import ZoomReconciler
from app.settings import Settings
from app.web.event_form import parse_event_form
from tests.clock import ManualClock
from tests.conftest import registration_form
from tests.web.conftest import (
    SECRETS,
    SameLoopTestClient,
    cookie_token,
    submit,
    token_from,
    upcoming,
)
from tests.web.test_organiser_events import full_form
from tests.web.test_organisers import EMAIL, PASSWORD, sign_in
from tests.zoom_standin import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, ZoomStandIn, running_standin


@pytest.fixture
def standin() -> Iterator[ZoomStandIn]:
    with running_standin() as server:
        yield server


@pytest.fixture
def settings(database_url: str, standin: ZoomStandIn) -> Settings:
    """The web app's settings with Zoom pointing at the stand-in."""
    return Settings(
        database_url=database_url,
        secret_key="x" * 32,
        debug=True,
        mail_sender_in_serve=False,
        zoom_account_id=ACCOUNT_ID,
        zoom_client_id=CLIENT_ID,
        zoom_client_secret=CLIENT_SECRET,
        zoom_api_url=standin.api_url,
        zoom_oauth_url=standin.oauth_url,
        zoom_timeout=5.0,
        zoom_max_attempts=2,
    )


@pytest.fixture
async def reconciler(
    db: Database, settings: Settings, clock: ManualClock
) -> AsyncIterator[ZoomReconciler]:
    worker = ZoomReconciler(db, settings, clock=clock)
    yield worker
    await worker.client.close()


async def online_event(event_factory, **overrides: object):
    return await event_factory(
        **upcoming(
            format=EventFormat.ONLINE,
            in_person_seats=Seats(None, 0),
            online_seats=Seats(50, 0),
            **overrides,
        )
    )


async def register(client: AsyncTestClient, slug: str, email: str, **form: str) -> str:
    response = await submit(client, slug, registration_form(email, **form))
    assert response.status_code == 303, response.text
    return token_from(response.headers["location"])


@pytest.mark.parametrize("with_shared_link", [True, False])
async def test_each_registrant_is_sent_to_their_own_zoom_url(
    db: Database,
    client: AsyncTestClient,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    now,
    with_shared_link: bool,
) -> None:
    overrides = {} if with_shared_link else {"online_access": None}
    event = await online_event(event_factory, **overrides)
    await zoom.request_meeting(db, event.id, now=now, actor=None)
    first = await register(client, event.slug, "olena@example.org")
    second = await register(client, event.slug, "jonas@example.org", first_name="Jonas")
    # Before Zoom has them: the shared link as before (or "no access yet").
    before = await client.get(f"/j/{first}", follow_redirects=False)
    assert before.status_code == (302 if with_shared_link else 403)

    await reconciler.sync()

    [meeting] = standin.meetings.values()
    urls = {r.email: r.join_url for r in meeting.registrants.values()}
    to_first = await client.get(f"/j/{first}", follow_redirects=False)
    to_second = await client.get(f"/j/{second}", follow_redirects=False)
    assert to_first.status_code == to_second.status_code == 302
    assert to_first.headers["location"] == urls["olena@example.org"]
    assert to_second.headers["location"] == urls["jonas@example.org"]
    assert to_first.headers["cache-control"] == "no-store"
    assert to_first.headers["referrer-policy"] == "no-referrer"

    # Cancelled: no way in, neither the personal URL nor the shared one.
    page = await client.get(f"/r/{first}")
    assert page.status_code == 200
    cancel = await client.post(
        f"/r/{first}/cancel",
        data={"_csrf_token": cookie_token(client), "confirm": "yes"},
        follow_redirects=False,
    )
    assert cancel.status_code in (200, 303), cancel.text
    await reconciler.sync()
    refused = await client.get(f"/j/{first}", follow_redirects=False)
    assert refused.status_code == 403
    assert urls["olena@example.org"] not in refused.text
    assert [r.status for r in meeting.registrants.values()] == ["cancelled", "approved"]


async def test_the_organisers_zoom_page_asks_shows_and_retries(
    db: Database,
    client: AsyncTestClient,
    event_factory,
    reconciler: ZoomReconciler,
    standin: ZoomStandIn,
    now,
) -> None:
    await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")
    event = await online_event(event_factory, title="Runde <b>fett</b>")
    await register(client, event.slug, "a@example.org", first_name="<script>x</script>")
    await sign_in(client)
    page = await client.get(f"/organiser/events/{event.id}/zoom")
    assert page.status_code == 200
    assert 'id="zoom-request"' in page.text
    assert "Runde &lt;b&gt;fett&lt;/b&gt;" in page.text
    overview = await client.get(f"/organiser/events/{event.id}")
    assert f'href="/organiser/events/{event.id}/zoom"' in overview.text

    refused = await client.post(f"/organiser/events/{event.id}/zoom/request", data={})
    assert refused.status_code == 403
    assert await zoom.status(event.id) is None
    asked = await client.post(
        f"/organiser/events/{event.id}/zoom/request",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert asked.status_code == 303

    standin.fail(400, match="/registrants")
    await reconciler.sync()
    page = await client.get(f"/organiser/events/{event.id}/zoom")
    assert page.status_code == 200
    html = page.text
    assert 'data-state="synced"' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x</script>" not in html
    assert "HTTP 400: stand-in says 400" in html
    assert 'id="zoom-retry"' in html
    for secret in (*SECRETS, CLIENT_SECRET, "tk=", "standin-token"):
        assert secret not in html

    retried = await client.post(
        f"/organiser/events/{event.id}/zoom/retry",
        data={"_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    await reconciler.sync()
    page = await client.get(f"/organiser/events/{event.id}/zoom")
    assert 'id="zoom-problems"' not in page.text
    assert 'id="zoom-retry"' not in page.text
    assert "tk=" not in page.text
    entries = await AuditEntry.select().where(AuditEntry.event == event.id).order_by(AuditEntry.id)
    assert [(entry["action"], entry["organiser_name"]) for entry in entries] == [
        (AuditAction.ZOOM_MEETING_REQUESTED.value, "Olena Koval"),
        (AuditAction.ZOOM_RETRIED.value, "Olena Koval"),
    ]


async def test_without_zoom_settings_the_page_says_so_and_nothing_is_asked(
    db: Database, event_factory, database_url: str, clock: ManualClock
) -> None:
    plain = Settings(
        database_url=database_url, secret_key="x" * 32, debug=True, mail_sender_in_serve=False
    )
    assert not plain.zoom_enabled
    await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")
    event = await online_event(event_factory)
    async with SameLoopTestClient(create_app(plain, database=db, clock=clock)) as client:
        await sign_in(client)
        page = await client.get(f"/organiser/events/{event.id}/zoom")
        assert page.status_code == 200
        assert 'id="zoom-off"' in page.text
        assert 'id="zoom-request"' not in page.text
        asked = await client.post(
            f"/organiser/events/{event.id}/zoom/request",
            data={"_csrf_token": cookie_token(client)},
            follow_redirects=False,
        )
        assert asked.status_code == 303
    assert await zoom.status(event.id) is None


async def test_the_zoom_page_needs_a_signed_in_organiser(
    client: AsyncTestClient, event_factory
) -> None:
    event = await online_event(event_factory)
    page = await client.get(f"/organiser/events/{event.id}/zoom", follow_redirects=False)
    assert page.status_code in (302, 303, 401)
    posted = await client.post(f"/organiser/events/{event.id}/zoom/request", data={})
    assert posted.status_code in (302, 303, 401, 403)
    assert await zoom.status(event.id) is None


async def test_the_event_form_offers_the_meeting_and_asks_for_it(
    db: Database, client: AsyncTestClient, reconciler: ZoomReconciler, standin: ZoomStandIn
) -> None:
    await organisers.create_organiser(db, EMAIL, PASSWORD, "Olena Koval")
    await sign_in(client)
    page = await client.get("/organiser/events/new")
    assert 'id="f-zoom_meeting"' in page.text
    form = full_form(title="Hybride Runde", slug="hybride-runde", zoom_meeting="on")
    created = await client.post(
        "/organiser/events/new",
        data={**form, "_csrf_token": cookie_token(client)},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    event_id = int(created.headers["location"].split("/events/")[1].split("?")[0])
    await reconciler.sync()
    [meeting] = standin.meetings.values()
    assert meeting.payload["topic"] == "Hybride Runde"
    # Asked for once: the edit form no longer offers it.
    edit = await client.get(f"/organiser/events/{event_id}/edit")
    assert 'id="f-zoom_meeting"' not in edit.text


async def test_an_event_is_not_created_when_asking_for_its_meeting_fails(
    db: Database, now, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: a failure after the insert leaves no event that submitting the form
    again would make a second time."""

    async def failing(*args: object, **kwargs: object) -> bool:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(zoom, "request_meeting", failing)
    form = full_form(title="Hybride Runde", slug="hybride-runde", zoom_meeting="on")
    with pytest.raises(ConnectionError):
        await event_admin.create_event(db, parse_event_form(form), now, zoom_meeting=True)
    assert not await EventTable.exists().where(EventTable.slug == "hybride-runde")
    assert not await AuditEntry.exists()
