"""A separate process firing registrations and cancellations at once (``-m tests.services.burst``).

Used by the capacity tests to prove the seat rules hold across processes sharing one database,
as several app processes do in production.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time

from app.db.database import Database
from app.domain.errors import RegistrationClosed
from app.domain.model import RegistrationRequest
from app.services import registrations


async def run(arguments: argparse.Namespace) -> dict[str, int]:
    db = Database.from_url(arguments.database_url, pool_size=10)
    await db.connect()
    now = dt.datetime.fromisoformat(arguments.now)
    outcome = {"confirmed": 0, "waitlisted": 0, "pending": 0, "full": 0, "cancelled": 0}
    try:
        # All processes start at the same wall-clock instant so their transactions overlap.
        await asyncio.sleep(max(0.0, arguments.start_at - time.time()))

        async def register(index: int) -> None:
            form = RegistrationRequest(
                first_name="Burst",
                last_name=f"{arguments.prefix}{index}",
                email=f"{arguments.prefix}{index}@example.org",
                notice_version="burst",
                consent=True,
            )
            try:
                result = await registrations.register(db, arguments.slug, form, now)
            except RegistrationClosed:
                outcome["full"] += 1
            else:
                outcome[result.registration.status.value] += 1

        async def cancel(token: str) -> None:
            await registrations.cancel(db, token, now)
            outcome["cancelled"] += 1

        jobs = [register(i) for i in range(arguments.count)]
        jobs += [cancel(token) for token in arguments.cancel.split(",") if token]
        await asyncio.gather(*jobs)
    finally:
        await db.close()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("slug")
    parser.add_argument("--prefix", default="p")
    parser.add_argument("--count", type=int, default=0)
    # Tokens may start with "-", so they travel as one comma-separated "--cancel=..." value.
    parser.add_argument("--cancel", default="")
    parser.add_argument("--now", required=True)
    parser.add_argument("--start-at", type=float, default=0.0)
    result = asyncio.run(run(parser.parse_args()))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
