"""The baseline: the smallest Litestar app, served like Treffpunkt, as this machine's ceiling."""

from __future__ import annotations

from litestar import Litestar, get


@get("/hello")
async def hello() -> str:
    """A short plain-text answer."""
    return "Hello, world!"


app = Litestar(route_handlers=[hello])
