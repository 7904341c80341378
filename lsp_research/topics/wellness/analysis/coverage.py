"""Coverage: where a seventh centre would reach most people.

The coverage model (:func:`seventh_centre`) spreads each ward's adults evenly over a grid of points and
uses PySAL's ``spopt`` maximal covering location problem (MCLP) with the six centres fixed, solved by the
CBC solver bundled with ``pulp``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .... import geo
from ....config import CRS_BNG
from ....errors import ParameterError
from ..inputs import DEFAULT_SERVICE_RADIUS_M


def demand_grid(wards, adults: pd.DataFrame, spacing_m: float = 500.0):
    """Demand points on a square grid, each ward's adults shared equally among the points inside it.

    A ward too small to hold a grid point gets one point at its representative point. Returns a
    GeoDataFrame with ``ward_code`` and ``population``.
    """
    if spacing_m <= 0:
        raise ParameterError(
            f"spacing_m: {spacing_m!r} is not allowed; allowed values: a positive number of metres"
        )
    w = geo.to_bng(wards[["ward_code", "geometry"]], "wards")
    w = w.assign(ward_code=w["ward_code"].astype(str))
    minx, miny, maxx, maxy = w.total_bounds
    xs = np.arange(math.floor(minx / spacing_m) * spacing_m + spacing_m / 2, maxx, spacing_m)
    ys = np.arange(math.floor(miny / spacing_m) * spacing_m + spacing_m / 2, maxy, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    grid = gpd.GeoDataFrame(geometry=gpd.points_from_xy(gx.ravel(), gy.ravel()), crs=CRS_BNG)
    pts = gpd.sjoin(grid, w, how="inner", predicate="within")[["ward_code", "geometry"]]
    missing = sorted(set(w["ward_code"]) - set(pts["ward_code"]))
    if missing:
        extra = w[w["ward_code"].isin(missing)]
        pts = pd.concat(
            [
                pts,
                gpd.GeoDataFrame(
                    {"ward_code": extra["ward_code"]},
                    geometry=extra.representative_point(),
                    crs=CRS_BNG,
                ),
            ]
        )
    pts = pts.reset_index(drop=True)
    per = pts.groupby("ward_code")["ward_code"].transform("size")
    pop = (
        pts["ward_code"]
        .map(adults.set_index(adults["ward_code"].astype(str))["population"])
        .fillna(0)
    )
    pts["population"] = pop.astype(float) / per
    return gpd.GeoDataFrame(pts, geometry="geometry", crs=CRS_BNG)


@dataclass(frozen=True)
class CoverageResult:
    """The result of the coverage model (see :func:`seventh_centre`)."""

    site: object  # shapely Point of the chosen site
    site_ward_code: str
    service_radius_m: float
    covered_before: float
    covered_after: float
    total: float
    demand: object = field(repr=False)  # GeoDataFrame with covered_before/covered_after flags
    candidates: object = field(repr=False)  # GeoDataFrame of candidate sites

    @property
    def gain(self) -> float:
        """People newly covered by the added centre."""
        return self.covered_after - self.covered_before

    @property
    def pct_before(self) -> float:
        """Percentage covered before the added centre."""
        return 100 * self.covered_before / self.total

    @property
    def pct_after(self) -> float:
        """Percentage covered with the added centre."""
        return 100 * self.covered_after / self.total


def seventh_centre(
    wards,
    centres,
    adults: pd.DataFrame,
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M,
    grid_m: float = 500.0,
    candidate_grid_m: float = 1000.0,
) -> CoverageResult:
    """Where one more centre would bring most adults within ``service_radius_m`` of a centre.

    A maximal covering location problem (``spopt.locate.MCLP``) with the existing centres pre-selected
    and p = existing + 1. Demand: adults spread evenly over a ``grid_m`` grid within each ward.
    Candidate sites: ward centroids and a ``candidate_grid_m`` grid inside the district. Straight-line
    distances. Solved with pulp's bundled CBC.

    Raises
    ------
    ParameterError
        When nobody is left unserved (or no candidate reaches them), so there is nothing to choose.
    """
    # deferred: pulp and spopt are heavy, and importing the package (profiles does) must not load them
    import pulp
    from spopt.locate import MCLP

    if service_radius_m <= 0:
        raise ParameterError(
            f"service_radius_m: {service_radius_m!r} is not allowed; allowed values: a positive "
            "number of metres"
        )
    demand = demand_grid(wards, adults, grid_m)
    cand_grid = demand_grid(wards, adults, candidate_grid_m)[["ward_code", "geometry"]]
    points = geo.ward_centroids(wards, keep=["ward_code"])
    points["ward_code"] = points["ward_code"].astype(str)
    cand = pd.concat([points, cand_grid], ignore_index=True)
    existing = gpd.GeoDataFrame(
        {"site_id": centres["centre_id"].astype(str).to_numpy()},
        geometry=geo.to_bng(centres, "centres").geometry.to_numpy(),
        crs=CRS_BNG,
    )
    cand = gpd.GeoDataFrame(
        {"site_id": [f"K{i + 1}" for i in range(len(cand))], "ward_code": cand["ward_code"]},
        geometry=cand.geometry.to_numpy(),
        crs=CRS_BNG,
    )
    facilities = pd.concat([existing, cand], ignore_index=True)
    k = len(existing)
    cost = geo.distance_matrix(demand, facilities, what=("demand points", "centres")).to_numpy()
    weights = demand["population"].to_numpy()
    within = cost <= service_radius_m
    before = within[:, :k].any(axis=1)
    # The fixed centres cover the same people whatever the new site, so only unserved demand points and
    # the candidates that reach one of them enter the model: the solution is unchanged, the model small.
    rows = np.flatnonzero(~before & (weights > 0))
    useful = k + np.flatnonzero(within[rows, k:].any(axis=0)) if len(rows) else np.array([], int)
    if len(useful) == 0:
        raise ParameterError(
            f"service_radius_m: every adult already lives within {service_radius_m:g} m of a centre, or "
            "no candidate site reaches anyone who does not"
        )
    cols = np.concatenate([np.arange(k), useful])
    predefined = np.zeros(len(cols), dtype=int)
    predefined[:k] = 1
    with warnings.catch_warnings():
        # pulp 3.3 warns about its own 4.0 API changes when spopt builds the model
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(
            cost[np.ix_(rows, cols)], weights[rows], service_radius=service_radius_m,
            p_facilities=k + 1, predefined_facilities_arr=predefined, name="seventh_centre",
        )  # fmt: skip
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    chosen = [cols[i] for i, v in enumerate(model.fac_vars) if v.value() and v.value() > 0.5]
    new = [j for j in chosen if j >= k]
    if len(new) != 1:
        raise RuntimeError(f"coverage model chose {len(new)} new sites, expected 1")  # a solver bug
    j = new[0]
    after = before | within[:, j]
    demand = demand.assign(covered_before=before, covered_after=after)
    return CoverageResult(
        site=facilities.geometry.iloc[j],
        site_ward_code=str(facilities["ward_code"].iloc[j]),
        service_radius_m=float(service_radius_m),
        covered_before=float(weights[before].sum()),
        covered_after=float(weights[after].sum()),
        total=float(weights.sum()),
        demand=demand,
        candidates=cand,
    )
