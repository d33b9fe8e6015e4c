"""The production dispatcher over HTTP: greetings by role, help, unknown input, errors."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from tests.fakes import FakeBotAPI
from tests.harness import SUPERVISOR_ID, polling_started, running_bot


async def test_stranger_supervisor_and_unknown_input(tmp_path):
    async with running_bot(tmp_path) as running:
        api = running.api
        stranger = api.user(555, first_name="Пётр")
        stranger.send_text("/start")
        (reply,) = await stranger.wait_sent()
        assert "ссылку-приглашение" in reply.plain_text

        supervisor = api.user(SUPERVISOR_ID, first_name="Ольга")
        supervisor.send_text("/start")
        (reply,) = await supervisor.wait_sent()
        assert "Ольга" in reply.plain_text and "куратор" in reply.plain_text

        supervisor.send_text("/nosuchcommand")
        (reply,) = await supervisor.wait_sent()
        assert "Такой команды я не знаю" in reply.plain_text

        stranger.send_text("привет")
        (reply,) = await stranger.wait_sent()
        assert "Не понял" in reply.plain_text

        supervisor.send_text("/cancel")
        (reply,) = await supervisor.wait_sent()
        assert reply.plain_text == "Отменять нечего."


async def test_english_by_default_locale(tmp_path):
    async with running_bot(tmp_path, DEFAULT_LOCALE="en") as running:
        user = running.api.user(777, language_code="en")
        user.send_text("/help")
        (reply,) = await user.wait_sent()
        assert "invite link" in reply.plain_text


async def test_handler_failure_is_logged_and_apologised(tmp_path, monkeypatch, caplog):
    import handlers.everyone.common as common

    async def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(common, "greeting", broken)
    async with running_bot(tmp_path) as running:
        user = running.api.user(556)
        user.send_text("/start")
        (reply,) = await user.wait_sent()
        assert "что-то пошло не так" in reply.plain_text
        user.send_text("/help")  # the bot keeps running
        (reply,) = await user.wait_sent()
        assert "ссылку-приглашение" in reply.plain_text
    assert any(
        "handler failed" in r.getMessage() and "556" in r.getMessage() for r in caplog.records
    )


async def test_python_m_bot_polls_the_fake_server_and_stops_on_sigterm(tmp_path):
    """The operator's command: `python -m bot` with BOT_TOKEN and TELEGRAM_API_URL."""
    async with FakeBotAPI() as api:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOT_TOKEN")},
            "BOT_TOKEN": api.token,
            "TELEGRAM_API_URL": api.base_url,
            "DATA_DIR": str(tmp_path / "data"),
            "SUPERVISOR_IDS": str(SUPERVISOR_ID),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await polling_started(api, timeout=60)
            user = api.user(SUPERVISOR_ID, first_name="Ольга")
            user.send_text("/start")
            (reply,) = await user.wait_sent(timeout=20)
            assert "куратор" in reply.plain_text
            assert (tmp_path / "data" / "roadmap.db").exists()
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, err.decode()
        assert api.token not in err.decode(), "the token must never be logged"


@pytest.mark.parametrize("token", ["", "not-a-token"])
async def test_run_without_a_valid_token_says_so_in_one_line(tmp_path, token):
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env.update(BOT_TOKEN=token, DATA_DIR=str(tmp_path))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    text = err.decode().strip()
    assert process.returncode == 2
    assert "BOT_TOKEN" in text and "Traceback" not in text
    assert len(text.splitlines()) == 1
    if token:
        assert token not in text


def test_log_lines_carry_the_update_and_never_the_token(capsys):
    import logging

    from bot.logging import setup_logging, update_context

    token = "123456789:AAH-very_secret_token_value_0123456789"
    setup_logging()
    log = logging.getLogger("roadmap.test")
    with update_context(update_id=42, user_id=2001):
        log.info("request to https://api.telegram.org/bot%s/getMe failed", token)
        try:
            raise RuntimeError(f"cannot reach /bot{token}/sendMessage")
        except RuntimeError:
            log.exception("send failed")
    log.info("outside any update")
    err = capsys.readouterr().err
    assert token not in err
    assert err.count("<bot-token>") == 2  # in the message, and in the traceback's last line
    lines = err.splitlines()
    assert "update_id=42 user_id=2001" in lines[0] and "update_id" not in lines[-1]
    assert "Traceback" in err
