"""The audit trail: record an organiser's action in the transaction of the change, and read it.

Every service that changes something for an organiser takes the acting :class:`Actor` and calls
:func:`record` inside its own transaction, so the change and its entry commit together or not at
all. Entries name registrations and tokens by id only, never by a registrant's data.
"""

from __future__ import annotations

import datetime as dt
import math

from app.db import audit as store
from app.db.database import Database
from app.domain.audit import PAGE_SIZE, Actor, AuditAction, AuditPage


async def record(
    db: Database,
    actor: Actor | None,
    action: AuditAction,
    *,
    now: dt.datetime,
    event_id: int | None = None,
    subject_id: int | None = None,
    detail: str = "",
) -> None:
    """Record ``action`` by ``actor``; in the caller's transaction (a new one outside one).

    ``actor`` None: the change was not an organiser's (tests, samples); nothing is recorded.
    """
    if actor is None:
        return
    async with db.transaction():
        await store.insert(
            actor, action, at=now, event_id=event_id, subject_id=subject_id, detail=detail
        )


async def export_started(
    db: Database, actor: Actor, event_id: int, file_format: str, now: dt.datetime
) -> None:
    """Record that ``actor`` started downloading the event's registrations as ``file_format``."""
    await record(
        db,
        actor,
        AuditAction.EXPORT_DOWNLOADED,
        now=now,
        event_id=event_id,
        detail=f"format={file_format}",
    )


async def entries(
    *, event_id: int | None = None, action: AuditAction | None = None, page: int = 1
) -> AuditPage:
    """One page of entries (newest first), of one event and/or one action if given."""
    total = await store.count(event_id, action)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = await store.newest(event_id, action, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return AuditPage(entries=rows, page=page, pages=pages, total=total)


async def delete_expired(db: Database, now: dt.datetime, retention: dt.timedelta) -> int:
    """Delete entries older than the retention period (the same as registrations')."""
    async with db.transaction():
        return await store.delete_before(now - retention)
