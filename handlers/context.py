"""Small lookups handlers share: the sender's municipality and today's date there.

They live in :mod:`services.users` (use cases need them too); the names here are what the
handlers say.
"""

from __future__ import annotations

from services.users import municipality_of, today_for

coordinator_today = today_for
supervisor_today = today_for

__all__ = ["coordinator_today", "municipality_of", "supervisor_today"]
