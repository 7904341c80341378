"""Which counts the wellness report withholds: one decision for every table, map and chart of every run.

The wards table, the need table, the ward maps, the quintile table and chart and the funnel plots all
show figures from the same counts (referrals, people taking up, completers). A count of 1-5 is withheld
(:data:`lsp_research.disclosure.RULES`), and so is every rate, percentage and interval calculated from
it.

A run covers one centre or all, and one population group, so every table it publishes is a slice of
one cube (:func:`report_withheld`): area (each ward, each deprivation quintile, the city) by centre
(each and all) by population group. At the city the groups are every age band, age group and all
ages by each sex and both (the centre, age and sex tables); at a ward or quintile they are the groups
a run may cover (all adults, men, women and the age groups: the wards and quintile tables). Secondary
suppression (:func:`lsp_research.disclosure.withheld`) holds along every line of that cube with its
total: the wards of each quintile to the quintile, the quintiles and the wards to the city, the
centres to all centres, the age bands and groups to all ages, men and women to both; and where two
withheld cells in a line are not enough (lines cross: a ward's only centre and the ward's total, say),
more are withheld until no bounds narrowed line by line pin one (``unpinned``). So no table of
one run, differenced against the tables of the same run or of any other run (the all-centres ward
table minus the per-centre ones, all adults minus women), recovers a withheld cell, and every page
withholds the same cells.

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
        hidden[col] = disclosure.withheld(
            counts[col], relations, rule=rule, forced=forced, unpinned=True
        )
    return hidden


def _group_key(group: str) -> tuple[str, str]:
    """The cube's (age, sex) of population group ``group``: ``('*', 'F')`` for women, say."""
    sex, _ = POPULATION_GROUPS[group]
    return (group if group in AGE_GROUPS else ALL, sex or ALL)


#: The cube's (age, sex) of every population group a run may cover (a ward or quintile table is one).
RUN_GROUPS = tuple(_group_key(g) for g in POPULATION_GROUPS)

#: The area part of the city's keys (a ward's is ``("w", code)``, a quintile's ``("q", quintile)``).
CITY = ("city",)


def _area_relations(centres: list[str], wards: pd.DataFrame) -> list[tuple[list, list]]:
    """Every line of the ward and quintile part of the cube with its total (see the module notes)."""
    by_q = {
        int(q): [("w", str(w)) for w in part["ward_code"]]
        for q, part in wards.groupby("imd_quintile")
    }
    areas = [a for q, ws in by_q.items() for a in (*ws, ("q", q))]
    rels = []
    for c, g in product([*centres, ALL], RUN_GROUPS):
        # innermost first (wards within a quintile), so that a small ward's partner is found in its
        # own quintile and the outer relations are then already safe
        rels.extend(([(w, c, *g) for w in ws], [(("q", q), c, *g)]) for q, ws in by_q.items())
        rels.append(([(("q", q), c, *g) for q in by_q], [(CITY, c, *g)]))
        rels.append(([(w, c, *g) for ws in by_q.values() for w in ws], [(CITY, c, *g)]))
    for area, c in product(areas, [*centres, ALL]):
        rels.append(([(area, c, ALL, "M"), (area, c, ALL, "F")], [(area, c, ALL, ALL)]))
        rels.append(([(area, c, g, ALL) for g in AGE_GROUPS], [(area, c, ALL, ALL)]))
    for area, g in product(areas, RUN_GROUPS):
        rels.append(([(area, c, *g) for c in centres], [(area, ALL, *g)]))
    return rels


def _cube_relations(centres: list[str]) -> list[tuple[list, list]]:
    """Every line of the city's centre x age x sex part of the cube with its total."""
    sexes, bands = ["M", "F"], list(REFERRAL_AGE_BANDS)
    ages = [*bands, *AGE_GROUPS, ALL]
    rels = []
    for c, s in product([*centres, ALL], [*sexes, ALL]):
        for g, members in AGE_GROUPS.items():
            rels.append(([(CITY, c, b, s) for b in members], [(CITY, c, g, s)]))
        rels.append(([(CITY, c, g, s) for g in AGE_GROUPS], [(CITY, c, ALL, s)]))
        rels.append(([(CITY, c, b, s) for b in bands], [(CITY, c, ALL, s)]))
    for c, a in product([*centres, ALL], ages):
        rels.append(([(CITY, c, a, s) for s in sexes], [(CITY, c, a, ALL)]))
    for a, s in product(ages, [*sexes, ALL]):
        rels.append(([(CITY, c, a, s) for c in centres], [(CITY, ALL, a, s)]))
    return rels


def report_withheld(
    cells: pd.DataFrame, wards: pd.DataFrame, rule: str = "hes2008"
) -> dict[str, set]:
    """Withheld cells of the area x centre x population group cube, one decision for every run.

    Parameters
    ----------
    cells : DataFrame
        ``ward_code``, ``centre_id``, ``age_band``, ``sex`` and the counts of :data:`TABLE_COUNTS`,
        from the window's referrals of every centre and population group (missing combinations
        count 0).
    wards : DataFrame
        ``ward_code`` and ``imd_quintile`` of every ward.
    rule : str
        The disclosure rule.

    Returns
    -------
    dict
        ``{count: set of withheld keys}``; a key is ``(area, centre, age, sex)``: the area ``("w",
        ward)``, ``("q", quintile)`` or :data:`CITY`, the centre a centre id or :data:`ALL`, then the
        age and sex: at the city an age band, an age group of :data:`AGE_GROUPS` or :data:`ALL` by a
        sex or :data:`ALL`; at a ward or quintile one of :data:`RUN_GROUPS`.

    Examples
    --------
    Two centres: the second's 3 women aged 16-24 are withheld, and so is one more cell in each line
    through them (so that neither the centres' nor the sexes' totals give them back).

    >>> wards = pd.DataFrame({"ward_code": ["W1", "W2"], "imd_quintile": [1, 2]})
    >>> cells = pd.DataFrame({"ward_code": ["W1", "W2", "W1", "W2"], "centre_id": ["A", "A", "B", "B"],
    ...                       "age_band": "16-24", "sex": ["M", "F", "M", "F"],
    ...                       "referrals": [20, 30, 25, 3], "took_up": 0, "completed": 0,
    ...                       "bmi_change_n": 0})
    >>> hidden = report_withheld(cells, wards)["referrals"]
    >>> sorted(k[1:] for k in hidden if k[0] == CITY and k[2] == "16-24")
    [('A', '16-24', 'F'), ('A', '16-24', 'M'), ('B', '16-24', 'F'), ('B', '16-24', 'M')]

    Ward W2's 3 referrals to centre B are withheld in every run's ward table, and so is a partner in
    each line through them (W1's 25 to B, W2's 30 to A, then W1's 20 to A), so that neither the
    all-centres ward table minus centre A's nor the wards' total gives them back.

    >>> sorted(k[:2] for k in hidden if k[0][0] == "w" and k[2:] == (ALL, ALL))
    [(('w', 'W1'), 'A'), (('w', 'W1'), 'B'), (('w', 'W2'), 'A'), (('w', 'W2'), 'B')]
    """
    centres = sorted(cells["centre_id"].astype(str).unique())
    codes = [str(w) for w in wards["ward_code"]]
    names = ["ward_code", "centre_id", "age_band", "sex"]
    grid = pd.MultiIndex.from_product(
        [codes, centres, list(REFERRAL_AGE_BANDS), ["M", "F"]], names=names
    )
    base = (
        cells.assign(**{k: cells[k].astype(str) for k in names})
        .groupby(names)[list(TABLE_COUNTS)]
        .sum()
        .reindex(grid, fill_value=0)
    )
    # counts[ward, centre, band, sex, count]
    cube = base.to_numpy().reshape(len(codes), len(centres), len(REFERRAL_AGE_BANDS), 2, -1)
    ward_at = {w: i for i, w in enumerate(codes)}
    quintile = wards.assign(ward_code=codes).groupby("imd_quintile")["ward_code"]
    areas = {("w", w): [ward_at[w]] for w in codes}
    areas.update({("q", int(q)): [ward_at[w] for w in ws] for q, ws in quintile})
    areas[CITY] = list(range(len(codes)))
    band_at = {b: [i] for i, b in enumerate(REFERRAL_AGE_BANDS)}
    band_at.update({g: [REFERRAL_AGE_BANDS.index(b) for b in m] for g, m in AGE_GROUPS.items()})
    band_at[ALL] = list(range(len(REFERRAL_AGE_BANDS)))
    sex_at = {"M": [0], "F": [1], ALL: [0, 1]}
    centre_at = {c: [i] for i, c in enumerate(centres)} | {ALL: list(range(len(centres)))}
    city_groups = list(product(band_at, sex_at))
    counts: dict[str, dict] = {col: {} for col in TABLE_COUNTS}
    for area, c in product(areas, centre_at):
        part = cube[areas[area]][:, centre_at[c]].sum(axis=(0, 1))  # [band, sex, count]
        for a, s in city_groups if area == CITY else RUN_GROUPS:
            total = part[band_at[a]][:, sex_at[s]].sum(axis=(0, 1))
            for col, n in zip(TABLE_COUNTS, total, strict=True):
                counts[col][(area, c, a, s)] = int(n)
    relations = _area_relations(centres, wards) + _cube_relations(centres)
    return _decide(counts, relations, rule)


def run_key(window: Window) -> tuple[str, str, str]:
    """The cube key of a run's tables (:func:`report_withheld`): its centre, age group and sex."""
    return (window.centre_id or ALL, *_group_key(window.population_group))


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
