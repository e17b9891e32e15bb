"""The German addresses of before: each answers with a permanent redirect to its English one.

GET answers 301 (the address changed for good: bookmarks and links in sent mails follow it); POST
answers 308, so a form sent from a page still open in an old tab arrives at the new address with
its body (its CSRF token is checked here already, and again there).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, route
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from litestar.status_codes import HTTP_301_MOVED_PERMANENTLY, HTTP_308_PERMANENT_REDIRECT

from app import paths


def _moved(old: str, new: str) -> HTTPRouteHandler:
    @route(old, http_method=["GET", "POST"], include_in_schema=False, opt={"moved_to": new})
    async def moved(request: Request[Any, Any, Any]) -> Redirect:
        target = paths.fill(new, **request.path_params)
        query = request.scope["query_string"].decode("latin-1")
        location = f"{target}?{query}" if query else target
        if request.method == "GET":
            return Redirect(path=location, status_code=HTTP_301_MOVED_PERMANENTLY)
        return Redirect(path=location, status_code=HTTP_308_PERMANENT_REDIRECT)

    return moved


def moved_handlers() -> list[HTTPRouteHandler]:
    """One redirecting handler per address in :data:`app.paths.MOVED`."""
    return [_moved(old, new) for old, new in paths.MOVED]
