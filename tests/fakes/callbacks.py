"""Inline buttons: a fake user presses one (callback_query), the bot answers it once."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tests.fakes.records import Created, SentMessage, _callback_datas, _message_ref, buttons
from tests.fakes.wire import JSON, QUERY_TOO_OLD, ApiError, Request

if TYPE_CHECKING:
    from tests.fakes.user import FakeUser

if TYPE_CHECKING:
    from tests.fakes.state import ApiState as _Base
else:
    _Base = object


class Callbacks(_Base):
    """Button presses and answerCallbackQuery."""

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

    def _answer_callback_query(self, request: Request) -> bool:
        query_id = str(request.params.get("callback_query_id", ""))
        known = self._callbacks.get(query_id)
        if known is None or known[2]:
            raise ApiError(400, QUERY_TOO_OLD)
        self._callbacks[query_id] = (known[0], known[1], True)
        self.answered_callbacks.append(dict(request.params))
        return True
