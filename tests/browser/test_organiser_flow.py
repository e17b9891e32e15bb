"""The organisers' main flow in a real browser against a real server.

Sign in, create and publish an event, register for it as someone else in a second browser
context, find the registration in the list, check the person in at the door (and undo), and
download the three exports and open them. Everything goes through the pages; only the organiser
account is made beforehand, with ``python -m app create-organiser``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
from playwright.sync_api import Download, Locator, Page, expect

from tests.browser.conftest import ORGANISER_NAME, LiveServer, sign_in

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserContextFactory

TITLE = "Werkstatt Kommunalpartnerschaften Dortmund–Schytomyr"
FUNDING_NOTE = "Gefördert von Engagement Global mit Mitteln des BMZ."
FIRST_NAME = "Олена"
LAST_NAME = "Jürgens"
FULL_NAME = f"{FIRST_NAME} {LAST_NAME}"
EMAIL = "olena.juergens@example.org"
#: Markup and a spreadsheet formula: escaped on the pages, neutralised in the exports.
ORGANISATION = '=HYPERLINK("x")<b>'

pytestmark = pytest.mark.browser

#: The event's dashboard, perhaps with a notice in the query.
_EVENT_PATH = re.compile(r"/organiser/events/(\d+)(\?[^/]*)?$")


def field(page: Page, label: str) -> Locator:
    """The form control labelled exactly ``label`` (a required field's "*" aside)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def _local_start() -> dt.datetime:
    """Four weeks ahead, 10:00 in Berlin: well inside any registration window."""
    day = dt.datetime.now(ZoneInfo("Europe/Berlin")).date() + dt.timedelta(days=28)
    return dt.datetime.combine(day, dt.time(10, 0))


def create_and_publish_event(page: Page) -> tuple[int, str]:
    """Create the event through the form, publish it; returns its id and public path."""
    page.goto("/organiser/")
    # A link, perhaps dressed as a button.
    new = page.get_by_role("link", name="Neue Veranstaltung")
    new.or_(page.get_by_role("button", name="Neue Veranstaltung")).click()
    expect(page).to_have_url(re.compile(r"/organiser/events/new$"))
    starts = _local_start()
    field(page, "Titel").fill(TITLE)
    field(page, "Format").select_option(label="Vor Ort")
    field(page, "Beginn").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    field(page, "Ende").fill((starts + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"))
    field(page, "Zeitzone").select_option("Europe/Berlin")
    field(page, "Veranstaltungsort").fill("Rathaus Dortmund, Bürgersaal")
    field(page, "Adresse").fill("Friedensplatz 1\n44135 Dortmund")
    field(page, "Plätze vor Ort").fill("30")
    field(page, "Förderhinweis").fill(FUNDING_NOTE)
    page.get_by_role("button", name="Speichern").click()

    expect(page).to_have_url(_EVENT_PATH)
    match = _EVENT_PATH.search(page.url)
    assert match is not None
    event_id = int(match.group(1))
    page.get_by_role("button", name="Veröffentlichen").click()
    public = page.get_by_role("link", name="Öffentliche Seite")
    expect(public).to_be_visible()
    href = public.get_attribute("href") or ""
    assert re.fullmatch(r"(https?://[^/]+)?/events/[a-z0-9-]+", href), href
    return event_id, "/events/" + href.rsplit("/events/", 1)[1]


def register_as_attendee(page: Page) -> None:
    """On the event's public page, fill the registration form as a stranger would, send it."""
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".funding")).to_have_text(FUNDING_NOTE)
    # The form's times were the event's local time.
    expect(page.locator(".when")).to_contain_text("10:00")
    expect(page.locator(".when")).to_contain_text("16:00")
    expect(page.locator(".place")).to_contain_text("Rathaus Dortmund, Bürgersaal")
    field(page, "Vorname").fill(FIRST_NAME)
    field(page, "Nachname").fill(LAST_NAME)
    field(page, "E-Mail-Adresse").fill(EMAIL)
    field(page, "Organisation").fill(ORGANISATION)
    field(page, "Funktion").fill("Referentin für Städtepartnerschaften")
    page.get_by_label("Ich bin mit der Verarbeitung meiner Angaben").check()
    page.get_by_role("button", name="Verbindlich anmelden").click()

    expect(page).to_have_url(re.compile(r"/r/[^/?]+\?new=1$"))
    expect(page.get_by_role("status").first).to_contain_text("Sie sind angemeldet")
    expect(page.locator(".details")).to_contain_text(FULL_NAME)


def check_registration_listed(page: Page, base: str) -> None:
    """The registrations list shows the person, the organisation as plain text."""
    page.goto(f"{base}/registrations")
    expect(page.locator("#shown")).to_have_text("1 von 1 angezeigt.")
    row = page.get_by_role("row").filter(has_text=FULL_NAME)
    expect(row).to_have_count(1)
    # The first cell is the row's selection box.
    expect(row.get_by_role("cell").nth(2)).to_have_text(ORGANISATION)
    expect(row.get_by_role("cell").nth(3)).to_have_text(EMAIL)
    expect(row).to_contain_text("bestätigt")
    # The "<b>" is text, not an element: the page escaped it.
    expect(page.locator("main td b, td b")).to_have_count(0)
    # The search finds her by a part of the Cyrillic first name.
    field(page, "Suche (Name, E-Mail, Organisation)").fill("Олен")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator("#shown")).to_have_text("1 von 1 angezeigt.")


def check_in_at_the_door(page: Page, base: str) -> None:
    """Search the person on the door page, let her in, undo, let her in again."""
    page.goto(f"{base}/check-in")
    count = page.locator("#checked-in-count")
    expect(count).to_contain_text("0 von 1")
    page.get_by_role("searchbox", name="Name, E-Mail oder Organisation suchen").fill(LAST_NAME)
    page.get_by_role("button", name="Suchen").click()
    card = page.locator("article").filter(has_text=FULL_NAME)
    expect(card).to_have_count(1)

    card.get_by_role("button", name="Einlassen").click()
    card = page.locator("article").filter(has_text=FULL_NAME)
    expect(card).to_contain_text("Eingelassen um")
    expect(count).to_contain_text("1 von 1")
    card.get_by_role("button", name="Einlass zurücknehmen").click()
    card = page.locator("article").filter(has_text=FULL_NAME)
    expect(card.get_by_role("button", name="Einlassen")).to_be_visible()
    expect(count).to_contain_text("0 von 1")
    card.get_by_role("button", name="Einlassen").click()
    expect(page.locator("article").filter(has_text=FULL_NAME)).to_contain_text("Eingelassen um")
    expect(count).to_contain_text("1 von 1")

    page.goto(f"{base}/registrations")
    expect(page.get_by_role("row").filter(has_text=FULL_NAME)).to_contain_text("(eingelassen)")


def download(page: Page, link_name: str, folder: Path) -> Path:
    """Click a download link and keep the file under its suggested name."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    file: Download = info.value
    assert file.failure() is None
    target = folder / file.suggested_filename
    file.save_as(target)
    return target


def check_exports(page: Page, base: str, folder: Path) -> None:
    """Download CSV, Excel and the signature list from the registrations page and read them."""
    page.goto(f"{base}/registrations")

    csv_file = download(page, "CSV", folder)
    assert csv_file.name.endswith("-anmeldungen.csv")
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "German Excel needs the UTF-8 byte-order mark"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:5] == ["Nr.", "Vorname", "Nachname", "E-Mail", "Organisation"]
    (person,) = (row for row in rows[1:] if row[1] == FIRST_NAME)
    assert person[2] == LAST_NAME
    assert person[3] == EMAIL
    assert person[header.index("Organisation")] == "'" + ORGANISATION

    xlsx_file = download(page, "Excel", folder)
    assert xlsx_file.name.endswith("-anmeldungen.xlsx")
    workbook = openpyxl.load_workbook(xlsx_file)
    try:
        sheet = workbook.active
        assert sheet is not None
        table = list(sheet.iter_rows())
        titles = [cell.value for cell in table[0]]
        (cells,) = (row for row in table[1:] if row[1].value == FIRST_NAME)
        assert cells[2].value == LAST_NAME
        organisation = cells[titles.index("Organisation")]
        assert organisation.value == ORGANISATION
        assert organisation.data_type == "s", "the organisation must be text, not a formula"
    finally:
        workbook.close()

    pdf_file = download(page, "Unterschriftenliste (PDF)", folder)
    assert pdf_file.name.endswith("-unterschriftenliste.pdf")
    assert pdf_file.read_bytes().startswith(b"%PDF-")
    text = " ".join(page_.extract_text() for page_ in pypdf.PdfReader(pdf_file).pages)
    flat = " ".join(text.split())
    assert FULL_NAME in flat
    assert FUNDING_NOTE in flat
    assert TITLE in flat


def test_organiser_publishes_an_event_and_handles_a_registration(
    live_server: LiveServer, new_context: BrowserContextFactory, tmp_path: Path
) -> None:
    organiser = new_context().new_page()
    organiser.goto("/organiser/sign-in")
    sign_in(organiser)
    expect(organiser).to_have_url(live_server.url("/organiser/"))
    expect(organiser.get_by_text(f"Angemeldet als {ORGANISER_NAME}")).to_be_visible()

    event_id, public_path = create_and_publish_event(organiser)
    base = f"/organiser/events/{event_id}"

    # A second context: separate cookies, nobody signed in. The event is on the start page.
    attendee = new_context().new_page()
    attendee.goto("/")
    attendee.get_by_role("link", name=TITLE).click()
    expect(attendee).to_have_url(live_server.url(public_path))
    register_as_attendee(attendee)
    attendee.goto(f"{base}/registrations")
    expect(attendee).to_have_url(re.compile(r"/organiser/sign-in\?next="))

    check_registration_listed(organiser, base)
    check_in_at_the_door(organiser, base)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    check_exports(organiser, base, downloads)


def test_sign_in_returns_to_the_deep_page_asked_for(
    live_server: LiveServer, new_context: BrowserContextFactory
) -> None:
    context = new_context()
    # A session cookie the server cannot read (expired, or sealed with another key) counts
    # as none.
    context.add_cookies(
        [
            {
                "name": "treffpunkt_session",
                "value": "bm90IGEgc2Vzc2lvbg==",
                "url": live_server.url("/"),
            }
        ]
    )
    page = context.new_page()
    deep = "/organiser/outbox?status=failed"
    page.goto(deep)
    expect(page).to_have_url(re.compile(r"/organiser/sign-in\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung für Organisatoren")

    # A wrong password keeps the destination.
    sign_in(page, password="not-the-password-at-all")
    expect(page.get_by_role("alert")).to_contain_text("Die Anmeldung hat nicht geklappt.")
    sign_in(page)
    expect(page).to_have_url(live_server.url(deep))
    expect(page.get_by_role("heading", level=1)).to_have_text("Postausgang")
    expect(page.locator("nav[aria-label=Filter] strong")).to_have_text("Fehlgeschlagen")

    # Signing out ends the session: the organiser pages ask for the sign-in again.
    page.goto("/organiser/")
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("status")).to_have_text("Sie sind abgemeldet.")
    page.goto("/organiser/")
    expect(page).to_have_url(re.compile(r"/organiser/sign-in\?next=%2Forganiser"))
    assert re.search(r"\?next=%2Forganiser(%2F)?$", page.url), page.url


def test_two_factor_enrolment_then_sign_in_with_a_recovery_code(
    live_server: LiveServer, new_context: BrowserContextFactory
) -> None:
    """The server runs on the machine's clock, so the one TOTP code typed here is computed at
    that time; the later sign-in takes a recovery code, which no time step can spoil."""
    import pyotp

    from tests.browser.test_accessibility import check
    from tests.browser.test_page_widths import _too_wide

    page = new_context().new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/organiser/sign-in")
    sign_in(page)
    # The start page's link says whether it is on; the workspace's navigation has one too.
    page.get_by_role("link", name=re.compile("Zwei-Faktor-Anmeldung: ausgeschaltet")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zwei-Faktor-Anmeldung")
    expect(page.locator("svg.qr-code")).to_be_visible()
    assert _too_wide(page) is None
    check(page, "two-factor enrolment (390 px)")
    secret = page.get_by_label("Schlüssel").input_value().replace(" ", "")
    page.get_by_label("Code aus der App").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Einschalten").click()
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert _too_wide(page) is None
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("button", name="Abmelden").click()

    page.goto("/organiser/outbox")
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung: zweiter Schritt")
    assert _too_wide(page) is None
    # Nothing behind the sign-in opens yet.
    page.goto("/organiser/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung: zweiter Schritt")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Bestätigen").click()
    # On to the page asked for before the password.
    expect(page.get_by_role("heading", level=1)).to_have_text("Postausgang")
    page.goto("/organiser/")
    expect(page.get_by_role("link", name="Zwei-Faktor-Anmeldung: eingeschaltet")).to_be_visible()
