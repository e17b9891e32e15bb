"""The sender: claims due mail, renders each as it is now, sends it, records the outcome.

One loop over a claimed batch: for each mail, check it still applies and build the message, make
sure the lease on it is still this sender's, send it over the kept connection, record the
outcome; the next message is built while the server answers the current one. Each mail is
rendered at sending time from the current event and registration, so a reminder for a moved
event shows the new time and a cancelled registration gets no reminder at all. Every outcome
is written to the mail's row: sent (with its Message-ID), queued again after a growing delay
(temporary failure), failed (permanent failure, attempts used up, a template or address that
cannot work; the reason kept), or cancelled (no longer relevant).

Never twice by itself: a claim is a lease (``MAIL_LEASE_SECONDS``), and another sender takes a
mail over only once its lease has run out. So a sender starts a message only while the lease on
it runs for at least one more SMTP exchange (``SMTP_TIMEOUT``) plus :func:`lease_margin`; when it
does not, it first renews the lease of what is left of its batch in the database, conditionally
on still holding it, and a mail another sender took over meanwhile is left to that sender. The
exchange itself is cut off before the lease ends (a cut-off counts as a temporary failure), so
no message is ever on the wire after its lease is no longer this sender's; the margin keeps room
to record the outcome and for the clocks of several hosts to disagree a little. A sent mail is
recorded before the next message starts, so what remains is *at least once* for the one mail a
sender was on when it died (or was cut off) after the server accepted it: that mail goes out
again, with the same Message-ID. Each claim, a take-over too, counts an attempt; a lease that
ran out on the last one fails the mail.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import os
import socket
from dataclasses import dataclass
from email.utils import parseaddr

from app.clock import Clock
from app.db import outbox
from app.db.database import Database
from app.db.mapping import event_from_row, registration_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.mail import still_relevant
from app.domain.model import Event, Registration
from app.domain.outbox import ClaimedMail
from app.domain.validation import is_valid_email
from app.mail.compose import ComposedMail
from app.mail.message import build_message
from app.mail.render import TemplateFailure
from app.mail.transport import DeliveryError, Transport, transport_for
from app.settings import Settings

logger = logging.getLogger("treffpunkt.mail")

#: The longest wait between two attempts, however many there were.
MAX_RETRY_DELAY = dt.timedelta(hours=1)

#: The time a lease keeps beyond a message's exchange (capped by :func:`lease_margin`).
LEASE_MARGIN = dt.timedelta(seconds=5)


def lease_margin(lease: dt.timedelta) -> dt.timedelta:
    """What a lease keeps after an exchange: to record the outcome, and for clocks that differ.

    At most a quarter of the lease, so that a short lease (in tests) still leaves room to send.
    """
    return min(LEASE_MARGIN, lease / 4)


def retry_delay(attempts: int, first: float) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: ``first``, doubled each time, capped."""
    seconds = first * 2 ** max(0, attempts - 1)
    return min(dt.timedelta(seconds=seconds), MAX_RETRY_DELAY)


@dataclass(slots=True)
class DrainReport:
    """What one pass over the due mail did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    #: Claims another sender took over before this one got to them: left to it, not sent here.
    taken_over: int = 0

    @property
    def handled(self) -> int:
        """Mails settled in this pass."""
        return self.sent + self.retried + self.failed + self.cancelled


_senders = itertools.count(1)


def default_worker_name() -> str:
    """A name that tells workers apart in the outbox: host, process and a counter."""
    return f"{socket.gethostname()}:{os.getpid()}:{next(_senders)}"


@dataclass(slots=True)
class _BatchLease:
    """The lease on a claimed batch as this sender last secured it in the database."""

    #: The batch's mails this sender still holds (settled ones drop out at the next renewal).
    held: set[int]
    #: Until when nobody else may take them over.
    until: dt.datetime


class OutboxSender:
    """Drains the outbox through one transport (one kept SMTP connection)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        transport: Transport | None = None,
        *,
        worker: str | None = None,
        batch_size: int = 50,
        clock: Clock,
    ) -> None:
        self.db = db
        self.settings = settings
        self.transport = transport or transport_for(settings)
        self.worker = worker or default_worker_name()
        self.batch_size = batch_size
        self.clock = clock
        self.lease = dt.timedelta(seconds=settings.mail_lease_seconds)
        margin = lease_margin(self.lease)
        # One exchange gets SMTP_TIMEOUT; a lease shorter than that bounds it instead.
        exchange = min(dt.timedelta(seconds=settings.smtp_timeout), self.lease - margin)
        #: A message is started only while its lease runs at least this much longer.
        self.lease_needed = exchange + margin
        self.lease_margin = margin
        self._envelope_sender = parseaddr(settings.mail_from)[1]

    async def run(self, stop: asyncio.Event) -> None:
        """Drain whenever mail is due, until ``stop`` is set; survives database hiccups."""
        poll = self.settings.mail_poll_seconds
        try:
            while not stop.is_set():
                self.db.mail_waiting.clear()
                try:
                    if await outbox.has_due(self.clock()):
                        await self.drain(stop)
                except Exception:
                    # The loop must outlive a database restart; the rows stay claimed or queued
                    # and are picked up on a later pass (after the lease, at worst).
                    logger.exception("mail sender: pass failed; trying again")
                await _wait_any(stop, self.db.mail_waiting, poll)
        finally:
            await self.close()

    async def drain(self, stop: asyncio.Event | None = None) -> DrainReport:
        """Send every mail that is due now; returns what happened.

        Once ``stop`` is set it ends after the batch in hand: a worker told to stop must not
        first work through a whole backlog. The rest stays queued for the next sender.
        """
        report = DrainReport()
        while stop is None or not stop.is_set():
            claimed_at = self.clock()
            # Leasing mails shows nowhere in public: the pages cached in this process stay.
            async with self.db.transaction(public=False):
                claimed = await outbox.claim(
                    self.db,
                    worker=self.worker,
                    now=claimed_at,
                    lease=self.lease,
                    limit=self.batch_size,
                    max_attempts=self.settings.mail_max_attempts,
                )
            if not claimed:
                break
            lease = _BatchLease({mail.id for mail in claimed}, until=claimed_at + self.lease)
            await self._send_batch(claimed, lease, report)
        return report

    async def close(self) -> None:
        """Close the transport's connection."""
        await self.transport.close()

    async def _send_batch(
        self, claimed: list[ClaimedMail], lease: _BatchLease, report: DrainReport
    ) -> None:
        events = await load_events({mail.event_id for mail in claimed})
        registrations = await load_registrations(
            {mail.registration_id for mail in claimed if mail.registration_id is not None}
        )
        # One moment for the whole batch: the invites' DTSTAMP, and so their shared part, is the
        # same for every registrant of an event in it.
        now = self.clock()

        async def prepare(mail: ClaimedMail) -> ComposedMail | None:
            registration = registrations.get(mail.registration_id) if mail.registration_id else None
            return await self._prepare(mail, events.get(mail.event_id), registration, now, report)

        # Each step sends one message and builds the next: rendering is the sender's own work
        # and would otherwise wait for the server's answer, and the server for it. Messages
        # still go out one at a time, in order, each recorded before the next one starts.
        ready: tuple[ClaimedMail, ComposedMail] | None = None
        for mail in claimed:
            async with asyncio.TaskGroup() as step:
                if ready is not None:
                    step.create_task(self._send(*ready, lease, report))
                building = step.create_task(prepare(mail))
            message = building.result()
            ready = (mail, message) if message is not None else None
        if ready is not None:
            await self._send(*ready, lease, report)

    async def _prepare(
        self,
        mail: ClaimedMail,
        event: Event | None,
        registration: Registration | None,
        now: dt.datetime,
        report: DrainReport,
    ) -> ComposedMail | None:
        """The message to send, or ``None`` when the mail was settled without sending."""
        if event is None:
            await self._cancel(mail, "event deleted", report)
            return None
        reason = still_relevant(mail.kind, event, registration, now)
        if reason is not None:
            await self._cancel(mail, reason, report)
            return None
        if not is_valid_email(mail.recipient):
            # Never hand SMTP an address that cannot work (or that smuggles in header syntax).
            await self._fail(mail, "invalid recipient address", report)
            return None
        try:
            return build_message(mail, event, registration, self.settings, now)
        except TemplateFailure as error:
            logger.error("mail %s (%s): template failed: %s", mail.id, mail.kind.value, error)
            await self._fail(mail, f"template: {error}", report)
        except ValueError as error:
            logger.error("mail %s (%s): cannot compose: %s", mail.id, mail.kind.value, error)
            await self._fail(mail, f"compose: {error}", report)
        return None

    async def _send(
        self, mail: ClaimedMail, message: ComposedMail, lease: _BatchLease, report: DrainReport
    ) -> None:
        time_left = await self._secure_lease(mail, lease)
        if time_left is None:
            logger.info("mail %s (%s): taken over by another sender", mail.id, mail.kind.value)
            report.taken_over += 1
            return
        try:
            # Cut off before the lease ends: past it, another sender may be sending this mail.
            async with asyncio.timeout(time_left.total_seconds()):
                await self.transport.send(message, sender=self._envelope_sender)
        except DeliveryError as error:
            await self._delivery_failed(mail, error, report)
            return
        except TimeoutError:
            cut_off = DeliveryError("no answer before the sender's lease ran out", temporary=True)
            await self._delivery_failed(mail, cut_off, report)
            return
        report.sent += 1
        # Recorded before the next message starts: a sender that dies sends at most this one
        # mail again. When the write cannot go through, nothing more goes out meanwhile.
        if not await outbox.mark_sent(
            mail.id, worker=self.worker, message_id=message.message_id, now=self.clock()
        ):
            # Only when recording took longer than the lease's margin: worth knowing.
            logger.warning(
                "mail %s (%s): taken over before it was recorded as sent; it may go out twice",
                mail.id,
                mail.kind.value,
            )

    async def _secure_lease(self, mail: ClaimedMail, lease: _BatchLease) -> dt.timedelta | None:
        """How long the exchange for ``mail`` may take, or ``None`` when it is no longer ours.

        Renews the lease of the rest of the batch when it is not safely ahead: one statement
        for the lot, rarely (with the defaults once every four and a half minutes), and only
        for rows this sender still holds.
        """
        now = self.clock()
        if lease.until - now < self.lease_needed:
            lease.held = await outbox.renew_leases(
                lease.held, worker=self.worker, now=now, lease=self.lease
            )
            lease.until = now + self.lease
        if mail.id not in lease.held:
            return None
        # Measured afresh: the renewal itself took time off the lease it wrote.
        time_left = lease.until - self.lease_margin - self.clock()
        return time_left if time_left > dt.timedelta(0) else None

    async def _delivery_failed(
        self, mail: ClaimedMail, error: DeliveryError, report: DrainReport
    ) -> None:
        if error.temporary and mail.attempts < self.settings.mail_max_attempts:
            retry_at = self.clock() + retry_delay(mail.attempts, self.settings.mail_retry_seconds)
            logger.warning(
                "mail %s (%s): attempt %d failed, retry at %s: %s",
                mail.id,
                mail.kind.value,
                mail.attempts,
                retry_at.isoformat(timespec="seconds"),
                error.reason,
            )
            await outbox.mark_retry(
                mail.id, worker=self.worker, error=error.reason, retry_at=retry_at, now=self.clock()
            )
            report.retried += 1
            return
        logger.error("mail %s (%s): failed for good: %s", mail.id, mail.kind.value, error.reason)
        final = error.reason
        if error.temporary:
            final = f"gave up after {mail.attempts} attempts: {error.reason}"
        await self._fail(mail, final, report)

    async def _fail(self, mail: ClaimedMail, reason: str, report: DrainReport) -> None:
        await outbox.mark_failed(mail.id, worker=self.worker, error=reason, now=self.clock())
        report.failed += 1

    async def _cancel(self, mail: ClaimedMail, reason: str, report: DrainReport) -> None:
        await outbox.mark_cancelled(mail.id, worker=self.worker, reason=reason, now=self.clock())
        report.cancelled += 1


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def load_events(ids: set[int]) -> dict[int, Event]:
    """The events with ``ids``, as they are now (a deleted one is missing)."""
    rows = await EventTable.select().where(EventTable.id.is_in(sorted(ids)))
    return {row["id"]: event_from_row(row) for row in rows}


async def load_registrations(ids: set[int]) -> dict[int, Registration]:
    """The registrations with ``ids``, as they are now."""
    if not ids:
        return {}
    rows = await RegistrationTable.select().where(RegistrationTable.id.is_in(sorted(ids)))
    return {row["id"]: registration_from_row(row) for row in rows}
