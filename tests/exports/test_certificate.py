"""Certificates of attendance, read back from the PDF: each page in its person's language."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.domain.model import (
    AttendanceMode,
    EventFormat,
    EventText,
    Language,
    RegistrationStatus,
)
from app.exports.certificate import Issuer, duration_text, span_text, write_certificates
from app.i18n import use_language
from tests.conftest import FIXED_NOW, make_event, make_registration

NOW = FIXED_NOW
ISSUER = Issuer(organiser="Netzwerkstelle Städtepartnerschaften NRW")


def _event(**overrides: object):
    return make_event(
        NOW,
        id=7,
        title="Kommunale Partnerschaften mit der Ukraine",
        format=EventFormat.HYBRID,
        funding_note="Gefördert durch die Staatskanzlei des Landes NRW.",
        translations={
            "en": EventText(
                title="Municipal partnerships with Ukraine",
                funding_note="Funded by the State Chancellery of North Rhine-Westphalia.",
            ),
            "uk": EventText(
                title="Муніципальні партнерства з Україною",
                funding_note="За підтримки Державної канцелярії землі Північний Рейн-Вестфалія.",
            ),
        },
        **overrides,
    )


def _pages(event, people, issuer: Issuer = ISSUER) -> tuple[int, list[str]]:
    target = io.BytesIO()
    written = write_certificates(
        event, people, target, issuer=issuer, issued=event.ends_at + dt.timedelta(days=2)
    )
    reader = PdfReader(io.BytesIO(target.getvalue()))
    return written, [page.extract_text() for page in reader.pages]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_page_per_attendee_each_in_their_own_language_cyrillic_included() -> None:
    event = _event()
    people = [
        make_registration(
            NOW, id=1, first_name="Jürgen", last_name="Müller", checked_in_at=event.starts_at
        ),
        make_registration(
            NOW,
            id=2,
            first_name="Anna",
            last_name="Smith",
            language=Language.EN,
            mode=AttendanceMode.ONLINE,
            attended_online_at=event.ends_at,
        ),
        make_registration(
            NOW,
            id=3,
            first_name="Олена",
            last_name="Коваль",
            organisation="Львівська міська рада",
            language=Language.UK,
            mode=AttendanceMode.ONLINE,
            attended_online_at=event.ends_at,
        ),
    ]

    written, pages = _pages(event, people)

    assert written == 3
    assert len(pages) == 3
    # By last name: Müller, Smith, Коваль (Latin sorts before Cyrillic).
    german, english, ukrainian = (_one_line(page) for page in pages)
    assert "Teilnahmebescheinigung" in german
    assert "Jürgen Müller" in german
    assert "Kommunale Partnerschaften mit der Ukraine" in german
    assert "Freitag, 27. November 2026, 10:00–14:00 Uhr" in german
    assert "Dauer: 4 Stunden" in german
    assert "Form der Teilnahme: vor Ort" in german
    assert "Veranstalter: Netzwerkstelle Städtepartnerschaften NRW" in german
    assert "Gefördert durch die Staatskanzlei des Landes NRW." in german

    assert "Certificate of attendance" in english
    assert "Anna Smith" in english
    assert "Municipal partnerships with Ukraine" in english
    assert "Duration: 4 hours" in english
    assert "Attendance: online (Zoom)" in english
    assert "Funded by the State Chancellery" in english

    assert "Сертифікат про участь" in ukrainian
    assert "Олена Коваль" in ukrainian
    assert "Львівська міська рада" in ukrainian
    assert "Муніципальні партнерства з Україною" in ukrainian
    assert "Тривалість: 4 години" in ukrainian
    assert "Форма участі: онлайн (Zoom)" in ukrainian
    assert "Організатор: Netzwerkstelle" in ukrainian
    assert "За підтримки Державної канцелярії" in ukrainian


def test_who_did_not_attend_gets_no_page() -> None:
    event = _event()
    people = [
        make_registration(NOW, id=1, first_name="Kam", last_name="Nicht"),
        make_registration(NOW, id=2, first_name="Da", last_name="War", checked_in_at=NOW),
        make_registration(
            NOW,
            id=3,
            first_name="Storniert",
            last_name="Danach",
            checked_in_at=NOW,
            status=RegistrationStatus.CANCELLED,
        ),
        make_registration(
            NOW, id=4, first_name="", last_name="", anonymised_at=NOW, checked_in_at=NOW
        ),
    ]
    written, pages = _pages(event, people)
    assert written == 1
    assert len(pages) == 1
    assert "Da War" in pages[0]
    assert "Kam Nicht" not in pages[0]


def test_nobody_attended_gives_one_page_saying_so() -> None:
    written, pages = _pages(_event(), [make_registration(NOW)])
    assert written == 0
    assert len(pages) == 1
    assert "Niemand hat teilgenommen." in pages[0]


def test_a_co_host_is_named_when_there_is_one() -> None:
    event = _event()
    person = make_registration(NOW, checked_in_at=NOW)
    _, [without] = _pages(event, [person])
    _, [with_co_host] = _pages(
        event, [person], Issuer(organiser="Netzwerkstelle", co_host="Stadt Dortmund")
    )
    assert "Gemeinsam mit" not in without
    assert "Gemeinsam mit: Stadt Dortmund" in _one_line(with_co_host)


@pytest.mark.parametrize(
    ("minutes", "language", "expected"),
    [
        (240, "de", "4 Stunden"),
        (90, "de", "1 Stunde 30 Minuten"),
        (45, "en", "45 minutes"),
        (61, "en", "1 hour 1 minute"),
        (120, "uk", "2 години"),
        (300, "uk", "5 годин"),
        (0, "de", "0 Minuten"),
    ],
)
def test_the_duration_reads_naturally(minutes: int, language: str, expected: str) -> None:
    with use_language(language):
        assert duration_text(dt.timedelta(minutes=minutes)) == expected


@pytest.mark.parametrize(
    ("start", "end", "language", "expected"),
    [
        # 9:00 to 17:00 the next day in Berlin: two days, not 32 hours.
        ("2026-11-27T08:00", "2026-11-28T16:00", "de", "2 Tage"),
        ("2026-11-27T08:00", "2026-11-29T16:00", "en", "3 days"),
        ("2026-11-27T08:00", "2026-11-28T16:00", "uk", "2 дні"),
        # 23:30 to 01:30 in Berlin: over midnight, but two hours.
        ("2026-11-27T22:30", "2026-11-28T00:30", "de", "2 Stunden"),
        # 21:00 to 22:30 UTC stays within one day in Berlin: hours.
        ("2026-11-27T21:00", "2026-11-27T22:30", "de", "1 Stunde 30 Minuten"),
    ],
)
def test_an_event_over_several_days_lasted_days(
    start: str, end: str, language: str, expected: str
) -> None:
    event = _event(
        starts_at=dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC),
        ends_at=dt.datetime.fromisoformat(end).replace(tzinfo=dt.UTC),
    )
    with use_language(language):
        assert span_text(event) == expected
    person = make_registration(NOW, checked_in_at=NOW, language=Language(language))
    _, [page] = _pages(event, [person])
    assert expected in _one_line(page)
