"""Languages: choosing one, falling back to German, and catalogs that cover every text."""

from __future__ import annotations

from typing import cast

import pytest
from litestar.types import Scope

from app import i18n
from app.i18n_tools import problems
from app.web.language import choose_language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("uk-UA,uk;q=0.9,en;q=0.8", "uk"),
        ("en-GB,en;q=0.9,de;q=0.8", "en"),
        ("fr-FR,fr;q=0.9", "de"),
        ("fr;q=1,en;q=0.5,uk;q=0.7", "uk"),
        ("", "de"),
        ("en;q=abc,de", "de"),
        ("en;q=0", "de"),
        ("*", "de"),
        ("x" * 5000, "de"),
    ],
)
def test_accept_language(header, language):
    assert i18n.negotiate(header) == language


@pytest.mark.parametrize(
    ("code", "language"),
    [("en", "en"), ("UK", "uk"), ("uk-UA", "uk"), ("en_GB", "en"), ("xx", "de"), ("", "de")],
)
def test_unknown_codes_fall_back_to_german(code, language):
    assert i18n.supported(code) == language


def _scope(query: bytes = b"", cookie: str = "", accept: str = "") -> Scope:
    headers = []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if accept:
        headers.append((b"accept-language", accept.encode()))
    # Only the keys choose_language reads, not a whole ASGI scope.
    return cast("Scope", {"type": "http", "query_string": query, "headers": headers})


def test_the_url_beats_the_cookie_which_beats_the_browser():
    assert choose_language(_scope(b"lang=en", "treffpunkt_lang=uk", "de")) == ("en", True)
    assert choose_language(_scope(b"", "treffpunkt_lang=uk", "en")) == ("uk", False)
    assert choose_language(_scope(b"", "", "uk,en;q=0.5")) == ("uk", False)
    assert choose_language(_scope(b"lang=%3Cscript%3E", "", "uk")) == ("de", True)
    assert choose_language(_scope(b"", "treffpunkt_lang=fr; other=1", "en")) == ("en", False)
    assert choose_language(_scope(b"", 'treffpunkt_lang="; x', "en")) == ("en", False)


def test_the_language_is_used_inside_the_block_only():
    with i18n.use_language("uk"):
        assert i18n.current_language() == "uk"
        with i18n.use_language("nonsense"):
            assert i18n.current_language() == "de"
        assert i18n.current_locale() == "uk_UA"
    assert i18n.current_language() == "de"


def test_every_marked_text_has_a_translation_in_all_three_languages():
    missing = problems()
    assert missing == [], (
        "\n".join(missing[:50]) + "\n(python -m app.i18n_tools update, then translate)"
    )


def test_the_coverage_check_finds_a_text_without_translation(tmp_path):
    from app.i18n_tools import _JINJA, Area

    (tmp_path / "page.html").write_text('<p>{{ _("Nur auf Deutsch") }}</p>', encoding="utf-8")
    (tmp_path / "code.py").write_text('from app.i18n import _\n_("Auch nur Deutsch")\n')
    area = Area(
        "not-a-real-area",
        ((str(tmp_path), (("**.html", _JINJA), ("**.py", "python"))),),
    )
    found = problems([area])
    assert len(found) == 6  # two texts, three languages
    assert any("uk/not-a-real-area.po lacks 'Nur auf Deutsch'" in line for line in found)
