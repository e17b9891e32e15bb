"""One claimed mail made into the message to send, from the event and registration as they are.

What a mail may show is decided here: the access data only where its kind and the event allow
and the registration holds a seat that gets them, the personal links only to the registrant, the
calendar invite only for a confirmed seat (or its cancellation).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from app import paths
from app.calendar.ical import Organiser
from app.calendar.invite import build_invite, invite_method_for
from app.domain.mail import MailKind, access_due, entitled_to_access, receives_access
from app.domain.mailbox_proof import all_events_path
from app.domain.model import Event, Registration, RegistrationStatus
from app.domain.outbox import ClaimedMail
from app.domain.validation import normalise_email
from app.exports.certificate import FILENAMES as CERTIFICATE_FILENAMES
from app.exports.certificate import Issuer, write_certificates
from app.mail.compose import (
    Attachment,
    ComposedMail,
    Invite,
    compose_message,
    is_usable_address,
)
from app.mail.render import AccessLater, MailContext, render_mail
from app.settings import Settings

#: Kinds that may carry the access data, and when.
_ACCESS_ALWAYS = frozenset({MailKind.ACCESS, MailKind.REMINDER})
_ACCESS_ON_REQUEST = frozenset({MailKind.CONFIRMATION, MailKind.PROMOTION, MailKind.APPROVED})


def build_message(
    mail: ClaimedMail,
    event: Event,
    registration: Registration | None,
    settings: Settings,
    now: dt.datetime,
) -> ComposedMail:
    """The message for ``mail``; raises ``TemplateFailure`` or ``ValueError`` when none can be.

    ``now`` is the invite's DTSTAMP and the Date header: one moment for a whole batch keeps the
    invite's shared part the same for every registrant of an event in it.
    """
    include_access = registration is not None and (
        mail.kind in _ACCESS_ALWAYS
        or (mail.kind in _ACCESS_ON_REQUEST and event.access_in_confirmation)
    )
    include_access = (
        include_access and registration is not None and receives_access(event, registration)
    )
    base = settings.base_url
    is_for_registrant = mail.kind is not MailKind.ORGANISER_NOTICE and registration is not None
    token = registration.token if registration is not None else ""
    context = MailContext(
        kind=mail.kind,
        # What a mail may not show, it is not given.
        event=event if include_access else dataclasses.replace(event, online_access=None),
        registration=registration,
        language=mail.language,
        base_url=base,
        personal_url=base + paths.personal(token) if is_for_registrant else None,
        join_url=base + paths.join(token) if include_access else None,
        all_events_url=_all_events_url(mail, registration, settings) if is_for_registrant else None,
        include_access=include_access,
        payload=mail.payload,
        waitlist_position=_position(mail),
        access_later=_access_later(mail, event, registration, include_access, now),
    )
    rendered = render_mail(context)
    invite = None
    # As the registration is now: only a confirmed seat gets (or loses) a calendar entry.
    method = invite_method_for(mail.kind, mail.payload, registration)
    if method is not None and registration is not None:
        # The same ORGANIZER as the event's public calendar files: its contact, else ours.
        organiser = Organiser(*settings.calendar_organiser).for_event(event)
        invite = Invite(
            method=method,
            content=build_invite(
                event,
                registration,
                method=method,
                organiser_name=organiser.name,
                organiser_email=organiser.email,
                uid_domain=settings.mail_domain,
                now=now,
                # The mail's language, so text and invite always speak the same one.
                language=mail.language,
                personal_url=base + paths.personal(token),
            ),
        )
    attachments = []
    if mail.kind is MailKind.CERTIFICATE and registration is not None:
        attachments.append(certificate_attachment(event, registration, settings, now))
    to_name = registration.full_name if is_for_registrant and registration else ""
    return compose_message(
        rendered,
        from_address=settings.mail_from,
        reply_to=_reply_to(event, settings),
        to_name=to_name,
        to_address=mail.recipient,
        message_id=mail.message_id(settings.mail_domain),
        invite=invite,
        now=now,
        attachments=attachments,
    )


def certificate_attachment(
    event: Event, registration: Registration, settings: Settings, now: dt.datetime
) -> Attachment:
    """The registrant's certificate of attendance as a PDF, made now, in their language."""
    target = io.BytesIO()
    issuer = Issuer.of(event, settings.certificate_organiser)
    written = write_certificates(event, [registration], target, issuer=issuer, issued=now)
    if written != 1:
        # still_relevant let it through, so this is no attendee: never send the empty page.
        raise ValueError("no certificate for a registration that did not attend")
    filename = CERTIFICATE_FILENAMES.get(registration.language.value, CERTIFICATE_FILENAMES["de"])
    return Attachment(filename=filename, content=target.getvalue())


def _all_events_url(
    mail: ClaimedMail, registration: Registration | None, settings: Settings
) -> str | None:
    """The feed of all the recipient's events: a mail to the address is the only way to it.

    The key is made for the mailbox the mail goes to; the feed opens only when that is the
    registration's address, so a mail that went elsewhere hands out nothing that works.
    """
    if registration is None or registration.status is not RegistrationStatus.CONFIRMED:
        return None
    path = all_events_path(settings.secret_key, registration.token, normalise_email(mail.recipient))
    return f"{settings.base_url}{path}"


def _reply_to(event: Event, settings: Settings) -> str | None:
    """Answers about an event go to its contact; without one, to the configured address.

    A contact address no mail header could carry is passed over rather than failing the mail.
    """
    contact = event.contact_email.strip()
    if contact and is_usable_address(contact):
        return contact
    return settings.mail_reply_to or None


def _access_later(
    mail: ClaimedMail,
    event: Event,
    registration: Registration | None,
    include_access: bool,
    now: dt.datetime,
) -> AccessLater | None:
    """What a confirmation without the access data says about when they come.

    The rule is :func:`app.domain.mail.mails_on_confirmation`'s: the access mail goes at the
    event's lead time before the start, or at once when that has passed, and only when the data
    are set (otherwise when the organisers add them).
    """
    if (
        mail.kind not in _ACCESS_ON_REQUEST
        or include_access
        or registration is None
        or not entitled_to_access(event, registration)
    ):
        return None
    due = access_due(event)
    return AccessLater(at=due if due > now else None, data_set=event.online_access is not None)


def _position(mail: ClaimedMail) -> int | None:
    """The place in the queue a waiting-list notice was enqueued with."""
    position = mail.payload.get("position")
    return position if isinstance(position, int) and not isinstance(position, bool) else None
