"""Police incidents: rates by area, Getis-Ord Gi* hot spots and the night-time economy."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .... import config, periods, stats
from ....errors import ParameterError
from .strata import quarters_frame, significance_category

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Weekend late-night hours: Friday and Saturday 21:00-23:59 and the small hours after them (00:00-03:59
#: on Saturday and Sunday).
WEEKEND_NIGHT = {"Friday": range(21, 24), "Saturday": (*range(0, 4), *range(21, 24)),
                 "Sunday": range(0, 4)}  # fmt: skip


def alcohol_incidents(
    incidents: pd.DataFrame, start: periods.Quarter, end: periods.Quarter
) -> pd.DataFrame:
    """The alcohol-flagged incidents in the window."""
    period = incidents["period"].astype(str)
    keep = (incidents["alcohol_flag"] == 1) & (period >= str(start)) & (period <= str(end))
    return incidents.loc[keep]


def incident_rates(
    incidents: pd.DataFrame,
    population: pd.DataFrame,
    start: periods.Quarter,
    end: periods.Quarter,
    area: str = "ward_code",
    areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Alcohol-related incidents per 1,000 residents per year, and the ratio to the city (= 100).

    Person-years are a quarter of each quarter's mid-year population, summed over the window.

    Parameters
    ----------
    incidents : pandas.DataFrame
        The ``incidents`` table (``period``, ``alcohol_flag``, ``ward_code``).
    population : pandas.DataFrame
        Mid-year estimates; every age counts in the denominator.
    start, end : Quarter
    area : str
        ``ward_code`` or a column of ``areas`` (e.g. ``area_committee``).
    areas : pandas.DataFrame, optional
        Ward attributes (:func:`area_lookup`) when ``area`` is not ``ward_code``.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``incidents``, ``person_years``, ``rate`` with ``rate_lowercl``/``rate_uppercl``
        (95%), ``ratio`` (area rate over city rate x 100) with ``lower95_0cl`` ... ``upper99_8cl``,
        ``significance`` (against 100), ``vs city`` (higher / similar / lower).
        Incidents outside every ward are left out.
    """
    inc = alcohol_incidents(incidents, start, end).dropna(subset=["ward_code"])
    quarters = quarters_frame(start, end, population["year"].unique())
    pop = population.merge(quarters, left_on="year", right_on="pop_year")
    pop = (
        pop.groupby("ward_code", observed=True)["population"].sum().mul(0.25).rename("person_years")
    )
    counts = inc.groupby("ward_code", observed=True).size().rename("incidents")
    table = pop.to_frame().join(counts, how="left").fillna({"incidents": 0}).reset_index()
    if area != "ward_code":
        if areas is None:
            raise ParameterError(f"areas: needed to group by {area!r}; pass area_lookup(wards)")
        table = table.merge(areas[["ward_code", area]], on="ward_code", how="left")
        table = (
            table.groupby(area, observed=True)[["incidents", "person_years"]].sum().reset_index()
        )
    table["incidents"] = table["incidents"].astype(int)
    rates = stats.crude_rate(table, "incidents", "person_years", multiplier=1000)
    table["rate"] = rates["value"]
    table["rate_lowercl"] = rates["lowercl"]
    table["rate_uppercl"] = rates["uppercl"]
    table["x_ref"] = float(table["incidents"].sum())
    table["n_ref"] = float(table["person_years"].sum())
    ratio = stats.isratio(table, "incidents", "person_years", "x_ref", "n_ref", by=area,
                          refvalue=100, confidence=(0.95, 0.998))  # fmt: skip
    table = table.drop(columns=["x_ref", "n_ref"]).merge(
        ratio[[area, "value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]], on=area
    )
    table = table.rename(columns={"value": "ratio"})
    table["significance"] = significance_category(table)
    city_rate = table["incidents"].sum() / table["person_years"].sum() * 1000
    table["vs city"] = stats.compare(
        table["rate"].to_numpy(), table["rate_lowercl"].to_numpy(), table["rate_uppercl"].to_numpy(),
        city_rate, None,
    )  # fmt: skip
    return table.sort_values(area, ignore_index=True)


def incident_grid(incidents: pd.DataFrame, wards, cell_size: float = 250.0):
    """Count incidents in square grid cells (British National Grid) covering the city.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with ``easting`` and ``northing`` (metres, EPSG:27700).
    wards : geopandas.GeoDataFrame
        Ward polygons in EPSG:27700 with ``ward_code``; a cell belongs to the ward holding its centre,
        and cells whose centre is outside every ward are left out.
    cell_size : float
        Cell side in metres (default 250).

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id``, ``row``, ``col``, ``ward_code``, ``incidents``, square geometry, EPSG:27700.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A"]}, geometry=[box(0, 0, 1000, 500)], crs="EPSG:27700")
    >>> pts = pd.DataFrame({"easting": [10.0, 20.0, 900.0], "northing": [10.0, 30.0, 400.0]})
    >>> g = incident_grid(pts, wards)
    >>> len(g), int(g["incidents"].sum()), int(g["incidents"].max())
    (8, 3, 2)
    """
    if cell_size <= 0:
        raise ParameterError(
            f"cell_size: {cell_size!r} is not allowed; allowed values: more than 0 metres"
        )
    wards = wards.to_crs(config.CRS_BNG)
    minx, miny, maxx, maxy = wards.total_bounds
    x0 = np.floor(minx / cell_size) * cell_size
    y0 = np.floor(miny / cell_size) * cell_size
    ncol = int(np.ceil((maxx - x0) / cell_size))
    nrow = int(np.ceil((maxy - y0) / cell_size))
    rows, cols = np.divmod(np.arange(nrow * ncol), ncol)
    cx = x0 + (cols + 0.5) * cell_size
    cy = y0 + (rows + 0.5) * cell_size
    centres = gpd.GeoDataFrame(
        {"row": rows, "col": cols}, geometry=gpd.points_from_xy(cx, cy), crs=config.CRS_BNG
    )
    joined = gpd.sjoin(centres, wards[["ward_code", "geometry"]], how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")].sort_index()
    e = incidents["easting"].to_numpy(dtype=float)
    n = incidents["northing"].to_numpy(dtype=float)
    ci = np.floor((e - x0) / cell_size).astype(np.int64)
    ri = np.floor((n - y0) / cell_size).astype(np.int64)
    ok = (ci >= 0) & (ci < ncol) & (ri >= 0) & (ri < nrow)
    counts = np.bincount(ri[ok] * ncol + ci[ok], minlength=nrow * ncol)
    idx = joined.index.to_numpy()
    r, c = rows[idx], cols[idx]
    geoms = shapely.box(x0 + c * cell_size, y0 + r * cell_size, x0 + (c + 1) * cell_size,
                        y0 + (r + 1) * cell_size)  # fmt: skip
    return gpd.GeoDataFrame(
        {
            "cell_id": idx,
            "row": r,
            "col": c,
            "ward_code": joined["ward_code"].to_numpy(),
            "incidents": counts[idx],
        },
        geometry=geoms,
        crs=config.CRS_BNG,
    ).reset_index(drop=True)


HOT_SPOT_LEVELS = (
    "Hot spot (99%)", "Hot spot (95%)", "Not significant", "Cold spot (95%)", "Cold spot (99%)",
)  # fmt: skip


def hot_spots(grid, permutations: int = 999, seed: int = config.DEFAULT_SEED):
    """Getis-Ord Gi* on grid-cell counts with queen-contiguity weights and permutation inference.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        From :func:`incident_grid` (``row``, ``col``, ``incidents``).
    permutations : int
        Conditional permutations for the pseudo p-values (default 999).
    seed : int
        Seed of the permutations, so that runs are reproducible.

    Returns
    -------
    geopandas.GeoDataFrame
        ``grid`` with ``gi_z`` (standardised Gi*), ``p_sim`` (one-sided pseudo p-value, as esda gives
        it) and ``hot_spot`` (a category of :data:`HOT_SPOT_LEVELS`: 99% when ``p_sim`` <= 0.01, 95% when
        <= 0.05, hot for positive ``gi_z`` and cold for negative). Not corrected for testing many cells:
        read isolated significant cells with care.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> wards = gpd.GeoDataFrame({"ward_code": ["A"]}, geometry=[box(0, 0, 2500, 2500)],
    ...                          crs="EPSG:27700")
    >>> rng = np.random.default_rng(0)
    >>> pts = pd.DataFrame({"easting": np.r_[rng.uniform(0, 2500, 300), rng.normal(1250, 150, 200)],
    ...                     "northing": np.r_[rng.uniform(0, 2500, 300), rng.normal(1250, 150, 200)]})
    >>> h = hot_spots(incident_grid(pts, wards), permutations=199, seed=1)
    >>> top = h.loc[h["gi_z"].idxmax()]
    >>> (int(top["row"]), int(top["col"])) in {(4, 4), (4, 5), (5, 4), (5, 5)}, top["hot_spot"]
    (True, 'Hot spot (99%)')
    """
    # esda and libpysal take seconds to import; only the hot-spot analysis needs them
    from esda.getisord import G_Local
    from libpysal.weights import W

    # queen contiguity on the lattice, from row/column positions (no geometry operations needed); each
    # cell is its own neighbour (weight 1), which is what Gi* (star=True) adds to binary weights
    pos = {
        (int(r), int(c)): i for i, (r, c) in enumerate(zip(grid["row"], grid["col"], strict=True))
    }
    neighbours = {}
    for (r, c), i in pos.items():
        neighbours[i] = [
            pos[(r + dr, c + dc)]
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            if (r + dr, c + dc) in pos
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbours, silence_warnings=True)
        g = G_Local(grid["incidents"].to_numpy(dtype=float), w, transform="B", star=True,
                    permutations=permutations, seed=seed, n_jobs=1, keep_simulations=False)  # fmt: skip
    out = grid.copy()
    out["gi_z"] = np.asarray(g.Zs, dtype=float)
    out["p_sim"] = np.asarray(g.p_sim, dtype=float)
    hot = out["gi_z"] > 0
    cats = np.select(
        [hot & (out["p_sim"] <= 0.01), hot & (out["p_sim"] <= 0.05),
         ~hot & (out["p_sim"] <= 0.01), ~hot & (out["p_sim"] <= 0.05)],
        ["Hot spot (99%)", "Hot spot (95%)", "Cold spot (99%)", "Cold spot (95%)"],
        default="Not significant",
    )  # fmt: skip
    out["hot_spot"] = pd.Categorical(cats, categories=HOT_SPOT_LEVELS)
    return out


def day_hour_profile(incidents: pd.DataFrame) -> pd.DataFrame:
    """Counts of incidents by day of the week (rows, Monday first) and hour of the day (columns 0-23).

    >>> inc = pd.DataFrame({"date": pd.to_datetime(["2009-06-05", "2009-06-05", "2009-06-08"]),
    ...                     "hour": [23, 23, 9]})
    >>> p = day_hour_profile(inc)
    >>> int(p.loc["Friday", 23]), int(p.loc["Monday", 9]), p.shape
    (2, 1, (7, 24))
    """
    day = pd.to_datetime(incidents["date"]).dt.day_of_week.to_numpy()
    hour = incidents["hour"].to_numpy(dtype=int)
    counts = np.bincount(day * 24 + hour, minlength=7 * 24).reshape(7, 24)
    return pd.DataFrame(counts, index=pd.Index(DAY_NAMES, name="day"),
                        columns=pd.Index(range(24), name="hour"))  # fmt: skip


def night_time_summary(profile: pd.DataFrame) -> dict:
    """How concentrated incidents are in weekend late-night hours (:data:`WEEKEND_NIGHT`).

    Returns
    -------
    dict
        ``share`` (of incidents in those hours), ``hours_share`` (of the week's hours, 14/168),
        ``concentration`` (share over hours_share), ``peak_day`` and ``peak_hour`` (the busiest cell),
        ``peak_in_weekend_night`` (bool), ``total``.

    Examples
    --------
    >>> p = pd.DataFrame(1, index=list(DAY_NAMES), columns=range(24))
    >>> p.loc["Saturday", 0] = 30
    >>> s = night_time_summary(p)
    >>> s["peak_day"], s["peak_hour"], s["peak_in_weekend_night"], round(s["hours_share"], 4)
    ('Saturday', 0, True, 0.0833)
    """
    total = float(profile.to_numpy().sum())
    in_night = sum(float(profile.loc[d, list(h)].sum()) for d, h in WEEKEND_NIGHT.items())
    n_hours = sum(len(h) for h in WEEKEND_NIGHT.values())
    stacked = profile.stack()
    peak_day, peak_hour = stacked.idxmax()
    share = in_night / total if total else float("nan")
    hours_share = n_hours / (7 * 24)
    return {
        "share": share,
        "hours_share": hours_share,
        "concentration": share / hours_share,
        "peak_day": str(peak_day),
        "peak_hour": int(peak_hour),
        "peak_in_weekend_night": int(peak_hour) in WEEKEND_NIGHT.get(str(peak_day), ()),
        "total": int(total),
    }


def hot_spot_wards(grid: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """Wards ranked by the number of hot-spot cells (95% or 99%) whose centre lies in them."""
    hot = grid["hot_spot"].isin(["Hot spot (99%)", "Hot spot (95%)"])
    table = grid.assign(hot=hot, hot99=grid["hot_spot"] == "Hot spot (99%)").groupby("ward_code").agg(
        cells=("hot", "size"), hot_cells=("hot", "sum"), hot_cells_99=("hot99", "sum"),
        incidents=("incidents", "sum"),
    )  # fmt: skip
    table = table.join(wards.set_index("ward_code")[["ward_name"]]).reset_index()
    return table.sort_values(["hot_cells", "hot_cells_99"], ascending=False, ignore_index=True)
