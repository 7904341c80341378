"""Disclosure control in the alcohol report: every rate, ratio and interval is tied to its count.

Fast tests build tables from small hand-made results; the slow test runs the alcohol analysis on the
small-area Sunderland (:mod:`small_area`, ``data synth --scale 0.03``) by ward and by area committee and
attacks what the tables, charts and words would publish: a withheld count must take its rate, ratio,
interval and comparison with it, no chart may mark it, no published interval may pin a count to 1-5,
and differencing wards, area committees and the city must pin no withheld count.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from small_area import make_small_area
from test_attack import _allowed_counts, _difference, _pinned

from lsp_research import config, disclosure
from lsp_research.disclosure import SUPPRESSED
from lsp_research.topics import alcohol
from lsp_research.topics.alcohol import analysis

RATES = ("Rate per 100,000", "Lower 95% limit", "Upper 95% limit")


def _published(kw: dict) -> pd.DataFrame:
    """A table as ``show_table`` publishes it (the same call to disclosure control)."""
    return disclosure.protect(
        kw["df"], kw.get("counts", []), dependent=kw.get("dependent"), withhold=kw.get("withhold")
    )


def _trend(episodes, weighted, value):
    n = len(episodes)
    return pd.DataFrame({
        "financial_year": range(2004, 2004 + n), "label": [f"{y}-x" for y in range(n)],
        "episodes": episodes, "total_count": weighted, "value": value,
        "lowercl": np.asarray(value) * 0.8, "uppercl": np.asarray(value) * 1.2, "shown": True,
    })  # fmt: skip


def _fake_result(trend: pd.DataFrame, gradient: pd.DataFrame | None = None):
    return SimpleNamespace(
        trend_year=trend, trend_quarter=trend, gradient=gradient, gradient_summary={},
        measure_label="alcohol-specific admissions", standard_label="ESP 2013",
        window_label="2007-08 Q1 to 2009-10 Q4", params=alcohol.validate_params(),
    )  # fmt: skip


def test_withheld_rows_follow_primary_and_secondary_suppression():
    t = _trend([3, 40, 12, 60], [2.6, 30.2, 9.6, 50.0], [10.0, 400.0, 150.0, 600.0])
    assert analysis.withheld_rows(t).tolist() == [True, False, True, False]
    # the weighted count alone can decide: 7 episodes weighing 4.2 admissions
    t = _trend([7, 40, 30], [4.2, 30.2, 20.0], [10.0, 400.0, 300.0])
    assert analysis.withheld_rows(t).tolist() == [True, False, True]


def test_city_trend_rates_and_intervals_go_with_their_counts():
    t = _trend([3, 40, 12, 60], [2.6, 30.2, 9.6, 50.0], [10.0, 400.0, 150.0, 600.0])
    out = _published(alcohol.tables.trend(_fake_result(t)))
    for col in ("Episodes", "Admissions (AAF-weighted)", *RATES):
        assert out[col].tolist()[0] == SUPPRESSED and out[col].tolist()[2] == SUPPRESSED, col
    assert out["Rate per 100,000"].tolist()[1] == 400.0
    # the chart marks only the published years, and its words give no withheld rate
    fig, alt = alcohol.charts.trend(_fake_result(t))
    assert len(fig.axes[0].lines[0].get_xdata()) == 2
    assert "150" not in alt and "10 in" not in alt and "400" in alt


def test_gradient_withholds_a_small_fifth_the_slope_and_the_gap():
    g = pd.DataFrame({
        "imd_quintile": [5, 4, 3, 2, 1], "episodes": [4, 30, 40, 50, 70],
        "total_count": [3.2, 25.0, 33.0, 41.0, 60.0], "value": [123.0, 300.0, 350.0, 420.0, 515.0],
        "lowercl": 1.0, "uppercl": 900.0, "shown": True, "pop_share": 0.2,
        "rank": [0.1, 0.3, 0.5, 0.7, 0.9],
    })  # fmt: skip
    res = _fake_result(_trend([40], [30.0], [400.0]), g)
    res.gradient_summary = {"sii": 500.0, "mean_rate": 340.0, "least_deprived_rate": 123.0}
    out = _published(alcohol.tables.gradient(res)).set_index("IMD 2007 quintile of wards")
    assert out.loc["5 (least deprived)", "Rate per 100,000"] == SUPPRESSED
    assert out.loc["4", "Rate per 100,000"] == SUPPRESSED  # secondary: 4 = total - the rest
    assert out.loc["1 (most deprived)", "Rate per 100,000"] == 515.0
    fig, alt = alcohol.charts.gradient(res)
    assert "123" not in alt and "withheld" in alt
    assert len(fig.axes[0].lines[0].get_xdata()) == 3  # the three published fifths
    assert "Slope index of inequality" not in [ln.get_label() for ln in fig.axes[0].lines]


# --------------------------------------------------------------------------------------------------
# The small-area Sunderland
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The alcohol analysis on the small-area data, by ward and by area committee, for the broad measure
    (the programme's) and the alcohol-specific one (whose ward counts are small)."""
    root = tmp_path_factory.mktemp("small_alcohol")
    mp = pytest.MonkeyPatch()
    try:
        for k, v in make_small_area(root).items():
            mp.setenv(k, v)
        from lsp_research.cli import main

        assert main(["data", "build"]) == 0
        out = {}
        for geography in ("ward", "area_committee"):
            for measure in ("broad", "specific"):
                params = alcohol.validate_params(
                    period_end="2009Q4", geography=geography, measure=measure
                )
                inputs = alcohol.load_inputs(params)
                out[geography, measure] = alcohol.analyse(params, inputs, permutations=99)
        yield out
    finally:
        mp.undo()


def _table_counts(res, kw, count_col):
    """{area code: count or None (withheld)} from a published area table."""
    out = _published(kw)
    codes = res.ratios[res.area] if count_col == "Episodes" else res.incidents[res.area]
    return out, {
        str(c): (None if v == SUPPRESSED else float(v))
        for c, v in zip(codes, out[count_col], strict=True)
    }


@pytest.mark.slow
@pytest.mark.xdist_group("small_area")
@pytest.mark.parametrize("measure", ["broad", "specific"])
def test_small_areas_withhold_ratios_rates_and_intervals_with_their_counts(small, measure):
    res = small["ward", measure]
    withheld = 0
    for kw, count, derived in (
        (alcohol.tables.ratios(res), "Episodes", ["Ratio (city = 100)", "Lower 95% limit"]),
        (
            alcohol.tables.incidents(res),
            "Incidents",
            ["Rate per 1,000 per year", "Upper 95% limit"],
        ),
    ):
        out = _published(kw)
        hidden = out[count] == SUPPRESSED
        withheld += int(hidden.sum())
        for col in [*derived, "Compared with the city"]:
            assert (out.loc[hidden, col] == SUPPRESSED).all(), col
            assert not (out.loc[~hidden, col] == SUPPRESSED).any(), col
    assert withheld >= 10, withheld
    # the joint view withholds the same wards; the charts mark none of them
    joint = _published(alcohol.tables.joint(res))
    ratios = _published(alcohol.tables.ratios(res))
    assert (
        (joint["Admission ratio"] == SUPPRESSED).to_numpy()
        == (ratios["Episodes"] == SUPPRESSED).to_numpy()
    ).all()
    either = (joint["Admission ratio"] == SUPPRESSED) | (joint["Incident ratio"] == SUPPRESSED)
    _, alt = alcohol.charts.joint(res)
    assert (
        f"Scatter chart of {len(joint) - int(either.sum())} wards ({int(either.sum())} withheld"
        in alt
    )
    n_hidden = int((ratios["Episodes"] == SUPPRESSED).sum())
    _, alt = alcohol.charts.funnel(res)
    assert f" for {len(ratios) - n_hidden} areas" in alt, alt[:120]
    # the area map draws a withheld ward as withheld, not by its significance category
    fig, alt = alcohol.charts.area_map(res)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert n_hidden or measure == "broad"
    if n_hidden:
        assert (
            f" {n_hidden} ward{'s' if n_hidden != 1 else ''} withheld (small numbers), shown grey and hatched"
            in alt
        )
        assert f"{alcohol.charts.WITHHELD_LABEL} ({n_hidden})" in labels
    else:
        assert "withheld" not in alt
    shaded = sum(int(lab.rsplit("(", 1)[1].rstrip(")")) for lab in labels)
    assert shaded == len(ratios)  # every ward in one legend entry, the withheld in theirs
    named = alt.split("Significantly higher: ")[1].split(".")[0] if "higher: " in alt else ""
    for name in res.ratios.loc[(ratios["Episodes"] == SUPPRESSED).to_numpy(), "area_name"]:
        assert str(name) not in named.split(", ")
    plt.close(fig)


@pytest.mark.slow
@pytest.mark.xdist_group("small_area")
@pytest.mark.parametrize("measure", ["broad", "specific"])
def test_no_published_interval_or_difference_pins_a_withheld_count(small, measure):
    ward, area = small["ward", measure], small["area_committee", measure]
    wards = pd.DataFrame(ward.wards.drop(columns="geometry"))
    relations = [(list(g["ward_code"]), ac) for ac, g in wards.groupby("area_committee")] + [
        (sorted(wards["area_committee"].unique()), config.LAD_CODE),
        (list(wards["ward_code"]), config.LAD_CODE),
    ]
    checked = 0
    for table, count, city_total in (
        (alcohol.tables.incidents, "Incidents", int(ward.incidents["incidents"].sum())),
        (alcohol.tables.ratios, "Episodes", int(ward.ratios["episodes"].sum())),
    ):
        out_w, by_ward = _table_counts(ward, table(ward), count)
        out_a, by_area = _table_counts(area, table(area), count)
        if count == "Incidents":  # every published rate interval allows more than counts of 1-5
            py = dict(zip(ward.incidents["ward_code"], ward.incidents["person_years"], strict=True))
            for code, row in zip(by_ward, out_w.itertuples(index=False), strict=True):
                if by_ward[code] is None:
                    continue
                v, lo, hi = (round(float(x), 2) for x in row[2:5])
                allowed = _allowed_counts(v, lo, hi, tol=0.005)
                assert int(by_ward[code]) in allowed or v == 0, (code, v, lo, hi)
                assert not allowed or not allowed <= set(range(1, 6)), (code, py[code])
        known = {k: v for k, v in {**by_ward, **by_area}.items() if v is not None}
        known[config.LAD_CODE] = city_total  # the city's total is in the words of the report
        hidden = [k for k, v in {**by_ward, **by_area}.items() if v is None]
        bounds = _difference(known, relations, hidden)
        for key in hidden:
            checked += 1
            assert not _pinned(bounds[key]), (count, key, bounds[key])
    assert checked >= 10
