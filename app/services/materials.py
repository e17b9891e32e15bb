"""After the event: the organisers store report, recording, slides and photos, and announce them.

Saving checks the materials by the rules (:mod:`app.domain.materials`) and stores them with the
event, raising its ``updated_at`` (feeds and calendar files show that moment), not its
revision: the invite's SEQUENCE only moves when time, place or access change.

Announcing enqueues one "report and recording are online" mail per confirmed registrant who has
not had one yet, in one transaction under the event's lock, so a double click or two organisers
at once still send each person one mail.
"""

from __future__ import annotations

import datetime as dt

from app.db import outbox
from app.db.database import Database
from app.db.mapping import materials_to_json, registration_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.audit import Actor, AuditAction
from app.domain.errors import InvalidInput
from app.domain.mail import MailKind
from app.domain.materials import MaterialsDraft, build_materials
from app.domain.model import Event, EventStatus, Registration, RegistrationStatus
from app.domain.outbox import ACTIVE_STATUSES, NewMail
from app.services import audit
from app.services.events import get_with_access

#: Why an announcement is refused (error codes of the field ``announce``).
NOT_OVER = "not_over"
NOT_PUBLISHED = "not_published"
NOTHING_TO_ANNOUNCE = "nothing_to_announce"


async def save(
    db: Database,
    event_id: int,
    draft: MaterialsDraft,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> Event:
    """Store the checked materials; :class:`InvalidInput` per field, ``NotFound`` for no event."""
    await get_with_access(event_id)
    materials = build_materials(draft, now)
    async with db.transaction():
        await EventTable.update(
            {EventTable.materials: materials_to_json(materials), EventTable.updated_at: now}
        ).where(EventTable.id == event_id)
        await audit.record(db, actor, AuditAction.MATERIALS_SAVED, now=now, event_id=event_id)
    return await get_with_access(event_id)


def announce_refusal(event: Event, now: dt.datetime) -> str | None:
    """Why the materials of ``event`` cannot be announced now, ``None`` when they can."""
    if event.status is not EventStatus.PUBLISHED:
        return NOT_PUBLISHED
    if now < event.ends_at:
        return NOT_OVER
    if not (event.materials.has_report or event.materials.recording_url):
        return NOTHING_TO_ANNOUNCE
    return None


async def _unannounced(event_id: int) -> list[Registration]:
    """Confirmed registrants (personal data still there) without a materials mail on its way."""
    already = await outbox.registrations_with_mail(
        event_id, MailKind.MATERIALS, statuses=ACTIVE_STATUSES
    )
    rows = await (
        RegistrationTable.select()
        .where(
            RegistrationTable.event == event_id,
            RegistrationTable.status == RegistrationStatus.CONFIRMED.value,
            RegistrationTable.anonymised_at.is_null(),
        )
        .order_by(RegistrationTable.id)
    )
    found = [registration_from_row(row) for row in rows]
    return [r for r in found if r.id not in already and r.email]


async def pending_count(event_id: int) -> int:
    """How many registrants an announcement would reach now."""
    return len(await _unannounced(event_id))


async def announce(
    db: Database, event_id: int, now: dt.datetime, *, actor: Actor | None = None
) -> int:
    """Enqueue the materials mail for everyone who has not had it; returns how many."""
    async with db.transaction():
        await db.lock_event(event_id)
        event = await get_with_access(event_id)
        refusal = announce_refusal(event, now)
        if refusal is not None:
            raise InvalidInput({"announce": refusal})
        mails = [
            NewMail(
                kind=MailKind.MATERIALS,
                event_id=event_id,
                registration_id=registration.id,
                recipient=registration.email,
                language=registration.language,
                send_after=now,
            )
            for registration in await _unannounced(event_id)
        ]
        sent = await outbox.enqueue(db, mails, now)
        await audit.record(
            db,
            actor,
            AuditAction.MESSAGE_SENT,
            now=now,
            event_id=event_id,
            detail=f"materials,recipients={sent}",
        )
        return sent
