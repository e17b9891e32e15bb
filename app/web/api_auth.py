"""Bearer authentication of the organiser API by personal API tokens (RFC 6750).

Only the ``Authorization`` header counts: the organiser session cookie never authenticates these
routes, which is why they can skip the CSRF check (a cross-site form cannot set the header).
Failed attempts are counted per client address and refused for a minute past a limit; with 256
random bits nobody guesses a token, but a client hammering with bad ones gets slowed all the same.
The count lives in the app's ``api_token_failures`` store (shared by every process with
``REDIS_URL``, see app.web.stores).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from app import paths
from app.services import api_tokens
from app.services.organisers import Organiser
from app.web.auth import check_access
from app.web.dependencies import API_ORGANISER, app_clock

ORGANISER_API_PREFIX = paths.API_ORGANISER
#: The OpenAPI security scheme's name.
SECURITY_SCHEME = "bearerAuth"
#: Where the guard leaves the authenticated organiser (``request.state``).
#: Failed authentications per client address before it must wait.
FAILED_ATTEMPTS_LIMIT = 20
FAILED_ATTEMPTS_WINDOW = 60
_FAILURES_STORE = "api_token_failures"
_REALM = 'Bearer realm="treffpunkt"'


def _client(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else "unknown"


async def require_api_token(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard: a valid, unrevoked token of an active organiser, else 401 (or 429 when hammered)."""
    store = connection.app.stores.get(_FAILURES_STORE)
    client = _client(connection)
    failures = int(await store.get(client) or 0)
    if failures >= FAILED_ATTEMPTS_LIMIT:
        raise TooManyRequestsException(headers={"Retry-After": str(FAILED_ATTEMPTS_WINDOW)})
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        # No credentials at all: no error code (RFC 6750, 3.1), and not counted as a failure.
        raise NotAuthorizedException(
            "A bearer token is required.", headers={"WWW-Authenticate": _REALM}
        )
    organiser = await api_tokens.authenticate(credentials.strip(), app_clock(connection.app)())
    if organiser is None:
        await store.set(client, str(failures + 1), expires_in=FAILED_ATTEMPTS_WINDOW)
        raise NotAuthorizedException(
            "The token is invalid or revoked.",
            headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'},
        )
    connection.state[API_ORGANISER] = organiser
    # The token acts with its organiser's rights, checked by the same rule as the pages.
    await check_access(connection, handler, organiser)


def api_organiser(connection: ASGIConnection[Any, Any, Any, Any]) -> Organiser:
    """The organiser the guard authenticated."""
    organiser = connection.state[API_ORGANISER]
    assert isinstance(organiser, Organiser)
    return organiser
