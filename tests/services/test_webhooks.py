"""Webhooks end to end on a real local receiver: every event type signed (checked with the
README's snippet), retries while the receiver is down or slow, no redirect followed, private
addresses refused without the setting, personal data only for flagged endpoints, and triggers
that record nothing while no endpoint is active.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db.database import Database
from app.db.tables import AuditEntry, WebhookChange, WebhookDelivery
from app.domain import webhooks as rules
from app.domain.audit import Actor, AuditAction
from app.domain.model import EventStatus
from app.services import event_admin, event_changes, registrations
from app.services import webhooks as service
from app.services.events import get_with_access
from app.services.retention import anonymise_expired, delete_registration_data
from app.settings import Settings
from tests.clock import ManualClock
from tests.conftest import registration_request

README = Path(__file__).resolve().parents[2] / "README.md"
ACTOR = Actor(id=None, name="Olena Koval")
ORGANISER = Actor(id=1, name="Olena Koval")


def readme_verify() -> Callable[..., bool]:
    """The ``verify`` function of the README's snippet, as a receiver would paste it."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- webhook-verify:[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert match, "the README lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify"]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it is sent and answers as told."""

    port: int = 0
    host: str = "127.0.0.1"
    #: ``ok`` (204), ``error`` (500), ``slow`` (waits for :attr:`release`), ``redirect`` (302),
    #: ``trickle`` (an answer a byte at a time, 8 s in all).
    mode: str = "ok"
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.mode == "trickle":
                    # Each byte in time for a per-read timeout, the whole far too late.
                    self.send_response(200)
                    self.send_header("Content-Length", "40")
                    self.end_headers()
                    for _ in range(40):
                        if receiver.release.wait(0.2):
                            return
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    return
                if receiver.mode == "slow":
                    receiver.release.wait(30)
                    self.send_response(204)
                    self.end_headers()
                    return
                receiver.received.append(Received(self.path, dict(self.headers), body))
                if receiver.mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                    self.end_headers()
                    return
                self.send_response(204 if receiver.mode == "ok" else 500)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: nothing listens on the port any more."""
        if self._server is not None:
            self.release.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    """Local receivers allowed; a timeout no answer of a busy test machine comes near."""
    return dataclasses.replace(settings, webhook_allow_private=True, webhook_timeout=30)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="x" * 32, debug=True)


async def _endpoint(
    db: Database,
    settings: Settings,
    url: str,
    clock: ManualClock,
    types: tuple[str, ...] = rules.EVENT_TYPES,
    *,
    personal: bool = False,
) -> service.NewEndpoint:
    return await service.create_endpoint(
        db,
        settings,
        ORGANISER,
        url=url,
        event_types=list(types),
        personal_data=personal,
        description="CRM",
        now=clock(),
    )


async def _pass(db: Database, settings: Settings, clock: ManualClock) -> int:
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
        return await service.WebhookSender(db, settings, clock=clock).run_once(client)


def _change_order(received: Received) -> tuple[int, int]:
    change, _, event_type = received.json["id"].partition(".")
    return int(change), rules.EVENT_TYPES.index(event_type)


async def _statuses(db: Database) -> list[tuple[str, str, int]]:
    rows = await WebhookDelivery.select(
        WebhookDelivery.event_type, WebhookDelivery.status, WebhookDelivery.attempts
    ).order_by(WebhookDelivery.id)
    return [(r["event_type"], r["status"], r["attempts"]) for r in rows]


async def test_nothing_is_recorded_while_no_endpoint_is_active(
    db: Database, event_factory, now: dt.datetime
) -> None:
    event = await event_factory()
    outcome = await registrations.register(db, "konferenz", registration_request("a@x.org"), now)
    await registrations.cancel(db, outcome.registration.token, now)
    await event_changes.cancel_event(db, event.id, message="", now=now)
    assert await WebhookChange.count() == 0


async def test_every_event_type_arrives_signed_and_verifies_with_the_readme_snippet(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    created = await _endpoint(db, hook_settings, receiver.url, clock)
    event = await event_factory(status=EventStatus.DRAFT)
    await event_admin.publish(db, event.id, clock())
    outcome = await registrations.register(
        db, "konferenz", registration_request("a@x.org"), clock()
    )
    await registrations.cancel(db, outcome.registration.token, clock())
    current = await get_with_access(event.id)
    await event_changes.change_event(
        db,
        event.id,
        dataclasses.replace(
            current,
            starts_at=current.starts_at + dt.timedelta(hours=1),
            ends_at=current.ends_at + dt.timedelta(hours=1),
        ),
        notify=False,
        message="",
        now=clock(),
    )
    await event_changes.cancel_event(db, event.id, message="", now=clock())

    await _pass(db, hook_settings, clock)
    # Sent at once, so they arrive in any order: in the order of the changes they report.
    receiver.received.sort(key=_change_order)
    types = [r.json["type"] for r in receiver.received]
    assert types == [
        "event.published",
        "registration.created",
        "registration.confirmed",
        "registration.cancelled",
        "event.changed",
        "event.cancelled",
    ]
    verify = readme_verify()
    for received in receiver.received:
        header = received.headers[rules.SIGNATURE_HEADER]
        assert verify(created.secret, header, received.body, now=clock().timestamp())
        assert not verify("whsec_other", header, received.body, now=clock().timestamp())
        assert not verify(created.secret, header, received.body + b" ", now=clock().timestamp())
        assert not verify(created.secret, header, received.body, now=clock().timestamp() + 3600)
        body = received.json
        assert body["event"] == {
            "id": event.id,
            "slug": "konferenz",
            "status": body["event"]["status"],
        }
        assert "email" not in json.dumps(body)
        assert "Olena" not in json.dumps(body)
    registration = receiver.received[1].json["registration"]
    assert registration["id"] == outcome.registration.id
    assert registration["status"] == "confirmed"
    assert await _statuses(db) == [(t, "delivered", 1) for t in types]
    # Nothing twice: a further pass sends nothing.
    await _pass(db, hook_settings, clock)
    assert len(receiver.received) == 6
    actions = await AuditEntry.select(AuditEntry.action, AuditEntry.subject)
    assert {"action": AuditAction.WEBHOOK_CREATED.value, "subject": created.id} in actions


async def test_an_event_made_published_at_once_is_published_too(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    await _endpoint(db, hook_settings, receiver.url, clock, ("event.published",))
    event = await event_factory()
    await event_factory(slug="entwurf", status=EventStatus.DRAFT)
    await _pass(db, hook_settings, clock)
    assert [(r.json["type"], r.json["event"]["id"]) for r in receiver.received] == [
        ("event.published", event.id)
    ]


async def test_personal_data_only_for_flagged_endpoints_and_only_chosen_types(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    flagged = Receiver()
    flagged.start()
    try:
        await _endpoint(db, hook_settings, receiver.url, clock, ("registration.created",))
        await _endpoint(
            db, hook_settings, flagged.url, clock, ("registration.created",), personal=True
        )
        await event_factory()
        await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
        await _pass(db, hook_settings, clock)
    finally:
        flagged.stop()
    [plain] = receiver.received
    [personal] = flagged.received
    assert plain.json["type"] == personal.json["type"] == "registration.created"
    assert "email" not in plain.json["registration"]
    assert "first_name" not in plain.json["registration"]
    assert personal.json["registration"]["email"] == "a@x.org"
    assert personal.json["registration"]["first_name"] == "Olena"


async def test_a_receiver_that_is_down_gets_everything_later_once_and_in_full(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    await _endpoint(db, hook_settings, receiver.url, clock, ("registration.created",))
    await event_factory()
    receiver.stop()
    for person in ("a", "b", "c"):
        await registrations.register(
            db, "konferenz", registration_request(f"{person}@x.org"), clock()
        )
    await _pass(db, hook_settings, clock)
    assert [s for _, s, _ in await _statuses(db)] == ["queued"] * 3
    rows = await WebhookDelivery.select(WebhookDelivery.last_error, WebhookDelivery.send_after)
    assert all(r["last_error"] for r in rows)
    assert all(r["send_after"] == clock() + rules.FIRST_RETRY_DELAY for r in rows)
    # Not due yet: nothing is tried.
    clock.advance(seconds=10)
    assert await _pass(db, hook_settings, clock) == 0

    receiver.start()  # back, on the same port
    clock.advance(seconds=30)
    assert await _pass(db, hook_settings, clock) == 3
    rows = await WebhookDelivery.select(WebhookDelivery.status, WebhookDelivery.last_error)
    assert await _statuses(db) == [("registration.created", "delivered", 2)] * 3, rows
    ids = [r.json["registration"]["id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 3
    clock.advance(hours=10)
    await _pass(db, hook_settings, clock)
    assert len(receiver.received) == 3


async def test_errors_back_off_exponentially_and_end_as_failed_then_can_be_sent_again(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    await _endpoint(db, hook_settings, receiver.url, clock, ("registration.created",))
    await event_factory()
    await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
    receiver.mode = "error"
    delays = []
    for _ in range(rules.MAX_ATTEMPTS):
        assert await _pass(db, hook_settings, clock) == 1
        [row] = await WebhookDelivery.select()
        assert row["response_code"] == 500
        if row["status"] == "failed":
            break
        delays.append(row["send_after"] - clock())
        clock.now = row["send_after"]
    assert row["status"] == "failed"
    assert row["attempts"] == rules.MAX_ATTEMPTS
    assert delays == [rules.retry_delay(n) for n in range(1, rules.MAX_ATTEMPTS)]
    assert delays[1] == 2 * delays[0]
    assert max(delays) == rules.MAX_RETRY_DELAY

    receiver.mode = "ok"
    await service.send_again(db, ORGANISER, row["id"], clock())
    assert await _pass(db, hook_settings, clock) == 1
    assert await _statuses(db) == [("registration.created", "delivered", rules.MAX_ATTEMPTS + 1)]
    assert len(receiver.received) == rules.MAX_ATTEMPTS + 1
    assert len({r.json["id"] for r in receiver.received}) == 1


async def test_a_slow_receiver_times_out_and_is_tried_again_later(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory
) -> None:
    slow = Receiver(mode="slow")
    slow.start()
    try:
        await _endpoint(db, hook_settings, slow.url, clock, ("registration.created",))
        await event_factory()
        await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
        # The slow receiver answers only when released, long after this timeout.
        await _pass(db, dataclasses.replace(hook_settings, webhook_timeout=0.5), clock)
    finally:
        slow.stop()
    [row] = await WebhookDelivery.select()
    assert row["status"] == "queued"
    assert "no answer" in row["last_error"]
    assert row["send_after"] == clock() + rules.FIRST_RETRY_DELAY


async def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory
) -> None:
    """httpx's timeout is per read: a byte every 0.2 s never trips it; the sender's own does,
    so the attempt ends before its lease and no second sender posts the same delivery."""
    trickle = Receiver(mode="trickle")
    trickle.start()
    try:
        await _endpoint(db, hook_settings, trickle.url, clock, ("registration.created",))
        await event_factory()
        await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
        started = time.monotonic()
        await _pass(db, dataclasses.replace(hook_settings, webhook_timeout=1.0), clock)
        took = time.monotonic() - started
    finally:
        trickle.stop()
    [row] = await WebhookDelivery.select()
    assert row["status"] == "queued"
    assert "no answer within 1 s" in row["last_error"]
    assert took < 6, took  # the answer alone would take 8 s


async def test_a_sender_whose_lease_was_taken_over_writes_nothing(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory
) -> None:
    await _endpoint(db, hook_settings, "http://127.0.0.1:9/hook", clock, ("registration.created",))
    await event_factory()
    await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
    await service.fan_out(db, clock())
    [first] = await service.claim(db, clock(), dt.timedelta(seconds=1))
    # The first sender stalls past its lease; a second one claims the delivery again.
    clock.advance(seconds=2)
    [second] = await service.claim(db, clock(), dt.timedelta(seconds=60))
    assert (first.id, second.attempts) == (second.id, first.attempts + 1)
    await service._finish(db, first, clock(), code=204, error="")
    [row] = await WebhookDelivery.select()
    assert (row["status"], row["attempts"]) == ("sending", 2)
    await service._finish(db, second, clock(), code=500, error="HTTP 500")
    [row] = await WebhookDelivery.select()
    assert (row["status"], row["last_error"]) == ("queued", "HTTP 500")


async def test_a_slow_receiver_holds_up_no_other(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    slow = Receiver(mode="slow")
    slow.start()
    try:
        await _endpoint(db, hook_settings, slow.url, clock, ("registration.created",))
        await _endpoint(db, hook_settings, receiver.url, clock, ("registration.created",))
        await event_factory()
        await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
        sending = asyncio.create_task(_pass(db, hook_settings, clock))
        # The other receiver gets its delivery, and it is logged, while the slow one still
        # holds its request (it is released only after).
        for _ in range(400):
            statuses = [s for _, s, _ in await _statuses(db)]
            if statuses == ["sending", "delivered"]:
                break
            assert not sending.done()
            await asyncio.sleep(0.05)
        assert statuses == ["sending", "delivered"]
        assert len(receiver.received) == 1
        slow.release.set()
        await sending
    finally:
        slow.stop()
    assert [s for _, s, _ in await _statuses(db)] == ["delivered", "delivered"]


async def test_a_redirect_is_not_followed(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    receiver.mode = "redirect"
    await _endpoint(db, hook_settings, receiver.url, clock, ("registration.created",))
    await event_factory()
    await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
    await _pass(db, hook_settings, clock)
    assert [r.path for r in receiver.received] == ["/hook"]
    [row] = await WebhookDelivery.select()
    assert row["status"] == "queued"
    assert row["response_code"] == 302
    assert "redirect" in row["last_error"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "ftp://example.org/hook",
        "http://user:pw@example.org/hook",
    ],
)
async def test_private_and_odd_addresses_are_refused_without_the_setting(
    db: Database, settings: Settings, clock: ManualClock, url: str
) -> None:
    with pytest.raises(service.EndpointRefused):
        await _endpoint(db, settings, url, clock)
    assert await service.endpoints() == []


async def test_an_address_allowed_once_is_checked_again_at_delivery(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    await _endpoint(db, hook_settings, receiver.url, clock, ("registration.created",))
    await event_factory()
    await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
    strict = dataclasses.replace(hook_settings, webhook_allow_private=False)
    await _pass(db, strict, clock)
    assert receiver.received == []
    [row] = await WebhookDelivery.select()
    assert row["status"] == "queued"
    assert "WEBHOOK_ALLOW_PRIVATE" in row["last_error"]


async def test_a_name_that_turns_private_after_the_check_is_not_reached(
    db: Database, settings: Settings, clock: ManualClock, event_factory, monkeypatch
) -> None:
    """DNS rebinding: the name resolves to a public address for the check and to a private one
    a moment later; the delivery goes to the address that was checked, never the second."""
    # Stand-ins on one port: 127.0.0.2 plays the public address, 127.0.0.1 the private one.
    public = Receiver(host="127.0.0.2")
    public.start()
    private = Receiver(host="127.0.0.1", port=public.port)
    private.start()
    try:
        monkeypatch.setattr(
            rules, "refused_address", lambda address: not address.startswith("127.0.0.2")
        )
        answers = iter(["127.0.0.2"] * 2)
        loop = asyncio.get_running_loop()
        looked_up: list[str] = []

        async def rebinding(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
            looked_up.append(host)
            address = next(answers, "127.0.0.1") if host == "hooks.partner.example" else host
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(loop, "getaddrinfo", rebinding)
        url = f"http://hooks.partner.example:{public.port}/hook"
        await _endpoint(db, settings, url, clock, ("registration.created",))
        await event_factory()
        await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())

        await _pass(db, settings, clock)

        assert private.received == []
        [received] = public.received
        assert received.headers["Host"] == f"hooks.partner.example:{public.port}"
        assert received.json["type"] == "registration.created"
        # Saved, then checked before the delivery: two look-ups, and none by the HTTP client.
        assert looked_up.count("hooks.partner.example") == 2
    finally:
        public.stop()
        private.stop()


def test_a_pinned_https_request_keeps_the_name_for_tls() -> None:
    target, headers, extensions = service.pinned_request(
        "https://hooks.partner.example/in?x=1", "2001:db8::5"
    )
    assert target == "https://[2001:db8::5]/in?x=1"
    assert headers == {"Host": "hooks.partner.example"}
    assert extensions == {"sni_hostname": "hooks.partner.example"}
    assert service.pinned_request("http://a.example/", None) == ("http://a.example/", {}, {})


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    header = rules.signature("geheim", 1_700_000_000, b'{"a":1}')
    expected = hmac.new(b"geheim", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert readme_verify()("geheim", header, b'{"a":1}', now=1_700_000_100)
    assert not readme_verify()("geheim", "t=x,v1=y", b'{"a":1}', now=1_700_000_000)
    assert not readme_verify()("geheim", "", b"", now=0)


async def test_deliveries_with_personal_data_go_with_the_retention_period(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    await _endpoint(
        db, hook_settings, receiver.url, clock, ("registration.created",), personal=True
    )
    await event_factory()
    await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
    await _pass(db, hook_settings, clock)
    [row] = await WebhookDelivery.select()
    assert "a@x.org" in row["payload"]
    retention = dt.timedelta(days=hook_settings.retention_days)
    clock.now += retention
    await anonymise_expired(db, clock(), retention)
    assert await WebhookDelivery.count() == 1  # not older than the period yet
    clock.advance(seconds=1)
    await anonymise_expired(db, clock(), retention)
    assert await WebhookDelivery.count() == 0


async def test_deleting_a_persons_data_takes_it_out_of_every_delivery(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    """Delivered, or still waiting for a receiver that is down: after the deletion no payload
    names the person, and sending again posts none of it; the other person's stay."""
    await _endpoint(db, hook_settings, receiver.url, clock, rules.EVENT_TYPES, personal=True)
    event = await event_factory()
    gone = await registrations.register(
        db, "konferenz", registration_request("weg@x.org", first_name="Oksana"), clock()
    )
    await registrations.register(db, "konferenz", registration_request("da@x.org"), clock())
    await _pass(db, hook_settings, clock)
    receiver.mode = "error"
    await registrations.cancel(db, gone.registration.token, clock())
    await _pass(db, hook_settings, clock)
    payloads = [row["payload"] for row in await WebhookDelivery.select()]
    assert sum("weg@x.org" in p for p in payloads) >= 3  # created, confirmed, cancelled (queued)

    await delete_registration_data(db, event.id, gone.registration.id, clock())

    rows = await WebhookDelivery.select().order_by(WebhookDelivery.id)
    mentioning = [
        r
        for r in rows
        if json.loads(r["payload"]).get("registration", {}).get("id") == gone.registration.id
    ]
    assert len(mentioning) >= 3
    for row in mentioning:
        assert "weg@x.org" not in row["payload"]
        assert "Oksana" not in row["payload"]
        assert json.loads(row["payload"])["registration"]["status"]  # ids and states stay
    assert any("da@x.org" in r["payload"] for r in rows)
    receiver.mode = "ok"
    receiver.received.clear()
    delivered = next(r for r in mentioning if r["status"] == "delivered")
    await service.send_again(db, ORGANISER, delivered["id"], clock())
    clock.advance(hours=1)
    await _pass(db, hook_settings, clock)
    assert receiver.received
    assert not any(b"weg@x.org" in r.body for r in receiver.received)


async def test_an_idle_pass_writes_nothing(
    db: Database, hook_settings: Settings, clock: ManualClock, event_factory, receiver: Receiver
) -> None:
    # A write would take SQLite's write lock and empty the page cache, every second.
    await _endpoint(db, hook_settings, receiver.url, clock, ("registration.created",))
    await event_factory()
    await _pass(db, hook_settings, clock)  # the event's publication: not chosen, fanned out
    before = db.writes_committed
    assert await _pass(db, hook_settings, clock) == 0
    assert db.writes_committed == before
    await registrations.register(db, "konferenz", registration_request("a@x.org"), clock())
    assert await _pass(db, hook_settings, clock) == 1
    after = db.writes_committed
    assert await _pass(db, hook_settings, clock) == 0
    assert db.writes_committed == after
