"""The outbox: mail enqueued in the caller's transaction, claimed and settled by senders.

Enqueueing writes rows in whatever transaction the caller holds, so a registration and its mail
commit together or not at all. Senders claim due rows under a lease: on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, so any number of workers share the queue without taking the same row;
on SQLite the claim is one statement under the database's write lock. A row whose lease ran out
belongs to a worker that died and is claimed again, which counts as an attempt: once a lease ran
out on the last allowed attempt, the mail is failed instead of being claimed again. A live sender
keeps its lease ahead with :func:`renew_leases`, which only extends what that sender still holds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from piccolo.columns.combination import Or

from app.db.database import Database
from app.db.tables import Outbox
from app.domain.mail import SCHEDULED_KINDS, MailKind, rescheduled
from app.domain.model import Event, Language


class OutboxStatus(StrEnum):
    """Where one mail is."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: A mail in one of these is still on its way or already out.
ACTIVE_STATUSES = frozenset({OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT})


@dataclass(frozen=True, slots=True)
class NewMail:
    """A mail to enqueue."""

    kind: MailKind
    event_id: int
    registration_id: int | None
    recipient: str
    language: Language
    send_after: dt.datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClaimedMail:
    """A mail a sender has claimed and must now settle."""

    id: int
    kind: MailKind
    event_id: int
    registration_id: int | None
    recipient: str
    language: Language
    payload: Mapping[str, Any]
    attempts: int
    created_at: dt.datetime

    def message_id(self, domain: str) -> str:
        """The Message-ID, the same on every attempt, so receivers can tell a repeat."""
        stamp = self.created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        return f"<treffpunkt.{self.id}.{stamp}@{domain}>"


async def enqueue(db: Database, mails: Iterable[NewMail], now: dt.datetime) -> int:
    """Add ``mails`` in the caller's transaction; returns how many."""
    rows = [
        Outbox(
            kind=mail.kind.value,
            event=mail.event_id,
            registration=mail.registration_id,
            recipient=mail.recipient,
            language=mail.language.value,
            payload=json.dumps(dict(mail.payload), ensure_ascii=False),
            status=OutboxStatus.QUEUED.value,
            send_after=mail.send_after,
            created_at=now,
            updated_at=now,
        )
        for mail in mails
    ]
    if rows:
        await Outbox.insert(*rows)
        db.announce_mail()
    return len(rows)


#: Why a mail whose lease ran out on its last allowed attempt is given up.
LEASE_RAN_OUT = (
    "gave up: the lease ran out on the last allowed attempt (its sender stopped before recording"
    " the outcome; the mail may have arrived)"
)


def _lease_ran_out(now: dt.datetime) -> Any:
    # A claim whose worker died (or stalled) between claiming and settling.
    return (Outbox.status == OutboxStatus.SENDING.value) & (Outbox.lease_until < now)


def _due(now: dt.datetime) -> Any:
    return Or(
        (Outbox.status == OutboxStatus.QUEUED.value) & (Outbox.send_after <= now),
        _lease_ran_out(now),
    )


async def has_due(now: dt.datetime) -> bool:
    """Whether any mail is due (a cheap read before a sender takes the write lock)."""
    return bool(await Outbox.exists().where(_due(now)))


async def claim(
    db: Database,
    *,
    worker: str,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
    max_attempts: int,
) -> list[ClaimedMail]:
    """Claim up to ``limit`` due mails for ``worker`` until ``now + lease``, oldest first.

    Each claim counts an attempt, a take-over too. A mail whose lease ran out after its
    ``max_attempts``-th claim is failed instead: a mail that stops its sender every time must
    not be taken over forever (nor sent again and again by workers that die after sending).
    """
    due = (
        Outbox.select(Outbox.id)
        .where(_due(now))
        .order_by(Outbox.send_after)
        .order_by(Outbox.id)
        .limit(limit)
    )
    used_up = Outbox.select(Outbox.id).where(_lease_ran_out(now), Outbox.attempts >= max_attempts)
    if not db.is_sqlite:
        # Rows another worker is claiming right now are skipped, not waited for.
        due = due.lock_rows("UPDATE", skip_locked=True)
        used_up = used_up.lock_rows("UPDATE", skip_locked=True)
    async with db.transaction():
        await Outbox.update(
            {
                Outbox.status: OutboxStatus.FAILED.value,
                Outbox.lease_until: None,
                Outbox.last_error: LEASE_RAN_OUT,
                Outbox.updated_at: now,
            }
        ).where(Outbox.id.is_in(used_up))
        rows = await (
            Outbox.update(
                {
                    Outbox.status: OutboxStatus.SENDING.value,
                    Outbox.lease_until: now + lease,
                    Outbox.claimed_by: worker,
                    Outbox.attempts: Outbox.attempts + 1,
                    Outbox.updated_at: now,
                }
            )
            .where(Outbox.id.is_in(due))
            .returning(
                Outbox.id,
                Outbox.kind,
                Outbox.event,
                Outbox.registration,
                Outbox.recipient,
                Outbox.language,
                Outbox.payload,
                Outbox.attempts,
                Outbox.created_at,
            )
        )
    claimed = [_claimed(row) for row in rows]
    claimed.sort(key=lambda mail: mail.id)
    return claimed


async def renew_leases(
    mail_ids: Iterable[int], *, worker: str, now: dt.datetime, lease: dt.timedelta
) -> set[int]:
    """Extend ``worker``'s lease on ``mail_ids`` to ``now + lease``; returns those it still holds.

    Conditional, like settling: a row another worker took over, or one already settled, is
    neither extended nor returned, so its sender knows to leave it alone. (On PostgreSQL a row
    another worker is claiming right now is waited for and then seen as taken over.)
    """
    ids = sorted(set(mail_ids))
    if not ids:
        return set()
    rows = (
        await Outbox.update({Outbox.lease_until: now + lease, Outbox.updated_at: now})
        .where(
            Outbox.id.is_in(ids),
            Outbox.status == OutboxStatus.SENDING.value,
            Outbox.claimed_by == worker,
        )
        .returning(Outbox.id)
    )
    return {row["id"] for row in rows}


def _claimed(row: Mapping[str, Any]) -> ClaimedMail:
    payload = row["payload"]
    created_at: dt.datetime = row["created_at"]
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.UTC)
    return ClaimedMail(
        id=row["id"],
        kind=MailKind(row["kind"]),
        event_id=row["event"],
        registration_id=row["registration"],
        recipient=row["recipient"],
        language=Language(row["language"]),
        payload=json.loads(payload) if isinstance(payload, str) else dict(payload),
        attempts=row["attempts"],
        created_at=created_at,
    )


async def _settle(mail_id: int, worker: str, values: Mapping[Any, Any]) -> bool:
    # Only the claim's holder settles it: a worker whose lease ran out and was taken over must
    # not overwrite what its successor recorded.
    settled = (
        await Outbox.update(dict(values))
        .where(
            Outbox.id == mail_id,
            Outbox.status == OutboxStatus.SENDING.value,
            Outbox.claimed_by == worker,
        )
        .returning(Outbox.id)
    )
    return bool(settled)


async def mark_sent(mail_id: int, *, worker: str, message_id: str, now: dt.datetime) -> bool:
    """Record that the server accepted the mail."""
    return await _settle(
        mail_id,
        worker,
        {
            Outbox.status: OutboxStatus.SENT.value,
            Outbox.message_id: message_id,
            Outbox.sent_at: now,
            Outbox.lease_until: None,
            Outbox.last_error: "",
            Outbox.updated_at: now,
        },
    )


async def mark_sent_many(sent: Sequence[tuple[int, str]], *, worker: str, now: dt.datetime) -> int:
    """Record several accepted mails at once: ``(outbox id, Message-ID)`` pairs."""
    if not sent:
        return 0
    # One statement for the lot; each row gets its own Message-ID through the CASE.
    cases = " ".join("WHEN {} THEN {}" for _ in sent)
    ids = ", ".join("{}" for _ in sent)
    arguments: list[Any] = [value for pair in sent for value in pair]
    rows = await Outbox.raw(
        f"UPDATE outbox SET status = {{}}, message_id = CASE id {cases} END, "  # noqa: S608
        f"sent_at = {{}}, lease_until = NULL, last_error = '', updated_at = {{}} "
        f"WHERE id IN ({ids}) AND status = {{}} AND claimed_by = {{}} RETURNING id",
        OutboxStatus.SENT.value,
        *arguments,
        now,
        now,
        *(mail_id for mail_id, _ in sent),
        OutboxStatus.SENDING.value,
        worker,
    )
    return len(rows)


async def mark_retry(
    mail_id: int, *, worker: str, error: str, retry_at: dt.datetime, now: dt.datetime
) -> bool:
    """Put the mail back in the queue after a temporary failure."""
    return await _settle(
        mail_id,
        worker,
        {
            Outbox.status: OutboxStatus.QUEUED.value,
            Outbox.send_after: retry_at,
            Outbox.lease_until: None,
            Outbox.last_error: error[:2000],
            Outbox.updated_at: now,
        },
    )


async def mark_failed(mail_id: int, *, worker: str, error: str, now: dt.datetime) -> bool:
    """Give the mail up for good, keeping why (the server's answer, the template error)."""
    return await _settle(
        mail_id,
        worker,
        {
            Outbox.status: OutboxStatus.FAILED.value,
            Outbox.lease_until: None,
            Outbox.last_error: error[:2000],
            Outbox.updated_at: now,
        },
    )


async def mark_cancelled(mail_id: int, *, worker: str, reason: str, now: dt.datetime) -> bool:
    """Drop a mail that is no longer relevant (registration or event cancelled)."""
    return await _settle(
        mail_id,
        worker,
        {
            Outbox.status: OutboxStatus.CANCELLED.value,
            Outbox.lease_until: None,
            Outbox.last_error: reason,
            Outbox.updated_at: now,
        },
    )


async def cancel_waiting(
    *,
    kinds: Iterable[MailKind],
    reason: str,
    now: dt.datetime,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> int:
    """In the caller's transaction, cancel queued mails of one event or one registration."""
    where = [
        Outbox.status == OutboxStatus.QUEUED.value,
        Outbox.kind.is_in([kind.value for kind in kinds]),
    ]
    if event_id is not None:
        where.append(Outbox.event == event_id)
    if registration_id is not None:
        where.append(Outbox.registration == registration_id)
    cancelled = (
        await Outbox.update(
            {
                Outbox.status: OutboxStatus.CANCELLED.value,
                Outbox.last_error: reason,
                Outbox.updated_at: now,
            }
        )
        .where(*where)
        .returning(Outbox.id)
    )
    return len(cancelled)


async def reschedule(event: Event, now: dt.datetime) -> int:
    """In the caller's transaction, move the event's waiting scheduled mails with it."""
    moved = 0
    for kind in SCHEDULED_KINDS:
        when = rescheduled(kind, event)
        where = [
            Outbox.event == event.id,
            Outbox.kind == kind.value,
            Outbox.status == OutboxStatus.QUEUED.value,
        ]
        if when is None:
            # The event no longer sends this kind (e.g. its reminder was switched off).
            moved += await cancel_waiting(
                kinds=[kind], reason="no longer scheduled", now=now, event_id=event.id
            )
            continue
        rows = (
            await Outbox.update({Outbox.send_after: when, Outbox.updated_at: now})
            .where(*where)
            .returning(Outbox.id)
        )
        moved += len(rows)
    return moved


async def registrations_with_mail(
    event_id: int, kind: MailKind, *, statuses: Iterable[OutboxStatus]
) -> set[int]:
    """The registrations of an event that have a mail of ``kind`` in one of ``statuses``."""
    rows = await Outbox.select(Outbox.registration).where(
        Outbox.event == event_id,
        Outbox.kind == kind.value,
        Outbox.status.is_in([status.value for status in statuses]),
    )
    return {row["registration"] for row in rows if row["registration"] is not None}


async def recent_count(*, registration_id: int, kind: MailKind, since: dt.datetime) -> int:
    """How many mails of ``kind`` were enqueued for a registration since ``since``."""
    return int(
        await Outbox.count().where(
            Outbox.registration == registration_id,
            Outbox.kind == kind.value,
            Outbox.created_at >= since,
        )
    )
