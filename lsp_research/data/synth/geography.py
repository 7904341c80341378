"""Schematic ward boundaries, area committees, wellness centres and deprivation scores.

The 25 ward polygons are **schematic**: a power diagram (an additively weighted Voronoi diagram, whose
cells are convex) of the real ward centroids in British National Grid, clipped to a simple city outline
(the buffered convex hull of the centroids, cut by a straight coastline in the east), with the weights
tuned so that each ward's area is within 0.5% of its real area (138 km2 in all). Sites are nudged from the
centroids where needed so that each wellness centre lies in its own ward. Names and codes are the real
ones; the lines are not the real boundaries.

>>> wards = ward_polygons()
>>> len(wards), round(sum(g.area for g in wards.geometry) / 1e6)
(25, 138)
>>> bool(all(g.is_valid for g in wards.geometry))
True
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import MultiPoint, Polygon

from ... import config
from ._common import (
    active_layout,
    domain_centres,
    domain_wards,
    layout_cache,
    write_bytes,
    write_csv,
)

#: The coastline: the North Sea lies east of this line (two points in BNG metres).
COAST = ((441700.0, 562500.0), (442400.0, 545000.0))
#: Opening date of each centre. Only the Aquatic Centre's is found (18 April 2008); the others are
#: estimated as open throughout the period.
OPENED_BEFORE_PERIOD = "2004-04-01"
#: Step (m) by which diagram sites move so that each wellness centre lies in its own ward.
SITE_STEP = 150.0


def _outline(target_m2: float) -> Polygon:
    """Buffered hull of the centroids, cut at the coast, with the buffer chosen to match the area."""
    w = domain_wards()
    hull = MultiPoint(list(zip(w.easting, w.northing, strict=True))).convex_hull
    (x0, y0), (x1, y1) = COAST
    # the land side of the coast: a big polygon west of the line
    land = Polygon([(x0, y0), (x1, y1), (x1 - 40000, y1), (x0 - 40000, y0)])
    lo, hi = 0.0, 6000.0
    for _ in range(50):
        mid = (lo + hi) / 2
        area = hull.buffer(mid, quad_segs=8).intersection(land).area
        lo, hi = (mid, hi) if area < target_m2 else (lo, mid)
    return hull.buffer((lo + hi) / 2, quad_segs=8).intersection(land)


def _clip(poly: np.ndarray, n: np.ndarray, c: float) -> np.ndarray:
    """Clip a convex polygon (vertex array) to the half-plane ``x . n <= c`` (Sutherland-Hodgman)."""
    if len(poly) == 0:
        return poly
    s = poly @ n - c
    out = []
    for k in range(len(poly)):
        p, q, sp, sq = poly[k], poly[(k + 1) % len(poly)], s[k], s[(k + 1) % len(poly)]
        if sp <= 0:
            out.append(p)
        if (sp < 0 < sq) or (sq < 0 < sp):
            out.append(p + (q - p) * (sp / (sp - sq)))
    return np.array(out).reshape(-1, 2)


def _power_cells(points: np.ndarray, weights: np.ndarray, outline: Polygon) -> list[Polygon]:
    """Cells {x : |x-p_i|^2 - w_i <= |x-p_j|^2 - w_j for all j}, clipped to the (convex) outline."""
    minx, miny, maxx, maxy = outline.bounds
    frame = np.array([[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy]], dtype=float)
    cells = []
    for i, p in enumerate(points):
        cell = frame
        for j, q in enumerate(points):
            if i != j:
                # 2 x.(q - p) <= |q|^2 - |p|^2 - w_j + w_i
                cell = _clip(cell, 2 * (q - p), q @ q - p @ p - weights[j] + weights[i])
        cells.append(Polygon(cell).intersection(outline) if len(cell) >= 3 else Polygon())
    return cells


def _solve(sites: np.ndarray, target: np.ndarray, outline: Polygon, weights: np.ndarray) -> tuple:
    """Tune the power weights until every cell reaches its target area (within 0.5%)."""
    weights = weights.copy()
    for _ in range(300):
        cells = _power_cells(sites, weights, outline)
        area = np.array([c.area for c in cells])
        err = target - area
        if np.abs(err / target).max() < 0.005:
            break
        # dA/dw of a cell is about its perimeter / (2 d), d the distance to a neighbour (~ its diameter)
        perim = np.array([max(c.length, 1.0) for c in cells])
        diam = 2 * np.sqrt(np.maximum(area, 1e5) / np.pi)
        weights += 0.5 * err * 2 * diam / perim
    return cells, weights


@layout_cache
def ward_polygons() -> gpd.GeoDataFrame:
    """The 25 schematic ward polygons (EPSG:27700) with ONS 2009 column names.

    Sites start at the real centroids. When a wellness centre falls in a neighbouring ward's cell, that
    neighbour's site is pushed away from the centre and the own ward's site pulled towards it (in steps
    of ``SITE_STEP`` metres) until every centre lies in its own ward. A synthetic geography in use
    (:mod:`.layout`) brings its own polygons.
    """
    layout = active_layout()
    if layout is not None:
        return layout.polygons
    w = domain_wards()
    target = w["area_km2"].to_numpy() * 1e6
    outline = _outline(target.sum())
    sites = w[["easting", "northing"]].to_numpy(dtype=float)
    weights = np.zeros(len(w))
    c = centres()
    codes = list(w.ward_code)
    for _ in range(20):
        cells, weights = _solve(sites, target, outline, weights)
        moved = False
        for code, e, n in zip(c.ward_code, c.easting, c.northing, strict=True):
            i, pt = codes.index(code), np.array([e, n], dtype=float)
            if cells[i].contains(shapely.Point(pt)):
                continue
            j = next(k for k, g in enumerate(cells) if g.covers(shapely.Point(pt)))
            for k, sign in ((i, 1.0), (j, -1.0)):
                u = pt - sites[k]
                sites[k] += sign * SITE_STEP * u / np.hypot(*u)
            moved = True
        if not moved:
            break
    geoms = cells
    geoms = shapely.set_precision(np.array(geoms, dtype=object), grid_size=1.0)
    geoms = [shapely.normalize(g) for g in geoms]
    return gpd.GeoDataFrame(
        {
            "WD09CD": w["ward_code"],
            "WD09NM": w["ward_name"],
            "LAD09CD": w["lad_code"],
            "LAD09NM": config.LAD_NAME,
        },
        geometry=geoms,
        crs=config.CRS_BNG,
    )


def _geojson_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    """GeoJSON as GDAL writes it with RFC7946=NO: a ``crs`` member naming EPSG:27700, metre coordinates."""
    features = []
    for row in gdf.itertuples(index=False):
        geom = shapely.geometry.mapping(row.geometry)
        geom = json.loads(json.dumps(geom))  # tuples -> lists
        props = {c: getattr(row, c) for c in ("WD09CD", "WD09NM", "LAD09CD", "LAD09NM")}
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    doc = {
        "type": "FeatureCollection",
        "name": "wards",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": features,
    }
    text = json.dumps(doc, separators=(",", ":"))
    # integers print without a trailing .0 after set_precision(1 m): keep them as they are
    return (text + "\n").encode("utf-8")


def centres() -> pd.DataFrame:
    """The six wellness centres in BNG, ``WC1``..``WC6`` in the domain file's order (or those of the
    synthetic geography in use).
    """
    layout = active_layout()
    if layout is not None:
        return layout.centres
    c = domain_centres()
    w = domain_wards().set_index("ward_name")
    tr = pyproj.Transformer.from_crs(config.CRS_WGS84, config.CRS_BNG, always_xy=True)
    e, n = tr.transform(c["lon"].to_numpy(), c["lat"].to_numpy())
    opened = [
        "2008-04-18" if "Aquatic" in name else OPENED_BEFORE_PERIOD for name in c["centre_name"]
    ]
    return pd.DataFrame(
        {
            "centre_id": [f"WC{i + 1}" for i in range(len(c))],
            "centre_name": c["centre_name"],
            "ward_code": w.loc[c["ward"], "ward_code"].to_numpy(),
            "easting": np.round(e).astype(int),
            "northing": np.round(n).astype(int),
            "opened": opened,
        }
    )


def sample_points(
    rng: np.random.Generator, polygon: Polygon, n: int, batch: int = 256
) -> np.ndarray:
    """``n`` points uniformly inside ``polygon`` (rejection sampling in its bounding box), rounded to 1 m."""
    out = np.empty((0, 2))
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    while len(out) < n:
        m = max(batch, 2 * (n - len(out)))
        xy = np.round(np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)]))
        keep = shapely.contains_properly(polygon, shapely.points(xy))
        out = np.vstack([out, xy[keep]])
    return out[:n]


def ward_of_points(xy: np.ndarray) -> np.ndarray:
    """Index (ward-code order) of the ward containing each point, -1 outside every ward."""
    wards = ward_polygons()
    pts = shapely.points(xy)
    idx = np.full(len(xy), -1)
    for i, g in enumerate(wards.geometry):
        shapely.prepare(g)
        inside = shapely.contains_properly(g, pts)
        idx[inside] = i
    return idx


def ward_centroids() -> np.ndarray:
    """Centroids of the schematic polygons (BNG metres), one row per ward in ward-code order."""
    return np.array([[g.centroid.x, g.centroid.y] for g in ward_polygons().geometry])


def adjacency() -> dict[str, list[str]]:
    """Ward code -> codes of the wards sharing a boundary line with it."""
    wards = ward_polygons()
    out = {}
    for i, gi in enumerate(wards.geometry):
        out[wards.WD09CD[i]] = [
            wards.WD09CD[j]
            for j, gj in enumerate(wards.geometry)
            if i != j and gi.intersection(gj).length > 1.0
        ]
    return out


def write(out_dir: Path) -> list[Path]:
    """Write ``geography/`` and ``deprivation/`` files; return their paths."""
    w = domain_wards()
    geo = out_dir / "geography"
    paths = [write_bytes(geo / "wards.geojson", _geojson_bytes(ward_polygons()))]
    committees = pd.DataFrame({"ward_code": w.ward_code, "area_committee": w.area_committee})
    paths.append(write_csv(geo / "area_committees.csv", committees))
    paths.append(write_csv(geo / "wellness_centres.csv", centres()))
    imd = w[["ward_code", "imd2004_score", "imd2007_score", "imd2010_score"]]
    paths.append(write_csv(out_dir / "deprivation" / "imd_ward.csv", imd))
    return paths


__all__ = ["ward_polygons", "centres", "sample_points", "ward_of_points", "adjacency", "write"]
