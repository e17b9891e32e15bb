"""Certificates of attendance (Teilnahmebescheinigung): one A4 page per person who attended.

Each page is in the person's own language (the one they registered in), whoever makes the file:
an organiser downloading every certificate of an event, or the outbox attaching one to the mail
a registrant asked for. The event's texts are its translations into that language where there
are any (:func:`app.domain.model.localized`). Roboto covers Latin and Cyrillic; names in Arabic
or Hebrew script take the signature list's Noto fallbacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from app.domain.attendance import attended, certificate_days, certificate_duration
from app.domain.model import AttendanceMode, Event, Registration, RegistrationStatus, localized
from app.exports.signature_list import FONT, add_fonts, font_files, has_right_to_left, place
from app.formatting import format_event_time, local_time
from app.i18n import LOCALES, N_, _, ngettext, use_language

TITLE = N_("Teilnahmebescheinigung")
#: The attachment's and download's name per language.
FILENAMES = {
    "de": "teilnahmebescheinigung.pdf",
    "en": "certificate-of-attendance.pdf",
    "uk": "sertyfikat-uchasti.pdf",
}


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who issues the certificates: the organiser, and a co-host where the event has one."""

    organiser: str
    co_host: str = ""

    @classmethod
    def of(cls, event: Event, organiser: str) -> Issuer:
        """The issuers of ``event``'s certificates: ``organiser``, with the event's co-host."""
        return cls(organiser=organiser, co_host=event.co_host)


def certificate_people(registrations: Iterable[Registration]) -> list[Registration]:
    """Those who get a certificate: attended, not cancelled or anonymised; by last name."""
    people = [
        r
        for r in registrations
        if attended(r) and r.anonymised_at is None and r.status is not RegistrationStatus.CANCELLED
    ]
    return sorted(people, key=lambda r: (r.last_name.casefold(), r.first_name.casefold(), r.id))


def span_text(event: Event) -> str:
    """How long the event lasted: its days when it spans several, else hours and minutes."""
    days = certificate_days(event)
    if days > 1:
        return ngettext("%(count)d Tag", "%(count)d Tage", days) % {"count": days}
    return duration_text(certificate_duration(event))


def duration_text(duration: dt.timedelta) -> str:
    """``4 Stunden``, ``1 hour 30 minutes``, ``2 години 15 хвилин`` in the language in use."""
    minutes = int(duration.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d Stunde", "%(count)d Stunden", hours) % {"count": hours})
    if rest or not hours:
        parts.append(ngettext("%(count)d Minute", "%(count)d Minuten", rest) % {"count": rest})
    return " ".join(parts)


def certificate_lines(
    event: Event, registration: Registration, issuer: Issuer, issued: dt.datetime
) -> list[tuple[str, str]]:
    """The page's lines as (style, text), in the language in use; the tests read them back."""
    language = registration.language.value
    shown = localized(event, language)
    when = format_event_time(event.starts_at, event.ends_at, event.timezone, language)
    mode = _("vor Ort") if registration.mode is AttendanceMode.IN_PERSON else _("online (Zoom)")
    duration = span_text(event)
    lines: list[tuple[str, str]] = [
        ("title", _(TITLE)),
        ("gap", ""),
        ("body", _("Hiermit wird bestätigt, dass")),
        ("name", registration.full_name),
    ]
    if registration.organisation.strip():
        lines.append(("body", registration.organisation.strip()))
    lines += [
        ("body", _("an der folgenden Veranstaltung teilgenommen hat:")),
        ("event", str(shown.title)),
        ("body", when),
        ("body", _("Form der Teilnahme: %(mode)s") % {"mode": mode}),
        ("gap", ""),
        (
            "fact",
            _("Dauer: %(duration)s") % {"duration": duration},
        ),
    ]
    where = place(event)
    if where:
        lines.append(("fact", _("Ort: %(place)s") % {"place": where}))
    lines.append(("fact", _("Veranstalter: %(organiser)s") % {"organiser": issuer.organiser}))
    if issuer.co_host.strip():
        lines.append(("fact", _("Gemeinsam mit: %(co_host)s") % {"co_host": issuer.co_host}))
    if str(shown.funding_note).strip():
        lines += [("gap", ""), ("note", str(shown.funding_note).strip())]
    issued_on = format_date(
        local_time(issued, event.timezone).date(), "long", locale=LOCALES[language]
    )
    lines += [
        ("gap", ""),
        ("small", _("Ausgestellt am %(date)s") % {"date": issued_on}),
        (
            "small",
            _("Diese Bescheinigung wurde maschinell erstellt und ist ohne Unterschrift gültig."),
        ),
    ]
    return lines


_STYLES = {
    "title": ("B", 22, 12.0),
    "name": ("B", 16, 9.0),
    "event": ("B", 14, 8.0),
    "body": ("", 12, 7.0),
    "fact": ("", 11, 6.0),
    "note": ("", 9, 4.5),
    "small": ("", 8, 4.5),
}


def _page(pdf: FPDF, lines: list[tuple[str, str]]) -> None:
    pdf.add_page()
    pdf.ln(25)
    for style, text in lines:
        if style == "gap":
            pdf.ln(6)
            continue
        emphasis, size, height = _STYLES[style]
        pdf.set_font(FONT, emphasis, size)
        align = Align.L if style in ("note", "small", "fact") else Align.C
        pdf.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def write_certificates(
    event: Event,
    registrations: Iterable[Registration],
    target: BinaryIO,
    *,
    issuer: Issuer,
    issued: dt.datetime,
) -> int:
    """Write a certificate page for each person of ``registrations`` who attended; returns how many.

    With nobody who attended, the file has one page saying so (in the language in use).
    """
    people = certificate_people(registrations)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(f"{_(TITLE)}: {event.title}")
    pdf.set_creator("Treffpunkt")
    pages = []
    for person in people:
        with use_language(person.language.value):
            pages.append(certificate_lines(event, person, issuer, issued))
    texts = [text for page in pages for _style, text in page]
    with font_files() as (regular, bold):
        add_fonts(pdf, regular, bold, right_to_left=has_right_to_left([event.title, *texts]))
        for lines in pages:
            _page(pdf, lines)
        if not pages:
            _page(pdf, [("title", _(TITLE)), ("body", _("Niemand hat teilgenommen."))])
        target.write(bytes(pdf.output()))
    return len(people)
