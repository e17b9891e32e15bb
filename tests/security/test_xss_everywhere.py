"""Hostile text in every field an organiser or a registrant can type, followed everywhere it goes.

Payloads (script tags, attribute break-outs with ``onerror``, ``javascript:`` links in Markdown
and raw HTML, template syntax, ``</textarea>``, the right-to-left override, spreadsheet formulas,
CR/LF with iCalendar properties and mail headers) go into every text field of an event (German,
English and Ukrainian texts, venue, programme, people, questions and options, funding note,
series, tags) and of a registration (names, organisation, function, answers). Then the public
pages, the personal page, the organiser pages, the mails (from a real SMTP server), the CSV,
xlsx and PDF exports, the invites and the feeds are read back with independent parsers: no
executable markup, template syntax left as typed, formulas neutralised, no injected lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from email.message import EmailMessage
from html.parser import HTMLParser

import icalendar
import openpyxl
import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from app.services.events import get_with_access
from tests.clock import ManualClock
from tests.conftest import FIXED_NOW, registration_form
from tests.mail import conftest as email_fixtures
from tests.mail.conftest import make_sender
from tests.smtp_sink import SmtpSink
from tests.web.conftest import KNOWN_START, client, cookie_token, settings  # noqa: F401
from tests.web.test_organiser_events import full_form
from tests.web.test_organisers import organiser, sign_in  # noqa: F401 - the fixture is used

# The real SMTP server and the settings that point at it, from the mail tests.
sink = email_fixtures.sink
mail_settings = email_fixtures.mail_settings

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
#: ``{{7*7}}`` must stay as typed; ``{{7*191}}`` would turn into 1337, a number seen nowhere else.
TEMPLATE = "{{7*7}}{{7*191}}{% raw %}"
PAYLOAD = f"{SCRIPT}{BREAKOUT}{TEMPLATE}</textarea>\u202e'"
JS = "javascript:alert(1)"
#: A block (description, address, detail) that also tries to end a calendar line.
INJECTED_LINE = "ATTENDEE:mailto:evil@example.org"
BLOCK = (
    f"{PAYLOAD}\r\n{INJECTED_LINE}\r\nEND:VEVENT\n\n"
    f"[klick]({JS}) [b](JaVaScRiPt:alert(1)) ![i]({JS}) <{JS}>\n\n"
    f'<a href="{JS}">roh</a> <iframe src="{JS}"></iframe> <svg onload=alert(1)>\n\n'
    '<img src=x onerror="alert(1)"> <div style="background:url(javascript:alert(1))">d</div>'
)
FORMULAS = ('=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(1)", "\t=1+1")


def event_form() -> dict[str, str]:
    """The organisers' form with a payload in every field a person types freely."""
    return full_form(
        title=f"T {PAYLOAD}",
        teaser=f"{PAYLOAD} {JS}",
        description=BLOCK,
        venue_name=f"V {PAYLOAD}",
        venue_address=BLOCK,
        funding_note=BLOCK,
        series=f"S {PAYLOAD}",
        # A tag holds at most 60 characters: the payload in parts.
        tags=f"{SCRIPT}, {BREAKOUT}, {TEMPLATE}, </textarea>\u202e', {JS}, =1+1",
        question_0_label=f"Q0 {PAYLOAD}",
        question_1_label=f"Q1 {PAYLOAD}",
        question_1_options=f"O1 {PAYLOAD}\r\n{JS}\r\n=1+1",
        question_2_label=f"Q2 {PAYLOAD}",
        question_2_kind="text",
        programme_0_time="10:00",
        programme_0_title=f"P {PAYLOAD}",
        programme_0_detail=BLOCK,
        programme_1_time="11:00",
        programme_1_title=f"{JS}",
        person_0_name=f"N {PAYLOAD}",
        person_0_affiliation=f"{PAYLOAD} {JS}",
        person_1_name=f"=1+1 {PAYLOAD}",
        title_en=f"EN {PAYLOAD}",
        teaser_en=f"EN {PAYLOAD}",
        description_en=BLOCK,
        title_uk=f"UK {PAYLOAD}",
        teaser_uk=f"UK {PAYLOAD}",
        description_uk=BLOCK,
        double_opt_in="",
        registration_opens_at="",
        notify_organisers="on",
        reminder_lead_hours="24",
    )


# --- the checks -------------------------------------------------------------------------------

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _is_script_url(value: str) -> bool:
    squeezed = _CONTROL.sub("", html.unescape(value)).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html"))


class InertCheck(HTMLParser):
    """Collects what would run in a browser: scripts, handlers, script URLs, frames."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            # The app's own scripts come from /static and carry no inline code.
            if not (values.get("src") or "").startswith("/static/"):
                self.problems.append(f"<script> {attrs}")
            self._in_script = True
        # (The dashboard draws its chart as an <svg>: an injected one is caught by its handler.)
        if tag in {"iframe", "object", "embed", "base", "math", "frame", "frameset"}:
            self.problems.append(f"<{tag}>")
        if tag == "img" and values.get("src") == "x":
            self.problems.append("<img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if value is None:
                continue
            if name in _URL_ATTRIBUTES and _is_script_url(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and "javascript:" in value.lower():
                self.problems.append(f"<{tag} style={value!r}>")
            if name == "srcdoc":
                self.problems.extend(f"srcdoc: {p}" for p in inert_problems(value))
            if tag == "meta" and name == "http-equiv" and value.lower() == "refresh":
                self.problems.append("<meta http-equiv=refresh>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data[:40]!r}")


def inert_problems(markup: str) -> list[str]:
    """What in ``markup`` would run, plus template syntax that was evaluated."""
    check = InertCheck()
    check.feed(markup)
    check.close()
    problems = check.problems
    if "1337" in html.unescape(markup):
        problems.append("{{7*191}} was evaluated")
    return problems


def assert_inert(where: str, markup: str) -> None:
    problems = inert_problems(markup)
    assert not problems, (where, problems)


def assert_typed_text_kept(where: str, markup: str) -> None:
    """The payload shows as the text that was typed: escaped, with the braces left alone."""
    text = html.unescape(markup)
    assert "{{7*7}}" in text, where
    assert SCRIPT in text, where


_ICS_NAME = re.compile(r"^([A-Za-z0-9-]+)[;:]")


def assert_calendar_clean(where: str, data: bytes) -> int:
    """Parsed by icalendar; no line that the event's texts made; returns the VEVENT count."""
    calendar = icalendar.Calendar.from_ical(data)
    text = data.decode()
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        assert _ICS_NAME.match(line), (where, line[:80])
        assert not line.startswith(("ATTENDEE:mailto:evil", "<", "[")), (where, line[:80])
    events = list(calendar.walk("VEVENT"))
    for event in events:
        attendees = event.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert all("evil@example.org" not in str(a) for a in attendees), where
        assert "1337" not in str(event.get("SUMMARY", "")), where
    lines = unfolded.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == len(events) == lines.count("END:VEVENT"), where
    return len(events)


def assert_csv_neutral(where: str, data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (where, cell)
    return rows


def mail_parts(message: EmailMessage) -> dict[str, list[str | bytes]]:
    parts: dict[str, list[str | bytes]] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        content = payload if kind == "text/calendar" else payload.decode()
        parts.setdefault(kind, []).append(content)
    return parts


# --- the checks can fail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "<p>x<script>alert(1)</script></p>",
        '<p title=""><img src=x onerror=alert(1)></p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVa&#x09;ScRiPt:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<form action="javascript:alert(1)"></form>',
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
        "<svg onload=alert(1)>",
        '<div style="background:url(javascript:alert(1))"></div>',
        "<p>1337</p>",
        '<script src="https://evil.example/x.js"></script>',
    ],
)
def test_the_markup_check_finds_what_would_run(bad):
    assert inert_problems(bad)


def test_the_markup_check_passes_escaped_payloads():
    escaped = html.escape(PAYLOAD + BLOCK)
    assert not inert_problems(f'<p title="{escaped}">{escaped}</p><script src="/static/a.js">')
    assert_typed_text_kept("escaped", escaped)


def test_the_other_checks_can_fail():
    with pytest.raises(AssertionError):
        assert_csv_neutral("csv", b"a;=1+1\r\n")
    injected = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20300101T"
        "000000Z\r\nSUMMARY:T\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR"
        "\r\n"
    )
    with pytest.raises(AssertionError):
        assert_calendar_clean("ics", injected.encode())
    with pytest.raises(AssertionError):
        assert_typed_text_kept("evaluated", "<p>49 &lt;script&gt;alert(1)&lt;/script&gt;</p>")


# --- the run ----------------------------------------------------------------------------------


async def _post(web, path: str, data: dict[str, str]):
    return await web.post(
        path, data={**data, "_csrf_token": cookie_token(web)}, follow_redirects=False
    )


async def test_payloads_stay_inert_in_pages_mails_exports_and_calendars(
    client,  # noqa: F811 - the fixture imported above
    db,
    organiser,  # noqa: F811
    sink: SmtpSink,
    mail_settings,
):
    await sign_in(client)
    created = await _post(client, "/organiser/events/new", event_form())
    assert created.status_code == 303, re.findall(
        r'id="([^"]+)-error" class="field-error">([^<]+)', created.text
    )
    event_id = int(re.findall(r"\d+", created.headers["location"])[0])
    base = f"/organiser/events/{event_id}"
    assert (await _post(client, f"{base}/publish", {})).status_code == 303
    event = await get_with_access(event_id)
    assert "{{7*7}}" in event.title
    assert event.description == BLOCK.replace("\r\n", "\n")
    text_key = next(q.key for q in event.questions if q.label.startswith("Q2"))
    choice = next(q for q in event.questions if q.label.startswith("Q1"))
    yes_no = next(q for q in event.questions if q.label.startswith("Q0"))

    # A 'javascript:' meeting link is refused outright.
    refused = await _post(client, "/organiser/events/new", event_form() | {"online_join_url": JS})
    assert refused.status_code == 400
    assert_inert("refused form", refused.text)

    # Registrants: payloads in every field; one with spreadsheet formulas; one per language.
    people = [
        registration_form(
            "xss@example.org",
            first_name=f"F {PAYLOAD}",
            last_name=f"L {PAYLOAD}",
            organisation=f"O {PAYLOAD} {JS}",
            job_title=f"J {PAYLOAD}",
            mode="online",
        ),
        registration_form(
            "formel@example.org",
            first_name=FORMULAS[1],
            last_name=FORMULAS[2],
            organisation=FORMULAS[0],
            job_title=FORMULAS[3],
            mode="in_person",
            language="uk",
        ),
        registration_form(
            "kopf@example.org",
            first_name="Eve\r\nBcc: victim@example.org",
            last_name="X\nSubject: injected",
            mode="online",
            language="en",
        ),
    ]
    answers = [f"A {PAYLOAD}", FORMULAS[4], "=1+1"]
    tokens = []
    for form, answer in zip(people, answers, strict=True):
        form |= {
            f"q_{text_key}": answer,
            f"q_{choice.key}": choice.options[0],
            f"q_{yes_no.key}": "yes",
        }
        anonymous_page = await client.get(f"/events/{event.slug}")
        assert_inert("event page before registering", anonymous_page.text)
        response = await _post(client, f"/events/{event.slug}/register", form)
        if response.status_code == 400:
            # Control characters in a name may be refused; the refusal page is checked too.
            assert_inert("refused registration", response.text)
            continue
        assert response.status_code == 303, response.text[:2000]
        tokens.append(response.headers["location"].removeprefix("/r/").split("?")[0])
    assert len(tokens) >= 2

    # An API token with a payload name, and an organiser message with payloads.
    await client.get("/organiser/api-tokens/")
    token_page = await _post(client, "/organiser/api-tokens/", {"name": f"K {PAYLOAD}"[:60]})
    assert token_page.status_code == 201, token_page.text[:500]
    assert_inert("API tokens", token_page.text)
    await client.get(f"{base}/message")
    message_form = {
        "subject": f"S {PAYLOAD}\r\nBcc: victim@example.org",
        "text": BLOCK,
        "audience": "all",
    }
    preview = await _post(client, f"{base}/message/preview", message_form)
    assert preview.status_code in (200, 400), preview.text[:500]
    assert_inert("message preview", preview.text)
    message_form["subject"] = f"S {PAYLOAD}"
    preview = await _post(client, f"{base}/message/preview", message_form)
    assert preview.status_code == 200, preview.text[:500]
    assert_inert("message preview", preview.text)
    sent = await _post(client, f"{base}/message", message_form)
    assert sent.status_code == 303, sent.text[:500]

    # Pages: public, personal, organisers'.
    pages = {
        "index": "/",
        "index en": "/?lang=en",
        "past": "/past",
        "event": f"/events/{event.slug}",
        "event en": f"/events/{event.slug}?lang=en",
        "event uk": f"/events/{event.slug}?lang=uk",
        "privacy": "/privacy",
        "organiser home": "/organiser/",
        "dashboard": base,
        "edit form": f"{base}/edit",
        "preview": f"{base}/preview",
        "registrations": f"{base}/registrations",
        "check-in": f"{base}/check-in",
        "new registration": f"{base}/registrations/new",
        "message form": f"{base}/message",
        "cancel form": f"{base}/cancel",
        "outbox": "/organiser/outbox",
        "api tokens": "/organiser/api-tokens/",
    }
    for number, token in enumerate(tokens):
        pages[f"personal {number}"] = f"/r/{token}"
        pages[f"personal {number} uk"] = f"/r/{token}?lang=uk"
    for name, path in pages.items():
        response = await client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), name
        assert_inert(name, response.text)
    for name in ("event", "dashboard", "registrations", "check-in", "personal 0", "edit form"):
        assert_typed_text_kept(name, (await client.get(pages[name])).text)
    # The edit form's textareas hold the payload; '</textarea>' did not end one early.
    edit = (await client.get(pages["edit form"])).text
    assert edit.count("<textarea") == edit.count("</textarea>")
    for field in ("title", "series", "person_0_name", "question_1_options"):
        match = re.search(rf'name="{field}"[^>]*>', edit)
        assert match, field
    # JSON answers are JSON, never HTML.
    api = await client.get(f"/api/v1/events/{event.slug}")
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["title"] == event.title

    # Exports.
    exported = await client.get(f"{base}/registrations.csv")
    assert exported.status_code == 200
    rows = assert_csv_neutral("CSV", exported.content)
    flat = "\n".join(";".join(row) for row in rows)
    assert f"F {PAYLOAD}" in flat
    assert "'=HYPERLINK" in flat
    sheet = await client.get(f"{base}/registrations.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.content))
    cells = [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert FORMULAS[0] in [cell.value for cell in cells]  # kept as text, not as a formula
    pdf = await client.get(f"{base}/signature-list.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # No script or launch actions (fpdf2's /OpenAction only sets the zoom: an array, no action).
    for marker in (b"/JavaScript", b"/JS", b"/Launch", b"/URI", b"/SubmitForm", b"/S /"):
        assert marker not in pdf.content, marker
    root = PdfReader(io.BytesIO(pdf.content)).trailer["/Root"]
    assert isinstance(root, DictionaryObject)
    open_action = root.get("/OpenAction")
    assert open_action is None or isinstance(open_action, list), open_action
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "{{7*7}}" in pdf_text
    assert "1337" not in pdf_text

    # Calendars: the public feed, the personal feeds.
    assert assert_calendar_clean("public feed", (await client.get("/calendar.ics")).content) >= 1
    for number, token in enumerate(tokens):
        feed = await client.get(f"/r/{token}/calendar.ics")
        assert assert_calendar_clean(f"personal feed {number}", feed.content) >= 1
    public_feed = icalendar.Calendar.from_ical((await client.get("/calendar.ics")).content)
    (vevent,) = [e for e in public_feed.walk("VEVENT") if "{{7*7}}" in str(e["SUMMARY"])]
    assert INJECTED_LINE in str(vevent.get("DESCRIPTION", "")) + str(vevent.get("LOCATION", ""))

    # Mails, as the SMTP server received them (the reminders and access mails are due later).
    for moment in (FIXED_NOW + dt.timedelta(minutes=1), KNOWN_START):
        sender = make_sender(db, mail_settings, ManualClock(moment))
        try:
            await sender.drain()
        finally:
            await sender.close()
    received = sink.received
    assert len(received) >= 6, [item.message["Subject"] for item in received]
    calendars = html_parts = 0
    for item in received:
        message = item.message
        where = f"mail {message['Subject']!r} to {item.recipients}"
        assert "victim@example.org" not in item.recipients, where
        head = item.data.decode("utf-8", "replace").split("\r\n\r\n")[0]
        # A name with CR/LF stays inside its quoted display name, on its own header's line.
        header_names = [line.split(":")[0].lower() for line in head.split("\r\n") if line[:1] > " "]
        assert "bcc" not in header_names, where
        assert header_names.count("subject") == 1, where
        assert len(message.get_all("To", [])) == 1, where
        for name in ("Bcc", "Cc"):
            assert message[name] is None, where
        assert all("\n" not in str(value) for value in message.values()), where
        parts = mail_parts(message)
        assert "text/plain" in parts, where
        for markup in parts.get("text/html", []):
            assert isinstance(markup, str)
            assert_inert(where, markup)
            html_parts += 1
        for plain in parts["text/plain"]:
            assert isinstance(plain, str)
            assert "1337" not in plain, where
        for data in parts.get("text/calendar", []):
            assert isinstance(data, bytes)
            calendars += assert_calendar_clean(where, data)
    assert calendars >= 1
    assert html_parts == len(received)
    assert any(str(item.message["Subject"]).startswith(f"S {SCRIPT}") for item in received)
    assert any("{{7*7}}" in str(item.message["Subject"]) for item in received)
