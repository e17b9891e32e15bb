"""The organisers' outbox page (retry, abort) and their messages to an event's registrants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app import paths
from app.db.database import Database
from app.domain.audit import Actor
from app.domain.model import Event
from app.domain.outbox import OutboxStatus
from app.domain.roles import ACCESS, Access
from app.exports.columns import STATUS_LABELS
from app.i18n import N_, _
from app.services import organiser_mail
from app.services.organiser_mail import AUDIENCE_LABELS, Audience, Preview
from app.services.organiser_registrations import parse_ids
from app.settings import Settings
from app.web.auth import request_permissions
from app.web.controllers.organiser_registrations import selection
from app.web.organiser_texts import translated
from app.web.params import FormBody

_STATUS_LABELS = {
    "queued": N_("Wartet"),
    "sending": N_("Wird gesendet"),
    "sent": N_("Gesendet"),
    "failed": N_("Fehlgeschlagen"),
    "cancelled": N_("Abgebrochen"),
}


@dataclass(frozen=True, slots=True)
class MessageForm:
    """What the message form shows: the typed values and errors next to fields."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _back(status: str, event: str) -> Redirect:
    query = {key: value for key, value in (("status", status), ("event", event)) if value}
    return Redirect(path=paths.outbox(), query_params=query, status_code=HTTP_303_SEE_OTHER)


async def _chosen(event_id: int, data: Mapping[str, str]) -> tuple[int, ...]:
    """The selection a message form carries (``ids``), checked to be the event's; none: ()."""
    ids = parse_ids(data.get("ids", ""))
    if ids:
        await organiser_mail.selected(event_id, ids)
    return ids


async def _selection_view(event_id: int, ids: tuple[int, ...]) -> dict[str, object] | None:
    if not ids:
        return None
    chosen = await organiser_mail.selected(event_id, ids)
    return {
        "ids": ",".join(str(i) for i in ids),
        "receiving": [r for r in chosen if organiser_mail.receives(r)],
        "left_out": [r for r in chosen if not organiser_mail.receives(r)],
        "status_labels": translated(STATUS_LABELS),
    }


def _message_page(
    event: Event,
    form: MessageForm,
    *,
    preview: Preview | None = None,
    status: int = 200,
    selection: dict[str, object] | None = None,
) -> Template:
    return Template(
        template_name="organiser/message.html",
        context={
            "event": event,
            "form": form,
            "selection": selection,
            "audiences": [
                {"value": audience.value, "label": _(label)}
                for audience, label in AUDIENCE_LABELS.items()
            ],
            "preview": preview,
        },
        status_code=status,
    )


class OrganiserMailController(Controller):
    """Outbox and messages, behind the organiser sign-in (the guard goes by path)."""

    include_in_schema = False

    @get(paths.OUTBOX, name="organiser_outbox", opt={ACCESS: Access.ADMIN})
    async def outbox(
        self, status: FromQuery[str | None] = None, event: FromQuery[int | None] = None
    ) -> Template:
        """The newest mails with their state, optionally of one status and one event."""
        chosen = OutboxStatus(status) if status in _STATUS_LABELS else None
        lines = await organiser_mail.outbox_lines(status=chosen, event_id=event)
        return Template(
            template_name="organiser/outbox.html",
            context={
                "lines": lines,
                "status": chosen.value if chosen else "",
                "event_id": event,
                "labels": {value: _(label) for value, label in _STATUS_LABELS.items()},
                "limit": organiser_mail.OUTBOX_LIMIT,
            },
        )

    @post(paths.OUTBOX_RETRY, name="organiser_outbox_retry", opt={ACCESS: Access.ADMIN})
    async def retry(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        mail_id: FromPath[int],
        data: FormBody,
    ) -> Redirect:
        """Send a failed mail again (nothing happens to a mail in any other state)."""
        await organiser_mail.retry(db, mail_id, now)
        return _back(data.get("status", ""), data.get("event", ""))

    @post(paths.OUTBOX_ABORT, name="organiser_outbox_abort", opt={ACCESS: Access.ADMIN})
    async def abort(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        mail_id: FromPath[int],
        data: FormBody,
    ) -> Redirect:
        """Cancel a queued or failed mail (nothing happens to a mail in any other state)."""
        await organiser_mail.abort(db, mail_id, now)
        return _back(data.get("status", ""), data.get("event", ""))

    @get(paths.MESSAGE, name="organiser_message_form", opt={ACCESS: Access.EVENT_MANAGE})
    async def message_form(
        self,
        event_id: FromPath[int],
        r: FromQuery[list[str] | None] = None,
        select_all: Annotated[str | None, QueryParameter(name="all")] = None,
        page_ids: FromQuery[str | None] = None,
    ) -> Template:
        """The form for a message to the event's registrants, or to those chosen in the list
        (``r``, or ``all=page`` with the page's ``page_ids``), who are then listed."""
        event = await organiser_mail.event(event_id)
        ids = selection(r, select_all, page_ids) if r or select_all == "page" else ()
        audience = Audience.SELECTION if ids else Audience.ALL
        return _message_page(
            event,
            MessageForm({"audience": audience.value}),
            selection=await _selection_view(event_id, ids),
        )

    @post(
        paths.MESSAGE_PREVIEW,
        name="organiser_message_preview",
        opt={ACCESS: Access.EVENT_MANAGE},
        status_code=200,
    )
    async def message_preview(
        self, settings: NamedDependency[Settings], event_id: FromPath[int], data: FormBody
    ) -> Template:
        """The message as one recipient will see it, and how many get it."""
        event = await organiser_mail.event(event_id)
        ids = await _chosen(event_id, data)
        message, errors = organiser_mail.check_message(data, ids)
        form = MessageForm(dict(data), errors)
        chosen = await _selection_view(event_id, ids)
        if message is None:
            return _message_page(event, form, status=HTTP_400_BAD_REQUEST, selection=chosen)
        preview = await organiser_mail.preview(event, message, settings.base_url)
        return _message_page(event, form, preview=preview, selection=chosen)

    @post(
        paths.MESSAGE,
        name="organiser_message_send",
        opt={ACCESS: Access.EVENT_MANAGE},
        status_code=HTTP_303_SEE_OTHER,
    )
    async def message_send(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        event_id: FromPath[int],
        data: FormBody,
    ) -> Redirect | Template:
        """Enqueue the message, one mail per recipient, all or none; then to its outbox rows
        for administrators, to the event's overview for its managers (the outbox is not theirs:
        a refusal there would read as a failed send, and invite sending twice)."""
        event = await organiser_mail.event(event_id)
        ids = await _chosen(event_id, data)
        message, errors = organiser_mail.check_message(data, ids)
        if message is None:
            return _message_page(
                event,
                MessageForm(dict(data), errors),
                status=HTTP_400_BAD_REQUEST,
                selection=await _selection_view(event_id, ids),
            )
        await organiser_mail.send(db, event_id, message, now, actor=actor)
        permissions = request_permissions(request)
        if permissions is not None and permissions.allows(Access.ADMIN):
            return _back("", str(event_id))
        return Redirect(
            path=paths.event_overview(event_id),
            query_params={"notice": "message_sent"},
            status_code=HTTP_303_SEE_OTHER,
        )
