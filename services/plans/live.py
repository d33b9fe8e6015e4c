"""Which work is live: the one rule every list of current work uses.

An assignment is live when the school is still on it (``active``), its row and date are still in
the plan, and its plan is current (not archived). Reminders, /status, /overdue, /tasks and the
digest all filter with :func:`live_assignment` (or :func:`live_activity` for rows), so archiving a
plan or taking a school off a row takes it out of all of them at once. The export keeps what was
done: :func:`kept_in_export` also keeps archived plans and a school's work on a row it was taken
off, when it submitted something there.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select

from models import Activity, Assignment, DueDate, Plan, Submission


def current_plan() -> ColumnElement[bool]:
    """The activity (joined in the query) belongs to a plan that is not archived."""
    return Activity.plan_id.in_(select(Plan.id).where(Plan.archived_at.is_(None)))


def live_activity() -> ColumnElement[bool]:
    """The activity (joined) is still in its plan and the plan is current."""
    return and_(Activity.removed_at.is_(None), current_plan())


def live_assignment() -> ColumnElement[bool]:
    """The assignment, with its ``DueDate`` and ``Activity`` joined, is current work."""
    return and_(
        Assignment.active.is_(True),
        DueDate.removed_at.is_(None),
        live_activity(),
    )


def kept_in_export() -> ColumnElement[bool]:
    """The assignment (``DueDate`` and ``Activity`` joined) belongs in the export: current or
    archived plans alike, and a school taken off a row stays where it submitted something."""
    return and_(
        or_(
            Assignment.active.is_(True),
            Assignment.id.in_(
                select(Submission.assignment_id).where(Submission.assignment_id.is_not(None))
            ),
        ),
        DueDate.removed_at.is_(None),
        Activity.removed_at.is_(None),
    )
