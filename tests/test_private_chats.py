"""The bot speaks in private chats only (issue 12, item 1), end to end over the fake Bot API.

In a group or supergroup it stays silent except one short line to a command addressed to it
(«напишите мне в личные сообщения», with the link to the private chat); it never uses an
invite, shows data or keeps evidence there; it leaves channels. ``allowed_updates`` asks for
what the bot handles and no more.
"""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import func, select

from models import Invite, Submission, User
from tests.harness import SUPERVISOR_ID, RunningBot, running_bot
from tests.journeys import IN_THE_SCHOOL_YEAR, import_seed, invite_token, join, supervisor

TRAVEL = time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)
GROUP = -4001
SUPERGROUP = -1_000_000_000_777
CHANNEL = -1_000_000_000_888
ANNA, PETR = 2001, 2009
LINK = "https://t.me/roadmap_test_bot"
LINE = {
    "ru": "Я работаю только в личных сообщениях — напишите мне: " + LINK,
    "en": "I work in private messages only — write to me: " + LINK,
}


async def settled(running: RunningBot) -> None:
    await running.api.wait_updates_consumed()
    await running.runner.idle()


async def count(running: RunningBot, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with running.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@TRAVEL
@pytest.mark.parametrize("kind", ["group", "supergroup"])
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_in_a_group_only_a_command_to_the_bot_gets_one_line(tmp_path, locale, kind):
    async with running_bot(tmp_path) as running:
        api = running.api
        await import_seed(running)
        olga = supervisor(running)
        olga.language_code = locale
        anna = await join(running, ANNA, "ЧСОШ № 1", language_code=locale)
        group = api.group(GROUP if kind == "group" else SUPERGROUP, kind=kind)
        group.add_bot(olga)
        await settled(running)
        users_before = await count(running, User)

        mark = api.mark()
        group.say(olga, "/status@roadmap_test_bot")
        group.say(anna, "/tasks")
        group.say(olga, "/status@some_other_bot")
        group.say(anna, "Коллеги, добрый день!")
        photo = api._register_photo(b"\x89PNG fake", 50_000)
        api.enqueue_update(
            {
                "message": api._new_message(
                    group.id, anna.as_user(), {"photo": photo, "caption": "выполнено 1.2"}
                )
            }
        )
        await settled(running)

        sent = api.sent_messages(group.id, since=mark)
        assert [m.plain_text for m in sent] == [LINE[locale], LINE[locale]]
        assert all(m.params.get("reply_parameters") for m in sent)
        assert not api.sent_messages(SUPERVISOR_ID, since=mark)
        assert not api.sent_messages(ANNA, since=mark)
        assert not api.calls("sendPhoto") and not api.calls("getFile")
        assert await count(running, Submission) == 0
        assert await count(running, User) == users_before
        assert not api.calls("leaveChat")


@TRAVEL
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_an_invite_typed_in_a_group_is_not_used(tmp_path, locale):
    async with running_bot(tmp_path) as running:
        api = running.api
        await import_seed(running)
        token = await invite_token(running, "ЧСОШ № 1")
        petr = api.user(PETR, first_name="Пётр", language_code=locale)
        group = api.group(GROUP)
        mark = api.mark()
        group.say(petr, f"/start@roadmap_test_bot {token}")
        group.say(petr, f"/start {token}")
        await settled(running)
        assert [m.plain_text for m in api.sent_messages(group.id, since=mark)] == [LINE[locale]] * 2
        assert await count(running, User, User.platform_user_id == PETR) == 0
        assert await count(running, Invite, Invite.used_at.is_not(None)) == 0

        # The same link in the private chat works.
        petr.send_text(f"/start {token}")
        (welcome,) = await petr.wait_sent()
        assert "ЧСОШ № 1" in welcome.plain_text


@TRAVEL
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_button_under_an_old_group_message_does_nothing_but_say_where(tmp_path, locale):
    async with running_bot(tmp_path) as running:
        api = running.api
        person = api.user(3003, language_code=locale)
        person.send_text("/start")
        await person.wait_sent()
        group = api.group(GROUP)
        old = api._new_message(
            group.id,
            api.bot_user,
            {
                "text": "Выберите язык:",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "English", "callback_data": "lng:en"}]]
                },
            },
        )
        mark = api.mark()
        person.press(old, button_text="English")
        await settled(running)
        (answer,) = [r for r in api.calls("answerCallbackQuery") if r.index >= mark]
        assert answer.params["text"] == LINE[locale]
        assert answer.params["show_alert"] is True
        assert not api.sent_messages(since=mark)
        async with running.sessions() as session:
            locale_now = await session.scalar(
                select(User.locale).where(User.platform_user_id == 3003)
            )
        assert locale_now in (None, locale)


@TRAVEL
async def test_the_bot_leaves_a_channel_and_stays_silent_in_a_group_it_is_added_to(tmp_path):
    async with running_bot(tmp_path) as running:
        api = running.api
        olga = supervisor(running)
        channel = api.group(CHANNEL, title="Новости УО", kind="channel")
        group = api.group(GROUP)
        mark = api.mark()
        channel.add_bot(olga)
        group.add_bot(olga)
        await settled(running)
        (leave,) = api.calls("leaveChat")
        assert leave.chat_id == CHANNEL and leave.ok
        assert channel.bot_status == "left" and group.bot_status == "member"
        assert not api.sent_messages(since=mark)


@TRAVEL
async def test_allowed_updates_are_what_the_bot_handles(tmp_path):
    async with running_bot(tmp_path) as running:
        api = running.api
        asked = api.calls("getUpdates")[-1].params["allowed_updates"]
        assert asked == ["callback_query", "edited_message", "message", "my_chat_member"]
        dropped = len(api.dropped_updates)
        api.enqueue_update(
            {
                "channel_post": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": CHANNEL, "type": "channel"},
                }
            }
        )
        api.enqueue_update({"message_reaction": {"chat": {"id": 1, "type": "private"}}})
        assert len(api.dropped_updates) == dropped + 2
