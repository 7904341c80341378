"""Funnel limits and significance, life expectancy, and comparison with a comparator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lsp_research.stats import (
    compare,
    funnel_limits,
    funnel_significance,
    funnel_table,
    life_expectancy,
)
from lsp_research.stats.life_expectancy import LE_START_AGES

DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]
POPS = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416, 46411,
        39820, 37978, 37039, 33288, 23306, 11936, 11936]  # fmt: skip
LABELS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]


# ------------------------------------------------------------------------------------------------ funnels
def test_funnel_limits_agree_with_the_table_at_the_same_denominators():
    df = pd.DataFrame({"num": [40, 55, 300, 90], "den": [100, 150, 1000, 400]})
    table = funnel_table(df, "num", "den")
    av = df["num"].sum() / df["den"].sum()
    lim = funnel_limits(av, table["Population"].to_numpy(), kind="proportion", multiplier=100)
    for col in ("lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit"):
        np.testing.assert_allclose(lim[col], table[col], rtol=1e-12)


def test_funnel_limits_narrow_with_size_and_nest():
    for kind, av in (("proportion", 0.3), ("rate", 0.002), ("ratio", 1.0)):
        t = funnel_limits(av, [50, 500, 5000, 50000], kind=kind)
        assert (t["lower_3s_limit"] <= t["lower_2s_limit"]).all()
        assert (t["lower_2s_limit"] < t["baseline"]).all() and (
            t["baseline"] < t["upper_2s_limit"]
        ).all()
        assert (t["upper_2s_limit"] <= t["upper_3s_limit"]).all()
        width = t["upper_2s_limit"] - t["lower_2s_limit"]
        assert width.is_monotonic_decreasing


def test_funnel_significance_ratio_and_dsr_small_counts():
    df = pd.DataFrame({"obs": [200, 100, 55, 5], "exp": [100.0, 100.0, 100.0, 5.0]})
    sig = funnel_significance(df, "obs", "exp", kind="ratio")["significance"].tolist()
    assert sig == ["High (0.001)", "Not significant", "Low (0.001)", "Not significant"]
    rates = pd.DataFrame({"n": [5, 400, 420], "rate": [50.0, 100.0, 105.0]})
    sig = funnel_significance(
        rates, "n", kind="rate", rate="rate", rate_type="dsr", multiplier=100_000
    )
    assert sig["significance"].iloc[0] == "Not applicable for events less than 10 for dsrs"


@pytest.mark.parametrize(
    ("call", "arg"),
    [
        (lambda: funnel_limits(1.2, [10], kind="proportion"), "average"),
        (lambda: funnel_limits(0.2, [0, 10]), "denominators"),
        (lambda: funnel_limits(0.2, [10], kind="odds"), "kind"),
        (lambda: funnel_significance(pd.DataFrame({"a": [5], "b": [4]}), "a", "b"), "numerator"),
        (lambda: funnel_significance(pd.DataFrame({"a": [-1], "b": [4]}), "a", "b"), "numerator"),
        (lambda: funnel_significance(pd.DataFrame({"a": [1], "b": [0]}), "a", "b"), "denominator"),
        (
            lambda: funnel_table(pd.DataFrame({"a": [1], "r": [3.0]}), "a", kind="rate", rate="r"),
            "rate_type",
        ),
        (
            lambda: funnel_table(
                pd.DataFrame({"a": [1], "r": [3.0]}), "a", kind="rate", rate="r", rate_type="crude"
            ),
            "years_of_data",
        ),
    ],
)
def test_funnel_bad_input(call, arg):
    with pytest.raises(ValueError, match=rf"^{arg}:"):
        call()


# ------------------------------------------------------------------------------------------------ life expectancy
def _le_frame(areas=("A", "B"), scale=(1.0, 1.0)):
    parts = []
    for a, s in zip(areas, scale, strict=True):
        parts.append(
            pd.DataFrame({"area": a, "band": LABELS, "deaths": DEATHS, "pops": np.array(POPS) * s})
        )
    return pd.concat(parts, ignore_index=True)


def test_life_expectancy_by_group_with_band_labels_in_any_order():
    df = _le_frame(scale=(1.0, 2.0)).sample(frac=1.0, random_state=7)
    out = life_expectancy(df, "deaths", "pops", by="area", startage="band", le_age=0)
    assert out["band"].tolist() == ["0", "0"]
    by_area = out.set_index("area")
    assert by_area.loc["A", "value"] == pytest.approx(80.16960813, abs=1e-4)
    assert by_area.loc["B", "value"] > by_area.loc["A", "value"]  # half the death rate
    full = life_expectancy(df, "deaths", "pops", by="area", startage="band")
    assert (
        len(full) == 40
        and full.groupby("area")["value"].apply(lambda v: v.is_monotonic_decreasing).all()
    )


def test_life_expectancy_two_levels():
    df = pd.DataFrame({"age": LE_START_AGES, "d": DEATHS, "p": POPS})
    out = life_expectancy(df, "d", "p", startage="age", confidence=(0.95, 0.998), le_age=[0, 65])
    assert len(out) == 2
    assert (out["lower99_8cl"] < out["lower95_0cl"]).all() and (
        out["upper95_0cl"] < out["upper99_8cl"]
    ).all()


def test_life_expectancy_suppressions_follow_the_reference():
    small = pd.DataFrame({"age": LE_START_AGES, "d": [1] * 20, "p": [200] * 20})  # 4,000 people
    out = life_expectancy(small, "d", "p", startage="age")
    assert out["value"].isna().all() and out["lowercl"].isna().all()
    assert out["statistic"].iloc[0].startswith("life expectancy NA: total population")
    over = pd.DataFrame({"age": LE_START_AGES, "d": DEATHS[:-1] + [20000], "p": POPS})
    assert life_expectancy(over, "d", "p", startage="age")["value"].isna().all()


@pytest.mark.parametrize(
    ("frame", "arg"),
    [
        (pd.DataFrame({"age": LE_START_AGES, "d": [-1] + DEATHS[1:], "p": POPS}), "deaths"),
        (pd.DataFrame({"age": LE_START_AGES, "d": DEATHS, "p": [0] + POPS[1:]}), "population"),
        (pd.DataFrame({"age": LE_START_AGES[:-1], "d": DEATHS[:-1], "p": POPS[:-1]}), "startage"),
        (
            pd.DataFrame({"age": [0, 1, 5, 7] + list(LE_START_AGES[4:]), "d": DEATHS, "p": POPS}),
            "startage",
        ),
        (pd.DataFrame({"age": LE_START_AGES, "d": [np.nan] + DEATHS[1:], "p": POPS}), "deaths"),
    ],
)
def test_life_expectancy_bad_input(frame, arg):
    with pytest.raises(ValueError, match=rf"^{arg}:"):
        life_expectancy(frame, "d", "p", startage="age")


# ------------------------------------------------------------------------------------------------ compare
@pytest.mark.parametrize(
    ("lower", "upper", "polarity", "expected"),
    [
        (110, 130, "increase", "better"),
        (110, 130, "decrease", "worse"),
        (110, 130, None, "higher"),
        (80, 95, "higher_is_better", "worse"),
        (80, 95, "lower_is_better", "better"),
        (80, 95, "neutral", "lower"),
        (95, 105, "increase", "similar"),
        (100, 110, "increase", "similar"),  # touching the comparator is not significant
    ],
)
def test_compare(lower, upper, polarity, expected):
    assert compare((lower + upper) / 2, lower, upper, 100, polarity) == expected


def test_compare_vectorised_with_missing():
    got = compare(
        [1.0, np.nan, 3.0], [0.5, np.nan, 2.5], [1.5, np.nan, 3.5], [2.0, 2.0, np.nan], "increase"
    )
    assert got.tolist() == ["worse", "not compared", "not compared"]


def test_compare_bad_polarity():
    with pytest.raises(ValueError, match="^polarity:"):
        compare(1, 0, 2, 1, "sideways")
