"""What people type instead of a command, understood.

- an invite link pasted as text (``https://t.me/<bot>?start=<token>``, ``t.me/…``,
  ``tg://resolve?domain=<bot>&start=<token>``) means ``/start <token>``;
- a command's name as a word, in any language of the catalogs («задачи», «статус», «tasks»;
  the words are ``typed-<command>`` in ``locales/``) means the command;
- a slip of the keyboard (``/task``, ``/stauts``, ``/Status``, ``/задачи``) means the one
  command it is close to; when several are close they are suggested.

When a word names commands of several roles, the person's own is meant («статус» is /status
for a supervisor and /tasks for a school); another role's word stays a text for a school or a
supervisor, and tells a stranger whom the command is for. Nothing here sends anything: the
middleware (``bot/middlewares/typed_commands.py``) rewrites the message, the fallback suggests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz.distance import DamerauLevenshtein

from handlers.menu import COORDINATOR, EVERYONE, SUPERVISOR, commands_for
from models import Role
from services.i18n import Texts

ALL_COMMANDS: tuple[str, ...] = tuple(dict.fromkeys((*EVERYONE, *COORDINATOR, *SUPERVISOR)))
ONLY_FOR: dict[str, Role] = {
    **{name: Role.SUPERVISOR for name in SUPERVISOR if name not in EVERYONE},
    **{name: Role.COORDINATOR for name in COORDINATOR if name not in EVERYONE},
}
_LINK = re.compile(
    r"(?:(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?P<bot>\w{3,})/?\?start="
    r"|tg://resolve\?domain=(?P<domain>\w{3,})&start=)(?P<token>[A-Za-z0-9_-]{1,64})",
    re.IGNORECASE,
)
_NOT_WORD = re.compile(r"[^\w\s]+")


def invite_token_in(text: str, bot_username: str) -> str | None:
    """The start token of a link to this bot somewhere in ``text``."""
    for match in _LINK.finditer(text):
        bot = match.group("bot") or match.group("domain") or ""
        if bot.lower() == bot_username.lower():
            return match.group("token")
    return None


def normalise(text: str) -> str:
    """Lower case, «ё» as «е», punctuation and emoji dropped, single spaces."""
    text = text.lower().replace("ё", "е")
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())


def _mine(commands: Iterable[str], role: Role | None) -> str | None:
    """The one of ``commands`` the person has; or the only one there is (the fallback then
    says whom it is for)."""
    candidates = list(dict.fromkeys(commands))
    own = [name for name in candidates if name in commands_for(role)]
    if len(own) == 1:
        return own[0]
    return candidates[0] if len(candidates) == 1 and not own else None


def near_commands(typed: str, role: Role | None) -> list[str]:
    """Commands ``typed`` is a slip of (one edit for short names, two for long; or a prefix
    of three letters or more), the person's own first."""
    typed = typed.lower()
    close = []
    for name in ALL_COMMANDS:
        allowed = 1 if len(name) <= 5 else 2
        prefix = len(typed) >= 3 and (name.startswith(typed) or typed.startswith(name))
        if prefix or DamerauLevenshtein.distance(typed, name) <= allowed:
            close.append(name)
    own = commands_for(role)
    return sorted(close, key=lambda name: name not in own)


class Vocabulary:
    """The words that mean a command, from every catalog (read once)."""

    def __init__(self, texts: Texts) -> None:
        self.phrases: dict[str, list[str]] = {}
        for name in ALL_COMMANDS:
            for locale in texts.locales:
                if not texts.has(f"typed-{name}", locale):
                    continue
                for phrase in texts.get(f"typed-{name}", locale).split(","):
                    if key := normalise(phrase):
                        self.phrases.setdefault(key, []).append(name)

    def command_for_words(self, text: str, role: Role | None) -> str | None:
        """The command a whole message («Задачи!», «мои задачи») names, if any: one of the
        person's own (another role's word from a school or a supervisor stays a text — it may
        be a comment); for a stranger the first named, so they hear whom it is for."""
        named = self.phrases.get(normalise(text), [])
        own = [name for name in named if name in commands_for(role)]
        if own:
            return own[0] if len(set(own)) == 1 else None
        return named[0] if named and role is None else None

    def command_for_slash(self, typed: str, role: Role | None) -> str | None:
        """The command a slash command that is not one (``/task``, ``/задачи``) means."""
        if typed in ALL_COMMANDS:
            return None
        if typed.lower() in ALL_COMMANDS:
            return typed.lower()
        named = self.command_for_words(typed, role)
        if named is not None:
            return named
        close = near_commands(typed, role)
        own = [name for name in close if name in commands_for(role)]
        return _mine(own or close, role)
