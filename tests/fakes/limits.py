"""Limits and faults: Telegram's flood limits (429), errors injected by tests, blocked users,
and an outage of the whole server."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fakes.wire import ApiError, Request

if TYPE_CHECKING:
    from tests.fakes.state import ApiState as _Base
else:
    _Base = object


@dataclass(frozen=True)
class RateLimits:
    """Flood limits applied to the ``send*`` methods.

    Sliding windows over the fake's clock (``time.monotonic`` by default).  ``None``
    disables a limit.  A media group counts as one message.
    """

    global_per_second: int | None = 30
    per_chat_per_second: int | None = 1
    per_group_per_minute: int | None = None


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


class _DownError(Exception):
    """Internal: the fake is 'down' (see FakeBotAPI.set_down)."""


def _is_chat_write(method: str) -> bool:
    return method.startswith("send")


def _is_flood_limited(method: str) -> bool:
    return method.startswith("send")


class LimitsAndFaults(_Base):
    """Fault injection for tests and the flood limits of :class:`RateLimits`."""

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
        """Every send to ``chat_id`` answers 403 "bot was blocked by the user"."""
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
