"""Partners' indicator returns, tidied into one series per indicator and area.

The functions here only reshape: they do not judge. :func:`prepare_returns` accepts the processed
``indicator_returns`` table, or a partner return read straight from a CSV in the documented format
(``docs/data_contract.md``), and :func:`series_frame` lays one indicator-area series out on every
quarter it was expected, so that a missing return is a visible row rather than an absent one.

>>> raw = pd.DataFrame({
...     "indicator_code": ["NI 39", "NI39"], "period": ["2009Q1", "2009Q3"],
...     "area_code": ["E08999901"] * 2, "value": [2300.0, 2350.0],
...     "numerator": [None, None], "denominator": [None, None],
...     "submitted_on": ["2009-08-01", "2010-02-20"], "submitted_by": ["PCT", "PCT"]})
>>> ret = prepare_returns(raw)
>>> ret[["indicator_code", "period", "days_late"]].to_dict("list")
{'indicator_code': ['NI39', 'NI39'], 'period': ['2009Q1', '2009Q3'], 'days_late': [-10, 9]}
>>> s = series_frame(ret, "NI39", "E08999901", "2009Q4")
>>> s[["period", "received", "value"]].to_dict("list")
{'period': ['2009Q1', '2009Q2', '2009Q3', '2009Q4'], 'received': [True, False, True, False], 'value': [2300.0, nan, 2350.0, nan]}
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from ..errors import DataValidationError, PeriodError, Problem
from ..periods import Quarter, quarter_range
from .registry import normalise_code

#: A return is due this many days after its quarter ends (six weeks).
DUE_AFTER_DAYS = 42

RETURN_COLUMNS = (
    "indicator_code",
    "period",
    "area_code",
    "value",
    "numerator",
    "denominator",
    "submitted_on",
    "submitted_by",
)


def due_date(period: str | Quarter) -> datetime.date:
    """The date a return for ``period`` is due: six weeks after the quarter ends.

    >>> due_date("2009Q3")
    datetime.date(2010, 2, 11)
    """
    return Quarter.parse(period).end + datetime.timedelta(days=DUE_AFTER_DAYS)


def prepare_returns(returns: pd.DataFrame, source: str = "indicator returns") -> pd.DataFrame:
    """Tidy returns: codes normalised, periods canonical, numbers numeric, ``days_late`` present.

    Where two returns give the same indicator, period and area, the one submitted last is kept (a
    resubmission replaces the earlier figure).

    Raises
    ------
    DataValidationError
        When a documented column is missing or a period cannot be parsed.
    """
    if returns.attrs.get("prepared"):
        return returns
    missing = [c for c in RETURN_COLUMNS if c not in returns.columns]
    if missing:
        raise DataValidationError(
            [Problem(source, None, c, "required column is missing") for c in missing],
            context=source,
        )
    df = returns.copy()
    df["indicator_code"] = df["indicator_code"].map(normalise_code).astype(str)
    df["area_code"] = df["area_code"].astype(str).str.strip()
    problems = []
    periods = []
    for i, p in enumerate(df["period"], start=1):
        try:
            periods.append(str(Quarter.parse(str(p))))
        except PeriodError as exc:
            problems.append(Problem(source, i, "period", str(exc), p))
            periods.append(None)
    if problems:
        raise DataValidationError(problems, context=source)
    df["period"] = periods
    for col in ("value", "numerator", "denominator"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["submitted_on"] = pd.to_datetime(df["submitted_on"], errors="coerce").dt.date
    due = df["period"].map(due_date)
    computed = [
        (s - d).days if isinstance(s, datetime.date) else np.nan
        for s, d in zip(df["submitted_on"], due, strict=True)
    ]
    if "days_late" in df.columns:
        given = pd.to_numeric(df["days_late"], errors="coerce")
        df["days_late"] = given.where(given.notna(), pd.Series(computed, index=df.index))
    else:
        df["days_late"] = computed
    df["submitted_by"] = df["submitted_by"].astype(object).where(df["submitted_by"].notna(), None)
    df = df.sort_values(["indicator_code", "area_code", "period", "submitted_on"], kind="stable")
    df = df.drop_duplicates(["indicator_code", "area_code", "period"], keep="last")
    df["days_late"] = df["days_late"].map(lambda v: None if pd.isna(v) else int(v))
    df["_qi"] = df["period"].map(lambda s: Quarter.parse(s).index).astype(int)
    # plain Python strings: small per-series frames are much faster than with Arrow-backed strings
    for col in ("indicator_code", "period", "area_code", "submitted_by"):
        df[col] = np.asarray(df[col].astype(object), dtype=object)
        df[col] = df[col].astype(object)
    df = df.reset_index(drop=True)
    df.attrs["prepared"] = True
    return df


def expected_periods(first: Quarter, period: Quarter, frequency: str) -> list[Quarter]:
    """Quarters a return is expected for, from the first return to ``period``.

    Quarterly indicators are expected every quarter; annual ones once a year, in the quarter of the
    year that the first return came in.

    >>> [str(q) for q in expected_periods(Quarter.parse("2008Q4"), Quarter.parse("2010Q1"), "annual")]
    ['2008Q4', '2009Q4']
    """
    if period < first:
        return []
    quarters = list(quarter_range(first, period))
    if frequency == "annual":
        quarters = [q for q in quarters if q.q == first.q]
    return quarters


def series_frame(
    returns: pd.DataFrame,
    code: str,
    area_code: str,
    period: str | Quarter,
    frequency: str = "quarterly",
) -> pd.DataFrame:
    """One indicator-area series up to ``period``, one row per expected quarter.

    Columns: the return columns, ``received`` (a return with a value came in) and ``quarter``
    (:class:`~lsp_research.periods.Quarter`). Returns after ``period`` are ignored: the series is what
    the management group knew at that quarter's meeting.
    """
    p = Quarter.parse(period)
    sel = returns[(returns["indicator_code"] == code) & (returns["area_code"] == area_code)]
    qi = sel["_qi"] if "_qi" in sel.columns else sel["period"].map(lambda s: Quarter.parse(s).index)
    sel = sel[qi <= p.index]
    cols = ["value", "numerator", "denominator", "submitted_on", "submitted_by", "days_late"]
    if sel.empty:
        frame = pd.DataFrame(columns=["period", *cols])
    else:
        first = min(Quarter.parse(s) for s in sel["period"])
        periods = [str(q) for q in expected_periods(first, p, frequency)]
        extra = sorted(set(sel["period"]) - set(periods), key=Quarter.parse)
        periods = sorted(set(periods) | set(extra), key=Quarter.parse)
        frame = pd.DataFrame({"period": periods}).merge(
            sel[["period", *cols]], on="period", how="left"
        )
    frame.insert(0, "area_code", area_code)
    frame.insert(0, "indicator_code", code)
    for col in ("value", "numerator", "denominator"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["received"] = frame["value"].notna()
    frame["quarter"] = frame["period"].map(Quarter.parse)
    return frame.reset_index(drop=True)
