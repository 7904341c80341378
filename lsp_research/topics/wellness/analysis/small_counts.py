"""Which ward and quintile counts the wellness report withholds: one decision for every table, map and
chart.

The wards table, the need table, the ward maps, the quintile table and chart and the funnel plots all
show figures from the same counts (referrals, people taking up, completers). A count of 1-5 is withheld
(:data:`lsp_research.disclosure.RULES`), and so is every rate, percentage and interval calculated from
it. Secondary suppression holds across the levels that add up on the page: the wards of each
deprivation quintile to the quintile, the quintiles to the city, the wards to the city
(:func:`lsp_research.disclosure.withheld`), so that no difference of published totals recovers a
withheld count, and every page withholds the same cells.

The centre, age and sex tables (and the city row) are decided once for every run of the report
(:func:`strata_withheld`): a run covers one centre or all, and one population group, so its tables are
slices of one cube of centre by age band by sex with every total (each centre, each age group and all
ages, each sex and both, all centres). Secondary suppression holds along every line of that cube, so
that no table of one run, differenced against the tables of the other runs (all centres minus the
other five, say), recovers a withheld cell.

Completers with a BMI change are among the completers, who took up the offer: the BMI count is
withheld wherever the completers are (the visible count would bound the withheld one).
"""

from __future__ import annotations

from itertools import product

import pandas as pd

from .... import disclosure
from ..inputs import POPULATION_GROUPS, REFERRAL_AGE_BANDS, Window
from .rates import STAGE_COUNTS

#: Every count a stage table publishes, each bounded by the one before.
TABLE_COUNTS = (*STAGE_COUNTS, "bmi_change_n")

#: The cube's marker for "every centre", "all ages" or "both sexes".
ALL = "*"

#: The age groups a run may cover (population groups of several age bands), by name.
AGE_GROUPS = {
    g: bands for g, (sex, bands) in POPULATION_GROUPS.items() if sex is None and g != "all"
}

#: Figures derived from each count column (a figure is withheld when any of its counts is).
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "referral_rate": ("referrals",),
    "uptake_rate": ("took_up",),
    "takeup_pct": ("took_up", "referrals"),
    "completion_pct": ("completed", "referrals"),
    "bmi_change_mean": ("bmi_change_n",),
}


def _decide(counts: dict, relations: list, rule: str) -> dict[str, set]:
    """Withheld keys per count of :data:`TABLE_COUNTS` (``counts``: ``{count: {key: n}}``), the BMI
    count forced wherever the completers are withheld.
    """
    hidden: dict[str, set] = {}
    for col in TABLE_COUNTS:
        forced = hidden["completed"] if col == "bmi_change_n" else ()
        hidden[col] = disclosure.withheld(counts[col], relations, rule=rule, forced=forced)
    return hidden


def withheld_counts(
    wards: pd.DataFrame,
    quintiles: pd.DataFrame,
    rule: str = "hes2008",
    city_withheld: dict[str, bool] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Withheld flags of the ward and quintile counts.

    Parameters
    ----------
    wards : DataFrame
        ``ward_code``, ``imd_quintile`` and the counts of :data:`TABLE_COUNTS`.
    quintiles : DataFrame
        ``imd_quintile`` and the same counts.
    rule : str
        The disclosure rule.
    city_withheld : dict, optional
        ``{count: True}`` for the run's city counts withheld by :func:`strata_withheld`.

    Returns
    -------
    (DataFrame, DataFrame)
        ``wards`` and ``quintiles`` keys with one boolean column per count (True: withheld).

    Examples
    --------
    >>> w = pd.DataFrame({"ward_code": ["A", "B", "C", "D"], "imd_quintile": [1, 1, 2, 2],
    ...                   "referrals": [3, 40, 30, 30], "took_up": [0, 20, 20, 20],
    ...                   "completed": [0, 10, 10, 10], "bmi_change_n": [0, 10, 9, 10]})
    >>> q = pd.DataFrame({"imd_quintile": [1, 2], "referrals": [43, 60], "took_up": [20, 40],
    ...                   "completed": [10, 20], "bmi_change_n": [10, 19]})
    >>> ww, wq = withheld_counts(w, q)
    >>> ww["referrals"].tolist(), wq["referrals"].tolist()   # B too, else 43 - 40 = 3
    ([True, True, False, False], [False, False])
    """
    wards = wards.assign(ward_code=wards["ward_code"].astype(str))
    counts: dict[str, dict] = {}
    for col in TABLE_COUNTS:
        c = {("w", k): int(v) for k, v in zip(wards["ward_code"], wards[col], strict=True)}
        c.update(
            {
                ("q", int(q)): int(v)
                for q, v in zip(quintiles["imd_quintile"], quintiles[col], strict=True)
            }
        )
        c[("city",)] = int(wards[col].sum())
        counts[col] = c
    # innermost first (wards within a quintile), so that a small ward's partner is found in its own
    # quintile and the outer relations are then already safe
    relations = [
        ([("w", c) for c in part["ward_code"]], [("q", int(q))])
        for q, part in wards.groupby("imd_quintile")
    ]
    relations.append(([("q", int(q)) for q in quintiles["imd_quintile"]], [("city",)]))
    relations.append(([("w", c) for c in wards["ward_code"]], [("city",)]))
    hidden = _decide(counts, relations, rule)
    out_w = wards[["ward_code"]].copy()
    out_q = quintiles[["imd_quintile"]].copy()
    for col in TABLE_COUNTS:
        if (city_withheld or {}).get(col):
            # the city's count is withheld on every run's page: a ward count must not be the one
            # left to find it
            hidden[col] = disclosure.withheld(
                counts[col], relations, rule=rule, forced=hidden[col] | {("city",)}
            )
        out_w[col] = [("w", c) in hidden[col] for c in wards["ward_code"]]
        out_q[col] = [("q", int(q)) in hidden[col] for q in quintiles["imd_quintile"]]
    return out_w.reset_index(drop=True), out_q.reset_index(drop=True)


def _cube_relations(centres: list[str]) -> list[tuple[list, list]]:
    """Every line of the centre x age x sex cube with its total (see the module notes)."""
    sexes, bands = ["M", "F"], list(REFERRAL_AGE_BANDS)
    ages = [*bands, *AGE_GROUPS, ALL]
    rels = []
    for c, s in product([*centres, ALL], [*sexes, ALL]):
        for g, members in AGE_GROUPS.items():
            rels.append(([(c, b, s) for b in members], [(c, g, s)]))
        rels.append(([(c, g, s) for g in AGE_GROUPS], [(c, ALL, s)]))
        rels.append(([(c, b, s) for b in bands], [(c, ALL, s)]))
    for c, a in product([*centres, ALL], ages):
        rels.append(([(c, a, s) for s in sexes], [(c, a, ALL)]))
    for a, s in product(ages, [*sexes, ALL]):
        rels.append(([(c, a, s) for c in centres], [(ALL, a, s)]))
    return rels


def strata_withheld(cells: pd.DataFrame, rule: str = "hes2008") -> dict[str, set]:
    """Withheld cells of the centre x age band x sex cube, one decision for every run of the report.

    Parameters
    ----------
    cells : DataFrame
        ``centre_id``, ``age_band``, ``sex`` and the counts of :data:`TABLE_COUNTS`, from the window's
        referrals of every centre and population group (missing combinations count 0).
    rule : str
        The disclosure rule.

    Returns
    -------
    dict
        ``{count: set of withheld keys}``; a key is ``(centre, age, sex)``, each part a value, an age
        group of :data:`AGE_GROUPS` (age only) or :data:`ALL`.

    Examples
    --------
    Two centres: the second's 3 women aged 16-24 are withheld, and so is one more cell in each line
    through them (so that neither the centres' nor the sexes' totals give them back).

    >>> cells = pd.DataFrame({"centre_id": ["A", "A", "B", "B"], "age_band": "16-24",
    ...                       "sex": ["M", "F", "M", "F"], "referrals": [20, 30, 25, 3],
    ...                       "took_up": 0, "completed": 0, "bmi_change_n": 0})
    >>> sorted(k for k in strata_withheld(cells)["referrals"] if k[1] == "16-24")
    [('A', '16-24', 'F'), ('A', '16-24', 'M'), ('B', '16-24', 'F'), ('B', '16-24', 'M')]
    """
    centres = sorted(cells["centre_id"].astype(str).unique())
    grid = pd.MultiIndex.from_product(
        [centres, list(REFERRAL_AGE_BANDS), ["M", "F"]], names=["centre_id", "age_band", "sex"]
    )
    base = (
        cells.assign(**{k: cells[k].astype(str) for k in ("centre_id", "age_band", "sex")})
        .groupby(list(grid.names))[list(TABLE_COUNTS)]
        .sum()
    )
    base = base.reindex(grid, fill_value=0)
    counts: dict[str, dict] = {col: {} for col in TABLE_COUNTS}
    levels = {b: [b] for b in REFERRAL_AGE_BANDS}
    levels.update({g: list(m) for g, m in AGE_GROUPS.items()}, **{ALL: list(REFERRAL_AGE_BANDS)})
    for c, a, s in product([*centres, ALL], levels, ["M", "F", ALL]):
        sel = base.loc[
            (centres if c == ALL else [c], levels[a], ["M", "F"] if s == ALL else [s]), :
        ].sum()
        for col in TABLE_COUNTS:
            counts[col][(c, a, s)] = int(sel[col])
    return _decide(counts, _cube_relations(centres), rule)


def run_key(window: Window) -> tuple[str, str, str]:
    """The cube key of a run's city row: its centre, age group and sex (:func:`strata_withheld`)."""
    sex, _ = POPULATION_GROUPS[window.population_group]
    age = window.population_group if window.population_group in AGE_GROUPS else ALL
    return (window.centre_id or ALL, age, sex or ALL)


def table_withheld(hidden: dict[str, set], keys: list[tuple]) -> pd.DataFrame:
    """Flags (one column per count of :data:`TABLE_COUNTS`) of the rows whose cube keys are ``keys``."""
    return pd.DataFrame({col: [k in hidden[col] for k in keys] for col in TABLE_COUNTS})


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
