"""Throttling of the forms that write: registration and cancellation, per client address."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig

#: Route handlers marked with this ``opt`` key are throttled.
THROTTLED = "throttled"


def _is_throttled(request: Request[Any, Any, Any]) -> bool:
    return bool(request.route_handler.opt.get(THROTTLED))


def write_throttle(per_minute: int) -> RateLimitConfig | None:
    """Litestar's rate limiter for the marked handlers; ``None`` when ``per_minute`` is 0.

    Counts live in the app's ``rate_limit`` store (memory by default, so per process); pages and
    the API are not throttled.
    """
    if per_minute <= 0:
        return None
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        check_throttle_handler=_is_throttled,
        exclude_opt_key="exclude_from_throttle",
    )
