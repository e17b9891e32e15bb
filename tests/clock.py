"""A clock the test moves by hand: the app, the sender and the services all read it."""

from __future__ import annotations

import datetime as dt


class ManualClock:
    """Stands still until moved, so retries, schedules and deadlines need no sleeping."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by ``timedelta(**delta)``."""
        self.now += dt.timedelta(**delta)
        return self.now
