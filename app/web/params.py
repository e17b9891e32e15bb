"""Request bodies and path values the controllers declare."""

from __future__ import annotations

from typing import TypeAlias

from litestar.params import URLEncodedBody

#: A plain HTML form: every field a string (the registration form has ``q_<key>`` fields per
#: event, so its shape is only known from the event).
FormBody: TypeAlias = URLEncodedBody[dict[str, str]]
