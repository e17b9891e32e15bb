"""Organiser accounts: Piccolo's ``BaseUser`` (hashing, ``last_login``) and the session's content.

Accounts are made from the command line only (``python -m app create-organiser``). The session
(an encrypted cookie) holds the organiser's id and a fingerprint of the password hash, so a
changed password or a deactivated account ends every session at its next request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.apps.user.tables import BaseUser

from app.db.database import Database, is_unique_violation
from app.domain.validation import normalise_email

#: Shorter passwords are refused when an account is made.
MIN_PASSWORD_LENGTH = 12
_SESSION_ID = "organiser_id"
_SESSION_FINGERPRINT = "fingerprint"


class OrganiserError(ValueError):
    """An account cannot be made as asked (bad email, weak password, email taken)."""


@dataclass(frozen=True, slots=True)
class Organiser:
    """A signed-in organiser, as the web layer sees them."""

    id: int
    email: str
    name: str


async def create_organiser(db: Database, email: str, password: str, name: str = "") -> Organiser:
    """Make an organiser account; the email is also the username."""
    address = normalise_email(email)
    local, _, domain = address.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in address):
        raise OrganiserError("not an email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    first, _, last = name.strip().partition(" ")
    try:
        async with db.transaction():
            if await BaseUser.exists().where(BaseUser.username == address):
                raise OrganiserError("an organiser with this email exists already")
            user = await BaseUser.create_user(
                username=address,
                password=password,
                email=address,
                first_name=first,
                last_name=last,
                active=True,
            )
    except ValueError as error:
        # Piccolo's own password rules (e.g. the longest allowed).
        raise OrganiserError(str(error)) from error
    except Exception as error:
        if is_unique_violation(error):
            raise OrganiserError("an organiser with this email exists already") from error
        raise
    return Organiser(id=int(user.id), email=address, name=name.strip())


async def authenticate(email: str, password: str) -> dict[str, Any] | None:
    """The session content for a correct email and password of an active account, else ``None``.

    ``BaseUser.login`` hashes the password even for an unknown user, so both cost the same.
    """
    user_id = await BaseUser.login(username=normalise_email(email), password=password)
    if user_id is None:
        return None
    row = await _user_row(int(user_id))
    if row is None or not row["active"]:
        return None
    return {_SESSION_ID: int(row["id"]), _SESSION_FINGERPRINT: _fingerprint(row["password"])}


async def from_session(session: Mapping[str, Any]) -> Organiser | None:
    """The session's organiser, while the account is active and its password unchanged."""
    user_id = session.get(_SESSION_ID)
    fingerprint = session.get(_SESSION_FINGERPRINT)
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    row = await _user_row(user_id)
    if row is None or not row["active"]:
        return None
    if not hmac.compare_digest(fingerprint, _fingerprint(row["password"])):
        return None
    name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()
    return Organiser(id=user_id, email=row["email"] or row["username"], name=name)


async def _user_row(user_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await BaseUser.select(
            BaseUser.id,
            BaseUser.username,
            BaseUser.email,
            BaseUser.first_name,
            BaseUser.last_name,
            BaseUser.active,
            BaseUser.password,
        )
        .where(BaseUser.id == user_id)
        .first()
    )
    return row


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]
