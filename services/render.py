"""Texts about activities, tasks and progress, rendered from locales/ (HTML, escaped).

Shared by the handlers and the reminders; takes a translator and plain data.
"""

from __future__ import annotations

import html
from datetime import date

from models import ActivityKind, DueKind
from services.errors import DomainError
from services.i18n import Translator
from services.progress import SchoolProgress
from services.tasks import TaskItem, TaskState

STATE_ICONS = {
    TaskState.OPEN: "⚪️",
    TaskState.OVERDUE: "🔴",
    TaskState.SUBMITTED: "🟡",
    TaskState.ACCEPTED: "✅",
    TaskState.RETURNED: "↩️",
}
LINE_TEXT_CHARS = 110


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def short(text: str, limit: int = LINE_TEXT_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,.;") + "…"


def activity_text(t: Translator, task: TaskItem) -> str:
    if task.activity_kind is ActivityKind.HALF_YEAR_REPORT:
        return t("half-year-report-title")
    return task.text


def activity_title(t: Translator, task: TaskItem, limit: int = LINE_TEXT_CHARS) -> str:
    """«3. Определение в каждой ШНОР…» (escaped)."""
    text = short(activity_text(t, task), limit)
    if task.activity_kind is ActivityKind.HALF_YEAR_REPORT:
        return esc(text)
    return f"{esc(task.number)}. {esc(text)}"


def due_label(t: Translator, task: TaskItem) -> str:
    if task.due_on is None or task.due_kind is DueKind.NEEDS_DATE:
        return t("due-no-date")
    if task.starts_on and task.due_kind is DueKind.WINDOW:
        return t("due-window-short", start=t.date(task.starts_on), end=t.date(task.due_on))
    return t("due-until", date=t.date(task.due_on))


def days_label(t: Translator, task: TaskItem, today: date) -> str:
    days = task.days_left(today)
    if days is None or not task.is_open:
        return ""
    if days < 0:
        return t("days-overdue", n=-days)
    if days == 0:
        return t("days-today")
    return t("days-left", n=days)


def state_label(t: Translator, state: TaskState) -> str:
    return f"{STATE_ICONS[state]} {t(f'task-state-{state.value}')}"


def task_line(t: Translator, task: TaskItem, today: date) -> str:
    parts = [f"{STATE_ICONS[task.state]} <b>{activity_title(t, task)}</b>"]
    when = due_label(t, task)
    days = days_label(t, task, today)
    parts.append(f"   {when}" + (f" · {days}" if days else ""))
    return "\n".join(parts)


def task_card(t: Translator, task: TaskItem, today: date, review_comment: str | None = None) -> str:
    lines = [
        f"<b>{activity_title(t, task, 1000)}</b>",
        "",
        t("card-state", state=state_label(t, task.state)),
        t("card-due", due=due_label(t, task), phrase=esc(task.deadline_phrase or "—")),
    ]
    days = days_label(t, task, today)
    if days:
        lines.append(days)
    if task.expected_result:
        lines.append(t("card-result", result=esc(task.expected_result)))
    if review_comment and task.state in (TaskState.RETURNED, TaskState.OVERDUE):
        lines.append(t("card-returned", comment=esc(review_comment)))
    return "\n".join(lines)


def school_line(t: Translator, school: SchoolProgress) -> str:
    return t(
        "status-school-line",
        name=esc(school.name),
        accepted=school.accepted,
        assigned=school.assigned,
        percent=school.percent_done,
        submitted=school.submitted,
        overdue=school.overdue,
    )


def error_text(t: Translator, error: DomainError) -> str:
    """A domain error for an HTML message: what people typed in its parameters is escaped."""
    params = {k: esc(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return t(error.key, **params)
