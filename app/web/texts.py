"""What the pages say: labels and messages for the codes the domain uses (German for now)."""

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

FIELD_LABELS = {
    "first_name": "Vorname",
    "last_name": "Nachname",
    "email": "E-Mail-Adresse",
    "organisation": "Organisation",
    "job_title": "Funktion",
    "mode": "Teilnahme",
    "language": "Sprache",
    "consent": "Einwilligung",
}

_ERRORS = {
    validation.REQUIRED: "Bitte füllen Sie dieses Feld aus.",
    validation.TOO_LONG: "Diese Angabe ist zu lang.",
    validation.INVALID_EMAIL: (
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@kommune.de."
    ),
    validation.INVALID_CHOICE: "Bitte wählen Sie eine der angebotenen Möglichkeiten.",
    validation.CONSENT_REQUIRED: (
        "Bitte stimmen Sie der Verarbeitung Ihrer Daten gemäß Datenschutzhinweis zu."
    ),
    validation.INVALID_TEXT: "Diese Angabe enthält unzulässige Zeichen.",
}
_CHOOSE = "Bitte wählen Sie eine Möglichkeit aus."


def field_error(code: str, *, is_choice: bool = False) -> str:
    """The message shown next to a field for an error ``code``."""
    if code == validation.REQUIRED and is_choice:
        return _CHOOSE
    return _ERRORS.get(code, "Bitte prüfen Sie diese Angabe.")


#: The reason the services give when a double opt-in hold ran out before it was confirmed.
HOLD_EXPIRED = "expired"
HOLD_EXPIRED_TITLE = "Reservierung abgelaufen"

CLOSED_REASONS = {
    WindowState.NOT_YET_OPEN.value: "Die Anmeldung ist noch nicht geöffnet.",
    WindowState.CLOSED.value: (
        "Die Anmeldefrist ist abgelaufen. Eine Anmeldung ist nicht mehr möglich."
    ),
    WindowState.CANCELLED.value: (
        "Die Veranstaltung wurde abgesagt. Eine Anmeldung ist nicht möglich."
    ),
    WindowState.NOT_PUBLISHED.value: "Für diese Veranstaltung ist keine Anmeldung möglich.",
    "full": "Die Veranstaltung ist ausgebucht. Eine Anmeldung ist nicht mehr möglich.",
    "mode_not_offered": "Diese Form der Teilnahme wird nicht angeboten.",
    HOLD_EXPIRED: (
        "Die Reservierung ist abgelaufen: Die Anmeldung wurde nicht rechtzeitig bestätigt, "
        "der Platz ist wieder freigegeben. Sie können sich auf der Veranstaltungsseite erneut "
        "anmelden."
    ),
}


def closed_reason(reason: str) -> str:
    """Why the form does not take a registration."""
    return CLOSED_REASONS.get(reason, "Eine Anmeldung ist derzeit nicht möglich.")


MODE_LABELS = {AttendanceMode.IN_PERSON: "vor Ort", AttendanceMode.ONLINE: "online"}

FORMAT_LABELS = {
    EventFormat.IN_PERSON: "Präsenzveranstaltung",
    EventFormat.ONLINE: "Online-Veranstaltung",
    EventFormat.HYBRID: "Hybrid: vor Ort und online",
}

LANGUAGE_LABELS = {Language.DE: "Deutsch", Language.EN: "English", Language.UK: "Українська"}

STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: "bestätigt",
    RegistrationStatus.WAITLISTED: "Warteliste",
    RegistrationStatus.PENDING: "Bestätigung der E-Mail-Adresse ausstehend",
    RegistrationStatus.CANCELLED: "storniert",
}

ONLINE_PLACE = "Online (Zoom)"
YES_NO_LABELS = {validation.YES: "Ja", validation.NO: "Nein"}


def seats_text(state: Availability, seats: Seats) -> str:
    """What the page says about seats in one mode: ``Noch 12 Plätze frei``, ``Warteliste`` …"""
    if state is Availability.WAITLIST:
        return "Warteliste"
    if state is Availability.FULL:
        return "ausgebucht"
    left = seats.left
    if left is None:
        return "Plätze frei"
    return "Noch 1 Platz frei" if left == 1 else f"Noch {left} Plätze frei"


def thank_you(
    status: RegistrationStatus, waitlist_position: int | None, *, hold_until: str = ""
) -> str:
    """What a new registrant is told; ``hold_until`` is the formatted end of a pending hold."""
    if status is RegistrationStatus.CONFIRMED:
        return "Vielen Dank! Sie sind angemeldet. Eine Bestätigung ist per E-Mail unterwegs."
    if status is RegistrationStatus.PENDING:
        held = f" Ihr Platz ist bis {hold_until} für Sie reserviert." if hold_until else ""
        return (
            "Vielen Dank! Bitte sehen Sie in Ihr E-Mail-Postfach: Wir haben Ihnen Ihren "
            "persönlichen Link geschickt. Öffnen Sie ihn und klicken Sie dort auf „Anmeldung "
            f"bestätigen“.{held} Ohne Bestätigung verfällt die Anmeldung."
        )
    if status is RegistrationStatus.WAITLISTED:
        if waitlist_position is not None:
            return (
                f"Vielen Dank! Sie stehen auf der Warteliste (Platz {waitlist_position}). "
                "Wird ein Platz frei, rücken Sie automatisch nach und erhalten eine E-Mail."
            )
        return (
            "Vielen Dank! Sie stehen auf der Warteliste. Wird ein Platz frei, rücken Sie "
            "automatisch nach und erhalten eine E-Mail."
        )
    return "Ihre Anmeldung ist storniert."


CONFIRMED_BANNER = (
    "Ihre Anmeldung ist bestätigt. Die Bestätigung mit Kalendereinladung ist per E-Mail unterwegs."
)

JOIN_REFUSED_TITLE = "Zugang derzeit nicht möglich"

#: Why the personal join link does not lead into the meeting, by the code views.join_refusal gives.
JOIN_REFUSALS = {
    "event_cancelled": "Die Veranstaltung wurde abgesagt. Es gibt daher keinen Online-Zugang.",
    "event_unavailable": "Für diese Veranstaltung gibt es derzeit keinen Online-Zugang.",
    "cancelled": (
        "Ihre Anmeldung ist storniert. Der Zugangslink gilt nur für bestätigte Anmeldungen."
    ),
    "in_person": (
        "Sie sind für die Teilnahme vor Ort angemeldet. Der Zugangslink gilt nur für die "
        "Online-Teilnahme."
    ),
    "waitlisted": (
        "Sie stehen auf der Warteliste. Erhalten Sie einen Platz, bekommen Sie eine E-Mail, "
        "und ab dann führt dieser Link direkt zur Veranstaltung."
    ),
    "pending": (
        "Ihre Anmeldung ist noch nicht bestätigt. Bitte bestätigen Sie sie auf Ihrer "
        "persönlichen Seite; danach führt dieser Link direkt zur Veranstaltung."
    ),
    "no_access_yet": (
        "Die Zugangsdaten stehen noch nicht fest. Sobald sie feststehen, schicken wir sie Ihnen "
        "per E-Mail, und ab dann führt dieser Link direkt zur Veranstaltung."
    ),
    "invalid_link": (
        "Der Zugangslink ist nicht richtig hinterlegt. Bitte wählen Sie sich mit Meeting-ID und "
        "Kenncode von Ihrer persönlichen Seite ein, oder wenden Sie sich an die Veranstalter."
    ),
}

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
