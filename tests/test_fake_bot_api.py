"""Tests of the fake Telegram Bot API (tests/fakes/) with the real aiogram stack."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from tests.fakes import DEFAULT_PHOTO, FakeBotAPI, RateLimits, buttons, render_text

pytestmark = pytest.mark.asyncio

USER_ID = 42


def make_bot(api: FakeBotAPI, **kwargs: object) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    return Bot(api.token, session=session, **kwargs)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = make_bot(api)
    yield bot
    await bot.session.close()


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="Ещё", callback_data=f"again:{message.text}")],
                [InlineKeyboardButton(text="Сайт", url="https://example.org")],
            ]
        )
        await message.answer(f"echo: {message.text}", reply_markup=keyboard)

    @dp.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        assert message.photo is not None
        data = await bot.download(message.photo[-1])
        assert data is not None
        await message.answer(f"photo bytes: {len(data.read())}")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("готово")
        assert isinstance(query.message, Message)
        await query.message.answer(f"pressed {query.data}")

    return dp


@contextlib.asynccontextmanager
async def polling(api: FakeBotAPI, dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run dp.start_polling in a task; stop it cleanly afterwards."""
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    await api.wait_for(lambda a: a.calls("getUpdates") or task.done(), what="polling start")
    if task.done():
        task.result()  # re-raise the start-up error
    try:
        yield
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, timeout=5)
        await bot.session.close()


async def test_get_me(api: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()

    assert me.id == api.bot_id == bot.id
    assert me.is_bot
    assert me.username == "roadmap_test_bot"
    assert api.calls("getMe")[0].token == api.token
    assert api.tokens == [api.token]


async def test_echo_dispatcher_answers_user_text(api: FakeBotAPI, bot: Bot) -> None:
    user = api.user(USER_ID, first_name="Иван", username="ivan")
    async with polling(api, echo_dispatcher(), bot):
        sent = await user.send_text("привет")  # awaiting is optional
        [answer] = await api.wait_sent(USER_ID)
        await api.wait_updates_consumed()

        user.send_text("второе")
        [second] = await user.wait_sent()

    assert sent["text"] == "привет" and sent.update_id > 0
    assert answer.method == "sendMessage"
    assert answer.text == "echo: привет"
    assert answer.chat_id == USER_ID
    assert buttons(answer) == [("Ещё", "again:привет"), ("Сайт", "https://example.org")]
    assert answer.message["from"]["id"] == api.bot_id
    assert second.text == "echo: второе"
    assert second.message_id > answer.message_id
    assert [m.text for m in api.sent_messages(USER_ID)] == ["echo: привет", "echo: второе"]
    assert api.pending_updates == []


async def test_user_command_entity_and_reply(api: FakeBotAPI, bot: Bot) -> None:
    user = api.user(USER_ID, username="ivan")
    assert api.user(USER_ID) is user and user.username == "ivan"

    command = user.send_text("/start promo")
    question = await bot.send_message(USER_ID, "Как вас зовут?")
    reply = await user.reply(api.last_sent(USER_ID), "Иван")
    updates = await bot.get_updates()

    assert command["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert reply["reply_to_message"]["message_id"] == question.message_id
    assert [u.update_id for u in updates] == [command.update_id, reply.update_id]
    last = updates[-1].message
    assert last is not None and last.reply_to_message is not None
    assert last.reply_to_message.text == "Как вас зовут?"
    assert last.from_user is not None and last.from_user.username == "ivan"


async def test_callback_press_reaches_handler(api: FakeBotAPI, bot: Bot) -> None:
    user = api.user(USER_ID)
    async with polling(api, echo_dispatcher(), bot):
        user.send_text("шаг")
        [answer] = await api.wait_sent(USER_ID)

        query = user.press(answer, button_text="Ещё")
        [pressed] = await api.wait_sent(USER_ID)
        await api.wait_for(lambda a: a.answered_callbacks, what="answerCallbackQuery")

        with pytest.raises(ValueError, match="no button"):
            user.press(answer, "not-a-button")

    assert query["data"] == "again:шаг"
    assert query["message"]["message_id"] == answer.message_id
    assert api.answered_callbacks == [{"callback_query_id": query["id"], "text": "готово"}]
    assert api.calls("answerCallbackQuery")[0].chat_id == USER_ID
    assert pressed.method == "sendMessage"
    assert pressed.message_id == answer.message_id + 1
    assert pressed.text == "pressed again:шаг"
    assert pressed.reply_markup is None


async def test_document_upload_then_download_round_trip(api: FakeBotAPI, bot: Bot) -> None:
    payload = "Справка №1\n".encode() * 100
    message = await bot.send_document(
        USER_ID, BufferedInputFile(payload, filename="spravka.txt"), caption="Ваша справка"
    )

    assert message.document is not None
    assert message.document.file_name == "spravka.txt"
    assert message.document.file_size == len(payload)
    assert message.caption == "Ваша справка"
    request = api.calls("sendDocument")[0]
    assert request.files and next(iter(request.files.values())) == ("spravka.txt", payload)

    file = await bot.get_file(message.document.file_id)
    assert file.file_path
    downloaded = await bot.download(message.document.file_id)
    assert downloaded is not None and downloaded.read() == payload

    # re-sending by file_id reuses the metadata
    again = await bot.send_document(USER_ID, message.document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == message.document.file_unique_id
    assert [m.method for m in api.sent_messages(USER_ID)] == ["sendDocument", "sendDocument"]


async def test_user_photo_is_downloadable_by_bot(api: FakeBotAPI, bot: Bot) -> None:
    user = api.user(USER_ID)
    async with polling(api, echo_dispatcher(), bot):
        message = user.send_photo(caption="скан", content=DEFAULT_PHOTO * 3)
        [answer] = await api.wait_sent(USER_ID)

    sizes = message["photo"]
    assert [s["width"] for s in sizes] == sorted(s["width"] for s in sizes)
    assert sizes[-1]["file_size"] == 50_000
    assert answer.text == f"photo bytes: {len(DEFAULT_PHOTO) * 3}"
    assert api.calls("getFile")[0].params["file_id"] == sizes[-1]["file_id"]
    assert api.calls("downloadFile")


async def test_user_documents_album_and_huge_file(api: FakeBotAPI, bot: Bot) -> None:
    user = api.user(USER_ID)
    album = user.send_album(
        [{"type": "document", "file_name": "a.pdf"}, {"type": "document", "file_name": "b.pdf"}],
        caption="два файла",
    )
    huge = user.send_document(file_name="big.pdf", file_size=25 * 1024 * 1024)

    assert len({m["media_group_id"] for m in album}) == 1
    assert album[0]["caption"] == "два файла" and "caption" not in album[1]
    assert album.update_ids == sorted(album.update_ids)
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(huge["document"]["file_id"])
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [*album.update_ids, huge.update_id]
    assert updates[0].message is not None and updates[0].message.document is not None


async def test_get_updates_offset_confirms_and_long_poll_returns_early(
    api: FakeBotAPI, bot: Bot
) -> None:
    user = api.user(USER_ID)
    first = user.send_text("one")
    [update] = await bot.get_updates(timeout=0)
    assert update.update_id == first.update_id

    poll = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=30))
    await api.wait_for(lambda a: len(a.calls("getUpdates")) == 2, what="second getUpdates")
    await api.wait_updates_consumed()  # the offset confirmed "one"
    assert not poll.done()

    started = time.monotonic()
    second = user.send_text("two")
    updates = await asyncio.wait_for(poll, timeout=5)
    elapsed = time.monotonic() - started

    assert elapsed < 0.5
    assert [u.update_id for u in updates] == [second.update_id]
    assert updates[0].message is not None and updates[0].message.text == "two"


async def test_concurrent_get_updates_conflict(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for(lambda a: a.calls("getUpdates"))

    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(poll, timeout=5)


async def test_fail_next_429_raises_retry_after(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", chat_id=USER_ID, error_code=429, retry_after=7)

    await bot.send_message(USER_ID + 1, "другой чат")  # does not match
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER_ID, "раз")
    await bot.send_message(USER_ID, "два")  # only once

    assert caught.value.retry_after == 7
    assert "retry after 7" in caught.value.message
    assert [m.text for m in api.sent_messages()] == ["другой чат", "два"]
    assert api.calls("sendMessage")[1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_fail_next_other_errors(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next(error_code=400, description="Bad Request: chat not found", times=2)

    for _ in range(2):
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.get_me()
    assert (await bot.get_me()).id == api.bot_id


async def test_block_user_raises_forbidden(api: FakeBotAPI, bot: Bot) -> None:
    api.block_user(USER_ID)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "привет")
    await bot.send_message(USER_ID + 1, "другому можно")

    api.unblock_user(USER_ID)
    await bot.send_message(USER_ID, "снова можно")
    assert [m.chat_id for m in api.sent_messages()] == [USER_ID + 1, USER_ID]


async def test_set_down_and_up(api: FakeBotAPI, bot: Bot) -> None:
    api.set_down(500)
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.get_me()

    api.set_down(502)
    with pytest.raises(ClientDecodeError):
        await bot.send_message(USER_ID, "nginx page")

    api.set_down(drop_connections=True)
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()

    api.set_up()
    assert (await bot.get_me()).id == api.bot_id
    assert [r.status for r in api.requests] == [500, 502, None, 200]
    assert api.sent_messages() == []


async def test_set_down_releases_waiting_long_poll(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for(lambda a: a.calls("getUpdates"))

    api.set_down(500)
    with pytest.raises(TelegramServerError):
        await asyncio.wait_for(poll, timeout=5)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_rate_limits_produce_429() -> None:
    clock = FakeClock()
    limits = RateLimits(global_per_second=3, per_chat_per_second=1)
    async with FakeBotAPI(rate_limits=limits, clock=clock) as api:
        bot = make_bot(api)
        try:
            await bot.send_message(1, "a")
            with pytest.raises(TelegramRetryAfter) as per_chat:
                await bot.send_message(1, "b")
            await bot.send_message(2, "c")
            await bot.get_me()  # not rate limited
            await bot.send_message(3, "d")
            with pytest.raises(TelegramRetryAfter) as global_limit:
                await bot.send_message(4, "e")

            clock.now += 1.0  # the windows slide; nothing sleeps
            await bot.send_message(1, "f")
        finally:
            await bot.session.close()

    assert per_chat.value.retry_after == 1
    assert global_limit.value.retry_after >= 1
    assert api.flood_rejections == 2
    assert [m.text for m in api.sent_messages()] == ["a", "c", "d", "f"]


async def test_formatting_and_keyboard_validation(api: FakeBotAPI) -> None:
    bot = make_bot(api, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        message = await bot.send_message(USER_ID, "<b>Шаг 1</b> из 3 &lt;5&gt;")
        assert message.text == "Шаг 1 из 3 <5>"
        assert message.entities is not None and message.entities[0].type == "bold"
        assert api.last_sent(USER_ID).text == "<b>Шаг 1</b> из 3 &lt;5&gt;"
        assert api.last_sent(USER_ID).plain_text == "Шаг 1 из 3 <5>"

        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(USER_ID, "1 < 2")
        with pytest.raises(TelegramBadRequest, match="HTML only"):
            await bot.send_message(USER_ID, "Итого: 5.", parse_mode="MarkdownV2")
        too_long = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="x" * 65)]]
        )
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(USER_ID, "kb", reply_markup=too_long)
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(USER_ID, "я" * 4097)
    finally:
        await bot.session.close()

    assert render_text("<b>a</b> <i>b</i> .", "HTML") == (
        "a b .",
        [
            {"type": "bold", "offset": 0, "length": 1},
            {"type": "italic", "offset": 2, "length": 1},
        ],
    )
    assert len(api.sent_messages()) == 1


async def test_media_group_commands_and_unknown_methods(api: FakeBotAPI, bot: Bot) -> None:
    album = await bot.send_media_group(
        USER_ID,
        [
            InputMediaPhoto(media=BufferedInputFile(DEFAULT_PHOTO, "1.png"), caption="первое"),
            InputMediaPhoto(media=BufferedInputFile(DEFAULT_PHOTO, "2.png")),
        ],
    )
    assert [m.media_group_id for m in album] == [album[0].media_group_id] * 2
    assert [m.text for m in api.sent_messages(USER_ID)] == ["первое", None]

    await bot.set_my_commands([BotCommand(command="start", description="Начать")])
    assert api.my_commands() == [{"command": "start", "description": "Начать"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    assert await bot.delete_webhook(drop_pending_updates=True)

    # What the bot never calls is not served: a new call shows up as a 404 here.
    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot.pin_chat_message(USER_ID, album[1].message_id)
    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot.copy_message(USER_ID, USER_ID, album[0].message_id)
    assert api.unknown_methods == ["pinChatMessage", "copyMessage"]


async def test_raw_http_json_form_and_get(api: FakeBotAPI) -> None:
    url = f"{api.base_url}/bot{api.token}"
    markup = {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/sendMessage", json={"chat_id": USER_ID, "text": "json", "reply_markup": markup}
        ) as response:
            assert (await response.json())["result"]["reply_markup"] == markup
        form = {"chat_id": str(USER_ID), "text": "123", "reply_markup": '{"keyboard": [["A"]]}'}
        async with http.post(f"{url}/sendMessage", data=form) as response:
            assert (await response.json())["result"]["text"] == "123"
        async with http.get(f"{url}/getMe") as response:
            assert (await response.json())["result"]["id"] == api.bot_id
        async with http.get(f"{url}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{api.base_url}/file/bot{api.token}/nope.txt") as response:
            assert response.status == 404

    first, second = api.sent_messages(USER_ID)
    assert first.params["chat_id"] == USER_ID and first.reply_markup == markup
    assert second.params["text"] == "123"  # text is never JSON-decoded
    assert second.reply_markup == {"keyboard": [["A"]]}
    assert buttons(second) == [("A", None)]
    assert "reply_markup" not in second.message  # reply keyboards are not echoed
    assert api.unknown_methods == ["noSuchMethod"]


async def test_wait_for_timeout_dumps_requests(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(USER_ID, "единственное")

    with pytest.raises(TimeoutError) as caught:
        await api.wait_sent(USER_ID, count=2, timeout=0.05)

    assert "2 new message(s)" in str(caught.value)
    assert "sendMessage chat=42" in str(caught.value)


async def test_instances_are_independent() -> None:
    async with FakeBotAPI(bot_id=1) as first, FakeBotAPI(bot_id=2) as second:
        assert first.base_url != second.base_url
        bots = [make_bot(first), make_bot(second)]
        try:
            assert [(await b.get_me()).id for b in bots] == [1, 2]
            first.user(USER_ID).send_text("только первому")
            assert len(await bots[0].get_updates()) == 1
            assert await bots[1].get_updates() == []
        finally:
            for b in bots:
                await b.session.close()
        assert len(first.requests) == 2 and len(second.requests) == 2
