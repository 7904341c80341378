"""The records of a run: one :class:`RunRecord` per report, the :class:`RunSummary` of the run.

Part of :mod:`lsp_research.reporting.runner` (which re-exports these names); ``run.json`` holds the
records (:func:`record_json`, :func:`record_from_json`).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import internal_dir
from ..periods import Quarter
from . import SUMMARY_MIME
from .execute import AUDIT_FAILED, FAILED, KERNEL_DIED, KERNEL_NOT_STARTED, TIMED_OUT

__all__ = ["CACHED", "NOT_RUN", "RAN", "RunRecord", "RunSummary"]


#: Statuses in the summary: ``ran`` and ``cached`` are successes; the execute statuses are failures.
RAN, CACHED, NOT_RUN = "ran", "cached", "not run"


def now_iso() -> str:
    return _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


@dataclass
class RunRecord:
    """One run in the summary."""

    key: str
    notebook: str
    set_id: str
    label: str
    parameters: dict[str, Any]
    status: str
    seconds: float = 0.0
    message: str = ""
    files: dict[str, str] = field(default_factory=dict)  # tier or "notebook" -> path in period dir
    summary: dict[str, Any] = field(default_factory=dict)
    cache_key: str = ""
    #: How far the report's data reaches (source -> quarter) and the quarter it ran "as at".
    data_to: dict[str, str] = field(default_factory=dict)
    as_at: str = ""
    #: when this run failed and an earlier good version stays published: when that one was made
    last_good: str = ""

    @property
    def ok(self) -> bool:
        """Whether the run succeeded (ran or came from the cache)."""
        return self.status in (RAN, CACHED)

    @property
    def reason(self) -> str:
        """Why the run failed, in words safe to publish on the index page: the status, the error's
        type and cell, never its text (which may quote data or paths).

        >>> RunRecord("a/city", "a", "city", "", {}, "failed", message="KeyError: 'x' (cell 4)").reason
        'failed: KeyError in cell 4'
        >>> RunRecord("a/city", "a", "city", "", {}, "timed out",
        ...           message="a cell ran longer than the 5 s allowed per cell").reason
        'timed out: a cell ran longer than the 5 s allowed per cell'
        """
        first = first_line(self.message)
        if self.ok:
            return ""
        if self.status in (TIMED_OUT, KERNEL_DIED, NOT_RUN):  # the runner's own words
            return f"{self.status}: {first}" if self.status != NOT_RUN else first
        m = re.match(r"(\w+): .*\(cell (\d+)\)$", first)
        if self.status == FAILED and m:
            return f"failed: {m.group(1)} in cell {m.group(2)}"
        if self.status == AUDIT_FAILED:
            return "audit failed: its pages did not pass the pre-publication audit"
        m = re.match(r"(\w+):", first)
        return (
            f"{self.status}: {m.group(1)}"
            if m and self.status != KERNEL_NOT_STARTED
            else self.status
        )


@dataclass
class RunSummary:
    """The outcome of :func:`run_programme`."""

    period: Quarter
    period_dir: Path
    records: list[RunRecord]
    seconds: float
    index: Path | None = None
    warnings: list[str] = field(default_factory=list)
    #: True when nothing changed since the published period was made, which was left as it was
    up_to_date: bool = False

    @property
    def internal_dir(self) -> Path:
        """The period's internal folder (executed notebooks, run.log, run.json)."""
        return internal_dir(self.period_dir.parent, self.period_dir.name)

    @property
    def counts(self) -> dict[str, int]:
        """How many runs ran, came from the cache and failed."""
        ran = sum(r.status == RAN for r in self.records)
        cached = sum(r.status == CACHED for r in self.records)
        return {"ran": ran, "cached": cached, "failed": len(self.records) - ran - cached}

    @property
    def exit_code(self) -> int:
        """0 when every run succeeded or was cached, 1 when any failed."""
        return 0 if self.counts["failed"] == 0 else 1

    def table(self) -> str:
        """The summary table printed at the end of a run.

        >>> s = RunSummary(Quarter.parse("2009Q3"), Path("r"), [
        ...     RunRecord("a/city", "a", "city", "Eastbury", {}, "ran", 2.5),
        ...     RunRecord("b/city", "b", "city", "Eastbury", {}, "failed", 1.0, "ValueError: x (cell 3)")],
        ...     seconds=3.0)
        >>> print(s.table())
        notebook  set   status  time
        b         city  failed  1.0 s  ValueError: x (cell 3)
        a         city  ran     2.5 s
        2 runs for 2009Q3: 1 ran, 0 cached, 1 failed in 3.0 s
        """
        rows = [("notebook", "set", "status", "time", "")]
        for r in sorted(self.records, key=lambda r: (r.ok, r.key)):
            rows.append(
                (r.notebook, r.set_id, r.status, f"{r.seconds:.1f} s", first_line(r.message)[:120])
            )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
            for row in rows
        ]
        c = self.counts
        n = len(self.records)
        lines.append(
            f"{n} run{'s' if n != 1 else ''} for {self.period}: {c['ran']} ran, {c['cached']} cached, "
            f"{c['failed']} failed in {self.seconds:.1f} s"
        )
        return "\n".join(line.rstrip() for line in lines)


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def read_summary(data: bytes) -> dict[str, Any]:
    """Headline figures a notebook recorded with :func:`lsp_research.reporting.record`."""
    try:
        nb = json.loads(data)
    except ValueError:
        return {}
    found: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            value = (out.get("data") or {}).get(SUMMARY_MIME)
            if isinstance(value, dict):
                found.update(value)
    return found


def record_json(r: RunRecord) -> dict[str, Any]:
    return {
        "key": r.key,
        "notebook": r.notebook,
        "set": r.set_id,
        "label": r.label,
        "status": r.status,
        "seconds": round(r.seconds, 3),
        "parameters": r.parameters,
        "message": r.message,
        "files": r.files,
        "summary": r.summary,
        "cache_key": r.cache_key,
        "data_to": r.data_to,
        "as_at": r.as_at,
        **({"last_good": r.last_good} if r.last_good else {}),
    }


def record_from_json(r: Mapping[str, Any]) -> RunRecord:
    return RunRecord(
        key=r["key"],
        notebook=r["notebook"],
        set_id=r["set"],
        label=r.get("label", ""),
        parameters=r.get("parameters", {}),
        status=r["status"],
        seconds=r.get("seconds", 0.0),
        message=r.get("message", ""),
        files=r.get("files", {}),
        summary=r.get("summary", {}),
        cache_key=r.get("cache_key", ""),
        data_to=r.get("data_to", {}),
        as_at=r.get("as_at", ""),
        last_good=r.get("last_good", ""),
    )
