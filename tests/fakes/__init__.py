"""Test doubles for external services."""

from tests.fakes.bot_api import (
    DEFAULT_DOCUMENT,
    DEFAULT_PHOTO,
    ApiError,
    Created,
    CreatedList,
    FakeBotAPI,
    FakeUser,
    FormattingError,
    RateLimits,
    Request,
    SentMessage,
    StoredFile,
    buttons,
    render_text,
)

__all__ = [
    "DEFAULT_DOCUMENT",
    "DEFAULT_PHOTO",
    "ApiError",
    "Created",
    "CreatedList",
    "FakeBotAPI",
    "FakeUser",
    "FormattingError",
    "RateLimits",
    "Request",
    "SentMessage",
    "StoredFile",
    "buttons",
    "render_text",
]
