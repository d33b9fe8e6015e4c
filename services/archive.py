"""The evidence archive: every stored file, one folder per school and activity.

Its paths are the ones the Excel report links to, so unpacked next to the report the links
work. A messenger limits the size of a file a bot may send (Telegram: 50 MB), so the archive
comes in parts, each a complete zip under that size (unpack them all into the same place).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models import EvidenceKind
from services.evidence import EvidenceStore, default_name
from services.messenger import MB, TELEGRAM, MessengerLimits
from services.text import clean_line, safe_file_name

ZIP_RECORDS_ALLOWANCE = 2 * MB  # room for the zip's own records under the upload limit


def part_limit_for(limits: MessengerLimits) -> int:
    """The largest archive part (bytes of files in it) a messenger can take as one upload."""
    return limits.upload_bytes - ZIP_RECORDS_ALLOWANCE


PART_LIMIT_BYTES = part_limit_for(TELEGRAM)  # 48 MB: under Telegram's 50 MB


def archive_folder(label: str, municipality: str, today: date) -> str:
    """The archive's top folder: «<label> — <municipality> — DD.MM.YYYY», made safe."""
    return safe_file_name(f"{label} — {municipality} — {today:%d.%m.%Y}", "evidence", 150)


def evidence_archive_path(
    folder: str,
    school: str,
    number: str,
    text: str,
    submission_id: int,
    evidence_id: int,
    file_name: str | None,
    kind: str,
    mime: str | None,
) -> str:
    """Where one evidence file goes in the archive (and what the report links to):
    ``folder/school/«number. activity»/«submission-evidence name»``, each part one path
    component made safe by the one sanitiser (a «/» in a name is replaced, never a cut, so
    «Школа/Лицей 7» and «Лицей/Лицей 7» stay apart and «1.2. … ШНОР/ШНСУ» keeps its number);
    each at most 150 UTF-8 bytes, well under a file system's 255."""
    short = clean_line(text)[:50].rstrip(" ,.;")
    activity = f"{number}. {short}" if number else short
    original = file_name or default_name(EvidenceKind(kind), mime)
    name = safe_file_name(f"{submission_id}-{evidence_id} {original}", f"{evidence_id}.bin", 150)
    return "/".join(
        [
            folder,
            safe_file_name(school, "school", 150),
            safe_file_name(activity, "activity", 150),
            name,
        ]
    )


@dataclass(frozen=True)
class ArchiveEntry:
    """A file of the store (``stored_path``, relative) and its path in the archive."""

    archive_path: str
    stored_path: str


def build_archive(
    store: EvidenceStore,
    entries: list[ArchiveEntry],
    out_dir: Path,
    base_name: str,
    *,
    part_limit: int = PART_LIMIT_BYTES,
) -> list[Path]:
    """Write the zip part(s); blocking, run it in a thread. Missing files are skipped."""
    out_dir.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    archive: zipfile.ZipFile | None = None
    size = 0
    for entry in entries:
        try:
            source = store.absolute(entry.stored_path)
        except ValueError:
            continue
        if not source.is_file():
            continue
        length = source.stat().st_size
        if archive is None or (size and size + length > part_limit):
            if archive is not None:
                archive.close()
            path = out_dir / f"{base_name}-{len(parts) + 1}.zip"
            parts.append(path)
            archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
            size = 0
        archive.write(source, entry.archive_path)
        size += length
    if archive is not None:
        archive.close()
    if len(parts) == 1:
        single = parts[0].with_name(f"{base_name}.zip")
        parts[0].rename(single)
        parts = [single]
    return parts
