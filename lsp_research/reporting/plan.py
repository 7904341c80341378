"""Planning a run before any kernel starts: the period, the environment, every parameter set.

Part of :mod:`lsp_research.reporting.runner` (which re-exports these names): :func:`parse_period`
checks the form of the period, :func:`check_environment` what the kernels inherit,
:func:`latest_quarter` resolves ``latest``, :func:`programme_reach` how far each notebook's data
reaches, :func:`plan` validates every parameter set of the programme (with :func:`folder_collisions`)
and :func:`make_task` turns one into the task a worker runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import get_paths
from ..errors import ConfigError, ParameterError
from ..periods import Quarter, resolve
from . import cache as _cache
from .execute import RunTask
from .parameters import Areas, read_notebook, read_parameters, validate
from .programme import NotebookEntry, Programme
from .reach import entry_reach, table_reach

__all__ = [
    "PRELOAD",
    "check_environment",
    "folder_collisions",
    "latest_quarter",
    "make_task",
    "parse_period",
    "plan",
    "programme_reach",
]

#: Imported once by each warm kernel server, with every module the programme's notebooks import:
#: what ``data.load``, charts and tables need (modules that fail to import are skipped).
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib.pyplot",
    "lsp_research.data",
    "lsp_research.plots",
    "lsp_research.tables",
)


def check_environment(environ: dict[str, str] | None = None) -> None:
    """Check the environment the kernels will inherit, before any of them starts.

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds generation time) must be a whole number of seconds
    since 1970-01-01; set but empty (as some shells and CI systems pass it) it is treated as unset and
    removed, since an empty value stops every kernel from answering.

    >>> env = {"SOURCE_DATE_EPOCH": ""}
    >>> check_environment(env); env
    {}
    >>> check_environment({"SOURCE_DATE_EPOCH": "2010-01-01"})
    Traceback (most recent call last):
    ...
    lsp_research.errors.ConfigError: SOURCE_DATE_EPOCH is '2010-01-01': it must be a whole number ...
    """
    env = os.environ if environ is None else environ
    value = env.get("SOURCE_DATE_EPOCH")
    if value is None:
        return
    if not value.strip():
        del env["SOURCE_DATE_EPOCH"]
        return
    if not value.strip().isdigit():
        raise ConfigError(
            f"SOURCE_DATE_EPOCH is {value!r}: it must be a whole number of seconds since "
            "1970-01-01 00:00 UTC (e.g. 1262304000 for 2010-01-01), or unset; no report was run"
        )


@dataclass
class Planned:
    entry: NotebookEntry
    task: RunTask
    label: str
    cache_key: str


def kernel_env(reports_root: Path) -> dict[str, str]:
    """The data locations every kernel needs, as absolute paths."""
    p = get_paths()
    env = {
        "LSP_RAW_DIR": str(p.raw),
        "LSP_PROCESSED_DIR": str(p.processed),
        "LSP_REPORTS_DIR": str(reports_root),
        "LSP_CATALOGUE": str(p.catalogue),
        "LSP_PROGRAMME": str(p.programme),
        "LSP_REGISTRY": str(p.registry),
    }
    if os.environ.get("SOURCE_DATE_EPOCH"):
        env["SOURCE_DATE_EPOCH"] = os.environ["SOURCE_DATE_EPOCH"]
    return env


def parse_period(period: str) -> str:
    """Check the form of ``period`` (``YYYYQn``, ``YYYY-YY Qn`` or ``latest``) before anything else.

    >>> parse_period("latest"), parse_period("2009-10 Q3")
    ('latest', '2009Q3')
    """
    if str(period).strip().lower() == "latest":
        return "latest"
    return str(Quarter.parse(period))


def plan(
    programme: Programme,
    quarter: Quarter,
    periods: Sequence[str],
    areas: Areas,
    *,
    only: Sequence[str] | None = None,
    quarters: dict[str, Quarter] | None = None,
) -> list[tuple[NotebookEntry, Any, dict[str, Any]]]:
    """Every (entry, parameter set, parameters) of the programme, validated; raises one
    :class:`~lsp_research.errors.ParameterError` naming every problem in every notebook.

    ``quarters`` gives an entry (by name) an earlier quarter than ``quarter``: the last quarter its
    sources reach (see :mod:`.reach`).
    """
    entries = list(programme.notebooks)
    if only:
        entries = [programme.get(name) for name in only]
    problems: list[str] = []
    planned = []
    for entry in entries:
        try:
            contract = read_parameters(entry.path)
        except ParameterError as exc:
            problems.append(str(exc))
            continue
        for pset in entry.parameter_sets(areas):
            params = dict(pset.parameters)
            if "period" in contract:
                params["period"] = str((quarters or {}).get(entry.name, quarter))
            try:
                values = validate(
                    contract,
                    params,
                    notebook=f"{entry.path.name} ({pset.set_id})",
                    periods=periods,
                    areas=areas,
                )
            except ParameterError as exc:
                problems.append(str(exc))
                continue
            planned.append((entry, pset, values))
    problems += folder_collisions(planned)
    if problems:
        raise ParameterError(
            "parameters failed validation; no notebook was run:\n" + "\n".join(problems)
        )
    return planned


def folder_collisions(planned: Sequence[tuple[NotebookEntry, Any, Mapping[str, Any]]]) -> list[str]:
    """Runs that would publish to the same folder ``<notebook>/<set>/`` (compared ignoring case, as
    some file systems do), each problem naming both parameter sets.

    >>> from lsp_research.reporting.programme import ParameterSet
    >>> e = NotebookEntry("area_profile", Path("ward_profile.ipynb"))
    >>> runs = [(e, ParameterSet("West-End", {}), {"area_code": "West End"}),
    ...         (e, ParameterSet("West-End", {}), {"area_code": "West-End"})]
    >>> print(folder_collisions(runs)[0])
    area_profile: the parameter sets {"area_code": "West End"} and {"area_code": "West-End"} would both publish to area_profile/West-End/; give them distinct names (letters, digits, _ and -)
    """
    seen: dict[tuple[str, str], Mapping[str, Any]] = {}
    problems = []
    for entry, pset, values in planned:
        key = (entry.name, pset.set_id.casefold())
        if key in seen:
            a, b = dict(seen[key]), dict(values)
            differ = sorted(k for k in {*a, *b} if a.get(k) != b.get(k)) or sorted(a)
            first = json.dumps({k: a.get(k) for k in differ}, default=str)
            second = json.dumps({k: b.get(k) for k in differ}, default=str)
            problems.append(
                f"{entry.name}: the parameter sets {first} and {second} would both publish to "
                f"{entry.name}/{pset.set_id}/; give them distinct names (letters, digits, _ and -)"
            )
        else:
            seen[key] = values
    return problems


def make_task(
    entry: NotebookEntry,
    pset,
    values: dict[str, Any],
    quarter: Quarter,
    *,
    env: dict[str, str],
    timeout: int | None,
    warm: bool,
    preload: tuple[str, ...],
    index_href: str | None = "../../index.html",
    reach=None,
) -> RunTask:
    """The task of one run of ``entry`` over parameter set ``pset`` (also what ``preview`` renders);
    ``reach`` is the entry's :func:`programme_reach` (how far its data reaches).
    """
    return RunTask(
        key=f"{entry.name}/{pset.set_id}",
        name=entry.name,
        set_id=pset.set_id,
        notebook=str(entry.path),
        parameters=values,
        tiers=entry.tiers,
        context={
            "name": entry.name,
            "over": entry.over,
            "period": str(quarter),
            "period_label": quarter.label,
            "parameters": values,
            "parameter_set": pset.label if pset.set_id != "city" else None,
            "index_href": index_href,
            "data_to": dict(reach.data_to) if reach else {},
            "as_at": str(reach.quarter) if reach else str(quarter),
        },
        env=env,
        timeout=timeout or entry.timeout,
        warm=warm,
        preload=preload,
    )


def latest_quarter(processed: Path, periods: Sequence[str]) -> tuple[Quarter, str]:
    """``latest``: the newest quarter whose returns are complete enough for the meeting, and why.

    The build records it in the manifest (with the registry's hash); while the registry is unchanged
    the run reads it from there, with no pandas. Falls back to the newest quarter in the data when the
    registry cannot be read (the performance report then says what is wrong with it).
    """
    manifest = _manifest(processed)
    known = manifest.get("latest") or {}
    registry = get_paths().registry
    if known.get("period") in periods and registry.is_file():
        if known.get("registry_sha256") == hashlib.sha256(registry.read_bytes()).hexdigest():
            return Quarter.parse(known["period"]), str(known.get("why", ""))
    import pandas as pd

    from ..performance.readiness import latest_ready, readiness_text
    from ..performance.registry import load_registry

    try:
        reg = load_registry(registry)
    except ConfigError:
        q = resolve("latest", periods)
        return (
            q,
            f"latest is {q}, the newest quarter in the returns (the registry could not be read)",
        )
    try:
        ret = pd.read_parquet(
            processed / "indicator_returns.parquet",
            columns=["indicator_code", "period", "area_code", "value"],
        )
    except (OSError, ValueError, KeyError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        q = resolve("latest", periods)
        return q, f"latest is {q}, the newest quarter in the returns ({type(exc).__name__})"
    q = latest_ready(ret, reg)
    return q, readiness_text(ret, reg, q)


def _manifest(processed: Path) -> dict:
    try:
        return json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def programme_reach(
    prog: Programme, quarter: Quarter, processed: Path, *, only: Sequence[str] | None = None
) -> dict:
    """For each notebook entry, the quarter it runs for and how far its data reaches (:mod:`.reach`)."""
    manifest = _manifest(processed)
    refresh = {u: s.get("refresh_days") for u, s in (manifest.get("sources") or {}).items()}
    if manifest and any(u not in refresh or refresh[u] is None for u in ("hospital", "indicators")):
        from ..data.catalogue import load_catalogue  # a manifest from before refresh_days was kept

        refresh |= {name: src.refresh_days for name, src in load_catalogue().sources.items()}
    refresh.setdefault("indicators", 91)
    reach = table_reach(manifest, refresh)
    out = {}
    for entry in prog.notebooks:
        if only and entry.name not in only:
            continue
        detected = _cache.detect_inputs(read_notebook(entry.path))
        tables = [t for t in {*entry.inputs, *detected} if "/" not in t and "." not in t]
        out[entry.name] = (
            entry_reach(tables, quarter, reach, lambda t: (processed / f"{t}.parquet").is_file())
            if manifest
            else entry_reach([], quarter, {})
        )
    return out
