"""Deadline rules for things that happen once: explicit days and windows between them, named
half-years and quarters, months and month windows, school years, years and ranges of years,
and the phrases that point to a schedule outside the plan. Each rule is
``(Phrase) -> Deadline | None``; their order is :data:`services.dates.phrases.RULES`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.base import DueKind
from services.dates.calendar import PeriodKind, first_in_period, month_end, safe_date
from services.dates.deadline import (
    DAY_MONTH_RE,
    NUMERIC_DATE_RE,
    SCHOOL_YEAR_RE,
    SCHOOL_YEAR_WORD_RE,
    YEAR_RE,
    Deadline,
    Due,
    Phrase,
    from_dates,
    from_windows,
    needs_date,
)
from services.dates.vocabulary import MONTH_PATTERN, YEAR, month_number, ordinal_numbers

_DAY_DOT_MONTH_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?![\d.]*\d)")
_FROM_MONTH_TO_RE = re.compile(rf"\bс\s+({MONTH_PATTERN})\s+по\s+")
_WINDOW_JOIN_RE = re.compile(r"^\s*(?:с\s+)?\S+(?:\s+\S+){0,2}\s+(?:-|по|до)\s+")
_DAY_RANGE_RE = re.compile(
    rf"\b(?:с\s+)?(\d{{1,2}})\s*(?:-|по)\s*(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+({YEAR}))?\b"
)
_HALF_RE = re.compile(
    r"((?:\b(?:ii|i|[12]|перв\w*|втор\w*)(?:\s*-?\s*(?:е|ое|ом|го|м))?[\s,()и-]*)+)\s*полугоди\w*"
)
_HALF_REPORT_RE = re.compile(r"\bпо\s+итогам\b|\bза\b|\bотчет")
_QUARTER_RE = re.compile(
    r"((?:\b(?:iv|iii|ii|i|[1-4])(?:\s*-?\s*(?:й|ый|ом|го))?[\s,и-]*)+)\s*квартал\w*"
)
_NEEDS_DATE_RE = re.compile(
    r"\bпо\s+графику\b|\bсогласно\b|\bв\s+соответствии\b|\bпо\s+плану\b|\bплан\w*\s+работ\w*"
    r"|\bпо\s+мере\s+необходимости\b|\bпо\s+запрос\w*|\bпо\s+отдельн\w+|\bпо\s+приглашени\w*"
    r"|\bпо\s+срокам\b|\bв\s+сроки\b|\bпо\s+решени\w*|\bпо\s+распоряжени\w*|\bпри\s+необходимости\b"
    r"|\bграфик\w*"
)
_UNTIL_YEAR_RE = re.compile(rf"^(?:до|к|не\s+позднее)\s+(?:конц[ау]\s+)?({YEAR})$")
_YEAR_RANGE_RE = re.compile(
    rf"^(?:в\s+|на\s+|в\s+период\s+)?(?:с\s+)?({YEAR})\s*(?:-|по)\s*({YEAR})$"
)


def explicit_days(p: Phrase) -> Deadline | None:
    """«до 1 октября 2021», «01.10.2021», «до 15 января, 10 июня 2022 года»; two dates joined
    by a dash or «с … по …» are one window, due at the second («01.09.2022-31.05.2023»)."""
    day_range = _DAY_RANGE_RE.search(p.text)
    if day_range:
        month = month_number(day_range.group(3))
        year = int(day_range.group(4)) if day_range.group(4) else None
        start, end = (_resolve(p, int(day_range.group(n)), month, year) for n in (1, 2))
        if start and end and start <= end:
            return from_windows(p.original, DueKind.WINDOW, [(start, end)])
    found = _days_in(p.text)
    trailing_years = [y for _, _, y, _ in found if y is not None]
    default_year = trailing_years[-1] if trailing_years else None
    dated = [(_resolve(p, day, month, year or default_year), at) for day, month, year, at in found]
    dates = sorted((d, at) for d, at in dated if d is not None)
    if not dates:
        return None
    if len(dated) == 2 and all(d for d, _ in dated) and _joined(p.text, dated):
        (start, _), (end, _) = dated
        if start is not None and end is not None:
            if start > end and start.replace(year=start.year - 1) <= end:
                start = start.replace(year=start.year - 1)
            if start <= end:
                return from_windows(p.original, DueKind.WINDOW, [(start, end)])
    dues = tuple(Due(DueKind.DATE, d) for d in sorted({d for d, _ in dates}))
    return Deadline(p.original, DueKind.DATE, dues)


def _days_in(text: str) -> list[tuple[int, int, int | None, int]]:
    """(day, month, year or None, where) of every day written in the phrase, in order."""
    found: list[tuple[int, int, int | None, int]] = []
    for match in NUMERIC_DATE_RE.finditer(text):
        year = match.group(3)
        full = int(year) + (2000 if len(year) == 2 else 0)
        found.append((int(match.group(1)), int(match.group(2)), full, match.start()))
    for match in _DAY_DOT_MONTH_RE.finditer(text):  # «до 01.10», «30.09»: no year written
        day, month = int(match.group(1)), int(match.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            found.append((day, month, None, match.start()))
    for match in DAY_MONTH_RE.finditer(text):
        year = int(match.group(3)) if match.group(3) else None
        found.append((int(match.group(1)), month_number(match.group(2)), year, match.start()))
    return sorted(found, key=lambda f: f[3])


def _resolve(p: Phrase, day: int, month: int, year: int | None) -> date | None:
    if year is not None:
        return safe_date(year, month, day)
    return first_in_period(p.period, lambda y: safe_date(y, month, day))


def _joined(text: str, dated: list[tuple[date | None, int]]) -> bool:
    """The two days are joined as a window: «A - B», «с A по B», «A по B»."""
    between = text[dated[0][1] : dated[1][1]]
    return bool(re.search(r"\s-\s|\bпо\b|\bдо\b", between)) and "," not in between


def halves(p: Phrase) -> Deadline | None:
    """«I полугодие», «в течение 1 полугодия» (the school year's halves unless a calendar year
    is named: «1 полугодие 2023 г.»); «по итогам I полугодия» → that half's report date."""
    match = _HALF_RE.search(p.text)
    if not match:
        return None
    numbers = [n for n in ordinal_numbers(match.group(1)) if n <= 2]
    windows = [w for n in numbers for w in _half_windows(p, n)]
    if _HALF_REPORT_RE.search(p.text):
        return from_dates(p.original, DueKind.DATE, [_report_day(p, end) for _, end in windows])
    windows = [(s, e) for s, e in windows if p.period.contains(e) or p.period.contains(s)]
    if not windows:
        return from_dates(p.original, DueKind.DATE, [])
    return from_windows(p.original, DueKind.WINDOW, windows)


def _half_windows(p: Phrase, number: int) -> list[tuple[date, date]]:
    school_year = SCHOOL_YEAR_RE.search(p.text)
    year = YEAR_RE.search(p.text)
    if school_year and (SCHOOL_YEAR_WORD_RE.search(p.text) or p.school_year_plan):
        firsts = [int(school_year.group(1))]
    elif year:
        return [_calendar_half(int(year.group(1)), number)]
    elif p.period.kind is PeriodKind.CALENDAR_YEAR:
        return [_calendar_half(y, number) for y in p.period.years]
    else:
        firsts = list(p.school_years())
    if number == 1:
        return [(date(y, 9, 1), date(y, 12, 31)) for y in firsts]
    return [
        (date(y + 1, 1, 1), p.cal.school_year_end_after(y) or month_end(y + 1, 5)) for y in firsts
    ]


def _calendar_half(year: int, number: int) -> tuple[date, date]:
    return (
        (date(year, 1, 1), date(year, 6, 30))
        if number == 1
        else (date(year, 7, 1), date(year, 12, 31))
    )


def _report_day(p: Phrase, half_end: date) -> date | None:
    """The half-year report date nearest after a half's end (15 January, 10 June), else the end."""
    days = p.cal.half_year_days(half_end.replace(day=1, month=1), date(half_end.year + 1, 12, 31))
    near = [d for d in days if abs((d - half_end).days) <= 45]
    found = min(near, key=lambda d: (abs((d - half_end).days), d < half_end), default=half_end)
    return found if p.period.contains(found) else None


def quarter(p: Phrase) -> Deadline | None:
    """«II квартал 2022», «IV кв. 2022»: a window over the quarter; «по итогам I квартала» its
    end; without a year, the first such quarter inside the plan."""
    match = _QUARTER_RE.search(p.text)
    if not match:
        return None
    numbers = ordinal_numbers(match.group(1))
    if "-" in match.group(1) and len(numbers) == 2:
        numbers = list(range(numbers[0], numbers[1] + 1))
    year_match = YEAR_RE.search(p.text)
    years = [int(year_match.group(1))] if year_match else list(p.period.years)
    windows = [(date(y, n * 3 - 2, 1), month_end(y, n * 3)) for y in years for n in numbers]
    if not year_match:
        windows = [w for w in windows if p.period.contains(w[1])][: len(numbers)]
    if re.search(r"\bпо\s+итогам\b|\bза\b", p.text):
        return from_dates(p.original, DueKind.DATE, [end for _, end in windows])
    if len(numbers) > 1 and "-" in match.group(1):
        windows = [(windows[0][0], windows[-1][1])] if windows else []
    return from_windows(p.original, DueKind.WINDOW, windows)


def months(p: Phrase) -> Deadline | None:
    """Months, month lists and month windows, with or without years."""
    found = _month_dues(p.text, p)
    if found is None:
        return None
    dues, notes = found
    kind = DueKind.WINDOW if any(d.kind is DueKind.WINDOW for d in dues) else DueKind.DATE
    return Deadline(p.original, kind, tuple(dues), notes=notes)


def without_date(p: Phrase) -> Deadline | None:
    """«По графику», «Согласно плану…»: understood, but the supervisor sets the date."""
    return needs_date(p.original) if _NEEDS_DATE_RE.search(p.text) else None


def school_year(p: Phrase) -> Deadline | None:
    """«2021-2022 учебный год», «2022-2023 уч. год»: due when that school year ends."""
    match = SCHOOL_YEAR_RE.search(p.text)
    if not (match and SCHOOL_YEAR_WORD_RE.search(p.text)):
        return None
    end_day = p.cal.school_year_end_after(int(match.group(1)))
    return from_dates(p.original, DueKind.ONGOING, [end_day] if end_day else [])


def year_range(p: Phrase) -> Deadline | None:
    """«2022-2023 гг.», «2022 - 2024 годы»: a window to 31 December of the last year."""
    match = _YEAR_RANGE_RE.match(p.text)
    if not match or int(match.group(1)) > int(match.group(2)):
        return None
    window = (date(int(match.group(1)), 1, 1), date(int(match.group(2)), 12, 31))
    return from_windows(p.original, DueKind.WINDOW, [window])


def until_year(p: Phrase) -> Deadline | None:
    """«до 2024 года», «до конца 2022 года»: 31 December of that year."""
    match = _UNTIL_YEAR_RE.match(p.text)
    if not match:
        return None
    return from_dates(p.original, DueKind.DATE, [date(int(match.group(1)), 12, 31)])


def bare_year(p: Phrase) -> Deadline | None:
    """«2022», «в 2023 году»: due on its last day."""
    year = re.fullmatch(rf"(?:(?:в|на)\s+)?({YEAR})", p.text)
    if not year:
        return None
    return from_dates(p.original, DueKind.DATE, [date(int(year.group(1)), 12, 31)])


@dataclass
class _MonthToken:
    month: int
    year: int | None
    dash_before: bool


def _month_tokens(text: str) -> list[_MonthToken]:
    """The months named, each with the year written after it (a year belongs to every month
    before it that has none yet)."""
    tokens: list[_MonthToken] = []
    for match in re.finditer(rf"(-)?\s*(\b(?:{MONTH_PATTERN})\b|{YEAR})", text):
        dash, word = match.group(1), match.group(2)
        if re.fullmatch(YEAR, word):
            for index in range(len(tokens) - 1, -1, -1):
                if tokens[index].year is not None:
                    break
                tokens[index].year = int(word)
            continue
        tokens.append(_MonthToken(month_number(word), None, bool(dash)))
    return tokens


def _month_dues(text: str, p: Phrase) -> tuple[list[Due], tuple[str, ...]] | None:
    tokens = _month_tokens(_FROM_MONTH_TO_RE.sub(r"\1 - ", text))  # «с сентября по май»
    if not tokens:
        return None
    notes: list[str] = []
    groups: list[list[_MonthToken]] = []
    for token in tokens:
        if token.dash_before and groups:
            groups[-1].append(token)
        else:
            groups.append([token])
    dues: list[Due] = []
    for group in groups:
        first, last = group[0], group[-1]
        if last.year is None:
            end = first_in_period(p.period, lambda y, m=last.month: month_end(y, m))
            notes.append("month_without_year")
            if end is None:
                continue
            end_year = end.year
        else:
            end_year = last.year
            end = month_end(end_year, last.month)
        if len(group) == 1:
            dues.append(Due(DueKind.DATE, end))
            continue
        if first.year is not None and first is not last and first.year != last.year:
            start_year = first.year
        else:
            start_year = end_year if first.month <= last.month else end_year - 1
        dues.append(Due(DueKind.WINDOW, end, starts_on=date(start_year, first.month, 1)))
    if not dues:
        return None
    return dues, tuple(dict.fromkeys(notes))
