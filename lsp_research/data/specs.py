"""The schema of each raw table of ``docs/data_contract.md``: columns, types, value rules and keys.

:func:`~lsp_research.data.sources.spec` gives a table's :class:`TableSpec` for a build's
:class:`Context` (its ward codes, district and data period), from the function here that each
source's declaration (:mod:`.sources`) names for the table; :mod:`.schemas` validates a table
against it.

>>> [c.name for c in area_committees("area_committees", Context()).columns]
['ward_code', 'area_committee']
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..config import ESP2013_BANDS, LAD_CODE
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

#: A date written as text: ``YYYY-MM-DD``, optionally with a midnight time.
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00(?:\.0+)?)?)?$")


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
    #: (LSOA code, ward code) of the district's LSOAs, from an LSOA-to-ward lookup (empty: none given).
    lsoa_wards: tuple = ()

    @property
    def start(self) -> datetime.date:
        """The first day of the period."""
        return self.period[0].start

    @property
    def end(self) -> datetime.date:
        """The last day of the period."""
        return self.period[1].end

    @property
    def area_codes(self) -> frozenset:
        """Codes an indicator return may be for: the district and its wards."""
        return self.ward_codes | {self.lad_code}

    def ward_rule(self) -> str:
        """The rule a ward code must follow, in words (for error messages)."""
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
        """The pandas dtype of the column's type."""
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
        """The column names, in order."""
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


def isin(values, rule: str) -> pa.Check:
    """A column's rule: one of ``values`` (``rule`` is the message when a value is not)."""
    return pa.Check.isin(sorted(values), error=rule)


def _range(lo, hi, rule: str) -> pa.Check:
    return pa.Check.in_range(lo, hi, error=rule)


def _matches(pattern: str, rule: str) -> pa.Check:
    return pa.Check.str_matches(pattern, error=rule)


def date_in(
    lo: datetime.date, hi: datetime.date, what: str = "the data period", hint: str = ""
) -> pa.Check:
    """A date column's rule: between ``lo`` and ``hi`` (``what`` and ``hint`` go in the message)."""
    return pa.Check.in_range(
        pd.Timestamp(lo), pd.Timestamp(hi), error=f"date outside {what} ({lo} to {hi}){hint}"
    )


def _flag(name: str) -> Col:
    return Col(name, "flag", checks=(isin([0, 1], "must be 0 or 1"),))


def _sex() -> Col:
    return Col("sex", checks=(isin(SEXES, "sex must be M or F"),))


def _bng_columns() -> tuple:
    """``easting`` and ``northing`` columns: metres inside the British National Grid."""
    return (
        Col("easting", "float", checks=(_range(BNG_BOUNDS[0], BNG_BOUNDS[2],
            "easting outside British National Grid (0-700000 m)"),)),
        Col("northing", "float", checks=(_range(BNG_BOUNDS[1], BNG_BOUNDS[3],
            "northing outside British National Grid (0-1300000 m)"),)),
    )  # fmt: skip


def ward_col(ctx: Context, name: str = "ward_code") -> Col:
    """A ward code column: one of the boundary file's wards."""
    return Col(name, checks=(isin(ctx.ward_codes, ctx.ward_rule()),))


def count_col(name: str, required: bool = True) -> Col:
    """A count column: a whole number, not negative."""
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


def _late(ctx: Context) -> datetime.date:
    """One year after the data period: the latest date a late record may carry."""
    return ctx.end + datetime.timedelta(days=365)


def _icd() -> pa.Check:
    return _matches(
        ICD10_PATTERN, "not an ICD-10 code (a letter, two digits, optional 4th character)"
    )


def _area_col(ctx: Context, **kw) -> Col:
    """An ``area_code`` column: the district or one of its wards."""
    rule = f"area_code must be the district ({ctx.lad_code}) or one of its wards"
    return Col("area_code", checks=(isin(ctx.area_codes, rule),), **kw)


def _fy_col(ctx: Context, required: bool = True) -> Col:
    """A ``financial_year`` column: ``YYYY-YY`` inside the data period."""
    fy = _matches(FY_PATTERN, "financial_year must be YYYY-YY, e.g. 2009-10")
    return Col("financial_year", required=required, checks=(fy, _fy_in(ctx)))


def _pattern_col(name: str, pattern: str, rule: str) -> Col:
    """A text column whose values match ``pattern``."""
    return Col(name, checks=(_matches(pattern, rule),))


def _band_col(name: str, bands, rule: str) -> Col:
    """An age band column: one of ``bands``."""
    return Col(name, checks=(isin(bands, rule),))


def _by_ward_and_band(name: str, ctx: Context, band: Col, counts: tuple, **kw) -> TableSpec:
    """A table of counts by year, ward, sex and age band (one row each)."""
    year = Col("year", "int", checks=(_years(ctx),))
    cols = (year, ward_col(ctx), _sex(), band, *(count_col(c) for c in counts))
    return TableSpec(name, cols, key=("year", "ward_code", "sex", band.name), **kw)


def area_committees(name: str, ctx: Context) -> TableSpec:
    """Each ward's area committee (``geography/area_committees.csv``)."""
    return TableSpec(name, (ward_col(ctx), Col("area_committee")), key=("ward_code",))


def wellness_centres(name: str, ctx: Context) -> TableSpec:
    """The wellness centres: ids, names, wards and locations (``geography/wellness_centres.csv``)."""
    late = _late(ctx)
    return TableSpec(
        name,
        (
            _pattern_col("centre_id", r"^WC\d+$", "centre_id must be WC followed by a number"),
            Col("centre_name"),
            ward_col(ctx),
            *_bng_columns(),
            Col(
                "opened",
                "date",
                required=False,
                checks=(
                    date_in(
                        datetime.date(1900, 1, 1),
                        late,
                        "the years 1900 to one year after the data period",
                    ),
                ),
            ),
        ),
        key=("centre_id",),
    )


def imd_ward(name: str, ctx: Context) -> TableSpec:
    """Each ward's IMD 2004, 2007 and 2010 scores (``deprivation/imd_ward.csv``)."""
    return TableSpec(
        name,
        (ward_col(ctx),)
        + tuple(
            Col(c, "float", checks=(_range(0, 100, "IMD score must be between 0 and 100"),))
            for c in ("imd2004_score", "imd2007_score", "imd2010_score")
        ),
        key=("ward_code",),
    )


def mid_year_estimates(name: str, ctx: Context) -> TableSpec:
    """Ward mid-year population by sex and ESP 2013 age band (``population/mid_year_estimates.csv``)."""
    rule = "age_band must be an ESP 2013 band (0-4, 5-9, ..., 85-89, 90+)"
    return _by_ward_and_band(name, ctx, _band_col("age_band", ESP2013_BANDS, rule), ("population",))


def deaths(name: str, ctx: Context) -> TableSpec:
    """Deaths and population by ward, sex and life-table band (``mortality/deaths.csv``)."""
    rule = "age_band_le must be a life-table band (0, 1-4, 5-9, ..., 85-89, 90+)"
    return _by_ward_and_band(
        name,
        ctx,
        _band_col("age_band_le", LE_BANDS, rule),
        ("deaths", "population"),
        frame_checks=(_num_le_den("deaths", "population"),),
    )


def admissions(name: str, ctx: Context) -> TableSpec:
    """Hospital admission episodes with ICD-10 diagnoses (``hospital/admissions.csv.gz``)."""
    icd = _icd()
    return TableSpec(
        name,
        (
            Col("episode_id"),
            Col("patient_id"),
            Col("admission_date", "date", checks=(date_in(ctx.start, ctx.end, hint=ctx.hint),)),
            Col("age", "int", checks=(_range(0, 105, "age must be 0 to 105"),)),
            _sex(),
            ward_col(ctx),
            Col("diag_01", checks=(icd,)),
        )
        + tuple(Col(f"diag_{i:02d}", required=False, checks=(icd,)) for i in range(2, 7)),
        key=("episode_id",),
    )


def incidents(name: str, ctx: Context) -> TableSpec:
    """Police incidents with their time and location (``police/incidents.csv.gz``)."""
    return TableSpec(
        name,
        (
            Col("incident_id"),
            Col("date", "date", checks=(date_in(ctx.start, ctx.end, hint=ctx.hint),)),
            Col("hour", "int", checks=(_range(0, 23, "hour must be 0 to 23"),)),
            Col("offence_group"),
            _flag("alcohol_flag"),
            *_bng_columns(),
        ),
        key=("incident_id",),
    )


def referrals(name: str, ctx: Context) -> TableSpec:
    """Wellness referrals and their outcomes (``wellness/referrals.csv.gz``)."""
    late = _late(ctx)
    return TableSpec(
        name,
        (
            Col("referral_id"),
            Col("referral_date", "date", checks=(date_in(ctx.start, ctx.end, hint=ctx.hint),)),
            Col("practice_code"),
            _band_col(
                "age_band", REFERRAL_BANDS, f"age_band must be one of {', '.join(REFERRAL_BANDS)}"
            ),
            _sex(),
            ward_col(ctx),
            Col("reason"),
            Col(
                "centre_id",
                checks=(
                    isin(
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
                checks=(date_in(ctx.start, late, "the data period plus one year", ctx.hint),),
            ),
            count_col("sessions_attended"),
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
    )


def returns(name: str, ctx: Context) -> TableSpec:
    """Partners' indicator returns, one figure per indicator, period and area (``indicators/returns.csv``)."""
    late = _late(ctx)
    return TableSpec(
        name,
        (
            _pattern_col(
                "indicator_code",
                r"^[A-Za-z][A-Za-z0-9_.-]*$",
                "indicator_code must start with a letter (e.g. NI39)",
            ),
            Col("period", checks=(_period_in(ctx),)),
            _area_col(ctx),
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
                checks=(date_in(ctx.start, late, "the data period plus one year", ctx.hint),),
            ),
            Col("submitted_by"),
        ),
        # a later submitted_on for the same indicator, period and area is a correction (the build
        # keeps the latest and logs the replaced value); the same date twice is a duplicate
        key=("indicator_code", "period", "area_code", "submitted_on"),
        frame_checks=(_num_le_den(),),
    )


def decisions(name: str, ctx: Context) -> TableSpec:
    """The Board's decisions on flagged indicators (``board/decisions.csv``)."""
    return TableSpec(
        name,
        (
            Col("meeting_quarter", checks=(_period_in(ctx),)),
            Col(
                "indicator_code",
                checks=(
                    (
                        isin(
                            ctx.indicator_codes,
                            "not an indicator of the registry (indicators.yml); decisions "
                            "name a registered indicator code, e.g. NI39",
                        ),
                    )
                    if ctx.indicator_codes
                    else ()
                ),
            ),
            _area_col(ctx, required=False, optional=True),
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
    )


def targets(name: str, ctx: Context) -> TableSpec:
    """Indicator targets by financial year and area (``indicators/targets.csv``)."""
    return TableSpec(
        name,
        (
            Col("indicator_code"),
            _fy_col(ctx),
            _area_col(ctx),
            Col("target", "float"),
        ),
        key=("indicator_code", "financial_year", "area_code"),
    )


def comparators(name: str, ctx: Context) -> TableSpec:
    """Comparator figures (England, the region) by period or financial year (``indicators/comparators.csv``)."""
    return TableSpec(
        name,
        (
            Col("indicator_code"),
            Col("period", required=False, checks=(_period_in(ctx),)),
            _fy_col(ctx, required=False),
            Col("comparator"),
            Col("value", "float"),
            Col(
                "status",
                required=False,
                optional=True,
                checks=(isin(("found", "estimated"), "status must be found or estimated"),),
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
    )
