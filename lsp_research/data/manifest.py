"""The processed folder's manifest, and writing a build's tables atomically beside it.

Tables are written to a temporary folder inside the processed folder (same file system), then moved
into place with :func:`os.replace`; the manifest is written last the same way. A crash leaves either the
old or the new file, never half a file.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from .. import __version__
from ..config import get_paths
from ..errors import LspError
from ..periods import Quarter
from .catalogue import Catalogue
from .inputs import sha256_file
from .sape import PERSONS_ONLY
from .sources import UNIT_SOURCES
from .units import BUILD_VERSION

if TYPE_CHECKING:
    from .build import BuildReport


def read_manifest(processed_dir: Path | None = None) -> dict:
    """The manifest of a processed folder, or an empty dict when there is none (or it is unreadable)."""
    p = Path(processed_dir or get_paths().processed) / "manifest.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


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


def _latest_meeting(returns: pd.DataFrame) -> dict | None:
    """``latest`` for these returns (see :mod:`lsp_research.performance.readiness`), with why and the
    registry's hash: a run uses it while the registry is unchanged.
    """
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


def write_outputs(
    outputs: dict,
    inputs: dict,
    cat: Catalogue,
    raw: Path,
    processed: Path,
    old: dict,
    report: BuildReport,
) -> None:
    """Write the processed tables and the manifest that describes them (atomically) into ``processed``."""
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
                if name == "population" and len(df) and set(df["sex"].unique()) == {"P"}:
                    manifest["tables"][name]["limits"] = PERSONS_ONLY
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
