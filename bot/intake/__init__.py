"""How updates come in and get handled, without losing or doubling any.

aiogram's own polling confirms a batch of updates (by asking for the next one) before their
handlers have finished, so a crash could drop what a person just sent. Here every update is
first written to the database inbox — before the next getUpdates confirms it, or before a
webhook request is answered — and marked when handled. The same update delivered twice finds
its row and is skipped; after a crash, what was stored but not handled is handled at the next
start.

Handling is concurrent but bounded (MAX_CONCURRENT_UPDATES), polling waits while too much is
in flight, and one person sending thousands of messages is slowed down on their own
(USER_UPDATES_PER_MINUTE) without delaying anybody else. One person's updates are handled one at
a time, in the order they were sent: ten photos land in the draft in their order, and they do
not take ten handler slots to wait on each other's rows.

The parts:

- :mod:`bot.intake.inbox` — the durable inbox (store before acknowledging, skip duplicates,
  claim what was left unhandled, mark handled in group commits);
- :mod:`bot.intake.concurrency` — bounded in-flight updates, per-person order and flood limit;
- :mod:`bot.intake.runner` — :class:`UpdateRunner`, which puts the two together around
  ``Dispatcher.feed_update``;
- :mod:`bot.intake.polling` — the getUpdates loop and the life of a polling bot;
- :mod:`bot.intake.updates` — the update types asked for (what the bot handles, no more).

Handled rows are pruned by the daily housekeeping job (``scheduler/housekeeping.py``).
"""

from bot.intake.polling import run_polling
from bot.intake.runner import UpdateRunner
from bot.intake.updates import allowed_updates

__all__ = ["UpdateRunner", "allowed_updates", "run_polling"]
