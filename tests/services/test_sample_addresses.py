"""The samples write to nobody: every address and link in them is on a reserved domain.

A demo with SMTP configured sends confirmations that show the event's contact; a real person's
address there would get answers to test registrations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Iterator

from app.services.samples import sample_events

#: RFC 2606 and RFC 6761: names that can never reach anyone.
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")

_ADDRESS = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_URL_HOST = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?([^/:?#\s)>\]]+)", re.IGNORECASE)


def reserved(domain: str) -> bool:
    """Whether ``domain`` is a reserved example or test name."""
    domain = domain.lower().rstrip(".")
    return domain.endswith(RESERVED_SUFFIXES) or any(
        domain == reserved or domain.endswith("." + reserved) for reserved in RESERVED_DOMAINS
    )


def texts(value: object) -> Iterator[str]:
    """Every string inside ``value`` (dataclasses, mappings and sequences followed)."""
    if isinstance(value, enum.Enum):
        return
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from texts(getattr(value, field.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from texts(item)


def domains(text: str) -> list[str]:
    """The domains of the mail addresses and of the links in ``text``."""
    return [match.group(1) for pattern in (_ADDRESS, _URL_HOST) for match in pattern.finditer(text)]


def test_reserved_recognises_reserved_names_only() -> None:
    assert reserved("example.org")
    assert reserved("treffpunkt.example")
    assert reserved("zoom.example.invalid")
    assert not reserved("auslandsgesellschaft.de")
    assert not reserved("example.org.evil.de")
    assert domains("Fragen an a.b@host.de, https://www.web.de/x") == ["host.de", "www.web.de"]


def test_no_sample_address_or_link_outside_reserved_domains(now: dt.datetime) -> None:
    samples = sample_events(now)
    found = [domain for event in samples for text in texts(event) for domain in domains(text)]
    # The contact address at least: the check looks at something.
    assert len(found) >= len(samples)
    assert [domain for domain in found if not reserved(domain)] == []
    assert all(reserved(event.contact_email.rsplit("@", 1)[1]) for event in samples)
