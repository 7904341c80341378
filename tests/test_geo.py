"""lsp_research.geo: boundaries, point in ward, centroids and distances in BNG metres (worked values)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from lsp_research.config import CRS_BNG, CRS_WGS84
from lsp_research.errors import DataValidationError, ParameterError
from lsp_research.geo import (
    assign_ward,
    distance_m,
    distance_matrix,
    find_ward_columns,
    load_boundaries,
    nearest,
    points_from_xy,
    population_weighted_centroids,
    ward_areas_km2,
    ward_centroids,
)


@pytest.fixture
def grid():
    """Two 1 km squares side by side: A (x 0-1000) and B (x 1000-2000)."""
    return gpd.GeoDataFrame(
        {"ward_code": ["A", "B"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs=CRS_BNG,
    )


def test_assign_ward_inside_outside_and_snapped(grid):
    pts = points_from_xy([10, 1990, 2100, 3000, 1000], [10, 990, 500, 500, 500])
    assert assign_ward(pts, grid)["ward_code"].tolist()[:4] == ["A", "B", np.nan, np.nan]
    snapped = assign_ward(pts, grid, snap_m=200)["ward_code"].tolist()
    assert snapped[2] == "B"  # 100 m east of B
    assert snapped[3] is np.nan or snapped[3] != snapped[3]  # 1 km away: still outside
    assert snapped[4] == "A"  # on the shared edge: the first ward in order


def test_assign_ward_reprojects_wgs84_points(grid):
    wards = gpd.GeoDataFrame(
        {"ward_code": ["X"]}, geometry=[box(437000, 555000, 439000, 557000)], crs=CRS_BNG
    )
    pts = points_from_xy([438000], [556000]).to_crs(CRS_WGS84)
    out = assign_ward(pts, wards)
    assert out.crs.to_epsg() == 4326  # the caller's points keep their CRS
    assert out["ward_code"].tolist() == ["X"]


def test_assign_ward_rejects_bad_arguments(grid):
    pts = points_from_xy([1], [1])
    with pytest.raises(ParameterError, match="code_col"):
        assign_ward(pts, grid, code_col="nope")
    with pytest.raises(ParameterError, match="snap_m"):
        assign_ward(pts, grid, snap_m=-1)
    nocrs = gpd.GeoDataFrame(geometry=[Point(0, 0)])
    with pytest.raises(DataValidationError, match="points, column 'geometry': has no CRS"):
        assign_ward(nocrs, grid)


def test_centroids_inside_and_areas(grid):
    l_shape = gpd.GeoDataFrame(
        {"ward_code": ["L"]},
        geometry=[box(0, 0, 3000, 1000).union(box(0, 0, 1000, 3000))],
        crs=CRS_BNG,
    )
    assert ward_areas_km2(l_shape).tolist() == [5.0]
    c = ward_centroids(l_shape).geometry.iloc[0]
    assert c.x == pytest.approx(1100) and c.y == pytest.approx(1100)
    assert ward_centroids(l_shape, inside=True).geometry.iloc[0].within(l_shape.geometry.iloc[0])
    assert ward_centroids(grid)["ward_code"].tolist() == ["A", "B"]


def test_population_weighted_centroid_worked_value():
    oa = gpd.GeoDataFrame(
        {"ward_code": ["A", "A", "B"], "pop": [100, 300, 50]},
        geometry=[box(0, 0, 100, 100), box(400, 0, 500, 100), box(0, 0, 10, 10)],
        crs=CRS_BNG,
    )
    out = population_weighted_centroids(oa, "pop")
    # A: (100 * 50 + 300 * 450) / 400 = 350
    assert out.geometry.x.tolist() == [350.0, 5.0]
    assert out["pop"].tolist() == [400.0, 50.0]
    with pytest.raises(DataValidationError, match="negative"):
        population_weighted_centroids(oa.assign(pop=[-1, 1, 1]), "pop")


def test_distances_in_metres(grid):
    a = points_from_xy([0, 3000], [0, 4000])
    assert distance_m(a, points_from_xy([3000, 3000], [4000, 4000])).tolist() == [5000.0, 0.0]
    m = distance_matrix(a, ward_centroids(grid), destination_id="ward_code")
    assert list(m.columns) == ["A", "B"]
    assert m.loc[0, "A"] == pytest.approx(np.hypot(500, 500))
    near = nearest(a, grid, id_col="ward_code")
    assert near["ward_code"].tolist() == ["A", "B"]
    assert near["distance_m"].tolist() == pytest.approx([0.0, np.hypot(1000, 3000)])
    # WGS84 input is measured in BNG metres too
    ll = points_from_xy([435000, 438000], [553000, 557000]).to_crs(CRS_WGS84)
    assert distance_m(ll.iloc[[0]], ll.iloc[[1]]).iloc[0] == pytest.approx(5000, abs=0.01)
    with pytest.raises(ParameterError, match="same length"):
        distance_m(a, a.iloc[:1])


def test_distance_matrix_and_nearest_between_points_worked_values():
    """sqrt(dx^2 + dy^2) exactly (the figures the wellness report publishes), ties to the first."""
    o = points_from_xy([0.0, 3000.0, 1.5], [0.0, 4000.0, 2.5])
    d = points_from_xy([0.0, 9000.0, 0.0, 3000.0], [1000.0, 0.0, -1000.0, 4000.0])
    d["centre_id"] = ["C1", "C2", "C3", "C4"]
    m = distance_matrix(o, d, destination_id="centre_id")
    ox, oy = np.array([0.0, 3000.0, 1.5]), np.array([0.0, 4000.0, 2.5])
    dx, dy = np.array([0.0, 9000.0, 0.0, 3000.0]), np.array([1000.0, 0.0, -1000.0, 4000.0])
    expected = np.sqrt((ox[:, None] - dx) ** 2 + (oy[:, None] - dy) ** 2)
    assert (m.to_numpy() == expected).all()  # bit for bit
    near = nearest(o, d, id_col="centre_id")
    # origin 0 is 1000 m from C1 and from C3: the first in order wins
    assert near["centre_id"].tolist() == ["C1", "C4", "C1"]
    assert near["distance_m"].tolist() == [1000.0, 0.0, expected[2, 0]]
    with pytest.raises(ParameterError, match="id_col"):
        nearest(o, d, id_col="nope")


def test_ward_centroids_keep_only_the_columns_asked_for(grid):
    c = ward_centroids(grid.assign(name=["a", "b"]), keep=["ward_code"])
    assert list(c.columns) == ["ward_code", "geometry"] and c.geometry.x.tolist() == [500.0, 1500.0]
    with pytest.raises(ParameterError, match="keep: no column 'nope'"):
        ward_centroids(grid, keep=["nope"])
    nocrs = grid.set_crs(None, allow_override=True)
    with pytest.raises(DataValidationError, match="wards, column 'geometry': has no CRS"):
        ward_centroids(nocrs)


def test_find_ward_columns_picks_the_newest_year():
    cols = find_ward_columns(["WD09CD", "WD09NM", "WD22CD", "WD22NM", "LAD22CD", "LAD22NM"])
    assert cols == {
        "code": "WD22CD",
        "name": "WD22NM",
        "lad_code": "LAD22CD",
        "lad_name": "LAD22NM",
    }
    assert find_ward_columns(["wd99cd", "wd03cd"])["code"] == "wd03cd"  # 2003 is newer than 1999


def _geojson(tmp_path, props, geom=None, crs=True):
    feats = [
        {
            "type": "Feature",
            "properties": p,
            "geometry": geom
            or {"type": "Polygon", "coordinates": [[[0, 0], [1000, 0], [1000, 1000], [0, 0]]]},
        }
        for p in props
    ]
    gj = {"type": "FeatureCollection", "features": feats}
    if crs:
        gj["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    path = tmp_path / "w.geojson"
    path.write_text(json.dumps(gj))
    return path


def test_boundary_without_ward_code_column_lists_columns(tmp_path):
    path = _geojson(tmp_path, [{"CODE": "E05001153", "NAME": "Barnes"}])
    with pytest.raises(DataValidationError) as err:
        load_boundaries(path, label="w.geojson")
    text = str(err.value)
    assert "w.geojson, column 'WDyyCD': the boundary file has no ward code column" in text
    assert "columns found: CODE, NAME" in text
    # naming the columns makes it load
    assert load_boundaries(path, ward_code_col="CODE", ward_name_col="NAME")[
        "ward_code"
    ].tolist() == ["E05001153"]


def test_boundary_problems_are_all_listed(tmp_path):
    path = _geojson(
        tmp_path,
        [
            {"WD09CD": "E05001153", "WD09NM": "Barnes"},
            {"WD09CD": "E05001153", "WD09NM": "Barnes again"},
            {"WD09CD": None, "WD09NM": "No code"},
        ],
    )
    with pytest.raises(DataValidationError) as err:
        load_boundaries(path, label="w.geojson")
    text = str(err.value)
    assert "w.geojson, row 2, column 'WD09CD': duplicated ward code: same as feature 1" in text
    assert "w.geojson, row 3, column 'WD09CD': missing ward code" in text


def test_boundary_points_are_refused(tmp_path):
    path = _geojson(
        tmp_path,
        [{"WD09CD": "E05001153", "WD09NM": "Barnes"}],
        geom={"type": "Point", "coordinates": [1, 1]},
    )
    with pytest.raises(DataValidationError, match="must be a polygon, got Point"):
        load_boundaries(path)


def test_unreadable_and_empty_boundary_files(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(b"\x00\x01 not json")
    with pytest.raises(DataValidationError, match="cannot read the boundary file"):
        load_boundaries(bad)
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(DataValidationError, match="file is empty"):
        load_boundaries(empty)
    with pytest.raises(DataValidationError, match="not found"):
        load_boundaries(tmp_path / "missing.geojson")


def test_shapefile_without_prj_in_bng_is_taken_as_bng(tmp_path):
    g = gpd.GeoDataFrame(
        {"WD09CD": ["E05001153"], "WD09NM": ["Barnes"]},
        geometry=[box(435000, 553000, 437000, 555000)],
        crs=CRS_BNG,
    )
    g.to_file(tmp_path / "w.shp")
    (tmp_path / "w.prj").unlink()
    got = load_boundaries(tmp_path / "w.shp")
    assert got.crs.to_epsg() == 27700
    assert ward_areas_km2(got).tolist() == [4.0]
