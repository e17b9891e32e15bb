"""Registering, the personal page behind the token, and cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from app.db.database import Database
from app.domain.model import RegistrationStatus
from app.services import events as event_service
from app.services import registrations
from app.web import texts
from app.web.errors import remember_form
from app.web.params import FormBody
from app.web.throttling import THROTTLED
from app.web.views import personal_view, public_event_view


class RegistrationController(Controller):
    """The registration flow; its pages carry personal data, so they stay out of caches."""

    include_in_schema = False

    @post(
        "/events/{slug:str}/register",
        name="register",
        status_code=HTTP_303_SEE_OTHER,
        opt={THROTTLED: True},
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        slug: FromPath[str],
        data: FormBody,
    ) -> Redirect | Template:
        """Register; refused or invalid forms come back filled in (see ``app.web.errors``)."""
        event = await event_service.get_public(slug)
        remember_form(request, event, data)
        outcome = await registrations.register(db, slug, data, now=now)
        if not outcome.created:
            # Say nothing about the existing registration: the link goes to its owner by mail.
            return Template(
                template_name="already_registered.html",
                context={"event": public_event_view(event, now)},
            )
        return Redirect(
            path=f"/r/{outcome.registration.token}",
            query_params={"neu": "1"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @get("/r/{token:str}", name="personal")
    async def personal(
        self,
        token: FromPath[str],
        now: NamedDependency[dt.datetime],
        neu: FromQuery[str | None] = None,
    ) -> Template:
        """The registrant's own page: details, status, Zoom data when confirmed, cancel."""
        registration, event = await registrations.personal_view(token)
        banner = ""
        if neu == "1" and registration.status is not RegistrationStatus.CANCELLED:
            position = await registrations.waitlist_position(registration, now)
            banner = texts.thank_you(registration.status, position)
        return Template(
            template_name="personal.html",
            context={"page": personal_view(registration, event, now, banner=banner)},
        )

    @post(
        "/r/{token:str}/cancel",
        name="cancel",
        status_code=HTTP_303_SEE_OTHER,
        opt={THROTTLED: True},
    )
    async def cancel(
        self, db: NamedDependency[Database], now: NamedDependency[dt.datetime], token: FromPath[str]
    ) -> Redirect:
        """Cancel the registration; a freed seat goes to the waiting list."""
        await registrations.cancel(db, token, now=now)
        return Redirect(path=f"/r/{token}", status_code=HTTP_303_SEE_OTHER)
