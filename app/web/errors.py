"""Domain and HTTP errors mapped to responses, in one place.

Browser routes get HTML pages in the reader's language; ``/api`` routes get RFC 9457 problem
details (in English, for programs).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.exceptions.responses import create_debug_response
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ExceptionHandler, ExceptionHandlersMap
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app import paths
from app.db.database import UNAVAILABLE_ERRORS, is_unavailable
from app.domain.errors import CapacityConflict, InvalidInput, NotFound, RegistrationClosed
from app.i18n import N_, _, set_language
from app.web import organiser_texts, texts
from app.web.auth import (
    AccessDenied,
    EnrolmentRequired,
    SecondStepRequired,
    SignInRequired,
    sign_in_location,
)
from app.web.bodies import PAGE_MESSAGES, UnreadableBody
from app.web.language import choose_language
from app.web.pages import PageLink, message_page

logger = logging.getLogger("treffpunkt.web")

API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details."""

    title: str
    status: int
    type: str = "about:blank"
    detail: str | None = None
    errors: dict[str, str] | None = None


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(API_PREFIX)


def problem(
    status: int, title: str, detail: str | None = None, errors: dict[str, str] | None = None
) -> Response[Problem]:
    """A problem details response."""
    return Response(
        Problem(title=title, status=status, detail=detail, errors=errors),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


_PAGE_TEXTS = {
    HTTP_400_BAD_REQUEST: (
        N_("Ungültige Anfrage"),
        N_("Die Anfrage konnte nicht verarbeitet werden. Bitte prüfen Sie Ihre Eingaben."),
    ),
    HTTP_401_UNAUTHORIZED: (
        N_("Bitte melden Sie sich an"),
        N_("Diese Seite ist nur für angemeldete Organisatorinnen und Organisatoren."),
    ),
    HTTP_403_FORBIDDEN: (
        N_("Anfrage abgelehnt"),
        N_(
            "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die Seite "
            "neu und senden Sie das Formular noch einmal ab."
        ),
    ),
    HTTP_404_NOT_FOUND: (
        N_("Seite nicht gefunden"),
        N_(
            "Diese Seite gibt es nicht (mehr). Bitte prüfen Sie die Adresse oder beginnen Sie "
            "auf der Startseite."
        ),
    ),
    HTTP_405_METHOD_NOT_ALLOWED: (
        N_("Nicht möglich"),
        N_("Diese Aktion ist hier nicht möglich."),
    ),
    HTTP_409_CONFLICT: (
        N_("Anmeldung nicht möglich"),
        N_("Eine Anmeldung ist derzeit nicht möglich."),
    ),
    HTTP_413_REQUEST_ENTITY_TOO_LARGE: (
        N_("Zu groß"),
        N_(
            "Die gesendeten Daten sind zu groß. Eine Datei zum Hochladen muss kleiner sein; "
            "bitte teilen Sie sie auf."
        ),
    ),
    HTTP_429_TOO_MANY_REQUESTS: (
        N_("Zu viele Anfragen"),
        N_(
            "Von Ihrem Anschluss kamen in kurzer Zeit sehr viele Anmeldungen. Bitte warten Sie "
            "eine Minute und senden Sie das Formular dann noch einmal ab (mit „Zurück“ ist es "
            "noch ausgefüllt)."
        ),
    ),
    HTTP_500_INTERNAL_SERVER_ERROR: (
        N_("Ein Fehler ist aufgetreten"),
        N_("Es ist ein technischer Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."),
    ),
    HTTP_503_SERVICE_UNAVAILABLE: (
        N_("Dienst nicht erreichbar"),
        N_(
            "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es in einer Minute noch "
            "einmal."
        ),
    ),
}


def _page(status: int, message: str | None = None) -> Response[Any]:
    """A message page for ``status``; ``message`` (already translated) replaces the default."""
    title, default = _PAGE_TEXTS.get(status, _PAGE_TEXTS[HTTP_400_BAD_REQUEST])
    return message_page(_(title), message or _(default), status_code=status)


def handle_not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    """No such event or token: 404."""
    if _is_api(request):
        return problem(HTTP_404_NOT_FOUND, "Not found")
    return _page(HTTP_404_NOT_FOUND)


def handle_closed(request: Request[Any, Any, Any], exc: RegistrationClosed) -> Response[Any]:
    """Registration refused (window, cancelled, full, opt-in hold expired): 409 with the reason.

    A refused form is drawn again by its controller (``app.web.forms.submit``); this answers
    the rest.
    """
    if _is_api(request):
        return problem(HTTP_409_CONFLICT, "Registration not possible", detail=exc.reason)
    return closed_page(exc.reason)


def closed_page(reason: str, *, event_slug: str | None = None) -> Response[Any]:
    """The page saying why a registration step was refused; ``event_slug`` links back to it."""
    if reason != texts.HOLD_EXPIRED:
        return _page(HTTP_409_CONFLICT, texts.closed_reason(reason))
    # 409, not 410: the confirmation conflicts with the registration's state (its hold ran out,
    # the seat went back). 410 would say the resource itself is gone for good, yet the personal
    # page behind the same token still exists and shows the cancelled registration.
    link = (
        PageLink(href=paths.event(event_slug) + "#register", label=_("Erneut anmelden"))
        if event_slug is not None
        else None
    )
    return message_page(
        _(texts.HOLD_EXPIRED_TITLE),
        texts.closed_reason(texts.HOLD_EXPIRED),
        status_code=HTTP_409_CONFLICT,
        link=link,
    )


def handle_invalid(request: Request[Any, Any, Any], exc: InvalidInput) -> Response[Any]:
    """Bad input: 400 with an error code per field (a form's controller redraws the form)."""
    if _is_api(request):
        return problem(HTTP_400_BAD_REQUEST, "Invalid input", errors=exc.errors)
    return _page(HTTP_400_BAD_REQUEST)


def handle_capacity_conflict(
    request: Request[Any, Any, Any], exc: CapacityConflict
) -> Response[Any]:
    """The database refused a seat the rules saw free: a bug, reported as a conflict."""
    logger.error("capacity conflict: %s", exc)
    if _is_api(request):
        return problem(HTTP_409_CONFLICT, "Conflict")
    return _page(HTTP_409_CONFLICT, _("Bitte versuchen Sie es noch einmal."))


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own errors (404 route, 403 CSRF, 405, 400 validation …)."""
    # An address no route matches never passes the middleware that picks the reader's language.
    set_language(choose_language(request.scope)[0])
    status = exc.status_code
    if _is_api(request):
        extra = exc.extra if isinstance(exc.extra, dict) else None
        detail = exc.detail if status < HTTP_500_INTERNAL_SERVER_ERROR else None
        response = problem(status, _title(status), detail=detail)
        if extra:
            logger.debug("request rejected: %s", extra)
        return _with_headers(response, exc.headers)
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        return _page(HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, AccessDenied):
        return message_page(
            _("Keine Berechtigung"),
            _(
                "Ihr Konto darf diese Seite nicht öffnen: Sie ist der Verwaltung, den "
                "Verantwortlichen der Veranstaltung oder ihrem Einlass vorbehalten. Bitte wenden "
                "Sie sich an eine Administratorin oder einen Administrator."
            ),
            status_code=status,
            link=PageLink(href=paths.organiser_home(), label=_("Zur Übersicht")),
        )
    if isinstance(exc, UnreadableBody) and exc.detail in PAGE_MESSAGES:
        return _page(status, _(PAGE_MESSAGES[exc.detail]))
    if status == HTTP_429_TOO_MANY_REQUESTS and request.url.path.startswith(paths.ORGANISER):
        return _with_headers(_page(status, _(organiser_texts.TOO_MANY_SIGN_INS)), exc.headers)
    return _with_headers(_page(status), exc.headers)


def handle_not_authorized(
    request: Request[Any, Any, Any], exc: NotAuthorizedException
) -> Response[Any]:
    """No organiser session: pages redirect to the sign-in, everything else gets 401."""
    path = request.scope["path"]
    if isinstance(exc, EnrolmentRequired):
        # Every method: a form sent from a page opened before must not go through either.
        return Redirect(path=paths.two_factor(), status_code=HTTP_303_SEE_OTHER)
    if request.method == "GET" and isinstance(exc, SecondStepRequired):
        return Redirect(path=paths.sign_in_code(), status_code=HTTP_303_SEE_OTHER)
    if request.method == "GET" and isinstance(exc, SignInRequired):
        query = request.scope.get("query_string", b"").decode("latin-1")
        return Redirect(path=sign_in_location(path, query), status_code=HTTP_303_SEE_OTHER)
    if _is_api(request):
        # Keeps the challenge (RFC 6750: ``WWW-Authenticate: Bearer ...``).
        return _with_headers(
            problem(HTTP_401_UNAUTHORIZED, "Unauthorized", detail=exc.detail or None),
            exc.headers,
        )
    title, message = _PAGE_TEXTS[HTTP_401_UNAUTHORIZED]
    return message_page(
        _(title),
        _(message),
        status_code=HTTP_401_UNAUTHORIZED,
        link=PageLink(href=sign_in_location(path), label=_("Zur Anmeldung")),
    )


def handle_internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything unexpected: a plain 500 without internals (debug mode shows tracebacks)."""
    logger.exception("unhandled error", exc_info=exc)
    if _is_api(request):
        return problem(HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error")
    return _page(HTTP_500_INTERNAL_SERVER_ERROR)


#: How long a client should wait when the database (or Redis) cannot be reached.
RETRY_AFTER_SECONDS = 60
#: Redis (``REDIS_URL``, the throttles' counts) out of reach is the same kind of outage.
_REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def unavailable_handler(*, debug: bool) -> ExceptionHandler[Any]:
    """The handler for errors that may mean the database (or Redis) is out of reach.

    Those answer 503 with ``Retry-After``, never a trace; the same classes also carry bugs (an
    ``OSError`` of a file, SQLite's "no such table"), which stay 500 (debug: with the trace).
    """

    def handle_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        if not (is_unavailable(exc) or isinstance(exc, _REDIS_UNAVAILABLE)):
            if debug:
                return create_debug_response(request, exc)
            return handle_internal(request, exc)
        # The error's text names the host or file at most, never a password or the request.
        logger.warning("service unavailable: %s: %s", type(exc).__name__, exc)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if _is_api(request):
            response = problem(
                HTTP_503_SERVICE_UNAVAILABLE,
                "Service unavailable",
                detail="The database cannot be reached just now. Please retry in a minute.",
            )
        else:
            response = _page(HTTP_503_SERVICE_UNAVAILABLE)
        return _with_headers(response, headers)

    return handle_unavailable


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _with_headers(response: Response[Any], headers: Mapping[str, str] | None) -> Response[Any]:
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def exception_handlers(*, debug: bool) -> ExceptionHandlersMap:
    """The handlers for ``Litestar(exception_handlers=...)``."""
    handlers: ExceptionHandlersMap = {
        NotFound: handle_not_found,
        RegistrationClosed: handle_closed,
        InvalidInput: handle_invalid,
        CapacityConflict: handle_capacity_conflict,
        NotAuthorizedException: handle_not_authorized,
        HTTPException: handle_http,
    }
    unavailable = unavailable_handler(debug=debug)
    for error in (*UNAVAILABLE_ERRORS, *_REDIS_UNAVAILABLE):
        handlers[error] = unavailable
    if not debug:
        handlers[HTTP_500_INTERNAL_SERVER_ERROR] = handle_internal
    return handlers
