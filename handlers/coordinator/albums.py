"""An album arrives as several updates; the coordinator gets one answer once it has all arrived.

Each file of the album is stored as it comes (nothing waits for the answer); the answer is
given after a short quiet period with no new file of that album, and it is built from the
database, so it counts every file. If the bot restarts in between, the files are safe and only
this one prompt is skipped (the next message shows the draft).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

QUIET_SECONDS = 1.0


class AlbumAnswers:
    """Pending album answers by album id; each waits ``quiet`` seconds for more files."""

    def __init__(self, quiet: float = QUIET_SECONDS) -> None:
        self.quiet = quiet
        self._pending: dict[str, asyncio.Task[None]] = {}

    def touch(self, album_id: str, answer: Callable[[], Awaitable[None]]) -> None:
        """Another file of the album arrived: (re)start the wait before answering."""
        previous = self._pending.pop(album_id, None)
        if previous is not None:
            previous.cancel()
        self._pending[album_id] = asyncio.create_task(self._later(album_id, answer))

    async def _later(self, album_id: str, answer: Callable[[], Awaitable[None]]) -> None:
        try:
            await asyncio.sleep(self.quiet)
        except asyncio.CancelledError:
            return
        self._pending.pop(album_id, None)
        try:
            await answer()
        except Exception:
            log.exception("album answer failed: album=%s", album_id)

    async def close(self) -> None:
        for task in list(self._pending.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._pending.clear()
