"""Deadline phrases of a plan («август 2021», «ежегодно (июнь)», «По графику») → due dates.

Everything here is pure: a phrase and the plan's period in, dates out. The original phrase is
kept beside the dates so people always see what the plan said.

Rules (PRODUCT.md, «The deadline phrases»):

* a month («август 2021») is due on its last day; a window («Сентябрь - ноябрь 2021 г.») on the
  last day of its last month, and a window whose first month comes after its last
  («Сентябрь- июнь 2021 года») starts in the previous year;
* a day («До 1 октября 2021 г») is due that day;
* a month with no year («Февраль») is that month inside the plan's period;
* «ежегодно (август)» is every year of the plan at the end of that month; a bare «ежегодно» is
  every year at the municipality's default yearly date (a supervisor can change it);
* «в течение (учебного) года» is ongoing: due at the end of each school year of the plan;
* «2 раза в год» is due at the half-year report dates (15 January and 10 June by default);
* «По графику», «Согласно …», «План работы ММС», a bare «по мере необходимости» have no date of
  their own: the row needs a date from the supervisor.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from models.base import DueKind

__all__ = [
    "Calendar",
    "Deadline",
    "Due",
    "DueKind",
    "PeriodKind",
    "PlanPeriod",
    "month_end",
    "month_number",
    "normalize_phrase",
    "parse_deadline",
]


class PeriodKind(StrEnum):
    SCHOOL_YEAR = "school_year"  # «на 2021-2022 учебный год»
    CALENDAR_YEAR = "calendar_year"  # «на 2022 год»
    MULTI_YEAR = "multi_year"  # «до 2024 года», «на 2021-2024 годы»
    INFERRED = "inferred"  # from the dates in the rows


@dataclass(frozen=True)
class PlanPeriod:
    start: date
    end: date
    kind: PeriodKind = PeriodKind.INFERRED

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"plan period starts after it ends: {self.start} > {self.end}")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)


@dataclass(frozen=True)
class Calendar:
    """A municipality's dates that phrases resolve against."""

    yearly_default: tuple[int, int] = (12, 20)
    half_year_dates: tuple[tuple[int, int], ...] = ((1, 15), (6, 10))
    school_year_end: tuple[int, int] = (5, 31)

    @classmethod
    def from_strings(cls, yearly_default: str, half_year_dates: Iterable[str]) -> Calendar:
        return cls(
            yearly_default=_month_day(yearly_default),
            half_year_dates=tuple(sorted(_month_day(v) for v in half_year_dates)),
        )


def _month_day(value: str) -> tuple[int, int]:
    month, day = (int(part) for part in value.split("-"))
    date(2024, month, day)  # validates (2024 is a leap year: 02-29 allowed)
    return month, day


@dataclass(frozen=True)
class Due:
    kind: DueKind
    due_on: date | None
    starts_on: date | None = None
    is_default: bool = False


@dataclass(frozen=True)
class Deadline:
    phrase: str
    kind: DueKind
    dues: tuple[Due, ...]
    # False when no rule knew the phrase: the row needs a person's attention.
    understood: bool = True
    # Dates resolved from a month without a year, or the default yearly date.
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_date(self) -> bool:
        return self.kind is DueKind.NEEDS_DATE

    @property
    def dates(self) -> list[date]:
        return [d.due_on for d in self.dues if d.due_on is not None]


# ---------------------------------------------------------------------------------------------
# Normalisation and vocabulary

_MONTHS: tuple[tuple[int, str], ...] = (
    (1, r"январ[ьяюеё]\w*"),
    (2, r"феврал[ьяюеё]\w*"),
    (3, r"март\w*"),
    (4, r"апрел[ьяюеё]\w*"),
    (5, r"ма[йяюе]\w*"),
    (6, r"июн[ьяюеё]\w*"),
    (7, r"июл[ьяюеё]\w*"),
    (8, r"август\w*"),
    (9, r"сентябр[ьяюеё]\w*"),
    (10, r"октябр[ьяюеё]\w*"),
    (11, r"ноябр[ьяюеё]\w*"),
    (12, r"декабр[ьяюеё]\w*"),
)
MONTH_PATTERN = "|".join(f"(?:{pattern})" for _, pattern in _MONTHS)
_MONTH_RE = re.compile(rf"\b(?:{MONTH_PATTERN})\b")
_MONTH_LOOKUP = [(number, re.compile(rf"^(?:{pattern})$")) for number, pattern in _MONTHS]

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_YEAR = r"(?:19|20)\d\d"

_DAY_MONTH_RE = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+({_YEAR}))?\b")
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
_SCHOOL_YEAR_RE = re.compile(rf"\b({_YEAR})\s*[-/]\s*({_YEAR}|\d\d)\s*(?:уч\w*|г|гг|год\w*)?")
_QUARTER_RE = re.compile(r"\b(iv|iii|ii|i|[1-4])\s*(?:-?\s*(?:й|ый|ом|го))?\s*квартал\w*")
_YEAR_RE = re.compile(rf"\b({_YEAR})\b")

_YEARLY_RE = re.compile(r"\bежегодн\w*|\bкажд\w+\s+год\w*|\bраз\s+в\s+год\b")
_HALF_YEAR_RE = re.compile(
    r"\b(?:2|два|дважды)\s*(?:раза)?\s*в\s*год\b|\bраз\s+в\s+полугоди\w*|\bпо\s+полугоди\w*"
    r"|\bежеполугодн\w*|\bкажд\w+\s+полугоди\w*|\bпо\s+итогам\s+(?:учебного\s+)?полугоди\w*"
)
_QUARTERLY_RE = re.compile(r"\bежекварталь\w*|\bкажд\w+\s+квартал\w*|\bпо\s+квартал\w*")
_MONTHLY_RE = re.compile(r"\bежемесячн\w*|\bкажд\w+\s+месяц\w*")
_ONGOING_RE = re.compile(
    r"\bв\s+течени[ие]\b|\bпостоянно\b|\bв\s+течение\s+всего\b|\bна\s+протяжении\b"
    r"|\bвесь\s+период\b|\bсистематически\b|\bрегулярно\b"
)
_NEEDS_DATE_RE = re.compile(
    r"\bпо\s+графику\b|\bсогласно\b|\bв\s+соответствии\b|\bпо\s+плану\b|\bплан\w*\s+работ\w*"
    r"|\bпо\s+мере\s+необходимости\b|\bпо\s+запрос\w*|\bпо\s+отдельн\w+|\bпо\s+приглашени\w*"
    r"|\bпо\s+срокам\b|\bв\s+сроки\b|\bпо\s+решени\w*|\bпо\s+распоряжени\w*|\bпри\s+необходимости\b"
)
_SCHOOL_YEAR_WORD_RE = re.compile(r"\bучебн\w*")


def normalize_phrase(phrase: str) -> str:
    """Lower-case, «ё» → «е», every dash → "-", line breaks and stray punctuation → spaces."""
    text = phrase.lower().replace("ё", "е")
    text = re.sub(f"[{_DASHES}]", "-", text)
    text = re.sub(r"<[^>]+>", " ", text)  # <b>…</b> left by converters
    text = re.sub(r"[\t\r\n\u00a0*_«»\"“”„;:!?]", " ", text)
    text = re.sub(r"\s*-\s*", " - ", text)
    # "г." / "гг." / "года" after a year are noise for dating purposes but keep the year.
    text = re.sub(rf"({_YEAR})\s*(?:гг?|год[ау]?|годов)\b\.?", r"\1", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,")


def month_number(token: str) -> int:
    for number, pattern in _MONTH_LOOKUP:
        if pattern.match(token):
            return number
    raise ValueError(token)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# The parser


def parse_deadline(phrase: str, period: PlanPeriod, cal: Calendar | None = None) -> Deadline:
    """Turn one deadline phrase into due dates inside ``period``."""
    cal = cal or Calendar()
    original = re.sub(r"\s+", " ", phrase or "").strip()
    text = normalize_phrase(phrase or "")
    if not text:
        return _needs_date(original, understood=False)

    if _YEARLY_RE.search(text):
        return _yearly(original, text, period, cal)

    day_dates = _explicit_days(text, period)
    if day_dates:
        dues = tuple(Due(DueKind.DATE, d) for d in sorted(set(day_dates)))
        return Deadline(original, DueKind.DATE, dues)

    if _HALF_YEAR_RE.search(text):
        dates = _half_year_dates(period, cal)
        return _from_dates(original, DueKind.HALF_YEAR, dates)

    if _QUARTERLY_RE.search(text):
        ends = [month_end(y, m) for y in period.years for m in (3, 6, 9, 12)]
        return _from_dates(original, DueKind.DATE, [d for d in ends if period.contains(d)])

    if _MONTHLY_RE.search(text):
        ends = [month_end(y, m) for y in period.years for m in range(1, 13)]
        return _from_dates(original, DueKind.DATE, [d for d in ends if period.contains(d)])

    if _ONGOING_RE.search(text):
        return _ongoing(original, text, period, cal)

    months = _month_dues(text, period)
    if months is not None:
        dues, notes = months
        kind = DueKind.WINDOW if any(d.kind is DueKind.WINDOW for d in dues) else DueKind.DATE
        return Deadline(original, kind, tuple(dues), notes=notes)

    quarter = _QUARTER_RE.search(text)
    if quarter:
        number = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(quarter.group(1)) or int(quarter.group(1))
        year_match = _YEAR_RE.search(text)
        years = [int(year_match.group(1))] if year_match else list(period.years)
        ends = [month_end(y, number * 3) for y in years]
        if not year_match:
            ends = [d for d in ends if period.contains(d)][:1]
        return _from_dates(original, DueKind.DATE, ends)

    if _NEEDS_DATE_RE.search(text):
        return _needs_date(original, understood=True)

    school_year = _SCHOOL_YEAR_RE.search(text)
    if school_year and _SCHOOL_YEAR_WORD_RE.search(text):
        start_year = int(school_year.group(1))
        end_day = _safe_date(start_year + 1, *cal.school_year_end)
        return _from_dates(original, DueKind.ONGOING, [end_day] if end_day else [])

    year = _YEAR_RE.fullmatch(text)
    if year:
        return _from_dates(original, DueKind.DATE, [date(int(year.group(1)), 12, 31)])

    return _needs_date(original, understood=False)


def _needs_date(original: str, *, understood: bool) -> Deadline:
    return Deadline(
        original, DueKind.NEEDS_DATE, (Due(DueKind.NEEDS_DATE, None),), understood=understood
    )


def _from_dates(original: str, kind: DueKind, dates: Sequence[date | None]) -> Deadline:
    clean = sorted({d for d in dates if d is not None})
    if not clean:
        # The rule applies but no date of it falls inside the plan: a person must set one.
        return Deadline(
            original, DueKind.NEEDS_DATE, (Due(DueKind.NEEDS_DATE, None),), notes=("outside",)
        )
    return Deadline(original, kind, tuple(Due(kind, d) for d in clean))


def _explicit_days(text: str, period: PlanPeriod) -> list[date]:
    """«до 1 октября 2021», «01.10.2021», «до 15 января, 10 июня 2022 года»."""
    found: list[tuple[int, int, int | None]] = []
    for match in _NUMERIC_DATE_RE.finditer(text):
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        year_value = int(year) + (2000 if len(year) == 2 else 0)
        found.append((day, month, year_value))
    for match in _DAY_MONTH_RE.finditer(text):
        year = int(match.group(3)) if match.group(3) else None
        found.append((int(match.group(1)), month_number(match.group(2)), year))
    if not found:
        return []
    # A year written once at the end applies to the days before it.
    trailing_years = [y for _, _, y in found if y is not None]
    default_year = trailing_years[-1] if trailing_years else None
    dates: list[date] = []
    for day, month, year in found:
        if year is None and default_year is not None:
            year = default_year
        if year is not None:
            resolved = _safe_date(year, month, day)
        else:
            resolved = _first_in_period(period, lambda y, m=month, d=day: _safe_date(y, m, d))
        if resolved is not None:
            dates.append(resolved)
    return dates


def _first_in_period(period: PlanPeriod, make: object) -> date | None:
    """The earliest date ``make(year)`` inside the period, else the one nearest to it."""
    candidates = [make(y) for y in range(period.start.year - 1, period.end.year + 2)]  # type: ignore[operator]
    candidates = [c for c in candidates if c is not None]
    inside = [c for c in candidates if period.contains(c)]
    if inside:
        return min(inside)
    if not candidates:
        return None
    return min(
        candidates, key=lambda c: min(abs((c - period.start).days), abs((c - period.end).days))
    )


def _half_year_dates(period: PlanPeriod, cal: Calendar) -> list[date]:
    dates = []
    for year in period.years:
        for month, day in cal.half_year_dates:
            candidate = _safe_date(year, month, day)
            if candidate and period.contains(candidate):
                dates.append(candidate)
    return dates


def _yearly(original: str, text: str, period: PlanPeriod, cal: Calendar) -> Deadline:
    days = list(_DAY_MONTH_RE.finditer(text))
    if days:
        month_days = [(month_number(m.group(2)), int(m.group(1))) for m in days]
        dates = [
            d
            for y in period.years
            for month, day in month_days
            if (d := _safe_date(y, month, day)) and period.contains(d)
        ]
        return _from_dates(original, DueKind.YEARLY, dates)
    months = [month_number(m.group(0)) for m in _MONTH_RE.finditer(text)]
    if months:
        # «ежегодно (сентябрь - октябрь)»: due at the end of the last month named.
        due_month = months[-1]
        dates = [month_end(y, due_month) for y in period.years]
        return _from_dates(original, DueKind.YEARLY, [d for d in dates if period.contains(d)])
    month, day = cal.yearly_default
    dates = [d for y in period.years if (d := _safe_date(y, month, day)) and period.contains(d)]
    deadline = _from_dates(original, DueKind.YEARLY, dates)
    if deadline.kind is DueKind.YEARLY:
        dues = tuple(Due(DueKind.YEARLY, d.due_on, is_default=True) for d in deadline.dues)
        return Deadline(original, DueKind.YEARLY, dues, notes=("default_yearly",))
    return deadline


def _school_year_ends(period: PlanPeriod, cal: Calendar) -> list[date]:
    """The end of every school year the period covers; a plan of one school year has one."""
    month, day = cal.school_year_end
    if period.kind is PeriodKind.CALENDAR_YEAR:
        return [period.end]
    if period.kind is PeriodKind.SCHOOL_YEAR:
        end = _safe_date(period.end.year, month, day) or period.end
        return [min(end, period.end)]
    ends = [
        d
        for y in range(period.start.year, period.end.year + 1)
        if (d := _safe_date(y, month, day)) and period.contains(d)
    ]
    # The part of a school year after the last 31 May (autumn of the final year) closes with
    # the plan itself.
    if not ends or (period.end > ends[-1] and (period.end - ends[-1]).days > 92):
        ends.append(period.end)
    return ends


def _ongoing(original: str, text: str, period: PlanPeriod, cal: Calendar) -> Deadline:
    school_year = _SCHOOL_YEAR_RE.search(text)
    if school_year:
        start_year = int(school_year.group(1))
        end_day = _safe_date(start_year + 1, *cal.school_year_end)
        return _from_dates(original, DueKind.ONGOING, [end_day])
    year_only = _YEAR_RE.search(text)
    if year_only and not _SCHOOL_YEAR_WORD_RE.search(text):
        return _from_dates(original, DueKind.ONGOING, [date(int(year_only.group(1)), 12, 31)])
    return _from_dates(original, DueKind.ONGOING, _school_year_ends(period, cal))


@dataclass
class _MonthToken:
    month: int
    year: int | None
    dash_before: bool


def _month_dues(text: str, period: PlanPeriod) -> tuple[list[Due], tuple[str, ...]] | None:
    """Months, month lists and month windows, with or without years."""
    tokens: list[_MonthToken] = []
    years_after: list[int | None] = []
    for match in re.finditer(rf"(-)?\s*({MONTH_PATTERN}|{_YEAR})", text):
        dash, word = match.group(1), match.group(2)
        if re.fullmatch(_YEAR, word):
            year = int(word)
            # The year belongs to every month before it that has none yet.
            for index in range(len(tokens) - 1, -1, -1):
                if tokens[index].year is not None:
                    break
                tokens[index].year = year
            years_after.append(year)
            continue
        tokens.append(_MonthToken(month_number(word), None, bool(dash)))
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
            end = _first_in_period(period, lambda y, m=last.month: month_end(y, m))
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
