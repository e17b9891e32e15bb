"""The bare render: ``templates/event.html`` with the event page's context, no database.

The context comes from the app's own page code (``app.web.pages.event_page``) for the
benchmark event, so this measures Litestar, Jinja and the view code together: what the event
page would cost if reading the event were free.
"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.config.csrf import CSRFConfig
from litestar.response import Template

from app.clock import system_clock
from app.domain.rules import availability
from app.services.events import PublicEvent
from app.web.pages import event_page
from app.web.templating import template_config
from tests.bench.events import bench_event
from tests.bench.servers import APP_ENVIRONMENT

NOW = system_clock()
EVENT = bench_event(NOW, "bench-render")
PUBLIC = PublicEvent(EVENT, {mode: availability(EVENT, mode, 0) for mode in EVENT.modes})


@get("/event")
async def event() -> Template:
    """The event page's template and context."""
    return event_page(PUBLIC, NOW)


app = Litestar(
    route_handlers=[event],
    template_config=template_config("http://127.0.0.1", reload=False),
    # The form's hidden token needs it, as on the real page.
    csrf_config=CSRFConfig(secret=APP_ENVIRONMENT["SECRET_KEY"], cookie_name="treffpunkt_csrf"),
)
