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
def render_markdown(source: str, *, top_heading: int = 0) -> str:
    """Safe HTML for ``source``; nh3 is the second wall should the parser ever let markup by.

    With ``top_heading``, headings move so that the text's highest becomes ``h<top_heading>``
    and the others follow (at most ``h6``): text shown below a page's own headings keeps the
    outline in order, whether its author started with ``#`` or ``##``.
    Cached by the text itself: a description renders once per process, not once per page view.
    """
    parser = _parser()
    tokens = parser.parse(source)
    headings = [t for t in tokens if t.type in ("heading_open", "heading_close")]
    if top_heading and headings:
        highest = min(int(token.tag[1:]) for token in headings)
        for token in headings:
            token.tag = f"h{min(int(token.tag[1:]) - highest + top_heading, 6)}"
    html = parser.renderer.render(tokens, parser.options, {})
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
