"""Fingertips (PHE/OHID) data downloads: indicator ``returns`` for the district and its wards, and
``comparators`` for England and the regions. :mod:`.loaders` reads the file (``fingertips``) and hands
its table here.
"""

from __future__ import annotations

import datetime
import re

import pandas as pd

from ..config import ENGLAND_CODE
from ..errors import Problem
from ..periods import Quarter
from . import specs
from .schemas import Context, tag_rows, validate

FINGERTIPS_COLUMNS = ("Indicator ID", "Area Code", "Area Name", "Time period", "Value")


def fingertips_period(text: str, annual_quarter: int = 4) -> tuple[str | None, str | None]:
    """A Fingertips time period as (period ``YYYYQn``, financial year ``YYYY-YY``).

    Financial-year values are placed in the quarter ``annual_quarter`` of that year (default Q4, when
    the year's figure is complete); calendar years in the quarter holding 31 December.

    >>> fingertips_period("2009/10"), fingertips_period("2009/10 Q2"), fingertips_period("2008")
    (('2009Q4', '2009-10'), ('2009Q2', '2009-10'), ('2008Q3', None))
    >>> fingertips_period("2007 - 09")
    (None, None)
    """
    s = str(text).strip()
    m = re.fullmatch(r"(\d{4})/(\d{2})(?:\s*Q([1-4]))?", s)
    if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        y = int(m.group(1))
        q = int(m.group(3)) if m.group(3) else annual_quarter
        return str(Quarter(y, q)), Quarter(y, 1).fy
    m = re.fullmatch(r"(\d{4})", s)
    if m:
        return str(Quarter.from_date(datetime.date(int(s), 12, 31))), None
    return None, None


def fingertips_tables(
    df: pd.DataFrame, rows, where: str, ctx: Context, options: dict
) -> tuple[dict, list[Problem]]:
    """The indicator ``returns`` and ``comparators`` of a Fingertips table already read (``rows``: the
    file row of each record); the options are those of :func:`.loaders.load_fingertips`.
    """
    problems = []
    missing = [c for c in FINGERTIPS_COLUMNS if c not in df.columns]
    if missing:
        return {}, [
            Problem(
                where,
                None,
                c,
                f"required Fingertips column is missing (the file has: {', '.join(map(str, df.columns))})",
            )
            for c in missing
        ]
    df = _headline(df, rows, options)
    area = df["Area Code"].astype(str).str.strip()
    value_text = df["Value"].astype(str).str.strip()
    has_value = ~(df["Value"].isna() | value_text.isin(["", "nan", "None"]))
    df, area = df[has_value], area[has_value]
    periods = df["Time period"].map(
        lambda t: fingertips_period(t, int(options.get("annual_quarter", 4)))
    )
    bad = periods.map(lambda p: p[0] is None)
    for r, t in zip(df.loc[bad, "_row"], df.loc[bad, "Time period"], strict=True):
        problems.append(
            Problem(
                where,
                int(r),
                "Time period",
                "time period must be a financial year (2009/10), a quarter (2009/10 Q3) or a "
                "calendar year (2009); pooled periods such as '2007 - 09' cannot be used",
                t,
            )
        )
    df, area, periods = df[~bad], area[~bad], periods[~bad]
    local = area.isin(ctx.area_codes)
    comp = area.eq(ENGLAND_CODE) | area.str.match(r"^E12\d{6}$")
    ret = pd.DataFrame(
        {
            "indicator_code": df["indicator_code"],
            "period": periods.map(lambda p: p[0]),
            "area_code": area,
            "value": df["Value"],
            "numerator": df["Count"] if "Count" in df.columns else "",
            "denominator": df["Denominator"] if "Denominator" in df.columns else "",
            "submitted_on": options.get("submitted_on", ""),
            "submitted_by": options.get("submitted_by", "Fingertips"),
        }
    )[local.to_numpy()]
    sp = specs.returns("returns", ctx)
    sp = type(sp)(
        sp.name,
        tuple(
            c if c.name != "submitted_on" else type(c)(c.name, c.kind, False, c.checks)
            for c in sp.columns
        ),
        sp.key,
        sp.frame_checks,
    )
    r_parsed, p1 = validate(ret, sp, where, df["_row"].to_numpy()[local.to_numpy()])
    names = df["Area Name"].astype(str).str.replace(r"\s+region$", "", regex=True).str.strip()
    names = names.where(~area.eq(ENGLAND_CODE), "England")
    annual = df["Time period"].astype(str).str.fullmatch(r"\d{4}/\d{2}")
    cmp_ = pd.DataFrame(
        {
            "indicator_code": df["indicator_code"],
            "period": periods.map(lambda p: p[0]).where(~annual, ""),
            "financial_year": periods.map(lambda p: p[1] or "").where(annual, ""),
            "comparator": names,
            "value": df["Value"],
            "status": "found",  # a published figure
        }
    )[comp.to_numpy()]
    c_parsed, p2 = validate(
        cmp_, specs.comparators("comparators", ctx), where, df["_row"].to_numpy()[comp.to_numpy()]
    )
    tables = {
        "returns": tag_rows(r_parsed, where, df["_row"].to_numpy()[local.to_numpy()]),
        "comparators": tag_rows(c_parsed, where, df["_row"].to_numpy()[comp.to_numpy()]),
    }
    # 'returns: false' or 'comparators: false' takes only the other table (so that a figure already
    # supplied by another file, e.g. comparators.csv, is not given twice)
    for name, found in (("returns", p1), ("comparators", p2)):
        if options.get(name, True) is False:
            del tables[name]
            found.clear()
    return tables, problems + p1 + p2


def _headline(df: pd.DataFrame, rows, options: dict) -> pd.DataFrame:
    """The headline rows (no category; Persons when given by sex), with ``_row`` and ``indicator_code``."""
    df = df.copy()
    df["_row"] = rows
    for c in ("Category Type", "Sex"):
        if c not in df.columns:
            df[c] = ""
    df = df[df["Category Type"].astype(str).str.strip().isin(["", "nan"])]
    ids = df["Indicator ID"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    mapping = {str(k): str(v) for k, v in (options.get("indicators") or {}).items()}
    if mapping:
        df, ids = df[ids.isin(mapping)], ids[ids.isin(mapping)]
        code = ids.map(mapping)
    else:
        code = "FT" + ids
    df = df.assign(indicator_code=code.to_numpy())
    persons = df.groupby("indicator_code")["Sex"].transform(
        lambda s: (s.astype(str) == "Persons").any()
    )
    df = df[~persons.astype(bool) | (df["Sex"].astype(str) == "Persons")]
    return df
