"""Crude rates, proportions and means with confidence limits (PHEindicatormethods ``phe_rate``,
``phe_proportion``, ``phe_mean``).

Without ``by`` the rate and proportion functions work row by row, as the reference does for ungrouped data:
the result is ``data`` with the statistic columns appended. With ``by`` they first sum numerators and
denominators per group and return one row per group. :func:`mean_ci` always aggregates (one row for the
whole of ``data`` without ``by``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ._frame import check_multiplier, checked_by, fmt_multiplier, group_codes, group_sum, numeric
from ._types import By, Levels
from .intervals import (
    add_count_limits,
    confidence_label,
    confidence_levels,
    limit_columns,
    t_ci,
    wilson_ci,
)


def _base(data, x, n, by):
    by = checked_by(data, [("x", x), ("n", n)], by)
    xs = numeric(data, x, "x")
    ns = numeric(data, n, "n")
    if by:
        codes, keys = group_codes(data, by)
        g = len(keys)
        xs = group_sum(xs, codes, g, skipna=False)
        ns = group_sum(ns, codes, g, skipna=False)
        out = keys.copy()
        out[x] = xs
        out[n] = ns
    else:
        out = data.copy()
    return out, xs, ns


def _check_x_n(xs, ns, x, n):
    if np.any(xs < 0):
        raise InputError(
            f"x: column {x!r} has a negative count ({xs[xs < 0][0]:g}); counts must be 0 or more"
        )
    if np.any(ns <= 0):
        raise InputError(
            f"n: column {n!r} has a denominator of {ns[ns <= 0][0]:g}; denominators must be more than 0"
        )


def crude_rate(data: pd.DataFrame, x: str, n: str, by: By = None, multiplier: float = 100_000,
               confidence: Levels = 0.95) -> pd.DataFrame:  # fmt: skip
    """Crude rates ``x / n * multiplier`` with exact (under 10 events) or Byar's limits.

    Parameters
    ----------
    data : pandas.DataFrame
    x : str
        Column of event counts (0 or more; may exceed ``n``). Missing counts give missing results.
    n : str
        Column of denominators (more than 0), e.g. person-years.
    by : str or list of str, optional
        Group columns: counts and denominators are summed per group first. Without it each row is a rate.
    multiplier : float
        Rate per this many (default per 100,000).
    confidence : float or sequence of float
        One level (columns ``lowercl``, ``uppercl``) or several, e.g. ``(0.95, 0.998)`` (columns
        ``lower95_0cl``, ``upper95_0cl``, ``lower99_8cl``, ``upper99_8cl``).

    Returns
    -------
    pandas.DataFrame
        With ``value``, the limit columns, ``confidence``, ``statistic`` and ``method``
        (``"Exact"`` or ``"Byars"``).

    Examples
    --------
    >>> df = pd.DataFrame({"ward": ["A", "B"], "deaths": [5, 65], "pop": [100, 100]})
    >>> r = crude_rate(df, "deaths", "pop", multiplier=100)
    >>> r[["ward", "value", "lowercl", "uppercl", "method"]].round(3)
      ward  value  lowercl  uppercl method
    0    A    5.0    1.623   11.668  Exact
    1    B   65.0   50.163   82.849  Byars
    """
    m = check_multiplier(multiplier)
    confidence_levels(confidence)  # a bad level is refused before the data is read
    out, xs, ns = _base(data, x, n, by)
    _check_x_n(xs, ns, x, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        method = add_count_limits(out, xs, ns, m, confidence)
    out["statistic"] = f"rate per {fmt_multiplier(m)}"
    out["method"] = method
    return out


def proportion(data: pd.DataFrame, x: str, n: str, by: By = None, multiplier: float = 1,
               confidence: Levels = 0.95) -> pd.DataFrame:  # fmt: skip
    """Proportions ``x / n * multiplier`` with Wilson score limits.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per numerator and denominator (several per group with ``by``).
    x : str
        Column of numerators, 0 or more and not above ``n``. Missing values give missing results.
    n : str
        Column of denominators, more than 0.
    by : str or list of str, optional
        Group columns: numerators and denominators are summed per group first.
    multiplier : float
        1 for a fraction (default), 100 for a percentage.
    confidence : float or sequence of float
        As for :func:`crude_rate`.

    Returns
    -------
    pandas.DataFrame
        With ``value``, the limit columns, ``confidence``, ``statistic`` and ``method`` (``"Wilson"``).

    Examples
    --------
    >>> df = pd.DataFrame({"school": ["X", "X", "Y"], "smokers": [10, 12, 65], "pupils": [40, 60, 100]})
    >>> p = proportion(df, "smokers", "pupils", by="school", multiplier=100)
    >>> p[["school", "smokers", "pupils", "value", "lowercl", "uppercl"]].round(2)
      school  smokers  pupils  value  lowercl  uppercl
    0      X     22.0   100.0   22.0    15.00    31.07
    1      Y     65.0   100.0   65.0    55.25    73.64
    """
    m = check_multiplier(multiplier)
    levels = confidence_levels(confidence)
    out, xs, ns = _base(data, x, n, by)
    _check_x_n(xs, ns, x, n)
    if np.any(xs > ns):
        i = int(np.argmax(xs > ns))
        raise InputError(
            f"x: numerator {xs[i]:g} in column {x!r} is above its denominator {ns[i]:g} in column {n!r}; "
            "a proportion needs x <= n"
        )
    out["value"] = xs / ns * m
    for c, (lo, hi) in zip(levels, limit_columns(confidence), strict=True):
        lower, upper = wilson_ci(xs, ns, c)
        out[lo] = lower * m
        out[hi] = upper * m
    out["confidence"] = confidence_label(confidence)
    out["statistic"] = "percentage" if m == 100 else f"proportion of {fmt_multiplier(m)}"
    out["method"] = np.where(np.isnan(xs) | np.isnan(ns), None, "Wilson")
    return out


def mean_ci(data: pd.DataFrame, x: str, by: By = None, confidence: Levels = 0.95) -> pd.DataFrame:
    """Means with Student's t limits (standard deviation with ``k - 1`` divisor), one row per group.

    Missing values are left out, as the reference does (``na.rm = TRUE``).

    Parameters
    ----------
    data : pandas.DataFrame
    x : str
        Column of values.
    by : str or list of str, optional
        Group columns; without it, one row for all of ``data``.
    confidence : float or sequence of float
        As for :func:`crude_rate`.

    Returns
    -------
    pandas.DataFrame
        One row per group: the sum and count of the values (``value_sum``, ``value_count``), their
        standard deviation ``stdev``, the mean ``value``, the limit columns, ``confidence``,
        ``statistic`` and ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"score": [8.0, 10.0, 12.0, 10.0]})
    >>> mean_ci(df, "score")[["value_count", "value", "lowercl", "uppercl"]].round(3)
       value_count  value  lowercl  uppercl
    0            4   10.0    7.402   12.598
    """
    by = checked_by(data, [("x", x)], by)
    levels = confidence_levels(confidence)
    vals = numeric(data, x, "x")
    codes, keys = group_codes(data, by)
    g = len(keys)
    ok = ~np.isnan(vals)
    cnt = np.bincount(codes[ok], minlength=g).astype(float)
    tot = group_sum(vals, codes, g)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = tot / cnt
        dev = np.where(ok, vals - mean[codes], 0.0)
        sd = np.sqrt(np.bincount(codes, weights=dev**2, minlength=g) / (cnt - 1))
    out = keys.copy() if by else pd.DataFrame(index=range(g))
    out["value_sum"] = tot
    out["value_count"] = cnt.astype(int)
    out["stdev"] = sd
    out["value"] = mean
    for c, (lo, hi) in zip(levels, limit_columns(confidence), strict=True):
        out[lo], out[hi] = t_ci(mean, sd, cnt, c)
    out["confidence"] = confidence_label(confidence)
    out["statistic"] = f"mean of {x}"
    out["method"] = "Student's t-distribution"
    return out
