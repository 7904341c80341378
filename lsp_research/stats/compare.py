"""Compare a value's confidence interval with a comparator (Fingertips-style significance).

The interval decides: if it lies wholly above the comparator the value is *higher*, wholly below *lower*,
otherwise *similar*. With a polarity, higher/lower become *better*/*worse*.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

#: Polarity spellings accepted, mapped to +1 (higher is better), -1 (lower is better) or 0 (no polarity).
POLARITIES = {
    "increase": 1,
    "higher": 1,
    "high": 1,
    "higher_is_better": 1,
    "high_is_good": 1,
    "up": 1,
    "decrease": -1,
    "lower": -1,
    "low": -1,
    "lower_is_better": -1,
    "low_is_good": -1,
    "down": -1,
    "neutral": 0,
    "none": 0,
}

#: The labels :func:`compare` can return.
LABELS = ("better", "similar", "worse", "higher", "lower", "not compared")


def polarity_sign(polarity) -> int:
    """+1, -1 or 0 for a polarity spelling (``None`` means no polarity).

    Examples
    --------
    >>> polarity_sign("lower_is_better"), polarity_sign(None)
    (-1, 0)
    """
    if polarity is None:
        return 0
    key = str(polarity).strip().lower().replace(" ", "_").replace("-", "_")
    if key not in POLARITIES:
        raise InputError(
            f"polarity: {polarity!r} is not known; use 'increase' (higher is better), 'decrease' "
            "(lower is better), 'neutral' or None"
        )
    return POLARITIES[key]


def compare(value, lower, upper, comparator, polarity=None):
    """Label each value against a comparator using its confidence interval.

    Parameters
    ----------
    value : float or array_like
        The values (only used to detect missing values).
    lower, upper : float or array_like
        Confidence limits of each value.
    comparator : float or array_like
        The comparator value(s), e.g. the England or city rate.
    polarity : str or None
        ``"increase"`` (higher is better), ``"decrease"`` (lower is better), ``"neutral"``/None.

    Returns
    -------
    str or numpy.ndarray of str
        ``"better"``, ``"similar"`` or ``"worse"`` with a polarity; ``"higher"``, ``"similar"`` or
        ``"lower"`` without; ``"not compared"`` where the value, a limit or the comparator is missing.

    Examples
    --------
    >>> compare(120.0, 110.0, 131.0, 100.0, "decrease")
    'worse'
    >>> compare([120.0, 95.0, 80.0], [110.0, 85.0, 70.0], [131.0, 106.0, 90.0], 100.0).tolist()
    ['higher', 'similar', 'lower']
    """
    sign = polarity_sign(polarity)
    scalar = all(np.ndim(a) == 0 for a in (value, lower, upper, comparator))
    v, lo, hi, c = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (value, lower, upper, comparator))
    )
    missing = np.isnan(v) | np.isnan(lo) | np.isnan(hi) | np.isnan(c)
    above = lo > c
    below = hi < c
    hi_label, lo_label = {1: ("better", "worse"), -1: ("worse", "better"), 0: ("higher", "lower")}[
        sign
    ]
    out = np.where(above, hi_label, np.where(below, lo_label, "similar")).astype(object)
    out[missing] = "not compared"
    out = out.astype(str)
    return str(out.reshape(-1)[0]) if scalar else out


#: How :func:`difference_test` judges each kind of measure, in words for the reports.
DIFFERENCE_METHODS = {
    "rate": "z test of the log rate ratio, variance 1/O1 + 1/O2 from the two Poisson counts",
    "proportion": "two-proportion z test with the pooled proportion",
}


def difference_test(count1, base1, count2, base2, kind: str = "rate"):
    """Two-sided p-value of the difference between two rates (or ratios) or two proportions.

    Tests the difference itself, not whether two 95% intervals overlap (which misses real changes: two
    intervals can overlap when the difference is significant).

    Parameters
    ----------
    count1, base1, count2, base2 : float or array_like
        Events and their denominator (person-time, population, expected events for an indirectly
        standardised ratio, or trials for a proportion) in each period.
    kind : {"rate", "proportion"}
        ``"rate"``: the rate ratio (count2/base2) / (count1/base1) by a z test of its logarithm with
        variance 1/count1 + 1/count2 (Poisson counts; nan when a count is 0). ``"proportion"``: the
        two-proportion z test with the pooled proportion.

    Returns
    -------
    float or numpy.ndarray
        Two-sided p-values (nan where the test cannot be made).

    Examples
    --------
    100 and 130 events in equal person-time: the 95% intervals overlap (81.4-121.6 and 108.6-154.4),
    yet the difference is significant.

    >>> round(float(difference_test(100, 10000, 130, 10000)), 4)
    0.0486
    >>> round(float(difference_test(40, 100, 55, 100, "proportion")), 4)
    0.0337
    """
    from scipy.stats import norm

    if kind not in DIFFERENCE_METHODS:
        raise InputError(f"kind: {kind!r} is not known; use 'rate' or 'proportion'")
    x1, n1, x2, n2 = (np.asarray(a, dtype=float) for a in (count1, base1, count2, base2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "rate":
            ok = (x1 > 0) & (x2 > 0) & (n1 > 0) & (n2 > 0)
            z = np.log((x2 / n2) / (x1 / n1)) / np.sqrt(1 / x1 + 1 / x2)
        else:
            ok = (n1 > 0) & (n2 > 0) & (x1 >= 0) & (x2 >= 0) & (x1 <= n1) & (x2 <= n2)
            p = (x1 + x2) / (n1 + n2)
            se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
            ok &= se > 0
            z = (x2 / n2 - x1 / n1) / se
    pval = np.where(ok, 2 * norm.sf(np.abs(np.where(ok, z, 0.0))), np.nan)
    return float(pval) if pval.ndim == 0 else pval
