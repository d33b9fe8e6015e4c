"""The Russian words plans write dates with: months in every case form, years, dashes, and the
deadline words a PDF-like text column is recognised by.

Everything here is text in, text or numbers out; the rules that turn phrases into dates live in
:mod:`services.dates.phrases`, the municipality's calendar in :mod:`services.dates.calendar`.
"""

from __future__ import annotations

import re

# Month number → a pattern for every case form of its name («январь», «января», «январе»,
# «январю»…), lower-case with «ё» already turned into «е». A new spelling (an abbreviation such
# as «янв.») is added here and every reader, rule and typed-day parser understands it.
MONTHS: tuple[tuple[int, str], ...] = (
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
MONTH_PATTERN = "|".join(f"(?:{pattern})" for _, pattern in MONTHS)
MONTH_RE = re.compile(rf"\b(?:{MONTH_PATTERN})\b")
_MONTH_LOOKUP = [(number, re.compile(rf"^(?:{pattern})$")) for number, pattern in MONTHS]

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
YEAR = r"(?:19|20)\d\d"

# Abbreviations plans write for whole words, each (pattern over folded text, the word). A phrase
# is normalised with them before any rule looks at it, and the PDF-like text reader knows them as
# deadline words, so «IV кв. 2022», «сент. 2022», «2022-2023 уч. г.» mean the same everywhere.
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bуч\.?\s*г(?:ода?)?\b\.?|\bуч\.\s*(?=год)|\bуч\b\.?(?=\s*г)", r"учебный год "),
    (r"\bуч\.", r"учебный "),
    (r"\bкв\b\.?", r"квартал"),
    (r"\bполуг\b\.?", r"полугодие"),
    (r"\bмес\b\.?", r"месяц"),
    (r"\bежемес\b\.?", r"ежемесячно"),
    (r"\bежекв\b\.?", r"ежеквартально"),
    (r"\bянв\b\.?", r"январь"),
    (r"\bфевр?\b\.?", r"февраль"),
    (r"\bмарт?\b\.", r"март"),
    (r"\bапр\b\.?", r"апрель"),
    (r"\bиюн\b\.?", r"июнь"),
    (r"\bиюл\b\.?", r"июль"),
    (r"\bавг\b\.?", r"август"),
    (r"\bсент?\b\.?", r"сентябрь"),
    (r"\bокт\b\.?", r"октябрь"),
    (r"\bнояб?\b\.?", r"ноябрь"),
    (r"\bдек\b\.?", r"декабрь"),
)
_ABBREVIATIONS = tuple((re.compile(pattern), word) for pattern, word in ABBREVIATIONS)
ABBREVIATION_WORDS = (
    r"уч\.?\s*г\.?|(?:уч|кв|полуг|янв|февр?|апр|авг|сент?|окт|нояб?|дек)\."
    r"|(?:iv|iii|ii|i|[1-4])(?=\s*-?\s*\w{0,3}\s*(?:кв|полуг|четв))"
)

# Periods inside a school or calendar year a phrase may name.
HALF = r"полугоди\w*"
SCHOOL_QUARTER = r"четверт\w*"
QUARTER = r"квартал\w*"
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Ordinal words as regex stems, each with its number («первой», «втором», «третья»).
ORDINAL_STEMS = ((r"перв", 1), (r"втор", 2), (r"трет", 3), (r"четверт\w+", 4))
_ORDINAL_TOKEN = re.compile(r"iv|iii|ii|i|[1-4]|" + "|".join(stem for stem, _ in ORDINAL_STEMS))


def ordinal_numbers(text: str) -> list[int]:
    """«I, II и IV», «первой и третьей», «1-го» → the numbers named, in order, once each."""
    found: list[int] = []
    for token in _ORDINAL_TOKEN.findall(text):
        number = ROMAN.get(token) or next(
            (n for stem, n in ORDINAL_STEMS if re.fullmatch(stem + r"\w*", token)), None
        )
        if number is not None and number not in found:
            found.append(number)
    return sorted(found)


ORDINAL = r"(?:iv|iii|ii|i|[1-4])(?:\s*-?\s*(?:й|ый|ое|ом|го|ая|ой))?"

# Words a deadline cell is made of, for telling the deadline column apart from its neighbours
# in a table laid out as plain lines (services/plan_import/flow.py).
DEADLINE_WORDS = (
    rf"{MONTH_PATTERN}|(?:19|20)\d\d\s*(?:г\.?|года|гг\.?)?|ежегодно|ежеквартально|ежемесячно"
    r"|еженедельно|постоянно|в\s+течени[ие](?:\s+(?:всего\s+)?(?:учебного\s+)?(?:года|периода))?"
    r"|учебного\s+года|по\s+итогам|полугоди\w*|четверт\w*|квартал\w*|[1-4]\s+раза?\s+в"
    r"|по\s+мере\s+необходимости|по\s+графику|в\s+соответствии\s+с\s+планом|\d\s+раза?\s+в\s+год"
    r"|до\s+\d{1,2}\s+(?:"
    + MONTH_PATTERN
    + r")|до\s+\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}\.\d{1,2}\.\d{4}|"
    + ABBREVIATION_WORDS
)


def month_number(token: str) -> int:
    """1–12 for a month name in any case form (lower-case, «е» for «ё»); ValueError otherwise."""
    for number, pattern in _MONTH_LOOKUP:
        if pattern.match(token):
            return number
    raise ValueError(token)


def fold(text: str) -> str:
    """Lower-case with «ё» → «е»: the form every pattern here is written for."""
    return text.lower().replace("ё", "е")


def normalize_phrase(phrase: str) -> str:
    """Lower-case, «ё» → «е», every dash → "-", line breaks and stray punctuation → spaces,
    abbreviations → whole words («IV кв.» → «iv квартал», «уч. г.» → «учебный год»)."""
    text = fold(phrase)
    text = re.sub(f"[{DASHES}]", "-", text)
    text = re.sub(r"<[^>]+>", " ", text)  # <b>…</b> left by converters
    text = re.sub(r"[\t\r\n\u00a0*_«»\"“”„;:!?]", " ", text)
    for pattern, word in _ABBREVIATIONS:
        text = pattern.sub(word + " ", text)
    text = re.sub(r"\s*-\s*", " - ", text)
    # "г." / "гг." / "года" after a year are noise for dating purposes but keep the year.
    text = re.sub(rf"({YEAR})\s*(?:г\.\s*г|гг?|год[ауы]?|годов)\b\.?", r"\1", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,")
