"""Registering, the personal page behind the token, confirming (double opt-in), cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from app import paths
from app.db.database import Database
from app.domain.model import RegistrationStatus
from app.i18n import _
from app.services import certificates, registrations
from app.services.privacy_notice import CurrentNotice
from app.web import texts
from app.web.errors import closed_page
from app.web.forms import Refusal, registration_field, registration_request, submit
from app.web.page_cache import PageCache
from app.web.pages import event_page, public_event
from app.web.params import FormBody
from app.web.throttling import THROTTLED
from app.web.views import hold_deadline, personal_view, public_event_view


class RegistrationController(Controller):
    """The registration flow; its pages carry personal data, so they stay out of caches."""

    include_in_schema = False

    @post(
        paths.REGISTER,
        name="register",
        status_code=HTTP_303_SEE_OTHER,
        opt={THROTTLED: True},
    )
    async def register(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        slug: FromPath[str],
        data: FormBody,
        privacy_notice: NamedDependency[CurrentNotice],
        page_cache: NamedDependency[PageCache],
    ) -> Redirect | Template:
        """Register; refused or invalid forms come back filled in, with a message per field."""
        event = await public_event(page_cache, slug, now)
        request = registration_request(data, await privacy_notice.consent_version(db, now))
        outcome = await submit(
            lambda: registrations.register(db, slug, request, now=now, event=event.event),
            form_field=registration_field,
        )
        if isinstance(outcome, Refusal):
            return event_page(
                event,
                now,
                values=data,
                error_codes=outcome.error_codes,
                refused=outcome.reason or None,
                status_code=outcome.status_code,
            )
        if not outcome.created:
            # Say nothing about the existing registration: the link goes to its owner by mail.
            return Template(
                template_name="already_registered.html",
                context={"event": public_event_view(event, now)},
            )
        if outcome.registration.status is RegistrationStatus.PENDING:
            # Double opt-in proves that whoever registered reads the mailbox. The personal link
            # carries the confirm button, so it must reach them by mail only, never here.
            message = texts.thank_you(
                RegistrationStatus.PENDING,
                None,
                hold_until=hold_deadline(outcome.registration, event.event),
            )
            return Template(
                template_name="check_mailbox.html",
                context={"event": public_event_view(event, now), "message": message},
            )
        return Redirect(
            path=paths.personal(outcome.registration.token),
            query_params={"new": "1"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @get(paths.PERSONAL, name="personal")
    async def personal(
        self,
        token: FromPath[str],
        now: NamedDependency[dt.datetime],
        new: FromQuery[str | None] = None,
        confirmed: FromQuery[str | None] = None,
        certificate: FromQuery[str | None] = None,
    ) -> Template:
        """The registrant's own page: details, status, confirm, Zoom data when confirmed, cancel."""
        registration, event = await registrations.personal_view(token)
        banner = ""
        if new == "1" and registration.status is not RegistrationStatus.CANCELLED:
            position = await registrations.waitlist_position(registration, now)
            banner = texts.thank_you(registration.status, position)
        elif confirmed == "1" and registration.status is RegistrationStatus.CONFIRMED:
            banner = _(texts.CONFIRMED_BANNER)
        elif certificate in texts.CERTIFICATE_BANNERS:
            banner = _(texts.CERTIFICATE_BANNERS[certificate])
        return Template(
            template_name="personal.html",
            context={"page": personal_view(registration, event, now, banner=banner)},
        )

    @get(paths.PERSONAL_CANCEL, name="cancel_confirm")
    async def cancel_confirm(
        self, token: FromPath[str], now: NamedDependency[dt.datetime]
    ) -> Template | Redirect:
        """Asks once before cancelling: what happens, and the button that does it.

        A page of its own (no JavaScript needed); a registration that can no longer be
        cancelled goes back to its personal page.
        """
        registration, event = await registrations.personal_view(token)
        page = personal_view(registration, event, now)
        if not page.can_cancel:
            return Redirect(path=paths.personal(token), status_code=HTTP_303_SEE_OTHER)
        return Template(template_name="cancel.html", context={"page": page})

    @post(
        paths.PERSONAL_CANCEL,
        name="cancel",
        status_code=HTTP_303_SEE_OTHER,
        opt={THROTTLED: True},
    )
    async def cancel(
        self, db: NamedDependency[Database], now: NamedDependency[dt.datetime], token: FromPath[str]
    ) -> Redirect:
        """Cancel the registration; a freed seat goes to the waiting list."""
        await registrations.cancel(db, token, now=now)
        return Redirect(path=paths.personal(token), status_code=HTTP_303_SEE_OTHER)

    # A form button, not a link in the mail: mail scanners and link previews open every link in
    # a message, and a GET must never change state, or a scanner would confirm an address that
    # nobody read. The opt-in mail links to the personal page, which shows this button.
    @post(
        paths.PERSONAL_CONFIRM,
        name="confirm",
        status_code=HTTP_303_SEE_OTHER,
        opt={THROTTLED: True},
    )
    async def confirm(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        token: FromPath[str],
    ) -> Redirect | Response[Any]:
        """Double opt-in: confirm the address; an expired hold gets a page to register again."""
        _, event = await registrations.personal_view(token)
        refused = await submit(lambda: registrations.confirm_address(db, token, now=now))
        if isinstance(refused, Refusal):
            return closed_page(refused.reason, event_slug=event.slug)
        return Redirect(
            path=paths.personal(token),
            query_params={"confirmed": "1"},
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(
        paths.PERSONAL_CERTIFICATE,
        name="personal_certificate",
        status_code=HTTP_303_SEE_OTHER,
        opt={THROTTLED: True},
    )
    async def request_certificate(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[dt.datetime],
        token: FromPath[str],
    ) -> Redirect:
        """Send the certificate of attendance by mail (after the event, to those who came)."""
        asked = await certificates.request_certificate(db, token, now)
        answer = (
            asked.state.value
            if asked.outcome is certificates.RequestOutcome.REFUSED
            else asked.outcome.value
        )
        return Redirect(
            path=paths.personal(token),
            query_params={"certificate": answer},
            status_code=HTTP_303_SEE_OTHER,
        )
