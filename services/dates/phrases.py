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

A new phrase is one function ``(Phrase) -> Deadline | None`` and one entry in :data:`RULES`, in
the place of the order where it should win (the first rule that answers decides).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from models.base import DueKind
from services.dates.calendar import (
    Calendar,
    PlanPeriod,
    first_in_period,
    month_end,
    safe_date,
    school_year_ends,
)
from services.dates.vocabulary import MONTH_PATTERN, MONTH_RE, YEAR, month_number, normalize_phrase


@dataclass(frozen=True)
class Due:
    """One due date of a row: ``due_on`` (None when a person must set it), the first day of a
    window (``starts_on``), and whether it is the municipality's default yearly date."""

    kind: DueKind
    due_on: date | None
    starts_on: date | None = None
    is_default: bool = False


@dataclass(frozen=True)
class Deadline:
    """A phrase as written and the due dates it means."""

    phrase: str
    kind: DueKind
    dues: tuple[Due, ...]
    # False when no rule knew the phrase: the row needs a person's attention.
    understood: bool = True
    # Dates resolved from a month without a year, or the default yearly date.
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_date(self) -> bool:
        """No rule gave a date: the supervisor sets one."""
        return self.kind is DueKind.NEEDS_DATE

    @property
    def dates(self) -> list[date]:
        """The dates that are set, in order."""
        return [d.due_on for d in self.dues if d.due_on is not None]


@dataclass(frozen=True)
class Phrase:
    """What a rule looks at: the phrase as written, its normalised text, the plan's dates."""

    original: str
    text: str
    period: PlanPeriod
    cal: Calendar


@dataclass(frozen=True)
class Rule:
    """A named phrase rule: ``resolve`` gives the deadline, or None when the phrase is not its."""

    name: str
    resolve: Callable[[Phrase], Deadline | None]


_DAY_MONTH_RE = re.compile(rf"\b(\d{{1,2}})\s+({MONTH_PATTERN})(?:\s+({YEAR}))?\b")
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
_SCHOOL_YEAR_RE = re.compile(rf"\b({YEAR})\s*[-/]\s*({YEAR}|\d\d)\s*(?:уч\w*|г|гг|год\w*)?")
_QUARTER_RE = re.compile(r"\b(iv|iii|ii|i|[1-4])\s*(?:-?\s*(?:й|ый|ом|го))?\s*квартал\w*")
_YEAR_RE = re.compile(rf"\b({YEAR})\b")

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


def parse_deadline(phrase: str, period: PlanPeriod, cal: Calendar | None = None) -> Deadline:
    """Turn one deadline phrase into due dates inside ``period``; the first rule that answers
    decides, and a phrase no rule knows needs a date (``understood`` False)."""
    original = re.sub(r"\s+", " ", phrase or "").strip()
    text = normalize_phrase(phrase or "")
    if not text:
        return _needs_date(original, understood=False)
    subject = Phrase(original, text, period, cal or Calendar())
    for rule in RULES:
        deadline = rule.resolve(subject)
        if deadline is not None:
            return deadline
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


def _month_ends(p: Phrase, months: Sequence[int]) -> list[date]:
    ends = [month_end(y, m) for y in p.period.years for m in months]
    return [d for d in ends if p.period.contains(d)]


# ---------------------------------------------------------------------------------------------
# The rules, in the order they are tried


def _yearly(p: Phrase) -> Deadline | None:
    """«ежегодно (август)», «ежегодно до 1 сентября», a bare «ежегодно» (the default date)."""
    if not _YEARLY_RE.search(p.text):
        return None
    period = p.period
    days = list(_DAY_MONTH_RE.finditer(p.text))
    if days:
        month_days = [(month_number(m.group(2)), int(m.group(1))) for m in days]
        dates = [
            d
            for y in period.years
            for month, day in month_days
            if (d := safe_date(y, month, day)) and period.contains(d)
        ]
        return _from_dates(p.original, DueKind.YEARLY, dates)
    months = [month_number(m.group(0)) for m in MONTH_RE.finditer(p.text)]
    if months:
        # «ежегодно (сентябрь - октябрь)»: due at the end of the last month named.
        return _from_dates(p.original, DueKind.YEARLY, _month_ends(p, [months[-1]]))
    month, day = p.cal.yearly_default
    dates = [d for y in period.years if (d := safe_date(y, month, day)) and period.contains(d)]
    deadline = _from_dates(p.original, DueKind.YEARLY, dates)
    if deadline.kind is DueKind.YEARLY:
        dues = tuple(Due(DueKind.YEARLY, d.due_on, is_default=True) for d in deadline.dues)
        return Deadline(p.original, DueKind.YEARLY, dues, notes=("default_yearly",))
    return deadline


def _explicit_days(p: Phrase) -> Deadline | None:
    """«до 1 октября 2021», «01.10.2021», «до 15 января, 10 июня 2022 года»."""
    found: list[tuple[int, int, int | None]] = []
    for match in _NUMERIC_DATE_RE.finditer(p.text):
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        found.append((day, month, int(year) + (2000 if len(year) == 2 else 0)))
    for match in _DAY_MONTH_RE.finditer(p.text):
        year = int(match.group(3)) if match.group(3) else None
        found.append((int(match.group(1)), month_number(match.group(2)), year))
    # A year written once at the end applies to the days before it.
    trailing_years = [y for _, _, y in found if y is not None]
    default_year = trailing_years[-1] if trailing_years else None
    dates: list[date] = []
    for day, month, year in found:
        year = year if year is not None else default_year
        if year is not None:
            resolved = safe_date(year, month, day)
        else:
            resolved = first_in_period(p.period, lambda y, m=month, d=day: safe_date(y, m, d))
        if resolved is not None:
            dates.append(resolved)
    if not dates:
        return None
    dues = tuple(Due(DueKind.DATE, d) for d in sorted(set(dates)))
    return Deadline(p.original, DueKind.DATE, dues)


def _half_year(p: Phrase) -> Deadline | None:
    """«2 раза в год», «по итогам полугодия»: the municipality's half-year report dates."""
    if not _HALF_YEAR_RE.search(p.text):
        return None
    days = p.cal.half_year_days(p.period.start, p.period.end)
    return _from_dates(p.original, DueKind.HALF_YEAR, days)


def _quarterly(p: Phrase) -> Deadline | None:
    if not _QUARTERLY_RE.search(p.text):
        return None
    return _from_dates(p.original, DueKind.DATE, _month_ends(p, (3, 6, 9, 12)))


def _monthly(p: Phrase) -> Deadline | None:
    if not _MONTHLY_RE.search(p.text):
        return None
    return _from_dates(p.original, DueKind.DATE, _month_ends(p, range(1, 13)))


def _ongoing(p: Phrase) -> Deadline | None:
    """«в течение года», «постоянно»: due at the end of each school year (or the named one)."""
    if not _ONGOING_RE.search(p.text):
        return None
    school_year = _SCHOOL_YEAR_RE.search(p.text)
    if school_year:
        end_day = p.cal.school_year_end_after(int(school_year.group(1)))
        return _from_dates(p.original, DueKind.ONGOING, [end_day])
    year_only = _YEAR_RE.search(p.text)
    if year_only and not _SCHOOL_YEAR_WORD_RE.search(p.text):
        return _from_dates(p.original, DueKind.ONGOING, [date(int(year_only.group(1)), 12, 31)])
    return _from_dates(p.original, DueKind.ONGOING, school_year_ends(p.period, p.cal))


def _months(p: Phrase) -> Deadline | None:
    """Months, month lists and month windows, with or without years."""
    found = _month_dues(p.text, p.period)
    if found is None:
        return None
    dues, notes = found
    kind = DueKind.WINDOW if any(d.kind is DueKind.WINDOW for d in dues) else DueKind.DATE
    return Deadline(p.original, kind, tuple(dues), notes=notes)


def _quarter(p: Phrase) -> Deadline | None:
    """«II квартал 2022»; without a year, the first such quarter inside the plan."""
    quarter = _QUARTER_RE.search(p.text)
    if not quarter:
        return None
    number = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(quarter.group(1)) or int(quarter.group(1))
    year_match = _YEAR_RE.search(p.text)
    years = [int(year_match.group(1))] if year_match else list(p.period.years)
    ends = [month_end(y, number * 3) for y in years]
    if not year_match:
        ends = [d for d in ends if p.period.contains(d)][:1]
    return _from_dates(p.original, DueKind.DATE, ends)


def _without_date(p: Phrase) -> Deadline | None:
    """«По графику», «Согласно плану…»: understood, but the supervisor sets the date."""
    return _needs_date(p.original, understood=True) if _NEEDS_DATE_RE.search(p.text) else None


def _school_year(p: Phrase) -> Deadline | None:
    """«2021-2022 учебный год»: due when that school year ends."""
    school_year = _SCHOOL_YEAR_RE.search(p.text)
    if not (school_year and _SCHOOL_YEAR_WORD_RE.search(p.text)):
        return None
    end_day = p.cal.school_year_end_after(int(school_year.group(1)))
    return _from_dates(p.original, DueKind.ONGOING, [end_day] if end_day else [])


def _bare_year(p: Phrase) -> Deadline | None:
    """«2022»: due on its last day."""
    year = _YEAR_RE.fullmatch(p.text)
    if not year:
        return None
    return _from_dates(p.original, DueKind.DATE, [date(int(year.group(1)), 12, 31)])


@dataclass
class _MonthToken:
    month: int
    year: int | None
    dash_before: bool


def _month_tokens(text: str) -> list[_MonthToken]:
    """The months named, each with the year written after it (a year belongs to every month
    before it that has none yet)."""
    tokens: list[_MonthToken] = []
    for match in re.finditer(rf"(-)?\s*({MONTH_PATTERN}|{YEAR})", text):
        dash, word = match.group(1), match.group(2)
        if re.fullmatch(YEAR, word):
            for index in range(len(tokens) - 1, -1, -1):
                if tokens[index].year is not None:
                    break
                tokens[index].year = int(word)
            continue
        tokens.append(_MonthToken(month_number(word), None, bool(dash)))
    return tokens


def _month_dues(text: str, period: PlanPeriod) -> tuple[list[Due], tuple[str, ...]] | None:
    tokens = _month_tokens(text)
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
            end = first_in_period(period, lambda y, m=last.month: month_end(y, m))
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


RULES: list[Rule] = [
    Rule("yearly", _yearly),
    Rule("explicit_days", _explicit_days),
    Rule("half_year", _half_year),
    Rule("quarterly", _quarterly),
    Rule("monthly", _monthly),
    Rule("ongoing", _ongoing),
    Rule("months", _months),
    Rule("quarter", _quarter),
    Rule("no_date_of_its_own", _without_date),
    Rule("school_year", _school_year),
    Rule("bare_year", _bare_year),
]
