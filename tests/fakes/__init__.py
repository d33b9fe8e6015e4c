"""Test doubles for external services: the Telegram Bot API server (:mod:`tests.fakes.server`).

The fake is split by concern: :mod:`~tests.fakes.server` (the aiohttp app and the method
table), :mod:`~tests.fakes.state` (recording, queries, waiting), and the methods grouped in
:mod:`~tests.fakes.messages`, :mod:`~tests.fakes.files`, :mod:`~tests.fakes.callbacks`,
:mod:`~tests.fakes.commands`, :mod:`~tests.fakes.updates` and :mod:`~tests.fakes.limits`
(flood limits and injected faults); :mod:`~tests.fakes.user` is the fake person,
:mod:`~tests.fakes.formatting` Telegram's HTML, :mod:`~tests.fakes.records` and
:mod:`~tests.fakes.wire` the data both sides see.
"""

from tests.fakes.formatting import FormattingError, render_text
from tests.fakes.groups import FakeGroup
from tests.fakes.limits import RateLimits
from tests.fakes.records import (
    DEFAULT_DOCUMENT,
    DEFAULT_PHOTO,
    Created,
    CreatedList,
    SentMessage,
    StoredFile,
    buttons,
)
from tests.fakes.server import FakeBotAPI
from tests.fakes.user import FakeUser
from tests.fakes.wire import ApiError, Request

__all__ = [
    "DEFAULT_DOCUMENT",
    "DEFAULT_PHOTO",
    "ApiError",
    "Created",
    "CreatedList",
    "FakeBotAPI",
    "FakeGroup",
    "FakeUser",
    "FormattingError",
    "RateLimits",
    "Request",
    "SentMessage",
    "StoredFile",
    "buttons",
    "render_text",
]
