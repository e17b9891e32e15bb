"""Reading an uploaded list of online participants, and who counts as attended."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.domain.attendance import (
    MAX_UPLOAD_BYTES,
    CertificateState,
    RowProblem,
    attended,
    certificate_state,
    parse_address_list,
)
from app.domain.model import EventStatus, RegistrationStatus
from tests.conftest import FIXED_NOW, make_event, make_registration

#: Zoom's participants export as it is downloaded: a section about the meeting (with the host's
#: address), a blank line, then one row per join, BOM first.
ZOOM_EXPORT = (
    "\ufeffMeeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "555 000 111,Partnerschaften,12/04/2030 10:00:00 AM,12/04/2030 02:00:00 PM,"
    "host@netzwerk.example,240,3\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Olena Koval,olena@stadt.example,12/04/2030 10:01:00 AM,12/04/2030 02:00:00 PM,239,No\n"
    "Jürgen Müller,juergen@kreis.example,12/04/2030 10:03:00 AM,12/04/2030 11:00:00 AM,57,No\n"
    "Jürgen Müller,juergen@kreis.example,12/04/2030 11:05:00 AM,12/04/2030 02:00:00 PM,175,No\n"
).encode()


def _addresses(data: bytes) -> list[str]:
    parsed = parse_address_list(data)
    assert parsed.errors == []
    return [address for _, address in parsed.addresses]


def test_zooms_export_gives_the_participants_once_each_without_the_host() -> None:
    parsed = parse_address_list(ZOOM_EXPORT)
    assert parsed.errors == []
    assert parsed.addresses == [(5, "olena@stadt.example"), (6, "juergen@kreis.example")]
    assert parsed.repeated == [7]


def test_a_german_excel_list_with_semicolons_and_a_heading() -> None:
    data = "E-Mail-Adresse;Name\r\nanna@stadt.example;Anna\r\nbob@kreis.example;Bob\r\n"
    assert _addresses(data.encode("utf-8")) == ["anna@stadt.example", "bob@kreis.example"]


def test_a_bare_column_of_addresses_with_a_bom_and_blank_lines() -> None:
    data = "\ufeffanna@stadt.example\n\n  bob@kreis.example  \n"
    assert _addresses(data.encode()) == ["anna@stadt.example", "bob@kreis.example"]


def test_a_heading_in_ukrainian_is_recognised() -> None:
    data = "Імʼя,Електронна пошта\nОлена,olena@misto.example\n"
    assert _addresses(data.encode()) == ["olena@misto.example"]


def test_repeated_addresses_differing_in_case_count_once() -> None:
    parsed = parse_address_list(b"anna@stadt.example\nAnna@Stadt.example\n")
    assert parsed.addresses == [(1, "anna@stadt.example")]
    assert parsed.repeated == [2]


def test_formulas_are_refused_by_row_and_never_taken_for_addresses() -> None:
    data = (
        b"E-Mail\n"
        b"anna@stadt.example\n"
        b'=HYPERLINK("http://evil.example","x")\n'
        b"+cmd@x.example\n"
        b"@SUM(A1)\n"
    )
    parsed = parse_address_list(data)
    assert [(e.row, e.problem) for e in parsed.errors] == [
        (3, RowProblem.FORMULA),
        (4, RowProblem.FORMULA),
        (5, RowProblem.FORMULA),
    ]


def test_a_wrong_delimiter_reports_every_row() -> None:
    # Tabs (a "CSV" saved as tab-separated text): no cell is an address.
    data = b"Name\tE-Mail\nAnna\tanna@stadt.example\nBob\tbob@kreis.example\n"
    parsed = parse_address_list(data)
    assert parsed.addresses == []
    assert [(e.row, e.problem) for e in parsed.errors] == [
        (2, RowProblem.NOT_AN_ADDRESS),
        (3, RowProblem.NOT_AN_ADDRESS),
    ]
    assert parsed.errors[0].value == "Anna\tanna@stadt.example"


def test_rows_without_an_address_and_invalid_ones_are_reported() -> None:
    data = b"E-Mail;Name\n;Anna\nkein-at-zeichen;Bob\nanna@@x;C\n"
    parsed = parse_address_list(data)
    assert [(e.row, e.problem) for e in parsed.errors] == [
        (2, RowProblem.NO_ADDRESS),
        (3, RowProblem.NOT_AN_ADDRESS),
        (4, RowProblem.NOT_AN_ADDRESS),
    ]


def test_files_that_cannot_be_a_list_are_refused_as_a_whole() -> None:
    assert parse_address_list("anna@stadt.example".encode("utf-16")).errors[0].problem in (
        RowProblem.NOT_UTF8,
    )
    assert parse_address_list(b"\xff\xfeanna").errors[0].problem is RowProblem.NOT_UTF8
    assert parse_address_list(b"").errors[0].problem is RowProblem.EMPTY
    assert parse_address_list(b"E-Mail\n\n").errors[0].problem is RowProblem.EMPTY
    too_large = b"a@b.example\n" * (MAX_UPLOAD_BYTES // 12 + 1)
    assert parse_address_list(too_large).errors[0].problem is RowProblem.TOO_LARGE


_LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-", min_size=1, max_size=12).filter(
    # Not starting like a formula ("-"), no empty dot-atom part.
    lambda s: not s.startswith((".", "-")) and not s.endswith(".") and ".." not in s
)
_DOMAIN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_ADDRESS = st.builds(lambda local, domain: f"{local}@{domain}.example", _LOCAL, _DOMAIN)


@given(
    addresses=st.lists(_ADDRESS, min_size=1, max_size=20),
    delimiter=st.sampled_from([";", ","]),
    heading=st.booleans(),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_any_written_list_reads_back_as_its_distinct_addresses(
    addresses: list[str], delimiter: str, heading: bool, bom: bool, newline: str
) -> None:
    lines = [f"Name{delimiter}E-Mail"] if heading else []
    lines += [f"Person {i}{delimiter}{address}" for i, address in enumerate(addresses)]
    text = ("\ufeff" if bom else "") + newline.join(lines) + newline
    parsed = parse_address_list(text.encode())
    assert parsed.errors == []
    distinct = list(dict.fromkeys(a.casefold() for a in addresses))
    assert [a.casefold() for _, a in parsed.addresses] == distinct
    assert len(parsed.addresses) + len(parsed.repeated) == len(addresses)


def test_attended_means_checked_in_or_attended_online() -> None:
    now = FIXED_NOW
    assert not attended(make_registration(now))
    assert attended(make_registration(now, checked_in_at=now))
    assert attended(make_registration(now, attended_online_at=now))


def test_a_certificate_only_after_the_end_and_only_for_who_came() -> None:
    now = FIXED_NOW
    event = make_event(now)
    came = make_registration(now, checked_in_at=event.starts_at)
    after = event.ends_at
    assert certificate_state(event, came, event.ends_at - dt.timedelta(seconds=1)) is (
        CertificateState.NOT_OVER
    )
    assert certificate_state(event, came, after) is CertificateState.AVAILABLE
    assert certificate_state(event, make_registration(now), after) is (
        CertificateState.NOT_ATTENDED
    )
    cancelled = make_registration(now, checked_in_at=now, status=RegistrationStatus.CANCELLED)
    assert certificate_state(event, cancelled, after) is CertificateState.NOT_ATTENDED
    anonymised = make_registration(now, checked_in_at=now, anonymised_at=after)
    assert certificate_state(event, anonymised, after) is CertificateState.NOT_ATTENDED
    called_off = make_event(now, status=EventStatus.CANCELLED)
    assert certificate_state(called_off, came, after) is CertificateState.EVENT_CANCELLED
