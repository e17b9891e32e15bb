"""Event descriptions: Markdown to HTML without raw HTML, then sanitised by an allow-list."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "commonmark" with html off: tags people type are shown as text, not passed through.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@lru_cache(maxsize=512)
def render_markdown(source: str) -> str:
    """Safe HTML for ``source``; nh3 is the second wall should the parser ever let markup by.

    Cached by the text itself: a description renders once per process, not once per page view.
    """
    html = _parser().render(source)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
