"""Charts of the city's main series for the drafted report: PNG bytes made with matplotlib
(no display needed), Vietnamese labels, deterministic (no timestamps in the image)."""
from __future__ import annotations

import io

MAX_SERIES = 5
WIDTH_IN, HEIGHT_IN, DPI = 6.3, 3.0, 150


Points = list[tuple[int, float]]


def split(values: list[float | None], partial: frozenset[int]) -> tuple[Points, Points]:
    """(points joined by the series' line, points drawn apart): a period that is not a
    whole year (2020 to 23/3) is never joined to the whole years, where its smaller count
    would read as a fall."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    return [p for p in points if p[0] not in partial], [p for p in points if p[0] in partial]


def line_chart(title: str, periods: list[str], series: list[tuple[str, list[float | None]]],
               unit: str = "", partial: frozenset[int] = frozenset(), note: str = "") -> bytes:
    """A line chart of ``series`` (label, one value per period; None where missing) over
    ``periods`` (short labels: they are printed whole). At most MAX_SERIES lines, as a
    printed report can show them. ``partial``: the indexes of periods that are not whole
    years, drawn as hollow markers of the series' colour, not joined; ``note`` under the
    axis says what they are."""
    import matplotlib
    matplotlib.use("Agg")   # no display: a server or a CI runner
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    try:
        x = list(range(len(periods)))
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for k, (label, values) in enumerate(series[:MAX_SERIES]):
            joined, apart = split(values, partial)
            color = colors[k % len(colors)]   # one colour per series, its part year included
            if joined:
                ax.plot([p[0] for p in joined], [p[1] for p in joined], marker="o", linewidth=1.6,
                        label=_legend(label), color=color)
            if apart:
                ax.plot([p[0] for p in apart], [p[1] for p in apart], marker="D", linestyle="none",
                        fillstyle="none", color=color, label="_nolegend_" if joined else _legend(label))
        ax.set_xticks(x, [_literal(p) for p in periods], fontsize=7)
        if note:
            ax.set_xlabel(_literal(note), fontsize=7)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_title(_literal(title), fontsize=10)
        if unit:
            ax.set_ylabel(_literal(unit), fontsize=8)
        ax.grid(axis="y", linewidth=0.4, alpha=0.6)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def _literal(text: str) -> str:
    """``text`` as matplotlib shows it letter for letter: two "$" would start its maths
    notation (a label "50 $ và 60 $" drawn as a formula, or a crash on "$\\frac{$")."""
    return text.replace("$", r"\$")


def _legend(label: str, limit: int = 40) -> str:
    """A series' label in the legend: cut to ``limit``, literal, and never starting with
    "_", which makes matplotlib leave the series out of the legend."""
    short = label if len(label) <= limit else label[:limit - 1] + "…"
    return _literal(" " + short if short.startswith("_") else short)
