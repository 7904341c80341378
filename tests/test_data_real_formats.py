"""Real public formats go through the same build as the default data: a catalogue change, not a code change."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml

from lsp_research import data
from lsp_research.config import CRS_WGS84
from lsp_research.errors import DataValidationError
from lsp_research.geo import load_boundaries


def _catalogue(raw, **changes):
    """Rewrite the tiny raw folder's catalogue with some sources' files replaced."""
    cat = yaml.safe_load((raw / "catalogue.yml").read_text())
    for source, files in changes.items():
        cat["sources"][source]["files"] = files
    (raw / "catalogue.yml").write_text(yaml.safe_dump(cat, sort_keys=False))


def _build(raw, tmp_path, monkeypatch, name="processed"):
    processed = tmp_path / name
    data.build(raw_dir=raw, processed_dir=processed)
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    return processed


# --- ONS boundary files ------------------------------------------------------------------------------


def _wgs84_copy(src, dst, rename=None):
    g = gpd.read_file(src).to_crs(CRS_WGS84)
    if rename:
        g = g.rename(columns=rename)
    g.to_file(dst, driver="GeoJSON")
    return dst


def _check_same_wards(new: gpd.GeoDataFrame, ref: gpd.GeoDataFrame):
    assert new.crs.to_epsg() == 27700
    assert new["ward_code"].tolist() == ref["ward_code"].tolist()
    assert new["ward_name"].tolist() == ref["ward_name"].tolist()
    np.testing.assert_allclose(new["area_km2"], ref["area_km2"], rtol=1e-3)
    # the same shapes: the two outlines differ by less than a metre (reprojection round trip)
    for a, b in zip(new.geometry, ref.geometry, strict=True):
        assert a.hausdorff_distance(b) < 1.0
        assert a.symmetric_difference(b).area < 1e-4 * b.area


def test_wgs84_geojson_with_wd09_columns_builds_like_the_default(tiny_raw, tmp_path, monkeypatch):
    _build(tiny_raw, tmp_path, monkeypatch, "reference")
    ref_wards, ref_inc = data.load("wards"), data.load("incidents")
    _wgs84_copy(
        tiny_raw / "geography" / "wards.geojson", tiny_raw / "geography" / "WD09_wgs84.geojson"
    )
    _catalogue(
        tiny_raw,
        geography=[
            {"path": "geography/WD09_wgs84.geojson", "format": "ons_boundary"},
            "geography/area_committees.csv",
            "geography/wellness_centres.csv",
        ],
    )
    _build(tiny_raw, tmp_path, monkeypatch, "from_wgs84")
    _check_same_wards(data.load("wards"), ref_wards)
    assert data.load("incidents")["ward_code"].tolist() == ref_inc["ward_code"].tolist()


def test_default_boundaries_reprojected_to_wgs84_map_like_the_default(
    processed_data, raw_copy, tmp_path, monkeypatch
):
    """The issue's check on the committed default data: a WGS84 WD09CD/WD09NM file gives the same map."""
    ref = data.load("wards")
    f = raw_copy / "geography" / "wards.geojson"
    _wgs84_copy(f, f)  # same path, so the project catalogue applies unchanged
    assert gpd.read_file(f).crs.to_epsg() == 4326
    processed = tmp_path / "p"
    data.build(raw_dir=raw_copy, processed_dir=processed, sources=["geography"])
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    new = data.load("wards")
    _check_same_wards(new, ref)
    # "maps like the default": the same choropleth classes in the same places
    assert new["imd_quintile"].tolist() == ref["imd_quintile"].tolist()
    assert new["area_committee"].tolist() == ref["area_committee"].tolist()


@pytest.mark.parametrize(
    ("suffix", "driver", "columns"),
    [
        (".gpkg", "GPKG", {"ward_code": "WD22CD", "ward_name": "WD22NM", "lad_code": "LAD22CD"}),
        (
            ".shp",
            "ESRI Shapefile",
            {"ward_code": "WD11CD", "ward_name": "WD11NM", "lad_code": "LAD11CD"},
        ),
    ],
)
def test_geopackage_and_shapefile_in_any_crs(tiny_raw, tmp_path, suffix, driver, columns):
    ref = load_boundaries(tiny_raw / "geography" / "wards.geojson")
    g = ref.rename(columns=columns).drop(columns=["lad_name"]).to_crs("EPSG:3857")
    path = tmp_path / f"wards{suffix}"
    g.to_file(path, driver=driver)
    got = load_boundaries(path)
    assert got.crs.to_epsg() == 27700
    assert got["ward_code"].tolist() == ref["ward_code"].tolist()
    np.testing.assert_allclose(got.geometry.area, ref.geometry.area, rtol=1e-6)


def test_national_boundary_file_is_cut_to_the_district(tiny_raw, tmp_path):
    ref = gpd.read_file(tiny_raw / "geography" / "wards.geojson")
    other = ref.iloc[:1].copy()
    other["WD09CD"], other["LAD09CD"] = "E05000001", "E08000021"
    other["geometry"] = other.geometry.translate(50_000, 0)
    path = tmp_path / "national.geojson"
    pd.concat([ref, other]).to_file(path, driver="GeoJSON")
    assert len(load_boundaries(path)) == 5
    assert len(load_boundaries(path, lad_code="E08000024")) == 4


# --- ONS small-area population estimates (SAPE) -----------------------------------------------------

CODES = ["E05001153", "E05001154", "E05001155", "E05001156"]


def _sape_sheet(sex_factor: int) -> pd.DataFrame:
    rows = []
    for i, code in enumerate(CODES + ["E05000001"]):
        ages = {str(a): (i + 1) * sex_factor for a in range(90)}
        ages["90+"] = 7 * sex_factor
        la = "E08000024" if code != "E05000001" else "E08000021"
        rows.append(
            {"Ward Code 1": code, "Ward Name 1": f"ward {i}", "LA Code (2021 boundaries)": la,
             "LA name (2021 boundaries)": "x", "All Ages": sum(ages.values()), **ages}
        )  # fmt: skip
    return pd.DataFrame(rows)


def _write_sape_xlsx(path, year=2009):
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for sheet, factor in (
            (f"Mid-{year} Males", 1),
            (f"Mid-{year} Females", 2),
            (f"Mid-{year} Persons", 3),
        ):
            title = pd.DataFrame([[f"{sheet} ward population estimates"], ["Source: ONS"]])
            title.to_excel(xw, sheet_name=sheet, header=False, index=False)
            _sape_sheet(factor).to_excel(xw, sheet_name=sheet, startrow=3, index=False)
        pd.DataFrame([["notes"]]).to_excel(xw, sheet_name="Notes", header=False, index=False)


def test_sape_workbook_becomes_tidy_population(tiny_raw, tmp_path, monkeypatch):
    for year in (2008, 2009):
        _write_sape_xlsx(tiny_raw / "population" / f"sape-mid-{year}-ward.xlsx", year)
    _catalogue(
        tiny_raw, population=[{"path": "population/sape-mid-*-ward.xlsx", "format": "ons_mye_sape"}]
    )
    _build(tiny_raw, tmp_path, monkeypatch)
    pop = data.load("population")
    assert sorted(pop["year"].unique()) == [2008, 2009]
    assert set(pop["ward_code"]) == set(CODES)  # the other district's ward is dropped
    assert len(pop) == 2 * 4 * 2 * 19
    one = pop.set_index(["year", "ward_code", "sex", "age_band"])["population"]
    # ward 2 (E05001154) has 2 people per single year for males, 4 for females; 90+ is 7 and 14
    assert one[(2009, "E05001154", "M", "0-4")] == 10
    assert one[(2009, "E05001154", "F", "85-89")] == 20
    assert one[(2009, "E05001154", "F", "90+")] == 14
    assert pop["population"].dtype == "int64"


def test_sape_csv_with_five_year_bands_and_a_sex_column(tiny_raw, tmp_path, monkeypatch):
    bands = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
    rows = [
        {"year": 2009, "ward_code": c, "sex": s, **{b: 10 * (j + 1) for j, b in enumerate(bands)}}
        for c in CODES
        for s in ("Male", "Female")
    ]
    pd.DataFrame(rows).to_csv(tiny_raw / "population" / "bands.csv", index=False)
    _catalogue(tiny_raw, population=[{"path": "population/bands.csv", "format": "ons_mye_sape"}])
    _build(tiny_raw, tmp_path, monkeypatch)
    pop = data.load("population")
    assert len(pop) == 4 * 2 * 19
    assert pop.query("sex == 'F' and age_band == '90+'")["population"].tolist() == [190] * 4


def test_sape_open_band_85_plus_is_refused_with_the_reason(tiny_raw, tmp_path):
    cols = {"ward_code": CODES, "year": 2009, "sex": "M"}
    cols |= {f"{a}-{a + 4}": 1 for a in range(0, 85, 5)} | {"85+": 1}
    pd.DataFrame(cols).to_csv(tiny_raw / "population" / "old.csv", index=False)
    _catalogue(tiny_raw, population=[{"path": "population/old.csv", "format": "ons_mye_sape"}])
    with pytest.raises(
        DataValidationError, match=r"population/old.csv, column '85\+': age group 85\+ cannot"
    ):
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p")


# --- Fingertips --------------------------------------------------------------------------------------

FT_COLUMNS = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type",
    "Sex", "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit",
    "Upper CI 95.0 limit", "Count", "Denominator", "Value note",
]  # fmt: skip


def _ft_row(ind, code, name, atype, sex, period, value, count="", den="", cat_type=""):
    return [ind, "Alcohol-related admissions", "E12000001", "North East region", code, name, atype, sex,
            "All ages", cat_type, "", period, value, "", "", count, den, ""]  # fmt: skip


def test_fingertips_download_becomes_returns_and_comparators(tiny_raw, tmp_path, monkeypatch):
    rows = [
        _ft_row(
            92904,
            "E08000024",
            "Sunderland",
            "District & UA",
            "Persons",
            "2008/09",
            2301.2,
            1600,
            69500,
        ),
        _ft_row(
            92904, "E08000024", "Sunderland", "District & UA", "Male", "2008/09", 2900.0, 900, 34000
        ),
        _ft_row(
            92904,
            "E08000024",
            "Sunderland",
            "District & UA",
            "Persons",
            "2009/10 Q3",
            2350.0,
            1650,
            70100,
        ),
        _ft_row(92904, "E12000001", "North East region", "Region", "Persons", "2008/09", 2254),
        _ft_row(92904, "E92000001", "England", "England", "Persons", "2008/09", 1562),
        _ft_row(
            92904, "E08000021", "Newcastle upon Tyne", "District & UA", "Persons", "2008/09", 2100
        ),
        _ft_row(
            92904,
            "E08000024",
            "Sunderland",
            "District & UA",
            "Persons",
            "2008/09",
            2500,
            cat_type="Deprivation",
        ),
        _ft_row(92904, "E08000024", "Sunderland", "District & UA", "Persons", "2007/08", ""),
        _ft_row(12345, "E08000024", "Sunderland", "District & UA", "Persons", "2008/09", 5.0),
    ]
    path = tiny_raw / "indicators" / "fingertips_download.csv"
    pd.DataFrame(rows, columns=FT_COLUMNS).to_csv(path, index=False)
    _catalogue(
        tiny_raw,
        indicators=[
            "indicators/returns.csv",
            "indicators/targets.csv",
            {
                "path": "indicators/fingertips_download.csv",
                "format": "fingertips",
                "indicators": {92904: "NI39x"},
            },
        ],
    )
    _build(tiny_raw, tmp_path, monkeypatch)
    ret = data.load("indicator_returns").query("indicator_code == 'NI39x'")
    assert ret[["period", "area_code", "value", "numerator", "denominator"]].values.tolist() == [
        ["2008Q4", "E08000024", 2301.2, 1600.0, 69500.0],
        ["2009Q3", "E08000024", 2350.0, 1650.0, 70100.0],
    ]
    assert ret["submitted_by"].unique().tolist() == ["Fingertips"]
    assert ret["days_late"].isna().all()  # a published statistic has no submission date
    comp = data.load("indicator_comparators").sort_values("comparator")
    assert comp["status"].tolist() == ["found", "found"]
    assert comp[["financial_year", "comparator", "value"]].values.tolist() == [
        ["2008-09", "England", 1562.0],
        ["2008-09", "North East", 2254.0],
    ]
    assert "FT12345" not in set(data.load("indicator_returns")["indicator_code"])


def test_fingertips_pooled_period_is_reported_with_its_row(tiny_raw, tmp_path):
    rows = [_ft_row(1, "E08000024", "Sunderland", "District & UA", "Persons", "2006 - 08", 5.0)]
    pd.DataFrame(rows, columns=FT_COLUMNS).to_csv(tiny_raw / "indicators" / "ft.csv", index=False)
    _catalogue(
        tiny_raw,
        indicators=[
            "indicators/returns.csv",
            {"path": "indicators/ft.csv", "format": "fingertips"},
        ],
    )
    with pytest.raises(
        DataValidationError, match=r"indicators/ft.csv, row 2, column 'Time period'.*'2006 - 08'"
    ):
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p")


# --- partner returns, CSV and Excel ------------------------------------------------------------------


def _partner_frame():
    return pd.DataFrame(
        {
            "Indicator Code": ["NI20", "NI20"],
            "Period": ["2009Q2", "2009Q3"],
            "Area Code": ["E08000024", "E08000024"],
            "Value": [4.1, 4.3],
            "Numerator": [1150, 1200],
            "Denominator": [280000, 280000],
            "Submitted On": pd.to_datetime(["2009-11-10", "2010-02-20"]),
            "Submitted By": ["Northumbria Police", "Northumbria Police"],
        }
    )


def _write_partner_xlsx(path, df):
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame([["Safe City quarterly return"]]).to_excel(
            xw, sheet_name="Return", header=False, index=False
        )
        df.to_excel(xw, sheet_name="Return", startrow=2, index=False)


def test_partner_returns_folder_of_excel_and_csv(tiny_raw, tmp_path, monkeypatch):
    folder = tiny_raw / "indicators" / "returns"
    folder.mkdir()
    _write_partner_xlsx(folder / "police_2009q3.xlsx", _partner_frame())
    csv = _partner_frame().assign(**{"Indicator Code": "NI15", "Value": [0.9, 1.0]})
    csv["Submitted On"] = csv["Submitted On"].dt.strftime("%Y-%m-%d")
    csv.to_csv(folder / "police_ni15.csv", index=False)
    _catalogue(
        tiny_raw,
        indicators=[
            "indicators/returns.csv",
            {"path": "indicators/returns", "format": "partner_return"},
            "indicators/targets.csv",
        ],
    )
    _build(tiny_raw, tmp_path, monkeypatch)
    ret = data.load("indicator_returns")
    got = ret[ret["indicator_code"].isin(["NI20", "NI15"])].sort_values(
        ["indicator_code", "period"]
    )
    assert got[["indicator_code", "period", "value", "days_late"]].values.tolist() == [
        ["NI15", "2009Q2", 0.9, -1],
        ["NI15", "2009Q3", 1.0, 9],
        ["NI20", "2009Q2", 4.1, -1],
        ["NI20", "2009Q3", 4.3, 9],
    ]
    assert len(ret) == 4 + 4  # the contract file's four rows plus the two partners'


def test_bad_excel_return_names_sheet_and_worksheet_row(tiny_raw, tmp_path):
    folder = tiny_raw / "indicators" / "returns"
    folder.mkdir()
    bad = _partner_frame()
    bad.loc[1, "Numerator"] = 300000  # above the denominator
    bad["Value"] = bad["Value"].astype(object)
    bad.loc[0, "Value"] = "n/a"
    _write_partner_xlsx(folder / "police.xlsx", bad)
    _catalogue(tiny_raw, indicators=[{"path": "indicators/returns", "format": "partner_return"}])
    with pytest.raises(DataValidationError) as err:
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p")
    text = str(err.value)
    # title on row 1, blank row 2, header on row 3: data on rows 4 and 5
    assert (
        "indicators/returns/police.xlsx (sheet 'Return'), row 4, column 'value': wrong type" in text
    )
    assert "(sheet 'Return'), row 5, column 'numerator': numerator is above denominator" in text


def test_two_figures_on_one_date_in_two_files_are_refused(tiny_raw, tmp_path):
    folder = tiny_raw / "indicators" / "returns"
    folder.mkdir()
    _write_partner_xlsx(folder / "a.xlsx", _partner_frame())
    other = _partner_frame().iloc[:1].assign(Value=4.4)  # same key, same date, another figure
    _write_partner_xlsx(folder / "b.xlsx", other)
    _catalogue(tiny_raw, indicators=[{"path": "indicators/returns", "format": "partner_return"}])
    with pytest.raises(
        DataValidationError,
        match=r"b.xlsx \(sheet 'Return'\), row 4, column 'submitted_on': two different figures for "
        r"indicator_code NI20, period 2009Q2, area_code E08000024 submitted on the same date \(here "
        r"and in .*a.xlsx \(sheet 'Return'\) row 4\)",
    ):
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p")


def test_the_same_return_sent_twice_is_kept_once(tiny_raw, tmp_path):
    folder = tiny_raw / "indicators" / "returns"
    folder.mkdir()
    _write_partner_xlsx(folder / "a.xlsx", _partner_frame())
    _write_partner_xlsx(folder / "b.xlsx", _partner_frame().iloc[:1])
    _catalogue(tiny_raw, indicators=[{"path": "indicators/returns", "format": "partner_return"}])
    data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p")
    ret = pd.read_parquet(tmp_path / "p" / "indicator_returns.parquet")
    assert ret.groupby(["indicator_code", "period", "area_code"]).size().max() == 1
    assert len(pd.read_parquet(tmp_path / "p" / "indicator_corrections.parquet")) == 0


def test_empty_returns_folder_is_reported(tiny_raw, tmp_path):
    (tiny_raw / "indicators" / "returns").mkdir()
    _catalogue(tiny_raw, indicators=[{"path": "indicators/returns", "format": "partner_return"}])
    with pytest.raises(
        DataValidationError, match="indicators/returns: no file matches this catalogue entry"
    ):
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p")
