"""The Piccolo tables. Invariants live in the database too, not only in the services."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Event(Table, tablename="event"):
    """An event; seat counters are changed only by the conditional updates in the services.

    The migration adds what Piccolo cannot declare portably: seats taken stay within capacity
    and the event ends after it starts (CHECK on PostgreSQL, triggers on SQLite).
    """

    id: Serial
    slug = Varchar(length=120, unique=True)
    title = Varchar(length=300)
    teaser = Text(default="")
    description = Text(default="")
    programme = JSON(default="[]")
    people = JSON(default="[]")
    questions = JSON(default="[]")
    format = Varchar(length=20, default="in_person")
    status = Varchar(length=20, default="draft", index=True)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    timezone = Varchar(length=64, default="Europe/Berlin")
    venue_name = Varchar(length=300, default="")
    venue_address = Text(default="")
    venue_notes = Text(default="")
    # The access data is secret: Piccolo leaves secret columns out of `exclude_secrets` selects.
    online_join_url = Text(default="", secret=True)
    online_meeting_id = Varchar(length=100, default="", secret=True)
    online_passcode = Varchar(length=100, default="", secret=True)
    # Sent with the access data, so kept with it.
    access_notes = Text(default="", secret=True)
    capacity_in_person = Integer(null=True, default=None)
    capacity_online = Integer(null=True, default=None)
    seats_taken_in_person = Integer(default=0)
    seats_taken_online = Integer(default=0)
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    waitlist_enabled = Boolean(default=True)
    double_opt_in = Boolean(default=False)
    opt_in_hold_minutes = Integer(default=24 * 60)
    access_mail_lead_minutes = Integer(default=24 * 60)
    access_in_confirmation = Boolean(default=False)
    # NULL: the event sends no reminder.
    reminder_lead_minutes = Integer(null=True, default=24 * 60)
    notify_organisers = Boolean(default=False)
    contact_email = Varchar(length=254, default="")
    funding_note = Text(default="")
    series = Varchar(length=120, default="", index=True)
    tags = JSON(default="[]")
    is_sample = Boolean(default=False)
    revision = Integer(default=0)
    #: How many registrations wait in each mode; kept by triggers on ``registration``
    #: (migration 0013), never written by the app.
    waiting_in_person = Integer(default=0)
    waiting_online = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    #: The event's own texts in further languages: {"en": {"title": …}, "uk": …}; those of
    #: questions, programme and people are in their items' "translations".
    translations = JSON(default="{}")
    #: What stays after the event (report, recording, slides, photos); written only by
    #: ``app.services.materials``, never by the event form: see ``mapping.materials_to_json``.
    materials = JSON(default="{}")
    #: Registrations wait for an organiser's approval (migration 0026).
    requires_approval = Boolean(default=False)
    #: Approval: a registration waiting for it keeps a seat meanwhile.
    approval_holds_seat = Boolean(default=True)
    #: Only invited addresses (table ``invitation``) may register.
    invitation_only = Boolean(default=False)


class Registration(Table, tablename="registration"):
    """A person's registration; the migration adds a unique index on (event, email_normalised)."""

    id: Serial
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True, null=False)
    token = Varchar(length=64, unique=True, secret=True)
    first_name = Varchar(length=200)
    last_name = Varchar(length=200)
    email = Varchar(length=254)
    email_normalised = Varchar(length=254)
    organisation = Varchar(length=200, default="")
    job_title = Varchar(length=200, default="")
    mode = Varchar(length=20)
    language = Varchar(length=5, default="de")
    status = Varchar(length=20, index=True)
    answers = JSON(default="{}")
    consent_version = Varchar(length=50)
    consent_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    confirmed_at = Timestamptz(null=True, default=None)
    waitlisted_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    hold_until = Timestamptz(null=True, default=None)
    invite_sequence = Integer(default=0)
    #: Set at the door by an organiser; null until the person has been let in.
    checked_in_at = Timestamptz(null=True, default=None)
    #: When the personal data were removed (retention period over, or deleted on request); the
    #: row stays, without them, so the event's counts stay right.
    anonymised_at = Timestamptz(null=True, default=None)
    #: Optional answers for the funders' counts (NULL: not said); see OrganisationType, Country.
    organisation_type = Varchar(length=20, null=True, default=None)
    country = Varchar(length=20, null=True, default=None)
    #: Online participation, which has no door: when the person was marked as attended (by an
    #: organiser, an imported list or Zoom's participants report; ``attendance_source`` says
    #: which). NULL: not attended or not known.
    attended_online_at = Timestamptz(null=True, default=None)
    attendance_source = Varchar(length=20, null=True, default=None)
    #: A registration pending approval holds a seat (counted in ``seats_taken_*``).
    seat_held = Boolean(default=False)


class Outbox(Table, tablename="outbox"):
    """One email, enqueued in the transaction of the change that causes it.

    The body is rendered when it is sent, from the event and registration as they are then: a
    reminder for a moved event shows the new time. ``status`` runs queued → sending → sent, or
    to failed (permanent error, attempts used up, bad template) or cancelled (no longer
    relevant); a ``sending`` row whose lease has run out belongs to a worker that died.
    """

    id: Serial
    kind = Varchar(length=40)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True, null=False)
    # Deleting a registration's data keeps the record that mail went out.
    registration = ForeignKey(
        references=Registration, on_delete=OnDelete.set_null, index=True, null=True
    )
    recipient = Varchar(length=254)
    language = Varchar(length=5, default="de")
    payload = JSON(default="{}")
    status = Varchar(length=20, default="queued", index=True)
    send_after = Timestamptz(index=True)
    attempts = Integer(default=0)
    lease_until = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=100, default="")
    message_id = Varchar(length=255, default="")
    last_error = Text(default="")
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Invitation(Table, tablename="invitation"):
    """One invitee of an event; the migration adds a unique index on (event, email_normalised).

    ``token`` opens the personal invitation link that pre-fills the form; ``sent_at`` is when
    the invitation mail was enqueued (NULL: not yet).
    """

    id: Serial
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True, null=False)
    name = Varchar(length=200, default="")
    email = Varchar(length=254, default="")
    email_normalised = Varchar(length=254, default="")
    organisation = Varchar(length=200, default="")
    language = Varchar(length=5, default="de")
    token = Varchar(length=64, unique=True, secret=True)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="api_token"):
    """An organiser's personal API token; only the SHA-256 of its secret is kept.

    The secret has 256 bits, so a fast hash suffices: nobody can guess their way to a preimage,
    and a stolen table gives no usable token.
    """

    id: Serial
    organiser = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True, null=False)
    #: The organiser's label, e.g. "Excel-Abgleich".
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, secret=True)
    #: The first characters of the secret, to recognise a token in the list.
    prefix = Varchar(length=16)
    created_at = Timestamptz(default=TimestamptzNow())
    #: Updated at most once a minute, not on every request.
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class PrivacyNotice(Table, tablename="privacy_notice"):
    """Every privacy notice version that was ever in force, with its texts, never changed.

    A registration's ``consent_version`` names one of these, so what someone agreed to can
    always be read again.
    """

    id: Serial
    version = Varchar(length=50, unique=True)
    #: Markdown per language (``de`` always; ``en``, ``uk`` when the notice had them).
    texts = JSON(default="{}")
    first_published_at = Timestamptz(default=TimestamptzNow())


class OrganiserSession(Table, tablename="organiser_session"):
    """How often an organiser's sessions were ended, for every process to check.

    A session cookie carries the ``version`` it was issued with and is honoured only while it
    still matches; signing out or a new password raises it. No row means version 0, so accounts
    need no row until their first sign-out.
    """

    id: Serial
    #: unique: also the index the per-request check goes by.
    organiser = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, unique=True, null=False)
    version = Integer(default=0)


class AuditEntry(Table, tablename="audit_entry"):
    """One organiser action (``app.domain.audit``); never personal data of registrants.

    ``organiser`` is a plain id, not a foreign key, and the name is copied at the time: entries
    of deleted accounts still read. Deleted with registrations' data after the retention period.
    """

    id: Serial
    at = Timestamptz(index=True)
    organiser = Integer(null=True, default=None)
    organiser_name = Varchar(length=300, default="")
    action = Varchar(length=40, index=True)
    event = Integer(null=True, default=None, index=True)
    subject = Integer(null=True, default=None)
    detail = Varchar(length=300, default="")


TABLES: tuple[type[Table], ...] = (
    Event,
    Registration,
    Outbox,
    Invitation,
    ApiToken,
    PrivacyNotice,
    OrganiserSession,
    AuditEntry,
)
