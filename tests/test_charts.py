"""harvest.charts: every text of a plan reaches the chart letter for letter. matplotlib gives
meaning to some texts (two "$" start its maths notation, a label starting with "_" leaves
the legend): a plan's labels, units and periods are drawn as written, never crash."""
from __future__ import annotations

import pytest

from harvest import charts

TEXTS = ["Tỷ lệ 50% $ và 60% $", "$a_b_c$", r"Chi phí $\frac{1}{$", "$", "$$", "_ẩn khỏi chú thích", "a\\$b",
         "Số văn bản (đơn vị: $)", "x" * 80 + "$"]


@pytest.mark.parametrize("text", TEXTS)
def test_a_plan_text_is_drawn_as_written(text, monkeypatch):
    drawn = {}
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.axes import Axes
    legend = Axes.legend

    def kept(self, *args, **kwargs):
        found = legend(self, *args, **kwargs)
        drawn["legend"] = [t.get_text() for t in found.get_texts()]
        drawn["title"] = self.get_title()
        drawn["ticks"] = [t.get_text() for t in self.get_xticklabels()]
        drawn["unit"] = self.get_ylabel()
        return found
    monkeypatch.setattr(Axes, "legend", kept)
    png = charts.line_chart(text, [text, "2020"], [(text, [1.0, 2.0]), ("khác", [2.0, None])], unit=text,
                            partial=frozenset({1}), note=text)
    assert png.startswith(b"\x89PNG")
    shown = charts._literal(text)
    assert drawn["title"] == shown and drawn["unit"] == shown and drawn["ticks"][0] == shown
    legend_text = drawn["legend"][0]
    assert legend_text.lstrip(" ").startswith(charts._literal(text[:39])) and not legend_text.startswith("_")
    assert len(drawn["legend"]) == 2


def test_a_dollar_is_escaped_and_nothing_else():
    assert charts._literal("Phụ lục 1: 50% và $") == "Phụ lục 1: 50% và \\$"
    assert charts._literal("không đổi") == "không đổi"
