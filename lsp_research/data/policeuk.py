"""police.uk street-level crime files (``police_uk``) as ``incidents``.

The monthly CSV of data.police.uk as published (``2009-12-northumbria-street.csv``): ``Crime ID, Month,
Reported by, Falls within, Longitude, Latitude, Location, LSOA code, LSOA name, Crime type, Last outcome
category, Context``. A file covers a whole force area, so only the district's rows are kept: those whose
LSOA is in the district's LSOA-to-ward lookup (an ``ons_lsoa_ward`` file of the deprivation source,
which this format needs). Each crime is placed in a ward by its location (WGS84, converted to British
National Grid) and, when it has none or it lies outside every ward, by its LSOA's ward. Its date is the
first day of its month, so it falls in the financial-year quarter of that month.

What police.uk does not publish cannot be computed from it: there is no time of day (``hour`` is empty)
and no alcohol marker (``alcohol_flag`` is empty, so the alcohol-related incident rates, hot spots and
the night-time profile count none of these crimes). Anti-social behaviour rows have no Crime ID: their
id is ``<file>#<row>``.

>>> month_start(pd.Series(["2009-12", "2010-1", "x"])).tolist()
['2009-12-01', '', '']
"""

from __future__ import annotations

import pandas as pd

from ..config import CRS_BNG, CRS_WGS84
from ..errors import Problem
from . import specs
from .schemas import Context, tag_rows, validate

POLICE_UK_COLUMNS = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)  # fmt: skip
#: The columns read (the others are kept in the file only).
NEEDED = ("Crime ID", "Month", "Longitude", "Latitude", "LSOA code", "Crime type")


def month_start(month: pd.Series) -> pd.Series:
    """``YYYY-MM`` as the ISO date of the month's first day; empty where it is not a month."""
    text = month.astype(str).str.strip()
    ok = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    return (text + "-01").where(ok, "")


def _to_bng(lon: pd.Series, lat: pd.Series) -> tuple[pd.Series, pd.Series]:
    from pyproj import Transformer  # heavy: only for police.uk files

    t = Transformer.from_crs(CRS_WGS84, CRS_BNG, always_xy=True)
    x, y = t.transform(lon.to_numpy(dtype=float), lat.to_numpy(dtype=float))
    return pd.Series(x, index=lon.index).round(1), pd.Series(y, index=lat.index).round(1)


def _spec(ctx: Context):
    """The ``incidents`` schema with what police.uk does not publish (the hour, an alcohol marker, and
    a location for some crimes) allowed to be empty.
    """
    sp = specs.incidents("incidents", ctx)
    unpublished = {
        "hour": "float",
        "alcohol_flag": "float",
        "easting": "float",
        "northing": "float",
    }
    cols = tuple(
        type(c)(c.name, unpublished[c.name], False, c.checks) if c.name in unpublished else c
        for c in sp.columns
    )
    return type(sp)(sp.name, cols, sp.key, sp.frame_checks)


def police_uk_tables(
    df: pd.DataFrame, rows, where: str, ctx: Context
) -> tuple[dict, list[Problem]]:
    """The district's crimes of a police.uk table already read (``rows``: their file rows)."""
    missing = [c for c in NEEDED if c not in df.columns]
    if missing:
        return {}, [
            Problem(where, None, c, "required police.uk column is missing (the file has: "
                    f"{', '.join(map(str, df.columns))})")
            for c in missing
        ]  # fmt: skip
    if not ctx.lsoa_wards:
        return {}, [
            Problem(where, None, "LSOA code", "a police.uk file covers a whole force area: add the ONS "
                    "LSOA-to-ward lookup (format ons_lsoa_ward) to the deprivation source so that the "
                    "district's crimes can be kept")
        ]  # fmt: skip
    lsoa_ward = dict(ctx.lsoa_wards)
    lsoa = df["LSOA code"].astype(str).str.strip()
    mine = lsoa.isin(lsoa_ward).to_numpy()
    df, rows, lsoa = df[mine], pd.Series(rows).to_numpy()[mine], lsoa[mine]
    lon = pd.to_numeric(df["Longitude"], errors="coerce")
    lat = pd.to_numeric(df["Latitude"], errors="coerce")
    east, north = _to_bng(lon.fillna(0), lat.fillna(0))
    located = lon.notna() & lat.notna()
    ids = df["Crime ID"].astype(str).str.strip()
    no_id = df["Crime ID"].isna() | ids.isin(["", "nan"])
    ids = ids.where(~no_id, [f"{where}#{r}" for r in rows])
    raw = pd.DataFrame(
        {
            "incident_id": ids,
            "date": month_start(df["Month"]),
            "hour": "",
            "offence_group": df["Crime type"],
            "alcohol_flag": "",
            "easting": east.where(located).astype(str).replace("nan", ""),
            "northing": north.where(located).astype(str).replace("nan", ""),
        }
    )
    parsed, problems = validate(raw, _spec(ctx), where, rows)
    for r, m in zip(rows, df["Month"], strict=True):
        if not month_start(pd.Series([m])).iloc[0]:
            problems.append(
                Problem(where, int(r), "Month", "Month must be YYYY-MM, e.g. 2009-12", m)
            )
    problems = [p for p in problems if not (p.column == "date" and p.rule.startswith("missing"))]
    out = tag_rows(parsed, where, rows)
    out["lsoa_ward"] = lsoa.map(lsoa_ward).to_numpy()
    return {"incidents": out}, problems
