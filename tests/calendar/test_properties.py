"""Any title or text survives every file we write: three readers get it back exactly.

Titles and teasers are drawn from umlauts, Cyrillic, emoji (joined ones too), the characters
TEXT must escape (``,;\\``), colons, quotes, backslash-N, line breaks and long runs; the files
are checked octet by octet as well (CRLF, 75-octet folds, no UTF-8 character cut by a fold).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calendar.ical import feed_ics, personal_feed_ics, public_event_ics
from app.calendar.invite import InviteMethod, build_invite
from app.domain.model import AttendanceMode, Event, EventFormat, Registration
from tests.calendar.readers import ORGANISER, read_agreed
from tests.calendar.test_invite import registration
from tests.conftest import make_event

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
BASE = "https://treffpunkt.example.org"
DOMAIN = "treffpunkt.example.org"

#: Fixed examples, no example database: the same run every time, and quick.
CALENDAR_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_SPECIAL = st.sampled_from(
    [
        "ä", "ö", "ü", "ß", "Ä", "„", "“", "–",
        "Ж", "ї", "Є", "щ",
        "😀", "👩‍👩‍👧", "🇺🇦", "é",  # é: e and a combining accent
        ",", ";", ":", "\\", "\\N", "\\n", '"', "^", "'",
        "\n", "\n\n", "\t", " ",
    ]
)  # fmt: skip
# Any printable character (no controls but the line breaks and tabs above, no lone surrogates),
# and not U+FEFF, which the files drop on purpose (readers take it for a byte-order mark; see
# test_a_byte_order_mark_in_text_is_dropped).
_ANY = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\ufeff")
_PIECE = st.one_of(_SPECIAL, _ANY)
_SHORT = st.lists(_PIECE, max_size=40).map("".join)
#: Long runs: a piece repeated, up to a few thousand octets on one logical line.
_LONG = st.builds(lambda piece, times: piece * times, _SHORT, st.integers(1, 120))
TEXTS = st.one_of(_SHORT, _LONG)
TITLES = TEXTS.filter(lambda value: value != "")


def _event(title: str, teaser: str, event_format: EventFormat = EventFormat.ONLINE) -> Event:
    return make_event(NOW, id=7, slug="konferenz", title=title, teaser=teaser, format=event_format)


def _joined(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


@CALENDAR_SETTINGS
@given(title=TITLES, teaser=TEXTS)
def test_public_event_file_carries_any_text(title: str, teaser: str) -> None:
    url = f"{BASE}/events/konferenz"
    content = public_event_ics(
        _event(title, teaser), uid_domain=DOMAIN, event_url=url, now=NOW, organiser=ORGANISER
    )
    [entry] = read_agreed(content).entries
    assert entry.summary == title
    assert entry.description == _joined(teaser, url)


@CALENDAR_SETTINGS
@given(titles=st.lists(TITLES, min_size=1, max_size=4), teaser=TEXTS)
def test_feed_carries_any_text(titles: list[str], teaser: str) -> None:
    events = [
        dataclasses.replace(_event(title, teaser), id=index, slug=f"e{index}")
        for index, title in enumerate(titles)
    ]
    content = feed_ics(
        events, name=titles[0], uid_domain=DOMAIN, base_url=BASE, now=NOW, organiser=ORGANISER
    )
    entries = read_agreed(content).entries
    assert [entry.summary for entry in entries] == titles
    assert [entry.description for entry in entries] == [
        _joined(teaser, f"{BASE}/events/e{index}") for index in range(len(titles))
    ]


@CALENDAR_SETTINGS
@given(title=TITLES, teaser=TEXTS, online=st.booleans())
def test_personal_feed_carries_any_text(title: str, teaser: str, online: bool) -> None:
    event = _event(title, teaser, EventFormat.HYBRID)
    person = registration(mode=AttendanceMode.ONLINE if online else AttendanceMode.IN_PERSON)
    content = personal_feed_ics(
        [(event, person)],
        name=title,
        uid_domain=DOMAIN,
        base_url=BASE,
        now=NOW,
        organiser=ORGANISER,
    )
    [entry] = read_agreed(content).entries
    assert entry.summary == title
    access = (
        f"Zugang: {BASE}/j/{person.token}\nMeeting-ID: 555 000 111\nKenncode: 987654"
        if online
        else ""
    )
    assert entry.description == _joined(
        teaser, access, f"{BASE}/events/konferenz", f"Ihre Anmeldung: {BASE}/r/{person.token}"
    )


_NAMES = st.lists(st.one_of(_SPECIAL, _ANY), min_size=1, max_size=60).map("".join)


@CALENDAR_SETTINGS
@given(
    title=TITLES,
    teaser=TEXTS,
    first_name=_NAMES,
    method=st.sampled_from(list(InviteMethod)),
)
def test_invites_carry_any_text(
    title: str, teaser: str, first_name: str, method: InviteMethod
) -> None:
    person: Registration = registration(first_name=first_name)
    content = build_invite(
        _event(title, teaser),
        person,
        method=method,
        organiser_name="Netzwerkstelle „Städtepartnerschaften“; NRW, Team",
        organiser_email="netzwerk@example.org",
        uid_domain=DOMAIN,
        now=NOW,
    )
    reading = read_agreed(content)
    assert reading.method == method.value
    [entry] = reading.entries
    assert entry.summary == title
    assert entry.description == (teaser or None)


def test_a_byte_order_mark_in_text_is_dropped() -> None:
    url = f"{BASE}/events/konferenz"
    event = _event("\ufeffKonferenz\ufeff", "Kurz\ufeff")
    content = public_event_ics(
        event, uid_domain=DOMAIN, event_url=url, now=NOW, organiser=ORGANISER
    )
    [entry] = read_agreed(content).entries
    assert entry.summary == "Konferenz"
    assert entry.description == _joined("Kurz", url)
    assert "\ufeff".encode() not in content
