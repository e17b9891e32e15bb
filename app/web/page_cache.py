"""Public pages from memory: rendered pages, API answers and calendar files, per process.

An entry is served while both hold:

- no write transaction of this process that may change a public page has committed since it
  was made (the database counts them: :attr:`app.db.database.Database.writes_committed`), so a
  visitor's own registration, and any organiser's edit, shows at once (one more person behind
  others on a waiting list changes no public figure and is not counted);
- the injected clock has not moved past :data:`LIFETIME` after it was made, nor past the next
  moment its events change by time alone (registration opens or closes, an event ends), so
  another process's write shows within a second and a deadline exactly when it passes.

Pages are keyed by path, query and language; they never hold anything of one visitor. The
CSRF token, the only per-visitor part of a public page, is cut out of the stored body and the
visitor's own is put in per request; a visitor without a token cookie gets one as Litestar's
CSRF middleware would give it. GETs of route handlers marked with :data:`PUBLIC_PAGE` are
stored; a stored page is answered by :class:`PageCachedLitestar` before any of Litestar's
routing, middleware and hooks, with the headers the whole app gave it (language and security
headers included). Those handlers skip the session and the throttles on a miss too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar import Litestar
from litestar._asgi.utils import is_valid_host  # the router's own check, before routing
from litestar.config.csrf import CSRFConfig
from litestar.datastructures.cookie import Cookie
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from litestar.utils import normalize_path
from litestar.utils.scope.state import ScopeState

from app.clock import Clock
from app.domain.model import Event
from app.web.cookies import cookie_value
from app.web.cors import PublicApiCors
from app.web.language import LANGUAGE_PARAMETER, choose_language

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
_TOKEN = re.compile(r"[0-9a-f]{128}")
_COOKIE_HEADER = b"cookie"
_SET_COOKIE = b"set-cookie"
_HOST = b"host"
_LANGUAGE_CHOICE = LANGUAGE_PARAMETER.encode() + b"="
#: A conditional GET is answered by Litestar: no stored page is ever 304.
_CONDITIONAL = frozenset(
    (b"if-none-match", b"if-modified-since", b"if-match", b"if-range", b"range")
)

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


def _lasts_until(until: dt.datetime) -> None:
    """Tell the page being made (if any) that it is right until ``until`` at the latest."""
    validity = _validity.get()
    if validity is not None and until < validity.until:
        validity.until = until


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
        entry = self._valid(key, now)
        return None if entry is None else entry.value

    def _valid(self, key: Hashable, now: dt.datetime) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or now >= entry.until or entry.generation != self.generation():
            return None
        return entry

    def _put(self, key: Hashable, generation: int, until: dt.datetime, value: Any) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = _Entry(generation, until, value)

    @contextmanager
    def _making(self, key: Hashable, now: dt.datetime) -> Iterator[Callable[[Any], dt.datetime]]:
        """Make the value of ``key``: the block runs with its validity, and stores by ``keep``.

        The generation is read before: a write committed meanwhile makes the value stale at once.
        """
        generation = self.generation()
        validity = _Validity(now + LIFETIME)
        reset = _validity.set(validity)

        def keep(value: Any) -> dt.datetime:
            self._put(key, generation, validity.until, value)
            return validity.until

        try:
            yield keep
        finally:
            _validity.reset(reset)

    async def remember(
        self, key: Hashable, now: dt.datetime, build: Callable[[], Awaitable[T]]
    ) -> T:
        """``build()``'s value, made at most once while valid (it may call :func:`changes_with`)."""
        found = self._valid(key, now)
        if found is not None:
            _lasts_until(found.until)
            return found.value  # type: ignore[no-any-return]
        with self._making(key, now) as keep:
            value = await build()
            until = keep(value)
        # A page made from this value is right no longer than the value itself.
        _lasts_until(until)
        return value

    async def serve(
        self, app: Litestar, call: ASGIApp, scope: HTTPScope, receive: Receive, send: Send
    ) -> None:
        """Answer an HTTP request to ``app`` (whose own entry point is ``call``).

        A GET of a stored page is answered here, before Litestar's routing and middleware, with
        the visitor's token put in. Any other request goes to ``call``; a GET routed to a
        :data:`PUBLIC_PAGE` handler is stored on the way out, its headers as they leave the app
        (language and security headers included) without its cookies.
        """
        csrf = app.csrf_config
        key = _page_key(scope) if csrf is not None else None
        if key is None or csrf is None:
            await call(scope, receive, send)
            return
        held = cookie_value(scope, csrf.cookie_name)
        if held is not None and not _TOKEN.fullmatch(held):
            # Litestar would echo a token of any shape; only its own path does that.
            await call(scope, receive, send)
            return
        now = self.clock()
        page: _Page | None = self._get(key, now)
        if page is None and (rendering := self._rendering.get(key)) is not None:
            await rendering.wait()
            page = self._get(key, now)
        if page is not None:
            await _send_page(page, held, csrf, send)
            return
        if not _is_public_page(app, scope["path"]):
            await call(scope, receive, send)
            return
        if key in self._rendering:
            # The render waited for stored nothing (an error page, a client gone): this
            # request renders for itself.
            await self._render(call, key, now, scope, receive, send)
            return
        done = self._rendering[key] = asyncio.Event()
        try:
            await self._render(call, key, now, scope, receive, send)
        finally:
            del self._rendering[key]
            done.set()

    async def _render(
        self,
        call: ASGIApp,
        key: Hashable,
        now: dt.datetime,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        body: list[bytes] = []

        async def copy(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    (name, value) for name, value in message["headers"] if name != _SET_COOKIE
                )
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        with self._making(key, now) as keep:
            await call(scope, receive, copy)
            handler = scope.get("route_handler")
            token = ScopeState.from_scope(scope).csrf_token
            if (
                status == 200
                and handler is not None
                and handler.opt.get(PAGE_CACHE_KEY)
                and isinstance(token, str)
                and _TOKEN.fullmatch(token)
            ):
                keep(_Page(status, headers, b"".join(body).split(token.encode())))


class PageCachedLitestar(Litestar):
    """Litestar, with its public pages answered from :attr:`page_cache` before anything else.

    :attr:`cors` (the public API's CORS) comes before the cache, so stored answers get the
    CORS headers of the request at hand and are stored without any.
    """

    page_cache: PageCache | None = None
    cors: PublicApiCors | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
        elif self.cors is not None:
            await self.cors(self._from_cache, scope, receive, send)
        else:
            await self._from_cache(scope, receive, send)

    async def _from_cache(self, scope: Any, receive: Any, send: Any) -> None:
        cache = self.page_cache
        if cache is None:
            await super().__call__(scope, receive, send)
            return
        await cache.serve(self, super().__call__, scope, receive, send)


def _page_key(scope: HTTPScope) -> tuple[str, bytes, str] | None:
    """The cache key of a request that may be answered from the cache, else ``None``.

    Only plain GETs qualify: not a ``?lang=`` choice (its answer sets the language cookie),
    not a conditional request, not several ``Cookie`` headers, not a ``Host`` header Litestar's
    router refuses (all left to Litestar).
    """
    if scope["method"] != "GET":
        return None
    query: bytes = scope["query_string"]
    if _LANGUAGE_CHOICE in query:
        return None
    cookies = 0
    for name, value in scope["headers"]:
        if name == _COOKIE_HEADER:
            cookies += 1
        elif name in _CONDITIONAL:
            return None
        elif name == _HOST and not is_valid_host(value):
            return None  # Litestar's router refuses it (400); a stored page must not answer
    if cookies > 1:
        return None
    language, _ = choose_language(scope)
    return (scope["path"], query, language)


def _is_public_page(app: Litestar, path: str) -> bool:
    """Whether a GET of ``path`` goes to a :data:`PUBLIC_PAGE` handler (Litestar's own routing)."""
    try:
        _, handler, *_ = app.asgi_router.handle_routing(path=normalize_path(path), method="GET")
    except Exception:
        return False
    return bool(handler.opt.get(PAGE_CACHE_KEY))


async def _send_page(page: _Page, held: str | None, csrf: CSRFConfig, send: Send) -> None:
    headers = page.headers
    if held is None:
        held = generate_csrf_token(csrf.secret)
        headers = [*headers, _csrf_cookie(csrf, held)]
    await send({"type": "http.response.start", "status": page.status, "headers": headers})
    await send(
        {"type": "http.response.body", "body": held.encode().join(page.parts), "more_body": False}
    )


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
