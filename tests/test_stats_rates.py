"""Crude rates, proportions, means, DSRs and ISRs: grouping, column naming, methods, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lsp_research import config
from lsp_research.stats import (
    byars_ci,
    crude_rate,
    dsr,
    exact_poisson_ci,
    israte,
    isratio,
    limit_columns,
    mean_ci,
    poisson_ci,
    proportion,
    standard_population,
    wilson_ci,
    z_value,
)

ESP_WEIGHTS = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500,
               5000, 4000, 2500, 1500, 1000]  # fmt: skip


def test_z_is_full_precision():
    assert z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-15)
    assert z_value(0.998) == pytest.approx(3.090232306167813, abs=1e-15)


def test_poisson_threshold_is_ten():
    lo, hi, method = poisson_ci(np.array([9, 10]))
    assert method.tolist() == ["Exact", "Byars"]
    assert lo[0] == pytest.approx(exact_poisson_ci(9)[0])
    assert hi[1] == pytest.approx(byars_ci(10)[1])


def test_scalars_in_floats_out_arrays_in_arrays_out():
    assert isinstance(byars_ci(20)[0], float)
    lo, hi = wilson_ci(np.array([1, 2]), np.array([10, 10]))
    assert lo.shape == (2,) and np.all(lo < hi)


def test_byars_lower_missing_when_negative_or_zero():
    assert np.isnan(byars_ci(1, 0.998)[0])
    assert np.isnan(byars_ci(0)[0])
    assert exact_poisson_ci(0) == (0.0, pytest.approx(3.688879454113936))


def test_two_level_column_names():
    assert limit_columns((0.95, 0.998)) == [
        ("lower95_0cl", "upper95_0cl"),
        ("lower99_8cl", "upper99_8cl"),
    ]
    df = pd.DataFrame({"x": [65], "n": [100]})
    out = crude_rate(df, "x", "n", confidence=(0.95, 0.998))
    assert {"lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"} <= set(out.columns)
    assert "lowercl" not in out.columns
    assert out["confidence"].iloc[0] == "95%, 99.8%"


def test_crude_rate_rowwise_keeps_columns_and_by_aggregates():
    df = pd.DataFrame(
        {"ward": ["A", "A", "B"], "q": [1, 2, 1], "x": [4, 6, 30], "n": [1000, 1000, 2000]}
    )
    rows = crude_rate(df, "x", "n")
    assert list(rows["ward"]) == ["A", "A", "B"]
    assert rows["method"].tolist() == ["Exact", "Exact", "Byars"]
    grouped = crude_rate(df, "x", "n", by="ward")
    assert len(grouped) == 2
    a = grouped.set_index("ward").loc["A"]
    assert a["x"] == 10 and a["n"] == 2000 and a["value"] == pytest.approx(500.0)
    assert a["method"] == "Byars"  # 10 events: Byar's
    assert a["lowercl"] == pytest.approx(byars_ci(10)[0] / 2000 * 100_000)


def test_rate_missing_count_gives_missing_result():
    df = pd.DataFrame({"x": [np.nan, 5.0], "n": [100.0, 100.0]})
    out = crude_rate(df, "x", "n")
    assert np.isnan(out["value"].iloc[0]) and np.isnan(out["lowercl"].iloc[0])
    assert pd.isna(out["method"].iloc[0]) and out["method"].iloc[1] == "Exact"


def test_proportion_by_groups_and_percentage():
    df = pd.DataFrame({"g": ["a", "b", "a"], "x": [1, 50, 9], "n": [10, 100, 90]})
    out = proportion(df, "x", "n", by="g", multiplier=100)
    a = out.set_index("g").loc["a"]
    lo, hi = wilson_ci(10, 100)
    assert a["value"] == pytest.approx(10.0)
    assert (a["lowercl"], a["uppercl"]) == (pytest.approx(lo * 100), pytest.approx(hi * 100))
    assert a["statistic"] == "percentage" and a["method"] == "Wilson"


def test_mean_ci_by_group_ignores_missing():
    df = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 3, "v": [1.0, 2.0, 3.0, np.nan, 10.0, 12.0, 14.0]})
    out = mean_ci(df, "v", by="g").set_index("g")
    assert out.loc["a", "value_count"] == 3 and out.loc["a", "value"] == pytest.approx(2.0)
    assert out.loc["b", "stdev"] == pytest.approx(2.0)
    half = out.loc["b", "uppercl"] - out.loc["b", "value"]
    assert half == pytest.approx(4.302652729911275 * 2.0 / np.sqrt(3))


def _ward_frame(seed=1, wards=("W1", "W2", "W3")):
    rng = np.random.default_rng(seed)
    rows = []
    for w in wards:
        for b in config.ESP2013_BANDS:
            rows.append(
                {
                    "ward": w,
                    "band": b,
                    "x": int(rng.integers(0, 30)),
                    "n": int(rng.integers(500, 3000)),
                }
            )
    return pd.DataFrame(rows)


def test_dsr_by_group_equals_one_group_at_a_time():
    df = _ward_frame()
    together = dsr(df, "x", "n", "esp2013", by="ward").set_index("ward")
    for w, part in df.groupby("ward"):
        alone = dsr(part, "x", "n", ESP_WEIGHTS).iloc[0]
        for col in ("total_count", "total_pop", "value", "lowercl", "uppercl"):
            assert together.loc[w, col] == pytest.approx(alone[col], rel=1e-12)


def test_dsr_matches_bands_by_label_in_any_order():
    df = _ward_frame().sample(frac=1.0, random_state=3)  # shuffled rows
    by_label = dsr(df, "x", "n", standard_population("esp2013"), by="ward", ageband="band")
    ordered = dsr(_ward_frame(), "x", "n", "esp2013", by="ward")
    got = by_label.set_index("ward").sort_index()["value"]
    want = ordered.set_index("ward").sort_index()["value"]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_dsr_stdpop_column_and_esp1976():
    df = pd.DataFrame({"band": config.ESP1976_BANDS, "x": [10] * 18, "n": [1000] * 18})
    a = dsr(df, "x", "n", "esp1976")
    b = dsr(df.assign(w=config.ESP1976), "x", "n", "w")
    assert a["value"].iloc[0] == pytest.approx(1000.0) == b["value"].iloc[0]


def test_isr_allows_zero_local_population_and_small_counts_are_exact():
    df = pd.DataFrame({"x": [0, 3, 4], "n": [0, 100, 200]})
    out = isratio(df, "x", "n", x_ref=[1, 10, 20], n_ref=[1000, 1000, 1000])
    assert out["expected"].iloc[0] == pytest.approx(5.0)
    assert out["method"].iloc[0] == "Exact"
    rate = israte(df, "x", "n", x_ref=[1, 10, 20], n_ref=[1000, 1000, 1000], multiplier=1000)
    assert rate["ref_rate"].iloc[0] == pytest.approx(31 / 3000 * 1000)


def test_isr_by_groups():
    df = pd.DataFrame({"area": ["a"] * 3 + ["b"] * 3, "x": [1, 2, 3, 4, 5, 6], "n": [100] * 6})
    out = isratio(df, "x", "n", [1, 2, 3], [100, 100, 100], by="area", refvalue=100)
    assert out["value"].tolist() == pytest.approx([100.0, 250.0])


# ------------------------------------------------------------------------------------------------
# Bad input: each a ValueError that names the argument
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "arg"),
    [
        (lambda: byars_ci(-1), "count"),
        (lambda: exact_poisson_ci([3, -2]), "count"),
        (lambda: wilson_ci(-1, 10), "x"),
        (lambda: wilson_ci(1, 0), "n"),
        (lambda: wilson_ci(11, 10), "x"),
        (lambda: byars_ci(5, confidence=95), "confidence"),
        (lambda: byars_ci(5, confidence=1.0), "confidence"),
        (lambda: crude_rate(pd.DataFrame({"x": [-1], "n": [10]}), "x", "n"), "x"),
        (lambda: crude_rate(pd.DataFrame({"x": [1], "n": [0]}), "x", "n"), "n"),
        (lambda: crude_rate(pd.DataFrame({"x": [1], "n": [-5]}), "x", "n"), "n"),
        (lambda: crude_rate(pd.DataFrame({"x": [1], "n": [5]}), "x", "pop"), "n"),
        (lambda: crude_rate(pd.DataFrame({"x": [1], "n": [5]}), "x", "n", multiplier=0), "multiplier"),
        (lambda: crude_rate(pd.DataFrame({"x": [1], "n": [5]}), "x", "n", by="ward"), "by"),
        (lambda: proportion(pd.DataFrame({"x": [11], "n": [10]}), "x", "n"), "x"),
        (lambda: proportion(pd.DataFrame({"x": [1], "n": [0]}), "x", "n"), "n"),
        (lambda: proportion(pd.DataFrame({"x": ["a"], "n": [10]}), "x", "n"), "x"),
        (lambda: dsr(pd.DataFrame({"x": [1, -1], "n": [10, 10]}), "x", "n", [1, 1]), "x"),
        (lambda: dsr(pd.DataFrame({"x": [1, 1], "n": [10, 0]}), "x", "n", [1, 1]), "n"),
        (lambda: dsr(pd.DataFrame({"x": [1, 1], "n": [10, np.nan]}), "x", "n", [1, 1]), "n"),
        (lambda: dsr(pd.DataFrame({"x": [1, 1], "n": [10, 10]}), "x", "n", [1, 1, 1]), "stdpop"),
        (lambda: dsr(_ward_frame().iloc[:-1], "x", "n", "esp2013", by="ward"), "stdpop"),
        (lambda: dsr(pd.DataFrame({"x": [1], "n": [10]}), "x", "n", "esp2001"), "stdpop"),
        (
            lambda: dsr(
                pd.DataFrame({"b": ["0-4", "5-9", "5-9", "0-4"], "g": [1, 1, 2, 2], "x": [1] * 4, "n": [9] * 4}),
                "x", "n", [1, 1], by="g", ageband="b",
            ),
            "ageband",
        ),
        (
            lambda: dsr(
                pd.DataFrame({"b": ["0-4", "5-9"], "x": [1, 1], "n": [9, 9]}),
                "x", "n", {"0-4": 1, "5-10": 1}, ageband="b",
            ),
            "ageband",
        ),
        (lambda: dsr(pd.DataFrame({"x": [1], "n": [9]}), "x", "n", [1], independent_events=False), "eventfreq"),
        (lambda: isratio(pd.DataFrame({"x": [1, 2], "n": [9, 9]}), "x", "n", [1, 2, 3], [9, 9, 9]), "x_ref"),
        (lambda: isratio(pd.DataFrame({"x": [1, 2], "n": [9, 9]}), "x", "n", [1, 2], [9, 0]), "n_ref"),
        (lambda: isratio(pd.DataFrame({"x": [1, 2], "n": [9, -9]}), "x", "n", [1, 2], [9, 9]), "n"),
        (lambda: isratio(pd.DataFrame({"x": [1, 2], "n": [9, 9]}), "x", "n", [1, 2], [9, 9], refvalue=0), "refvalue"),
        (lambda: mean_ci([1, 2, 3], "x"), "data"),
    ],
)  # fmt: skip
def test_bad_input_names_the_argument(call, arg):
    with pytest.raises(ValueError, match=rf"^{arg}:"):
        call()


def test_dsr_missing_counts_are_zero_as_in_the_reference():
    df = pd.DataFrame({"x": [np.nan, 20.0], "n": [100.0, 100.0]})
    out = dsr(df, "x", "n", [1, 1])
    assert out["total_count"].iloc[0] == 20
    assert out["value"].iloc[0] == pytest.approx(10_000.0)


def test_dsr_under_ten_events_is_missing_with_reason():
    df = pd.DataFrame({"x": [4, 5], "n": [100, 100]})
    out = dsr(df, "x", "n", [1, 1])
    assert np.isnan(out["value"].iloc[0]) and np.isnan(out["uppercl"].iloc[0])
    assert out["statistic"].iloc[0] == "dsr NA for total count < 10"


def test_shipped_esp2013_matches_the_reference_package():
    import json
    from pathlib import Path

    meta = json.loads((Path(__file__).parent / "fixtures" / "reference_vectors.json").read_text())[
        "meta"
    ]
    ref = meta["reference_data"]["esp2013"]
    assert list(config.ESP2013) == ref["weights"] and list(config.ESP2013_BANDS) == ref["bands"]
