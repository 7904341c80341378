"""Life expectancy from an abridged life table (Chiang II) with Silcocks' variance for the last interval,
as PHEindicatormethods ``phe_life_expectancy`` and the PHE Life Expectancy Calculator.

Twenty age bands: 0, 1-4, 5-9, ..., 85-89, 90+. A group is left without results (value and limits missing,
with the reason in ``statistic``) when a band has deaths above its population, when the total population
is 5,000 or less, or when no one died in the 90+ band; a life expectancy whose 95% interval is wider than
20 years is shown as missing but its limits are kept, as in the reference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..errors import InputError
from ._frame import as_by, check_frame, group_codes, numeric
from ._types import By, Levels
from .intervals import confidence_label, confidence_levels, limit_columns

#: Start ages of the 20 bands.
LE_START_AGES = (0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90)
#: Minimum total population (exclusive) for a life expectancy.
LE_MIN_POPULATION = 5000
#: Half-width of the 95% interval above which the value is withheld.
LE_MAX_HALF_WIDTH = 10
_Z95 = float(_st.norm.ppf(0.975))


def _start_age(labels: pd.Series) -> np.ndarray:
    def one(v):
        if isinstance(v, (int, np.integer)) or (isinstance(v, float) and float(v).is_integer()):
            return int(v)
        m = re.match(r"\D*(\d+)", str(v))
        if not m:
            raise InputError(
                f"startage: cannot read a start age from band {v!r}; use e.g. 0, '1-4', '90+'"
            )
        return int(m.group(1))

    return np.array([one(v) for v in labels], dtype=int)


def life_table(
    deaths: np.ndarray, pops: np.ndarray, start: Sequence[int] = LE_START_AGES, z: float = _Z95
):
    """Life expectancy and its standard error at each band start, for a (groups x 20) array.

    Returns ``(e, se)`` arrays of the same shape.

    Examples
    --------
    >>> d = np.array([[17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390,
    ...                1605, 1936, 1937]], dtype=float)
    >>> p = np.array([[7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209,
    ...                56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]], dtype=float)
    >>> e, se = life_table(d, p)
    >>> round(float(e[0, 0]), 4), round(float(se[0, 0]), 4)
    (80.1696, 0.1464)
    """
    d = np.atleast_2d(np.asarray(deaths, dtype=float))
    p = np.atleast_2d(np.asarray(pops, dtype=float))
    start = np.asarray(start, dtype=float)
    width = np.diff(start)  # k-1 widths
    a = np.where(start == 0, 0.1, 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        mrate = d / p
        q = np.ones_like(d)
        q[:, :-1] = mrate[:, :-1] * width / (1 + mrate[:, :-1] * width * (1 - a[:-1]))
        surv = 1 - q
        lx = np.empty_like(d)
        lx[:, 0] = 1e5
        lx[:, 1:] = 1e5 * np.cumprod(surv[:, :-1], axis=1)
        lnext = np.concatenate([lx[:, 1:], np.zeros((d.shape[0], 1))], axis=1)
        dx = lx - lnext
        big_l = np.empty_like(d)
        big_l[:, :-1] = width * (lnext[:, :-1] + a[:-1] * dx[:, :-1])
        big_l[:, -1] = lx[:, -1] / mrate[:, -1]
        tx = np.cumsum(big_l[:, ::-1], axis=1)[:, ::-1]
        e = np.where(lx == 0, 0.0, tx / lx)
        spi = np.where(dx == 0, 0.0, q**2 * (1 - q) / d)
        spi[:, -1] = 4 / (d[:, -1] * mrate[:, -1] ** 2)
        w = np.empty_like(d)
        enext = e[:, 1:]
        w[:, :-1] = spi[:, :-1] * lx[:, :-1] ** 2 * ((1 - a[:-1]) * width + enext) ** 2
        w[:, -1] = (lx[:, -1] / 2) ** 2 * spi[:, -1]
        st = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
        se = np.sqrt(st / lx**2)
    return e, se


def _band_grid(ages, codes, g: int, dth, pop) -> tuple[np.ndarray, np.ndarray]:
    """Deaths and populations as (group x life-table band) grids; every group needs each band once."""
    k = len(LE_START_AGES)
    age_index = {a: i for i, a in enumerate(LE_START_AGES)}
    unknown = sorted(set(ages.tolist()) - set(LE_START_AGES))
    if unknown:
        raise InputError(
            f"startage: band(s) starting at {unknown} are not life-table bands; use the 20 bands "
            "0, 1-4, 5-9, ..., 85-89, 90+"
        )
    col = np.array([age_index[a] for a in ages])
    filled = np.zeros((g, k), dtype=int)
    np.add.at(filled, (codes, col), 1)
    if (filled != 1).any():
        gi = int(np.argmax((filled != 1).any(axis=1)))
        missing = [LE_START_AGES[j] for j in range(k) if filled[gi, j] == 0]
        dup = [LE_START_AGES[j] for j in range(k) if filled[gi, j] > 1]
        raise InputError(
            f"startage: every group needs exactly one row for each of the 20 bands; a group lacks "
            f"{missing or 'none'} and repeats {dup or 'none'}"
        )
    d2 = np.zeros((g, k))
    p2 = np.zeros((g, k))
    d2[codes, col] = dth
    p2[codes, col] = pop
    return d2, p2


def _not_computable(d2: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Why each group's life expectancy cannot be computed (empty text when it can)."""
    reason = np.full(len(d2), "", dtype=object)
    reason[(d2 > p2).any(axis=1)] = "life expectancy NA: deaths exceed population in an age band"
    reason[(reason == "") & (p2.sum(axis=1) <= LE_MIN_POPULATION)] = (
        f"life expectancy NA: total population {LE_MIN_POPULATION:,} or less"
    )
    reason[(reason == "") & (d2[:, -1] == 0)] = "life expectancy NA: no deaths in the 90+ band"
    return reason


def life_expectancy(
    data: pd.DataFrame,
    deaths: str,
    population: str,
    by: By = None,
    confidence: Levels = 0.95,
    *,
    startage: str = "startage",
    le_age: int | Sequence[int] | None = None,
) -> pd.DataFrame:
    """Life expectancy at each age band (or at ``le_age``) with confidence limits, per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per age band per group: 20 bands, 0, 1-4, 5-9, ..., 85-89, 90+ (any order).
    deaths : str
        Column of deaths (0 or more; missing not allowed).
    population : str
        Column of populations (person-years), more than 0.
    by : str or list of str, optional
        Group columns (e.g. ward, sex, period).
    confidence : float or sequence of float
        One level (``lowercl``/``uppercl``) or several.
    startage : str
        Column of band labels or start ages (``0``, ``"1-4"``, ``"90+"``, ...).
    le_age : int or list of int, optional
        Keep only these start ages (e.g. ``0`` for life expectancy at birth).

    Returns
    -------
    pandas.DataFrame
        One row per group and band: ``by`` columns, ``startage``, ``value``, limit columns,
        ``pops_used``, ``dths_used`` (population and deaths from this age up), ``confidence``,
        ``statistic``, ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"age": list(LE_START_AGES),
    ...     "deaths": [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390,
    ...                1605, 1936, 1937],
    ...     "pop": [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209,
    ...             56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]})
    >>> le = life_expectancy(df, "deaths", "pop", startage="age", le_age=0)
    >>> le[["age", "value", "lowercl", "uppercl"]].round(2)
       age  value  lowercl  uppercl
    0    0  80.17    79.88    80.46
    """
    by = as_by(by)
    check_frame(data, [("deaths", deaths), ("population", population), ("startage", startage)], by)
    levels = confidence_levels(confidence)
    if len(data) == 0:
        raise InputError("data: is empty")
    dth = numeric(data, deaths, "deaths")
    pop = numeric(data, population, "population")
    if np.isnan(dth).any() or (dth < 0).any():
        raise InputError(
            f"deaths: column {deaths!r} must hold deaths of 0 or more, with none missing"
        )
    if np.isnan(pop).any() or (pop <= 0).any():
        raise InputError(
            f"population: column {population!r} must hold populations of more than 0, with none missing"
        )
    ages = _start_age(data[startage])
    codes, keys = group_codes(data, by)
    g = len(keys)
    k = len(LE_START_AGES)
    d2, p2 = _band_grid(ages, codes, g, dth, pop)

    reason = _not_computable(d2, p2)
    bad = reason != ""

    e, se = life_table(d2, p2)
    e = np.where(np.isinf(e), np.nan, e)
    wide = _Z95 * se > LE_MAX_HALF_WIDTH
    value = np.where(bad[:, None] | wide, np.nan, e)

    rows = pd.DataFrame(
        {
            "_g": np.repeat(np.arange(g), k),
            startage: np.tile(np.array(LE_START_AGES), g),
        }
    )
    # label the output with the caller's band labels
    label_map = pd.Series(data[startage].to_numpy(), index=pd.MultiIndex.from_arrays([codes, ages]))
    label_map = label_map[~label_map.index.duplicated()]
    rows[startage] = label_map.reindex(
        pd.MultiIndex.from_arrays([rows["_g"], rows[startage]])
    ).to_numpy()
    out = (
        keys.iloc[rows["_g"].to_numpy()].reset_index(drop=True)
        if by
        else pd.DataFrame(index=rows.index)
    )
    out[startage] = rows[startage].to_numpy()
    out["value"] = value.reshape(-1)
    for c, (lo, hi) in zip(levels, limit_columns(confidence), strict=True):
        z = float(_st.norm.ppf((1 + c) / 2))
        out[lo] = np.where(bad[:, None], np.nan, e - z * se).reshape(-1)
        out[hi] = np.where(bad[:, None], np.nan, e + z * se).reshape(-1)
    out["pops_used"] = np.cumsum(p2[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    out["dths_used"] = np.cumsum(d2[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    out["confidence"] = confidence_label(confidence)
    stat = np.array([f"life expectancy at {a}" for a in rows[startage]], dtype=object)
    stat[np.repeat(bad, k)] = np.repeat(reason[bad], k)
    out["statistic"] = stat
    out["method"] = "Chiang, using Silcocks et al for confidence limits"
    if le_age is not None:
        keep_ages = {int(a) for a in np.atleast_1d(le_age)}
        if not keep_ages <= set(LE_START_AGES):
            raise InputError(
                f"le_age: {sorted(keep_ages)} must be band start ages from {LE_START_AGES}"
            )
        out = out[np.isin(np.tile(LE_START_AGES, g), list(keep_ages))].reset_index(drop=True)
    return out
