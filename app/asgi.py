"""The ASGI application: ``create_app(settings)``.

Servers may import ``app.asgi:app``, or call the factory ``app.asgi:create_served_app`` (what
``python -m app serve --workers N`` has each worker process do).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging.config import LoggingConfig

from app import i18n, paths
from app.clock import Clock, system_clock
from app.db.database import Database, is_unavailable
from app.resources import check_resources
from app.services.background import run_background
from app.services.privacy_notice import CurrentNotice, load_notice
from app.settings import Settings
from app.web.auth import TWO_FACTOR_STATE_KEY, organiser_guard, session_auth
from app.web.bodies import StrictBodyRequest, close_uploads
from app.web.controllers.api import EventsApiController
from app.web.controllers.calendar import CalendarController
from app.web.controllers.feeds import FeedsController
from app.web.controllers.health import HealthController
from app.web.controllers.invitation import InvitationController
from app.web.controllers.join import JoinController
from app.web.controllers.organiser import OrganiserAuthController, OrganiserController
from app.web.controllers.organiser_accounts import OrganiserAccountsController
from app.web.controllers.organiser_actions import OrganiserActionsController
from app.web.controllers.organiser_api import OrganiserApiController
from app.web.controllers.organiser_api_tokens import OrganiserApiTokensController
from app.web.controllers.organiser_attendance import OrganiserAttendanceController
from app.web.controllers.organiser_audit import OrganiserAuditController
from app.web.controllers.organiser_data import OrganiserDataController
from app.web.controllers.organiser_events import OrganiserEventsController
from app.web.controllers.organiser_invitations import OrganiserInvitationsController
from app.web.controllers.organiser_mail import OrganiserMailController
from app.web.controllers.organiser_materials import OrganiserMaterialsController
from app.web.controllers.organiser_registrations import OrganiserRegistrationsController
from app.web.controllers.organiser_two_factor import OrganiserTwoFactorController
from app.web.controllers.organiser_webhooks import OrganiserWebhooksController
from app.web.controllers.organiser_zoom import OrganiserZoomController
from app.web.controllers.personal_data import PersonalDataController
from app.web.controllers.public import PublicController
from app.web.controllers.registration import RegistrationController
from app.web.cors import PublicApiCors
from app.web.dependencies import CLOCK_STATE_KEY, DatabaseHolder, dependencies
from app.web.errors import exception_handlers
from app.web.language import language_middleware
from app.web.moved import moved_handlers
from app.web.openapi import openapi_config
from app.web.page_cache import PageCache, PageCachedLitestar
from app.web.params import check_request
from app.web.security import security_headers
from app.web.stores import store_registry
from app.web.templating import static_files_router, template_config
from app.web.throttling import login_throttle, write_throttle

#: The largest request body accepted, in bytes: a 1 MB form or JSON body is far beyond any real one.
REQUEST_MAX_BODY_SIZE = 1_000_000


logger = logging.getLogger("treffpunkt.web")


def create_app(
    settings: Settings | None = None, *, database: Database | None = None, clock: Clock
) -> Litestar:
    """The application for ``settings`` (default: from the environment), on ``clock``.

    ``clock`` is the only source of the time for every request, the error pages, the API's
    token checks and the background work; servers pass :func:`app.clock.system_clock`, tests a
    clock of their own.

    A given ``database`` must be connected and migrated; the app uses it and leaves it open.
    Otherwise the app opens the database named by the settings on start-up and closes it on
    shutdown. Migrations are the command line's job, not the app's. With
    ``settings.mail_sender_in_serve`` the app sends mail (and releases expired opt-in holds)
    in the background while it runs. The privacy notice in force is read from
    ``PRIVACY_NOTICE_DIR`` here (a missing one fails now) and recorded on start-up. So are the
    templates, catalogs and fonts the package ships: a missing or unreadable one raises
    :class:`app.resources.ResourceError` naming it, rather than a 500 on the first request.
    """
    check_resources()
    for language in i18n.LANGUAGES:
        # Compiled once per process, now: lazily, the first visitors of each language waited
        # for it (half a second under load), and every request behind them.
        i18n.translations(language)
    settings = settings or Settings.from_env()
    holder = DatabaseHolder(database)
    privacy_notice = CurrentNotice(load_notice(settings))

    @asynccontextmanager
    async def open_database(_: Litestar) -> AsyncIterator[None]:
        if holder.database is not None:
            yield
            return
        db = Database.from_url(
            settings.database_url,
            sqlite_readers=settings.sqlite_readers,
            pool_size=settings.database_pool_size,
            lock_timeout=settings.database_lock_timeout,
        )
        await db.connect()
        holder.database = db
        try:
            yield
        finally:
            holder.database = None
            await db.close()

    @asynccontextmanager
    async def record_privacy_notice(_: Litestar) -> AsyncIterator[None]:
        # Several processes may start at once: recording is idempotent and conflict-free.
        assert holder.database is not None
        try:
            # The ping goes to this app's database itself; a database that is out of reach
            # must not keep the app from starting (it answers 503 until the database is back,
            # and the notice is recorded before the first registration instead).
            await holder.database.ping()
            await privacy_notice.recorded(holder.database, clock())
        except Exception as error:
            if not is_unavailable(error):
                raise
            logger.warning("database unavailable at start: privacy notice recorded later")
        yield

    @asynccontextmanager
    async def send_mail(_: Litestar) -> AsyncIterator[None]:
        if not settings.mail_sender_in_serve:
            yield
            return
        stop = asyncio.Event()
        assert holder.database is not None
        task = asyncio.create_task(run_background(holder.database, settings, stop, clock=clock))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)

    page_cache = PageCache(clock, holder.writes_committed)
    stores, close_stores = store_registry(settings.redis_url)
    throttles = [
        throttle.middleware
        for throttle in (
            write_throttle(settings.registration_rate_limit),
            login_throttle(settings.login_rate_limit),
        )
        if throttle is not None
    ]
    app = PageCachedLitestar(
        route_handlers=[
            PublicController,
            CalendarController,
            FeedsController,
            RegistrationController,
            PersonalDataController,
            JoinController,
            InvitationController,
            EventsApiController,
            organiser_router(settings),
            OrganiserApiController,
            HealthController,
            static_files_router(),
            *moved_handlers(),
        ],
        dependencies=dependencies(holder, settings, page_cache, privacy_notice, clock),
        state=State({CLOCK_STATE_KEY: clock, TWO_FACTOR_STATE_KEY: settings.organiser_2fa}),
        lifespan=[open_database, record_privacy_notice, send_mail, close_stores],
        stores=stores,
        template_config=template_config(settings.base_url, reload=settings.debug),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="treffpunkt_csrf",
            cookie_secure=settings.cookies_secure,
            cookie_httponly=True,
            cookie_samesite="lax",
            # Calendar files are fetched by programs and hold no form. The organiser API is
            # authenticated by the Authorization header only, which a cross-site form cannot
            # send (the session cookie never counts there; see app.web.api_auth).
            exclude=[r"\.ics$", "^" + re.escape(paths.API_ORGANISER + "/")],
        ),
        openapi_config=openapi_config(),
        exception_handlers=exception_handlers(debug=settings.debug),
        # Litestar would log every handled domain error (a 404 for an unknown token included)
        # with the request path, which holds personal tokens. Unexpected errors are logged by
        # app.web.errors without the path; DEBUG shows their traceback in the response.
        # Litestar's own records go to the root logger, whose one format the command line sets
        # (app.logs); Litestar would otherwise give its logger and the root a format of its own.
        logging_config=LoggingConfig(
            log_exceptions="never",
            configure_root_logger=False,
            loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
        ),
        before_send=[
            security_headers(https=settings.cookies_secure, embed_origins=settings.embed_origins),
            close_uploads,
        ],
        before_request=check_request,
        # Form bodies strictly UTF-8, JSON bodies of bounded depth (see app.web.bodies).
        request_class=StrictBodyRequest,
        # Forms and API bodies are a few KiB; Litestar's default is 10 MB (413 above).
        request_max_body_size=REQUEST_MAX_BODY_SIZE,
        # Public pages are answered from the page cache before all of this (PageCachedLitestar);
        # the session is loaded only on the organiser router (see organiser_router).
        middleware=[language_middleware(secure_cookie=settings.cookies_secure), *throttles],
        debug=settings.debug,
    )
    app.page_cache = page_cache
    if settings.embed_origins:
        app.cors = PublicApiCors(frozenset(settings.embed_origins))
    return app


class FreshRouter(Router):
    """A router built for one app, which Litestar need not copy when it is registered.

    ``Router.register`` deep-copies a router it is given, so one router could be shared by several
    apps; that copy was a third of the time to build the app (0.3–0.7 s, paid by every web test).
    :func:`organiser_router` builds new routers for every app, so registering the router itself
    is safe: its handlers still find their owners (this router, then the app) as before.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> FreshRouter:
        return self


def organiser_router(settings: Settings) -> Router:
    """The organisers' area: the session loads the organiser, a guard refuses who is not one.

    The guard sits on the inner router, so every organiser page added there is protected; only
    the sign-in stays outside it. The same guard checks the rule each route declares in its
    ``opt`` (``app.domain.roles.Access``).
    """
    return FreshRouter(
        path=paths.ORGANISER,
        middleware=[session_auth(settings).middleware],
        route_handlers=[
            OrganiserAuthController,
            FreshRouter(
                path="/",
                guards=[organiser_guard],
                route_handlers=[
                    OrganiserController,
                    OrganiserEventsController,
                    OrganiserMaterialsController,
                    OrganiserRegistrationsController,
                    OrganiserActionsController,
                    OrganiserDataController,
                    OrganiserAttendanceController,
                    OrganiserMailController,
                    OrganiserApiTokensController,
                    OrganiserAuditController,
                    OrganiserZoomController,
                    OrganiserTwoFactorController,
                    OrganiserWebhooksController,
                    OrganiserAccountsController,
                    # Its own layer for the upload's size: the app's 1 MB would refuse a list
                    # of a few thousand invitees; the handler tells the setting's limit itself.
                    FreshRouter(
                        path="/",
                        request_max_body_size=settings.invitation_max_upload_bytes + 1_000_000,
                        route_handlers=[OrganiserInvitationsController],
                    ),
                ],
            ),
        ],
    )


def create_served_app() -> Litestar:
    """The app a server process serves: settings from the environment, the system clock.

    An app factory for servers that start processes of their own, e.g.
    ``uvicorn --factory app.asgi:create_served_app``: each process builds its app from the same
    environment, so all of them share ``SECRET_KEY`` and ``BASE_URL``.
    """
    return create_app(Settings.from_env(), clock=system_clock)


def __getattr__(name: str) -> Any:
    # ``app.asgi:app`` for servers, built on first access so that importing this module needs
    # no SECRET_KEY.
    if name == "app":
        application = create_served_app()
        globals()["app"] = application
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
