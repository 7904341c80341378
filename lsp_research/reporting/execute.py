"""Execute notebook runs behind one interface: a local process pool, or Dask distributed.

A run is a :class:`RunTask` (a notebook, its parameters, its tiers) and :func:`run_task` turns it into a
:class:`RunResult` holding the executed notebook and the exported HTML as bytes, so results travel back
from a cluster worker without a shared report folder. :func:`run_task` never raises: a failing cell, a
cell that runs past its timeout, a kernel that dies and an export that fails all come back as a status
with a message, and the executed notebook keeps the evidence (papermill marks the failing cell; for a
timeout or a dead kernel a note is added at the top and above the cell that was running).

What makes it fast, without sharing state between runs:

- each worker process imports papermill, nbclient and the exporter once and exports in process;
- each worker owns a fork server (:mod:`lsp_research.reporting.kernels`) that has already imported the
  libraries the notebooks use, and forks a *new kernel process per run*; nothing one run does can be seen
  by the next, yet no run pays the imports.

Executors:

``LocalExecutor(jobs)``
    a ``concurrent.futures`` process pool (the default; ``--jobs``).
``DaskExecutor(address)``
    a ``distributed.Client`` on a running scheduler (``--scheduler tcp://host:8786``); each Dask worker
    process starts its own fork server. Workers must see the project (notebooks, package) and the
    processed data at the same paths as the runner (``LSP_PROCESSED_DIR`` is passed to them); the
    reports come back to the runner as bytes, so the reports folder need not be shared. Before any run
    starts every worker is probed and a worker whose code, data manifest, kernel or notebooks differ
    from the runner's is named in an ``LspError`` (``docs/scaling.md``).

>>> t = RunTask(key="demo/city", name="demo", set_id="city", notebook="demo.ipynb",
...             parameters={"period": "2009Q3"}, tiers=("board",))
>>> t.slug, RunResult(key=t.key, status="ok").ok
('demo', True)
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import hashlib
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Statuses a run can end with.
OK, FAILED, TIMED_OUT, KERNEL_DIED, EXPORT_FAILED, AUDIT_FAILED, ERROR = (
    "ok",
    "failed",
    "timed out",
    "kernel died",
    "export failed",
    "audit failed",
    "error",
)
#: The kernel never answered (it ended, or reported errors and went quiet); the runner stops there.
KERNEL_NOT_STARTED = "kernel did not start"
DEFAULT_KERNEL = "lsp-research"


@dataclass(frozen=True)
class RunTask:
    """One notebook run: everything a worker needs, picklable.

    Attributes
    ----------
    key : str
        ``<name>/<set_id>``, unique within a programme run.
    notebook : str
        Absolute path of the template notebook.
    parameters : dict
        Injected by papermill (already validated).
    tiers : tuple of str
        Tiers to export from the executed notebook.
    context : dict
        Passed to ``export_tiers`` (title, period, provenance, ...); ``slug`` defaults to :attr:`slug`.
    env : dict
        Environment variables for the kernel (``LSP_PROCESSED_DIR`` and friends).
    timeout : int
        Seconds allowed per cell.
    warm : bool
        Fork kernels from a warm server (see :mod:`lsp_research.reporting.kernels`) when possible.
    preload : tuple of str
        Modules the warm server imports once.
    """

    key: str
    name: str
    set_id: str
    notebook: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    tiers: tuple[str, ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: int = 600
    kernel_name: str | None = None
    warm: bool = True
    preload: tuple[str, ...] = ()
    start_timeout: int = 120

    @property
    def slug(self) -> str:
        """File-name stem of this run's outputs: the notebook name, plus the set id unless ``city``."""
        return self.name if self.set_id == "city" else f"{self.name}-{self.set_id}"


@dataclass
class RunResult:
    """What a run produced. ``files`` maps paths relative to the notebook's report folder to bytes."""

    key: str
    status: str
    message: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0
    execute_seconds: float = 0.0
    export_seconds: float = 0.0
    warm: bool = False
    failed_cell: int | None = None
    #: the pages (keys of ``files``) the worker audited and passed, and the user names it checked
    #: them for: the final audit of the period need not read the same bytes again
    audited: tuple[str, ...] = ()
    audited_users: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the notebook ran without error."""
        return self.status == OK


# ------------------------------------------------------------------------------------------ one run


def _mark(nb, note: str, cell_index: int | None) -> None:
    """Put a visible note at the top of ``nb`` and above the cell that was running (as papermill does
    for a failing cell).
    """
    import nbformat

    style = 'style="color:red; font-size:1.2em"'
    top = nbformat.v4.new_markdown_cell(
        f'<span id="lsp-run-error" {style}>{note}</span>',
        metadata={"tags": ["lsp-run-error"]},
    )
    if cell_index is not None and 0 <= cell_index < len(nb.cells):
        nb.cells.insert(cell_index, nbformat.v4.new_markdown_cell(f"<span {style}>{note}</span>"))
    nb.cells.insert(0, top)


def _running_cell(nb) -> int | None:
    """The index of the cell papermill recorded as running (or the first one that did not finish)."""
    for i, cell in enumerate(nb.cells):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if status == "running":
            return i
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.get("metadata", {}).get("papermill", {}).get(
            "status"
        ) in ("pending", None):
            return i
    return None


def _signal_name(code: int | None) -> str:
    if code is None or code >= 0:
        return f"exit code {code}" if code is not None else "unknown cause"
    try:
        return f"killed by signal {-code} ({signal.Signals(-code).name})"
    except ValueError:
        return f"killed by signal {-code}"


def run_task(task: RunTask) -> RunResult:
    """Execute one run and export its tiers; never raises (see the module docs)."""
    skip_slow_optional_imports()
    t0 = time.perf_counter()
    result = RunResult(key=task.key, status=ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="lsp-run-"))
    saved = {k: os.environ.get(k) for k in task.env}  # the run's folders; restored for the caller
    try:
        _run(task, tmp, result)
    except BaseException as exc:  # noqa: BLE001 - a run must always come back with its evidence
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.status = ERROR
        result.message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    finally:
        for (
            key,
            value,
        ) in saved.items():  # a run in the caller's process leaves its environment as found
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for path in sorted(tmp.rglob("*")):
            if path.is_file():
                result.files.setdefault(path.relative_to(tmp).as_posix(), path.read_bytes())
        shutil.rmtree(tmp, ignore_errors=True)
        result.seconds = time.perf_counter() - t0
    return result


#: The papermill engine the runs use (registered once per process by :func:`_engine`).
ENGINE = "lsp-research"


@functools.cache
def _engine() -> str:
    """Register :data:`ENGINE` with papermill: its ``nbclient`` engine, which also keeps a reference to
    the notebook being executed in the ``evidence`` dict a run passes (see :func:`_papermill`).
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class EvidenceEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            kwargs.pop("evidence")["nb"] = nb_man.nb
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(ENGINE, EvidenceEngine)
    return ENGINE


def _papermill(task: RunTask, executed: Path, engine_kwargs: Mapping[str, Any]):
    """Parameterise and execute the notebook with ``papermill.execute_notebook``; return
    ``(notebook, exception or None)``. A failing cell is marked by papermill.

    Two things papermill's defaults would not give, both through its public API:

    - ``request_save_on_cell_execute=False``: the executed notebook is written once, at the end, not
      after every cell (which costs seconds for notebooks with many charts);
    - without those saves papermill keeps nothing when the kernel dies or a cell times out (the
      exception leaves ``execute_notebook`` before it returns the notebook), so the runs use a
      registered engine (:func:`_engine`, papermill's ``nbclient`` engine) that hands back the
      notebook being executed: the cells run so far are the evidence the run reports.

    Warm kernels need nothing of papermill but its ``kernel_manager_class`` engine argument
    (:mod:`lsp_research.reporting.kernels`).
    """
    import papermill as pm

    evidence: dict[str, Any] = {}
    try:
        nb = pm.execute_notebook(
            task.notebook,
            str(executed),
            parameters=dict(task.parameters) or None,
            engine_name=_engine(),
            request_save_on_cell_execute=False,
            kernel_name=task.kernel_name or DEFAULT_KERNEL,
            progress_bar=False,
            log_output=False,
            start_timeout=task.start_timeout,
            cwd=str(Path(task.notebook).parent),
            execution_timeout=task.timeout,
            shutdown_kernel="immediate",
            evidence=evidence,
            # a scheduled run's cells are not the analyst's history: nothing is written to
            # ~/.ipython's history database (two kernels at once would also contend for its lock)
            extra_arguments=["--HistoryManager.enabled=False"],
            **engine_kwargs,
        )
    except pm.PapermillExecutionError as exc:  # the failing cell is marked and the notebook saved
        return evidence["nb"], exc
    except Exception as exc:  # noqa: BLE001 - classified by the caller
        if "nb" not in evidence:  # it stopped before the kernel was asked for
            raise
        return evidence["nb"], exc
    return nb, None


def _run(task: RunTask, tmp: Path, result: RunResult) -> None:
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from . import kernels

    # nbclient logs a dead kernel or a timeout as an error; the run reports it itself, once
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    os.environ.update(task.env)
    executed = tmp / "executed" / f"{task.slug}.ipynb"
    executed.parent.mkdir(parents=True)
    engine_kwargs: dict[str, Any] = {}
    if task.warm and kernels.fork_available():
        kernels.get_server(task.preload, env=task.env)
        engine_kwargs["kernel_manager_class"] = kernels.fork_kernel_manager_class()
        result.warm = True
    else:  # from scratch, but a kernel that does not start is still reported at once
        engine_kwargs["kernel_manager_class"] = kernels.cold_kernel_manager_class()
    t_exec = time.perf_counter()
    try:
        nb, exc = _papermill(task, executed, engine_kwargs)
    finally:
        result.execute_seconds = time.perf_counter() - t_exec
    if exc is not None:
        if isinstance(exc, pm.PapermillExecutionError):
            result.status = FAILED
            result.message = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
            result.failed_cell = exc.exec_count
            return
        if isinstance(exc, CellTimeoutError):
            result.status = TIMED_OUT
            result.message = f"a cell ran longer than the {task.timeout} s allowed per cell"
        elif isinstance(exc, kernels.KernelStartError):
            result.status = KERNEL_NOT_STARTED
            result.message = str(exc)
        elif isinstance(exc, DeadKernelError):
            cause = _signal_name(kernels.last_exit_code()) if result.warm else "unknown cause"
            result.status = KERNEL_DIED
            result.message = f"the kernel died ({cause}) while a cell was running"
        else:
            result.status = ERROR
            result.message = f"{type(exc).__name__}: {exc}"
        idx = _running_cell(nb)
        _mark(nb, f"Run stopped: {result.message}.", idx)
        if idx is not None:
            result.failed_cell = idx
        nbformat.write(nb, executed)
        return
    t_exp = time.perf_counter()
    context = {"slug": task.slug, "name": task.name, **dict(task.context)}
    try:
        export_html(nb, task.tiers, tmp, context)
    except Exception as exc:  # noqa: BLE001 - reported as this run's failure, others carry on
        result.status = EXPORT_FAILED
        result.message = f"{type(exc).__name__}: {exc}"
        return
    finally:
        result.export_seconds = time.perf_counter() - t_exp
    from .audit import audit_path, format_findings
    from .audit_rules import usernames_to_check

    pages = sorted(tmp.glob("*.htm*"))
    findings = [f for page in pages for f in audit_path(page)]
    if findings:  # the pages are withheld; the executed notebook stays as evidence
        for page in pages:
            page.unlink()
        result.status = AUDIT_FAILED
        result.message = format_findings(findings)
        return
    result.audited = tuple(page.relative_to(tmp).as_posix() for page in pages)
    result.audited_users = tuple(usernames_to_check(()))
    result.status = OK


def export_html(nb, tiers: Sequence[str], out_dir: Path, context: Mapping) -> list[Path]:
    """Export the tiers with the publishing module's :func:`~lsp_research.reporting.export.export_tiers`."""
    from .export import export_tiers

    return export_tiers(nb, list(tiers), out_dir, dict(context))


# ------------------------------------------------------------------------------------------ executors


def _as_results(futures: Mapping, completed, worker: str) -> Iterator[RunResult]:
    """Each task's result as its future finishes (``completed(futures)`` gives them in that order);
    a future that raised (its ``worker`` died or was lost) gives an error result; the rest are
    cancelled when the caller stops early.
    """
    try:
        for fut in completed(futures):
            task = futures[fut]
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - the worker process died or was lost
                yield RunResult(task.key, ERROR, f"{worker} failed: {type(exc).__name__}: {exc}")
    finally:
        for fut in futures:
            fut.cancel()


class Executor(ABC):
    """Runs tasks and yields their results as they complete (in any order)."""

    name = "executor"

    @abstractmethod
    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Yield one :class:`RunResult` per task, as each finishes."""

    def close(self) -> None:  # noqa: B027 - optional for executors that hold nothing
        """Release workers."""

    def terminate(self) -> list[int]:
        """Stop at once (a run was interrupted): end what is running; by default, :meth:`close`."""
        self.close()
        return []

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def skip_slow_optional_imports() -> None:
    """Keep ``jsonschema`` from importing ``rfc3987_syntax``.

    ``jsonschema`` imports that optional package, when installed, to check the ``iri`` formats; it
    compiles a grammar at import and costs seconds (measured: 5.5 s of a 6.7 s ``import nbformat`` on a
    busy 2-core machine), paid by every process that reads a notebook. The notebook schema never uses
    those formats. Runs before ``jsonschema`` is imported; otherwise does nothing.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _exit_with_parent(parent: int) -> None:
    """Leave when the runner that started this worker is gone (killed by a scheduler's timeout,
    say): a pool worker would otherwise live on, holding its warm kernel server.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(3)

    threading.Thread(target=watch, name="lsp-parent-watch", daemon=True).start()


def _worker_init(
    env: Mapping[str, str], preload: Sequence[str], warm: bool, parent: int | None = None
) -> None:
    """Pool worker start-up: import the execution stack once and start the warm kernel server."""
    if parent is not None:
        from .kernels import die_with_parent, forward_stop_signals

        if not die_with_parent(parent):
            _exit_with_parent(parent)
        forward_stop_signals(parent)  # the runner stops the run and ends every process
    skip_slow_optional_imports()
    os.environ.update(env)
    import nbclient  # noqa: F401
    import papermill  # noqa: F401

    from . import export, kernels  # noqa: F401

    if warm and kernels.fork_available():
        kernels.get_server(preload, env=env)


class LocalExecutor(Executor):
    """A local process pool of ``jobs`` workers (default: the number of CPUs)."""

    name = "local"

    def __init__(
        self,
        jobs: int | None = None,
        *,
        env: Mapping[str, str] | None = None,
        preload: Sequence[str] = (),
        warm: bool = True,
    ):
        self.jobs = max(1, int(jobs or os.cpu_count() or 1))
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(dict(env or {}), tuple(preload), warm, os.getpid()),
        )

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Run the tasks in the process pool, yielding each result as it finishes."""
        futures = {self._pool.submit(run_task, t): t for t in tasks}
        yield from _as_results(futures, cf.as_completed, "the worker process")

    def close(self) -> None:
        """Shut the pool down, cancelling tasks not yet started."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> list[int]:
        """Stop now: kill the worker processes (their fork servers and kernels end with them, see
        :func:`lsp_research.reporting.kernels.die_with_parent`); return the workers' pids.
        """
        procs = dict(getattr(self._pool, "_processes", None) or {})
        for proc in procs.values():
            try:
                proc.kill()
            except (OSError, ValueError):
                pass
        for proc in procs.values():
            try:
                proc.join(5)
            except (OSError, ValueError, AssertionError):
                pass
        self._pool.shutdown(wait=False, cancel_futures=True)
        return list(procs)


def _dask_stop_server() -> None:
    from . import kernels

    kernels.stop_server()


def worker_facts(manifest: str, kernel_name: str, notebooks: Sequence[str] = ()) -> dict[str, str]:
    """What a process can run with (called on every Dask worker, and in the runner to compare).

    ``code`` is the package's commit (or version, see
    :func:`lsp_research.reporting.provenance.code_version`) and where it is imported from; ``data``
    the SHA-256 of the processed-data manifest at the runner's path; ``kernel`` whether the Jupyter
    kernel is installed; ``notebooks`` which of the programme's notebooks are missing at their paths.

    >>> f = worker_facts("/no/such/manifest.json", "no-such-kernel", ["/no/such.ipynb"])
    >>> f["data"], f["kernel"], f["notebooks"]
    ('no manifest at /no/such/manifest.json', 'no kernel no-such-kernel', 'missing /no/such.ipynb')
    """
    from jupyter_client.kernelspec import KernelSpecManager

    from .. import config
    from .provenance import code_version

    path = Path(manifest)
    data = (
        hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file()
        else f"no manifest at {manifest}"
    )
    specs = KernelSpecManager().find_kernel_specs()
    missing = [nb for nb in notebooks if not Path(nb).is_file()]
    return {
        "code": f"{code_version()} at {config.PROJ_ROOT}",
        "data": data,
        "kernel": f"kernel {kernel_name}" if kernel_name in specs else f"no kernel {kernel_name}",
        "notebooks": ("missing " + ", ".join(missing)) if missing else "all present",
    }


def check_workers(expected: Mapping[str, str], workers: Mapping[str, Mapping[str, str]]) -> None:
    """Raise :class:`~lsp_research.errors.LspError` unless every worker's facts equal the runner's.

    >>> ok = {"code": "git abc at /p", "data": "12", "kernel": "kernel lsp-research"}
    >>> check_workers(ok, {"tcp://10.0.0.2:4000": ok})
    >>> check_workers(ok, {"tcp://10.0.0.2:4000": {**ok, "data": "34"}})
    Traceback (most recent call last):
    ...
    lsp_research.errors.LspError: 1 Dask worker cannot run this programme (each needs the project at the runner's path, the same processed data and the Jupyter kernel; see docs/scaling.md): tcp://10.0.0.2:4000: data is 34, the runner has 12
    """
    from ..errors import LspError

    if not workers:
        raise LspError("the Dask scheduler has no workers; start some with 'dask worker ADDRESS'")
    bad = []
    for address in sorted(workers):
        facts = workers[address]
        diff = [
            f"{k} is {facts.get(k, 'unknown')}, the runner has {v}"
            for k, v in expected.items()
            if facts.get(k) != v
        ]
        if diff:
            bad.append(f"{address}: {'; '.join(diff)}")
    if bad:
        raise LspError(
            f"{len(bad)} Dask worker{'s' if len(bad) > 1 else ''} cannot run this programme (each "
            "needs the project at the runner's path, the same processed data and the Jupyter "
            "kernel; see docs/scaling.md): " + " | ".join(bad)
        )


#: Seconds to wait for the scheduler's first worker before giving up.
WORKER_WAIT_S = 60


class DaskExecutor(Executor):
    """Runs tasks on a Dask distributed cluster.

    Before the first task is submitted, every worker is probed (:func:`worker_facts` through
    ``client.run``) and must match the runner: the same code at the same path, the same processed-data
    manifest, the kernel installed and the notebooks present; otherwise :func:`check_workers` raises
    before any run starts.

    Parameters
    ----------
    address : str or distributed.Client
        Scheduler address (``tcp://host:8786``) or an existing client.
    check : bool
        Probe the workers before running (default True).
    """

    name = "dask"

    def __init__(self, address, check: bool = True):
        from distributed import Client

        self._own = not isinstance(address, Client)
        self.client = Client(address) if self._own else address
        self._check = check

    def check(self, tasks: Sequence[RunTask]) -> None:
        """Probe every worker for what ``tasks`` need; raise ``LspError`` on a mismatch."""
        from .. import config

        env = tasks[0].env if tasks else {}
        processed = env.get("LSP_PROCESSED_DIR")
        manifest = str(
            Path(processed) / "manifest.json" if processed else config.get_paths().manifest
        )
        kernel = (tasks[0].kernel_name if tasks else None) or DEFAULT_KERNEL
        notebooks = sorted({t.notebook for t in tasks})
        # the runner's code and data; the kernel and notebooks must be there whatever the runner has
        expected = {
            **worker_facts(manifest, kernel, notebooks),
            "kernel": f"kernel {kernel}",
            "notebooks": "all present",
        }
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            check_workers(expected, {})  # raises: no workers
        check_workers(expected, self.client.run(worker_facts, manifest, kernel, notebooks))

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunResult]:
        """Run the tasks on the Dask cluster, yielding each result as it finishes."""
        from distributed import as_completed

        if self._check:
            self.check(tasks)
            self._check = False

        futures = {
            self.client.submit(
                run_task, t, key=f"lsp-run-{t.key}-{os.getpid()}-{time.time_ns()}", pure=False
            ): t
            for t in tasks
        }
        yield from _as_results(futures, lambda fs: as_completed(list(fs)), "the Dask worker")

    def close(self) -> None:
        """Stop the workers' kernel servers and close the client."""
        try:
            self.client.run(_dask_stop_server)
        except Exception:  # noqa: BLE001 - workers already gone
            pass
        if self._own:
            self.client.close()
