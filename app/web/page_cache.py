"""Public pages from memory: rendered pages, API answers and calendar files, per process.

An entry is served while both hold:

- no write transaction of this process has committed since it was made (the database counts
  them: :attr:`app.db.database.Database.writes_committed`), so a visitor's own registration,
  and any organiser's edit, shows at once;
- the injected clock has not moved past :data:`LIFETIME` after it was made, nor past the next
  moment its events change by time alone (registration opens or closes, an event ends), so
  another process's write shows within a second and a deadline exactly when it passes.

Pages are keyed by path, query and language; they never hold anything of one visitor. The
CSRF token, the only per-visitor part of a public page, is cut out of the stored body and the
visitor's own is put in per request; a visitor without a token cookie gets one as Litestar's
CSRF middleware would give it. Only GET requests to route handlers marked with
:data:`PUBLIC_PAGE` are served from here; those skip the session and the throttles too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Hashable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar.config.csrf import CSRFConfig
from litestar.datastructures.cookie import Cookie
from litestar.enums import ScopeType
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from app.clock import Clock
from app.domain.model import Event
from app.i18n import current_language

#: The longest a page stays in memory: another process's write shows within this time.
LIFETIME = dt.timedelta(seconds=1)
#: Every path, query and language is a key; made-up ones must not grow the cache without end.
MAX_ENTRIES = 2048

#: ``opt`` of the route handlers whose GET answers are cached: they need no session (the
#: session middleware's and the organiser guard's keys) and are not throttled.
PAGE_CACHE_KEY = "page_cache"
PUBLIC_PAGE: dict[str, Any] = {
    PAGE_CACHE_KEY: True,
    "skip_session": True,
    "exclude_from_auth": True,
    "exclude_from_throttle": True,
}

#: Litestar's CSRF tokens: 32 random bytes and their HMAC, in hex.
_TOKEN = re.compile(rb"[0-9a-f]{128}")
_COOKIE_HEADER = b"cookie"
_SET_COOKIE = b"set-cookie"

T = TypeVar("T")


@dataclass(slots=True)
class _Validity:
    """Until when the page being made stays right: handlers shorten it by their events."""

    until: dt.datetime


_validity: ContextVar[_Validity | None] = ContextVar("page_validity", default=None)


def changes_with(events: Iterable[Event], now: dt.datetime) -> None:
    """Tell the page being made that it changes when any of ``events`` changes by time alone."""
    validity = _validity.get()
    if validity is None:
        return
    for event in events:
        for moment in (
            event.registration_opens_at,
            event.registration_deadline,
            event.starts_at,
            event.ends_at,
        ):
            if moment is not None and now < moment < validity.until:
                validity.until = moment


@dataclass(slots=True)
class _Entry:
    generation: int
    until: dt.datetime
    value: Any


@dataclass(slots=True)
class _Page:
    """A response as the handler gave it, without cookies, its body split at the CSRF token."""

    status: int
    headers: list[tuple[bytes, bytes]]
    parts: list[bytes]


@dataclass
class PageCache:
    """Rendered public answers of this process, valid as the module says."""

    clock: Clock
    #: How many write transactions this process has committed (any change may be public).
    generation: Callable[[], int]
    _entries: dict[Hashable, _Entry] = field(default_factory=dict)
    #: Keys being rendered now, set when done: after a write every visitor's request misses at
    #: once, and one render serves them all instead of each rendering the same page.
    _rendering: dict[Hashable, asyncio.Event] = field(default_factory=dict)

    def _get(self, key: Hashable, now: dt.datetime) -> Any:
        entry = self._entries.get(key)
        if entry is None or now >= entry.until or entry.generation != self.generation():
            return None
        return entry.value

    def _put(self, key: Hashable, generation: int, until: dt.datetime, value: Any) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = _Entry(generation, until, value)

    async def remember(
        self, key: Hashable, now: dt.datetime, build: Callable[[], Awaitable[T]]
    ) -> T:
        """``build()``'s value, made at most once while valid (it may call :func:`changes_with`)."""
        found = self._get(key, now)
        if found is not None:
            return found  # type: ignore[no-any-return]
        # Read before building: a write committed meanwhile makes the value stale at once.
        generation = self.generation()
        validity = _Validity(now + LIFETIME)
        reset = _validity.set(validity)
        try:
            value = await build()
        finally:
            _validity.reset(reset)
        self._put(key, generation, validity.until, value)
        return value

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """The ASGI middleware serving :data:`PUBLIC_PAGE` handlers' GETs from this cache.

        It goes after the language middleware (the language is part of the key) and before the
        session and the throttles, which a cached page does not need.
        """

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            csrf: CSRFConfig | None = scope["litestar_app"].csrf_config
            if (
                scope["type"] != ScopeType.HTTP
                or scope["method"] != "GET"
                or not scope["route_handler"].opt.get(PAGE_CACHE_KEY)
                or csrf is None
            ):
                await app(scope, receive, send)
                return
            held = _cookie(scope, csrf.cookie_name.encode())
            if held is not None and not _TOKEN.fullmatch(held):
                # Litestar would echo a token of any shape; only its own path does that.
                await app(scope, receive, send)
                return
            key = (scope["path"], scope["query_string"], current_language())
            now = self.clock()
            page: _Page | None = self._get(key, now)
            if page is None and (rendering := self._rendering.get(key)) is not None:
                await rendering.wait()
                page = self._get(key, now)
            if page is not None:
                await _send_page(page, held, csrf, send)
                return
            if key in self._rendering:
                # The render waited for stored nothing (an error page, a client gone): this
                # request renders for itself.
                await self._render(app, key, now, scope, receive, send)
                return
            done = self._rendering[key] = asyncio.Event()
            try:
                await self._render(app, key, now, scope, receive, send)
            finally:
                del self._rendering[key]
                done.set()

        return middleware

    async def _render(
        self,
        app: ASGIApp,
        key: Hashable,
        now: dt.datetime,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        generation = self.generation()
        validity = _Validity(now + LIFETIME)
        status = 0
        # Copied as they leave: the outer middleware add their own (language, security) later.
        headers: list[tuple[bytes, bytes]] = []
        body: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    (name, value) for name, value in message["headers"] if name != _SET_COOKIE
                )
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        reset = _validity.set(validity)
        try:
            await app(scope, receive, keep)
        finally:
            _validity.reset(reset)
        token = ScopeState.from_scope(scope).csrf_token
        if status != 200 or not isinstance(token, str):
            return
        raw_token = token.encode()
        if not _TOKEN.fullmatch(raw_token):
            return
        page = _Page(status, headers, b"".join(body).split(raw_token))
        self._put(key, generation, validity.until, page)


def _cookie(scope: Scope, name: bytes) -> bytes | None:
    """The value of cookie ``name`` as Litestar reads it (the last one of that name wins).

    Several ``Cookie`` headers give ``b""``: a shape that is left to Litestar's own path.
    """
    values = [value for header, value in scope["headers"] if header == _COOKIE_HEADER]
    if len(values) > 1:
        return b""
    found: bytes | None = None
    for value in values:
        if name not in value:
            continue
        for pair in value.split(b";"):
            cookie_name, sep, cookie_value = pair.partition(b"=")
            if sep and cookie_name.strip() == name:
                found = cookie_value.strip()
    return found


async def _send_page(page: _Page, held: bytes | None, csrf: CSRFConfig, send: Send) -> None:
    # A copy: the outer middleware add their headers to the message's list.
    headers = list(page.headers)
    if held is None:
        token = generate_csrf_token(csrf.secret)
        held = token.encode()
        headers.append(_csrf_cookie(csrf, token))
    await send({"type": "http.response.start", "status": page.status, "headers": headers})
    await send({"type": "http.response.body", "body": held.join(page.parts), "more_body": False})


def _csrf_cookie(csrf: CSRFConfig, token: str) -> tuple[bytes, bytes]:
    """The cookie Litestar's CSRF middleware sets for a visitor without one."""
    cookie = Cookie(
        key=csrf.cookie_name,
        value=token,
        path=csrf.cookie_path,
        secure=csrf.cookie_secure,
        httponly=csrf.cookie_httponly,
        samesite=csrf.cookie_samesite,
        domain=csrf.cookie_domain,
    )
    return _SET_COOKIE, cookie.to_header(header="").encode("latin-1")
