"""Zoom in a real browser against a real server and the Zoom stand-in (issue 18, "Done when").

The organiser creates an online event with "Zoom-Meeting anlegen" ticked; the server's own
reconciler creates the meeting at the stand-in. Two people register in browsers of their own and
each is led by their personal link ``/j/…`` to their own Zoom join URL (a page of the stand-in
naming them). One cancels and is removed at Zoom. After the event the participants report is
read — by a reconciler in the test on the same database, with a clock after the event, since the
server's clock is the machine's — and marks the other as attended online.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import pytest
from playwright.sync_api import Page, expect

from app.db.tables import Registration as RegistrationTable
from app.db.tables import ZoomMeeting
from app.services.zoom import ZoomReconciler
from app.settings import Settings
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_organiser_flow import _EVENT_PATH, _local_start, field
from tests.clock import ManualClock
from tests.conftest import migrated_database
from tests.zoom_standin import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, ZoomStandIn, running_standin

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserContextFactory

pytestmark = pytest.mark.browser

T = TypeVar("T")

TITLE = "Online-Runde Energiepartnerschaften"


@pytest.fixture
def standin() -> Iterator[ZoomStandIn]:
    with running_standin() as server:
        yield server


@pytest.fixture
def zoom_server(
    standin: ZoomStandIn, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> LiveServer:
    """``serve`` with Zoom pointing at the stand-in, its reconciler polling often."""
    for name, value in {
        "ZOOM_ACCOUNT_ID": ACCOUNT_ID,
        "ZOOM_CLIENT_ID": CLIENT_ID,
        "ZOOM_CLIENT_SECRET": CLIENT_SECRET,
        "ZOOM_API_URL": standin.api_url,
        "ZOOM_OAUTH_URL": standin.oauth_url,
        "ZOOM_POLL_SECONDS": "0.3",
    }.items():
        monkeypatch.setenv(name, value)
    server: LiveServer = request.getfixturevalue("live_server")
    return server


def create_online_event_with_zoom(page: Page) -> int:
    page.goto("/organiser/events/new")
    starts = _local_start()
    field(page, "Titel").fill(TITLE)
    field(page, "Format").select_option(label="Online")
    field(page, "Beginn").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    field(page, "Ende").fill((starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    field(page, "Zeitzone").select_option("Europe/Berlin")
    page.get_by_label("Zoom-Meeting anlegen").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page).to_have_url(_EVENT_PATH)
    match = _EVENT_PATH.search(page.url)
    assert match is not None
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_role("link", name="Öffentliche Seite")).to_be_visible()
    return int(match.group(1))


def register(page: Page, event_path: str, first: str, last: str, email: str) -> str:
    page.goto(event_path)
    field(page, "Vorname").fill(first)
    field(page, "Nachname").fill(last)
    field(page, "E-Mail-Adresse").fill(email)
    page.get_by_label("Ich bin mit der Verarbeitung meiner Angaben").check()
    page.get_by_role("button", name="Verbindlich anmelden").click()
    expect(page).to_have_url(re.compile(r"/r/[^/?]+\?new=1$"))
    return page.url.split("/r/")[1].split("?")[0]


def wait_for_zoom(page: Page, event_id: int, registered: int) -> None:
    """The event's Zoom page, reloaded until the server's reconciler has caught up."""
    page.goto(f"/organiser/events/{event_id}/zoom")
    for _ in range(60):
        text = page.locator("main").inner_text()
        if "mit Zoom abgeglichen" in text and f"bei Zoom angemeldet: {registered}" in text:
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError(page.locator("main").inner_text())


def test_an_online_event_gets_its_meeting_and_each_registrant_their_own_zoom_link(
    zoom_server: LiveServer, standin: ZoomStandIn, new_context: BrowserContextFactory
) -> None:
    organiser = new_context().new_page()
    organiser.goto("/organiser/sign-in")
    sign_in(organiser)
    event_id = create_online_event_with_zoom(organiser)
    public = organiser.get_by_role("link", name="Öffentliche Seite").get_attribute("href") or ""
    event_path = "/events/" + public.rsplit("/events/", 1)[1]

    olena = new_context().new_page()
    jonas = new_context().new_page()
    olena_token = register(olena, event_path, "Olena", "Koval", "olena@example.org")
    jonas_token = register(jonas, event_path, "Jonas", "Becker", "jonas@example.org")
    wait_for_zoom(organiser, event_id, 2)
    [meeting] = standin.meetings.values()
    assert meeting.payload["topic"] == TITLE

    olena.goto(f"/j/{olena_token}")
    expect(olena.get_by_role("heading", level=1)).to_have_text("Zoom: Olena Koval")
    jonas.goto(f"/j/{jonas_token}")
    expect(jonas.get_by_role("heading", level=1)).to_have_text("Zoom: Jonas Becker")
    assert olena.url != jonas.url

    # Olena cancels on her personal page; the reconciler removes her at Zoom.
    olena.goto(f"{zoom_server.base_url}/r/{olena_token}")
    olena.get_by_role("button", name="Anmeldung stornieren").click()
    olena.get_by_role("button", name="Ja, stornieren").click()
    expect(olena.get_by_role("heading", name="Ja, stornieren")).to_have_count(0)
    states: dict[str, str] = {}
    for _ in range(60):
        states = {r.email: r.status for r in meeting.registrants.values()}
        if states.get("olena@example.org") == "cancelled":
            break
        olena.wait_for_timeout(500)
    assert states == {"olena@example.org": "cancelled", "jonas@example.org": "approved"}
    olena.goto(f"{zoom_server.base_url}/j/{olena_token}")
    expect(olena.get_by_role("heading", level=1)).not_to_have_text("Zoom: Olena Koval")

    # After the event: both in the report, only Jonas still registered.
    for registrant in meeting.registrants.values():
        standin.attend(meeting.meeting_id, registrant_id=registrant.registrant_id)
    _in_a_thread(_read_report(zoom_server, standin, event_id))
    attended = _in_a_thread(_attended(zoom_server.database_url, event_id))
    assert attended == {"olena@example.org": None, "jonas@example.org": "zoom"}


def _in_a_thread(work: Coroutine[object, object, T]) -> T:
    """Run ``work`` on a loop of its own: Playwright's sync API holds this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _read_report(server: LiveServer, standin: ZoomStandIn, event_id: int) -> None:
    settings = Settings(
        database_url=server.database_url,
        secret_key="x" * 32,
        zoom_account_id=ACCOUNT_ID,
        zoom_client_id=CLIENT_ID,
        zoom_client_secret=CLIENT_SECRET,
        zoom_api_url=standin.api_url,
        zoom_oauth_url=standin.oauth_url,
    )
    async with migrated_database(server.database_url) as db:
        clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(days=60))
        worker = ZoomReconciler(db, settings, clock=clock)
        try:
            report = await worker.sync()
        finally:
            await worker.client.close()
        assert report.reports == 1
        row = await ZoomMeeting.select().where(ZoomMeeting.event == event_id).first()
        assert row is not None
        assert row["report_fetched_at"] is not None


async def _attended(database_url: str, event_id: int) -> dict[str, str | None]:
    async with migrated_database(database_url):
        rows = await RegistrationTable.select(
            RegistrationTable.email, RegistrationTable.attendance_source
        ).where(RegistrationTable.event == event_id)
    return {row["email"]: row["attendance_source"] for row in rows}
