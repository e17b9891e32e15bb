"""One settings object, read from the environment once and passed into the app."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "sqlite:///var/treffpunkt.sqlite3"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


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
    database_url: str = DEFAULT_DATABASE_URL
    #: ``SECRET_KEY``: signs CSRF tokens (and sessions later); required unless ``DEBUG``.
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
    #: ``REGISTRATION_RATE_LIMIT``: registrations and cancellations one client address may send
    #: per minute (0: no limit). A town hall behind one address still fits a team's sign-ups.
    registration_rate_limit: int = 30

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
    def cookies_secure(self) -> bool:
        """Cookies carry ``Secure`` when the service is reached over https."""
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from ``environ`` (default: the process environment)."""
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
        try:
            readers = int(env.get("SQLITE_READERS", "4"))
            pool_size = int(env.get("DATABASE_POOL_SIZE", "10"))
            rate_limit = int(env.get("REGISTRATION_RATE_LIMIT", "30"))
        except ValueError as error:
            raise SettingsError(f"not a number: {error}") from error
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            base_url=env.get("BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
            debug=debug,
            load_samples=_flag(env.get("LOAD_SAMPLES"), default=True),
            sqlite_readers=max(1, readers),
            database_pool_size=max(2, pool_size),
            registration_rate_limit=max(0, rate_limit),
        )
