"""Access: the two-step floating catchment and the distance decay of take-up.

Distances are straight lines in British National Grid metres (:mod:`lsp_research.geo`), from each
ward's population point to a centre. With no population below ward level, the population is assumed to
be spread evenly over each ward, so the population-weighted point is the ward's area centroid. The
two-step floating catchment area (2SFCA) measure uses PySAL's ``access`` package with each centre's
capacity (equal unless given) as supply and the adult population as demand.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .... import geo
from ....disclosure import RULES
from ....errors import DataValidationError, ParameterError, Problem
from ..inputs import DEFAULT_CATCHMENT_M, REFERRAL_AGE_BANDS


def two_step_fca(
    points,
    adults: pd.DataFrame,
    centres,
    capacity: Sequence[float] | None = None,
    catchment_m: float = DEFAULT_CATCHMENT_M,
) -> pd.DataFrame:
    """Two-step floating catchment area access for each ward (PySAL ``access``).

    Parameters
    ----------
    points : GeoDataFrame
        Ward population points (``ward_code``), see :func:`lsp_research.geo.ward_centroids`.
    adults : DataFrame
        ``ward_code`` and ``population`` (demand).
    centres : GeoDataFrame
        ``centre_id`` and point geometry (supply).
    capacity : sequence of float, optional
        Each centre's capacity; equal (1 each) when not given.
    catchment_m : float
        Catchment radius in straight-line metres.

    Returns
    -------
    DataFrame
        ``ward_code`` and ``access_2sfca``: centre capacity within reach per 100,000 adults (with equal
        capacities, centres per 100,000 adults); 0 where no centre is within the catchment.
    """
    # deferred: PySAL access is heavy, and importing the package (profiles does) must not load it
    import access as pysal_access

    if catchment_m <= 0:
        raise ParameterError(
            f"catchment_m: {catchment_m!r} is not allowed; allowed values: a positive number of metres"
        )
    cap = np.ones(len(centres)) if capacity is None else np.asarray(capacity, dtype=float)
    if len(cap) != len(centres) or (cap < 0).any():
        raise ParameterError(
            f"capacity: {len(cap)} values given for {len(centres)} centres; allowed values: one "
            "non-negative number per centre"
        )
    demand = pd.DataFrame({"ward_code": points["ward_code"].astype(str).to_numpy()}).merge(
        adults.assign(ward_code=adults["ward_code"].astype(str)), on="ward_code", how="left"
    )
    demand["population"] = demand["population"].fillna(0).astype(float)
    supply = pd.DataFrame(
        {"centre_id": centres["centre_id"].astype(str).to_numpy(), "capacity": cap}
    )
    d = geo.distance_matrix(points, centres, what=("ward points", "centres")).to_numpy()
    cost = pd.DataFrame(
        {
            "origin": np.repeat(demand["ward_code"].to_numpy(), len(supply)),
            "dest": np.tile(supply["centre_id"].to_numpy(), len(demand)),
            "cost": d.ravel(),
        }
    )
    with warnings.catch_warnings():
        # the access package uses pandas' deprecated inplace keyword; nothing for our users to act on
        warnings.simplefilter("ignore")
        acc = pysal_access.Access(
            demand_df=demand,
            demand_index="ward_code",
            demand_value="population",
            supply_df=supply,
            supply_index="centre_id",
            supply_value="capacity",
            cost_df=cost,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        res = acc.two_stage_fca(name="fca", max_cost=catchment_m)
    col = "fca_capacity"
    out = pd.DataFrame({"ward_code": demand["ward_code"]})
    vals = res[col].reindex(out["ward_code"]).to_numpy(dtype=float)
    out["access_2sfca"] = np.nan_to_num(vals, nan=0.0) * 100_000
    return out


@dataclass(frozen=True)
class DecayFit:
    """A binomial GLM (logit link) of an outcome on distance (km).

    ``distance`` names the distance column of the fitted table; ``coef_per_km`` is the change in log-odds per km (negative = decay), ``odds_ratio_per_km`` its
    exponential; ``curve`` holds fitted percentages with 95% limits over a grid of distances (other
    covariates at their weighted means).
    """

    outcome: str
    coef_per_km: float
    lowercl: float
    uppercl: float
    p_value: float
    n_groups: int
    n_trials: int
    covariates: tuple[str, ...]
    curve: pd.DataFrame = field(repr=False)
    distance: str = "distance_km"
    target: str = "the nearest centre"

    @property
    def direction(self) -> str:
        """``"falls"``, ``"rises"`` or ``"shows no clear change"`` (95% interval against 0)."""
        if self.uppercl < 0:
            return "falls"
        if self.lowercl > 0:
            return "rises"
        return "shows no clear change"

    @property
    def odds_ratio_per_km(self) -> float:
        """The odds ratio of the outcome per km."""
        return math.exp(self.coef_per_km)

    @property
    def odds_ratio_lowercl(self) -> float:
        """The lower confidence limit of the odds ratio per km."""
        return math.exp(self.lowercl)

    @property
    def odds_ratio_uppercl(self) -> float:
        """The upper confidence limit of the odds ratio per km."""
        return math.exp(self.uppercl)

    def summary_row(self) -> dict:
        """The model as one row of the distance-decay summary table."""
        return {
            "outcome": self.outcome,
            "coef_per_km": self.coef_per_km,
            "coef_lowercl": self.lowercl,
            "coef_uppercl": self.uppercl,
            "odds_ratio_per_km": self.odds_ratio_per_km,
            "or_lowercl": self.odds_ratio_lowercl,
            "or_uppercl": self.odds_ratio_uppercl,
            "p_value": self.p_value,
            "wards": self.n_groups,
            "trials": self.n_trials,
            "adjusted_for": ", ".join(self.covariates) or "nothing",
        }


def fit_decay(
    table: pd.DataFrame,
    successes: str,
    trials: str,
    distance: str = "distance_km",
    covariates: Sequence[str] = (),
    outcome: str | None = None,
    target: str = "the nearest centre",
) -> DecayFit:
    """Fit ``logit(successes / trials) = a + b * distance (+ covariates)`` by a binomial GLM.

    Parameters
    ----------
    table : DataFrame
        One row per ward (or any unit) with the counts and the distance in km.
    successes, trials : str
        Count columns (e.g. ``took_up`` and ``referrals``; or ``took_up`` and ``population``).
    distance : str
        Distance column (km).
    covariates : sequence of str
        Numeric columns to adjust for (e.g. ``imd2007_score``).
    outcome : str, optional
        A label for the fitted outcome.
    target : str
        What the distance is measured to, for labels.

    Examples
    --------
    >>> d = np.repeat([0.5, 1.5, 2.5, 3.5, 4.5], 2)
    >>> n = np.full(10, 400)
    >>> p = 1 / (1 + np.exp(-(1.0 - 0.3 * d)))
    >>> t = pd.DataFrame({"distance_km": d, "n": n, "x": np.round(n * p).astype(int)})
    >>> fit = fit_decay(t, "x", "n")
    >>> round(fit.coef_per_km, 2), fit.p_value < 0.001, fit.uppercl < 0
    (-0.3, True, True)
    """
    # deferred: statsmodels is heavy, and importing the package (profiles does) must not load it
    import statsmodels.api as sm

    t = table[[successes, trials, distance, *covariates]].dropna()
    t = t[t[trials] > 0]
    if len(t) < len(covariates) + 3:
        raise ParameterError(
            f"table: {len(t)} rows with trials; a distance decay with {len(covariates)} covariates "
            f"needs at least {len(covariates) + 3}"
        )
    x = t[successes].to_numpy(dtype=float)
    n = t[trials].to_numpy(dtype=float)
    if ((x < 0) | (x > n)).any():
        raise DataValidationError(
            [Problem("decay table", None, successes, f"must lie between 0 and {trials}")]
        )
    exog = sm.add_constant(t[[distance, *covariates]].astype(float), has_constant="add")
    model = sm.GLM(np.column_stack([x, n - x]), exog, family=sm.families.Binomial())
    res = model.fit()
    ci = res.conf_int(alpha=0.05)
    grid = np.linspace(0, max(float(t[distance].max()), 0.1), 61)
    newx = pd.DataFrame({"const": 1.0, distance: grid})
    for c in covariates:
        newx[c] = float(np.average(t[c].astype(float), weights=n))
    pred = res.get_prediction(newx[exog.columns]).summary_frame(alpha=0.05)
    curve = pd.DataFrame(
        {
            "distance_km": grid,
            "fitted_pct": pred["mean"].to_numpy() * 100,
            "lowercl": pred["mean_ci_lower"].to_numpy() * 100,
            "uppercl": pred["mean_ci_upper"].to_numpy() * 100,
        }
    )
    return DecayFit(
        outcome=outcome or f"{successes} / {trials}",
        coef_per_km=float(res.params[distance]),
        lowercl=float(ci.loc[distance, 0]),
        uppercl=float(ci.loc[distance, 1]),
        p_value=float(res.pvalues[distance]),
        n_groups=len(t),
        n_trials=int(n.sum()),
        covariates=tuple(covariates),
        curve=curve,
        distance=distance,
        target=target,
    )


def decay_table(referrals: pd.DataFrame, points, centres, wards: pd.DataFrame) -> pd.DataFrame:
    """Referrals and take-up by ward, centre referred to, sex and age band, with the distance.

    ``distance_km`` is the straight-line distance from the ward's population point to the centre the
    referral went to. Adds ``imd2007_score``, ``female`` (0/1) and one 0/1 column per age band
    (``aged_16_24``, ``aged_25_34``, ...), ready for :func:`fit_decay` with covariates (leave one
    band out).
    """
    keys = ["ward_code", "centre_id", "sex", "age_band"]
    r = referrals.assign(**{k: referrals[k].astype(str) for k in keys})
    r = r.assign(_one=1)
    g = r.groupby(keys, as_index=False, observed=True).agg(
        referrals=("_one", "sum"), took_up=("took_up", "sum")
    )
    d = geo.distance_matrix(points, centres, what=("ward points", "centres")).to_numpy()
    dist = pd.DataFrame(d / 1000, index=points["ward_code"].astype(str).to_numpy(),
                        columns=centres["centre_id"].astype(str).to_numpy())  # fmt: skip
    g["distance_km"] = (
        dist.stack().reindex(list(zip(g["ward_code"], g["centre_id"], strict=True))).to_numpy()
    )
    imd = pd.Series(
        wards["imd2007_score"].to_numpy(dtype=float), index=wards["ward_code"].astype(str)
    )
    g["imd2007_score"] = g["ward_code"].map(imd)
    g["female"] = (g["sex"] == "F").astype(int)
    for band in REFERRAL_AGE_BANDS:
        g["aged_" + band.replace("-", "_").replace("+", "plus")] = (g["age_band"] == band).astype(
            int
        )
    return g


def decay_bands(
    table: pd.DataFrame,
    distance: str = "distance_km",
    successes: str = "took_up",
    trials: str = "referrals",
    min_trials: int = 20,
    rule: str = "hes2008",
) -> pd.DataFrame:
    """Pool ward-by-centre cells into distance bands that are safe to plot.

    Cells are taken in order of distance and pooled until a band has at least ``min_trials`` trials and
    neither its successes nor its failures is a small count (1 to 5 under ``rule``); a last band that
    falls short is merged into the one before. Returns one row per band: ``distance`` (trial-weighted
    mean), ``successes``, ``trials``, ``pct``, ``cells`` (cells pooled).

    >>> t = pd.DataFrame({"distance_km": [0.5, 1.0, 1.5, 2.0, 3.0, 4.0],
    ...                   "referrals": [4, 3, 30, 2, 10, 9], "took_up": [4, 1, 20, 0, 5, 3]})
    >>> decay_bands(t)[["referrals", "took_up", "cells"]].values.tolist()
    [[37, 25, 3], [21, 8, 3]]
    """
    upper = RULES[rule].upper
    t = table[(table[trials] > 0) & table[distance].notna()].sort_values(distance)
    bands: list[list[int]] = []
    current: list[int] = []
    for i in range(len(t)):
        current.append(i)
        part = t.iloc[current]
        n, k = int(part[trials].sum()), int(part[successes].sum())
        if n >= min_trials and not 1 <= k <= upper and not 1 <= n - k <= upper:
            bands.append(current)
            current = []
    if current:
        if bands:
            bands[-1].extend(current)
        else:
            return pd.DataFrame(columns=[distance, successes, trials, "pct", "cells"])
    rows = []
    for idx in bands:
        part = t.iloc[idx]
        n, k = int(part[trials].sum()), int(part[successes].sum())
        d = float((part[distance] * part[trials]).sum() / n)
        rows.append({distance: d, successes: k, trials: n, "pct": 100 * k / n, "cells": len(idx)})
    return pd.DataFrame(rows)
