"""The place in one file (config.place) and ``lsp-research init``, which writes it for another district."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lsp_research import config
from lsp_research.cli import main
from lsp_research.errors import ConfigError, DataValidationError
from lsp_research.place_init import write_place

FIX = Path(__file__).parent / "fixtures" / "place"
BOUNDARIES, LOOKUP, AREAS = (
    FIX / "wards_2019_bgc.geojson",
    FIX / "ward_to_lad_2019.csv",
    FIX / "ward_to_area.csv",
)


def test_the_default_place_file_is_what_config_reads():
    p = config.place(config.DEFAULT_PLACE)
    assert (config.LAD_CODE, config.LAD_NAME, config.REGION_CODE, config.REGION_NAME) == (
        p.district_code,
        p.name,
        p.region_code,
        p.region_name,
    )
    assert p.comparators == (("England", "E92000001"), ("North East", "E12000001"))
    assert {a: len(w) for a, w in p.areas.items()} == {
        "West": 6, "North": 5, "Coalfield": 4, "East": 5, "Washington": 5
    }  # fmt: skip
    assert p.area_of("E05001173") == "Washington" and p.boundary_year == 2009


def test_lsp_place_names_another_place_file(tmp_path, monkeypatch):
    out = tmp_path / "place.yml"
    write_place(BOUNDARIES, LOOKUP, "E06000999", out, region=("North East", "E12000001"))
    monkeypatch.setenv("LSP_PLACE", str(out))
    assert config.place_path() == out.resolve()
    assert config.place().name == "Northby"


def test_the_place_is_parsed_once_and_read_again_when_its_file_changes(tmp_path):
    out = tmp_path / "place.yml"
    write_place(BOUNDARIES, LOOKUP, "E06000999", out, region=("North East", "E12000001"))
    first = config.place(out)
    assert config.place(out) is first  # the same text: not parsed again
    out.write_text(out.read_text(encoding="utf-8").replace("Northby", "Northby and Dale"))
    assert config.place(out).name == "Northby and Dale"  # edited: read again at once


def test_init_writes_the_place_of_another_district_with_its_areas(tmp_path, capsys):
    out = tmp_path / "place.yml"
    rc = main(
        ["init", "--boundaries", str(BOUNDARIES), "--lookup", str(LOOKUP), "--district",
         "E06000999", "--areas", str(AREAS), "--region-name", "North East", "--region-code",
         "E12000001", "--out", str(out)]
    )  # fmt: skip
    assert rc == 0 and "Northby (E06000999), 4 wards in 2 area(s)" in capsys.readouterr().out
    written = yaml.safe_load(out.read_text())
    assert written["district_code"] == "E06000999" and written["boundary_year"] == 2019
    p = config.place(out)
    assert p.areas == {
        "Riverside": (("E05009990", "Abbey"), ("E05009991", "Brook")),
        "Uplands": (("E05009992", "Carr Hill"), ("E05009993", "Dene")),
    }
    assert "E05009980" not in p.ward_codes  # another district's ward in the lookup
    assert p.comparators[1] == ("North East", "E12000001")
    assert main(["init", "--boundaries", str(BOUNDARIES), "--lookup", str(LOOKUP),
                 "--district", "E06000999", "--out", str(out)]) == 2  # fmt: skip
    assert "exists; pass --force" in capsys.readouterr().err


def test_without_an_areas_lookup_the_district_is_one_area(tmp_path):
    p = write_place(BOUNDARIES, LOOKUP, "E06000999", tmp_path / "p.yml", region=("NE", "E12000001"))
    assert list(p.areas) == ["Northby"] and len(p.ward_codes) == 4


def test_a_ward_missing_from_the_boundary_file_is_named_with_its_lookup_row(tmp_path):
    lookup = tmp_path / "lookup.csv"
    lookup.write_text(
        LOOKUP.read_text(encoding="utf-8-sig") + "E05009994,Extra,E06000999,Northby,6\n"
    )
    with pytest.raises(DataValidationError) as exc:
        write_place(BOUNDARIES, lookup, "E06000999", tmp_path / "p.yml", region=("NE", "E12000001"))
    assert (
        "lookup.csv, row 7, column 'WD19CD': ward of the district is not in the boundary file "
        "(got 'E05009994')" in str(exc.value)
    )


def test_a_district_not_in_the_lookup_and_a_missing_region_are_refused(tmp_path):
    with pytest.raises(
        DataValidationError, match="column 'LAD19CD': no row for district E06000123"
    ):
        write_place(BOUNDARIES, LOOKUP, "E06000123", tmp_path / "p.yml", region=("NE", "E12000001"))
    with pytest.raises(ConfigError, match="give --region-name and --region-code"):
        write_place(BOUNDARIES, LOOKUP, "E06000999", tmp_path / "p.yml")
    assert not (tmp_path / "p.yml").exists()


def test_a_ward_without_an_area_is_named(tmp_path):
    areas = tmp_path / "areas.csv"
    areas.write_text("ward_code,area_committee\nE05009990,Riverside\nE05009991,\nE05009992,Up\n")
    with pytest.raises(DataValidationError) as exc:
        write_place(BOUNDARIES, LOOKUP, "E06000999", tmp_path / "p.yml", areas, ("NE", "E12000001"))
    text = str(exc.value)
    assert "areas.csv, row 3, column 'area_committee': missing area for the ward" in text
    assert "ward E05009993 (Dene) of Northby has no area in the lookup" in text


def test_a_bad_place_file_names_the_key(tmp_path):
    bad = tmp_path / "place.yml"
    bad.write_text(
        "name: X\ndistrict_code: E08000024\nregion: {name: NE, code: E12000001}\n"
        "areas:\n  A:\n    - {code: E0500115, name: Barnes}\n"
    )
    with pytest.raises(ConfigError, match=r"area 'A', ward 1: 'code' is 'E0500115'"):
        config.place(bad)


def test_a_run_refuses_data_of_another_place_and_names_the_place_file_to_set(tmp_path, monkeypatch):
    import pandas as pd
    from runner_helpers import setup_env

    from lsp_research.reporting.parameters import Areas
    from lsp_research.reporting.runner import run_programme

    env = setup_env(tmp_path, monkeypatch, [{"notebook": "good.ipynb"}])
    raw = tmp_path / "raw"
    raw.mkdir()
    write_place(
        BOUNDARIES, LOOKUP, "E06000999", raw / "place.yml", region=("North East", "E12000001")
    )
    other = config.place(raw / "place.yml")
    codes = sorted(other.ward_codes)
    wards = pd.DataFrame(
        {"ward_code": codes, "ward_name": [f"W{i}" for i in range(len(codes))],
         "area_committee": ["Central"] * len(codes)}
    )  # fmt: skip
    wards.to_parquet(env["processed"] / "wards.parquet", index=False)

    def no_executor(**kwargs):
        raise AssertionError("a report ran on another place's data")

    with pytest.raises(ConfigError) as err:  # the default place file, Sunderland's
        run_programme("latest", quiet=True, executor_factory=no_executor)
    msg = str(err.value)
    assert f"{len(codes)} of its {len(codes)} wards (e.g. {codes[0]} W0)" in msg
    assert "25 wards of" in msg and "sunderland.yml (Sunderland)" in msg
    assert "set LSP_PLACE" in msg and f"there is one at {raw / 'place.yml'}" in msg
    assert not (env["reports"] / "2009Q4").exists()
    from lsp_research.reporting.preview import render

    with pytest.raises(ConfigError, match="set LSP_PLACE"):  # a preview refuses it the same way
        render("good", tier="executive")
    assert not (env["reports"] / ".preview").exists()

    monkeypatch.setenv("LSP_PLACE", str(raw / "place.yml"))  # the data's own place file
    assert Areas.from_processed(env["processed"]).check_place() is None
    monkeypatch.delenv("LSP_PLACE")
    wards.assign(ward_code=sorted(config.place().ward_codes)[: len(codes)]).to_parquet(
        env["processed"] / "wards.parquet", index=False
    )  # some of Sunderland's wards (a partial data set): accepted
    assert Areas.from_processed(env["processed"]).check_place() is None
