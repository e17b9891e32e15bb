"""Atom feeds (RFC 4287) of upcoming events and of reports, built with ``xml.etree``.

The tree escapes every text and attribute itself; what XML 1.0 cannot carry at all (control
characters) is dropped first. Entries name their event by a ``tag:`` URI (RFC 4151) made of the
mail domain, the day the event was created and its id, so an entry keeps its id when its title,
address or the site's address change; ``updated`` is the event's own last change, never the
moment of rendering. Nothing secret or personal goes in: no access data, no contact address,
no registrations.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from app import paths
from app.domain.model import Event, localized, shown_in_german
from app.formatting import format_event_time, format_moment
from app.i18n import N_, _
from app.services.feeds import changed_at
from app.web.markdown import render_markdown
from app.web.views import place_lines

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM_MEDIA_TYPE = "application/atom+xml"
#: An empty feed was never changed: the epoch, not the moment it is rendered.
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Characters XML 1.0 does not allow (tab, line feed and carriage return it does).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

EVENTS_TITLE = N_("Treffpunkt: kommende Veranstaltungen")
REPORTS_TITLE = N_("Treffpunkt: Berichte und Aufzeichnungen")

ET.register_namespace("", ATOM_NS)


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """Where the feed is and what it stands for, absolute."""

    #: The feed's own address (``rel="self"``), query included.
    self_url: str
    #: The page it mirrors (``rel="alternate"``).
    page_url: str


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _element(parent: ET.Element, name: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attributes)
    if text:
        element.text = _clean(text)
    return element


def _moment(moment: dt.datetime) -> str:
    """RFC 3339 in UTC, to the second."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def tag_uri(domain: str, event: Event, suffix: str = "") -> str:
    """The entry's id: ``tag:<domain>,<day created>:event/<id>[/suffix]``."""
    day = (event.created_at or event.starts_at).astimezone(dt.UTC).date().isoformat()
    return f"tag:{domain},{day}:event/{event.id}{suffix}"


def feed_id(domain: str, kind: str, language: str, series: str) -> str:
    """The feed's id: one per kind, language and series."""
    query = urlencode({"series": series}) if series else ""
    return f"tag:{domain},2026:feeds/{kind}/{language}{'?' + query if query else ''}"


def _when(event: Event, language: str) -> str:
    # The model requires an end; one not after the start is shown as the start alone.
    if event.ends_at <= event.starts_at:
        return format_moment(event.starts_at, event.timezone, language)
    return format_event_time(event.starts_at, event.ends_at, event.timezone, language)


def _summary(event: Event, language: str) -> str:
    lines = [_when(event, language), ", ".join(place_lines(event))]
    if event.teaser:
        lines.append(event.teaser)
    return "\n".join(line for line in lines if line)


def _event_url(base_url: str, event: Event, language: str) -> str:
    return f"{base_url}{paths.event(event.slug)}?{urlencode({'lang': language})}"


def _report_html(event: Event, language: str) -> str:
    materials = event.materials
    report, _report_language = materials.report_in(language)
    parts = [render_markdown(report)] if report else []
    links: list[tuple[str, str, str]] = []
    if materials.recording_url:
        links.append((_("Aufzeichnung"), materials.recording_url, _("Video ansehen")))
    links.extend((_("Folien"), link.url, link.label or link.url) for link in materials.slides)
    links.extend((_("Fotos"), link.url, link.label or link.url) for link in materials.photos)
    if links:
        # Built as elements, so labels and addresses are escaped like every other text.
        listing = ET.Element("ul")
        for name, url, label in links:
            item = ET.SubElement(listing, "li")
            strong = ET.SubElement(item, "strong")
            strong.text = _clean(name) + ":"
            strong.tail = " "
            anchor = ET.SubElement(item, "a", {"href": _clean(url)})
            anchor.text = _clean(label)
        parts.append(ET.tostring(listing, encoding="unicode", method="html"))
    return "\n".join(parts)


def atom_feed(
    events: Sequence[Event],
    *,
    kind: str,
    language: str,
    series: str,
    base_url: str,
    domain: str,
    links: FeedLinks,
) -> bytes:
    """The feed as UTF-8 bytes; ``kind`` is ``events`` or ``reports``."""
    reports = kind == "reports"
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: language})
    title = _(REPORTS_TITLE if reports else EVENTS_TITLE)
    if series:
        title = f"{title} – {series}"
    _element(feed, "title", title)
    _element(feed, "id", feed_id(domain, kind, language, series))
    updated = max((changed_at(event) for event in events), default=_NEVER)
    _element(feed, "updated", _moment(updated))
    _element(feed, "link", rel="self", type=ATOM_MEDIA_TYPE, href=_clean(links.self_url))
    _element(feed, "link", rel="alternate", type="text/html", href=_clean(links.page_url))
    author = _element(feed, "author")
    _element(author, "name", "Treffpunkt")
    _element(feed, "generator", "Treffpunkt")
    for original in events:
        event = localized(original, language)
        german = shown_in_german(event)
        entry = _element(feed, "entry")
        entry_title = _element(entry, "title", event.title)
        if "title" in german:
            entry_title.set(XML_LANG, "de")
        _element(entry, "id", tag_uri(domain, event, "/report" if reports else ""))
        _element(entry, "updated", _moment(changed_at(event)))
        if event.created_at is not None:
            _element(entry, "published", _moment(event.created_at))
        url = _event_url(base_url, event, language)
        _element(entry, "link", rel="alternate", type="text/html", href=_clean(url))
        if event.series:
            _element(entry, "category", term=_clean(event.series))
        summary = _element(entry, "summary", _summary(event, language), type="text")
        if "teaser" in german:
            summary.set(XML_LANG, "de")
        if reports:
            content = _element(entry, "content", _report_html(event, language), type="html")
            _report, report_language = event.materials.report_in(language)
            if report_language != language:
                content.set(XML_LANG, report_language)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body
