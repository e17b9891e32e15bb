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
    #: Organisers approve each registration (migration 0027); and whether one awaiting it
    #: holds a seat meanwhile.
    approval_required = Boolean(default=False)
    approval_holds_seat = Boolean(default=True)
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
    #: The organisation that hosts the event together with the network ("Gemeinsam mit …");
    #: empty: none. Shown on the public page, in the API and in mails (migration 0021).
    co_host = Varchar(length=300, default="")
    #: Only invited addresses (table ``invitation``) may register (migration 0026).
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


class OrganiserTwoFactor(Table, tablename="organiser_two_factor"):
    """An organiser's TOTP secret: being enrolled (``enabled_at`` NULL) or switched on.

    ``secret`` is encrypted (AES-GCM, see ``app.services.two_factor``), never the plain secret;
    ``last_step`` is the time step of the last code accepted, so a code counts once.
    """

    id: Serial
    #: unique: one secret per organiser, and the index every sign-in goes by.
    organiser = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, unique=True, null=False)
    secret = Text(default="", secret=True)
    enabled_at = Timestamptz(null=True, default=None)
    last_step = Integer(null=True, default=None)


class OrganiserRecoveryCode(Table, tablename="organiser_recovery_code"):
    """One unused recovery code of an organiser, as its SHA-256 hash; deleted when used."""

    id: Serial
    organiser = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True, null=False)
    code_hash = Varchar(length=64, unique=True)


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


class ZoomMeeting(Table, tablename="zoom_meeting"):
    """The Zoom meeting of an event whose organisers asked for one (migration 0024).

    A row means "this event should have a meeting"; ``meeting_id`` is empty until Zoom made it,
    ``synced_revision`` the event revision Zoom was last told about. ``state``: ``pending``
    (work to do, at ``next_attempt_at``), ``synced``, or ``failed`` (stopped; ``last_error``
    says why, an organiser's "try again" sets it pending). Written only by
    ``app.services.zoom``.
    """

    id: Serial
    event = ForeignKey(
        references=Event, on_delete=OnDelete.cascade, unique=True, index=True, null=False
    )
    meeting_id = Varchar(length=100, default="", secret=True)
    synced_revision = Integer(default=-1)
    state = Varchar(length=20, default="pending", index=True)
    #: Calls tried since the last success; each try claims the row by raising it.
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    last_error = Text(default="")
    updated_at = Timestamptz(null=True, default=None)
    #: When the participants report was read and attendance marked (once, after the event).
    report_fetched_at = Timestamptz(null=True, default=None)


class ZoomRegistrant(Table, tablename="zoom_registrant"):
    """A registration as a registrant of its event's Zoom meeting (migration 0024).

    ``state``: ``pending`` (to be added), ``added``, ``removing`` (to be cancelled at Zoom),
    ``removed``, or ``failed``; the personal ``join_url`` is as secret as the access data.
    """

    id: Serial
    registration = ForeignKey(
        references=Registration, on_delete=OnDelete.cascade, unique=True, index=True, null=False
    )
    event = Integer(index=True)
    registrant_id = Varchar(length=100, default="", secret=True)
    join_url = Text(default="", secret=True)
    state = Varchar(length=20, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    last_error = Text(default="")
    updated_at = Timestamptz(null=True, default=None)


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    """Where webhooks go: an address, the event types chosen, the signing secret.

    ``personal_data``: deliveries carry the registrant's name and address too. While any row is
    ``active``, triggers record changes into :class:`WebhookChange` (migration 0025).
    """

    id: Serial
    url = Varchar(length=2000)
    description = Varchar(length=300, default="")
    #: The chosen types (``app.domain.webhooks.EVENT_TYPES``), separated by spaces.
    event_types = Varchar(length=300, default="")
    personal_data = Boolean(default=False)
    secret = Varchar(length=100, secret=True)
    active = Boolean(default=False)
    created_at = Timestamptz()
    created_by = Integer(null=True, default=None)


class WebhookChange(Table, tablename="webhook_change"):
    """A change written by a trigger, not yet fanned out into deliveries."""

    id: Serial
    kind = Varchar(length=20)
    event = Integer()
    registration = Integer(null=True, default=None)
    old_status = Varchar(length=20, null=True, default=None)
    new_status = Varchar(length=20)
    revision_changed = Boolean(default=False)
    at = Timestamptz()


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event type of one change for one endpoint: its payload, tries and answer."""

    id: Serial
    endpoint = ForeignKey(references=WebhookEndpoint, on_delete=OnDelete.cascade, null=False)
    change = Integer()
    event_type = Varchar(length=40)
    event = Integer()
    payload = Text()
    #: ``queued``, ``sending``, ``delivered`` or ``failed``.
    status = Varchar(length=20, default="queued")
    attempts = Integer(default=0)
    send_after = Timestamptz()
    lease_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    response_code = Integer(null=True, default=None)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


class Invitation(Table, tablename="invitation"):
    """One invitee of an event (migration 0026: unique by event and normalised address).

    ``token_hash``: the SHA-256 of the invitation link's secret, set when the invitation is
    enqueued (``sent_at``); the secret itself is only in the mail. Written only by
    ``app.services.invitations``.
    """

    id: Serial
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, null=False)
    first_name = Varchar(length=200, default="")
    last_name = Varchar(length=200, default="")
    email = Varchar(length=254)
    email_normalised = Varchar(length=254)
    organisation = Varchar(length=200, default="")
    language = Varchar(length=5, default="de")
    token_hash = Varchar(length=64, null=True, default=None, unique=True, secret=True)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class OrganiserRole(Table, tablename="organiser_role"):
    """An organiser account's role (``app.domain.roles.Role``); migration 0021.

    No row means no role at all: only the start page. Accounts made by
    ``app.services.organisers`` always get one; those from before roles became administrators.
    """

    id: Serial
    organiser = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, unique=True, null=False)
    role = Varchar(length=20, default="door_staff")


class EventStaff(Table, tablename="event_staff"):
    """Who belongs to an event: its owner, co-host managers and door staff (``StaffKind``).

    The migration adds a unique index on (event, organiser): one kind per organiser and event,
    and an index on ``organiser`` for the per-request lookup of an organiser's events.
    """

    id: Serial
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, null=False)
    organiser = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True, null=False)
    kind = Varchar(length=20)


TABLES: tuple[type[Table], ...] = (
    Event,
    Registration,
    Outbox,
    ApiToken,
    PrivacyNotice,
    OrganiserSession,
    AuditEntry,
    ZoomMeeting,
    ZoomRegistrant,
    OrganiserTwoFactor,
    OrganiserRecoveryCode,
    WebhookEndpoint,
    WebhookChange,
    WebhookDelivery,
    OrganiserRole,
    EventStaff,
    Invitation,
)
