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
import errno
import json
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from .. import datalock as data_lock
from ..config import get_paths, internal_dir
from ..errors import (
    ConfigError,
    ProgrammeError,
    RunInterrupted,
    RunLockedError,
)
from ..periods import Quarter, resolve
from . import cache as _cache
from . import plan as _plan_module
from .execute import (
    DEFAULT_KERNEL,
    KERNEL_NOT_STARTED,
    OK,
    DaskExecutor,
    Executor,
    LocalExecutor,
    RunResult,
    skip_slow_optional_imports,
)
from .kernels import clean_stale_servers, notebook_imports
from .parameters import Areas, available_periods, read_notebook
from .plan import (
    PRELOAD,
    Planned,
    check_environment,
    folder_collisions,  # noqa: F401 - re-exported: runner keeps the public names of plan
    kernel_env,
    latest_quarter,
    make_task,
    parse_period,
    plan,
    programme_reach,
)
from .programme import Programme, load_programme
from .records import CACHED, NOT_RUN, RAN, RunRecord, RunSummary, first_line, now_iso
from .runlog import RunLog
from .stage import (
    audit_index,
    audited_digests,
    carry_over,
    keep_last_good,
    place_result,
    publish_dir,
    published_run_json,
    staged_internal_dir,
    up_to_date_records,
    write_run_files,
)

__all__ = [
    "CACHED",
    "NOT_RUN",
    "RAN",
    "PeriodLock",
    "RunLog",
    "RunRecord",
    "RunSummary",
    "publish_dir",
    "run_programme",
    *_plan_module.__all__,
]


# ------------------------------------------------------------------------------------------ signals


class _StopOnSignal:
    """While a run is going, SIGINT and SIGTERM raise :class:`RunInterrupted` in the main thread (once:
    later signals are ignored while the run cleans up). Inside :meth:`deferred` (publishing) a signal
    waits until the block ends.
    """

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
        when = published_run_json(final).get("finished")
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
    lsp_research.errors.RunLockedError: another run is writing reports for 2009Q3 ...
    """

    def __init__(self, reports_root: Path, period: str):
        self.path = Path(reports_root) / f".{period}.lock"
        self.period = period
        self._fd: int | None = None

    def acquire(self) -> PeriodLock:
        """Take the period's lock; a RunLockedError when another run holds it."""
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
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": now_iso()}
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Release the lock (nothing when it is not held)."""
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> PeriodLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# ------------------------------------------------------------------------------------------- the run


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
            log = RunLog(quiet, stream)
            cleanup.callback(log.close)  # the run's handlers leave the logger however it ends
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
            areas.check_place()  # data of another place would be published under this one's name
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
    log: RunLog,
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
        env = kernel_env(reports_root)
        store = _cache.Cache(reports_root / ".cache")
        planned, preload_t = _plan_tasks(
            prog, quarter, planned_sets, store, env=env, reaches=reaches, timeout=timeout, warm=warm
        )
        if (
            dry_run
        ):  # lsp-research run --dry-run: what would run and why; nothing runs or is written
            from .dryrun import dry_run as _dry_run

            return _dry_run(quarter, planned, store, force=force)
        store.hasher.save()

        if not force and not keep:
            current = up_to_date_records(final, planned)
            if current is not None:
                return RunSummary(
                    quarter,
                    final,
                    current,
                    time.perf_counter() - t0,
                    index=final / "index.html",
                    up_to_date=True,
                )
        prog.index_contributions()  # imported now (checked, not imported, on load): fail before running
        prov = provenance.collect(paths.processed)
        for p in planned:
            p.task.context["provenance"] = prov
        staging.mkdir(parents=True)
        staged_internal_dir(staging).mkdir(parents=True)
        log.start_file(staged_internal_dir(staging) / "run.log")

        records, to_run = _from_cache(planned, staging, store, reaches, force, log)
        passed: set[str] = set()  # digests of the pages this run's workers audited
        if to_run:
            log.info(
                f"{len(to_run)} to run, {len(planned) - len(to_run)} cached"
                + (" (--force)" if force else ""),
            )
            if scheduler is None:
                check_kernel()
            executor = _make_executor(
                executor_factory, scheduler, jobs, env, preload_t, warm, len(to_run)
            )
            by_key = {p.task.key: p for p in to_run}
            try:
                passed = _execute(executor, to_run, by_key, records, staging, store, log)
            except BaseException:  # interrupted: end every process of the run now
                executor.terminate()
                raise
            executor.close()
        ordered = [records[p.task.key] for p in planned]
        return _publish(
            prog, quarter, ordered, staging, reports_root, keep, prov, log, t0, stop, passed
        )
    except BaseException:
        for folder in (staging, staged_internal_dir(staging)):
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
        raise


def _plan_tasks(
    prog: Programme, quarter: Quarter, planned_sets, store, *, env, reaches, timeout, warm
) -> tuple[list[Planned], tuple[str, ...]]:
    """The task and cache key of every planned run, and the modules the warm kernels preload."""
    paths = get_paths()
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

    planned: list[Planned] = []
    input_hashes_by_entry: dict[str, dict[str, str]] = {}
    for entry, pset, values in planned_sets:
        if entry.name not in input_hashes_by_entry:
            inputs = _cache.resolve_inputs(
                entry.inputs,
                _cache.detect_inputs(notebooks[entry.path]),
                paths.processed,
                prog.root,
            )
            input_hashes_by_entry[entry.name] = {k: store.hasher.hash(v) for k, v in inputs.items()}
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
            {**values, "__page": [str(quarter), task.context["data_to"], task.context["as_at"]]},
            entry.tiers,
            input_hashes_by_entry[entry.name],
            code[entry.path],
        )
        planned.append(Planned(entry, task, pset.label, key))
    return planned, preload_t


def _from_cache(
    planned: Sequence[Planned], staging: Path, store, reaches, force: bool, log: RunLog
) -> tuple[dict[str, RunRecord], list[Planned]]:
    """Place the cached runs (and the runs with no data at all) in the staged period; the rest is
    what runs.
    """
    records: dict[str, RunRecord] = {}
    to_run: list[Planned] = []
    for p in planned:
        missing = reaches[p.entry.name].missing if reaches else []
        if missing:  # a source it needs has no data at all: fail this report, run the others
            why = (
                f"not run: no data at all in {', '.join(missing)} (run 'lsp-research data "
                "build', or check the source's files)"
            )
            records[p.task.key] = place_result(
                p, RunResult(p.task.key, NOT_RUN, why), staging, NOT_RUN, 0.0
            )
            continue
        hit = None if force else store.get(p.cache_key)
        if hit is None:
            to_run.append(p)
            continue
        files, meta = hit
        records[p.task.key] = place_result(
            p, RunResult(p.task.key, OK, files=files), staging, CACHED, meta.get("seconds", 0.0)
        )
        log.info(f"cached  {p.task.key}", echo=False)
    return records, to_run


def _publish(
    prog: Programme,
    quarter: Quarter,
    ordered: list[RunRecord],
    staging: Path,
    reports_root: Path,
    keep: set[str],
    prov,
    log: RunLog,
    t0: float,
    stop: _StopOnSignal | None,
    passed: set[str] = frozenset(),
) -> RunSummary:
    """Keep what a failed run must not remove, carry over the other notebooks, write the run files and
    the index, audit the shareable folder (but for the pages this run's workers audited: ``passed``,
    their digests) and publish the period atomically.
    """
    period = str(quarter)
    final = reports_root / period
    keep_last_good(final, staging, ordered, log)
    kept = carry_over(final, staging, keep, log) if keep else []
    summary = RunSummary(quarter, final, ordered, time.perf_counter() - t0, warnings=log.warnings)
    write_run_files(staging, summary, kept)  # a rejected period keeps its run.json
    index = _index(staging, kept + ordered, prog, quarter, prov)
    audit_index(staging, index, reports_root, period, log, passed)
    write_run_files(staging, summary, kept)  # again, finished after the audit
    log.close(summary.table())  # run.log ends with the summary table
    with stop.deferred() if stop is not None else contextlib.nullcontext():
        publish_dir(staged_internal_dir(staging), internal_dir(reports_root, period))
        publish_dir(staging, final)
    summary.index = final / index.relative_to(staging)
    summary.seconds = time.perf_counter() - t0
    return summary


def check_kernel(name: str = DEFAULT_KERNEL) -> None:
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


def _execute(executor, to_run, by_key, records, staging, store, log) -> set[str]:
    """Run ``to_run``, placing each result in ``staging`` as it finishes; returns the SHA-256 digests
    of the pages the workers audited and passed (:func:`~.stage.audited_digests`).
    """
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
    passed: set[str] = set()
    try:
        for result in executor.run([p.task for p in to_run]):
            p = by_key[result.key]
            status = RAN if result.ok else result.status
            records[result.key] = place_result(p, result, staging, status, result.seconds)
            if result.ok:
                passed |= audited_digests(result)
            if result.ok:
                store.put(
                    p.cache_key,
                    result.files,
                    {"key": result.key, "seconds": result.seconds, "made": now_iso()},
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
                log.error(f"{line}: {first_line(result.message)}")
            log.info(f"        parameters {json.dumps(p.task.parameters, default=str)}", echo=False)
            bar.update(1)
            if result.status == KERNEL_NOT_STARTED:  # every other kernel would fail the same way
                _not_started(result, to_run, records, staging, log)
                break
    finally:
        bar.close()
        log.bar = None
    return passed


def _not_started(
    failed: RunResult, to_run: Sequence[Planned], records: dict, staging: Path, log: RunLog
) -> None:
    """After a kernel that did not start: the runs not finished yet are not run (their kernels
    would fail the same way), each saying why.
    """
    log.error(f"the kernel of {failed.key} did not start:\n{failed.message}")
    why = f"not run: the kernel of {failed.key} did not start ({first_line(failed.message)})"
    for p in to_run:
        if p.task.key not in records:
            records[p.task.key] = place_result(
                p, RunResult(p.task.key, NOT_RUN, why), staging, NOT_RUN, 0.0
            )


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
    for contribution in prog.index_contributions():  # registered in programme.yml (``index:``)
        context.update(contribution(entries))  # e.g. the profiles' ward map and league tables
    return write_index(staging, entries, context)
