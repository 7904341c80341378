"""Public files in their published layout build through the same build: the IoD 2019 LSOA file with the
ONS LSOA-to-ward lookup, police.uk street-level crime, and the persons-only mid-year estimates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lsp_research import data
from lsp_research.errors import DataValidationError

PUBLISHED = Path(__file__).parent / "fixtures" / "published"
IMD = "File_7_IoD2019_Scores_Ranks_Deciles_and_Population_Denominators.csv"
LOOKUP = "LSOA11_WD19_LAD19_EW_LU.csv"


def _catalogue(raw, **changes):
    cat = yaml.safe_load((raw / "catalogue.yml").read_text())
    for source, files in changes.items():
        cat["sources"][source]["files"] = files
    (raw / "catalogue.yml").write_text(yaml.safe_dump(cat, sort_keys=False))


def _with_imd(raw, imd_text=None, lookup_text=None):
    for name, text in ((IMD, imd_text), (LOOKUP, lookup_text)):
        dst = raw / "deprivation" / name
        if text is None:
            shutil.copy(PUBLISHED / name, dst)
        else:
            dst.write_bytes(text.encode("utf-8"))
    _catalogue(
        raw,
        deprivation=[
            {"path": f"deprivation/{IMD}", "format": "imd_lsoa"},
            {"path": f"deprivation/{LOOKUP}", "format": "ons_lsoa_ward"},
        ],
    )


def test_iod2019_lsoa_scores_become_population_weighted_ward_scores(tiny_raw, tmp_path):
    _with_imd(tiny_raw)
    data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["geography"])
    wards = pd.read_parquet(tmp_path / "p" / "wards.parquet").set_index("ward_code")
    # Barnes: LSOAs 001A (20.5, 1,500 people) and 001B (30.1, 1,700 people)
    barnes = (20.5 * 1500 + 30.1 * 1700) / 3200
    assert wards.loc["E05001153", "imd2010_score"] == pytest.approx(barnes, abs=1e-3)
    castle = (45.0 * 1600 + 25.2 * 1400) / 3000
    assert wards.loc["E05001154", ["imd2004_score", "imd2007_score"]].tolist() == pytest.approx(
        [castle, castle], abs=1e-3
    )  # one edition: every edition column holds it
    # the most deprived ward (Castle, 35.76) is in quintile 1
    assert wards["imd_quintile"].to_dict()["E05001154"] == 1


def test_a_bad_iod_score_is_refused_with_file_row_and_column(tiny_raw, tmp_path):
    text = (PUBLISHED / IMD).read_text()
    lines = text.splitlines()
    lines[3] = lines[3].replace(",45.000,", ",n/a,")
    _with_imd(tiny_raw, imd_text="\r\n".join(lines) + "\r\n")
    with pytest.raises(DataValidationError) as exc:
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["geography"])
    assert (
        f"deprivation/{IMD}, row 4, column 'Index of Multiple Deprivation (IMD) Score': expected an "
        "IMD score between 0 and 100 (got 'n/a')" in str(exc.value)
    )


def test_a_lookup_ward_outside_the_boundary_file_is_refused_with_its_row(tiny_raw, tmp_path):
    text = (PUBLISHED / LOOKUP).read_text(encoding="utf-8-sig")
    text = text.replace(
        "E01008707,Sunderland 004B,E05001156", "E01008707,Sunderland 004B,E05001199"
    )
    _with_imd(tiny_raw, lookup_text="\ufeff" + text)
    with pytest.raises(DataValidationError) as exc:
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["geography"])
    assert (
        f"deprivation/{LOOKUP}, row 9, column 'WD19CD': not a ward code of the boundary file"
        in str(exc.value)
    )


# --- police.uk street-level crime ---------------------------------------------------------------------

STREET = ("2009-12-northumbria-street.csv", "2010-01-northumbria-street.csv")


def _with_police(raw, december=None):
    _with_imd(raw)
    for name in STREET:
        shutil.copy(PUBLISHED / name, raw / "police" / name)
    if december is not None:
        (raw / "police" / STREET[0]).write_text(december)
    _catalogue(raw, police=[{"path": "police/*-street.csv", "format": "police_uk"}])


def test_police_uk_crimes_are_placed_in_wards_by_location_then_lsoa(tiny_raw, tmp_path):
    _with_police(tiny_raw)
    data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["police"])
    inc = pd.read_parquet(tmp_path / "p" / "incidents.parquet")
    got = inc[["offence_group", "ward_code", "period"]].values.tolist()
    assert got == [
        ["Violence and sexual offences", "E05001153", "2009Q3"],  # by location
        ["Anti-social behaviour", "E05001154", "2009Q3"],
        ["Criminal damage and arson", "E05001154", "2009Q3"],  # outside every ward: its LSOA's ward
        ["Other theft", "E05001156", "2009Q3"],  # no location: its LSOA's ward
        ["Public order", "E05001155", "2009Q4"],  # January is in the fourth quarter
        ["Shoplifting", "E05001156", "2009Q4"],
    ]  # the Newcastle crime of the force's file is not the district's
    assert (
        inc["incident_id"].iloc[1] == f"police/{STREET[0]}#3"
    )  # anti-social behaviour: no Crime ID
    assert inc["hour"].isna().all() and inc["alcohol_flag"].isna().all()  # not published
    assert str(inc["date"].iloc[0].date()) == "2009-12-01"


def test_a_bad_police_uk_month_is_refused_with_file_row_and_column(tiny_raw, tmp_path):
    text = (
        (PUBLISHED / STREET[0])
        .read_text()
        .replace(",2009-12,Northumbria", ",Dec 2009,Northumbria", 1)
    )
    _with_police(tiny_raw, december=text)
    with pytest.raises(DataValidationError) as exc:
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["police"])
    assert (
        f"police/{STREET[0]}, row 2, column 'Month': Month must be YYYY-MM, e.g. 2009-12 (got 'Dec 2009')"
        in str(exc.value)
    )


def test_police_uk_without_an_lsoa_lookup_says_what_it_needs(tiny_raw, tmp_path):
    for name in STREET:
        shutil.copy(PUBLISHED / name, tiny_raw / "police" / name)
    _catalogue(tiny_raw, police=[{"path": "police/*-street.csv", "format": "police_uk"}])
    with pytest.raises(DataValidationError, match="add the ONS LSOA-to-ward lookup"):
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["police"])


# --- persons-only mid-year estimates -------------------------------------------------------------------

SAPE_P = "SAPE_mid-2009_ward_persons.xlsx"


def _with_persons(raw, persons=True):
    shutil.copy(PUBLISHED / SAPE_P, raw / "population" / SAPE_P)
    entry = {"path": f"population/{SAPE_P}", "format": "ons_mye_sape"}
    if persons:
        entry["persons"] = True
    _catalogue(raw, population=[entry])


def test_persons_only_estimates_build_and_the_manifest_says_what_they_cannot_give(
    tiny_raw, tmp_path
):
    _with_persons(tiny_raw)
    data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["population"])
    pop = pd.read_parquet(tmp_path / "p" / "population.parquet")
    assert set(pop["sex"]) == {"P"} and set(pop["year"]) == {2009}
    barnes = pop.query("ward_code == 'E05001153'").set_index("age_band")["population"]
    assert barnes["0-4"] == 10 + 11 + 12 + 10 + 11 and barnes["90+"] == 5
    assert "E05001092" not in set(pop["ward_code"])  # Newcastle's row
    limits = data.manifest(tmp_path / "p")["tables"]["population"]["limits"]
    assert "sex-specific rates" in limits and "population pyramid cannot be computed" in limits


def test_a_persons_only_workbook_without_the_option_says_how_to_read_it(tiny_raw, tmp_path):
    _with_persons(tiny_raw, persons=False)
    with pytest.raises(DataValidationError) as exc:
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["population"])
    assert f"population/{SAPE_P}: no worksheet" in str(exc.value)
    assert "set 'persons: true' on the catalogue entry" in str(exc.value)


def test_a_bad_persons_count_is_refused_with_sheet_row_and_column(tiny_raw, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(PUBLISHED / SAPE_P)
    wb["Mid-2009 Persons"]["G6"] = "twelve"  # Castle's age 1 (worksheet row 6, column '1')
    _with_persons(tiny_raw)
    wb.save(tiny_raw / "population" / SAPE_P)
    with pytest.raises(DataValidationError) as exc:
        data.build(raw_dir=tiny_raw, processed_dir=tmp_path / "p", sources=["population"])
    assert (
        f"population/{SAPE_P} (sheet 'Mid-2009 Persons'), row 6, column '1': wrong type: expected a "
        "whole number of people (got 'twelve')" in str(exc.value)
    )


@pytest.mark.parametrize(
    ("layout", "table", "bad", "message"),
    [
        (
            "police_uk",
            "incidents",
            (",2009-12,Northumbria", ",Dec 2009,Northumbria"),
            f"police/{STREET[0]}, row 2, column 'Month'",
        ),
        ("imd_lsoa", "wards", None, None),  # the ward scores join the wards table
        ("persons", "population", None, None),
    ],
)
def test_each_layout_builds_through_the_data_build_command(
    tiny_raw, tmp_path, monkeypatch, capsys, layout, table, bad, message
):
    """As a user would: the files in the raw folder, the catalogue naming their layout, then
    ``lsp-research data build``; a bad file is refused by the command with its file, row and column."""
    from lsp_research.cli import main

    monkeypatch.setenv("LSP_RAW_DIR", str(tiny_raw))
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(tmp_path / "p"))
    monkeypatch.delenv("LSP_CATALOGUE", raising=False)
    {"police_uk": _with_police, "imd_lsoa": _with_imd, "persons": _with_persons}[layout](tiny_raw)
    assert main(["data", "build"]) == 0, capsys.readouterr()
    assert len(pd.read_parquet(tmp_path / "p" / f"{table}.parquet")) > 0
    if bad is not None:
        path = tiny_raw / "police" / STREET[0]
        path.write_text(path.read_text().replace(*bad, 1))
        assert main(["data", "build"]) == 2
        assert message in capsys.readouterr().err
