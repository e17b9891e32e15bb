"""CORS for the public JSON API: read-only, from the sites of ``EMBED_ORIGINS`` only.

Litestar's ``CORSConfig`` applies to the whole app and runs inside it, after the page cache
has answered stored API responses; this wrapper sits in front of both (see
:class:`app.web.page_cache.PageCachedLitestar`), so a stored answer gets the headers of the
request at hand, and no stored answer carries another visitor's ``Origin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Send

from app import paths

#: The API reads only; nothing but plain GETs (and HEAD) are offered to other sites.
ALLOWED_METHODS = "GET, HEAD"
#: Request headers a script may set beyond the CORS-safelisted ones.
ALLOWED_HEADERS = "Accept, Accept-Language"
#: How long a browser may keep a preflight's answer, in seconds.
MAX_AGE = "600"
_ORIGIN = b"origin"
_REQUEST_METHOD = b"access-control-request-method"
_VARY = (b"vary", b"Origin")


def is_public_api(path: str) -> bool:
    """Whether ``path`` is the public events API (not the organisers' API)."""
    return path == paths.API_EVENTS or path.startswith(paths.API_EVENTS + "/")


@dataclass(frozen=True, slots=True)
class PublicApiCors:
    """Answers preflights and adds ``Access-Control-Allow-Origin`` for the allowed origins."""

    origins: frozenset[str]

    async def __call__(self, call: ASGIApp, scope: HTTPScope, receive: Receive, send: Send) -> None:
        """Serve ``scope`` through ``call``, with CORS where the public API is asked."""
        if not is_public_api(scope["path"]):
            await call(scope, receive, send)
            return
        origin = _header(scope, _ORIGIN)
        allowed = origin is not None and origin in self.origins
        if scope["method"] == "OPTIONS" and _header(scope, _REQUEST_METHOD) is not None:
            await self._preflight(scope, origin if allowed else None, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = cast("list[tuple[bytes, bytes]]", list(message.get("headers", [])))
                headers.append(_VARY)
                if allowed and origin is not None:
                    headers.append((b"access-control-allow-origin", origin.encode()))
                message["headers"] = headers
            await send(message)

        await call(scope, receive, with_cors)

    async def _preflight(self, scope: HTTPScope, origin: str | None, send: Send) -> None:
        method = _header(scope, _REQUEST_METHOD) or ""
        headers: list[tuple[bytes, bytes]] = [
            _VARY,
            (b"x-content-type-options", b"nosniff"),
            (b"content-length", b"0"),
        ]
        if origin is not None and method.upper() in ("GET", "HEAD"):
            status = 204
            headers += [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                (b"access-control-max-age", MAX_AGE.encode()),
            ]
        else:
            # Another site, or a method that would write: no permission, nothing else said.
            status = 403
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _header(scope: HTTPScope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
