"""Organiser accounts: Piccolo's ``BaseUser`` (hashing, ``last_login``) and the session's content.

Accounts are made, and passwords set, on the command line (``python -m app create-organiser``,
``set-password``, ``set-role``); administrators also make accounts, change roles and deactivate
accounts on the accounts page. The last active administrator can be neither demoted nor
deactivated. The session (an encrypted cookie) holds the organiser's id,
a fingerprint of the password hash and the organiser's session version. The version lives in the
database (``organiser_session``), so signing out or setting a password ends every session of that
organiser in every process at its next request, copies of the cookie included; so does
deactivating the account, or a password hash changed by other means (the fingerprint).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.apps.user.tables import BaseUser

from app.db.database import Database, is_unique_violation
from app.db.tables import OrganiserSession
from app.domain.audit import Actor, AuditAction
from app.domain.roles import Role, leaves_an_administrator
from app.domain.validation import normalise_email
from app.services import audit

#: Shorter passwords are refused when an account is made.
MIN_PASSWORD_LENGTH = 12
_SESSION_ID = "organiser_id"
_SESSION_FINGERPRINT = "fingerprint"
_SESSION_VERSION = "version"
#: A session after the password and before the second factor: the organiser's id under this key
#: (never under ``organiser_id``, so no organiser page takes it), and when the password was right.
_PENDING_ID = "pending_organiser_id"
_PENDING_SINCE = "pending_since"
_PENDING_NEXT = "pending_next"
#: How long the code may be typed after the password, before the password is asked again.
PENDING_MINUTES = 5

#: The account and its session version in one indexed lookup, run on every organiser request.
#: No organiser_session row yet means version 0.
_ORGANISER_SELECT = (
    "SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.active, u.password, "
    "COALESCE(s.version, 0) AS session_version, COALESCE(r.role, 'door_staff') AS role, "
    "CASE WHEN t.enabled_at IS NULL THEN 0 ELSE 1 END AS two_factor "
    'FROM "piccolo_user" u LEFT JOIN "organiser_session" s ON s.organiser = u.id '
    'LEFT JOIN "organiser_role" r ON r.organiser = u.id '
    'LEFT JOIN "organiser_two_factor" t ON t.organiser = u.id '
    "WHERE u.id = {}"
)
_ACCOUNTS_SELECT = (
    "SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.active, "
    "COALESCE(r.role, 'door_staff') AS role "
    'FROM "piccolo_user" u LEFT JOIN "organiser_role" r ON r.organiser = u.id '
)
#: PostgreSQL: two administrators demoting each other at once must not both succeed, so a
#: change of role or of ``active`` first locks the administrators' role rows (SQLite's
#: IMMEDIATE transaction already runs such changes one at a time).
_LOCK_ADMINISTRATORS = (
    "SELECT id FROM \"organiser_role\" WHERE role = 'administrator' ORDER BY id FOR UPDATE"
)
_SET_ROLE = (
    'INSERT INTO "organiser_role" ("organiser", "role") VALUES ({}, {}) '
    'ON CONFLICT ("organiser") DO UPDATE SET "role" = excluded."role"'
)
#: One atomic statement, so two sign-outs at once both count (SQLite ≥ 3.24 and PostgreSQL).
_END_SESSIONS = (
    'INSERT INTO "organiser_session" ("organiser", "version") VALUES ({}, 1) '
    'ON CONFLICT ("organiser") DO UPDATE SET "version" = "organiser_session"."version" + 1'
)


class OrganiserError(ValueError):
    """An account cannot be made as asked (bad email, weak password, email taken)."""


class LastAdministrator(OrganiserError):
    """The change would leave no active administrator."""


@dataclass(frozen=True, slots=True)
class Organiser:
    """A signed-in organiser, as the web layer sees them."""

    id: int
    email: str
    name: str
    role: Role = Role.DOOR_STAFF
    #: Whether the organiser signs in with a second factor (TOTP).
    two_factor: bool = False


@dataclass(frozen=True, slots=True)
class Account:
    """An organiser account as the accounts page lists it."""

    id: int
    email: str
    name: str
    role: Role
    active: bool


async def create_organiser(
    db: Database,
    email: str,
    password: str,
    name: str = "",
    *,
    role: Role = Role.ADMINISTRATOR,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> Organiser:
    """Make an organiser account with ``role``; the email is also the username."""
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
            await BaseUser.raw(_SET_ROLE, int(user.id), role.value)
            if now is not None:
                await audit.record(
                    db,
                    actor,
                    AuditAction.ORGANISER_CREATED,
                    now=now,
                    subject_id=int(user.id),
                    detail=f"role={role.value}",
                )
    except ValueError as error:
        # Piccolo's own password rules (e.g. the longest allowed).
        raise OrganiserError(str(error)) from error
    except Exception as error:
        if is_unique_violation(error):
            raise OrganiserError("an organiser with this email exists already") from error
        raise
    return Organiser(id=int(user.id), email=address, name=name.strip(), role=role)


async def accounts() -> list[Account]:
    """Every organiser account, by email."""
    rows: list[dict[str, Any]] = await BaseUser.raw(_ACCOUNTS_SELECT + "ORDER BY u.username")
    return [_account(row) for row in rows]


async def account(organiser_id: int) -> Account | None:
    """One account, or None."""
    rows: list[dict[str, Any]] = await BaseUser.raw(
        _ACCOUNTS_SELECT + "WHERE u.id = {}", organiser_id
    )
    return _account(rows[0]) if rows else None


async def account_by_email(email: str) -> Account | None:
    """The account of ``email`` (its username), or None."""
    rows: list[dict[str, Any]] = await BaseUser.raw(
        _ACCOUNTS_SELECT + "WHERE u.username = {}", normalise_email(email)
    )
    return _account(rows[0]) if rows else None


async def role_of(organiser_id: int) -> Role:
    """The account's role (door staff, which grants nothing by itself, when it has none)."""
    rows: list[dict[str, Any]] = await BaseUser.raw(
        'SELECT role FROM "organiser_role" WHERE organiser = {}', organiser_id
    )
    return _role(rows[0]["role"]) if rows else Role.DOOR_STAFF


async def change_account(
    db: Database,
    organiser_id: int,
    *,
    role: Role | None = None,
    active: bool | None = None,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> Account:
    """Give the account a new ``role`` and/or set it ``active``; raises :class:`OrganiserError`.

    Refused with :class:`LastAdministrator` when no active administrator would remain.
    Deactivating ends the account's sessions (its API tokens stop working with it).
    """
    async with db.transaction():
        if not db.is_sqlite:
            await BaseUser.raw(_LOCK_ADMINISTRATORS)
        rows: list[dict[str, Any]] = await BaseUser.raw(_ACCOUNTS_SELECT)
        everyone = {int(row["id"]): (Role(row["role"]), bool(row["active"])) for row in rows}
        if organiser_id not in everyone:
            raise OrganiserError("no such organiser")
        before_role, before_active = everyone[organiser_id]
        new_role = before_role if role is None else role
        new_active = before_active if active is None else active
        if not leaves_an_administrator(everyone, organiser_id, new_role, new_active):
            raise LastAdministrator("the last active administrator must stay one")
        changes = []
        if new_role is not before_role:
            await BaseUser.raw(_SET_ROLE, organiser_id, new_role.value)
            changes.append(f"role={new_role.value}")
        if new_active != before_active:
            await BaseUser.update({BaseUser.active: new_active}).where(BaseUser.id == organiser_id)
            changes.append(f"active={'yes' if new_active else 'no'}")
            if not new_active:
                await end_sessions(db, organiser_id)
        if changes and now is not None:
            await audit.record(
                db,
                actor,
                AuditAction.ORGANISER_CHANGED,
                now=now,
                subject_id=organiser_id,
                detail=" ".join(changes),
            )
    changed = await account(organiser_id)
    assert changed is not None
    return changed


async def authenticate(email: str, password: str) -> dict[str, Any] | None:
    """The session content for a correct email and password of an active account, else ``None``.

    With two-factor sign-in on, the caller holds it back as a :func:`pending_session`.

    ``BaseUser.login`` hashes the password even for an unknown user, so both cost the same.
    """
    user_id = await BaseUser.login(username=normalise_email(email), password=password)
    if user_id is None:
        return None
    row = await _organiser_row(int(user_id))
    if row is None or not row["active"]:
        return None
    return {
        _SESSION_ID: int(row["id"]),
        _SESSION_FINGERPRINT: _fingerprint(row["password"]),
        _SESSION_VERSION: int(row["session_version"]),
    }


async def from_session(session: Mapping[str, Any]) -> Organiser | None:
    """The session's organiser, while the account is active, its password unchanged and the
    session not ended (signed out, or a new password set) since it was issued.

    A session without a version (issued before versions existed) is refused: it could not be
    ended otherwise.
    """
    user_id = session.get(_SESSION_ID)
    fingerprint = session.get(_SESSION_FINGERPRINT)
    version = session.get(_SESSION_VERSION)
    if (
        not isinstance(user_id, int)
        or not isinstance(fingerprint, str)
        or not isinstance(version, int)
    ):
        return None
    row = await _organiser_row(user_id)
    if row is None or not row["active"] or int(row["session_version"]) != version:
        return None
    if not hmac.compare_digest(fingerprint, _fingerprint(row["password"])):
        return None
    return _organiser(row)


def pending_session(session: Mapping[str, Any], now: dt.datetime, next_page: str) -> dict[str, Any]:
    """The session to hold between a right password and the second factor.

    It opens no organiser page: only the code step reads it (:func:`from_pending`).
    """
    return {
        _PENDING_ID: session[_SESSION_ID],
        _SESSION_FINGERPRINT: session[_SESSION_FINGERPRINT],
        _SESSION_VERSION: session[_SESSION_VERSION],
        _PENDING_SINCE: now.isoformat(),
        _PENDING_NEXT: next_page,
    }


def session_organiser_id(session: Mapping[str, Any]) -> int:
    """The organiser's id in a session made by :func:`authenticate`."""
    return int(session[_SESSION_ID])


def is_pending(session: Mapping[str, Any]) -> bool:
    """Whether ``session`` waits for the second factor."""
    return _PENDING_ID in session


def pending_next(session: Mapping[str, Any]) -> str:
    """Where the organiser wanted to go when the password was asked (checked by the caller)."""
    target = session.get(_PENDING_NEXT)
    return target if isinstance(target, str) else ""


async def from_pending(session: Mapping[str, Any], now: dt.datetime) -> Organiser | None:
    """The organiser a pending session waits for, while it is fresh and would still be valid
    as a full session (account active, password and session version unchanged)."""
    since = session.get(_PENDING_SINCE)
    try:
        started = dt.datetime.fromisoformat(since) if isinstance(since, str) else None
    except ValueError:
        started = None
    if started is None or not (started <= now <= started + dt.timedelta(minutes=PENDING_MINUTES)):
        return None
    return await from_session(
        {
            _SESSION_ID: session.get(_PENDING_ID),
            _SESSION_FINGERPRINT: session.get(_SESSION_FINGERPRINT),
            _SESSION_VERSION: session.get(_SESSION_VERSION),
        }
    )


def completed_session(session: Mapping[str, Any]) -> dict[str, Any]:
    """The full session for a pending one whose second factor was right."""
    return {
        _SESSION_ID: session[_PENDING_ID],
        _SESSION_FINGERPRINT: session[_SESSION_FINGERPRINT],
        _SESSION_VERSION: session[_SESSION_VERSION],
    }


async def renewed_session(db: Database, organiser_id: int) -> dict[str, Any] | None:
    """End every session of the organiser and return the content of a new one for this request.

    For a change that the sessions opened before must not outlive (switching on two-factor
    sign-in ends those opened with the password alone, e.g. by someone who knew it).
    """
    await end_sessions(db, organiser_id)
    row = await _organiser_row(organiser_id)
    if row is None or not row["active"]:
        return None
    return {
        _SESSION_ID: int(row["id"]),
        _SESSION_FINGERPRINT: _fingerprint(row["password"]),
        _SESSION_VERSION: int(row["session_version"]),
    }


async def end_sessions(db: Database, organiser_id: int) -> None:
    """End every session of the organiser, in every process (API tokens stay valid)."""
    async with db.transaction():
        await OrganiserSession.raw(_END_SESSIONS, organiser_id)


async def set_password(
    db: Database,
    email: str,
    password: str,
    *,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> Organiser:
    """Give the organiser a new password and end all their sessions."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrganiserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    try:
        BaseUser._validate_password(password)
    except ValueError as error:
        # Piccolo's own password rules (e.g. the longest allowed).
        raise OrganiserError(str(error)) from error
    # Hashed before the transaction: PBKDF2 takes a while, and SQLite's write lock is held
    # from BEGIN on.
    hashed = BaseUser.hash_password(password)
    address = normalise_email(email)
    async with db.transaction():
        updated = (
            await BaseUser.update({BaseUser.password: hashed})
            .where(BaseUser.username == address)
            .returning(BaseUser.id)
        )
        if not updated:
            raise OrganiserError("no organiser with this email")
        organiser_id = int(updated[0]["id"])
        await end_sessions(db, organiser_id)
        if now is not None:
            await audit.record(
                db,
                actor,
                AuditAction.ORGANISER_CHANGED,
                now=now,
                subject_id=organiser_id,
                detail="password",
            )
        row = await _organiser_row(organiser_id)
    assert row is not None
    return _organiser(row)


async def _organiser_row(user_id: int) -> dict[str, Any] | None:
    rows: list[dict[str, Any]] = await BaseUser.raw(_ORGANISER_SELECT, user_id)
    return rows[0] if rows else None


def account_name(first_name: str | None, last_name: str | None) -> str:
    """An account's name as shown: first and last name, either may be missing."""
    return f"{first_name or ''} {last_name or ''}".strip()


def _name(row: Mapping[str, Any]) -> str:
    return account_name(row["first_name"], row["last_name"])


def _role(value: object) -> Role:
    # An unknown stored value grants nothing beyond the start page.
    try:
        return Role(str(value))
    except ValueError:
        return Role.DOOR_STAFF


def _organiser(row: Mapping[str, Any]) -> Organiser:
    return Organiser(
        id=int(row["id"]),
        email=row["email"] or row["username"],
        name=_name(row),
        role=_role(row["role"]),
        two_factor=bool(row.get("two_factor")),
    )


def _account(row: Mapping[str, Any]) -> Account:
    return Account(
        id=int(row["id"]),
        email=row["email"] or row["username"],
        name=_name(row),
        role=_role(row["role"]),
        active=bool(row["active"]),
    )


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]
