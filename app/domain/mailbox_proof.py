"""Proof that someone reads a mailbox: a key that only ever leaves the service in a mail.

A personal token proves nothing about the address it was registered with: anyone may register
with any address, and the browser is sent to the new personal page at once. What combines the
registrations of one address (the feed of all one's events) therefore asks for a second key,
derived from the token, the address and the service's secret key, and written only into mails
to that address. Whoever holds it has read that mailbox (or was given the link by who did).

Derived rather than stored: no schema, nothing to leak from a database dump, and the key dies
with its token (cancelling and registering again, anonymising) or with a changed address.
Changing ``SECRET_KEY`` ends every such link; the next mail brings a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from app import paths

#: Binds the key to this one use, so no other HMAC of the same secret can stand in for it.
_PURPOSE = b"treffpunkt all-events feed v1"
#: 24 bytes of the HMAC, 32 URL-safe characters: as unguessable as the token itself.
_KEY_BYTES = 24


def all_events_key(secret_key: str, token: str, email_normalised: str) -> str:
    """The key that opens the feed of all registrations of ``email_normalised``, via ``token``."""
    message = b"\0".join((_PURPOSE, token.encode(), email_normalised.encode()))
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_KEY_BYTES]).decode("ascii")


def proves_mailbox(key: str, *, secret_key: str, token: str, email_normalised: str) -> bool:
    """Whether ``key`` is the one sent to ``email_normalised`` for ``token`` (constant time)."""
    expected = all_events_key(secret_key, token, email_normalised)
    return hmac.compare_digest(expected.encode(), key.encode("utf-8", "replace"))


def all_events_path(secret_key: str, token: str, email_normalised: str) -> str:
    """Where the feed of all events of the address is: for mails to it, never for a page."""
    return paths.all_events_feed(token, all_events_key(secret_key, token, email_normalised))
