"""Tests for lsp_research.topics.alcohol: classification, parameters, strata, statistics and the notebook."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from lsp_research import config
from lsp_research.errors import DataValidationError, ParameterError, PeriodError
from lsp_research.topics import alcohol

# --------------------------------------------------------------------------------------------------
# Classification on hand-written episodes
# --------------------------------------------------------------------------------------------------

SPECIFIC_CODES = [
    "E244", "F102", "G312", "G621", "G721", "I426", "K292", "K703", "K852", "K860",
    "Q860", "R780", "T510", "T511", "T519", "X459", "X650", "Y150",
]  # fmt: skip


def _episodes(rows):
    """rows: (age, sex, [diagnoses...]) -> DataFrame with diag_01..diag_06."""
    out = []
    for age, sex, diags in rows:
        rec = {"age": age, "sex": sex}
        for i in range(6):
            rec[f"diag_{i + 1:02d}"] = diags[i] if i < len(diags) else ""
        out.append(rec)
    return pd.DataFrame(out)


@pytest.mark.parametrize("code", SPECIFIC_CODES)
def test_each_alcohol_specific_code_in_primary_position(code):
    out = alcohol.classify_episodes(_episodes([(40, "M", [code])]))
    assert out["specific"].iloc[0]
    assert out["aaf_broad"].iloc[0] == 1.0
    assert out["aaf_narrow"].iloc[0] == 1.0


def test_code_families_secondary_positions_and_non_alcohol():
    rows = [
        (40, "M", ["J189", "", "F102"]),  # 0 specific code in a secondary position, not external
        (40, "F", ["T424", "X450"]),  # 1 specific external cause in a secondary position
        (50, "M", ["I10"]),  # 2 chronic, primary (illustrative M 45-64: 0.14)
        (50, "F", ["C509"]),  # 3 breast cancer, women (F 45-64: 0.10)
        (50, "M", ["C509"]),  # 4 breast cancer has no fraction for men
        (70, "F", ["S720", "W19"]),  # 5 fall as secondary external cause (F 65+: 0.04)
        (50, "M", ["J189", "I48"]),  # 6 partial, secondary, not external: broad only (0.22)
        (50, "M", ["C150", "K746"]),  # 7 highest AAF wins: broad 0.65, narrow primary 0.40
        (50, "M", ["K859"]),  # 8 acute pancreatitis, not alcohol-induced: 0.30, not specific
        (50, "M", ["K86"]),  # 9 three characters do not reach the 4-character K860/K861
        (30, "M", ["J189", "S099"]),  # 10 non-alcohol
        (10, "M", ["S525", "W10"]),  # 11 child, acute external cause (M 0-15: 0.02)
        (10, "M", ["C150"]),  # 12 child, chronic condition: 0
        (25, "M", ["S020", "Y04"]),  # 13 assault (M 16-44: 0.30)
        (25, "F", ["S060", "V234"]),  # 14 road traffic (F 16-44: 0.12)
        (30, "F", ["f10.2"]),  # 15 lower case with a dot is normalised
        (40, "M", ["T424", "X62"]),  # 16 self-harm (partial, M 16-44: 0.30)
        (40, "M", ["X65"]),  # 17 3-character X65 is alcohol-specific (self-poisoning by alcohol)
    ]
    out = alcohol.classify_episodes(_episodes(rows))
    expect = [
        (True, 0.0, 1.0),
        (True, 1.0, 1.0),
        (False, 0.14, 0.14),
        (False, 0.10, 0.10),
        (False, 0.0, 0.0),
        (False, 0.04, 0.04),
        (False, 0.0, 0.22),
        (False, 0.40, 0.65),
        (False, 0.30, 0.30),
        (False, 0.0, 0.0),
        (False, 0.0, 0.0),
        (False, 0.02, 0.02),
        (False, 0.0, 0.0),
        (False, 0.30, 0.30),
        (False, 0.12, 0.12),
        (True, 1.0, 1.0),
        (False, 0.30, 0.30),
        (True, 1.0, 1.0),
    ]
    got = list(
        zip(out["specific"], out["aaf_narrow"].round(6), out["aaf_broad"].round(6), strict=True)
    )
    assert got == expect
    assert out["condition"].iloc[7] == "Chronic hepatitis, fibrosis and cirrhosis of liver"
    assert out["condition"].iloc[5] == "Falls"
    assert pd.isna(out["condition"].iloc[10])
    assert pd.isna(out["condition"].iloc[4])


@pytest.mark.parametrize(
    ("age", "expected"), [(15, 0.02), (16, 0.25), (44, 0.25), (45, 0.20), (64, 0.20), (65, 0.08)]
)
def test_age_band_boundaries(age, expected):
    out = alcohol.classify_episodes(_episodes([(age, "M", ["S720", "W19"])]))
    assert out["aaf_broad"].iloc[0] == pytest.approx(expected)


def test_missing_diagnoses_and_fewer_columns():
    ep = pd.DataFrame(
        {"age": [40, 40], "sex": ["M", "F"], "diag_01": ["K701", "J189"], "diag_02": [None, np.nan]}
    )
    out = alcohol.classify_episodes(ep)
    assert out["aaf_broad"].tolist() == [1.0, 0.0]
    assert out.index.equals(ep.index)


def test_measure_weights_follow_the_definitions():
    out = alcohol.classify_episodes(
        _episodes([(40, "M", ["J189", "F102"]), (50, "M", ["I10"]), (30, "M", ["J189"])])
    )
    assert alcohol.episode_weights(out, "specific").tolist() == [1.0, 0.0, 0.0]
    assert alcohol.episode_weights(out, "narrow").round(2).tolist() == [0.0, 0.14, 0.0]
    assert alcohol.episode_weights(out, "broad").round(2).tolist() == [1.0, 0.14, 0.0]
    with pytest.raises(ParameterError, match="specific, narrow, broad"):
        alcohol.episode_weights(out, "wide")


def test_bad_episode_input_is_named():
    with pytest.raises(ValueError, match="'sex' must be M or F"):
        alcohol.classify_episodes(_episodes([(40, "X", ["F10"])]))
    with pytest.raises(ValueError, match="diag_01"):
        alcohol.classify_episodes(pd.DataFrame({"age": [1], "sex": ["M"], "diag_02": ["F10"]}))


def test_fraction_table_is_replaceable(tmp_path):
    path = tmp_path / "aaf.csv"
    path.write_text(
        "code_from,code_to,condition,category,sex,age_from,age_to,aaf,status\n"
        "F10,F10,Alcohol disorders,specific,P,0,150,1,published\n"
        "I10,I15,Hypertension,chronic,P,0,150,0.5,published\n"
    )
    fractions = alcohol.load_fractions(path)
    out = alcohol.classify_episodes(
        _episodes([(50, "M", ["I10"]), (50, "M", ["S720", "W19"])]), fractions
    )
    assert out["aaf_broad"].tolist() == [0.5, 0.0]


def test_bad_fraction_table_lists_every_problem(tmp_path):
    path = tmp_path / "aaf.csv"
    path.write_text(
        "code_from,code_to,condition,category,sex,age_from,age_to,aaf,status\n"
        "F10,F10,Alcohol disorders,specific,P,0,150,0.9,published\n"
        "I10,I150,Hypertension,chronic,P,0,150,0.5,published\n"
        "I10,I15,Hypertension,chronic,Q,60,40,1.5,published\n"
    )
    with pytest.raises(DataValidationError) as err:
        alcohol.load_fractions(path)
    text = str(err.value)
    assert "row 1, column 'aaf': alcohol-specific conditions have AAF 1" in text
    assert "row 2, column 'code_to': code_from and code_to must have the same length" in text
    assert "row 3, column 'sex'" in text and "row 3, column 'aaf'" in text
    assert "row 3, column 'age_to'" in text


def test_packaged_table_labels_illustrative_fractions():
    f = alcohol.load_fractions()
    partial = f[f["category"] != "specific"]
    assert (partial["status"] == "illustrative").all()
    text = (config.RESOURCES_DIR / "alcohol_fractions.md").read_text()
    assert "SIMPLIFIED / ILLUSTRATIVE" in text


def test_classification_is_vectorised_and_fast():
    rng = np.random.default_rng(1)
    n = 100_000
    pool = np.array(["K703", "F102", "I10", "S720", "W19", "J189", "C15", "", "", "E119", "Y04"])
    ep = pd.DataFrame({"age": rng.integers(0, 100, n), "sex": rng.choice(["M", "F"], n)})
    for i in range(1, 7):
        ep[f"diag_{i:02d}"] = rng.choice(pool, n)
    t0 = time.perf_counter()
    out = alcohol.classify_episodes(ep)
    assert time.perf_counter() - t0 < 3.0
    # Spot-check against a per-row reading of the rule for the broad measure
    has_specific = ep[[f"diag_{i:02d}" for i in range(1, 7)]].isin(["K703", "F102"]).any(axis=1)
    assert (out.loc[has_specific, "aaf_broad"] == 1).all()
    assert out["specific"].equals(has_specific.rename("specific"))


# --------------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"measure": "wide"},
            "measure: 'wide' is not allowed; allowed values: specific, narrow, broad",
        ),
        ({"standard_population": "who"}, "allowed values: esp2013, esp1976"),
        (
            {"geography": "lsoa"},
            "geography: 'lsoa' is not allowed; allowed values: ward, area_committee",
        ),
        ({"years_pooled": 0}, "years_pooled: 0 is not allowed; allowed values: whole numbers 1-5"),
        ({"years_pooled": 6}, "allowed values: whole numbers 1-5"),
        ({"years_pooled": 2.5}, "years_pooled"),
        (
            {"period_end": "2009Q7"},
            "period_end: '2009Q7' is not allowed; allowed values: a financial-year",
        ),
    ],
)
def test_parameters_outside_allowed_values_fail_naming_them(kwargs, message):
    with pytest.raises(ParameterError) as err:
        alcohol.validate_params(**kwargs)
    assert message in str(err.value)


def test_parameters_are_normalised():
    p = alcohol.validate_params(
        period_end="2008-09 Q4", measure="Specific", geography="area_committee"
    )
    assert (p.period_end, p.measure, p.geography) == ("2008Q4", "specific", "area_committee")


def test_analysis_window():
    available = [f"{y}Q{q}" for y in range(2004, 2010) for q in range(1, 5)]
    assert alcohol.analysis_window("latest", 1, available) == (
        alcohol.periods.Quarter(2009, 1),
        alcohol.periods.Quarter(2009, 4),
    )
    with pytest.raises(PeriodError, match="choose fewer years"):
        alcohol.analysis_window("2006Q4", 5, available)
