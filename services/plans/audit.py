"""The audit log of a supervisor's changes: who, when (the row's time), what, before → after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog


def record_change(
    session: AsyncSession,
    *,
    municipality_id: int,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    before: Any,
    after: Any,
    **details: Any,
) -> AuditLog:
    """Add one audit row; ``before`` and ``after`` are plain JSON values."""
    entry = AuditLog(
        municipality_id=municipality_id,
        user_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details={"before": before, "after": after, **details},
    )
    session.add(entry)
    return entry
