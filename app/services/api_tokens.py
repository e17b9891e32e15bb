"""Organisers' personal API tokens: made, listed and revoked by their owner, checked per request.

A token is ``tp_`` and 256 random bits (``secrets.token_urlsafe(32)``). Only its SHA-256 is
stored: the secret is shown once, when it is made, and cannot be shown again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from app.db.database import Database
from app.db.tables import ApiToken
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput, NotFound
from app.domain.validation import INVALID_TEXT, REQUIRED, TOO_LONG, clean_text
from app.services import audit, organisers
from app.services.organisers import Organiser

TOKEN_PREFIX = "tp_"  # noqa: S105 (a label, not a secret)
#: The longest name an organiser may give a token.
MAX_NAME = 100
#: Characters of the secret kept in clear, to recognise a token in the list (``tp_`` + 7).
DISPLAY_PREFIX = 10
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_EVERY = dt.timedelta(minutes=1)
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet.
_SHAPE = re.compile(r"tp_[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What the organiser's list shows about a token; never the secret."""

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: its list entry and the secret, which exists only here."""

    info: TokenInfo
    secret: str

    def __repr__(self) -> str:
        # Keeps the secret out of logs and tracebacks.
        return f"NewToken(info={self.info!r}, secret=<hidden>)"


def token_hash(secret: str) -> str:
    """The stored form of a secret: SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_token_shaped(value: str) -> bool:
    """Whether ``value`` can be a token at all (anything else is not looked up)."""
    return _SHAPE.fullmatch(value) is not None


def _info(row: dict[str, Any]) -> TokenInfo:
    return TokenInfo(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


_COLUMNS = (
    ApiToken.id,
    ApiToken.name,
    ApiToken.prefix,
    ApiToken.created_at,
    ApiToken.last_used_at,
    ApiToken.revoked_at,
)


def _valid_name(name: str) -> str:
    value = clean_text(name)
    if not value:
        raise InvalidInput({"name": REQUIRED})
    if len(value) > MAX_NAME:
        raise InvalidInput({"name": TOO_LONG})
    if not value.isprintable():
        raise InvalidInput({"name": INVALID_TEXT})
    return value


async def create(
    db: Database, organiser_id: int, name: str, now: dt.datetime, *, actor: Actor | None = None
) -> NewToken:
    """Make a token named ``name`` for the organiser; raises :class:`InvalidInput` (``name``)."""
    label = _valid_name(name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with db.transaction():
        rows = await ApiToken.insert(
            ApiToken(
                organiser=organiser_id,
                name=label,
                token_hash=token_hash(secret),
                prefix=secret[:DISPLAY_PREFIX],
                created_at=now,
            )
        ).returning(*_COLUMNS)
        await audit.record(
            db, actor, AuditAction.API_TOKEN_CREATED, now=now, subject_id=rows[0]["id"]
        )
    return NewToken(info=_info(rows[0]), secret=secret)


async def list_for(organiser_id: int) -> list[TokenInfo]:
    """The organiser's tokens, newest first, revoked ones included."""
    rows = (
        await ApiToken.select(*_COLUMNS)
        .where(ApiToken.organiser == organiser_id)
        .order_by(ApiToken.id, ascending=False)
    )
    return [_info(row) for row in rows]


async def revoke(
    db: Database,
    organiser_id: int,
    token_id: int,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> bool:
    """Revoke one of the organiser's own tokens; ``False`` when it was revoked already.

    Raises :class:`NotFound` for a token that is not theirs.
    """
    async with db.transaction():
        changed = (
            await ApiToken.update({ApiToken.revoked_at: now})
            .where(
                ApiToken.id == token_id,
                ApiToken.organiser == organiser_id,
                ApiToken.revoked_at.is_null(),
            )
            .returning(ApiToken.id)
        )
        if changed:
            await audit.record(
                db, actor, AuditAction.API_TOKEN_REVOKED, now=now, subject_id=token_id
            )
            return True
        exists = await ApiToken.exists().where(
            ApiToken.id == token_id, ApiToken.organiser == organiser_id
        )
    if not exists:
        raise NotFound(f"api token {token_id}")
    return False


async def authenticate(secret: str, now: dt.datetime) -> Organiser | None:
    """The organiser whose active token ``secret`` is; ``None`` for anything else.

    Malformed input is refused without a query. A revoked token or an inactive account gives
    ``None``.
    """
    if not is_token_shaped(secret):
        return None
    digest = token_hash(secret)
    user = ApiToken.organiser
    row: dict[str, Any] | None = (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.token_hash,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
            user.id.as_alias("user_id"),
            user.active.as_alias("user_active"),
            user.email.as_alias("user_email"),
            user.username.as_alias("user_username"),
            user.first_name.as_alias("user_first_name"),
            user.last_name.as_alias("user_last_name"),
        )
        .where(ApiToken.token_hash == digest)
        .first()
    )
    # The lookup is by index; the comparison that decides is constant-time.
    if row is None or not hmac.compare_digest(row["token_hash"].encode(), digest.encode()):
        return None
    if row["revoked_at"] is not None or not row["user_active"]:
        return None
    last_used = row["last_used_at"]
    if last_used is None or now - last_used >= LAST_USED_EVERY:
        await _touch(row["id"], now)
    # A token acts with its organiser's role as it is now, not as it was when made.
    return Organiser(
        id=int(row["user_id"]),
        email=row["user_email"] or row["user_username"],
        name=organisers.account_name(row["user_first_name"], row["user_last_name"]),
        role=await organisers.role_of(int(row["user_id"])),
    )


async def _touch(token_id: int, now: dt.datetime) -> None:
    # One conditional statement, atomic on its own (autocommit): of many requests in the same
    # minute only one writes, and no transaction is needed, so guards can call this.
    cutoff = now - LAST_USED_EVERY
    await ApiToken.update({ApiToken.last_used_at: now}).where(
        ApiToken.id == token_id,
        (ApiToken.last_used_at.is_null()) | (ApiToken.last_used_at <= cutoff),
    )
