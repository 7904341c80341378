"""Per-source transforms of a build: the contract's raw tables -> the processed tables.

Each source's declaration (:mod:`.sources`) names its transform: a function of :class:`UnitData`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import CRS_BNG
from ..errors import Problem
from ..geo import assign_ward, points_from_xy
from .corrections import resolve_corrections
from .lsoa import imd_ward_from_lsoa
from .schemas import RETURN_DUE_DAYS, Context
from .units import SNAP_M


def _need(tables: dict, name: str, source: str, label: str, problems: list[Problem]):
    if name not in tables:
        problems.append(
            Problem(
                label, None, None, f"source '{source}' has no {name} table (no valid file holds it)"
            )
        )
        return None
    frames = tables[name]
    if len(frames) == 1:
        return frames[0]
    if isinstance(frames[0], gpd.GeoDataFrame):
        problems.append(
            Problem(label, None, None, f"source '{source}' has more than one boundary file")
        )
        return None
    return pd.concat(frames, ignore_index=True)


def _cross_file_duplicates(df: pd.DataFrame, key: list[str]) -> list[Problem]:
    """Duplicated keys between different files of one table (duplicates within a file are already found)."""
    if "_file" not in df.columns or df["_file"].nunique() < 2:
        return []
    k = df[key].astype("str").fillna("")
    dup = k.duplicated(keep=False)
    problems = []
    if dup.any():
        first: dict = {}
        for idx in np.flatnonzero(dup.to_numpy()):
            tup = tuple(k.iloc[idx])
            f, r = df["_file"].iloc[idx], int(df["_row"].iloc[idx])
            if tup in first and first[tup][0] != f:
                problems.append(
                    Problem(
                        f,
                        r,
                        ", ".join(key),
                        f"duplicated row: same {', '.join(key)} as {first[tup][0]} row {first[tup][1]}"
                        " (one figure must come from one file: remove it from one of them, or, for a "
                        "Fingertips download, set 'comparators: false' or 'returns: false' on its "
                        "catalogue entry)",
                        ", ".join(tup),
                    )
                )
            first.setdefault(tup, (f, r))
    return problems


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in ("_file", "_row") if c in df.columns]).reset_index(drop=True)


def add_periods(df: pd.DataFrame, date_col: str) -> pd.DataFrame:
    """Add ``period`` (``YYYYQn``) and ``financial_year`` (start year, int) from a date column.

    >>> d = pd.DataFrame({"date": pd.to_datetime(["2009-03-31", "2009-04-01", "2010-01-15"])})
    >>> add_periods(d, "date")[["period", "financial_year"]].values.tolist()
    [['2008Q4', 2008], ['2009Q1', 2009], ['2009Q4', 2009]]
    """
    dates = df[date_col]
    month, year = dates.dt.month, dates.dt.year
    fy = (year - (month < 4).astype("int64")).astype("int64")
    q = (((month - 4) % 12) // 3 + 1).astype("int64")
    out = df.copy()
    out["period"] = (fy.astype("str") + "Q" + q.astype("str")).astype("str")
    out["financial_year"] = fy
    return out


def age_band_of(age: pd.Series) -> pd.Series:
    """ESP 2013 5-year band of an age in years.

    >>> age_band_of(pd.Series([0, 4, 5, 89, 90, 104])).tolist()
    ['0-4', '0-4', '5-9', '85-89', '90+', '90+']
    """
    lo = (age.astype("int64") // 5 * 5).clip(upper=90)
    return pd.Series(
        np.where(lo >= 90, "90+", lo.astype("str") + "-" + (lo + 4).astype("str")),
        index=age.index,
        dtype="str",
    )


def due_date(period: pd.Series) -> pd.Series:
    """Due date of a quarterly return: six weeks after its quarter ends.

    >>> due_date(pd.Series(["2009Q3", "2009Q4"])).dt.date.tolist()
    [datetime.date(2010, 2, 11), datetime.date(2010, 5, 12)]
    """
    fy = period.str.slice(0, 4).astype("int64")
    q = period.str.slice(5, 6).astype("int64")
    month = (q * 3 + 3) % 12 + 1  # month after the quarter ends
    year = fy + (q >= 3).astype("int64")
    first = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    return (first - pd.Timedelta(days=1) + pd.Timedelta(days=RETURN_DUE_DAYS)).astype(
        "datetime64[ns]"
    )


# ---------------------------------------------------------------------------------------------------
# per-unit transforms: contract raw tables -> processed tables


def geography_tables(
    tables: dict, ctx: Context, problems: list[Problem], labels: dict
) -> dict[str, pd.DataFrame]:
    """The processed geography tables (wards, area committees, deprivation, centres) from the raw ones."""
    wards = _need(
        tables, "boundaries", "geography", labels.get("boundaries", "geography"), problems
    )
    ac = _need(
        tables, "area_committees", "geography", labels.get("area_committees", "geography"), problems
    )
    if "imd_ward" not in tables and "imd_lsoa" in tables and "lsoa_ward" in tables:
        tables = {**tables, **_imd_from_lsoa(tables, ctx, problems, labels)}
    imd = _need(tables, "imd_ward", "deprivation", labels.get("imd_ward", "deprivation"), problems)
    wc = _need(
        tables,
        "wellness_centres",
        "geography",
        labels.get("wellness_centres", "geography"),
        problems,
    )
    if wards is None or ac is None or imd is None or wc is None:
        return {}
    codes = list(wards["ward_code"])
    for name, df in (("area_committees", ac), ("imd_ward", imd)):
        have = set(df["ward_code"].dropna())
        for code in codes:
            if code not in have:
                problems.append(
                    Problem(
                        labels.get(name, name),
                        None,
                        "ward_code",
                        f"no row for ward {code} of the boundary file (every ward needs one)",
                    )
                )
    out = wards[["ward_code", "ward_name", "lad_code", "geometry"]].copy()
    out["lad_code"] = out["lad_code"].fillna(ctx.lad_code).astype("str")
    out = out.merge(_clean(ac), on="ward_code", how="left").merge(
        _clean(imd), on="ward_code", how="left"
    )
    score = out["imd2007_score"]
    rank = score.rank(ascending=False, method="first")
    # quintile 1 = the most deprived fifth of the district's wards (highest score)
    out["imd_quintile"] = (
        (np.floor((rank - 1) * 5 / len(out)) + 1).clip(1, 5).fillna(0).astype("int64")
    )
    out["area_km2"] = out.geometry.area / 1e6
    cols = [
        "ward_code", "ward_name", "lad_code", "area_committee", "imd2004_score", "imd2007_score",
        "imd2010_score", "imd_quintile", "area_km2", "geometry",
    ]  # fmt: skip
    out = gpd.GeoDataFrame(out[cols], geometry="geometry", crs=CRS_BNG)
    wc = _clean(wc)
    centres = points_from_xy(wc["easting"], wc["northing"], data=wc)
    centres = centres[
        ["centre_id", "centre_name", "ward_code", "opened", "easting", "northing", "geometry"]
    ]
    return {"wards": out, "centres": centres.sort_values("centre_id").reset_index(drop=True)}


def _imd_from_lsoa(tables: dict, ctx: Context, problems: list[Problem], labels: dict) -> dict:
    """``imd_ward`` made from LSOA scores and the LSOA-to-ward lookup (see :mod:`.lsoa`)."""
    imd, look = pd.concat(tables["imd_lsoa"]), pd.concat(tables["lsoa_ward"])
    got, p = imd_ward_from_lsoa(imd, look, ctx, labels)
    problems.extend(p)
    return {"imd_ward": [got]} if got is not None else {}


def _incident_table(df: pd.DataFrame, wards, problems: list[Problem]) -> pd.DataFrame:
    """Police incidents placed in their wards (a problem for each outside every ward), with periods."""
    pts = points_from_xy(df["easting"].fillna(0), df["northing"].fillna(0), data=df)
    pts = assign_ward(pts, wards, snap_m=SNAP_M)
    outside = pts["ward_code"].isna() & df["easting"].notna() & df["northing"].notna()
    if "lsoa_ward" in pts.columns:  # police.uk: no location, or outside -> the LSOA's ward
        fallback = pts["ward_code"].isna() & pts["lsoa_ward"].notna()
        pts.loc[fallback, "ward_code"] = pts.loc[fallback, "lsoa_ward"]
        outside = outside & ~fallback
        pts = pts.drop(columns="lsoa_ward")
    for f, r, x, y in df.loc[
        outside.to_numpy(), ["_file", "_row", "easting", "northing"]
    ].to_numpy():
        problems.append(
            Problem(
                f,
                int(r),
                "easting, northing",
                f"location is outside every ward of the boundary file (more than {SNAP_M:.0f} m away)",
                f"{x:.0f}, {y:.0f}",
            )
        )
    return add_periods(_clean(pd.DataFrame(pts.drop(columns="geometry"))), "date")


@dataclass
class UnitData:
    """What a source's transform is given: its validated raw tables and where to put problems.

    ``tables`` maps each raw table to the frames of the files holding it; ``labels`` names the file
    each came from; ``geo`` holds the geography unit's processed tables (``wards``, ``centres``);
    ``meetings`` the quarters the indicator returns reach (for the Board's decisions).
    """

    name: str
    tables: dict
    ctx: Context
    geo: dict
    problems: list[Problem]
    labels: dict
    warnings: list[Problem] = field(default_factory=list)
    meetings: list[str] | None = None

    def need(self, table: str) -> pd.DataFrame | None:
        """The raw table ``table`` (its files' frames joined), or None with a problem when no file holds it."""
        return _need(
            self.tables, table, self.name, self.labels.get(table, self.name), self.problems
        )


def tidy(
    raw: str, processed: str, *, date: str | None = None, key: tuple[str, ...] = ()
) -> Callable[[UnitData], dict]:
    """The usual transform: the raw table ``raw`` as the processed table ``processed``.

    The bookkeeping columns go; with ``date``, ``period`` and ``financial_year`` are added from that
    date column (:func:`add_periods`); with ``key``, a key repeated between two files is a problem.

    >>> raw = pd.DataFrame({"id": ["a", "b"], "day": pd.to_datetime(["2009-04-01", "2010-01-15"]),
    ...                     "_file": "x.csv", "_row": [2, 3]})
    >>> u = UnitData("x", {"x": [raw]}, Context(), {}, [], {})
    >>> tidy("x", "x_table", date="day")(u)["x_table"][["id", "period"]].values.tolist()
    [['a', '2009Q1'], ['b', '2009Q4']]
    """

    def made(u: UnitData) -> dict:
        df = u.need(raw)
        if df is None:
            return {}
        if key:
            u.problems.extend(_cross_file_duplicates(df, list(key)))
        return {processed: add_periods(_clean(df), date) if date else _clean(df)}

    return made


def admission_tables(u: UnitData) -> dict:
    """Hospital admissions with periods and each patient's ESP 2013 age band."""
    df = u.need("admissions")
    if df is None:
        return {}
    df = add_periods(_clean(df), "admission_date")
    df["age_band"] = age_band_of(df["age"]) if df["age"].dtype == "int64" else pd.NA
    return {"admissions": df}


def incident_tables(u: UnitData) -> dict:
    """Police incidents placed in their wards (needs the geography unit's ``wards``)."""
    df = u.need("incidents")
    if df is None or "wards" not in u.geo:
        return {}
    return {"incidents": _incident_table(df, u.geo["wards"], u.problems)}


def board_tables(u: UnitData) -> dict:
    """The Board's decisions (none is an empty table: the file is optional)."""
    frames = u.tables.get("decisions")
    df = pd.concat(frames, ignore_index=True) if frames else _empty_decisions()
    df["area_code"] = df["area_code"].fillna(u.ctx.lad_code).astype("str")
    u.problems.extend(
        _cross_file_duplicates(df, ["meeting_quarter", "indicator_code", "area_code"])
    )
    u.problems.extend(_decisions_after_meetings(df, u.meetings))
    return {"board_decisions": _clean(df)}


def indicator_tables(u: UnitData) -> dict:
    """The indicator unit's tables: returns with corrections resolved, targets and comparators."""
    return _indicator_tables(u.tables, u.ctx, u.problems, u.warnings, u.need("returns"))


def _indicator_tables(
    tables: dict, ctx: Context, problems: list[Problem], warnings: list[Problem], ret
) -> dict:
    """The indicator unit's tables (``ret``: the returns, None when there are none)."""
    tgt, cmp_ = tables.get("targets"), tables.get("comparators")
    out = {}
    if ret is not None:
        ret, corrections, dup_problems = resolve_corrections(ret)
        problems.extend(dup_problems)
        warnings.extend(_unknown_indicators(ret, ctx))
        ret = _clean(ret)
        late = (ret["submitted_on"] - due_date(ret["period"].fillna("2000Q1"))).dt.days
        ret["days_late"] = late.astype("Int64")
        out["indicator_returns"] = ret
        out["indicator_corrections"] = corrections
    tgt = pd.concat(tgt, ignore_index=True) if tgt else None
    cmp_ = pd.concat(cmp_, ignore_index=True) if cmp_ else None
    if tgt is not None:
        problems.extend(
            _cross_file_duplicates(tgt, ["indicator_code", "financial_year", "area_code"])
        )
    if cmp_ is not None:
        problems.extend(
            _cross_file_duplicates(
                cmp_, ["indicator_code", "period", "financial_year", "comparator"]
            )
        )
    empty_t = pd.DataFrame(
        {
            "indicator_code": pd.Series(dtype="str"),
            "financial_year": pd.Series(dtype="str"),
            "area_code": pd.Series(dtype="str"),
            "target": pd.Series(dtype="float64"),
        }
    )
    empty_c = pd.DataFrame(
        {
            "indicator_code": pd.Series(dtype="str"),
            "period": pd.Series(dtype="str"),
            "financial_year": pd.Series(dtype="str"),
            "comparator": pd.Series(dtype="str"),
            "value": pd.Series(dtype="float64"),
            "status": pd.Series(dtype="str"),
        }
    )
    out["indicator_targets"] = _clean(tgt) if tgt is not None else empty_t
    out["indicator_comparators"] = _clean(cmp_) if cmp_ is not None else empty_c
    return out


def _empty_decisions() -> pd.DataFrame:
    cols = ("meeting_quarter", "indicator_code", "area_code", "decision", "lead_partner")
    out = pd.DataFrame({c: pd.Series(dtype="str") for c in (*cols, "review_quarter", "_file")})
    out["_row"] = pd.Series(dtype="int64")
    return out


def _unknown_indicators(ret: pd.DataFrame, ctx: Context) -> list[Problem]:
    """Warnings for returns whose indicator is not in the registry (they are kept, and routed back).

    >>> ret = pd.DataFrame({"indicator_code": ["NI39", "NI195"], "submitted_by": ["PCT", "Council"],
    ...                     "_file": ["r.csv", "r.csv"], "_row": [2, 3]})
    >>> print(_unknown_indicators(ret, Context(indicator_codes=frozenset({"NI39"})))[0])
    r.csv, row 3, column 'indicator_code': not an indicator of the registry (indicators.yml): the return is kept but not assessed, and routed back to its submitter (Council) in the executive report; correct the code or add the indicator to indicators.yml (got 'NI195')
    """
    if not ctx.indicator_codes or ret.empty:
        return []
    from ..performance.registry import normalise_code

    codes = ret["indicator_code"].astype(str).map(normalise_code)
    unknown = ~codes.isin(ctx.indicator_codes)
    return [
        Problem(
            str(f),
            int(r),
            "indicator_code",
            "not an indicator of the registry (indicators.yml): the return is kept but not assessed, "
            f"and routed back to its submitter ({by}) in the executive report; correct the code or "
            "add the indicator to indicators.yml",
            code,
        )
        for f, r, code, by in ret.loc[
            unknown.to_numpy(), ["_file", "_row", "indicator_code", "submitted_by"]
        ].to_numpy()
    ]


def _decisions_after_meetings(df: pd.DataFrame, meetings: list[str] | None) -> list[Problem]:
    """A decision recorded for a quarter whose meeting has not been held (no returns reach it yet)."""
    if not meetings or df.empty:
        return []
    last = max(meetings)
    bad = df["meeting_quarter"].notna() & (df["meeting_quarter"].astype(str) > last)
    return [
        Problem(
            str(f),
            int(r),
            "meeting_quarter",
            f"no meeting has been held for this quarter: the indicator returns reach {last}; a "
            "decision names the quarter of the meeting that took it",
            q,
        )
        for f, r, q in df.loc[bad.to_numpy(), ["_file", "_row", "meeting_quarter"]].to_numpy()
    ]
