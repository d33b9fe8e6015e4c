"""A domain error carries a message key from ``locales/`` and its parameters, never text."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"
