"""In-process fake of the Telegram Bot API, served over real HTTP by aiohttp.

The real aiogram ``Bot`` / ``Dispatcher`` talk to it exactly as they would talk to
``api.telegram.org``::

    async with FakeBotAPI() as api:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
        bot = Bot(api.token, session=session)
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))

        user = api.user(42)
        user.send_text("/start")
        [answer] = await api.wait_sent(42)
        assert "Привет" in answer.text
        user.press(answer, button_text="Дальше")
        ...
        await dp.stop_polling()

Everything is event driven: ``wait_for`` / ``wait_sent`` / ``wait_updates_consumed``
wake up whenever a request is recorded or answered, or an update is enqueued or
confirmed.  Nothing in here sleeps.

Only aiohttp and the standard library are used.  Several instances can run at once;
there is no module level mutable state.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from tests.fakes.callbacks import Callbacks
from tests.fakes.commands import Commands
from tests.fakes.files import Files
from tests.fakes.groups import Groups
from tests.fakes.limits import (
    LimitsAndFaults,
    RateLimits,
    _DownError,
    _is_chat_write,
    _is_flood_limited,
)
from tests.fakes.messages import Messages
from tests.fakes.state import ApiState
from tests.fakes.updates import Updates
from tests.fakes.wire import _JSON_FIELDS, JSON, ApiError, Request, _as_int, _decode_field

Handler = Callable[[Request], Any]


class FakeBotAPI(Updates, Messages, Files, Callbacks, Commands, Groups, LimitsAndFaults, ApiState):
    """Fake Telegram Bot API server (see module docstring): the methods the bot uses, over
    HTTP. Serve another one with :meth:`register_method`; any other answers 404."""

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
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(
            first_update_id=first_update_id,
            bot_id=bot_id,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            token=token,
            rate_limits=rate_limits,
            clock=clock,
            strict_formatting=strict_formatting,
        )
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._extra_methods: dict[str, Handler] = {}
        self._methods: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": functools.partial(self._send_media, "document"),
                "sendMediaGroup": self._send_media_group,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "leaveChat": self._leave_chat,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        self._closing = False
        host, port = runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        self._updates_changed.fire()  # release long polls so shutdown is immediate
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            msg = "FakeBotAPI is not started"
            raise RuntimeError(msg)
        return self._base_url

    def register_method(self, name: str, handler: Handler) -> None:
        """Serve an extra Bot API method: ``handler(request) -> result`` (may raise ApiError)."""
        self._extra_methods[name.lower()] = handler

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_method(self, http_request: web.Request) -> web.StreamResponse:
        method = http_request.match_info["method"]
        token = http_request.match_info["token"]
        try:
            params, files = await self._read_params(http_request)
        except ApiError as error:
            params, files = {}, {}
            parse_error: ApiError | None = error
        else:
            parse_error = None
        request = self._record(
            Request(
                method=method,
                params=params,
                files=files,
                chat_id=self._request_chat_id(method, params),
                at=self.clock(),
                token=token,
                http_method=http_request.method,
            )
        )
        try:
            if parse_error is not None:
                raise parse_error
            result = await self._call(request)
        except _DownError:
            return self._down_response(http_request, request)
        except ApiError as error:
            body = error.payload()
            self._finish(request, error.error_code, body)
            return self._json(body, error.error_code)
        except asyncio.CancelledError:
            self._finish(request, None, None)
            raise
        body = {"ok": True, "result": result}
        self._finish(request, 200, body)
        return self._json(body, 200)

    async def _handle_unknown_path(self, http_request: web.Request) -> web.StreamResponse:
        del http_request
        return self._json(ApiError(404, "Not Found").payload(), 404)

    @staticmethod
    def _json(body: Any, status: int) -> web.Response:
        return web.json_response(
            body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False)
        )

    async def _read_params(
        self, http_request: web.Request
    ) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = {
            key: _decode_field(key, value) for key, value in http_request.query.items()
        }
        files: dict[str, tuple[str, bytes]] = {}
        if http_request.method != "POST" or not http_request.body_exists:
            return params, files
        content_type = http_request.content_type
        if content_type == "application/json":
            try:
                body = await http_request.json()
            except ValueError as error:
                raise ApiError(400, "Bad Request: can't parse JSON object") from error
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            for key, value in body.items():
                if key in _JSON_FIELDS and isinstance(value, str):
                    value = _decode_field(key, value)
                params[key] = value
        elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await http_request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                elif isinstance(value, str):
                    params[key] = _decode_field(key, value)
                else:
                    params[key] = _decode_field(key, bytes(value).decode())
        return params, files

    def _request_chat_id(self, method: str, params: Mapping[str, Any]) -> int | None:
        if method.lower() == "answercallbackquery":
            known = self._callbacks.get(str(params.get("callback_query_id")))
            return known[0] if known else None
        value = params.get("chat_id")
        number = _as_int(value)
        if number is not None:
            return number
        if isinstance(value, str) and value.startswith("@"):
            for user in self._users.values():
                if user.username and user.username.lower() == value[1:].lower():
                    return user.id
        return None

    async def _call(self, request: Request) -> Any:
        if self._down is not None:
            raise _DownError
        name = request.method.lower()
        handler = self._extra_methods.get(name) or self._methods.get(name)
        if handler is None:
            self.unknown_methods.append(request.method)
            raise ApiError(404, "Not Found: method not found")
        for fault in self._faults:
            if fault.matches(request):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                raise fault.error()
        if request.chat_id in self._blocked and _is_chat_write(name):
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.rate_limits is not None and _is_flood_limited(name):
            self._check_flood(request)
        result = handler(request)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    # ------------------------------------------------------------------ methods

    def _get_me(self, request: Request) -> JSON:
        del request
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
