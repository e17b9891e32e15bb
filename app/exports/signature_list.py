"""The printable signature list for funders: confirmed attendees, one row each to sign."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from fpdf import FPDF
from fpdf.enums import Align, TableHeadingsDisplay, VAlign, XPos, YPos
from fpdf.fonts import FontFace

from app.domain.model import Event, EventFormat, Registration, RegistrationStatus
from app.formatting import format_event_time, local_time
from app.i18n import N_, _, current_language
from app.resources import app_folder

ONLINE_PLACE = N_("Online (Zoom)")
TITLE = N_("Unterschriftenliste")
FONT = "Roboto"
#: Millimetres: tall enough to sign in, so 14 rows fit a page under the header.
ROW_HEIGHT = 13.0
_COLUMNS = (N_("Nr."), N_("Name"), N_("Organisation"), N_("Check-in"), N_("Unterschrift"))
_COLUMN_WIDTHS = (12.0, 50.0, 50.0, 20.0, 48.0)
#: Noto Sans Arabic and Hebrew (SIL Open Font License, ``fonts/OFL.txt``), for what Roboto lacks.
_FONTS_DIR = app_folder("exports") / "fonts"
_FALLBACK_FONTS = (("NotoSansArabic", "NotoSansArabic"), ("NotoSansHebrew", "NotoSansHebrew"))


def place(event: Event) -> str:
    """Where the event takes place, on one line, in the language in use."""
    venue = ", ".join(
        part.strip()
        for part in (event.venue_name, *event.venue_address.splitlines())
        if part.strip()
    )
    online = _(ONLINE_PLACE)
    if event.format is EventFormat.ONLINE:
        return online
    if event.format is EventFormat.HYBRID and venue:
        return _("%(venue)s und %(online)s") % {"venue": venue, "online": online}
    if event.format is EventFormat.HYBRID:
        return online
    return venue


def _sort_key(registration: Registration) -> tuple[str, str]:
    # DIN 5007-1: umlauts sort with their base letter (Ö with O), case does not matter.
    return (_fold(registration.last_name), _fold(registration.first_name))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def attendees(registrations: Iterable[Registration]) -> list[Registration]:
    """The confirmed registrations, by last name, then first name."""
    confirmed = (r for r in registrations if r.status is RegistrationStatus.CONFIRMED)
    return sorted(confirmed, key=_sort_key)


@contextlib.contextmanager
def font_files() -> Iterator[tuple[Path, Path]]:
    # Roboto from the font-roboto package: it covers Latin and Cyrillic, and installs with pip,
    # so the default install needs no system fonts.
    files = resources.files("font_roboto") / "files"
    with (
        resources.as_file(files / "Roboto-Regular.ttf") as regular,
        resources.as_file(files / "Roboto-Bold.ttf") as bold,
    ):
        yield regular, bold


class _SignatureList(FPDF):
    def __init__(self, event: Event) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.event = event
        # The words of every page, in the language in use when the list is made.
        self.language = current_language()
        self.title_text = _(TITLE)
        self.page_text = _("Seite %(page)s von %(pages)s")
        self.place_text = place(event)
        self.set_margins(15, 12, 15)
        self.set_auto_page_break(auto=True, margin=16)
        self.set_title(f"{self.title_text}: {event.title}")
        self.set_creator("Treffpunkt")

    def header(self) -> None:
        # Every page carries the whole event header: a loose page still says what was signed.
        event = self.event
        self.set_font(FONT, "B", 9)
        self.cell(0, 5, self.title_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 13)
        self.multi_cell(0, 6, event.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)
        when = format_event_time(event.starts_at, event.ends_at, event.timezone, self.language)
        self.multi_cell(0, 5, when, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        where = self.place_text
        if where:
            self.multi_cell(0, 5, where, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if event.funding_note.strip():
            self.set_font(FONT, "", 8)
            self.multi_cell(
                0, 4, event.funding_note.strip(), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        text = self.page_text % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, text, align=Align.C)


def _check_in(event: Event, registration: Registration) -> str:
    """The check-in time (``14:05``; the date too when not on the event's first day).

    A time, not a tick: Roboto has no ✓, and the time is what a funder may ask about.
    """
    if registration.checked_in_at is None:
        return ""
    moment = local_time(registration.checked_in_at, event.timezone)
    first_day = local_time(event.starts_at, event.timezone).date()
    shown = (
        moment.strftime("%H:%M") if moment.date() == first_day else moment.strftime("%d.%m. %H:%M")
    )
    return f"✓ {shown}"


def _has_right_to_left(event: Event, people: Iterable[Registration]) -> bool:
    texts = [event.title, event.funding_note, event.venue_name, event.venue_address]
    for person in people:
        texts.extend((person.first_name, person.last_name, person.organisation))
    return has_right_to_left(texts)


def has_right_to_left(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` has Arabic or Hebrew script (then it needs the Noto fonts)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL", "AN") for text in texts for ch in text)


def add_fonts(pdf: FPDF, regular: Path, bold: Path, *, right_to_left: bool) -> None:
    """Roboto for ``pdf``; with ``right_to_left``, the Noto fallbacks and shaping too."""
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    if right_to_left:
        # Names in Arabic or Hebrew script: glyphs from the Noto fonts shipped beside this
        # module, and HarfBuzz shaping for joined Arabic letters and right-to-left order.
        # Only then: shaping makes the list three times slower to write.
        for family, stem in _FALLBACK_FONTS:
            pdf.add_font(family, "", str(_FONTS_DIR / f"{stem}-Regular.ttf"))
            pdf.add_font(family, "B", str(_FONTS_DIR / f"{stem}-Bold.ttf"))
        pdf.set_fallback_fonts([family for family, _ in _FALLBACK_FONTS])
        pdf.set_text_shaping(use_shaping_engine=True)


def write_signature_list(
    event: Event, registrations: Iterable[Registration], target: BinaryIO
) -> None:
    """Write the signature list of ``event`` as a PDF to ``target``.

    Only confirmed registrations, sorted by name. The table header repeats on every page, and
    a row is never split across pages.
    """
    people = attendees(registrations)
    pdf = _SignatureList(event)
    with font_files() as (regular, bold):
        add_fonts(pdf, regular, bold, right_to_left=_has_right_to_left(event, people))
        pdf.alias_nb_pages("{nb}")
        pdf.add_page()
        pdf.set_font(FONT, "", 10)
        with pdf.table(
            col_widths=_COLUMN_WIDTHS,
            line_height=5,
            min_row_height=ROW_HEIGHT,
            text_align=(Align.R, Align.L, Align.L, Align.C, Align.L),
            v_align=VAlign.M,
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            width=sum(_COLUMN_WIDTHS),
        ) as table:
            heading = table.row()
            for name in _COLUMNS:
                heading.cell(_(name))
            for number, registration in enumerate(people, start=1):
                cells = table.row()
                cells.cell(f"{number}")
                cells.cell(registration.full_name)
                cells.cell(registration.organisation)
                cells.cell(_check_in(event, registration))
                cells.cell("")
        target.write(bytes(pdf.output()))
