"""OpenAPI docs: the schema as JSON and Swagger UI from vendored files, no CDN."""

from __future__ import annotations

import html
from typing import Any

from litestar import Request
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from app.web.api_auth import SECURITY_SCHEME
from app.web.security import DOCS_PREFIX
from app.web.templating import static_url


class LocalSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI loaded from ``/static`` and started by a script file (no inline script)."""

    def __init__(self) -> None:
        super().__init__(
            js_url=static_url("vendor/swagger-ui/swagger-ui-bundle.js"),
            css_url=static_url("vendor/swagger-ui/swagger-ui.css"),
            path=["/", "/swagger"],
            favicon=f'<link rel="icon" href="{static_url("favicon.svg")}">',
            style="",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The docs page; the schema is fetched from the JSON endpoint."""
        title = html.escape(str(openapi_schema["info"]["title"]))
        spec_url = html.escape(self.get_openapi_json_route(request))
        init = html.escape(static_url("swagger-init.js"))
        page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{self.favicon}
<link rel="stylesheet" href="{html.escape(self.css_url)}">
</head>
<body>
<div id="swagger-container" data-spec-url="{spec_url}"></div>
<script src="{html.escape(self.js_url)}"></script>
<script src="{init}"></script>
</body>
</html>
"""
        return page.encode()


def openapi_config() -> OpenAPIConfig:
    """``/api/schema`` (Swagger UI), ``/api/schema/openapi.json``."""
    return OpenAPIConfig(
        title="Treffpunkt API",
        version="1.0.0",
        description="Public events of the municipal partnership network, and (with a personal "
        "API token made on /organiser/api-tokens) the organisers' registrations.",
        path=DOCS_PREFIX,
        render_plugins=[LocalSwaggerRenderPlugin(), JsonRenderPlugin()],
        components=Components(
            security_schemes={
                SECURITY_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="tp_…",
                    description="An organiser's personal API token: `Authorization: Bearer tp_…`.",
                )
            }
        ),
    )
