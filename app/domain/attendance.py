"""Who attended an event, and reading the list of online participants an organiser uploads.

*Attended* is one rule for the funder report and the certificates: checked in at the door, or
marked as attended online (by an organiser, an imported list or Zoom's report).

The upload is a CSV file such as Zoom's participants export: a column of email addresses,
separated by ``;`` or ``,``, UTF-8 with or without a byte order mark. Each row is read on its
own, and what is wrong with one is reported by its number, so the organiser can correct the file
and upload it again; the service imports nothing unless every row is fine.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from app.domain.model import (
    AttendanceMode,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from app.domain.validation import is_valid_email, normalise_email

#: The largest upload read (a list of 10,000 addresses is about 400 kB).
MAX_UPLOAD_BYTES = 1024 * 1024
#: The most rows read; longer lists are refused as a whole.
MAX_ROWS = 20_000
#: Cells starting with one of these are formulas to a spreadsheet (CSV injection), never addresses.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = ";,"


def attended(registration: Registration) -> bool:
    """Whether the person came: checked in at the door, or marked as attended online."""
    return registration.checked_in_at is not None or registration.attended_online_at is not None


def markable_online(registration: Registration) -> bool:
    """Whether an organiser (or an import, or Zoom) may mark this registration as attended online.

    Confirmed online participants only: people in the room are checked in at the door.
    """
    return (
        registration.status is RegistrationStatus.CONFIRMED
        and registration.mode is AttendanceMode.ONLINE
    )


class CertificateState(enum.Enum):
    """Whether a registrant can have a certificate of attendance now, and if not, why not."""

    AVAILABLE = "available"
    #: Not before the event is over.
    NOT_OVER = "not_over"
    #: The event was cancelled: it did not take place.
    EVENT_CANCELLED = "event_cancelled"
    #: Neither checked in nor marked as attended online.
    NOT_ATTENDED = "not_attended"


def certificate_state(
    event: Event, registration: Registration, now: dt.datetime
) -> CertificateState:
    """Whether ``registration`` gets a certificate of ``event`` at ``now``."""
    if event.status is EventStatus.CANCELLED:
        return CertificateState.EVENT_CANCELLED
    if now < event.ends_at:
        return CertificateState.NOT_OVER
    if (
        registration.anonymised_at is not None
        or registration.status is RegistrationStatus.CANCELLED
        or not attended(registration)
    ):
        return CertificateState.NOT_ATTENDED
    return CertificateState.AVAILABLE


class RowProblem(enum.StrEnum):
    """What is wrong with one row of an uploaded list (or with the file as a whole, row 0)."""

    NOT_UTF8 = "not_utf8"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    NO_ADDRESS = "no_address"
    FORMULA = "formula"
    NOT_AN_ADDRESS = "not_an_address"
    UNKNOWN = "unknown"
    NOT_ONLINE = "not_online"
    NOT_CONFIRMED = "not_confirmed"


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: the row's number in the file (1 is the first line; 0 the whole file)."""

    row: int
    problem: RowProblem
    #: The cell as read, cut short (shown escaped to the organiser, never logged).
    value: str = ""


@dataclass(frozen=True, slots=True)
class AddressList:
    """The addresses of an uploaded list, each with the row it is on, and what was wrong."""

    #: (row, address as written), in file order, each address once (its first row).
    addresses: list[tuple[int, str]] = field(default_factory=list)
    #: Rows that repeat an address already listed: harmless (Zoom lists every rejoin), counted once.
    repeated: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _is_email_heading(cell: str) -> bool:
    folded = "".join(ch for ch in cell.casefold() if ch.isalnum())
    return "email" in folded or folded in {"mail", "адресаелектронноїпошти", "електроннапошта"}


def _delimiter(text: str) -> str:
    """``;`` or ``,``: the one the first line that has either uses (German Excel writes ``;``)."""
    for line in text.splitlines():
        counts = {delimiter: line.count(delimiter) for delimiter in _DELIMITERS}
        if any(counts.values()):
            return max(_DELIMITERS, key=lambda d: counts[d])
    return ";"


def _short(value: str) -> str:
    return value if len(value) <= 80 else value[:79] + "…"


def parse_address_list(data: bytes) -> AddressList:
    """The addresses in an uploaded CSV file, and every row that is not one.

    With a heading row (a cell such as ``E-Mail``, ``User Email``, ``Email address``), the
    addresses are read from that column of the rows after the last such heading (Zoom's export
    begins with a section about the meeting, with the host's address, and a heading of its own).
    Without one, each row's address is the one cell that holds an ``@``. Blank rows are skipped.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return AddressList(errors=[RowError(0, RowProblem.TOO_LARGE)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return AddressList(errors=[RowError(0, RowProblem.NOT_UTF8)])
    if "\x00" in text:
        return AddressList(errors=[RowError(0, RowProblem.NOT_UTF8)])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    if len(rows) > MAX_ROWS:
        return AddressList(errors=[RowError(0, RowProblem.TOO_LARGE)])
    column: int | None = None
    start = 0
    for index, cells in enumerate(rows):
        headings = [
            i for i, cell in enumerate(cells) if _is_email_heading(cell) and "@" not in cell
        ]
        if headings:
            column, start = headings[0], index + 1
    found = AddressList()
    seen: dict[str, int] = {}
    for index in range(start, len(rows)):
        number = index + 1
        cells = [cell.strip() for cell in rows[index]]
        if not any(cells):
            continue
        if column is not None:
            value = cells[column] if column < len(cells) else ""
        else:
            with_at = [cell for cell in cells if "@" in cell]
            value = with_at[0] if len(with_at) == 1 else ""
            if not with_at and number == 1:
                continue  # a heading we do not recognise: the addresses follow
        if not value:
            found.errors.append(RowError(number, RowProblem.NO_ADDRESS, _short(";".join(cells))))
        elif value.startswith(_FORMULA_STARTS):
            found.errors.append(RowError(number, RowProblem.FORMULA, _short(value)))
        elif not is_valid_email(value):
            found.errors.append(RowError(number, RowProblem.NOT_AN_ADDRESS, _short(value)))
        elif (key := normalise_email(value)) in seen:
            found.repeated.append(number)
        else:
            seen[key] = number
            found.addresses.append((number, value))
    if not found.addresses and not found.errors:
        found.errors.append(RowError(0, RowProblem.EMPTY))
    return found


def certificate_duration(event: Event) -> dt.timedelta:
    """How long the event lasted, as the certificate states it (for an event of one day)."""
    return max(event.ends_at - event.starts_at, dt.timedelta(0))


#: Shorter than this, an event over midnight (an evening round until 1:30) is counted in hours.
MULTI_DAY_FROM = dt.timedelta(hours=12)


def certificate_days(event: Event) -> int:
    """The calendar days the event spans where it takes place; 1 for an event within a day or
    a short one over midnight.

    A conference from 9:00 on one day to 17:00 the next lasted two days, not 32 hours.
    """
    if certificate_duration(event) < MULTI_DAY_FROM:
        return 1
    zone = ZoneInfo(event.timezone)
    first = event.starts_at.astimezone(zone).date()
    last = event.ends_at.astimezone(zone).date()
    return max((last - first).days + 1, 1)
