"""Request bodies and path values the controllers declare."""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.params import URLEncodedBody

from app.web.bodies import read_form_strictly

#: A plain HTML form: every field a string (the registration form has ``q_<key>`` fields per
#: event, so its shape is only known from the event).
FormBody: TypeAlias = URLEncodedBody[dict[str, str]]

#: Row ids are PostgreSQL ``serial`` columns (32 bits; SQLite's hold 64): a larger number in a
#: URL names no row.
_LARGEST_ID = 2**31 - 1


async def refuse_unstorable_ids(request: Request[Any, Any, Any]) -> None:
    """``before_request``: 404 for an integer path value no database column can hold.

    Such a number names no row, but SQLite (past 64 bits) and asyncpg (past 32) refuse to even
    compare with it (``OverflowError``, ``DataError``), which would be a 500.
    """
    for value in request.path_params.values():
        if isinstance(value, int) and not -_LARGEST_ID <= value <= _LARGEST_ID:
            raise NotFoundException()


async def check_request(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of the app: unstorable ids refused, form bodies read strictly."""
    await refuse_unstorable_ids(request)
    await read_form_strictly(request)
