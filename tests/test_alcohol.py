"""Tests for lsp_research.topics.alcohol: classification, parameters, strata, statistics and the notebook."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from lsp_research import config, periods
from lsp_research.errors import DataValidationError, ParameterError, PeriodError
from lsp_research.topics import alcohol
from lsp_research.topics.alcohol import analysis

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
    out = analysis.classify_episodes(_episodes([(40, "M", [code])]))
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
    out = analysis.classify_episodes(_episodes(rows))
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
    out = analysis.classify_episodes(_episodes([(age, "M", ["S720", "W19"])]))
    assert out["aaf_broad"].iloc[0] == pytest.approx(expected)


def test_missing_diagnoses_and_fewer_columns():
    ep = pd.DataFrame(
        {"age": [40, 40], "sex": ["M", "F"], "diag_01": ["K701", "J189"], "diag_02": [None, np.nan]}
    )
    out = analysis.classify_episodes(ep)
    assert out["aaf_broad"].tolist() == [1.0, 0.0]
    assert out.index.equals(ep.index)


def test_measure_weights_follow_the_definitions():
    out = analysis.classify_episodes(
        _episodes([(40, "M", ["J189", "F102"]), (50, "M", ["I10"]), (30, "M", ["J189"])])
    )
    assert analysis.episode_weights(out, "specific").tolist() == [1.0, 0.0, 0.0]
    assert analysis.episode_weights(out, "narrow").round(2).tolist() == [0.0, 0.14, 0.0]
    assert analysis.episode_weights(out, "broad").round(2).tolist() == [1.0, 0.14, 0.0]
    with pytest.raises(ParameterError, match="specific, narrow, broad"):
        analysis.episode_weights(out, "wide")


def test_bad_episode_input_is_named():
    with pytest.raises(DataValidationError, match="column 'sex': must be M or F"):
        analysis.classify_episodes(_episodes([(40, "X", ["F10"])]))
    with pytest.raises(DataValidationError, match="diag_01"):
        analysis.classify_episodes(pd.DataFrame({"age": [1], "sex": ["M"], "diag_02": ["F10"]}))


def test_fraction_table_is_replaceable(tmp_path):
    path = tmp_path / "aaf.csv"
    path.write_text(
        "code_from,code_to,condition,category,sex,age_from,age_to,aaf,status\n"
        "F10,F10,Alcohol disorders,specific,P,0,150,1,published\n"
        "I10,I15,Hypertension,chronic,P,0,150,0.5,published\n"
    )
    fractions = alcohol.load_fractions(path)
    out = analysis.classify_episodes(
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
    out = analysis.classify_episodes(ep)
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
    assert analysis.analysis_window("latest", 1, available) == (
        periods.Quarter(2009, 1),
        periods.Quarter(2009, 4),
    )
    with pytest.raises(PeriodError, match="choose fewer years"):
        analysis.analysis_window("2006Q4", 5, available)


# --------------------------------------------------------------------------------------------------
# A small synthetic city with a planted gradient and a central cluster (independent of the default data)
# --------------------------------------------------------------------------------------------------

X0, Y0, SIDE = 430_000.0, 550_000.0, 1000.0  # 5 x 5 wards of 1 km in BNG
CENTRE_WARD = "W13"  # row 2, column 2: the middle ward


def _synthetic_inputs(seed: int = 7) -> alcohol.Inputs:
    import geopandas as gpd
    from shapely.geometry import box

    rng = np.random.default_rng(seed)
    codes = [f"W{i:02d}" for i in range(1, 26)]
    rows, cols = np.divmod(np.arange(25), 5)
    wards = gpd.GeoDataFrame(
        {
            "ward_code": codes,
            "ward_name": [f"Ward {c}" for c in codes],
            "area_committee": [f"Committee {r + 1}" for r in rows],
            "imd_quintile": cols + 1,  # column 0 most deprived
        },
        geometry=[box(X0 + c * SIDE, Y0 + r * SIDE, X0 + (c + 1) * SIDE, Y0 + (r + 1) * SIDE)
                  for r, c in zip(rows, cols, strict=True)],
        crs="EPSG:27700",
    )  # fmt: skip
    bands = list(config.ESP2013_BANDS)
    pop = pd.DataFrame(
        [(y, w, s, b, 300) for y in range(2004, 2010) for w in codes for s in "MF" for b in bands],
        columns=["year", "ward_code", "sex", "age_band", "population"],
    )
    # alcohol admissions: broad-relevant codes; rate per person-quarter rising with deprivation
    quarters = [f"{y}Q{q}" for y in range(2004, 2010) for q in range(1, 5)]
    grid = pd.DataFrame(
        [(q, w, s, i) for q in quarters for w in codes for s in "MF" for i in range(3, 17)],
        columns=["period", "ward_code", "sex", "band_i"],
    )
    quint = dict(zip(codes, cols + 1, strict=True))
    lam = 300 * 0.25 * 0.004 * (1 + 0.25 * (5 - grid["ward_code"].map(quint)))
    n = rng.poisson(lam.to_numpy())
    rep = grid.loc[grid.index.repeat(n)].reset_index(drop=True)
    m = len(rep)
    lo = rep["band_i"].to_numpy() * 5
    rep["age"] = lo + rng.integers(0, 5, m)
    rep["age_band"] = [bands[i] for i in rep["band_i"]]
    alcohol_codes = np.array(["F102", "K703", "K746", "I10", "C150", "S720"])
    rep["diag_01"] = rng.choice(alcohol_codes, m)
    rep["diag_02"] = np.where(rep["diag_01"] == "S720", "W19", "")
    # and some non-alcohol episodes
    other = rep.sample(frac=0.5, random_state=1).copy()
    other["diag_01"], other["diag_02"] = "J189", ""
    adm = pd.concat([rep, other], ignore_index=True).drop(columns="band_i")
    q = [periods.Quarter.parse(p) for p in adm["period"]]
    adm["financial_year"] = [x.year for x in q]
    adm["admission_date"] = [x.start for x in q]
    adm["episode_id"] = np.arange(len(adm))
    # incidents: background everywhere, a cluster in the middle ward, weekend-night peak
    k_bg, k_cl = 3000, 1500
    e = np.r_[rng.uniform(X0, X0 + 5 * SIDE, k_bg), rng.normal(X0 + 2.5 * SIDE, 180, k_cl)]
    nn = np.r_[rng.uniform(Y0, Y0 + 5 * SIDE, k_bg), rng.normal(Y0 + 2.5 * SIDE, 180, k_cl)]
    dates = pd.Timestamp("2004-04-01") + pd.to_timedelta(rng.integers(0, 6 * 365, k_bg + k_cl), "D")
    hour = rng.integers(0, 24, k_bg + k_cl)
    weekend = dates.day_of_week.isin([4, 5])
    hour = np.where(weekend & (rng.random(k_bg + k_cl) < 0.7), 23, hour)
    inc = pd.DataFrame({"incident_id": np.arange(k_bg + k_cl), "date": dates, "hour": hour,
                        "offence_group": "violence", "alcohol_flag": 1, "easting": e, "northing": nn})  # fmt: skip
    inc["period"] = [str(periods.Quarter.from_date(d.date())) for d in inc["date"]]
    inc["financial_year"] = [int(p[:4]) for p in inc["period"]]
    pts = gpd.GeoDataFrame(inc, geometry=gpd.points_from_xy(e, nn), crs="EPSG:27700")
    inc = gpd.sjoin(pts, wards[["ward_code", "geometry"]], how="left", predicate="within")
    inc = pd.DataFrame(inc.drop(columns=["geometry", "index_right"]))
    comparators = pd.DataFrame(
        {"indicator_code": "NI39", "financial_year": ["2008-09", "2008-09", "2007-08", "2007-08"],
         "comparator": ["North East", "England", "North East", "England"],
         "value": [2254.0, 1562.0, 2100.0, 1500.0]}
    )  # fmt: skip
    return alcohol.Inputs(adm, pop, wards, inc, comparators)


@pytest.fixture(scope="module")
def synthetic():
    return _synthetic_inputs()


@pytest.fixture(scope="module")
def synthetic_run(synthetic):
    return alcohol.analyse(alcohol.validate_params(), synthetic, permutations=199)


def test_strata_are_complete_and_person_years_right(synthetic):
    adm = synthetic.admissions
    c = analysis.classify_episodes(adm)
    w = analysis.episode_weights(c, "broad")
    q = periods.Quarter
    s = analysis.stratify(
        adm, w, synthetic.population, q(2007, 1), q(2009, 4), ["ward_code"], "esp1976"
    )
    assert len(s) == 25 * 2 * 18  # 85-89 and 90+ merged into 85+
    assert s["person_years"].sum() == pytest.approx(25 * 2 * 19 * 300 * 3)
    in_window = adm["period"].between("2007Q1", "2009Q4")
    assert s["events"].sum() == pytest.approx(w[in_window].sum())
    assert s["episodes"].sum() == int((w[in_window] > 0).sum())


def test_ward_ratios_are_consistent_with_the_city(synthetic_run):
    r = synthetic_run.ratios
    assert len(r) == 25
    assert r["expected"].sum() == pytest.approx(r["observed"].sum())
    city = synthetic_run.trend_quarter
    window = city["period"].between(str(synthetic_run.start), str(synthetic_run.end))
    assert r["observed"].sum() == pytest.approx(city.loc[window, "total_count"].sum())
    assert r["episodes"].sum() == city.loc[window, "episodes"].sum()


def test_planted_gradient_is_found(synthetic_run):
    s = synthetic_run.gradient_summary
    assert s["sii"] > 0 and s["sii_lower"] > 0
    assert s["most_deprived_higher"]
    g = synthetic_run.gradient.set_index("imd_quintile")["value"]
    assert g.loc[1] > g.loc[5]


def test_central_cluster_and_night_time_peak_are_found(synthetic_run):
    hs = synthetic_run.hot_spot_wards
    assert hs.iloc[0]["ward_code"] == CENTRE_WARD
    top = synthetic_run.grid.loc[synthetic_run.grid["gi_z"].idxmax()]
    assert top["ward_code"] == CENTRE_WARD and top["hot_spot"] == "Hot spot (99%)"
    night = synthetic_run.night
    assert night["peak_in_weekend_night"] and night["concentration"] > 2
    inc = synthetic_run.incidents.set_index("ward_code")
    assert inc.loc[CENTRE_WARD, "significance"] == "High (0.001)"
    assert inc["incidents"].sum() == synthetic_run.hot_spot_wards["incidents"].sum()


def test_hot_spots_are_reproducible(synthetic):
    alc = analysis.alcohol_incidents(synthetic.incidents, periods.Quarter(2004, 1),
                                    periods.Quarter(2009, 4))  # fmt: skip
    grid = analysis.incident_grid(alc, synthetic.wards)
    assert len(grid) == 400 and grid["incidents"].sum() == len(alc)
    a = analysis.hot_spots(grid, permutations=99, seed=3)
    b = analysis.hot_spots(grid, permutations=99, seed=3)
    assert a["p_sim"].equals(b["p_sim"])


def test_area_committee_geography(synthetic):
    params = alcohol.validate_params(geography="area_committee", measure="specific",
                                     standard_population="esp1976", years_pooled=2)  # fmt: skip
    res = alcohol.analyse(params, synthetic, permutations=99)
    assert len(res.ratios) == 5 and len(res.areas) == 5
    assert res.ratios["expected"].sum() == pytest.approx(res.ratios["observed"].sum())
    assert res.incidents["incidents"].sum() == res.hot_spot_wards["incidents"].sum()


def test_comparators_use_the_ni39_definition(synthetic_run):
    ni = synthetic_run.ni39.set_index("label")
    assert ni.loc["2008-09", "North East"] == 2254.0
    assert ni.loc["2008-09", "vs England"] in {"better", "similar", "worse"}
    assert pd.isna(ni.loc["2005-06", "England"])
    assert ni.loc["2005-06", "vs England"] == "not compared"


def test_correlation_interval():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    c = analysis.correlation(x, x + rng.normal(size=200))
    assert c["lowercl"] < 1 / np.sqrt(2) < c["uppercl"]
    s = analysis.correlation(x, -x, method="spearman")
    assert s["r"] == pytest.approx(-1)
    with pytest.raises(DataValidationError, match="at least 4 pairs"):
        analysis.correlation([1, 2, 3], [1, 2, 3])


# --------------------------------------------------------------------------------------------------
# The default data set (tests/conftest.py builds it once per session)
# --------------------------------------------------------------------------------------------------

#: Sunderland city centre (Fawcett Street / Sunniside) in British National Grid metres, and the wards
#: that hold it and its night-time economy.
CITY_CENTRE = (439_700.0, 557_000.0)
CITY_CENTRE_WARDS = {"Millfield", "Hendon", "St Michael's"}


@pytest.fixture(scope="module")
def default_inputs(processed_data):
    return alcohol.load_inputs(alcohol.validate_params())


@pytest.fixture(scope="module")
def default_run(default_inputs):
    return alcohol.analyse(alcohol.validate_params(), default_inputs)


def test_default_data_ward_ratios_add_up_to_the_city(default_inputs, default_run):
    r = default_run.ratios
    assert len(r) == 25
    # with the city as reference, expected admissions add up to observed ones
    assert r["expected"].sum() == pytest.approx(r["observed"].sum(), rel=1e-9)
    # ward observed counts add up to the city total in the same window, computed directly
    adm = default_inputs.admissions
    w = analysis.episode_weights(analysis.classify_episodes(adm), "broad")
    window = adm["period"].astype(str).between(str(default_run.start), str(default_run.end))
    assert r["observed"].sum() == pytest.approx(w[window].sum())
    assert r["episodes"].sum() == int((w[window] > 0).sum())
    # and each ward's own count matches its episodes
    direct = w[window].groupby(adm.loc[window, "ward_code"]).sum()
    got = r.set_index("ward_code")["observed"]
    assert np.allclose(
        got.sort_index().to_numpy(), direct.reindex(got.index).sort_index().to_numpy()
    )


def test_default_data_planted_gradient_is_found(default_run):
    s = default_run.gradient_summary
    assert s["sii"] > 0 and s["sii_lower"] > 0
    assert s["most_deprived_higher"]  # the gap's 95% interval is wholly above 0
    g = default_run.gradient.set_index("imd_quintile")
    assert g.loc[1, "lowercl"] > g.loc[5, "uppercl"]


def test_default_data_city_centre_cluster_is_found(default_run):
    grid = default_run.grid
    hot = grid[grid["hot_spot"] == "Hot spot (99%)"]
    assert len(hot)
    top_wards = set(default_run.hot_spot_wards.head(2)["ward_name"])
    assert top_wards <= CITY_CENTRE_WARDS, top_wards
    top = grid.loc[grid["gi_z"].idxmax()].geometry.centroid
    assert np.hypot(top.x - CITY_CENTRE[0], top.y - CITY_CENTRE[1]) < 2000
    assert default_run.night["peak_in_weekend_night"]


def test_ni39_is_the_performance_reports_figure_and_verdict(default_run):
    from lsp_research.performance import pipeline

    assert default_run.ni39_source == "return"
    row = default_run.ni39.set_index("label").loc["2009-10"]
    perf = pipeline.run_assessment("2009Q4").meeting.assessment
    rec = perf.record("NI39")
    assert row["value"] == rec.value and row["lowercl"] == rec.lowercl
    c = perf.comparisons
    comp = c[(c["indicator_code"] == "NI39") & (c["area_code"] == "E08000024")]
    comp = comp.set_index("comparator")["result"]
    assert row["vs North East"] == comp["North East"] and row["vs England"] == comp["England"]
    # the reconciliation states every other figure and why it differs
    rec_table = alcohol.tables.ni39_reconciliation_frame(default_run)
    assert len(rec_table) == 3
    assert rec_table["Per 100,000"].iloc[0] == rec.value
    assert rec_table["Per 100,000"].iloc[1] == pytest.approx(
        default_run.ni39_recalculated.set_index("label").loc["2009-10", "value"]
    )
    assert "European Standard Population 2013" in rec_table["Why it differs"].iloc[2]
    diff = rec_table["Per 100,000"].iloc[2] - rec_table["Per 100,000"].iloc[0]
    assert rec_table["Difference from the first row"].iloc[2] == f"{diff:+,.1f}"
    headline = alcohol.text.findings(default_run)[0]
    assert "reconciliation table" in headline and f"{rec.value:,.0f}" in headline


def test_default_data_ni39_matches_the_registry_scale(default_run):
    ni = default_run.ni39.set_index("label")
    assert {"North East", "England"} <= set(ni.columns)
    last = ni.dropna(subset=["England"]).iloc[-1]
    assert 1000 < last["value"] < 4000  # an NI 39-sized rate on the ESP 1976 broad definition


@pytest.mark.slow
def test_notebook_runs_on_the_default_data(processed_data, tmp_path):
    import nbformat
    import papermill

    src = config.get_paths().notebooks / "alcohol_misuse.ipynb"
    out = tmp_path / "alcohol_misuse.out.ipynb"
    t0 = time.perf_counter()
    papermill.execute_notebook(
        str(src), str(out), parameters={"period": "latest", "measure": "broad"},
        kernel_name="lsp-research", progress_bar=False, log_output=False, cwd=str(tmp_path),
    )  # fmt: skip
    elapsed = time.perf_counter() - t0
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert html.count("<img ") >= 9 and html.count("<table") >= 8
    assert 'alt=""' not in html
    tags = {t for c in nb.cells for t in c.metadata.get("tags", [])}
    assert {"parameters", "executive", "operational"} <= tags
    assert elapsed < 60, (
        f"the notebook took {elapsed:.0f} s"
    )  # about 20 s on an idle 2-core machine


def test_notebook_parameters_fail_before_any_kernel_starts():
    """The runner validates the parameters cell's declared values without starting a kernel."""
    from lsp_research.reporting.parameters import read_parameters, validate

    nb = config.get_paths().notebooks / "alcohol_misuse.ipynb"
    contract = read_parameters(nb)
    assert contract["measure"].allowed == alcohol.inputs.MEASURES
    assert contract["standard_population"].allowed == alcohol.inputs.STANDARD_POPULATIONS
    assert contract["geography"].allowed == alcohol.inputs.GEOGRAPHIES
    lo, hi = alcohol.inputs.YEARS_POOLED_RANGE
    assert contract["years_pooled"].allowed == tuple(range(lo, hi + 1))
    # the notebook's `period` (the name the runner fills with the quarter it runs) is the period end
    defaults = {("period_end" if k == "period" else k): p.default for k, p in contract.items()}
    assert defaults == vars(alcohol.AlcoholParams())
    assert contract["period"].kind == "period"
    validate(contract, {"measure": "narrow", "years_pooled": 5}, notebook="alcohol_misuse")
    with pytest.raises(ParameterError) as err:
        validate(contract, {"measure": "wide", "years_pooled": 9, "geography": "lsoa", "period": "2011Q1"},
                 notebook="alcohol_misuse", periods=["2009Q3", "2009Q4"])  # fmt: skip
    text = str(err.value)
    assert "parameter 'period'" in text and "2011Q1" in text
    assert "one of: specific, narrow, broad" in text
    assert "one of: 1, 2, 3, 4, 5" in text
    assert "one of: ward, area_committee" in text


def test_admissions_outside_the_population_strata_are_named():
    adm = pd.DataFrame({"period": ["2009Q1", "2009Q2"], "financial_year": 2009,
                        "ward_code": ["W1", "W9"], "sex": "M", "age_band": "20-24"})  # fmt: skip
    pop = pd.DataFrame({"year": 2009, "ward_code": ["W1"], "sex": "M", "age_band": "20-24",
                        "population": [1000]})  # fmt: skip
    q = periods.Quarter
    with pytest.raises(DataValidationError, match="1 admissions fall in strata without population, "
                       "e.g. ward W9, sex M, age band 20-24"):  # fmt: skip
        analysis.stratify(adm, pd.Series([1.0, 1.0]), pop, q(2009, 1), q(2009, 4), ["ward_code"])
