"""In-process fake of the Telegram Bot API, served over real HTTP by aiohttp.

The real aiogram ``Bot`` / ``Dispatcher`` talk to it exactly as they would talk to
``api.telegram.org``::

    async with FakeBotAPI() as api:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
        bot = Bot(api.token, session=session)
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))

        user = api.user(42)
        user.send_text("/start")
        [answer] = await api.wait_sent(42)
        assert "Привет" in answer.text
        user.press(answer, button_text="Дальше")
        ...
        await dp.stop_polling()

Everything is event driven: ``wait_for`` / ``wait_sent`` / ``wait_updates_consumed``
wake up whenever a request is recorded or answered, or an update is enqueued or
confirmed.  Nothing in here sleeps.

Only aiohttp and the standard library are used.  Several instances can run at once;
there is no module level mutable state.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import html
import itertools
import json
import math
import mimetypes
import re
import secrets
import struct
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import web

__all__ = [
    "DEFAULT_DOCUMENT",
    "DEFAULT_PHOTO",
    "ApiError",
    "Created",
    "CreatedList",
    "FakeBotAPI",
    "FakeUser",
    "FormattingError",
    "RateLimits",
    "Request",
    "SentMessage",
    "StoredFile",
    "buttons",
    "render_text",
]

JSON = dict[str, Any]
T = TypeVar("T")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files (cloud Bot API)
MAX_UPLOAD_SIZE = 50 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


def _tiny_png() -> bytes:
    """A valid 1x1 white PNG, built with the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


DEFAULT_PHOTO = _tiny_png()
DEFAULT_DOCUMENT = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

# Form fields that are plain strings and must never be JSON-decoded, even if they
# look like numbers or JSON ("text": "123" stays a string).
_STRING_FIELDS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "currency",
        "data",
        "description",
        "document",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "game_short_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "payload",
        "phone_number",
        "photo",
        "provider_token",
        "query",
        "question",
        "secret_token",
        "short_description",
        "start_parameter",
        "sticker",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)
# Fields carrying JSON objects/arrays (decoded even when a JSON body has them as strings).
_JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "menu_button",
        "message_ids",
        "options",
        "reaction",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")

_MEDIA_FIELDS = ("photo", "document", "video", "audio", "voice", "animation")
_CONTENT_KEYS = (
    "text",
    "entities",
    "link_preview_options",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "video",
    "audio",
    "voice",
    "animation",
    "sticker",
    "contact",
    "location",
    "venue",
    "poll",
    "dice",
)
_SPECIAL_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class RateLimits:
    """Flood limits applied to ``send*``/``copyMessage``/``forwardMessage``.

    Sliding windows over the fake's clock (``time.monotonic`` by default).  ``None``
    disables a limit.  A media group counts as one message.
    """

    global_per_second: int | None = 30
    per_chat_per_second: int | None = 1
    per_group_per_minute: int | None = None


@dataclass
class Request:
    """One HTTP request received by the fake (API call or file download)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    chat_id: int | None
    at: float
    token: str = ""
    http_method: str = "POST"
    index: int = 0
    #: HTTP status of the answer; ``None`` while pending or if no answer was sent.
    status: int | None = None
    #: JSON body of the answer (``None`` for downloads / dropped connections).
    response: Any = None

    @property
    def ok(self) -> bool:
        return isinstance(self.response, dict) and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        return self.response.get("result") if isinstance(self.response, dict) else None


@dataclass
class SentMessage:
    """A message the bot sent or edited (send*, copyMessage, forwardMessage, edit*)."""

    method: str
    params: dict[str, Any]
    message_id: int
    chat_id: int
    #: Raw text or caption exactly as the bot sent it (markup tags included).
    text: str | None
    #: Decoded ``reply_markup`` parameter (any keyboard type) or ``None``.
    reply_markup: dict[str, Any] | None
    #: The Telegram ``Message`` object as returned to the bot (text already rendered).
    message: JSON
    request_index: int
    seq: int

    @property
    def plain_text(self) -> str | None:
        """Text/caption as a Telegram client would show it (HTML/Markdown rendered)."""
        value = self.message.get("text", self.message.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def is_edit(self) -> bool:
        return self.method.lower().startswith("edit")

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        return buttons(self)

    def find_button(self, text: str) -> str:
        """callback_data (or url) of the first button whose text contains ``text``."""
        for label, data in buttons(self):
            if text in label and data is not None:
                return data
        msg = f"no button containing {text!r} in message {self.message_id}: {buttons(self)}"
        raise LookupError(msg)


@dataclass
class StoredFile:
    """A downloadable file known to the fake (``getFile`` + ``/file/bot<token>/<path>``)."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_size: int
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def as_file(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }

    def as_document(self) -> JSON:
        doc: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc


async def _immediately(value: T) -> T:
    return value


class Created(dict[str, Any]):
    """Message / callback query dict produced by a :class:`FakeUser` action.

    The action has already happened when it is returned; awaiting it is optional
    (``await user.send_text(...)`` and ``user.send_text(...)`` are equivalent).
    ``update_id`` is the id of the enqueued update.
    """

    update_id: int = 0

    def __await__(self) -> Generator[Any, None, Created]:
        return _immediately(self).__await__()


class CreatedList(list[Created]):
    """List of :class:`Created` (albums); awaiting it is optional as well."""

    def __await__(self) -> Generator[Any, None, CreatedList]:
        return _immediately(self).__await__()

    @property
    def update_ids(self) -> list[int]:
        return [item.update_id for item in self]


class ApiError(Exception):
    """Raised inside the fake to produce a Telegram error answer."""

    def __init__(
        self,
        error_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        self.error_code = error_code
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id
        self.description = description or _default_description(error_code, retry_after)
        super().__init__(f"{error_code}: {self.description}")

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        parameters: JSON = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def _default_description(error_code: int, retry_after: int | None = None) -> str:
    known = {
        400: "Bad Request: chat not found",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: GET_UPDATES_CONFLICT,
        413: "Request Entity Too Large",
        429: f"Too Many Requests: retry after {retry_after or 1}",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    if error_code in known:
        return known[error_code]
    with contextlib.suppress(ValueError):
        return HTTPStatus(error_code).phrase
    return "Error"


@dataclass
class _Fault:
    method: str | None
    chat_id: int | None
    error: Callable[[], ApiError]
    remaining: int | None  # None = forever

    def matches(self, request: Request) -> bool:
        if self.method is None:
            if request.method.lower() == "getupdates":
                return False  # would be eaten by the polling loop; name it explicitly
        elif self.method.lower() != request.method.lower():
            return False
        return self.chat_id is None or self.chat_id == request.chat_id


@dataclass
class _Down:
    status: int | None
    drop_connections: bool


class _Pulse:
    """Wake every current waiter; later waiters wait for the next pulse."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:  # noqa: ASYNC109
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


# --------------------------------------------------------------------------- formatting


class FormattingError(ValueError):
    """Text cannot be parsed with the given parse_mode (Telegram answers 400)."""


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0  # in UTF-16 code units, like Telegram entity offsets
        self.entities: list[JSON] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += _u16(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append({"type": kind, "offset": start, "length": self.length - start})
            self.entities[-1].update({k: v for k, v in extra.items() if v is not None})

    def result(self) -> tuple[str, list[JSON]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


_HTML_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_HTML_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*/?>")
_HTML_ATTR = re.compile(r"([a-zA-Z][\w-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int
    byte_offset: int


def _parse_html(text: str) -> tuple[str, list[JSON]]:
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY.match(text, i)
            if match:
                name = match.group(1)
                if name.startswith(("#x", "#X")):
                    out.add(chr(int(name[2:], 16)))
                elif name.startswith("#"):
                    out.add(chr(int(name[1:])))
                else:
                    out.add(_HTML_NAMED.get(name.lower(), match.group(0)))
                i = match.end()
                continue
            out.add(char)
            i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        offset = _byte_offset(text, i)
        if text.startswith("</", i):
            end = text.find(">", i)
            if end == -1:
                msg = f"Unclosed end tag at byte offset {offset}"
                raise FormattingError(msg)
            name = text[i + 2 : end].strip().lower()
            if not stack:
                msg = f"Unexpected end tag at byte offset {offset}"
                raise FormattingError(msg)
            opened = stack.pop()
            if name != opened.name:
                msg = (
                    f'Unmatched end tag at byte offset {offset}, expected "</{opened.name}>", '
                    f'found "</{name}>"'
                )
                raise FormattingError(msg)
            _close_html_tag(out, opened, stack)
            i = end + 1
            continue
        match = _HTML_START_TAG.match(text, i)
        name = match.group(1).lower() if match else ""
        if not match or name not in _HTML_SIMPLE_TAGS:
            msg = f'Unsupported start tag "{name}" at byte offset {offset}'
            raise FormattingError(msg)
        attrs = {
            key.lower(): html.unescape(value.strip("\"'")) if value else ""
            for key, value in _HTML_ATTR.findall(match.group(2) or "")
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            msg = f'Unsupported start tag "span" at byte offset {offset}'
            raise FormattingError(msg)
        stack.append(_OpenTag(name, attrs, out.length, offset))
        i = match.end()
    if stack:
        msg = f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        raise FormattingError(msg)
    return out.result()


def _close_html_tag(out: _TextBuilder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    kind = _HTML_SIMPLE_TAGS[tag.name]
    if kind == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language.removeprefix("language-")
        return  # <pre><code class="language-x"> is a single pre entity
    if kind == "text_link":
        if tag.attrs.get("href"):
            out.entity("text_link", tag.start, url=tag.attrs["href"])
    elif kind == "pre":
        out.entity("pre", tag.start, language=tag.attrs.get("language"))
    elif kind == "blockquote":
        expandable = "expandable" in tag.attrs
        out.entity("expandable_blockquote" if expandable else "blockquote", tag.start)
    elif kind == "custom_emoji":
        out.entity("custom_emoji", tag.start, custom_emoji_id=tag.attrs.get("emoji-id"))
    elif kind == "date_time":
        unix = tag.attrs.get("unix", "")
        out.entity(
            "date_time",
            tag.start,
            unix_time=int(unix) if unix.isdigit() else None,
            date_time_format=tag.attrs.get("format"),
        )
    else:
        out.entity(kind, tag.start)


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _OpenEntity:
    kind: str
    start: int
    byte_offset: int
    language: str | None = None


def _parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    out = _TextBuilder()
    stack: list[_OpenEntity] = []
    quote: _OpenEntity | None = None  # line based blockquote
    size = len(text)
    i = 0

    while i < size:
        char = text[i]
        top = stack[-1].kind if stack else None
        in_code = top in ("code", "pre")
        line_start = i == 0 or text[i - 1] == "\n"
        if quote is not None and line_start and char != ">" and not text.startswith("**>", i):
            out.entity(quote.kind, quote.start)
            quote = None
        if char == "\\" and i + 1 < size and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        if char == "\r" and not in_code:
            i += 1
            continue
        if not in_code and line_start and (char == ">" or text.startswith("**>", i)):
            expandable = char == "*"
            if quote is None:
                kind = "expandable_blockquote" if expandable else "blockquote"
                quote = _OpenEntity(kind, out.length, _byte_offset(text, i))
            i += 3 if expandable else 1
            continue
        if (
            quote is not None
            and not in_code
            and text.startswith("||", i)
            and (i + 2 == size or text[i + 2] == "\n")
            and not (stack and stack[-1].kind == "spoiler")
        ):
            quote.kind = "expandable_blockquote"
            out.entity(quote.kind, quote.start)
            quote = None
            i += 2
            continue
        if (in_code and char != "`") or (not in_code and char not in _MDV2_RESERVED):
            out.add(char)
            i += 1
            continue
        ends = {
            "bold": char == "*",
            "italic": char == "_" and text[i + 1 : i + 2] != "_",
            "underline": text.startswith("__", i),
            "strikethrough": char == "~",
            "spoiler": text.startswith("||", i),
            "code": char == "`",
            "pre": text.startswith("```", i),
            "text_link": char == "]",
            "custom_emoji": char == "]",
        }
        if top is not None and ends[top]:
            opened = stack.pop()
            i += {"underline": 2, "spoiler": 2, "pre": 3}.get(opened.kind, 1)
            if opened.kind in ("text_link", "custom_emoji"):
                url = ""
                if text[i : i + 1] == "(":
                    url, i = _read_markdown_url(text, i + 1)
                if opened.kind == "custom_emoji":
                    emoji_id = url.removeprefix("tg://emoji?id=")
                    if emoji_id == url or not emoji_id:
                        msg = "Custom emoji entity must contain a tg://emoji URL"
                        raise FormattingError(msg)
                    out.entity("custom_emoji", opened.start, custom_emoji_id=emoji_id)
                else:
                    out.entity("text_link", opened.start, url=url or None)
            else:
                out.entity(opened.kind, opened.start, language=opened.language)
            continue
        if in_code:  # a lone backtick inside ```pre```
            out.add(char)
            i += 1
            continue
        offset = _byte_offset(text, i)
        if char == "_" and text.startswith("__", i):
            stack.append(_OpenEntity("underline", out.length, offset))
            i += 2
        elif char == "_":
            stack.append(_OpenEntity("italic", out.length, offset))
            i += 1
        elif char == "*":
            stack.append(_OpenEntity("bold", out.length, offset))
            i += 1
        elif char == "~":
            stack.append(_OpenEntity("strikethrough", out.length, offset))
            i += 1
        elif char == "|" and text.startswith("||", i):
            stack.append(_OpenEntity("spoiler", out.length, offset))
            i += 2
        elif char == "[":
            stack.append(_OpenEntity("text_link", out.length, offset))
            i += 1
        elif char == "!" and text.startswith("![", i):
            stack.append(_OpenEntity("custom_emoji", out.length, offset))
            i += 2
        elif text.startswith("```", i):
            i += 3
            end = i
            while end < size and text[end] not in "\n `":
                end += 1
            language = None
            if end < size and text[end] == "\n":
                language = text[i:end] or None
                i = end + 1
            stack.append(_OpenEntity("pre", out.length, offset, language))
        elif char == "`":
            stack.append(_OpenEntity("code", out.length, offset))
            i += 1
        else:
            msg = f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            raise FormattingError(msg)
    if stack:
        opened = stack[-1]
        msg = (
            f"Can't find end of {_MDV2_NAMES[opened.kind]} entity "
            f"at byte offset {opened.byte_offset}"
        )
        raise FormattingError(msg)
    if quote is not None:
        out.entity(quote.kind, quote.start)
    return out.result()


def _read_markdown_url(text: str, i: int) -> tuple[str, int]:
    url: list[str] = []
    while i < len(text) and text[i] != ")":
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        url.append(text[i])
        i += 1
    if i >= len(text):
        msg = f"Can't find end of a URL at byte offset {_byte_offset(text, i)}"
        raise FormattingError(msg)
    return "".join(url), i + 1


def _parse_markdown_legacy(text: str) -> tuple[str, list[JSON]]:
    out = _TextBuilder()
    i = 0
    size = len(text)
    kinds = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}
    while i < size:
        char = text[i]
        if char == "\\" and i + 1 < size and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in kinds:
            out.add(char)
            i += 1
            continue
        offset = _byte_offset(text, i)
        start = out.length
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                msg = f"Can't find end of the entity starting at byte offset {offset}"
                raise FormattingError(msg)
            body = text[i + 3 : end]
            language = None
            first_line, newline, rest = body.partition("\n")
            if newline and first_line and " " not in first_line:
                language, body = first_line, rest
            out.add(body)
            out.entity("pre", start, language=language)
            i = end + 3
            continue
        closing = "]" if char == "[" else char
        end = text.find(closing, i + 1)
        if end == -1:
            msg = f"Can't find end of the entity starting at byte offset {offset}"
            raise FormattingError(msg)
        out.add(text[i + 1 : end])
        i = end + 1
        if char == "[":
            url = ""
            if text[i : i + 1] == "(":
                close = text.find(")", i)
                if close != -1:
                    url, i = text[i + 1 : close], close + 1
            if url:
                out.entity("text_link", start, url=url)
        else:
            out.entity(kinds[char], start)
    return out.result()


def render_text(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Render ``text`` like Telegram does: returns (plain text, entities).

    Raises :class:`FormattingError` for markup Telegram would reject.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown_legacy(text)
    return text, []


# --------------------------------------------------------------------------- helpers


def buttons(
    message: SentMessage | Mapping[str, Any] | None,
) -> list[tuple[str, str | None]]:
    """Flatten a keyboard into ``[(text, callback_data or url or None), ...]``.

    Accepts a :class:`SentMessage`, a Telegram message dict or a reply_markup dict.
    Reply keyboards give ``(text, None)``.
    """
    if message is None:
        return []
    if isinstance(message, SentMessage):
        markup: Any = message.reply_markup
        if markup is None:
            markup = message.message.get("reply_markup")
    elif "inline_keyboard" in message or "keyboard" in message:
        markup = message
    else:
        markup = message.get("reply_markup")
    if not isinstance(markup, Mapping):
        return []
    result: list[tuple[str, str | None]] = []
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data")
            if data is None:
                data = button.get("url")
            if data is None and isinstance(button.get("web_app"), Mapping):
                data = button["web_app"].get("url")
            result.append((str(button.get("text", "")), data))
    for row in markup.get("keyboard") or []:
        for button in row:
            text = button if isinstance(button, str) else button.get("text", "")
            result.append((str(text), None))
    return result


def _callback_datas(markup: Any) -> list[str]:
    if not isinstance(markup, Mapping):
        return []
    return [
        button["callback_data"]
        for row in markup.get("inline_keyboard") or []
        for button in row
        if isinstance(button, Mapping) and "callback_data" in button
    ]


def _decode_field(key: str, value: str) -> Any:
    """aiogram sends every non-string value JSON encoded; undo that."""
    if key in _STRING_FIELDS:
        return value
    stripped = value.strip()
    if (
        stripped[:1] in ("[", "{")
        or stripped in ("true", "false", "null")
        or _NUMBER_RE.fullmatch(stripped)
    ):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _message_ref(message: SentMessage | Mapping[str, Any]) -> tuple[int, int]:
    if isinstance(message, SentMessage):
        return message.chat_id, message.message_id
    return int(message["chat"]["id"]), int(message["message_id"])


def _inline_markup(markup: Any) -> JSON | None:
    """Only inline keyboards are echoed in Message.reply_markup."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- fake user


class FakeUser:
    """A Telegram user chatting with the bot in a private chat (chat id == user id).

    Every action enqueues an Update immediately and returns the created object
    (awaiting the result is optional).
    """

    def __init__(
        self,
        api: FakeBotAPI,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> None:
        self.api = api
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"

    @property
    def chat_id(self) -> int:
        return self.id

    def as_user(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    def as_chat(self) -> JSON:
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # -- messages

    def send(self, **fields: Any) -> Created:
        """Send a message with arbitrary content fields (e.g. ``contact={...}``)."""
        return self.api._user_message(self, fields)

    def send_text(self, text: str, reply_to_message_id: int | None = None) -> Created:
        fields: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(command)}]
        if reply_to_message_id is not None:
            fields["reply_to_message_id"] = reply_to_message_id
        return self.api._user_message(self, fields)

    def reply(self, message: SentMessage | Mapping[str, Any], text: str) -> Created:
        _, message_id = _message_ref(message)
        return self.send_text(text, reply_to_message_id=message_id)

    def send_photo(
        self,
        caption: str | None = None,
        media_group_id: str | None = None,
        file_size: int = 50_000,
        content: bytes = DEFAULT_PHOTO,
    ) -> Created:
        """Photo as several PhotoSize objects; the largest has ``file_size`` and ``content``."""
        fields: JSON = {"photo": self.api._register_photo(content, file_size)}
        if caption is not None:
            fields["caption"] = caption
        if media_group_id is not None:
            fields["media_group_id"] = media_group_id
        return self.api._user_message(self, fields)

    def send_document(
        self,
        file_name: str = "spravka.pdf",
        content: bytes = DEFAULT_DOCUMENT,
        mime_type: str | None = "application/pdf",
        caption: str | None = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> Created:
        """``file_size`` defaults to ``len(content)``; override it to fake a huge file."""
        stored = self.api.register_file(
            content, file_name=file_name, mime_type=mime_type, file_size=file_size
        )
        fields: JSON = {"document": stored.as_document()}
        if caption is not None:
            fields["caption"] = caption
        if media_group_id is not None:
            fields["media_group_id"] = media_group_id
        return self.api._user_message(self, fields)

    def send_album(
        self,
        items: Sequence[Mapping[str, Any] | str],
        caption: str | None = None,
    ) -> CreatedList:
        """Several photos/documents sharing one media_group_id (one update each).

        ``items``: ``"photo"``/``"document"`` or mappings such as
        ``{"type": "document", "file_name": "a.pdf", "content": b"..."}`` whose other keys
        are passed to :meth:`send_photo` / :meth:`send_document`.  ``caption`` goes on the
        first item only.
        """
        group_id = self.api._new_media_group_id()
        result = CreatedList()
        for index, item in enumerate(items):
            spec = {"type": item} if isinstance(item, str) else dict(item)
            kind = spec.pop("type", "photo")
            if index == 0 and caption is not None:
                spec["caption"] = caption
            spec["media_group_id"] = group_id
            if kind == "photo":
                result.append(self.send_photo(**spec))
            elif kind == "document":
                result.append(self.send_document(**spec))
            else:
                msg = f"unsupported album item type {kind!r}"
                raise ValueError(msg)
        return result

    # -- callbacks

    def press(
        self,
        message: SentMessage | Mapping[str, Any],
        callback_data: str | None = None,
        *,
        button_text: str | None = None,
        strict: bool = True,
    ) -> Created:
        """Press an inline button of a message the bot sent (callback_query update).

        Give ``callback_data`` or ``button_text`` (substring of the button label).  With
        ``strict`` the button must be present in the message's *current* keyboard.
        """
        return self.api._press(self, message, callback_data, button_text, strict=strict)

    # -- conveniences

    def sent_messages(self) -> list[SentMessage]:
        return self.api.sent_messages(self.id)

    async def wait_sent(self, count: int = 1, timeout: float = 5.0) -> list[SentMessage]:  # noqa: ASYNC109
        return await self.api.wait_sent(self.id, count=count, timeout=timeout)


# --------------------------------------------------------------------------- the server

Handler = Callable[[Request], Any]


class FakeBotAPI:
    """Fake Telegram Bot API server (see module docstring)."""

    def __init__(
        self,
        *,
        first_update_id: int = 1,
        bot_id: int = 123456,
        bot_username: str = "roadmap_test_bot",
        bot_first_name: str = "Roadmap Test Bot",
        token: str | None = None,
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        strict_formatting: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        #: A token accepted by aiogram whose bot id matches ``bot_id``.  Any token works.
        self.token = token or f"{bot_id}:AAFakeTokenForTests_{secrets.token_hex(4)}"
        self.rate_limits = rate_limits
        self.clock = clock
        #: Validate parse_mode markup and reply_markup like Telegram does.
        self.strict_formatting = strict_formatting
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._closing = False

        # recording
        self.requests: list[Request] = []
        self.unknown_methods: list[str] = []
        self.tokens: list[str] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.deleted_messages: list[tuple[int, int]] = []
        self.dropped_updates: list[JSON] = []
        self.flood_rejections = 0
        self._sent: list[SentMessage] = []
        self._cursor: dict[int, int] = {}

        # bot-side state
        self.webhook: JSON | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[JSON]] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._users: dict[int, FakeUser] = {}
        self._callbacks: dict[str, tuple[int, int, bool]] = {}  # id -> chat, message, answered

        # updates
        self._pending: list[JSON] = []
        self._allowed_updates: list[str] | None = None
        self._update_ids = itertools.count(first_update_id)
        self._ids = itertools.count(1)
        self._poll_generation = 0

        # faults
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._down: _Down | None = None
        self._flood: dict[tuple[str, int | None], deque[float]] = defaultdict(deque)

        self._changed = _Pulse()  # anything recorded / answered / confirmed
        self._updates_changed = _Pulse()  # wakes long polling
        self._extra_methods: dict[str, Handler] = {}
        self._methods: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._return_true,
                "close": self._return_true,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": functools.partial(self._send_media, "document"),
                "sendVideo": functools.partial(self._send_media, "video"),
                "sendAudio": functools.partial(self._send_media, "audio"),
                "sendVoice": functools.partial(self._send_media, "voice"),
                "sendAnimation": functools.partial(self._send_media, "animation"),
                "sendMediaGroup": self._send_media_group,
                "sendChatAction": self._return_true,
                "copyMessage": self._copy_message,
                "forwardMessage": self._forward_message,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "deleteMessages": self._delete_messages,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
                "getChat": self._get_chat,
                "setMyDescription": self._set_text_setting("descriptions", "description"),
                "getMyDescription": self._get_text_setting("descriptions", "description"),
                "setMyShortDescription": self._set_text_setting(
                    "short_descriptions", "short_description"
                ),
                "getMyShortDescription": self._get_text_setting(
                    "short_descriptions", "short_description"
                ),
                "setMyName": self._set_text_setting("names", "name"),
                "getMyName": self._get_text_setting("names", "name"),
                "setMessageReaction": self._return_true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        self._closing = False
        host, port = runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        self._updates_changed.fire()  # release long polls so shutdown is immediate
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            msg = "FakeBotAPI is not started"
            raise RuntimeError(msg)
        return self._base_url

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def register_method(self, name: str, handler: Handler) -> None:
        """Serve an extra Bot API method: ``handler(request) -> result`` (may raise ApiError)."""
        self._extra_methods[name.lower()] = handler

    # ------------------------------------------------------------------ recording / queries

    def mark(self) -> int:
        """Position in the request log; pass to ``wait_sent(since=...)``/``sent_messages``."""
        return len(self.requests)

    def sent_messages(
        self,
        chat_id: int | None = None,
        *,
        since: int | None = None,
        method: str | None = None,
    ) -> list[SentMessage]:
        """Messages the bot sent or edited, oldest first (only successful calls)."""
        return [
            message
            for message in self._sent
            if (chat_id is None or message.chat_id == chat_id)
            and (since is None or message.request_index >= since)
            and (method is None or message.method.lower() == method.lower())
        ]

    def last_sent(self, chat_id: int | None = None) -> SentMessage:
        messages = self.sent_messages(chat_id)
        if not messages:
            msg = f"the bot has not sent anything to chat {chat_id}"
            raise LookupError(msg)
        return messages[-1]

    def calls(self, method: str, chat_id: int | None = None) -> list[Request]:
        """Recorded requests of one API method (case-insensitive)."""
        return [
            request
            for request in self.requests
            if request.method.lower() == method.lower()
            and (chat_id is None or request.chat_id == chat_id)
        ]

    def get_message(self, chat_id: int, message_id: int) -> JSON | None:
        """Current state of a message (after edits); ``None`` if unknown or deleted."""
        message = self._messages.get((chat_id, message_id))
        return copy.deepcopy(message) if message is not None else None

    def history(self, chat_id: int) -> list[JSON]:
        """All live messages of a chat (user's and bot's), oldest first."""
        return [
            copy.deepcopy(message)
            for (chat, _), message in sorted(self._messages.items())
            if chat == chat_id
        ]

    def my_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSON]:
        return list(self.commands.get(self._commands_key(scope, language_code), []))

    @property
    def pending_updates(self) -> list[JSON]:
        """Enqueued updates not yet confirmed by getUpdates ``offset``."""
        return copy.deepcopy(self._pending)

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self,
        predicate: Callable[[FakeBotAPI], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        what: str | None = None,
    ) -> T:
        """Wait until ``predicate(api)`` is truthy and return its value.

        Re-evaluated whenever a request is recorded/answered or an update is enqueued
        or confirmed.  Raises ``TimeoutError`` with a dump of recent traffic.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                description = what or getattr(predicate, "__name__", repr(predicate))
                raise TimeoutError(self.describe(f"Timed out after {timeout}s: {description}"))
            await self._changed.wait(remaining)

    async def wait_sent(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        since: int | None = None,
    ) -> list[SentMessage]:
        """Wait for at least ``count`` new bot messages (sends and edits) in ``chat_id``.

        "New" means after ``since`` (a :meth:`mark`) if given, otherwise after the later
        of the previous ``wait_sent`` for this chat and the user's last action in it.
        Returns all new messages at that moment.
        """
        start_seq = self._cursor.get(chat_id, 0)

        def new_messages() -> list[SentMessage]:
            return [
                message
                for message in self._sent[start_seq if since is None else 0 :]
                if message.chat_id == chat_id and (since is None or message.request_index >= since)
            ]

        await self.wait_for(
            lambda _: len(new_messages()) >= count,
            timeout,
            what=f"{count} new message(s) from the bot in chat {chat_id}",
        )
        self._cursor[chat_id] = len(self._sent)
        return new_messages()

    async def wait_updates_consumed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every enqueued update was confirmed (a later getUpdates offset).

        Confirmation happens when the poller asks for the next batch, which with aiogram
        is before the handlers have finished.
        """
        await self.wait_for(
            lambda api: not api._pending, timeout, what="all enqueued updates to be confirmed"
        )

    async def wait_request(
        self,
        method: str,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        since: int | None = None,
    ) -> Request:
        """Wait for an answered request of ``method`` (after ``since`` mark if given)."""
        start = self.mark() if since is None else since

        def answered() -> Request | None:
            for request in self.requests[start:]:
                if request.method.lower() == method.lower() and request.status is not None:
                    return request
            return None

        return await self.wait_for(lambda _: answered(), timeout, what=f"a {method} request")

    def describe(self, headline: str = "FakeBotAPI state", last: int = 15) -> str:
        """Human readable dump of recent traffic, used in timeout errors."""
        lines = [headline]
        pending = ", ".join(f"#{u['update_id']} {_update_type(u)}" for u in self._pending)
        lines.append(f"Unconfirmed updates: {pending or 'none'}")
        if self.dropped_updates:
            dropped = ", ".join(
                f"#{u['update_id']} {_update_type(u)}" for u in self.dropped_updates
            )
            lines.append(
                f"Dropped updates (not in allowed_updates {self._allowed_updates}): {dropped}"
            )
        if self.unknown_methods:
            lines.append(f"Unknown methods called: {self.unknown_methods}")
        polls = self.calls("getUpdates")
        lines.append(f"getUpdates calls: {len(polls)}")
        interesting = [r for r in self.requests if r.method.lower() != "getupdates"]
        lines.append(f"Last {min(last, len(interesting))} of {len(interesting)} other requests:")
        for request in interesting[-last:]:
            if request.status is None:
                outcome = "(no answer)"
            elif request.ok:
                outcome = f"{request.status} ok"
            else:
                description = (
                    request.response.get("description")
                    if isinstance(request.response, dict)
                    else ""
                )
                outcome = f"{request.status} {description}"
            lines.append(
                f"  #{request.index} {request.method} chat={request.chat_id} -> {outcome} "
                f"{_short(request.params)}"
            )
        return "\n".join(lines)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = 1,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next matching request(s) with an error.

        ``method=None`` matches any method except getUpdates (the poller would eat the
        fault; pass ``method="getUpdates"`` explicitly).  ``chat_id=None`` matches any
        request.  A 429 always carries ``retry_after`` (default 1).  ``times=None``
        fails forever (until :meth:`clear_faults`).
        """
        if error_code == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1

        def make() -> ApiError:
            return ApiError(
                error_code,
                description,
                retry_after=retry_after,
                migrate_to_chat_id=migrate_to_chat_id,
            )

        self._faults.append(_Fault(method, chat_id, make, times))

    def clear_faults(self) -> None:
        self._faults.clear()

    def block_user(self, chat_id: int) -> None:
        """Every send/edit to ``chat_id`` answers 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def set_down(self, status: int | None = 500, drop_connections: bool = False) -> None:
        """Fail every request (downloads included) until :meth:`set_up`.

        ``status`` 500 gives a Telegram JSON error; 502/503/504 give an nginx HTML page
        (aiogram then raises ClientDecodeError, as in production).  With
        ``drop_connections`` (or ``status=None``) the connection is closed without an answer.
        """
        self._down = _Down(status, drop_connections or status is None)
        self._updates_changed.fire()

    def set_up(self) -> None:
        self._down = None

    # ------------------------------------------------------------------ users & updates

    def user(
        self,
        user_id: int,
        first_name: str = "Иван",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> FakeUser:
        """The fake user with this id (private chat id == user id).

        Calling again with the same id returns the same object; arguments that differ
        from the defaults update its profile.
        """
        user = self._users.get(user_id)
        if user is None:
            user = FakeUser(self, user_id, first_name, last_name, username, language_code)
            self._users[user_id] = user
            return user
        changes = {
            "first_name": (first_name, "Иван"),
            "last_name": (last_name, None),
            "username": (username, None),
            "language_code": (language_code, "ru"),
        }
        for attribute, (value, default) in changes.items():
            if value != default:
                setattr(user, attribute, value)
        return user

    def enqueue_update(self, update: Mapping[str, Any]) -> int:
        """Enqueue a raw update (its ``update_id`` is assigned here) and return the id.

        Update types excluded by the bot's current ``allowed_updates`` are dropped, like
        Telegram does; see :attr:`dropped_updates`.
        """
        stored = {key: value for key, value in update.items() if key != "update_id"}
        stored = {"update_id": next(self._update_ids), **copy.deepcopy(stored)}
        if self._is_allowed(stored):
            self._pending.append(stored)
        else:
            self.dropped_updates.append(stored)
        self._updates_changed.fire()
        self._changed.fire()
        return int(stored["update_id"])

    def register_file(
        self,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        folder: str = "documents",
    ) -> StoredFile:
        """Make ``content`` downloadable; returns its metadata (file_id etc.)."""
        number = next(self._ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif folder == "photos":
            suffix = ".jpg"
        stored = StoredFile(
            file_id=f"FAKE{folder[:3].upper()}{number}_{secrets.token_urlsafe(12)}",
            file_unique_id=f"U{number}{secrets.token_hex(4)}",
            content=content,
            file_size=len(content) if file_size is None else file_size,
            file_path=f"{folder}/file_{number}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _register_photo(self, content: bytes, file_size: int) -> list[JSON]:
        sizes: list[JSON] = []
        for (width, height), divisor in (((90, 68), 30), ((320, 240), 6), ((1280, 960), 1)):
            stored = self.register_file(
                content, file_size=max(1, file_size // divisor), folder="photos"
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.file_size,
                    "width": width,
                    "height": height,
                }
            )
        for size in sizes:
            self._photo_sizes[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def _new_media_group_id(self) -> str:
        return str(13_000_000_000_000_000 + next(self._ids))

    def _new_message(self, chat_id: int, sender: JSON, content: Mapping[str, Any]) -> JSON:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = message_id + 1
        message: JSON = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        message.update(content)
        self._messages[(chat_id, message_id)] = message
        return message

    def _user_message(self, user: FakeUser, fields: Mapping[str, Any]) -> Created:
        content = dict(fields)
        reply_to = content.pop("reply_to_message_id", None)
        if reply_to is not None:
            original = self._messages.get((user.id, int(reply_to)))
            if original is None:
                msg = f"message {reply_to} not found in chat {user.id}"
                raise LookupError(msg)
            content["reply_to_message"] = _without_reply(original)
        message = self._new_message(user.id, user.as_user(), content)
        self._cursor[user.id] = len(self._sent)
        created = Created(copy.deepcopy(message))
        created.update_id = self.enqueue_update({"message": message})
        return created

    def _press(
        self,
        user: FakeUser,
        message: SentMessage | Mapping[str, Any],
        callback_data: str | None,
        button_text: str | None,
        *,
        strict: bool,
    ) -> Created:
        chat_id, message_id = _message_ref(message)
        current = self._messages.get((chat_id, message_id))
        if current is None:
            msg = f"message {message_id} in chat {chat_id} does not exist (deleted?)"
            raise LookupError(msg)
        markup = current.get("reply_markup")
        if button_text is not None:
            matches = [d for t, d in buttons(markup) if button_text in t and d is not None]
            if not matches:
                msg = f"no button containing {button_text!r}; buttons: {buttons(markup)}"
                raise LookupError(msg)
            callback_data = matches[0]
        if callback_data is None:
            msg = "give callback_data or button_text"
            raise ValueError(msg)
        if strict and callback_data not in _callback_datas(markup):
            msg = (
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"current buttons: {buttons(markup)}"
            )
            raise ValueError(msg)
        query_id = str(4_000_000_000_000_000_000 + next(self._ids) * 7919)
        self._callbacks[query_id] = (chat_id, message_id, False)
        query: JSON = {
            "id": query_id,
            "from": user.as_user(),
            "chat_instance": str(abs(hash((self.bot_id, chat_id))) % 10**18),
            "message": copy.deepcopy(current),
            "data": callback_data,
        }
        self._cursor[chat_id] = len(self._sent)
        created = Created(copy.deepcopy(query))
        created.update_id = self.enqueue_update({"callback_query": query})
        return created

    def _is_allowed(self, update: Mapping[str, Any]) -> bool:
        kind = _update_type(update)
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _SPECIAL_UPDATE_TYPES

    def _confirm(self, offset: int) -> None:
        before = len(self._pending)
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if len(self._pending) != before:
            self._changed.fire()

    def _chat(self, chat_id: int) -> JSON:
        user = self._users.get(chat_id)
        if user is not None:
            return user.as_chat()
        if chat_id < 0:
            kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
            return {"id": chat_id, "type": kind, "title": f"Test chat {chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}

    def _sender_user(self, message: Mapping[str, Any]) -> JSON:
        sender = message.get("from")
        return dict(sender) if isinstance(sender, Mapping) else self.bot_user

    # ------------------------------------------------------------------ HTTP layer

    def _record(self, request: Request) -> Request:
        request.index = len(self.requests)
        self.requests.append(request)
        if request.token and request.token not in self.tokens:
            self.tokens.append(request.token)
        self._changed.fire()
        return request

    def _finish(self, request: Request, status: int | None, response: Any) -> None:
        request.status = status
        request.response = response
        self._changed.fire()

    async def _handle_method(self, http_request: web.Request) -> web.StreamResponse:
        method = http_request.match_info["method"]
        token = http_request.match_info["token"]
        try:
            params, files = await self._read_params(http_request)
        except ApiError as error:
            params, files = {}, {}
            parse_error: ApiError | None = error
        else:
            parse_error = None
        request = self._record(
            Request(
                method=method,
                params=params,
                files=files,
                chat_id=self._request_chat_id(method, params),
                at=self.clock(),
                token=token,
                http_method=http_request.method,
            )
        )
        try:
            if parse_error is not None:
                raise parse_error
            result = await self._call(request)
        except _DownError:
            return self._down_response(http_request, request)
        except ApiError as error:
            body = error.payload()
            self._finish(request, error.error_code, body)
            return self._json(body, error.error_code)
        except asyncio.CancelledError:
            self._finish(request, None, None)
            raise
        body = {"ok": True, "result": result}
        self._finish(request, 200, body)
        return self._json(body, 200)

    async def _handle_file(self, http_request: web.Request) -> web.StreamResponse:
        file_path = http_request.match_info["file_path"]
        request = self._record(
            Request(
                method="downloadFile",
                params={"file_path": file_path},
                files={},
                chat_id=None,
                at=self.clock(),
                token=http_request.match_info["token"],
                http_method=http_request.method,
            )
        )
        if self._down is not None:
            return self._down_response(http_request, request)
        stored = self._files_by_path.get(file_path)
        if stored is None:
            body = ApiError(404, "Not Found").payload()
            self._finish(request, 404, body)
            return self._json(body, 404)
        self._finish(request, 200, None)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_unknown_path(self, http_request: web.Request) -> web.StreamResponse:
        del http_request
        return self._json(ApiError(404, "Not Found").payload(), 404)

    @staticmethod
    def _json(body: Any, status: int) -> web.Response:
        return web.json_response(
            body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False)
        )

    def _down_response(self, http_request: web.Request, request: Request) -> web.StreamResponse:
        down = self._down or _Down(500, False)
        if down.drop_connections or down.status is None:
            self._finish(request, None, None)
            if http_request.transport is not None:
                http_request.transport.close()
            # Nothing can be written any more; aiohttp discards this response.
            return web.Response(status=500)
        if down.status in (502, 503, 504):
            phrase = HTTPStatus(down.status).phrase
            page = (
                f"<html>\r\n<head><title>{down.status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{down.status} {phrase}</h1></center>\r\n"
                "<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
            )
            self._finish(request, down.status, page)
            return web.Response(status=down.status, text=page, content_type="text/html")
        body = ApiError(down.status).payload()
        self._finish(request, down.status, body)
        return self._json(body, down.status)

    async def _read_params(
        self, http_request: web.Request
    ) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = {
            key: _decode_field(key, value) for key, value in http_request.query.items()
        }
        files: dict[str, tuple[str, bytes]] = {}
        if http_request.method != "POST" or not http_request.body_exists:
            return params, files
        content_type = http_request.content_type
        if content_type == "application/json":
            try:
                body = await http_request.json()
            except ValueError as error:
                raise ApiError(400, "Bad Request: can't parse JSON object") from error
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            for key, value in body.items():
                if key in _JSON_FIELDS and isinstance(value, str):
                    value = _decode_field(key, value)
                params[key] = value
        elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await http_request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                elif isinstance(value, str):
                    params[key] = _decode_field(key, value)
                else:
                    params[key] = _decode_field(key, bytes(value).decode())
        return params, files

    def _request_chat_id(self, method: str, params: Mapping[str, Any]) -> int | None:
        if method.lower() == "answercallbackquery":
            known = self._callbacks.get(str(params.get("callback_query_id")))
            return known[0] if known else None
        value = params.get("chat_id")
        number = _as_int(value)
        if number is not None:
            return number
        if isinstance(value, str) and value.startswith("@"):
            for user in self._users.values():
                if user.username and user.username.lower() == value[1:].lower():
                    return user.id
        return None

    async def _call(self, request: Request) -> Any:
        if self._down is not None:
            raise _DownError
        name = request.method.lower()
        handler = self._extra_methods.get(name) or self._methods.get(name)
        if handler is None:
            self.unknown_methods.append(request.method)
            raise ApiError(404, "Not Found: method not found")
        for fault in self._faults:
            if fault.matches(request):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                raise fault.error()
        if request.chat_id in self._blocked and _is_chat_write(name):
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.rate_limits is not None and _is_flood_limited(name):
            self._check_flood(request)
        result = handler(request)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    def _check_flood(self, request: Request) -> None:
        limits = self.rate_limits
        assert limits is not None
        now = self.clock()
        windows: list[tuple[deque[float], int, float]] = []
        if limits.global_per_second:
            windows.append((self._flood["global", None], limits.global_per_second, 1.0))
        chat_id = request.chat_id
        if chat_id is not None and limits.per_chat_per_second:
            windows.append((self._flood["chat", chat_id], limits.per_chat_per_second, 1.0))
        if chat_id is not None and chat_id < 0 and limits.per_group_per_minute:
            windows.append((self._flood["group", chat_id], limits.per_group_per_minute, 60.0))
        wait = 0.0
        for stamps, limit, window in windows:
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) >= limit:
                wait = max(wait, stamps[len(stamps) - limit] + window - now)
        if wait > 0:
            self.flood_rejections += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, retry_after=retry_after)
        for stamps, _, _ in windows:
            stamps.append(now)

    # ------------------------------------------------------------------ method helpers

    def _chat_param(self, request: Request, name: str = "chat_id") -> int:
        value = request.params.get(name)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {name} is empty")
        chat_id = request.chat_id if name == "chat_id" else _as_int(value)
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _render(
        self, params: Mapping[str, Any], key: str, entities_key: str, *, required: bool
    ) -> tuple[str, list[JSON]]:
        raw = params.get(key)
        text = "" if raw is None else str(raw)
        given = params.get(entities_key)
        if isinstance(given, list) and not params.get("parse_mode"):
            plain, entities = text, given
        elif self.strict_formatting:
            try:
                plain, entities = render_text(text, params.get("parse_mode"))
            except FormattingError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from error
        else:
            plain, entities = text, []
        if required and not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if key == "text" and len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        if key == "caption" and len(plain) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        return plain, entities

    def _caption_content(self, params: Mapping[str, Any]) -> JSON:
        if not params.get("caption"):
            return {}
        caption, entities = self._render(params, "caption", "caption_entities", required=False)
        content: JSON = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
        return content

    def _check_markup(self, markup: Any) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None or not self.strict_formatting:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: "
                'field "inline_keyboard" must be an Array of Arrays',
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text must be non-empty",
                    )
                if not any(key in button for key in _INLINE_BUTTON_ACTIONS):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard",
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_to(self, request: Request, chat_id: int) -> JSON | None:
        params = request.params
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = _as_int(reply.get("message_id"))
            target_chat = _as_int(reply.get("chat_id")) or chat_id
            allow = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = _as_int(params.get("reply_to_message_id"))
            target_chat = chat_id
            allow = bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        original = self._messages.get((target_chat, message_id))
        if original is None:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return _without_reply(original)

    def _bot_message(
        self,
        request: Request,
        chat_id: int,
        content: JSON,
        *,
        raw_text: str | None,
        with_markup: bool = True,
    ) -> JSON:
        """Create, store and record a message sent by the bot."""
        markup = self._check_markup(request.params.get("reply_markup")) if with_markup else None
        reply_to = self._reply_to(request, chat_id)
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        inline = _inline_markup(markup)
        if inline is not None:
            content["reply_markup"] = inline
        if request.params.get("protect_content"):
            content["has_protected_content"] = True
        message = self._new_message(chat_id, self.bot_user, content)
        self._record_sent(request, message, raw_text, markup)
        return copy.deepcopy(message)

    def _record_sent(
        self, request: Request, message: JSON, raw_text: str | None, markup: Any
    ) -> None:
        self._sent.append(
            SentMessage(
                method=request.method,
                params=request.params,
                message_id=int(message["message_id"]),
                chat_id=int(message["chat"]["id"]),
                text=raw_text,
                reply_markup=markup if isinstance(markup, dict) else None,
                message=copy.deepcopy(message),
                request_index=request.index,
                seq=len(self._sent),
            )
        )

    def _input_file(
        self, request: Request, value: Any, field_name: str, *, folder: str
    ) -> StoredFile:
        """Resolve an InputFile: ``attach://name`` upload, direct upload, file_id or URL."""
        upload: tuple[str, bytes] | None = None
        if value is None and field_name in request.files:
            upload = request.files[field_name]
        elif isinstance(value, str) and value.startswith("attach://"):
            upload = request.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: file {value!r} not found in the request")
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self.register_file(b"", file_name=name, folder=folder)
        elif isinstance(value, str) and value:
            stored = self.files.get(value)
            if stored is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return stored
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        filename, content = upload
        if len(content) > MAX_UPLOAD_SIZE:
            raise ApiError(413, "Request Entity Too Large")
        mime_type = mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
        return self.register_file(content, file_name=filename, mime_type=mime_type, folder=folder)

    def _media_content(self, kind: str, stored: StoredFile) -> JSON:
        if kind == "photo":
            sizes = self._photo_sizes.get(stored.file_id)
            if sizes is None:
                sizes = self._register_photo(stored.content, stored.file_size)
            return {"photo": copy.deepcopy(sizes)}
        media = stored.as_document()
        if kind in ("video", "animation"):
            media.update(width=640, height=360, duration=1)
        elif kind in ("audio", "voice"):
            media["duration"] = 1
        return {kind: media}

    def _edit_target(self, request: Request) -> tuple[int, int, JSON] | None:
        """Stored message addressed by an edit, or ``None`` for inline messages."""
        if request.params.get("inline_message_id"):
            return None
        chat_id = self._chat_param(request)
        message_id = _as_int(request.params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if self._sender_user(message).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat_id, message_id, message

    def _apply_edit(
        self, request: Request, message: JSON, changes: JSON, markup: Any, raw_text: str | None
    ) -> JSON:
        edited = copy.deepcopy(message)
        for key, value in changes.items():
            if value in (None, [], ""):
                edited.pop(key, None)
            else:
                edited[key] = value
        inline = _inline_markup(markup)
        if inline is None:
            edited.pop("reply_markup", None)
        else:
            edited["reply_markup"] = inline
        edited.pop("edit_date", None)
        if edited == {k: v for k, v in message.items() if k != "edit_date"}:
            raise ApiError(400, NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        message.clear()
        message.update(edited)
        self._record_sent(request, message, raw_text, markup)
        return copy.deepcopy(message)

    # ------------------------------------------------------------------ methods

    def _return_true(self, request: Request) -> bool:
        del request
        return True

    def _get_me(self, request: Request) -> JSON:
        del request
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, request: Request) -> list[JSON]:
        params = request.params
        if self.webhook and self.webhook.get("url"):
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = _as_int(params.get("offset"))
        limit = _as_int(params.get("limit")) or 100
        limit = min(max(limit, 1), 100)
        timeout = max(_as_int(params.get("timeout")) or 0, 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed] or None
        if offset is not None:
            self._confirm(offset)
        # A newer getUpdates terminates the older one (Telegram answers it with 409).
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed.fire()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._pending:
                return copy.deepcopy(self._pending[:limit])
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            await self._updates_changed.wait(remaining)
            if self._down is not None:
                raise _DownError
            if generation != self._poll_generation:
                raise ApiError(409, GET_UPDATES_CONFLICT)

    def _set_webhook(self, request: Request) -> bool:
        url = request.params.get("url")
        self.webhook = {"url": str(url or ""), **request.params}
        if request.params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _delete_webhook(self, request: Request) -> bool:
        self.webhook = None
        if request.params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _drop_pending(self) -> None:
        self._pending.clear()
        self._changed.fire()

    def _get_webhook_info(self, request: Request) -> JSON:
        del request
        info: JSON = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    def _send_message(self, request: Request) -> JSON:
        chat_id = self._chat_param(request)
        text, entities = self._render(request.params, "text", "entities", required=True)
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        preview = request.params.get("link_preview_options")
        if isinstance(preview, dict):
            content["link_preview_options"] = preview
        return self._bot_message(request, chat_id, content, raw_text=request.params.get("text"))

    def _send_photo(self, request: Request) -> JSON:
        return self._send_media("photo", request)

    def _send_media(self, kind: str, request: Request) -> JSON:
        chat_id = self._chat_param(request)
        folder = "photos" if kind == "photo" else f"{kind}s"
        stored = self._input_file(request, request.params.get(kind), kind, folder=folder)
        content = self._media_content(kind, stored)
        content.update(self._caption_content(request.params))
        return self._bot_message(request, chat_id, content, raw_text=request.params.get("caption"))

    def _send_media_group(self, request: Request) -> list[JSON]:
        chat_id = self._chat_param(request)
        media = request.params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: media group must include 2-10 items")
        kinds = {str(item.get("type")) for item in media if isinstance(item, dict)}
        for special in ("document", "audio"):
            if special in kinds and len(kinds) > 1:
                raise ApiError(400, f"Bad Request: {special} can't be mixed with other media types")
        prepared: list[tuple[JSON, JSON]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in _MEDIA_FIELDS:
                raise ApiError(400, "Bad Request: unsupported media type in the group")
            kind = str(item["type"])
            folder = "photos" if kind == "photo" else f"{kind}s"
            stored = self._input_file(request, item.get("media"), kind, folder=folder)
            content = self._media_content(kind, stored)
            content.update(self._caption_content(item))
            prepared.append((item, content))
        group_id = self._new_media_group_id()
        reply_to = self._reply_to(request, chat_id)
        messages: list[JSON] = []
        for item, content in prepared:
            content["media_group_id"] = group_id
            if reply_to is not None:
                content["reply_to_message"] = reply_to
            message = self._new_message(chat_id, self.bot_user, content)
            self._record_sent(request, message, item.get("caption"), None)
            messages.append(copy.deepcopy(message))
        return messages

    def _source_message(self, request: Request, what: str) -> JSON:
        from_chat = self._chat_param(request, "from_chat_id")
        message_id = _as_int(request.params.get("message_id"))
        source = self._messages.get((from_chat, message_id or 0))
        if source is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return source

    def _copy_message(self, request: Request) -> JSON:
        chat_id = self._chat_param(request)
        source = self._source_message(request, "copy")
        content = {key: copy.deepcopy(source[key]) for key in _CONTENT_KEYS if key in source}
        raw_text = source.get("text", source.get("caption"))
        if "caption" in request.params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption_content(request.params))
            raw_text = request.params.get("caption")
        message = self._bot_message(request, chat_id, content, raw_text=raw_text)
        return {"message_id": message["message_id"]}

    def _forward_message(self, request: Request) -> JSON:
        chat_id = self._chat_param(request)
        source = self._source_message(request, "forward")
        content = {key: copy.deepcopy(source[key]) for key in _CONTENT_KEYS if key in source}
        content["forward_origin"] = {
            "type": "user",
            "sender_user": self._sender_user(source),
            "date": source["date"],
        }
        return self._bot_message(
            request,
            chat_id,
            content,
            raw_text=source.get("text", source.get("caption")),
            with_markup=False,
        )

    def _edit_message_text(self, request: Request) -> JSON | bool:
        target = self._edit_target(request)
        text, entities = self._render(request.params, "text", "entities", required=True)
        markup = self._check_markup(request.params.get("reply_markup"))
        if target is None:
            return True
        _, _, message = target
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        changes: JSON = {"text": text, "entities": entities or None}
        return self._apply_edit(request, message, changes, markup, request.params.get("text"))

    def _edit_message_caption(self, request: Request) -> JSON | bool:
        target = self._edit_target(request)
        caption, entities = self._render(
            request.params, "caption", "caption_entities", required=False
        )
        markup = self._check_markup(request.params.get("reply_markup"))
        if target is None:
            return True
        _, _, message = target
        if "text" in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        changes: JSON = {"caption": caption or None, "caption_entities": entities or None}
        return self._apply_edit(request, message, changes, markup, request.params.get("caption"))

    def _edit_message_reply_markup(self, request: Request) -> JSON | bool:
        target = self._edit_target(request)
        markup = self._check_markup(request.params.get("reply_markup"))
        if target is None:
            return True
        _, _, message = target
        raw_text = message.get("text", message.get("caption"))
        return self._apply_edit(request, message, {}, markup, raw_text)

    def _delete_message(self, request: Request) -> bool:
        chat_id = self._chat_param(request)
        message_id = _as_int(request.params.get("message_id"))
        if self._messages.pop((chat_id, message_id or 0), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.deleted_messages.append((chat_id, message_id or 0))
        return True

    def _delete_messages(self, request: Request) -> bool:
        chat_id = self._chat_param(request)
        for message_id in request.params.get("message_ids") or []:
            if self._messages.pop((chat_id, int(message_id)), None) is not None:
                self.deleted_messages.append((chat_id, int(message_id)))
        return True

    def _answer_callback_query(self, request: Request) -> bool:
        query_id = str(request.params.get("callback_query_id", ""))
        known = self._callbacks.get(query_id)
        if known is None or known[2]:
            raise ApiError(400, QUERY_TOO_OLD)
        self._callbacks[query_id] = (known[0], known[1], True)
        self.answered_callbacks.append(dict(request.params))
        return True

    def _get_file(self, request: Request) -> JSON:
        stored = self.files.get(str(request.params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return stored.as_file()

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, Mapping) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _set_my_commands(self, request: Request) -> bool:
        commands = request.params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not _COMMAND_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(request.params.get("scope"), request.params.get("language_code"))
        self.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _delete_my_commands(self, request: Request) -> bool:
        key = self._commands_key(request.params.get("scope"), request.params.get("language_code"))
        self.commands.pop(key, None)
        return True

    def _get_my_commands(self, request: Request) -> list[JSON]:
        key = self._commands_key(request.params.get("scope"), request.params.get("language_code"))
        return list(self.commands.get(key, []))

    def _set_chat_menu_button(self, request: Request) -> bool:
        button = request.params.get("menu_button")
        self.menu_buttons[request.chat_id] = (
            button if isinstance(button, dict) else {"type": "default"}
        )
        return True

    def _get_chat_menu_button(self, request: Request) -> JSON:
        return self.menu_buttons.get(
            request.chat_id, self.menu_buttons.get(None, {"type": "default"})
        )

    def _get_chat(self, request: Request) -> JSON:
        chat_id = self._chat_param(request)
        return {
            **self._chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _set_text_setting(self, attribute: str, key: str) -> Handler:
        def handler(request: Request) -> bool:
            store: dict[str, str] = getattr(self, attribute)
            language = str(request.params.get("language_code") or "")
            value = request.params.get(key)
            if value:
                store[language] = str(value)
            else:
                store.pop(language, None)
            return True

        return handler

    def _get_text_setting(self, attribute: str, key: str) -> Handler:
        def handler(request: Request) -> JSON:
            store: dict[str, str] = getattr(self, attribute)
            language = str(request.params.get("language_code") or "")
            return {key: store.get(language, store.get("", ""))}

        return handler


class _DownError(Exception):
    """Internal: the fake is 'down' (see FakeBotAPI.set_down)."""


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


def _without_reply(message: Mapping[str, Any]) -> JSON:
    return {
        key: copy.deepcopy(value) for key, value in message.items() if key != "reply_to_message"
    }


def _is_chat_write(method: str) -> bool:
    return method.startswith(("send", "edit", "copymessage", "forwardmessage"))


def _is_flood_limited(method: str) -> bool:
    return (method.startswith("send") and method != "sendchataction") or method in (
        "copymessage",
        "forwardmessage",
    )
