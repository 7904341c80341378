"""raw -> processed on the hand-made four-ward data set (tests/fixtures/tiny_raw.py): worked values."""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pandas as pd
import pytest

from lsp_research import data
from lsp_research.data.catalogue import load_catalogue
from lsp_research.data.sources import UNIT_TABLES
from lsp_research.errors import LspError


def _hashes(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def built(tiny_raw, tmp_path, monkeypatch):
    processed = tmp_path / "processed"
    report = data.build(raw_dir=tiny_raw, processed_dir=processed)
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    monkeypatch.setenv("LSP_RAW_DIR", str(tiny_raw))
    return processed, report


def test_build_writes_every_table_with_row_counts(built, tiny_raw):
    processed, report = built
    assert set(report.status.values()) == {"built"}
    # the tiny catalogue lists no 'board' source, so there is no decisions table
    assert "board" not in report.status and set(report.status) == set(UNIT_TABLES) - {
        unit for unit in UNIT_TABLES if unit not in load_catalogue(raw_dir=tiny_raw).sources
    }
    assert sorted(p.stem for p in processed.glob("*.parquet")) == sorted(
        t for unit in report.status for t in UNIT_TABLES[unit]
    )
    m = data.manifest()
    assert m["tables"]["admissions"]["rows"] == 4
    assert m["tables"]["incidents"]["rows"] == 5
    assert m["tables"]["population"]["rows"] == 2 * 4 * 2 * 2
    assert m["synthetic"] is False and data.is_synthetic() is False
    inputs = {i["path"]: i["sha256"] for i in m["tables"]["admissions"]["inputs"]}
    raw = data.build.__globals__["get_paths"]().raw
    assert (
        inputs["hospital/admissions.csv.gz"]
        == hashlib.sha256((raw / "hospital" / "admissions.csv.gz").read_bytes()).hexdigest()
    )
    assert not [p for p in processed.iterdir() if p.name.startswith(".")]  # no temp files left


def test_wards_are_geoparquet_in_bng_with_areas_and_quintiles(built):
    wards = data.load("wards")
    assert isinstance(wards, gpd.GeoDataFrame)
    assert wards.crs.to_epsg() == 27700
    assert wards["area_km2"].tolist() == pytest.approx([4.0] * 4)
    # IMD 2007: Castle 36.3 > Copt Hill 30.9 > Doxford 21.5 > Barnes 20.9 -> quintiles 1..4 of 4 wards
    q = dict(zip(wards["ward_name"], wards["imd_quintile"], strict=True))
    assert q == {"Castle": 1, "Copt Hill": 2, "Doxford": 3, "Barnes": 4}
    assert wards["area_committee"].tolist() == ["West", "North", "Coalfield", "East"]
    centres = data.load("centres")
    assert centres.crs.to_epsg() == 27700
    assert centres.geometry.x.tolist() == [436000.0, 438500.0]


def test_admissions_get_periods_financial_years_and_age_bands(built):
    adm = data.load("admissions")
    assert adm["admission_date"].dtype == "datetime64[ns]"
    assert adm["period"].tolist() == ["2009Q1", "2009Q3", "2009Q4", "2004Q1"]
    assert adm["financial_year"].tolist() == [2009, 2009, 2009, 2004]
    assert adm["age_band"].tolist() == ["45-49", "45-49", "90+", "0-4"]
    assert adm["diag_02"].isna().tolist() == [True, False, True, False]


def test_incidents_are_placed_in_wards_by_point_in_polygon(built):
    inc = data.load("incidents")
    # I5 lies 100 m east of the district: it snaps to the nearest ward (within 250 m)
    assert inc["ward_code"].tolist() == [
        "E05001153",
        "E05001154",
        "E05001155",
        "E05001156",
        "E05001156",
    ]
    assert inc["period"].tolist() == ["2009Q2", "2009Q2", "2009Q4", "2007Q4", "2007Q4"]


def test_returns_get_days_late_against_six_weeks_after_quarter_end(built):
    ret = data.load("indicator_returns")
    # 2009Q2 ends 30 Sep 2009, due 11 Nov; 2009Q3 ends 31 Dec 2009, due 11 Feb 2010
    assert ret["days_late"].tolist() == [1, 10, -10, -10]
    assert ret["denominator"].isna().tolist() == [False, False, True, False]
    comp = data.load("indicator_comparators")
    assert comp["financial_year"].tolist()[:2] == ["2008-09", "2008-09"]


def test_load_reads_only_requested_columns(built):
    df = data.load("referrals", columns=["referral_id", "took_up"])
    assert list(df.columns) == ["referral_id", "took_up"]
    assert df["took_up"].tolist() == [1, 0, 1]


def test_second_build_skips_unchanged_sources_and_keeps_bytes(built, tiny_raw):
    processed, _ = built
    before = _hashes(processed)
    report = data.build(raw_dir=tiny_raw, processed_dir=processed)
    assert set(report.status.values()) == {"unchanged"}
    assert _hashes(processed) == before


def test_changed_source_is_rebuilt_alone(built, tiny_raw):
    processed, _ = built
    f = tiny_raw / "mortality" / "deaths.csv"
    f.write_text(f.read_text() + "2009,E05001155,F,90+,3,30\n")
    report = data.build(raw_dir=tiny_raw, processed_dir=processed)
    assert report.status["mortality"] == "built"
    assert {s for u, s in report.status.items() if u != "mortality"} == {"unchanged"}
    assert len(data.load("deaths")) == 4
    assert data.manifest()["tables"]["deaths"]["rows"] == 4


def test_build_never_modifies_raw_files(tiny_raw, tmp_path):
    before = _hashes(tiny_raw)
    data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", force=True)
    assert _hashes(tiny_raw) == before


def test_build_one_source(tiny_raw, tmp_path):
    report = data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["hospital"])
    assert report.status == {"hospital": "built"}
    assert sorted(p.stem for p in (tmp_path / "p").glob("*.parquet")) == ["admissions"]
    with pytest.raises(LspError, match="unknown source"):
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["nope"])


def test_load_errors_name_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(tmp_path))
    with pytest.raises(LspError, match="lsp-research data build"):
        data.load("wards")
    with pytest.raises(LspError, match="unknown table 'ward'.*wards"):
        data.load("ward")
    with pytest.raises(LspError, match="lsp-research data build"):
        data.is_synthetic()


def test_missing_raw_folder_is_a_clear_error(tmp_path):
    with pytest.raises(LspError, match="does not exist.*data synth"):
        data.build(raw_dir=tmp_path / "nowhere", processed_dir=tmp_path / "p")


def test_manifest_is_valid_json_with_sources(built):
    processed, _ = built
    m = json.loads((processed / "manifest.json").read_text())
    assert set(m["sources"]) == {
        "geography", "population", "mortality", "hospital", "police", "wellness", "indicators"
    }  # fmt: skip
    # the data period follows the data (the quarters of the returns); the catalogue's is a bound
    assert m["period"] == {"start": "2009Q2", "end": "2009Q3"}
    assert m["bound"] == {"start": "2004Q1", "end": "2009Q4", "end_from": "catalogue"}
    assert m["tables"]["admissions"]["coverage"] == {
        "start": "2004-04-01",
        "end": "2010-01-15",
        "reaches": "2009Q3",  # mid-January is not within a fortnight of the end of 2009Q4
    }


def test_status_flags_stale_sources_as_of_a_period(built):
    st = data.status(as_of="2009Q3")  # 31 Dec 2009
    assert list(st.columns) == [
        "source",
        "owner",
        "last_updated",
        "refresh_days",
        "age_days",
        "stale",
    ]
    row = st.set_index("source")
    # population updated 2009-08-20, annual: 133 days old, fresh; deprivation 2008-01-15, 3 years: fresh
    assert row.loc["population", "age_days"] == 133 and not row.loc["population", "stale"]
    assert row.loc["deprivation", "refresh_days"] == 3 * 365
    # hospital updated 2010-02-10, after the as-of date: age 0
    assert row.loc["hospital", "age_days"] == 0
    late = data.status(as_of="2011-01-01").set_index("source")
    assert late.loc["police", "stale"] and late.loc["police", "age_days"] == 361
    assert pd.api.types.is_bool_dtype(late["stale"])
