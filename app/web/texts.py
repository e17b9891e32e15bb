"""What the pages say: labels and messages for the codes the domain uses (German for now)."""

from __future__ import annotations

from app.domain import validation
from app.domain.model import (
    AttendanceMode,
    EventFormat,
    Language,
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
