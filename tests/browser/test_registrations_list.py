"""The organisers' registrations list in a real browser, on a phone and a laptop.

Two people register for the sample event that asks questions; the organiser finds them in the
list, whose filters fit at 390 px (labels on one line, a normal-size button) and whose table
scrolls in its own focusable region while the page does not; "all on this page" ticks every
row, and a bulk check-in goes through its confirmation page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import _register, check, with_samples
from tests.browser.test_page_widths import _too_wide

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserContextFactory, LiveServer

pytestmark = pytest.mark.browser

__all__ = ["with_samples"]

SAMPLE = "/events/beispiel-auftaktveranstaltung-reallabor-ukraine"
TITLE = "Auftaktveranstaltung Reallabor"


def _label_lines(page: Page) -> list[str]:
    """The filter labels that take more than one line (a word split, or squeezed)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("#filters .reg-filter > label")]
          .filter(label => {
            const line = parseFloat(getComputedStyle(label).lineHeight) || 24;
            return label.getBoundingClientRect().height > line * 1.5;
          })
          .map(label => label.textContent.trim())"""
    )


def test_the_list_on_a_phone_and_a_laptop(
    with_samples: LiveServer, new_context: BrowserContextFactory
) -> None:
    visitor = new_context().new_page()
    for email in ("eins@example.org", "zwei@example.org"):
        visitor.goto(SAMPLE)
        _register(visitor, email)
        expect(visitor).to_have_url(re.compile(r"/r/"))

    page = new_context().new_page()
    page.goto("/organiser/")
    sign_in(page)
    page.get_by_role("link", name=re.compile(TITLE)).first.click()
    match = re.search(r"/organiser/events/(\d+)", page.url)
    assert match
    base = f"/organiser/events/{match.group(1)}/registrations"
    page.goto(base)
    rows = page.locator("#registrations tbody tr")
    expect(rows).to_have_count(2)
    # The event's questions are columns.
    expect(page.locator("#registrations thead")).to_contain_text("Verpflegung")

    for width in (360, 390, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        assert _too_wide(page) is None, (width, _too_wide(page))
        assert _label_lines(page) == [], width
        button = page.get_by_role("button", name="Anzeigen", exact=True).bounding_box()
        assert button is not None
        assert button["width"] < 200, (width, button)
        for select in page.locator("#filters select").all():
            clipped = select.evaluate("s => s.scrollWidth > s.clientWidth + 1")
            assert not clipped, width
    page.set_viewport_size({"width": 390, "height": 800})
    region = page.get_by_role("region", name=re.compile("Anmeldungen, Seite 1 von 1"))
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # it scrolls, not the page
    check(page, "registrations list (390 px)")

    # Choose the columns: only one question.
    page.get_by_text("Spalten", exact=True).click()
    photos = page.locator("#columns input[value=fotos]")
    expect(photos).to_be_visible()
    photos.uncheck()
    page.get_by_role("button", name="Anzeigen", exact=True).click()
    expect(page.locator("#registrations thead")).not_to_contain_text("Fotos")
    expect(page.locator("#registrations thead")).to_contain_text("Verpflegung")

    # All on this page, then check in after the confirmation.
    page.locator("[data-select-all]").check()
    for box in page.locator("input[name=r]").all():
        expect(box).to_be_checked()
    page.get_by_role("button", name="Einlassen", exact=True).click()
    expect(page.locator("#affected li")).to_have_count(2)
    assert _too_wide(page) is None
    page.get_by_role("button", name="2 Personen einlassen").click()
    expect(page.locator("#notice")).to_contain_text("2 Personen wurden eingelassen.")
    expect(page.locator(".reg-attended time")).to_have_count(2)
    # The chosen columns came back with the list.
    expect(page.locator("#registrations thead")).not_to_contain_text("Fotos")
