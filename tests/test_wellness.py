"""Wellness uptake, equity and access (lsp_research.topics.wellness).

Small synthetic frames with known planted effects check the computations; the default data checks that
the generator's planted effects are recovered; one smoke run executes the notebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lsp_research import geo, stats
from lsp_research.config import CRS_BNG, ESP2013_BANDS
from lsp_research.errors import DataValidationError, ParameterError, PeriodError
from lsp_research.topics import wellness
from lsp_research.topics.wellness import charts, tables, text
from lsp_research.topics.wellness import inputs as w_inputs
from lsp_research.topics.wellness.analysis import access, coverage, inequality, rates


def run(period="latest", centre="all", group="all", *, inputs, coverage=True):
    """The notebook's four steps on tables built in memory."""
    params = wellness.validate_params(period, centre, group, coverage=coverage)
    return wellness.analyse(params, wellness.Inputs(**inputs))


# ------------------------------------------------------------------------------------------------
# A tiny synthetic city: 5 x 5 wards of 2 km squares, three centres, planted effects.
# ------------------------------------------------------------------------------------------------

X0, Y0, SIDE = 430_000.0, 546_000.0, 2000.0
QUARTERS = ["2008Q1", "2008Q2", "2008Q3", "2008Q4", "2009Q1", "2009Q2", "2009Q3", "2009Q4"]


def _toy_inputs(seed: int = 1, n_per_1000: float = 40.0):
    import geopandas as gpd
    from shapely.geometry import Point, box

    rng = np.random.default_rng(seed)
    rows, geoms = [], []
    for i in range(5):
        for j in range(5):
            k = i * 5 + j
            code = f"E05{k:06d}"
            geoms.append(
                box(X0 + i * SIDE, Y0 + j * SIDE, X0 + (i + 1) * SIDE, Y0 + (j + 1) * SIDE)
            )
            rows.append({"ward_code": code, "ward_name": f"Ward {k:02d}", "lad_code": "E08000024"})
    wards = gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS_BNG)
    # deprivation unrelated to the grid position (so distance and deprivation are not confounded)
    score = rng.permutation(np.linspace(10, 60, 25))
    wards["imd2007_score"] = score
    wards["imd_quintile"] = (5 - pd.qcut(score, 5, labels=False)).astype(
        "int64"
    )  # 1 = most deprived
    wards["area_committee"] = "North"
    wards["area_km2"] = 4.0
    centres = gpd.GeoDataFrame(
        {
            "centre_id": ["WC1", "WC2", "WC3"],
            "centre_name": ["Alpha Centre", "Beta Centre", "Gamma Centre"],
            "ward_code": ["E05000000", "E05000012", "E05000024"],
        },
        geometry=[
            Point(X0 + 1000, Y0 + 1000),
            Point(X0 + 5000, Y0 + 5000),
            Point(X0 + 9000, Y0 + 9000),
        ],
        crs=CRS_BNG,
    )
    pop_rows = []
    for year in (2008, 2009):
        for code in wards["ward_code"]:
            for sex in ("M", "F"):
                for band in ESP2013_BANDS:
                    pop_rows.append((year, code, sex, band, 200))
    population = pd.DataFrame(
        pop_rows, columns=["year", "ward_code", "sex", "age_band", "population"]
    )
    deaths_rows = []
    for year in (2007, 2008, 2009):
        for code, s in zip(wards["ward_code"], score, strict=True):
            for sex in ("M", "F"):
                for band in ("0", "1-4", "45-49", "85-89"):
                    popn = 300
                    deaths_rows.append((year, code, sex, band, int(rng.poisson(3 + s / 10)), popn))
    deaths = pd.DataFrame(
        deaths_rows, columns=["year", "ward_code", "sex", "age_band_le", "deaths", "population"]
    )

    # referrals: rate higher when deprived, take-up falls with distance, completion lower when deprived
    pts = geo.ward_centroids(wards, keep=["ward_code"])
    near = geo.nearest(pts, centres, id_col="centre_id")
    near = pd.DataFrame(
        {
            "ward_code": pts["ward_code"].to_numpy(),
            "nearest_centre_id": near["centre_id"].to_numpy(),
            "distance_km": near["distance_m"].to_numpy().round(1) / 1000,
        }
    ).set_index("ward_code")
    adults_per_ward = 2 * 200 * 15.8  # 15 bands 20-24 to 90+, and 0.8 of 15-19
    refs = []
    rid = 0
    for code, quint in zip(wards["ward_code"], wards["imd_quintile"], strict=True):
        rate = n_per_1000 * (1 + 0.25 * (5 - quint))  # quintile 1: 2x quintile 5
        dist = near.loc[code, "distance_km"]
        cid = near.loc[code, "nearest_centre_id"]
        for q in QUARTERS:
            n = rng.poisson(rate * adults_per_ward / 1000 / 4)
            for _ in range(n):
                rid += 1
                took = rng.random() < 1 / (1 + np.exp(-(1.8 - 0.5 * dist)))
                comp = took and rng.random() < (0.35 + 0.05 * quint)
                refs.append(
                    {
                        "referral_id": f"R{rid:06d}",
                        "period": q,
                        "ward_code": code,
                        "sex": "M" if rng.random() < 0.45 else "F",
                        "age_band": str(rng.choice(w_inputs.REFERRAL_AGE_BANDS)),
                        "centre_id": cid,
                        "took_up": int(took),
                        "completed_12wk": int(comp),
                        "bmi_change": float(rng.normal(-0.8, 1.0)) if comp else np.nan,
                    }
                )
    referrals = pd.DataFrame(refs)
    return {
        "referrals": referrals,
        "wards": wards,
        "centres": centres,
        "population": population,
        "deaths": deaths,
    }


@pytest.fixture(scope="module")
def toy():
    return _toy_inputs()


@pytest.fixture(scope="module")
def toy_result(toy):
    return run("2009Q4", inputs=toy, coverage=True)


# ------------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------------


def test_unknown_centre_lists_every_centre(toy):
    with pytest.raises(ParameterError) as err:
        run("latest", "Nowhere Leisure", inputs=toy, coverage=False)
    msg = str(err.value)
    for cid, name in zip(toy["centres"]["centre_id"], toy["centres"]["centre_name"], strict=True):
        assert cid in msg and name in msg
    assert "Nowhere Leisure" in msg


def test_the_topic_has_the_one_interface():
    from lsp_research.topics import base

    assert base.check_topic("wellness") == []


def test_validate_params_checks_the_form_of_each_parameter():
    p = wellness.validate_params("2009-10 Q3", "WC1", " Men ", catchment_m=3000)
    assert (p.period, p.centre, p.population_group, p.catchment_m) == (
        "2009Q3",
        "WC1",
        "men",
        3000.0,
    )
    with pytest.raises(ParameterError, match="period: '2009Q9' is not allowed"):
        wellness.validate_params("2009Q9")
    with pytest.raises(ParameterError, match="population_group 'teens' is not known"):
        wellness.validate_params(population_group="teens")
    with pytest.raises(ParameterError, match="service_radius_m: -1 is not allowed"):
        wellness.validate_params(service_radius_m=-1)
    with pytest.raises(ParameterError, match="capacity"):
        wellness.validate_params(capacity=[1, -2])


def test_inputs_lacking_a_column_are_refused_naming_table_and_column(toy):
    broken = dict(toy, referrals=toy["referrals"].drop(columns=["took_up"]))
    with pytest.raises(
        DataValidationError, match="processed table referrals: missing columns took_up"
    ):
        run("2009Q4", inputs=broken)


def test_wards_without_a_crs_are_refused_not_taken_as_bng(toy):
    wards = toy["wards"].set_crs(None, allow_override=True)
    with pytest.raises(DataValidationError, match="wards, column 'geometry': has no CRS"):
        run("2009Q4", inputs=dict(toy, wards=wards), coverage=False)


def test_parameters_resolve(toy):
    c = toy["centres"]
    p = w_inputs.resolve_window(
        "latest", "beta centre", "65+", centres=c, available_periods=QUARTERS
    )
    assert [str(q) for q in p.quarters] == ["2009Q1", "2009Q2", "2009Q3", "2009Q4"]
    assert (p.centre_id, p.centre_name, p.population_group) == ("WC2", "Beta Centre", "65+")
    assert p.population_year == 2009
    with pytest.raises(ParameterError, match="use one of: all, men, women"):
        w_inputs.resolve_window("latest", "all", "teens", centres=c, available_periods=QUARTERS)
    with pytest.raises(PeriodError):
        w_inputs.resolve_window("2012Q1", "all", "all", centres=c, available_periods=QUARTERS)
    with pytest.raises(ParameterError, match="choose 2008Q4 or later"):
        w_inputs.resolve_window("2008Q3", "all", "all", centres=c, available_periods=QUARTERS)


def test_centres_not_yet_open_are_left_out(toy):
    c = toy["centres"].assign(opened=["2008-04-18", "2000-01-01", "2000-01-01"])
    p = w_inputs.resolve_window("2008Q4", "all", "all", centres=c, available_periods=QUARTERS)
    assert list(w_inputs.open_centres(c, p)["centre_id"]) == ["WC1", "WC2", "WC3"]
    avail = ["2007Q1", "2007Q2", "2007Q3", "2007Q4", *QUARTERS]
    p = w_inputs.resolve_window(
        "2007Q4", "all", "all", centres=c, available_periods=avail
    )  # to March 2008
    assert list(w_inputs.open_centres(c, p)["centre_id"]) == ["WC2", "WC3"]
    with pytest.raises(ParameterError, match="opened on 2008-04-18, after the window"):
        w_inputs.resolve_window("2007Q4", "Alpha Centre", "all", centres=c, available_periods=avail)


def test_select_referrals_window_centre_group(toy):
    c = toy["centres"]
    p = w_inputs.resolve_window("2009Q2", "WC1", "women", centres=c, available_periods=QUARTERS)
    sel = rates.select_referrals(toy["referrals"], p)
    assert set(sel["period"]) == {"2008Q3", "2008Q4", "2009Q1", "2009Q2"}
    assert set(sel["centre_id"]) == {"WC1"} and set(sel["sex"]) == {"F"}
    r = toy["referrals"]
    expected = r[
        r["period"].isin(sel["period"].unique()) & (r["centre_id"] == "WC1") & (r["sex"] == "F")
    ]
    assert len(sel) == len(expected)


def test_adult_population_counts_four_fifths_of_15_19(toy):
    pop = toy["population"]
    a = rates.adult_population(pop, 2009)
    # per ward: 2 sexes x 200 x (0.8 for 15-19 + 15 bands from 20-24 to 90+)
    assert np.allclose(a["population"], 2 * 200 * (0.8 + 15))
    young = rates.adult_population(pop, 2009, "16-34", by=["ward_code", "age_band"])
    assert set(young["age_band"]) == {"16-24", "25-34"}
    assert np.allclose(young.loc[young["age_band"] == "16-24", "population"], 2 * 200 * 1.8)
    men = rates.adult_population(pop, 2012, "men")  # nearest year (2009) used
    assert np.allclose(men["population"], 200 * 15.8)


# ------------------------------------------------------------------------------------------------
# Tables add up; intervals are the stats package's
# ------------------------------------------------------------------------------------------------


def test_centre_and_ward_counts_add_up_to_the_city(toy_result):
    res = toy_result
    city = res.city_stages.iloc[0]
    for table in (res.by_centre, res.wards, res.by_age, res.by_sex, res.by_quintile):
        for col in ("referrals", "took_up", "completed"):
            assert int(table[col].sum()) == int(city[col]), (col, table.columns[0])
    assert int(res.by_centre["bmi_change_n"].sum()) == int(city["bmi_change_n"])
    assert int(res.city["referrals"].iloc[0]) == len(res.referrals)
    assert int(res.city["population"].iloc[0]) == int(round(res.adults["population"].sum()))


def test_stage_table_values():
    refs = pd.DataFrame(
        {
            "centre_id": ["A"] * 10 + ["B"] * 4,
            "took_up": [1] * 8 + [0] * 2 + [1, 1, 0, 0],
            "completed_12wk": [1] * 4 + [0] * 6 + [1, 0, 0, 0],
            "bmi_change": [-1.0, -2.0, -3.0, -2.0] + [np.nan] * 6 + [-1.0, np.nan, np.nan, np.nan],
        }
    )
    t = rates.stage_table(refs, "centre_id")
    a = t.set_index("centre_id").loc["A"]
    assert (a["referrals"], a["took_up"], a["completed"]) == (10, 8, 4)
    assert a["takeup_pct"] == pytest.approx(80.0)
    assert a["completion_pct"] == pytest.approx(40.0)  # of referrals
    # Wilson 95% for 8/10
    assert a["takeup_pct_lowercl"] == pytest.approx(49.016, abs=1e-3)
    assert a["takeup_pct_uppercl"] == pytest.approx(94.331, abs=1e-3)
    assert a["bmi_change_mean"] == pytest.approx(-2.0)
    sd = np.std([-1, -2, -3, -2], ddof=1)
    from scipy import stats as st

    assert a["bmi_change_uppercl"] == pytest.approx(-2.0 + st.t.ppf(0.975, 3) * sd / 2)
    b = t.set_index("centre_id").loc["B"]
    assert b["bmi_change_n"] == 1 and np.isnan(b["bmi_change_lowercl"])
    city = rates.stage_table(refs)
    assert city[["referrals", "took_up", "completed"]].iloc[0].tolist() == [14, 10, 5]


def test_ward_rates_per_1000(toy_result):
    t = toy_result.wards
    row = t.iloc[0]
    assert row["referral_rate"] == pytest.approx(row["referrals"] / row["population"] * 1000)
    assert row["referral_rate_lowercl"] < row["referral_rate"] < row["referral_rate_uppercl"]
    assert len(t) == 25 and t["ward_name"].notna().all()


# ------------------------------------------------------------------------------------------------
# Planted effects recovered on the toy data
# ------------------------------------------------------------------------------------------------


def test_toy_distance_decay_recovered(toy_result):
    fit = toy_result.decay
    assert fit.coef_per_km == pytest.approx(-0.5, abs=0.2)
    assert fit.uppercl < 0 and fit.p_value < 0.001
    assert toy_result.decay_adjusted.coef_per_km == pytest.approx(-0.5, abs=0.2)
    c = fit.curve
    assert (np.diff(c["fitted_pct"]) < 0).all()


def test_toy_deprivation_gradient_recovered(toy_result):
    q = toy_result.by_quintile.set_index("imd_quintile")
    assert q.loc[1, "referral_rate"] > 1.5 * q.loc[5, "referral_rate"]
    assert q.loc[1, "completion_pct"] < q.loc[5, "completion_pct"]
    ineq = toy_result.inequalities.set_index("measure")
    ref = ineq.loc["Referrals per 1,000 adults"]
    assert ref["sii"] > 0 and ref["sii_lowercl"] > 0
    comp = ineq.loc["12-week completion (% of referrals)"]
    assert comp["sii"] < 0 and comp["sii_uppercl"] < 0


def test_inequality_table_is_the_closed_form_slope_index():
    v = np.array([30.0, 25.0, 22.0, 18.0, 15.0])  # quintiles 1..5
    wts = np.array([100.0, 200.0, 150.0, 250.0, 300.0])
    q = pd.DataFrame({"imd_quintile": [1, 2, 3, 4, 5], "population": wts, "referrals": wts})
    for col in ("referral_rate", "uptake_rate", "takeup_pct", "completion_pct"):
        q[col], q[f"{col}_lowercl"], q[f"{col}_uppercl"] = v, v - 1, v + 1
    res = inequality.inequality_table(q).set_index("measure").loc["Take-up (% of referrals)"]
    # hand: order least deprived first, rank midpoints, weighted least squares
    order = [4, 3, 2, 1, 0]
    share = wts[order] / wts.sum()
    x = np.cumsum(share) - share / 2
    slope = np.polyfit(x, v[order], 1, w=np.sqrt(share))[0]
    assert res["sii"] == pytest.approx(slope)
    assert res["rii"] == pytest.approx(slope / np.average(v, weights=wts))
    # closed-form interval: se of each quintile is 1 / z; the slope's coefficients c give se(SII)
    z = 1.959963984540054
    c = share * (x - np.sum(share * x)) / np.sum(share * (x - np.sum(share * x)) ** 2)
    half = z * np.sqrt(np.sum(c**2 * (1 / z) ** 2))
    assert res["sii_lowercl"] == pytest.approx(slope - half)
    assert res["sii_uppercl"] == pytest.approx(slope + half)
    assert round(res["sii"], 4) == 17.1429
    assert round(res["sii_lowercl"], 4) == 15.4701
    with pytest.raises(ParameterError, match="same length"):
        stats.slope_index(v, v, v, wts[:3], [1, 2, 3, 4, 5])


# ------------------------------------------------------------------------------------------------
# Access and coverage
# ------------------------------------------------------------------------------------------------


def test_two_step_fca_by_hand(toy):
    import geopandas as gpd
    from shapely.geometry import Point

    pts = gpd.GeoDataFrame(
        {"ward_code": ["A", "B", "C"]},
        geometry=[Point(0, 0), Point(1000, 0), Point(9000, 0)],
        crs=CRS_BNG,
    )
    cen = gpd.GeoDataFrame(
        {"centre_id": ["X", "Y"]}, geometry=[Point(0, 500), Point(8000, 0)], crs=CRS_BNG
    )
    adults = pd.DataFrame({"ward_code": ["A", "B", "C"], "population": [1000, 3000, 2000]})
    res = access.two_step_fca(pts, adults, cen, capacity=[2, 1], catchment_m=2000).set_index(
        "ward_code"
    )
    # X reaches A and B (4,000 adults): ratio 2/4000; Y reaches C (2,000): 1/2000
    assert res.loc["A", "access_2sfca"] == pytest.approx(2 / 4000 * 1e5)
    assert res.loc["B", "access_2sfca"] == pytest.approx(2 / 4000 * 1e5)
    assert res.loc["C", "access_2sfca"] == pytest.approx(1 / 2000 * 1e5)
    with pytest.raises(ParameterError, match="catchment_m"):
        access.two_step_fca(pts, adults, cen, catchment_m=0)
    # a frame without a CRS is refused, naming it, never taken as British National Grid
    with pytest.raises(DataValidationError, match="centres, column 'geometry': has no CRS"):
        access.two_step_fca(pts, adults, cen.set_crs(None, allow_override=True))


def test_seventh_centre_covers_the_unserved_corner(toy):
    adults = rates.adult_population(toy["population"], 2009)
    res = coverage.seventh_centre(toy["wards"], toy["centres"], adults, service_radius_m=2000)
    assert res.covered_after > res.covered_before
    assert res.total == pytest.approx(adults["population"].sum())
    # centres lie on the diagonal; the best new site is off it, in an uncovered corner region
    d = geo.distance_matrix(
        geo.points_from_xy([res.site.x], [res.site.y]), toy["centres"]
    ).to_numpy()
    assert d.min() > 2000
    # no other single candidate covers more
    demand = res.demand
    cost = geo.distance_matrix(demand, res.candidates).to_numpy()
    before = demand["covered_before"].to_numpy()
    gains = ((cost <= 2000) & ~before[:, None]).T @ demand["population"].to_numpy()
    assert res.gain == pytest.approx(gains.max())


def test_need_and_uptake_flags(toy_result):
    n = toy_result.need
    assert n["high_need"].sum() == 10
    city = toy_result.city["uptake_rate"].iloc[0]
    flagged = n[n["high_need_low_uptake"]]
    assert (flagged["uptake_rate"] < city).all() and flagged["high_need"].all()
    assert set(n["uptake_vs_city"]) <= {"higher", "similar", "lower"}


# ------------------------------------------------------------------------------------------------
# Centres add up; publishing
# ------------------------------------------------------------------------------------------------


def test_each_centre_run_adds_up_to_the_all_centres_run(toy, toy_result):
    totals = np.zeros(3, dtype=int)
    for cid in toy["centres"]["centre_id"]:
        one = run("2009Q4", cid, inputs=toy, coverage=False)
        assert len(one.by_centre) == 1 and one.by_centre["centre_id"].iloc[0] == cid
        totals += one.city_stages[["referrals", "took_up", "completed"]].iloc[0].to_numpy(dtype=int)
    assert (
        totals.tolist()
        == toy_result.city_stages[["referrals", "took_up", "completed"]].iloc[0].tolist()
    )


def test_population_group_restricts_records_and_denominators(toy, toy_result):
    men = run("2009Q4", group="men", inputs=toy, coverage=False)
    assert set(men.referrals["sex"]) == {"M"}
    assert men.adults["population"].sum() == pytest.approx(
        toy_result.adults["population"].sum() / 2
    )
    assert list(men.by_sex["sex"]) == ["M"]


def test_every_table_publishes_with_disclosure_control(toy):
    from lsp_research.tables import show_table

    small = dict(toy)
    r = toy["referrals"]
    keep = (r["centre_id"] != "WC3") | (r.index.isin(r.index[r["centre_id"] == "WC3"][:4]))
    small["referrals"] = r[keep & r["period"].isin(QUARTERS)].reset_index(drop=True)
    small["referrals"].loc[small["referrals"]["centre_id"] == "WC3", "period"] = "2009Q4"
    res = run("2009Q4", inputs=small, coverage=True)
    for name in tables.TABLES:
        kw = getattr(tables, name)(res)
        html = show_table(display=False, **kw)
        assert kw["caption"] in html.replace("&#x27;", "'")
    kw = tables.by_centre(res)
    assert "Referrals" in kw["counts"] and "Completed 12 weeks" in kw["counts"]
    html = show_table(display=False, **kw)
    assert "suppressed to protect confidentiality" in html
    with pytest.raises(ParameterError, match="not a wellness figure"):
        text.caption(res, "nonsense")


def test_key_findings_quote_the_computed_numbers(toy_result):
    words = text.findings(toy_result)
    city = toy_result.city.iloc[0]
    assert f"{city['referral_rate']:.1f} per 1,000 adults" in words
    assert f"{toy_result.decay.odds_ratio_per_km:.3f}" in words
    assert f"{toy_result.coverage.pct_after:.1f}%" in words
    notes = text.methods_notes(toy_result)
    assert "2SFCA" in notes and f"{toy_result.window.population_year} mid-year" in notes


def test_charts_have_alt_text(toy_result):
    import matplotlib.pyplot as plt

    res = toy_result
    figures = [
        charts.choropleth(res, "uptake_rate", "Uptake", "per 1,000"),
        charts.decay_chart(res),
        charts.quintile_chart(res, "completion_pct", "Completion", "Completion (%)"),
        charts.coverage_map(res),
    ]
    for fig, alt in figures:
        assert len(alt) > 40 and fig.axes[0].get_title()
        plt.close(fig)
    top = res.wards.loc[res.wards["uptake_rate"].idxmax(), "ward_name"]
    assert top in figures[0][1]


# ------------------------------------------------------------------------------------------------
# The default data: planted effects recovered, centres add up, notebook smoke run
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_inputs(processed_data):
    return wellness.load_inputs(wellness.validate_params())


@pytest.fixture(scope="module")
def default_result(default_inputs):
    return wellness.analyse(wellness.validate_params(coverage=False), default_inputs)


def test_default_data_distance_decay_recovered(default_result):
    """Take-up falls with distance to the centre referred to: the generator's planted log-odds per km
    is recovered within 0.15 (about five standard errors), and the decay is significant."""
    from lsp_research.data.synth.wellness import TAKE_UP_PER_KM

    for fit in (default_result.decay, default_result.decay_adjusted):
        assert fit.coef_per_km < 0
        assert fit.uppercl < 0 and fit.p_value < 0.001
        assert fit.coef_per_km == pytest.approx(TAKE_UP_PER_KM, abs=0.15)


def test_default_data_deprivation_effects_recovered(default_result):
    q = default_result.by_quintile.set_index("imd_quintile")
    # referral rates 1.5-2x higher in the most deprived wards (DOMAIN.md); allow sampling noise
    assert q.loc[1, "referral_rate"] > 1.25 * q.loc[5, "referral_rate"]
    assert q.loc[1, "referral_rate_lowercl"] > q.loc[5, "referral_rate_uppercl"]
    # 12-week completion lower in deprived wards
    assert q.loc[1, "completion_pct"] < q.loc[5, "completion_pct"]
    ineq = default_result.inequalities.set_index("measure")
    assert ineq.loc["Referrals per 1,000 adults", "sii_lowercl"] > 0
    assert ineq.loc["12-week completion (% of referrals)", "sii_uppercl"] < 0


def test_default_data_centres_add_up_to_the_city(default_inputs, default_result):
    city = default_result.city_stages.iloc[0]
    by_centre = default_result.by_centre
    assert len(by_centre) == len(default_inputs.centres) == 6
    for col in ("referrals", "took_up", "completed", "bmi_change_n"):
        assert int(by_centre[col].sum()) == int(city[col])
    params = wellness.validate_params("latest", by_centre["centre_id"].iloc[0], coverage=False)
    one = wellness.analyse(params, default_inputs)
    assert int(one.city_stages["referrals"].iloc[0]) == int(by_centre["referrals"].iloc[0])


def test_default_data_unknown_centre_lists_the_six_centres(default_inputs):
    with pytest.raises(ParameterError) as err:
        wellness.analyse(
            wellness.validate_params("latest", "Crowtree Leisure Centre", coverage=False),
            default_inputs,
        )
    for name in default_inputs.centres["centre_name"]:
        assert name in str(err.value)


@pytest.mark.slow
def test_notebook_runs_on_the_default_data(processed_data, tmp_path):
    import nbformat
    import papermill

    from lsp_research.config import get_paths

    src = get_paths().notebooks / "wellness_uptake.ipynb"
    out = tmp_path / "wellness_uptake.out.ipynb"
    papermill.execute_notebook(
        str(src), str(out), parameters={"period": "latest", "centre": "all", "population_group": "all"},
        kernel_name="lsp-research", progress_bar=False, log_output=False, cwd=str(tmp_path),
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert html.count("<img ") >= 8 and html.count("<table") >= 8
    assert 'alt=""' not in html


def test_the_distance_decay_scatter_shows_no_small_cell():
    """105 ward-by-centre cells, most with 1-5 referrals and many at 0% or 100%: every plotted band
    pools enough referrals that neither taken-up nor not-taken-up is a count of 1-5."""
    from lsp_research.topics.wellness.text import DECAY_CAPTION

    rng = np.random.default_rng(7)
    n = rng.integers(1, 6, 105)
    n[:20] = rng.integers(6, 40, 20)
    k = rng.binomial(n, 0.6)
    t = pd.DataFrame({"distance_km": rng.uniform(0, 12, 105), "referrals": n, "took_up": k})
    assert ((t["referrals"] <= 5) & (t["referrals"] >= 1)).sum() > 50
    bands = access.decay_bands(t)
    assert len(bands) >= 3
    assert bands["referrals"].sum() == t["referrals"].sum()  # every cell is in one band
    assert (bands["referrals"] >= 20).all()
    for col in (bands["took_up"], bands["referrals"] - bands["took_up"]):
        assert not col.between(1, 5).any()
    assert bands["distance_km"].is_monotonic_increasing
    assert "one point per ward" not in DECAY_CAPTION and "pools" in DECAY_CAPTION
