"""Production behaviour: no update lost or doubled, webhook, Redis, replicas, faults, data care."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import time_machine
from aiogram.types import Update
from sqlalchemy import func, select

from models import (
    EvidenceFile,
    Role,
    School,
    SchoolKind,
    Submission,
    SubmissionState,
    UpdateInbox,
    User,
)
from tests.conftest import PG_URL
from tests.fakes import DEFAULT_PHOTO, FakeBotAPI
from tests.harness import SUPERVISOR_ID, containing, downloads_settled, running_bot, wait_message
from tests.journeys import IN_THE_SCHOOL_YEAR, import_seed, join

TRAVEL = time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)
ANNA = 2001


async def count(running, model, *where) -> int:
    async with running.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@TRAVEL
async def test_the_same_update_delivered_twice_is_handled_once(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, "ЧСОШ № 1")
        anna.send_photo(caption="выполнено 3")
        await anna.wait_sent()
        await running.runner.idle()
        async with running.sessions() as session:
            row = await session.scalar(select(UpdateInbox).order_by(UpdateInbox.update_id.desc()))
            payload = row.payload
        again = Update.model_validate(payload, context={"bot": running.bot})
        # Telegram re-sends an update after a crash or a slow webhook: same id, same content.
        assert await running.runner.accept([again]) == []
        await running.runner.idle()
        assert await count(running, EvidenceFile) == 1
        assert await count(running, Submission) == 1
        assert len(running.api.sent_messages(ANNA, since=running.api.mark())) == 0


@TRAVEL
async def test_stored_but_unhandled_updates_are_handled_at_the_next_start(tmp_path):
    async with FakeBotAPI(first_update_id=5_000_000) as api:
        await _stored_then_restarted(tmp_path, api)


async def _stored_then_restarted(tmp_path, api):
    async with running_bot(tmp_path, api=api) as running:
        await import_seed(running)
        await join(running, ANNA, "ЧСОШ № 1")
        # As if the bot died right after storing a message: it is in the inbox, not handled.
        photo = running.api.register_file(DEFAULT_PHOTO, folder="photos")
        payload = {
            "update_id": 999_999,
            "message": {
                "message_id": 77,
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": ANNA, "type": "private", "first_name": "Анна"},
                "from": {"id": ANNA, "is_bot": False, "first_name": "Анна"},
                "photo": [photo.as_file() | {"width": 1, "height": 1}],
                "caption": "выполнено 3",
            },
        }
        async with running.sessions() as session:
            session.add(
                UpdateInbox(
                    bot_id=running.bot.id,
                    update_id=999_999,
                    payload=payload,
                    started_at=datetime.now(UTC),
                    attempts=1,
                )
            )
            await session.commit()
    async with running_bot(tmp_path, api=api) as running:
        await wait_message(running.api, ANNA, lambda m: "Файлов: 1" in (m.plain_text or ""))
        await running.runner.idle()
        await downloads_settled(running)
        assert await count(running, EvidenceFile, EvidenceFile.stored_path.is_not(None)) == 1
        assert await count(running, UpdateInbox, UpdateInbox.processed_at.is_(None)) == 0


def _bot_env(api: FakeBotAPI, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOT_TOKEN")}
    env.update(
        BOT_TOKEN=api.token,
        TELEGRAM_API_URL=api.base_url,
        DATA_DIR=str(tmp_path / "data"),
        SUPERVISOR_IDS=str(SUPERVISOR_ID),
        TIMEZONE="Asia/Chita",
        **extra,
    )
    return env


async def _start_bot(api: FakeBotAPI, tmp_path: Path, **extra: str) -> asyncio.subprocess.Process:
    mark = api.mark()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_bot_env(api, tmp_path, **extra),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await api.wait_for(
        lambda a: any(r.method == "getUpdates" for r in a.requests[mark:]), 60, what="polling"
    )
    return process


async def _prepare_database(tmp_path: Path) -> None:
    """A municipality with seed 003 and a coordinator, written before the bot starts."""
    from bot.settings import load_settings
    from models.db import create_engine, make_sessionmaker
    from models.migrate import upgrade_async
    from services.plan_import.parser import parse_plan
    from services.plans import get_or_create_municipality, save_plan
    from services.schools import add_school
    from tests.conftest import SEEDS, seed_bytes

    settings = load_settings(_env_file=None, DATA_DIR=tmp_path / "data")
    await upgrade_async(settings.DATABASE_URL)
    engine = create_engine(settings.DATABASE_URL)
    async with make_sessionmaker(engine)() as session:
        municipality = await get_or_create_municipality(session, "Каларский МО", "Asia/Chita", "—")
        school = await add_school(session, municipality.id, "ЧСОШ № 1", SchoolKind.SHNOR)
        data = seed_bytes("003")
        parsed = parse_plan(SEEDS["003"].name, data, today=date(2021, 9, 20))
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(data).hexdigest())
        session.add(
            User(
                platform_user_id=ANNA,
                chat_id=ANNA,
                full_name="Анна",
                role=Role.COORDINATOR,
                municipality_id=municipality.id,
                school_id=school.id,
            )
        )
        await session.commit()
    await engine.dispose()


def _rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "data" / "roadmap.db") as connection:
        return connection.execute(sql).fetchall()


async def test_kill_9_in_the_middle_of_a_submission_loses_nothing(tmp_path):
    """The process dies while downloading the first file; restarted, it finishes the job.

    The answer does not wait for the download (the queue fetches it): the coordinator has
    their draft's view while getFile still hangs."""
    await _prepare_database(tmp_path)
    async with FakeBotAPI(first_update_id=7_000_000) as api:
        hold = asyncio.Event()

        async def slow_get_file(request):  # the download hangs until released
            await hold.wait()
            return api._get_file(request)

        api.register_method("getFile", slow_get_file)
        process = await _start_bot(api, tmp_path)
        try:
            anna = api.user(ANNA, first_name="Анна")
            anna.send_photo(caption="Выполнено 3, протокол")
            await api.wait_for(
                lambda a: any(r.method == "getFile" for r in a.requests), 30, what="getFile"
            )
            await wait_message(api, ANNA, containing("Файлов: 1"), timeout=30)
        finally:
            process.kill()  # kill -9: no shutdown, no cleanup
            await process.communicate()
        # The draft and its file record were committed before the download began.
        assert _rows(tmp_path, "select count(*), max(stored_path) from evidence_file") == [
            (1, None)
        ]

        hold.set()
        process = await _start_bot(api, tmp_path)
        try:
            await api.wait_for(
                lambda _: (
                    _rows(
                        tmp_path, "select count(*) from evidence_file where stored_path is not null"
                    )
                    == [(1,)]
                ),
                30,
                what="the file in the store",
            )
            assert _rows(tmp_path, "select count(*) from evidence_file") == [(1,)]
            assert _rows(tmp_path, "select count(*) from submission") == [(1,)]
            assert _rows(tmp_path, "select comment from submission") == [("протокол",)]
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.communicate(), timeout=30)


async def test_sigterm_lets_the_handler_in_flight_finish(tmp_path):
    await _prepare_database(tmp_path)
    async with FakeBotAPI(first_update_id=8_000_000) as api:
        hold = asyncio.Event()

        async def slow_get_file(request):
            await hold.wait()
            return api._get_file(request)

        api.register_method("getFile", slow_get_file)
        process = await _start_bot(api, tmp_path)
        try:
            anna = api.user(ANNA, first_name="Анна")
            anna.send_photo(caption="выполнено 3")
            await api.wait_for(
                lambda a: any(r.method == "getFile" for r in a.requests), 30, what="getFile"
            )
            process.send_signal(signal.SIGTERM)  # polling stops; the handler in flight goes on
            hold.set()
            # The process runs on the real clock, so the day's reminder pass may also write
            # to Anna (the plan is long overdue): look for the receipt, not the first message.
            await wait_message(api, ANNA, containing("Файлов: 1"), timeout=30)
            _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.communicate()
        assert process.returncode == 0, err.decode()
        assert _rows(tmp_path, "select count(*) from update_inbox where processed_at is null") == [
            (0,)
        ]
        assert "stopped" in err.decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_checks_the_secret_stores_once_and_reports_health(tmp_path):
    from bot.factory import create_bot, create_dispatcher, create_runner
    from bot.settings import load_settings
    from bot.webhook import SECRET_HEADER, run_webhook
    from models.db import create_engine, make_sessionmaker
    from models.migrate import upgrade_async
    from services.i18n import Texts

    port = _free_port()
    secret = "s3cret-token-for-tests-0123456789"
    async with FakeBotAPI() as api:
        settings = load_settings(
            _env_file=None,
            BOT_TOKEN=api.token,
            TELEGRAM_API_URL=api.base_url,
            DATA_DIR=tmp_path / "data",
            WEBHOOK_URL="https://bot.example.org/telegram/hook",
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=port,
            WEBHOOK_SECRET=secret,
        )
        await upgrade_async(settings.DATABASE_URL)
        engine = create_engine(settings.DATABASE_URL)
        sessions = make_sessionmaker(engine)
        bot = create_bot(settings)
        dispatcher = create_dispatcher(settings, sessions, Texts(), bot, with_scheduler=False)
        runner = create_runner(settings, bot, dispatcher, sessions)
        stop = asyncio.Event()
        serving = asyncio.create_task(
            run_webhook(settings, runner, dispatcher, bot, sessions, stop)
        )
        try:
            await api.wait_request("setWebhook", timeout=10)
            assert api.webhook["secret_token"] == secret
            assert api.webhook["url"] == "https://bot.example.org/telegram/hook"
            url = f"http://127.0.0.1:{port}/telegram/hook"
            update = {
                "update_id": 42,
                "message": {
                    "message_id": 1,
                    "date": 1_700_000_000,
                    "text": "/start",
                    "chat": {"id": 555, "type": "private", "first_name": "Пётр"},
                    "from": {"id": 555, "is_bot": False, "first_name": "Пётр"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            async with aiohttp.ClientSession() as http:
                async with http.post(url, json=update) as response:
                    assert response.status == 401
                async with http.post(
                    url, json=update, headers={SECRET_HEADER: "wrong"}
                ) as response:
                    assert response.status == 401
                for _ in range(2):  # a slow answer made Telegram send it again
                    async with http.post(
                        url, json=update, headers={SECRET_HEADER: secret}
                    ) as response:
                        assert response.status == 200
                async with http.post(
                    url, data=b"{not json", headers={SECRET_HEADER: secret}
                ) as response:
                    assert response.status == 400
                await runner.idle()
                assert len(api.sent_messages(555)) == 1
                assert "ссылку-приглашение" in api.sent_messages(555)[0].plain_text
                async with http.get(f"http://127.0.0.1:{port}/health") as response:
                    assert response.status == 200
                    assert await response.json() == {"database": True, "telegram": True}
        finally:
            stop.set()
            await asyncio.wait_for(serving, timeout=30)
            await bot.session.close()
            await engine.dispose()


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _redis_reason() -> str | None:
    try:
        from redis.asyncio import Redis

        client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        await client.ping()
        await client.flushdb()
        await client.aclose()
        return None
    except Exception as error:
        return f"Redis at {REDIS_URL} not reachable: {error!r}"


@TRAVEL
async def test_redis_keeps_the_conversation_state_across_a_restart(tmp_path):
    reason = await _redis_reason()
    if reason:
        pytest.skip(reason)
    async with running_bot(tmp_path, REDIS_URL=REDIS_URL) as running:
        from aiogram.fsm.storage.redis import RedisStorage

        assert isinstance(running.dispatcher.storage, RedisStorage)
        await import_seed(running)
        olga = running.api.user(SUPERVISOR_ID, first_name="Ольга")
        olga.send_text("/plan")
        listing = await wait_message(
            running.api, SUPERVISOR_ID, lambda m: any(b == "📅 Срок 8" for b, _ in m.buttons)
        )
        olga.press(listing, button_text="📅 Срок 8")
        await wait_message(
            running.api, SUPERVISOR_ID, lambda m: "ДД.ММ.ГГГГ" in (m.plain_text or "")
        )
    async with running_bot(tmp_path, REDIS_URL=REDIS_URL) as running:
        olga = running.api.user(SUPERVISOR_ID, first_name="Ольга")
        olga.send_text("15.03.2022")  # the bot restarted, yet remembers it asked for a date
        ask = await wait_message(
            running.api, SUPERVISOR_ID, lambda m: "назначить срок" in (m.plain_text or "")
        )
        olga.press(ask, button_text="✅ Назначить 15.03.2022")
        done = await wait_message(
            running.api, SUPERVISOR_ID, lambda m: "назначен срок" in (m.plain_text or "")
        )
        assert "15.03.2022" in done.plain_text


async def test_a_flood_from_one_person_does_not_hold_up_others(tmp_path):
    async with running_bot(tmp_path, USER_UPDATES_PER_MINUTE="30") as running:
        api = running.api
        flooder = api.user(666, first_name="Спамер")
        for index in range(5000):  # the issue's «5,000 messages from one user in a minute»
            flooder.send_text(f"сообщение {index}")
        calm = api.user(777, first_name="Мария")
        calm.send_text("/help")
        (answer,) = await calm.wait_sent(timeout=30)
        assert "ссылку-приглашение" in answer.plain_text
        await api.wait_updates_consumed(timeout=60)
        await running.runner.idle()
        replies = api.sent_messages(666)
        warnings = [m for m in replies if "Слишком много сообщений" in (m.plain_text or "")]
        assert len(warnings) == 1
        # 30 at once, then the bucket refills at 30 a minute while the rest arrive.
        assert 30 + 1 <= len(replies) <= 30 + 1 + 10
        assert running.runner.dropped >= 5000 - 40
        assert await count(running, UpdateInbox, UpdateInbox.processed_at.is_(None)) == 0


@TRAVEL
async def test_one_persons_burst_is_handled_in_the_order_it_was_sent(tmp_path, db_url):
    async with running_bot(tmp_path, database_url=db_url) as running:
        await import_seed(running)
        anna = await join(running, ANNA, "ЧСОШ № 1")
        sent = [anna.send_photo(caption="выполнено 3") for _ in range(12)]
        await anna.wait_sent(12, timeout=30)
        await running.runner.idle()
        async with running.sessions() as session:
            message_ids = (
                await session.scalars(select(EvidenceFile.message_id).order_by(EvidenceFile.id))
            ).all()
        assert message_ids == [created["message_id"] for created in sent]
        # Every answer counts the files so far: 1, 2, … 12, none skipped or repeated.
        cards = [m.plain_text for m in running.api.sent_messages(ANNA) if "Файлов" in m.plain_text]
        assert [f"Файлов: {n}" in text for n, text in enumerate(cards[-12:], 1)] == [True] * 12
        assert await count(running, UpdateInbox, UpdateInbox.processed_at.is_(None)) == 0


@TRAVEL
async def test_bot_api_outage_is_ridden_out(tmp_path):
    async with running_bot(tmp_path) as running:
        api = running.api
        api.set_down(500)
        mark = api.mark()
        await api.wait_for(
            lambda a: sum(1 for r in a.requests[mark:] if r.method == "getUpdates") >= 2,
            30,
            what="failed polls",
        )
        api.set_down(status=None, drop_connections=True)
        mark = api.mark()
        await api.wait_for(
            lambda a: any(r.method == "getUpdates" for r in a.requests[mark:]),
            30,
            what="a dropped poll",
        )
        api.set_up()
        person = api.user(888, first_name="Ирина")
        person.send_text("/start")
        (answer,) = await person.wait_sent(timeout=60)
        assert "ссылку-приглашение" in answer.plain_text


async def test_two_bot_processes_on_postgresql_send_each_reminder_once(tmp_path):
    """Two replicas run the reminder pass at the same moment on one PostgreSQL database."""
    from tests.conftest import _create_pg_database, _drop_pg_database, _pg_unreachable_reason

    reason = await _pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    url, name = await _create_pg_database()
    try:
        from models.db import create_engine, make_sessionmaker
        from models.migrate import upgrade_async
        from services.plan_import.parser import parse_plan
        from services.plans import get_or_create_municipality, save_plan
        from services.schools import add_school

        await upgrade_async(url)
        engine = create_engine(url)
        soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%d.%m.%Y")
        plan = (
            "План мероприятий («дорожная карта») на текущий год\n"
            "№ п/п\tМероприятие\tОтветственные исполнители\tСроки исполнения\tРезультат\n"
            f"1.\tПредставить приказ\tОО\tДо {soon}\tПриказ\n"
        ).encode()
        coordinators = list(range(9_001, 9_021))
        async with make_sessionmaker(engine)() as session:
            municipality = await get_or_create_municipality(session, "Регион", "UTC", "—")
            await session.flush()
            parsed = parse_plan("plan.txt", plan, today=datetime.now(UTC).date())
            for index, chat_id in enumerate(coordinators):
                school = await add_school(
                    session, municipality.id, f"Школа № {index + 1}", SchoolKind.OTHER
                )
                session.add(
                    User(
                        platform_user_id=chat_id,
                        chat_id=chat_id,
                        full_name=f"К{index}",
                        role=Role.COORDINATOR,
                        municipality_id=municipality.id,
                        school_id=school.id,
                    )
                )
            await save_plan(session, municipality, parsed, sha256="x" * 64)
            await session.commit()
        await engine.dispose()
        async with FakeBotAPI() as api:
            env = _bot_env(api, tmp_path, DATABASE_URL=url)
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "remind",
                    cwd=tmp_path,
                    env=env,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                for _ in range(2)
            ]
            results = [await asyncio.wait_for(p.communicate(), timeout=120) for p in processes]
            assert [p.returncode for p in processes] == [0, 0], results
            for chat_id in coordinators:
                assert len(api.sent_messages(chat_id)) == 1, chat_id
    finally:
        await _drop_pg_database(name)


def test_backup_of_a_running_sqlite_database(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from tests.conftest import SEEDS

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    assert main(["import", str(SEEDS["003"]), "--yes"]) == 0
    out = tmp_path / "backups" / "roadmap-copy.db"
    assert main(["backup", str(out)]) == 0
    assert "проверка целостности пройдена" in capsys.readouterr().out
    with sqlite3.connect(out) as copy:
        assert copy.execute("select count(*) from activity where kind = 'plan'").fetchone() == (20,)
    assert main(["backup", str(out)]) == 2  # never overwrites
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    assert main(["backup", str(tmp_path / "x.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err


@TRAVEL
async def test_forgetme_removes_the_person_and_keeps_the_schools_record(tmp_path):
    async with running_bot(tmp_path) as running:
        await import_seed(running)
        anna = await join(running, ANNA, "ЧСОШ № 1", username="anna_p")
        anna.send_photo(caption="выполнено 3")
        (prompt,) = await anna.wait_sent()
        anna.press(prompt, button_text="📤 Отправить")
        await anna.wait_sent()
        anna.send_text("/forgetme")
        (ask,) = await anna.wait_sent()
        anna.press(ask, button_text="🗑 Да, удалить мои данные")
        (done,) = await anna.wait_sent()
        assert "Ваши данные удалены" in done.plain_text
        await running.runner.idle()
        async with running.sessions() as session:
            assert await session.scalar(select(User).where(User.platform_user_id == ANNA)) is None
            submission = await session.scalar(select(Submission))
            assert submission.state is SubmissionState.SUBMITTED and submission.user_id is None
        anna.send_text("/tasks")
        (answer,) = await anna.wait_sent()
        assert "ссылку-приглашение" in answer.plain_text  # a stranger now


async def test_retention_and_inbox_pruning(tmp_path):
    from scheduler.housekeeping import expire_evidence, prune_inbox
    from services.evidence import EvidenceStore

    async with running_bot(tmp_path) as running:
        await import_seed(running)
        store = EvidenceStore(running.settings.evidence_dir)
        async with running.sessions() as session:
            school = await session.scalar(select(School))
            old = Submission(
                school_id=school.id,
                state=SubmissionState.ACCEPTED,
                submitted_at=datetime(2021, 9, 1, tzinfo=UTC),
            )
            session.add(old)
            await session.flush()
            evidence = EvidenceFile(
                submission_id=old.id,
                kind="document",
                file_id="f",
                file_unique_id="u",
                file_name="справка.pdf",
            )
            session.add(evidence)
            await session.flush()
            path = store.absolute(store.relative_path(evidence, school.id))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF")
            evidence.stored_path = store.relative_path(evidence, school.id)
            session.add(
                UpdateInbox(
                    bot_id=1, update_id=1, payload={}, processed_at=datetime(2021, 1, 1, tzinfo=UTC)
                )
            )
            await session.commit()
        now = datetime(2022, 9, 1, tzinfo=UTC)
        assert await expire_evidence(running.sessions, store, 0, now) == 0  # 0 keeps everything
        assert await expire_evidence(running.sessions, store, 180, now) == 1
        assert not path.exists()
        async with running.sessions() as session:
            kept = await session.scalar(select(EvidenceFile))
            assert kept.stored_path is None and kept.file_name == "справка.pdf"
        assert await prune_inbox(running.sessions, now) >= 1
