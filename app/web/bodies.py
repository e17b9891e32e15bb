"""Reading request bodies one way: form bodies strictly as UTF-8, JSON bodies of bounded depth.

Litestar reads a url-encoded form's raw bytes as Latin-1 ("Jürgen" sent unescaped became
"JÃ¼rgen") but its percent-escapes as UTF-8 with replacement characters, and a multipart form
strictly (a ``UnicodeDecodeError``, a 500): the same name was stored three ways. Here every form
is UTF-8, strictly, and anything else is a 400 saying so. Replacement characters were the other
choice; refusing is better: the pages are UTF-8, so every browser sends UTF-8, and a name with
"�" in it would go on into mails, certificates and signature lists without anyone noticing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.types import Empty, Message, Scope
from litestar.utils.scope.state import ScopeState

from app.i18n import N_

#: The problem details' ``detail`` (English, for programs) of each refusal.
NOT_UTF8 = "The form body is not valid UTF-8."
TOO_DEEP = "The JSON body is nested too deeply."

#: What a page says instead (translated where shown).
PAGE_MESSAGES = {
    NOT_UTF8: N_(
        "Das Formular enthielt Zeichen, die nicht als UTF-8 kodiert sind. Bitte laden Sie die "
        "Seite neu und senden Sie das Formular noch einmal ab."
    ),
    TOO_DEEP: N_("Die Anfrage ist zu tief verschachtelt."),
}


class UnreadableBody(ClientException):
    """A body the app refuses to read: a 400 with ``detail`` saying why."""


def parse_url_encoded(body: bytes) -> dict[str, str | list[str]]:
    """A url-encoded form as Litestar gives it (blank fields dropped, repeated ones a list).

    Raw bytes and percent-escapes alike must be UTF-8: ``UnicodeDecodeError`` otherwise.
    """
    values: defaultdict[str, list[str]] = defaultdict(list)
    pairs = parse_qsl(body.decode("utf-8"), separator="&", encoding="utf-8", errors="strict")
    for name, value in pairs:
        values[name].append(value)
    return {name: found if len(found) > 1 else found[0] for name, found in values.items()}


class StrictBodyRequest(Request[Any, Any, Any]):
    """The app's request: forms strictly UTF-8, JSON refused past the decoder's depth."""

    async def form(self) -> FormMultiDict:
        """The form, url-encoded or multipart, decoded as UTF-8; 400 if it is not."""
        state = ScopeState.from_scope(self.scope)
        try:
            if state.form is Empty and self._is_url_encoded():
                state.form = parse_url_encoded(await self.body())  # type: ignore[assignment]
            return await super().form()
        except (UnicodeDecodeError, LookupError) as error:
            # LookupError: a multipart part naming a charset Python does not know.
            raise UnreadableBody(detail=NOT_UTF8) from error

    async def json(self) -> Any:
        """The decoded JSON body; 400 when it is nested past the decoder's recursion limit."""
        try:
            return await super().json()
        except RecursionError as error:
            raise UnreadableBody(detail=TOO_DEEP) from error

    def _is_url_encoded(self) -> bool:
        return self.content_type[0] == RequestEncodingType.URL_ENCODED


async def close_uploads(message: Message, scope: Scope) -> None:
    """``before_send``: close the files of a multipart form once its response starts.

    A handler closes the files it reads; this closes those of a form read but refused before
    any handler saw it (a wrong CSRF token), which would otherwise stay open until collected.
    """
    if message["type"] != "http.response.start":
        return
    form = ScopeState.from_scope(scope).form
    if not isinstance(form, dict):
        return
    for found in form.values():
        for value in found if isinstance(found, list) else [found]:
            if isinstance(value, UploadFile):
                await value.close()


async def read_form_strictly(request: Request[Any, Any, Any]) -> None:
    """Parse a form body through :class:`StrictBodyRequest` before Litestar's extractor runs.

    The CSRF check parses forms already, but not when the token comes in a header; Litestar's
    own extractor would then read the body its lax way.
    """
    if request.content_type[0] in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        await request.form()
