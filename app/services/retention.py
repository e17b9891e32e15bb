"""Data protection: personal data anonymised after the retention period, or at once on request.

Anonymising keeps the registration row — status, mode, language, dates, check-in — so an
event's counts and statistics stay right, and removes everything that names a person: names,
email address, organisation, function, answers, and the personal token (the personal page, the
join link and the personal feed stop working). The outbox keeps the record that mail went out,
without recipient or content. A registrant can also see everything held on them (JSON) and
delete it from their personal page.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from app import paths
from app.db import outbox
from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.db.tables import ZoomRegistrant
from app.domain.audit import SYSTEM, Actor, AuditAction
from app.domain.errors import NotFound
from app.domain.model import RegistrationStatus, choice_code
from app.services import audit, invitations, webhooks
from app.services.registrations import cancel_by_organiser, find_by_token

#: Registrations anonymised per transaction (each one a short write lock on SQLite).
BATCH = 200
#: The stand-in for an anonymised address: unique per event (the unique index wants that) and
#: undeliverable by construction (RFC 2606's ``.invalid``).
_ANONYMOUS_DOMAIN = "anonymisiert.invalid"


@dataclass(frozen=True, slots=True)
class DeletionOutcome:
    """What deleting one registration's data did."""

    #: The registration held a seat or a waiting place and was cancelled first.
    cancelled: bool


def _anonymous_values(registration_id: int, now: dt.datetime) -> dict[Any, Any]:
    address = f"person-{registration_id}@{_ANONYMOUS_DOMAIN}"
    return {
        RegistrationTable.first_name: "",
        RegistrationTable.last_name: "",
        RegistrationTable.email: address,
        RegistrationTable.email_normalised: address,
        RegistrationTable.organisation: "",
        RegistrationTable.job_title: "",
        RegistrationTable.answers: "{}",
        # A fresh random token nobody ever sees: the old personal links lead nowhere.
        RegistrationTable.token: "x" + secrets.token_urlsafe(32),
        RegistrationTable.anonymised_at: now,
        RegistrationTable.updated_at: now,
    }


async def _anonymise(
    db: Database,
    registration_ids: list[int],
    now: dt.datetime,
    *,
    actor: Actor | None,
    action: AuditAction,
    event_id: int | None = None,
) -> None:
    """In one transaction: blank the registrations and their mails' recipients and contents.

    One audit entry: per registration when an organiser deleted one, per batch for the job.
    """
    async with db.transaction():
        subject = registration_ids[0] if len(registration_ids) == 1 else None
        await audit.record(
            db,
            actor,
            action,
            now=now,
            event_id=event_id,
            subject_id=subject,
            detail="" if subject is not None else f"count={len(registration_ids)}",
        )
        # Mail not yet out would go to an address that no longer exists: it is called off.
        await outbox.forget_recipients(registration_ids, "personal data deleted", now)
        for registration_id in registration_ids:
            await RegistrationTable.update(_anonymous_values(registration_id, now)).where(
                RegistrationTable.id == registration_id,
                RegistrationTable.anonymised_at.is_null(),
            )
        # Deliveries to endpoints flagged for personal data carry names and addresses.
        await webhooks.forget_personal_data(registration_ids)
        # A personal Zoom join URL is the person's too (it opens the meeting in their name).
        await ZoomRegistrant.update({ZoomRegistrant.join_url: ""}).where(
            ZoomRegistrant.registration.is_in(registration_ids), ZoomRegistrant.join_url != ""
        )


async def due_for_anonymisation(now: dt.datetime, retention: dt.timedelta) -> list[int]:
    """Registrations of events that ended more than ``retention`` ago, not yet anonymised."""
    ended = await EventTable.select(EventTable.id).where(EventTable.ends_at < now - retention)
    event_ids = [row["id"] for row in ended]
    if not event_ids:
        return []
    rows = await RegistrationTable.select(RegistrationTable.id).where(
        RegistrationTable.event.is_in(event_ids), RegistrationTable.anonymised_at.is_null()
    )
    return sorted(row["id"] for row in rows)


async def anonymise_expired(db: Database, now: dt.datetime, retention: dt.timedelta) -> int:
    """Anonymise every registration whose retention period is over; returns how many.

    Audit entries and webhook deliveries older than the same period are deleted by the same
    run, and so are the invitees of those events (names and addresses, nothing to keep).
    """
    due = await due_for_anonymisation(now, retention)
    for start in range(0, len(due), BATCH):
        await _anonymise(
            db,
            due[start : start + BATCH],
            now,
            actor=SYSTEM,
            action=AuditAction.PERSONAL_DATA_ANONYMISED,
        )
    await audit.delete_expired(db, now, retention)
    await webhooks.delete_expired(db, now, retention)
    await invitations.delete_expired(db, now, retention)
    return len(due)


async def delete_registration_data(
    db: Database,
    event_id: int,
    registration_id: int,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
) -> DeletionOutcome:
    """Delete one registration's personal data at once (an organiser, on request).

    A seat or waiting place is given up first, on the usual path (the next on the waiting list
    moves up); the cancellation mail to the person is then called off with everything else.
    Raises :class:`NotFound` when the registration does not belong to the event.
    """
    row = (
        await RegistrationTable.select(RegistrationTable.status)
        .where(RegistrationTable.id == registration_id, RegistrationTable.event == event_id)
        .first()
    )
    if row is None:
        raise NotFound(f"registration {registration_id}")
    cancelled = row["status"] != RegistrationStatus.CANCELLED.value
    if cancelled:
        await cancel_by_organiser(db, event_id, registration_id, now)
    await _anonymise(
        db,
        [registration_id],
        now,
        actor=actor,
        action=AuditAction.PERSONAL_DATA_DELETED,
        event_id=event_id,
    )
    return DeletionOutcome(cancelled=cancelled)


async def delete_own_data(db: Database, token: str, now: dt.datetime) -> DeletionOutcome:
    """The registrant deletes their data from their personal page (same as an organiser would)."""
    registration = await find_by_token(token)
    return await delete_registration_data(db, registration.event_id, registration.id, now)


async def personal_data(token: str) -> dict[str, Any]:
    """Everything held on the registrant behind ``token``, ready for JSON (Art. 15 DSGVO)."""
    registration = await find_by_token(token)
    event = (
        await EventTable.select(
            EventTable.title, EventTable.slug, EventTable.starts_at, EventTable.ends_at
        )
        .where(EventTable.id == registration.event_id)
        .first()
    )
    assert event is not None
    mails = await outbox.mails_of(registration.id)

    def moment(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "registration": {
            "first_name": registration.first_name,
            "last_name": registration.last_name,
            "email": registration.email,
            "organisation": registration.organisation,
            "job_title": registration.job_title,
            "organisation_type": choice_code(registration.organisation_type),
            "country": choice_code(registration.country),
            "mode": registration.mode.value,
            "language": registration.language.value,
            "status": registration.status.value,
            "answers": dict(registration.answers),
            "registered_at": moment(registration.created_at),
            "confirmed_at": moment(registration.confirmed_at),
            "waitlisted_at": moment(registration.waitlisted_at),
            "cancelled_at": moment(registration.cancelled_at),
            "checked_in_at": moment(registration.checked_in_at),
        },
        "consent": {
            "privacy_notice_version": registration.consent_version,
            # The text agreed to, always readable there (base URL: the service's own).
            "privacy_notice_path": f"{paths.PRIVACY}?"
            + urlencode({"version": registration.consent_version}),
            "given_at": moment(registration.consent_at),
        },
        "event": {
            "title": event["title"],
            "slug": event["slug"],
            "starts_at": moment(event["starts_at"]),
            "ends_at": moment(event["ends_at"]),
        },
        "emails": [
            {
                "kind": mail.kind,
                "to": mail.recipient,
                "status": mail.status,
                "queued_at": moment(mail.created_at),
                "sent_at": moment(mail.sent_at),
            }
            for mail in mails
        ],
    }
