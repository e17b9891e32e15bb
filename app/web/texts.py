"""What the pages say: labels and messages for the codes the domain uses.

The texts are German source texts marked with ``N_`` (for the catalogs) and translated where
they are shown: the functions here return them in the reader's language.
"""

from __future__ import annotations

from app.domain import validation
from app.domain.model import (
    AWAITING_APPROVAL,
    AttendanceMode,
    Country,
    EventFormat,
    Language,
    OrganisationType,
    RegistrationStatus,
    Seats,
)
from app.domain.rules import Availability, EventState, WindowState
from app.i18n import N_, _, ngettext

FIELD_LABELS = {
    "first_name": N_("Vorname"),
    "last_name": N_("Nachname"),
    "email": N_("E-Mail-Adresse"),
    "organisation": N_("Organisation"),
    "job_title": N_("Funktion"),
    "organisation_type": N_("Art der Organisation"),
    "country": N_("Land"),
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
    validation.NOT_INVITED: N_(
        "Diese Veranstaltung ist nur für eingeladene Personen. Bitte melden Sie sich mit der "
        "E-Mail-Adresse an, an die Ihre Einladung ging."
    ),
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

ORGANISATION_TYPE_LABELS = {
    OrganisationType.MUNICIPALITY: N_("Kommune"),
    OrganisationType.DISTRICT: N_("Kreis"),
    OrganisationType.ASSOCIATION: N_("Verein/Verband"),
    OrganisationType.OTHER: N_("Sonstige"),
}

COUNTRY_LABELS = {
    Country.GERMANY: N_("Deutschland"),
    Country.UKRAINE: N_("Ukraine"),
    Country.OTHER: N_("anderes Land"),
}

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
    RegistrationStatus.AWAITING: N_("eingegangen, wartet auf Freigabe (Ihr Platz ist reserviert)"),
    RegistrationStatus.REQUESTED: N_("eingegangen, wartet auf Freigabe"),
    RegistrationStatus.DECLINED: N_("nicht angenommen"),
}

ONLINE_PLACE = N_("Online (Zoom)")
YES_NO_LABELS = {validation.YES: N_("Ja"), validation.NO: N_("Nein")}


def mode_label(mode: AttendanceMode) -> str:
    """``vor Ort`` or ``online`` in the reader's language."""
    return _(MODE_LABELS[mode])


def organisation_type_label(kind: OrganisationType | None) -> str:
    """The kind of organisation in the reader's language; empty when not said."""
    return "" if kind is None else _(ORGANISATION_TYPE_LABELS[kind])


def country_label(country: Country | None) -> str:
    """The country in the reader's language; empty when not said."""
    return "" if country is None else _(COUNTRY_LABELS[country])


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
    if status in AWAITING_APPROVAL:
        return _(
            "Vielen Dank! Ihre Anmeldung ist eingegangen. Das Veranstaltungsteam prüft jede "
            "Anmeldung; Sie bekommen eine E-Mail, sobald sie angenommen ist."
        )
    return _("Ihre Anmeldung ist storniert.")


CONFIRMED_BANNER = N_(
    "Ihre Anmeldung ist bestätigt. Die Bestätigung mit Kalendereinladung ist per E-Mail unterwegs."
)

#: What the personal page says after the certificate button (``?certificate=``).
CERTIFICATE_BANNERS = {
    "queued": N_("Ihre Teilnahmebescheinigung ist per E-Mail unterwegs (als PDF im Anhang)."),
    "already_queued": N_(
        "Ihre Teilnahmebescheinigung wurde eben schon angefordert und ist per E-Mail unterwegs."
    ),
    "not_attended": N_(
        "Für Ihre Anmeldung ist keine Teilnahme vermerkt, daher können wir keine "
        "Teilnahmebescheinigung ausstellen."
    ),
    "not_over": N_("Die Teilnahmebescheinigung gibt es erst nach dem Ende der Veranstaltung."),
    "event_cancelled": N_(
        "Die Veranstaltung wurde abgesagt; eine Teilnahmebescheinigung gibt es daher nicht."
    ),
}

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
    "awaiting_approval": N_(
        "Ihre Anmeldung wartet noch auf Freigabe durch das Veranstaltungsteam. Wird sie "
        "angenommen, bekommen Sie eine E-Mail, und ab dann führt dieser Link direkt zur "
        "Veranstaltung."
    ),
    "declined": N_(
        "Ihre Anmeldung wurde nicht angenommen. Der Zugangslink gilt nur für bestätigte "
        "Anmeldungen."
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


#: What an event offers right now, in a few words: the top of its page, its card, its state.
STATE_TEXTS = {
    EventState.OPEN: N_("Anmeldung offen"),
    EventState.FEW_SEATS: N_("Nur noch wenige Plätze frei"),
    EventState.WAITLIST: N_("Ausgebucht – Anmeldung auf die Warteliste möglich"),
    EventState.FULL: N_("Ausgebucht – keine Anmeldung mehr möglich"),
    EventState.NOT_YET_OPEN: N_("Die Anmeldung ist noch nicht geöffnet."),
    EventState.CLOSED: N_("Anmeldung geschlossen: Die Frist ist abgelaufen."),
    EventState.PAST: N_("Die Veranstaltung hat stattgefunden."),
    EventState.CANCELLED: N_("Abgesagt"),
    EventState.NOT_PUBLISHED: N_("Noch nicht veröffentlicht"),
}


def state_text(state: EventState, opens: str = "") -> str:
    """The event's state in the reader's language; ``opens`` is when a closed window opens."""
    if state is EventState.NOT_YET_OPEN and opens:
        return _("Anmeldung ab %(opens)s") % {"opens": opens}
    return _(STATE_TEXTS[state])


def register_label(state: EventState) -> str:
    """What the buttons leading to and sending the form say."""
    if state is EventState.WAITLIST:
        return _("Auf die Warteliste")
    return _("Verbindlich anmelden")


def call_to_action(state: EventState) -> str:
    """The link at the top of the event page that leads to the form."""
    if state is EventState.WAITLIST:
        return _("Auf die Warteliste")
    return _("Jetzt anmelden")


#: What the personal page offers to cancel, by the registration's status.
CANCEL_INVITATIONS = {
    RegistrationStatus.CONFIRMED: N_(
        "Sie können nicht teilnehmen? Geben Sie Ihren Platz frei – jemand auf der Warteliste "
        "rückt nach."
    ),
    RegistrationStatus.WAITLISTED: N_(
        "Sie möchten nicht mehr auf der Warteliste stehen? Melden Sie sich ab – Sie rücken dann "
        "nicht mehr nach und bekommen keine Nachricht mehr zu dieser Veranstaltung."
    ),
    RegistrationStatus.PENDING: N_(
        "Sie möchten doch nicht teilnehmen? Ziehen Sie Ihre Anmeldung zurück – der für Sie "
        "reservierte Platz wird frei."
    ),
    RegistrationStatus.AWAITING: N_(
        "Sie möchten doch nicht teilnehmen? Ziehen Sie Ihre Anmeldung zurück – der für Sie "
        "reservierte Platz wird frei."
    ),
    RegistrationStatus.REQUESTED: N_(
        "Sie möchten doch nicht teilnehmen? Ziehen Sie Ihre Anmeldung zurück."
    ),
}

#: What the confirmation step says will happen, by the registration's status.
CANCEL_CONSEQUENCES = {
    RegistrationStatus.CONFIRMED: N_(
        "Ihr Platz wird frei und geht an die nächste Person auf der Warteliste. Sie bekommen "
        "eine Bestätigung per E-Mail."
    ),
    RegistrationStatus.WAITLISTED: N_(
        "Sie werden von der Warteliste genommen und rücken nicht mehr nach. Sie bekommen eine "
        "Bestätigung per E-Mail."
    ),
    RegistrationStatus.PENDING: N_(
        "Der für Sie reservierte Platz wird frei. Sie bekommen eine Bestätigung per E-Mail."
    ),
    RegistrationStatus.AWAITING: N_(
        "Der für Sie reservierte Platz wird frei. Sie bekommen eine Bestätigung per E-Mail."
    ),
    RegistrationStatus.REQUESTED: N_(
        "Ihre Anmeldung wird zurückgezogen. Sie bekommen eine Bestätigung per E-Mail."
    ),
}


def cancel_invitation(status: RegistrationStatus) -> str:
    """The personal page's line above the cancel link, right for ``status``."""
    return _(CANCEL_INVITATIONS.get(status, CANCEL_INVITATIONS[RegistrationStatus.CONFIRMED]))


def cancel_consequence(status: RegistrationStatus) -> str:
    """What cancelling does, said on the confirmation step."""
    return _(CANCEL_CONSEQUENCES.get(status, CANCEL_CONSEQUENCES[RegistrationStatus.CONFIRMED]))
