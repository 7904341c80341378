"""Statistics charts: title, axis labels with units, numeric alt text, the SPC icon wording and notes."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from lsp_research.plots import png_bytes
from lsp_research.plots.stats_charts import ci_bar_chart, funnel_plot, spc_chart, spine_chart
from lsp_research.stats import spc


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


def _has_numbers(alt: str, n: int = 2) -> bool:
    return len(re.findall(r"\d", alt)) >= n


def test_spc_chart_labels_icon_wording_and_trial_note():
    y = pd.Series([9, 11] * 5 + [3.5, 6], index=[f"2005Q{i}" for i in range(1, 13)])
    r = spc(y, improvement="decrease", target=8)
    fig, alt = spc_chart(
        r, "Alcohol-related admissions", "Admissions (count per quarter)", "Quarter"
    )
    ax = fig.axes[0]
    assert ax.get_title() == "Alcohol-related admissions"
    assert ax.get_ylabel() == "Admissions (count per quarter)" and ax.get_xlabel() == "Quarter"
    notes = _texts(fig).replace("\n", " ")
    assert "Trial limits" in notes and "fewer than 13 points" in notes
    assert "no significant change" in notes and "subject to random variation" in notes
    assert "12 points from 2005Q1 to 2005Q12" in alt and "trial limits" in alt
    assert f"process limits {r.points['lpl'].iloc[-1]:.3g}" in alt
    assert png_bytes(fig)[:4] == b"\x89PNG"


def test_spc_chart_counts_special_causes_and_rebases():
    y = [9, 11] * 6 + [3.5, 6, 8, 10, 12, 14, 16]
    r = spc(y, improvement="decrease", rebase_at=None)
    fig, alt = spc_chart(r, "Admissions", "Admissions (count)")
    assert "7 special-cause points (6 concern, 1 improvement)" in alt
    assert "Trial limits" not in _texts(fig)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Special cause: concern" in legend and "Special cause: improvement" in legend
    r2 = spc([10, 11] * 8 + [20, 21] * 8, rebase_at=[16])
    _, alt2 = spc_chart(r2, "Calls", "Calls (count)")
    assert "recalculated at 1 process change" in alt2


def test_funnel_plot_names_outliers_and_labels_axes():
    rng = np.random.default_rng(4)
    n = rng.integers(500, 5000, 20)
    df = pd.DataFrame({"ward": [f"W{i}" for i in range(20)], "x": rng.binomial(n, 0.2), "n": n})
    df.loc[5, "x"] = int(df.loc[5, "n"] * 0.35)
    fig, alt = funnel_plot(df, "x", "n", "Smoking at delivery", label="ward", polarity="decrease")
    ax = fig.axes[0]
    assert ax.get_title() == "Smoking at delivery"
    assert ax.get_ylabel() == "Percentage (%)" and "count" in ax.get_xlabel()
    assert "for 20 areas" in alt and "(W5)" in alt and _has_numbers(alt)
    assert "Worse" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("kind", ["rate", "ratio"])
def test_funnel_plot_rates_and_ratios(kind):
    df = pd.DataFrame({"obs": [30, 45, 80, 20, 150], "den": [20000, 30000, 40000, 15000, 50000]})
    if kind == "ratio":
        df["den"] = [25.0, 40.0, 70.0, 22.0, 120.0]
    fig, alt = funnel_plot(df, "obs", "den", "Admissions", kind=kind)
    assert fig.axes[0].get_ylabel() and fig.axes[0].get_xlabel()
    assert alt.startswith("Funnel plot of Admissions for 5 areas")


def test_spine_chart_one_marker_per_indicator_coloured_with_polarity():
    df = pd.DataFrame(
        {
            "indicator": [
                "Smoking (%)",
                "Alcohol admissions per 100,000",
                "Life expectancy (years)",
            ],
            "value": [25.0, 600.0, 78.0],
            "lowercl": [23.0, 550.0, 77.5],
            "uppercl": [27.0, 650.0, 78.5],
            "comparator": [20.0, 700.0, 77.9],
            "minimum": [10.0, 300.0, 74.0],
            "maximum": [35.0, 1400.0, 83.0],
            "polarity": ["decrease", "decrease", "increase"],
        }
    )
    fig, alt = spine_chart(df, "Sunderland compared with England")
    ax = fig.axes[0]
    assert ax.get_title() == "Sunderland compared with England" and "England" in ax.get_xlabel()
    assert len(ax.collections) == 3  # one marker per indicator
    assert "worse: 1" in alt and "better: 1" in alt and "similar: 1" in alt
    assert "Smoking (%): 25.0 (23.0 to 27.0) against 20.0, worse" in alt
    assert "Life expectancy (years): 78.0 (77.5 to 78.5) against 77.9" in alt  # one precision


def test_ci_bar_chart_compares_and_describes_range():
    df = pd.DataFrame({"ward": list("ABCD"), "value": [120.0, 95.0, 60.0, 100.0]})
    df["lowercl"], df["uppercl"] = df["value"] - 10, df["value"] + 10
    fig, alt = ci_bar_chart(df, "ward", "value", "Admissions", "Rate per 100,000", comparator=90.0,
                            comparator_name="Sunderland", polarity="decrease")  # fmt: skip
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Rate per 100,000" and ax.get_title() == "Admissions"
    assert "for 4 areas: from 60 (C) to 120 (A)" in alt
    assert "1 better, 2 similar, 1 worse" in alt
    _, alt2 = ci_bar_chart(df, "ward", "value", "Admissions", "Rate per 100,000")
    assert "Compared with" not in alt2


def test_empty_data_is_refused():
    empty = pd.DataFrame(columns=["ward", "value", "lowercl", "uppercl"])
    with pytest.raises(ValueError, match="^data:"):
        ci_bar_chart(empty, "ward", "value", "Admissions", "Rate per 100,000")
