"""What the fake keeps and hands to tests: messages the bot sent, files, what a fake user
created, and the keyboards in them."""

from __future__ import annotations

import asyncio
import copy
import struct
import zlib
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tests.fakes.wire import JSON

T = TypeVar("T")


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


@dataclass
class SentMessage:
    """A message the bot sent (send*)."""

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
        """Text/caption as a Telegram client would show it (HTML rendered)."""
        value = self.message.get("text", self.message.get("caption"))
        return value if isinstance(value, str) else None

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


def _message_ref(message: SentMessage | Mapping[str, Any]) -> tuple[int, int]:
    if isinstance(message, SentMessage):
        return message.chat_id, message.message_id
    return int(message["chat"]["id"]), int(message["message_id"])


def _inline_markup(markup: Any) -> JSON | None:
    """Only inline keyboards are echoed in Message.reply_markup."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def _without_reply(message: Mapping[str, Any]) -> JSON:
    return {
        key: copy.deepcopy(value) for key, value in message.items() if key != "reply_to_message"
    }


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


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
