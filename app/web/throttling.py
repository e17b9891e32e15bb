"""Throttling per client address: the registration forms, and organiser sign-in (stricter)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig

#: Route handlers marked with this ``opt`` key are throttled.
THROTTLED = "throttled"


# Both checks are coroutines: Litestar runs a plain function in a worker thread, per request.
async def _is_throttled(request: Request[Any, Any, Any]) -> bool:
    return bool(request.route_handler.opt.get(THROTTLED))


def write_throttle(per_minute: int) -> RateLimitConfig | None:
    """Litestar's rate limiter for the marked handlers; ``None`` when ``per_minute`` is 0.

    Counts live in the app's ``rate_limit`` store (memory, so per process, unless ``REDIS_URL``
    shares them: see app.web.stores); pages and the API are not throttled.
    """
    if per_minute <= 0:
        return None
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        check_throttle_handler=_is_throttled,
        exclude_opt_key="exclude_from_throttle",
    )


#: Route handlers marked with this ``opt`` key count as sign-in attempts.
LOGIN_THROTTLED = "login_throttled"


async def _is_login(request: Request[Any, Any, Any]) -> bool:
    return bool(request.route_handler.opt.get(LOGIN_THROTTLED))


def login_throttle(per_minute: int) -> RateLimitConfig | None:
    """A stricter limiter for organiser sign-in attempts; ``None`` when ``per_minute`` is 0.

    Its counts live in a store of their own, apart from the registration forms' counts.
    """
    if per_minute <= 0:
        return None
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        check_throttle_handler=_is_login,
        exclude_opt_key="exclude_from_throttle",
        store="login_rate_limit",
    )
