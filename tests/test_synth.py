"""The synthetic default data set: determinism, the committed files, and the properties it promises.

Record-level checks read the committed ``data/raw`` files (scale 1); determinism and scale are checked on
a small generation (scale 0.05), whose scale-independent files must equal the committed ones.
"""

from __future__ import annotations

import datetime
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from lsp_research import config
from lsp_research.data import synth
from lsp_research.data.synth import _common, geography, hospital, indicators, mortality, police
from lsp_research.data.synth import population as population_mod
from lsp_research.data.synth import wellness as wellness_mod
from lsp_research.data.synth.__main__ import main as synth_main
from lsp_research.periods import Quarter

RAW = config.PROJ_ROOT / "data" / "raw"
ANSWERS = config.PROJ_ROOT / "data" / "synthetic" / "answers.json"
SMALL = 0.05
#: Files whose content does not depend on ``scale``.
SCALE_FREE = (
    "geography/wards.geojson",
    "geography/area_committees.csv",
    "geography/wellness_centres.csv",
    "deprivation/imd_ward.csv",
    "population/mid_year_estimates.csv",
    "mortality/deaths.csv",
    "indicators/targets.csv",
    "indicators/comparators.csv",
    "answers.json",
)


def _clear_caches() -> None:
    for f in (
        _common.domain_wards,
        _common.domain_centres,
        geography.ward_polygons,
        population_mod.population,
        mortality.deprivation_beta,
        hospital._scales,
        wellness_mod.practices,
    ):
        f.cache_clear()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "a"
    paths = synth.generate(out, scale=SMALL)
    return out, paths


@pytest.fixture(scope="module")
def adm():
    return pd.read_csv(RAW / "hospital" / "admissions.csv.gz", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def returns():
    return pd.read_csv(RAW / "indicators" / "returns.csv")


@pytest.fixture(scope="module")
def answers():
    return json.loads(ANSWERS.read_text())


@pytest.fixture(scope="module")
def wards():
    return _common.domain_wards()


# ---- determinism and the committed files ---------------------------------------------------------


def test_two_generations_are_byte_identical(small, tmp_path):
    out_a, paths_a = small
    _clear_caches()  # recompute everything, not just reuse cached tables
    out_b = tmp_path / "b"
    paths_b = synth.generate(out_b, scale=SMALL)
    rel_a = sorted(p.relative_to(out_a).as_posix() for p in paths_a)
    rel_b = sorted(p.relative_to(out_b).as_posix() for p in paths_b)
    assert rel_a == rel_b and len(rel_a) == 17
    for rel in rel_a:
        assert (out_a / rel).read_bytes() == (out_b / rel).read_bytes(), rel


def test_gzip_files_are_reproducible(small):
    out, _ = small
    for rel in (
        "hospital/admissions.csv.gz",
        "police/incidents.csv.gz",
        "wellness/referrals.csv.gz",
    ):
        head = (out / rel).read_bytes()[:10]
        assert head[:2] == b"\x1f\x8b" and head[4:8] == b"\x00\x00\x00\x00", rel  # mtime 0


def test_committed_scale_free_files_equal_generator_output(small):
    out, _ = small
    for rel in SCALE_FREE:
        committed = ANSWERS if rel == "answers.json" else RAW / rel
        assert (out / rel).read_bytes() == committed.read_bytes(), rel


def test_committed_returns_equal_generator_output_except_ni39(small, returns):
    out, _ = small
    fresh = pd.read_csv(out / "indicators" / "returns.csv")
    a = fresh[fresh.indicator_code != "NI39"].reset_index(drop=True)
    b = returns[returns.indicator_code != "NI39"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_scale_multiplies_records(small, adm):
    out, _ = small
    n_small = len(pd.read_csv(out / "hospital" / "admissions.csv.gz", usecols=["episode_id"]))
    assert n_small == pytest.approx(SMALL * len(adm), rel=0.1)
    inc_small = pd.read_csv(out / "police" / "incidents.csv.gz", usecols=["incident_id"])
    inc = pd.read_csv(RAW / "police" / "incidents.csv.gz", usecols=["incident_id"])
    assert len(inc_small) == pytest.approx(SMALL * len(inc), rel=0.15)


def test_record_files_are_small():
    sizes = [p.stat().st_size for p in RAW.rglob("*") if p.is_file()]
    assert sum(sizes) < 5e6 and max(sizes) < 2_000_000  # the large-file hook allows 2 MB


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        synth.generate(tmp_path, scale=-1)
    with pytest.raises(ValueError, match="seed"):
        synth.generate(tmp_path, seed=-3)
    assert synth_main([]) == 2  # neither OUT_DIR nor --default
    assert synth_main([str(tmp_path), "--scale", "0"]) == 2
    assert not any(tmp_path.iterdir())


def test_catalogue_labels_every_source_synthetic(small):
    import yaml

    out, _ = small
    for path in (out / "catalogue.yml", config.PROJ_ROOT / "data" / "catalogue.yml"):
        cat = yaml.safe_load(path.read_text())
        assert cat["synthetic"] is True
        # the project's own catalogue may list sources added since (docs/adding_a_data_source.md)
        written = set(cat["sources"]) if path.parent == out else set(synth.SOURCES_WRITTEN)
        assert set(cat["sources"]) >= written == set(synth.SOURCES_WRITTEN)
        for name, src in ((n, cat["sources"][n]) for n in synth.SOURCES_WRITTEN):
            for key in ("owner", "description", "refresh_cycle", "last_updated", "sensitivity"):
                assert src[key], (name, key)
            assert src["synthetic"] is (name != "deprivation")
            for f in src["files"]:
                assert (path.parent / "raw" / f["path"]).exists() or (out / f["path"]).exists()
    assert "SYNTHETIC" in (RAW / "README.md").read_text()


# ---- geography ---------------------------------------------------------------------------------


def test_wards_geojson_is_ons_shaped_bng(wards):
    doc = json.loads((RAW / "geography" / "wards.geojson").read_text())
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::27700"
    g = gpd.read_file(RAW / "geography" / "wards.geojson")
    assert g.crs.to_epsg() == 27700
    assert list(g.columns[:4]) == ["WD09CD", "WD09NM", "LAD09CD", "LAD09NM"]
    assert g["WD09CD"].tolist() == wards["ward_code"].tolist()
    area = g.area.to_numpy() / 1e6
    np.testing.assert_allclose(area, wards["area_km2"], rtol=0.01)
    # a partition: no overlaps, no gaps inside the outline
    assert g.union_all().area == pytest.approx(g.area.sum(), rel=1e-6)
    # inside Sunderland's extent
    minx, miny, maxx, maxy = g.total_bounds
    assert 426_000 < minx and maxx < 443_000 and 544_000 < miny and maxy < 563_000


def test_adjacency_is_sensible():
    adj = geography.adjacency()
    assert all(len(v) >= 2 for v in adj.values())
    assert all(a in adj[b] for a, bs in adj.items() for b in bs)  # symmetric
    # Washington wards neighbour each other; Hendon borders Millfield's neighbour St Michael's
    assert "E05001173" in adj["E05001174"]  # Washington Central - Washington East
    assert "E05001167" in adj["E05001158"]  # St Michael's - Hendon


def test_centres_lie_in_their_wards():
    c = pd.read_csv(RAW / "geography" / "wellness_centres.csv")
    assert c["centre_id"].tolist() == [f"WC{k}" for k in range(1, 7)]
    idx = geography.ward_of_points(c[["easting", "northing"]].to_numpy())
    codes = _common.domain_wards()["ward_code"].to_numpy()
    assert codes[idx].tolist() == c["ward_code"].tolist()
    assert c.loc[c.centre_name.str.contains("Aquatic"), "opened"].item() == "2008-04-18"


# ---- population and deaths -------------------------------------------------------------------------


def test_population_totals_and_structure(wards):
    pop = pd.read_csv(RAW / "population" / "mid_year_estimates.csv")
    assert sorted(pop.year.unique()) == list(range(2004, 2011))
    y = pop[pop.year == 2008]
    assert y.population.sum() == pytest.approx(280_000, rel=0.01)
    assert (y[y.sex == "M"].population.sum() / y.population.sum()) == pytest.approx(
        0.487, abs=0.003
    )
    ward_tot = y.groupby("ward_code").population.sum()
    np.testing.assert_allclose(
        ward_tot.to_numpy(), wards.set_index("ward_code").pop_2008_est, rtol=0.03
    )
    old = (
        y[y.age_band.isin(config.ESP2013_BANDS[13:])].groupby("ward_code").population.sum()
        / ward_tot
    )
    name = wards.set_index("ward_code").ward_name
    by_name = old.rename(index=name)
    assert (
        min(by_name["Fulwell"], by_name["St Chad's"])
        > max(by_name["Millfield"], by_name["Hendon"]) + 0.05
    )
    assert pop.groupby("year").population.sum()[2010] < pop.groupby("year").population.sum()[2008]


def test_life_expectancy_gap_between_extreme_wards(wards):
    d = pd.read_csv(RAW / "mortality" / "deaths.csv")
    order = {b: k for k, b in enumerate(_common.LE_BANDS)}
    men = d[d.sex == "M"].assign(k=lambda x: x.age_band_le.map(order))
    pooled = men.groupby(["ward_code", "k"])[["deaths", "population"]].sum()
    code = wards.set_index("ward_name").ward_code
    le = {
        w: mortality.life_expectancy(
            (pooled.loc[code[w]].deaths / pooled.loc[code[w]].population).to_numpy()
        )
        for w in ("Hendon", "Fulwell")
    }
    assert 7.0 < le["Fulwell"] - le["Hendon"] < 12.5
    assert 2_500 < d.groupby("year").deaths.sum().mean() < 3_200


# ---- hospital admissions -----------------------------------------------------------------------------


def _episode_aaf(adm: pd.DataFrame) -> np.ndarray:
    age = adm["age"].astype(int).to_numpy()
    sex = adm["sex"].to_numpy()
    best = np.zeros(len(adm))
    for p in range(1, 7):
        codes = adm[f"diag_{p:02d}"].to_numpy()
        has = codes != ""
        if has.any():
            best[has] = np.maximum(best[has], hospital._aaf_vector(codes[has], age[has], sex[has]))
    return best


def test_admissions_shape_and_classification(adm):
    assert adm["episode_id"].is_unique
    assert (
        adm["admission_date"].min() >= "2004-04-01" and adm["admission_date"].max() <= "2010-03-31"
    )
    assert adm["patient_id"].nunique() < len(adm)  # some patients are readmitted
    codes = pd.concat([adm[f"diag_{p:02d}"] for p in range(1, 7)])
    codes = codes[codes != ""]
    assert codes.str.fullmatch(r"[A-Z][0-9]{2}[0-9]?").all()
    w = _episode_aaf(adm)
    assert 0.05 < (w == 0).mean() < 0.15  # non-alcohol episodes, including near misses
    assert {"K71", "F112", "X42"} <= set(codes)
    specific = w == 1
    assert 0.25 < w[specific].sum() / w.sum() < 0.35
    # alcohol-specific codes also appear as secondary diagnoses
    sec = adm["diag_02"].str.startswith(("F10", "K70")) & ~adm["diag_01"].str.startswith(
        ("F10", "K70")
    )
    assert sec.sum() > 500


def test_admissions_age_profiles_trend_and_season(adm):
    age = adm["age"].astype(int)
    primary = adm["diag_01"]
    chronic = primary.str.startswith(("K70", "I10", "C15", "C22", "C32"))
    acute = primary.eq("F100") | adm["diag_02"].str.match(r"^(X45|Y0[0-9]|X8[5-9]|X9)")
    assert age[chronic].mean() > age[acute].mean() + 15
    w = _episode_aaf(adm)
    date = pd.to_datetime(adm["admission_date"])
    fy = date.dt.year - (date.dt.month < 4)
    by_fy = pd.Series(w).groupby(fy.to_numpy()).sum()
    growth = (by_fy[2009] / by_fy[2004]) ** (1 / 5)
    assert 1.05 < growth < 1.09
    by_month = pd.Series(w).groupby(date.dt.month.to_numpy()).sum()
    assert by_month[12] > 1.1 * by_month.drop(12).mean()


def test_alcohol_admissions_follow_deprivation(adm, wards):
    w = _episode_aaf(adm)
    pop = (
        pd.read_csv(RAW / "population" / "mid_year_estimates.csv")
        .groupby("ward_code")
        .population.sum()
    )
    spec = pd.Series(w == 1).groupby(adm["ward_code"].to_numpy()).sum() / pop
    imd = wards.set_index("ward_code").imd2007_score
    rho = spec.rank().corr(imd.rank())
    assert rho > 0.7
    q = pd.qcut(imd, 5, labels=False)
    assert spec[q == 4].mean() > 2 * spec[q == 0].mean()


def test_ni39_in_returns_is_computed_from_the_admissions(adm, returns):
    df = adm.assign(aaf=_episode_aaf(adm), age=adm["age"].astype(int))
    pops = population_mod.pop_array()
    ni39 = returns[returns.indicator_code == "NI39"].set_index("period")
    assert len(ni39) >= 16
    for period in ("2006Q4", "2008Q4", "2009Q4"):
        q = Quarter.parse(period)
        dsr, weighted, pop = hospital.ni39(
            df, pops, (q - 3).start.isoformat(), q.end.isoformat(), q.year - 2004
        )
        assert ni39.loc[period, "value"] == pytest.approx(dsr, abs=0.06)
        assert ni39.loc[period, "numerator"] == round(weighted)
    assert 1_900 < ni39.loc["2006Q4", "value"] < 2_150
    assert 2_200 < ni39.loc["2008Q4", "value"] < 2_420


# ---- police ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inc():
    return pd.read_csv(RAW / "police" / "incidents.csv.gz")


def test_incident_points_fall_inside_wards(inc):
    idx = geography.ward_of_points(inc[["easting", "northing"]].to_numpy())
    assert (idx >= 0).all()
    assert set(inc.offence_group) == set(police.OFFENCES)
    assert inc.hour.between(0, 23).all() and set(inc.alcohol_flag) == {0, 1}


def test_night_time_economy_cluster(inc):
    date = pd.to_datetime(inc["date"])
    night_start = date - pd.to_timedelta((inc.hour < 12).astype(int), unit="D")
    weekend_night = night_start.dt.day_of_week.isin([4, 5]) & ((inc.hour >= 21) | (inc.hour <= 2))
    near = np.hypot(inc.easting - police.NTE_CENTRE[0], inc.northing - police.NTE_CENTRE[1]) < 1000
    assert near[weekend_night].mean() > 3 * near[~weekend_night].mean()
    assert (
        inc.alcohol_flag[weekend_night & near].mean()
        > inc.alcohol_flag[~weekend_night].mean() + 0.2
    )


def test_incident_rates_higher_in_deprived_wards(inc, wards):
    idx = geography.ward_of_points(inc[["easting", "northing"]].to_numpy())
    damage = pd.Series(inc.offence_group.eq("criminal damage").to_numpy()).groupby(idx).sum()
    rate = damage.to_numpy() / wards.pop_2008_est.to_numpy()
    assert pd.Series(rate).rank().corr(wards.imd2007_score.rank()) > 0.7


# ---- wellness ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ref():
    return pd.read_csv(RAW / "wellness" / "referrals.csv.gz", keep_default_na=False)


def test_referral_volumes_and_outcomes(ref):
    date = pd.to_datetime(ref["referral_date"])
    fy = date.dt.year - (date.dt.month < 4)
    assert fy.value_counts().between(3_000, 4_500).all()
    assert ref.practice_code.nunique() == 59
    assert ref.took_up.mean() == pytest.approx(0.81, abs=0.02)
    assert 0.45 <= ref.completed_12wk.mean() <= 0.55
    assert (ref.completed_12wk <= ref.took_up).all()
    assert ((ref.took_up == 0) == (ref.first_attendance_date == "")).all()
    young_men = ref.sex.eq("M") & ref.age_band.isin(["16-24", "25-34"])
    assert ref.completed_12wk[young_men].mean() < ref.completed_12wk[~young_men].mean() - 0.05
    assert ref.took_up[ref.sex == "F"].mean() > ref.took_up[ref.sex == "M"].mean()
    assert ref.took_up[ref.age_band == "65-74"].mean() > ref.took_up[ref.age_band == "16-24"].mean()
    # the Aquatic Centre takes referrals only once open
    assert ref.referral_date[ref.centre_id == "WC1"].min() >= "2008-04-18"


def test_uptake_falls_with_distance_to_the_centre(ref):
    wxy = geography.ward_centroids()
    c = pd.read_csv(RAW / "geography" / "wellness_centres.csv").set_index("centre_id")
    ward_i = ref.ward_code.map({c: k for k, c in enumerate(_common.domain_wards().ward_code)})
    cxy = c.loc[ref.centre_id, ["easting", "northing"]].to_numpy()
    dist = np.hypot(*(wxy[ward_i.to_numpy()] - cxy).T) / 1000
    near, far = ref.took_up[dist < 1.5].mean(), ref.took_up[dist > 3.5].mean()
    assert near - far > 0.12
    slope = np.polyfit(dist, ref.took_up, 1)[0]
    assert slope < -0.03


def test_referral_rates_higher_in_deprived_wards(ref, wards):
    pop = pd.read_csv(RAW / "population" / "mid_year_estimates.csv")
    adults = pop[~pop.age_band.isin(config.ESP2013_BANDS[:3])].groupby("ward_code").population.sum()
    rate = ref.groupby("ward_code").size() / adults
    imd = wards.set_index("ward_code").imd2007_score
    ratio = rate[imd.idxmax()] / rate[imd.idxmin()]
    assert 1.4 < ratio < 2.5


# ---- indicator returns and the planted cases ---------------------------------------------------------


def test_returns_cover_the_period(returns):
    assert set(returns.indicator_code) == set(indicators.INDICATORS)
    assert (returns.groupby("indicator_code").size() >= 16).all()
    assert (returns.area_code == config.LAD_CODE).all()
    ratio = returns.dropna(subset=["denominator"])
    assert (ratio.numerator <= ratio.denominator).all()
    t = pd.read_csv(RAW / "indicators" / "targets.csv")
    assert set(t.indicator_code) == set(indicators.INDICATORS)
    comp = pd.read_csv(RAW / "indicators" / "comparators.csv")
    ni39 = comp[(comp.indicator_code == "NI39") & (comp.financial_year == "2008-09")]
    assert dict(zip(ni39.comparator, ni39.value, strict=True)) == {
        "England": 1562,
        "North East": 2254,
    }


def test_answers_cover_every_kind(answers):
    kinds = {a["kind"] for a in answers}
    assert kinds == {
        "missing_return", "late_return", "denominator_definition_change", "keying_error",
        "implausible_value", "sustained_deterioration", "consistent_target_failure", "steady_improvement",
    }  # fmt: skip
    for a in answers:
        assert a["indicator_code"] in indicators.INDICATORS and a["area_code"] == config.LAD_CODE
        assert a["expected_layer"] in {"owner", "executive", "board"} and a["note"]
        layer = "owner" if a["kind"] in indicators.ANOMALY_KINDS else None
        assert layer is None or a["expected_layer"] == layer
    # most cases concern the latest year, so that the latest quarter's run sees them
    assert sum(a["periods"][-1] >= "2009Q1" for a in answers) == len(answers)


def _series(returns, code):
    return returns[returns.indicator_code == code].set_index("period")


def _case(answers, kind):
    return next(a for a in answers if a["kind"] == kind)


def test_planted_anomalies_are_in_the_returns(returns, answers):
    a = _case(answers, "missing_return")
    s = _series(returns, a["indicator_code"])
    assert a["periods"][0] not in s.index and str(Quarter.parse(a["periods"][0]) - 1) in s.index

    a = _case(answers, "late_return")
    row = _series(returns, a["indicator_code"]).loc[a["periods"][0]]
    due = indicators.due_date(a["periods"][0])
    assert (datetime.date.fromisoformat(row.submitted_on) - due).days > 28

    a = _case(answers, "denominator_definition_change")
    s = _series(returns, a["indicator_code"])
    first = a["periods"][0]
    before = s.loc[str(Quarter.parse(first) - 1), "denominator"]
    assert all(s.loc[p, "denominator"] > 1.25 * before for p in a["periods"])

    a = _case(answers, "keying_error")
    s = _series(returns, a["indicator_code"])
    q = Quarter.parse(a["periods"][0])
    prev, spike, nxt = (s.loc[str(q + k), "value"] for k in (-1, 0, 1))
    assert spike < 0.3 * prev and nxt == pytest.approx(prev, rel=0.1)

    a = _case(answers, "implausible_value")
    assert _series(returns, a["indicator_code"]).loc[a["periods"][0], "value"] > 100


def test_planted_real_changes_are_in_the_returns(returns, answers):
    targets = pd.read_csv(RAW / "indicators" / "targets.csv").set_index(
        ["indicator_code", "financial_year"]
    )["target"]

    a = _case(answers, "sustained_deterioration")  # NI 39, lower is better: rising every quarter
    v = _series(returns, a["indicator_code"]).loc[a["periods"], "value"]
    assert len(v) >= 8 and (np.diff(v) > 0).all()

    a = _case(answers, "steady_improvement")  # NI 8, higher is better
    v = _series(returns, a["indicator_code"]).loc[a["periods"], "value"]
    assert len(v) >= 7 and (np.diff(v) > 0).all()
    assert all(
        v[p] >= targets[(a["indicator_code"], Quarter.parse(p).fy)] for p in a["periods"][-4:]
    )

    a = _case(answers, "consistent_target_failure")  # NI 123, higher is better
    s = _series(returns, a["indicator_code"])
    assert all(
        s.loc[p, "value"] < 0.95 * targets[(a["indicator_code"], Quarter.parse(p).fy)]
        for p in a["periods"]
    )
    assert not indicators._special_cause(s["value"].to_numpy())


def test_unplanted_returns_are_quiet(returns, answers):
    planted = {a["indicator_code"] for a in answers}
    targets = pd.read_csv(RAW / "indicators" / "targets.csv").set_index(
        ["indicator_code", "financial_year"]
    )["target"]
    for code, spec in indicators.INDICATORS.items():
        s = _series(returns, code)
        if code not in planted:
            assert not indicators._special_cause(s["value"].to_numpy()), code
            tgt = np.array([targets[(code, Quarter.parse(p).fy)] for p in s.index])
            assert indicators._on_track(s["value"].to_numpy(), tgt, spec.polarity), code
        late = [
            (datetime.date.fromisoformat(d) - indicators.due_date(p)).days
            for p, d in zip(s.index, s.submitted_on, strict=True)
        ]
        kinds = {a["kind"] for a in answers if a["indicator_code"] == code}
        if "late_return" not in kinds:
            assert max(late) <= 0, code
        if "denominator_definition_change" not in kinds and s["denominator"].notna().all():
            jumps = s["denominator"].pct_change().abs().dropna()
            assert jumps.max() < 0.2, code
