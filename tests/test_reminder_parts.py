"""The reminder pass's parts on their own: the message and its buttons, the button the factory
hands the scheduler, the CLI's dry run, and the layer rule that keeps handlers out."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.callbacks import TaskCb
from handlers.keyboards import reminder_item_button
from models import Activity, ActivityKind, Assignment, AssignmentStatus, DueDate, DueKind
from scheduler.reminders.batching import MAX_ITEMS, MAX_ITEMS_WITH_BUTTONS, reminder_text
from services.i18n import Texts
from services.sending import Button
from services.tasks import TaskItem, TaskState
from tests.harness import running_bot
from tests.test_reminders import COORDINATOR, pass_at, world

ROOT = Path(__file__).resolve().parent.parent


def item(number: int, due_on: date) -> TaskItem:
    return TaskItem(
        assignment_id=100 + number,
        school_id=1,
        activity_id=number,
        activity_kind=ActivityKind.PLAN,
        number=str(number),
        text=f"Мероприятие {number}",
        deadline_phrase="",
        expected_result="",
        due_kind=DueKind.DATE,
        due_on=due_on,
        starts_on=None,
        status=AssignmentStatus.OPEN,
        state=TaskState.OPEN,
    )


def test_the_reminder_button_packs_the_handlers_task_callback():
    assert reminder_item_button(42, "✅ 7") == Button(
        "✅ 7", callback_data=TaskCb(action="done", assignment_id=42).pack()
    )
    assert reminder_item_button(42, "✅ 7").callback_data == "tsk:done:42:0"


def test_a_long_reminder_lists_25_items_and_buttons_the_first_10_five_to_a_row():
    today = date(2021, 9, 23)
    items = [item(n, date(2021, 9, 30)) for n in range(1, 31)]
    made: list[tuple[int, str]] = []

    def button(assignment_id: int, label: str) -> Button:
        made.append((assignment_id, label))
        return Button(label, callback_data=f"x{assignment_id}")

    t = Texts().for_locale("ru")
    message = reminder_text(t, "ЧСОШ № 1", items, today, button)
    assert "Мероприятие 25" in message.text and "Мероприятие 26" not in message.text
    assert t("list-more", n=30 - MAX_ITEMS) in message.text
    assert made == [(100 + n, f"✅ {n}") for n in range(1, MAX_ITEMS_WITH_BUTTONS + 1)]
    assert [len(row) for row in message.buttons] == [5, 5]


async def test_the_reminder_button_opens_submitting_for_its_item(tmp_path):
    async with running_bot(tmp_path) as running:
        municipality_id = await world(running)
        await pass_at(running, municipality_id, "2021-09-23 09:00")
        async with running.sessions() as session:
            assignment_id = await session.scalar(
                select(Assignment.id)
                .join(DueDate, DueDate.id == Assignment.due_date_id)
                .join(Activity, Activity.id == DueDate.activity_id)
                .where(Activity.number == "1")
            )
        reminder = running.api.sent_messages(COORDINATOR)[-1]
        assert reminder.buttons == [("✅ 1", f"tsk:done:{assignment_id}:0")]


def test_cli_dry_run_plans_without_sending(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from tests.conftest import SEEDS

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    for name in ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "SUPERVISOR_IDS", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["import", str(SEEDS["003"]), "--yes"]) == 0
    capsys.readouterr()
    assert main(["remind", "--dry-run"]) == 0
    assert "Напоминать сейчас некому." in capsys.readouterr().out


@pytest.mark.parametrize("package", ["scheduler", "services"])
def test_scheduler_and_services_import_nothing_from_handlers_or_bot(package):
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in ("handlers", "bot", "aiogram"), f"{path}: imports {name}"
