"""Every statement on the audit trail, in the caller's transaction; rows in, audit types out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.db.tables import AuditEntry as AuditTable
from app.domain.audit import Actor, AuditAction, AuditEntry, short_detail


async def insert(
    actor: Actor,
    action: AuditAction,
    *,
    at: dt.datetime,
    event_id: int | None,
    subject_id: int | None,
    detail: str,
) -> None:
    """Add one entry (in whatever transaction the caller holds)."""
    await AuditTable.insert(
        AuditTable(
            at=at,
            organiser=actor.id,
            organiser_name=actor.name[:300],
            action=action.value,
            event=event_id,
            subject=subject_id,
            detail=short_detail(detail),
        )
    )


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        organiser_id=row["organiser"],
        organiser_name=row["organiser_name"],
        action=AuditAction(row["action"]),
        event_id=row["event"],
        subject_id=row["subject"],
        detail=row["detail"],
    )


def _where(query: Any, event_id: int | None, action: AuditAction | None) -> Any:
    if event_id is not None:
        query = query.where(AuditTable.event == event_id)
    if action is not None:
        query = query.where(AuditTable.action == action.value)
    return query


async def count(event_id: int | None, action: AuditAction | None) -> int:
    """How many entries match."""
    return int(await _where(AuditTable.count(), event_id, action))


async def newest(
    event_id: int | None, action: AuditAction | None, *, limit: int, offset: int
) -> list[AuditEntry]:
    """Matching entries, newest first (the id breaks ties of the same moment)."""
    query = _where(AuditTable.select(), event_id, action)
    rows = (
        await query.order_by(AuditTable.at, AuditTable.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return [_entry(row) for row in rows]


async def delete_before(moment: dt.datetime) -> int:
    """Delete entries older than ``moment``; returns how many."""
    rows = await AuditTable.delete().where(AuditTable.at < moment).returning(AuditTable.id)
    return len(rows)
