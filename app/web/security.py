"""Safe response headers, set in one place for every response (error pages included)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from litestar.types import Message, Scope

from app import paths

#: URLs that hold a personal token (personal page, join link) or organisers' data: never cached,
#: never sent as referrer, never indexed. The join link's redirect must not hand its token to the
#: meeting host.
PERSONAL_PREFIXES = (*paths.PERSONAL_PREFIXES, paths.ORGANISER)
#: The API docs page runs the vendored Swagger UI, which styles elements inline.
DOCS_PREFIX = paths.API_DOCS

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'"
)
#: The embedded list: framed by the sites of ``EMBED_ORIGINS`` (and by no other).
EMBED_PATH = paths.EMBED


def embed_content_security_policy(origins: tuple[str, ...]) -> str:
    """The policy of ``/embed``: the usual one, framed by ``origins`` only (none: by nobody)."""
    ancestors = " ".join(origins) if origins else "'none'"
    return CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


#: No page needs the camera, the microphone or the position; embedded content gets none either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
#: A year, the subdomains included: only sent when ``BASE_URL`` is https (RFC 6797 ignores it
#: over http anyway, and a development server on http must not pin a browser to https).
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def headers_for(
    path: str, *, https: bool = False, embed_origins: tuple[str, ...] = ()
) -> dict[str, str]:
    """The security headers a response to ``path`` carries (HSTS only when served over https).

    Every page is unframeable but ``/embed``, which the sites of ``embed_origins`` may frame:
    ``frame-ancestors`` names them and ``X-Frame-Options`` (which cannot name several) is left
    off there, as browsers let ``frame-ancestors`` win anyway.
    """
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
        # A page opened from another site (or opening one) shares no window with it.
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if path.startswith(PERSONAL_PREFIXES):
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cache-Control"] = "no-store"
        headers["X-Robots-Tag"] = "noindex"
    elif path.startswith(DOCS_PREFIX):
        headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
    elif path == EMBED_PATH and embed_origins:
        headers["Content-Security-Policy"] = embed_content_security_policy(embed_origins)
        del headers["X-Frame-Options"]
    return headers


def security_headers(
    *, https: bool, embed_origins: tuple[str, ...] = ()
) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook adding the headers to the start of every HTTP response.

    ``https``: the service is reached over https (``BASE_URL``), so HSTS is sent;
    ``embed_origins``: the sites that may frame ``/embed``. The four sets (personal, API docs,
    the embedded list, every other path) are encoded once, not per response.
    """
    encoded = {
        path: [
            (name.lower().encode(), value.encode())
            for name, value in headers_for(path, https=https, embed_origins=embed_origins).items()
        ]
        for path in (PERSONAL_PREFIXES[0], DOCS_PREFIX, EMBED_PATH, "/")
    }
    cache_control = b"cache-control"

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path = scope.get("path", "")
        if path.startswith(PERSONAL_PREFIXES):
            wanted = encoded[PERSONAL_PREFIXES[0]]
        elif path.startswith(DOCS_PREFIX):
            wanted = encoded[DOCS_PREFIX]
        elif path == EMBED_PATH:
            wanted = encoded[EMBED_PATH]
        else:
            wanted = encoded["/"]
        headers = cast("list[tuple[bytes, bytes]]", message.setdefault("headers", []))
        present = {name.lower() for name, _ in headers}
        for name, value in wanted:
            if name == cache_control and name in present:
                headers[:] = [(n, v) for n, v in headers if n.lower() != cache_control]
            elif name in present:
                continue
            headers.append((name, value))

    return add_security_headers
