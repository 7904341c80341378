"""``lsp-research run --dry-run``: what a run would do, and why, without running or publishing anything.

Every run of the quarter is planned and validated exactly as a real run plans it (same parameters, same
cache keys); then each is reported as ``cached`` or ``would run`` with the reason
(:meth:`~lsp_research.reporting.cache.Cache.why_not`): the input, package module, parameter, tier or
notebook that changed since its latest stored result, or that it has never run.

>>> d = DryRun("2009Q3", [("performance", "city", None), ("ward_profile", "E05001164",
...            "input changed: table:deaths")])
>>> print(d.table())
dry run for 2009Q3: nothing was run or published
notebook      set        status     why
ward_profile  E05001164  would run  input changed: table:deaths
performance   city       cached
2 runs: 1 would run, 1 cached
>>> d.exit_code
0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WOULD_RUN, CACHED = "would run", "cached"


@dataclass
class DryRun:
    """The outcome of a dry run: ``(notebook, set, reason)`` per run, ``reason`` None when cached."""

    period: str
    runs: list[tuple[str, str, str | None]]
    forced: bool = False

    exit_code = 0

    @property
    def counts(self) -> dict[str, int]:
        """How many runs would run and how many would come from the cache."""
        would = sum(reason is not None for _, _, reason in self.runs)
        return {WOULD_RUN: would, CACHED: len(self.runs) - would}

    def table(self) -> str:
        """The dry run as a table: notebook, set, status and why, the runs that would run first."""
        rows = [("notebook", "set", "status", "why")]
        ordered = sorted(self.runs, key=lambda r: (r[2] is None, r[0], r[1]))
        rows += [(nb, s, CACHED if why is None else WOULD_RUN, why or "") for nb, s, why in ordered]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"dry run for {self.period}: nothing was run or published"]
        lines += [
            (
                "  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
            ).rstrip()
            for row in rows
        ]
        c, n = self.counts, len(self.runs)
        lines.append(
            f"{n} run{'s' if n != 1 else ''}: {c[WOULD_RUN]} would run, {c[CACHED]} cached"
            + (" (--force: every run would run)" if self.forced else "")
        )
        return "\n".join(lines)


def dry_run(period: str, planned: Sequence, store, *, force: bool = False) -> DryRun:
    """Report the runner's planned runs (each with ``task.key``, ``task.set_id``, ``entry.name`` and
    ``cache_key``) against the cache ``store``.
    """
    runs = []
    for p in planned:
        why = "--force: the cache is ignored" if force else store.why_not(p.task.key, p.cache_key)
        runs.append((p.entry.name, p.task.set_id, why))
    return DryRun(str(period), runs, forced=force)
