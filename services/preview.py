"""The import preview a supervisor checks at a glance, for the CLI and the bot alike.

Sections, the number of activities, each deadline as understood, which rows go to schools, the
rows that need a person's attention, and — for a corrected file — what will change.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from models.base import DueKind, SchoolKind, Target
from services.dates import Deadline, PeriodKind, PlanPeriod
from services.i18n import Translator
from services.messenger import TELEGRAM, MessengerLimits
from services.plan_import.model import Attention, ParsedActivity, ParsedPlan
from services.plan_import.use_cases import ImportPreview
from services.plans import PlanChanges

TEXT_PREVIEW_CHARS = 90
MAX_DATES_SHOWN = 4
# Room left in a message for what a caller appends to the last chunk (the question under the
# preview, the schools it offers to add).
APPENDIX_CHARS = 196


class Markup:
    """Plain text for a terminal, HTML for Telegram."""

    def __init__(self, html_mode: bool) -> None:
        self.html = html_mode

    def esc(self, text: str) -> str:
        return html.escape(text, quote=False) if self.html else text

    def bold(self, text: str) -> str:
        return f"<b>{text}</b>" if self.html else text

    def italic(self, text: str) -> str:
        return f"<i>{text}</i>" if self.html else text


def shorten(text: str, limit: int = TEXT_PREVIEW_CHARS) -> str:
    """``text`` cut to ``limit`` characters with «…»."""
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,.;") + "…"


def target_label(t: Translator, target: Target) -> str:
    """Who a row goes to, in the reader's language."""
    return t(f"target-{target.value}")


def kind_label(t: Translator, kind: SchoolKind) -> str:
    """A school's kind (ШНОР, ШНСУ…), in the reader's language."""
    return t(f"school-kind-{kind.value}")


def period_label(t: Translator, period: PlanPeriod) -> str:
    """A plan's period: «2021/2022 учебный год (01.09.2021 – 31.08.2022)» or its dates."""
    dates = t("period-dates", start=t.date(period.start, "short"), end=t.date(period.end, "short"))
    if period.kind is PeriodKind.SCHOOL_YEAR:
        return (
            t("period-school-year", first=period.start.year, second=period.end.year) + f" ({dates})"
        )
    return dates


def deadline_label(t: Translator, deadline: Deadline) -> str:
    """How the bot understood a phrase: «до 31.08.2021», «ежегодно до 31 августа (2021–2024)»."""
    dues = [d for d in deadline.dues if d.due_on is not None]
    if deadline.kind is DueKind.NEEDS_DATE or not dues:
        return t("due-needs-date")
    shown = [t.date(d.due_on, "short") for d in dues[:MAX_DATES_SHOWN]]  # type: ignore[arg-type]
    more = len(dues) - len(shown)
    listed = ", ".join(shown) + (t("due-more", n=more) if more > 0 else "")
    first, last = dues[0].due_on, dues[-1].due_on
    assert first is not None and last is not None
    if deadline.kind is DueKind.YEARLY:
        years = f"{first.year}–{last.year}" if first.year != last.year else str(first.year)
        key = "due-yearly-default" if dues[0].is_default else "due-yearly"
        return t(key, day=t.date(first, "day_month"), years=years)
    if deadline.kind is DueKind.WINDOW and len(dues) == 1 and dues[0].starts_on:
        return t("due-window", start=t.date(dues[0].starts_on, "short"), end=t.date(first, "short"))
    if deadline.kind is DueKind.HALF_YEAR:
        return t("due-half-year", dates=listed)
    if deadline.kind is DueKind.ONGOING:
        return t("due-ongoing", dates=listed)
    return t("due-by", dates=listed)


def attention_reasons(t: Translator, activity: ParsedActivity) -> list[str]:
    """Why a row needs a person's attention, one sentence per reason."""
    reasons = []
    for reason in activity.attention:
        if reason is Attention.PARTLY_UNKNOWN_EXECUTORS:
            reasons.append(
                t("attention-partly_unknown_executors", names=", ".join(activity.unknown_executors))
            )
        else:
            reasons.append(
                t(
                    f"attention-{reason.value}",
                    phrase=activity.deadline.phrase,
                    executors=activity.executors or "—",
                )
            )
    return reasons


def render_preview(
    t: Translator,
    parsed: ParsedPlan,
    changes: PlanChanges | None = None,
    *,
    html_mode: bool = False,
    show_rows: bool = True,
    municipality_name: str | None = None,
) -> list[str]:
    """The preview as lines: plain text for a terminal, HTML (``html_mode``) for a chat;
    ``municipality_name``: the name the decree gives, proposed for a municipality with none."""
    m = Markup(html_mode)
    lines = [
        m.bold(t("preview-title", title=m.esc(shorten(parsed.title, 300)))),
        t("preview-file", file=m.esc(parsed.source_name), period=period_label(t, parsed.period)),
        *_decree_lines(t, m, parsed, municipality_name),
        _counts_line(t, parsed),
    ]
    if changes is not None and changes.is_update:
        lines.extend(_update_lines(t, m, changes))
    if show_rows:
        lines.extend(_rows_lines(t, m, parsed, previous=lines[-1]))
    lines.extend(_attention_lines(t, m, parsed))
    if parsed.proposed_schools:
        named = ", ".join(
            f"{m.esc(s.name)} ({kind_label(t, s.kind)})" for s in parsed.proposed_schools
        )
        lines.append("")
        lines.append(t("preview-schools", schools=named))
    return lines


def _decree_lines(
    t: Translator, m: Markup, parsed: ParsedPlan, municipality_name: str | None
) -> list[str]:
    """Who approved the plan and when, the municipality's name it gives, a school's own plan."""
    lines = []
    body = m.esc(shorten(parsed.approved_by, 200)) if parsed.approved_by else None
    day = t.date(parsed.document_date) if parsed.document_date else None
    if body and day:
        lines.append(t("preview-approved", body=body, date=day))
    elif body or day:
        lines.append(t("preview-approved-by", body=body or day))
    if municipality_name:
        lines.append(t("preview-municipality-name", name=m.esc(municipality_name)))
    if parsed.own_school:
        lines.append(t("preview-own-school", school=m.esc(parsed.own_school)))
    return lines


def _counts_line(t: Translator, parsed: ParsedPlan) -> str:
    school_rows = len(parsed.school_activities)
    counts = t(
        "preview-counts",
        activities=t("count-activities", n=len(parsed.activities)),
        schools=school_rows,
        department=len(parsed.activities) - school_rows,
    )
    if parsed.sections:
        counts = t("count-sections", n=len(parsed.sections)) + ", " + counts
    return counts


def _update_lines(t: Translator, m: Markup, changes: PlanChanges) -> list[str]:
    lines = [
        "",
        m.bold(
            t(
                "preview-update",
                added=len(changes.added),
                changed=len(changes.changed),
                removed=len(changes.removed),
            )
        ),
    ]
    if changes.kept_with_submissions:
        lines.append(t("preview-update-kept", numbers=", ".join(changes.kept_with_submissions)))
    lines.append(t("preview-update-submissions", n=changes.submissions_kept))
    return lines


def _rows_lines(t: Translator, m: Markup, parsed: ParsedPlan, *, previous: str) -> list[str]:
    """Every row under its section heading; ``previous`` is the line shown before them."""
    lines: list[str] = []
    current_section: int | None = -1
    for activity in parsed.activities:
        if activity.section_index != current_section:
            current_section = activity.section_index
            if current_section is not None:
                section = parsed.sections[current_section]
                heading = f"{section.number}. {section.title}" if section.number else section.title
                lines.append("")
                lines.append(m.bold(m.esc(heading)))
            elif lines[-1] if lines else previous:
                lines.append("")
        lines.extend(_activity_lines(t, m, activity))
    return lines


def _attention_lines(t: Translator, m: Markup, parsed: ParsedPlan) -> list[str]:
    attention = parsed.needing_attention
    lines = [""]
    if attention:
        lines.append(m.bold(t("preview-attention", n=len(attention))))
        for activity in attention:
            for reason in attention_reasons(t, activity):
                lines.append(f"  {m.esc(activity.number)}. {m.esc(reason)}")
    else:
        lines.append(t("preview-attention-none"))
    defaults = [a.number for a in parsed.activities if "default_yearly" in a.notes]
    if defaults:
        lines.append(t("preview-default-yearly", numbers=", ".join(defaults)))
    return lines


def import_preview_messages(t: Translator, preview: ImportPreview) -> list[str]:
    """The preview as chat messages (HTML): the last one offers the new schools the plan names
    and asks whether to save."""
    lines = render_preview(
        t,
        preview.parsed,
        preview.changes,
        html_mode=True,
        municipality_name=preview.proposed_name,
    )
    chunks = chunk_lines(lines)
    if preview.new_schools:
        named = ", ".join(
            f"{Markup(True).esc(s.name)} ({kind_label(t, s.kind)})" for s in preview.new_schools
        )
        chunks[-1] += "\n\n" + t("import-offer-schools", schools=named)
    chunks[-1] += "\n\n" + t("import-confirm")
    return chunks


def _activity_lines(t: Translator, m: Markup, activity: ParsedActivity) -> list[str]:
    marker = "⚠️ " if activity.attention else ""
    who = target_label(t, activity.target)
    return [
        f"{marker}{m.bold(m.esc(activity.number))}. {m.esc(shorten(activity.text))}",
        "   "
        + t("preview-row-who", executors=m.esc(shorten(activity.executors or "—", 60)), target=who),
        "   "
        + t(
            "preview-row-when",
            phrase=m.esc(activity.deadline.phrase or "—"),
            understood=deadline_label(t, activity.deadline),
        ),
    ]


def chunk_lines(
    lines: Iterable[str], limit: int | None = None, messenger: MessengerLimits = TELEGRAM
) -> list[str]:
    """Join lines into messages no longer than ``limit`` characters (default: the messenger's
    message length less :data:`APPENDIX_CHARS`), breaking only between lines."""
    limit = limit or messenger.text_chars - APPENDIX_CHARS
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if len(line) > limit:
            line = line[: limit - 1] + "…"
        if current and size + len(line) + 1 > limit:
            chunks.append("\n".join(current).strip("\n"))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current).strip("\n"))
    return [c for c in chunks if c]
