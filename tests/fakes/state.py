"""The fake's state: what the bot and the users did, and the ways tests query and wait for it.

Every other part of the fake (:mod:`tests.fakes.server` puts them together) works on this
state; nothing in here sleeps — waiting wakes up whenever a request is recorded or answered,
or an update is enqueued or confirmed.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from tests.fakes.limits import RateLimits, _Down, _Fault
from tests.fakes.records import SentMessage, StoredFile, _Pulse, _update_type
from tests.fakes.user import FakeUser
from tests.fakes.wire import JSON, Request, _short

if TYPE_CHECKING:
    from tests.fakes.server import FakeBotAPI

T = TypeVar("T")


class ApiState:
    """Recorded traffic, messages, files, users and pending updates of one fake server."""

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
        self._closing = False

        # recording
        self.requests: list[Request] = []
        self.unknown_methods: list[str] = []
        self.tokens: list[str] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.dropped_updates: list[JSON] = []
        self.flood_rejections = 0
        self._sent: list[SentMessage] = []
        self._cursor: dict[int, int] = {}

        # bot-side state
        self.webhook: JSON | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[JSON]] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._users: dict[int, FakeUser] = {}
        self._callbacks: dict[str, tuple[int, int, bool]] = {}  # id -> chat, message, answered
        self._groups: dict[int, Any] = {}  # chat id -> FakeGroup (tests/fakes/groups.py)

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

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

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
        """Messages the bot sent, oldest first (only successful calls)."""
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
        """Wait for at least ``count`` new bot messages in ``chat_id``.

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

    # ------------------------------------------------------------------ users, messages, log

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

    def _chat(self, chat_id: int) -> JSON:
        user = self._users.get(chat_id)
        if user is not None:
            return user.as_chat()
        group = self._groups.get(chat_id)
        if group is not None:
            return group.as_chat()
        if chat_id < 0:
            kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
            return {"id": chat_id, "type": kind, "title": f"Test chat {chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}

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
