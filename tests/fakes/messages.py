"""Messages: what the bot sends (text, photo, document, album) and what a fake user sends."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tests.fakes.formatting import FormattingError, render_text
from tests.fakes.records import Created, SentMessage, StoredFile, _inline_markup, _without_reply
from tests.fakes.wire import JSON, ApiError, Request, _as_int

if TYPE_CHECKING:
    from tests.fakes.user import FakeUser

if TYPE_CHECKING:
    from tests.fakes.state import ApiState as _Base
else:
    _Base = object

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_MEDIA_FIELDS = ("photo", "document")
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


class Messages(_Base):
    """sendMessage, sendPhoto, sendDocument, sendMediaGroup; a user's message as an update."""

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

    # ------------------------------------------------------------------ helpers

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
