"""What travels over HTTP between the bot and the fake: requests, error answers, and the
decoding of parameters (aiogram JSON-encodes every non-string value of a form)."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

JSON = dict[str, Any]

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
QUERY_ID_INVALID = "Bad Request: query ID is invalid"


GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)

_STRING_FIELDS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "currency",
        "data",
        "description",
        "document",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "game_short_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "payload",
        "phone_number",
        "photo",
        "provider_token",
        "query",
        "question",
        "secret_token",
        "short_description",
        "start_parameter",
        "sticker",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)
_JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "menu_button",
        "message_ids",
        "options",
        "reaction",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")


@dataclass
class Request:
    """One HTTP request received by the fake (API call or file download)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    chat_id: int | None
    at: float
    token: str = ""
    http_method: str = "POST"
    index: int = 0
    #: HTTP status of the answer; ``None`` while pending or if no answer was sent.
    status: int | None = None
    #: JSON body of the answer (``None`` for downloads / dropped connections).
    response: Any = None

    @property
    def ok(self) -> bool:
        return isinstance(self.response, dict) and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        return self.response.get("result") if isinstance(self.response, dict) else None


class ApiError(Exception):
    """Raised inside the fake to produce a Telegram error answer."""

    def __init__(
        self,
        error_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        self.error_code = error_code
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id
        self.description = description or _default_description(error_code, retry_after)
        super().__init__(f"{error_code}: {self.description}")

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        parameters: JSON = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def _default_description(error_code: int, retry_after: int | None = None) -> str:
    known = {
        400: "Bad Request: chat not found",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: GET_UPDATES_CONFLICT,
        413: "Request Entity Too Large",
        429: f"Too Many Requests: retry after {retry_after or 1}",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    if error_code in known:
        return known[error_code]
    with contextlib.suppress(ValueError):
        return HTTPStatus(error_code).phrase
    return "Error"


def _decode_field(key: str, value: str) -> Any:
    """aiogram sends every non-string value JSON encoded; undo that."""
    if key in _STRING_FIELDS:
        return value
    stripped = value.strip()
    if (
        stripped[:1] in ("[", "{")
        or stripped in ("true", "false", "null")
        or _NUMBER_RE.fullmatch(stripped)
    ):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
