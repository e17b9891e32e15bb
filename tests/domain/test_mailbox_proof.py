"""The key of the feed of all one's events: bound to token, address and secret key."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.domain.mailbox_proof import all_events_key, all_events_path, proves_mailbox

SECRET = "s" * 32
TOKEN = "Vbw3sZgVJUNOHEScO-cVJJW30-LGqyfIU2V8WKBjV30"
ADDRESS = "olena@stadt.example"


def test_the_key_is_a_url_safe_path_segment_as_long_as_a_token() -> None:
    key = all_events_key(SECRET, TOKEN, ADDRESS)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", key)
    assert all_events_path(SECRET, TOKEN, ADDRESS) == f"/r/{TOKEN}/all/{key}/calendar.ics"


def test_the_key_proves_only_its_own_token_address_and_secret() -> None:
    key = all_events_key(SECRET, TOKEN, ADDRESS)
    assert proves_mailbox(key, secret_key=SECRET, token=TOKEN, email_normalised=ADDRESS)
    for secret, token, address in (
        ("t" * 32, TOKEN, ADDRESS),
        (SECRET, TOKEN[:-1] + "x", ADDRESS),
        (SECRET, TOKEN, "eve@stadt.example"),
    ):
        assert not proves_mailbox(key, secret_key=secret, token=token, email_normalised=address)
        assert all_events_key(secret, token, address) != key


@given(st.text(max_size=64))
def test_nothing_but_the_key_proves_anything(guess: str) -> None:
    key = all_events_key(SECRET, TOKEN, ADDRESS)
    proven = proves_mailbox(guess, secret_key=SECRET, token=TOKEN, email_normalised=ADDRESS)
    assert proven is (guess == key)
