"""Chats that are not private: groups, supergroups and channels the bot is added to.

A :class:`FakeGroup` is a chat with a negative id where fake users write (``member.say``) and
press buttons; adding the bot, or making it a channel's admin, gives a ``my_chat_member``
update; ``leaveChat`` takes the bot out (:attr:`FakeGroup.bot_status` becomes ``left``).
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from tests.fakes.formatting import _u16
from tests.fakes.records import Created
from tests.fakes.wire import JSON, QUERY_ID_INVALID, QUERY_TOO_OLD, ApiError, Request

if TYPE_CHECKING:
    from tests.fakes.state import ApiState as _Base
    from tests.fakes.user import FakeUser
else:
    _Base = object


class FakeGroup:
    """A group, supergroup or channel (``kind``) with the bot in it."""

    def __init__(self, api: Groups, chat_id: int, title: str, kind: str) -> None:
        self.api = api
        self.id = chat_id
        self.title = title
        self.kind = kind
        self.bot_status = "left"

    def as_chat(self) -> JSON:
        return {"id": self.id, "type": self.kind, "title": self.title}

    def add_bot(self, by: FakeUser, *, status: str | None = None) -> Created:
        """``by`` adds the bot (a channel makes it an administrator): ``my_chat_member``."""
        status = status or ("administrator" if self.kind == "channel" else "member")
        old, self.bot_status = self.bot_status, status
        member: JSON = {"user": self.api.bot_user, "status": status}
        if status == "administrator":
            member.update(can_be_edited=False, can_post_messages=True, is_anonymous=False)
            member.update({f"can_{name}": False for name in _ADMIN_RIGHTS})
        update = {
            "chat": self.as_chat(),
            "from": by.as_user(),
            "date": int(time.time()),
            "old_chat_member": {"user": self.api.bot_user, "status": old},
            "new_chat_member": member,
        }
        created = Created(copy.deepcopy(update))
        created.update_id = self.api.enqueue_update({"my_chat_member": update})
        return created

    def say(self, member: FakeUser, text: str) -> Created:
        """``member`` writes ``text`` in the group; a leading ``/command`` (``@bot`` or not)
        is marked as a bot command, as Telegram does."""
        fields: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(command)}]
        message = self.api._new_message(self.id, member.as_user(), fields)
        created = Created(copy.deepcopy(message))
        created.update_id = self.api.enqueue_update({"message": message})
        return created


_ADMIN_RIGHTS = (
    "manage_chat",
    "delete_messages",
    "manage_video_chats",
    "restrict_members",
    "promote_members",
    "change_info",
    "invite_users",
    "post_stories",
    "edit_stories",
    "delete_stories",
    "send_welcome_messages",
)


class Groups(_Base):
    """Groups and channels; ``leaveChat``; and answerCallbackQuery refused with a 400."""

    def group(self, chat_id: int, title: str = "Методисты", kind: str = "group") -> FakeGroup:
        """The chat ``chat_id`` (negative) of ``kind`` group / supergroup / channel."""
        existing = self._groups.get(chat_id)
        if existing is None:
            existing = FakeGroup(self, chat_id, title, kind)
            self._groups[chat_id] = existing
        return existing

    def _leave_chat(self, request: Request) -> bool:
        group = self._groups.get(request.chat_id or 0)
        if group is None:
            raise ApiError(400, "Bad Request: chat not found")
        group.bot_status = "left"
        return True

    def refuse_callback_answers(self, *, invalid: bool = False, times: int | None = None) -> None:
        """Every answerCallbackQuery (``times`` of them; ``None``: until :meth:`clear_faults`)
        answers 400 «query is too old» (or «query ID is invalid»): a button pressed while the
        bot was down, handled after the answer window closed."""
        description = QUERY_ID_INVALID if invalid else QUERY_TOO_OLD
        self.fail_next(  # type: ignore[attr-defined]
            "answerCallbackQuery", error_code=400, description=description, times=times
        )
