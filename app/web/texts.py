"""What the pages say: labels and messages for the codes the domain uses.

The texts are German source texts marked with ``N_`` (for the catalogs) and translated where
they are shown: the functions here return them in the reader's language.
"""

from __future__ import annotations

from app.domain import event_form, validation
from app.domain.model import (
    AttendanceMode,
    EventFormat,
    EventStatus,
    Language,
    PersonRole,
    QuestionKind,
    RegistrationStatus,
    Seats,
)
from app.domain.rules import Availability, WindowState
from app.i18n import N_, _, ngettext

FIELD_LABELS = {
    "first_name": N_("Vorname"),
    "last_name": N_("Nachname"),
    "email": N_("E-Mail-Adresse"),
    "organisation": N_("Organisation"),
    "job_title": N_("Funktion"),
    "mode": N_("Teilnahme"),
    "language": N_("Sprache"),
    "consent": N_("Einwilligung"),
}

_ERRORS = {
    validation.REQUIRED: N_("Bitte füllen Sie dieses Feld aus."),
    validation.TOO_LONG: N_("Diese Angabe ist zu lang."),
    validation.INVALID_EMAIL: N_(
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@kommune.de."
    ),
    validation.INVALID_CHOICE: N_("Bitte wählen Sie eine der angebotenen Möglichkeiten."),
    validation.CONSENT_REQUIRED: N_(
        "Bitte stimmen Sie der Verarbeitung Ihrer Daten gemäß Datenschutzhinweis zu."
    ),
    validation.INVALID_TEXT: N_("Diese Angabe enthält unzulässige Zeichen."),
}
_CHOOSE = N_("Bitte wählen Sie eine Möglichkeit aus.")
_CHECK = N_("Bitte prüfen Sie diese Angabe.")


def field_label(name: str) -> str:
    """The label of a registration form field in the reader's language (``name`` if unknown)."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def field_error(code: str, *, is_choice: bool = False) -> str:
    """The message shown next to a field for an error ``code``."""
    if code == validation.REQUIRED and is_choice:
        return _(_CHOOSE)
    return _(_ERRORS.get(code, _CHECK))


#: The reason the services give when a double opt-in hold ran out before it was confirmed.
HOLD_EXPIRED = "expired"
HOLD_EXPIRED_TITLE = N_("Reservierung abgelaufen")

CLOSED_REASONS = {
    WindowState.NOT_YET_OPEN.value: N_("Die Anmeldung ist noch nicht geöffnet."),
    WindowState.CLOSED.value: N_(
        "Die Anmeldefrist ist abgelaufen. Eine Anmeldung ist nicht mehr möglich."
    ),
    WindowState.CANCELLED.value: N_(
        "Die Veranstaltung wurde abgesagt. Eine Anmeldung ist nicht möglich."
    ),
    WindowState.NOT_PUBLISHED.value: N_("Für diese Veranstaltung ist keine Anmeldung möglich."),
    "full": N_("Die Veranstaltung ist ausgebucht. Eine Anmeldung ist nicht mehr möglich."),
    "mode_not_offered": N_("Diese Form der Teilnahme wird nicht angeboten."),
    HOLD_EXPIRED: N_(
        "Die Reservierung ist abgelaufen: Die Anmeldung wurde nicht rechtzeitig bestätigt, "
        "der Platz ist wieder freigegeben. Sie können sich auf der Veranstaltungsseite erneut "
        "anmelden."
    ),
}
_NOT_POSSIBLE = N_("Eine Anmeldung ist derzeit nicht möglich.")


def closed_reason(reason: str) -> str:
    """Why the form does not take a registration, in the reader's language."""
    return _(CLOSED_REASONS.get(reason, _NOT_POSSIBLE))


MODE_LABELS = {AttendanceMode.IN_PERSON: N_("vor Ort"), AttendanceMode.ONLINE: N_("online")}

FORMAT_LABELS = {
    EventFormat.IN_PERSON: N_("Präsenzveranstaltung"),
    EventFormat.ONLINE: N_("Online-Veranstaltung"),
    EventFormat.HYBRID: N_("Hybrid: vor Ort und online"),
}

#: Each language by its own name (the form's choice and the personal page), never translated:
#: people look for their language under the name they know it by.
LANGUAGE_LABELS = {Language.DE: "Deutsch", Language.EN: "English", Language.UK: "Українська"}

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: N_("bestätigt"),
    RegistrationStatus.WAITLISTED: N_("Warteliste"),
    RegistrationStatus.PENDING: N_("Bestätigung der E-Mail-Adresse ausstehend"),
    RegistrationStatus.CANCELLED: N_("storniert"),
}

ONLINE_PLACE = N_("Online (Zoom)")
YES_NO_LABELS = {validation.YES: N_("Ja"), validation.NO: N_("Nein")}


def mode_label(mode: AttendanceMode) -> str:
    """``vor Ort`` or ``online`` in the reader's language."""
    return _(MODE_LABELS[mode])


def format_label(event_format: EventFormat) -> str:
    """The event's format as its badge says it."""
    return _(FORMAT_LABELS[event_format])


def status_label(status: RegistrationStatus) -> str:
    """A registration's status as the personal page says it."""
    return _(STATUS_LABELS[status])


def yes_no_label(value: str) -> str:
    """``Ja``/``Nein`` for a yes/no answer (anything else as it is)."""
    return _(YES_NO_LABELS[value]) if value in YES_NO_LABELS else value


def seats_text(state: Availability, seats: Seats) -> str:
    """What the page says about seats in one mode: ``Noch 12 Plätze frei``, ``Warteliste`` …"""
    if state is Availability.WAITLIST:
        return _("Warteliste")
    if state is Availability.FULL:
        return _("ausgebucht")
    left = seats.left
    if left is None:
        return _("Plätze frei")
    return ngettext("Noch %(num)d Platz frei", "Noch %(num)d Plätze frei", left) % {"num": left}


def thank_you(
    status: RegistrationStatus, waitlist_position: int | None, *, hold_until: str = ""
) -> str:
    """What a new registrant is told; ``hold_until`` is the formatted end of a pending hold."""
    if status is RegistrationStatus.CONFIRMED:
        return _("Vielen Dank! Sie sind angemeldet. Eine Bestätigung ist per E-Mail unterwegs.")
    if status is RegistrationStatus.PENDING:
        if hold_until:
            return _(
                "Vielen Dank! Bitte sehen Sie in Ihr E-Mail-Postfach: Wir haben Ihnen Ihren "
                "persönlichen Link geschickt. Öffnen Sie ihn und klicken Sie dort auf „Anmeldung "
                "bestätigen“. Ihr Platz ist bis %(hold_until)s für Sie reserviert. Ohne "
                "Bestätigung verfällt die Anmeldung."
            ) % {"hold_until": hold_until}
        return _(
            "Vielen Dank! Bitte sehen Sie in Ihr E-Mail-Postfach: Wir haben Ihnen Ihren "
            "persönlichen Link geschickt. Öffnen Sie ihn und klicken Sie dort auf „Anmeldung "
            "bestätigen“. Ohne Bestätigung verfällt die Anmeldung."
        )
    if status is RegistrationStatus.WAITLISTED:
        if waitlist_position is not None:
            return _(
                "Vielen Dank! Sie stehen auf der Warteliste (Platz %(position)d). Wird ein Platz "
                "frei, rücken Sie automatisch nach und erhalten eine E-Mail."
            ) % {"position": waitlist_position}
        return _(
            "Vielen Dank! Sie stehen auf der Warteliste. Wird ein Platz frei, rücken Sie "
            "automatisch nach und erhalten eine E-Mail."
        )
    return _("Ihre Anmeldung ist storniert.")


CONFIRMED_BANNER = N_(
    "Ihre Anmeldung ist bestätigt. Die Bestätigung mit Kalendereinladung ist per E-Mail unterwegs."
)

JOIN_REFUSED_TITLE = N_("Zugang derzeit nicht möglich")

#: Why the personal join link does not lead into the meeting, by the code views.join_refusal gives.
JOIN_REFUSALS = {
    "event_cancelled": N_("Die Veranstaltung wurde abgesagt. Es gibt daher keinen Online-Zugang."),
    "event_unavailable": N_("Für diese Veranstaltung gibt es derzeit keinen Online-Zugang."),
    "cancelled": N_(
        "Ihre Anmeldung ist storniert. Der Zugangslink gilt nur für bestätigte Anmeldungen."
    ),
    "in_person": N_(
        "Sie sind für die Teilnahme vor Ort angemeldet. Der Zugangslink gilt nur für die "
        "Online-Teilnahme."
    ),
    "waitlisted": N_(
        "Sie stehen auf der Warteliste. Erhalten Sie einen Platz, bekommen Sie eine E-Mail, "
        "und ab dann führt dieser Link direkt zur Veranstaltung."
    ),
    "pending": N_(
        "Ihre Anmeldung ist noch nicht bestätigt. Bitte bestätigen Sie sie auf Ihrer "
        "persönlichen Seite; danach führt dieser Link direkt zur Veranstaltung."
    ),
    "no_access_yet": N_(
        "Die Zugangsdaten stehen noch nicht fest. Sobald sie feststehen, schicken wir sie Ihnen "
        "per E-Mail, und ab dann führt dieser Link direkt zur Veranstaltung."
    ),
    "invalid_link": N_(
        "Der Zugangslink ist nicht richtig hinterlegt. Bitte wählen Sie sich mit Meeting-ID und "
        "Kenncode von Ihrer persönlichen Seite ein, oder wenden Sie sich an die Veranstalter."
    ),
}


def join_refusal_text(code: str | None) -> str:
    """Why the join link does not lead into the meeting, in the reader's language."""
    return _(JOIN_REFUSALS.get(code or "", JOIN_REFUSALS["event_unavailable"]))


#: The one answer to a failed sign-in: it does not tell whether the email is known.
SIGN_IN_FAILED = "E-Mail-Adresse oder Passwort ist falsch."
TOO_MANY_SIGN_INS = (
    "Von Ihrem Anschluss kamen in kurzer Zeit zu viele Anmeldeversuche. Bitte warten Sie eine "
    "Minute und versuchen Sie es dann noch einmal."
)

#: The organisers' event form: field labels (also the error summary's link texts).
EVENT_FIELD_LABELS = {
    "title": "Titel",
    "slug": "Kurzname in der Adresse",
    "teaser": "Kurzbeschreibung",
    "description": "Beschreibung",
    "format": "Format",
    "starts_at": "Beginn",
    "ends_at": "Ende",
    "timezone": "Zeitzone",
    "venue_name": "Veranstaltungsort",
    "venue_address": "Adresse",
    "online_join_url": "Zoom-Link",
    "online_meeting_id": "Meeting-ID",
    "online_passcode": "Kenncode",
    "capacity_in_person": "Plätze vor Ort",
    "capacity_online": "Plätze online",
    "registration_opens_at": "Anmeldung ab",
    "registration_closes_at": "Anmeldeschluss",
    "waitlist_enabled": "Warteliste",
    "double_opt_in": "Double Opt-in",
    "opt_in_hold_hours": "Reservierung bis zur Bestätigung (Stunden)",
    "access_mail_lead_hours": "Zugangsdaten vor Beginn (Stunden)",
    "access_in_confirmation": "Zugangsdaten schon in der Bestätigung",
    "reminder_lead_hours": "Erinnerung vor Beginn (Stunden)",
    "notify_organisers": "Bei jeder Anmeldung benachrichtigen",
    "contact_email": "Kontakt-E-Mail",
    "funding_note": "Förderhinweis",
    "series": "Reihe",
    "tags": "Schlagwörter",
    "questions": "Zusatzfragen",
    "programme": "Programm",
    "people": "Mitwirkende",
    "status": "Status",
    "message": "Nachricht an die Angemeldeten",
}

_ROW_LABELS = {
    "question": ("Frage", {"label": "Frage", "kind": "Art", "options": "Antwortmöglichkeiten"}),
    "programme": ("Programmpunkt", {"time": "Zeit", "title": "Titel", "detail": "Details"}),
    "person": ("Person", {"name": "Name", "affiliation": "Funktion", "role": "Rolle"}),
}

_EVENT_ERRORS = {
    event_form.INVALID_DATETIME: "Bitte geben Sie Datum und Uhrzeit an, z. B. 15.11.2026, 10:00.",
    event_form.NOT_AFTER_START: "Das Ende muss nach dem Beginn liegen.",
    event_form.DEADLINE_AFTER_END: "Der Anmeldeschluss darf nicht nach dem Ende liegen.",
    event_form.OPENS_AFTER_DEADLINE: (
        "Die Anmeldung muss vor dem Anmeldeschluss (oder dem Ende) öffnen."
    ),
    event_form.INVALID_NUMBER: "Bitte geben Sie eine Zahl ab 0 an (leer: unbegrenzt bzw. aus).",
    event_form.ACCESS_NOT_ONLINE: (
        "Zugangsdaten gibt es nur bei Online- und Hybrid-Veranstaltungen. Bitte leeren Sie das "
        "Feld oder wählen Sie ein anderes Format."
    ),
    event_form.INVALID_URL: "Bitte geben Sie einen vollständigen Link an (https://…).",
    event_form.INVALID_SLUG: (
        "Nur Kleinbuchstaben a–z, Ziffern und Bindestriche, z. B. auftakt-kyjiw-2026."
    ),
    event_form.SLUG_TAKEN: "Diesen Kurznamen hat schon eine andere Veranstaltung.",
    event_form.INVALID_TIMEZONE: "Diese Zeitzone ist unbekannt, z. B. Europe/Berlin.",
    event_form.OPTIONS_REQUIRED: "Bitte geben Sie mindestens zwei Antworten an, eine pro Zeile.",
    event_form.CONTACT_REQUIRED: "Für Benachrichtigungen braucht es eine Kontakt-E-Mail.",
    event_form.BELOW_SEATS_TAKEN: "Es sind schon mehr Plätze vergeben. Bitte mehr Plätze angeben.",
    event_form.MODE_IN_USE: (
        "In der wegfallenden Teilnahmeform sind schon Plätze vergeben. Bitte stornieren Sie diese "
        "Anmeldungen zuerst."
    ),
}


def event_field_label(field: str) -> str:
    """The label of an event form field, rows included (``Frage 2: Art``)."""
    if field in EVENT_FIELD_LABELS:
        return EVENT_FIELD_LABELS[field]
    kind, _, rest = field.partition("_")
    number, _, part = rest.partition("_")
    if kind in _ROW_LABELS and number.isdigit():
        row_label, parts = _ROW_LABELS[kind]
        return f"{row_label} {int(number) + 1}: {parts.get(part, part)}"
    return field


def event_field_error(code: str) -> str:
    """The message next to an event form field for an error ``code``."""
    return _EVENT_ERRORS.get(code) or field_error(code)


#: What the event's overview says after a step (``hinweis`` in the redirect's query).
EVENT_NOTICES = {
    "angelegt": "Die Veranstaltung ist als Entwurf angelegt. Sie ist erst nach dem "
    "Veröffentlichen öffentlich sichtbar.",
    "gespeichert": "Die Änderungen sind gespeichert.",
    "veroeffentlicht": "Die Veranstaltung ist veröffentlicht: Seite, Kalender und Anmeldung "
    "sind jetzt öffentlich.",
    "zurueckgezogen": "Die Veranstaltung ist wieder ein Entwurf und nicht mehr öffentlich.",
    "dupliziert": "Dies ist eine Kopie als Entwurf – ohne Anmeldungen und ohne Zugangsdaten. "
    "Bitte Termin und Angaben prüfen.",
    "abgesagt": "Die Veranstaltung ist abgesagt. Alle Angemeldeten bekommen eine E-Mail mit "
    "der Absage für ihren Kalender.",
}

#: Why a life-cycle step was refused, by the services' code.
STATUS_REFUSALS = {
    "cannot_publish": "Nur Entwürfe können veröffentlicht werden; abgesagte Veranstaltungen "
    "nicht mehr.",
    "has_registrations": "Es gibt schon Anmeldungen. Die Veranstaltung kann nicht mehr "
    "zurückgezogen werden – bitte sagen Sie sie ab, dann werden alle informiert.",
    "not_published": "Nur veröffentlichte Veranstaltungen können zurückgezogen werden.",
}

EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: "Entwurf",
    EventStatus.PUBLISHED: "Veröffentlicht",
    EventStatus.CANCELLED: "Abgesagt",
}

ROLE_LABELS = {PersonRole.SPEAKER: "Vortrag / Beitrag", PersonRole.MODERATION: "Moderation"}
QUESTION_KIND_LABELS = {
    QuestionKind.TEXT: "Freitext",
    QuestionKind.CHOICE: "Auswahl",
    QuestionKind.YES_NO: "Ja/Nein",
}
FORMAT_CHOICES = {
    EventFormat.IN_PERSON: "Vor Ort",
    EventFormat.ONLINE: "Online",
    EventFormat.HYBRID: "Hybrid",
}
