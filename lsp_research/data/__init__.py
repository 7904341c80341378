"""The evidence base: catalogue, schemas, loaders, the raw -> processed build, and fast loading.

Analyses read processed tables only, with :func:`load`; ``lsp-research data build`` (or :func:`build`)
makes them from the raw files described in ``data/catalogue.yml``. Tables and columns are listed in
``docs/data_contract.md``.

- :func:`load` -- one processed table (a GeoDataFrame for ``wards`` and ``centres``).
- :func:`build` -- validate raw files and write ``data/processed/`` (see :mod:`.build`).
- :func:`status` -- each source's age against its refresh cycle, with a ``stale`` flag.
- :func:`is_synthetic` -- whether the processed data came from the synthetic generator.
- :func:`manifest` -- the processed folder's manifest (input hashes, row counts, build times).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd

from ..config import check_wards, get_paths
from ..errors import LspError
from ..periods import Quarter
from .build import GEO_TABLES, TABLES, BuildReport, build, read_manifest
from .catalogue import load_catalogue

__all__ = ["TABLES", "BuildReport", "build", "is_synthetic", "load", "manifest", "status", "tables"]


def tables() -> list[str]:
    """The names of the processed tables :func:`load` accepts.

    >>> tables()[:3]
    ['wards', 'centres', 'population']
    """
    return list(TABLES)


def load(name: str, columns: list[str] | None = None):
    """Read the processed table ``name`` from ``data/processed/`` (``LSP_PROCESSED_DIR``).

    Parameters
    ----------
    name : str
        A table of ``docs/data_contract.md``: one of :func:`tables`.
    columns : list of str, optional
        Read only these columns (faster for wide, long tables).

    Returns
    -------
    DataFrame, or GeoDataFrame in EPSG:27700 for ``wards`` and ``centres``.

    Raises
    ------
    LspError
        When the name is unknown, or the table has not been built (the message says to run
        ``lsp-research data build``).
    ConfigError
        For ``wards``, when the place file in use does not list them (data of another place: the
        message says to set ``LSP_PLACE``; see :func:`lsp_research.config.check_wards`).
    """
    if name not in TABLES:
        raise LspError(f"unknown table {name!r}; the processed tables are: {', '.join(TABLES)}")
    processed = get_paths().processed
    path = processed / f"{name}.parquet"
    if not path.is_file():
        raise LspError(
            f"the processed table '{name}' is missing from {processed}: run 'lsp-research data build' "
            "(or set LSP_PROCESSED_DIR to a processed data folder)"
        )
    if name in GEO_TABLES:
        import geopandas as gpd

        cols = None if columns is None else [c for c in columns if c != "geometry"] + ["geometry"]
        table = gpd.read_parquet(path, columns=cols)
    else:
        table = pd.read_parquet(path, columns=columns, engine="pyarrow")
    if name == "wards" and "ward_code" in table.columns:
        # a notebook opened in JupyterLab on another place's data is refused as a run is
        names = table["ward_name"] if "ward_name" in table.columns else [""] * len(table)
        check_wards(dict(zip(table["ward_code"], names, strict=True)))
    return table


def manifest(processed_dir: str | Path | None = None) -> dict:
    """The manifest of the processed data (empty dict when nothing has been built)."""
    return read_manifest(Path(processed_dir) if processed_dir else None)


def is_synthetic(processed_dir: str | Path | None = None) -> bool:
    """Whether the processed data was built from the synthetic default data set.

    Raises
    ------
    LspError
        When there is no processed data (run ``lsp-research data build``).
    """
    m = manifest(processed_dir)
    if not m:
        raise LspError(
            f"no processed data manifest in {processed_dir or get_paths().processed}: run 'lsp-research data build'"
        )
    return bool(m.get("synthetic", False))


def _as_of(value) -> datetime.date:
    if value is None:
        return datetime.date.today()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, Quarter):
        return value.end
    text = str(value).strip()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return Quarter.parse(text).end


def status(
    as_of: datetime.date | str | Quarter | None = None, catalogue: str | Path | None = None
) -> pd.DataFrame:
    """Each source's age against its refresh cycle.

    Parameters
    ----------
    as_of : date, ISO date string, period (``2009Q3``) or None
        The date ages are measured at: today by default. For a report on a past period (the synthetic
        default data ends in March 2010) pass the period: ages are then measured at the end of that
        quarter, which says whether the data was current when the period closed. A source updated after
        ``as_of`` has age 0.
    catalogue : path, optional
        Another catalogue file.

    Returns
    -------
    DataFrame
        One row per catalogue source: ``source``, ``owner``, ``last_updated`` (date; the catalogue's,
        else the newest data date in the processed tables), ``refresh_days``, ``age_days``, ``stale``
        (age above the refresh cycle; False when the cycle is unknown).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "catalogue.yml"
    >>> _ = p.write_text("sources:\\n  hospital: {owner: PCT, refresh_cycle: quarterly, last_updated: 2009-11-20}\\n"
    ...                  "  population: {owner: ONS, refresh_cycle: annual, last_updated: 2008-08-21}\\n")
    >>> status("2009Q3", catalogue=p)[["source", "age_days", "stale"]]
           source  age_days  stale
    0    hospital        41  False
    1  population       497   True
    """
    when = _as_of(as_of)
    cat = load_catalogue(catalogue)
    m = read_manifest()
    rows = []
    for name, src in cat.sources.items():
        last = src.last_updated
        if last is None:
            ends = [
                t.get("coverage", {}) and t["coverage"].get("end")
                for t in m.get("tables", {}).values()
                if t.get("source") == name
            ]
            dates = [_end_date(e) for e in ends if e]
            last = max(dates) if dates else None
        age = None if last is None else max((when - last).days, 0)
        rows.append(
            {
                "source": name,
                "owner": src.owner,
                "last_updated": last,
                "refresh_days": src.refresh_days,
                "age_days": age,
                "stale": bool(
                    age is not None and src.refresh_days is not None and age > src.refresh_days
                ),
            }
        )
    df = pd.DataFrame(
        rows, columns=["source", "owner", "last_updated", "refresh_days", "age_days", "stale"]
    )
    df["refresh_days"] = df["refresh_days"].astype("Int64")
    df["age_days"] = df["age_days"].astype("Int64")
    df["stale"] = df["stale"].astype(bool)
    return df


def _end_date(value) -> datetime.date | None:
    if isinstance(value, int):
        return datetime.date(value, 12, 31)
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        try:
            return Quarter.parse(str(value)).end
        except LspError:
            return None
