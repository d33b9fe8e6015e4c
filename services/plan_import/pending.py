"""Previewed imports waiting for «Импортировать»: the parsed plan kept as JSON on disk.

One file per previewed file, named by its SHA-256, in a directory that outlives the process
(``DATA_DIR/imports``), so a restart between the preview and the button loses nothing and the
confirmed import saves exactly what the preview showed. The conversation state keeps only the
digest and the file name.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from services.plan_import.model import ParsedPlan
from services.plan_import.serial import plan_from_data, plan_to_data

log = logging.getLogger(__name__)
_DIGEST = re.compile(r"[0-9a-f]{64}")


class PendingImports:
    """Parsed plans by the SHA-256 of their file, in ``directory`` (created when first used)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, sha256: str) -> Path | None:
        return self.directory / f"{sha256}.json" if _DIGEST.fullmatch(sha256) else None

    def keep(self, sha256: str, parsed: ParsedPlan) -> None:
        """Store ``parsed`` under ``sha256`` (hex). Raises ValueError on a malformed digest and
        OSError when the disk refuses."""
        path = self._path(sha256)
        if path is None:
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(plan_to_data(parsed), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)

    def load(self, sha256: str) -> ParsedPlan | None:
        """The plan kept under ``sha256``; None when there is none or it cannot be read."""
        path = self._path(sha256)
        if path is None or not path.is_file():
            return None
        try:
            return plan_from_data(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            log.warning("pending import %s unreadable: %s", sha256[:16], error)
            return None

    def discard(self, sha256: str) -> None:
        """Forget the plan kept under ``sha256`` (nothing happens when there is none)."""
        path = self._path(sha256)
        if path is not None:
            path.unlink(missing_ok=True)
