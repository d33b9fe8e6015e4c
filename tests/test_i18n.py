"""The catalogs in locales/: complete, in step with the code, Russian plurals and dates right.

The key scan reads the Python sources with regular expressions for the ways a message key is
passed (``t("key"``, ``ImportProblem("key"``, …) and with ``ast`` for key-shaped literals
chosen elsewhere (``"cancel-done" if … else "cancel-nothing"``); self-checks make sure the
scanner finds a key that does not exist.
"""

from __future__ import annotations

import ast
import io
import re
import string
import tokenize
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from models.base import SchoolKind, Target
from services.i18n import LOCALES_DIR, Texts
from services.plan_import.model import Attention
from services.tasks import TaskState

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("ru", "en")
KEY_DIRS = ("bot", "handlers", "services", "scheduler", "models")
TEXT_DIRS = ("bot", "handlers", "services", "scheduler")


@cache
def texts() -> Texts:
    return Texts()


@cache
def catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def messages(locale: str) -> dict[str, tuple[str, ...]]:
    """key → its texts (one, or every plural form); the header entry left out."""
    found: dict[str, tuple[str, ...]] = {}
    for message in catalog(locale):
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        found[key] = tuple(strings)
    return found


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# --------------------------------------------------------------------------------------------
# the catalogs themselves


def test_catalogs_have_the_same_keys():
    ru, en = set(messages("ru")), set(messages("en"))
    assert ru - en == set(), "keys only in ru"
    assert en - ru == set(), "keys only in en"
    assert len(ru) > 50


def test_catalogs_have_the_same_placeholders():
    ru, en = messages("ru"), messages("en")
    differ = {
        key: (
            sorted(set().union(*map(placeholders, ru[key]))),
            sorted(set().union(*map(placeholders, en[key]))),
        )
        for key in ru.keys() & en.keys()
        if set().union(*map(placeholders, ru[key])) != set().union(*map(placeholders, en[key]))
    }
    assert differ == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_formats(locale: str):
    for key, forms in messages(locale).items():
        assert all(forms), f"{locale}: {key!r} has an empty text"
        assert texts().has(key, locale), f"{locale}: {key!r} is not loaded (fuzzy?)"
        names = set().union(*map(placeholders, forms))
        params = {name: 7 for name in names}
        for form in forms:
            assert "{" not in form.format(**params), (locale, key, form)


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_entries_follow_the_key_convention(locale: str):
    """Texts.get looks plurals up as ngettext(key, "key#plural", n)."""
    plural_count = {"ru": 3, "en": 2}[locale]
    for message in catalog(locale):
        if isinstance(message.id, tuple | list):
            key, plural = message.id
            assert plural == f"{key}#plural", (locale, key)
            assert len(message.string) == plural_count, (locale, key)
    assert catalog(locale).num_plurals == plural_count


# --------------------------------------------------------------------------------------------
# every key the code uses is in both catalogs

# Calls that take a message key as a literal. ``t(`` is any bound translator; ``self(`` is the
# translator calling itself (fmt-date-*, fmt-datetime); ``texts.get(`` the unbound lookup (a
# plain dict's .get("…") is no message). ValueError("config-…") may carry a "VARIABLE: " prefix
# that load_settings strips.
KEY_CALLS = [
    re.compile(r'(?<![\w.])(?:t|self)\(\s*"([^"]*)"'),
    re.compile(r'\b(?:ImportProblem|DomainError)\(\s*"([^"]*)"'),
    re.compile(r'\bSettingsError\(\s*[^,()]+,\s*"([^"]*)"'),
    re.compile(r'raise\s+ValueError\(\s*"(?:[A-Z][A-Z_]*:\s*)?(config-[^"]*)"'),
    re.compile(r'\b_ask\(\s*\w+\s*,\s*"([^"]*)"'),
    re.compile(r'\btexts\.get\(\s*"([^"]*)"'),
]
F_STRING_CALLS = re.compile(r'(?<![\w.])(?:t|self)\(\s*f"([^"]*)"')

# What each f-string key can become.
F_STRING_EXPANSIONS: dict[str, list[str]] = {
    "target-{target.value}": [f"target-{v.value}" for v in Target],
    "school-kind-{kind.value}": [f"school-kind-{v.value}" for v in SchoolKind],
    "attention-{reason.value}": [f"attention-{v.value}" for v in Attention],
    "fmt-date-{style}": [f"fmt-date-{style}" for style in ("short", "day_month", "long")],
    "school-kind-{school.kind}": [f"school-kind-{v.value}" for v in SchoolKind],
    "task-state-{state.value}": [f"task-state-{v.value}" for v in TaskState],
    "chart-{part}": [f"chart-{part}" for part in ("accepted", "submitted", "overdue", "due")],
}

# Passed as a SettingsError key but never looked up: bot.cli.main prints the validator's own
# words (error.detail) when the key is «config-invalid».
NOT_MESSAGE_KEYS: set[str] = set()

KEY_SHAPE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9_]+)+$")


def python_files(dirs: tuple[str, ...]) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py"))


def code_only(source: str) -> str:
    """The source with comments and docstrings blanked out (examples there are no calls)."""
    lines = source.splitlines(keepends=True)
    docstrings = {(node.lineno, node.col_offset) for node in docstring_nodes_of(ast.parse(source))}
    spans = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT or (
            token.type == tokenize.STRING and byte_start(lines, token.start) in docstrings
        ):
            spans.append((token.start, token.end))
    for (first, start), (last, end) in reversed(spans):
        for row in range(first, last + 1):
            line = lines[row - 1]
            left = start if row == first else 0
            right = end if row == last else len(line.rstrip("\n"))
            lines[row - 1] = line[:left] + " " * (right - left) + line[right:]
    return "".join(lines)


def byte_start(lines: list[str], start: tuple[int, int]) -> tuple[int, int]:
    """A tokenize position (characters) as an ast position (UTF-8 bytes)."""
    row, column = start
    return row, len(lines[row - 1][:column].encode("utf-8"))


def scan_calls(source: str) -> tuple[set[str], set[str]]:
    """(literal keys, f-string key templates) passed to the calls above."""
    code = code_only(source)
    keys = {m.group(1) for pattern in KEY_CALLS for m in pattern.finditer(code)}
    templates = {m.group(1) for m in F_STRING_CALLS.finditer(code)}
    return keys, templates


def docstring_nodes_of(tree: ast.AST) -> list[ast.Constant]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.append(body[0].value)
    return found


def docstring_nodes(tree: ast.AST) -> set[int]:
    return {id(node) for node in docstring_nodes_of(tree)}


def key_shaped_literals(source: str, prefixes: set[str]) -> set[str]:
    """Literals like "cli-import-created" whose first word starts catalog keys."""
    tree = ast.parse(source)
    skip = docstring_nodes(tree)
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and KEY_SHAPE.match(node.value)
        and node.value.split("-")[0] in prefixes
    }


def key_prefixes() -> set[str]:
    return {key.split("-")[0] for key in messages("ru")}


def missing_keys(keys: set[str]) -> dict[str, list[str]]:
    return {
        key: [locale for locale in LOCALES if not texts().has(key, locale)]
        for key in sorted(keys)
        if not all(texts().has(key, locale) for locale in LOCALES)
    }


@cache
def used_keys() -> tuple[frozenset[str], frozenset[str]]:
    keys: set[str] = set()
    templates: set[str] = set()
    for path in python_files(KEY_DIRS):
        source = path.read_text("utf-8")
        found, found_templates = scan_calls(source)
        keys |= found | key_shaped_literals(source, key_prefixes())
        templates |= found_templates
    return frozenset(keys), frozenset(templates)


def test_scanner_finds_keys_that_do_not_exist():
    source = "\n".join(
        [
            'print(t("no-such-key"))',
            'await message.answer(t(\n    "no-such-plural", n=3))',
            'raise ImportProblem("import-no-such-problem", size=1)',
            'raise DomainError("school-no-such")',
            'raise SettingsError("BOT_TOKEN", "config-no-such")',
            'raise ValueError("DATABASE_URL: config-no-such-url")',
            '_ask(\n    t,\n    "cli-no-such-question",\n)',
            'self.texts.get("municipality-no-such")',
            'key = "cli-no-such-a" if done else "cli-no-such-b"',
            'label = t(f"target-{target.value}")',
            'value = data.get("event_from_user")',  # a dict's .get is no message key
            '# t("commented-out-key")',
            'def f():\n    """Call t("docstring-key")."""',
        ]
    )
    keys, templates = scan_calls(source)
    keys |= key_shaped_literals(source, key_prefixes())
    expected = {
        "no-such-key",
        "no-such-plural",
        "import-no-such-problem",
        "school-no-such",
        "config-no-such",
        "config-no-such-url",
        "cli-no-such-question",
        "municipality-no-such",
        "cli-no-such-a",
        "cli-no-such-b",
    }
    assert keys == expected
    assert templates == {"target-{target.value}"}
    assert set(missing_keys(keys)) == expected


def test_scanner_sees_the_keys_the_code_uses():
    keys, templates = used_keys()
    # One of each way a key reaches the catalogs, so the scan cannot silently go blind.
    for key in (
        "import-zip-bomb",  # ImportProblem("…")
        "school-exists",  # DomainError("…", name=…)
        "config-missing-token",  # SettingsError(variable, "…")
        "config-bad-database-url",  # ValueError("DATABASE_URL: config-…")
        "cli-confirm-schools",  # _ask(t, "…") over several lines
        "municipality-default-name",  # self.texts.get("…")
        "cancel-nothing",  # t("cancel-done" if … else "cancel-nothing")
        "cli-import-updated",  # key = "…" if … else "…"
        "help-stranger",  # return "…"
        "count-activities",  # t("…", n=…)
        "fmt-datetime",  # self("…")
    ):
        assert key in keys, key
    assert len(keys) > 60
    assert templates


def test_every_f_string_key_has_known_expansions():
    _, templates = used_keys()
    assert templates - set(F_STRING_EXPANSIONS) == set(), "teach F_STRING_EXPANSIONS this key"


def test_every_key_used_in_code_is_in_both_catalogs():
    keys, templates = used_keys()
    expanded = {key for template in templates for key in F_STRING_EXPANSIONS[template]}
    assert missing_keys((keys | expanded) - NOT_MESSAGE_KEYS) == {}


def test_config_invalid_carries_the_validators_words():
    assert "{detail}" in messages("ru")["config-invalid"][0]


# --------------------------------------------------------------------------------------------
# no Russian text hard-coded in the code

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
REGEX_FUNCTIONS = {
    "compile",
    "search",
    "match",
    "sub",
    "subn",
    "split",
    "finditer",
    "fullmatch",
    "findall",
}

# Cyrillic literals that are not text for people: each one is matched against what people or
# plans wrote, never shown.
ALLOWED_EVERYWHERE = {
    "ё",  # .replace("ё", "е"): normalising text before matching it
    "е",
}
ALLOWED_IN_FILE: dict[str, set[str]] = {
    "bot/cli/common.py": {"д", "да"},  # YES_ANSWERS: what the operator may type to confirm
    "services/schools.py": {"шнор", "шнсу"},  # _KIND_WORDS: kind words read from a school name
    "services/plan_import/executors.py": {"ШНОР"},  # compared with a regex group from the plan
}


def raw_string_starts(source: str) -> set[tuple[int, int]]:
    """Where raw string tokens (r"…", rf"…") start, as ast positions."""
    lines = source.splitlines(keepends=True)
    starts = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            prefix = re.match(r"^[A-Za-z]*", token.string).group(0)  # type: ignore[union-attr]
            if "r" in prefix.lower():
                starts.add(byte_start(lines, token.start))
    return starts


def cyrillic_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of Cyrillic literals outside docstrings, regex patterns and raw strings."""
    tree = ast.parse(source)
    skip = docstring_nodes(tree)
    raw = raw_string_starts(source)
    in_regex: set[int] = set()
    in_f_string: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in REGEX_FUNCTIONS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.args
        ):
            in_regex |= {id(n) for n in ast.walk(node.args[0])}
        if isinstance(node, ast.JoinedStr):
            in_f_string |= {id(n) for n in ast.walk(node) if n is not node}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in in_f_string:
                continue  # judged as part of its f-string
            text = node.value
        else:
            continue
        if (
            not CYRILLIC.search(text)
            or id(node) in skip
            or id(node) in in_regex
            or (node.lineno, node.col_offset) in raw
        ):
            continue
        found.append((node.lineno, text))
    return sorted(found)


def test_cyrillic_scanner_self_check():
    source = "\n".join(
        [
            '"""Модуль «план»."""',
            "import re",
            'WORD = re.compile("план")',
            'PATTERN = r"ежегодн\\w*"',
            'BOTH = rf"{WORD}\\s+год"',
            'PAIR = ("ключ", r"год\\w*")',
            "def f(name):",
            '    """Функция."""',
            '    text = name.replace("ё", "е")',
            '    re.sub("ё", "е", text)',
            '    return "Привет, " + name + f"! Ваш план: {text}"',
        ]
    )
    # Only a regex function's pattern is exempt, not re.sub's replacement.
    assert cyrillic_literals(source) == [
        (6, "ключ"),
        (9, "е"),
        (9, "ё"),
        (10, "е"),
        (11, "! Ваш план: "),
        (11, "Привет, "),
    ]


def test_no_russian_text_in_code():
    offending = []
    for path in python_files(TEXT_DIRS):
        relative = path.relative_to(ROOT).as_posix()
        allowed = ALLOWED_EVERYWHERE | ALLOWED_IN_FILE.get(relative, set())
        for line, text in cyrillic_literals(path.read_text("utf-8")):
            if text not in allowed:
                offending.append(f"{relative}:{line}: {text!r}")
    assert offending == [], "put these texts in locales/ and look them up by key"


def test_allowlist_is_not_stale():
    for relative, allowed in ALLOWED_IN_FILE.items():
        found = {text for _, text in cyrillic_literals((ROOT / relative).read_text("utf-8"))}
        assert allowed <= found, f"{relative}: {sorted(allowed - found)} no longer in the code"


# --------------------------------------------------------------------------------------------
# plurals, dates, locales, missing keys


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 мероприятие"),
        (3, "3 мероприятия"),
        (5, "5 мероприятий"),
        (11, "11 мероприятий"),
        (21, "21 мероприятие"),
        (22, "22 мероприятия"),
        (25, "25 мероприятий"),
        (111, "111 мероприятий"),
        (0, "0 мероприятий"),
        (12, "12 мероприятий"),
        (104, "104 мероприятия"),
    ],
)
def test_russian_plurals(n: int, expected: str):
    assert texts().for_locale("ru")("count-activities", n=n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 activity"), (2, "2 activities"), (0, "0 activities"), (21, "21 activities")],
)
def test_english_plurals(n: int, expected: str):
    assert texts().for_locale("en")("count-activities", n=n) == expected


def test_plural_keeps_other_parameters():
    t = texts().for_locale("ru")
    assert t("preview-update-submissions", n=2) == "Уже сданные 2 отчёта школ сохранятся."
    assert t("preview-attention", n=1) == "⚠️ 1 строка требует внимания:"


def test_dates_in_russian():
    t = texts().for_locale("ru")
    assert t.date(date(2022, 1, 15), "day_month") == "15 января"
    assert t.date(date(2021, 9, 30), "short") == "30.09.2021"
    assert t.date(date(2021, 9, 30)) == "30.09.2021"  # short is the default
    assert "15 января 2022" in t.date(date(2022, 1, 15), "long")
    assert t.date(date(2022, 5, 1), "day_month") == "1 мая"


def test_dates_in_english():
    t = texts().for_locale("en")
    assert t.date(date(2022, 1, 15), "day_month") == "January 15"
    assert t.date(date(2021, 9, 30), "short") == "30.09.2021"
    assert "January 15" in t.date(date(2022, 1, 15), "long")
    assert "2022" in t.date(date(2022, 1, 15), "long")


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("en-US", "en"),
        ("en_GB", "en"),
        ("EN", "en"),
        ("ru-RU", "ru"),
        ("ru", "ru"),
        ("de", "ru"),
        ("", "ru"),
        (None, "ru"),
    ],
)
def test_resolve_locale(asked: str | None, expected: str):
    assert texts().resolve_locale(asked) == expected
    assert texts().default_locale == "ru"


def test_resolve_locale_uses_a_chosen_default():
    english = Texts(texts().translations, default_locale="en")
    assert english.resolve_locale("de") == "en"
    assert english.resolve_locale(None) == "en"
    assert english.for_locale("fr").locale == "en"
    assert english.for_locale("fr")("cancel-done") == texts().get("cancel-done", "en")
    assert Texts(texts().translations, default_locale="xx").default_locale == "ru"


@pytest.mark.parametrize("locale", [*LOCALES, None, "de"])
def test_missing_key_returns_the_key(locale: str | None):
    t = texts()
    assert t.get("no-such-key", locale) == "no-such-key"
    assert t.get("no-such-key", locale, n=1) == "no-such-key"
    assert t.get("no-such-key", locale, n=5) == "no-such-key"
    assert t.get("no-such-key", locale, name="x") == "no-such-key"
    assert t.for_locale(locale)("no-such-key", n=2, name="x") == "no-such-key"
    assert not t.has("no-such-key", "ru")


def test_a_missing_parameter_does_not_raise():
    # The text comes back unformatted (and the failure is logged) rather than breaking a reply.
    text = texts().get("school-exists", "ru", wrong="x")
    assert "{name}" in text
