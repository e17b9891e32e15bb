"""What the organisers' pages say: labels and messages for the codes the domain uses.

The texts are German source texts marked with ``N_`` (their catalog is ``organiser.po``); they
are translated where they are shown, with ``_()`` or the functions here, in the language of the
request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from app import paths
from app.domain import event_rules
from app.domain.model import EventFormat, EventStatus, PersonRole, QuestionKind
from app.i18n import LANGUAGE_NAMES, N_, _, current_language, translations

K = TypeVar("K")


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, told apart from the same German text by ``context``.

    ``Abmelden`` is signing out here and cancelling a registration on the public pages.
    """
    return str(translations(current_language()).pgettext(context, message))


def translated(labels: Mapping[K, str]) -> dict[K, str]:
    """``labels`` with every value in the language of the request."""
    return {key: _(label) for key, label in labels.items()}


#: The one answer to a failed sign-in: it does not tell whether the email is known.
SIGN_IN_FAILED = N_("E-Mail-Adresse oder Passwort ist falsch.")
TWO_FACTOR_CODE_WRONG = N_(
    "Der Code stimmt nicht, ist abgelaufen oder wurde schon benutzt. Bitte geben Sie den "
    "aktuellen Code aus Ihrer App ein."
)
TWO_FACTOR_TOO_MANY_CODES = N_(
    "Für dieses Konto wurden zu viele falsche Codes eingegeben. Bitte warten Sie 15 Minuten und "
    "versuchen Sie es dann noch einmal."
)
TOO_MANY_SIGN_INS = N_(
    "Von Ihrem Anschluss kamen in kurzer Zeit zu viele Anmeldeversuche. Bitte warten Sie eine "
    "Minute und versuchen Sie es dann noch einmal."
)

#: The organisers' event form: field labels (also the error summary's link texts).
EVENT_FIELD_LABELS = {
    "title": N_("Titel"),
    "slug": N_("Kurzname in der Adresse"),
    "teaser": N_("Kurzbeschreibung"),
    "description": N_("Beschreibung"),
    "format": N_("Format"),
    "starts_at": N_("Beginn"),
    "ends_at": N_("Ende"),
    "timezone": N_("Zeitzone"),
    "venue_name": N_("Veranstaltungsort"),
    "venue_address": N_("Adresse"),
    "venue_notes": N_("Hinweise zum Ort"),
    "access_notes": N_("Hinweise zur Online-Teilnahme"),
    "online_join_url": N_("Zoom-Link"),
    "online_meeting_id": N_("Meeting-ID"),
    "online_passcode": N_("Kenncode"),
    "capacity_in_person": N_("Plätze vor Ort"),
    "capacity_online": N_("Plätze online"),
    "registration_opens_at": N_("Anmeldung ab"),
    "registration_closes_at": N_("Anmeldeschluss"),
    "waitlist_enabled": N_("Warteliste"),
    "double_opt_in": N_("Double Opt-in"),
    "approval_required": N_("Anmeldungen freigeben"),
    "approval_holds_seat": N_("Platz bis zur Freigabe reservieren"),
    "opt_in_hold_hours": N_("Reservierung bis zur Bestätigung (Stunden)"),
    "access_mail_lead_hours": N_("Zugangsdaten vor Beginn (Stunden)"),
    "access_in_confirmation": N_("Zugangsdaten schon in der Bestätigung"),
    "reminder_lead_hours": N_("Erinnerung vor Beginn (Stunden)"),
    "notify_organisers": N_("Bei jeder Anmeldung benachrichtigen"),
    "contact_email": N_("Kontakt-E-Mail"),
    "co_host": N_("Mitveranstaltende Organisation"),
    "invitation_only": N_("Nur auf Einladung"),
    "funding_note": N_("Förderhinweis"),
    "series": N_("Reihe"),
    "tags": N_("Schlagwörter"),
    "questions": N_("Zusatzfragen"),
    "programme": N_("Programm"),
    "people": N_("Mitwirkende"),
    "status": N_("Status"),
    "message": N_("Nachricht an die Angemeldeten"),
}

_ROW_LABELS = {
    "question": (
        N_("Frage"),
        {"label": N_("Frage"), "kind": N_("Art"), "options": N_("Antwortmöglichkeiten")},
    ),
    "programme": (
        N_("Programmpunkt"),
        {"time": N_("Zeit"), "title": N_("Titel"), "detail": N_("Details")},
    ),
    "person": (
        N_("Person"),
        {"name": N_("Name"), "affiliation": N_("Funktion"), "role": N_("Rolle")},
    ),
}

_EVENT_ERRORS = {
    event_rules.INVALID_DATETIME: N_(
        "Bitte geben Sie Datum und Uhrzeit an, z. B. 15.11.2026, 10:00."
    ),
    event_rules.NOT_AFTER_START: N_("Das Ende muss nach dem Beginn liegen."),
    event_rules.DEADLINE_AFTER_END: N_("Der Anmeldeschluss darf nicht nach dem Ende liegen."),
    event_rules.OPENS_AFTER_DEADLINE: N_(
        "Die Anmeldung muss vor dem Anmeldeschluss (oder dem Ende) öffnen."
    ),
    event_rules.INVALID_NUMBER: N_(
        "Bitte geben Sie eine Zahl ab 0 an (leer: unbegrenzt bzw. aus)."
    ),
    event_rules.ACCESS_NOT_ONLINE: N_(
        "Zugangsdaten gibt es nur bei Online- und Hybrid-Veranstaltungen. Bitte leeren Sie das "
        "Feld oder wählen Sie ein anderes Format."
    ),
    event_rules.INVALID_URL: N_("Bitte geben Sie einen vollständigen Link an (https://…)."),
    event_rules.INVALID_SLUG: N_(
        "Nur Kleinbuchstaben a–z, Ziffern und Bindestriche, z. B. auftakt-kyjiw-2026."
    ),
    event_rules.SLUG_TAKEN: N_("Diesen Kurznamen hat schon eine andere Veranstaltung."),
    event_rules.INVALID_TIMEZONE: N_("Diese Zeitzone ist unbekannt, z. B. Europe/Berlin."),
    # The years are event_rules.FIRST_YEAR and LAST_YEAR.
    event_rules.DATE_OUT_OF_RANGE: N_("Bitte geben Sie ein Datum in den Jahren 1900 bis 2999 an."),
    event_rules.OPTIONS_REQUIRED: N_(
        "Bitte geben Sie mindestens zwei Antworten an, eine pro Zeile."
    ),
    event_rules.CONTACT_REQUIRED: N_("Für Benachrichtigungen braucht es eine Kontakt-E-Mail."),
    event_rules.OPTIONS_COUNT: N_(
        "Bitte genauso viele Antwortmöglichkeiten wie auf Deutsch angeben, in derselben "
        "Reihenfolge, eine pro Zeile (oder das Feld leer lassen)."
    ),
    event_rules.BELOW_SEATS_TAKEN: N_(
        "Es sind schon mehr Plätze vergeben. Bitte mehr Plätze angeben."
    ),
    event_rules.MODE_IN_USE: N_(
        "In der wegfallenden Teilnahmeform sind schon Plätze vergeben. Bitte stornieren Sie diese "
        "Anmeldungen zuerst."
    ),
}


def event_field_label(field: str) -> str:
    """The label of an event form field, rows included (``Frage 2: Art``), translated."""
    if field in EVENT_FIELD_LABELS:
        return _(EVENT_FIELD_LABELS[field])
    kind, _sep, rest = field.partition("_")
    number, _sep, part = rest.partition("_")
    if kind in _ROW_LABELS and number.isdigit():
        row_label, parts = _ROW_LABELS[kind]
        # ``question_0_label_en``: a translated text of the row, named with its language.
        part, _sep, language = part.partition("_")
        part_label = _(parts[part]) if part in parts else part
        if language in LANGUAGE_NAMES:
            part_label = f"{part_label} ({LANGUAGE_NAMES[language]})"
        return f"{_(row_label)} {int(number) + 1}: {part_label}"
    return field


def event_field_error(code: str) -> str:
    """The message next to an event form field for an error ``code``, translated."""
    if code in _EVENT_ERRORS:
        return _(_EVENT_ERRORS[code])
    # Imported here: app.web.texts re-exports this module's names.
    from app.web.texts import field_error

    return _(field_error(code))


#: What the event's overview says after a step (``notice`` in the redirect's query).
EVENT_NOTICES = {
    "created": N_(
        "Die Veranstaltung ist als Entwurf angelegt. Sie ist erst nach dem "
        "Veröffentlichen öffentlich sichtbar."
    ),
    "saved": N_("Die Änderungen sind gespeichert."),
    "published": N_(
        "Die Veranstaltung ist veröffentlicht: Seite, Kalender und Anmeldung sind jetzt öffentlich."
    ),
    "unpublished": N_("Die Veranstaltung ist wieder ein Entwurf und nicht mehr öffentlich."),
    "duplicated": N_(
        "Dies ist eine Kopie als Entwurf – ohne Anmeldungen und ohne Zugangsdaten. "
        "Bitte Termin und Angaben prüfen."
    ),
    "cancelled": N_(
        "Die Veranstaltung ist abgesagt. Alle Angemeldeten bekommen eine E-Mail mit "
        "der Absage für ihren Kalender."
    ),
    "message_sent": N_(
        "Die Nachricht ist versandbereit: Sie geht in den nächsten Minuten an alle Empfänger."
    ),
}


def event_notice(notice: str | None) -> str:
    """The translated notice for ``notice`` (German values of before too); empty for unknown."""
    text = EVENT_NOTICES.get(paths.notice(notice), "")
    return _(text) if text else ""


#: Why a life-cycle step was refused, by the services' code.
STATUS_REFUSALS = {
    "cannot_publish": N_(
        "Nur Entwürfe können veröffentlicht werden; abgesagte Veranstaltungen nicht mehr."
    ),
    "has_registrations": N_(
        "Es gibt schon Anmeldungen. Die Veranstaltung kann nicht mehr "
        "zurückgezogen werden – bitte sagen Sie sie ab, dann werden alle informiert."
    ),
    "not_published": N_("Nur veröffentlichte Veranstaltungen können zurückgezogen werden."),
}


def status_refusal(code: str | None) -> str:
    """The translated refusal for ``code``; empty for unknown values."""
    text = STATUS_REFUSALS.get(code or "", "")
    return _(text) if text else ""


EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: N_("Entwurf"),
    EventStatus.PUBLISHED: N_("Veröffentlicht"),
    EventStatus.CANCELLED: N_("Abgesagt"),
}

ROLE_LABELS = {
    PersonRole.SPEAKER: N_("Vortrag / Beitrag"),
    PersonRole.MODERATION: N_("Moderation"),
}
QUESTION_KIND_LABELS = {
    QuestionKind.TEXT: N_("Freitext"),
    QuestionKind.CHOICE: N_("Auswahl"),
    QuestionKind.YES_NO: N_("Ja/Nein"),
}
FORMAT_CHOICES = {
    EventFormat.IN_PERSON: N_("Vor Ort"),
    EventFormat.ONLINE: N_("Online"),
    EventFormat.HYBRID: N_("Hybrid"),
}
