"""Test doubles for external services: the Bot API server (:mod:`tests.fakes.bot_api`)."""

from tests.fakes.bot_api import *  # noqa: F403 — the module's __all__ is the public surface
from tests.fakes.bot_api import __all__ as __all__
