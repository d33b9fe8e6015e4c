"""The operator's commands: ``python -m bot [run | import | municipality | export | remind |
add-supervisor | backup | check | migrate]``.

``parser`` holds the grammar, ``main`` the entry point, and one module per group of commands
calls the same use cases in ``services/`` as the bot does.
"""

from bot.cli.main import main

__all__ = ["main"]
