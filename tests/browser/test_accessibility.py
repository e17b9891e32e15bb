"""Pages everyone can use: axe-core in the real browser, and the registration by keyboard only.

axe-core (the engine behind Lighthouse's accessibility audit, bundled by axe-playwright-python)
runs on every public page and each step of the registration flow, in German, English and
Ukrainian. A violation rated serious or critical fails the test; lesser ones are printed.

The axe walks are layout walks, on SQLite only (axe checks what the templates and the CSS make,
the same on both databases), and the three languages share one server seeded once. The keyboard
registration is a flow and runs on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, _run_app, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.browser.conftest import BrowserContextFactory, BrowserContextsOn

pytestmark = pytest.mark.browser

LANGUAGES = ("de", "en", "uk")
#: A sample event with a registration form open (the samples are moved into the future).
SAMPLE = "/events/beispiel-auftaktveranstaltung-reallabor-ukraine"
BLOCKING = ("serious", "critical")


def _violations(page: Page) -> list[dict[str, Any]]:
    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']}: {violation['id']} – {violation['help']} {targets}")
    return "\n".join(lines)


def check(page: Page, where: str) -> None:
    """No serious or critical axe violation on the page as it is now."""
    violations = _violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if violations:
        print(f"axe on {where}:\n{_describe(violations)}")
    assert blocking == [], f"axe on {where}:\n{_describe(blocking)}"


@pytest.fixture
def with_samples(live_server: LiveServer) -> LiveServer:
    """The live server with the three sample events loaded."""
    _run_app(["load-samples"], live_server.env)
    return live_server


@pytest.fixture(scope="module")
def samples_site(
    module_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server on SQLite with the three sample events, shared by the module's axe walks."""
    with serving(module_sqlite_url, tmp_path_factory.mktemp("axe")) as server:
        _run_app(["load-samples"], server.env)
        yield server


def _register(page: Page, email: str) -> None:
    page.locator("#f-first_name").fill("Олена")
    page.locator("#f-last_name").fill("Коваль")
    page.locator("#f-email").fill(email)
    page.locator("#f-organisation").fill("Громада Житомир")
    modes = page.locator("input[name=mode]")
    if modes.count():
        modes.first.check()
    for question in page.locator("[id^=f-q_][id$=-field]").all():
        radio = question.locator("input[type=radio]")
        if radio.count():
            radio.first.check()
        select = question.locator("select")
        if select.count():
            select.select_option(index=1)
    page.locator("#f-consent").check()
    page.locator("form[action$='/register'] button[type=submit]").click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_and_the_registration_flow_pass_axe(
    samples_site: LiveServer, browser_contexts: BrowserContextsOn, language: str
) -> None:
    page = browser_contexts(samples_site).new_page()
    query = f"?lang={language}"
    for path in ("/", "/past", "/privacy", "/organiser/sign-in", "/gibt-es-nicht"):
        page.goto(path + query)
        expect(page.locator("html")).to_have_attribute("lang", language)
        check(page, f"{path} ({language})")

    page.goto(SAMPLE + query)
    expect(page.locator("html")).to_have_attribute("lang", language)
    check(page, f"event page ({language})")

    # The form sent empty: the error summary and every field's message.
    page.locator("form[action$='/register'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, f"event page with errors ({language})")

    _register(page, f"olena.{language}@example.org")
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+"))
    check(page, f"personal page ({language})")


def test_registration_with_the_keyboard_only(
    with_samples: LiveServer, new_context: BrowserContextFactory
) -> None:
    page = new_context().new_page()
    page.goto(SAMPLE)
    # The first Tab reaches the skip link, which leads to the content.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("href", "#content")

    def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(
                "selector => document.activeElement === document.querySelector(selector)",
                selector,
            ):
                return
        pytest.fail(f"Tab never reached {selector}")

    tab_to("#f-first_name")
    page.keyboard.type("Jan")
    tab_to("#f-last_name")
    page.keyboard.type("Schmidt")
    tab_to("#f-email")
    page.keyboard.type("jan.schmidt@example.org")
    if page.locator("input[name=mode]").count():
        tab_to("input[name=mode]")
        page.keyboard.press("Space")
    for question in page.locator("[id^=f-q_][id$=-field]").all():
        radio = question.locator("input[type=radio]").first
        if radio.count():
            radio_id = radio.get_attribute("id")
            tab_to(f"#{radio_id}")
            page.keyboard.press("Space")
    tab_to("#f-consent")
    page.keyboard.press("Space")
    expect(page.locator("#f-consent")).to_be_checked()
    tab_to("form[action$='/register'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+"))
    expect(page.locator("main")).to_contain_text("Jan Schmidt")


def test_the_check_catches_an_unlabelled_field(browser: Browser) -> None:
    # The audit must be able to fail: an input without a label and an image without text.
    # No server and no database: the browser alone renders the page.
    page = browser.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="de"><head><title>x</title></head><body><main>'
        '<form><input type="text" name="x"></form><img src="data:,"></main></body></html>'
    )
    with pytest.raises(AssertionError, match=r"critical: (label|image-alt)"):
        check(page, "a broken page")
