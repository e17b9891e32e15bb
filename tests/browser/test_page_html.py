"""The public pages before the W3C Nu Html Checker, in German, English and Ukrainian.

The start page, the past events (with a past event's report, recording, slides and photos:
:mod:`tests.browser.past_materials`), that past event's page, an event page, the same page
with its form refused, the personal page and the privacy notice, each as the server sent it
(the response's HTML, not the browser's DOM), are checked in one run of the validator
(:mod:`tests.browser.vnu`): no errors. The organiser pages too, as the walk in
:mod:`tests.browser.test_page_widths` opens them, in the three languages.

On SQLite only: the markup comes from the templates, which are the same on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser import past_materials, workspace_world
from tests.browser.conftest import LiveServer, _run_app, serving
from tests.browser.test_accessibility import LANGUAGES, SAMPLE, _register
from tests.browser.test_page_widths import (
    ACCOUNTS,
    ADMIN,
    OUTSIDE_WORKSPACE,
    organiser_pages,
    sign_in_anywhere,
)
from tests.browser.vnu import validate
from tests.conftest import SQLITE_ONLY

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import BrowserContextFactory, BrowserContextsOn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def with_samples(
    module_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server on SQLite with the three sample events and a past event with materials."""
    with serving(module_sqlite_url, tmp_path_factory.mktemp("public-html")) as server:
        _run_app(["load-samples"], server.env)
        past_materials.add_to(server)
        yield server


def _source(page: Page, path: str) -> str:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path}: {response.status}"
    return response.text()


def test_public_pages_pass_the_nu_validator(
    with_samples: LiveServer, browser_contexts: BrowserContextsOn, tmp_path: Path
) -> None:
    documents = {}
    for language in LANGUAGES:
        page = browser_contexts(with_samples).new_page()
        query = f"?lang={language}"
        documents[f"start-{language}"] = _source(page, "/" + query)
        documents[f"past-{language}"] = _source(page, "/past" + query)
        documents[f"past_event-{language}"] = _source(page, past_materials.PATH + query)
        documents[f"privacy-{language}"] = _source(page, "/privacy" + query)
        documents[f"event-{language}"] = _source(page, SAMPLE + query)
        # The form sent empty: the page again, with the error summary.
        with page.expect_response(lambda response: response.request.method == "POST") as sent:
            page.locator("form[action$='/register'] button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        documents[f"refused-{language}"] = sent.value.text()
        _register(page, f"olena.{language}@example.org")
        expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+"))
        documents[f"personal-{language}"] = _source(page, page.url)
    for name, html in documents.items():
        language = name.rsplit("-", 1)[1]
        assert html.lstrip().lower().startswith("<!doctype html>"), name
        assert f'<html lang="{language}"' in html, name
    for language in LANGUAGES:
        assert "error-summary" in documents[f"refused-{language}"]
        assert 'class="materials"' in documents[f"past-{language}"]
        assert 'id="bericht"' in documents[f"past_event-{language}"]
    assert validate(documents, tmp_path) == []


def _organiser_source(page: Page, path: str, language: str) -> str:
    """The HTML sent for ``path`` in ``language``, with the context's cookies (nothing drawn)."""
    separator = "&" if "?" in path else "?"
    response = page.request.get(f"{path}{separator}lang={language}")
    assert response.status == 200, f"{path}: {response.status}"
    return response.text()


@SQLITE_ONLY
def test_organiser_pages_pass_the_nu_validator(
    live_server: LiveServer, new_context: BrowserContextFactory, tmp_path: Path
) -> None:
    """Every organiser page of the walk (:func:`organiser_pages`) as sent, in the three languages:
    as the role that sees it, inside the workspace's layout; the sign-in, the recovery codes and
    the two-factor code step too."""
    world = workspace_world.add_to(live_server)
    pages = {}
    for who in ACCOUNTS:
        page = pages[who] = new_context().new_page()
        page.goto("/organiser/sign-in")
        sign_in_anywhere(page, who)
        expect(page.locator(".workspace-user")).to_be_visible()
    documents = {}
    for language in LANGUAGES:
        documents[f"org-sign-in-{language}"] = _source(
            new_context().new_page(), f"/organiser/sign-in?lang={language}"
        )
        for who, name, path in organiser_pages(world):
            documents[f"{name}-{language}"] = _organiser_source(pages[who], path, language)
    for name, html in documents.items():
        if name.rsplit("-", 1)[0] not in OUTSIDE_WORKSPACE | {"org-sign-in"}:
            assert 'class="workspace-nav"' in html, name

    # Switched on (the recovery codes, shown once, in the answer to the form), then the code step.
    page = pages[ADMIN]
    page.goto("/organiser/account/two-factor?lang=uk")
    secret = page.locator("#f-secret").input_value().replace(" ", "")
    page.locator("#f-code").fill(pyotp.TOTP(secret).now())
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.locator("form[action$='/enable'] button[type=submit]").click()
    expect(page.locator("ul.recovery-codes code")).to_have_count(10)
    documents["org-recovery-codes-uk"] = sent.value.text()
    two_factor = "/organiser/account/two-factor"
    documents["org-two-factor-on-uk"] = _organiser_source(page, two_factor, "uk")
    page.locator("form.workspace-sign-out button[type=submit]").click()
    page.goto("/organiser/sign-in")
    sign_in_anywhere(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/organiser/sign-in/code"))
    documents["org-sign-in-code-uk"] = _organiser_source(page, "/organiser/sign-in/code", "uk")
    assert "recovery-codes" in documents["org-recovery-codes-uk"]
    assert validate(documents, tmp_path) == []
