"""Jinja2 for the pages: the templates folder, autoescaping, filters and the static files."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import pass_context
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.runtime import Context
from litestar import Request
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from app import formatting, i18n, paths
from app.domain.roles import EVENT_RULES, Access
from app.resources import TEMPLATES_PACKAGE, app_folder, package_folder
from app.web.organiser_workspace import Entry, Workspace, workspace

#: The page templates: the repository's ``templates/``, installed as ``app._templates``.
TEMPLATES_DIR: Path = package_folder(TEMPLATES_PACKAGE)
STATIC_DIR: Path = app_folder("static")
STATIC_PATH = paths.STATIC
#: Asset URLs carry a content hash (``?v=``), so browsers may keep them for a year.
STATIC_MAX_AGE = 365 * 24 * 3600


@lru_cache(maxsize=128)
def static_url(file_path: str) -> str:
    """The URL of a static asset, versioned by its content."""
    path = (STATIC_DIR / file_path).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise FileNotFoundError(file_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{STATIC_PATH}/{file_path}?v={digest}"


@pass_context
def can(context: Context, rule: Access | str, event_id: int | None = None) -> bool:
    """Whether the signed-in organiser passes ``rule`` (for ``event_id``): the guard's own check,
    for templates to show only the links and sections the organiser may open.

    ``{% if can(Access.EVENT_MANAGE, event.id) %}``; False outside the organisers' area.
    """
    # Imported here: app.web.auth reaches the services, which templating must not load early.
    from app.web.auth import request_permissions

    request = context.get("request")
    if not isinstance(request, Request):
        return False
    permissions = request_permissions(request)
    return permissions is not None and permissions.allows(Access(rule), event_id)


@pass_context
def organiser_workspace(
    context: Context, template: str, path_values: Mapping[str, Any], event_title: str | None
) -> Workspace:
    """The workspace around an organiser page, with the entries the organiser may open."""
    event_id = path_values.get("event_id")

    def visible(entry: Entry) -> bool:
        return can(context, entry.rule, event_id if entry.rule in EVENT_RULES else None)

    return workspace(template, path_values, event_title, visible)


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept in memory for every Jinja environment of the process.

    Each app has an environment of its own, which compiled every template anew: nothing in
    production (one app per process), but the tests build an app per test, and compiling took
    most of a page test's time. A template whose source changed (``reload``) is compiled again:
    Jinja checks the source's checksum before it uses a compiled one.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


#: Shared by all environments, which :func:`_configure` sets up alike (the options that change
#: how a template compiles are the same for all).
_COMPILED = _CompiledTemplates()


def _configure(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.bytecode_cache = _COMPILED
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    i18n.install(env)
    env.globals["static_url"] = static_url
    env.globals["paths"] = paths
    env.globals["can"] = can
    env.globals["Access"] = Access
    env.globals["organiser_workspace"] = organiser_workspace
    env.filters["event_time"] = formatting.format_event_time
    env.filters["day"] = formatting.format_day
    env.filters["short_day"] = formatting.format_short_day
    env.filters["deadline"] = formatting.format_deadline
    env.filters["moment"] = formatting.format_moment
    env.filters["clock"] = formatting.format_clock
    env.filters["german_lang"] = formatting.german_lang
    env.filters["german_span"] = formatting.german_span


def template_config(base_url: str, *, reload: bool) -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja2 with autoescaping on, reading the installed page templates.

    ``reload``: look at each template file's time on every render and read it again when it
    changed (for development: in production it is a file system call per page for nothing).
    """

    def configure(engine: JinjaTemplateEngine) -> None:
        _configure(engine)
        engine.engine.auto_reload = reload
        engine.engine.globals["subscription"] = functools.partial(subscription_links, base_url)

    return TemplateConfig(
        directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=configure
    )


@dataclass(frozen=True, slots=True)
class SubscriptionLinks:
    """Ways to subscribe to one feed: any calendar program, Google Calendar, Outlook."""

    download: str
    webcal: str
    google: str
    outlook: str


def subscription_links(base_url: str, path: str, name: str) -> SubscriptionLinks:
    """The links of the subscribe buttons for the feed at ``path`` (with its query)."""
    https_url = f"{base_url}{path}"
    # webcal:// tells the system to subscribe with its calendar program rather than download.
    webcal_url = "webcal://" + https_url.split("://", 1)[-1]
    return SubscriptionLinks(
        download=path,
        webcal=webcal_url,
        google="https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal_url}),
        outlook="https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": https_url, "name": name}),
    )


#: Longer paths and names name no file here, and the file system refuses them with an error.
_MAX_STATIC_PATH = 1_024
_MAX_FILE_NAME = 255


def refuse_unusable_file_paths(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of ``/static``: 404 for a path no file can have.

    A NUL byte (``/static/%00``) makes the file system call a ``ValueError``, an overlong path
    or name an ``OSError``: both a 500 with a logged trace in Litestar's file lookup.
    """
    path = str(request.path_params.get("file_path", ""))
    if (
        "\x00" in path
        or len(path) > _MAX_STATIC_PATH
        or any(len(part) > _MAX_FILE_NAME for part in path.split("/"))
    ):
        raise NotFoundException()


def static_files_router() -> Router:
    """``/static``: CSS and vendored assets, cached for long."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        name="static",
        cache_control=CacheControlHeader(max_age=STATIC_MAX_AGE, public=True),
        include_in_schema=False,
        before_request=refuse_unusable_file_paths,
    )
