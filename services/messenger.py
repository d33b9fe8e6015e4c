"""What a messenger allows a bot: the one home of message, caption and file limits and links.

Every limit the code respects comes from a :class:`MessengerLimits`; a second messenger gives its
own instance (see docs/architecture.md, «a new messenger»). Nothing here knows a messenger's types.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MessengerLimits:
    """Limits of one messenger's bot API, in characters and bytes.

    ``text_chars``: longest message text; ``caption_chars``: longest media caption;
    ``download_bytes``: largest file the bot may fetch; ``upload_bytes``: largest file it may send;
    ``start_payload_chars``: longest deep-link payload; ``deep_link``: link format with
    ``{bot}`` and ``{payload}``; ``chat_link``: the private chat's link, with ``{bot}``.
    """

    name: str
    text_chars: int
    caption_chars: int
    download_bytes: int
    upload_bytes: int
    start_payload_chars: int
    deep_link: str
    chat_link: str = ""  # the link that opens a private chat with the bot: ``{bot}``

    @property
    def download_mb(self) -> int:
        """The download limit in whole megabytes, for messages to people."""
        return self.download_bytes // MB

    def private_chat_link(self, bot_username: str) -> str:
        """The link that opens a private chat with the bot (no payload)."""
        return self.chat_link.format(bot=bot_username)

    def start_link(self, bot_username: str, payload: str) -> str:
        """The link that opens a chat with the bot and hands it ``payload``.

        Raises ValueError when the payload is longer than the messenger takes.
        """
        if len(payload) > self.start_payload_chars:
            raise ValueError(f"start payload over {self.start_payload_chars} characters")
        return self.deep_link.format(bot=bot_username, payload=quote(payload, safe="-_"))


# Telegram Bot API (https://core.telegram.org/bots/api): sendMessage text 1-4096 characters,
# captions 0-1024, getFile up to 20 MB, uploads up to 50 MB, /start payload up to 64 characters
# (https://core.telegram.org/bots/features#deep-linking).
TELEGRAM = MessengerLimits(
    name="telegram",
    text_chars=4096,
    caption_chars=1024,
    download_bytes=20 * MB,
    upload_bytes=50 * MB,
    start_payload_chars=64,
    deep_link="https://t.me/{bot}?start={payload}",
    chat_link="https://t.me/{bot}",
)
