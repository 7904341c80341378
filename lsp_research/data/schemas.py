"""Schemas of the raw tables, in code, and the validation that turns every failure into a :class:`Problem`.

Each raw table of ``docs/data_contract.md`` has a :class:`TableSpec`: its columns with their types, the
rules on values (ranges, allowed codes, ICD-10 shape, dates inside the data period), the key that must be
unique, and rules across columns (numerator <= denominator). The value rules are pandera checks; type
parsing and uniqueness are done here so that each failure can name the row a user sees in the file.

**Row numbers** count the header as row 1, as a spreadsheet or a text editor does: the first data row of
a CSV file is row 2. In an Excel file the row is the worksheet row; in a GeoJSON file it is the feature
number (1-based).

Validation never stops at the first problem: :func:`validate` returns every problem in the table.

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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc

from ..config import ESP2013_BANDS, LAD_CODE
from ..errors import Problem
from ..periods import Quarter

#: ICD-10 code without the dot: a letter, two digits, and an optional fourth character.
ICD10_PATTERN = r"^[A-Z][0-9]{2}[0-9A-Z]?$"
#: A GSS ward code (E05...) or a pre-2011 six-character ONS ward code (e.g. 00CMHA).
WARD_CODE_PATTERN = r"^(E05\d{6}|W05\d{6}|S13\d{6}|\d{2}[A-Z]{4})$"
PERIOD_PATTERN = r"^\d{4}Q[1-4]$"
FY_PATTERN = r"^\d{4}-\d{2}$"
SEXES = ("M", "F")
#: Life-table age bands of the deaths file.
LE_BANDS = ("0", "1-4") + ESP2013_BANDS[1:]
#: Age bands of wellness referrals.
REFERRAL_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
#: Days after a quarter's end when a partner's return is due (six weeks).
RETURN_DUE_DAYS = 42
#: British National Grid bounds (metres) for a point to be a plausible location in Great Britain.
BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)

_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00(?:\.0+)?)?)?$")


@dataclass(frozen=True)
class Context:
    """What the rules of a table depend on: the valid ward codes, the data period, the centres."""

    ward_codes: frozenset = frozenset()
    lad_code: str = LAD_CODE
    period: tuple[Quarter, Quarter] = (Quarter(2004, 1), Quarter(2009, 4))
    centre_ids: frozenset = frozenset()
    #: Said after a period rule's message: where the bound comes from and how to widen it.
    hint: str = ""
    #: The indicator codes of the registry (empty: not checked). Returns for other codes are warned
    #: about, not refused; Board decisions must name a registered indicator.
    indicator_codes: frozenset = frozenset()

    @property
    def start(self) -> datetime.date:
        return self.period[0].start

    @property
    def end(self) -> datetime.date:
        return self.period[1].end

    @property
    def area_codes(self) -> frozenset:
        """Codes an indicator return may be for: the district and its wards."""
        return self.ward_codes | {self.lad_code}

    def ward_rule(self) -> str:
        codes = sorted(self.ward_codes)
        if not codes:
            return "not a ward code of the boundary file (the boundary file has no wards)"
        return (
            f"not a ward code of the boundary file ({len(codes)} wards: {codes[0]} to {codes[-1]})"
        )


@dataclass(frozen=True)
class Col:
    """A column: ``kind`` is ``str``, ``int``, ``float``, ``date`` or ``flag`` (0/1)."""

    name: str
    kind: str = "str"
    required: bool = True
    checks: tuple = ()
    note: str = ""
    optional: bool = False  # the column itself may be absent from the file (then all empty)

    @property
    def dtype(self) -> str:
        return {
            "str": "str",
            "int": "int64",
            "flag": "int64",
            "float": "float64",
            "date": "datetime64[ns]",
        }[self.kind]


@dataclass(frozen=True)
class TableSpec:
    """The schema of one raw table."""

    name: str
    columns: tuple[Col, ...]
    key: tuple[str, ...] = ()
    frame_checks: tuple[tuple[tuple[str, ...], pa.Check], ...] = ()
    either: tuple[tuple[str, ...], ...] = field(default=())  # at least one column of each group

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def pandera(self, present: Sequence[str]) -> pa.DataFrameSchema:
        """The pandera schema for the columns present (missing columns are reported separately)."""
        cols = {
            c.name: pa.Column(c.dtype, list(c.checks), nullable=True, coerce=False)
            for c in self.columns
            if c.name in present
        }
        checks = [chk for cols_, chk in self.frame_checks if all(c in present for c in cols_)]
        return pa.DataFrameSchema(cols, checks=checks, name=self.name)


def _isin(values, rule: str) -> pa.Check:
    return pa.Check.isin(sorted(values), error=rule)


def _range(lo, hi, rule: str) -> pa.Check:
    return pa.Check.in_range(lo, hi, error=rule)


def _matches(pattern: str, rule: str) -> pa.Check:
    return pa.Check.str_matches(pattern, error=rule)


def _date_in(
    lo: datetime.date, hi: datetime.date, what: str = "the data period", hint: str = ""
) -> pa.Check:
    return pa.Check.in_range(
        pd.Timestamp(lo), pd.Timestamp(hi), error=f"date outside {what} ({lo} to {hi}){hint}"
    )


def _flag(name: str) -> Col:
    return Col(name, "flag", checks=(_isin([0, 1], "must be 0 or 1"),))


def _sex() -> Col:
    return Col("sex", checks=(_isin(SEXES, "sex must be M or F"),))


def _bng_columns() -> tuple:
    """``easting`` and ``northing`` columns: metres inside the British National Grid."""
    return (
        Col("easting", "float", checks=(_range(BNG_BOUNDS[0], BNG_BOUNDS[2],
            "easting outside British National Grid (0-700000 m)"),)),
        Col("northing", "float", checks=(_range(BNG_BOUNDS[1], BNG_BOUNDS[3],
            "northing outside British National Grid (0-1300000 m)"),)),
    )  # fmt: skip


def _ward(ctx: Context, name: str = "ward_code") -> Col:
    return Col(name, checks=(_isin(ctx.ward_codes, ctx.ward_rule()),))


def _count(name: str, required: bool = True) -> Col:
    return Col(name, "int", required, (_range(0, 10**9, "count must be a non-negative number"),))


def _years(ctx: Context) -> pa.Check:
    lo, hi = ctx.start.year, ctx.end.year
    return _range(lo, hi, f"year outside the data period ({lo} to {hi}){ctx.hint}")


def _num_le_den(num: str = "numerator", den: str = "denominator") -> tuple:
    return (
        (num, den),
        pa.Check(
            lambda d: ~(d[num] > d[den]),
            error=f"{num} is above {den} ({num} must not exceed {den})",
            name=f"{num}<={den}",
        ),
    )


def _fy_in(ctx: Context) -> pa.Check:
    lo, hi = ctx.period[0].year, ctx.period[1].year
    return pa.Check(
        lambda s: pd.to_numeric(s.str.slice(0, 4), errors="coerce").between(lo, hi),
        element_wise=False,
        error=f"financial year outside the data period ({ctx.period[0].fy} to {ctx.period[1].fy}){ctx.hint}",
        ignore_na=True,
    )


def _period_in(ctx: Context) -> pa.Check:
    lo, hi = str(ctx.period[0]), str(ctx.period[1])
    return pa.Check(
        lambda s: s.str.match(PERIOD_PATTERN) & (s >= lo) & (s <= hi),
        error=f"period must be YYYYQn inside the data period ({lo} to {hi}){ctx.hint}",
    )


def spec(name: str, ctx: Context) -> TableSpec:
    """The schema of the raw table ``name`` (a file stem of ``docs/data_contract.md``)."""
    late = ctx.end + datetime.timedelta(days=365)
    icd = _matches(
        ICD10_PATTERN, "not an ICD-10 code (a letter, two digits, optional 4th character)"
    )
    specs = {
        "area_committees": TableSpec(name, (_ward(ctx), Col("area_committee")), key=("ward_code",)),
        "wellness_centres": TableSpec(
            name,
            (
                Col(
                    "centre_id",
                    checks=(_matches(r"^WC\d+$", "centre_id must be WC followed by a number"),),
                ),
                Col("centre_name"),
                _ward(ctx),
                *_bng_columns(),
                Col(
                    "opened",
                    "date",
                    required=False,
                    checks=(
                        _date_in(
                            datetime.date(1900, 1, 1),
                            late,
                            "the years 1900 to one year after the data period",
                        ),
                    ),
                ),
            ),
            key=("centre_id",),
        ),
        "imd_ward": TableSpec(
            name,
            (_ward(ctx),)
            + tuple(
                Col(c, "float", checks=(_range(0, 100, "IMD score must be between 0 and 100"),))
                for c in ("imd2004_score", "imd2007_score", "imd2010_score")
            ),
            key=("ward_code",),
        ),
        "mid_year_estimates": TableSpec(
            name,
            (
                Col("year", "int", checks=(_years(ctx),)),
                _ward(ctx),
                _sex(),
                Col(
                    "age_band",
                    checks=(
                        _isin(
                            ESP2013_BANDS,
                            "age_band must be an ESP 2013 band (0-4, 5-9, ..., 85-89, 90+)",
                        ),
                    ),
                ),
                _count("population"),
            ),
            key=("year", "ward_code", "sex", "age_band"),
        ),
        "deaths": TableSpec(
            name,
            (
                Col("year", "int", checks=(_years(ctx),)),
                _ward(ctx),
                _sex(),
                Col(
                    "age_band_le",
                    checks=(
                        _isin(
                            LE_BANDS,
                            "age_band_le must be a life-table band (0, 1-4, 5-9, ..., 85-89, 90+)",
                        ),
                    ),
                ),
                _count("deaths"),
                _count("population"),
            ),
            key=("year", "ward_code", "sex", "age_band_le"),
            frame_checks=(_num_le_den("deaths", "population"),),
        ),
        "admissions": TableSpec(
            name,
            (
                Col("episode_id"),
                Col("patient_id"),
                Col(
                    "admission_date", "date", checks=(_date_in(ctx.start, ctx.end, hint=ctx.hint),)
                ),
                Col("age", "int", checks=(_range(0, 105, "age must be 0 to 105"),)),
                _sex(),
                _ward(ctx),
                Col("diag_01", checks=(icd,)),
            )
            + tuple(Col(f"diag_{i:02d}", required=False, checks=(icd,)) for i in range(2, 7)),
            key=("episode_id",),
        ),
        "incidents": TableSpec(
            name,
            (
                Col("incident_id"),
                Col("date", "date", checks=(_date_in(ctx.start, ctx.end, hint=ctx.hint),)),
                Col("hour", "int", checks=(_range(0, 23, "hour must be 0 to 23"),)),
                Col("offence_group"),
                _flag("alcohol_flag"),
                *_bng_columns(),
            ),
            key=("incident_id",),
        ),
        "referrals": TableSpec(
            name,
            (
                Col("referral_id"),
                Col("referral_date", "date", checks=(_date_in(ctx.start, ctx.end, hint=ctx.hint),)),
                Col("practice_code"),
                Col(
                    "age_band",
                    checks=(
                        _isin(
                            REFERRAL_BANDS, f"age_band must be one of {', '.join(REFERRAL_BANDS)}"
                        ),
                    ),
                ),
                _sex(),
                _ward(ctx),
                Col("reason"),
                Col(
                    "centre_id",
                    checks=(
                        _isin(
                            ctx.centre_ids,
                            f"not a centre_id of wellness_centres.csv ({', '.join(sorted(ctx.centre_ids)) or 'none'})",
                        ),
                    ),
                ),
                _flag("took_up"),
                Col(
                    "first_attendance_date",
                    "date",
                    required=False,
                    checks=(_date_in(ctx.start, late, "the data period plus one year", ctx.hint),),
                ),
                _count("sessions_attended"),
                _flag("completed_12wk"),
                Col(
                    "bmi_change",
                    "float",
                    required=False,
                    checks=(_range(-30, 30, "bmi_change must be between -30 and 30 kg/m2"),),
                ),
            ),
            key=("referral_id",),
            frame_checks=(
                (
                    ("first_attendance_date", "referral_date"),
                    pa.Check(
                        lambda d: ~(d["first_attendance_date"] < d["referral_date"]),
                        error="first_attendance_date is before referral_date",
                        name="first_attendance_date",
                    ),
                ),
                (
                    ("took_up", "first_attendance_date"),
                    pa.Check(
                        lambda d: (d["took_up"] == 1) == d["first_attendance_date"].notna(),
                        error="first_attendance_date must be given when took_up is 1 and empty when it is 0",
                        name="first_attendance_date",
                    ),
                ),
                (
                    ("completed_12wk", "took_up"),
                    pa.Check(
                        lambda d: ~((d["completed_12wk"] == 1) & (d["took_up"] == 0)),
                        error="completed_12wk is 1 but took_up is 0",
                        name="completed_12wk",
                    ),
                ),
            ),
        ),
        "returns": TableSpec(
            name,
            (
                Col(
                    "indicator_code",
                    checks=(
                        _matches(
                            r"^[A-Za-z][A-Za-z0-9_.-]*$",
                            "indicator_code must start with a letter (e.g. NI39)",
                        ),
                    ),
                ),
                Col("period", checks=(_period_in(ctx),)),
                Col(
                    "area_code",
                    checks=(
                        _isin(
                            ctx.area_codes,
                            f"area_code must be the district ({ctx.lad_code}) or one of its wards",
                        ),
                    ),
                ),
                Col("value", "float"),
                Col(
                    "numerator",
                    "float",
                    required=False,
                    checks=(_range(0, np.inf, "numerator must not be negative"),),
                ),
                Col(
                    "denominator",
                    "float",
                    required=False,
                    checks=(_range(0, np.inf, "denominator must not be negative"),),
                ),
                Col(
                    "submitted_on",
                    "date",
                    checks=(_date_in(ctx.start, late, "the data period plus one year", ctx.hint),),
                ),
                Col("submitted_by"),
            ),
            # a later submitted_on for the same indicator, period and area is a correction (the build
            # keeps the latest and logs the replaced value); the same date twice is a duplicate
            key=("indicator_code", "period", "area_code", "submitted_on"),
            frame_checks=(_num_le_den(),),
        ),
        "decisions": TableSpec(
            name,
            (
                Col("meeting_quarter", checks=(_period_in(ctx),)),
                Col(
                    "indicator_code",
                    checks=(
                        (
                            _isin(
                                ctx.indicator_codes,
                                "not an indicator of the registry (indicators.yml); decisions "
                                "name a registered indicator code, e.g. NI39",
                            ),
                        )
                        if ctx.indicator_codes
                        else ()
                    ),
                ),
                Col(
                    "area_code",
                    required=False,
                    optional=True,
                    checks=(
                        _isin(
                            ctx.area_codes,
                            f"area_code must be the district ({ctx.lad_code}) or one of its wards",
                        ),
                    ),
                ),
                Col("decision"),
                Col("lead_partner"),
                Col("review_quarter", required=False, optional=True, checks=(_period_in(ctx),)),
            ),
            key=("meeting_quarter", "indicator_code", "area_code"),
            frame_checks=(
                (
                    ("meeting_quarter", "review_quarter"),
                    pa.Check(
                        lambda d: (
                            d["review_quarter"].isna()
                            | (d["review_quarter"].astype(str) >= d["meeting_quarter"].astype(str))
                        ),
                        error="review_quarter is before meeting_quarter (a review comes after the "
                        "meeting that decided)",
                        name="review_quarter",
                    ),
                ),
            ),
        ),
        "targets": TableSpec(
            name,
            (
                Col("indicator_code"),
                Col(
                    "financial_year",
                    checks=(
                        _matches(FY_PATTERN, "financial_year must be YYYY-YY, e.g. 2009-10"),
                        _fy_in(ctx),
                    ),
                ),
                Col(
                    "area_code",
                    checks=(
                        _isin(
                            ctx.area_codes,
                            f"area_code must be the district ({ctx.lad_code}) or one of its wards",
                        ),
                    ),
                ),
                Col("target", "float"),
            ),
            key=("indicator_code", "financial_year", "area_code"),
        ),
        "comparators": TableSpec(
            name,
            (
                Col("indicator_code"),
                Col("period", required=False, checks=(_period_in(ctx),)),
                Col(
                    "financial_year",
                    required=False,
                    checks=(
                        _matches(FY_PATTERN, "financial_year must be YYYY-YY, e.g. 2009-10"),
                        _fy_in(ctx),
                    ),
                ),
                Col("comparator"),
                Col("value", "float"),
                Col(
                    "status",
                    required=False,
                    optional=True,
                    checks=(_isin(("found", "estimated"), "status must be found or estimated"),),
                ),
            ),
            key=("indicator_code", "period", "financial_year", "comparator"),
            frame_checks=(
                (
                    ("period", "financial_year"),
                    pa.Check(
                        lambda d: d["period"].notna() | d["financial_year"].notna(),
                        error="each row needs a period or a financial_year",
                        name="period",
                    ),
                ),
            ),
            either=(("period", "financial_year"),),
        ),
    }
    if name not in specs:
        raise KeyError(f"no schema for raw table {name!r}; known: {', '.join(sorted(specs))}")
    return specs[name]


TABLE_NAMES = (
    "area_committees",
    "wellness_centres",
    "imd_ward",
    "mid_year_estimates",
    "deaths",
    "admissions",
    "incidents",
    "referrals",
    "returns",
    "targets",
    "comparators",
    "decisions",
)


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
        ok = text[retry].str.match(_DATE_TEXT.pattern).fillna(False).astype(bool)
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
        Its schema, from :func:`spec`.
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
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(file, int(rownum[i]), col.name, _kind_rule(col.kind), raw[col.name].iloc[i])
            )
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
