"""ONS small-area (ward) mid-year population estimates in the wide SAPE layout, made tidy.

One row per ward, one column per single year of age (``0`` .. ``89``, ``90+``) or 5-year band, by sex
(Males/Females sheets of a workbook, a ``sex`` column, or ``M``/``F``-prefixed age columns); ages are
summed into ESP 2013 bands to give the ``mid_year_estimates`` table. :mod:`.loaders` reads the file
(``ons_mye_sape``) and hands its tables here.

>>> norm_header(" Ward  Code 1"), age_column("Aged 90+")
('ward_code_1', (None, 90, None))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..config import ESP2013_BANDS
from ..errors import FileProblem, Problem
from . import specs
from .schemas import Context, tag_rows, validate


def norm_header(name) -> str:
    """A header as lower case with runs of blanks and underscores made one underscore."""
    return re.sub(r"[\s_]+", "_", str(name).strip().lower())


_SEX_PREFIX = re.compile(r"^(males?|females?|persons|m|f|p)[\s_]*(.+)$")
_OPEN = re.compile(r"^(?:aged?s?\s*)?(\d{1,3})\s*(?:\+|plus|and\s+over|years\s+and\s+over)$")
_BAND = re.compile(r"^(?:aged?s?\s*)?(\d{1,3})\s*(?:-|to)\s*(\d{1,3})$")
_SINGLE = re.compile(r"^(?:aged?s?\s*)?(\d{1,3})$")


def _parse_age(text: str) -> tuple[int, int | None] | None:
    s = re.sub(r"[\s_]+", " ", text.strip().lower())
    for pat, kind in ((_OPEN, "open"), (_BAND, "band"), (_SINGLE, "single")):
        m = pat.match(s)
        if m:
            lo = int(m.group(1))
            if kind == "open":
                return lo, None
            if kind == "band":
                return lo, int(m.group(2))
            return lo, lo
    return None


def age_column(name) -> tuple[str | None, int, int | None] | None:
    """Classify a SAPE column as (sex or None, lowest age, highest age or None for an open band).

    >>> age_column("0"), age_column("90+"), age_column("Aged 5 to 9"), age_column("m_85-89")
    ((None, 0, 0), (None, 90, None), (None, 5, 9), ('M', 85, 89))
    >>> age_column("All Ages") is None, age_column("F90+")
    (True, ('F', 90, None))
    """
    s = str(name).strip()
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    got = _parse_age(s)
    if got:
        return (None, *got)
    m = _SEX_PREFIX.match(s.lower())
    if m:
        got = _parse_age(m.group(2))
        if got:
            sex = {"m": "M", "f": "F", "p": "P"}[m.group(1)[0]]
            return (sex, *got)
    return None


def esp_band(lo: int, hi: int | None) -> str | None:
    """The ESP 2013 band holding ages ``lo``..``hi`` (``hi`` None: open-ended), or None if it straddles.

    >>> esp_band(7, 7), esp_band(85, 89), esp_band(95, None), esp_band(85, None), esp_band(16, 24)
    ('5-9', '85-89', '90+', None, None)
    """
    if hi is None:
        return "90+" if lo >= 90 else None
    if lo >= 90:
        return "90+"
    if lo // 5 == hi // 5 and hi >= lo:
        return ESP2013_BANDS[lo // 5]
    return None


def _find_col(columns, patterns: tuple[str, ...]) -> str | None:
    for pat in patterns:
        for c in columns:
            if re.fullmatch(pat, norm_header(c)):
                return c
    return None


_WARD_COL = (r"wd\d{2}cd", r"ward_code(_\d+)?", r"ward_codes?", r"area_codes?", r"code")
_LA_COL = (
    r"lad\d{2}cd",
    r"la_code.*",
    r"lad_code.*",
    r"local_authority_code.*",
    r"la_\(\d{4}_boundaries\)_code",
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?!\d)")


def sex_of_sheet(name: str) -> str | None:
    """The sex a worksheet's name gives (``M``, ``F``, ``P`` for persons), or None.

    >>> sex_of_sheet("Mid-2009 Females"), sex_of_sheet("Mid-2009 Males"), sex_of_sheet("Notes")
    ('F', 'M', None)
    """
    n = name.lower()
    if "female" in n:
        return "F"
    if "male" in n:
        return "M"
    if "person" in n:
        return "P"
    return None


#: Headers that mark the header row of a SAPE worksheet.
WARD_COL_HEADERS = ("^wd\\d{2}cd$", "ward_code", "ward_code_1", "area_codes", "area_code")


def sape_tables(
    parts: list, filename: str, ctx: Context, options: dict
) -> tuple[dict, list[Problem]]:
    """The tidy ``mid_year_estimates`` of the SAPE tables ``parts`` (table, rows, label, sheet name)."""
    frames, problems = [], []
    for df, rows, where, sheet in parts:
        f, p = _sape_part(df, rows, where, sheet, filename, ctx, options)
        frames.append(f)
        problems += p
    tidy = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(tidy) == 0:
        return {}, problems
    sp = specs.mid_year_estimates("mid_year_estimates", ctx)
    if options.get("persons"):
        sp = persons_spec(sp)
    out = []
    for where, part in tidy.groupby("_file", sort=False):
        parsed, p = validate(
            part.drop(columns=["_file", "_row"]), sp, str(where), part["_row"].to_numpy()
        )
        problems += [q for q in p if not q.rule.startswith("duplicated row")]
        out.append(tag_rows(parsed, str(where), part["_row"].to_numpy()))
    return {"mid_year_estimates": pd.concat(out, ignore_index=True)}, problems


#: What persons-only population estimates cannot give (kept in the manifest, and in the guide).
PERSONS_ONLY = (
    "persons only (no sex): sex-specific rates and directly standardised rates (DSRs) by sex, "
    "life expectancy by sex, and the population pyramid cannot be computed; persons rates and "
    "persons DSRs can"
)


def persons_spec(sp):
    """The ``mid_year_estimates`` schema with sex ``P`` (persons) as the only sex allowed."""
    cols = tuple(
        type(c)(
            c.name, c.kind, c.required, (pa.Check.isin(["P"], error="sex must be P (persons)"),)
        )
        if c.name == "sex"
        else c
        for c in sp.columns
    )
    return type(sp)(sp.name, cols, sp.key, sp.frame_checks)


@dataclass(frozen=True)
class _Layout:
    """Where a SAPE table keeps its ward codes, years, sexes and ages."""

    ward_col: str
    ages: dict
    year: int | None
    year_col: str | None
    sex_col: str | None
    sheet_sex: str | None
    col_sexes: set


def _refuse(where: str, column: str | None, rule: str):
    """Stop reading a SAPE table whose layout cannot be read (the problem names the table)."""
    raise FileProblem([Problem(where, None, column, rule)])


def _layout(df, rows, where, sheet, filename, ctx, options):
    """The table's layout and its rows for the district; :class:`FileProblem` when it cannot be read."""
    cols = list(df.columns)
    ward_col = options.get("ward_code_col") or _find_col(cols, _WARD_COL)
    if ward_col is None or ward_col not in cols:
        _refuse(
            where,
            "ward code",
            f"no ward code column (e.g. 'Ward Code 1', WD09CD, ward_code); columns: {', '.join(map(str, cols[:12]))}",
        )
    la_col = _find_col(cols, _LA_COL)
    keep = np.ones(len(df), bool)
    if la_col is not None:
        keep = (df[la_col].astype(str).str.strip() == ctx.lad_code).to_numpy()
        if not keep.any():
            _refuse(where, la_col, f"no row for district {ctx.lad_code}")
    df, rows = df[keep].reset_index(drop=True), np.asarray(rows)[keep]
    ages = {c: age_column(c) for c in cols if c != ward_col}
    ages = {c: a for c, a in ages.items() if a is not None}
    if not ages:
        _refuse(
            where, None, "no age columns (single years 0..89 and 90+, or bands such as 0-4 ... 90+)"
        )
    # year
    year = options.get("year")
    year_col = _find_col(cols, (r"year", r"mid_year", r"date"))
    if year is None and year_col is None:
        m = _YEAR.findall(sheet) or _YEAR.findall(filename)
        if not m:
            _refuse(
                where,
                "year",
                "no year: add a year column, name the sheet or file after the mid-year (e.g. mid-2009), or set the 'year' option",
            )
        year = int(m[0])
    # sex
    sex_col = _find_col(cols, (r"sex", r"gender"))
    sheet_sex = sex_of_sheet(sheet) if sheet else None
    col_sexes = {a[0] for a in ages.values()}
    if (
        sex_col is None
        and col_sexes == {None}
        and sheet_sex in (None, "P")
        and not options.get("sex")
        and not options.get("persons")
    ):
        _refuse(
            where,
            "sex",
            "population must be by sex: no sex column, no M/F-prefixed age columns and no Males/Females "
            "sheet (for persons-only estimates set 'persons: true' on the catalogue entry)",
        )
    problems = [
        Problem(
            where,
            None,
            str(c),
            f"age group {lo}{'+' if hi is None else f'-{hi}'} cannot be put into one ESP 2013 band (0-4, ..., 85-89, 90+); supply single years of age or 5-year bands",
        )
        for c, (_s, lo, hi) in ages.items()
        if esp_band(lo, hi) is None
    ]
    if problems:
        raise FileProblem(problems)
    return df, rows, _Layout(ward_col, ages, year, year_col, sex_col, sheet_sex, col_sexes)


def _count_problems(df, rows, where, c, num, text) -> list[Problem]:
    """Type, missing and sign problems of the age column ``c`` (``num``: its numbers)."""
    problems = []
    missing = df[c].isna() | text.isin(["", "nan", "None"])
    for i in np.flatnonzero((num.isna() & ~missing).to_numpy()):
        problems.append(
            Problem(
                where,
                int(rows[i]),
                str(c),
                "wrong type: expected a whole number of people",
                df[c].iloc[i],
            )
        )
    for i in np.flatnonzero(missing.to_numpy()):
        problems.append(
            Problem(where, int(rows[i]), str(c), "missing value (every age column needs a count)")
        )
    for i in np.flatnonzero((num < 0).to_numpy()):
        problems.append(
            Problem(where, int(rows[i]), str(c), "count must be a non-negative number", num.iloc[i])
        )
    return problems


def _long(df, rows, where, lay: _Layout, options) -> tuple[pd.DataFrame, list[Problem]]:
    """One record per ward, sex and age column, with the problems of the counts."""
    codes = df[lay.ward_col].astype(str).str.strip()
    long, problems = [], []
    for c, (s, lo, hi) in lay.ages.items():
        text = df[c].astype(str).str.replace(",", "", regex=False).str.strip()
        num = pd.to_numeric(text, errors="coerce")
        problems += _count_problems(df, rows, where, c, num, text)
        if options.get("persons"):
            sex = pd.Series("P", index=df.index)
        elif lay.sex_col is not None:
            sex = (
                df[lay.sex_col]
                .astype(str)
                .str.strip()
                .str.upper()
                .str[0]
                .map({"M": "M", "F": "F", "1": "M", "2": "F"})
            )
        else:
            sex = pd.Series(
                s or lay.sheet_sex or str(options.get("sex", "")).upper()[:1], index=df.index
            )
        long.append(
            pd.DataFrame(
                {
                    "year": (
                        df[lay.year_col].astype(str).str.extract(r"(\d{4})")[0]
                        if lay.year_col
                        else str(lay.year)
                    ),
                    "ward_code": codes,
                    "sex": sex,
                    "age_band": esp_band(lo, hi),
                    "population": num,
                    "_row": rows,
                    "_col": str(c),
                }
            )
        )
    return pd.concat(long, ignore_index=True), problems


def _all_ages_problems(df, rows, where, lay: _Layout, tidy) -> list[Problem]:
    """Rows whose ages do not add up to their All Ages column (when there is one, for one sex)."""
    cols = list(df.columns)
    if "all_ages" not in {norm_header(c) for c in cols}:
        return []
    all_col = next(c for c in cols if norm_header(c) == "all_ages")
    per_row = tidy.groupby(["_row", "sex"], sort=False)["population"].sum()
    totals = pd.to_numeric(
        df[all_col].astype(str).str.replace(",", "", regex=False), errors="coerce"
    )
    by_row = dict(zip(rows, totals, strict=True))
    problems = []
    if lay.sex_col is None and len(lay.col_sexes - {None}) <= 1:
        for (r, _sex), v in per_row.items():
            t = by_row.get(r)
            if t is not None and not pd.isna(t) and abs(v - t) > 0.5:
                problems.append(
                    Problem(
                        where,
                        int(r),
                        str(all_col),
                        f"the ages add up to {v:,.0f} but All Ages is {t:,.0f}",
                    )
                )
    return problems


def _sape_part(df, rows, where, sheet, filename, ctx, options):
    try:
        df, rows, lay = _layout(df, rows, where, sheet, filename, ctx, options)
    except FileProblem as exc:
        return pd.DataFrame(), exc.problems
    tidy, problems = _long(df, rows, where, lay, options)
    problems += _all_ages_problems(df, rows, where, lay, tidy)
    wide_key = tidy.drop_duplicates(["_row", "sex"])[["year", "ward_code", "sex", "_row"]]
    dup = wide_key.duplicated(["year", "ward_code", "sex"], keep="first")
    for y, code, sex, r in wide_key[dup].to_numpy():
        problems.append(
            Problem(
                where,
                int(r),
                str(lay.ward_col),
                f"duplicated row: ward {code} appears twice for {sex} in {y}",
                code,
            )
        )
    agg = (
        tidy.groupby(["year", "ward_code", "sex", "age_band"], sort=False, dropna=False)
        .agg(population=("population", "sum"), _row=("_row", "min"))
        .reset_index()
    )
    agg["population"] = agg["population"].round().astype("Int64").astype(str)
    agg["_file"] = where
    return agg, problems
