"""Confidence intervals for counts, proportions and means.

The formulas follow PHEindicatormethods 2.1.0 (see ``METHODS.md``): Byar's approximation and exact Poisson
limits for counts (exact under 10 events, Byar's from 10), Wilson score limits for proportions, Student's t
for means. ``z`` is the inverse normal of ``(1 + confidence) / 2`` at full precision, never 1.96.

Every function accepts scalars or arrays; a scalar in gives Python floats out.

>>> round(z_value(0.95), 12), round(z_value(0.998), 12)
(1.959963984540, 3.090232306168)
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

from ..errors import InputError
from ._types import Levels

#: Counts below this use exact Poisson limits; at or above it, Byar's approximation.
EXACT_THRESHOLD = 10


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for ``confidence`` (0.95 -> 1.959963984540054).

    Examples
    --------
    >>> z_value(0.95)
    1.959963984540054
    """
    _check_level(confidence)
    return float(_st.norm.ppf((1 + confidence) / 2))


def _check_level(confidence) -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise InputError(
            f"confidence: {confidence!r} is not a number; use a level between 0 and 1, e.g. 0.95"
        ) from None
    if not 0 < c < 1:
        raise InputError(
            f"confidence: {confidence!r} is outside (0, 1); use e.g. 0.95 or 0.998 (not 95)"
        )
    return c


def confidence_levels(confidence: Levels) -> tuple[float, ...]:
    """Normalise ``confidence`` to a tuple of levels, each strictly between 0 and 1.

    Examples
    --------
    >>> confidence_levels(0.95), confidence_levels((0.95, 0.998))
    ((0.95,), (0.95, 0.998))
    """
    if isinstance(confidence, (list, tuple, np.ndarray)):
        levels = tuple(_check_level(c) for c in confidence)
        if not levels:
            raise InputError("confidence: give at least one level, e.g. 0.95")
        if len(set(levels)) != len(levels):
            raise InputError(f"confidence: levels {levels} repeat; give each level once")
        return levels
    return (_check_level(confidence),)


def limit_columns(confidence: Levels) -> list[tuple[str, str]]:
    """Output column names ``(lower, upper)`` for each level, following PHEindicatormethods.

    One level gives ``lowercl``/``uppercl``; several give ``lower95_0cl``, ``upper95_0cl``,
    ``lower99_8cl``, ... .

    Examples
    --------
    >>> limit_columns(0.95)
    [('lowercl', 'uppercl')]
    >>> limit_columns((0.95, 0.998))
    [('lower95_0cl', 'upper95_0cl'), ('lower99_8cl', 'upper99_8cl')]
    """
    levels = confidence_levels(confidence)
    if len(levels) == 1:
        return [("lowercl", "uppercl")]
    out = []
    for c in levels:
        tag = f"{c * 100:.1f}".replace(".", "_")
        out.append((f"lower{tag}cl", f"upper{tag}cl"))
    return out


def confidence_label(confidence: Levels) -> str:
    """Human label of the levels, e.g. ``"95%"`` or ``"95%, 99.8%"``.

    Examples
    --------
    >>> confidence_label((0.95, 0.998))
    '95%, 99.8%'
    """
    return ", ".join(f"{c * 100:g}%" for c in confidence_levels(confidence))


def _as_array(values, name: str) -> tuple[np.ndarray, bool]:
    scalar = np.ndim(values) == 0
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}: values must be numbers") from None
    return np.atleast_1d(arr), scalar


def _out(arr: np.ndarray, scalar: bool):
    return float(arr[0]) if scalar else arr


def _check_counts(arr: np.ndarray, name: str) -> None:
    if np.any(arr < 0):
        bad = arr[arr < 0][0]
        raise InputError(f"{name}: counts must be 0 or more (found {bad:g})")


def byars_ci(count, confidence: float = 0.95):
    """Byar's approximate confidence limits for a Poisson count.

    ``lower = O (1 - 1/(9 O) - z / (3 sqrt O))^3`` (missing when negative, and for ``O = 0``);
    ``upper = (O+1) (1 - 1/(9 (O+1)) + z / (3 sqrt(O+1)))^3``.

    Parameters
    ----------
    count : float or array_like
        Observed number of events (0 or more; missing values give missing limits).
    confidence : float
        Confidence level strictly between 0 and 1.

    Returns
    -------
    (lower, upper) : floats, or arrays of the shape of ``count``

    Examples
    --------
    >>> lo, hi = byars_ci(65)
    >>> round(lo, 6), round(hi, 6)
    (50.163188, 82.849139)
    >>> byars_ci([1], 0.998)[0]   # the lower formula goes negative: missing
    array([nan])
    """
    z = z_value(confidence)
    o, scalar = _as_array(count, "count")
    _check_counts(o, "count")
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    lower = np.where((lower < 0) | (o == 0), np.nan, lower)
    return _out(lower, scalar), _out(upper, scalar)


def exact_poisson_ci(count, confidence: float = 0.95):
    """Exact (chi-squared) confidence limits for a Poisson count.

    ``lower = chi2_inv((1-c)/2, 2 O) / 2`` (0 when ``O = 0``);
    ``upper = chi2_inv((1+c)/2, 2 O + 2) / 2``.

    Parameters
    ----------
    count : float or array_like
        Observed number of events (0 or more).
    confidence : float
        Confidence level strictly between 0 and 1.

    Returns
    -------
    (lower, upper) : limits for the expected count, floats for a scalar ``count``, else arrays

    Examples
    --------
    >>> lo, hi = exact_poisson_ci(1)
    >>> round(lo, 6), round(hi, 6)
    (0.025318, 5.571643)
    >>> exact_poisson_ci(0)[0]
    0.0
    """
    c = _check_level(confidence)
    o, scalar = _as_array(count, "count")
    _check_counts(o, "count")
    with np.errstate(invalid="ignore"):
        lower = np.where(o == 0, 0.0, _st.chi2.ppf((1 - c) / 2, 2 * o) / 2)
        upper = _st.chi2.ppf((1 + c) / 2, 2 * o + 2) / 2
    lower = np.where(np.isnan(o), np.nan, lower)
    return _out(lower, scalar), _out(upper, scalar)


def poisson_ci(count, confidence: float = 0.95):
    """Limits for a count the PHEindicatormethods way: exact under 10 events, Byar's from 10.

    Returns
    -------
    (lower, upper, method) : ``method`` is ``"Exact"`` or ``"Byars"`` per element.

    Examples
    --------
    >>> lo, hi, m = poisson_ci([5, 20])
    >>> m.tolist()
    ['Exact', 'Byars']
    """
    o, scalar = _as_array(count, "count")
    _check_counts(o, "count")
    el, eu = exact_poisson_ci(o, confidence)
    bl, bu = byars_ci(o, confidence)
    exact = o < EXACT_THRESHOLD
    lower = np.where(exact, el, bl)
    upper = np.where(exact, eu, bu)
    method = np.where(exact, "Exact", "Byars").astype(object)
    method[np.isnan(o)] = None
    if scalar:
        return float(lower[0]), float(upper[0]), method[0]
    return lower, upper, method


def add_count_limits(out, counts, per, factor, confidence: Levels) -> object:
    """Write ``value = counts / per * factor``, the count limits of ``counts`` (:func:`poisson_ci`)
    scaled the same way, and ``confidence`` into the frame ``out``; return the method column.

    One shape for crude rates (``per`` the population) and indirectly standardised ratios and rates
    (``per`` the expected count).

    Examples
    --------
    >>> import pandas as pd
    >>> out = pd.DataFrame(index=range(2))
    >>> add_count_limits(out, np.array([5.0, 65.0]), np.array([100.0, 100.0]), 100, 0.95).tolist()
    ['Exact', 'Byars']
    >>> out.round(3)
       value  lowercl  uppercl confidence
    0    5.0    1.623   11.668        95%
    1   65.0   50.163   82.849        95%
    """
    out["value"] = counts / per * factor
    method = None
    for c, (lo, hi) in zip(confidence_levels(confidence), limit_columns(confidence), strict=True):
        lower, upper, method = poisson_ci(counts, c)
        out[lo] = lower / per * factor
        out[hi] = upper / per * factor
    out["confidence"] = confidence_label(confidence)
    return method


def wilson_ci(x, n, confidence: float = 0.95):
    """Wilson score confidence limits for a proportion ``x / n`` (as a fraction).

    Parameters
    ----------
    x : float or array_like
        Numerators, 0 or more and not above ``n``.
    n : float or array_like
        Denominators, more than 0.
    confidence : float
        Confidence level strictly between 0 and 1.

    Returns
    -------
    (lower, upper) : limits of the proportion as fractions between 0 and 1

    Examples
    --------
    >>> lo, hi = wilson_ci(65, 100)
    >>> round(lo, 6), round(hi, 6)
    (0.552544, 0.736358)
    """
    z = z_value(confidence)
    xa, sx = _as_array(x, "x")
    na, sn = _as_array(n, "n")
    if np.any(xa < 0):
        raise InputError(f"x: numerators must be 0 or more (found {xa[xa < 0][0]:g})")
    if np.any(na <= 0):
        raise InputError(f"n: denominators must be more than 0 (found {na[na <= 0][0]:g})")
    xa, na = np.broadcast_arrays(xa, na)
    if np.any(xa > na):
        i = int(np.argmax(xa > na))
        raise InputError(
            f"x: a numerator ({xa[i]:g}) is above its denominator n ({na[i]:g}); "
            "a proportion needs x <= n"
        )
    with np.errstate(invalid="ignore"):
        root = z * np.sqrt(z**2 + 4 * xa * (1 - xa / na))
        lower = (2 * xa + z**2 - root) / 2 / (na + z**2)
        upper = (2 * xa + z**2 + root) / 2 / (na + z**2)
    scalar = sx and sn
    return _out(lower, scalar), _out(upper, scalar)


def t_ci(mean, sd, count, confidence: float = 0.95):
    """Student's t limits ``mean -+ t_{(1+c)/2, k-1} sd / sqrt(k)``.

    Examples
    --------
    >>> lo, hi = t_ci(10.0, 2.0, 4)
    >>> round(lo, 4), round(hi, 4)
    (6.8176, 13.1824)
    """
    c = _check_level(confidence)
    m, sm = _as_array(mean, "mean")
    s, _ = _as_array(sd, "sd")
    k, _ = _as_array(count, "count")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = _st.t.ppf((1 + c) / 2, k - 1)
        half = t * s / np.sqrt(k)
    return _out(m - half, sm), _out(m + half, sm)
