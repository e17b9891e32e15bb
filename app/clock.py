"""The clock: the one place in ``app/`` that reads the wall clock.

Everything that needs the time gets a :data:`Clock` from whoever composes the application — the
ASGI factory, the command line, the sender and the background tasks take one — so that tests run
the whole service at a time of their choosing and a moving clock is as easy as a fixed one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: A source of the current time: an aware ``datetime`` in UTC.
Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """The machine's wall clock, in UTC."""
    return dt.datetime.now(dt.UTC)
