"""Normalised keys for names typed by people and printed in plans."""

from __future__ import annotations

import re
import unicodedata

from services.text import clean_line

_QUOTES = "«»\"'“”„‘’`"


def clean_spaces(text: str) -> str:
    """Runs of whitespace as one space, trimmed; no control characters (the one sanitiser)."""
    return clean_line(text)


def name_key(name: str) -> str:
    """«МБОУ "ЧСОШ №1"», «чсош № 1» → "мбоу чсош №1" / "чсош №1": case, quotes, spaces, ё."""
    # «№ 7» and «№7» are one number; done before NFKC, which spells «№» as «No».
    text = re.sub(r"№\s*", "№", name or "")
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    text = text.translate({ord(q): " " for q in _QUOTES})
    text = re.sub(r"[\s.,;:]+", " ", text)
    return text.strip()[:255]


def title_key(title: str) -> str:
    """Letters and digits only: a re-typed title with other spacing is the same plan."""
    text = unicodedata.normalize("NFKC", title or "").lower().replace("ё", "е")
    return re.sub(r"[^0-9a-zа-я]+", "", text)[:255]


def names_match(a: str, b: str) -> bool:
    """One name is the other with more words (legal form, town): «ЧСОШ № 1» ~ «МБОУ ЧСОШ №1»."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    wa, wb = ka.split(), kb.split()
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return all(word in long for word in short)
