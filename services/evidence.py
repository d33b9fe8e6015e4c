"""The bot's own store of evidence files (DATA_DIR/evidence).

Each file is downloaded soon after it arrives (by the download queue, scheduler/evidence.py),
so exports and the archive keep working when the messenger no longer serves it. Names are made
safe by the one sanitiser (:func:`services.text.safe_file_name`); size and SHA-256 are recorded.
How a file is fetched is given by the caller (Telegram's getFile today, a URL on another
messenger tomorrow).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from models import EvidenceFile, EvidenceKind
from services.messenger import TELEGRAM, MessengerLimits
from services.text import safe_file_name

log = logging.getLogger(__name__)

Fetch = Callable[[str, Path], Awaitable[None]]

# A store name: «<evidence id>-<name>»; the id's digits and the dash fit in what is left of a
# file system's 255 bytes, and «.part-<token>» on the temporary copy too.
STORED_NAME_BYTES = 160


class TooLarge(Exception):
    """The messenger does not let a bot fetch a file this large: not worth retrying."""


class DownloadQueue(Protocol):
    """What a use case needs from the download queue: a nudge once new rows are committed."""

    def wake(self) -> None: ...


class EvidenceLike(Protocol):
    """What the store needs to know of a file (an :class:`EvidenceFile` or a snapshot of it)."""

    id: int
    submission_id: int
    kind: EvidenceKind
    file_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None


@dataclass(frozen=True)
class Stored:
    """Where a fetched file is (relative to the store), its SHA-256 and size in bytes."""

    relative: str
    sha256: str
    size: int


def default_name(kind: EvidenceKind, mime_type: str | None) -> str:
    """A file name for evidence that came without one (a photo, a nameless file)."""
    if kind is EvidenceKind.PHOTO:
        return "photo.jpg"
    extension = {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
        "application/msword": "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
        "video/mp4": "mp4",
    }.get(mime_type or "", "bin")
    return f"file.{extension}"


def _hash_and_place(partial: Path, target: Path) -> tuple[str, int]:
    """SHA-256 and size of ``partial``, then moved to ``target`` (blocking: run in a thread)."""
    digest = hashlib.sha256()
    size = 0
    with partial.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    os.replace(partial, target)
    return digest.hexdigest(), size


class EvidenceStore:
    """The files under ``root``; ``limits`` says how large a file the messenger lets it fetch."""

    def __init__(self, root: Path, limits: MessengerLimits = TELEGRAM) -> None:
        self.root = root
        self.limits = limits

    def relative_path(self, evidence: EvidenceLike, school_id: int) -> str:
        fallback = default_name(evidence.kind, evidence.mime_type)
        name = safe_file_name(evidence.file_name, fallback, STORED_NAME_BYTES)
        return f"school-{school_id}/submission-{evidence.submission_id}/{evidence.id}-{name}"

    def absolute(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("evidence path escapes the store")
        return path

    async def fetch(self, evidence: EvidenceLike, school_id: int, fetch: Fetch) -> Stored:
        """Fetch the file into the store; returns where it is, its SHA-256 and size.

        Raises :class:`TooLarge`, or whatever the fetch or the disk raised (network, API, a
        full disk): nothing is left behind then, and the caller may try again later.
        """
        if evidence.size is not None and evidence.size > self.limits.download_bytes:
            raise TooLarge(evidence.size)
        relative = self.relative_path(evidence, school_id)
        target = self.absolute(relative)
        partial = target.with_name(f"{evidence.id}.part-{secrets.token_hex(4)}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            await fetch(evidence.file_id, partial)
            sha256, size = await asyncio.to_thread(_hash_and_place, partial, target)
        except BaseException:
            with contextlib.suppress(OSError):  # the cleanup never hides the first error
                partial.unlink(missing_ok=True)
            raise
        return Stored(relative, sha256, size)

    def delete(self, evidence: EvidenceFile) -> None:
        if evidence.stored_path:
            self.delete_path(evidence.stored_path, evidence.id)

    def delete_path(self, relative: str, evidence_id: int) -> None:
        try:
            self.absolute(relative).unlink(missing_ok=True)
        except (OSError, ValueError):
            log.warning("could not delete evidence file: evidence_id=%s", evidence_id)
