"""The plan's title, its period and the date of the approving document."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from services.dates import MONTH_PATTERN, PeriodKind, PlanPeriod, fold, month_end, month_number
from services.names import clean_spaces

_YEAR = r"((?:19|20)\d\d)"
_SCHOOL_YEAR = re.compile(
    rf"{_YEAR}\s*[-–—/]\s*((?:19|20)?\d\d)\s*(?:уч\.?\s*г|учебн)", re.IGNORECASE
)
_UNTIL_YEAR = re.compile(rf"\bдо\s+{_YEAR}\s*(?:г\.?|год)", re.IGNORECASE)
_YEARS_RANGE = re.compile(
    rf"\bна\s+(?:период\s+)?{_YEAR}\s*[-–—]\s*{_YEAR}\s*(?:гг|годы|год)", re.I
)
_ONE_YEAR = re.compile(rf"\bна\s+{_YEAR}\s*(?:г\.?|год)(?!\w*\s*[-–—/])", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\b")
_WORD_DATE = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_PATTERN})\s+{_YEAR}", re.IGNORECASE)
# The title forms of published roadmaps: «План мероприятий…», «(Муниципальный) план-график…»,
# «Дорожная карта реализации…», «План работы … по переходу в эффективный режим…», «Программа…».
_PLAN_HEADING = re.compile(
    r"^\W*(?:муниципальн\w+\s+|комплексн\w+\s+)?(?:план\s*[-–—]\s*график\w*|план\s+мероприятий"
    r"|план\s+(?:работы|действий)\b|дорожн\w+\s+карт\w*|антирисков\w+\s+программ\w*"
    r"|программ\w+\s+(?:антирисков|мероприятий|поддержк|повышени|развити|перехода)\w*)",
    re.IGNORECASE,
)
_STOP_HEADING = re.compile(r"^\W*(?:цел[ьи]|задач|№|n\s*п/п)", re.IGNORECASE)


def _strip_markup(line: str) -> str:
    return clean_spaces(re.sub(r"<[^>]+>|\*\*|\\_", " ", line))


def plan_title(preamble: list[str]) -> str | None:
    """The last «План мероприятий …» heading before the table, its wrapped lines joined."""
    lines = [_strip_markup(line) for line in preamble]
    starts = [i for i, line in enumerate(lines) if _PLAN_HEADING.match(line)]
    if not starts:
        return None
    parts: list[str] = []
    for line in lines[starts[-1] :]:
        if parts and (_STOP_HEADING.match(line) or _PLAN_HEADING.match(line)):
            break
        if line:
            parts.append(line)
        if len(" ".join(parts)) > 600:
            break
    title = clean_spaces(" ".join(parts))
    return title[:600] or None


def document_date(preamble: Iterable[str]) -> date | None:
    """The first date in the text before the table: the decree's «от 09.08.2021 № 284»."""
    text = "\n".join(_strip_markup(line) for line in preamble)
    candidates: list[tuple[int, date]] = []
    for match in _NUMERIC_DATE.finditer(text):
        try:
            candidates.append(
                (match.start(), date(int(match.group(3)), int(match.group(2)), int(match.group(1))))
            )
        except ValueError:
            continue
    for match in _WORD_DATE.finditer(text):
        try:
            month = month_number(fold(match.group(2)))
            candidates.append(
                (match.start(), date(int(match.group(3)), month, int(match.group(1))))
            )
        except ValueError:
            continue
    return min(candidates)[1] if candidates else None


def detect_period(
    title: str | None,
    preamble: list[str],
    row_dates: list[date],
    doc_date: date | None,
    today: date,
) -> PlanPeriod:
    """From the title first («до 2024 года», «на 2021-2022 учебный год»), then the preamble,
    then the dates in the rows."""
    texts = [title or "", " ".join(_strip_markup(line) for line in preamble)]
    for text in texts:
        found = _period_from_text(text, doc_date, row_dates, today)
        if found:
            return _from_approval(found, doc_date)
    return _inferred(row_dates, doc_date, today)


def _from_approval(period: PlanPeriod, doc_date: date | None) -> PlanPeriod:
    """A plan approved inside its own years («на 2021-2024 годы», approved 31.08.2021) runs
    from its approval: its repeats start there (no 15.01.2021 report)."""
    inside = doc_date is not None and period.start < doc_date <= period.end
    if inside and doc_date is not None and period.kind is PeriodKind.MULTI_YEAR:
        return PlanPeriod(doc_date, period.end, period.kind)
    return period


def _period_from_text(
    text: str, doc_date: date | None, row_dates: list[date], today: date
) -> PlanPeriod | None:
    if not text:
        return None
    match = _SCHOOL_YEAR.search(text)
    if match:
        first = int(match.group(1))
        second = int(match.group(2))
        if second < 100:
            second += first // 100 * 100
        if second == first + 1:
            return PlanPeriod(date(first, 9, 1), date(second, 8, 31), PeriodKind.SCHOOL_YEAR)
    match = _YEARS_RANGE.search(text)
    if match and int(match.group(1)) <= int(match.group(2)):
        return PlanPeriod(
            date(int(match.group(1)), 1, 1),
            date(int(match.group(2)), 12, 31),
            PeriodKind.MULTI_YEAR,
        )
    match = _UNTIL_YEAR.search(text)
    if match:
        end = date(int(match.group(1)), 12, 31)
        start = _start_for_open_period(doc_date, row_dates, today)
        if start > end:
            start = date(end.year, 1, 1)
        return PlanPeriod(start, end, PeriodKind.MULTI_YEAR)
    match = _ONE_YEAR.search(text)
    if match:
        year = int(match.group(1))
        return PlanPeriod(date(year, 1, 1), date(year, 12, 31), PeriodKind.CALENDAR_YEAR)
    return None


def _start_for_open_period(doc_date: date | None, row_dates: list[date], today: date) -> date:
    """A plan «до 2024 года» starts when it was approved, else with its earliest row."""
    if doc_date:
        return doc_date
    if row_dates:
        first = min(row_dates)
        return date(first.year, first.month, 1)
    return today


def _inferred(row_dates: list[date], doc_date: date | None, today: date) -> PlanPeriod:
    if row_dates:
        first, last = min(row_dates), max(row_dates)
        start = date(first.year, first.month, 1)
        if doc_date and doc_date < start:
            start = doc_date
        # Run to the end of the school year that holds the last dated row.
        end_year = last.year if last.month <= 8 else last.year + 1
        return PlanPeriod(start, max(date(end_year, 8, 31), month_end(last.year, last.month)))
    anchor = doc_date or today
    first_year = anchor.year if anchor.month >= 9 else anchor.year - 1
    return PlanPeriod(date(first_year, 9, 1), date(first_year + 1, 8, 31), PeriodKind.SCHOOL_YEAR)
