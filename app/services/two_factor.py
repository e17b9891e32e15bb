"""Organisers' two-factor sign-in: enrolment, the code step of the sign-in, recovery codes.

The TOTP secret is stored encrypted (AES-GCM, a key derived from ``SECRET_KEY``, the organiser's
id as associated data, so a secret copied to another account's row does not decrypt); it is
never logged nor written to the audit trail. A code is accepted only for a time step later than
the last one accepted (one conditional UPDATE), so a code seen once cannot be used again.
Recovery codes are stored as hashes and deleted as they are used.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from piccolo.apps.user.tables import BaseUser

from app.db.database import Database
from app.db.tables import OrganiserRecoveryCode, OrganiserTwoFactor
from app.domain import two_factor as rules
from app.domain.audit import Actor, AuditAction
from app.domain.validation import normalise_email
from app.services import audit

_NONCE_BYTES = 12
#: Accept a code only for a later step than the last one accepted: a reused code (or an older
#: one of the window) changes no row. One statement, so two sign-ins with one code cannot both
#: win.
_ACCEPT_STEP = (
    'UPDATE "organiser_two_factor" SET "last_step" = {} '
    'WHERE "organiser" = {} AND "enabled_at" IS NOT NULL '
    'AND ("last_step" IS NULL OR "last_step" < {}) RETURNING "id"'
)


class TwoFactorError(ValueError):
    """A two-factor step cannot be done as asked; ``code`` names why for the page."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


#: Why a step was refused (the pages say it in words).
WRONG_CODE = "wrong_code"
WRONG_PASSWORD = "wrong_password"  # noqa: S105 (a reason, not a password)
ALREADY_ENABLED = "already_enabled"
NOT_ENABLED = "not_enabled"


def encryption_key(secret_key: str) -> bytes:
    """A 32-byte AES key for the stored TOTP secrets, derived from ``SECRET_KEY``.

    Its own HKDF ``info``, so it is not the session cookie's key. Changing ``SECRET_KEY`` makes
    the stored secrets unreadable: organisers then need ``python -m app reset-two-factor``.
    """
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"treffpunkt organiser totp secret"
    ).derive(secret_key.encode())


def _encrypt(key: bytes, organiser_id: int, secret: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), str(organiser_id).encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def _decrypt(key: bytes, organiser_id: int, stored: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(stored.encode())
        plain = AESGCM(key).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], str(organiser_id).encode()
        )
    except (InvalidTag, ValueError):
        return None
    return plain.decode()


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A secret being enrolled: what the account page shows (secret, QR code's address)."""

    secret: str
    uri: str


@dataclass(frozen=True, slots=True)
class Status:
    """An organiser's two-factor state."""

    enabled: bool
    recovery_codes_left: int


async def status(organiser_id: int) -> Status:
    """Whether the organiser has two-factor sign-in on, and how many recovery codes are left."""
    row = (
        await OrganiserTwoFactor.select(OrganiserTwoFactor.enabled_at)
        .where(OrganiserTwoFactor.organiser == organiser_id)
        .first()
    )
    left = await OrganiserRecoveryCode.count().where(
        OrganiserRecoveryCode.organiser == organiser_id
    )
    return Status(enabled=bool(row and row["enabled_at"]), recovery_codes_left=int(left))


async def is_enabled(organiser_id: int) -> bool:
    """Whether the organiser signs in with a second factor."""
    return await OrganiserTwoFactor.exists().where(
        (OrganiserTwoFactor.organiser == organiser_id) & OrganiserTwoFactor.enabled_at.is_not_null()
    )


async def start_enrolment(db: Database, key: bytes, organiser_id: int, account: str) -> Enrolment:
    """The secret being enrolled: the one already stored (a reload shows the same QR code),
    else a new one. Refused while two-factor sign-in is on."""
    async with db.transaction():
        row = (
            await OrganiserTwoFactor.select(
                OrganiserTwoFactor.secret, OrganiserTwoFactor.enabled_at
            )
            .where(OrganiserTwoFactor.organiser == organiser_id)
            .first()
        )
        if row and row["enabled_at"]:
            raise TwoFactorError(ALREADY_ENABLED)
        secret = _decrypt(key, organiser_id, row["secret"]) if row else None
        if secret is None:
            secret = rules.new_secret()
            await OrganiserTwoFactor.delete().where(OrganiserTwoFactor.organiser == organiser_id)
            await OrganiserTwoFactor.insert(
                OrganiserTwoFactor(
                    organiser=organiser_id, secret=_encrypt(key, organiser_id, secret)
                )
            )
    return Enrolment(secret=secret, uri=rules.provisioning_uri(secret, account))


async def confirm_enrolment(
    db: Database, key: bytes, organiser_id: int, code: str, *, actor: Actor, now: dt.datetime
) -> list[str]:
    """Switch two-factor sign-in on with a correct code; returns the new recovery codes.

    The codes are returned this once: only their hashes are stored.
    """
    codes = rules.new_recovery_codes()
    async with db.transaction():
        row = (
            await OrganiserTwoFactor.select(
                OrganiserTwoFactor.secret, OrganiserTwoFactor.enabled_at
            )
            .where(OrganiserTwoFactor.organiser == organiser_id)
            .first()
        )
        if row is None:
            raise TwoFactorError(WRONG_CODE)
        if row["enabled_at"]:
            raise TwoFactorError(ALREADY_ENABLED)
        secret = _decrypt(key, organiser_id, row["secret"])
        step = (
            None if secret is None else rules.matching_step(secret, rules.normalise_code(code), now)
        )
        if step is None:
            raise TwoFactorError(WRONG_CODE)
        # Conditional: of two confirmations at once only one switches on (and makes codes).
        switched = (
            await OrganiserTwoFactor.update(
                {OrganiserTwoFactor.enabled_at: now, OrganiserTwoFactor.last_step: step}
            )
            .where(
                (OrganiserTwoFactor.organiser == organiser_id)
                & OrganiserTwoFactor.enabled_at.is_null()
            )
            .returning(OrganiserTwoFactor.id)
        )
        if not switched:
            raise TwoFactorError(ALREADY_ENABLED)
        await OrganiserRecoveryCode.delete().where(OrganiserRecoveryCode.organiser == organiser_id)
        await OrganiserRecoveryCode.insert(
            *(
                OrganiserRecoveryCode(organiser=organiser_id, code_hash=rules.recovery_hash(c))
                for c in codes
            )
        )
        await audit.record(
            db, actor, AuditAction.TWO_FACTOR_ENABLED, now=now, subject_id=organiser_id
        )
    return codes


async def verify(
    db: Database, key: bytes, organiser_id: int, code: str, *, actor: Actor, now: dt.datetime
) -> bool:
    """Whether ``code`` is a current TOTP code or an unused recovery code of the organiser.

    Either is used up by this: the TOTP code's step is recorded, the recovery code deleted
    (and its use recorded in the audit trail).
    """
    typed = rules.normalise_code(code)
    if rules.is_totp_shape(typed):
        return await _accept_totp(db, key, organiser_id, typed, now)
    if not typed:
        return False
    async with db.transaction():
        used = (
            await OrganiserRecoveryCode.delete()
            .where(
                (OrganiserRecoveryCode.organiser == organiser_id)
                & (OrganiserRecoveryCode.code_hash == rules.recovery_hash(typed))
            )
            .returning(OrganiserRecoveryCode.id)
        )
        if not used:
            return False
        left = await OrganiserRecoveryCode.count().where(
            OrganiserRecoveryCode.organiser == organiser_id
        )
        await audit.record(
            db,
            actor,
            AuditAction.RECOVERY_CODE_USED,
            now=now,
            subject_id=organiser_id,
            detail=f"left={left}",
        )
    return True


async def _accept_totp(
    db: Database, key: bytes, organiser_id: int, code: str, now: dt.datetime
) -> bool:
    row = (
        await OrganiserTwoFactor.select(OrganiserTwoFactor.secret)
        .where(
            (OrganiserTwoFactor.organiser == organiser_id)
            & OrganiserTwoFactor.enabled_at.is_not_null()
        )
        .first()
    )
    secret = None if row is None else _decrypt(key, organiser_id, row["secret"])
    step = None if secret is None else rules.matching_step(secret, code, now)
    if step is None:
        return False
    async with db.transaction():
        accepted = await OrganiserTwoFactor.raw(_ACCEPT_STEP, step, organiser_id, step)
    return bool(accepted)


async def disable(
    db: Database,
    key: bytes,
    organiser_id: int,
    *,
    code: str = "",
    password: str = "",
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Switch two-factor sign-in off, proven by the account's password *and* a current code or
    an unused recovery code: a session taken over, even with the password, cannot switch off
    the second factor that protects the next sign-in.

    The password is checked first, so a wrong one uses up no code.
    """
    if not await is_enabled(organiser_id):
        raise TwoFactorError(NOT_ENABLED)
    username = await BaseUser.select(BaseUser.username).where(BaseUser.id == organiser_id)
    # BaseUser.login hashes even for an unknown user: the check costs the same either way.
    proven = username and await BaseUser.login(username=username[0]["username"], password=password)
    if not proven or int(proven) != organiser_id:
        raise TwoFactorError(WRONG_PASSWORD)
    if not await verify(db, key, organiser_id, code, actor=actor, now=now):
        raise TwoFactorError(WRONG_CODE)
    async with db.transaction():
        await _remove(organiser_id)
        await audit.record(
            db, actor, AuditAction.TWO_FACTOR_DISABLED, now=now, subject_id=organiser_id
        )


async def reset(db: Database, email: str, *, actor: Actor, now: dt.datetime) -> bool:
    """Switch two-factor sign-in off for a locked-out organiser (the command line).

    ``False`` when there is no organiser with this email.
    """
    async with db.transaction():
        rows = await BaseUser.select(BaseUser.id).where(BaseUser.username == normalise_email(email))
        if not rows:
            return False
        organiser_id = int(rows[0]["id"])
        await _remove(organiser_id)
        await audit.record(
            db,
            actor,
            AuditAction.TWO_FACTOR_DISABLED,
            now=now,
            subject_id=organiser_id,
            detail="reset",
        )
    return True


async def _remove(organiser_id: int) -> None:
    await OrganiserTwoFactor.delete().where(OrganiserTwoFactor.organiser == organiser_id)
    await OrganiserRecoveryCode.delete().where(OrganiserRecoveryCode.organiser == organiser_id)
