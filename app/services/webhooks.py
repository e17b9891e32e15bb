"""Webhooks: endpoints organisers register, the fan-out of recorded changes into deliveries,
and the sender that delivers them with retries.

Changes are recorded by database triggers in the transaction that makes them (migration 0025),
so no registration path calls anything here and none waits on a receiver. The sender runs with
the app's background work (:mod:`app.services.background`): each pass fans out new changes,
claims due deliveries and sends them concurrently, each bounded by ``WEBHOOK_TIMEOUT``, so a
slow receiver delays only its own deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.clock import Clock
from app.db.database import Database
from app.db.tables import Event as EventTable
from app.db.tables import Registration as RegistrationTable
from app.db.tables import WebhookChange, WebhookDelivery, WebhookEndpoint
from app.domain import webhooks as rules
from app.domain.audit import Actor, AuditAction
from app.domain.errors import NotFound
from app.services.audit import record
from app.settings import Settings

logger = logging.getLogger("treffpunkt.webhooks")

#: Changes fanned out and deliveries claimed per pass.
BATCH = 100
#: How long a claimed delivery stays with its sender beyond the timeout (a sender that died).
LEASE_MARGIN = dt.timedelta(seconds=60)
#: How often the sender looks for new changes and due deliveries.
POLL_SECONDS = 1.0
#: The longest error text kept per delivery.
MAX_ERROR = 500


class EndpointRefused(ValueError):
    """An endpoint that cannot be saved or reached; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str) -> None:
        super().__init__(REASONS[reason])
        self.reason = reason


#: Why an endpoint is refused, as kept in the delivery log (the organiser page translates).
REASONS = {
    "scheme": "not an http:// or https:// address with a host",
    "credentials": "user name or password in the address",
    "port": "not a valid port",
    "too_long": "address too long",
    "types": "no event type chosen, or one not offered",
    "unresolvable": "host not found",
    "private": "private, loopback, link-local or multicast address "
    "(allowed only with WEBHOOK_ALLOW_PRIVATE)",
}


@dataclass(frozen=True, slots=True)
class NewEndpoint:
    """An endpoint just registered: its id and its secret (shown once, never again)."""

    id: int
    secret: str


async def check_address(url: str, *, allow_private: bool) -> str | None:
    """Refuse ``url`` unless it is http(s) to a host whose every address is public; the address
    checked, which a delivery then connects to (``None`` when the check is off).

    Checked when an endpoint is saved and again before each delivery: a name may resolve
    elsewhere later. ``allow_private`` (``WEBHOOK_ALLOW_PRIVATE``) skips the address check.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointRefused("scheme")
    if parts.username or parts.password:
        raise EndpointRefused("credentials")
    if allow_private:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise EndpointRefused("port") from error
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise EndpointRefused("unresolvable") from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or any(rules.refused_address(a) for a in addresses):
        raise EndpointRefused("private")
    return addresses[0]


def pinned_request(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL, extra headers and httpx extensions that reach ``url`` at ``address`` only.

    Against DNS rebinding: a name checked as public could resolve to a private address a moment
    later, when the HTTP client looks it up again. Connecting to the checked address itself, with
    the name kept in ``Host`` and in TLS (SNI and certificate check), leaves no second look-up.
    """
    if address is None:
        return url, {}, {}
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    headers = {"Host": parts.netloc}
    extensions: dict[str, Any] = {}
    if parts.scheme == "https":
        extensions["sni_hostname"] = parts.hostname
    return parts._replace(netloc=netloc).geturl(), headers, extensions


async def create_endpoint(
    db: Database,
    settings: Settings,
    actor: Actor | None,
    *,
    url: str,
    event_types: list[str],
    personal_data: bool,
    description: str,
    now: dt.datetime,
) -> NewEndpoint:
    """Register an active endpoint for ``event_types``; audited. Refuses unsafe addresses."""
    url = url.strip()
    if len(url) > 2000:
        raise EndpointRefused("too_long")
    chosen = [t for t in rules.EVENT_TYPES if t in event_types]
    if not chosen or len(chosen) != len(set(event_types)):
        raise EndpointRefused("types")
    await check_address(url, allow_private=settings.webhook_allow_private)
    secret = "whsec_" + secrets.token_urlsafe(32)
    async with db.transaction():
        rows = await WebhookEndpoint.insert(
            WebhookEndpoint(
                url=url,
                description=description.strip()[:300],
                event_types=" ".join(chosen),
                personal_data=personal_data,
                secret=secret,
                active=True,
                created_at=now,
                created_by=actor.id if actor else None,
            )
        ).returning(WebhookEndpoint.id)
        endpoint_id = int(rows[0]["id"])
        await record(
            db,
            actor,
            AuditAction.WEBHOOK_CREATED,
            now=now,
            subject_id=endpoint_id,
            detail=" ".join(chosen) + (" personal_data" if personal_data else ""),
        )
    return NewEndpoint(endpoint_id, secret)


async def delete_endpoint(
    db: Database, actor: Actor | None, endpoint_id: int, now: dt.datetime
) -> None:
    """Remove an endpoint and its delivery log; audited."""
    async with db.transaction():
        deleted = (
            await WebhookEndpoint.delete()
            .where(WebhookEndpoint.id == endpoint_id)
            .returning(WebhookEndpoint.id)
        )
        if not deleted:
            raise NotFound("webhook endpoint")
        await record(db, actor, AuditAction.WEBHOOK_DELETED, now=now, subject_id=endpoint_id)


async def send_again(db: Database, actor: Actor | None, delivery_id: int, now: dt.datetime) -> None:
    """Queue a delivery again (delivered or failed alike), due now; audited."""
    async with db.transaction():
        updated = (
            await WebhookDelivery.update(
                {
                    WebhookDelivery.status: "queued",
                    WebhookDelivery.send_after: now,
                    WebhookDelivery.lease_until: None,
                }
            )
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status != "sending")
            .returning(WebhookDelivery.id)
        )
        if not updated:
            raise NotFound("webhook delivery")
        await record(db, actor, AuditAction.WEBHOOK_RESENT, now=now, subject_id=delivery_id)


async def delete_expired(db: Database, now: dt.datetime, retention: dt.timedelta) -> None:
    """Delete deliveries older than the retention period: their payloads may hold names and
    addresses (endpoints flagged for personal data), which must not outlive the registrations'.
    """
    async with db.transaction():
        await WebhookDelivery.delete().where(WebhookDelivery.created_at < now - retention)


async def forget_personal_data(registration_ids: Sequence[int]) -> int:
    """Take the names and addresses of these registrations out of every stored delivery —
    queued, failed or delivered, since "send again" would post them once more; how many.

    Called in the transaction that deletes the registrations' personal data.
    """
    if not registration_ids:
        return 0
    wanted = set(registration_ids)
    events = await RegistrationTable.select(RegistrationTable.event).where(
        RegistrationTable.id.is_in(sorted(wanted))
    )
    rows = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.payload).where(
        WebhookDelivery.event.is_in(sorted({row["event"] for row in events})),
        WebhookDelivery.payload.like('%"email":%'),
    )
    rewritten = 0
    for row in rows:
        body = rules.without_personal_data(row["payload"], wanted)
        if body is not None:
            await WebhookDelivery.update({WebhookDelivery.payload: body.decode()}).where(
                WebhookDelivery.id == row["id"]
            )
            rewritten += 1
    return rewritten


async def endpoints() -> list[dict[str, Any]]:
    """Every endpoint, without its secret, newest first."""
    return list(
        await WebhookEndpoint.select(exclude_secrets=True).order_by(
            WebhookEndpoint.id, ascending=False
        )
    )


async def deliveries(endpoint_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest deliveries (of one endpoint if given), for the delivery log."""
    query = WebhookDelivery.select(
        WebhookDelivery.id,
        WebhookDelivery.endpoint,
        WebhookDelivery.event_type,
        WebhookDelivery.event,
        WebhookDelivery.status,
        WebhookDelivery.attempts,
        WebhookDelivery.send_after,
        WebhookDelivery.last_error,
        WebhookDelivery.response_code,
        WebhookDelivery.created_at,
        WebhookDelivery.delivered_at,
    )
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint == endpoint_id)
    return list(await query.order_by(WebhookDelivery.id, ascending=False).limit(limit))


def _change(row: dict[str, Any]) -> rules.Change:
    return rules.Change(
        id=row["id"],
        kind=row["kind"],
        event_id=row["event"],
        registration_id=row["registration"],
        old_status=row["old_status"],
        new_status=row["new_status"],
        revision_changed=bool(row["revision_changed"]),
        at=row["at"],
    )


async def fan_out(db: Database, now: dt.datetime) -> int:
    """Turn recorded changes into deliveries for the active endpoints that chose their types.

    The payload is made now, from the rows as they are (a registration anonymised meanwhile
    gives no personal data). Each change is fanned out once: its row is deleted in the same
    transaction (on PostgreSQL, rows another sender is fanning out are skipped). With nothing
    recorded it only reads: an empty write transaction every second would take SQLite's write
    lock and, as a committed write, empty the page cache each time.
    """
    if not await WebhookChange.select(WebhookChange.id).limit(1):
        return 0
    async with db.transaction():
        query = WebhookChange.select().order_by(WebhookChange.id).limit(BATCH)
        if not db.is_sqlite:
            query = query.lock_rows("UPDATE", skip_locked=True)
        rows = await query
        if not rows:
            return 0
        active = await WebhookEndpoint.select(
            WebhookEndpoint.id, WebhookEndpoint.event_types, WebhookEndpoint.personal_data
        ).where(WebhookEndpoint.active == True)  # noqa: E712 - Piccolo's column comparison
        made = 0
        for row in rows:
            change = _change(row)
            types = rules.event_types(change)
            if not types:
                continue
            event, registration, personal = await _subjects(change)
            for endpoint in active:
                chosen = endpoint["event_types"].split()
                for event_type in types:
                    if event_type not in chosen:
                        continue
                    body = rules.payload(
                        change,
                        event_type,
                        event=event,
                        registration=registration,
                        personal=personal if endpoint["personal_data"] else None,
                    )
                    await WebhookDelivery.insert(
                        WebhookDelivery(
                            endpoint=endpoint["id"],
                            change=change.id,
                            event_type=event_type,
                            event=change.event_id,
                            payload=body.decode(),
                            send_after=now,
                            created_at=now,
                        )
                    )
                    made += 1
        await WebhookChange.delete().where(WebhookChange.id.is_in([row["id"] for row in rows]))
    return made


async def _subjects(
    change: rules.Change,
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    events = await EventTable.select(EventTable.slug, EventTable.status).where(
        EventTable.id == change.event_id
    )
    event = {"id": change.event_id, "slug": events[0]["slug"] if events else None}
    if change.kind == "event":
        event["status"] = change.new_status
    elif events:
        event["status"] = events[0]["status"]
    if change.registration_id is None:
        return event, None, None
    registration = {
        "id": change.registration_id,
        "status": change.new_status,
        "previous_status": change.old_status,
    }
    found = await RegistrationTable.select(
        RegistrationTable.mode,
        RegistrationTable.first_name,
        RegistrationTable.last_name,
        RegistrationTable.email,
        RegistrationTable.anonymised_at,
    ).where(RegistrationTable.id == change.registration_id)
    personal = None
    if found:
        registration["mode"] = found[0]["mode"]
        if found[0]["anonymised_at"] is None:
            personal = {name: found[0][name] for name in rules.PERSONAL_FIELDS}
    return event, registration, personal


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    url: str
    secret: str
    payload: bytes
    attempts: int


async def claim(db: Database, now: dt.datetime, lease: dt.timedelta) -> list[_Claimed]:
    """Claim due deliveries (queued and due, or sending with a lease run out); counts a try.

    Looks first with a read, so that no due delivery costs no write transaction (see
    :func:`fan_out`).
    """

    def due_query() -> Any:
        return (
            WebhookDelivery.select(WebhookDelivery.id)
            .where(
                ((WebhookDelivery.status == "queued") & (WebhookDelivery.send_after <= now))
                | ((WebhookDelivery.status == "sending") & (WebhookDelivery.lease_until < now))
            )
            .order_by(WebhookDelivery.send_after)
            .order_by(WebhookDelivery.id)
        )

    if not await due_query().limit(1):
        return []
    async with db.transaction():
        due = due_query().limit(BATCH)
        if not db.is_sqlite:
            due = due.lock_rows("UPDATE", skip_locked=True)
        claimed = await (
            WebhookDelivery.update(
                {
                    WebhookDelivery.status: "sending",
                    WebhookDelivery.lease_until: now + lease,
                    WebhookDelivery.attempts: WebhookDelivery.attempts + 1,
                }
            )
            .where(WebhookDelivery.id.is_in(due))
            .returning(
                WebhookDelivery.id,
                WebhookDelivery.endpoint,
                WebhookDelivery.payload,
                WebhookDelivery.attempts,
            )
        )
        if not claimed:
            return []
        ends = await WebhookEndpoint.select(
            WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.secret
        ).where(WebhookEndpoint.id.is_in([row["endpoint"] for row in claimed]))
    by_id = {row["id"]: row for row in ends}
    return sorted(
        (
            _Claimed(
                row["id"],
                by_id[row["endpoint"]]["url"],
                by_id[row["endpoint"]]["secret"],
                row["payload"].encode(),
                row["attempts"],
            )
            for row in claimed
            if row["endpoint"] in by_id
        ),
        key=lambda c: c.id,
    )


async def _finish(
    db: Database,
    delivery: _Claimed,
    now: dt.datetime,
    *,
    code: int | None,
    error: str,
) -> None:
    values: dict[Any, Any] = {
        WebhookDelivery.response_code: code,
        WebhookDelivery.lease_until: None,
    }
    if not error:
        values |= {
            WebhookDelivery.status: "delivered",
            WebhookDelivery.delivered_at: now,
            WebhookDelivery.last_error: "",
        }
    elif delivery.attempts >= rules.MAX_ATTEMPTS:
        values |= {WebhookDelivery.status: "failed", WebhookDelivery.last_error: error}
    else:
        values |= {
            WebhookDelivery.status: "queued",
            WebhookDelivery.send_after: now + rules.retry_delay(delivery.attempts),
            WebhookDelivery.last_error: error,
        }
    async with db.transaction():
        # Only while still this sender's: a lease taken over meanwhile belongs to another.
        await WebhookDelivery.update(values).where(
            WebhookDelivery.id == delivery.id,
            WebhookDelivery.status == "sending",
            WebhookDelivery.attempts == delivery.attempts,
        )


class WebhookSender:
    """Fans out changes and delivers due webhooks until stopped (several may run)."""

    def __init__(self, db: Database, settings: Settings, *, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.timeout = settings.webhook_timeout

    async def run(self, stop: asyncio.Event) -> None:
        """Work every :data:`POLL_SECONDS` until ``stop`` is set."""
        async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
            while not stop.is_set():
                try:
                    await self.run_once(client)
                except Exception:
                    logger.exception("delivering webhooks failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_SECONDS)

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One pass: fan out, claim, send all claimed at once; how many were claimed."""
        await fan_out(self.db, self.clock())
        lease = dt.timedelta(seconds=self.timeout) + LEASE_MARGIN
        claimed = await claim(self.db, self.clock(), lease)
        await asyncio.gather(*(self._deliver(client, d) for d in claimed))
        return len(claimed)

    async def _deliver(self, client: httpx.AsyncClient, delivery: _Claimed) -> None:
        code: int | None = None
        error = ""
        try:
            address = await check_address(
                delivery.url, allow_private=self.settings.webhook_allow_private
            )
            target, host_header, extensions = pinned_request(delivery.url, address)
            timestamp = int(self.clock().timestamp())
            # httpx's timeout is per phase: a receiver trickling its answer could outlast the
            # lease, and another sender would post again. The whole exchange is bounded here.
            async with asyncio.timeout(self.timeout):
                response = await client.post(
                    target,
                    content=delivery.payload,
                    extensions=extensions,
                    headers={
                        **host_header,
                        "Content-Type": "application/json",
                        "User-Agent": "Treffpunkt-Webhooks",
                        rules.SIGNATURE_HEADER: rules.signature(
                            delivery.secret, timestamp, delivery.payload
                        ),
                    },
                    timeout=self.timeout,
                )
            code = response.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}" + (
                    " (redirects are not followed)" if 300 <= code < 400 else ""
                )
        except EndpointRefused as refused:
            error = str(refused)
        except (httpx.TimeoutException, TimeoutError):
            error = f"no answer within {self.timeout:g} s"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:MAX_ERROR]
        # The secret and the payload never go to the log: the endpoint id and the outcome only.
        if error:
            logger.info("webhook delivery %d failed: %s", delivery.id, error)
        await _finish(self.db, delivery, self.clock(), code=code, error=error[:MAX_ERROR])
