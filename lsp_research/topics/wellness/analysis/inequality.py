"""Inequality across deprivation quintiles: the slope and relative index of each wellness measure.

The computation is :func:`lsp_research.stats.slope_index` (the one implementation for every topic):
a population-weighted least-squares slope on the quintiles' cumulative rank mid-points, least deprived at
0 and most deprived at 1, with closed-form intervals from each quintile's own interval.
"""

from __future__ import annotations

import pandas as pd

from .... import stats

#: Each measure: the quintile column, the column of its weights, and its label.
INEQUALITY_MEASURES = (
    ("referral_rate", "population", "Referrals per 1,000 adults"),
    ("uptake_rate", "population", "People taking up per 1,000 adults"),
    ("takeup_pct", "referrals", "Take-up (% of referrals)"),
    ("completion_pct", "referrals", "12-week completion (% of referrals)"),
)


def inequality_table(quintiles: pd.DataFrame) -> pd.DataFrame:
    """SII and RII of referral rate, uptake rate, take-up and completion from :func:`quintile_table`.

    Parameters
    ----------
    quintiles : pandas.DataFrame
        One row per IMD quintile with each measure, its ``_lowercl``/``_uppercl`` limits (95%), the
        weight columns ``population`` and ``referrals``, and ``imd_quintile`` (1 = most deprived).

    Returns
    -------
    pandas.DataFrame
        One row per measure: the fields of :class:`lsp_research.stats.inequality.Inequality`.

    Examples
    --------
    >>> q = pd.DataFrame({"imd_quintile": [1, 2, 3, 4, 5], "population": [1] * 5, "referrals": [1] * 5})
    >>> for col in ("referral_rate", "uptake_rate", "takeup_pct", "completion_pct"):
    ...     q[col] = [50, 47.5, 45, 42.5, 40]
    ...     q[f"{col}_lowercl"], q[f"{col}_uppercl"] = q[col] - 1, q[col] + 1
    >>> inequality_table(q)["sii"].round(6).tolist()
    [12.5, 12.5, 12.5, 12.5]
    """
    rows = []
    for col, weight, label in INEQUALITY_MEASURES:
        res = stats.slope_index(
            quintiles[col],
            quintiles[f"{col}_lowercl"],
            quintiles[f"{col}_uppercl"],
            quintiles[weight],
            quintiles["imd_quintile"],
            measure=label,
        )
        rows.append(res.as_row())
    return pd.DataFrame(rows)
