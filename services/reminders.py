"""When a reminder is owed, as pure functions of a due date, the offsets and today.

A school-assigned due date has reminder points: 7, 3 and 1 days before it and on the day (the
municipality's offsets), then 1 day after and every 7 days after that while it stays open. A
pass sends, for each open assignment, the latest point that has come and has not been sent yet.
So a bot that was down at 09:00 — or for days — sends what is owed once when it is back, never
a backlog, and never the same point twice (the reminder log's unique key remembers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ReminderRules:
    offsets: tuple[int, ...] = (7, 3, 1, 0)
    overdue_first: int = 1
    overdue_every: int = 7

    @classmethod
    def of(cls, offsets: list[int], overdue_first: int, overdue_every: int) -> ReminderRules:
        clean = tuple(sorted({int(o) for o in offsets if int(o) >= 0}, reverse=True))
        return cls(clean or (0,), max(1, int(overdue_first)), max(1, int(overdue_every)))


@dataclass(frozen=True)
class Point:
    kind: str  # "before:7", "before:0", "overdue:1", "overdue:8", …
    on: date  # the day this reminder belongs to

    @property
    def overdue(self) -> bool:
        return self.kind.startswith("overdue:")


def latest_point(due_on: date, today: date, rules: ReminderRules) -> Point | None:
    """The most recent reminder point on or before today; None if none has come yet."""
    if today >= due_on + timedelta(days=rules.overdue_first):
        late = (today - due_on).days
        steps = (late - rules.overdue_first) // rules.overdue_every
        days = rules.overdue_first + steps * rules.overdue_every
        return Point(f"overdue:{days}", due_on + timedelta(days=days))
    passed = [offset for offset in rules.offsets if due_on - timedelta(days=offset) <= today]
    if not passed:
        return None
    offset = min(passed)
    return Point(f"before:{offset}", due_on - timedelta(days=offset))
