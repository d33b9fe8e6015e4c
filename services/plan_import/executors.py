"""Who does a row: the department, the schools (ШНОР, ШНСУ, all), councils, or someone unknown.

Rules (PRODUCT.md, «Who does what»): rows whose executors include the schools go to every school
of the matching kind — ШНОР rows to ШНОР schools, ШНСУ rows to ШНСУ schools, «ОО» /
«образовательные организации» to all. Rows only for the department (and its councils) are the
supervisor's own checklist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.base import SchoolKind, Target
from services.names import clean_spaces

_DEPARTMENT = re.compile(
    r"управлени\w*\s+образовани|отдел\w*\s+(?:управления\s+|общего\s+|дошкольного\s+)?образовани"
    r"|\bм?оуо\b|\bр?уо\b|\bруо\b|\bгуо\b|комитет\w*\s+(?:по\s+)?образовани|департамент\w*\s+образовани"
    r"|муниципальн\w+\s+орган\w*\s+управления|администраци\w+\s+(?:муниципальн|городск|округ|район)"
    r"|администраци\w+\s+(?:\S+\s+){1,3}?(?:муниципальн\w+\s+(?:район|округ|образовани)|городск\w+\s+округ"
    r"|район\w*\b|округ\w*\b)|специалист\w*\s+(?:управления|отдела|моуо)"
    r"|муниципальн\w+\s+координатор"
)
_COUNCIL = re.compile(
    r"экспертн\w*\s+совет|\bммс\b|\bммц\b|\bимц\b|\bрмо\b|\bгмо\b|методическ\w*\s+(?:совет|служб|центр)"
    r"|\bцнппм\b|\bипк\w*\b|\bиро\b|\bпедагогическ\w*\s+совет|\bм?цоко\b"
    r"|центр\w*\s+(?:оценки|мониторинга)\s+качества|информационно\W+методическ\w*\s+центр"
)
# ШНОР-only and ШНСУ-only wordings: «ОО, включенные в перечень ШНОР», «ОО с низкими результатами
# обучения», «школы с низкими образовательными результатами»; «…в сложных социальных условиях».
_SHNOR = re.compile(r"\bшнор\b|с\s+низкими\s+(?:образовательными\s+)?результат")
_SHNSU = re.compile(
    r"\bшнсу\b|функционирующ\w*\s+в\s+(?:сложных|неблагоприятн)|неблагоприятн\w+\s+социальн"
)
# A qualifier after a comma belongs to the schools before it («ОО, включенные в перечень ШНОР»).
_QUALIFIER = re.compile(
    r",\s*(?=(?:включенн|вошедш|входящ|имеющ|функционирующ|показывающ|демонстрирующ|с\s+низк))"
)
_ALL_SCHOOLS = re.compile(
    r"\bоо\b|\bоу\b|\bоош?\b|образовательн\w*\s+(?:организаци|учреждени)|общеобразовательн\w*"
    r"|\bшкол[аыу]?\b|\bшкольн\w*|руководител\w*\s+(?:оо|ou|школ)|администраци\w*\s+(?:оо|школ)"
    r"|руководител\w*\s+(?:ш?мо\b|методическ\w+\s+объединени)|\bшмо\b|наставник\w*|тьютор\w*"
    r"|директор\w*|заместител\w*\s+директор|\bзам\.?\s*директор|педагог\w*|учител\w*|классн\w+\s+руковод"
    r"|\bмбоу\b|\bмкоу\b|\bмаоу\b|\bсош\b|гимнази\w*|лице[йя]\w*"
)
_PARENTHESES = re.compile(r"\((?:далее|в\s+т\.?\s*ч\.?)[^)]*\)")


@dataclass
class Executors:
    target: Target
    # Parts of the cell nobody recognised («наставники», a person's name).
    unknown: list[str] = field(default_factory=list)
    recognised: bool = True


def classify_executors(text: str) -> Executors:
    cleaned = _PARENTHESES.sub(" ", clean_spaces(text).lower().replace("ё", "е"))
    cleaned = _QUALIFIER.sub(" ", cleaned)
    parts = [p.strip(" .") for p in re.split(r"[,;\n]|\s+и\s+", cleaned) if p.strip(" .")]
    shnor = shnsu = all_schools = department = False
    unknown: list[str] = []
    for part in parts:
        hit = False
        part_shnor, part_shnsu = bool(_SHNOR.search(part)), bool(_SHNSU.search(part))
        if part_shnor or part_shnsu:
            shnor, shnsu, hit = shnor or part_shnor, shnsu or part_shnsu, True
        elif _ALL_SCHOOLS.search(part) and not _DEPARTMENT.search(part):
            all_schools = hit = True
        if _DEPARTMENT.search(part) or _COUNCIL.search(part):
            department = hit = True
        if not hit:
            unknown.append(_original_case(text, part))
    if all_schools:
        target = Target.ALL_SCHOOLS
    elif shnor and shnsu:
        target = Target.SHNOR_SHNSU
    elif shnor:
        target = Target.SHNOR
    elif shnsu:
        target = Target.SHNSU
    else:
        target = Target.DEPARTMENT
    recognised = all_schools or shnor or shnsu or department
    return Executors(target=target, unknown=unknown, recognised=recognised)


def _original_case(original: str, lowered: str) -> str:
    """The unknown part as it was written (for the preview), found case-insensitively."""
    flat = clean_spaces(original)
    index = flat.lower().replace("ё", "е").find(lowered)
    return flat[index : index + len(lowered)] if index >= 0 else lowered


# --------------------------------------------------------------------------------------------
# Schools named by the plan itself («ШНОР – ЧСОШ № 1, ШНСУ – КСОШИ № 4», an «Адресность» cell)

_KIND_LIST = re.compile(
    r"\b(ШНОР|ШНСУ)\s*[-–—:]\s*(.+?)(?=[,;.]?\s*\b(?:ШНОР|ШНСУ)\s*[-–—:]|$)", re.IGNORECASE
)
_SCHOOL_NAME = re.compile(
    r"№\s*\d|\b(?:[А-ЯЁA-Z]{0,6}СОШ[А-ЯЁ]{0,3}|ООШ|НОШ|МБОУ|МАОУ|МКОУ|МОУ|ГБОУ|СКОШ|КСОШИ|ЦО)\b"
    r"|гимнази|лице[йя]|школ[аы]\s*(?:№|[-–]\s*интернат)",
    re.IGNORECASE,
)


_NAMED_SCHOOL = re.compile(
    r"(?:МБОУ|МАОУ|МКОУ|МОУ|ГБОУ|МБОУ\s+ДО)\s*(?:«[^»]{1,60}»|\"[^\"]{1,60}\"|[^,;()«»]{0,40}?№\s*\d+)"
    r"|\b[А-ЯЁ]{0,6}(?:СОШ|ООШ|НОШ|СКОШ|КСОШИ)[А-ЯЁ]{0,3}\s*№\s*\d+"
    r"|\b(?:гимнази[яи]|лице[йя]|школ[аы])\s*№\s*\d+",
    re.IGNORECASE,
)


def school_name_in(text: str) -> str | None:
    """The school's name inside a phrase («Выездной семинар в ЧСОШ № 2» → «ЧСОШ № 2»)."""
    found = list(_NAMED_SCHOOL.finditer(clean_spaces(text or "")))
    return found[-1].group(0).strip(" .,") if found else None


def looks_like_school(name: str) -> bool:
    return bool(_SCHOOL_NAME.search(name)) and 2 <= len(name) <= 120


def schools_named_by_kind(text: str) -> list[tuple[str, SchoolKind]]:
    """«ШНОР – ЧСОШ № 1 ШНСУ – КСОШИ № 4» → [("ЧСОШ № 1", SHNOR), ("КСОШИ № 4", SHNSU)]."""
    found: list[tuple[str, SchoolKind]] = []
    flat = clean_spaces(text)
    for match in _KIND_LIST.finditer(flat):
        kind = SchoolKind.SHNOR if match.group(1).upper() == "ШНОР" else SchoolKind.SHNSU
        for name in re.split(r"[;,]|\s+и\s+", match.group(2)):
            name = name.strip(" .:()")
            if looks_like_school(name):
                found.append((name, kind))
    return found


def schools_in_address(text: str) -> list[str]:
    """An «Адресность» cell: school names, or nothing when it names kinds («все ШНОР»)."""
    names = []
    for part in re.split(r"[;,\n]", text or ""):
        part = clean_spaces(part).strip(" .")
        if part and looks_like_school(part):
            names.append(part)
    return names


# --------------------------------------------------------------------------------------------
# The plan's own list of schools («Перечень школ… | Статус: ШНОР»), before or beside the plan

_KIND_WORDS = (
    (SchoolKind.SHNOR, re.compile(r"\bшнор\b|низк\w+\s+(?:образовательн\w+\s+)?результат", re.I)),
    (SchoolKind.SHNSU, re.compile(r"\bшнсу\b|неблагоприятн\w+\s+социальн", re.I)),
)


def kind_named(text: str) -> SchoolKind | None:
    """ШНОР, ШНСУ or both, as a cell or a bracket says it; None when it names no kind."""
    found = {kind for kind, pattern in _KIND_WORDS if pattern.search(text or "")}
    if len(found) == 2:
        return SchoolKind.BOTH
    return found.pop() if found else None


def school_kinds_listed(rows: list[list[str]]) -> list[tuple[str, SchoolKind]]:
    """Schools with their kind from rows of a list («МБОУ СОШ № 1 | ШНОР»), or from a name
    followed by its kind in brackets («ЧСОШ № 1 (ШНОР)»)."""
    found: list[tuple[str, SchoolKind]] = []
    for row in rows:
        cells = [clean_spaces(c) for c in row if c and c.strip()]
        kind = kind_named(" ".join(c for c in cells if not looks_like_school(c)))
        for cell in cells:
            for part in re.split(r"[;\n]", cell):
                bracket = re.match(r"^(.+?)\s*\(([^()]+)\)\s*$", part.strip())
                name, own = (bracket[1], kind_named(bracket[2])) if bracket else (part, None)
                name = name.strip(" .,:")
                if bracket:  # «Выездной семинар в ЧСОШ № 2 (ШНОР)»: the name before the bracket
                    name = school_name_in(name) or name
                if looks_like_school(name) and (own or kind):
                    found.append((name, own or kind))  # type: ignore[arg-type]
    return found
