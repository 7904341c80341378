"""Raw -> processed: validate every source, tidy it, and write Parquet atomically with a manifest.

The build is **all or nothing per source**: a source with any problem writes nothing, and its previous
tables in ``data/processed/`` stay as they were; sources without problems are written. Every problem of
every file is collected and raised at the end as one :class:`~lsp_research.errors.DataValidationError`.
The geography source (ward boundaries, area committees, wellness centres, with the deprivation scores
that the ward table carries) is checked first: every other source is checked against its ward codes,
so when it fails nothing is written at all.

**Atomic writes.** Tables are written to a temporary folder inside the processed folder (same file
system), then moved into place with :func:`os.replace`; the manifest is written last the same way. A
crash leaves either the old or the new file, never half a file.

**Incremental.** ``manifest.json`` records, for each source, a signature of its inputs (the SHA-256 of
every raw file it reads, including the geography files it is checked against, and the build version). A
source whose signature is unchanged and whose tables exist is skipped (``force=True`` rebuilds).

Raw files are only ever opened for reading.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import __version__
from ..config import CRS_BNG, DOMAIN_DIR, LAD_CODE, get_paths
from ..datalock import writing
from ..errors import DataValidationError, LspError, Problem
from ..geo import assign_ward, points_from_xy
from ..periods import Quarter
from .catalogue import SOURCES, Catalogue, load_catalogue
from .corrections import resolve_corrections
from .loaders import SOURCE_TABLES, load_file, table_of
from .schemas import RETURN_DUE_DAYS, Context

#: Bump when the processed tables change shape, so every source is rebuilt.
BUILD_VERSION = 3

#: Each build unit (a catalogue source) and the processed tables it writes. ``deprivation`` is part
#: of the ``geography`` unit because the ward table carries the IMD scores.
UNIT_TABLES = {
    "geography": ("wards", "centres"),
    "population": ("population",),
    "mortality": ("deaths",),
    "hospital": ("admissions",),
    "police": ("incidents",),
    "wellness": ("referrals",),
    "indicators": (
        "indicator_returns",
        "indicator_targets",
        "indicator_comparators",
        "indicator_corrections",
    ),
    "board": ("board_decisions",),
}
UNIT_SOURCES = {unit: (unit,) for unit in UNIT_TABLES} | {"geography": ("geography", "deprivation")}
#: Every processed table and the source unit that writes it.
TABLES = {t: unit for unit, ts in UNIT_TABLES.items() for t in ts}
#: Tables stored as GeoParquet.
GEO_TABLES = ("wards", "centres")
#: Points further than this from every ward are refused; closer ones go to the nearest ward.
SNAP_M = 250.0

ROW_NOTE = "input data (rows are numbered as in a spreadsheet: the header is row 1)"


@dataclass
class BuildReport:
    """What a build did, per source unit: ``built``, ``unchanged``, ``failed`` or ``not in catalogue``."""

    status: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    processed_dir: Path | None = None
    #: Problems that do not stop a source (for example a return for an indicator that is not in the
    #: registry), by source unit; kept in the manifest, so an unchanged source still shows them.
    warnings: dict[str, list[Problem]] = field(default_factory=dict)

    def all_warnings(self) -> list[Problem]:
        """Every warning, in source order."""
        return [w for unit in self.warnings for w in self.warnings[unit]]

    def __str__(self) -> str:
        lines = [f"processed data in {self.processed_dir}"]
        for unit, st in self.status.items():
            tables = ", ".join(
                f"{t} ({self.rows[t]:,} rows)" for t in UNIT_TABLES[unit] if t in self.rows
            )
            lines.append(f"  {unit:<11} {st}{': ' + tables if tables and st == 'built' else ''}")
        warnings = self.all_warnings()
        if warnings:
            lines.append(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}:")
            lines += [f"  warning: {w}" for w in warnings]
        return "\n".join(lines)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks (read-only)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(processed_dir: Path | None = None) -> dict:
    """The manifest of a processed folder, or an empty dict when there is none (or it is unreadable)."""
    p = Path(processed_dir or get_paths().processed) / "manifest.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass
class _Input:
    source: str
    path: Path
    label: str
    fmt: str
    options: dict
    sha256: str | None
    #: where a link in the raw folder leads, when that is outside it (refused unless allowed)
    outside: str | None = None


#: A catalogue file entry's option that allows a link from the raw folder to a file outside it.
ALLOW_OUTSIDE = "allow_outside_raw"


def _outside_raw(path: Path, raw: Path, entry) -> str | None:
    """Where ``path`` really is, when it is inside the raw folder by name only (a symbolic link, or a
    link in its folders, leading out of it) and the catalogue entry does not allow that; else None.
    A path the catalogue gives as absolute is the catalogue's own choice and is not checked."""
    if entry.options.get(ALLOW_OUTSIDE) or Path(entry.path).expanduser().is_absolute():
        return None
    if not path.exists():
        return None
    real = path.resolve()
    return None if real.is_relative_to(raw.resolve()) else str(real)


def _links_out(inputs: dict[str, list[_Input]]) -> list[Problem]:
    """A problem for each raw file that is a link out of the raw folder (see :func:`_outside_raw`)."""
    return [
        Problem(
            i.label,
            None,
            None,
            f"is a link to {i.outside}, outside the raw data folder; raw data is read only from "
            f"inside it (copy the file in, or set '{ALLOW_OUTSIDE}: true' on this file's "
            "catalogue entry to allow the link)",
        )
        for items in inputs.values()
        for i in items
        if i.outside
    ]


def _inputs(cat: Catalogue, raw: Path) -> dict[str, list[_Input]]:
    out: dict[str, list[_Input]] = {}
    for source in SOURCES:
        if not cat.has(source):
            continue
        items = []
        for entry in cat.files(source):
            paths = entry.resolve(raw, source)
            if entry.optional:  # may be absent or empty: no file is not a problem
                paths = [p for p in paths if p.is_file()]
                if not paths:
                    continue
            for path in paths:
                try:
                    label = path.relative_to(raw).as_posix()
                except ValueError:
                    label = str(path)
                sha = sha256_file(path) if path.is_file() else None
                outside = _outside_raw(path, raw, entry)
                items.append(_Input(source, path, label, entry.format, entry.options, sha, outside))
            if not paths:  # an empty folder or a pattern that matches nothing
                items.append(
                    _Input(source, raw / entry.path, entry.path, "no_match", entry.options, None)
                )
        out[source] = items
    return out


def _signature(
    unit: str, inputs: dict[str, list[_Input]], cat: Catalogue, registry_sha: str | None = None
) -> str:
    h = hashlib.sha256()
    h.update(
        f"v{BUILD_VERSION}|{cat.period[0]}|{cat.period[1]}|{cat.lad_code}|{cat.synthetic}".encode()
    )
    if unit in ("indicators", "board"):  # their checks read the registry's codes
        h.update(f"|registry {registry_sha}".encode())
    needed = set(UNIT_SOURCES[unit]) | {"geography", "deprivation"}
    for source in sorted(needed):
        for i in inputs.get(source, []):
            h.update(
                f"|{source}|{i.label}|{i.fmt}|{json.dumps(i.options, sort_keys=True, default=str)}|{i.sha256}".encode()
            )
    return h.hexdigest()


def _load_source(
    source: str, inputs: list[_Input], ctx: Context
) -> tuple[dict[str, list], list[Problem]]:
    tables: dict[str, list] = {}
    problems: list[Problem] = []
    for i in inputs:
        if i.fmt == "no_match":
            problems.append(
                Problem(
                    i.label,
                    None,
                    None,
                    "no file matches this catalogue entry (an empty folder, or a pattern that matches "
                    "nothing); expected CSV or Excel files",
                )
            )
            continue
        got, probs = load_file(i.path, i.fmt, ctx, label=i.label, options=i.options)
        problems += probs
        for name, df in got.items():
            if name not in SOURCE_TABLES[source]:
                problems.append(
                    Problem(
                        i.label,
                        None,
                        None,
                        f"holds table '{name}', which belongs to another source than '{source}'",
                    )
                )
                continue
            tables.setdefault(name, []).append(df)
    return tables, problems


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
                        f"duplicated row: same {', '.join(key)} as {first[tup][0]} row {first[tup][1]}",
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


def _geography(
    tables: dict, ctx: Context, problems: list[Problem], labels: dict
) -> dict[str, pd.DataFrame]:
    wards = _need(
        tables, "boundaries", "geography", labels.get("boundaries", "geography"), problems
    )
    ac = _need(
        tables, "area_committees", "geography", labels.get("area_committees", "geography"), problems
    )
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


def _transform(
    unit: str,
    tables: dict,
    ctx: Context,
    geo: dict,
    problems: list[Problem],
    labels: dict,
    warnings: list[Problem] | None = None,
    meetings: list[str] | None = None,
) -> dict:
    """The processed tables of one source unit; problems and warnings are appended to the lists."""
    warnings = [] if warnings is None else warnings

    def need(name):
        return _need(tables, name, unit, labels.get(name, unit), problems)

    if unit == "population":
        df = need("mid_year_estimates")
        if df is not None:
            problems.extend(_cross_file_duplicates(df, ["year", "ward_code", "sex", "age_band"]))
            return {"population": _clean(df)}
    elif unit == "mortality":
        df = need("deaths")
        if df is not None:
            return {"deaths": _clean(df)}
    elif unit == "hospital":
        df = need("admissions")
        if df is not None:
            df = add_periods(_clean(df), "admission_date")
            df["age_band"] = age_band_of(df["age"]) if df["age"].dtype == "int64" else pd.NA
            return {"admissions": df}
    elif unit == "police":
        df = need("incidents")
        if df is not None and "wards" in geo:
            pts = points_from_xy(df["easting"].fillna(0), df["northing"].fillna(0), data=df)
            pts = assign_ward(pts, geo["wards"], snap_m=SNAP_M)
            outside = pts["ward_code"].isna() & df["easting"].notna() & df["northing"].notna()
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
            out = add_periods(_clean(pd.DataFrame(pts.drop(columns="geometry"))), "date")
            return {"incidents": out}
    elif unit == "wellness":
        df = need("referrals")
        if df is not None:
            return {"referrals": add_periods(_clean(df), "referral_date")}
    elif unit == "indicators":
        ret, tgt, cmp_ = need("returns"), tables.get("targets"), tables.get("comparators")
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
    elif unit == "board":
        frames = tables.get("decisions")
        df = pd.concat(frames, ignore_index=True) if frames else _empty_decisions()
        df["area_code"] = df["area_code"].fillna(ctx.lad_code).astype("str")
        problems.extend(
            _cross_file_duplicates(df, ["meeting_quarter", "indicator_code", "area_code"])
        )
        problems.extend(_decisions_after_meetings(df, meetings))
        return {"board_decisions": _clean(df)}
    return {}


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


def _domain_ward_codes() -> frozenset:
    try:
        return frozenset(pd.read_csv(DOMAIN_DIR / "wards.csv", dtype=str)["ward_code"])
    except (OSError, KeyError):  # pragma: no cover - the package ships the file
        return frozenset()


#: A quarter counts as covered by dated records when they reach to within this many days of its end.
COVERED_WITHIN_DAYS = 14


def reached_quarter(last_date: datetime.date) -> Quarter:
    """The last quarter that records dated up to ``last_date`` cover.

    A quarter is covered when the records reach to within ``COVERED_WITHIN_DAYS`` of its end (a
    quiet last fortnight is no gap), so an extract to mid-quarter covers the quarter before.

    >>> str(reached_quarter(datetime.date(2010, 3, 31))), str(reached_quarter(datetime.date(2010, 3, 20)))
    ('2009Q4', '2009Q4')
    >>> str(reached_quarter(datetime.date(2010, 5, 15))), str(reached_quarter(datetime.date(2010, 6, 25)))
    ('2009Q4', '2010Q1')
    """
    return Quarter.from_date(last_date + datetime.timedelta(days=COVERED_WITHIN_DAYS)) - 1


def _coverage(name: str, df: pd.DataFrame) -> dict | None:
    for col in ("admission_date", "date", "referral_date"):
        if col in df.columns and len(df):
            last = df[col].max().date()
            return {
                "start": str(df[col].min().date()),
                "end": str(last),
                "reaches": str(reached_quarter(last)),
            }
    if "period" in df.columns and df["period"].notna().any():
        end = str(df["period"].dropna().min()), str(df["period"].dropna().max())
        return {"start": end[0], "end": end[1], "reaches": end[1]}
    if "year" in df.columns and len(df):
        return {"start": int(df["year"].min()), "end": int(df["year"].max())}
    return None


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(
    raw_dir: str | Path | None = None,
    processed_dir: str | Path | None = None,
    sources: list[str] | tuple[str, ...] | str | None = None,
    force: bool = False,
    catalogue: str | Path | None = None,
    strict: bool = False,
) -> BuildReport:
    """Validate the raw sources and write the processed tables.

    Parameters
    ----------
    raw_dir, processed_dir : path, optional
        Default ``get_paths().raw`` / ``get_paths().processed`` (``LSP_RAW_DIR``, ``LSP_PROCESSED_DIR``).
    sources : list of str, optional
        Build only these sources (``deprivation`` builds ``geography``); default every source in the
        catalogue.
    force : bool
        Rebuild sources whose inputs are unchanged.
    catalogue : path, optional
        The catalogue file (default: see :mod:`lsp_research.data.catalogue`).
    strict : bool
        Treat every warning (for example a return for an indicator that is not in the registry) as
        a problem: the source is not written.

    Returns
    -------
    BuildReport

    Raises
    ------
    DataValidationError
        Listing every problem in every file, after writing the sources that had none.
    LspError
        When the raw folder does not exist or a source name is unknown.
    DataLockedError
        When a run is reading the processed folder (or another build writing it): nothing is done
        (see :mod:`lsp_research.datalock`).
    """
    paths = get_paths()
    raw = Path(raw_dir).expanduser().resolve() if raw_dir is not None else paths.raw
    processed = (
        Path(processed_dir).expanduser().resolve() if processed_dir is not None else paths.processed
    )
    if not raw.is_dir():
        raise LspError(
            f"raw data folder {raw} does not exist; create the default data with 'lsp-research data synth' "
            "or point LSP_RAW_DIR at your files"
        )
    with writing(processed, "a data build"):  # never while a run reads the tables
        return _build_locked(raw, processed, sources, force, catalogue, strict)


def _build_locked(
    raw: Path, processed: Path, sources, force: bool, catalogue, strict: bool = False
) -> BuildReport:
    cat = load_catalogue(catalogue, raw_dir=raw)
    if isinstance(sources, str):
        sources = [sources]
    if sources:
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            raise LspError(
                f"unknown source(s) {', '.join(unknown)}; sources are {', '.join(SOURCES)}"
            )
        units = sorted(
            {"geography" if s == "deprivation" else s for s in sources}, key=list(UNIT_TABLES).index
        )
    else:
        units = [u for u in UNIT_TABLES if any(cat.has(s) for s in UNIT_SOURCES[u])]
    inputs = _inputs(cat, raw)
    links = _links_out(inputs)
    if links:  # refused before anything is built, whether or not the file changed
        raise DataValidationError(links, context=ROW_NOTE)
    old = read_manifest(processed)
    report = BuildReport(processed_dir=processed)
    problems: list[Problem] = []

    # geography first: it defines the valid ward codes and the polygons points are placed in
    codes, registry_sha = _registry_codes()
    hint = cat.period_hint()
    base_ctx = Context(lad_code=cat.lad_code or LAD_CODE, period=cat.period, hint=hint)
    geo_tables: dict = {}
    geo_problems: list[Problem] = []
    for source in ("geography", "deprivation"):
        if source not in inputs:
            geo_problems.append(
                Problem(
                    str(cat.path or "catalogue"),
                    None,
                    None,
                    f"the catalogue has no '{source}' source; every build needs it",
                )
            )
    boundary_inputs = [i for i in inputs.get("geography", []) if i.fmt == "ons_boundary"]
    bt, bp = _load_source("geography", boundary_inputs, base_ctx)
    geo_problems += bp
    wards_gdf = bt.get("boundaries", [None])[0]
    if wards_gdf is not None:
        lads = set(wards_gdf["lad_code"].dropna().astype(str)) - {"nan", "<NA>"}
        lad = cat.lad_code or (lads.pop() if len(lads) == 1 else LAD_CODE)
        ctx = Context(frozenset(wards_gdf["ward_code"]), lad, cat.period, hint=hint)
    else:
        ctx = Context(_domain_ward_codes(), base_ctx.lad_code, cat.period, hint=hint)
    # centres next (referrals are checked against their ids)
    other_geo = [i for i in inputs.get("geography", []) if i.fmt != "ons_boundary"]
    gt, gp = _load_source("geography", other_geo, ctx)
    dt, dp = _load_source("deprivation", inputs.get("deprivation", []), ctx)
    geo_problems += gp + dp
    if "wellness_centres" in gt:
        ids = set(pd.concat(gt["wellness_centres"])["centre_id"].dropna())
        ctx = Context(ctx.ward_codes, ctx.lad_code, ctx.period, frozenset(ids), hint=hint)
    ctx = dataclasses.replace(ctx, indicator_codes=codes)
    geo_tables = {**bt, **gt, **dt}
    labels = {}
    for i in inputs.get("geography", []) + inputs.get("deprivation", []):
        name = "boundaries" if i.fmt == "ons_boundary" else table_of(i.path, i.options)
        labels.setdefault(name, i.label)
    geo_out = _geography(geo_tables, ctx, geo_problems, labels) if not geo_problems else {}
    geo_failed = bool(geo_problems)
    problems += geo_problems

    outputs: dict[str, dict] = {}
    for unit in units:
        sig = _signature(unit, inputs, cat, registry_sha)
        prev = old.get("sources", {}).get(unit, {})
        tables_exist = all((processed / f"{t}.parquet").is_file() for t in UNIT_TABLES[unit])
        if not force and prev.get("signature") == sig and tables_exist and not geo_failed:
            report.status[unit] = "unchanged"
            kept = [Problem(**w) for w in prev.get("warnings", [])]
            if kept:
                report.warnings[unit] = kept
                if strict:
                    report.status[unit] = "failed (warnings are errors with --strict)"
                    problems += kept
            continue
        if unit == "geography":
            if geo_failed:
                report.status[unit] = "failed"
            else:
                outputs[unit] = {"signature": sig, "tables": geo_out}
                report.status[unit] = "built"
            continue
        if not any(cat.has(s) for s in UNIT_SOURCES[unit]) or unit not in inputs:
            report.status[unit] = "not in catalogue"
            continue
        tables, unit_problems = _load_source(unit, inputs[unit], ctx)
        unit_labels = {}
        for i in inputs[unit]:
            unit_labels.setdefault(table_of(i.path, i.options) or unit, i.label)
        unit_warnings: list[Problem] = []
        meetings = _meeting_periods(outputs, processed) if unit == "board" else None
        try:
            # run even when files had problems, so that problems across files (a duplicate between
            # two files) are found in the same pass as the problems inside each file
            out = _transform(
                unit, tables, ctx, geo_out, unit_problems, unit_labels, unit_warnings, meetings
            )
        except (KeyError, ValueError, TypeError):
            if not unit_problems:
                raise
            out = {}  # the data is already known to be bad; its problems are reported below
        if unit_warnings:
            report.warnings[unit] = unit_warnings
            if strict:
                unit_problems = unit_problems + unit_warnings
        if unit_problems or geo_failed or not out:
            if unit_problems:
                report.status[unit] = "failed"
            else:
                report.status[unit] = "not built (geography failed)"
            problems += unit_problems
            continue
        outputs[unit] = {"signature": sig, "tables": out, "warnings": unit_warnings}
        report.status[unit] = "built"  # (in source order; the tables are written below)

    if outputs:
        _write(outputs, inputs, cat, raw, processed, old, report)
    if problems:
        raise DataValidationError(problems, context=ROW_NOTE)
    return report


def _meeting_periods(outputs: dict, processed: Path) -> list[str] | None:
    """The quarters the indicator returns reach (built now, or already processed)."""
    ret = outputs.get("indicators", {}).get("tables", {}).get("indicator_returns")
    if ret is not None:
        return sorted(ret["period"].dropna().astype(str).unique())
    path = processed / "indicator_returns.parquet"
    if not path.is_file():
        return None
    return sorted(pd.read_parquet(path, columns=["period"])["period"].dropna().astype(str).unique())


def _registry_codes() -> tuple[frozenset, str | None]:
    """The registry's indicator codes and the registry file's hash (empty when it cannot be read)."""
    from ..errors import ConfigError
    from ..performance.registry import load_registry

    path = get_paths().registry
    try:
        reg = load_registry(path)
    except (ConfigError, OSError):
        return frozenset(), None  # the registry's own check reports it when a report loads it
    return frozenset(reg.codes), sha256_file(path) if Path(path).is_file() else None


def _latest_meeting(returns: pd.DataFrame) -> dict | None:
    """``latest`` for these returns (see :mod:`lsp_research.performance.readiness`), with why and the
    registry's hash: a run uses it while the registry is unchanged."""
    from ..errors import ConfigError
    from ..performance.readiness import latest_ready, readiness_text
    from ..performance.registry import load_registry

    path = get_paths().registry
    try:
        reg = load_registry(path)
        q = latest_ready(returns, reg)
    except (ConfigError, OSError, LspError):
        return None
    return {
        "period": str(q),
        "why": readiness_text(returns, reg, q),
        "registry_sha256": sha256_file(path),
    }


def _write(
    outputs: dict,
    inputs: dict,
    cat: Catalogue,
    raw: Path,
    processed: Path,
    old: dict,
    report: BuildReport,
) -> None:
    processed.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    manifest = {
        "synthetic": cat.synthetic,
        "notice": cat.notice,
        "build_version": BUILD_VERSION,
        "package_version": __version__,
        "raw_dir": str(raw),
        "catalogue": {
            "path": str(cat.path) if cat.path else None,
            "sha256": sha256_file(cat.path) if cat.path else None,
        },
        "bound": {
            "start": str(cat.period[0]),
            "end": str(cat.period[1]),
            "end_from": "catalogue" if cat.period_end_given else "current quarter",
        },
        "sources": dict(old.get("sources", {})),
        "tables": dict(old.get("tables", {})),
    }
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=processed))
    try:
        staged = []
        for unit, spec_ in outputs.items():
            unit_inputs = [
                {"source": i.source, "path": i.label, "format": i.fmt, "sha256": i.sha256}
                for s in UNIT_SOURCES[unit]
                for i in inputs.get(s, [])
            ]
            for name, df in spec_["tables"].items():
                target = tmp / f"{name}.parquet"
                if isinstance(df, gpd.GeoDataFrame):
                    df.to_parquet(target, index=False)
                else:
                    df.to_parquet(target, index=False, engine="pyarrow")
                staged.append((target, processed / f"{name}.parquet"))
                manifest["tables"][name] = {
                    "source": unit,
                    "rows": int(len(df)),
                    "columns": [str(c) for c in df.columns],
                    "sha256": sha256_file(target),
                    "inputs": unit_inputs,
                    "coverage": _coverage(name, df),
                    "built_at": now,
                }
                report.rows[name] = int(len(df))
            manifest["sources"][unit] = {
                "signature": spec_["signature"],
                "built_at": now,
                "tables": list(spec_["tables"]),
                "inputs": unit_inputs,
                "refresh_days": cat.sources[unit].refresh_days if unit in cat.sources else None,
                "warnings": [
                    {
                        "file": w.file,
                        "row": w.row,
                        "column": w.column,
                        "rule": w.rule,
                        "value": None if w.value is None else str(w.value),
                    }
                    for w in spec_.get("warnings", [])
                ],
            }
        # the data period follows the data: the quarters the indicator returns reach
        cov = manifest["tables"].get("indicator_returns", {}).get("coverage") or {}
        manifest["period"] = {"start": cov.get("start"), "end": cov.get("end")}
        ret = outputs.get("indicators", {}).get("tables", {}).get("indicator_returns")
        latest = _latest_meeting(ret) if ret is not None else old.get("latest")
        if latest:  # so that a run need not load the registry and pandas to find 'latest'
            manifest["latest"] = latest
        for src, dst in staged:
            os.replace(src, dst)
        for unit in outputs:
            report.status[unit] = "built"
        _atomic_write_text(
            processed / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
