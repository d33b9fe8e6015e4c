"""The daily reminder pass of a municipality, one module per concept.

1. :mod:`~scheduler.reminders.claims` — claim the day's pass (one row per municipality and local
   date), so a second instance or a second trigger does not run it again; a pass that died
   half-way is taken over later. Each reminder's unique key (assignment, kind, date) is claimed
   in the reminder log before sending and marked sent — or released when the send failed, so
   the next pass tries again. A crash after the claim never leads to a second message.
2. :mod:`~scheduler.reminders.planning` — for every open assignment with a date, the reminder
   point that is owed (:func:`services.reminders.latest_point`) and not yet in the log.
3. :mod:`~scheduler.reminders.batching` — one message per coordinator listing their school's
   items with a button each, sent in batches that never split a school.
4. :mod:`~scheduler.reminders.digest` — one digest to the supervisors: what became overdue
   today, which schools have no coordinator, who blocked the bot, which rows have no date.

:mod:`~scheduler.reminders.daily` runs the steps in order (:func:`run_pass`).
"""

from scheduler.reminders.batching import Planned, TaskButton, school_batches
from scheduler.reminders.daily import PassReport, run_pass

__all__ = ["PassReport", "Planned", "TaskButton", "run_pass", "school_batches"]
