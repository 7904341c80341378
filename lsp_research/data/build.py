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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import DOMAIN_DIR, LAD_CODE, get_paths
from ..datalock import writing
from ..errors import DataValidationError, LspError, Problem
from .catalogue import Catalogue, load_catalogue
from .inputs import find_inputs, links_out, load_source, sha256_file, signature
from .loaders import table_of
from .manifest import COVERED_WITHIN_DAYS, reached_quarter, read_manifest, write_outputs
from .schemas import Context
from .sources import SOURCE, SOURCES, TABLES, UNIT_SOURCES, UNIT_TABLES
from .transform import UnitData, add_periods, age_band_of, due_date, geography_tables
from .units import BUILD_VERSION, GEO_TABLES, ROW_NOTE, SNAP_M

__all__ = [
    "BUILD_VERSION",
    "COVERED_WITHIN_DAYS",
    "GEO_TABLES",
    "SNAP_M",
    "TABLES",
    "UNIT_SOURCES",
    "UNIT_TABLES",
    "BuildReport",
    "add_periods",
    "age_band_of",
    "build",
    "due_date",
    "read_manifest",
    "reached_quarter",
    "sha256_file",
]


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


def _domain_ward_codes() -> frozenset:
    try:
        return frozenset(pd.read_csv(DOMAIN_DIR / "wards.csv", dtype=str)["ward_code"])
    except (OSError, KeyError):  # pragma: no cover - the package ships the file
        return frozenset()


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
    units = _units(cat, sources)
    inputs = find_inputs(cat, raw)
    links = links_out(inputs)
    if links:  # refused before anything is built, whether or not the file changed
        raise DataValidationError(links, context=ROW_NOTE)
    old = read_manifest(processed)
    report = BuildReport(processed_dir=processed)
    problems: list[Problem] = []

    # geography first: it defines the valid ward codes and the polygons points are placed in
    codes, registry_sha = _registry_codes()
    ctx, geo_out, geo_problems = _geography_unit(cat, inputs, codes)
    geo_failed = bool(geo_problems)
    problems += geo_problems

    outputs: dict[str, dict] = {}
    for unit in units:
        sig = signature(unit, inputs, cat, registry_sha)
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
        meetings = _meeting_periods(outputs, processed) if unit == "board" else None
        out, unit_problems, unit_warnings = _unit(unit, inputs[unit], ctx, geo_out, meetings)
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
        write_outputs(outputs, inputs, cat, raw, processed, old, report)
    if problems:
        raise DataValidationError(problems, context=ROW_NOTE)
    return report


def _units(cat: Catalogue, sources) -> list[str]:
    """The build units to build: those of ``sources`` (every unit of the catalogue when none)."""
    if isinstance(sources, str):
        sources = [sources]
    if sources:
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            raise LspError(
                f"unknown source(s) {', '.join(unknown)}; sources are {', '.join(SOURCES)}"
            )
        return sorted(
            {"geography" if s == "deprivation" else s for s in sources}, key=list(UNIT_TABLES).index
        )
    return [u for u in UNIT_TABLES if any(cat.has(s) for s in UNIT_SOURCES[u])]


def _geography_unit(
    cat: Catalogue, inputs: dict, codes: frozenset
) -> tuple[Context, dict, list[Problem]]:
    """The geography unit: the context every other source is checked in, its tables and problems."""
    hint = cat.period_hint()
    base_ctx = Context(lad_code=cat.lad_code or LAD_CODE, period=cat.period, hint=hint)
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
    bt, bp = load_source("geography", boundary_inputs, base_ctx)
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
    gt, gp = load_source("geography", other_geo, ctx)
    dt, dp = load_source("deprivation", inputs.get("deprivation", []), ctx)
    geo_problems += gp + dp
    if "wellness_centres" in gt:
        ids = set(pd.concat(gt["wellness_centres"])["centre_id"].dropna())
        ctx = Context(ctx.ward_codes, ctx.lad_code, ctx.period, frozenset(ids), hint=hint)
    ctx = dataclasses.replace(ctx, indicator_codes=codes)
    if "lsoa_ward" in dt:  # police.uk crimes are kept, and placed, through the district's LSOAs
        look = pd.concat(dt["lsoa_ward"])
        ctx = dataclasses.replace(
            ctx, lsoa_wards=tuple(zip(look["lsoa_code"], look["ward_code"], strict=True))
        )
    geo_tables = {**bt, **gt, **dt}
    labels = {}
    for i in inputs.get("geography", []) + inputs.get("deprivation", []):
        name = "boundaries" if i.fmt == "ons_boundary" else table_of(i.path, i.options)
        labels.setdefault(name, i.label)
    geo_out = geography_tables(geo_tables, ctx, geo_problems, labels) if not geo_problems else {}
    return ctx, geo_out, geo_problems


def _unit(
    unit: str, unit_inputs: list, ctx: Context, geo_out: dict, meetings: list[str] | None
) -> tuple[dict, list[Problem], list[Problem]]:
    """Load and transform one (non-geography) unit: its tables, problems and warnings."""
    tables, unit_problems = load_source(unit, unit_inputs, ctx)
    unit_labels = {}
    for i in unit_inputs:
        unit_labels.setdefault(table_of(i.path, i.options) or unit, i.label)
    unit_warnings: list[Problem] = []
    try:
        # run even when files had problems, so that problems across files (a duplicate between
        # two files) are found in the same pass as the problems inside each file
        data = UnitData(
            unit, tables, ctx, geo_out, unit_problems, unit_labels, unit_warnings, meetings
        )
        out = SOURCE[unit].transform(data) if SOURCE[unit].transform else {}
    except (KeyError, ValueError, TypeError):
        if not unit_problems:
            raise
        out = {}  # the data is already known to be bad; its problems are reported below
    return out, unit_problems, unit_warnings


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
