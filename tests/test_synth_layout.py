"""``data synth --wards N --districts K``: a synthetic geography of any size, deterministic from the seed,
that the data build accepts; the default (no flags) stays the committed data."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from lsp_research.cli import main
from lsp_research.data import build
from lsp_research.data.synth import _common, generate, layout
from lsp_research.errors import LspError


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """12 wards in 2 districts, written through the CLI and built."""
    root = tmp_path_factory.mktemp("region")
    assert (
        main(["data", "synth", "--wards", "12", "--districts", "2", "--out", str(root / "raw")])
        == 0
    )
    report = build(raw_dir=root / "raw", processed_dir=root / "processed")
    return root, report


def test_region_has_n_wards_in_k_districts_and_builds(region):
    root, report = region
    assert set(report.status.values()) == {"built"}
    wards = pd.read_parquet(root / "processed" / "wards.parquet")
    assert len(wards) == 12
    assert sorted(wards["lad_code"].unique()) == ["E08999901", "E08999902"]
    assert wards["ward_code"].str.match(r"^E059\d{5}$").all()
    committees = wards.groupby("lad_code")["area_committee"].nunique().to_dict()
    assert committees == {"E08999901": 1, "E08999902": 1}  # 6 wards each, about five a committee
    pop = pd.read_parquet(root / "processed" / "population.parquet")
    assert set(pop["ward_code"]) == set(wards["ward_code"])
    returns = pd.read_parquet(root / "processed" / "indicator_returns.parquet")
    assert set(returns["area_code"]) == {layout.REGION_CODE}
    for table in ("deaths", "admissions", "incidents", "referrals"):
        df = pd.read_parquet(root / "processed" / f"{table}.parquet")
        assert len(df) > 0 and set(df["ward_code"].dropna()) <= set(wards["ward_code"]), table
    cat = (root / "raw" / "catalogue.yml").read_text()
    assert "lad_code: E47999901" in cat and "not a real place" in cat
    assert "synthetic geography" in (root / "raw" / "README.md").read_text()


def test_geometry_is_valid_bng_tiling(region):
    root, _ = region
    gdf = gpd.read_file(root / "raw" / "geography" / "wards.geojson")
    assert gdf.crs.to_epsg() == 27700 and gdf.geometry.is_valid.all()
    for lad, part in gdf.groupby("LAD09CD"):
        union = part.geometry.union_all()
        # the wards of a district tile its rectangle: no gap, no overlap
        assert union.area == pytest.approx(union.envelope.area, rel=1e-9), lad
        assert part.geometry.area.sum() == pytest.approx(union.area, rel=1e-9), lad
    assert 4e6 < gdf.geometry.area.mean() < 7e6


def test_records_scale_with_the_wards(region, tmp_path):
    root, _ = region
    assert main(["data", "synth", "--wards", "24", "--out", str(tmp_path / "raw")]) == 0
    big = pd.read_csv(tmp_path / "raw" / "population" / "mid_year_estimates.csv")
    small = pd.read_parquet(root / "processed" / "population.parquet")
    ratio = big["population"].sum() / small["population"].sum()
    assert 1.6 < ratio < 2.4  # 24 wards against 12
    inc_big = len(pd.read_csv(tmp_path / "raw" / "police" / "incidents.csv.gz"))
    inc_small = len(pd.read_parquet(root / "processed" / "incidents.parquet"))
    assert 1.6 < inc_big / inc_small < 2.4


def test_deterministic_from_the_seed(tmp_path):
    lay = layout.build(6, seed=3, place_name="Eastbury", district_code="E08999901")
    generate(tmp_path / "a", seed=3, geography_layout=lay)
    generate(
        tmp_path / "b",
        seed=3,
        geography_layout=layout.build(6, seed=3, place_name="Eastbury", district_code="E08999901"),
    )
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a == b and len(a) > 10
    other = layout.build(6, seed=4, place_name="Eastbury", district_code="E08999901")
    assert not other.wards["pop_2008_est"].equals(lay.wards["pop_2008_est"])
    answers = json.loads(a["answers.json"])
    assert {x["area_code"] for x in answers} == {"E08999901"}
    assert b'"WD09NM":"Eastbury 001","LAD09CD":"E08999901"' in a["geography/wards.geojson"]
    # the geography in use is restored afterwards: the default 25 wards again
    assert _common.active_layout() is None and len(_common.domain_wards()) == 25


def test_bad_geography_options_are_refused(tmp_path):
    with pytest.raises(LspError, match="fewer than --districts"):
        layout.build(3, districts=4)
    with pytest.raises(LspError, match="not a district code"):
        layout.build(4, district_code="Sunderland")
    with pytest.raises(LspError, match="use it with --districts 1"):
        layout.build(4, districts=2, district_code="E08999901")
    assert main(["data", "synth", "--districts", "2", "--out", str(tmp_path / "x")]) != 0
    assert main(["data", "synth", "--wards", "4"]) != 0  # would replace the default data/raw
    assert not (tmp_path / "x").exists()


def test_a_large_geography_has_a_night_time_economy_centre_per_city_of_people():
    """At 400 wards one centre took the night-time economy of 16 Sunderlands: one ward's incident
    rate read 1,669.8 per 1,000 residents a year. Each Sunderland's worth of population has its own."""
    from lsp_research.data.synth import geography, police

    big = layout.build(100, districts=2, seed=5)
    with _common.using(big):
        k = round(_common.pop_factor())
        centres = police._nte_centres()
        assert k >= 3 and centres.shape == (k, 2)
        assert len(set(geography.ward_of_points(centres))) == k  # each in a ward of its own
        points = police._nte_points(np.random.default_rng(1), 4000)
        nearest = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        share = np.bincount(nearest, minlength=k) / len(points)
        assert share.max() < 2 / k  # about evenly shared, none heaped on one centre
    with _common.using(layout.build(6, seed=5)):  # a small place: its first ward, as before
        assert police._nte_centres().tolist() == [
            _common.domain_wards()[["easting", "northing"]].iloc[0].astype(float).tolist()
        ]
    assert police._nte_centres().tolist() == [list(police.NTE_CENTRE)]  # the default data's


def test_another_places_wards_are_refused_where_a_notebook_reads_them(region, monkeypatch):
    from lsp_research import data
    from lsp_research.errors import ConfigError
    from lsp_research.topics import profiles

    root, _ = region
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(root / "processed"))
    monkeypatch.setenv("LSP_RAW_DIR", str(root / "raw"))
    monkeypatch.delenv("LSP_PLACE", raising=False)
    with pytest.raises(ConfigError) as err:  # the default place file: Sunderland's 25 wards
        data.load("wards")
    msg = str(err.value)
    assert "12 of its 12 wards" in msg and "set LSP_PLACE" in msg
    assert f"there is one at {root / 'raw' / 'place.yml'}" in msg
    with pytest.raises(ConfigError, match=r"12 of its 12 wards \(e\.g\. E059\d{5}\)"):
        data.load("wards", columns=["ward_code"])  # the codes alone are checked too
    params = profiles.validate_params(layout.REGION_CODE, "latest", 3)
    with pytest.raises(ConfigError, match="set LSP_PLACE"):  # what a profile notebook calls first
        profiles.load_inputs(params)
    monkeypatch.setenv("LSP_PLACE", str(root / "raw" / "place.yml"))  # the data's own place file
    assert len(data.load("wards")) == 12
    assert len(data.load("wards", columns=["ward_code"])) == 12


@pytest.mark.slow
def test_a_city_region_of_two_districts_runs_under_its_own_place_file(region, tmp_path):
    """The documented way (docs/scaling.md): LSP_PLACE at the place file ``data synth`` wrote."""
    import os
    import subprocess
    import sys

    from lsp_research import config

    root, _ = region
    place = config.place(root / "raw" / "place.yml")
    assert (place.name, place.district_code) == ("Synthshire", layout.REGION_CODE)
    wards = pd.read_parquet(root / "processed" / "wards.parquet")
    assert set(place.ward_codes) == set(wards["ward_code"])
    second = sorted(wards.loc[wards["lad_code"] == "E08999902", "ward_code"])[0]
    committee = wards.loc[wards["ward_code"] == second, "area_committee"].iloc[0]
    notebooks = config.PROJ_ROOT / "notebooks"
    programme = tmp_path / "programme.yml"
    programme.write_text(
        f"version: 1\nnotebooks_dir: {notebooks}\nnotebooks:\n"
        f"  - notebook: ward_profile.ipynb\n    name: ward_profile\n    over: [{second}]\n"
        "    tiers: [executive]\n"
        f"  - notebook: ward_profile.ipynb\n    name: area_profile\n    over: ['{committee}']\n"
        "    tiers: [executive]\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSP_")}
    env.update(LSP_RAW_DIR=str(root / "raw"), LSP_PROCESSED_DIR=str(root / "processed"),
               LSP_REPORTS_DIR=str(tmp_path / "reports"), LSP_PROGRAMME=str(programme),
               LSP_PLACE=str(root / "raw" / "place.yml"))  # fmt: skip
    run = subprocess.run([sys.executable, "-m", "lsp_research.cli", "run", "--quiet"],
                         capture_output=True, text=True, env=env, timeout=900)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    period = next(p for p in (tmp_path / "reports").iterdir() if p.name[:1] != ".")
    page = next((period / "ward_profile").rglob("*-executive.html")).read_text(encoding="utf-8")
    name = wards.loc[wards["ward_code"] == second, "ward_name"].iloc[0]
    assert name in page and "Synthshire" in page and "Sunderland" not in page
    # compared with every ward of the region, both districts, on the map and in each chart
    assert f"Map of Synthshire's 12 wards with {name} shaded" in page
    assert f"{name} among the 12 wards" in page
