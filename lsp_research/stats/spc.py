"""Statistical process control the NHS "Making Data Count" way (NHSRplotthedots 0.2.2 rules).

An XmR chart: the mean of the baseline; moving ranges screened once (any at or above 3.267 times their
average is dropped, on by default; ``screen_outliers=False`` matches the Excel tools); process limits at
the mean -+ 2.66 times the average moving range; "near" limits two thirds of the way out.

Special causes (every point of the pattern is flagged), in order of precedence:

1. a point outside the process limits;
2. a trend of 7 points each strictly above (below) the previous one;
3. 2 of 3 consecutive points between the near and the full limits, all 3 on the same side of the mean;
4. a shift of 7 points on one side of the mean (a point exactly on the mean breaks it).

A special cause is ``special_cause_improvement`` or ``special_cause_concern`` given the improvement
direction (``special_cause_neutral_high``/``_low`` for "neutral"). The variation icon is the last point's
type. With a target, assurance compares it with the last point's limits.

Baselines (Making Data Count practice): the limits are recalculated ("rebased") at known process changes
(``rebase_at``) and, with ``rebase_on_shift=True``, from the first point of a sustained shift the run rules
find (7 points on one side of the mean, preceded by at least 7 points of the old process), so that the
latest limits describe the current process. With ``min_points`` no verdict (variation, assurance, special
causes) is given until that many points have accrued since the last rebase; and a baseline with no
variation (every moving range used is 0, so the limits collapse onto the mean) gives no special-cause
verdict either. :attr:`SPCResult.no_verdict_reason` says why.

The rule helpers mirror NHSRplotthedots' internal functions of the same names so that the package's own
unit tests can be replayed against them.

>>> r = spc([1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1])
>>> print(round(r.points["mean"].iloc[0], 4), round(r.points["upl"].iloc[0], 4))
1.9444 4.6044
>>> r.points["point_type"].iloc[4], r.variation, r.assurance
('special_cause_improvement', 'common_cause', None)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import InputError

#: Process limits: mean -+ LIMIT * average moving range.
LIMIT = 2.66
#: Near limits: two thirds of the way to the process limits.
NEAR_LIMIT = 2 * LIMIT / 3
#: Moving ranges at or above this multiple of their average are screened out.
SCREEN_MULTIPLE = 3.267
#: Fewer baseline points than this give trial limits.
TRIAL_LIMIT_POINTS = 13
#: Smallest fixed baseline allowed by :func:`spc` (as NHSRplotthedots).
MIN_FIXED_BASELINE = 12
#: A sustained shift: this many points in a row on one side of the mean (the run rule); a rebase at a
#: shift also needs at least this many points of the old process before it.
SHIFT_POINTS = 7
#: Improvement directions.
IMPROVEMENTS = {"increase": 1, "decrease": -1, "neutral": 0}

#: Making Data Count wording of each point type / variation icon.
VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "special_cause_improvement": "Special cause variation of an improving nature",
    "special_cause_concern": "Special cause variation of a concerning nature",
    "special_cause_neutral_high": "Special cause variation: neither improvement nor concern (higher values)",
    "special_cause_neutral_low": "Special cause variation: neither improvement nor concern (lower values)",
}
#: Making Data Count wording of each assurance icon.
ASSURANCE_TEXT = {
    "consistent_pass": "The system is expected to consistently pass the target",
    "consistent_fail": "The system is expected to consistently fail the target",
    "inconsistent": "The system may achieve or fail the target subject to random variation",
    None: "No target set",
}


# --------------------------------------------------------------------------------------------------
# Rule helpers (vectorised versions of NHSRplotthedots' helpers of the same names)
# --------------------------------------------------------------------------------------------------
def seven_point_one_side_mean(relative_to_mean) -> np.ndarray:
    """1 where a point ends a run of 7 points on the same side of the mean, else 0.

    ``relative_to_mean`` holds -1, 0 or 1 per point (0 = on the mean, which breaks a run).

    Examples
    --------
    >>> seven_point_one_side_mean([1, 1, 1, 1, 1, 1, 1, 1, -1]).tolist()
    [0, 0, 0, 0, 0, 0, 1, 1, 0]
    """
    v = np.asarray(relative_to_mean, dtype=float)
    if v.size == 0:
        return np.zeros(0, dtype=int)
    vp = np.concatenate([np.zeros(6), v])
    w = sliding_window_view(vp, 7)
    return (np.all(w == w[:, -1:], axis=1) & (w[:, -1] != 0)).astype(int)


def part_of_seven_trend(v) -> np.ndarray:
    """1 where a point is one of the 7 points ending at a flagged point (a flag at it or in the next 6).

    Examples
    --------
    >>> part_of_seven_trend([0, 0, 0, 0, 0, 0, 0, 1, 0]).tolist()
    [0, 1, 1, 1, 1, 1, 1, 1, 0]
    """
    a = np.asarray(v, dtype=float)
    if a.size == 0:
        return np.zeros(0, dtype=int)
    vp = np.concatenate([a, np.zeros(6)])
    w = sliding_window_view(vp, 7)
    return np.any(np.abs(w) == 1, axis=1).astype(int)


def seven_point_trend(y) -> np.ndarray:
    """1 (-1) where a point ends 7 points each strictly above (below) the previous one, else 0.

    Examples
    --------
    >>> seven_point_trend([2, 1, 2, 3, 4, 5, 6, 7, 3]).tolist()
    [0, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> seven_point_trend([1, 2, 3, 3, 4, 5, 6]).tolist()
    [0, 0, 0, 0, 0, 0, 0]
    """
    a = np.asarray(y, dtype=float)
    out = np.zeros(a.size, dtype=int)
    if a.size < 7:
        return out
    d = np.sign(np.diff(a))
    w = sliding_window_view(d, 6)
    out[6:] = np.where(np.all(w == 1, axis=1), 1, np.where(np.all(w == -1, axis=1), -1, 0))
    return out


def two_in_three(close_to_limits, relative_to_mean) -> np.ndarray:
    """1 for each point of any 3 consecutive points of which 2 or more are close to the limits and all 3
    lie on the same side of the mean.

    Examples
    --------
    >>> two_in_three([0, 0, 1, 0, 1, 0, 0], [1] * 7).tolist()
    [0, 0, 1, 1, 1, 0, 0]
    >>> two_in_three([1, 0, 1], [1, -1, 1]).tolist()
    [0, 0, 0]
    """
    v = np.asarray(close_to_limits, dtype=float)
    r = np.asarray(relative_to_mean, dtype=float)
    if v.size == 0:
        return np.zeros(0, dtype=int)
    vp = np.concatenate([[0, 0], v, [0, 0]])
    rp = np.concatenate([[0, 0], r, [0, 0]])
    ok = (sliding_window_view(vp, 3).sum(axis=1) >= 2) & (
        np.abs(sliding_window_view(rp, 3).sum(axis=1)) == 3
    )
    return (ok[:-2] | ok[1:-1] | ok[2:]).astype(int)


def part_of_two_in_three(two_in_three_flags, close_to_limits) -> np.ndarray:
    """1 where a point is in a 2-of-3 pattern and is itself close to the limits.

    Examples
    --------
    >>> part_of_two_in_three(two_in_three([1, 0, 0, 1, 1], [1] * 5), [1, 0, 0, 1, 1]).tolist()
    [0, 0, 0, 1, 1]
    """
    v = np.asarray(two_in_three_flags, dtype=float)
    x = np.asarray(close_to_limits, dtype=float)
    return ((v == 1) & (np.abs(x) == 1)).astype(int)


def assurance_type(lpl, upl, target, improvement: str = "increase"):
    """Assurance of meeting ``target`` given process limits.

    Target above the upper limit: ``consistent_fail`` when higher is better, ``consistent_pass`` when
    lower is better; below the lower limit the reverse; otherwise ``inconsistent``. None with no target
    or a neutral direction.

    Examples
    --------
    >>> assurance_type([1, 5, 1], [3, 7, 5], 4, "increase").tolist()
    ['consistent_fail', 'consistent_pass', 'inconsistent']
    >>> assurance_type(1.0, 3.0, 4, "decrease")
    'consistent_pass'
    """
    sign = _improvement_sign(improvement)
    scalar = np.ndim(lpl) == 0 and np.ndim(upl) == 0
    lo, hi = np.broadcast_arrays(np.asarray(lpl, dtype=float), np.asarray(upl, dtype=float))
    lo = np.atleast_1d(lo)
    hi = np.atleast_1d(hi)
    if target is None or sign == 0:
        out = np.full(lo.shape, None, dtype=object)
    else:
        t = float(target)
        above = "consistent_fail" if sign > 0 else "consistent_pass"
        below = "consistent_pass" if sign > 0 else "consistent_fail"
        out = np.where(t > hi, above, np.where(t < lo, below, "inconsistent")).astype(object)
    return out[0] if scalar else out


def _improvement_sign(improvement) -> int:
    if improvement not in IMPROVEMENTS:
        raise InputError(
            f"improvement: {improvement!r} is not allowed; use 'increase', 'decrease' or 'neutral'"
        )
    return IMPROVEMENTS[improvement]


# --------------------------------------------------------------------------------------------------
# Limits and point classification
# --------------------------------------------------------------------------------------------------
def xmr_limits(values, screen_outliers: bool = True, fix_after_n_points: int | None = None) -> dict:
    """XmR limits of one group of values.

    Returns a dict with ``mean``, ``amr`` (average moving range after screening), ``lpl``, ``upl``,
    ``near_lpl``, ``near_upl`` and ``n_baseline``. When every moving range is 0 the limits equal the
    mean (NHSRplotthedots would screen out every range and give missing limits).

    Examples
    --------
    >>> lim = xmr_limits([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    >>> round(lim["lpl"], 6), round(lim["upl"], 6), round(lim["near_upl"], 6)
    (2.84, 8.16, 7.273333)
    """
    y = np.asarray(values, dtype=float)
    base = y[:fix_after_n_points] if fix_after_n_points else y
    mean = float(np.mean(base)) if base.size else np.nan
    mr = np.abs(np.diff(base))
    amr = float(np.mean(mr)) if mr.size else np.nan
    if screen_outliers and mr.size and amr > 0:
        kept = mr[mr < SCREEN_MULTIPLE * amr]
        amr = float(np.mean(kept)) if kept.size else np.nan
    return {
        "mean": mean,
        "amr": amr,
        "lpl": mean - LIMIT * amr,
        "upl": mean + LIMIT * amr,
        "near_lpl": mean - NEAR_LIMIT * amr,
        "near_upl": mean + NEAR_LIMIT * amr,
        "n_baseline": int(base.size),
    }


#: Rule names, indexed by rule code (0 = no special cause), in order of precedence.
RULES = ("common_cause", "outside_limits", "trend", "two_in_three", "shift")
#: Point types, indexed by point-type code.
POINT_TYPES = ("common_cause", "special_cause_improvement", "special_cause_concern",
               "special_cause_neutral_high", "special_cause_neutral_low")  # fmt: skip
#: NHSRplotthedots' wording of each special cause: code 0, then (above/increasing, below/decreasing)
#: for each rule.
SPECIAL_CAUSE_TYPES = (
    "Common Cause",
    "Above UCL",
    "Below LCL",
    "7 Point Trend (Increasing)",
    "7 Point Trend (Decreasing)",
    "2 in 3 Above CL",
    "2 in 3 Below CL",
    "7 Points Above CL",
    "7 Points Below CL",
)


# templates holding every category once; ``take`` builds each column without re-validating categories
_RULE_TEMPLATE = pd.Categorical(list(RULES), categories=list(RULES))
_TYPE_TEMPLATE = pd.Categorical(list(SPECIAL_CAUSE_TYPES), categories=list(SPECIAL_CAUSE_TYPES))
_POINT_TEMPLATE = pd.Categorical(list(POINT_TYPES), categories=list(POINT_TYPES))


def _special_cause(y, rtm, close, outside):
    """Rule code (see :data:`RULES`) and signed direction (+1 above/increasing, -1 below/decreasing)."""
    trend = part_of_seven_trend(seven_point_trend(y)) != 0
    two3 = part_of_two_in_three(two_in_three(close, rtm), close) != 0
    shift = part_of_seven_trend(seven_point_one_side_mean(rtm)) != 0
    sdy = np.sign(np.diff(y))
    right = np.concatenate([sdy, sdy[-1:]])
    left = np.concatenate([[0.0], sdy])
    use_right = np.concatenate([trend[1:], [False]]) & trend
    trend_dir = np.where(use_right, right, left)
    side = np.where(rtm > 0, 1, -1)
    conds = [outside, trend, two3, shift]
    rule = np.select(conds, [1, 2, 3, 4], 0)
    direction = np.select(
        conds, [np.where(rtm == 1, 1, -1), np.where(trend_dir == 1, 1, -1), side, side], 0
    )
    return rule, direction


def _point_type_codes(direction: np.ndarray, sign: int) -> np.ndarray:
    if sign == 0:
        return np.select([direction > 0, direction < 0], [3, 4], 0)
    v = direction * sign
    return np.select([v > 0, v < 0], [1, 2], 0)


def _groups(n: int, rebase_at) -> list[tuple[int, int]]:
    if rebase_at is None:
        cuts: list[int] = []
    else:
        try:
            cuts = sorted({int(p) for p in rebase_at})
        except (TypeError, ValueError):
            raise InputError(
                f"rebase_at: give a list of 0-based positions, not {rebase_at!r}"
            ) from None
        if any(p <= 0 or p >= n for p in cuts):
            raise InputError(
                f"rebase_at: positions must be between 1 and {n - 1} (0-based starts of new groups); "
                f"got {list(rebase_at)}"
            )
    bounds = [0, *cuts, n]
    groups = list(zip(bounds[:-1], bounds[1:], strict=True))
    short = [(a, b) for a, b in groups if b - a < 2]
    if short:
        raise InputError(
            f"rebase_at: every group needs at least 2 points; positions {short[0][0]}-{short[0][1] - 1} "
            "form a group that is too short"
        )
    return groups


def _as_series(values) -> np.ndarray:
    try:
        y = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("values: must be numbers") from None
    if y.size < 2:
        raise InputError(f"values: an SPC chart needs at least 2 values, got {y.size}")
    if np.isnan(y).any():
        i = int(np.flatnonzero(np.isnan(y))[0])
        raise InputError(
            f"values: value at position {i} is missing; SPC needs a complete series (drop or fill gaps)"
        )
    return y


def shift_rebases(values, rebase_at=None, screen_outliers: bool = True) -> list[int]:
    """Positions where a sustained shift starts a new process (Making Data Count's recalculation).

    Within each group (between known changes in ``rebase_at``), the limits are fitted; the first run of
    :data:`SHIFT_POINTS` or more points on one side of the mean that starts at least
    :data:`SHIFT_POINTS` points into the group starts a new baseline (the run's first point), and the
    rest of the group is examined again from there. A run from the group's first point is not a shift (it
    is the old process), and a group with no variation has none.

    Examples
    --------
    A step from about 10 to about 20 after 10 points is a new process from position 10:

    >>> shift_rebases([10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 20, 21, 19, 20, 21, 19, 20])
    [10]
    >>> shift_rebases([10, 11] * 8)
    []
    """
    y = _as_series(values)
    found: list[int] = []
    for a, b in _groups(y.size, rebase_at):
        start = a
        while b - start >= 2 * SHIFT_POINTS:
            seg = y[start:b]
            lim = xmr_limits(seg, screen_outliers)
            if not lim["amr"] > 0:
                break
            rtm = np.sign(seg - lim["mean"])
            ends = np.flatnonzero(seven_point_one_side_mean(rtm))
            cut = None
            for e in ends:
                s0 = e
                while s0 > 0 and rtm[s0 - 1] == rtm[e]:
                    s0 -= 1
                if s0 >= SHIFT_POINTS:
                    cut = s0
                    break
            if cut is None:
                break
            start += int(cut)
            found.append(start)
    return found


def _xmr_arrays(
    values, improvement, screen_outliers, fix_after_n_points, rebase_at, min_points=None
) -> dict:
    """All per-point results as numpy arrays (the DataFrame is built only when asked for)."""
    sign = _improvement_sign(improvement)
    labels = values.index if isinstance(values, pd.Series) else None
    y = _as_series(values)
    if fix_after_n_points is not None:
        if int(fix_after_n_points) != fix_after_n_points or fix_after_n_points < 2:
            raise InputError(
                f"fix_after_n_points: must be a whole number of at least 2, not {fix_after_n_points!r}"
            )
        fix_after_n_points = int(fix_after_n_points)
    n = y.size
    cols = {k: np.empty(n) for k in ("mean", "lpl", "upl", "near_lpl", "near_upl")}
    group = np.empty(n, dtype=int)
    trial = np.empty(n, dtype=bool)
    rule = np.zeros(n, dtype=int)
    direction = np.zeros(n, dtype=int)
    outside = np.empty(n, dtype=bool)
    close = np.empty(n, dtype=bool)
    rtm = np.empty(n)
    varies = np.empty(n, dtype=bool)
    enough = np.empty(n, dtype=bool)
    for gi, (a, b) in enumerate(_groups(n, rebase_at)):
        seg = y[a:b]
        lim = xmr_limits(seg, screen_outliers, fix_after_n_points)
        for k in cols:
            cols[k][a:b] = lim[k]
        group[a:b] = gi
        trial[a:b] = lim["n_baseline"] < TRIAL_LIMIT_POINTS
        # no variation in the baseline: limits on the mean separate nothing, so no special causes
        varies[a:b] = bool(lim["amr"] > 0)
        enough[a:b] = min_points is None or b - a >= min_points
        o = (seg > lim["upl"]) | (seg < lim["lpl"])
        r = np.sign(seg - lim["mean"])
        c = ~o & ((seg < lim["near_lpl"]) | (seg > lim["near_upl"]))
        if not (varies[a] and enough[a]):
            o, c = np.zeros_like(o), np.zeros_like(c)
        outside[a:b], rtm[a:b], close[a:b] = o, r, c
        rule[a:b], direction[a:b] = _special_cause(seg, r, c.astype(int), o)
        if not (varies[a] and enough[a]):
            rule[a:b], direction[a:b] = 0, 0
    return {
        "x": labels if labels is not None else np.arange(n),
        "value": y,
        **cols,
        "rebase_group": group,
        "trial_limits": trial,
        "outside_limits": outside,
        "relative_to_mean": rtm.astype(int),
        "close_to_limits": close,
        "baseline_varies": varies,
        "enough_points": enough,
        "rule": rule,
        "type_code": np.where(rule == 0, 0, 2 * rule - 1 + (direction < 0)),
        "point_code": _point_type_codes(direction, sign),
    }


def _points_frame(arr: dict) -> pd.DataFrame:
    rule = arr["rule"]
    cols = {k: v for k, v in arr.items() if k not in ("rule", "type_code", "point_code")}
    cols["special_cause_rule"] = _RULE_TEMPLATE.take(rule)
    cols["special_cause_type"] = _TYPE_TEMPLATE.take(arr["type_code"])
    cols["special_cause_flag"] = rule != 0
    cols["point_type"] = _POINT_TEMPLATE.take(arr["point_code"])
    return pd.DataFrame(cols, copy=False)


def xmr_points(
    values,
    improvement: str = "increase",
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
    rebase_at: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Limits and point classification, one row per value (no minimum baseline is enforced).

    :func:`spc` is the checked entry point; this function does the arithmetic for it and accepts any
    baseline length (as the nhspy-plotthedots calculator does).

    Examples
    --------
    >>> p = xmr_points([1, 2, 3, 4, 5, 6, 7, 8], fix_after_n_points=3)
    >>> p["outside_limits"].tolist()
    [False, False, False, False, True, True, True, True]
    >>> bool(p["special_cause_flag"].all())
    True
    """
    return _points_frame(
        _xmr_arrays(values, improvement, screen_outliers, fix_after_n_points, rebase_at)
    )


@dataclass(frozen=True, eq=False)
class SPCResult:
    """An SPC analysis: one row per point, the variation icon and the assurance icon.

    Attributes
    ----------
    points : pandas.DataFrame
        ``x, value, mean, lpl, upl, near_lpl, near_upl, rebase_group, trial_limits, outside_limits,
        relative_to_mean, close_to_limits, special_cause_rule, special_cause_type, special_cause_flag,
        point_type`` (and ``target`` when one was given). Built on first access.
    variation : str
        The last point's type (the variation icon).
    assurance : str or None
        ``consistent_pass``, ``consistent_fail``, ``inconsistent``; None without a target or when neutral.
    improvement : str
    target : float or None
    trial_limits : bool
        True when the current limits rest on fewer than 13 points.
    screen_outliers : bool
    rebase_at : tuple of int
        Every 0-based position where new limits start (known changes and detected shifts).
    shift_rebase_at : tuple of int
        Those of ``rebase_at`` found as sustained shifts (``rebase_on_shift=True``).
    points_since_rebase : int
        Points in the latest group (since the last rebase, or the whole series).
    no_verdict_reason : str or None
        Why no SPC verdict is given (``variation`` and ``assurance`` are then None): too few points since
        the last rebase, or no variation in the baseline. None when there is a verdict.
    """

    arrays: dict = field(repr=False)
    variation: str | None
    assurance: str | None
    improvement: str
    target: float | None = None
    trial_limits: bool = False
    screen_outliers: bool = True
    fix_after_n_points: int | None = None
    rebase_at: tuple[int, ...] = field(default_factory=tuple)
    shift_rebase_at: tuple[int, ...] = field(default_factory=tuple)
    min_points: int | None = None
    points_since_rebase: int = 0
    no_verdict_reason: str | None = None

    @property
    def judged(self) -> bool:
        """True when the chart gives a verdict (variation and, with a target, assurance)."""
        return self.no_verdict_reason is None

    @cached_property
    def points(self) -> pd.DataFrame:
        """One row per point (see the class docstring)."""
        frame = _points_frame(self.arrays)
        if self.target is not None:
            frame["target"] = self.target
        return frame

    @property
    def variation_text(self) -> str:
        """Making Data Count wording of the variation icon, with the direction of the last point."""
        if self.variation is None:
            return f"No SPC verdict: {self.no_verdict_reason}"
        text = VARIATION_TEXT[self.variation]
        if self.variation in ("special_cause_improvement", "special_cause_concern"):
            up = (self.variation == "special_cause_improvement") == (self.improvement == "increase")
            text += " (higher values)" if up else " (lower values)"
        return text

    @property
    def assurance_text(self) -> str:
        """Making Data Count wording of the assurance icon."""
        if self.no_verdict_reason is not None and self.target is not None:
            return f"Not assessed: {self.no_verdict_reason}"
        return ASSURANCE_TEXT[self.assurance]


def spc(
    values,
    improvement: str = "increase",
    target: float | None = None,
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
    rebase_at: Sequence[int] | None = None,
    rebase_on_shift: bool = False,
    min_points: int | None = None,
) -> SPCResult:
    """An XmR SPC analysis with Making Data Count rules, variation and assurance.

    Parameters
    ----------
    values : array_like or pandas.Series
        The series in time order, with no missing values (a Series keeps its index as ``x``).
    improvement : {"increase", "decrease", "neutral"}
        Which direction is better.
    target : float, optional
        Target for the assurance icon.
    screen_outliers : bool
        Screen moving ranges at or above 3.267 times their average (default True; False matches the
        Making Data Count Excel tools).
    fix_after_n_points : int, optional
        Fix the baseline (mean and limits) on the first N points of each group; at least 12.
    rebase_at : list of int, optional
        0-based positions where a new group (after a known process change) starts.
    rebase_on_shift : bool
        Also start new limits at each sustained shift the run rules find (see :func:`shift_rebases`).
    min_points : int, optional
        Fewest points since the last rebase for a verdict; with fewer, ``variation`` and ``assurance``
        are None, no point is flagged and :attr:`SPCResult.no_verdict_reason` says so.

    Returns
    -------
    SPCResult

    Examples
    --------
    >>> r = spc([5, 6, 5, 7, 6, 5, 6, 7, 6, 5, 6, 7, 6, 7, 8, 9, 10, 11, 12, 13], target=4)
    >>> r.variation, r.assurance, r.trial_limits
    ('special_cause_improvement', 'consistent_pass', False)
    >>> r.points["special_cause_type"].iloc[-1]
    'Above UCL'

    A flat series has no variation, so nothing is a special cause:

    >>> flat = spc([12.0] * 8, improvement="decrease", target=13)
    >>> flat.variation, flat.assurance, flat.no_verdict_reason
    (None, None, 'no variation in the baseline: every moving range is 0, so the limits cannot separate special from common causes')
    """
    _improvement_sign(improvement)
    if target is not None:
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise InputError(f"target: {target!r} is not a number") from None
        if np.isnan(target):
            target = None
    if not isinstance(screen_outliers, (bool, np.bool_)):
        raise InputError(f"screen_outliers: must be True or False, not {screen_outliers!r}")
    if fix_after_n_points is not None and (
        int(fix_after_n_points) != fix_after_n_points or fix_after_n_points < MIN_FIXED_BASELINE
    ):
        raise InputError(
            f"fix_after_n_points: a fixed baseline needs at least {MIN_FIXED_BASELINE} points, "
            f"not {fix_after_n_points!r}"
        )
    if min_points is not None and (int(min_points) != min_points or min_points < 2):
        raise InputError(f"min_points: must be a whole number of at least 2, not {min_points!r}")
    known = [a for a, _ in _groups(_as_series(values).size, rebase_at)[1:]]
    shifts = shift_rebases(values, known or None, bool(screen_outliers)) if rebase_on_shift else []
    cuts = sorted({*known, *shifts}) or None
    arrays = _xmr_arrays(
        values, improvement, bool(screen_outliers), fix_after_n_points, cuts, min_points
    )
    since = int((arrays["rebase_group"] == arrays["rebase_group"][-1]).sum())
    reason = None
    if not arrays["enough_points"][-1]:
        reason = (
            f"too few points since the limits were last set ({since} of {int(min_points)} needed)"
        )
    elif not arrays["baseline_varies"][-1]:
        reason = (
            "no variation in the baseline: every moving range is 0, so the limits cannot separate "
            "special from common causes"
        )
    if reason is None:
        variation = POINT_TYPES[arrays["point_code"][-1]]
        assurance = assurance_type(arrays["lpl"][-1], arrays["upl"][-1], target, improvement)
    else:
        variation = assurance = None
    return SPCResult(
        arrays=arrays,
        variation=variation,
        assurance=assurance,
        improvement=improvement,
        target=target,
        trial_limits=bool(arrays["trial_limits"][-1]),
        screen_outliers=bool(screen_outliers),
        fix_after_n_points=fix_after_n_points,
        rebase_at=tuple(cuts or ()),
        shift_rebase_at=tuple(shifts),
        min_points=None if min_points is None else int(min_points),
        points_since_rebase=since,
        no_verdict_reason=reason,
    )
