"""One text sanitiser for everything people send: stored text, spreadsheet cells, file names.

Telegram delivers any Unicode a person typed, including control characters (U+0000–U+001F,
U+007F–U+009F) that XML 1.0 — and so every .xlsx cell — cannot hold, and bidirectional overrides
that make «cp.exe.pdf» look like «cp.fdp.exe». They are removed at the edge, before anything is
stored, and again when a cell is written (text stored before this rule existed).
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab and line feed, DEL, C1 controls; bidirectional embeddings, overrides
# and isolates (Unicode TR9); the non-characters U+FFFE/U+FFFF; lone surrogates.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)
# What no file system or zip reader takes in a single name (Windows' reserved set included).
_UNSAFE_IN_NAME = re.compile(r'[/\\:*?"<>|]')
_SPACES = re.compile(r"\s+")

# Linux and most file systems allow 255 bytes per name; zip readers on Windows 255 characters.
NAME_BYTES = 255


def clean_text(text: str | None) -> str:
    """``text`` without control characters; CR LF and CR become LF, NFC-normalised.

    ``None`` gives ``""``. Tabs and line breaks stay (people format comments with them).
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def clean_line(text: str | None) -> str:
    """``clean_text`` on one line: every run of whitespace (line breaks included) is one space."""
    return _SPACES.sub(" ", clean_text(text)).strip()


def truncate_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits in ``max_bytes`` bytes.

    Never splits a character (nor leaves half of a surrogate pair); ``max_bytes`` ≥ 0.
    """
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def safe_file_name(name: str | None, fallback: str, max_bytes: int = 120) -> str:
    """A single path component safe on every file system and in a zip, at most ``max_bytes``.

    The whole name is kept as one component: «/» and «\\» (and ``:*?"<>|``) become «_», never a
    cut to the last path part, so «Школа/Лицей 7» and «Лицей/Лицей 7» stay apart. Control
    characters are dropped; leading and trailing dots and spaces are stripped (no «..», no hidden
    files). An extension of up to 10 characters is kept whole while the stem is shortened by
    UTF-8 bytes. ``fallback`` is used when nothing is left; it is assumed safe.
    """
    name = clean_line(name)
    name = _UNSAFE_IN_NAME.sub("_", name).strip(" .")
    if not name:
        return fallback
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and 0 < len(suffix) <= 10 and len(suffix.encode()) < max_bytes // 2:
        room = max_bytes - len(suffix.encode()) - 1
        stem = truncate_bytes(stem, room).rstrip(" .") or "_"
        return f"{stem}.{suffix}"
    return truncate_bytes(name, max_bytes).rstrip(" .") or fallback
