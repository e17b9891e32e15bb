"""A Zoom stand-in: a small real HTTP server with the API endpoints Treffpunkt calls.

It runs in a thread of the test process on 127.0.0.1 (port 0: a free one) and keeps state
like Zoom does: OAuth tokens (Server-to-Server, ``account_credentials`` with Basic auth),
meetings, their registrants (the same address twice gives the same registrant) and a
participants report the test fills. Switches make it answer as Zoom does on a bad day: 429 with
``Retry-After``, 5xx, an answer that is no JSON, 404, or every token expired at once. Every
request is recorded, so tests see what was called with what. No test reaches the internet.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCOUNT_ID = "standin-account"
CLIENT_ID = "standin-client"
CLIENT_SECRET = "STANDIN-CLIENT-SECRET-0123456789"


@dataclass
class Recorded:
    """One request as the stand-in saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str


@dataclass
class Failure:
    """A scripted answer given instead of the real one, ``times`` times, to matching paths."""

    status: int
    body: bytes
    headers: dict[str, str]
    times: int
    match: str
    method: str


@dataclass
class Registrant:
    registrant_id: str
    email: str
    first_name: str
    last_name: str
    join_url: str
    status: str = "approved"


@dataclass
class Meeting:
    meeting_id: str
    payload: dict[str, Any]
    registrants: dict[str, Registrant] = field(default_factory=dict)
    participants: list[dict[str, Any]] = field(default_factory=list)


class ZoomStandIn:
    """The stand-in's state and switches; :attr:`api_url` and :attr:`oauth_url` point at it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.meetings: dict[str, Meeting] = {}
        self.requests: list[Recorded] = []
        self.failures: list[Failure] = []
        #: Participants per report page: small values make the reconciler follow the pages.
        self.report_page_size = 2
        self._ids = itertools.count(81_000_000_001)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/v2"

    @property
    def oauth_url(self) -> str:
        return self.base

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- switches -------------------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        match: str = "/v2/",
        method: str = "",
        body: bytes | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` requests whose path contains ``match`` with ``status``."""
        headers = {"Content-Type": "application/json"}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if body is None:
            body = json.dumps({"code": status, "message": f"stand-in says {status}"}).encode()
        with self.lock:
            self.failures.append(Failure(status, body, headers, times, match, method))

    def garbage(self, *, match: str = "/v2/", times: int = 1) -> None:
        """Answer with 200 and a body that is no JSON."""
        with self.lock:
            self.failures.append(
                Failure(
                    200,
                    b"<html>Bad gateway</html>",
                    {"Content-Type": "text/html"},
                    times,
                    match,
                    "",
                )
            )

    def expire_tokens(self) -> None:
        """Every token issued so far is no longer accepted (Zoom answers 401)."""
        with self.lock:
            self.tokens.clear()

    def attend(
        self, meeting_id: str, *, registrant_id: str = "", email: str = "", duration: int = 3600
    ) -> None:
        """Put a line into the meeting's participants report."""
        with self.lock:
            self.meetings[meeting_id].participants.append(
                {
                    "id": secrets.token_hex(4),
                    "registrant_id": registrant_id,
                    "user_email": email,
                    "name": "X",
                    "duration": duration,
                }
            )

    def calls(self, method: str, contains: str) -> list[Recorded]:
        """The recorded requests of ``method`` whose path contains ``contains``."""
        with self.lock:
            return [r for r in self.requests if r.method == method and contains in r.path]

    # --- the API --------------------------------------------------------------------------

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(
                Recorded(method, path, query, body, headers.get("authorization", ""))
            )
            for failure in self.failures:
                if failure.times > 0 and failure.match in path and failure.method in ("", method):
                    failure.times -= 1
                    return failure.status, failure.headers, failure.body
            if path == "/oauth/token":
                return self._token(method, query, headers)
            if method == "GET" and path.startswith("/w/"):
                return self._join_page(path, query)
            if not path.startswith("/v2/"):
                return _json(404, {"code": 404, "message": "not found"})
            authorization = headers.get("authorization", "")
            if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
                return _json(401, {"code": 124, "message": "Invalid access token."})
            return self._api(method, path[3:], query, body)

    def _token(
        self, method: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if method != "POST" or headers.get("authorization") != f"Basic {expected}":
            return _json(
                401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        if query.get("grant_type") != ["account_credentials"] or query.get("account_id") != [
            ACCOUNT_ID
        ]:
            return _json(400, {"reason": "Invalid grant type", "error": "unsupported_grant_type"})
        token = "standin-token-" + secrets.token_urlsafe(16)
        self.tokens.add(token)
        self.tokens_issued += 1
        return _json(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3599,
                "scope": "meeting:write:admin report:read:admin",
            },
        )

    def _api(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, dict[str, str], bytes]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["users", "me", "meetings"]:
            return self._create(body)
        if len(parts) >= 2 and parts[0] == "meetings":
            meeting = self.meetings.get(parts[1])
            if meeting is None:
                return _json(404, {"code": 3001, "message": "Meeting does not exist."})
            if method == "DELETE" and len(parts) == 2:
                # Zoom deletes the meeting and every registrant's link with it.
                del self.meetings[parts[1]]
                return 204, {}, b""
            if method == "PATCH" and len(parts) == 2:
                missing = _invalid_meeting(body, partial=True)
                if missing:
                    return _json(400, {"code": 300, "message": missing})
                meeting.payload.update(body)
                return 204, {}, b""
            if method == "POST" and parts[2:] == ["registrants"]:
                return self._add(meeting, body)
            if method == "PUT" and parts[2:] == ["registrants", "status"]:
                return self._status(meeting, body)
        if (
            method == "GET"
            and parts[:2] == ["report", "meetings"]
            and parts[3:] == ["participants"]
        ):
            meeting = self.meetings.get(parts[2])
            if meeting is None:
                return _json(404, {"code": 3001, "message": "Meeting does not exist."})
            start = int((query.get("next_page_token") or ["0"])[0] or 0)
            page = meeting.participants[start : start + self.report_page_size]
            following = start + self.report_page_size
            token = str(following) if following < len(meeting.participants) else ""
            return _json(
                200,
                {
                    "page_size": self.report_page_size,
                    "total_records": len(meeting.participants),
                    "next_page_token": token,
                    "participants": page,
                },
            )
        return _json(404, {"code": 404, "message": "no such endpoint"})

    def _create(self, body: Any) -> tuple[int, dict[str, str], bytes]:
        problem = _invalid_meeting(body, partial=False)
        if problem:
            return _json(400, {"code": 300, "message": problem})
        meeting_id = str(next(self._ids))
        self.meetings[meeting_id] = Meeting(meeting_id, dict(body))
        return _json(
            201,
            {
                "id": int(meeting_id),
                "topic": body["topic"],
                "type": 2,
                "join_url": f"https://standin.zoom.us/j/{meeting_id}",
                "registration_url": f"https://standin.zoom.us/meeting/register/{meeting_id}",
            },
        )

    def _add(self, meeting: Meeting, body: Any) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(body, dict) or not body.get("email") or not body.get("first_name"):
            return _json(400, {"code": 300, "message": "email and first_name are required"})
        for registrant in meeting.registrants.values():
            if registrant.email.lower() == str(body["email"]).lower():
                registrant.status = "approved"
                break
        else:
            registrant_id = secrets.token_urlsafe(12)
            registrant = Registrant(
                registrant_id,
                str(body["email"]),
                str(body["first_name"]),
                str(body.get("last_name", "")),
                f"{self.base}/w/{meeting.meeting_id}?tk={secrets.token_urlsafe(24)}",
            )
            meeting.registrants[registrant_id] = registrant
        return _json(
            201,
            {
                "id": int(meeting.meeting_id),
                "registrant_id": registrant.registrant_id,
                "join_url": registrant.join_url,
                "topic": meeting.payload["topic"],
            },
        )

    def _join_page(
        self, path: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], bytes]:
        """Where a personal join URL leads: a page naming the registrant (for browser tests)."""
        meeting = self.meetings.get(path.removeprefix("/w/"))
        ticket = (query.get("tk") or [""])[0]
        for registrant in meeting.registrants.values() if meeting else ():
            if registrant.join_url.endswith(f"tk={ticket}") and registrant.status == "approved":
                name = html.escape(f"{registrant.first_name} {registrant.last_name}")
                page = f"<!doctype html><title>Zoom stand-in</title><h1>Zoom: {name}</h1>"
                return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        return 404, {"Content-Type": "text/html"}, b"<!doctype html><title>No</title><h1>No</h1>"

    def _status(self, meeting: Meeting, body: Any) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(body, dict) or body.get("action") not in ("approve", "deny", "cancel"):
            return _json(400, {"code": 300, "message": "invalid action"})
        for item in body.get("registrants") or []:
            registrant = meeting.registrants.get(str(item.get("id")))
            if registrant is None:
                return _json(404, {"code": 3043, "message": "Registrant not found."})
            registrant.status = "cancelled" if body["action"] == "cancel" else "approved"
        return 204, {}, b""


def _invalid_meeting(body: Any, *, partial: bool) -> str:
    if not isinstance(body, dict):
        return "body must be an object"
    required = ("topic", "type", "start_time", "duration", "timezone")
    for name in required:
        if name not in body and not partial:
            return f"{name} is required"
    if "start_time" in body and len(str(body["start_time"])) != 19:
        return "start_time must be yyyy-MM-ddTHH:mm:ss"
    if "duration" in body and not isinstance(body["duration"], int):
        return "duration must be an integer"
    return ""


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _handler(standin: ZoomStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read :attr:`ZoomStandIn.requests` instead."""

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, answer_headers, content = standin.answer(
                self.command, parts.path, parse_qs(parts.query), headers, body
            )
            self.send_response(status)
            for name, value in answer_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

    return Handler


@contextmanager
def running_standin() -> Iterator[ZoomStandIn]:
    """A started stand-in, stopped afterwards."""
    standin = ZoomStandIn()
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()
