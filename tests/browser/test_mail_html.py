"""The HTML mails on a phone and before the W3C validator.

Every kind in German, English and Ukrainian (:mod:`tests.browser.mails`: long names, long links,
every block switched on) is shown in Chromium at 360 px, the narrowest common phone, and must
not scroll sideways (``scrollWidth > innerWidth``); and the Nu Html Checker finds no error in
any of them. Each check is shown able to fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.mails import every_mail
from tests.browser.vnu import validate

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
#: A mail as they were: a raw link in a table cell that cannot break.
TOO_WIDE = (
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>x</title></head><body>'
    '<table><tr><td><a href="https://example.org/">https://treffpunkt.example.org/r/'
    "kV3vQ8c1Zr0b7Xy2Lm9Pq4Ws6Td5Ue8Hf1Gj3Kl0Mn2</a></td></tr></table></body></html>"
)


def _overflow(page: Page, html: str) -> tuple[int, int]:
    page.set_content(html)
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    return int(scroll_width), int(inner_width)


def test_every_html_mail_fits_a_phone(browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE)
    too_wide = []
    for name, html in every_mail().items():
        scroll_width, inner_width = _overflow(page, html)
        if scroll_width > inner_width:
            too_wide.append(f"{name}: {scroll_width} px on a {inner_width} px screen")
    assert too_wide == []


def test_the_width_check_catches_a_mail_too_wide(browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE)
    scroll_width, inner_width = _overflow(page, TOO_WIDE)
    assert scroll_width > inner_width


def test_every_html_mail_passes_the_nu_validator(tmp_path: Path) -> None:
    # One JVM for all, with one broken document to show the check reads what it is given.
    documents = {**every_mail(), "broken": "<p>no doctype, no title"}
    errors = validate(documents, tmp_path)
    assert [error for error in errors if not error.startswith("broken:")] == []
    assert any(error.startswith("broken:") for error in errors)
