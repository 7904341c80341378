"""Wards, boundaries, spatial joins and distances, all in British National Grid metres.

Every area and distance is computed in EPSG:27700 (:data:`lsp_research.config.CRS_BNG`); files in other
coordinate systems (WGS84 GeoJSON, for instance) are reprojected when they are read.

:func:`load_boundaries` reads an ONS ward boundary file (GeoJSON, GeoPackage, Shapefile, or a zipped
Shapefile) with any ``WDyyCD``/``WDyyNM`` columns and returns tidy columns ``ward_code``, ``ward_name``,
``lad_code``, ``lad_name``, ``geometry``. :func:`assign_ward` puts points in wards, :func:`ward_centroids`
gives one point per ward, and :func:`distance_matrix` / :func:`nearest` measure straight-line distances.

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> wards = gpd.GeoDataFrame({"ward_code": ["A", "B"]},
...                          geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=CRS_BNG)
>>> pts = points_from_xy([500, 1500, 5000], [500, 500, 500])
>>> assign_ward(pts, wards)["ward_code"].tolist()
['A', 'B', nan]
>>> ward_centroids(wards).geometry.x.tolist()
[500.0, 1500.0]
>>> nearest(pts, ward_centroids(wards), id_col="ward_code")[["ward_code", "distance_m"]].round(1)
  ward_code  distance_m
0         A         0.0
1         B         0.0
2         B      3500.0
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .config import CRS_BNG, CRS_WGS84
from .errors import DataValidationError, ParameterError, Problem

_WARD_CD = re.compile(r"^WD(\d{2})CD$", re.IGNORECASE)
_WARD_NM = re.compile(r"^WD(\d{2})NMW?$", re.IGNORECASE)
_LAD_CD = re.compile(r"^LAD?(\d{2})CD$", re.IGNORECASE)
_LAD_NM = re.compile(r"^LAD?(\d{2})NM$", re.IGNORECASE)
#: Bounds (metres) inside which coordinates without a CRS are taken to be British National Grid.
_BNG_BOX = (0.0, 0.0, 700_000.0, 1_300_000.0)


def to_bng(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``gdf`` in British National Grid (reprojected when it is in another CRS).

    A frame without a CRS is refused, never assumed to be BNG: coordinates in an unknown system would
    give distances that look right and are not.

    Parameters
    ----------
    gdf : GeoDataFrame
    what : str
        What the frame is (``"wards"``, ``"centres"``), for the error message.

    Raises
    ------
    DataValidationError
        When ``gdf`` has no CRS.

    Examples
    --------
    >>> to_bng(points_from_xy([-1.3833], [54.9061], crs=CRS_WGS84), "centres").crs.to_epsg()
    27700
    >>> to_bng(gpd.GeoDataFrame(geometry=gpd.points_from_xy([1], [2])), "centres")
    Traceback (most recent call last):
    ...
    lsp_research.errors.DataValidationError: 1 problem in the geography:
      centres, column 'geometry': has no CRS; set one (e.g. EPSG:27700) before measuring
    """
    if gdf.crs is None:
        raise DataValidationError(
            [
                Problem(
                    what, None, "geometry", "has no CRS; set one (e.g. EPSG:27700) before measuring"
                )
            ],
            context="the geography",
        )
    if CRS(gdf.crs) != CRS(CRS_BNG):
        return gdf.to_crs(CRS_BNG)
    return gdf


def points_from_xy(
    x: Sequence[float], y: Sequence[float], crs: str = CRS_BNG, data: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """Points from coordinates (easting/northing in metres by default), reprojected to BNG.

    >>> points_from_xy([-1.3833], [54.9061], crs=CRS_WGS84).geometry.x.round(-2).tolist()
    [439600.0]
    """
    gdf = gpd.GeoDataFrame(
        data.copy() if data is not None else None,
        geometry=gpd.points_from_xy(np.asarray(x, float), np.asarray(y, float)),
        crs=crs,
    )
    return to_bng(gdf, "points")


def find_ward_columns(columns: Sequence[str]) -> dict[str, str | None]:
    """Find the ward and district code and name columns of an ONS boundary file.

    Takes the newest ``WDyyCD`` when several years are present (``yy`` below 50 is 20yy).

    >>> find_ward_columns(["FID", "WD09CD", "WD09NM", "LAD09CD", "geometry"])
    {'code': 'WD09CD', 'name': 'WD09NM', 'lad_code': 'LAD09CD', 'lad_name': None}
    >>> find_ward_columns(["wd22cd", "wd22nm", "WD11CD"])["code"]
    'wd22cd'
    """

    def newest(pattern: re.Pattern) -> str | None:
        hits = [(int(m.group(1)), c) for c in columns if (m := pattern.match(str(c)))]
        if not hits:
            return None
        return max(hits, key=lambda h: (h[0] + (2000 if h[0] < 50 else 1900), h[1]))[1]

    found = {
        "code": newest(_WARD_CD),
        "name": newest(_WARD_NM),
        "lad_code": newest(_LAD_CD),
        "lad_name": newest(_LAD_NM),
    }
    lower = {str(c).lower(): c for c in columns}
    for key, alts in {
        "code": ("ward_code", "wardcode", "ward code"),
        "name": ("ward_name", "wardname", "ward name"),
        "lad_code": ("lad_code", "la_code"),
        "lad_name": ("lad_name", "la_name"),
    }.items():
        if found[key] is None:
            found[key] = next((lower[a] for a in alts if a in lower), None)
    return found


def _whole_file(label: str, rule: str) -> DataValidationError:
    """The error for a problem with a whole boundary file (no row, no column)."""
    return DataValidationError([Problem(label, None, None, rule)])


def _read_boundaries(path: Path, label: str, layer: str | None) -> gpd.GeoDataFrame:
    """The features of a boundary file, or a DataValidationError saying why there are none."""
    if not path.exists():
        raise _whole_file(label, "boundary file not found")
    if path.is_file() and path.stat().st_size == 0:
        raise _whole_file(
            label,
            "file is empty (0 bytes); expected ward boundaries (GeoJSON, GeoPackage or Shapefile)",
        )
    target = f"zip://{path}" if path.suffix.lower() == ".zip" else path
    try:
        gdf = gpd.read_file(target, layer=layer, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001 - pyogrio raises DataSourceError subclasses, OSErrors and more; each becomes a DataValidationError
        raise _whole_file(
            label,
            "cannot read the boundary file: expected GeoJSON, GeoPackage or Shapefile "
            f"(GeoJSON must be UTF-8) - {str(exc).splitlines()[0][:200]}",
        ) from None
    if len(gdf) == 0:
        raise _whole_file(label, "the boundary file has no features (no wards)")
    return gdf


def _boundary_crs(gdf: gpd.GeoDataFrame, label: str, problems: list[Problem]):
    """The file's CRS, or the one its coordinates show when it has none (a problem when neither)."""
    crs = gdf.crs
    if crs is None:
        xmin, ymin, xmax, ymax = gdf.total_bounds
        if -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90:
            crs = CRS_WGS84
        elif (
            _BNG_BOX[0] <= xmin <= xmax <= _BNG_BOX[2]
            and _BNG_BOX[1] <= ymin <= ymax <= _BNG_BOX[3]
        ):
            crs = CRS_BNG
        else:
            problems.append(
                Problem(
                    label,
                    None,
                    "geometry",
                    "the file has no CRS and its coordinates are neither lon/lat nor British National Grid; add a .prj or a crs",
                )
            )
    return crs


def _feature_problems(out: gpd.GeoDataFrame, label: str, code_col: str) -> list[Problem]:
    """Missing codes, empty or non-polygon geometries and duplicated codes, one problem each."""
    problems: list[Problem] = []
    for rec in out.itertuples():
        code = rec.ward_code
        if pd.isna(code) or code in ("", "nan", "None"):
            problems.append(Problem(label, rec.feature_no, code_col, "missing ward code"))
        if rec.geometry is None or rec.geometry.is_empty:
            problems.append(
                Problem(label, rec.feature_no, "geometry", "missing or empty geometry", code)
            )
        elif rec.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                Problem(
                    label,
                    rec.feature_no,
                    "geometry",
                    f"ward geometry must be a polygon, got {rec.geometry.geom_type}",
                    code,
                )
            )
    dup = out["ward_code"].duplicated(keep=False) & out["ward_code"].notna()
    if dup.any():
        first = {}
        for rec in out[dup].itertuples():
            if rec.ward_code in first:
                problems.append(
                    Problem(
                        label,
                        rec.feature_no,
                        code_col,
                        f"duplicated ward code: same as feature {first[rec.ward_code]} (each ward must appear once)",
                        rec.ward_code,
                    )
                )
            else:
                first[rec.ward_code] = rec.feature_no
    return problems


def load_boundaries(
    path: str | Path,
    ward_code_col: str | None = None,
    ward_name_col: str | None = None,
    lad_code: str | None = None,
    label: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a ward boundary file into tidy columns in EPSG:27700.

    Parameters
    ----------
    path : str or Path
        A GeoJSON, GeoPackage, Shapefile (``.shp``, or ``.zip`` holding one) in any CRS.
    ward_code_col, ward_name_col : str, optional
        The code and name columns, when they are not ``WDyyCD`` / ``WDyyNM`` (or ``ward_code`` /
        ``ward_name``).
    lad_code : str, optional
        Keep only the wards of this district (needs a ``LADyyCD`` column; national files hold every ward
        of the country).
    label : str, optional
        The file name to use in error messages (default: the path).
    layer : str, optional
        The layer of a multi-layer GeoPackage.

    Returns
    -------
    GeoDataFrame
        ``ward_code``, ``ward_name``, ``lad_code``, ``lad_name``, ``geometry`` (polygons, EPSG:27700),
        sorted by ``ward_code``.

    Raises
    ------
    DataValidationError
        Listing every problem: unreadable file, no ward code column, no CRS, duplicated or missing codes,
        empty or invalid geometries.

    Notes
    -----
    A file without a CRS is taken as WGS84 when every coordinate is a longitude/latitude and as British
    National Grid when every coordinate lies inside the grid; otherwise it is refused. GeoJSON without a
    ``crs`` member is WGS84 by definition (RFC 7946).
    """
    path = Path(path)
    label = label or str(path)
    gdf = _read_boundaries(path, label, layer)
    cols = find_ward_columns([c for c in gdf.columns if c != gdf.geometry.name])
    code_col = ward_code_col or cols["code"]
    name_col = ward_name_col or cols["name"]
    problems = _column_problems(gdf, label, code_col, name_col, ward_code_col, ward_name_col)
    crs = _boundary_crs(gdf, label, problems)
    if problems:
        raise DataValidationError(problems)
    gdf = gdf.set_crs(crs, allow_override=True) if gdf.crs is None else gdf
    out = _tidy_boundaries(gdf, code_col, name_col, cols)
    if lad_code is not None and cols["lad_code"]:
        out = _keep_district(out, lad_code, cols["lad_code"], label)
    out = to_bng(out, label)
    problems += _feature_problems(out, label, code_col)
    if problems:
        raise DataValidationError(problems)
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = shapely.make_valid(out.geometry[invalid].values)
        out["geometry"] = out.geometry.buffer(0).where(invalid, out.geometry)
    out = out.drop(columns="feature_no").sort_values("ward_code").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS_BNG)


def _column_problems(gdf, label, code_col, name_col, ward_code_col, ward_name_col) -> list[Problem]:
    """A problem for a missing ward code column and one for a missing ward name column."""
    problems: list[Problem] = []
    attrs = [c for c in gdf.columns if c != gdf.geometry.name]
    if code_col is None or code_col not in gdf.columns:
        problems.append(
            Problem(
                label,
                None,
                ward_code_col or "WDyyCD",
                "the boundary file has no ward code column: expected WDyyCD (e.g. WD09CD, WD22CD) or "
                f"ward_code, or name it with ward_code_col; columns found: {', '.join(map(str, attrs)) or 'none'}",
            )
        )
    if name_col is None or name_col not in gdf.columns:
        problems.append(
            Problem(
                label,
                None,
                ward_name_col or "WDyyNM",
                "the boundary file has no ward name column: expected WDyyNM (e.g. WD09NM) or ward_name; "
                f"columns found: {', '.join(map(str, attrs)) or 'none'}",
            )
        )
    return problems


def _tidy_boundaries(gdf, code_col: str, name_col: str, cols: dict) -> gpd.GeoDataFrame:
    """The tidy columns (codes and names stripped) and a ``feature_no`` for messages, in the file's CRS."""
    out = gpd.GeoDataFrame(
        {
            "ward_code": gdf[code_col].astype("str").str.strip(),
            "ward_name": gdf[name_col].astype("str").str.strip(),
            "lad_code": gdf[cols["lad_code"]].astype("str").str.strip()
            if cols["lad_code"]
            else pd.NA,
            "lad_name": gdf[cols["lad_name"]].astype("str").str.strip()
            if cols["lad_name"]
            else pd.NA,
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    out["feature_no"] = np.arange(len(out)) + 1
    return out


def _keep_district(out: gpd.GeoDataFrame, lad_code: str, column: str, label: str):
    """The wards of district ``lad_code`` (a DataValidationError when there are none)."""
    keep = out["lad_code"] == lad_code
    if not keep.any():
        raise DataValidationError(
            [
                Problem(
                    label,
                    None,
                    column,
                    f"no ward belongs to district {lad_code}; districts in the file: "
                    + ", ".join(sorted(out["lad_code"].dropna().unique())[:10]),
                )
            ]
        )
    return out[keep]


def assign_ward(
    points: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    code_col: str = "ward_code",
    snap_m: float = 0.0,
) -> gpd.GeoDataFrame:
    """Add the code of the ward each point falls in (point in polygon, in BNG).

    Parameters
    ----------
    points : GeoDataFrame
        Points in any CRS (reprojected to BNG).
    wards : GeoDataFrame
        Ward polygons with ``code_col``.
    code_col : str
        The ward code column of ``wards``; the output column has the same name.
    snap_m : float
        Points outside every ward but within this distance (metres) of one are given the nearest ward
        (boundary files are generalised, so points on the coast or the district edge can fall just
        outside). ``0`` leaves them unassigned.

    Returns
    -------
    GeoDataFrame
        ``points`` (same index and order) with ``code_col`` added; NaN where no ward applies. A point on a
        shared boundary goes to the first ward in ``wards`` order.
    """
    if code_col not in wards.columns:
        raise ParameterError(f"code_col: wards have no column {code_col!r}")
    if snap_m < 0:
        raise ParameterError(f"snap_m: {snap_m} is not allowed; allowed values: a distance >= 0")
    pts = to_bng(points, "points")
    w = to_bng(wards, "wards")[[code_col, "geometry"]].reset_index(drop=True)
    geoms = pts.geometry.values
    tree = shapely.STRtree(w.geometry.values)
    pi, wi = tree.query(geoms, predicate="intersects")
    codes = np.full(len(pts), np.nan, dtype=object)
    order = np.lexsort((wi, pi))
    pi, wi = pi[order], wi[order]
    firsts = np.unique(pi, return_index=True)[1]
    codes[pi[firsts]] = w[code_col].to_numpy()[wi[firsts]]
    if snap_m > 0:
        missing = np.flatnonzero(pd.isna(codes) & ~shapely.is_empty(geoms) & ~pd.isna(geoms))
        if len(missing):
            mi, mw = tree.query_nearest(geoms[missing], max_distance=snap_m, all_matches=False)
            codes[missing[mi]] = w[code_col].to_numpy()[mw]
    out = points.copy()
    out[code_col] = pd.array(codes, dtype="str")
    return out


def ward_centroids(
    wards: gpd.GeoDataFrame, inside: bool = False, keep: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """One point per ward: the geometric centroid, or a point guaranteed inside (``inside=True``).

    Returns the ward attributes (only the columns ``keep`` when given) with point geometries in
    EPSG:27700. With no population below ward level, the centroid is the population-weighted point of
    a ward whose people are spread evenly over it.

    >>> from shapely.geometry import box
    >>> w = gpd.GeoDataFrame({"ward_code": ["A"], "name": ["x"]}, geometry=[box(0, 0, 10, 20)], crs=CRS_BNG)
    >>> c = ward_centroids(w, keep=["ward_code"])
    >>> list(c.columns), c.geometry.x.tolist(), c.geometry.y.tolist()
    (['ward_code', 'geometry'], [5.0], [10.0])
    """
    w = to_bng(wards, "wards")
    pts = w.geometry.representative_point() if inside else w.geometry.centroid
    attrs = w.drop(columns=w.geometry.name)
    if keep is not None:
        missing = [c for c in keep if c not in attrs.columns]
        if missing:
            raise ParameterError(
                f"keep: no column {', '.join(map(repr, missing))} in the wards; columns are "
                f"{', '.join(map(repr, attrs.columns))}"
            )
        attrs = attrs[list(keep)]
    return gpd.GeoDataFrame(attrs, geometry=pts.values, crs=CRS_BNG)


def population_weighted_centroids(
    small_areas: gpd.GeoDataFrame, population: str, ward_col: str = "ward_code"
) -> gpd.GeoDataFrame:
    """Population-weighted centroid of each ward from smaller areas (e.g. output areas) inside it.

    >>> from shapely.geometry import box
    >>> oa = gpd.GeoDataFrame({"ward_code": ["A", "A"], "pop": [300, 100]},
    ...                       geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=CRS_BNG)
    >>> population_weighted_centroids(oa, "pop").geometry.x.tolist()
    [7.5]
    """
    sa = to_bng(small_areas, "small areas")
    c = sa.geometry.centroid
    df = pd.DataFrame(
        {ward_col: sa[ward_col], "w": sa[population].astype(float), "x": c.x, "y": c.y}
    )
    if (df["w"] < 0).any():
        raise DataValidationError(
            [Problem("small areas", None, population, "negative population")],
            context="the geography",
        )
    df["wx"], df["wy"] = df["w"] * df["x"], df["w"] * df["y"]
    g = df.groupby(ward_col, sort=True)[["w", "wx", "wy"]].sum()
    if (g["w"] <= 0).any():
        raise DataValidationError(
            [Problem("small areas", None, population,
                     f"ward(s) with zero population: {list(g.index[g['w'] <= 0])}")],
            context="the geography",
        )  # fmt: skip
    return gpd.GeoDataFrame(
        {ward_col: g.index, population: g["w"].to_numpy()},
        geometry=gpd.points_from_xy(g["wx"] / g["w"], g["wy"] / g["w"]),
        crs=CRS_BNG,
    )


def distance_matrix(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    origin_id: str | None = None,
    destination_id: str | None = None,
    what: tuple[str, str] = ("origins", "destinations"),
) -> pd.DataFrame:
    """Straight-line distances in metres (BNG), origins as rows and destinations as columns.

    Both sets must be points; ``what`` names them in an error (a frame without a CRS). The distance is ``sqrt(dx**2 + dy**2)`` computed in that order (not
    ``numpy.hypot``, which can differ in the last bit), so that every figure built on it repeats exactly.

    >>> a = points_from_xy([0, 300], [0, 400])
    >>> distance_matrix(a, a).to_numpy().tolist()
    [[0.0, 500.0], [500.0, 0.0]]
    """
    o, d = to_bng(origins, what[0]), to_bng(destinations, what[1])
    ox, oy = o.geometry.x.to_numpy(), o.geometry.y.to_numpy()
    dx, dy = d.geometry.x.to_numpy(), d.geometry.y.to_numpy()
    dist = np.sqrt((ox[:, None] - dx[None, :]) ** 2 + (oy[:, None] - dy[None, :]) ** 2)
    return pd.DataFrame(
        dist,
        index=o[origin_id].to_numpy() if origin_id else o.index,
        columns=d[destination_id].to_numpy() if destination_id else d.index,
    )


def nearest(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    id_col: str,
    what: tuple[str, str] = ("origins", "destinations"),
) -> pd.DataFrame:
    """For each origin point, the nearest destination's ``id_col`` and the distance to it in metres.

    ``what`` names the two sets in an error (a frame without a CRS).

    Distances are measured to the destination geometry (for polygons, 0 inside them). When every origin
    and destination is a point, they come from :func:`distance_matrix` (the same figures to the last
    bit) and a tie goes to the first destination in order. Returns a DataFrame indexed like ``origins``
    with columns ``id_col`` and ``distance_m``.

    >>> pts = points_from_xy([0, 3000], [0, 4000], data=pd.DataFrame({"ward_code": ["A", "B"]}))
    >>> cen = points_from_xy([0, 9000], [1000, 0], data=pd.DataFrame({"centre_id": ["C1", "C2"]}))
    >>> nearest(pts, cen, id_col="centre_id").round(1)
      centre_id  distance_m
    0        C1      1000.0
    1        C1      4242.6
    """
    if id_col not in destinations.columns:
        raise ParameterError(f"id_col: destinations have no column {id_col!r}")
    o, d = to_bng(origins, what[0]), to_bng(destinations, what[1])
    if len(d) and (o.geom_type == "Point").all() and (d.geom_type == "Point").all():
        m = distance_matrix(o, d).to_numpy()
        j = m.argmin(axis=1)
        return pd.DataFrame(
            {id_col: d[id_col].to_numpy()[j], "distance_m": m[np.arange(len(m)), j]},
            index=origins.index,
        )
    tree = shapely.STRtree(d.geometry.values)
    oi, di = tree.query_nearest(o.geometry.values, all_matches=False)
    ids = np.full(len(o), None, dtype=object)
    dist = np.full(len(o), np.nan)
    ids[oi] = d[id_col].to_numpy()[di]
    dist[oi] = shapely.distance(o.geometry.values[oi], d.geometry.values[di])
    return pd.DataFrame({id_col: ids, "distance_m": dist}, index=origins.index)


def distance_m(
    a: gpd.GeoSeries | gpd.GeoDataFrame, b: gpd.GeoSeries | gpd.GeoDataFrame
) -> pd.Series:
    """Element-wise distance in metres between two aligned sets of geometries (both reprojected to BNG).

    >>> distance_m(points_from_xy([0], [0]), points_from_xy([3], [4])).tolist()
    [5.0]
    """
    ga = to_bng(
        gpd.GeoDataFrame(geometry=gpd.GeoSeries(a.geometry if hasattr(a, "geometry") else a)), "a"
    )
    gb = to_bng(
        gpd.GeoDataFrame(geometry=gpd.GeoSeries(b.geometry if hasattr(b, "geometry") else b)), "b"
    )
    if len(ga) != len(gb):
        raise ParameterError(f"a and b must have the same length, got {len(ga)} and {len(gb)}")
    return pd.Series(shapely.distance(ga.geometry.values, gb.geometry.values), index=ga.index)


def ward_areas_km2(wards: gpd.GeoDataFrame) -> pd.Series:
    """Ward areas in square kilometres, measured in BNG.

    >>> from shapely.geometry import box
    >>> w = gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 500)], crs=CRS_BNG)
    >>> ward_areas_km2(w).tolist()
    [1.0]
    """
    return to_bng(wards, "wards").geometry.area / 1e6
