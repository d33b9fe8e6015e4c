"""A picture of progress per school: done, under review, overdue, still to do (stacked bars).

Rendered with matplotlib's Agg backend (no display) in DejaVu Sans, which has Cyrillic; blocking,
so callers run it in a thread. Sized to read on a phone: one bar per school, labels on the left.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot
from matplotlib.figure import Figure

from services.i18n import Translator
from services.progress import SchoolProgress

COLORS = {"accepted": "#2E7D32", "submitted": "#F9A825", "overdue": "#C62828", "due": "#B0BEC5"}
MAX_SCHOOLS = 40
LABEL_CHARS = 28


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def progress_png(t: Translator, schools: list[SchoolProgress], title: str) -> bytes:
    """A PNG of the first :data:`MAX_SCHOOLS` schools' tallies (accepted, submitted, overdue,
    due: the partition of :meth:`services.progress.SchoolProgress.tally`), with % done."""
    shown = schools[:MAX_SCHOOLS]
    height = max(3.0, 0.45 * len(shown) + 1.8)
    figure: Figure = pyplot.figure(figsize=(7.5, height), dpi=160)
    try:
        axes = figure.add_subplot(1, 1, 1)
        names = [_label(s.name) for s in shown][::-1]
        rows = shown[::-1]
        left = [0] * len(rows)
        for part in ("accepted", "submitted", "overdue", "due"):
            values = [getattr(s, part) for s in rows]
            axes.barh(names, values, left=left, color=COLORS[part], label=t(f"chart-{part}"))
            left = [a + b for a, b in zip(left, values, strict=True)]
        for index, school in enumerate(rows):
            axes.text(
                left[index] + 0.2,
                index,
                f"{school.percent_done}%",
                va="center",
                fontsize=9,
                family="DejaVu Sans",
            )
        axes.set_title(title, fontsize=12, family="DejaVu Sans")
        axes.set_xlabel(t("chart-axis"), family="DejaVu Sans")
        axes.tick_params(axis="y", labelsize=9)
        for label in axes.get_yticklabels():
            label.set_family("DejaVu Sans")
        axes.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.06),
            ncol=4,
            fontsize=8,
            frameon=False,
            prop={"family": "DejaVu Sans", "size": 8},
        )
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_xlim(0, max([*left, 1]) * 1.12)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)
