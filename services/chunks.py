"""Long texts in parts a messenger accepts: split at line boundaries, HTML kept valid.

A part ends at a line break whenever one fits; only a line longer than a whole part is broken,
between words (and, for one enormous word, anywhere outside a tag or an ``&entity;``). Tags
open at a break are closed at the end of the part and opened again at the start of the next,
so every part is valid HTML on its own. Lengths are counted as the messenger counts them:
UTF-16 code units, and the markup included (more than the text people see, never less).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"(<[^<>]*>)")
_WORD = re.compile(r"\S*\s*")
_TAG_NAME = re.compile(r"^</?\s*([a-zA-Z][\w-]*)")


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Part:
    opened: list[tuple[str, str]]  # (name, opening tag) open when the part starts
    body: str = ""


def _track(stack: list[tuple[str, str]], piece: str, html: bool) -> None:
    if not html:
        return
    for token in _TOKEN.findall(piece):
        match = _TAG_NAME.match(token)
        if match is None:
            continue
        name = match.group(1).lower()
        if token.startswith("</"):
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == name:
                    del stack[index:]
                    break
        elif not token.endswith("/>"):
            stack.append((name, token))


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _pieces(line: str, room: int, html: bool) -> list[str]:
    """A line too long for a part, as pieces each at most ``room`` units (words kept whole
    where they fit; tags and entities never cut)."""
    tokens = _TOKEN.split(line) if html else [line]
    words: list[str] = []
    for token in tokens:
        if html and token.startswith("<"):
            words.append(token)
        else:
            words.extend(w for w in _WORD.findall(token) if w)
    pieces: list[str] = []
    current = ""
    for word in words:
        while units(word) > room:  # one enormous word: cut it, not inside an &entity;
            cut = room - units(current) if units(current) < room else room
            head = word[:cut]
            amp = head.rfind("&")
            if html and amp > 0 and ";" not in head[amp:]:
                head = head[:amp]
            if not head:
                pieces.append(current)
                current = ""
                continue
            pieces.append(current + head)
            current, word = "", word[len(head) :]
        if current and units(current + word) > room:
            pieces.append(current)
            current = ""
        current += word
    if current:
        pieces.append(current)
    return pieces


def split_text(
    text: str, limit: int, *, first_limit: int | None = None, html: bool = True
) -> list[str]:
    """``text`` in parts of at most ``limit`` units (the first at most ``first_limit``: a media
    caption followed by messages). One part when it fits."""
    first = first_limit or limit
    if units(text) <= first:
        return [text]
    parts: list[_Part] = [_Part([])]
    stack: list[tuple[str, str]] = []
    reserve = 64  # room for the tags closed at the end of a part and reopened in the next

    def room() -> int:
        return (first if len(parts) == 1 else limit) - reserve

    for index, line in enumerate(text.split("\n")):
        separator = "\n" if index else ""
        for number, piece in enumerate(
            _pieces(line, room(), html) if units(line) > room() else [line]
        ):
            joint = separator if number == 0 else ""
            current = parts[-1]
            head = "".join(tag for _, tag in current.opened)
            if current.body and units(head + current.body + joint + piece) > room():
                parts.append(_Part(list(stack)))
                joint = ""
                current = parts[-1]
            current.body += joint + piece
            _track(stack, piece, html)
    return _render(parts, html)


def _render(parts: list[_Part], html: bool) -> list[str]:
    rendered: list[str] = []
    for index, part in enumerate(parts):
        following = parts[index + 1].opened if index + 1 < len(parts) else []
        head = "".join(tag for _, tag in part.opened) if html else ""
        tail = _closing(following) if html else ""
        text = head + part.body + tail
        if text.strip():
            rendered.append(text)
    return rendered
