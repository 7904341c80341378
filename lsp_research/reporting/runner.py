"""Run a whole quarter: ``lsp-research run --period P``.

:func:`run_programme` does, in order:

1. **Validate everything before any kernel starts**: the period (its form, then that it is in the data),
   the environment the kernels inherit (:func:`check_environment`), ``programme.yml``, every parameter
   set of every notebook against the notebook's typed parameters cell, and that no two parameter sets
   publish to one folder (:func:`folder_collisions`). A problem here raises an
   :class:`~lsp_research.errors.LspError` (exit code 2) and nothing is written to ``reports/``. From
   here to publication the run holds the processed data folder (:mod:`lsp_research.datalock`), so a
   data build cannot change the tables under it, and every page comes from one set of tables.
2. **Lock the period**: a lock file ``reports/.<period>.lock`` (``flock``) stops a second run writing the
   same period; the second run fails at once, naming the process that holds it.
3. **Skip unchanged runs** (:mod:`lsp_research.reporting.cache`) unless ``force``. When every run's
   key matches the published period's ``run.json``, the period is up to date and is left untouched.
4. **Execute** the rest in parallel (:mod:`lsp_research.reporting.execute`: a local process pool, or Dask
   with ``scheduler``), each exporting its tiers in the worker. A failing notebook keeps its executed copy
   with the error marked; the others carry on.
5. **Write the index** (:func:`lsp_research.reporting.publish.write_index`) and ``run.log``, **audit**
   (:func:`lsp_research.reporting.audit.audit_path`: each run's pages in its worker, where a page with
   findings is withheld and its run fails; the index here), then **publish atomically**: the
   period is assembled in ``reports/.staging-<period>-<pid>/`` and swapped into ``reports/<period>/`` in
   one rename, so readers never see a half-written period.

The summary (ran, cached, failed, time) is printed at the end; the run's exit code is 0 when every run
succeeded (or was cached) and 1 when some failed (they are listed, and the rest are published).

Faults:

- **A failed run never removes a good one**: when a run fails and the published period held a good
  version of it, those pages stay published, ``run.json`` records when they were made
  (``last_good``) and the index says "not updated this quarter: failed, see the run log".
- **A kernel that does not start** is reported within seconds with its own error output, and the runs
  not finished yet are not run (every kernel would fail the same way).
- **SIGINT and SIGTERM** (Ctrl-C, systemd, ``timeout``) stop the run at once, whichever process of the
  run receives them (workers and fork servers pass them on to the runner): the worker processes are
  killed, which ends their fork servers and kernels (a parent-death signal,
  :func:`lsp_research.reporting.kernels.die_with_parent`), staging is removed, one line says what was
  kept, and the exit code is 130. A runner killed with SIGKILL leaves no process either; the next run
  removes its staging folder and fork-server folders.
- **Outside a terminal** (cron, a pipe) one line per finished report replaces the progress bar;
  failures go to the log at ERROR and to the console also with ``quiet``.

Layout of a published period: the shareable folder holds only the pages readers need (the whole of it
is audited before it is published); what analysts keep goes to the internal folder beside it
(:func:`lsp_research.config.internal_dir`, ``LSP_INTERNAL_DIR`` moves it), published with it::

    reports/2009Q3/index.html
    reports/2009Q3/<notebook>/<set>/<slug>-<tier>.html            one page per audience tier
    reports/.internal/2009Q3/run.log                              what ran, parameters, timings, warnings
    reports/.internal/2009Q3/run.json                             the same, for programs
    reports/.internal/2009Q3/<notebook>/<set>/<slug>.ipynb        the executed notebook (errors marked)

``<set>`` is ``city`` or the area code; ``<slug>`` is the notebook name, plus ``-<set>`` unless city.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from .. import datalock as data_lock
from ..config import get_paths, internal_dir
from ..errors import AuditError, ConfigError, LspError, ParameterError, ProgrammeError
from ..periods import Quarter, resolve
from . import SUMMARY_MIME
from . import cache as _cache
from .execute import (
    AUDIT_FAILED,
    DEFAULT_KERNEL,
    FAILED,
    KERNEL_DIED,
    KERNEL_NOT_STARTED,
    OK,
    TIMED_OUT,
    DaskExecutor,
    Executor,
    LocalExecutor,
    RunResult,
    RunTask,
    skip_slow_optional_imports,
)
from .kernels import clean_stale_servers, notebook_imports
from .parameters import Areas, available_periods, read_notebook, read_parameters, validate
from .programme import NotebookEntry, Programme, load_programme
from .reach import entry_reach, table_reach

#: Statuses in the summary: ``ran`` and ``cached`` are successes; the execute statuses are failures.
RAN, CACHED, NOT_RUN = "ran", "cached", "not run"
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


class RunLockedError(LspError):
    """Another run holds the lock of this period."""


class RunInterrupted(KeyboardInterrupt):
    """The run was stopped by SIGINT or SIGTERM (exit code 130); the message says what was kept."""


# ------------------------------------------------------------------------------- before any kernel


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


class _StopOnSignal:
    """While a run is going, SIGINT and SIGTERM raise :class:`RunInterrupted` in the main thread (once:
    later signals are ignored while the run cleans up). Inside :meth:`deferred` (publishing) a signal
    waits until the block ends."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.published = False
        self._defer = False
        self._old: dict[int, Any] = {}

    def _handler(self, signum, frame) -> None:
        if self.received is not None:
            return
        self.received = signum
        if not self._defer:
            raise RunInterrupted(signal.Signals(signum).name)

    def __enter__(self) -> _StopOnSignal:
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()

    def deferred(self):
        @contextlib.contextmanager
        def block():
            self._defer = True
            try:
                yield
            finally:
                self._defer = False
            self.published = True
            if self.received is not None:
                raise RunInterrupted(signal.Signals(self.received).name)

        return block()


def _interrupted_line(signame: str, final: Path | None, published: bool) -> str:
    """The one line an interrupted run prints: what stopped it and what was kept."""
    if final is None:
        return f"interrupted by {signame} while checking the run: nothing was written"
    if published:
        return f"interrupted by {signame} after {final} was published; it is complete"
    if (final / "index.html").is_file():
        when = _published(final).get("finished")
        kept = f"{final} is kept as published{f' on {when}' if when else ''}"
    else:
        kept = f"nothing is published in {final}"
    return f"interrupted by {signame}: this run published nothing; {kept}"


# ------------------------------------------------------------------------------------------- locking


class PeriodLock:
    """An exclusive, non-blocking lock on one period of one reports folder (released on process exit).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with PeriodLock(d, "2009Q3"):
    ...     PeriodLock(d, "2009Q3").acquire()
    Traceback (most recent call last):
    ...
    lsp_research.reporting.runner.RunLockedError: another run is writing reports for 2009Q3 ...
    """

    def __init__(self, reports_root: Path, period: str):
        self.path = Path(reports_root) / f".{period}.lock"
        self.period = period
        self._fd: int | None = None

    def acquire(self) -> PeriodLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = ""
            try:
                info = json.loads(os.read(fd, 4096) or b"{}")
                holder = (
                    f" (pid {info.get('pid')} on {info.get('host')}, started {info.get('started')})"
                )
            except (OSError, ValueError):
                pass
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise RunLockedError(
                    f"another run is writing reports for {self.period}{holder}; wait for it to "
                    f"finish (the lock is {self.path}, released when that run ends)"
                ) from None
            raise
        os.ftruncate(fd, 0)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> PeriodLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _now() -> str:
    return _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------- publishing


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


# -------------------------------------------------------------------------------------------- results


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
        first = _first_line(self.message)
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
        ...     RunRecord("a/city", "a", "city", "Sunderland", {}, "ran", 2.5),
        ...     RunRecord("b/city", "b", "city", "Sunderland", {}, "failed", 1.0, "ValueError: x (cell 3)")],
        ...     seconds=3.0)
        >>> print(s.table())
        notebook  set   status  time
        b         city  failed  1.0 s  ValueError: x (cell 3)
        a         city  ran     2.5 s
        2 runs for 2009Q3: 1 ran, 0 cached, 1 failed in 3.0 s
        """
        rows = [("notebook", "set", "status", "time", "")]
        for r in sorted(self.records, key=lambda r: (r.ok, r.key)):
            first_line = r.message.strip().splitlines()[0] if r.message.strip() else ""
            rows.append((r.notebook, r.set_id, r.status, f"{r.seconds:.1f} s", first_line[:120]))
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


class _Log:
    """The run log: every line goes to ``run.log``; the console gets progress unless quiet."""

    def __init__(self, quiet: bool, stream: TextIO | None):
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self.bar = None

    def _echo(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def info(self, text: str, echo: bool = True) -> None:
        self.lines.append(f"{_now()} INFO {text}")
        if echo and not self.quiet:
            self._echo(text)

    def warning(self, text: str) -> None:
        self.lines.append(f"{_now()} WARNING {text}")
        self.warnings.append(text)
        self._echo(f"warning: {text}")

    def error(self, text: str) -> None:
        """A failure: at ERROR in the log, always on the console (also when quiet)."""
        self.lines.append(f"{_now()} ERROR {text}")
        self._echo(f"error: {text}")

    @property
    def terminal(self) -> bool:
        """True when the console is a terminal (a progress bar); else one line per finished report."""
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def write(self, path: Path) -> None:
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------- the run


@dataclass
class _Planned:
    entry: NotebookEntry
    task: RunTask
    label: str
    cache_key: str


def _kernel_env(reports_root: Path) -> dict[str, str]:
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
    sources reach (see :mod:`.reach`)."""
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
    >>> runs = [(e, ParameterSet("North-East", {}), {"area_code": "North East"}),
    ...         (e, ParameterSet("North-East", {}), {"area_code": "North-East"})]
    >>> print(folder_collisions(runs)[0])
    area_profile: the parameter sets {"area_code": "North East"} and {"area_code": "North-East"} would both publish to area_profile/North-East/; give them distinct names (letters, digits, _ and -)
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
    ``reach`` is the entry's :func:`programme_reach` (how far its data reaches)."""
    return RunTask(
        key=f"{entry.name}/{pset.set_id}",
        name=entry.name,
        set_id=pset.set_id,
        notebook=str(entry.path),
        parameters=values,
        tiers=entry.tiers,
        context={
            "name": entry.name,
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


def run_programme(
    period: str = "latest",
    *,
    jobs: int | None = None,
    scheduler: str | Any | None = None,
    force: bool = False,
    quiet: bool = False,
    only: Sequence[str] | None = None,
    out: str | Path | None = None,
    programme: str | Path | None = None,
    warm: bool = True,
    timeout: int | None = None,
    stream: TextIO | None = None,
    executor_factory: Callable[..., Executor] | None = None,
    dry_run: bool = False,
) -> RunSummary:
    """Run every notebook of the programme for one quarter and publish ``<out>/<period>/``.

    Parameters
    ----------
    period : str
        ``YYYYQn``, ``YYYY-YY Qn`` or ``latest`` (the newest quarter in the processed data).
    jobs : int, optional
        Local worker processes (default: the number of CPUs).
    scheduler : str or distributed.Client, optional
        Run on a Dask cluster instead of the local pool.
    force : bool
        Ignore the cache and run everything.
    quiet : bool
        Print only warnings and the summary.
    only : list of str, optional
        Run only these notebooks (by programme name); the other notebooks' reports are kept from the
        published period (when there is one), so the period stays complete.
    out : path, optional
        Reports folder (default ``config.get_paths().reports``).
    programme : path, optional
        Programme file (default ``config.get_paths().programme``).
    warm : bool
        Fork kernels from a warm server (default); False starts each kernel from scratch.
    timeout : int, optional
        Seconds allowed per cell, overriding ``programme.yml``.
    dry_run : bool
        Plan and validate as usual, then return a :class:`~lsp_research.reporting.dryrun.DryRun`
        (what would run, what is cached, and why) instead of running or publishing anything.

    Returns
    -------
    RunSummary (a DryRun with ``dry_run``)

    Raises
    ------
    PeriodError, ProgrammeError, ParameterError, LspError
        Before anything is written (exit code 2).
    RunLockedError
        When another run holds the period's lock (exit code 2).
    AuditError
        When the index page fails the audit; the staged folder is kept for inspection and nothing is
        published (exit code 2). (A report page that fails makes its own run fail instead.)
    """
    t0 = time.perf_counter()
    stop = _StopOnSignal()  # from the start: a signal at any point ends the run the same way
    final: Path | None = None
    try:
        with stop, contextlib.ExitStack() as cleanup:
            skip_slow_optional_imports()
            log = _Log(quiet, stream)
            requested = parse_period(period)  # the form first: a bad period touches nothing
            check_environment()
            prog = load_programme(programme)
            paths = get_paths()
            # one consistent set of tables from here to publication: a data build waits for none
            # of this but is refused while it lasts (and a run is refused during a build)
            snapshot = data_lock.reading(paths.processed, f"a run (--period {period})")
            cleanup.enter_context(snapshot)
            periods = available_periods(paths.processed)
            if requested == "latest":
                quarter, why = latest_quarter(paths.processed, periods)
                log.info(why, echo=False)
            else:
                quarter = resolve(requested, periods)
            areas = Areas.from_processed(paths.processed)
            reaches = programme_reach(prog, quarter, paths.processed, only=only)
            planned_sets = plan(
                prog,
                quarter,
                periods,
                areas,
                only=only,
                quarters={k: r.quarter for k, r in reaches.items()},
            )
            if not planned_sets:
                raise ProgrammeError("the programme has nothing to run")

            reports_root = Path(out).expanduser().resolve() if out else paths.reports
            final = reports_root / str(quarter)
            with PeriodLock(reports_root, str(quarter)):
                others = {e.name for e in prog.notebooks} - {e.name for e, _, _ in planned_sets}
                return _run_locked(
                    prog,
                    quarter,
                    planned_sets,
                    reports_root,
                    reaches=reaches,
                    keep=others,
                    log=log,
                    t0=t0,
                    jobs=jobs,
                    scheduler=scheduler,
                    force=force,
                    warm=warm,
                    timeout=timeout,
                    executor_factory=executor_factory,
                    stop=stop,
                    dry_run=dry_run,
                )
    except KeyboardInterrupt as exc:
        signame = str(exc) if isinstance(exc, RunInterrupted) else "SIGINT"
        raise RunInterrupted(_interrupted_line(signame, final, stop.published)) from None


def _run_locked(
    prog: Programme,
    quarter: Quarter,
    planned_sets,
    reports_root: Path,
    *,
    reaches: dict | None = None,
    keep: set[str],
    log: _Log,
    t0: float,
    jobs,
    scheduler,
    force,
    warm,
    timeout,
    executor_factory,
    stop: _StopOnSignal | None = None,
    dry_run=False,
) -> RunSummary:
    from . import provenance

    period = str(quarter)
    final = reports_root / period
    staging = reports_root / f".staging-{period}-{os.getpid()}"
    for root in (reports_root, internal_dir(reports_root)):
        for stale in root.glob(f".staging-{period}-*"):  # left by a killed run; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
    clean_stale_servers()  # and the folders of its fork servers (which ended with it)
    try:
        log.info(
            f"lsp-research {__version__}: running {len(planned_sets)} report"
            f"{'s' if len(planned_sets) != 1 else ''} for {quarter} ({quarter.label}); "
            f"programme {prog.path}",
            echo=False,
        )
        paths = get_paths()
        env = _kernel_env(reports_root)
        store = _cache.Cache(reports_root / ".cache")

        notebooks: dict[Path, dict] = {}
        nb_hash: dict[Path, str] = {}
        code: dict[Path, str] = {}  # the package code each notebook can run, hashed
        preload: set[str] = set()
        for entry, _, _ in planned_sets:
            if entry.path not in notebooks:
                nb = read_notebook(entry.path)
                notebooks[entry.path] = nb
                nb_hash[entry.path] = _cache.notebook_hash(nb)
                imports = notebook_imports(nb)
                code[entry.path] = _cache.code_fingerprint(imports)
                preload |= imports
        preload_t = tuple(sorted(preload | set(PRELOAD)))

        planned: list[_Planned] = []
        input_hashes_by_entry: dict[str, dict[str, str]] = {}
        for entry, pset, values in planned_sets:
            if entry.name not in input_hashes_by_entry:
                inputs = _cache.resolve_inputs(
                    entry.inputs,
                    _cache.detect_inputs(notebooks[entry.path]),
                    paths.processed,
                    prog.root,
                )
                input_hashes_by_entry[entry.name] = {
                    k: store.hasher.hash(v) for k, v in inputs.items()
                }
            task = make_task(
                entry,
                pset,
                values,
                quarter,
                env=env,
                timeout=timeout,
                warm=warm,
                preload=preload_t,
                reach=reaches[entry.name] if reaches else None,
            )
            key = _cache.run_key(
                nb_hash[entry.path],
                # the page says which run it belongs to and how far its data reaches: a report
                # run "as at" an earlier quarter is re-rendered for the new run's period
                {**values, "__page": [period, task.context["data_to"], task.context["as_at"]]},
                entry.tiers,
                input_hashes_by_entry[entry.name],
                code[entry.path],
            )
            planned.append(_Planned(entry, task, pset.label, key))
        if (
            dry_run
        ):  # lsp-research run --dry-run: what would run and why; nothing runs or is written
            from .dryrun import dry_run as _dry_run

            return _dry_run(quarter, planned, store, force=force)
        store.hasher.save()

        if not force and not keep:
            current = _up_to_date(final, planned)
            if current is not None:
                return RunSummary(
                    quarter,
                    final,
                    current,
                    time.perf_counter() - t0,
                    index=final / "index.html",
                    up_to_date=True,
                )
        prov = provenance.collect(paths.processed)
        for p in planned:
            p.task.context["provenance"] = prov
        staging.mkdir(parents=True)
        _internal(staging).mkdir(parents=True)

        records: dict[str, RunRecord] = {}
        to_run: list[_Planned] = []
        for p in planned:
            missing = reaches[p.entry.name].missing if reaches else []
            if missing:  # a source it needs has no data at all: fail this report, run the others
                why = (
                    f"not run: no data at all in {', '.join(missing)} (run 'lsp-research data "
                    "build', or check the source's files)"
                )
                records[p.task.key] = _place(
                    p, RunResult(p.task.key, NOT_RUN, why), staging, NOT_RUN, 0.0
                )
                continue
            hit = None if force else store.get(p.cache_key)
            if hit is None:
                to_run.append(p)
                continue
            files, meta = hit
            records[p.task.key] = _place(
                p, RunResult(p.task.key, OK, files=files), staging, CACHED, meta.get("seconds", 0.0)
            )
            log.info(f"cached  {p.task.key}", echo=False)

        if to_run:
            log.info(
                f"{len(to_run)} to run, {len(planned) - len(to_run)} cached"
                + (" (--force)" if force else ""),
            )
            if scheduler is None:
                _check_kernel()
            executor = _make_executor(
                executor_factory, scheduler, jobs, env, preload_t, warm, len(to_run)
            )
            by_key = {p.task.key: p for p in to_run}
            try:
                _execute(executor, to_run, by_key, records, staging, store, log)
            except BaseException:  # interrupted: end every process of the run now
                executor.terminate()
                raise
            executor.close()

        ordered = [records[p.task.key] for p in planned]
        _keep_last_good(final, staging, ordered, log)
        kept = _carry_over(final, staging, keep, log) if keep else []
        summary = RunSummary(
            quarter, final, ordered, time.perf_counter() - t0, warnings=log.warnings
        )
        _write_run_files(staging, summary, log, kept)
        index = _index(staging, kept + ordered, prog, quarter, prov)
        _audit_index(staging, index, reports_root, period, log)
        _write_run_files(staging, summary, log, kept)  # again, with the audit's lines
        with stop.deferred() if stop is not None else contextlib.nullcontext():
            publish_dir(_internal(staging), internal_dir(reports_root, period))
            publish_dir(staging, final)
        summary.index = final / index.relative_to(staging)
        summary.seconds = time.perf_counter() - t0
        return summary
    except BaseException:
        for folder in (staging, _internal(staging)):
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
        raise


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


def _internal(staging: Path) -> Path:
    """The internal folder staged with ``staging`` (executed notebooks and run logs go there)."""
    return internal_dir(staging.parent) / staging.name


def _up_to_date(final: Path, planned: Sequence[_Planned]) -> list[RunRecord] | None:
    """The published runs, when the published period came from exactly these runs with these cache
    keys, all successful (nothing to run, nothing to republish); else None."""
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
            RunRecord(
                key=p.task.key,
                notebook=p.entry.name,
                set_id=p.task.set_id,
                label=p.label,
                parameters=dict(p.task.parameters),
                status=CACHED,
                seconds=r.get("seconds", 0.0),
                files=r.get("files", {}),
                summary=r.get("summary", {}),
                cache_key=p.cache_key,
            )
        )
    return records


def _check_kernel(name: str = DEFAULT_KERNEL) -> None:
    """Fail before running anything when the project's Jupyter kernel is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise ConfigError(
            f"the Jupyter kernel '{name}' is not installed: run 'make install' (or "
            f"'.venv/bin/python -m ipykernel install --sys-prefix --name {name}')"
        ) from None


def _make_executor(factory, scheduler, jobs, env, preload, warm, n_tasks) -> Executor:
    if factory is not None:
        return factory(jobs=jobs, scheduler=scheduler, env=env, preload=preload, warm=warm)
    if scheduler is not None:
        return DaskExecutor(scheduler)
    n = max(1, min(int(jobs or os.cpu_count() or 1), n_tasks))
    return LocalExecutor(n, env=env, preload=preload, warm=warm)


def _execute(executor, to_run, by_key, records, staging, store, log) -> None:
    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(to_run),
        desc="notebooks",
        unit="run",
        disable=True if log.quiet else None,
        file=log.stream,
        leave=False,
    )
    log.bar = bar
    left = len(to_run)
    try:
        for result in executor.run([p.task for p in to_run]):
            p = by_key[result.key]
            status = RAN if result.ok else result.status
            records[result.key] = _place(p, result, staging, status, result.seconds)
            if result.ok:
                store.put(
                    p.cache_key,
                    result.files,
                    {"key": result.key, "seconds": result.seconds, "made": _now()},
                )
            left -= 1
            timing = (
                f"{result.seconds:.1f} s (execute {result.execute_seconds:.1f} s, export "
                f"{result.export_seconds:.1f} s{', warm kernel' if result.warm else ''})"
            )
            line = f"{status:<7} {result.key} in {timing}; {left} left"
            if result.ok:  # outside a terminal, one line per finished report instead of a bar
                log.info(line, echo=not log.terminal)
            else:
                log.error(f"{line}: {_first_line(result.message)}")
            log.info(f"        parameters {json.dumps(p.task.parameters, default=str)}", echo=False)
            bar.update(1)
            if result.status == KERNEL_NOT_STARTED:  # every other kernel would fail the same way
                _not_started(result, to_run, records, staging, log)
                break
    finally:
        bar.close()
        log.bar = None


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def _not_started(
    failed: RunResult, to_run: Sequence[_Planned], records: dict, staging: Path, log: _Log
) -> None:
    """After a kernel that did not start: the runs not finished yet are not run (their kernels
    would fail the same way), each saying why."""
    log.error(f"the kernel of {failed.key} did not start:\n{failed.message}")
    why = f"not run: the kernel of {failed.key} did not start ({_first_line(failed.message)})"
    for p in to_run:
        if p.task.key not in records:
            records[p.task.key] = _place(
                p, RunResult(p.task.key, NOT_RUN, why), staging, NOT_RUN, 0.0
            )


def _read_summary(data: bytes) -> dict[str, Any]:
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


def _place(p: _Planned, result: RunResult, staging: Path, status: str, seconds: float) -> RunRecord:
    """Write a run's files into the staged period folder; return its record."""
    base = Path(p.entry.name) / p.task.set_id
    files: dict[str, str] = {}
    summary: dict[str, Any] = {}
    for rel, data in result.files.items():
        name = Path(rel).name
        internal = name.endswith(".ipynb")  # executed notebooks never go in the shareable folder
        target = (_internal(staging) if internal else staging) / base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if name.endswith(".ipynb"):
            files["notebook"] = (base / name).as_posix()
            summary = _read_summary(data)
        elif name.endswith(".html"):  # a page per tier; the tables' CSV files go beside them
            tier = Path(name).stem.rsplit("-", 1)[-1]
            files[tier] = (base / name).as_posix()
    return RunRecord(
        key=p.task.key,
        notebook=p.entry.name,
        set_id=p.task.set_id,
        label=p.label,
        parameters=dict(p.task.parameters),
        status=status,
        seconds=seconds,
        message=result.message,
        files=files,
        summary=summary,
        cache_key=p.cache_key,
        data_to=dict(p.task.context.get("data_to") or {}),
        as_at=str(p.task.context.get("as_at") or ""),
    )


def _record_json(r: RunRecord) -> dict[str, Any]:
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


def _record_from_json(r: Mapping[str, Any]) -> RunRecord:
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


def _published(final: Path) -> dict[str, Any]:
    """The published period's ``run.json`` (in its internal folder), or ``{}``."""
    try:
        run_json = internal_dir(final.parent, final.name) / "run.json"
        return json.loads(run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _keep_last_good(final: Path, staging: Path, records: Sequence[RunRecord], log: _Log) -> None:
    """A failed run never removes a good one: for each failed record whose run was published good
    before (or was already showing an earlier good version), copy those pages into the staged period
    and note when they were made. The failed run's executed notebook stays as the evidence."""
    data = _published(final)
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
            (staging / r.files.pop(tier)).unlink(missing_ok=True)
        for f in pages.values():
            target = staging / f
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(final / f, target)
        r.files.update(pages)
        r.last_good = made
        log.error(
            f"{r.key} not updated this quarter ({r.reason}); the version made {made} stays published"
        )


def _carry_over(final: Path, staging: Path, names: set[str], log: _Log) -> list[RunRecord]:
    """With ``only``: the published runs of the other notebooks, copied (hard-linked where the file
    system allows) from the published period into the staged one."""
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
        _record_from_json(r)
        for r in [*data.get("runs", []), *data.get("kept", [])]
        if r.get("notebook") in names
    ]
    for name in sorted({r.notebook for r in kept}):
        for src, dest in ((final, staging), (final_internal, _internal(staging))):
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


def _write_run_files(
    staging: Path, summary: RunSummary, log: _Log, kept: Sequence[RunRecord] = ()
) -> None:
    log_lines = list(log.lines)
    staging = _internal(staging)  # run logs are for analysts, not readers
    (staging / "run.log").write_text(
        "\n".join([*log_lines, "", summary.table()]) + "\n", encoding="utf-8"
    )
    payload = {
        "period": str(summary.period),
        "lsp_research": __version__,
        "finished": _now(),
        "seconds": round(summary.seconds, 3),
        "counts": summary.counts,
        "warnings": summary.warnings,
        "runs": [_record_json(r) for r in summary.records],
        "kept": [_record_json(r) for r in kept],
    }
    (staging / "run.json").write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")


def _index(
    staging: Path, records: Sequence[RunRecord], prog: Programme, quarter: Quarter, prov
) -> Path:
    from .publish import write_index

    entries = []
    for r in records:
        files = {t: f for t, f in r.files.items() if t != "notebook"}
        entries.append(
            {
                "notebook": r.notebook,
                "parameter_set": r.set_id,
                "label": r.label,
                "files": files,
                "status": "ok" if r.ok else r.status,
                "reason": r.reason,
                "last_good": r.last_good,
                "summary": r.summary or None,
                "message": r.message,
                "data_to": r.data_to,
                "as_at": r.as_at,
            }
        )
    context = {
        "period": str(quarter),
        "period_label": quarter.label,
        "provenance": prov,
    }
    from ..topics.profiles import index_context

    context.update(index_context(entries))  # ward map and league tables from the profiles' records
    return write_index(staging, entries, context)


def _audit_index(staging: Path, index: Path, reports_root: Path, period: str, log: _Log) -> None:
    """Audit the whole shareable folder (each report was audited by its worker; this catches the index,
    carried-over pages and any stray file); on findings keep the staged period aside for inspection and
    refuse to publish."""
    from .audit import audit_path, format_findings

    findings = audit_path(staging)
    if not findings:
        log.info("audit: every published file passed", echo=False)
        return
    stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    kept = reports_root / f".rejected-{period}-{stamp}"
    os.rename(staging, kept)
    if _internal(staging).exists():
        os.rename(_internal(staging), internal_dir(reports_root) / f".rejected-{period}-{stamp}")
    raise AuditError(
        f"nothing was published for {period}: the shareable folder failed the audit. The staged "
        f"reports are kept in {kept} for inspection.\n{format_findings(findings)}"
    )
