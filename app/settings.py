"""One settings object, read from the environment once and passed into the app."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app.domain.two_factor import TwoFactorMode
from app.resources import app_folder

DEFAULT_DATABASE_URL = "sqlite:///var/treffpunkt.sqlite3"
#: How long a write waits for a lock before it is answered as busy; long enough for a queue of
#: many short writes, short enough that nobody waits on a page for a lock that is stuck.
DEFAULT_LOCK_TIMEOUT_SECONDS = 5.0
#: The shortest lock wait accepted: PostgreSQL reads a ``lock_timeout`` of 0 as "wait forever".
MIN_LOCK_TIMEOUT_SECONDS = 0.01
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_MAIL_DIR = "var/mail"
DEFAULT_ZOOM_API_URL = "https://api.zoom.us/v2"
DEFAULT_ZOOM_OAUTH_URL = "https://zoom.us"
#: The privacy notice shipped with the app: ``de.md`` (required), ``en.md``, ``uk.md``.
DEFAULT_PRIVACY_NOTICE_DIR = app_folder("privacy")
#: Shown in the privacy notice until ``PRIVACY_CONTROLLER`` is set.
DEFAULT_PRIVACY_CONTROLLER = (
    "**Noch nicht eingetragen:** Der Betreiber dieses Dienstes muss hier mit der Einstellung "
    "`PRIVACY_CONTROLLER` Name und Anschrift des Verantwortlichen angeben."
)
SMTP_SECURITY_MODES = ("none", "starttls", "tls")
_DEFAULT_SMTP_PORTS = {"none": 25, "starttls": 587, "tls": 465}
_VERSION_SHAPE = re.compile(r"[A-Za-z0-9._-]+")


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the service; see the README for each environment variable."""

    #: ``DATABASE_URL``: ``sqlite:///relative/path``, ``sqlite:////absolute/path`` or
    #: ``postgres://user:password@host:port/database``.
    #: Not in ``repr``, which may reach a log or a trace: it may hold the password.
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    #: ``SECRET_KEY``: signs CSRF tokens and encrypts the organisers' session cookies;
    #: required unless ``DEBUG``.
    secret_key: str = field(default="", repr=False)
    #: ``BASE_URL``: the public address, used for absolute links in mails and feeds.
    base_url: str = DEFAULT_BASE_URL
    #: ``DEBUG``: development mode (a throwaway secret key is allowed, tracebacks shown).
    debug: bool = False
    #: ``LOAD_SAMPLES``: ``serve`` loads the sample events into an empty database.
    load_samples: bool = True
    #: ``SQLITE_READERS``: how many kept read connections the SQLite engine opens.
    sqlite_readers: int = 4
    #: ``DATABASE_POOL_SIZE``: the PostgreSQL connection pool's maximum size.
    database_pool_size: int = 10
    #: ``DATABASE_LOCK_TIMEOUT``: seconds a write waits for a lock (SQLite's write lock in this
    #: process, PostgreSQL's row locks) before it is answered as busy (503, ``Retry-After``).
    database_lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS
    #: ``REGISTRATION_RATE_LIMIT``: registrations and cancellations one client address may send
    #: per minute (0: no limit). A town hall behind one address still fits a team's sign-ups.
    registration_rate_limit: int = 30
    #: ``LOGIN_RATE_LIMIT``: organiser sign-in attempts one client address may send per minute
    #: (0: no limit).
    login_rate_limit: int = 10
    #: ``ORGANISER_2FA``: two-factor sign-in (TOTP) for organisers: ``off`` (nobody is asked
    #: for a code), ``optional`` (default: each organiser may switch it on) or ``required``
    #: (administrators without it are sent to switch it on after signing in and reach nothing
    #: else until they have).
    organiser_2fa: TwoFactorMode = TwoFactorMode.OPTIONAL
    #: ``REDIS_URL``: ``redis://[:password@]host:port/db`` (or ``rediss://`` for TLS): the
    #: throttles' counts (registration, sign-in, failed API tokens) live there, shared by every
    #: process; empty: in memory, each process counting alone.
    redis_url: str = field(default="", repr=False)
    #: ``SMTP_HOST``: the mail server; empty: mails are written as ``.eml`` files to ``mail_dir``.
    smtp_host: str = ""
    #: ``SMTP_PORT``: default 25, 587 or 465 by ``smtp_security``.
    smtp_port: int = 587
    #: ``SMTP_USER`` and ``SMTP_PASSWORD``: login, when the server wants one.
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    #: ``SMTP_SECURITY``: ``none``, ``starttls`` (default) or ``tls``.
    smtp_security: str = "starttls"
    #: ``SMTP_TIMEOUT``: seconds before a silent server counts as a temporary failure.
    smtp_timeout: float = 30.0
    #: ``MAIL_FROM``: the sender, ``Name <address>``; default ``Treffpunkt <noreply@host>``.
    mail_from: str = "Treffpunkt <noreply@localhost>"
    #: ``MAIL_REPLY_TO``: where answers go (e.g. the organising team), empty: none.
    mail_reply_to: str = ""
    #: ``MAIL_DIR``: where mails go as files when no ``SMTP_HOST`` is set.
    mail_dir: Path = Path(DEFAULT_MAIL_DIR)
    #: ``MAIL_SENDER``: ``serve`` runs a sender in the web process (``1``, default) or leaves
    #: sending to ``python -m app worker`` processes (``0``).
    mail_sender_in_serve: bool = True
    #: ``MAIL_MAX_ATTEMPTS``: tries per mail before a temporary failure counts as final.
    mail_max_attempts: int = 8
    #: ``MAIL_RETRY_SECONDS``: the first retry's delay; each next one doubles, up to an hour.
    mail_retry_seconds: float = 60.0
    #: ``MAIL_POLL_SECONDS``: how often a sender looks for due mail (it is also woken at once
    #: by registrations in its own process).
    mail_poll_seconds: float = 1.0
    #: ``MAIL_LEASE_SECONDS``: how long a claimed mail stays a worker's before another one
    #: takes it over (a worker that died mid-send).
    mail_lease_seconds: float = 300.0
    #: ``RETENTION_DAYS``: days after an event's end when its registrations' personal data are
    #: anonymised (the counts stay).
    retention_days: int = 90
    #: ``PRIVACY_NOTICE_DIR``: the privacy notice's Markdown files, ``de.md`` (required),
    #: ``en.md`` and ``uk.md`` (German where missing).
    privacy_notice_dir: Path = DEFAULT_PRIVACY_NOTICE_DIR
    #: ``PRIVACY_NOTICE_VERSION``: the notice's version; empty: derived from its texts.
    privacy_notice_version: str = ""
    #: ``PRIVACY_CONTROLLER``: the controller's name and address (Markdown) for the notice.
    privacy_controller: str = DEFAULT_PRIVACY_CONTROLLER
    #: ``CERTIFICATE_ISSUER``: the organiser named on certificates of attendance (e.g. the
    #: network's office); empty: the name of ``mail_from`` (``Treffpunkt`` without one).
    certificate_issuer: str = ""

    @property
    def certificate_organiser(self) -> str:
        """The organiser certificates of attendance name: ``certificate_issuer`` or the sender's."""
        return self.certificate_issuer or self.calendar_organiser[0]

    #: ``ZOOM_ACCOUNT_ID``, ``ZOOM_CLIENT_ID``, ``ZOOM_CLIENT_SECRET``: a Zoom Server-to-Server
    #: OAuth app; all three set switch the Zoom integration on (meetings, registrants, the
    #: participants report), none switches it off, some but not all is an error.
    zoom_account_id: str = ""
    zoom_client_id: str = ""
    zoom_client_secret: str = field(default="", repr=False)
    #: ``ZOOM_API_URL``: the Zoom API's base (tests point it at the stand-in).
    zoom_api_url: str = DEFAULT_ZOOM_API_URL
    #: ``ZOOM_OAUTH_URL``: where the token comes from (``…/oauth/token``).
    zoom_oauth_url: str = DEFAULT_ZOOM_OAUTH_URL
    #: ``ZOOM_TIMEOUT``: seconds one call to Zoom may take before it counts as a temporary failure.
    zoom_timeout: float = 20.0
    #: ``ZOOM_RETRY_SECONDS``: the first retry's delay after a failed call; each next one
    #: doubles, up to an hour (a 429's ``Retry-After`` is honoured instead).
    zoom_retry_seconds: float = 60.0
    #: ``ZOOM_MAX_ATTEMPTS``: tries of one change before it stops and waits for an organiser's
    #: "try again".
    zoom_max_attempts: int = 8
    #: ``ZOOM_POLL_SECONDS``: how often the Zoom reconciler compares what should be with Zoom.
    zoom_poll_seconds: float = 30.0

    @property
    def zoom_enabled(self) -> bool:
        """Whether the Zoom integration is configured."""
        return bool(self.zoom_account_id and self.zoom_client_id and self.zoom_client_secret)

    #: ``EMBED_ORIGINS``: the sites (origins such as ``https://partner.example``, separated by
    #: spaces or commas) that may frame ``/embed`` and read the public JSON API from a browser
    #: (CORS); empty: no site may.
    embed_origins: tuple[str, ...] = ()
    #: ``WEBHOOK_ALLOW_PRIVATE``: webhook endpoints may point at private, loopback and
    #: link-local addresses (an intranet, tests); off: refused at save and at delivery (SSRF).
    webhook_allow_private: bool = False
    #: ``WEBHOOK_TIMEOUT``: seconds a webhook endpoint has to answer before the try counts as
    #: failed (and is retried later).
    webhook_timeout: float = 10.0
    #: ``INVITATION_MAX_UPLOAD_MB``: the largest invitee list (CSV) taken, in megabytes; 100,000
    #: invitees with long names and organisations take about 10.
    invitation_max_upload_bytes: int = 20_000_000

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is an SQLite file."""
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file named by ``database_url`` (``sqlite:///var/x.db`` is relative)."""
        if not self.is_sqlite:
            raise SettingsError("DATABASE_URL does not name an SQLite database")
        path = self.database_url.removeprefix("sqlite:").removeprefix("//")
        # sqlite:///var/x -> "/var/x" is relative, sqlite:////srv/x -> "//srv/x" is absolute.
        if path.startswith("//"):
            return Path(path[1:])
        return Path(path.removeprefix("/"))

    @property
    def database_url_for_logs(self) -> str:
        """``database_url`` with any password replaced by ``***``, fit for logs."""
        parts = urlsplit(self.database_url)
        if parts.password is None:
            return self.database_url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def mail_domain(self) -> str:
        """The domain of ``mail_from``: for Message-IDs and calendar UIDs."""
        address = self.mail_from.rsplit("<", 1)[-1].rstrip(">").strip()
        return address.rsplit("@", 1)[-1] or "localhost"

    @property
    def calendar_organiser(self) -> tuple[str, str]:
        """Name and address calendar files name as ORGANIZER for an event without a contact.

        The name of ``mail_from`` (``Treffpunkt`` without one) and the address answers go to:
        ``mail_reply_to`` when set, else ``mail_from``.
        """
        name, sender = parseaddr(self.mail_from)
        reply_to = parseaddr(self.mail_reply_to)[1] if self.mail_reply_to else ""
        return (name or "Treffpunkt", reply_to or sender)

    @property
    def cookies_secure(self) -> bool:
        """Cookies carry ``Secure`` when the service is reached over https."""
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, default_base_url: str = DEFAULT_BASE_URL
    ) -> Settings:
        """Build the settings from ``environ`` (default: the process environment).

        ``default_base_url`` is the ``BASE_URL`` when the environment sets none: ``serve``
        passes the address it listens on (:func:`listening_base_url`).
        """
        env = os.environ if environ is None else environ
        debug = _flag(env.get("DEBUG"), default=False)
        database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        if not database_url.startswith(("sqlite:", "postgres://", "postgresql://")):
            raise SettingsError(
                "DATABASE_URL must start with sqlite:///, postgres:// or postgresql://"
            )
        secret_key = env.get("SECRET_KEY", "")
        if not secret_key:
            if not debug:
                raise SettingsError(
                    "SECRET_KEY is required (set DEBUG=1 for a throwaway key in development)"
                )
            secret_key = secrets.token_urlsafe(32)
        if len(secret_key) < 16:
            raise SettingsError("SECRET_KEY must be at least 16 characters long")
        security = env.get("SMTP_SECURITY", "").strip().lower() or "starttls"
        if security not in SMTP_SECURITY_MODES:
            raise SettingsError("SMTP_SECURITY must be none, starttls or tls")
        try:
            readers = int(env.get("SQLITE_READERS", "4"))
            pool_size = int(env.get("DATABASE_POOL_SIZE", "10"))
            lock_timeout = float(
                env.get("DATABASE_LOCK_TIMEOUT", "").strip() or DEFAULT_LOCK_TIMEOUT_SECONDS
            )
            rate_limit = int(env.get("REGISTRATION_RATE_LIMIT", "30"))
            login_rate_limit = int(env.get("LOGIN_RATE_LIMIT", "10"))
            smtp_port = int(env.get("SMTP_PORT", "").strip() or _DEFAULT_SMTP_PORTS[security])
            smtp_timeout = float(env.get("SMTP_TIMEOUT", "30"))
            max_attempts = int(env.get("MAIL_MAX_ATTEMPTS", "8"))
            retry_seconds = float(env.get("MAIL_RETRY_SECONDS", "60"))
            poll_seconds = float(env.get("MAIL_POLL_SECONDS", "1"))
            lease_seconds = float(env.get("MAIL_LEASE_SECONDS", "300"))
            retention_days = int(env.get("RETENTION_DAYS", "").strip() or "90")
            zoom_timeout = float(env.get("ZOOM_TIMEOUT", "").strip() or "20")
            zoom_retry_seconds = float(env.get("ZOOM_RETRY_SECONDS", "").strip() or "60")
            zoom_max_attempts = int(env.get("ZOOM_MAX_ATTEMPTS", "").strip() or "8")
            zoom_poll_seconds = float(env.get("ZOOM_POLL_SECONDS", "").strip() or "30")
            webhook_timeout = float(env.get("WEBHOOK_TIMEOUT", "").strip() or "10")
            invitation_upload_mb = float(env.get("INVITATION_MAX_UPLOAD_MB", "").strip() or "20")
        except ValueError as error:
            raise SettingsError(f"not a number: {error}") from error
        two_factor = env.get("ORGANISER_2FA", "").strip().lower() or TwoFactorMode.OPTIONAL
        if two_factor not in set(TwoFactorMode):
            raise SettingsError("ORGANISER_2FA must be off, optional or required")
        redis_url = env.get("REDIS_URL", "").strip()
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://")
        notice_version = env.get("PRIVACY_NOTICE_VERSION", "").strip()
        if len(notice_version) > 50 or not _VERSION_SHAPE.fullmatch(notice_version or "x"):
            raise SettingsError(
                "PRIVACY_NOTICE_VERSION must be at most 50 letters, digits, '.', '-' or '_'"
            )
        base_url = (env.get("BASE_URL", "").strip() or default_base_url).rstrip("/")
        mail_from = env.get("MAIL_FROM", "").strip() or _default_mail_from(base_url)
        if "@" not in mail_from or "\n" in mail_from or "\r" in mail_from:
            raise SettingsError(
                "MAIL_FROM must be an address, e.g. Treffpunkt <noreply@example.org>"
            )
        zoom = {
            name: env.get(name, "").strip()
            for name in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")
        }
        if any(zoom.values()) and not all(zoom.values()):
            missing = ", ".join(name for name, value in zoom.items() if not value)
            raise SettingsError(f"Zoom is configured only in part: {missing} missing")
        zoom_urls = {}
        for name, default in (
            ("ZOOM_API_URL", DEFAULT_ZOOM_API_URL),
            ("ZOOM_OAUTH_URL", DEFAULT_ZOOM_OAUTH_URL),
        ):
            url = (env.get(name, "").strip() or default).rstrip("/")
            if not url.startswith(("https://", "http://")):
                raise SettingsError(f"{name} must start with https:// or http://")
            zoom_urls[name] = url
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            base_url=base_url,
            debug=debug,
            load_samples=_flag(env.get("LOAD_SAMPLES"), default=True),
            sqlite_readers=max(1, readers),
            database_pool_size=max(2, pool_size),
            database_lock_timeout=max(MIN_LOCK_TIMEOUT_SECONDS, lock_timeout),
            registration_rate_limit=max(0, rate_limit),
            login_rate_limit=max(0, login_rate_limit),
            organiser_2fa=TwoFactorMode(two_factor),
            redis_url=redis_url,
            smtp_host=env.get("SMTP_HOST", "").strip(),
            smtp_port=smtp_port,
            smtp_user=env.get("SMTP_USER", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_security=security,
            smtp_timeout=max(1.0, smtp_timeout),
            mail_from=mail_from,
            mail_reply_to=env.get("MAIL_REPLY_TO", "").strip(),
            mail_dir=Path(env.get("MAIL_DIR", "").strip() or DEFAULT_MAIL_DIR),
            mail_sender_in_serve=_flag(env.get("MAIL_SENDER"), default=True),
            mail_max_attempts=max(1, max_attempts),
            mail_retry_seconds=max(0.0, retry_seconds),
            mail_poll_seconds=max(0.05, poll_seconds),
            mail_lease_seconds=max(1.0, lease_seconds),
            retention_days=max(1, retention_days),
            privacy_notice_dir=Path(
                env.get("PRIVACY_NOTICE_DIR", "").strip() or DEFAULT_PRIVACY_NOTICE_DIR
            ),
            privacy_notice_version=notice_version,
            privacy_controller=env.get("PRIVACY_CONTROLLER", "").strip()
            or DEFAULT_PRIVACY_CONTROLLER,
            certificate_issuer=" ".join(env.get("CERTIFICATE_ISSUER", "").split()),
            zoom_account_id=zoom["ZOOM_ACCOUNT_ID"],
            zoom_client_id=zoom["ZOOM_CLIENT_ID"],
            zoom_client_secret=zoom["ZOOM_CLIENT_SECRET"],
            zoom_api_url=zoom_urls["ZOOM_API_URL"],
            zoom_oauth_url=zoom_urls["ZOOM_OAUTH_URL"],
            zoom_timeout=max(1.0, zoom_timeout),
            zoom_retry_seconds=max(0.0, zoom_retry_seconds),
            zoom_max_attempts=max(1, zoom_max_attempts),
            zoom_poll_seconds=max(0.05, zoom_poll_seconds),
            embed_origins=parse_origins(env.get("EMBED_ORIGINS", "")),
            webhook_allow_private=_flag(env.get("WEBHOOK_ALLOW_PRIVATE"), default=False),
            webhook_timeout=max(0.1, webhook_timeout),
            invitation_max_upload_bytes=max(1, int(invitation_upload_mb * 1_000_000)),
        )


_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?")


def parse_origins(value: str) -> tuple[str, ...]:
    """The origins of ``EMBED_ORIGINS``: ``scheme://host[:port]``, separated by spaces or commas.

    Each goes verbatim into a ``Content-Security-Policy`` header and is compared with browsers'
    ``Origin`` headers, so anything else (a path, a wildcard, a quote) is refused rather than
    passed on; a trailing ``/`` is dropped, letters are folded to lower case as browsers send them.
    """
    origins: list[str] = []
    for part in re.split(r"[\s,]+", value.strip()):
        if not part:
            continue
        origin = part.lower().removesuffix("/")
        if not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                f"EMBED_ORIGINS: {part!r} is not an origin like https://partner.example"
            )
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


#: Addresses that listen on every interface: no other machine can reach them under that name.
UNSPECIFIED_HOSTS = ("0.0.0.0", "::")  # noqa: S104 - names to recognise, not to bind to


def listening_base_url(host: str, port: int) -> str:
    """``http://host:port`` for a server listening there; an IPv6 host in brackets."""
    host = host.strip().removeprefix("[").removesuffix("]")
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _default_mail_from(base_url: str) -> str:
    host = urlsplit(base_url).hostname or "localhost"
    if host.replace(".", "").isdigit() or "." not in host:
        host = "localhost"
    return f"Treffpunkt <noreply@{host}>"
