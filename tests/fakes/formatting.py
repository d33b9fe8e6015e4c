"""Telegram's HTML parse mode, as the fake checks and renders it (the bot sends HTML only)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from tests.fakes.wire import JSON


class FormattingError(ValueError):
    """Text cannot be parsed with the given parse_mode (Telegram answers 400)."""


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0  # in UTF-16 code units, like Telegram entity offsets
        self.entities: list[JSON] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += _u16(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append({"type": kind, "offset": start, "length": self.length - start})
            self.entities[-1].update({k: v for k, v in extra.items() if v is not None})

    def result(self) -> tuple[str, list[JSON]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


_HTML_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_HTML_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*/?>")
_HTML_ATTR = re.compile(r"([a-zA-Z][\w-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int
    byte_offset: int


def _parse_html(text: str) -> tuple[str, list[JSON]]:
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY.match(text, i)
            if match:
                name = match.group(1)
                if name.startswith(("#x", "#X")):
                    out.add(chr(int(name[2:], 16)))
                elif name.startswith("#"):
                    out.add(chr(int(name[1:])))
                else:
                    out.add(_HTML_NAMED.get(name.lower(), match.group(0)))
                i = match.end()
                continue
            out.add(char)
            i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        offset = _byte_offset(text, i)
        if text.startswith("</", i):
            end = text.find(">", i)
            if end == -1:
                msg = f"Unclosed end tag at byte offset {offset}"
                raise FormattingError(msg)
            name = text[i + 2 : end].strip().lower()
            if not stack:
                msg = f"Unexpected end tag at byte offset {offset}"
                raise FormattingError(msg)
            opened = stack.pop()
            if name != opened.name:
                msg = (
                    f'Unmatched end tag at byte offset {offset}, expected "</{opened.name}>", '
                    f'found "</{name}>"'
                )
                raise FormattingError(msg)
            _close_html_tag(out, opened, stack)
            i = end + 1
            continue
        match = _HTML_START_TAG.match(text, i)
        name = match.group(1).lower() if match else ""
        if not match or name not in _HTML_SIMPLE_TAGS:
            msg = f'Unsupported start tag "{name}" at byte offset {offset}'
            raise FormattingError(msg)
        attrs = {
            key.lower(): html.unescape(value.strip("\"'")) if value else ""
            for key, value in _HTML_ATTR.findall(match.group(2) or "")
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            msg = f'Unsupported start tag "span" at byte offset {offset}'
            raise FormattingError(msg)
        stack.append(_OpenTag(name, attrs, out.length, offset))
        i = match.end()
    if stack:
        msg = f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        raise FormattingError(msg)
    return out.result()


def _close_html_tag(out: _TextBuilder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    kind = _HTML_SIMPLE_TAGS[tag.name]
    if kind == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language.removeprefix("language-")
        return  # <pre><code class="language-x"> is a single pre entity
    if kind == "text_link":
        if tag.attrs.get("href"):
            out.entity("text_link", tag.start, url=tag.attrs["href"])
    elif kind == "pre":
        out.entity("pre", tag.start, language=tag.attrs.get("language"))
    elif kind == "blockquote":
        expandable = "expandable" in tag.attrs
        out.entity("expandable_blockquote" if expandable else "blockquote", tag.start)
    elif kind == "custom_emoji":
        out.entity("custom_emoji", tag.start, custom_emoji_id=tag.attrs.get("emoji-id"))
    elif kind == "date_time":
        unix = tag.attrs.get("unix", "")
        out.entity(
            "date_time",
            tag.start,
            unix_time=int(unix) if unix.isdigit() else None,
            date_time_format=tag.attrs.get("format"),
        )
    else:
        out.entity(kind, tag.start)


def render_text(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Render ``text`` like Telegram does: returns (plain text, entities).

    Raises :class:`FormattingError` for markup Telegram would reject, and for a parse mode
    other than HTML (the bot never uses Markdown; the fake does not render it).
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _parse_html(text)
    if mode:
        msg = f"parse mode {parse_mode!r} is not supported by the fake (HTML only)"
        raise FormattingError(msg)
    return text, []
