"""The slope and relative index of inequality (SII, RII) across ranked groups.

One implementation for every topic. Groups (usually deprivation quintiles) are ordered from least to most
deprived and given the mid-point of their cumulative population share as their rank (0-1); the SII is the
slope of the population-weighted least-squares line of the measure on that rank, the modelled difference
between the most and the least deprived ends, positive when the measure rises with deprivation, as in
PHEindicatormethods' ``phe_sii`` and the OHID inequality tools. The RII is the SII over the weighted mean.

The slope is linear in the group values, ``SII = sum(c_i * y_i)``, so its standard error follows exactly
from the groups' standard errors (each taken as its interval's half-width over z, a normal approximation
to the groups' own limits): ``se(SII)^2 = sum(c_i^2 * se_i^2)``. The RII's interval uses the delta method
with the covariance of the slope and the mean. ``phe_sii`` reaches the same normal approximation by
simulation; the closed form gives the same limits without a seed.

>>> res = slope_index([50, 47.5, 45, 42.5, 40], [49, 46.5, 44, 41.5, 39], [51, 48.5, 46, 43.5, 41],
...                   [1] * 5, [1, 2, 3, 4, 5])
>>> round(res.sii, 6), round(res.rii, 6)
(12.5, 0.277778)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import ParameterError
from .intervals import z_value


@dataclass(frozen=True)
class Inequality:
    """Slope (SII) and relative (RII) index of inequality with their confidence limits.

    ``sii`` is the modelled most-deprived minus least-deprived difference (in the measure's units);
    ``rii`` = ``sii`` / ``mean``, the weighted mean of the groups.
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
        """The fields as a dict (one table row).

        >>> Inequality("x", 1.0, 0.5, 1.5, 0.1, 0.05, 0.15, 10.0).as_row()["sii_uppercl"]
        1.5
        """
        return asdict(self)


def rank_midpoints(weights: Sequence[float]) -> np.ndarray:
    """Cumulative rank mid-points (0-1) of groups in the order given, from their population weights.

    >>> rank_midpoints([1, 1, 2]).tolist()
    [0.125, 0.375, 0.75]
    """
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise ParameterError("weights: must be non-negative with a positive total")
    share = w / w.sum()
    return np.cumsum(share) - share / 2


def slope_coefficients(weights: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The ranks and the coefficients ``c`` with ``SII = sum(c * values)``, groups least deprived first.

    >>> x, c = slope_coefficients([1, 1])
    >>> x.tolist(), c.tolist()
    ([0.25, 0.75], [-2.0, 2.0])
    """
    x = rank_midpoints(weights)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    xbar = np.sum(w * x)
    return x, w * (x - xbar) / np.sum(w * (x - xbar) ** 2)


def slope_index(
    values: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    weights: Sequence[float],
    groups: Sequence[int],
    *,
    measure: str = "value",
    confidence: float = 0.95,
    limits_confidence: float = 0.95,
) -> Inequality:
    """Slope and relative index of inequality across deprivation groups.

    Parameters
    ----------
    values, lower, upper : sequence of float
        Each group's value and its confidence limits (at ``limits_confidence``).
    weights : sequence of float
        Each group's population (or other denominator): the ranks and the regression weights.
    groups : sequence of int
        Deprivation group of each value, 1 = most deprived.
    measure : str
        Name carried into the result.
    confidence : float
        Confidence of the SII and RII limits.
    limits_confidence : float
        Confidence of the groups' ``lower``/``upper`` limits (for their standard errors).

    Returns
    -------
    Inequality

    Examples
    --------
    A measure that falls by 10 from the most to the least deprived fifth of equal populations:

    >>> v = [50, 47.5, 45, 42.5, 40]          # quintiles 1 (most deprived) .. 5
    >>> res = slope_index(v, [x - 1.96 for x in v], [x + 1.96 for x in v], [1] * 5, [1, 2, 3, 4, 5])
    >>> round(res.sii, 3), round(res.sii_lowercl, 3), round(res.sii_uppercl, 3)
    (12.5, 9.401, 15.599)
    >>> slope_index([1, 2], [0, 1], [2, 3], [1, 1], [1, 2, 3])
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: values, lower, upper, weights, groups: must have the same length (got 2, 2, 2, 2, 3)
    """
    v, lo, up, w = (np.asarray(a, dtype=float) for a in (values, lower, upper, weights))
    g = np.asarray(groups)
    lengths = [len(a) for a in (v, lo, up, w, g)]
    if len(set(lengths)) > 1:
        raise ParameterError(
            "values, lower, upper, weights, groups: must have the same length "
            f"(got {', '.join(map(str, lengths))})"
        )
    if len(v) < 2:
        raise ParameterError("values: need at least two groups")
    order = np.argsort(-g, kind="stable")  # least deprived (highest group number) first
    v, lo, up, w = v[order], lo[order], up[order], w[order]
    _, c = slope_coefficients(w)
    share = w / w.sum()
    se = (up - lo) / (2 * z_value(limits_confidence))
    z = z_value(confidence)
    sii = float(np.sum(c * v))
    mean = float(np.sum(share * v))
    var_sii = float(np.sum(c**2 * se**2))
    sii_se = float(np.sqrt(var_sii))
    if mean:
        rii = sii / mean
        var_mean = float(np.sum(share**2 * se**2))
        cov = float(np.sum(c * share * se**2))
        rii_se = float(np.sqrt(max(var_sii - 2 * rii * cov + rii**2 * var_mean, 0.0))) / abs(mean)
    else:
        rii = rii_se = float("nan")
    return Inequality(
        measure,
        sii,
        sii - z * sii_se,
        sii + z * sii_se,
        rii,
        rii - z * rii_se,
        rii + z * rii_se,
        mean,
    )
