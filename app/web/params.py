"""Request bodies and path values the controllers declare."""

from __future__ import annotations

import re
import unicodedata
from typing import TypeAlias

from litestar.params import URLEncodedBody

from app.domain.errors import NotFound

#: A plain HTML form: every field a string (the registration form has ``q_<key>`` fields per
#: event, so its shape is only known from the event).
FormBody: TypeAlias = URLEncodedBody[dict[str, str]]

# Personal tokens come from secrets.token_urlsafe: anything else cannot be one.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_MAX_SLUG = 200


def personal_token(value: str) -> str:
    """``value`` if it can be a personal token; :class:`NotFound` otherwise."""
    if not _TOKEN.fullmatch(value):
        raise NotFound("token")
    return value


def event_slug(value: str) -> str:
    """``value`` if it can be a slug; :class:`NotFound` for junk (NUL bytes break PostgreSQL)."""
    if not value or len(value) > _MAX_SLUG or any(unicodedata.category(c) == "Cc" for c in value):
        raise NotFound("event")
    return value
