"""Knowing someone's address opens nothing of theirs.

The attack: register with the victim's address for another open event (no proof of the address
is asked), then follow everything the new registration's token reaches — its page, its feeds,
its data download, its join link and every link found in them. None of it may show the victim's
token, join link or Zoom data, and nothing done with it may touch the victim's registration.
Whoever reads the mailbox, though, gets the feed of all their events from the link in the mail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

from app.db.database import Database
from app.domain.model import EventFormat, RegistrationStatus
from app.services import registrations
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import FIXED_NOW, registration_form
from tests.mail import conftest as email_fixtures
from tests.mail.conftest import make_sender
from tests.mail.mailbox import text_body
from tests.security.conftest import client
from tests.smtp_sink import SmtpSink
from tests.web.conftest import SECRETS, cookie_token, submit, token_from, upcoming

__all__ = ["client"]

VICTIM = "olena.koval@stadt.example"
#: The mail links' origin (the sender's ``BASE_URL``).
MAIL_ORIGIN = "https://treffpunkt.test"
#: Links on pages (``href``/``action``) and in calendar files (absolute URLs) of the app.
_LINK = re.compile(r'(?:href|action)="(/[^"]*)"|https?://[^/\s"<>]+(/[^\s"<>]*)')
#: The all-events feed in a mail: a calendar file under the personal link.
_ALL_EVENTS_FEED = re.compile(re.escape(MAIL_ORIGIN) + r"(/r/\S+/calendar\.ics)")


# The mail tests' SMTP server, started and stopped around each test.
sink = email_fixtures.sink


@pytest.fixture
def mail_settings(settings: Settings, sink: SmtpSink) -> Settings:
    """The app's settings (same secret key), sending to the test's SMTP server."""
    return dataclasses.replace(
        settings,
        base_url=MAIL_ORIGIN,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_security="none",
        smtp_timeout=5,
        mail_from="Treffpunkt <noreply@treffpunkt.test>",
    )


def unfolded(body: bytes | str) -> str:
    """Text with iCalendar's folded lines joined again (a URL may be split over two lines)."""
    text = body.decode() if isinstance(body, bytes) else body
    return text.replace("\r\n ", "").replace("\\n", "\n").replace("\\", "")


def own_paths(body: str) -> set[str]:
    """The app's own paths a response links to (pages, forms, feeds, join links)."""
    found = set()
    for match in _LINK.finditer(unfolded(body)):
        path = urlsplit(match.group(1) or match.group(2)).path
        if path.startswith(("/r/", "/j/")):
            found.add(path)
    return found


async def two_events(event_factory) -> None:
    """An online event with Zoom data and an in-person one, both open."""
    await event_factory(
        **upcoming(slug="online-runde", title="Online-Runde", format=EventFormat.ONLINE)
    )
    await event_factory(**upcoming(slug="stammtisch", title="Stammtisch"))


async def register(client, slug: str, email: str, **form: str) -> str:
    """Register through the form; the personal token the browser is redirected to."""
    answer = await submit(client, slug, registration_form(email, **form))
    assert answer.status_code == 303, answer.text
    return token_from(answer.headers["location"])


async def mails_sent(db: Database, settings: Settings, sink: SmtpSink) -> None:
    """Send what is due now (the registrations' confirmations)."""
    sender = make_sender(db, settings, ManualClock(FIXED_NOW + dt.timedelta(minutes=1)))
    try:
        await sender.drain()
    finally:
        await sender.close()


async def test_an_address_alone_reaches_nothing_of_the_victims(
    client, event_factory, db: Database, mail_settings: Settings, sink: SmtpSink
) -> None:
    await two_events(event_factory)
    victim_token = await register(client, "online-runde", VICTIM, mode="online")
    before = await registrations.find_by_token(victim_token)
    assert before.status is RegistrationStatus.CONFIRMED

    # The attacker knows the address and registers with it (another case: the same person).
    client.cookies.clear()
    attacker_token = await register(client, "stammtisch", VICTIM.upper(), first_name="Eve")
    # The same event again tells nothing either.
    again = await submit(client, "online-runde", registration_form(VICTIM))
    assert again.status_code == 200
    forbidden = {
        "the victim's token": victim_token,
        **{f"access data {secret!r}": secret for secret in SECRETS},
    }
    assert not [name for name, value in forbidden.items() if value in again.text]

    # Everything the attacker's token reaches, and every link found there, followed.
    to_visit = [
        f"/r/{attacker_token}?new=1",
        f"/r/{attacker_token}/calendar.ics",
        f"/r/{attacker_token}/data.json",
        f"/j/{attacker_token}",
    ]
    seen: set[str] = set()
    while to_visit:
        path = to_visit.pop()
        if path in seen:
            continue
        seen.add(path)
        answer = await client.get(path, follow_redirects=False)
        body = answer.text + answer.headers.get("location", "")
        leaked = [name for name, value in forbidden.items() if value in unfolded(body)]
        assert not leaked, f"{path} shows {leaked}"
        to_visit.extend(own_paths(body) - seen)
    assert f"/r/{attacker_token}/calendar.ics" in seen
    assert all(victim_token not in path for path in seen)

    # What the attacker can do with their token stays with their own registration.
    for action in ("cancel", "daten-loeschen"):
        await client.get(f"/r/{attacker_token}")
        answer = await client.post(
            f"/r/{attacker_token}/{action}",
            data={"confirm": "yes", "_csrf_token": cookie_token(client)},
        )
        assert answer.status_code == 200, answer.text
        assert victim_token not in answer.text
    after = await registrations.find_by_token(victim_token)
    assert after == before
    victim_page = await client.get(f"/r/{victim_token}")
    assert "987654" in victim_page.text

    # The attacker's confirmation mail went to the victim's mailbox, not to the attacker.
    await mails_sent(db, mail_settings, sink)
    assert {recipient.casefold() for item in sink.received for recipient in item.recipients} == {
        VICTIM
    }


async def test_the_link_in_the_mail_gives_the_feed_of_all_ones_events(
    client, event_factory, db: Database, mail_settings: Settings, sink: SmtpSink
) -> None:
    await two_events(event_factory)
    online = await register(client, "online-runde", VICTIM, mode="online")
    in_person = await register(client, "stammtisch", VICTIM.upper())

    await mails_sent(db, mail_settings, sink)

    feeds = {
        match.group(1)
        for item in sink.received
        for match in _ALL_EVENTS_FEED.finditer(text_body(item))
    }
    assert len(feeds) == 2, feeds  # one in each confirmation
    for path in feeds:
        assert path not in (f"/r/{online}/calendar.ics", f"/r/{in_person}/calendar.ics")
        feed = await client.get(path)
        assert feed.status_code == 200
        assert feed.headers["cache-control"] == "no-store"
        text = unfolded(feed.content)
        assert text.count("BEGIN:VEVENT") == 2
        assert "SUMMARY:Online-Runde" in text
        assert "SUMMARY:Stammtisch" in text
        assert f"/j/{online}" in text
        assert "987654" in text
        # The key belongs to its own token: moved to another one, or altered, it opens nothing.
        for token in (online, in_person):
            elsewhere = re.sub(r"^/r/[^/]+/", f"/r/{token}/", path)
            if elsewhere != path:
                assert (await client.get(elsewhere)).status_code == 404
        altered = path.replace("/calendar.ics", "x/calendar.ics")
        assert (await client.get(altered)).status_code == 404


async def test_the_feed_behind_the_token_alone_is_the_registrations_own(
    client, event_factory
) -> None:
    await two_events(event_factory)
    online = await register(client, "online-runde", VICTIM, mode="online")
    in_person = await register(client, "stammtisch", VICTIM)

    own = unfolded((await client.get(f"/r/{online}/calendar.ics")).content)
    other = unfolded((await client.get(f"/r/{in_person}/calendar.ics")).content)

    assert own.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Online-Runde" in own
    assert f"/j/{online}" in own
    assert "987654" in own
    assert other.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Stammtisch" in other
    assert online not in other
    for secret in SECRETS:
        assert secret not in other


async def test_no_link_to_all_events_before_a_seat_is_confirmed(
    client, event_factory, db: Database, mail_settings: Settings, sink: SmtpSink
) -> None:
    await event_factory(**upcoming(slug="mit-bestaetigung", double_opt_in=True))
    answer = await submit(client, "mit-bestaetigung", registration_form(VICTIM))
    assert answer.status_code == 200

    await mails_sent(db, mail_settings, sink)

    [opt_in] = sink.received
    assert "/r/" in text_body(opt_in)
    assert not _ALL_EVENTS_FEED.search(text_body(opt_in))
