"""Every URL path of the site, in one language (English), and how to build concrete ones.

Route templates use Litestar's syntax (``{event_id:int}``) so controllers declare them as they
are; :func:`fill` turns a template into a concrete path, and the functions below name the paths
that pages, mails and feeds link to. A leaf module without imports from the app, so the mail,
calendar and domain code may build links from it as well as the web layer.

Organiser paths are relative to :data:`ORGANISER`, the prefix of the organisers' router; their
builders return absolute paths.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Public pages and personal links (absolute).
INDEX = "/"
PAST = "/past"
EVENT = "/events/{slug:str}"
REGISTER = "/events/{slug:str}/register"
PRIVACY = "/privacy"
FEED = "/calendar.ics"
#: Atom feeds (RFC 4287): upcoming events, and reports of past ones; ``?series=`` for one series.
EVENTS_ATOM = "/feeds/events.atom"
REPORTS_ATOM = "/feeds/reports.atom"
PERSONAL = "/r/{token:str}"
PERSONAL_CANCEL = "/r/{token:str}/cancel"
PERSONAL_CONFIRM = "/r/{token:str}/confirm"
PERSONAL_FEED = "/r/{token:str}/calendar.ics"
ALL_EVENTS_FEED = "/r/{token:str}/all/{key:str}/calendar.ics"
PERSONAL_DATA = "/r/{token:str}/data.json"
PERSONAL_DATA_DELETE = "/r/{token:str}/delete-data"
PERSONAL_CERTIFICATE = "/r/{token:str}/certificate"
JOIN = "/j/{token:str}"
INVITATION = "/i/{token:str}"
HEALTH = "/healthz"
STATIC = "/static"
API_EVENTS = "/api/v1/events"
API_ORGANISER = "/api/v1/organiser"
API_DOCS = "/api/schema"
#: The upcoming events without the site's chrome, for the sites of ``EMBED_ORIGINS`` to frame.
EMBED = "/embed"
#: Where personal tokens sit: the personal page (and what hangs below it), the join link and
#: the invitation link.
PERSONAL_PREFIXES = ("/r/", "/j/", "/i/")

# The organisers' area: its prefix, then paths relative to it.
ORGANISER = "/organiser"
SIGN_IN = "/sign-in"
SIGN_OUT = "/sign-out"
#: The second step of the sign-in: the code from the app, or a recovery code.
SIGN_IN_CODE = "/sign-in/code"
#: The organiser's own two-factor settings: switch on (secret, QR code, confirm) and off.
TWO_FACTOR = "/account/two-factor"
TWO_FACTOR_ENABLE = TWO_FACTOR + "/enable"
TWO_FACTOR_DISABLE = TWO_FACTOR + "/disable"
HOME = "/"
NEW_EVENT = "/events/new"
EVENT_OVERVIEW = "/events/{event_id:int}"
EVENT_EDIT = EVENT_OVERVIEW + "/edit"
EVENT_PREVIEW = EVENT_OVERVIEW + "/preview"
EVENT_PUBLISH = EVENT_OVERVIEW + "/publish"
EVENT_UNPUBLISH = EVENT_OVERVIEW + "/unpublish"
EVENT_DUPLICATE = EVENT_OVERVIEW + "/duplicate"
EVENT_CANCEL = EVENT_OVERVIEW + "/cancel"
EVENT_MATERIALS = EVENT_OVERVIEW + "/materials"
EVENT_MATERIALS_ANNOUNCE = EVENT_MATERIALS + "/announce"
EVENT_ZOOM = EVENT_OVERVIEW + "/zoom"
EVENT_ZOOM_REQUEST = EVENT_ZOOM + "/request"
EVENT_ZOOM_RETRY = EVENT_ZOOM + "/retry"
REGISTRATIONS = EVENT_OVERVIEW + "/registrations"
REGISTRATIONS_CSV = EVENT_OVERVIEW + "/registrations.csv"
REGISTRATIONS_XLSX = EVENT_OVERVIEW + "/registrations.xlsx"
SIGNATURE_LIST = EVENT_OVERVIEW + "/signature-list.pdf"
FUNDER_REPORT = EVENT_OVERVIEW + "/report"
FUNDER_REPORT_XLSX = EVENT_OVERVIEW + "/report.xlsx"
FUNDER_REPORT_PDF = EVENT_OVERVIEW + "/report.pdf"
CERTIFICATES = EVENT_OVERVIEW + "/certificates.pdf"
ATTENDANCE = EVENT_OVERVIEW + "/attendance"
ATTENDANCE_SUBMIT = ATTENDANCE + "/{registration_id:int}"
ATTENDANCE_IMPORT = ATTENDANCE + "/import"
CHECK_IN = EVENT_OVERVIEW + "/check-in"
CHECK_IN_SUBMIT = CHECK_IN + "/{registration_id:int}"
NEW_REGISTRATION = REGISTRATIONS + "/new"
PROMOTE = REGISTRATIONS + "/promote"
#: A selection of the list: GET shows what an action would do to it, POST (confirmed) does it.
REGISTRATIONS_BULK = REGISTRATIONS + "/bulk"
REGISTRATION_CANCEL = REGISTRATIONS + "/{registration_id:int}/cancel"
REGISTRATION_APPROVE = REGISTRATIONS + "/{registration_id:int}/approve"
REGISTRATION_DECLINE = REGISTRATIONS + "/{registration_id:int}/decline"
REGISTRATION_DELETE_DATA = REGISTRATIONS + "/{registration_id:int}/delete-data"
MESSAGE = EVENT_OVERVIEW + "/message"
MESSAGE_PREVIEW = MESSAGE + "/preview"
OUTBOX = "/outbox"
OUTBOX_RETRY = OUTBOX + "/{mail_id:int}/retry"
OUTBOX_ABORT = OUTBOX + "/{mail_id:int}/abort"
API_TOKENS = "/api-tokens"
API_TOKEN_REVOKE = API_TOKENS + "/{token_id:int}/revoke"
AUDIT = "/audit"
WEBHOOKS = "/webhooks"
WEBHOOK_DELETE = WEBHOOKS + "/{endpoint_id:int}/delete"
WEBHOOK_SEND_AGAIN = WEBHOOKS + "/deliveries/{delivery_id:int}/send-again"
ACCOUNTS = "/accounts"
ACCOUNT = ACCOUNTS + "/{organiser_id:int}"
EVENT_STAFF = EVENT_OVERVIEW + "/staff"
EVENT_STAFF_REMOVE = EVENT_STAFF + "/{organiser_id:int}/remove"
EVENT_AUDIT = EVENT_OVERVIEW + "/audit"
INVITATIONS = EVENT_OVERVIEW + "/invitations"
INVITATIONS_IMPORT = INVITATIONS + "/import"
INVITATIONS_SEND = INVITATIONS + "/send"

#: ``?notice=`` in a redirect names what the page it leads to says about the step just taken; its
#: values are English like the paths. The German values of before, each with its English one:
#: an address with one (from an old tab, a bookmark, the history) still shows its notice.
OLD_NOTICES = {
    "angelegt": "created",
    "gespeichert": "saved",
    "veroeffentlicht": "published",
    "zurueckgezogen": "unpublished",
    "dupliziert": "duplicated",
    "abgesagt": "cancelled",
    "storniert": "cancelled",
    "schon-storniert": "already-cancelled",
    "nachgerueckt": "promoted",
    "hinzugefuegt": "added",
    "daten-geloescht": "data-deleted",
    "nicht-bestaetigt": "not-confirmed",
    "unveraendert": "unchanged",
    "widerrufen": "revoked",
    "schon-widerrufen": "already-revoked",
}


def notice(value: str | None) -> str:
    """The value of ``?notice=`` as sent now: English (a German one of before translated)."""
    return OLD_NOTICES.get(value or "", value or "")


_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def fill(template: str, **values: object) -> str:
    """``template`` with each ``{name:type}`` replaced by ``values[name]``, URL-quoted."""
    return _PARAMETER.sub(lambda match: quote(str(values[match.group(1)]), safe=""), template)


def organiser(template: str, **values: object) -> str:
    """The absolute path of an organiser ``template`` (relative to :data:`ORGANISER`)."""
    return ORGANISER + fill(template, **values)


def event(slug: str) -> str:
    return fill(EVENT, slug=slug)


def register(slug: str) -> str:
    return fill(REGISTER, slug=slug)


def personal(token: str) -> str:
    return fill(PERSONAL, token=token)


def personal_cancel(token: str) -> str:
    return fill(PERSONAL_CANCEL, token=token)


def personal_confirm(token: str) -> str:
    return fill(PERSONAL_CONFIRM, token=token)


def personal_feed(token: str) -> str:
    return fill(PERSONAL_FEED, token=token)


def all_events_feed(token: str, key: str) -> str:
    return fill(ALL_EVENTS_FEED, token=token, key=key)


def personal_data(token: str) -> str:
    return fill(PERSONAL_DATA, token=token)


def personal_data_delete(token: str) -> str:
    return fill(PERSONAL_DATA_DELETE, token=token)


def personal_certificate(token: str) -> str:
    return fill(PERSONAL_CERTIFICATE, token=token)


def join(token: str) -> str:
    return fill(JOIN, token=token)


def invitation(token: str) -> str:
    return fill(INVITATION, token=token)


def organiser_home() -> str:
    return organiser(HOME)


def sign_in() -> str:
    return organiser(SIGN_IN)


def sign_out() -> str:
    return organiser(SIGN_OUT)


def sign_in_code() -> str:
    return organiser(SIGN_IN_CODE)


def two_factor() -> str:
    return organiser(TWO_FACTOR)


def two_factor_enable() -> str:
    return organiser(TWO_FACTOR_ENABLE)


def two_factor_disable() -> str:
    return organiser(TWO_FACTOR_DISABLE)


def new_event() -> str:
    return organiser(NEW_EVENT)


def event_overview(event_id: int) -> str:
    return organiser(EVENT_OVERVIEW, event_id=event_id)


def event_edit(event_id: int) -> str:
    return organiser(EVENT_EDIT, event_id=event_id)


def event_preview(event_id: int) -> str:
    return organiser(EVENT_PREVIEW, event_id=event_id)


def event_publish(event_id: int) -> str:
    return organiser(EVENT_PUBLISH, event_id=event_id)


def event_unpublish(event_id: int) -> str:
    return organiser(EVENT_UNPUBLISH, event_id=event_id)


def event_duplicate(event_id: int) -> str:
    return organiser(EVENT_DUPLICATE, event_id=event_id)


def event_cancel(event_id: int) -> str:
    return organiser(EVENT_CANCEL, event_id=event_id)


def event_materials(event_id: int) -> str:
    return organiser(EVENT_MATERIALS, event_id=event_id)


def event_materials_announce(event_id: int) -> str:
    return organiser(EVENT_MATERIALS_ANNOUNCE, event_id=event_id)


def event_zoom(event_id: int) -> str:
    return organiser(EVENT_ZOOM, event_id=event_id)


def event_zoom_request(event_id: int) -> str:
    return organiser(EVENT_ZOOM_REQUEST, event_id=event_id)


def event_zoom_retry(event_id: int) -> str:
    return organiser(EVENT_ZOOM_RETRY, event_id=event_id)


def registrations(event_id: int) -> str:
    return organiser(REGISTRATIONS, event_id=event_id)


def registrations_csv(event_id: int) -> str:
    return organiser(REGISTRATIONS_CSV, event_id=event_id)


def registrations_xlsx(event_id: int) -> str:
    return organiser(REGISTRATIONS_XLSX, event_id=event_id)


def signature_list(event_id: int) -> str:
    return organiser(SIGNATURE_LIST, event_id=event_id)


def funder_report(event_id: int) -> str:
    return organiser(FUNDER_REPORT, event_id=event_id)


def funder_report_xlsx(event_id: int) -> str:
    return organiser(FUNDER_REPORT_XLSX, event_id=event_id)


def funder_report_pdf(event_id: int) -> str:
    return organiser(FUNDER_REPORT_PDF, event_id=event_id)


def certificates(event_id: int) -> str:
    return organiser(CERTIFICATES, event_id=event_id)


def attendance(event_id: int) -> str:
    return organiser(ATTENDANCE, event_id=event_id)


def attendance_submit(event_id: int, registration_id: int) -> str:
    return organiser(ATTENDANCE_SUBMIT, event_id=event_id, registration_id=registration_id)


def attendance_import(event_id: int) -> str:
    return organiser(ATTENDANCE_IMPORT, event_id=event_id)


def check_in(event_id: int) -> str:
    return organiser(CHECK_IN, event_id=event_id)


def check_in_submit(event_id: int, registration_id: int) -> str:
    return organiser(CHECK_IN_SUBMIT, event_id=event_id, registration_id=registration_id)


def new_registration(event_id: int) -> str:
    return organiser(NEW_REGISTRATION, event_id=event_id)


def promote(event_id: int) -> str:
    return organiser(PROMOTE, event_id=event_id)


def registrations_bulk(event_id: int) -> str:
    return organiser(REGISTRATIONS_BULK, event_id=event_id)


def invitations(event_id: int) -> str:
    return organiser(INVITATIONS, event_id=event_id)


def invitations_import(event_id: int) -> str:
    return organiser(INVITATIONS_IMPORT, event_id=event_id)


def invitations_send(event_id: int) -> str:
    return organiser(INVITATIONS_SEND, event_id=event_id)


def registration_cancel(event_id: int, registration_id: int) -> str:
    return organiser(REGISTRATION_CANCEL, event_id=event_id, registration_id=registration_id)


def registration_approve(event_id: int, registration_id: int) -> str:
    return organiser(REGISTRATION_APPROVE, event_id=event_id, registration_id=registration_id)


def registration_decline(event_id: int, registration_id: int) -> str:
    return organiser(REGISTRATION_DECLINE, event_id=event_id, registration_id=registration_id)


def registration_delete_data(event_id: int, registration_id: int) -> str:
    return organiser(REGISTRATION_DELETE_DATA, event_id=event_id, registration_id=registration_id)


def message(event_id: int) -> str:
    return organiser(MESSAGE, event_id=event_id)


def message_preview(event_id: int) -> str:
    return organiser(MESSAGE_PREVIEW, event_id=event_id)


def outbox() -> str:
    return organiser(OUTBOX)


def outbox_retry(mail_id: int) -> str:
    return organiser(OUTBOX_RETRY, mail_id=mail_id)


def outbox_abort(mail_id: int) -> str:
    return organiser(OUTBOX_ABORT, mail_id=mail_id)


def api_tokens() -> str:
    return organiser(API_TOKENS)


def api_token_revoke(token_id: int) -> str:
    return organiser(API_TOKEN_REVOKE, token_id=token_id)


def audit() -> str:
    return organiser(AUDIT)


def webhooks() -> str:
    return organiser(WEBHOOKS)


def webhook_delete(endpoint_id: int) -> str:
    return organiser(WEBHOOK_DELETE, endpoint_id=endpoint_id)


def webhook_send_again(delivery_id: int) -> str:
    return organiser(WEBHOOK_SEND_AGAIN, delivery_id=delivery_id)


def event_audit(event_id: int) -> str:
    return organiser(EVENT_AUDIT, event_id=event_id)


def accounts() -> str:
    return organiser(ACCOUNTS)


#: The German addresses of before, each with the template it moved to (absolute). Links in sent
#: mails, bookmarks and pages open in old tabs still lead there: GET answers 301, POST 308.
_OLD_EVENT = "/organisation/veranstaltungen/{event_id:int}"
_OLD_REGISTRATIONS = _OLD_EVENT + "/anmeldungen"
MOVED: tuple[tuple[str, str], ...] = (
    ("/datenschutz", PRIVACY),
    ("/r/{token:str}/daten.json", PERSONAL_DATA),
    ("/r/{token:str}/daten-loeschen", PERSONAL_DATA_DELETE),
    ("/organisation", ORGANISER + HOME),
    ("/organisation/anmelden", ORGANISER + SIGN_IN),
    ("/organisation/abmelden", ORGANISER + SIGN_OUT),
    ("/organisation/veranstaltungen/neu", ORGANISER + NEW_EVENT),
    (_OLD_EVENT, ORGANISER + EVENT_OVERVIEW),
    (_OLD_EVENT + "/bearbeiten", ORGANISER + EVENT_EDIT),
    (_OLD_EVENT + "/vorschau", ORGANISER + EVENT_PREVIEW),
    (_OLD_EVENT + "/veroeffentlichen", ORGANISER + EVENT_PUBLISH),
    (_OLD_EVENT + "/zurueckziehen", ORGANISER + EVENT_UNPUBLISH),
    (_OLD_EVENT + "/duplizieren", ORGANISER + EVENT_DUPLICATE),
    (_OLD_EVENT + "/absagen", ORGANISER + EVENT_CANCEL),
    (_OLD_REGISTRATIONS, ORGANISER + REGISTRATIONS),
    (_OLD_EVENT + "/anmeldungen.csv", ORGANISER + REGISTRATIONS_CSV),
    (_OLD_EVENT + "/anmeldungen.xlsx", ORGANISER + REGISTRATIONS_XLSX),
    (_OLD_EVENT + "/unterschriftenliste.pdf", ORGANISER + SIGNATURE_LIST),
    (_OLD_EVENT + "/einlass", ORGANISER + CHECK_IN),
    (_OLD_EVENT + "/einlass/{registration_id:int}", ORGANISER + CHECK_IN_SUBMIT),
    (_OLD_REGISTRATIONS + "/neu", ORGANISER + NEW_REGISTRATION),
    (_OLD_REGISTRATIONS + "/nachruecken", ORGANISER + PROMOTE),
    (_OLD_REGISTRATIONS + "/{registration_id:int}/stornieren", ORGANISER + REGISTRATION_CANCEL),
    (
        _OLD_REGISTRATIONS + "/{registration_id:int}/daten-loeschen",
        ORGANISER + REGISTRATION_DELETE_DATA,
    ),
    (_OLD_EVENT + "/nachricht", ORGANISER + MESSAGE),
    (_OLD_EVENT + "/nachricht/vorschau", ORGANISER + MESSAGE_PREVIEW),
    ("/organisation/postausgang", ORGANISER + OUTBOX),
    ("/organisation/postausgang/{mail_id:int}/erneut", ORGANISER + OUTBOX_RETRY),
    ("/organisation/postausgang/{mail_id:int}/abbrechen", ORGANISER + OUTBOX_ABORT),
    ("/organisation/api-zugang", ORGANISER + API_TOKENS),
    ("/organisation/api-zugang/{token_id:int}/widerrufen", ORGANISER + API_TOKEN_REVOKE),
)
#: The feed of all one's events, under the address mailed before: served there as well, since
#: calendar programs that subscribed to it do not all follow redirects.
OLD_ALL_EVENTS_FEED = "/r/{token:str}/alle/{key:str}/calendar.ics"


def account(organiser_id: int) -> str:
    return organiser(ACCOUNT, organiser_id=organiser_id)


def event_staff(event_id: int) -> str:
    return organiser(EVENT_STAFF, event_id=event_id)


def event_staff_remove(event_id: int, organiser_id: int) -> str:
    return organiser(EVENT_STAFF_REMOVE, event_id=event_id, organiser_id=organiser_id)
