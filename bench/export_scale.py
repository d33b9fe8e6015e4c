"""A region-size report: 1,000 schools × 40 activities × 2 years ≈ 80,000 assignments and 20,000
submissions. Prints the time of /status's data and of the whole Excel export, and the export
process's peak memory (measured in a child process that does nothing else).

    python -m bench.export_scale [--database-url postgresql+asyncpg://…] [--schools 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from models import (
    Activity,
    ActivityKind,
    Assignment,
    DueDate,
    DueKind,
    EvidenceFile,
    Municipality,
    Plan,
    Role,
    School,
    Submission,
    Target,
    User,
)
from models.db import create_engine, make_sessionmaker
from models.migrate import upgrade_async

TODAY = date(2023, 3, 1)
ACTIVITIES = 40
YEARS = (2022, 2023)
SUBMISSIONS = 20_000


async def build(url: str, schools: int) -> int:
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    rng = random.Random(7)
    async with sessions() as session:
        municipality = Municipality(name="Пермский край", timezone="Asia/Yekaterinburg")
        session.add(municipality)
        await session.flush()
        plan = Plan(
            municipality_id=municipality.id,
            title="План",
            title_key="план",
            period_start=date(2022, 1, 1),
            period_end=date(2023, 12, 31),
            period_kind="multi_year",
            source_filename="plan.docx",
            source_sha256="0" * 64,
        )
        session.add(plan)
        await session.flush()
        await session.execute(
            insert(Activity),
            [
                {
                    "plan_id": plan.id,
                    "kind": ActivityKind.PLAN,
                    "number": str(i + 1),
                    "key": str(i + 1),
                    "position": i + 1,
                    "text": f"Мероприятие {i + 1}: анализ результатов и подготовка справки",
                    "executors": "Управление образования, ОО",
                    "deadline_phrase": "ежегодно (июнь)",
                    "expected_result": "Справка",
                    "target": Target.ALL_SCHOOLS,
                    "addressed_schools": [],
                }
                for i in range(ACTIVITIES)
            ],
        )
        activity_ids = (await session.scalars(select(Activity.id).order_by(Activity.id))).all()
        await session.execute(
            insert(DueDate),
            [
                {
                    "activity_id": a,
                    "seq": n + 1,
                    "kind": DueKind.YEARLY,
                    "due_on": date(year, 1 + (a % 12), 15),
                    "is_default": False,
                    "set_manually": False,
                }
                for a in activity_ids
                for n, year in enumerate(YEARS)
            ],
        )
        due_ids = (await session.scalars(select(DueDate.id).order_by(DueDate.id))).all()
        await session.execute(
            insert(School),
            [
                {
                    "municipality_id": municipality.id,
                    "name": f"МБОУ СОШ № {i + 1}",
                    "name_key": f"мбоу сош №{i + 1}",
                    "kind": "shnor" if i % 2 else "shnsu",
                    "created_at": now,
                }
                for i in range(schools)
            ],
        )
        school_ids = (await session.scalars(select(School.id).order_by(School.id))).all()
        await session.execute(
            insert(User),
            [
                {
                    "platform": "telegram",
                    "platform_user_id": 50_000_000 + s,
                    "chat_id": 50_000_000 + s,
                    "full_name": f"Координатор {s}",
                    "username": f"coord{s}",
                    "role": Role.COORDINATOR,
                    "municipality_id": municipality.id,
                    "school_id": s,
                    "created_at": now,
                }
                for s in school_ids
            ],
        )
        rows = [
            {
                "school_id": s,
                "due_date_id": d,
                "status": "open",
                "status_at": now,
                "active": True,
                "manual": False,
            }
            for s in school_ids
            for d in due_ids
        ]
        for start in range(0, len(rows), 10_000):
            await session.execute(insert(Assignment), rows[start : start + 10_000])
        assignments = (
            await session.execute(
                select(Assignment.id, Assignment.school_id).order_by(Assignment.id)
            )
        ).all()
        users = dict((await session.execute(select(User.school_id, User.id))).all())
        chosen = rng.sample(assignments, min(SUBMISSIONS, len(assignments)))
        submissions = [
            {
                "assignment_id": a,
                "school_id": s,
                "user_id": users[s],
                "state": rng.choice(["submitted", "accepted", "returned"]),
                "comment": "Справка приложена",
                "created_at": now,
                "submitted_at": now - timedelta(days=rng.randint(0, 300)),
                "review_comment": "Нет подписи" if rng.random() < 0.1 else None,
            }
            for a, s in chosen
        ]
        for start in range(0, len(submissions), 10_000):
            await session.execute(insert(Submission), submissions[start : start + 10_000])
        submission_ids = (await session.scalars(select(Submission.id))).all()
        files = [
            {
                "submission_id": sid,
                "kind": "document",
                "file_id": f"f{sid}",
                "file_unique_id": f"u{sid}",
                "file_name": "справка.pdf",
                "mime_type": "application/pdf",
                "size": 120_000,
                "stored_path": f"school/{sid}/справка.pdf",
                "created_at": now,
                "downloaded_at": now,
                "download_attempts": 1,
            }
            for sid in submission_ids
        ]
        for start in range(0, len(files), 10_000):
            await session.execute(insert(EvidenceFile), files[start : start + 10_000])
        await session.execute(
            text(
                "UPDATE assignment SET status = 'submitted' "
                "WHERE id IN (SELECT assignment_id FROM submission)"
            )
        )
        await session.commit()
        municipality_id = municipality.id
    await engine.dispose()
    return municipality_id


async def measure_status(url: str, municipality_id: int) -> float:
    from services.progress import municipality_counts

    engine = create_engine(url)
    started = time.perf_counter()
    async with make_sessionmaker(engine)() as session:
        progress = await municipality_counts(session, municipality_id, TODAY)
        assert len(progress.schools) > 0
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def export_only(url: str, municipality_id: int, out: Path) -> None:
    from services.export import collect_for, write_workbook
    from services.i18n import Texts

    t = Texts().for_locale("ru")
    engine = create_engine(url)
    started = time.perf_counter()
    async with make_sessionmaker(engine)() as session:
        data = await collect_for(session, t, municipality_id, TODAY)
    collected = time.perf_counter() - started
    await asyncio.to_thread(write_workbook, data, t, out)
    total = time.perf_counter() - started
    await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(data.assignments)} {len(data.submissions)} {collected:.2f} {total:.2f} {peak_mb:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--export-only", nargs=3, metavar=("URL", "MUNICIPALITY", "OUT"))
    args = parser.parse_args()
    if args.export_only:
        url, municipality_id, out = args.export_only
        asyncio.run(export_only(url, int(municipality_id), Path(out)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'region.db'}"
        started = time.perf_counter()
        municipality_id = asyncio.run(build(url, args.schools))
        built = time.perf_counter() - started
        print(f"database:               {url.split('://')[0]}, built in {built:.0f} s")
        status = asyncio.run(measure_status(url, municipality_id))
        out = Path(tmp) / "report.xlsx"
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.export_scale",
                "--export-only",
                url,
                str(municipality_id),
                str(out),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows, reports, collected, total, peak = child.stdout.split()
        print(f"assignment rows:        {rows}")
        print(f"submissions:            {reports}")
        print(f"/status data:           {status:.2f} s")
        print(f"export, reading:        {collected} s")
        print(f"export, total:          {total} s (goal: under 30 s)")
        print(f"export, peak memory:    {peak} MB RSS (goal: under 400 MB)")
        print(f"workbook size:          {out.stat().st_size / 1024 / 1024:.1f} MB")


if __name__ == "__main__":
    main()
