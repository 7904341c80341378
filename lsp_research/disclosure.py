"""Small-number disclosure control for every published table, chart label and map.

Two published rules are implemented (see ``DOMAIN.md``, *Disclosure control*):

``"hes2008"`` (the default)
    Hospital statistics in 2008: counts of 1 to 5 are shown as ``*``. Secondary suppression then hides
    further cells so that no hidden count can be worked out by differencing from a total: whenever a
    *relation* (the cells of one count column within one group, plus the group's total rows if the table
    has them; or the cells of one row when ``row_total`` names a row-total column) holds exactly one
    suppressed cell, the next-smallest visible cell of that relation is suppressed too (a non-zero cell
    when there is one; the total when nothing else is left). This repeats until every relation is safe.
    When a table has no total rows, its column totals are assumed to be published elsewhere, so the
    same rule still applies.
``"nhsd2018"``
    NHS Digital from 2018 (sub-national figures): 0 stays 0, 1 to 7 are shown as ``*``, every other
    count is rounded to the nearest 5, and percentages are recalculated from the rounded figures.
    Rounding already blurs differencing, so no secondary suppression is applied.

Public-health practice adds: no directly standardised rate from fewer than 10 events
(:func:`dsr_allowed`).

:func:`protect` returns a copy of the table in which hidden cells hold the string ``"*"``; the words that
explain them are in ``result.attrs["disclosure"]["note"]`` (``lsp_research.tables.show_table`` prints them
under the table). For a single number in a sentence or a chart label use :func:`count_text`.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"ward": ["Hendon", "Millfield", "Pallion", "Total"],
...                   "admissions": [3, 40, 12, 55]})
>>> out = protect(t, ["admissions"])
>>> out["admissions"].tolist()          # 3 is hidden, and so is 12, else 55 - 40 - 12 = 3
['*', 40, '*', 55]
>>> print(out.attrs["disclosure"]["note"])
* Suppressed to protect confidentiality: counts from 1 to 5 are not shown (2008 hospital statistics rule). 1 further cell was suppressed so that a hidden count cannot be worked out from totals.
>>> protect(t, ["admissions"], rule="nhsd2018")["admissions"].tolist()
['*', 40, 10, 55]
>>> dsr_allowed(9), dsr_allowed(10)
(False, True)
>>> count_text(4), count_text(1234), count_text(0)
('fewer than 6', '1,234', '0')
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DisclosureError, InputError

__all__ = [
    "DSR_MIN_EVENTS",
    "RULES",
    "SUPPRESSED",
    "Rule",
    "count_text",
    "dsr_allowed",
    "is_total_label",
    "protect",
    "round_to_5",
    "suppression_note",
    "withheld",
]

#: The types of :func:`protect`'s declarations (see its parameters).
Groups = str | Sequence[str] | None
Percentages = Mapping[str, tuple[str, str]] | None
Dependents = Mapping[str, str | Sequence[str]] | None
Withholds = Mapping[str, Sequence[bool]] | None

#: The marker shown in place of a hidden cell.
SUPPRESSED = "*"

#: The smallest number of events from which a directly standardised rate may be published.
DSR_MIN_EVENTS = 10


@dataclass(frozen=True)
class Rule:
    """A published disclosure rule.

    Attributes
    ----------
    name : str
        Short identifier used in code (``"hes2008"``, ``"nhsd2018"``).
    upper : int
        Counts from 1 to ``upper`` are hidden.
    rounding : int
        Visible counts are rounded to a multiple of this (1: not rounded).
    secondary : bool
        Whether secondary suppression is applied.
    description : str
        The rule's name in words, for footnotes.
    """

    name: str
    upper: int
    rounding: int
    secondary: bool
    description: str


#: The rules :func:`protect` knows, by name.
RULES: dict[str, Rule] = {
    "hes2008": Rule("hes2008", 5, 1, True, "2008 hospital statistics rule"),
    "nhsd2018": Rule("nhsd2018", 7, 5, False, "NHS Digital rule, 2018"),
}

_TOTAL_RE = re.compile(r"^(total|all|all [\w ]+|total [\w ]+|[\w ]+ total)$", re.IGNORECASE)


def _rule(rule: str) -> Rule:
    try:
        return RULES[rule]
    except (KeyError, TypeError):
        allowed = ", ".join(repr(k) for k in RULES)
        raise InputError(f"rule: {rule!r} is not a disclosure rule; use one of {allowed}") from None


def round_to_5(value: float) -> int:
    """Round a count to the nearest multiple of 5 (halves round up).

    >>> [round_to_5(v) for v in (8, 12, 13, 10, 1002)]
    [10, 10, 15, 10, 1000]
    """
    return int(math.floor(value / 5 + 0.5) * 5)


def dsr_allowed(total_count) -> bool | np.ndarray:
    """Whether a directly standardised rate may be published from ``total_count`` events (10 or more).

    Parameters
    ----------
    total_count : number or array-like
        Total events behind the rate. Missing values are not allowed to publish.

    Returns
    -------
    bool, or a boolean array for array input.

    Examples
    --------
    >>> dsr_allowed(9), dsr_allowed(10), dsr_allowed(float("nan"))
    (False, True, False)
    >>> dsr_allowed([3, 10, 250]).tolist()
    [False, True, True]
    """
    if np.ndim(total_count) == 0:
        try:
            value = float(total_count)
        except (TypeError, ValueError):
            return False
        return bool(not math.isnan(value) and value >= DSR_MIN_EVENTS)
    arr = pd.to_numeric(pd.Series(np.asarray(total_count).ravel()), errors="coerce").to_numpy(float)
    return np.where(np.isnan(arr), False, arr >= DSR_MIN_EVENTS).astype(bool)


def count_text(n, rule: str = "hes2008") -> str:
    """A single count as words or digits, safe to print in a sentence or a chart label.

    >>> count_text(3), count_text(6), count_text(7, rule="nhsd2018"), count_text(13, rule="nhsd2018")
    ('fewer than 6', '6', 'fewer than 8', 'about 15')
    >>> count_text(None)
    'not available'
    """
    r = _rule(rule)
    if n is None or (isinstance(n, float) and math.isnan(n)) or n is pd.NA:
        return "not available"
    value = _as_count(n, "n")
    if 1 <= value <= r.upper:
        return f"fewer than {r.upper + 1}"
    if r.rounding > 1 and value > 0:
        return f"about {round_to_5(value):,}"
    return f"{value:,}"


def is_total_label(value) -> bool:
    """Whether a row label marks a total row ("Total", "All wards", "Eastbury total", ...).

    >>> is_total_label("Total"), is_total_label("All wards"), is_total_label("Hendon")
    (True, True, False)
    """
    return isinstance(value, str) and bool(_TOTAL_RE.match(value.strip()))


def _as_count(value, name: str) -> int:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{name}: {value!r} is not a count; counts are whole numbers >= 0"
        ) from None
    if math.isnan(f) or f < 0 or f != int(f):
        raise InputError(f"{name}: {value!r} is not a count; counts are whole numbers >= 0")
    return int(f)


def suppression_note(
    rule: str, primary: int, secondary: int = 0, derived: int = 0, *, rounded: bool = False
) -> str:
    """The footnote that explains, in words, what disclosure control did to a table.

    Returns an empty string when nothing needs explaining.

    >>> suppression_note("hes2008", 0)
    ''
    >>> print(suppression_note("hes2008", 2, 2, 1))
    * Suppressed to protect confidentiality: counts from 1 to 5 are not shown (2008 hospital statistics rule). 2 further cells were suppressed so that a hidden count cannot be worked out from totals. Figures calculated from a suppressed count (percentages, rates) are suppressed too.
    >>> print(suppression_note("nhsd2018", 0, rounded=True))
    Counts are rounded to the nearest 5 and percentages are calculated from the rounded counts (NHS Digital rule, 2018); a count of 0 is shown as 0.
    """
    r = _rule(rule)
    parts = []
    if primary or secondary or derived:
        parts.append(
            f"{SUPPRESSED} Suppressed to protect confidentiality: counts from 1 to {r.upper} are not "
            f"shown ({r.description})."
        )
        if secondary:
            cells = "1 further cell was" if secondary == 1 else f"{secondary} further cells were"
            parts.append(
                f"{cells} suppressed so that a hidden count cannot be worked out from totals."
            )
        if derived:
            parts.append(
                "Figures calculated from a suppressed count (percentages, rates) are suppressed too."
            )
    if rounded and r.rounding > 1:
        text = (
            f"Counts are rounded to the nearest {r.rounding} and percentages are calculated from the "
            f"rounded counts ({r.description}); a count of 0 is shown as 0."
        )
        parts.append(text if not parts else "Other " + text[0].lower() + text[1:])
    return " ".join(parts)


def _total_mask(df: pd.DataFrame, counts: Sequence[str], total_rows) -> np.ndarray:
    n = len(df)
    if total_rows is False:
        return np.zeros(n, dtype=bool)
    if total_rows is not None and total_rows is not True:
        mask = np.asarray(total_rows, dtype=bool).ravel()
        if mask.shape != (n,):
            raise InputError(f"total_rows: needs one True/False per row ({n}), got {mask.shape[0]}")
        return mask
    mask = np.zeros(n, dtype=bool)
    labels = [c for c in df.columns if c not in counts]
    for col in labels:
        mask |= np.array([is_total_label(v) for v in df[col].tolist()], dtype=bool)
    for level in range(df.index.nlevels):
        mask |= np.array(
            [is_total_label(v) for v in df.index.get_level_values(level).tolist()], dtype=bool
        )
    return mask


def _secondary(values: np.ndarray, hidden: np.ndarray, relations: list[tuple[list, list]]) -> int:
    """Apply secondary suppression in place; return the number of cells it hid."""
    added = 0
    changed = True
    while changed:
        changed = False
        for comps, totals in relations:
            cells = comps + totals
            n_hidden = sum(hidden[rc] for rc in cells)
            if n_hidden != 1:
                continue
            visible = [rc for rc in comps if not hidden[rc] and not np.isnan(values[rc])]
            nonzero = sorted(
                (rc for rc in visible if values[rc] > 0), key=lambda rc: (values[rc], rc)
            )
            zero = [rc for rc in visible if values[rc] == 0]
            spare = [rc for rc in totals if not hidden[rc] and not np.isnan(values[rc])]
            pick = (nonzero or zero or spare or [None])[0]
            if pick is None:
                continue
            hidden[pick] = True
            added += 1
            changed = True
    return added


def _bounds(values: np.ndarray, hidden: np.ndarray, rels: list[tuple[list, list]]):
    """What differencing the visible counts tells of each key: ``(lowest, highest)`` arrays, from
    every relation (components add up to each total) applied until nothing narrows.

    Each line narrows the bounds of its keys; a line is looked at again only when the bounds of one
    of its keys narrowed (a work list), so that a page of a thousand lines where a few withheld cells
    interact is not swept whole until nothing changes. Every narrowing only tightens, so the order in
    which lines are taken does not change where it ends.

    >>> values = np.array([3.0, 40.0, 12.0, 55.0])
    >>> lo, hi = _bounds(values, np.array([True, True, False, False]), [([(0,), (1,), (2,)], [(3,)])])
    >>> lo.tolist(), hi.tolist()   # the two withheld cells add up to 43
    ([0.0, 0.0, 12.0, 55.0], [43.0, 43.0, 12.0, 55.0])
    """
    unknown = hidden | np.isnan(values)
    # plain floats: a line has a handful of keys, where numpy's cost per call outweighs the sums
    lo = np.where(unknown, 0.0, values).tolist()
    hi = np.where(unknown, np.inf, values).tolist()
    lines = [([i for (i,) in c], [i for (i,) in t]) for c, t in rels if c]
    # a line of visible counts only tells nothing new
    lines = [(c, t) for c, t in lines if unknown[c].any() or unknown[t].any()]
    through: dict[int, list[int]] = {}  # key -> the lines it is in
    for k, (comps, totals) in enumerate(lines):
        for i in (*comps, *totals):
            through.setdefault(i, []).append(k)
    queue = deque(range(len(lines)))
    waiting = [True] * len(lines)
    while queue:
        k = queue.popleft()
        waiting[k] = False
        comps, totals = lines[k]
        narrowed = [i for t in totals for i in _narrow(lo, hi, comps, t)]
        for i in narrowed:
            for m in through[i]:
                if not waiting[m]:
                    waiting[m] = True
                    queue.append(m)
    return np.array(lo), np.array(hi)


def _narrow(lo: list, hi: list, comps: list, t: int) -> list:
    """One line: components ``comps`` add up to ``t``. Narrow their bounds in place from each other;
    return the keys whose bounds moved.
    """
    c_lo = [lo[j] for j in comps]
    c_hi = [hi[j] for j in comps]
    lo_sum = sum(c_lo)
    n_inf = sum(math.isinf(h) for h in c_hi)
    finite = sum(h for h in c_hi if not math.isinf(h))
    moved = []
    new = []
    for j, a, b in zip(comps, c_lo, c_hi, strict=True):
        inf = math.isinf(b)
        # the others' highest sum (infinite if another is unbounded)
        others_hi = math.inf if n_inf - inf > 0 else finite - (0.0 if inf else b)
        new_hi = min(b, hi[t] - (lo_sum - a))
        new_lo = max(a, lo[t] - others_hi)
        new.append((j, max(new_lo, 0.0), new_hi))
        if new_hi < b - 1e-9 or new_lo > a + 1e-9:
            moved.append(j)
    if moved:
        for j, a, b in new:
            lo[j], hi[j] = a, b
    t_lo, t_hi = max(lo[t], lo_sum), min(hi[t], math.inf if n_inf else finite)
    if t_lo > lo[t] + 1e-9 or t_hi < hi[t] - 1e-9:
        lo[t], hi[t] = t_lo, t_hi
        moved.append(t)
    return moved


def _unpin(values, hidden, rels, upper: int) -> None:
    """Withhold more (in place) until differencing pins no withheld count to one value or to 1 to
    ``upper``: for each pinned count, the smallest visible component of a line through it.
    """
    through: dict[int, list[list]] = {}  # key -> the keys of each line it is in
    for comps, totals in rels:
        line = [j for (j,) in comps + totals]
        for j in dict.fromkeys(line):
            through.setdefault(j, []).append(line)
    while True:
        _secondary(values, hidden, rels)
        lo, hi = _bounds(values, hidden, rels)
        pinned = np.flatnonzero(hidden & ((lo == hi) | ((lo >= 1) & (hi <= upper))))
        added = False
        for i in pinned:
            spare = sorted(
                (values[j], j)
                for line in through.get(int(i), ())
                for j in line
                if not hidden[j] and not np.isnan(values[j])
            )
            if spare:
                hidden[spare[0][1]] = True
                added = True
        if not added:
            return


def withheld(
    counts: Mapping,
    relations: Iterable[tuple[Sequence, Sequence]],
    rule: str = "hes2008",
    *,
    forced: Iterable = (),
    unpinned: bool = False,
) -> set:
    """The keys whose counts are withheld, with secondary suppression across any set of relations.

    For counts published on several pages at several levels (wards, area committees, the city): every
    page asks for the same decision, so a cell withheld on one page is withheld on every page, and no
    difference between levels reveals one.

    Parameters
    ----------
    counts : dict
        ``{key: count}`` (whole numbers >= 0; missing values are never withheld).
    relations : list of (components, totals)
        Keys that add up: the ``components`` sum to each key in ``totals`` (e.g. the wards of an area
        committee and the committee). A relation holding exactly one withheld key gets a second one
        (the smallest non-zero visible component, else a zero, else the total), until none has one.
    rule : {"hes2008", "nhsd2018"}
    forced : iterable, optional
        Keys withheld whatever their count (a decision made elsewhere, e.g. a count that a withheld
        count bounds); secondary suppression then protects them like the small ones.
    unpinned : bool, optional
        Also withhold until no withheld count can be pinned, to one value or to the small range, by
        differencing along the relations (bounds narrowed line by line: two cells withheld in each
        line is not always enough where lines cross, e.g. a ward's only centre and the ward's total).

    Examples
    --------
    >>> counts = {"w1": 3, "w2": 40, "w3": 12, "ac": 55, "w4": 30, "w5": 30, "ac2": 60, "city": 115}
    >>> sorted(withheld(counts, [(["w1", "w2", "w3"], ["ac"]), (["w4", "w5"], ["ac2"]),
    ...                          (["ac", "ac2"], ["city"])]))
    ['w1', 'w3']
    >>> sorted(withheld({"a": 2, "b": 9, "t": 11}, [(["a", "b"], ["t"])]))
    ['a', 'b']
    >>> sorted(withheld({"a": 12, "b": 9, "c": 20, "t": 41}, [(["a", "b", "c"], ["t"])], forced=["c"]))
    ['b', 'c']

    A table of two rows (a, b) and three columns (t1 to t3), 9 0 0 and 12 0 4, with every total: two
    withheld in every line, but the middle column's total 0 says both of its withheld cells are 0, and
    then row a's total 9 gives a1 = 9. ``unpinned`` withholds more, until nothing is pinned.

    >>> c = {"a1": 9, "a2": 0, "a3": 0, "b1": 12, "b2": 0, "b3": 4, "a": 9, "b": 16,
    ...      "t1": 21, "t2": 0, "t3": 4, "t": 25}
    >>> rels = [(["a1", "a2", "a3"], ["a"]), (["b1", "b2", "b3"], ["b"]), (["a1", "b1"], ["t1"]),
    ...         (["a2", "b2"], ["t2"]), (["a3", "b3"], ["t3"]), (["a", "b"], ["t"]),
    ...         (["t1", "t2", "t3"], ["t"])]
    >>> sorted(withheld(c, rels))
    ['a1', 'a2', 'b1', 'b2', 'b3', 't1', 't3']
    >>> sorted(withheld(c, rels, unpinned=True))
    ['a', 'a1', 'a2', 'a3', 'b', 'b1', 'b2', 'b3', 't1', 't2', 't3']
    """
    r = _rule(rule)
    keys = sorted(counts, key=str)  # the same counts give the same decision, whatever their order
    pos = {k: i for i, k in enumerate(keys)}
    values = np.array(
        [np.nan if counts[k] is None or pd.isna(counts[k]) else float(counts[k]) for k in keys]
    )
    hidden = (values >= 1) & (values <= r.upper)
    for k in forced:
        if k in pos:
            hidden[pos[k]] = True
    if r.secondary:
        rels = [
            ([(pos[k],) for k in comps if k in pos], [(pos[k],) for k in totals if k in pos])
            for comps, totals in relations
        ]
        if unpinned:
            _unpin(values, hidden, rels, r.upper)
        else:
            _secondary(values, hidden, rels)
    return {k for k in keys if hidden[pos[k]]}


def _check_columns(
    df: pd.DataFrame,
    counts: list[str],
    by_cols: list[str],
    percent: dict[str, tuple[str, str]],
    dependent: dict[str, list[str]],
    row_total: str | None,
) -> None:
    """Refuse (:class:`InputError`) a column :func:`protect` is told about that is not in the table."""
    for name, cols in (
        ("counts", counts),
        ("by", by_cols),
        ("percent", list(percent) + [c for pair in percent.values() for c in pair]),
        ("dependent", list(dependent) + [c for srcs in dependent.values() for c in srcs]),
        ("row_total", [row_total] if row_total else []),
    ):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise InputError(
                f"{name}: no column {', '.join(map(repr, missing))} in the table; "
                f"columns are {', '.join(map(repr, df.columns))}"
            )
    if row_total and row_total not in counts:
        raise InputError(f"row_total: {row_total!r} must also be listed in counts")
    for col in list(percent.values()) + list(dependent.values()):
        for c in col:
            if c not in counts:
                raise InputError(
                    f"percent/dependent: {c!r} is not one of the count columns {counts}"
                )


def _count_values(df: pd.DataFrame, counts: list[str]) -> np.ndarray:
    """The count columns as a rows x counts array of floats (NaN where missing)."""
    values = np.full((len(df), len(counts)), np.nan)
    for j, col in enumerate(counts):
        for i, v in enumerate(df[col].tolist()):
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                continue
            if isinstance(v, str) and v == SUPPRESSED:
                raise DisclosureError(
                    f"counts: column {col!r} is already protected; pass the raw counts"
                )
            values[i, j] = _as_count(v, f"counts (column {col!r}, row {i + 1})")
    return values


def _withhold(hidden: np.ndarray, counts: list[str], withhold: Mapping[str, Sequence[bool]]) -> int:
    """Hide the cells ``withhold`` names (in place); return how many were not hidden already."""
    n = hidden.shape[0]
    forced = 0
    for col, mask in withhold.items():
        if col not in counts:
            raise InputError(f"withhold: {col!r} is not one of the count columns {counts}")
        arr = np.asarray(mask, dtype=bool).ravel()
        if arr.shape != (n,):
            raise InputError(f"withhold[{col!r}]: needs one True/False per row ({n})")
        j = counts.index(col)
        forced += int((arr & ~hidden[:, j]).sum())
        hidden[:, j] |= arr
    return forced


def _relations(
    df: pd.DataFrame,
    counts: list[str],
    by_cols: list[str],
    row_total: str | None,
    is_total: np.ndarray,
) -> list[tuple[list, list]]:
    """The additive relations (components, totals) between cells that secondary suppression keeps."""
    n = len(df)
    if by_cols:
        keys = df[by_cols].astype("object").where(df[by_cols].notna(), None)
        group_ids = pd.factorize(pd.MultiIndex.from_frame(keys))[0]
    else:
        group_ids = np.zeros(n, dtype=int)
    relations: list[tuple[list, list]] = []
    for g in np.unique(group_ids):
        rows = np.flatnonzero(group_ids == g)
        comp_rows = [i for i in rows if not is_total[i]]
        tot_rows = [i for i in rows if is_total[i]]
        for j in range(len(counts)):
            relations.append(([(i, j) for i in comp_rows], [(i, j) for i in tot_rows]))
    if row_total:
        jt = counts.index(row_total)
        others = [j for j in range(len(counts)) if j != jt]
        for i in range(n):
            relations.append(([(i, j) for j in others], [(i, jt)]))
    return relations


def _shown(values: np.ndarray, hidden: np.ndarray, r: Rule) -> np.ndarray:
    """The counts as published: the suppression mark, None for missing, rounded where the rule says."""
    shown = np.empty(values.shape, dtype=object)
    for (i, j), v in np.ndenumerate(values):
        if hidden[i, j]:
            shown[i, j] = SUPPRESSED
        elif np.isnan(v):
            shown[i, j] = None
        elif r.rounding > 1 and v > 0:
            shown[i, j] = round_to_5(v)
        else:
            shown[i, j] = int(v)
    return shown


def _withhold_derived(df, out, counts, hidden, shown, r, percent, dependent, cells) -> int:
    """Write into ``out`` the percentages and dependent columns of ``df``, withheld where a count they
    come from is (each withheld cell added to ``cells``); percentages are recomputed from the rounded
    counts under a rounding rule. Returns how many cells were withheld.
    """

    def percentage(i, old, num, den):
        if r.rounding == 1:
            return old
        a, b = shown[i, counts.index(num)], shown[i, counts.index(den)]
        return None if a is None or b is None or b == 0 else a / b * 100

    derived = 0
    columns = [(c, pair, percentage) for c, pair in percent.items()]
    columns += [(c, sources, lambda i, old, *_: old) for c, sources in dependent.items()]
    for col, sources, value in columns:
        idx = [counts.index(c) for c in sources]
        new = []
        for i, old in enumerate(df[col].tolist()):
            if any(hidden[i, j] for j in idx):
                new.append(SUPPRESSED)
                cells.add((i, col))
                derived += 1
            else:
                new.append(value(i, old, *sources))
        out[col] = pd.Series(new, index=df.index, dtype=object)
    return derived


def protect(
    df: pd.DataFrame,
    counts: Iterable[str] | str,
    rule: str = "hes2008",
    by: Groups = None,
    *,
    row_total: str | None = None,
    total_rows=None,
    percent: Percentages = None,
    dependent: Dependents = None,
    withhold: Withholds = None,
) -> pd.DataFrame:
    """Apply disclosure control to the count columns of a table.

    Parameters
    ----------
    df : pandas.DataFrame
        The table as it will be published (one row per published row, totals included).
    counts : list of str
        The columns that hold counts of people or events (whole numbers >= 0, missing allowed).
    rule : {"hes2008", "nhsd2018"}
        The disclosure rule (see the module notes).
    by : str or list of str, optional
        Columns that split the table into groups; each count column is protected within each group
        (with the group's total rows) rather than over the whole table.
    row_total : str, optional
        A count column holding the sum of the other count columns in each row (e.g. ``"persons"`` next to
        ``"males"`` and ``"females"``); rows are then protected as relations too.
    total_rows : array of bool or False, optional
        Which rows are totals. By default a row is a total when any label cell or index label reads like
        "Total", "All ...", "... total" (see :func:`is_total_label`); ``False`` means no total rows.
    percent : dict, optional
        ``{percentage column: (numerator column, denominator column)}``: the percentage is hidden when
        either count is hidden, and under ``"nhsd2018"`` recalculated from the rounded counts.
    dependent : dict, optional
        ``{column: count column or list of count columns}``: values calculated from a count (crude rates,
        confidence limits) that are hidden whenever that count is hidden.
    withhold : dict, optional
        ``{count column: one True/False per row}``: cells withheld by a decision made outside this table
        (for example :func:`withheld` over wards, area committees and the city, so that every page
        withholds the same cells). They are hidden before secondary suppression and counted with it.

    Returns
    -------
    pandas.DataFrame
        A copy in which count columns hold whole numbers, ``"*"`` for hidden cells and ``None`` for
        missing ones. ``result.attrs["disclosure"]`` holds ``rule``, ``primary`` (cells hidden because
        they are small), ``secondary`` (cells hidden to protect them), ``derived`` (percentages and
        dependent values hidden), ``cells`` (``(row position, column)`` of every hidden cell) and
        ``note`` (the explanation in words, empty when nothing needs explaining).

    Raises
    ------
    ValueError
        An unknown rule or column, or a count column holding something other than whole numbers >= 0.

    Examples
    --------
    Secondary suppression works down columns and, with ``row_total``, along rows:

    >>> import pandas as pd
    >>> t = pd.DataFrame({"age": ["0-15", "16-64", "65+"], "males": [4, 30, 20],
    ...                   "females": [10, 33, 25], "persons": [14, 63, 45]})
    >>> out = protect(t, ["males", "females", "persons"], row_total="persons")
    >>> out[["males", "females", "persons"]].values.tolist()
    [['*', '*', 14], [30, 33, 63], ['*', '*', 45]]
    >>> out.attrs["disclosure"]["primary"], out.attrs["disclosure"]["secondary"]
    (1, 3)

    Percentages follow their counts:

    >>> t = pd.DataFrame({"group": ["a", "b", "c"], "took_up": [2, 9, 30],
    ...                   "referred": [20, 40, 90], "pct": [10.0, 22.5, 33.3]})
    >>> protect(t, ["took_up", "referred"], percent={"pct": ("took_up", "referred")})["pct"].tolist()
    ['*', '*', 33.3]
    >>> protect(t, ["took_up", "referred"], rule="nhsd2018",
    ...         percent={"pct": ("took_up", "referred")})["pct"].tolist()
    ['*', 25.0, 33.33333333333333]
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    r = _rule(rule)
    counts = [counts] if isinstance(counts, str) else list(counts)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    percent = dict(percent or {})
    dependent = {k: ([v] if isinstance(v, str) else list(v)) for k, v in (dependent or {}).items()}
    _check_columns(df, counts, by_cols, percent, dependent, row_total)

    n = len(df)
    values = _count_values(df, counts)
    hidden = (values >= 1) & (values <= r.upper)
    primary = int(hidden.sum())
    forced = _withhold(hidden, counts, withhold or {})
    secondary = forced
    if r.secondary and n:
        relations = _relations(df, counts, by_cols, row_total, _total_mask(df, counts, total_rows))
        secondary += _secondary(values, hidden, relations)

    out = df.copy()
    shown = _shown(values, hidden, r)
    for j, col in enumerate(counts):
        out[col] = pd.Series(list(shown[:, j]), index=df.index, dtype=object)

    cells = {(i, counts[j]) for i, j in zip(*np.nonzero(hidden), strict=True)}
    derived = _withhold_derived(df, out, counts, hidden, shown, r, percent, dependent, cells)

    rounded = r.rounding > 1 and bool(np.any(values[~hidden & ~np.isnan(values)] > 0))
    out.attrs["disclosure"] = {
        "rule": r.name,
        "primary": primary,
        "secondary": secondary,
        "derived": derived,
        "cells": sorted(cells, key=lambda c: (c[0], str(c[1]))),
        "note": suppression_note(r.name, primary, secondary, derived, rounded=rounded),
    }
    return out
