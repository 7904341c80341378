"""Directly and indirectly standardised rates and ratios (PHEindicatormethods ``calculate_dsr``,
``calculate_ISRatio``, ``calculate_ISRate``).

Each function aggregates: one row per group of ``by`` (one row for all of ``data`` without it). Within a
group, rows are standardisation categories (age bands); a standard or reference population given as a
sequence is matched to them by position, as in the reference, so every group must have one row per band
in the same order. Pass ``ageband=`` to have the band labels checked across groups, or give ``stdpop`` as a
mapping from band label to weight to match by label instead.

Standard populations: ``stdpop="esp2013"`` (19 bands to 90+) and ``stdpop="esp1976"`` (18 bands to 85+)
use the copies in :mod:`lsp_research.config`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import config
from ..errors import InputError
from ._frame import (
    as_by,
    check_frame,
    check_multiplier,
    checked_by,
    fmt_multiplier,
    group_codes,
    group_sum,
    numeric,
)
from ._types import By, Levels
from .intervals import (
    EXACT_THRESHOLD,
    add_count_limits,
    byars_ci,
    confidence_label,
    confidence_levels,
    limit_columns,
)

#: Named standard populations shipped with the package: name -> (bands, weights).
STANDARD_POPULATIONS = {
    "esp2013": (config.ESP2013_BANDS, config.ESP2013),
    "esp1976": (config.ESP1976_BANDS, config.ESP1976),
}

#: Minimum total count for a DSR to be published (smaller totals give missing values).
DSR_MIN_COUNT = 10


def standard_population(name: str) -> pd.Series:
    """A shipped standard population as a Series of weights indexed by age band.

    Examples
    --------
    >>> esp = standard_population("esp2013")
    >>> len(esp), int(esp.sum()), int(esp["90+"])
    (19, 100000, 1000)
    """
    key = str(name).lower().replace(" ", "")
    if key not in STANDARD_POPULATIONS:
        raise InputError(
            f"stdpop: unknown standard population {name!r}; use 'esp2013' or 'esp1976'"
        )
    bands, weights = STANDARD_POPULATIONS[key]
    return pd.Series(weights, index=list(bands), dtype=float, name=key)


def _positions(codes: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray]:
    """Position of each row within its group, and the size of each group."""
    sizes = np.bincount(codes, minlength=ngroups)
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.empty(len(codes), dtype=np.intp)
    pos[order] = np.arange(len(codes)) - np.repeat(starts, sizes)
    return pos, sizes


def _by_position(values, codes, ngroups, arg: str, unit: str = "rows") -> np.ndarray:
    """Spread a per-band sequence over the rows of every group by position, checking lengths."""
    vec = np.asarray(values, dtype=float)
    if vec.ndim != 1:
        raise InputError(f"{arg}: give one number per standardisation category (a flat sequence)")
    pos, sizes = _positions(codes, ngroups)
    bad = np.flatnonzero(sizes != len(vec))
    if len(bad):
        raise InputError(
            f"{arg}: has {len(vec)} values but a group of data has {sizes[bad[0]]} {unit}; "
            f"each group needs exactly one row per standardisation category, in the order of {arg}"
        )
    return vec[pos]


def _check_bands_aligned(data, codes, ngroups, ageband) -> None:
    """Every group must list the same age bands in the same order."""
    bands = data[ageband].astype(str).to_numpy()
    pos, sizes = _positions(codes, ngroups)
    if len(set(sizes.tolist())) > 1:
        raise InputError(
            f"ageband: groups have different numbers of age bands ({sorted(set(sizes.tolist()))}); "
            "every group needs one row per band"
        )
    first = np.empty(sizes[0], dtype=object)
    g0 = codes == codes[0] if len(codes) else np.zeros(0, bool)
    first[pos[g0]] = bands[g0]
    mismatch = bands != first[pos]
    if mismatch.any():
        i = int(np.argmax(mismatch))
        raise InputError(
            f"ageband: age bands do not line up across groups (row {i} has {bands[i]!r} where the "
            f"first group has {first[pos[i]]!r}); sort every group by age band the same way"
        )


def _weights(data, stdpop, codes, ngroups, ageband, arg="stdpop") -> np.ndarray:
    """Per-row standard population weights from a column, a name, a mapping or a sequence."""
    if isinstance(stdpop, str) and stdpop in data.columns:
        return numeric(data, stdpop, arg)
    if isinstance(stdpop, str):
        stdpop = standard_population(stdpop)
        if ageband is None:
            return _by_position(stdpop.to_numpy(), codes, ngroups, arg)
    if isinstance(stdpop, (Mapping, pd.Series)):
        table = pd.Series(stdpop, dtype=float)
        if ageband is None:
            return _by_position(table.to_numpy(), codes, ngroups, arg)
        labels = data[ageband].astype(str)
        table.index = table.index.astype(str)
        unknown = sorted(set(labels) - set(table.index))
        if unknown:
            raise InputError(
                f"ageband: band(s) {unknown} are not in the standard population "
                f"(its bands: {', '.join(table.index)})"
            )
        w = labels.map(table).to_numpy(dtype=float)
        # every group must cover every band of the standard population exactly once
        per_group = pd.DataFrame({"g": codes, "b": labels.to_numpy()})
        counts = per_group.groupby("g")["b"].agg(["nunique", "size"])
        if (counts["nunique"] != len(table)).any() or (counts["size"] != len(table)).any():
            raise InputError(
                f"ageband: every group needs exactly one row for each of the {len(table)} bands of the "
                "standard population"
            )
        return w
    if ageband is not None:
        _check_bands_aligned(data, codes, ngroups, ageband)
    return _by_position(stdpop, codes, ngroups, arg)


def _counts_and_populations(data: pd.DataFrame, x: str, n: str) -> tuple[np.ndarray, np.ndarray]:
    """The counts (missing read as 0) and populations of ``data``, refused when negative or not positive."""
    xs = numeric(data, x, "x")
    ns = numeric(data, n, "n")
    if np.any(xs < 0):
        raise InputError(
            f"x: column {x!r} has a negative count ({xs[xs < 0][0]:g}); counts must be 0 or more"
        )
    if np.any(np.isnan(ns)) or np.any(ns <= 0):
        bad = ns[np.isnan(ns) | (ns <= 0)][0]
        raise InputError(
            f"n: column {n!r} has a population of {bad:g}; populations must be more than 0"
        )
    return np.nan_to_num(xs, nan=0.0), ns


def _repeat_event_terms(data, xs, ns, codes, g, stdpop, ageband, eventfreq, n):
    """Weights, events, variance terms and each band's first row when people have repeat events
    (``eventfreq`` events each): the weights and populations are taken once per age band and group.
    """
    freq = numeric(data, eventfreq, "eventfreq")
    if np.any(np.isnan(freq)) or np.any(freq < 1):
        raise InputError(
            f"eventfreq: column {eventfreq!r} must hold event frequencies of 1 or more"
        )
    band_key = pd.DataFrame({"g": codes, "b": data[ageband].astype(str).to_numpy()})
    first_of_band = ~band_key.duplicated().to_numpy()
    sub = data[first_of_band]
    wb = _weights(sub, stdpop, codes[first_of_band], g, ageband)
    lookup = pd.Series(wb, index=pd.MultiIndex.from_frame(band_key[first_of_band]))
    w = lookup.reindex(pd.MultiIndex.from_frame(band_key)).to_numpy(dtype=float)
    # n and stdpop must be constant within each band of each group
    chk = band_key.assign(n=ns, w=w).groupby(["g", "b"], sort=False)[["n", "w"]].nunique()
    if (chk["n"] > 1).any():
        raise InputError(f"n: population {n!r} differs between rows of the same age band and group")
    if (chk["w"] > 1).any():
        raise InputError("stdpop: standard population differs between rows of the same age band")
    events = xs * freq
    var_terms = xs * freq**2 * (w / ns) ** 2
    return w, events, var_terms, first_of_band


def _dsr_limits(out, value, scale, total_count, small, confidence) -> None:
    """Dobson limits of each confidence level into ``out`` (none for a group below the minimum count)."""
    for c, (lo, hi) in zip(confidence_levels(confidence), limit_columns(confidence), strict=True):
        bl, bu = byars_ci(total_count, c)
        out[lo] = np.where(small, np.nan, value + scale * (bl - total_count))
        out[hi] = np.where(small, np.nan, value + scale * (bu - total_count))


def dsr(
    data: pd.DataFrame,
    x: str,
    n: str,
    stdpop="esp2013",
    by: By = None,
    multiplier: float = 100_000,
    confidence: Levels = 0.95,
    *,
    ageband: str | None = None,
    independent_events: bool = True,
    eventfreq: str | None = None,
) -> pd.DataFrame:
    """Directly standardised rates with Dobson confidence limits.

    ``value = sum(x_i w_i / n_i) / sum(w_i) * multiplier``; limits
    ``value + sqrt(var / O) (Byar(O) - O) * multiplier`` with
    ``var = sum(x_i (w_i / n_i)^2) / (sum w_i)^2`` and ``O`` the total count. When ``O`` is under 10 the
    value and limits are missing (the statistic column says why).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per standardisation category (age band) per group; for repeat events, one row per age band
        per event frequency per group.
    x : str
        Column of event counts per band (missing counts are taken as 0, as the reference does). For repeat
        events (``independent_events=False``) the number of *persons* having ``eventfreq`` events.
    n : str
        Column of populations per band, more than 0.
    stdpop : str, mapping or sequence
        A column name of ``data``; ``"esp2013"`` (default) or ``"esp1976"``; a mapping/Series from band
        label to weight (matched by ``ageband``); or a sequence of weights matched by position.
    by : str or list of str, optional
        Group columns (e.g. ward and quarter). One row per group is returned.
    multiplier : float
        Rate per this many (default 100,000).
    confidence : float or sequence of float
        One level (``lowercl``/``uppercl``) or several (``lower95_0cl``, ...).
    ageband : str, optional
        Column of band labels: checked across groups, used to match a mapping ``stdpop``, and required for
        repeat events.
    independent_events : bool
        False for the repeat-events variant: the variance sums over persons by event frequency ``f``,
        each weighted by ``f^2``.
    eventfreq : str, optional
        Column of event frequencies (required when ``independent_events`` is False).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``total_count``, ``total_pop``, ``value``, the limit columns, ``confidence``,
        ``statistic``, ``method`` (``"Dobson"``).

    Examples
    --------
    >>> df = pd.DataFrame({"band": ["0-44", "45-64", "65+"], "deaths": [10, 40, 120],
    ...                    "pop": [5000, 3000, 1000]})
    >>> r = dsr(df, "deaths", "pop", stdpop=[60000, 25000, 15000])
    >>> r[["total_count", "total_pop", "value", "lowercl", "uppercl"]].round(1)
       total_count  total_pop   value  lowercl  uppercl
    0        170.0     9000.0  2253.3   1920.0   2626.9
    """
    m = check_multiplier(multiplier)
    by = as_by(by)
    cols = [("x", x), ("n", n)]
    if ageband is not None:
        cols.append(("ageband", ageband))
    if not independent_events:
        if eventfreq is None or ageband is None:
            raise InputError(
                "eventfreq: repeat events (independent_events=False) need both eventfreq= and ageband= "
                "columns"
            )
        cols.append(("eventfreq", eventfreq))
    check_frame(data, cols, by)
    if len(data) == 0:
        raise InputError("data: is empty")
    xs, ns = _counts_and_populations(data, x, n)
    codes, keys = group_codes(data, by)
    g = len(keys)

    if independent_events:
        w = _weights(data, stdpop, codes, g, ageband)
        events = xs
        var_terms = xs * (w / ns) ** 2
        first_of_band = np.ones(len(data), dtype=bool)
        method = "Dobson"
    else:
        w, events, var_terms, first_of_band = _repeat_event_terms(
            data, xs, ns, codes, g, stdpop, ageband, eventfreq, n
        )
        method = "Dobson, with confidence adjusted for non-independent events"

    total_count = group_sum(events, codes, g)
    total_pop = group_sum(np.where(first_of_band, ns, 0.0), codes, g)
    sum_w = group_sum(np.where(first_of_band, w, 0.0), codes, g)
    if np.any(np.isnan(w)) or np.any(w < 0):
        raise InputError("stdpop: standard population weights must be 0 or more, with none missing")
    if np.any(sum_w <= 0):
        raise InputError("stdpop: standard population weights of a group sum to 0")
    wrate = group_sum(events * w / ns, codes, g)
    var = group_sum(var_terms, codes, g) / sum_w**2
    value = wrate / sum_w * m
    small = total_count < DSR_MIN_COUNT

    out = keys.copy() if by else pd.DataFrame(index=range(g))
    out["total_count"] = total_count
    out["total_pop"] = total_pop
    out["value"] = np.where(small, np.nan, value)
    with np.errstate(invalid="ignore", divide="ignore"):  # a group with no events has no limits
        _dsr_limits(out, value, np.sqrt(var / total_count) * m, total_count, small, confidence)
    out["confidence"] = confidence_label(confidence)
    out["statistic"] = np.where(
        small, f"dsr NA for total count < {DSR_MIN_COUNT}", f"dsr per {fmt_multiplier(m)}"
    )
    out["method"] = method
    return out


def _reference(data, arg, ref, codes, g):
    if isinstance(ref, str):
        check_frame(data, [(arg, ref)])
        return numeric(data, ref, arg)
    return _by_position(ref, codes, g, arg)


def _isr_core(data, x, n, x_ref, n_ref, by):
    by = checked_by(data, [("x", x), ("n", n)], by)
    if len(data) == 0:
        raise InputError("data: is empty")
    codes, keys = group_codes(data, by)
    g = len(keys)
    xs = numeric(data, x, "x")
    ns = numeric(data, n, "n")
    xr = _reference(data, "x_ref", x_ref, codes, g)
    nr = _reference(data, "n_ref", n_ref, codes, g)
    if np.any(xs < 0):
        raise InputError(
            f"x: column {x!r} has a negative count ({xs[xs < 0][0]:g}); counts must be 0 or more"
        )
    if np.any(np.isnan(ns)) or np.any(ns < 0):
        raise InputError(
            f"n: column {n!r} has a missing or negative population; populations must be 0 or more"
        )
    if np.any(np.isnan(xr)) or np.any(xr < 0):
        raise InputError("x_ref: reference counts must be 0 or more, with none missing")
    if np.any(np.isnan(nr)) or np.any(nr <= 0):
        raise InputError("n_ref: reference populations must be more than 0, with none missing")
    observed = group_sum(np.nan_to_num(xs, nan=0.0), codes, g)
    expected = group_sum(xr / nr * ns, codes, g)
    if np.any(expected <= 0):
        raise InputError(
            "n: a group has no expected events (all populations 0); the ratio is undefined"
        )
    out = keys.copy() if by else pd.DataFrame(index=range(g))
    out["observed"] = observed
    out["expected"] = expected
    return out, observed, expected, xr, nr, codes, g


def isratio(data: pd.DataFrame, x: str, n: str, x_ref, n_ref, by: By = None, refvalue: float = 1,
            confidence: Levels = 0.95) -> pd.DataFrame:  # fmt: skip
    """Indirectly standardised ratios (e.g. SMRs) ``O / E * refvalue``.

    ``E = sum(x_ref_i / n_ref_i * n_i)``; limits are the count limits of ``O`` (exact under 10, Byar's
    from 10) over ``E``. Small counts are not suppressed.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per standardisation category per group.
    x, n : str
        Columns of local counts (missing as 0) and local populations (0 or more).
    x_ref, n_ref : str or sequence
        Reference counts and populations: column names of ``data`` or sequences matched by position
        within each group.
    by : str or list of str, optional
        Group columns.
    refvalue : float
        1 for a ratio, 100 for the ratio times 100.
    confidence : float or sequence of float

    Returns
    -------
    pandas.DataFrame
        ``observed``, ``expected``, ``value``, limit columns, ``confidence``, ``statistic``, ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"deaths": [5, 20, 70], "pop": [5000, 3000, 1000]})
    >>> r = isratio(df, "deaths", "pop", x_ref=[50, 300, 900], n_ref=[50000, 30000, 10000],
    ...             refvalue=100)
    >>> r[["observed", "expected", "value", "lowercl", "uppercl", "method"]].round(2)
       observed  expected  value  lowercl  uppercl method
    0      95.0     125.0   76.0    61.49    92.91  Byars
    """
    factor = check_multiplier(refvalue, "refvalue", "1 or 100")
    out, observed, expected, *_ = _isr_core(data, x, n, x_ref, n_ref, by)
    method = add_count_limits(out, observed, expected, factor, confidence)
    out["statistic"] = f"indirectly standardised ratio x {fmt_multiplier(factor)}"
    out["method"] = method
    return out


def israte(data: pd.DataFrame, x: str, n: str, x_ref, n_ref, by: By = None,
           multiplier: float = 100_000, confidence: Levels = 0.95) -> pd.DataFrame:  # fmt: skip
    """Indirectly standardised rates: the ratio ``O / E`` times the reference crude rate.

    ``ref_rate = sum(x_ref) / sum(n_ref) * multiplier``; ``value = O / E * ref_rate``; limits as in
    :func:`isratio`.

    Parameters
    ----------
    data, x, n, x_ref, n_ref, by, confidence
        As for :func:`isratio`.
    multiplier : float
        Rate per this many (default 100,000).

    Returns
    -------
    pandas.DataFrame
        ``observed``, ``expected``, ``ref_rate``, ``value``, limit columns, ``confidence``,
        ``statistic``, ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"deaths": [5, 20, 70], "pop": [5000, 3000, 1000]})
    >>> r = israte(df, "deaths", "pop", x_ref=[50, 300, 900], n_ref=[50000, 30000, 10000])
    >>> r[["observed", "expected", "ref_rate", "value"]].round(1)
       observed  expected  ref_rate   value
    0      95.0     125.0    1388.9  1055.6
    """
    m = check_multiplier(multiplier)
    out, observed, expected, xr, nr, codes, g = _isr_core(data, x, n, x_ref, n_ref, by)
    if isinstance(x_ref, str):
        ref_rate = group_sum(xr, codes, g) / group_sum(nr, codes, g) * m
    else:
        ref_rate = np.full(
            g, np.sum(np.asarray(x_ref, float)) / np.sum(np.asarray(n_ref, float)) * m
        )
    out["ref_rate"] = ref_rate
    method = add_count_limits(out, observed, expected, ref_rate, confidence)
    out["statistic"] = f"indirectly standardised rate per {fmt_multiplier(m)}"
    out["method"] = method
    return out


__all__ = [
    "dsr",
    "isratio",
    "israte",
    "standard_population",
    "STANDARD_POPULATIONS",
    "EXACT_THRESHOLD",
]
