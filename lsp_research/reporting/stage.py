"""Staging and publishing a period: the staged folders, what a failed or partial run keeps, the
run files, the audit of the shareable folder and the atomic swap into ``reports/<period>/``.

Part of :mod:`lsp_research.reporting.runner` (which re-exports :func:`publish_dir`).
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import internal_dir
from ..errors import AuditError
from .execute import RunResult
from .export import data_files
from .plan import Planned
from .records import (
    CACHED,
    RAN,
    RunRecord,
    RunSummary,
    now_iso,
    read_summary,
    record_from_json,
    record_json,
)
from .runlog import RunLog

__all__ = ["publish_dir"]


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def publish_dir(staging: Path, final: Path) -> None:
    """Move ``staging`` to ``final`` atomically, replacing any previous ``final``.

    With no previous folder this is one ``rename``. Otherwise the two folders are exchanged in one
    ``renameat2`` call (Linux) and the old one deleted; elsewhere the old folder is renamed aside first
    (a moment without the folder, never a half-written one).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name, text in (("new", "2"), ("old", "1")):
    ...     (d / name).mkdir(); _ = (d / name / "f.txt").write_text(text)
    >>> publish_dir(d / "new", d / "old")
    >>> (d / "old" / "f.txt").read_text(), (d / "new").exists()
    ('2', False)
    """
    staging, final = Path(staging), Path(final)
    if not final.exists():
        os.rename(staging, final)
        return
    if _exchange(staging, final):
        shutil.rmtree(staging)
        return
    aside = final.with_name(f".old-{final.name}-{os.getpid()}")
    os.rename(final, aside)
    os.rename(staging, final)
    shutil.rmtree(aside)


def staged_internal_dir(staging: Path) -> Path:
    """The internal folder staged with ``staging`` (executed notebooks and run logs go there)."""
    return internal_dir(staging.parent) / staging.name


def up_to_date_records(final: Path, planned: Sequence[Planned]) -> list[RunRecord] | None:
    """The published runs, when the published period came from exactly these runs with these cache
    keys, all successful (nothing to run, nothing to republish); else None.
    """
    try:
        data = json.loads(
            (internal_dir(final.parent, final.name) / "run.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None
    if data.get("kept") or not (final / "index.html").is_file():
        return None
    published = {r.get("key"): r for r in data.get("runs", [])}
    if set(published) != {p.task.key for p in planned}:
        return None
    records = []
    for p in planned:
        r = published[p.task.key]
        if r.get("cache_key") != p.cache_key or r.get("status") not in (RAN, CACHED):
            return None
        records.append(
            _record(
                p,
                CACHED,
                r.get("seconds", 0.0),
                files=r.get("files", {}),
                summary=r.get("summary", {}),
            )
        )
    return records


def audited_digests(result: RunResult, users=None) -> set[str]:
    """The SHA-256 digests of the pages a worker audited and passed (``result.audited``), when it
    checked them for every user name the audit here checks (``users``; default
    :func:`~.audit_rules.usernames_to_check`): a worker on another machine, run by another user,
    may not have.

    >>> files = {"a.html": b"<p>a</p>", "a.csv": b"x"}
    >>> r = RunResult("k", "ok", files=files, audited=("a.html",), audited_users=("alice",))
    >>> audited_digests(r, ["alice"]) == {hashlib.sha256(b"<p>a</p>").hexdigest()}
    True
    >>> audited_digests(r, ["alice", "bob"])  # bob's name was not looked for
    set()
    """
    from .audit_rules import usernames_to_check

    users = usernames_to_check(()) if users is None else users
    if not set(users) <= set(result.audited_users):
        return set()
    return {
        hashlib.sha256(result.files[n]).hexdigest() for n in result.audited if n in result.files
    }


def place_result(
    p: Planned, result: RunResult, staging: Path, status: str, seconds: float
) -> RunRecord:
    """Write a run's files into the staged period folder; return its record."""
    base = Path(p.entry.name) / p.task.set_id
    files: dict[str, str] = {}
    summary: dict[str, Any] = {}
    for rel, data in result.files.items():
        name = Path(rel).name
        internal = name.endswith(".ipynb")  # executed notebooks never go in the shareable folder
        target = (staged_internal_dir(staging) if internal else staging) / base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if name.endswith(".ipynb"):
            files["notebook"] = (base / name).as_posix()
            summary = read_summary(data)
        elif name.endswith(".html"):  # a page per tier; the tables' CSV files go beside them
            tier = Path(name).stem.rsplit("-", 1)[-1]
            files[tier] = (base / name).as_posix()
    return _record(
        p,
        status,
        seconds,
        message=result.message,
        files=files,
        summary=summary,
        data_to=dict(p.task.context.get("data_to") or {}),
        as_at=str(p.task.context.get("as_at") or ""),
    )


def _record(p: Planned, status: str, seconds: float, **fields: Any) -> RunRecord:
    """The record of planned run ``p``."""
    return RunRecord(
        key=p.task.key,
        notebook=p.entry.name,
        set_id=p.task.set_id,
        label=p.label,
        parameters=dict(p.task.parameters),
        status=status,
        seconds=seconds,
        cache_key=p.cache_key,
        **fields,
    )


def published_run_json(final: Path) -> dict[str, Any]:
    """The published period's ``run.json`` (in its internal folder), or ``{}``."""
    try:
        run_json = internal_dir(final.parent, final.name) / "run.json"
        return json.loads(run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def keep_last_good(final: Path, staging: Path, records: Sequence[RunRecord], log: RunLog) -> None:
    """A failed run never removes a good one: for each failed record whose run was published good
    before (or was already showing an earlier good version), copy those pages into the staged period
    and note when they were made. The failed run's executed notebook stays as the evidence.
    """
    data = published_run_json(final)
    previous = {r.get("key"): r for r in [*data.get("runs", []), *data.get("kept", [])]}
    for r in records:
        old = previous.get(r.key)
        if r.ok or old is None:
            continue
        made = (
            data.get("finished", "") if old.get("status") in (RAN, CACHED) else old.get("last_good")
        )
        pages = {t: f for t, f in (old.get("files") or {}).items() if t != "notebook"}
        if not made or not pages or not all((final / f).is_file() for f in pages.values()):
            continue
        for tier in [t for t in r.files if t != "notebook"]:  # pages of the failed run: not these
            page = staging / r.files.pop(tier)
            for name in data_files(page) if page.is_file() else []:  # nor their CSVs
                (page.parent / name).unlink(missing_ok=True)
            page.unlink(missing_ok=True)
        for f in pages.values():  # each good page with its CSVs and their metadata
            for name in [Path(f).name, *data_files(final / f)]:
                target = staging / Path(f).parent / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(final / Path(f).parent / name, target)
        r.files.update(pages)
        r.last_good = made
        log.error(
            f"{r.key} not updated this quarter ({r.reason}); the version made {made} stays published"
        )


def carry_over(final: Path, staging: Path, names: set[str], log: RunLog) -> list[RunRecord]:
    """With ``only``: the published runs of the other notebooks, copied (hard-linked where the file
    system allows) from the published period into the staged one.
    """
    final_internal = internal_dir(final.parent, final.name)
    run_json = final_internal / "run.json"
    if not run_json.is_file():
        return []
    try:
        data = json.loads(run_json.read_text(encoding="utf-8"))
    except ValueError:
        log.warning(f"{run_json} is not valid JSON; other notebooks' reports are not carried over")
        return []
    kept = [
        record_from_json(r)
        for r in [*data.get("runs", []), *data.get("kept", [])]
        if r.get("notebook") in names
    ]
    for name in sorted({r.notebook for r in kept}):
        for src, dest in ((final, staging), (final_internal, staged_internal_dir(staging))):
            if (src / name).is_dir():
                try:
                    shutil.copytree(src / name, dest / name, copy_function=os.link)
                except OSError:
                    shutil.rmtree(dest / name, ignore_errors=True)
                    shutil.copytree(src / name, dest / name)
    if kept:
        log.info(
            f"kept {len(kept)} published runs of {', '.join(sorted(names & {r.notebook for r in kept}))}"
        )
    return kept


def write_run_files(staging: Path, summary: RunSummary, kept: Sequence[RunRecord] = ()) -> None:
    """``run.json`` of the run in the staged internal folder (run.log is written as the run goes)."""
    staging = staged_internal_dir(staging)  # run files are for analysts, not readers
    payload = {
        "period": str(summary.period),
        "lsp_research": __version__,
        "finished": now_iso(),
        "seconds": round(summary.seconds, 3),
        "counts": summary.counts,
        "warnings": summary.warnings,
        "runs": [record_json(r) for r in summary.records],
        "kept": [record_json(r) for r in kept],
    }
    (staging / "run.json").write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")


def audit_index(
    staging: Path, index: Path, reports_root: Path, period: str, log: RunLog, passed=()
) -> None:
    """Audit the whole shareable folder (each report was audited by its worker; this catches the index,
    carried-over and cached pages, tables' files and any stray file); on findings keep the staged
    period aside for inspection and refuse to publish. ``passed``: the SHA-256 digests of the pages
    this run's workers audited (:func:`audited_digests`), not read again.
    """
    from .audit import audit_path, format_findings

    findings = audit_path(staging, passed=passed)
    if not findings:
        log.info("audit: every published file passed", echo=False)
        return
    stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    kept = reports_root / f".rejected-{period}-{stamp}"
    os.rename(staging, kept)
    if staged_internal_dir(staging).exists():
        os.rename(
            staged_internal_dir(staging), internal_dir(reports_root) / f".rejected-{period}-{stamp}"
        )
    raise AuditError(
        f"nothing was published for {period}: the shareable folder failed the audit. The staged "
        f"reports are kept in {kept} for inspection.\n{format_findings(findings)}"
    )
