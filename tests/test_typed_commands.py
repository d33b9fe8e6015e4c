"""Strangers and typos (issue 12, item 11), end to end over the fake Bot API in Russian and
English: a pasted invite link works like ``/start <token>``; another role's command says whom it
is for and what to do; near-misses (``/task``, «задачи», «статус», ``/stauts``) are understood
or suggested; numbers in the language's style («20,5 МБ»); quotes never nest as «…«…»…».
"""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import select

from models import Submission, User
from tests.harness import SUPERVISOR_ID, RunningBot, containing, running_bot, wait_message
from tests.harness import with_button as has_button
from tests.journeys import IN_THE_SCHOOL_YEAR, import_seed, invite_token, join, supervisor
from tests.test_conversation_supervisor import submit

TRAVEL = time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)
ANNA, PETR = 2001, 2009
BOT = "roadmap_test_bot"
WORDS = {
    "ru": {
        "tasks": "📋 Мероприятия школы:",
        "status": "ход дорожной карты",
        "schools": "🏫 2 школы:",
        "for-supervisors": "— для кураторов дорожной карты в управлении образования.",
        "for-coordinators": "— для координаторов школ.",
        "next-stranger": "Чтобы начать, откройте ссылку-приглашение",
        "next-coordinator": "Вы координатор школы: мероприятия и сроки — /tasks",
        "next-supervisor": "Вы куратор: как идут дела у школ — /status",
        "close": "Такой команды нет. Может быть, вы имели в виду: /addschool, /addsupervisor?",
        "unknown": "Не понял это сообщение.",
        "return": "↩️ Вернуть на доработку",
        "returned": "вернул отчёт на доработку",
    },
    "en": {
        "tasks": "📋 The school's activities:",
        "status": "roadmap progress",
        "schools": "🏫 2 schools:",
        "for-supervisors": "command is for the roadmap's supervisors at the education department.",
        "for-coordinators": "command is for school coordinators.",
        "next-stranger": "To start, open the invite link",
        "next-coordinator": "You are a school coordinator: activities and deadlines — /tasks",
        "next-supervisor": "You are a supervisor: how the schools are doing — /status",
        "close": "There is no such command. Did you mean: /addschool, /addsupervisor?",
        "unknown": "",
        "return": "↩️ Return for rework",
        "returned": "returned",
    },
}


async def english(running: RunningBot, person) -> None:  # type: ignore[no-untyped-def]
    person.send_text("/lang")
    (choose,) = await person.wait_sent()
    person.press(choose, button_text="English")
    await person.wait_sent()


async def answer_to(running: RunningBot, person, text: str) -> str:  # type: ignore[no-untyped-def]
    await running.api.wait_updates_consumed()
    await running.runner.idle()
    mark = running.api.mark()
    person.send_text(text)
    messages = await running.api.wait_sent(person.id, since=mark)
    return "\n".join(m.plain_text or "" for m in messages)


@TRAVEL
@pytest.mark.parametrize(
    "pasted",
    [
        "https://t.me/{bot}?start={token}",
        "Вот ссылка: t.me/{bot}?start={token} — спасибо!",
        "http://telegram.me/{bot}?start={token}",
        "tg://resolve?domain={bot}&start={token}",
        "/start https://t.me/{bot}?start={token}",
    ],
)
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_pasted_invite_link_works_like_start(tmp_path, locale, pasted):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        token = await invite_token(running, "ЧСОШ № 1")
        petr = running.api.user(PETR, first_name="Пётр", language_code=locale)
        await answer_to(running, petr, pasted.format(bot="other_bot", token=token))
        async with running.sessions() as session:
            user = await session.scalar(select(User).where(User.platform_user_id == PETR))
        assert user.school_id is None  # a link to another bot is no invite
        welcome = await answer_to(running, petr, pasted.format(bot=BOT.upper(), token=token))
        assert "«ЧСОШ № 1»" in welcome
        async with running.sessions() as session:
            user = await session.scalar(select(User).where(User.platform_user_id == PETR))
        assert user.school_id is not None


@TRAVEL
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_another_roles_command_says_whom_it_is_for_and_what_to_do(tmp_path, locale):
    words = WORDS[locale]
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        olga = supervisor(running)
        olga.language_code = locale
        anna = await join(running, ANNA, "ЧСОШ № 1", language_code=locale)
        petr = running.api.user(PETR, language_code=locale)
        if locale == "en":
            await english(running, olga)
            await english(running, anna)
            await english(running, petr)
        for person, command, owner, who in [
            (petr, "/tasks", "for-coordinators", "next-stranger"),
            (petr, "/status", "for-supervisors", "next-stranger"),
            (petr, "/addschool МБОУ СОШ № 9", "for-supervisors", "next-stranger"),
            (anna, "/status", "for-supervisors", "next-coordinator"),
            (anna, "/schools", "for-supervisors", "next-coordinator"),
            (olga, "/tasks", "for-coordinators", "next-supervisor"),
        ]:
            said = await answer_to(running, person, command)
            name = command.split()[0]
            assert f"{name} {words[owner]}" in said, (command, said)
            assert words[who] in said, (command, said)
        # A stranger's word for a command tells whom it is for; a school's word for a
        # supervisor's command stays a text (it may be a comment).
        for typed, name, owner in [
            ("статус", "/tasks", "for-coordinators"),
            ("Школы", "/schools", "for-supervisors"),
        ]:
            said = await answer_to(running, petr, typed)
            assert f"{name} {words[owner]}" in said and words["next-stranger"] in said, said
        said = await answer_to(running, anna, "рассылка")
        assert words["for-supervisors"] not in said, said


@TRAVEL
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_near_misses_are_understood_or_suggested(tmp_path, locale):
    words = WORDS[locale]
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        olga = supervisor(running)
        anna = await join(running, ANNA, "ЧСОШ № 1", language_code=locale)
        if locale == "en":
            await english(running, olga)
            await english(running, anna)
        for typed in [
            "/task",
            "/Tasks",
            "/taks",
            "/tasks@" + BOT,
            "/задачи",
            "задачи",
            "Задачи!!",
            "мои задачи",
            "статус",
            "сроки 🙏",
            "tasks",
            "My tasks",
        ]:
            said = await answer_to(running, anna, typed)
            assert words["tasks"] in said, (typed, said)
        for typed, shown in [
            ("/stauts", "status"),
            ("/statsu", "status"),
            ("/stat", "status"),
            ("статус", "status"),
            ("Статус.", "status"),
            ("status", "status"),
            ("/schols", "schools"),
            ("школы", "schools"),
            ("Список школ", "schools"),
            ("schools", "schools"),
        ]:
            said = await answer_to(running, olga, typed)
            assert words[shown] in said, (typed, said)
        said = await answer_to(running, olga, "/add")
        assert words["close"] in said


@TRAVEL
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_word_is_the_text_the_bot_waits_for_but_cancel_still_cancels(tmp_path, locale):
    words = WORDS[locale]
    async with running_bot(tmp_path) as running:
        api = running.api
        await import_seed(running)
        olga = supervisor(running)
        anna = await join(running, ANNA, "ЧСОШ № 1", language_code=locale)
        if locale == "en":
            await english(running, olga)
            await english(running, anna)
        await submit(running, anna, "3")
        for comment, cancels in [("отмена", True), ("план", False)]:
            mark = api.mark()
            olga.send_text("/review")
            card = await wait_message(api, SUPERVISOR_ID, has_button(words["return"]), since=mark)
            mark = api.mark()
            olga.press(card, button_text=words["return"])
            await api.wait_sent(SUPERVISOR_ID, since=mark)
            mark = api.mark()
            olga.send_text(comment)
            if cancels:
                await api.wait_sent(SUPERVISOR_ID, since=mark)
                await running.runner.idle()
                assert not api.sent_messages(ANNA, since=mark)
            else:
                told = await wait_message(api, ANNA, containing(words["returned"]), since=mark)
                assert comment in told.plain_text
        async with running.sessions() as session:
            comments = (await session.scalars(select(Submission.review_comment))).all()
        assert comments == ["план"]


@TRAVEL
@pytest.mark.parametrize(
    ("locale", "size", "limit"), [("ru", "(20,5 МБ", "20 МБ"), ("en", "(20.5 MB", "20 MB")]
)
async def test_numbers_in_the_languages_style(tmp_path, locale, size, limit):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, "ЧСОШ № 1", language_code=locale)
        if locale == "en":
            await english(running, anna)
        anna.send_document(caption="выполнено 3", file_size=int(20.5 * 1024 * 1024))
        (refusal,) = await anna.wait_sent()
        assert size in refusal.plain_text and limit in refusal.plain_text


@TRAVEL
@pytest.mark.parametrize(("locale", "inner"), [("ru", "„СОШ № 9“"), ("en", "“СОШ № 9”")])
async def test_quotes_never_nest(tmp_path, locale, inner):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        olga = supervisor(running)
        if locale == "en":
            await english(running, olga)
        said = await answer_to(running, olga, "/addschool МБОУ «СОШ № 9» ШНОР")
        assert f"«МБОУ {inner}»" in said, said
        assert "««" not in said and "»»" not in said and "«МБОУ «" not in said
        token = await invite_token(running, "МБОУ «СОШ № 9»")
        petr = running.api.user(PETR, language_code=locale)
        if locale == "en":
            await english(running, petr)
        welcome = await answer_to(running, petr, f"/start {token}")
        assert f"«МБОУ {inner}»" in welcome, welcome
