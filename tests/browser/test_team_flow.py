"""An organising team in a real browser: roles, a co-hosted event, the door, the funder's proof.

An administrator makes an event manager and a door-staff account; the manager creates and
publishes an event together with a co-host and puts the door account on its team; two people
register; the door account checks one of them in on a phone-sized screen and can open nothing
else; the manager downloads the funder report and the certificates of attendance; the audit log
shows every step. Only the administrator is made beforehand (``create-organiser``); everything
else goes through the pages, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, sign_in
from tests.browser.test_organiser_flow import download, field
from tests.browser.test_page_widths import _too_wide

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserContextFactory

pytestmark = pytest.mark.browser

TITLE = "Partnerschaftstreffen Dortmund–Schytomyr"
CO_HOST = "Stadt Dortmund"
FUNDING_NOTE = "Gefördert von der Staatskanzlei des Landes Nordrhein-Westfalen."
MANAGER = ("leitung@example.org", "Mara Leitung", "leitung-passwort-42")
DOOR = ("einlass@example.org", "Dietmar Tür", "einlass-passwort-42")
#: Who registers: the first comes and is let in, the second does not come.
CAME = ("Олена", "Коваль", "olena.koval@example.org", "Stadt Schytomyr")
STAYED_AWAY = ("Jonas", "Weber", "jonas.weber@example.org", "Kreis Unna")

_EVENT_PATH = re.compile(r"/organiser/events/(\d+)(\?[^/]*)?$")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").first.click()
    expect(page.get_by_role("status")).to_have_text("Sie sind abgemeldet.")


def create_account(page: Page, account: tuple[str, str, str], role: str) -> None:
    """On the accounts page, make an account with ``role`` (its label)."""
    email, name, password = account
    page.goto("/organiser/accounts")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Konto anlegen"))
    form.get_by_label("E-Mail-Adresse").fill(email)
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Passwort").fill(password)
    form.get_by_label("Rolle").select_option(label=role)
    form.get_by_role("button", name="Konto anlegen").click()
    expect(page.locator("article").filter(has_text=email)).to_contain_text(role)


def create_co_hosted_event(page: Page) -> int:
    """As the manager: the event with its co-host, published; returns its id."""
    page.goto("/organiser/")
    # A link dressed as a button.
    page.get_by_role("button", name="Neue Veranstaltung").click()
    day = dt.datetime.now(ZoneInfo("Europe/Berlin")).date() + dt.timedelta(days=21)
    starts = dt.datetime.combine(day, dt.time(10, 0))
    field(page, "Titel").fill(TITLE)
    field(page, "Format").select_option(label="Vor Ort")
    field(page, "Beginn").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    field(page, "Ende").fill((starts + dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"))
    field(page, "Zeitzone").select_option("Europe/Berlin")
    field(page, "Veranstaltungsort").fill("Rathaus Dortmund, Bürgersaal")
    field(page, "Adresse").fill("Friedensplatz 1\n44135 Dortmund")
    field(page, "Plätze vor Ort").fill("40")
    field(page, "Mitveranstaltende Organisation").fill(CO_HOST)
    field(page, "Förderhinweis").fill(FUNDING_NOTE)
    page.get_by_role("button", name="Speichern").click()
    expect(page).to_have_url(_EVENT_PATH)
    match = _EVENT_PATH.search(page.url)
    assert match is not None
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_role("link", name="Öffentliche Seite")).to_be_visible()
    return int(match.group(1))


def put_on_the_door(page: Page, event_id: int) -> None:
    """As the manager: the door account joins the event's team."""
    page.goto(f"/organiser/events/{event_id}")
    page.locator("nav.event-tabs").get_by_role("link", name="Team").click()
    page.get_by_label("E-Mail-Adresse des Kontos").fill(DOOR[0])
    page.get_by_role("radio", name="Einlass").check()
    page.get_by_role("button", name="Einteilen").click()
    expect(page.locator("main")).to_contain_text(DOOR[1])


def register(page: Page, person: tuple[str, str, str, str]) -> None:
    """A stranger registers on the public page, which names the co-host."""
    first, last, email, organisation = person
    page.goto("/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".co-host")).to_have_text(f"Gemeinsam mit {CO_HOST}")
    field(page, "Vorname").fill(first)
    field(page, "Nachname").fill(last)
    field(page, "E-Mail-Adresse").fill(email)
    field(page, "Organisation").fill(organisation)
    page.get_by_label("Ich bin mit der Verarbeitung meiner Angaben").check()
    page.get_by_role("button", name="Verbindlich anmelden").click()
    expect(page).to_have_url(re.compile(r"/r/[^/?]+\?new=1$"))


def check_in_on_a_phone(page: Page, event_id: int) -> None:
    """As the door account at 390 px: its only event, one person let in, nothing else open."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/organiser/")
    # The start page offers this event's door and no management.
    page.get_by_role("link", name="Einlass").first.click()
    expect(page).to_have_url(re.compile(rf"/organiser/events/{event_id}/check-in"))
    assert _too_wide(page) is None
    expect(page.locator("nav.event-tabs a")).to_have_text(["Einlass"])
    expect(page.locator("main")).not_to_contain_text(CAME[2])
    card = page.locator("article").filter(has_text=f"{CAME[0]} {CAME[1]}")
    card.get_by_role("button", name="Einlassen").click()
    expect(page.locator("article").filter(has_text=CAME[1])).to_contain_text("Eingelassen um")
    expect(page.locator("#checked-in-count")).to_contain_text("1 von 2")
    assert _too_wide(page) is None
    # Exports, the list and the accounts are closed to the door.
    for closed in (
        f"/organiser/events/{event_id}/registrations.csv",
        f"/organiser/events/{event_id}/registrations",
        f"/organiser/events/{event_id}/report.xlsx",
        "/organiser/accounts",
    ):
        response = page.request.get(closed)
        assert response.status == 403, closed


def funder_proof(page: Page, event_id: int, folder: Path) -> None:
    """As the manager: the funder report (page, Excel) and the certificates of who came."""
    page.goto(f"/organiser/events/{event_id}")
    page.locator("nav.event-tabs").get_by_role("link", name="Bericht").click()
    expect(page.locator("main")).to_contain_text(FUNDING_NOTE)
    report = download(page, "Als Excel-Datei herunterladen", folder)
    # Read-only workbooks keep their file open until closed (a ResourceWarning otherwise).
    workbook = openpyxl.load_workbook(report, read_only=True)
    try:
        cells = [
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
    finally:
        workbook.close()
    assert TITLE in " ".join(cells)

    page.locator("nav.event-tabs").get_by_role("link", name="Online-Teilnahme").click()
    certificates = download(page, "Alle Teilnahmebescheinigungen herunterladen (PDF)", folder)
    pdf = pypdf.PdfReader(certificates)
    text = " ".join(sheet.extract_text() for sheet in pdf.pages)
    # One page, for the one who came, in her language (German here), with the co-host.
    assert len(pdf.pages) == 1
    assert f"{CAME[0]} {CAME[1]}" in text
    assert STAYED_AWAY[1] not in text
    assert TITLE in text.replace("\n", " ")


def audit_shows_every_step(page: Page, event_id: int) -> None:
    """As the administrator: the overall log names each step and who took it."""
    page.goto("/organiser/audit")
    rows = page.locator("main tbody tr")
    for who, action in (
        (None, "Konto angelegt"),
        (MANAGER[1], "Veranstaltung angelegt"),
        (MANAGER[1], "Veranstaltung veröffentlicht"),
        (MANAGER[1], "Zur Veranstaltung eingeteilt"),
        (DOOR[1], "Eingelassen"),
        (MANAGER[1], "Export heruntergeladen"),
    ):
        matching = rows.filter(has_text=action)
        if who is not None:
            matching = matching.filter(has_text=who)
        expect(matching.first).to_be_visible()
    # The administrator's own account (from the command line) and the two made on the page.
    expect(rows.filter(has_text="Konto angelegt")).to_have_count(3)
    expect(rows.filter(has_text="Export heruntergeladen")).to_have_count(2)
    # Registrants appear by number only.
    for person in (CAME, STAYED_AWAY):
        expect(page.locator("main")).not_to_contain_text(person[1])
        expect(page.locator("main")).not_to_contain_text(person[2])


def test_a_team_runs_a_co_hosted_event_and_proves_attendance(
    live_server: LiveServer, new_context: BrowserContextFactory, tmp_path: Path
) -> None:
    admin = new_context().new_page()
    admin.goto("/organiser/sign-in")
    sign_in(admin)
    create_account(admin, MANAGER, "Veranstaltungsleitung")
    create_account(admin, DOOR, "Einlass")

    manager = new_context().new_page()
    manager.goto("/organiser/sign-in")
    sign_in(manager, MANAGER[0], MANAGER[2])
    event_id = create_co_hosted_event(manager)
    put_on_the_door(manager, event_id)

    for person in (CAME, STAYED_AWAY):
        register(new_context().new_page(), person)

    door = new_context().new_page()
    door.goto("/organiser/sign-in")
    sign_in(door, DOOR[0], DOOR[2])
    check_in_on_a_phone(door, event_id)
    _sign_out(door)

    folder = tmp_path / "downloads"
    folder.mkdir()
    funder_proof(manager, event_id, folder)

    audit_shows_every_step(admin, event_id)
