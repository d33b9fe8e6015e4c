"""A fake Telegram user in a private chat with the bot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tests.fakes.formatting import _u16
from tests.fakes.records import (
    DEFAULT_DOCUMENT,
    DEFAULT_PHOTO,
    Created,
    CreatedList,
    SentMessage,
    _message_ref,
)
from tests.fakes.wire import JSON

if TYPE_CHECKING:
    from tests.fakes.server import FakeBotAPI


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
