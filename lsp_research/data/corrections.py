"""Corrected returns: the latest submission of a figure wins, and what it replaced is logged.

Partners correct a return by sending it again: the same indicator, period and area with a later
``submitted_on``, in a new file (or a new row of the same file). :func:`resolve_corrections` keeps the
latest submission of each key and writes every replaced one to the corrections log, which the executive
report shows in its data-quality section and from which the returns as known on any earlier date can be
rebuilt (:func:`as_known_on`). Two submissions of one key on the same date with different figures cannot
be ordered: that is a problem naming both files and rows.

>>> ret = pd.DataFrame({
...     "indicator_code": ["NI40", "NI40", "NI8"], "period": ["2009Q3"] * 3,
...     "area_code": ["E06000999"] * 3, "value": [61.0, 64.5, 22.0],
...     "numerator": [None] * 3, "denominator": [None] * 3,
...     "submitted_on": pd.to_datetime(["2010-02-01", "2010-04-20", "2010-02-03"]),
...     "submitted_by": ["Police", "Police (performance)", "Council"],
...     "_file": ["indicators/returns.csv", "indicators/returns/2009Q3_police_v2.csv",
...               "indicators/returns.csv"], "_row": [10, 2, 11]})
>>> latest, log, problems = resolve_corrections(ret)
>>> latest[["indicator_code", "value"]].values.tolist()
[['NI40', 64.5], ['NI8', 22.0]]
>>> log[["indicator_code", "period", "old_value", "new_value", "submitted_by"]].values.tolist()
[['NI40', '2009Q3', 61.0, 64.5, 'Police (performance)']]
>>> problems
[]
>>> as_known_on(latest, log, "2010-03-01")[["indicator_code", "value"]].values.tolist()
[['NI40', 61.0], ['NI8', 22.0]]
>>> as_known_on(latest, log, "2010-01-01", keep_late=True)[["indicator_code", "value"]].values.tolist()
[['NI40', 61.0], ['NI8', 22.0]]
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from ..errors import Problem

#: The key of a return: one figure per indicator, period and area.
KEY = ["indicator_code", "period", "area_code"]
#: The figures of a return; a resubmission that changes none of them is not a correction.
FIGURES = ["value", "numerator", "denominator"]
#: Columns of the corrections log (processed table ``indicator_corrections``).
LOG_COLUMNS = [
    *KEY,
    "old_value",
    "new_value",
    "old_numerator",
    "new_numerator",
    "old_denominator",
    "new_denominator",
    "old_submitted_on",
    "submitted_on",
    "old_submitted_by",
    "submitted_by",
    "old_file",
    "old_row",
    "file",
    "row",
]


def _same_figures(a: pd.Series, b: pd.Series) -> bool:
    """Whether two submissions give the same figures (two missing values are the same)."""
    return all(a[c] == b[c] or (pd.isna(a[c]) and pd.isna(b[c])) for c in FIGURES)


def empty_log() -> pd.DataFrame:
    """An empty corrections log with the documented columns and types."""
    out = pd.DataFrame({c: pd.Series(dtype="str") for c in LOG_COLUMNS})
    for c in LOG_COLUMNS:
        if c.startswith(("old_value", "new_", "old_numerator", "old_denominator")):
            out[c] = out[c].astype("float64")
        elif c.endswith("submitted_on"):
            out[c] = out[c].astype("datetime64[ns]")
        elif c.endswith("row"):
            out[c] = out[c].astype("int64")
    return out


def resolve_corrections(
    returns: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """The latest submission of each return, the log of what it replaced, and the problems.

    Parameters
    ----------
    returns : DataFrame
        Validated returns with ``_file`` and ``_row`` (where each record came from).

    Returns
    -------
    latest : DataFrame
        One row per indicator, period and area: the latest ``submitted_on`` (``_file``/``_row`` kept).
    log : DataFrame
        One row per replaced submission (``LOG_COLUMNS``), oldest first within a key. A resubmission
        whose figures equal the earlier ones replaces it silently (it is not a correction).
    problems : list of Problem
        Two submissions of one key on the same date with different figures (naming both files and
        rows). Identical rows in two files are kept once.
    """
    df = returns.copy()
    df["_order"] = np.arange(len(df))
    keycols = [*KEY, "submitted_on"]
    df = df.sort_values([*keycols, "_order"], kind="stable", na_position="first")
    k = df[KEY].astype("str")
    ks = df[keycols].astype("str")
    problems: list[Problem] = []
    same_key_date = ks.duplicated(keep=False).to_numpy()
    drop = np.zeros(len(df), bool)
    if same_key_date.any():
        first: dict[tuple, int] = {}
        for pos in np.flatnonzero(same_key_date):
            tup = tuple(ks.iloc[pos])
            if tup not in first:
                first[tup] = pos
                continue
            a, b = df.iloc[first[tup]], df.iloc[pos]
            if _same_figures(a, b):
                drop[pos] = True  # the same figures sent twice: keep one
                continue
            problems.append(
                Problem(
                    str(b["_file"]),
                    int(b["_row"]),
                    "submitted_on",
                    f"two different figures for {', '.join(f'{c} {a[c]}' for c in KEY)} submitted on "
                    f"the same date (here and in {a['_file']} row {int(a['_row'])}): a correction "
                    "needs a later submitted_on",
                    str(pd.Timestamp(b["submitted_on"]).date()),
                )
            )
    df = df[~drop]
    k = k[~drop]
    multi = k.duplicated(keep=False).to_numpy()
    single = df[~multi]
    kept, entries = [], []
    for _, group in df[multi].groupby(KEY, sort=False):
        current = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            if _same_figures(current, row):
                continue  # resubmitted unchanged: the first submission stands
            entries.append((current, row))
            current = row
        kept.append(current)
    latest = pd.concat([single, pd.DataFrame(kept)]) if kept else single
    latest = latest.astype(df.dtypes.to_dict()).sort_values("_order", kind="stable")
    latest = latest.drop(columns="_order")
    if entries:
        log = pd.DataFrame(
            [
                {
                    **{c: o[c] for c in KEY},
                    **{
                        f"{w}_{c}": (o if w == "old" else n)[c]
                        for c in FIGURES
                        for w in ("old", "new")
                    },
                    "old_submitted_on": o["submitted_on"],
                    "submitted_on": n["submitted_on"],
                    "old_submitted_by": o["submitted_by"],
                    "submitted_by": n["submitted_by"],
                    "old_file": o["_file"],
                    "old_row": int(o["_row"]),
                    "file": n["_file"],
                    "row": int(n["_row"]),
                }
                for o, n in entries
            ]
        )[LOG_COLUMNS]
        log = log.astype(empty_log().dtypes.to_dict())
    else:
        log = empty_log()
    return latest.reset_index(drop=True), log.reset_index(drop=True), problems


def as_known_on(
    returns: pd.DataFrame, corrections: pd.DataFrame | None, date, keep_late: bool = False
) -> pd.DataFrame:
    """The returns as they stood on ``date``: what had been submitted by then, before later corrections.

    Parameters
    ----------
    returns : DataFrame
        The latest submission of each return (the processed ``indicator_returns``).
    corrections : DataFrame or None
        The corrections log (processed ``indicator_corrections``); None means no corrections.
    date : date or str
        Submissions after this day are not yet known.
    keep_late : bool
        Keep a return whose first submission came after ``date`` (as a late return, which is how a
        meeting's log treats it); only corrections after ``date`` are undone.
    """
    day = pd.Timestamp(date).normalize()
    sub = pd.to_datetime(returns["submitted_on"])
    if keep_late:
        if corrections is None or corrections.empty:
            return returns.sort_values(KEY, kind="stable").reset_index(drop=True)
        never = ~returns.set_index(KEY).index.isin(corrections.set_index(KEY).index)
        sub = sub.where(~never, pd.Timestamp("1900-01-01"))  # never replaced: known as it is
    known = returns[sub <= day]
    later = returns[sub > day]
    if corrections is None or corrections.empty or later.empty:
        return known.sort_values(KEY, kind="stable").reset_index(drop=True)
    log = corrections[pd.to_datetime(corrections["old_submitted_on"]) <= day]
    # the newest replaced version submitted by then, for each key whose latest came after
    log = log.sort_values("old_submitted_on", kind="stable").drop_duplicates(KEY, keep="last")
    old = later[KEY].merge(log, on=KEY, how="inner")
    if keep_late:  # a corrected return whose every version came after the date: the first is known
        first = corrections.sort_values("old_submitted_on", kind="stable").drop_duplicates(KEY)
        missing = later[KEY].merge(old[KEY], on=KEY, how="left", indicator=True)
        missing = missing[missing["_merge"] == "left_only"][KEY]
        old = pd.concat([old, missing.merge(first, on=KEY)], ignore_index=True)
    if old.empty:
        return known.sort_values(KEY, kind="stable").reset_index(drop=True)
    base = later.drop(columns=[*FIGURES, "submitted_on", "submitted_by"], errors="ignore")
    base = base.drop_duplicates(KEY).merge(old[KEY], on=KEY)
    revived = base.merge(
        old.rename(
            columns={
                "old_value": "value",
                "old_numerator": "numerator",
                "old_denominator": "denominator",
                "old_submitted_on": "_sub",
                "old_submitted_by": "_by",
            }
        )[[*KEY, *FIGURES, "_sub", "_by"]],
        on=KEY,
    ).rename(columns={"_sub": "submitted_on", "_by": "submitted_by"})
    if "days_late" in revived.columns:
        revived = revived.drop(columns="days_late")
    out = pd.concat([known, revived[[c for c in returns.columns if c in revived.columns]]])
    return out.sort_values(KEY, kind="stable").reset_index(drop=True)


def meeting_date(period, days_after_due: int, due_after_days: int = 42) -> datetime.date:
    """The day a quarter's meeting is taken to be held: the return due date plus ``days_after_due``.

    >>> meeting_date("2009Q3", 14)
    datetime.date(2010, 2, 25)
    """
    from ..periods import Quarter

    return Quarter.parse(period).end + datetime.timedelta(days=due_after_days + days_after_due)
