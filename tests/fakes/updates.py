"""Updates: enqueued by fake users, fetched by long polling (getUpdates) and confirmed by its
offset; a webhook set instead makes getUpdates fail like Telegram's."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tests.fakes.limits import _DownError
from tests.fakes.records import _update_type
from tests.fakes.wire import (
    GET_UPDATES_CONFLICT,
    JSON,
    WEBHOOK_CONFLICT,
    ApiError,
    Request,
    _as_int,
)

if TYPE_CHECKING:
    from tests.fakes.state import ApiState as _Base
else:
    _Base = object

_SPECIAL_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Updates(_Base):
    """The queue of updates, getUpdates, setWebhook and deleteWebhook."""

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
