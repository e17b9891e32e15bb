"""Reading a request's cookies straight from the ASGI scope, as Litestar reads them."""

from __future__ import annotations

from litestar.types import Scope

_COOKIE_HEADER = b"cookie"


def cookie_value(scope: Scope, name: str) -> str | None:
    """The value of cookie ``name``, or ``None`` when the request has none of that name.

    As Litestar's ``request.cookies``: the first ``Cookie`` header counts, and of several
    cookies of one name the last wins. The value is as sent (surrounding spaces removed, no
    unquoting): callers check its shape themselves.
    """
    for header, value in scope["headers"]:
        if header == _COOKIE_HEADER:
            return _in_header(value.decode("latin-1"), name)
    return None


def _in_header(raw: str, name: str) -> str | None:
    if name not in raw:
        return None
    found: str | None = None
    for pair in raw.split(";"):
        key, sep, value = pair.partition("=")
        if sep and key.strip() == name:
            found = value.strip()
    return found
