"""The sender: claims due outbox rows, renders them as they are now, delivers, settles.

Each mail is rendered at sending time from the current event and registration, so a reminder
for a moved event shows the new time and a cancelled registration gets no reminder at all.
Every outcome is written to the mail's row: sent (with its Message-ID), queued again after a
growing delay (temporary failure), failed (permanent failure, attempts used up, a template or
address that cannot work; the reason kept), or cancelled (no longer relevant).

Never twice by itself: a claim is a lease (``MAIL_LEASE_SECONDS``), and another sender takes a
mail over only once its lease has run out. So a sender starts a message only while the lease on
it runs for at least one more SMTP exchange (``SMTP_TIMEOUT``) plus :func:`lease_margin`; when it
does not, it first renews the lease of what is left of its batch in the database, conditionally
on still holding it, and a mail another sender took over meanwhile is left to that sender. The
exchange itself is cut off before the lease ends (a cut-off counts as a temporary failure), so
no message is ever on the wire after its lease is no longer this sender's; the margin keeps room
to record the outcome and for the clocks of several hosts to disagree a little. What remains is
*at least once* for a sender that dies (or is cut off) after the server accepted a message and
before the outcome was recorded: the mail goes out again, with the same Message-ID. Each claim,
a take-over too, counts an attempt; a lease that ran out on the last one fails the mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import itertools
import logging
import os
import socket
from dataclasses import dataclass
from email.utils import parseaddr

from app import paths
from app.calendar.invite import build_invite, invite_method_for
from app.clock import Clock
from app.db.database import Database
from app.db.mapping import event_from_row, registration_from_row
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.domain.mail import MailKind, receives_access, still_relevant
from app.domain.mailbox_proof import all_events_path
from app.domain.model import Event, Registration, RegistrationStatus
from app.domain.validation import is_valid_email, normalise_email
from app.mail import outbox
from app.mail.compose import ComposedMail, Invite, compose_message
from app.mail.outbox import ClaimedMail
from app.mail.render import MailContext, TemplateFailure, render_mail
from app.mail.transport import DeliveryError, FileTransport, SmtpTransport, Transport
from app.settings import Settings

logger = logging.getLogger("treffpunkt.mail")

#: The longest wait between two attempts, however many there were.
MAX_RETRY_DELAY = dt.timedelta(hours=1)

#: The time a lease keeps beyond a message's exchange (capped by :func:`lease_margin`).
LEASE_MARGIN = dt.timedelta(seconds=5)

#: Kinds that may carry the access data, and when.
_ACCESS_ALWAYS = frozenset({MailKind.ACCESS, MailKind.REMINDER})
_ACCESS_ON_REQUEST = frozenset({MailKind.CONFIRMATION, MailKind.PROMOTION})


def transport_for(settings: Settings) -> Transport:
    """SMTP when ``SMTP_HOST`` is set, otherwise ``.eml`` files under ``MAIL_DIR``."""
    if settings.smtp_host:
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )
    return FileTransport(settings.mail_dir)


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
        organiser_name, organiser_address = parseaddr(settings.mail_from)
        self._organiser = (organiser_name or "Treffpunkt", organiser_address)

    async def drain(self, stop: asyncio.Event | None = None) -> DrainReport:
        """Send every mail that is due now; returns what happened.

        Once ``stop`` is set it ends after the batch in hand: a worker told to stop must not
        first work through a whole backlog. The rest stays queued for the next sender.
        """
        report = DrainReport()
        while stop is None or not stop.is_set():
            claimed_at = self.clock()
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
            await self._send_batch(claimed, report, lease)
        return report

    async def _send_batch(
        self, claimed: list[ClaimedMail], report: DrainReport, lease: _BatchLease
    ) -> None:
        # The next message is rendered while the server answers the current one: the two
        # overlap instead of taking turns. Messages still go out one at a time, in order.
        ready: asyncio.Queue[tuple[ClaimedMail, ComposedMail] | None] = asyncio.Queue(maxsize=4)

        # One moment for the whole batch: the invites' DTSTAMP, and so their shared part, is the
        # same for every registrant of an event in it.
        now = self.clock()

        async def prepare_all() -> None:
            try:
                events = await _load_events({mail.event_id for mail in claimed})
                registrations = await _load_registrations(
                    {mail.registration_id for mail in claimed if mail.registration_id is not None}
                )
                for mail in claimed:
                    registration = (
                        registrations.get(mail.registration_id) if mail.registration_id else None
                    )
                    event = events.get(mail.event_id)
                    message = await self._prepare(mail, event, registration, report, now)
                    if message is not None:
                        await ready.put((mail, message))
            finally:
                # Also on failure, so the sending side stops waiting; unsettled claims are
                # taken up again when their lease runs out.
                await ready.put(None)

        preparing = asyncio.create_task(prepare_all())
        settling = _SentMarks(self.worker, self.clock)
        try:
            while (item := await ready.get()) is not None:
                await self._deliver(*item, report, settling, lease)
            await preparing
        finally:
            if not preparing.done():
                preparing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await preparing
            await settling.flushed()

    async def _prepare(
        self,
        mail: ClaimedMail,
        event: Event | None,
        registration: Registration | None,
        report: DrainReport,
        now: dt.datetime,
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
            return self._compose(mail, event, registration, now)
        except TemplateFailure as error:
            logger.error("mail %s (%s): template failed: %s", mail.id, mail.kind.value, error)
            await self._fail(mail, f"template: {error}", report)
        except ValueError as error:
            logger.error("mail %s (%s): cannot compose: %s", mail.id, mail.kind.value, error)
            await self._fail(mail, f"compose: {error}", report)
        return None

    async def _deliver(
        self,
        mail: ClaimedMail,
        message: ComposedMail,
        report: DrainReport,
        settling: _SentMarks,
        lease: _BatchLease,
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
        # Recorded while the next message goes out: the write no longer waits for the server,
        # and the server no longer waits for the write. The batch ends only when all are done.
        settling.add(mail.id, message.message_id)

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

    def _compose(
        self, mail: ClaimedMail, event: Event, registration: Registration | None, now: dt.datetime
    ) -> ComposedMail:
        include_access = registration is not None and (
            mail.kind in _ACCESS_ALWAYS
            or (mail.kind in _ACCESS_ON_REQUEST and event.access_in_confirmation)
        )
        include_access = (
            include_access and registration is not None and receives_access(event, registration)
        )
        base = self.settings.base_url
        is_for_registrant = mail.kind is not MailKind.ORGANISER_NOTICE and registration is not None
        token = registration.token if registration is not None else ""
        context = MailContext(
            kind=mail.kind,
            # What a mail may not show, it is not given.
            event=event if include_access else dataclasses.replace(event, online_access=None),
            registration=registration,
            language=mail.language,
            base_url=base,
            personal_url=base + paths.personal(token) if is_for_registrant else None,
            join_url=base + paths.join(token) if include_access else None,
            all_events_url=self._all_events_url(mail, registration) if is_for_registrant else None,
            include_access=include_access,
            payload=mail.payload,
            waitlist_position=_position(mail),
        )
        rendered = render_mail(context)
        invite = None
        # As the registration is now: only a confirmed seat gets (or loses) a calendar entry.
        method = invite_method_for(mail.kind, mail.payload, registration)
        if method is not None and registration is not None:
            invite = Invite(
                method=method,
                content=build_invite(
                    event,
                    registration,
                    method=method,
                    organiser_name=self._organiser[0],
                    organiser_email=self._organiser[1],
                    uid_domain=self.settings.mail_domain,
                    now=now,
                    # The mail's language, so text and invite always speak the same one.
                    language=mail.language,
                    personal_url=base + paths.personal(token),
                ),
            )
        to_name = registration.full_name if is_for_registrant and registration else ""
        return compose_message(
            rendered,
            from_address=self.settings.mail_from,
            reply_to=self.settings.mail_reply_to or None,
            to_name=to_name,
            to_address=mail.recipient,
            message_id=mail.message_id(self.settings.mail_domain),
            invite=invite,
            now=now,
        )

    def _all_events_url(self, mail: ClaimedMail, registration: Registration | None) -> str | None:
        """The feed of all the recipient's events: a mail to the address is the only way to it.

        The key is made for the mailbox the mail goes to; the feed opens only when that is the
        registration's address, so a mail that went elsewhere hands out nothing that works.
        """
        if registration is None or registration.status is not RegistrationStatus.CONFIRMED:
            return None
        path = all_events_path(
            self.settings.secret_key, registration.token, normalise_email(mail.recipient)
        )
        return f"{self.settings.base_url}{path}"

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

    async def close(self) -> None:
        """Close the transport's connection."""
        await self.transport.close()

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


@dataclass(slots=True)
class _BatchLease:
    """The lease on a claimed batch as this sender last secured it in the database."""

    #: The batch's mails this sender still holds (settled ones drop out at the next renewal).
    held: set[int]
    #: Until when nobody else may take them over.
    until: dt.datetime


class _SentMarks:
    """Marks sent mail in the outbox while the next messages go out.

    A flush writes every mark gathered since the last one in one statement: while one flush
    runs, the next messages are sent, so under load the marks batch themselves, and a mail is
    never more than one flush away from being recorded.
    """

    def __init__(self, worker: str, clock: Clock) -> None:
        self.worker = worker
        self.clock = clock
        self.pending: list[tuple[int, str]] = []
        self.task: asyncio.Task[None] | None = None

    def add(self, mail_id: int, message_id: str) -> None:
        """Record ``mail_id`` as sent with ``message_id`` (soon)."""
        self.pending.append((mail_id, message_id))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            marked = await outbox.mark_sent_many(batch, worker=self.worker, now=self.clock())
            if marked < len(batch):
                # Only when recording took longer than the lease's margin: worth knowing.
                logger.warning(
                    "mail sender: %d sent mails were taken over before they were recorded;"
                    " they may go out twice",
                    len(batch) - marked,
                )

    async def flushed(self) -> None:
        """Wait until every mark is written; raises what a flush raised."""
        while self.task is not None:
            task = self.task
            await task
            if task is self.task:
                self.task = None
        if self.pending:
            await self._flush()


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _position(mail: ClaimedMail) -> int | None:
    """The place in the queue a waiting-list notice was enqueued with."""
    position = mail.payload.get("position")
    return position if isinstance(position, int) and not isinstance(position, bool) else None


async def _load_events(ids: set[int]) -> dict[int, Event]:
    rows = await EventTable.select().where(EventTable.id.is_in(sorted(ids)))
    return {row["id"]: event_from_row(row) for row in rows}


async def _load_registrations(ids: set[int]) -> dict[int, Registration]:
    if not ids:
        return {}
    rows = await RegistrationTable.select().where(RegistrationTable.id.is_in(sorted(ids)))
    return {row["id"]: registration_from_row(row) for row in rows}
