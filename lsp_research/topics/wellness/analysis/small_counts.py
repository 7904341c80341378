"""Which ward and quintile counts the wellness report withholds: one decision for every table, map and
chart.

The wards table, the need table, the ward maps, the quintile table and chart and the funnel plots all
show figures from the same counts (referrals, people taking up, completers). A count of 1-5 is withheld
(:data:`lsp_research.disclosure.RULES`), and so is every rate, percentage and interval calculated from
it. Secondary suppression holds across the levels that add up on the page: the wards of each
deprivation quintile to the quintile, the quintiles to the city, the wards to the city
(:func:`lsp_research.disclosure.withheld`), so that no difference of published totals recovers a
withheld count, and every page withholds the same cells.
"""

from __future__ import annotations

import pandas as pd

from .... import disclosure
from .rates import STAGE_COUNTS

#: Figures derived from each count column (a figure is withheld when any of its counts is).
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "referral_rate": ("referrals",),
    "uptake_rate": ("took_up",),
    "takeup_pct": ("took_up", "referrals"),
    "completion_pct": ("completed", "referrals"),
}


def withheld_counts(
    wards: pd.DataFrame, quintiles: pd.DataFrame, rule: str = "hes2008"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Withheld flags of the ward and quintile counts.

    Parameters
    ----------
    wards : DataFrame
        ``ward_code``, ``imd_quintile`` and the counts ``referrals``, ``took_up``, ``completed``.
    quintiles : DataFrame
        ``imd_quintile`` and the same counts.
    rule : str
        The disclosure rule.

    Returns
    -------
    (DataFrame, DataFrame)
        ``wards`` and ``quintiles`` keys with one boolean column per count (True: withheld).

    Examples
    --------
    >>> w = pd.DataFrame({"ward_code": ["A", "B", "C", "D"], "imd_quintile": [1, 1, 2, 2],
    ...                   "referrals": [3, 40, 30, 30], "took_up": [0, 20, 20, 20],
    ...                   "completed": [0, 10, 10, 10]})
    >>> q = pd.DataFrame({"imd_quintile": [1, 2], "referrals": [43, 60], "took_up": [20, 40],
    ...                   "completed": [10, 20]})
    >>> ww, wq = withheld_counts(w, q)
    >>> ww["referrals"].tolist(), wq["referrals"].tolist()   # B too, else 43 - 40 = 3
    ([True, True, False, False], [False, False])
    """
    wards = wards.assign(ward_code=wards["ward_code"].astype(str))
    out_w = wards[["ward_code"]].copy()
    out_q = quintiles[["imd_quintile"]].copy()
    for col in STAGE_COUNTS:
        counts = {("w", c): int(v) for c, v in zip(wards["ward_code"], wards[col], strict=True)}
        counts.update(
            {
                ("q", int(q)): int(v)
                for q, v in zip(quintiles["imd_quintile"], quintiles[col], strict=True)
            }
        )
        counts[("city",)] = int(wards[col].sum())
        # innermost first (wards within a quintile), so that a small ward's partner is found in its
        # own quintile and the outer relations are then already safe
        relations = [
            ([("w", c) for c in part["ward_code"]], [("q", int(q))])
            for q, part in wards.groupby("imd_quintile")
        ]
        relations.append(([("q", int(q)) for q in quintiles["imd_quintile"]], [("city",)]))
        relations.append(([("w", c) for c in wards["ward_code"]], [("city",)]))
        hidden = disclosure.withheld(counts, relations, rule=rule)
        out_w[col] = [("w", c) in hidden for c in wards["ward_code"]]
        out_q[col] = [("q", int(q)) in hidden for q in quintiles["imd_quintile"]]
    return out_w.reset_index(drop=True), out_q.reset_index(drop=True)


def derived_withheld(flags: pd.DataFrame, column: str) -> pd.Series:
    """True where ``column`` (a rate or percentage of :data:`DERIVED_FROM`) is withheld; all False for
    a column not derived from a count (distance, access, need).

    >>> f = pd.DataFrame({"referrals": [True, False], "took_up": [False, False], "completed": [False, True]})
    >>> derived_withheld(f, "completion_pct").tolist(), derived_withheld(f, "distance_km").tolist()
    ([True, True], [False, False])
    """
    mask = pd.Series(False, index=flags.index)
    for count in DERIVED_FROM.get(column, ()):
        mask |= flags[count].astype(bool)
    return mask
