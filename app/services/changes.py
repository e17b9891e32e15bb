"""State changes that people are told about, recorded in the transaction that makes them.

The mail issue turns each change into outbox rows inside :func:`record`; until then the changes
are logged (ids and kinds only: never addresses, names or tokens) and returned to callers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

logger = logging.getLogger("treffpunkt.changes")


class ChangeKind(StrEnum):
    """What happened to a registration."""

    CONFIRMED = "confirmed"  # a seat: confirmation with invite
    PENDING = "pending"  # double opt-in: please confirm your address
    WAITLISTED = "waitlisted"  # waiting-list notice
    ALREADY_REGISTERED = "already_registered"  # second attempt: send the personal link again
    PROMOTED = "promoted"  # off the waiting list: promotion with invite
    CANCELLED = "cancelled"  # registration cancelled (and CANCEL invite if it held a seat)


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one registration."""

    kind: ChangeKind
    registration_id: int
    event_id: int


async def record(changes: Sequence[Change]) -> None:
    """Record ``changes`` in the caller's transaction: the place where mails are enqueued."""
    for change in changes:
        logger.info(
            "registration %s of event %s: %s",
            change.registration_id,
            change.event_id,
            change.kind.value,
        )
