"""The bot's own store of evidence files (DATA_DIR/evidence).

Each file is downloaded as soon as it arrives, so exports and the archive keep working when the
messenger no longer serves it. Names are made safe for any file system and archive; size and
SHA-256 are recorded. How a file is fetched is given by the caller (Telegram's getFile today, a
URL on another messenger tomorrow).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePath

from models import EvidenceFile, EvidenceKind, utcnow
from services.messenger import TELEGRAM, MessengerLimits

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")

Fetch = Callable[[str, Path], Awaitable[None]]


def safe_file_name(name: str | None, fallback: str, max_length: int = 80) -> str:
    """A name that is safe on every file system and in a zip: no paths, no control characters."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    name = PurePath(name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" ._") or fallback
    stem, dot, suffix = name.rpartition(".")
    if dot and 0 < len(suffix) <= 10:
        stem = stem[: max(1, max_length - len(suffix) - 1)].rstrip(" .")
        return f"{stem}.{suffix}"
    return name[:max_length]


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


class EvidenceStore:
    """The files under ``root``; ``limits`` says how large a file the messenger lets it fetch."""

    def __init__(self, root: Path, limits: MessengerLimits = TELEGRAM) -> None:
        self.root = root
        self.limits = limits

    def relative_path(self, evidence: EvidenceFile, school_id: int) -> str:
        name = safe_file_name(evidence.file_name, default_name(evidence.kind, evidence.mime_type))
        return f"school-{school_id}/submission-{evidence.submission_id}/{evidence.id}-{name}"

    def absolute(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("evidence path escapes the store")
        return path

    async def download(self, evidence: EvidenceFile, school_id: int, fetch: Fetch) -> bool:
        """Fetch the file into the store and record where, how big and its SHA-256.

        Returns False (and records why) when it could not be fetched; the caller may retry.
        """
        evidence.download_attempts = (evidence.download_attempts or 0) + 1
        if evidence.size is not None and evidence.size > self.limits.download_bytes:
            evidence.download_error = "too_large"
            return False
        relative = self.relative_path(evidence, school_id)
        target = self.absolute(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        try:
            await fetch(evidence.file_id, partial)
            digest = hashlib.sha256()
            size = 0
            with partial.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
                    size += len(chunk)
            os.replace(partial, target)
        except Exception as error:  # network, API or disk: recorded, retried later
            log.warning(
                "evidence download failed: evidence_id=%s error=%s",
                evidence.id,
                type(error).__name__,
            )
            partial.unlink(missing_ok=True)
            evidence.download_error = type(error).__name__[:255]
            return False
        evidence.stored_path = relative
        evidence.sha256 = digest.hexdigest()
        evidence.size = size
        evidence.downloaded_at = utcnow()
        evidence.download_error = None
        return True

    def delete(self, evidence: EvidenceFile) -> None:
        if evidence.stored_path:
            try:
                self.absolute(evidence.stored_path).unlink(missing_ok=True)
            except (OSError, ValueError):
                log.warning("could not delete evidence file: evidence_id=%s", evidence.id)
