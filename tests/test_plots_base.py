"""One draw per PNG (issue 18): ``png_bytes`` crops to the tight box measured without matplotlib's first
draw, and gives the same bytes as ``savefig(bbox_inches="tight")`` on the house charts."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from lsp_research.plots import base, figure, png_bytes
from lsp_research.plots.stats_charts import ci_bar_chart, funnel_plot, spc_chart
from lsp_research.stats import spc
from lsp_research.topics import profiles


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _tight(fig) -> bytes:
    """What ``png_bytes`` gave before: matplotlib's own tight box (it draws the figure first)."""
    buf = io.BytesIO()
    with plt.rc_context(base.HOUSE_RC):
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _draws(fig, monkeypatch) -> list:
    calls = []
    draw = type(fig).draw

    def counted(self, renderer):
        calls.append(renderer)
        return draw(self, renderer)

    monkeypatch.setattr(type(fig), "draw", counted)
    return calls


@pytest.fixture(scope="module")
def ward_charts(processed_data):
    params = profiles.validate_params("E05001158", "2009Q4", 3)
    res = profiles.analyse(params, profiles.load_inputs(params))
    c = profiles.charts
    made = [c.locator_map(res), c.pyramid_chart(res), c.spine(res), c.trend_chart(res)]
    return [fig for fig, _ in made + c.compare_charts(res)]


def _stats_charts():
    rng = np.random.default_rng(7)
    y = pd.Series(list(rng.poisson(40, 18)) + [80, 85], index=[f"q{i}" for i in range(20)])
    yield spc_chart(spc(y, improvement="decrease", target=45), "Admissions", "Admissions (count)")[
        0
    ]
    areas = pd.DataFrame({"area": [f"Ward {i}" for i in range(12)],
                          "n": rng.integers(5, 60, 12), "d": rng.integers(800, 3000, 12)})  # fmt: skip
    yield funnel_plot(areas, "n", "d", "Referrals per 1,000", kind="rate", label="area",
                      multiplier=1000, polarity="high_is_good")[0]  # fmt: skip
    bars = pd.DataFrame({"name": ["A long centre name that reaches far left", "B", "C"],
                         "value": [3.0, 5.0, 4.0], "lowercl": [2.0, 4.0, 3.5],
                         "uppercl": [4.0, 6.0, 4.5]})  # fmt: skip
    yield ci_bar_chart(bars, "name", "value", "Uptake by centre", "Uptake (%)", comparator=4.2)[0]


def test_the_ward_profile_charts_have_the_bytes_of_the_tight_box(ward_charts):
    assert len(ward_charts) == 4 + len(profiles.analysis.COMPARE_INDICATORS)
    for fig in ward_charts:
        assert png_bytes(fig) == _tight(fig), fig.axes[0].get_title()


def test_the_statistics_charts_have_the_bytes_of_the_tight_box():
    figs = list(_stats_charts())
    assert len(figs) == 3
    for fig in figs:
        assert png_bytes(fig) == _tight(fig), fig.axes[0].get_title()


def test_labels_outside_the_figure_are_kept_and_a_legend_placed_best_is_measured():
    fig, ax = figure("Long labels", ylabel="Admissions (count)")
    ax.barh(["a label far longer than the figure's left margin allows", "b"], [3, 4])
    ax.plot([0, 1, 2], [0, 1, 0], label="placed at draw time")
    ax.legend(loc="best")
    fig.suptitle("A suptitle above the axes title")
    box = base.tight_box(fig)
    assert box.x0 < 0  # the long label reaches left of the figure and the crop widens for it
    assert png_bytes(fig) == _tight(fig)


def test_a_png_is_drawn_once_and_a_layout_engine_is_laid_out_first(monkeypatch):
    fig, ax = figure("Admissions", ylabel="Admissions (count)")
    ax.plot([1, 2, 3])
    expected = _tight(fig)
    calls = _draws(fig, monkeypatch)
    assert png_bytes(fig) == expected
    assert len(calls) == 1  # matplotlib's "tight" draws twice: once to measure, once to save
    calls.clear()
    _tight(fig)
    assert len(calls) == 2

    with plt.rc_context(base.HOUSE_RC):
        laid, ax = plt.subplots(layout="constrained")
    ax.set_title("Constrained")
    ax.plot([1, 2, 3])
    expected = _tight(laid)
    calls.clear()
    assert png_bytes(laid) == expected
    assert len(calls) == 2  # the layout engine needs its draw: matplotlib's own tight box


def test_a_figure_without_a_rendering_canvas_is_saved_the_usual_way():
    fig = Figure()
    fig.add_subplot().plot([1, 2])
    assert not hasattr(fig.canvas, "get_renderer")
    assert png_bytes(fig)[:8] == b"\x89PNG\r\n\x1a\n"
