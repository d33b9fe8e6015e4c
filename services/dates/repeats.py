"""Deadline rules for things that repeat or run on: yearly, half-yearly, per school quarter,
quarterly, monthly, ongoing; and phrases tied to an event or an outside schedule that have no
date of their own. Each rule is ``(Phrase) -> Deadline | None``; their order is
:data:`services.dates.phrases.RULES`."""

from __future__ import annotations

import re
from datetime import date, timedelta

from models.base import DueKind
from services.dates.calendar import month_end, safe_date, school_year_ends
from services.dates.deadline import (
    DAY_MONTH_RE,
    MONTH_OR_DATE_RE,
    SCHOOL_YEAR_RE,
    SCHOOL_YEAR_WORD_RE,
    YEAR_RE,
    Deadline,
    Due,
    Phrase,
    from_dates,
    inside,
    month_ends,
    named_months,
    needs_date,
)
from services.dates.vocabulary import MONTH_RE, month_number, ordinal_numbers

_PERIOD_WORD = (
    r"(?:учебн\w+\s+|календарн\w+\s+|отчетн\w+\s+|кажд\w+\s+)?"
    r"(?:год|полугод|четверт|квартал|месяц|триместр|недел)"
)
_ORDINALS = r"(?:(?:[iv\d]+|перв\w*|втор\w*|трет\w*)(?:\s*-?\s*(?:го|й|ый|ой|ая|е|ое))?[\s,и()-]*)*"
_RELATIVE_RE = re.compile(
    r"\bпосле\b|\bпо\s+мере\s+поступлени|\bс\s+момента\b|\bсо\s+дня\b|\bнакануне\b|\bпо\s+факту\b"
    rf"|\bпо\s+(?:итогам|результатам|окончании|завершении)\s+(?!{_ORDINALS}{_PERIOD_WORD})"
    r"|\bв\s+течени[ие]\s+(?:\d+|одн\w+|дв\w+|тр\w+|пят\w+|десят\w+)?\s*(?:дн|недел|месяц|рабоч)\w*"
    r"|\b(?:впр|гиа|огэ|егэ|фиоко|нико|pisa|timss|pirls)\b|\bв\s+сроки\s+проведени|\bканикул"
)
_SCHEDULE_RE = re.compile(r"\bграфик\w*|\bв\s+сроки\b|\bпо\s+срокам\b|\bсогласно\b|\bпо\s+запрос")

_YEARLY_RE = re.compile(r"\bежегодн\w*|\bкажд\w+\s+год\w*|\b(?:1\s+|один\s+)?раз\s+в\s+год\b")
_HALF_YEAR_RE = re.compile(
    r"\b(?:2|два|дважды)\s*(?:раза)?\s*в\s*год\b|\bраз\s+в\s+полугоди\w*|\bпо\s+полугоди\w*"
    r"|\bежеполугодн\w*|\bкажд\w+\s+полугоди\w*|\bпо\s+итогам\s+(?:каждого\s+)?(?:учебного\s+)?полугоди\w*"
)
_SCHOOL_QUARTER_RE = re.compile(r"четверт\w*")
_SCHOOL_QUARTER_ORDINALS = re.compile(
    r"((?:\b(?:iv|iii|ii|i|[1-4]|перв\w*|втор\w*|трет\w*|четверт\w+)(?:\s*-?\s*(?:й|я|ой|ая))?[\s,()и-]*)+)"
    r"\s*четверт(?:ь|и|ей|ям|ях)\b"
)
_QUARTERLY_RE = re.compile(
    r"\bежекварталь\w*|\bкажд\w+\s+квартал\w*|\bпо\s+квартал\w*|\bраз\s+в\s+квартал\w*"
    r"|\bпо\s+итогам\s+(?:каждого\s+|отчетного\s+)?квартал\w*"
)
_MONTHLY_RE = re.compile(
    r"\bежемесячн\w*|\bкажд\w+\s+месяц\w*|\bраза?\s+в\s+месяц\b|\bпомесячн\w*"
    r"|\bпо\s+итогам\s+(?:каждого\s+|отчетного\s+)?месяц\w*"
)
_DAY_OF_MONTH_RE = re.compile(r"\b(\d{1,2})\s*(?:-?\s*(?:го|е))?\s+числ\w*")
_FOLLOWING_RE = re.compile(r"\bследующ\w*|\bпосле\s+отчетн")
_ONGOING_RE = re.compile(
    r"\bв\s+течени[ие]\b|\bпостоянно\b|\bв\s+течение\s+всего\b|\bна\s+протяжении\b"
    r"|\bвесь\s+период\b|\bсистематически\b|\bрегулярно\b|\bеженедельн\w*|\bежедневн\w*"
    r"|\bкажд\w+\s+(?:недел|день)\w*|\bраз\s+в\s+недел\w*"
)
_YEAR_END_RE = re.compile(
    r"\b(?:по\s+итогам|до\s+конца|к\s+концу|в\s+конце|конец|по\s+окончании|по\s+завершении)"
    r"\s+(?:календарного\s+|отчетного\s+)?(?:(\d{4})\s+)?года?\b(?!\s*-)"
)
_SCHOOL_YEAR_END_RE = re.compile(
    r"\b(?:по\s+итогам|до\s+конца|к\s+концу|в\s+конце|конец|по\s+окончании|по\s+завершении|окончани\w*)"
    r"\s+(?:(\d{4})\s*-\s*\d{2,4}\s+)?учебн\w+\s+год"
)
SCHOOL_MONTHS = (9, 10, 11, 12, 1, 2, 3, 4, 5)  # a school-year plan's monthly repeats


def relative(p: Phrase) -> Deadline | None:
    """«после проведения ВПР», «в течение месяца после утверждения», «по мере поступления»:
    understood, tied to an event with no date of its own (unless the phrase names one)."""
    if not _RELATIVE_RE.search(p.text) or MONTH_OR_DATE_RE.search(p.text):
        return None
    return needs_date(p.original)


def yearly(p: Phrase) -> Deadline | None:
    """«ежегодно (август)», «ежегодно до 1 сентября», a bare «ежегодно» (the default date);
    «ежегодно (по графику)» names no month: the supervisor sets the date."""
    if not _YEARLY_RE.search(p.text):
        return None
    period = p.period
    days = list(DAY_MONTH_RE.finditer(p.text))
    if days:
        month_days = [(month_number(m.group(2)), int(m.group(1))) for m in days]
        dates = [safe_date(y, month, day) for y in period.years for month, day in month_days]
        return from_dates(p.original, DueKind.YEARLY, inside(p, dates))
    months = named_months(p.text) or [3 * n for n in _quarters_named(p.text)[-1:]]
    if months:
        return from_dates(p.original, DueKind.YEARLY, month_ends(p, [months[-1]]))
    if _SCHEDULE_RE.search(p.text) or _RELATIVE_RE.search(p.text):
        return needs_date(p.original)
    month, day = p.cal.yearly_default
    deadline = from_dates(
        p.original, DueKind.YEARLY, inside(p, (safe_date(y, month, day) for y in period.years))
    )
    if deadline.kind is DueKind.YEARLY:
        dues = tuple(Due(DueKind.YEARLY, d.due_on, is_default=True) for d in deadline.dues)
        return Deadline(p.original, DueKind.YEARLY, dues, notes=("default_yearly",))
    return deadline


_QUARTER_NAMED_RE = re.compile(r"\b((?:iv|iii|ii|i|[1-4])(?:\s*-?\s*(?:й|ый|ом|го))?)\s+квартал")


def _quarters_named(text: str) -> list[int]:
    """«ежегодно, IV квартал» → [4]: the quarters a yearly phrase names."""
    return [n for m in _QUARTER_NAMED_RE.finditer(text) for n in ordinal_numbers(m.group(1))]


def half_year(p: Phrase) -> Deadline | None:
    """«2 раза в год», «по итогам полугодия»: the municipality's half-year report dates; months
    named beside it win («2 раза в год (декабрь, май)»)."""
    if not _HALF_YEAR_RE.search(p.text):
        return None
    months = named_months(p.text)
    if months:
        return from_dates(p.original, DueKind.DATE, month_ends(p, months))
    days = p.cal.half_year_days(p.period.start, p.period.end)
    return from_dates(p.original, DueKind.HALF_YEAR, days)


def school_quarters(p: Phrase) -> Deadline | None:
    """Школьные четверти: «по итогам (каждой) четверти», «1 раз в четверть» → each quarter's end;
    «по итогам II четверти», «по итогам I, III четвертей» → those; «I четверть» → its window."""
    if not _SCHOOL_QUARTER_RE.search(p.text):
        return None
    named = _SCHOOL_QUARTER_ORDINALS.search(p.text)
    numbers = ordinal_numbers(named.group(1)) if named else []
    windows: list[tuple[date, date]] = []
    for first_year in p.school_years():
        ends = p.cal.school_quarter_days(first_year)
        for index, end in enumerate(ends, start=1):
            if numbers and index not in numbers:
                continue
            start = ends[index - 2] + timedelta(days=1) if index > 1 else date(first_year, 9, 1)
            windows.append((start, end))
    windows = [w for w in windows if p.period.contains(w[1])]
    single = len(numbers) == 1 and not re.search(r"\bпо\s+итогам\b|\bза\b", p.text)
    if single:
        dues = tuple(Due(DueKind.WINDOW, end, starts_on=start) for start, end in windows)
        if dues:
            return Deadline(p.original, DueKind.WINDOW, dues)
    return from_dates(p.original, DueKind.DATE, [end for _, end in windows])


def quarterly(p: Phrase) -> Deadline | None:
    """«ежеквартально» at each quarter's end; «… до 10 числа месяца, следующего за отчетным» on
    the 10th after each quarter; months named beside it win."""
    if not _QUARTERLY_RE.search(p.text):
        return None
    months = named_months(p.text)
    if months:
        return from_dates(p.original, DueKind.DATE, month_ends(p, months))
    return from_dates(p.original, DueKind.DATE, _repeat_days(p, (3, 6, 9, 12)))


def monthly(p: Phrase) -> Deadline | None:
    """«ежемесячно», «1 раз в месяц»: each month's end (September–May in a school-year plan);
    «ежемесячно до 25 числа» on the 25th."""
    if not _MONTHLY_RE.search(p.text):
        return None
    months = SCHOOL_MONTHS if p.school_year_plan else tuple(range(1, 13))
    return from_dates(p.original, DueKind.DATE, _repeat_days(p, months))


def _repeat_days(p: Phrase, months: tuple[int, ...]) -> list[date]:
    """The due day of each repeated month: its end, or the day the phrase names (in the month
    after it when the phrase says «следующего за отчетным»)."""
    day = _DAY_OF_MONTH_RE.search(p.text)
    following = bool(_FOLLOWING_RE.search(p.text))
    dates: list[date | None] = []
    for year in p.period.years:
        for month in months:
            if day is None:
                dates.append(month_end(year, month))
                continue
            y, m = (year + month // 12, month % 12 + 1) if following else (year, month)
            dom = int(day.group(1))
            dates.append(safe_date(y, m, dom) or month_end(y, m))
    return inside(p, dates)


def year_end(p: Phrase) -> Deadline | None:
    """«по итогам года», «до конца 2022 года»: 31 December (of each year of the plan when none
    is named)."""
    match = _YEAR_END_RE.search(p.text)
    if not match or SCHOOL_YEAR_WORD_RE.search(p.text):
        return None
    if match.group(1):
        return from_dates(p.original, DueKind.DATE, [date(int(match.group(1)), 12, 31)])
    ends = inside(p, (date(y, 12, 31) for y in p.period.years))
    return from_dates(p.original, DueKind.DATE, ends)


_SCHOOL_YEAR_START_RE = re.compile(r"\b(?:(до|к)\s+|в\s+)начал\w*\s+(?:нового\s+)?учебн\w+\s+год")


def school_year_start(p: Phrase) -> Deadline | None:
    """«до начала учебного года» → 1 September; «в начале учебного года» → its September."""
    match = _SCHOOL_YEAR_START_RE.search(p.text)
    if not match:
        return None
    if match.group(1):
        days = [date(y, 9, 1) for y in p.school_years()]
    else:
        days = [month_end(y, 9) for y in p.school_years()]
    return from_dates(p.original, DueKind.DATE, inside(p, days))


def school_year_end(p: Phrase) -> Deadline | None:
    """«по итогам учебного года», «до конца учебного года», «конец учебного года»."""
    match = _SCHOOL_YEAR_END_RE.search(p.text)
    if not match:
        return None
    if match.group(1):
        return from_dates(
            p.original, DueKind.ONGOING, [p.cal.school_year_end_after(int(match.group(1)))]
        )
    return from_dates(p.original, DueKind.ONGOING, school_year_ends(p.period, p.cal))


def ongoing(p: Phrase) -> Deadline | None:
    """«в течение года», «постоянно», «еженедельно»: due at the end of each school year;
    «в течение 2021-2024 гг.»: each school year's end inside those years, and their end."""
    if not _ONGOING_RE.search(p.text) or MONTH_RE.search(p.text):
        return None
    school_year = SCHOOL_YEAR_RE.search(p.text)
    if school_year and SCHOOL_YEAR_WORD_RE.search(p.text):
        end_day = p.cal.school_year_end_after(int(school_year.group(1)))
        return from_dates(p.original, DueKind.ONGOING, [end_day])
    if school_year and len(school_year.group(2)) == 4:
        first, last = int(school_year.group(1)), int(school_year.group(2))
        month, day = p.cal.school_year_end
        ends = [safe_date(y, month, day) for y in range(first, last + 1)]
        return from_dates(p.original, DueKind.ONGOING, inside(p, [*ends, date(last, 12, 31)]))
    year_only = YEAR_RE.search(p.text)
    if year_only and not SCHOOL_YEAR_WORD_RE.search(p.text):
        return from_dates(p.original, DueKind.ONGOING, [date(int(year_only.group(1)), 12, 31)])
    return from_dates(p.original, DueKind.ONGOING, school_year_ends(p.period, p.cal))
