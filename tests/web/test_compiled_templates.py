"""The compiled templates the app's Jinja environments share (``app.web.templating``)."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from app.web.templating import _CompiledTemplates


def test_a_template_changed_since_it_was_compiled_is_compiled_again() -> None:
    shared = _CompiledTemplates()
    before = Environment(loader=DictLoader({"page.html": "vorher {{ x }}"}), autoescape=True)
    before.bytecode_cache = shared
    assert before.get_template("page.html").render(x=1) == "vorher 1"
    # Another environment (another app) finds the compiled template: the same source.
    again = Environment(loader=DictLoader({"page.html": "vorher {{ x }}"}), autoescape=True)
    again.bytecode_cache = shared
    assert again.get_template("page.html").render(x=2) == "vorher 2"
    assert len(shared._compiled) == 1
    # Changed source under the same name: compiled anew, not the old code.
    after = Environment(loader=DictLoader({"page.html": "nachher {{ x }}"}), autoescape=True)
    after.bytecode_cache = shared
    assert after.get_template("page.html").render(x=3) == "nachher 3"
