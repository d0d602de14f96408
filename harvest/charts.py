"""Charts of the city's main series for the drafted report: PNG bytes made with matplotlib
(no display needed), Vietnamese labels, deterministic (no timestamps in the image)."""
from __future__ import annotations

import io

MAX_SERIES = 5
WIDTH_IN, HEIGHT_IN, DPI = 6.3, 3.0, 150


def line_chart(title: str, periods: list[str], series: list[tuple[str, list[float | None]]],
               unit: str = "") -> bytes:
    """A line chart of ``series`` (label, one value per period; None where missing) over
    ``periods``. At most MAX_SERIES lines, as a printed report can show them."""
    import matplotlib
    matplotlib.use("Agg")   # no display: a server or a CI runner
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    try:
        x = list(range(len(periods)))
        for label, values in series[:MAX_SERIES]:
            points = [(i, v) for i, v in zip(x, values, strict=True) if v is not None]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", linewidth=1.6,
                        label=_short(label))
        ax.set_xticks(x, [_short(p, 18) for p in periods], fontsize=7, rotation=30, ha="right")
        ax.tick_params(axis="y", labelsize=8)
        ax.set_title(title, fontsize=10)
        if unit:
            ax.set_ylabel(unit, fontsize=8)
        ax.grid(axis="y", linewidth=0.4, alpha=0.6)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
