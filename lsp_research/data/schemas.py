"""Schemas of the raw tables, in code, and the validation that turns every failure into a :class:`Problem`.

Each raw table of ``docs/data_contract.md`` has a :class:`TableSpec`: its columns with their types, the
rules on values (ranges, allowed codes, ICD-10 shape, dates inside the data period), the key that must be
unique, and rules across columns (numerator <= denominator). The value rules are pandera checks; type
parsing and uniqueness are done here so that each failure can name the row a user sees in the file.

**Row numbers** count the header as row 1, as a spreadsheet or a text editor does: the first data row of
a CSV file is row 2. In an Excel file the row is the worksheet row; in a GeoJSON file it is the feature
number (1-based).

Validation never stops at the first problem: :func:`validate` returns every problem in the table.

>>> from lsp_research.data.sources import spec
>>> ctx = Context(ward_codes=frozenset({"E05001153", "E05001154"}))
>>> raw = pd.DataFrame({"ward_code": ["E05001153", "E05009999", "E05001153"],
...                     "area_committee": ["West", "North", "West"]})
>>> df, problems = validate(raw, spec("area_committees", ctx), "area_committees.csv")
>>> for p in problems:
...     print(p)
area_committees.csv, row 3, column 'ward_code': not a ward code of the boundary file (2 wards: E05001153 to E05001154) (got 'E05009999')
area_committees.csv, row 4, column 'ward_code': duplicated row: same ward_code as row 2 (ward_code must be unique) (got 'E05001153')
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc

from ..errors import Problem
from .specs import (
    BNG_BOUNDS,
    DATE_TEXT,
    FY_PATTERN,
    ICD10_PATTERN,
    LE_BANDS,
    PERIOD_PATTERN,
    REFERRAL_BANDS,
    RETURN_DUE_DAYS,
    SEXES,
    WARD_CODE_PATTERN,
    Col,
    Context,
    TableSpec,
)

__all__ = [
    "BNG_BOUNDS",
    "FY_PATTERN",
    "ICD10_PATTERN",
    "LE_BANDS",
    "PERIOD_PATTERN",
    "REFERRAL_BANDS",
    "RETURN_DUE_DAYS",
    "SEXES",
    "WARD_CODE_PATTERN",
    "Col",
    "Context",
    "TableSpec",
    "tag_rows",
    "validate",
]


def tag_rows(df: pd.DataFrame, label: str, rows) -> pd.DataFrame:
    """A copy of ``df`` with the bookkeeping columns ``_file`` and ``_row`` (where each record came from)."""
    df = df.copy()
    df["_file"] = label
    df["_row"] = np.asarray(rows, dtype="int64")
    return df


_NOT_FINITE = "not a finite number: infinite, or too large to hold (expected an ordinary number)"


def _kind_rule(kind: str) -> str:
    return {
        "int": "wrong type: expected a whole number",
        "flag": "wrong type: expected 0 or 1",
        "float": "wrong type: expected a number",
        "date": "wrong type: expected a date YYYY-MM-DD",
    }[kind]


def _to_float(text: pd.Series) -> pd.Series:
    """Numbers from text, NaN where the text is not a number (an Arrow cast first: fast when clean)."""
    try:
        arr = pc.cast(
            pa_arrow.array(text, type=pa_arrow.string(), from_pandas=True), pa_arrow.float64()
        )
        return pd.Series(arr.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")
    except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError, TypeError):
        return pd.to_numeric(text, errors="coerce").astype("float64")


def _to_date(text: pd.Series) -> pd.Series:
    """Dates from ISO text (``YYYY-MM-DD``, optionally with a midnight time), NaT where not a date."""
    arr = pa_arrow.array(text, type=pa_arrow.string(), from_pandas=True)
    parsed = pc.strptime(arr, format="%Y-%m-%d", unit="s", error_is_null=True)
    out = pd.Series(parsed.to_numpy(zero_copy_only=False), index=text.index).astype(
        "datetime64[ns]"
    )
    retry = out.isna() & text.notna()
    if retry.any():
        ok = text[retry].str.match(DATE_TEXT.pattern).fillna(False).astype(bool)
        sub = text[retry].where(ok).str.slice(0, 10)
        out[retry] = pd.to_datetime(sub, format="%Y-%m-%d", errors="coerce").astype(
            "datetime64[ns]"
        )
    return out


def _parse(series: pd.Series, kind: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse one column. Returns (parsed, missing mask, wrong-type mask)."""
    if kind == "date" and pd.api.types.is_datetime64_any_dtype(series):
        parsed = series.astype("datetime64[ns]")
        return parsed, parsed.isna(), pd.Series(False, index=series.index)
    if series.dtype == object:
        if kind == "date":
            series = series.map(lambda v: v.isoformat()[:10] if isinstance(v, datetime.date) else v)
        elif kind in ("int", "flag", "float"):
            series = series.map(lambda v: repr(v) if isinstance(v, float) else v)
    text = series.astype("str").str.strip()
    missing = series.isna() | text.isin(["", "nan", "NaN", "NaT", "None", "<NA>"])
    text = text.where(~missing)
    if kind == "str":
        return text.astype("str"), missing, pd.Series(False, index=series.index)
    if kind == "date":
        parsed = _to_date(text)
        return parsed, missing, ~missing & parsed.isna()
    num = _to_float(text)
    bad = ~missing & num.isna()
    if kind in ("int", "flag"):
        bad = bad | (~missing & ~bad & (num != np.floor(num)))
    return num, missing, bad


def validate(
    raw: pd.DataFrame,
    table: TableSpec,
    file: str,
    rows: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate a raw table and parse it into the contract's types.

    Parameters
    ----------
    raw : DataFrame
        The table as read (text columns from CSV, or cells from Excel).
    table : TableSpec
        Its schema, from :func:`lsp_research.data.sources.spec`.
    file : str
        The file name to put in every problem.
    rows : sequence of int, optional
        The row number of each record in the file (default: header is row 1, data starts at row 2).

    Returns
    -------
    (DataFrame, list of Problem)
        The parsed table (the schema's columns, in order; problem rows kept) and every problem found.
    """
    raw = raw.reset_index(drop=True)
    rownum = np.asarray(rows if rows is not None else np.arange(len(raw)) + 2)
    problems: list[Problem] = []
    raw = _match_columns(raw, table)
    present = [c for c in table.names if c in raw.columns]
    for group in table.either:
        if not any(c in present for c in group):
            problems.append(
                Problem(
                    file,
                    None,
                    " or ".join(group),
                    f"required column is missing: the file needs one of {', '.join(group)}",
                )
            )
    either_cols = {c for g in table.either for c in g} | {
        c.name for c in table.columns if c.optional
    }
    for col in table.columns:
        if col.name not in raw.columns and col.name not in either_cols:
            problems.append(
                Problem(
                    file,
                    None,
                    col.name,
                    f"required column is missing (the file has: {', '.join(map(str, raw.columns)) or 'no columns'})",
                )
            )
    out = {}
    for col in table.columns:
        if col.name not in raw.columns:
            if col.name in either_cols:
                out[col.name] = pd.Series(
                    pd.NA, index=raw.index, dtype=col.dtype if col.kind != "int" else "float64"
                )
            continue
        parsed, missing, bad = _parse(raw[col.name], col.kind)
        infinite = pd.Series(False, index=raw.index)
        if col.kind in ("int", "flag", "float"):  # "inf", or "1e400", which overflows to inf
            infinite = ~missing & ~bad & pd.Series(np.isinf(parsed.to_numpy()), index=raw.index)
            bad = bad | infinite
        for i in np.flatnonzero(bad.to_numpy()):
            rule = _NOT_FINITE if infinite.iloc[i] else _kind_rule(col.kind)
            problems.append(Problem(file, int(rownum[i]), col.name, rule, raw[col.name].iloc[i]))
        if col.required:
            for i in np.flatnonzero(missing.to_numpy()):
                problems.append(
                    Problem(
                        file, int(rownum[i]), col.name, "missing value (this column is required)"
                    )
                )
        if col.kind in ("int", "flag") and not (missing | bad).any():
            parsed = parsed.astype("int64")
        out[col.name] = parsed
    df = pd.DataFrame(out, index=raw.index)
    present_all = list(df.columns)
    if len(df):
        problems += _pandera_problems(df, table.pandera(present_all), file, rownum, table)
        problems += _duplicate_problems(df, table, file, rownum)
    problems.sort(
        key=lambda p: (
            p.row is not None,
            p.row or 0,
            table.names.index(p.column) if p.column in table.names else -1,
        )
    )
    return df, problems


def _match_columns(raw: pd.DataFrame, table: TableSpec) -> pd.DataFrame:
    """Rename columns that match the schema apart from case, spaces and surrounding blanks."""
    norm = {re.sub(r"[\s]+", "_", str(c).strip().lower()): c for c in raw.columns}
    rename = {}
    for name in table.names:
        if name not in raw.columns and name in norm:
            rename[norm[name]] = name
    return raw.rename(columns=rename)


def _pandera_problems(
    df: pd.DataFrame, schema: pa.DataFrameSchema, file: str, rownum: np.ndarray, table: TableSpec
) -> list[Problem]:
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    else:
        return []
    frame_cols = {chk.error: cols for cols, chk in table.frame_checks}
    problems = []
    for rec in fc.itertuples(index=False):
        idx = rec.index
        row = int(rownum[int(idx)]) if idx is not None and not pd.isna(idx) else None
        if rec.schema_context == "DataFrameSchema":
            cols = frame_cols.get(rec.check, (rec.column,))
            column = cols[0] if cols and cols[0] is not None else None
            value = None
            if row is not None and cols:
                vals = [df[c].iloc[int(idx)] for c in cols if c in df.columns]
                value = ", ".join(f"{c}={_show(v)}" for c, v in zip(cols, vals, strict=False))
            if row is None and idx is None and rec.failure_case is not None:
                continue
            problems.append(Problem(file, row, column, str(rec.check), value))
        else:
            problems.append(Problem(file, row, rec.column, str(rec.check), _show(rec.failure_case)))
    # a frame check fails once per column it touches: keep one problem per (row, rule)
    seen, unique = set(), []
    for p in problems:
        k = (p.row, p.column, p.rule)
        if k not in seen:
            seen.add(k)
            unique.append(p)
    return unique


def _show(v):
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, np.generic):
        return _show(v.item())
    return v


def _duplicate_problems(
    df: pd.DataFrame, table: TableSpec, file: str, rownum: np.ndarray
) -> list[Problem]:
    key = [c for c in table.key if c in df.columns]
    if not key:
        return []
    k = df[key].astype("str").fillna("")
    dup = k.duplicated(keep="first").to_numpy()
    if not dup.any():
        return []
    first = {}
    problems = []
    for i, tup in enumerate(map(tuple, k.to_numpy())):
        if tup not in first:
            first[tup] = i
        elif dup[i]:
            what = ", ".join(key)
            value = (
                tup[0]
                if len(key) == 1
                else ", ".join(f"{c}={v}" for c, v in zip(key, tup, strict=True))
            )
            rule = f"duplicated row: same {what} as row {int(rownum[first[tup]])} (" + (
                f"{what} must be unique)" if len(key) == 1 else "each combination must appear once)"
            )
            problems.append(Problem(file, int(rownum[i]), what, rule, value))
    return problems
