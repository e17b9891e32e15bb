"""The embedded event list in a frame: a site of ``EMBED_ORIGINS`` shows it, another site's
frame stays empty (Chromium refuses it by ``frame-ancestors``), and no other page frames at all.

Each "site" is a small HTTP server of its own on 127.0.0.1 (so an origin of its own): its one
page holds an iframe of the live server's address it is given.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import with_samples

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserContextFactory, LiveServer

pytestmark = pytest.mark.browser

__all__ = ["with_samples"]

FIRST_SAMPLE = "Kommunale Partnerschaften mit der Ukraine"


class _FramingPage(BaseHTTPRequestHandler):
    """``/?src=<address>``: a page of this site that frames ``<address>``."""

    def do_GET(self) -> None:
        source = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
        body = (
            "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>Partner</title>"
            "</head><body><h1>Partnerseite</h1>"
            f"<iframe id='events' title='Termine' src='{source}' width='600' height='600'>"
            "</iframe></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@dataclass
class Site:
    """One framing site, running."""

    origin: str

    def framing(self, address: str) -> str:
        """The address of this site's page that frames ``address``."""
        return f"{self.origin}/?src={address}"


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site]]:
    """Two sites: the first is listed in ``EMBED_ORIGINS``, the second is not."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _FramingPage) for _ in range(2)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield tuple(  # type: ignore[misc]
            Site(f"http://127.0.0.1:{server.server_address[1]}") for server in servers
        )
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def server_env(sites: tuple[Site, Site]) -> dict[str, str]:
    """The live server lets the first site frame ``/embed``."""
    return {"EMBED_ORIGINS": sites[0].origin}


def test_the_embedded_list_renders_in_a_frame_of_a_listed_site_only(
    with_samples: LiveServer, new_context: BrowserContextFactory, sites: tuple[Site, Site]
) -> None:
    allowed, other = sites
    page = new_context().new_page()

    page.goto(allowed.framing(with_samples.url("/embed")), wait_until="load")
    frame = page.frame_locator("#events")
    expect(frame.get_by_role("link", name=FIRST_SAMPLE, exact=False)).to_be_visible()
    link = frame.get_by_role("link", name=FIRST_SAMPLE, exact=False)
    assert link.get_attribute("target") == "_blank"

    page.goto(allowed.framing(with_samples.url("/embed?lang=uk")), wait_until="load")
    expect(page.frame_locator("#events").locator("html")).to_have_attribute("lang", "uk")

    # Another site's frame gets Chromium's error page instead: nothing of the list shows.
    refused = new_context().new_page()
    refused.goto(other.framing(with_samples.url("/embed")), wait_until="load")
    refused_frame = refused.frames[1]
    assert not refused_frame.url.startswith(with_samples.base_url)
    assert refused_frame.locator("a[href^='/events/']").count() == 0

    # And the listed site cannot frame any other page either.
    page.goto(allowed.framing(with_samples.url("/")), wait_until="load")
    framed_index = page.frames[1]
    assert not framed_index.url.startswith(with_samples.base_url)
    assert framed_index.locator("a[href^='/events/']").count() == 0
