"""Webhooks through the browser: an organiser registers an endpoint on a phone-sized window
(no sideways scrolling, no serious axe violation), copies the secret shown once, someone
registers, and the running server's background work delivers the signed webhook to a real
receiver; the delivery log then says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import _register, check, with_samples
from tests.browser.test_page_widths import SAMPLES, _too_wide
from tests.services.test_webhooks import Receiver, readme_verify

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserContextFactory, LiveServer

pytestmark = pytest.mark.browser

__all__ = ["with_samples"]

#: How long the server's sender may take to deliver (a guard against a hang, not a measurement).
DELIVERY_LIMIT_SECONDS = 60


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server_env() -> dict[str, str]:
    """The receiver listens on 127.0.0.1: allowed here as on an intranet."""
    return {"WEBHOOK_ALLOW_PRIVATE": "1"}


def test_an_organiser_registers_a_webhook_and_a_registration_arrives_signed(
    with_samples: LiveServer, new_context: BrowserContextFactory, receiver: Receiver
) -> None:
    page = new_context().new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/organiser/")
    sign_in(page)
    page.get_by_role("link", name="Webhooks", exact=False).click()
    page.locator("#f-url").fill(receiver.url)
    page.locator("#f-description").fill("CRM des Netzwerks")
    page.get_by_label("Darf personenbezogene Daten erhalten", exact=False).check()
    page.get_by_role("button", name="Webhook anlegen").click()
    secret_field = page.locator("#created-secret-value")
    expect(secret_field).to_be_visible()
    secret = secret_field.input_value()
    assert secret.startswith("whsec_")
    assert _too_wide(page) is None, _too_wide(page)
    check(page, "webhooks (de, 390 px)")

    visitor = new_context().new_page()
    visitor.goto(SAMPLES[0])
    _register(visitor, "olena.webhook@example.org")
    expect(visitor.locator("h1")).to_be_visible()

    deadline = time.monotonic() + DELIVERY_LIMIT_SECONDS
    while not any(r.json["type"] == "registration.created" for r in receiver.received):
        assert time.monotonic() < deadline, "no webhook arrived"
        time.sleep(0.2)
    created = next(r for r in receiver.received if r.json["type"] == "registration.created")
    assert readme_verify()(secret, created.headers["Treffpunkt-Signature"], created.body)
    assert created.json["registration"]["email"] == "olena.webhook@example.org"

    page.goto("/organiser/webhooks")
    expect(page.locator("#deliveries ~ div, #deliveries + div").first).to_be_visible()
    expect(page.get_by_text("zugestellt").first).to_be_visible()
    assert secret not in page.content()
    assert _too_wide(page) is None, _too_wide(page)
