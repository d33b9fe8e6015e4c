"""What the benchmarks measure with: event-loop lag and percentiles."""

from __future__ import annotations

import asyncio
import time


async def ticker(lags: list[float], stop: asyncio.Event) -> None:
    """Sleeps 10 ms at a time until ``stop``; each wake-up's lateness goes into ``lags``."""
    interval = 0.01
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append(time.perf_counter() - started - interval)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0
