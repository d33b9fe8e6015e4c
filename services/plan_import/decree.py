"""What the decree before the table says: who approved the plan, the municipality it names,
and whether it is a school's own plan (approved by a school's order, done by its staff).

Everything here is text in, text out; the parser puts the results on the ParsedPlan and the
preview shows them.
"""

from __future__ import annotations

import re

from services.names import clean_spaces
from services.plan_import.executors import looks_like_school, school_name_in

_DECREE = re.compile(
    r"\b(?:приказ\w*|постановлени\w*|распоряжени\w*|решени\w*)\s+(?!№)(?!от\b)"
    r"(.{3,160}?)\s+(?:от\s+)?(?:«?\d{1,2}»?[.\s]+\S+[.\s]+(?:19|20)\d\d|№)",
    re.IGNORECASE,
)
_APPROVED = re.compile(
    r"\bутвержд\w*\s+(?:приказом|постановлением|распоряжением|решением)\s+(.{3,160}?)\s+от\s+"
    r"«?\d{1,2}",
    re.IGNORECASE,
)
_BREAK = re.compile(r"^(?:ПОСТАНОВЛЕНИЕ|ПРИКАЗ|РАСПОРЯЖЕНИЕ|РЕШЕНИЕ|ПЛАН|\W*$)")
_BODY_LINE = re.compile(
    r"^\W*((?:администраци\w+|управлени\w+\s+образовани\w*|отдел\w*\s+(?:управления\s+)?образовани\w*"
    r"|комитет\w*\s+(?:по\s+)?образовани\w*|муниципальн\w+\s+(?:бюджетн|казенн|автономн)\w+"
    r"\s+общеобразовательн\w+\s+учреждени\w*|(?:МБОУ|МАОУ|МКОУ|МОУ|ГБОУ)\b).{0,160})$",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"\b([а-яё]{3,}(?:ск|цк|н)(?:ого|ом|ий|ый|ой)(?:\s*-\s*[а-яё]+)?)\s+"
    r"(муниципальн\w+\s+(?:округ|район)\w*|городск\w+\s+округ\w*|район\w*)\b",
    re.IGNORECASE,
)
# Other cases → nominative, for a municipality named in «Администрация Кизеловского
# муниципального округа», «в Александровском муниципальном округе».
_ENDINGS = (
    (r"городского", r"городской"),
    (r"городском", r"городской"),
    (r"ского", r"ский"),
    (r"ском", r"ский"),
    (r"цкого", r"цкий"),
    (r"цком", r"цкий"),
    (r"ного", r"ный"),
    (r"ном", r"ный"),
    (r"округа", r"округ"),
    (r"округе", r"округ"),
    (r"района", r"район"),
    (r"районе", r"район"),
)
_SCHOOL_ORDER = re.compile(
    r"\b(?:МБОУ|МАОУ|МКОУ|МОУ|ГБОУ|СОШ|ООШ|НОШ|школ[аыи]|лице[йя]|гимнази[яи])\b",
    re.IGNORECASE,
)
_STAFF = re.compile(
    r"директор|заместител\w*\s+директор|\bзам\.?\s*директор|педагог\w*|учител\w*|руководител\w*\s+"
    r"(?:ш?мо|методическ)|классн\w+\s+руковод|социальн\w+\s+педагог|\bшмо\b|наставник|тьютор"
    r"|библиотекар|психолог|логопед|дефектолог|вожат",
    re.IGNORECASE,
)
_DEPARTMENT = re.compile(
    r"управлени\w*\s+образовани|отдел\w*\s+(?:управления\s+)?образовани|\bмоуо\b|\bуо\b|комитет"
    r"|администраци\w+\s+(?:муниципальн|городск|округ|район)",
    re.IGNORECASE,
)


def approving_body(preamble: list[str]) -> str | None:
    """Who approved the plan: the heading over the decree («АДМИНИСТРАЦИЯ / АЛЕКСАНДРОВСКОГО
    МУНИЦИПАЛЬНОГО ОКРУГА»), else «утвержден приказом Управления образования … от …»."""
    lines = [clean_spaces(_unmark(line)) for line in preamble]
    filled = [line for line in lines if line][:15]
    for index, line in enumerate(filled):
        if _BODY_LINE.match(line):
            block = [line]
            for following in filled[index + 1 :]:
                if not following.isupper() or _BREAK.match(following):
                    break
                block.append(following)
            return _trim(" ".join(block))
    text = " ".join(lines)
    approved = _APPROVED.search(text) or _DECREE.search(text)
    if approved and re.search(r"[А-ЯЁ]", approved.group(1)):
        return _body_nominative(_trim(approved.group(1)))
    return None


def _unmark(line: str) -> str:
    return re.sub(r"<[^>]+>|\*\*|\\_", " ", line or "")


_BODY_ENDINGS = ((r"ения", r"ение"), (r"ации", r"ация"), (r"итета", r"итет"), (r"дела", r"дел"))


def _body_nominative(body: str) -> str:
    """«Управления образования …» (after «приказом») → «Управление образования …»."""
    first, _, rest = body.partition(" ")
    for ending, replacement in _BODY_ENDINGS:
        if first.lower().endswith(ending):
            body = f"{first[: -len(ending)]}{replacement} {rest}".strip()
            break
    return body[:1].upper() + body[1:]


def _trim(text: str) -> str:
    text = clean_spaces(text).strip(" ,.")
    if text.startswith(("«", '"')) and text.count("«") > text.count("»"):
        text = text[1:]  # an opening quote left over; a name's closing quote stays
    return text.strip(" ,.")[:200]


def municipality_name(preamble: list[str]) -> str | None:
    """The municipality the decree names, in the nominative: «Кизеловский муниципальный
    округ» from «Администрация Кизеловского муниципального округа»."""
    match = _PLACE.search(clean_spaces(" ".join(_unmark(line) for line in preamble)))
    if not match:
        return None
    words = [_nominative(word.lower()) for word in f"{match[1]} {match[2]}".split()]
    return " ".join([words[0].capitalize(), *words[1:]])


def _nominative(word: str) -> str:
    for ending, replacement in _ENDINGS:
        if word.endswith(ending):
            return word[: -len(ending)] + replacement
    return word


def own_school(preamble: list[str], approved_by: str | None, executors: list[str]) -> str | None:
    """The school whose own plan this is: approved by a school (its order, its director) and
    done by its staff (директор, заместитель директора, учителя, руководители ШМО)."""
    body = approved_by or ""
    if not (_SCHOOL_ORDER.search(body) and looks_like_school(body)):
        school_line = next(
            (clean_spaces(line) for line in preamble if _SCHOOL_ORDER.search(line or "")), ""
        )
        if not looks_like_school(school_line) or _DEPARTMENT.search(school_line):
            return None
        body = school_line
    filled = [e for e in executors if e.strip()]
    staff = [e for e in filled if _STAFF.search(e) and not _DEPARTMENT.search(e)]
    if not filled or len(staff) * 2 < len(filled):
        return None
    return _school_name(body)


def _school_name(text: str) -> str:
    """The school's name out of its order's wording («приказом МБОУ «СОШ № 1» г. Кизела»)."""
    return school_name_in(text) or _trim(text)
