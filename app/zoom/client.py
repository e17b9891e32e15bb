"""A small client of the Zoom API, for the calls the reconciler makes; no database here.

Every failure comes out as a :class:`ZoomError` that says whether trying again may help
(``temporary``) and how long Zoom asked us to wait (``retry_after``). Secrets — the client
secret, access tokens, join URLs — never appear in an error's text or in a log line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from app.clock import Clock
from app.settings import Settings

logger = logging.getLogger("treffpunkt.zoom")

#: A token is renewed this long before Zoom says it expires: a call must never carry one that
#: runs out on the way.
TOKEN_MARGIN = dt.timedelta(minutes=5)
#: Participants asked for per page of the report (Zoom allows up to 300).
REPORT_PAGE_SIZE = 300
#: Pages read at most from one report: a loop guard against a server that never ends.
MAX_REPORT_PAGES = 100


class ZoomError(Exception):
    """A call to Zoom failed; ``reason`` is fit for organisers' eyes and for logs."""

    def __init__(
        self,
        reason: str,
        *,
        temporary: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class CreatedMeeting:
    """What Zoom answered to a new meeting."""

    meeting_id: str


@dataclass(frozen=True, slots=True)
class AddedRegistrant:
    """A registrant as Zoom added them: its id and the personal join URL."""

    registrant_id: str
    join_url: str

    def __repr__(self) -> str:
        return f"AddedRegistrant(registrant_id={self.registrant_id!r}, join_url=<hidden>)"


@dataclass(frozen=True, slots=True)
class Participant:
    """One line of the participants report (a person may appear once per join)."""

    registrant_id: str
    user_email: str
    duration: int


class ZoomClient:
    """The Zoom API through one kept HTTP connection pool, with the access token cached."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._http = httpx.AsyncClient(
            timeout=settings.zoom_timeout, transport=transport, follow_redirects=False
        )
        self._token: str = ""
        self._token_until: dt.datetime | None = None
        #: How many tokens this client fetched (for tests and the logs).
        self.tokens_fetched = 0

    async def close(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def create_meeting(self, payload: dict[str, Any]) -> CreatedMeeting:
        """``POST /users/me/meetings``: a scheduled meeting with registration."""
        body = await self._call("POST", "/users/me/meetings", json_body=payload)
        meeting_id = _field(body, "id")
        return CreatedMeeting(meeting_id=meeting_id)

    async def update_meeting(self, meeting_id: str, payload: dict[str, Any]) -> None:
        """``PATCH /meetings/{id}``: topic, start, duration or time zone changed."""
        await self._call("PATCH", f"/meetings/{_segment(meeting_id)}", json_body=payload)

    async def delete_meeting(self, meeting_id: str) -> None:
        """``DELETE /meetings/{id}``, telling nobody (our own mails say the event is cancelled);
        a meeting already gone counts as done."""
        try:
            await self._call(
                "DELETE",
                f"/meetings/{_segment(meeting_id)}",
                params={"schedule_for_reminder": "false", "cancel_meeting_reminder": "false"},
            )
        except ZoomError as error:
            if error.status == 404:
                return
            raise

    async def add_registrant(
        self, meeting_id: str, *, email: str, first_name: str, last_name: str
    ) -> AddedRegistrant:
        """``POST /meetings/{id}/registrants``: the person's id and personal join URL."""
        body = await self._call(
            "POST",
            f"/meetings/{_segment(meeting_id)}/registrants",
            json_body={"email": email, "first_name": first_name, "last_name": last_name},
        )
        return AddedRegistrant(
            registrant_id=_field(body, "registrant_id"), join_url=_field(body, "join_url")
        )

    async def cancel_registrant(self, meeting_id: str, *, registrant_id: str, email: str) -> None:
        """``PUT /meetings/{id}/registrants/status``: cancel; one already gone counts as done."""
        try:
            await self._call(
                "PUT",
                f"/meetings/{_segment(meeting_id)}/registrants/status",
                json_body={
                    "action": "cancel",
                    "registrants": [{"id": registrant_id, "email": email}],
                },
            )
        except ZoomError as error:
            if error.status == 404:
                return
            raise

    async def participants(self, meeting_id: str) -> list[Participant]:
        """``GET /report/meetings/{id}/participants``, every page."""
        found: list[Participant] = []
        page_token = ""
        for _page in range(MAX_REPORT_PAGES):
            params = {"page_size": str(REPORT_PAGE_SIZE)}
            if page_token:
                params["next_page_token"] = page_token
            body = await self._call(
                "GET", f"/report/meetings/{_segment(meeting_id)}/participants", params=params
            )
            rows = body.get("participants")
            if not isinstance(rows, list):
                raise ZoomError("report without a participants list", temporary=False)
            for row in rows:
                if not isinstance(row, dict):
                    continue
                duration = row.get("duration")
                found.append(
                    Participant(
                        registrant_id=str(row.get("registrant_id") or ""),
                        user_email=str(row.get("user_email") or ""),
                        duration=duration if isinstance(duration, int) else 0,
                    )
                )
            page_token = str(body.get("next_page_token") or "")
            if not page_token:
                break
        return found

    async def _access_token(self, *, renew: bool = False) -> str:
        now = self.clock()
        if not renew and self._token and self._token_until and now < self._token_until:
            return self._token
        settings = self.settings
        try:
            response = await self._http.post(
                f"{settings.zoom_oauth_url}/oauth/token",
                params={
                    "grant_type": "account_credentials",
                    "account_id": settings.zoom_account_id,
                },
                auth=(settings.zoom_client_id, settings.zoom_client_secret),
            )
        except httpx.HTTPError as error:
            raise ZoomError(f"token: {_connection_reason(error)}", temporary=True) from None
        if response.status_code != 200:
            raise _status_error("token", response)
        body = _json(response, "token")
        token = body.get("access_token")
        expires_in = body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise ZoomError("token: answer without access_token/expires_in", temporary=False)
        self._token = token
        self._token_until = now + dt.timedelta(seconds=float(expires_in)) - TOKEN_MARGIN
        self.tokens_fetched += 1
        logger.info("zoom: new access token, valid for %d s", int(expires_in))
        return token

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        what = f"{method} {_path_for_logs(path)}"
        renewed = False
        while True:
            token = await self._access_token(renew=renewed)
            try:
                response = await self._http.request(
                    method,
                    f"{self.settings.zoom_api_url}{path}",
                    json=json_body,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError as error:
                raise ZoomError(f"{what}: {_connection_reason(error)}", temporary=True) from None
            if response.status_code == 401 and not renewed:
                # Revoked or expired early: one new token, one more try.
                renewed = True
                continue
            if response.status_code >= 300:
                raise _status_error(what, response)
            if response.status_code == 204 or not response.content:
                return {}
            return _json(response, what)


def _segment(value: str) -> str:
    """``value`` as one path segment (Zoom's ids are digits; anything else is refused)."""
    if not value or not value.replace("-", "").replace("_", "").isalnum():
        raise ZoomError("invalid meeting id", temporary=False)
    return value


def _path_for_logs(path: str) -> str:
    """``path`` with the meeting id left out: ids stay with the organisers, not in logs."""
    return "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


def _connection_reason(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    return f"connection failed ({type(error).__name__})"


def _status_error(what: str, response: httpx.Response) -> ZoomError:
    status = response.status_code
    message = ""
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            # Zoom's own explanation, cut short: it names fields, never our secrets.
            message = ": " + " ".join(body["message"].split())[:200]
    except ValueError:
        pass
    reason = f"{what}: HTTP {status}{message}"
    temporary = status >= 500 or status in (401, 408, 429)
    # 429 names its wait in Retry-After (Zoom's rate limits); a 503 may too.
    retry_after = _retry_after(response) if temporary else None
    return ZoomError(reason, temporary=temporary, status=status, retry_after=retry_after)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        raise ZoomError(f"{what}: answer is not JSON", temporary=False) from None
    if not isinstance(body, dict):
        raise ZoomError(f"{what}: answer is not a JSON object", temporary=False)
    return body


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise ZoomError(f"answer without {name}", temporary=False)
    return value
