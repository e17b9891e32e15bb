"""No leaks: a full run through the app, then every log record and public response is searched.

The run: an organiser is made (password known), signs in once wrongly and once rightly, makes an
API token, creates an online event with distinctive Zoom data and publishes it; people register
on the page (double opt-in) and through the API with the bearer token, confirm, open their
personal pages, feeds and join links; the outbox is sent to a real SMTP server that wants a
login (so the SMTP password is used); a 404 with a token-like path, a 403 for a missing and a
foreign CSRF token, a 500 (production mode, a forced failure) and a 503 are provoked.

Then every log record (DEBUG and up, every logger) and every public response (body and headers)
is searched for the secrets of the run: passwords, the session cookie, the personal tokens, the
API token, the Zoom data, the SMTP password and the secret key. uvicorn's access log is played
through :class:`app.logs.RedactTokens` with the run's request lines.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from piccolo.apps.user.tables import BaseUser
from uvicorn.logging import AccessFormatter

from app.asgi import create_app
from app.domain.model import Event, OnlineAccess, Registration
from app.logs import QUIET_LOGGERS, RedactTokens, redact_path, uvicorn_log_config
from app.services import api_tokens, organisers
from app.services import registrations as registration_service
from app.services.delivery import OutboxSender
from app.settings import Settings
from app.web.auth import SESSION_COOKIE
from tests.clock import ManualClock
from tests.conftest import FIXED_NOW, registration_form, registration_request
from tests.smtp_sink import SinkHandler, free_port
from tests.web.conftest import SameLoopTestClient, cookie_token, csrf_token

ORGANISER_EMAIL = "orga-leak@example.org"
PASSWORD = "Orga-Passwort-LEAK-7f3a9c"
WRONG_PASSWORD = "Falsches-Passwort-LEAK-2b8e1d"
SMTP_USER = "mailer"
SMTP_PASSWORD = "Smtp-Passwort-LEAK-5c0d4e"
SECRET_KEY = "Geheimer-Schluessel-LEAK-9a8b7c6d5e"
ZOOM_URL = "https://zoom.example/j/8123456789?pwd=ZoomPwdLEAK4242"
ZOOM_ID = "8123 4567 8901"
ZOOM_PASSCODE = "PassLEAK-3141"
#: A path segment that looks like a personal token but is none (a guess).
GUESSED = "GuessedTokenLEAK-" + "A" * 24

#: Loggers that may not pass records on to the root logger; a handler goes on each as well.
LOGGERS = (
    "",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "litestar",
    "piccolo",
    "treffpunkt",
    "aiosmtplib",
    "asyncpg",
    "aiosqlite",
    "litestar.testing",
)
#: Not the app: the test's own SMTP server (mails legitimately carry personal links) and the
#: test's HTTP client, which logs every address it asks for.
NOT_THE_APP = ("mail.log", "httpx", "httpcore")


class Capture(logging.Handler):
    """Keeps every record once, whichever logger it reached first."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._seen: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if id(record) in self._seen or record.name.startswith(NOT_THE_APP):
            return
        self._seen.add(id(record))
        self.records.append(record)


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Every logger at DEBUG into one handler, restored afterwards."""
    handler = Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        logger.addHandler(handler)
    # Except where the app's own logging configuration holds a logger back (``QUIET_LOGGERS``).
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(uvicorn_log_config()["loggers"][name]["level"])
    try:
        yield handler
    finally:
        for logger, level, disabled in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


def record_texts(record: logging.LogRecord) -> list[str]:
    """All a log record can put into a log file: message, raw arguments, traceback, stack."""
    texts = [record.getMessage(), str(record.msg), repr(record.args)]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        texts.append(record.exc_text)
    if record.stack_info:
        texts.append(record.stack_info)
    texts.extend(repr(value) for key, value in vars(record).items() if key not in _STANDARD)
    return texts


_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message"}


def leaks(texts: list[str], secrets: dict[str, str]) -> list[str]:
    """``where: secret name`` for each secret found in ``texts`` (also URL-encoded)."""
    found = []
    for text in texts:
        for name, secret in secrets.items():
            variants = {secret, secret.replace(" ", "+"), secret.replace(" ", "%20")}
            variants |= {httpx.URL("/", params={"x": secret}).query.decode()[2:]}
            if any(variant and variant in text for variant in variants):
                found.append(f"{name} in {text[:160]!r}")
    return found


# --- the run -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Seen:
    """One request of the run and its answer; ``public`` unless it is the owner's own view."""

    method: str
    path: str
    response: httpx.Response
    public: bool


class Recorder:
    """Sends requests and keeps every answer, marked public or private."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.seen: list[Seen] = []

    async def __call__(
        self, method: str, url: str, *, public: bool = True, **kwargs: Any
    ) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        response = await self.client.request(method, url, **kwargs)
        # uvicorn's access log shows the decoded path, quoted again, and the raw query.
        raw = response.request.url
        full = urllib.parse.quote(urllib.parse.unquote(raw.path))
        full += f"?{raw.query.decode()}" if raw.query else ""
        self.seen.append(Seen(method, full, response, public))
        return response


class AuthSink:
    """A real SMTP server (aiosmtpd) that wants a login, plain text allowed on loopback."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = SinkHandler()
        self.logins: list[tuple[str, str]] = []
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            enable_SMTPUTF8=True,
        )

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            self.logins.append((user, password))
            if (user, password) == (SMTP_USER, SMTP_PASSWORD):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def auth_sink() -> Iterator[AuthSink]:
    sink = AuthSink()
    sink.controller.start()
    try:
        yield sink
    finally:
        sink.controller.stop()


def event_form(csrf: str) -> dict[str, str]:
    return {
        "_csrf_token": csrf,
        "title": "Online-Forum Leckprobe",
        "slug": "leckprobe",
        "teaser": "Kurz.",
        "description": "Lang.",
        "format": "online",
        "starts_at": "2030-12-04T10:00",
        "ends_at": "2030-12-04T12:00",
        "timezone": "Europe/Berlin",
        "online_join_url": ZOOM_URL,
        "online_meeting_id": ZOOM_ID,
        "online_passcode": ZOOM_PASSCODE,
        "capacity_online": "50",
        "waitlist_enabled": "on",
        "double_opt_in": "on",
        "opt_in_hold_hours": "12",
        "access_mail_lead_hours": "24",
        "access_in_confirmation": "on",
        "notify_organisers": "on",
        "contact_email": "team@example.org",
    }


_LINK = re.compile(r"/r/([A-Za-z0-9_-]{20,})")


def personal_tokens_in(sink: AuthSink) -> set[str]:
    tokens = set()
    for item in sink.handler.received:
        for part in item.message.walk():
            if part.get_content_maintype() == "text":
                tokens |= set(_LINK.findall(part.get_content()))
    return tokens


async def drain(db: Any, settings: Settings) -> None:
    sender = OutboxSender(db, settings, clock=ManualClock(FIXED_NOW))
    try:
        await sender.drain()
    finally:
        await sender.close()


async def full_run(
    db: Any, settings: Settings, sink: AuthSink, monkeypatch: pytest.MonkeyPatch, clock
) -> tuple[Recorder, dict[str, str]]:
    """The scenario; returns the recorder and the run's secrets by name."""
    organiser = await organisers.create_organiser(db, ORGANISER_EMAIL, PASSWORD, "Orga Leck")
    app = create_app(settings, database=db, clock=clock)
    secrets: dict[str, str] = {
        "organiser password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "SMTP password": SMTP_PASSWORD,
        "secret key": SECRET_KEY,
        "Zoom URL": ZOOM_URL,
        "Zoom pwd in the URL": "ZoomPwdLEAK4242",
        "Zoom meeting ID": ZOOM_ID,
        "Zoom passcode": ZOOM_PASSCODE,
        "guessed token": GUESSED,
    }
    row = await BaseUser.select(BaseUser.password).where(BaseUser.id == organiser.id).first()
    assert row
    secrets["password hash"] = row["password"].split("$")[-1]

    async with SameLoopTestClient(app) as client:
        go = Recorder(client)
        # Public pages before anything happens, and the sign-in: once wrong, once right.
        await go("GET", "/")
        await go("GET", "/organiser/sign-in")
        wrong = await go(
            "POST",
            "/organiser/sign-in",
            data={
                "email": ORGANISER_EMAIL,
                "password": WRONG_PASSWORD,
                "_csrf_token": cookie_token(client),
            },
        )
        assert wrong.status_code == 400
        right = await go(
            "POST",
            "/organiser/sign-in",
            data={
                "email": ORGANISER_EMAIL,
                "password": PASSWORD,
                "_csrf_token": cookie_token(client),
            },
        )
        assert right.status_code == 303
        sessions = {k: v for k, v in client.cookies.items() if k.startswith(SESSION_COOKIE)}
        assert sessions, client.cookies
        for name, value in sessions.items():
            secrets[f"session cookie {name}"] = value

        # The organiser's own pages: an API token, the event (online, Zoom data), published.
        page = await go("GET", "/organiser/api-tokens/", public=False)
        made = await go(
            "POST",
            "/organiser/api-tokens/",
            data={"name": "Leckprobe", "_csrf_token": csrf_token(page.text)},
            public=False,
        )
        assert made.status_code == 201, made.text
        api_secret = re.search(r'value="(tp_[^"]+)"', made.text)
        assert api_secret
        secrets["API token"] = api_secret.group(1)
        await go("GET", "/organiser/events/new", public=False)
        created = await go(
            "POST",
            "/organiser/events/new",
            data=event_form(cookie_token(client)),
            public=False,
        )
        assert created.status_code == 303, created.text
        event_id = int(re.findall(r"\d+", created.headers["location"])[0])
        base = f"/organiser/events/{event_id}"
        published = await go(
            "POST",
            f"{base}/publish",
            data={"_csrf_token": cookie_token(client)},
            public=False,
        )
        assert published.status_code == 303
        await go("GET", f"{base}/preview", public=False)

    # The public, anonymous from here on (a fresh client without the organiser's cookie).
    async with SameLoopTestClient(app) as client:
        go.client = client
        for path in ("/", "/past", "/privacy", "/events/leckprobe", "/calendar.ics"):
            assert (await go("GET", path)).status_code == 200, path
        await go("GET", "/api/v1/events")
        await go("GET", "/api/v1/events/leckprobe")
        await go("GET", "/healthz")
        await go("GET", "/schema/openapi.json")
        for number in (1, 2):
            registered = await go(
                "POST",
                "/events/leckprobe/register",
                data={
                    **registration_form(f"person{number}@example.org", mode="online"),
                    "_csrf_token": cookie_token(client),
                },
            )
            assert registered.status_code == 200, registered.text  # "check your mailbox"

        # One more through the organisers' API, with the bearer token.
        api = await go(
            "POST",
            f"/api/v1/organiser/events/{event_id}/registrations",
            json={
                "first_name": "Api",
                "last_name": "Person",
                "email": "api-person@example.org",
                "organisation": "Stadt",
                "consent": True,
                "mode": "online",
            },
            headers={"Authorization": f"Bearer {secrets['API token']}"},
            public=False,
        )
        assert api.status_code == 201, api.text
        assert (
            await go(
                "GET",
                f"/api/v1/organiser/events/{event_id}/registrations",
                headers={"Authorization": f"Bearer {secrets['API token']}"},
                public=False,
            )
        ).status_code == 200

        await drain(db, settings)
        tokens = personal_tokens_in(sink)
        assert len(tokens) >= 3, tokens
        for number, token in enumerate(sorted(tokens)):
            secrets[f"personal token {number}"] = token
            page = await go("GET", f"/r/{token}", public=False)
            assert page.status_code == 200
            if 'action="/r/' + token + '/confirm"' in page.text:
                confirmed = await go(
                    "POST",
                    f"/r/{token}/confirm",
                    data={"_csrf_token": csrf_token(page.text)},
                    public=False,
                )
                assert confirmed.status_code == 303, confirmed.text
                await go("GET", f"/r/{token}?confirmed=1", public=False)
            assert (await go("GET", f"/r/{token}/calendar.ics", public=False)).status_code == 200
            joined = await go("GET", f"/j/{token}", public=False)
            assert joined.status_code in (302, 403)
            await go("GET", f"/r/{token}/data.json", public=False)
            # Addresses the router takes as well: the access log must hide the token in them too.
            for variant in (f"/r//{token}", f"/%72/{token}", f"/r/{token}%2Fcalendar.ics"):
                assert (await go("GET", variant, public=False)).status_code == 200, variant
        await drain(db, settings)

        # Errors: guessed tokens, CSRF missing and foreign, a 500 in production mode, a 503.
        for path in (f"/r/{GUESSED}", f"/j/{GUESSED}", f"/r/{GUESSED}/calendar.ics"):
            assert (await go("GET", path)).status_code == 404, path
        assert (await go("GET", f"/nirgends/{GUESSED}?token={GUESSED}")).status_code == 404
        guessed_api = await go(
            "GET", "/api/v1/organiser/events", headers={"Authorization": f"Bearer tp_{GUESSED}"}
        )
        assert guessed_api.status_code == 401
        form = registration_form("csrf@example.org", mode="online")
        assert (await go("POST", "/events/leckprobe/register", data=form)).status_code == 403
        foreign = {**form, "_csrf_token": "fremd" + "x" * 40}
        assert (await go("POST", "/events/leckprobe/register", data=foreign)).status_code == 403

        token = secrets["personal token 0"]

        async def broken(*args: object, **kwargs: object) -> object:
            raise RuntimeError("forced failure")

        with monkeypatch.context() as patch:
            patch.setattr(registration_service, "personal_view", broken)
            failed = await go("GET", f"/r/{token}")  # an error page is public by nature
            assert failed.status_code == 500

        async def unreachable(*args: object, **kwargs: object) -> object:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

        with monkeypatch.context() as patch:
            patch.setattr(registration_service, "personal_view", unreachable)
            outage = await go("GET", f"/j/{token}")
            assert outage.status_code == 503

        # The mail login once refused: the reason goes to the log and the outbox page.
        wrong_login = dataclasses.replace(settings, smtp_password=WRONG_PASSWORD)
        await registration_service.register(
            db,
            "leckprobe",
            registration_request("late@example.org", mode="online"),
            FIXED_NOW,
        )
        await drain(db, wrong_login)

    return go, secrets


async def test_no_secret_in_logs_or_public_responses(
    db, database_url, auth_sink, captured, monkeypatch, clock
):
    settings = Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        debug=False,
        mail_sender_in_serve=False,
        smtp_host="127.0.0.1",
        smtp_port=auth_sink.port,
        smtp_security="none",
        smtp_user=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        smtp_timeout=5,
        mail_from="Treffpunkt <noreply@treffpunkt.test>",
        login_rate_limit=0,
        registration_rate_limit=0,
    )
    go, secrets = await full_run(db, settings, auth_sink, monkeypatch, clock)
    # The run did use the SMTP password (and the wrong one once).
    assert (SMTP_USER, SMTP_PASSWORD) in auth_sink.logins
    assert (SMTP_USER, WRONG_PASSWORD) in auth_sink.logins
    assert captured.records, "nothing was logged: the capture is not wired"
    assert any(r.levelno >= logging.ERROR and r.exc_info for r in captured.records)

    # (a) The logs.
    in_logs = sorted(
        {
            f"{record.name}: {found}"
            for record in captured.records
            for found in leaks(record_texts(record), secrets)
        }
    )
    assert not in_logs, "\n".join(x[:200] for x in in_logs)

    # (a') uvicorn's access log of this run, through the app's filter and format.
    access = access_log_lines(
        [(seen.method, seen.path, seen.response.status_code) for seen in go.seen]
    )
    assert any("/r/…" in line for line in access)
    # A guess in an address that is no personal link stays (it is what the client sent).
    guessed_links = [line for line in access if "/r/" in line or "/j/" in line]
    assert not leaks(access, {k: v for k, v in secrets.items() if k != "guessed token"})
    assert not leaks(guessed_links, secrets)

    # (b) Every public response: body and headers.
    public = [seen for seen in go.seen if seen.public]
    assert len(public) >= 20
    not_cookies = {k: v for k, v in secrets.items() if not k.startswith("session cookie")}
    for seen in public:
        # An answer may repeat the address it was asked for (the language links do), so what
        # the request carried in its own URL is no leak to the one who sent it.
        unsent = {k: v for k, v in secrets.items() if not leaks([str(seen.response.url)], {k: v})}
        headers = seen.response.headers.multi_items()
        texts = [seen.response.text, *(f"{k}: {v}" for k, v in headers if k != "set-cookie")]
        found = leaks(texts, unsent)
        # The sign-in's answer sets the session cookie: that is where it belongs, and only there.
        found += leaks(
            [f"{k}: {v}" for k, v in headers if k == "set-cookie"],
            {k: v for k, v in unsent.items() if k in not_cookies},
        )
        assert not found, (seen.method, seen.path, found)

    # (c) Everywhere, private answers included: no password, SMTP login or key, and the
    # session cookie only in the Set-Cookie that sets it.
    never = {k: v for k, v in secrets.items() if "password" in k or k in ("secret key",)}
    never |= {k: v for k, v in secrets.items() if k.startswith("session cookie")}
    for seen in go.seen:
        texts = [seen.response.text]
        texts += [f"{k}: {v}" for k, v in seen.response.headers.items() if k != "set-cookie"]
        found = leaks(texts, never)
        assert not found, (seen.method, seen.path, found)

    # (d) The organisers' notices carry no registrant's personal link.
    tokens = {k: v for k, v in secrets.items() if k.startswith("personal token")}
    for item in auth_sink.handler.received:
        if ORGANISER_EMAIL in item.recipients:
            assert not leaks([item.data.decode("utf-8", "replace")], tokens)

    # (e) The objects that a log line or a traceback might print.
    assert not leaks([repr(settings), str(settings)], never)
    postgres = Settings(database_url="postgres://treff:DbPasswortLEAK@db.example/treff")
    assert "DbPasswortLEAK" not in repr(postgres)
    assert "DbPasswortLEAK" not in postgres.database_url_for_logs
    redis = Settings(redis_url="redis://:RedisPasswortLEAK@cache:6379/0")
    assert "RedisPasswortLEAK" not in repr(redis)
    access_data = OnlineAccess(join_url=ZOOM_URL, meeting_id=ZOOM_ID, passcode=ZOOM_PASSCODE)
    assert not leaks([repr(access_data), str(access_data)], secrets)
    event = await _an_event_with_access(access_data)
    assert not leaks([repr(event)], secrets)
    registration = await _a_registration(secrets["personal token 0"])
    assert not leaks([repr(registration)], tokens)
    new = await api_tokens.create(db, 1, "repr", FIXED_NOW)
    assert new.secret not in repr(new)


async def _an_event_with_access(access: OnlineAccess) -> Event:
    from app.services.events import get_with_access

    event = await get_with_access(1)
    assert event.online_access is not None
    return dataclasses.replace(event, online_access=access)


async def _a_registration(token: str) -> Registration:
    registration, _ = await registration_service.personal_view(token)
    return registration


def access_log_lines(requests: list[tuple[str, str, int]]) -> list[str]:
    """The lines uvicorn's access logger writes for ``requests``, with the app's filter."""
    config = uvicorn_log_config()
    assert config["handlers"]["access"]["filters"] == ["redact_tokens"]
    formatter = AccessFormatter(config["formatters"]["access"]["fmt"], use_colors=False)
    lines = []
    for method, path, status in requests:
        record = logging.LogRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            0,
            '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5000", method, path, "1.1", status),
            None,
        )
        assert RedactTokens().filter(record)
        lines.append(formatter.format(record))
    return lines


# --- the scanner can fail ----------------------------------------------------------------------


def test_the_scanner_finds_a_secret_in_a_log_record_its_args_and_its_traceback(captured):
    logger = logging.getLogger("treffpunkt.test")
    secrets = {"token": "AbcTokenLEAK123"}
    logger.debug("plain %s", "nothing")
    assert not leaks([t for r in captured.records for t in record_texts(r)], secrets)
    logger.debug("personal page %s opened", "AbcTokenLEAK123")
    try:
        raise ValueError("bad AbcTokenLEAK123")
    except ValueError:
        logger.exception("failed")
    logger.info("extra", extra={"token": "AbcTokenLEAK123"})
    texts = [record_texts(r) for r in captured.records[1:]]
    assert all(leaks(record, secrets) for record in texts), texts
    # URL-encoded and with '+' for spaces still counts.
    assert leaks(["/x?id=8123+4567+8901"], {"id": ZOOM_ID})
    assert leaks(
        ["/x?u=https%3A%2F%2Fzoom.example%2Fj%2F8123456789%3Fpwd%3DZoomPwdLEAK4242"],
        {"u": ZOOM_URL},
    )


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/r/SecretTokenLEAK", "/r/…"),
        ("/r/SecretTokenLEAK?new=1", "/r/…?new=1"),
        ("/r/SecretTokenLEAK/calendar.ics", "/r/…/calendar.ics"),
        ("/r/SecretTokenLEAK/data.json", "/r/…/data.json"),
        ("/r/SecretTokenLEAK/all/SecretKeyLEAK/calendar.ics", "/r/…/all/…/calendar.ics"),
        ("/r//SecretTokenLEAK//all/SecretKeyLEAK", "/r//…//all/…"),
        ("/j/SecretTokenLEAK", "/j/…"),
        ("/r//SecretTokenLEAK", "/r//…"),
        ("//r/SecretTokenLEAK", "//r/…"),
        ("/./r/SecretTokenLEAK?x=1", "/./r/…?x=1"),
        ("/events/r/SecretTokenLEAK", "/events/r/SecretTokenLEAK"),
        ("/events/forum", "/events/forum"),
    ],
)
def test_the_access_log_filter_redacts_personal_paths(path, kept):
    assert redact_path(path) == kept
    line = access_log_lines([("GET", path, 200)])[0]
    assert ("SecretTokenLEAK" in line) is (kept == path and "SecretTokenLEAK" in path)
    assert "SecretKeyLEAK" not in line


def test_a_leaking_access_log_is_caught():
    """Without the filter, the access line carries the token: the check above can fail."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/r/SecretTokenLEAK", "1.1", 200),
        None,
    )
    assert leaks([record.getMessage()], {"t": "SecretTokenLEAK"})
