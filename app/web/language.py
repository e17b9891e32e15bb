"""The reader's language for every request: ``?lang=``, then the cookie, then ``Accept-Language``.

A ``lang`` in the URL (the switcher's links) is remembered in a cookie, so the choice holds on
every later page. Unknown codes fall back to German, never to an error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import parse_qs

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import LANGUAGES, negotiate, supported, use_language
from app.web.cookies import cookie_value

LANGUAGE_COOKIE = "treffpunkt_lang"
LANGUAGE_PARAMETER = "lang"
_COOKIE_MAX_AGE = 365 * 24 * 3600
#: Browsers send a handful of distinct ``Accept-Language`` values: each is read once.
_negotiate = lru_cache(maxsize=256)(negotiate)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _from_cookie(scope: Scope) -> str | None:
    value = cookie_value(scope, LANGUAGE_COOKIE)
    return value if value in LANGUAGES else None


def choose_language(scope: Scope) -> tuple[str, bool]:
    """The request's language, and whether it was chosen just now in the URL (to remember)."""
    query = scope.get("query_string", b"").decode("latin-1")
    if LANGUAGE_PARAMETER + "=" in query:
        asked = parse_qs(query).get(LANGUAGE_PARAMETER, [""])[0]
        return supported(asked), True
    remembered = _from_cookie(scope)
    if remembered:
        return remembered, False
    return _negotiate(_header(scope, b"accept-language")), False


def language_middleware(*, secure_cookie: bool) -> Callable[[ASGIApp], ASGIApp]:
    """Run each HTTP request in its reader's language; say so in ``Content-Language``."""
    cookie_flags = "; Secure" if secure_cookie else ""

    def wrap(app: ASGIApp) -> ASGIApp:
        return _middleware(app, cookie_flags)

    return wrap


def _middleware(app: ASGIApp, cookie_flags: str) -> ASGIApp:

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        language, chosen = choose_language(scope)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers["Content-Language"] = language
                headers.add("Vary", "Accept-Language, Cookie")
                if chosen:
                    headers.add(
                        "Set-Cookie",
                        f"{LANGUAGE_COOKIE}={language}; Max-Age={_COOKIE_MAX_AGE}; Path=/; "
                        f"HttpOnly; SameSite=Lax{cookie_flags}",
                    )
            await send(message)

        with use_language(language):
            await app(scope, receive, send_with_language)

    return middleware
