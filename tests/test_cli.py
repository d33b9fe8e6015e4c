"""The operator's CLI and settings: `python -m bot --help | import | add-supervisor | migrate`."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings
from tests.conftest import SEEDS

SETTING_NAMES = (
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATA_DIR",
    "DATABASE_URL",
    "SUPERVISOR_IDS",
    "TIMEZONE",
    "REMINDER_TIME",
    "DEFAULT_LOCALE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def db_rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "data" / "roadmap.db") as connection:
        return connection.execute(sql).fetchall()


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "import", "add-supervisor", "migrate"):
        assert command in out


def test_import_with_yes_saves_and_prints_the_preview(capsys, tmp_path):
    code, out, _err = run(
        capsys, "import", str(SEEDS["003"]), "--municipality", "Каларский МО", "--yes"
    )
    assert code == 0
    assert "20 мероприятий: для школ — 13, для управления — 7" in out
    assert "«Февраль» → до 28.02.2022" in out
    assert "«2 раза в год» → к отчётам за полугодие: 15.01.2022, 10.06.2022" in out
    assert "6 строк требуют внимания" in out  # «наставники» are schools now (issue 11, item 19)
    assert "Школы, названные в плане: ЧСОШ № 1 (ШНОР), КСОШИ № 4 (ШНСУ)" in out
    assert "План сохранён в «Каларский МО»" in out
    assert db_rows(tmp_path, "select count(*) from activity where kind = 'plan'") == [(20,)]
    assert db_rows(tmp_path, "select name, kind from school order by name") == [
        ("КСОШИ № 4", "shnsu"),
        ("ЧСОШ № 1", "shnor"),
    ]

    # The same file again: an update in place, nothing duplicated.
    code, out, _err = run(capsys, "import", str(SEEDS["003"]), "--yes")
    assert code == 0
    assert "исправленная версия" in out and "обновлён" in out
    assert db_rows(tmp_path, "select count(*) from plan") == [(1,)]
    assert db_rows(tmp_path, "select count(*) from school") == [(2,)]


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_seed_previews(capsys, seed):
    code, out, _err = run(capsys, "import", str(SEEDS[seed]), "--yes")
    assert code == 0
    assert "📄 План: «План мероприятий" in out
    assert "📅" in out and "👥" in out


def test_import_asks_and_a_no_saves_nothing(capsys, monkeypatch, tmp_path):
    code, out, _err = run(
        capsys, "import", str(SEEDS["000"]), stdin="нет\n", monkeypatch=monkeypatch
    )
    assert code == 1
    assert "Сохранить план? [да/нет]" in out
    assert "ничего не сохранено" in out
    assert db_rows(tmp_path, "select count(*) from plan") == [(0,)]


def test_import_yes_answer_in_russian(capsys, monkeypatch, tmp_path):
    code, _out, _err = run(
        capsys, "import", str(SEEDS["000"]), stdin="да\n", monkeypatch=monkeypatch
    )
    assert code == 0
    assert db_rows(tmp_path, "select count(*) from activity where kind = 'plan'") == [(6,)]


def test_import_of_a_bad_file_explains_and_saves_nothing(capsys, tmp_path):
    bad = tmp_path / "plan.docx"
    bad.write_bytes(b"not a document at all")
    code, _out, err = run(capsys, "import", str(bad), "--yes")
    assert code == 1
    assert "повреждён" in err
    missing = run(capsys, "import", str(tmp_path / "nope.docx"), "--yes")
    assert missing[0] == 2 and "Файл не найден" in missing[2]


def test_preview_in_english(capsys, monkeypatch):
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    code, out, _err = run(capsys, "import", str(SEEDS["003"]), "--yes")
    assert code == 0
    assert "20 activities: 13 for schools, 7 for the department" in out
    assert "«Февраль» → by 28.02.2022" in out


def test_add_supervisor(capsys, tmp_path):
    code, out, _err = run(capsys, "add-supervisor", "123456789", "--municipality", "Кизел")
    assert code == 0
    assert "123456789" in out and "Кизел" in out
    assert db_rows(tmp_path, "select platform_user_id, role from users") == [
        (123456789, "supervisor")
    ]


def test_migrate(capsys, tmp_path):
    code, out, _err = run(capsys, "migrate")
    assert code == 0 and "обновлена" in out
    assert (tmp_path / "data" / "roadmap.db").exists()


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("TIMEZONE", "Mars/Olympus", "часовой пояс"),
        ("REMINDER_TIME", "25:00", "ЧЧ:ММ"),
        ("SUPERVISOR_IDS", "12,abc", "ID"),
        ("DEFAULT_LOCALE", "de", "ru или en"),
        ("TELEGRAM_API_URL", "ftp://example", "http"),
        ("BOT_TOKEN", "12345", "токен"),
        ("DATABASE_URL", "roadmap.db", "SQLAlchemy"),
    ],
)
def test_bad_setting_is_one_line_naming_the_variable(capsys, monkeypatch, variable, value, words):
    monkeypatch.setenv(variable, value)
    code, out, err = run(capsys, "migrate")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert variable in lines[0] and words in lines[0]
    assert "Traceback" not in err and out == ""


def test_unreachable_database_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://nobody:secret@127.0.0.1:1/none")
    code, _out, err = run(capsys, "migrate")
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "secret" not in err and "Traceback" not in err


def test_settings_defaults_and_env_file(tmp_path, monkeypatch):
    settings = load_settings(_env_file=None)
    assert settings.TELEGRAM_API_URL == "https://api.telegram.org"
    assert settings.TIMEZONE == "Europe/Moscow"
    assert settings.REMINDER_TIME == "09:00"
    assert settings.DEFAULT_LOCALE == "ru"
    assert settings.SUPERVISOR_IDS == []
    assert settings.DATABASE_URL.endswith("/data/roadmap.db")
    assert settings.DATABASE_URL.startswith("sqlite+aiosqlite:///")

    (tmp_path / ".env").write_text("SUPERVISOR_IDS=11, 22\nTIMEZONE=Asia/Vladivostok\n")
    settings = load_settings()
    assert settings.SUPERVISOR_IDS == [11, 22]
    assert settings.TIMEZONE == "Asia/Vladivostok"
    with pytest.raises(SettingsError) as error:
        settings.require_token()
    assert error.value.variable == "BOT_TOKEN"


def test_cli_runs_as_a_module(tmp_path):
    """`python -m bot --help` works from any directory (what the README tells operators)."""
    import sys

    async def run_help() -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--help", cwd=tmp_path, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await process.communicate()
        return process.returncode, out.decode()

    code, out = asyncio.run(run_help())
    assert code == 0 and "add-supervisor" in out


def test_municipality_settings_and_redating(capsys, tmp_path):
    assert (
        run(capsys, "import", str(SEEDS["000"]), "--municipality", "Александровский МО", "--yes")[0]
        == 0
    )
    code, out, _ = run(capsys, "municipality")
    assert code == 0
    assert (
        "Europe/Moscow" in out and "7, 3, 1, 0" in out and "01-15, 06-10" in out and "12-20" in out
    )

    code, out, _ = run(
        capsys,
        "municipality",
        "--timezone",
        "Asia/Yekaterinburg",
        "--reminder-time",
        "08:30",
        "--offsets",
        "14,2,0",
        "--overdue",
        "2,3",
        "--yearly",
        "09-01",
        "--half-year",
        "01-20,06-05",
    )
    assert code == 0 and "Пересчитаны сроки" in out
    row = db_rows(
        tmp_path,
        "select timezone, reminder_time, reminder_offsets, overdue_first_days, overdue_every_days, "
        "yearly_default, half_year_dates from municipality",
    )[0]
    assert row[:2] == ("Asia/Yekaterinburg", "08:30")
    assert row[2] in ("[14, 2, 0]", "[14,2,0]") and row[3:6] == (2, 3, "09-01")
    # «ежегодно» with no month (row 2.1) now falls on 1 September each year of the plan.
    dates = db_rows(
        tmp_path,
        "select d.due_on from due_date d join activity a on a.id = d.activity_id "
        "where a.number = '2.1' order by d.seq",
    )
    assert [d for (d,) in dates] == ["2021-09-01", "2022-09-01", "2023-09-01", "2024-09-01"]
    reports = db_rows(
        tmp_path,
        "select d.due_on from due_date d join activity a on a.id = d.activity_id "
        "where a.kind = 'half_year_report' order by d.seq",
    )
    assert [d for (d,) in reports][:2] == ["2022-01-20", "2022-06-05"]

    code, _out, err = run(capsys, "municipality", "--reminder-time", "25:61")
    assert code == 2 and "Неверное значение" in err
    assert db_rows(tmp_path, "select reminder_time from municipality") == [("08:30",)]
