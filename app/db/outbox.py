"""Every statement on the outbox table, in the caller's transaction; rows in, outbox types out.

The one place that knows how the outbox is stored: the services decide what to do with a mail
and own the transactions, ``app/mail/`` turns a claimed mail into a message, and neither sees a
row. Enqueueing writes rows in whatever transaction the caller holds, so a registration and its
mail commit together or not at all.

Senders claim due rows under a lease: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so any
number of workers share the queue without taking the same row; on SQLite under the database's
write lock (the caller's transaction). A row whose lease ran out belongs to a worker that died
and is claimed again, which counts as an attempt: once a lease ran out on the last allowed
attempt, the mail is failed instead of being claimed again. A live sender keeps its lease ahead
with :func:`renew_leases`, which only extends what that sender still holds; settling is
conditional in the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from piccolo.columns.combination import Or

from app.db import bulk
from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Outbox
from app.domain.mail import MailKind
from app.domain.model import Language
from app.domain.outbox import ClaimedMail, MailRecord, NewMail, OutboxLine, OutboxStatus

#: Why a mail whose lease ran out on its last allowed attempt is given up.
LEASE_RAN_OUT = (
    "gave up: the lease ran out on the last allowed attempt (its sender stopped before recording"
    " the outcome; the mail may have arrived)"
)

#: The longest reason kept (a server's answer can run on).
_ERROR_MAX = 2000


def _row_values(mail: NewMail, now: dt.datetime) -> dict[str, Any]:
    """The columns of a new outbox row for ``mail``: one definition for both ways in."""
    return {
        "kind": mail.kind.value,
        "event": mail.event_id,
        "registration": mail.registration_id,
        "recipient": mail.recipient,
        "language": mail.language.value,
        "payload": json.dumps(dict(mail.payload), ensure_ascii=False),
        "status": OutboxStatus.QUEUED.value,
        "send_after": mail.send_after,
        "attempts": 0,
        "claimed_by": "",
        "message_id": "",
        "last_error": "",
        "created_at": now,
        "updated_at": now,
    }


async def enqueue(db: Database, mails: Iterable[NewMail], now: dt.datetime) -> int:
    """Add ``mails``; returns how many. The process's sender is woken once they commit."""
    rows = [Outbox(**_row_values(mail, now)) for mail in mails]
    if rows:
        await Outbox.insert(*rows)
        db.announce_mail()
    return len(rows)


async def enqueue_many(db: Database, mails: Sequence[NewMail], now: dt.datetime) -> int:
    """Like :func:`enqueue`, for thousands of mails at once (``app.db.bulk``); in the caller's
    transaction, which it needs."""
    values = [_row_values(mail, now) for mail in mails]
    if values:
        rows = [tuple(row.values()) for row in values]
        await bulk.insert_many(db.engine, "outbox", tuple(values[0]), rows)
        db.announce_mail()
    return len(values)


# --- the sender's side: claim, keep the lease, settle ------------------------------------------


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
    Two statements: the caller runs them in one transaction.
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
            Outbox.last_error: error[:_ERROR_MAX],
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
            Outbox.last_error: error[:_ERROR_MAX],
            Outbox.updated_at: now,
        },
    )


async def mark_cancelled(mail_id: int, *, worker: str, reason: str, now: dt.datetime) -> bool:
    """Drop a claimed mail that is no longer relevant (registration or event cancelled)."""
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


# --- the services' side: what changes to events and registrations do to waiting mail ----------


async def cancel_waiting(
    *,
    kinds: Iterable[MailKind],
    reason: str,
    now: dt.datetime,
    event_id: int | None = None,
    registration_id: int | None = None,
) -> int:
    """Cancel queued mails of ``kinds`` of one event or one registration; returns how many."""
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


async def move_waiting(
    event_id: int, kind: MailKind, send_after: dt.datetime, now: dt.datetime
) -> int:
    """Make the event's queued mails of ``kind`` due at ``send_after``; returns how many."""
    rows = (
        await Outbox.update({Outbox.send_after: send_after, Outbox.updated_at: now})
        .where(
            Outbox.event == event_id,
            Outbox.kind == kind.value,
            Outbox.status == OutboxStatus.QUEUED.value,
        )
        .returning(Outbox.id)
    )
    return len(rows)


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


# --- the organisers' side: the outbox page, retry and abort -----------------------------------


async def outbox_lines(
    *, status: OutboxStatus | None = None, event_id: int | None = None, limit: int
) -> list[OutboxLine]:
    """The newest ``limit`` mails, optionally of one status and one event."""
    query = Outbox.select(
        Outbox.id,
        Outbox.kind,
        Outbox.recipient,
        Outbox.event,
        Outbox.status,
        Outbox.attempts,
        Outbox.last_error,
        Outbox.send_after,
        Outbox.sent_at,
    )
    if status is not None:
        query = query.where(Outbox.status == status.value)
    if event_id is not None:
        query = query.where(Outbox.event == event_id)
    rows: list[dict[str, Any]] = await query.order_by(Outbox.id, ascending=False).limit(limit)
    ids = sorted({row["event"] for row in rows})
    titles: dict[int, str] = {}
    if ids:
        events = await EventTable.select(EventTable.id, EventTable.title).where(
            EventTable.id.is_in(ids)
        )
        titles = {event["id"]: event["title"] for event in events}
    return [
        OutboxLine(
            id=row["id"],
            kind=row["kind"],
            recipient=row["recipient"],
            event_id=row["event"],
            event_title=titles.get(row["event"], ""),
            status=row["status"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            send_after=row["send_after"],
            sent_at=row["sent_at"],
        )
        for row in rows
    ]


async def requeue_failed(mail_id: int, now: dt.datetime) -> bool:
    """Queue a failed mail again, due now, with a fresh attempt budget; ``False`` if not failed.

    ``last_error`` stays as the history of why it failed (a successful send clears it).
    """
    rows = (
        await Outbox.update(
            {
                Outbox.status: OutboxStatus.QUEUED.value,
                Outbox.attempts: 0,
                Outbox.send_after: now,
                Outbox.lease_until: None,
                Outbox.claimed_by: "",
                Outbox.updated_at: now,
            }
        )
        .where(Outbox.id == mail_id, Outbox.status == OutboxStatus.FAILED.value)
        .returning(Outbox.id)
    )
    return bool(rows)


async def cancel_unsent(mail_id: int, reason: str, now: dt.datetime) -> bool:
    """Cancel a queued or failed mail; ``False`` when it was in neither state."""
    # A mail being sent right now (``sending``) is left alone: its worker settles it.
    rows = (
        await Outbox.update(
            {
                Outbox.status: OutboxStatus.CANCELLED.value,
                Outbox.last_error: reason,
                Outbox.updated_at: now,
            }
        )
        .where(
            Outbox.id == mail_id,
            Outbox.status.is_in([OutboxStatus.QUEUED.value, OutboxStatus.FAILED.value]),
        )
        .returning(Outbox.id)
    )
    return bool(rows)


# --- personal data: what a registrant's mails keep of them ------------------------------------


async def forget_recipients(registration_ids: Sequence[int], reason: str, now: dt.datetime) -> None:
    """Call off the registrations' mail not yet out, and blank every one's recipient and content.

    The rows stay, as the record that mail went out.
    """
    await Outbox.update(
        {
            Outbox.status: OutboxStatus.CANCELLED.value,
            Outbox.last_error: reason,
            Outbox.updated_at: now,
        }
    ).where(
        Outbox.registration.is_in(list(registration_ids)),
        Outbox.status.is_in([OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value]),
    )
    await Outbox.update({Outbox.recipient: "", Outbox.payload: "{}", Outbox.updated_at: now}).where(
        Outbox.registration.is_in(list(registration_ids))
    )


async def mails_of(registration_id: int) -> list[MailRecord]:
    """Every mail to one registration, oldest first."""
    rows = (
        await Outbox.select(
            Outbox.kind, Outbox.recipient, Outbox.status, Outbox.created_at, Outbox.sent_at
        )
        .where(Outbox.registration == registration_id)
        .order_by(Outbox.id)
    )
    return [
        MailRecord(
            kind=row["kind"],
            recipient=row["recipient"],
            status=row["status"],
            created_at=row["created_at"],
            sent_at=row["sent_at"],
        )
        for row in rows
    ]
