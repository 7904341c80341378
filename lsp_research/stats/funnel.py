"""Funnel plot limits and significance (PHEindicatormethods ``calculate_funnel_limits`` and
``assign_funnel_significance``).

Proportions use PHE's "sigma adjustment" limits around the pooled average (the proportion at which a
Wilson-type score interval just reaches the average); rates and ratios use exact Poisson limits (Byar's
approximation for 10 or more events in the significance test). Labels: ``"High (0.001)"``,
``"High (0.025)"``, ``"Low (0.001)"``, ``"Low (0.025)"``, ``"Not significant"``; directly standardised rates
with fewer than 10 events are ``"Not applicable for events less than 10 for dsrs"``. No overdispersion
adjustment is made.

Three entry points:

- :func:`funnel_limits` evaluates the limits at given denominators (for drawing or testing points);
- :func:`funnel_table` builds the reference's 100-row table of limits spanning the data's range;
- :func:`funnel_significance` labels each row of a data set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..errors import InputError
from ._frame import check_frame, check_multiplier, numeric
from .intervals import poisson_ci

#: The significance labels, most extreme first.
SIGNIFICANCE_LABELS = (
    "High (0.001)",
    "High (0.025)",
    "Low (0.001)",
    "Low (0.025)",
    "Not significant",
)
#: Label for directly standardised rates with under 10 events.
DSR_NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"
KINDS = ("proportion", "rate", "ratio")

# Two-sided tail probabilities of the two funnel levels: 95% ("2 sigma") and 99.8% ("3 sigma").
_LEVELS = (("2s", 0.975, 0.025, 0.95), ("3s", 0.999, 0.001, 0.998))


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"kind: {kind!r} is not allowed; use 'proportion', 'rate' or 'ratio'")
    return kind


def sigma_adjustment(p: float, population, average: float, side: str, multiplier: float = 100):
    """PHE's proportion funnel limit at ``population`` for one-sided probability ``p``.

    Examples
    --------
    >>> round(float(sigma_adjustment(0.975, 1000, 0.2, "low", 100)), 4)
    17.5208
    """
    z2 = _st.norm.ppf(p) ** 2
    n = np.asarray(population, dtype=float)
    first = average * (n / z2 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.sqrt(
            (-8 * average * (n / z2 + 1)) ** 2
            - 64
            * (1 / z2 + 1 / n)
            * average
            * (n * (average * (n / z2 + 2) - 1) + z2 * (average - 1))
        )
        last = 1 / z2 + 1 / n
        out = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
        return out / n * multiplier


def _poisson_series(z: float, x_a: float, x_b: float) -> float:
    """P(x_a <= X <= x_b) for X ~ Poisson(z) by the reference's own series (PHE Excel macro / R).

    Used only where the bisection's decision is too close to call with scipy, so that the result is
    bit-for-bit the reference's.
    """
    q, tot, s, k = 1.0, 0.0, 0.0, 0
    while (k <= z) or (q > tot * 1e-10):
        tot += q
        if x_a <= k <= x_b:
            s += q
        if tot > 1e30:
            s, tot, q = s / 1e30, tot / 1e30, q / 1e30
        k += 1
        q = q * z / k
    return s / tot


def poisson_funnel(obs, p: float, side: str) -> np.ndarray:
    """Poisson mean at which ``obs`` events sit exactly at tail probability ``p``.

    ``side="low"``: the mean with P(X >= obs) = p; ``side="high"``: the mean with P(X <= obs) = p.
    Solved by the same 23-step bisection on ``v = mean / (1 + obs + mean)`` as PHE's Excel macro and R
    code, so that results agree with the reference to its last printed digit. Probabilities come from
    scipy; a step whose probability is within 1e-7 of ``p`` is decided with the reference's own series
    instead, so the bisection takes the same path.

    Examples
    --------
    >>> round(float(poisson_funnel(1, 0.025, "high")[0]), 5)
    5.57164
    """
    o = np.atleast_1d(np.asarray(obs, dtype=float))
    v = np.full(o.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:
        dv /= 2
        lam = (1 + o) * v / (1 - v)
        if side == "low":
            prob = _st.poisson.sf(o - 1, lam)  # P(X >= obs)
        else:
            prob = _st.poisson.cdf(o, lam)  # P(X <= obs)
        for j in np.flatnonzero(np.abs(prob - p) < 1e-7):
            lo, hi = (o[j], 1e10) if side == "low" else (0.0, o[j])
            prob[j] = _poisson_series(float(lam[j]), lo, hi)
        if side == "low":
            v = np.where(prob > p, v - dv, v + dv)
        else:
            v = np.where(prob < p, v - dv, v + dv)
    return (1 + o) * v / (1 - v)


def funnel_limits(
    average: float,
    denominators,
    kind: str = "proportion",
    multiplier: float | None = None,
) -> pd.DataFrame:
    """Funnel limits (95% and 99.8%) around ``average`` at each denominator.

    Parameters
    ----------
    average : float
        For ``"proportion"`` the pooled average as a fraction (0 to 1); for ``"rate"`` the pooled rate
        per person (events / person-years, not multiplied); for ``"ratio"`` the target ratio, normally 1.
    denominators : array_like
        Denominators (more than 0) at which to evaluate the limits: sample sizes for proportions,
        person-years for rates, expected counts for ratios.
    kind : {"proportion", "rate", "ratio"}
    multiplier : float, optional
        Scale of the limits: default 100 for proportions (percentages), 100,000 for rates, 1 for ratios.

    Returns
    -------
    pandas.DataFrame
        ``denominator``, ``baseline``, ``lower_2s_limit``, ``upper_2s_limit``, ``lower_3s_limit``,
        ``upper_3s_limit``. Proportion limits are clipped to 0 and ``multiplier``. Rate and ratio
        limits are the exact Poisson (chi-squared) limits of the expected count, over the denominator.

    Examples
    --------
    >>> t = funnel_limits(0.2, [100, 1000], kind="proportion")
    >>> t[["denominator", "lower_2s_limit", "upper_2s_limit"]].round(2)
       denominator  lower_2s_limit  upper_2s_limit
    0        100.0           12.16           27.84
    1       1000.0           17.52           22.48
    >>> funnel_limits(1.0, [50.0], kind="ratio")["upper_3s_limit"].round(3).tolist()
    [1.519]
    """
    _check_kind(kind)
    m = check_multiplier(
        multiplier
        if multiplier is not None
        else {"proportion": 100, "rate": 100_000, "ratio": 1}[kind]
    )
    try:
        av = float(average)
    except (TypeError, ValueError):
        raise InputError(f"average: {average!r} is not a number") from None
    if kind == "proportion" and not 0 <= av <= 1:
        raise InputError(
            f"average: a proportion's average must be a fraction from 0 to 1, not {av!r}"
        )
    if av < 0 or not np.isfinite(av):
        raise InputError(f"average: must be 0 or more, not {average!r}")
    n = np.atleast_1d(np.asarray(denominators, dtype=float))
    if n.size == 0 or np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise InputError("denominators: give one or more denominators, each more than 0")
    out = pd.DataFrame({"denominator": n, "baseline": av * m})
    for tag, p, tail, _conf in _LEVELS:
        if kind == "proportion":
            lo = np.clip(sigma_adjustment(p, n, av, "low", m), 0, m)
            hi = np.clip(sigma_adjustment(p, n, av, "high", m), 0, m)
        else:
            mu = av * n
            with np.errstate(invalid="ignore"):
                lo = np.where(mu > 0, _st.chi2.ppf(tail, 2 * mu) / 2, 0.0) / n * m
                hi = _st.chi2.ppf(1 - tail, 2 * mu + 2) / 2 / n * m
        out[f"lower_{tag}_limit"] = lo
        out[f"upper_{tag}_limit"] = hi
    return out


def _r_nchar(x: float) -> int:
    """``nchar()`` of a whole number as R prints it (R switches to e.g. ``1e+05`` when shorter)."""
    fixed = str(int(x))
    digits = fixed.lstrip("-").rstrip("0") or "0"
    exp = len(fixed.lstrip("-")) - 1
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sci = f"{'-' if x < 0 else ''}{mant}e+{exp:02d}"
    return len(sci) if len(sci) < len(fixed) else len(fixed)


def _signif_floor(x: float, down: float = 0.95) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(np.floor(x * down)) - 1
    return float(np.floor(x * down / 10**n) * 10**n)


def _signif_ceiling(x: float, up: float = 1.05) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(np.ceil(x * up)) - 2
    return float(np.ceil(x * up / 10**n) * 10**n)


def _grid(axis_min: float, axis_max: float, ratio: bool) -> np.ndarray:
    col = [max(1.0, axis_min)]
    for j in range(2, 101):
        offset = j - 1 if ratio else j
        prev = col[-1]
        col.append(max(float(np.round((axis_max / prev) ** (1 / (101 - offset)) * prev)), prev + 1))
    return np.array(col)


def _columns(numerator: str, denominator: str | None, rate: str | None) -> list[tuple[str, str]]:
    """The (argument, column) pairs a funnel function reads, for :func:`check_frame`."""
    cols = [("numerator", numerator)]
    if denominator is not None:
        cols.append(("denominator", denominator))
    if rate is not None:
        cols.append(("rate", rate))
    return cols


def _table_denominators(data, numerator, denominator, kind, rate, rate_type, years_of_data, m):
    """The numerators and the denominators :func:`funnel_table` spans (derived from rates for rates)."""
    num = numeric(data, numerator, "numerator")
    if kind == "rate":
        if rate is None or rate_type not in ("dsr", "crude"):
            raise InputError(
                "rate_type: rates need rate= (a column) and rate_type='dsr' or 'crude'"
            )
        if years_of_data is None or years_of_data <= 0:
            raise InputError("years_of_data: rates need the number of years the data cover (> 0)")
        r = numeric(data, rate, "rate")
        with np.errstate(divide="ignore", invalid="ignore"):
            derived = m * num / r
        if rate_type == "dsr":
            derived = np.where(num == 0, np.nan, derived)
        elif denominator is not None:
            derived = numeric(data, denominator, "denominator")
        elif np.any(num == 0):
            raise InputError(
                "denominator: rows with 0 events need denominator= to give their population"
            )
    else:
        if denominator is None:
            raise InputError(f"denominator: {kind} funnels need a denominator column")
        derived = numeric(data, denominator, "denominator")
    if np.any(num < 0):
        raise InputError("numerator: numerators must be 0 or more")
    if np.any(derived <= 0):
        raise InputError("denominator: denominators must be more than 0")
    return num, derived


def _limits_table(kind, grid, av, m, ratio_type, rate_type, years_of_data) -> pd.DataFrame:
    """The limits of :func:`funnel_table` at each point of ``grid``."""
    if kind == "proportion":
        t = pd.DataFrame({"Population": grid})
        for tag, p, _tail, _c in _LEVELS:
            t[f"lower_{tag}_limit"] = np.maximum(0, sigma_adjustment(p, grid, av, "low", m))
            t[f"upper_{tag}_limit"] = np.minimum(m, sigma_adjustment(p, grid, av, "high", m))
        t["baseline"] = av * m
        t["statistic"] = "proportion"
    elif kind == "ratio":
        if ratio_type not in ("count", "isr"):
            raise InputError(f"ratio_type: {ratio_type!r} is not allowed; use 'count' or 'isr'")
        t = pd.DataFrame({"Observed_events": grid})
        for tag, _p, tail, _c in _LEVELS:
            lo_e = poisson_funnel(grid, tail, "high")
            hi_e = poisson_funnel(grid, tail, "low")
            for side, e in (("lower", lo_e), ("upper", hi_e)):
                lim = grid / e
                t[f"{side}_{tag}_exp_events"] = e
                t[f"{side}_{tag}_limit"] = lim - 1 if ratio_type == "count" else lim * 100
        t["statistic"] = f"ratio ({ratio_type})"
    else:
        t = pd.DataFrame({"Events": grid})
        for tag, _p, tail, _c in _LEVELS:
            for side, s in (("lower", "high"), ("upper", "low")):
                pop = poisson_funnel(grid, tail, s) / av
                t[f"{side}_{tag}_population_1_year"] = pop / years_of_data
                t[f"{side}_{tag}_limit"] = grid / pop * m
        t["baseline"] = av * m
        t["statistic"] = f"rate ({rate_type} per {m:,.0f})"
        t["method"] = "Poisson"
    return t


def funnel_table(data: pd.DataFrame, numerator: str, denominator: str | None = None,
                 kind: str = "proportion", multiplier: float = 100, *, rate: str | None = None,
                 rate_type: str | None = None, ratio_type: str = "count",
                 years_of_data: float | None = None) -> pd.DataFrame:  # fmt: skip
    """The reference's 100-row table of funnel limits spanning the range of ``data``.

    Parameters
    ----------
    data : pandas.DataFrame
    numerator : str
        Column of numerators (events; observed events for ratios).
    denominator : str, optional
        Column of denominators (sample sizes; expected events for ratios; person-years for crude rates,
        optional when ``rate`` is given).
    kind : {"proportion", "rate", "ratio"}
    multiplier : float
        Scale of values: 100 for percentages; the rate multiplier for rates (e.g. 100,000).
    rate : str, optional
        For rates: column of rates (per ``multiplier``), used to derive denominators.
    rate_type : {"dsr", "crude"}, optional
        For rates: which kind of rate.
    ratio_type : {"count", "isr"}
        For ratios: limits expressed as the ratio minus 1 (``"count"``) or times 100 (``"isr"``).
    years_of_data : float, optional
        For rates: the number of years the data cover (populations are shown per year).

    Returns
    -------
    pandas.DataFrame
        Proportions: ``Population``, ``lower_2s_limit``, ``upper_2s_limit``, ``lower_3s_limit``,
        ``upper_3s_limit``, ``baseline``, ``statistic``. Ratios: ``Observed_events`` and, per level,
        ``*_exp_events`` and ``*_limit``. Rates: ``Events`` and, per level,
        ``*_population_1_year`` and ``*_limit``, plus ``baseline``, ``statistic``, ``method``.
        ``attrs`` holds ``axis_minimum`` and ``axis_maximum``.

    Examples
    --------
    >>> df = pd.DataFrame({"num": [40, 55, 300], "den": [100, 150, 1000]})
    >>> t = funnel_table(df, "num", "den")
    >>> print(len(t), t.attrs["axis_maximum"], round(t["baseline"].iloc[0], 3))
    100 1100.0 31.6
    """
    _check_kind(kind)
    m = check_multiplier(multiplier)
    check_frame(data, _columns(numerator, denominator, rate))
    num, derived = _table_denominators(
        data, numerator, denominator, kind, rate, rate_type, years_of_data, m
    )
    av = np.nansum(num) / np.nansum(derived)
    dmin, dmax = np.nanmin(derived), np.nanmax(derived)
    years = years_of_data if kind == "rate" else 1
    if dmax > 2 * dmin:
        axis_min = 0.0
    else:
        axis_min = _signif_floor(dmin / years) * years
    axis_max = _signif_ceiling(dmax / years) * years
    attrs = {"axis_minimum": axis_min, "axis_maximum": axis_max}
    if kind == "rate":
        axis_min, axis_max = float(np.floor(axis_min * av)), float(np.ceil(axis_max * av))
    grid = _grid(axis_min, axis_max, ratio=(kind == "ratio"))
    t = _limits_table(kind, grid, av, m, ratio_type, rate_type, years_of_data)
    t.attrs.update(attrs)
    return t


def _rate_expected(data, num, den, rate, rate_type, multiplier):
    """The person-years behind each rate of :func:`funnel_significance` (from the rate column)."""
    if rate is None or rate_type not in ("dsr", "crude"):
        raise InputError("rate_type: rates need rate= (a column) and rate_type='dsr' or 'crude'")
    if multiplier is None:
        raise InputError("multiplier: rates need the multiplier of the rate column (e.g. 100000)")
    m = check_multiplier(multiplier)
    r = numeric(data, rate, "rate")
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = num / r * m
    if rate_type == "dsr":
        expected = np.where(num == 0, np.nan, derived)
    else:
        if np.any(num == 0) and den is None:
            raise InputError(
                "denominator: rows with 0 events need denominator= to give their population"
            )
        expected = np.where(num == 0, den if den is not None else np.nan, derived)
    return expected


def funnel_significance(data: pd.DataFrame, numerator: str, denominator: str | None = None,
                        kind: str = "proportion", *, rate: str | None = None,
                        rate_type: str | None = None,
                        multiplier: float | None = None) -> pd.DataFrame:  # fmt: skip
    """Label each row of ``data`` against the funnel: High/Low at 0.001 or 0.025, or Not significant.

    Parameters
    ----------
    data : pandas.DataFrame
    numerator : str
        Events (observed events for ratios).
    denominator : str, optional
        Sample sizes (proportions), expected events (ratios), populations (rates; needed for rows with
        0 events of crude rates).
    kind : {"proportion", "rate", "ratio"}
    rate : str, optional
        For rates: the column of rates (per ``multiplier``).
    rate_type : {"dsr", "crude"}, optional
        For rates. DSRs with fewer than 10 events are labelled not applicable.
    multiplier : float, optional
        For rates: the multiplier of ``rate`` (e.g. 100,000).

    Returns
    -------
    pandas.DataFrame
        ``data`` with a ``significance`` column.

    Examples
    --------
    >>> df = pd.DataFrame({"num": [10232, 12321, 15123, 13213],
    ...                    "den": [15232, 16123, 17932, 18475]})
    >>> funnel_significance(df, "num", "den")["significance"].tolist()
    ['Low (0.001)', 'High (0.001)', 'High (0.001)', 'Low (0.001)']
    """
    _check_kind(kind)
    check_frame(data, _columns(numerator, denominator, rate))
    num = numeric(data, numerator, "numerator")
    den = numeric(data, denominator, "denominator") if denominator is not None else None
    if np.any(num < 0):
        raise InputError("numerator: numerators must be 0 or more")
    if den is not None and np.any(den <= 0):
        raise InputError("denominator: denominators must be more than 0")
    out = data.copy()

    if kind == "proportion":
        if den is None:
            raise InputError("denominator: proportions need a denominator column")
        if np.any(num > den):
            raise InputError(
                "numerator: a numerator is above its denominator; a proportion needs x <= n"
            )
        av = np.sum(num) / np.sum(den)
        ratio = num / den
        conds = [
            ratio < sigma_adjustment(0.999, den, av, "low", 1),
            ratio < sigma_adjustment(0.975, den, av, "low", 1),
            ratio > sigma_adjustment(0.999, den, av, "high", 1),
            ratio > sigma_adjustment(0.975, den, av, "high", 1),
        ]
        labels = ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"]
        out["significance"] = np.select(conds, labels, SIGNIFICANCE_LABELS[4])
        return out

    if kind == "ratio":
        if den is None:
            raise InputError("denominator: ratios need a column of expected events")
        target, expected = 1.0, den
    else:
        expected = _rate_expected(data, num, den, rate, rate_type, multiplier)
        target = np.sum(num) / np.nansum(expected)

    bounds = {}
    for conf in (0.95, 0.998):
        lo, hi, _m = poisson_ci(num, conf)
        with np.errstate(divide="ignore", invalid="ignore"):
            bounds[conf] = (lo / expected, hi / expected)
    conds = [
        target < bounds[0.998][0],
        target < bounds[0.95][0],
        target > bounds[0.998][1],
        target > bounds[0.95][1],
    ]
    labels = np.select(conds, SIGNIFICANCE_LABELS[:4], SIGNIFICANCE_LABELS[4]).astype(object)
    if kind == "rate" and rate_type == "dsr":
        labels[num < 10] = DSR_NOT_APPLICABLE
    out["significance"] = labels
    return out
