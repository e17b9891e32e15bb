"""Two-factor sign-in for organisers: TOTP codes (RFC 6238) and one-time recovery codes.

Plain rules, no storage: which time step a code belongs to, what a recovery code looks like and
how it is hashed, and who must enrol under ``ORGANISER_2FA``.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets

import pyotp

#: The length of a time step, as every authenticator app uses.
STEP_SECONDS = 30
#: Codes of the step before and after the current one count too (RFC 6238, section 5.2: one
#: step of clock drift either way), 30 seconds each.
VALID_WINDOW = 1
#: How many recovery codes an organiser gets when switching two-factor sign-in on.
RECOVERY_CODE_COUNT = 10
#: Shown in authenticator apps beside the account.
ISSUER = "Treffpunkt"
#: Recovery codes are 10 characters of this alphabet (no 0/O, 1/I/L), shown as two groups of 5:
#: about 50 bits each, far beyond guessing at the sign-in throttle's rate.
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_RECOVERY_LENGTH = 10


class TwoFactorMode(enum.StrEnum):
    """``ORGANISER_2FA``: off, optional (each organiser chooses) or required."""

    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def time_step(now: dt.datetime) -> int:
    """The RFC 6238 time step ``now`` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def normalise_code(code: str) -> str:
    """``code`` without spaces and dashes, upper case (as typed from an app or a printout)."""
    return "".join(code.split()).replace("-", "").upper()


def is_totp_shape(code: str) -> bool:
    """Whether a normalised code looks like a TOTP code (six digits)."""
    return len(code) == 6 and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code ``code`` is, within the window around ``now``; else ``None``.

    Every step of the window is compared (in constant time), so the answer takes as long
    whichever step matched.
    """
    if not is_totp_shape(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(totp.timecode(now))
    found: int | None = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found


def new_recovery_codes() -> list[str]:
    """:data:`RECOVERY_CODE_COUNT` fresh recovery codes, shown as ``ABCDE-FGHJK``."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_hash(code: str) -> str:
    """The stored form of a recovery code: SHA-256 of the normalised code.

    A plain hash suffices: the codes are random with about 50 bits, not chosen by people.
    """
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def must_enrol(mode: TwoFactorMode, *, enabled: bool, is_administrator: bool) -> bool:
    """Whether an organiser must switch two-factor sign-in on before anything else.

    ``required`` applies to administrators, who can change every account and event.
    """
    return mode is TwoFactorMode.REQUIRED and is_administrator and not enabled
