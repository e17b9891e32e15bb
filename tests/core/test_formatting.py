"""Dates as Germans read them, and Markdown that cannot carry markup."""

from __future__ import annotations

import datetime as dt

import pytest

from app.formatting import (
    format_day,
    format_deadline,
    format_event_time,
    is_whole_day_deadline,
)
from app.web.markdown import render_markdown

BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_one_day_event_in_winter_time() -> None:
    # The Landkreise conference: Mi 22.11.2023, 10:00–14:00 in Berlin is 09:00–13:00 UTC.
    assert (
        format_event_time(utc(2023, 11, 22, 9), utc(2023, 11, 22, 13), BERLIN)
        == "Mittwoch, 22. November 2023, 10:00–14:00 Uhr"
    )


def test_summer_time_is_applied() -> None:
    assert (
        format_event_time(utc(2030, 6, 12, 8), utc(2030, 6, 12, 10, 30), BERLIN)
        == "Mittwoch, 12. Juni 2030, 10:00–12:30 Uhr"
    )


def test_multi_day_event_shows_both_dates() -> None:
    assert (
        format_event_time(utc(2030, 12, 4, 9), utc(2030, 12, 5, 15), BERLIN)
        == "Mittwoch, 4. Dezember 2030, 10:00 Uhr – Donnerstag, 5. Dezember 2030, 16:00 Uhr"
    )


def test_event_ending_after_midnight_local_is_two_days() -> None:
    text = format_event_time(utc(2030, 12, 4, 20), utc(2030, 12, 4, 23, 30), BERLIN)
    assert text == "Mittwoch, 4. Dezember 2030, 21:00 Uhr – Donnerstag, 5. Dezember 2030, 00:30 Uhr"


def test_other_time_zone() -> None:
    assert format_day(utc(2030, 12, 4, 23), "Europe/Kyiv") == "Donnerstag, 5. Dezember 2030"


def test_whole_day_deadline_has_no_time() -> None:
    deadline = utc(2023, 11, 15, 22, 59)  # 23:59 in Berlin
    assert is_whole_day_deadline(deadline, BERLIN)
    assert format_deadline(deadline, BERLIN) == "Mittwoch, 15. November 2023"


def test_deadline_with_time() -> None:
    assert (
        format_deadline(utc(2022, 11, 25, 11, 30), BERLIN)
        == "Freitag, 25. November 2022, 12:30 Uhr"
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        # Our "en" is British English (app.i18n.LOCALES); a full Babel locale is taken as it is.
        ("en", "Wednesday, 22 November 2023"),
        ("en_US", "Wednesday, November 22, 2023"),
        ("uk", "середа, 22 листопада 2023\u202fр."),
    ],
)
def test_locale_is_a_parameter(locale: str, expected: str) -> None:
    assert format_day(utc(2023, 11, 22, 9), BERLIN, locale) == expected


def test_markdown_renders_formatting_and_safe_links() -> None:
    html = render_markdown("**Programm** mit [Anmeldung](https://example.org/a)\n\n- eins\n- zwei")
    assert "<strong>Programm</strong>" in html
    assert '<a href="https://example.org/a" rel="noopener noreferrer nofollow">' in html
    assert "<li>eins</li>" in html


def test_markdown_headings_move_below_the_page_s_own() -> None:
    # A report under the page's h2 and h3: its highest heading becomes h4, whatever it began as.
    for source in ("# Rückblick\n\n## Gruppen\n\n#### Eins", "## Rückblick\n\n### Gruppen"):
        html = render_markdown(source, top_heading=4)
        assert "<h4>Rückblick</h4>" in html
        assert "<h5>Gruppen</h5>" in html
    assert "<h6>Eins</h6>" in render_markdown(
        "# Rückblick\n\n## Gruppen\n\n#### Eins", top_heading=4
    )
    # Without it, headings stay as written (an h1 in a description is dropped to its text).
    assert "<h2>Gruppen</h2>" in render_markdown("## Gruppen")


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<img src="x" onerror="alert(1)">',
        "[x](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_markdown_never_passes_markup_or_script_links(source: str) -> None:
    html = render_markdown(f"Hallo {source} Welt").lower()
    # Typed markup is shown as text (escaped); no element or link may come out of it.
    for tag in ("<script", "<img", "<iframe"):
        assert tag not in html
    assert '<a href="javascript' not in html
    assert '<a href="data:' not in html
    assert "<a " not in html
