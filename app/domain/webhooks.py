"""Webhooks: which changes make which event types, the payload, its signature, retries, and
which addresses an endpoint may not point at.

Plain Python: the database triggers record changes (see migration 0025), the services fan them
out into deliveries and send them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

#: Every event type an endpoint may choose.
EVENT_TYPES = (
    "registration.created",
    "registration.confirmed",
    "registration.cancelled",
    "event.published",
    "event.changed",
    "event.cancelled",
)
#: The header carrying the signature: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.
SIGNATURE_HEADER = "Treffpunkt-Signature"
#: The first retry's delay; each next one doubles, up to :data:`MAX_RETRY_DELAY`.
FIRST_RETRY_DELAY = dt.timedelta(seconds=30)
MAX_RETRY_DELAY = dt.timedelta(hours=6)
#: Tries before a delivery counts as failed (about two days with the delays above).
MAX_ATTEMPTS = 12


@dataclass(frozen=True, slots=True)
class Change:
    """One change recorded by a trigger: a registration's or an event's status (or revision)."""

    id: int
    #: ``registration`` or ``event``.
    kind: str
    event_id: int
    registration_id: int | None
    old_status: str | None
    new_status: str
    revision_changed: bool
    at: dt.datetime


def event_types(change: Change) -> list[str]:
    """The event types ``change`` stands for (none, one, or two for a registration confirmed at
    once)."""
    old, new = change.old_status, change.new_status
    types: list[str] = []
    if change.kind == "registration":
        if old is None:
            types.append("registration.created")
        if new == "confirmed" and old != "confirmed":
            types.append("registration.confirmed")
        if new == "cancelled" and old != "cancelled":
            types.append("registration.cancelled")
    elif change.kind == "event":
        if new == "published" and old != "published":
            types.append("event.published")
        elif new == "cancelled" and old != "cancelled":
            types.append("event.cancelled")
        elif new == "published" and change.revision_changed:
            types.append("event.changed")
    return types


def payload(
    change: Change,
    event_type: str,
    *,
    event: dict[str, Any],
    registration: dict[str, Any] | None,
    personal: dict[str, Any] | None,
) -> bytes:
    """The JSON body of one delivery: type, ids, states, time; ``personal`` only if given.

    ``event`` holds the event's id, slug and status; ``registration`` the registration's id,
    status and mode; ``personal`` its name and address, given only to endpoints flagged for it.
    """
    body: dict[str, Any] = {
        "id": f"{change.id}.{event_type}",
        "type": event_type,
        "occurred_at": change.at.astimezone(dt.UTC).isoformat(),
        "event": event,
    }
    if registration is not None:
        body["registration"] = {**registration, **(personal or {})}
    return _encode(body)


def _encode(body: dict[str, Any]) -> bytes:
    """A payload's bytes: compact UTF-8 JSON (what is signed and sent)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


#: What :func:`payload` adds for endpoints flagged for personal data.
PERSONAL_FIELDS = ("first_name", "last_name", "email")


def without_personal_data(body: bytes | str, registration_ids: Collection[int]) -> bytes | None:
    """``body`` without the name and address of any of ``registration_ids``; ``None`` when it
    holds none of them (nothing to rewrite)."""
    data = json.loads(body)
    registration = data.get("registration") if isinstance(data, dict) else None
    if not isinstance(registration, dict) or registration.get("id") not in registration_ids:
        return None
    if not any(name in registration for name in PERSONAL_FIELDS):
        return None
    for name in PERSONAL_FIELDS:
        registration.pop(name, None)
    return _encode(data)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER`: HMAC-SHA256 over ``"<timestamp>." + body``."""
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try (1: the first)."""
    delay: dt.timedelta = FIRST_RETRY_DELAY * (2 ** max(0, min(attempts - 1, 20)))
    return min(delay, MAX_RETRY_DELAY)


def refused_address(address: str) -> bool:
    """Whether an endpoint must not be reached at ``address`` (an IP) without the setting that
    allows private networks: private, loopback, link-local, multicast, reserved, unspecified."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )
