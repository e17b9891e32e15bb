"""The audit trail of organisers' actions: who did what, when, to which event (Art. 5(2) DSGVO).

An entry never holds personal data of registrants: only a registration's (or token's) id, and a
short detail such as changed field names, an export format or a count.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

#: Longest detail kept; details are field names, formats and counts, never free text.
DETAIL_MAX = 300
#: Entries per page, on the event's page and overall.
PAGE_SIZE = 50


class AuditAction(enum.StrEnum):
    """What an organiser did; the values are stored."""

    EVENT_CREATED = "event_created"
    EVENT_EDITED = "event_edited"
    EVENT_PUBLISHED = "event_published"
    EVENT_UNPUBLISHED = "event_unpublished"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_DUPLICATED = "event_duplicated"
    MATERIALS_SAVED = "materials_saved"
    TRANSLATIONS_SAVED = "translations_saved"
    REGISTRATION_ADDED = "registration_added"
    REGISTRATION_CANCELLED = "registration_cancelled"
    REGISTRATION_PROMOTED = "registration_promoted"
    REGISTRATION_APPROVED = "registration_approved"
    REGISTRATION_DECLINED = "registration_declined"
    CHECKED_IN = "checked_in"
    CHECK_IN_UNDONE = "check_in_undone"
    ATTENDED_ONLINE = "attended_online"
    ATTENDED_ONLINE_UNDONE = "attended_online_undone"
    MESSAGE_SENT = "message_sent"
    EXPORT_DOWNLOADED = "export_downloaded"
    PERSONAL_DATA_DELETED = "personal_data_deleted"
    PERSONAL_DATA_ANONYMISED = "personal_data_anonymised"
    API_TOKEN_CREATED = "api_token_created"  # noqa: S105 (an action, not a secret)
    API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105
    ORGANISER_CREATED = "organiser_created"
    ORGANISER_CHANGED = "organiser_changed"
    ZOOM_MEETING_REQUESTED = "zoom_meeting_requested"
    ZOOM_RETRIED = "zoom_retried"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    RECOVERY_CODE_USED = "recovery_code_used"
    WEBHOOK_CREATED = "webhook_created"
    WEBHOOK_DELETED = "webhook_deleted"
    WEBHOOK_RESENT = "webhook_resent"
    STAFF_ASSIGNED = "staff_assigned"
    STAFF_REMOVED = "staff_removed"
    INVITEES_IMPORTED = "invitees_imported"
    INVITATIONS_SENT = "invitations_sent"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an organiser (signed in, or through their API token), or the command line."""

    id: int | None
    name: str


#: Changes made on the command line (accounts, passwords) or by the retention job.
COMMAND_LINE = Actor(id=None, name="command line")
SYSTEM = Actor(id=None, name="retention job")
#: Online attendance marked from Zoom's participants report.
ZOOM_REPORT = Actor(id=None, name="Zoom report")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded action."""

    id: int
    at: dt.datetime
    organiser_id: int | None
    organiser_name: str
    action: AuditAction
    event_id: int | None
    subject_id: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of entries, newest first."""

    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def short_detail(detail: str) -> str:
    """``detail`` cut to what is kept, on one line."""
    return " ".join(detail.split())[:DETAIL_MAX]
