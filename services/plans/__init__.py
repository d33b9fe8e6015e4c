"""Plans in the database, by concept:

* :mod:`~services.plans.municipality` — the municipality a plan belongs to and its calendar;
* :mod:`~services.plans.saving` — saving an imported plan, or updating it from a corrected file;
* :mod:`~services.plans.assignments` — keeping every school's assignments in step;
* :mod:`~services.plans.due_dates` — the rows' due dates, the half-year report, dating by hand.

The names below are the ones other layers use; import them from here.
"""

from __future__ import annotations

from models import DueKind
from services.plans.assignments import sync_assignments
from services.plans.due_dates import (
    HALF_YEAR_KEY,
    apply_calendar,
    ensure_half_year_report,
    find_due_date,
    set_due_date,
)
from services.plans.municipality import calendar_of, get_or_create_municipality
from services.plans.saving import PlanChanges, SaveResult, find_plan, plan_changes, save_plan

__all__ = [
    "HALF_YEAR_KEY",
    "DueKind",
    "PlanChanges",
    "SaveResult",
    "apply_calendar",
    "calendar_of",
    "ensure_half_year_report",
    "find_due_date",
    "find_plan",
    "get_or_create_municipality",
    "plan_changes",
    "save_plan",
    "set_due_date",
    "sync_assignments",
]
