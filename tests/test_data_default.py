"""The committed default data builds end to end into the contract's tables (session fixture)."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
import pytest

from lsp_research import data
from lsp_research.config import ESP2013_BANDS

CONTRACT = {
    "wards": ["ward_code", "ward_name", "lad_code", "area_committee", "imd2007_score", "imd_quintile", "area_km2", "geometry"],
    "centres": ["centre_id", "centre_name", "ward_code", "geometry"],
    "population": ["year", "ward_code", "sex", "age_band", "population"],
    "deaths": ["year", "ward_code", "sex", "age_band_le", "deaths", "population"],
    "admissions": ["episode_id", "patient_id", "admission_date", "age", "sex", "ward_code"]
    + [f"diag_{i:02d}" for i in range(1, 7)]
    + ["period", "financial_year", "age_band"],
    "incidents": ["incident_id", "date", "hour", "offence_group", "alcohol_flag", "easting", "northing",
                  "ward_code", "period", "financial_year"],
    "referrals": ["referral_id", "referral_date", "practice_code", "age_band", "sex", "ward_code", "reason",
                  "centre_id", "took_up", "first_attendance_date", "sessions_attended", "completed_12wk",
                  "bmi_change", "period", "financial_year"],
    "indicator_returns": ["indicator_code", "period", "area_code", "value", "numerator", "denominator",
                          "submitted_on", "submitted_by", "days_late"],
    "indicator_targets": ["indicator_code", "financial_year", "area_code", "target"],
    "indicator_comparators": ["indicator_code", "period", "financial_year", "comparator", "value"],
}  # fmt: skip
DATES = {
    "admissions": ["admission_date"],
    "incidents": ["date"],
    "referrals": ["referral_date", "first_attendance_date"],
    "indicator_returns": ["submitted_on"],
}


@pytest.mark.parametrize("name", list(CONTRACT))
def test_every_table_has_the_contract_columns_and_types(processed_data, name):
    df = data.load(name)
    assert len(df) > 0
    assert [c for c in CONTRACT[name] if c not in df.columns] == []
    for col in DATES.get(name, []):
        assert df[col].dtype == "datetime64[ns]", col
    for col in ("year", "financial_year", "population", "deaths", "age", "hour", "imd_quintile"):
        if col in df.columns and name not in ("indicator_targets", "indicator_comparators"):
            assert df[col].dtype == "int64", (name, col)
    if name in ("wards", "centres"):
        assert isinstance(df, gpd.GeoDataFrame) and df.crs.to_epsg() == 27700


def test_default_wards_and_codes(processed_data):
    wards = data.load("wards")
    assert len(wards) == 25
    assert wards["ward_code"].tolist() == [f"E050011{n}" for n in range(53, 78)]
    assert wards["imd_quintile"].value_counts().sort_index().tolist() == [5] * 5
    # the most deprived quintile holds the wards with the five highest IMD 2007 scores
    top5 = set(wards.nlargest(5, "imd2007_score")["ward_code"])
    assert top5 == set(wards.loc[wards["imd_quintile"] == 1, "ward_code"])
    assert wards["area_km2"].sum() == pytest.approx(137, rel=0.05)  # Sunderland is about 137 km2
    assert set(wards["area_committee"]) == {"Coalfield", "Washington", "North", "East", "West"}


def test_default_record_tables_cover_the_period_and_wards(processed_data):
    codes = set(data.load("wards")["ward_code"])
    for name in ("admissions", "incidents", "referrals"):
        df = data.load(name, columns=["ward_code", "period", "financial_year"])
        assert df["ward_code"].notna().all() and set(df["ward_code"]) <= codes, name
        assert (df["period"].min(), df["period"].max()) == ("2004Q1", "2009Q4"), name
        assert sorted(df["financial_year"].unique()) == list(range(2004, 2010)), name
    pop = data.load("population")
    assert set(pop["age_band"]) == set(ESP2013_BANDS)
    assert pop.groupby(["year", "ward_code", "sex"]).size().eq(19).all()


def test_default_returns_have_days_late(processed_data):
    ret = data.load("indicator_returns")
    assert ret["days_late"].notna().all()
    due = pd.to_datetime(ret["submitted_on"]) - pd.to_timedelta(
        ret["days_late"].astype("int64"), unit="D"
    )
    # every due date is 42 days after a quarter end (the last day of March, June, September or December)
    quarter_end = due - pd.Timedelta(days=42)
    assert set(quarter_end.dt.month) <= {3, 6, 9, 12}
    assert (quarter_end + pd.Timedelta(days=1)).dt.day.eq(1).all()


def test_default_manifest_says_synthetic_and_hashes_inputs(processed_data):
    assert data.is_synthetic() is True
    m = data.manifest()
    assert m["notice"]
    raw = data.build.__globals__["get_paths"]().raw
    for table in m["tables"].values():
        for i in table["inputs"]:
            assert i["sha256"] == hashlib.sha256((raw / i["path"]).read_bytes()).hexdigest()
    assert sum(t["rows"] for t in m["tables"].values()) == sum(
        len(data.load(n)) for n in m["tables"]
    )


def test_status_of_the_default_catalogue(processed_data):
    st = data.status(as_of="2009Q4")
    shipped = [
        "geography", "deprivation", "population", "mortality", "hospital", "police", "wellness", "indicators",
        "board",
    ]  # fmt: skip
    # in catalogue order; a source added since (docs/adding_a_data_source.md) comes after them
    assert list(st["source"])[: len(shipped)] == shipped
    assert st["refresh_days"].notna().all() and st["age_days"].ge(0).all()
    assert st["owner"].str.len().gt(0).all()
    # measured today, every source of 2010 is long out of date
    assert data.status()["stale"].all()


def test_forced_build_of_the_default_data_leaves_raw_unchanged(default_raw, tmp_path):
    def digest():
        return {
            p.relative_to(default_raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(default_raw.rglob("*"))
            if p.is_file()
        }

    before = digest()
    report = data.build(raw_dir=default_raw, processed_dir=tmp_path / "p", force=True)
    assert set(report.status.values()) == {"built"}
    assert digest() == before
