"""Inequality across deprivation quintiles: the slope and relative index.

The slope index of inequality (SII) is the slope of a weighted least-squares regression of the measure on
the cumulative rank midpoint of each deprivation quintile's population, ordered from the least deprived
(rank 0) to the most deprived (rank 1): it is the modelled difference between the most and the least
deprived ends, positive when the measure is higher in deprived areas. The relative index (RII) is the SII
divided by the population-weighted mean, as in Public Health England's tools. Intervals come from a
seeded simulation of each quintile's value from its own confidence interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError

_Z95 = 1.959963984540054


@dataclass(frozen=True)
class Inequality:
    """Slope (SII) and relative (RII) index of inequality with 95% intervals.

    ``sii`` is the modelled most-deprived minus least-deprived difference (in the measure's units);
    ``rii`` = ``sii`` / the weighted mean.
    """

    measure: str
    sii: float
    sii_lowercl: float
    sii_uppercl: float
    rii: float
    rii_lowercl: float
    rii_uppercl: float
    mean: float

    def as_row(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def rank_midpoints(weights: Sequence[float]) -> np.ndarray:
    """Cumulative rank midpoints (0-1) of groups in the order given, from their population weights.

    >>> rank_midpoints([1, 1, 2]).tolist()
    [0.125, 0.375, 0.75]
    """
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise ParameterError("weights: must be non-negative with a positive total")
    share = w / w.sum()
    return np.cumsum(share) - share / 2


def _wls_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares intercept and slope for each row of y (y may be 2-D: sims x groups)."""
    w = w / w.sum()
    xm = np.sum(w * x)
    ym = y @ w
    slope = ((y - ym[..., None]) * (x - xm)) @ w / np.sum(w * (x - xm) ** 2)
    return ym - slope * xm, slope


def slope_index_of_inequality(
    values: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    weights: Sequence[float],
    quintiles: Sequence[int],
    *,
    measure: str = "value",
    n_sims: int = 10_000,
    seed: int = 20090401,
) -> Inequality:
    """Slope and relative index of inequality across deprivation quintiles (the wellness computation).

    The one place wellness computes the SII: a weighted least-squares slope on rank midpoints, with
    intervals from a seeded simulation of each quintile from its own interval.

    Parameters
    ----------
    values, lower, upper : sequence of float
        Each quintile's value and 95% limits.
    weights : sequence of float
        Each quintile's population (or other denominator) for the ranks and the regression weights.
    quintiles : sequence of int
        Deprivation quintile of each value, 1 = most deprived.
    measure : str
        Name carried into the result.
    n_sims : int
        Simulations for the intervals (each quintile drawn from a normal with the standard error implied
        by its interval).
    seed : int
        Seed for the simulation, so results repeat exactly.

    Examples
    --------
    A measure that rises by 10 from the least to the most deprived fifth of equal populations:

    >>> v = [50, 47.5, 45, 42.5, 40]          # quintiles 1 (most deprived) .. 5
    >>> res = slope_index_of_inequality(v, [x - 1 for x in v], [x + 1 for x in v], [1] * 5, [1, 2, 3, 4, 5])
    >>> round(res.sii, 6), round(res.rii, 6)
    (12.5, 0.277778)
    >>> res.sii_lowercl < 12.5 < res.sii_uppercl
    True
    """
    v, lo, up, w = (np.asarray(a, dtype=float) for a in (values, lower, upper, weights))
    q = np.asarray(quintiles)
    if not (len(v) == len(lo) == len(up) == len(w) == len(q)):
        raise ParameterError("values, lower, upper, weights, quintiles: must have the same length")
    if len(v) < 2:
        raise ParameterError("values: need at least two groups")
    order = np.argsort(-q, kind="stable")  # least deprived (highest quintile) first
    v, lo, up, w = v[order], lo[order], up[order], w[order]
    x = rank_midpoints(w)
    _, slope = _wls_slope(x, v[None, :], w)
    mean = float(np.sum(w * v) / w.sum())
    se = (up - lo) / (2 * _Z95)
    rng = np.random.default_rng(seed)
    sims = v + rng.standard_normal((n_sims, len(v))) * se
    _, sim_slope = _wls_slope(x, sims, w)
    sim_mean = sims @ (w / w.sum())
    sim_rii = sim_slope / sim_mean
    sii = float(slope[0])
    lo_s, up_s = np.quantile(sim_slope, [0.025, 0.975])
    lo_r, up_r = np.quantile(sim_rii, [0.025, 0.975])
    return Inequality(
        measure, sii, float(lo_s), float(up_s), sii / mean, float(lo_r), float(up_r), mean
    )


def inequality_table(quintiles: pd.DataFrame) -> pd.DataFrame:
    """SII and RII of referral rate, uptake rate, take-up and completion from :func:`quintile_table`."""
    rows = []
    spec = [
        ("referral_rate", "population", "Referrals per 1,000 adults"),
        ("uptake_rate", "population", "People taking up per 1,000 adults"),
        ("takeup_pct", "referrals", "Take-up (% of referrals)"),
        ("completion_pct", "referrals", "12-week completion (% of referrals)"),
    ]
    for col, weight, label in spec:
        res = slope_index_of_inequality(
            quintiles[col],
            quintiles[f"{col}_lowercl"],
            quintiles[f"{col}_uppercl"],
            quintiles[weight],
            quintiles["imd_quintile"],
            measure=label,
        )
        rows.append(res.as_row())
    return pd.DataFrame(rows)
