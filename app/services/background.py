"""The work beside the web: sending mail and webhooks, releasing expired opt-in holds, the
retention period, keeping Zoom in line.

``serve`` runs it inside the web process by default; ``python -m app worker`` runs it alone,
as many times over as wanted (on PostgreSQL the workers share the outbox safely).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from app.clock import Clock
from app.db.database import Database
from app.services.delivery import OutboxSender
from app.services.registrations import expire_holds
from app.services.retention import anonymise_expired
from app.services.webhooks import WebhookSender
from app.services.zoom import ZoomReconciler
from app.settings import Settings

logger = logging.getLogger("treffpunkt.background")

#: How often unconfirmed registrations are checked for an expired hold.
HOLD_CHECK_SECONDS = 30.0
#: How often the retention period is applied (anonymising is idempotent: several workers may).
RETENTION_CHECK_SECONDS = 3600.0


async def release_expired_holds(db: Database, clock: Clock, stop: asyncio.Event) -> None:
    """Every half minute, give the seats of expired opt-in holds back (and promote)."""
    while not stop.is_set():
        try:
            released = await expire_holds(db, clock())
            if released:
                logger.info("released %d unconfirmed registrations", released)
        except Exception:
            logger.exception("releasing expired holds failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HOLD_CHECK_SECONDS)


async def apply_retention(
    db: Database, settings: Settings, clock: Clock, stop: asyncio.Event
) -> None:
    """Every hour, anonymise the registrations whose retention period is over."""
    retention = dt.timedelta(days=settings.retention_days)
    while not stop.is_set():
        try:
            anonymised = await anonymise_expired(db, clock(), retention)
            if anonymised:
                logger.info("anonymised %d registrations past the retention period", anonymised)
        except Exception:
            logger.exception("anonymising failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RETENTION_CHECK_SECONDS)


async def run_background(
    db: Database,
    settings: Settings,
    stop: asyncio.Event,
    *,
    clock: Clock,
    sender: OutboxSender | None = None,
) -> None:
    """Send mail and webhooks, release holds, apply the retention period (and keep Zoom in line,
    when configured) until ``stop`` is set."""
    sender = sender or OutboxSender(db, settings, clock=clock)
    logger.info("mail sender %s started (%s)", sender.worker, _transport_name(settings))
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(sender.run(stop))
        tasks.create_task(release_expired_holds(db, clock, stop))
        tasks.create_task(apply_retention(db, settings, clock, stop))
        if settings.zoom_enabled:
            logger.info("zoom reconciler started (%s)", settings.zoom_api_url)
            tasks.create_task(ZoomReconciler(db, settings, clock=clock).run(stop))
        tasks.create_task(WebhookSender(db, settings, clock=clock).run(stop))


def _transport_name(settings: Settings) -> str:
    if settings.smtp_host:
        return f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    return f"files in {settings.mail_dir}"
