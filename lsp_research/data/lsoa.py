"""LSOA data made ward data: the ONS LSOA-to-ward best-fit lookup and the English Indices of Deprivation.

``ons_lsoa_ward`` (read by :func:`lsoa_ward_lookup`)
    the ONS "LSOA (2011) to Ward (20yy) Lookup" as published (CSV, UTF-8 with or without a BOM):
    ``LSOA11CD, LSOA11NM, WDyyCD, WDyyNM, [WDyyNMW,] LADyyCD, LADyyNM[, FID]``. Each LSOA lies in one
    ward (best fit). Only the district's rows are kept; their ward codes must be wards of the boundary
    file.
``imd_lsoa`` (read by :func:`imd_ward_table`)
    the English Indices of Deprivation 2019 File 7 layout ("all ranks, deciles and scores for the
    indices of deprivation, and population denominators"): ``LSOA code (2011)``, ``Index of Multiple
    Deprivation (IMD) Score`` and ``Total population: mid 2015 (excluding prisoners)`` are read. A ward's
    score is the population-weighted mean of the scores of its LSOAs (through the lookup, an
    ``ons_lsoa_ward`` file of the same source). The ward table has one column per IMD edition the
    reports read (``imd2004_score``, ``imd2007_score``, ``imd2010_score``); with one edition (2019) every
    column holds it, so a change between editions reads as none.

>>> lookup = pd.DataFrame({"lsoa_code": ["A", "B", "C"], "ward_code": ["W1", "W1", "W2"]})
>>> imd = pd.DataFrame({"lsoa_code": ["A", "B", "C"], "score": [10.0, 40.0, 25.0],
...                     "population": [1000.0, 3000.0, 1500.0]})
>>> weighted_ward_scores(imd, lookup).round(2).to_dict()
{'W1': 32.5, 'W2': 25.0}
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import Problem
from . import specs
from .schemas import Context, tag_rows, validate

IMD_LSOA = "LSOA code (2011)"
IMD_SCORE = "Index of Multiple Deprivation (IMD) Score"
IMD_POPULATION = "Total population: mid 2015 (excluding prisoners)"
IMD_EDITIONS = ("imd2004_score", "imd2007_score", "imd2010_score")


def _newest(columns, pattern: str) -> str | None:
    hits = [
        (int(m.group(1)), c) for c in columns if (m := re.fullmatch(pattern, str(c).strip(), re.I))
    ]
    return max(hits, key=lambda h: h[0] + (2000 if h[0] < 50 else 1900))[1] if hits else None


def lsoa_ward_lookup(
    df: pd.DataFrame, rows, where: str, ctx: Context
) -> tuple[pd.DataFrame, list[Problem]]:
    """The district's rows of an LSOA-to-ward lookup as ``lsoa_code, ward_code`` (with ``_row``).

    Problems name the row and column: a missing column, an LSOA given twice, a ward of the district
    that is not in the boundary file.
    """
    lsoa = _newest(df.columns, r"LSOA(\d{2})CD")
    ward = _newest(df.columns, r"WD(\d{2})CD")
    lad = _newest(df.columns, r"LAD?(\d{2})CD")
    missing = [n for n, c in (("LSOAyyCD", lsoa), ("WDyyCD", ward), ("LADyyCD", lad)) if c is None]
    if missing:
        return pd.DataFrame(), [
            Problem(
                where,
                None,
                n,
                f"required lookup column is missing (the file has: {', '.join(map(str, df.columns))})",
            )
            for n in missing
        ]
    mine = (df[lad].astype(str).str.strip() == ctx.lad_code).to_numpy()
    if not mine.any():
        return pd.DataFrame(), [
            Problem(where, None, str(lad), f"no row for district {ctx.lad_code}")
        ]
    out = pd.DataFrame(
        {
            "lsoa_code": df[lsoa].astype(str).str.strip().to_numpy()[mine],
            "ward_code": df[ward].astype(str).str.strip().to_numpy()[mine],
            "_file": where,
            "_row": pd.Series(rows).to_numpy()[mine],
        }
    )
    problems = [
        Problem(where, int(r), str(ward), ctx.ward_rule(), code)
        for code, r in zip(out["ward_code"], out["_row"], strict=True)
        if ctx.ward_codes and code not in ctx.ward_codes
    ]
    for code, r in zip(out["lsoa_code"], out["_row"], strict=True):
        if (out["lsoa_code"] == code).sum() > 1 and r != out.loc[
            out["lsoa_code"] == code, "_row"
        ].min():
            problems.append(
                Problem(
                    where, int(r), str(lsoa), "duplicated row: an LSOA lies in one ward only", code
                )
            )
    return out, problems


def weighted_ward_scores(imd: pd.DataFrame, lookup: pd.DataFrame) -> pd.Series:
    """Population-weighted mean score of each ward's LSOAs (``imd``: lsoa_code, score, population)."""
    m = lookup[["lsoa_code", "ward_code"]].merge(imd, on="lsoa_code", how="inner")
    m = m.assign(w=m["score"] * m["population"])
    g = m.groupby("ward_code", sort=True)
    return (g["w"].sum() / g["population"].sum()).rename(None).rename_axis(None)


def imd_lsoa_table(df, rows, where) -> tuple[pd.DataFrame, list[Problem]]:
    """LSOA code, score and population of an IoD File 7 table, with a problem for each bad cell."""
    problems = [
        Problem(
            where,
            None,
            c,
            f"required IoD column is missing (File 7 layout; the file has: {', '.join(map(str, df.columns[:8]))}, ...)",
        )
        for c in (IMD_LSOA, IMD_SCORE, IMD_POPULATION)
        if c not in df.columns
    ]
    if problems:
        return pd.DataFrame(), problems
    out = pd.DataFrame(
        {"lsoa_code": df[IMD_LSOA].astype(str).str.strip(), "_file": where, "_row": rows}
    )
    for col, name, lo, hi, what in (
        (IMD_SCORE, "score", 0, 100, "an IMD score between 0 and 100"),
        (IMD_POPULATION, "population", 0, 10**6, "a population of 0 or more"),
    ):
        text = df[col].astype(str).str.replace(",", "", regex=False).str.strip()
        num = pd.to_numeric(text, errors="coerce")
        bad = num.isna() | ~num.between(lo, hi)
        problems += [
            Problem(where, int(r), col, f"expected {what}", v)
            for r, v in zip(pd.Series(rows)[bad.to_numpy()], df[col][bad], strict=True)
        ]
        out[name] = num.to_numpy()
    return out, problems


def imd_ward_from_lsoa(
    imd: pd.DataFrame, look: pd.DataFrame, ctx: Context, labels: dict
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The ``imd_ward`` table from the ``imd_lsoa`` and ``lsoa_ward`` tables (see the module)."""
    imd_where = str(imd["_file"].iloc[0]) if len(imd) else labels.get("imd_lsoa", "imd_lsoa")
    look_where = str(look["_file"].iloc[0]) if len(look) else labels.get("lsoa_ward", "lsoa_ward")
    known = set(imd["lsoa_code"])
    problems = [
        Problem(str(f), int(r), "LSOA code", f"LSOA of the district is not in {imd_where}", code)
        for code, f, r in zip(look["lsoa_code"], look["_file"], look["_row"], strict=True)
        if code not in known
    ]
    scores = weighted_ward_scores(imd, look)
    problems += [
        Problem(
            look_where,
            None,
            "ward code",
            f"ward {w} of the boundary file has no LSOA in the lookup",
        )
        for w in sorted(set(ctx.ward_codes) - set(scores.index))
    ]
    if problems:
        return None, problems
    raw = pd.DataFrame({"ward_code": scores.index})
    for col in IMD_EDITIONS:  # one edition: every edition column the reports read holds it
        raw[col] = scores.round(3).to_numpy()
    parsed, p = validate(raw, specs.imd_ward("imd_ward", ctx), imd_where)
    return tag_rows(parsed, imd_where, range(2, len(raw) + 2)), p
