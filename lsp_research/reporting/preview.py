"""``lsp-research preview NAME [--area A] [--tier T] [--period P] [--watch]``: see one report as it will look.

Renders one run of one report, exactly as ``lsp-research run`` renders it (same parameter validation,
execution, tier export and audit), into a scratch folder, ``<reports>/.preview/<name>/<set>/``, and
prints the pages' paths. Nothing is published: the period folder, its index and the cache are left
alone. NAME is a notebook of ``programme.yml`` (its first parameter set unless ``--area`` picks one)
or any notebook in ``notebooks/`` (a new report not yet in the programme runs for the city, with the
tiers its cells are tagged for).

With ``--watch`` it keeps watching (polling once a second) and renders again when the notebook
changes; when a package module the notebook uses changes (the ``lsp_research`` modules it imports and
theirs), the command starts again from scratch so the new code is what runs. Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..config import PACKAGE_DIR, get_paths
from ..errors import LspError, ParameterError

PREVIEW_DIR = ".preview"


@dataclasses.dataclass
class Preview:
    """One rendered preview: the pages by tier, the executed notebook, and the outcome."""

    folder: Path
    pages: dict[str, Path]
    notebook: Path | None
    ok: bool
    message: str = ""
    label: str = ""
    seconds: float = 0.0


def _entry(name: str, area: str | None, tier: str | None):
    """The programme entry for ``name`` (or one made for a notebook not in the programme), narrowed to
    one area and tier when asked.
    """
    from ..cli import suggest
    from ..errors import ProgrammeError
    from .commands import find_notebook
    from .programme import TIERS, NotebookEntry, load_programme

    prog = None
    try:
        prog = load_programme()
        entry = prog.get(name)
    except ProgrammeError:
        path = find_notebook(name)  # raises, offering the closest names
        text = path.read_text(encoding="utf-8")
        tiers = tuple(t for t in TIERS if f'"{t}"' in text) or ("executive", "operational")
        entry = NotebookEntry(name=path.stem, path=path.resolve(), tiers=tiers)
    if tier is not None:
        if tier not in entry.tiers:
            raise ParameterError(
                f"--tier {tier!r} is not a tier of {entry.name}: "
                f"{suggest(tier, list(entry.tiers), 'tier')}"
            )
        entry = dataclasses.replace(entry, tiers=(tier,))
    if area is not None:
        entry = dataclasses.replace(entry, over=(area,))
    return prog, entry


def render(
    name: str,
    *,
    area: str | None = None,
    tier: str | None = None,
    period: str = "latest",
    out: str | Path | None = None,
    warm: bool = True,
) -> Preview:
    """Render one run of report ``name`` into ``<out>/<name>/<set>/`` (default ``out``:
    ``<reports>/.preview``); never publishes.

    Raises
    ------
    PeriodError, ProgrammeError, ParameterError
        A bad period, name, area or tier (before any kernel starts).
    """
    from ..periods import resolve
    from . import plan as planning
    from . import provenance
    from .execute import run_task
    from .kernels import notebook_imports
    from .parameters import Areas, available_periods, read_notebook
    from .programme import Programme
    from .runner import check_kernel
    from .stage import publish_dir

    t0 = time.perf_counter()
    requested = planning.parse_period(period)
    prog, entry = _entry(name, area, tier)
    paths = get_paths()
    periods = available_periods(paths.processed)
    # the quarter and each source's reach as a run finds them (see run_programme)
    quarter = (
        planning.latest_quarter(paths.processed, periods)[0]
        if requested == "latest"
        else resolve(requested, periods)
    )
    areas = Areas.from_processed(paths.processed)
    areas.check_place()  # as a run does: another place's data under this place's name is refused
    one = Programme(
        path=prog.path if prog else paths.programme,
        notebooks_dir=entry.path.parent,
        notebooks=(entry,),
    )
    reach = planning.programme_reach(one, quarter, paths.processed)[entry.name]
    _, pset, values = planning.plan(
        one, quarter, periods, areas, quarters={entry.name: reach.quarter}
    )[0]
    reports = paths.reports
    root = Path(out).expanduser().resolve() if out else reports / PREVIEW_DIR
    task = planning.make_task(
        entry,
        pset,
        values,
        quarter,
        env=planning.kernel_env(reports),
        timeout=None,
        warm=warm,
        preload=tuple(sorted(notebook_imports(read_notebook(entry.path)) | set(planning.PRELOAD))),
        index_href=None,
        reach=reach,
    )
    task.context["provenance"] = provenance.collect(paths.processed)
    check_kernel()
    saved = {k: os.environ.get(k) for k in task.env}  # run_task sets them for its kernel
    try:
        result = run_task(task)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    final = root / entry.name / pset.set_id
    staging = root / f".{entry.name}-{pset.set_id}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    pages: dict[str, Path] = {}
    executed = None
    for rel, data in result.files.items():
        target = staging / Path(rel).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if target.suffix == ".ipynb":
            executed = final / target.name
        elif target.suffix == ".html":
            pages[target.stem.rsplit("-", 1)[-1]] = final / target.name
    staging.mkdir(parents=True, exist_ok=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    publish_dir(staging, final)  # a browser reloading the page never sees half of it
    return Preview(
        final,
        pages,
        executed,
        result.ok,
        result.message,
        f"{entry.name} for {pset.label or pset.set_id}, {quarter}",
        time.perf_counter() - t0,
    )


def package_imports(notebook: str | Path) -> set[str]:
    """The ``lsp_research`` modules a notebook imports (those the warm kernel preloads)."""
    from .kernels import notebook_imports
    from .parameters import read_notebook

    return {
        m for m in notebook_imports(read_notebook(notebook)) if m.split(".")[0] == "lsp_research"
    }


def module_files(modules: Iterable[str]) -> set[Path]:
    """The source files of ``lsp_research`` modules and every package module they import in turn.

    >>> files = module_files(["lsp_research.periods"])
    >>> sorted(p.name for p in files)
    ['__init__.py', 'errors.py', 'periods.py']
    """
    root = PACKAGE_DIR.parent
    seen: set[Path] = set()
    todo = [m for m in modules if m.split(".")[0] == "lsp_research"]
    while todo:
        mod = todo.pop()
        parts = mod.split(".")
        for i in range(1, len(parts) + 1):  # a module's packages run their __init__ first
            base = root.joinpath(*parts[:i])
            path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
            if not path.is_file() or path in seen:
                continue
            seen.add(path)
            package = parts[:i] if path.name == "__init__.py" else parts[: i - 1]
            todo.extend(_imports_of(path, package))
    return seen


def _imports_of(path: Path, package: list[str]) -> list[str]:
    """Package modules imported by the file at ``path`` (absolute and relative imports)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.append(mod)
            found += [f"{mod}.{a.name}" for a in node.names if a.name != "*"]
    return [m for m in found if m.split(".")[0] == "lsp_research"]


def _stamps(files: Iterable[Path]) -> dict[Path, int]:
    out = {}
    for f in files:
        try:
            out[f] = f.stat().st_mtime_ns
        except FileNotFoundError:
            out[f] = -1
    return out


def watch(
    notebook_files: Iterable[Path],
    code_files: Callable[[], Iterable[Path]],
    on_notebook: Callable[[], object],
    on_code: Callable[[], object],
    *,
    interval: float = 1.0,
    sleep: Callable[[float], object] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Poll the files' modification times every ``interval`` seconds: call ``on_notebook`` when a
    notebook file changed, else ``on_code`` when a code file changed (``code_files`` is asked again
    after each change, as the notebook's imports may have changed). ``rounds`` stops it (for tests).
    """
    notebook_files = list(notebook_files)
    nb_seen, code_seen = _stamps(notebook_files), _stamps(code_files())
    n = 0
    while rounds is None or n < rounds:
        n += 1
        sleep(interval)
        nb_now, code_now = _stamps(notebook_files), _stamps(code_files())
        if nb_now != nb_seen:
            on_notebook()
        elif code_now != code_seen:
            on_code()
        nb_seen, code_seen = _stamps(notebook_files), _stamps(code_files())


def _show(p: Preview, out=None) -> None:
    out = out or sys.stdout
    if p.ok:
        print(f"preview of {p.label} in {p.seconds:.1f} s (not published):", file=out)
        for tier, page in p.pages.items():
            print(f"  {tier:<12} {page}", file=out)
    else:
        first = p.message.strip().splitlines()[0] if p.message.strip() else "failed"
        print(f"preview of {p.label} failed: {first}", file=sys.stderr)
        if p.notebook:
            print(f"  executed notebook (error marked): {p.notebook}", file=sys.stderr)
    sys.stdout.flush()


def _cmd_preview(args) -> int:
    options: Mapping = {
        "area": args.area,
        "tier": args.tier,
        "period": args.period,
        "out": args.out,
    }
    p = render(args.name, **options)
    _show(p)
    if not args.watch:
        return 0 if p.ok else 1
    from . import kernels

    notebook = _entry(args.name, None, None)[1].path

    def again() -> None:
        try:
            _show(render(args.name, **options))
        except LspError as exc:  # e.g. a parameter made invalid by the edit: say so, keep watching
            print(f"lsp-research: error: {exc}", file=sys.stderr, flush=True)

    def restart() -> None:
        print("a package module changed: starting again with the new code", flush=True)
        kernels.stop_server()
        os.execv(sys.executable, [sys.executable, "-m", "lsp_research.cli", *sys.argv[1:]])

    print(f"watching {notebook} and the package modules it uses; Ctrl-C stops", flush=True)
    watch([notebook], lambda: module_files(package_imports(notebook)), again, restart)
    return 0  # pragma: no cover - the loop ends with Ctrl-C (exit code 130)


def register(subparsers) -> None:
    """Add the ``preview`` command to the ``lsp-research`` sub-parsers."""
    p = subparsers.add_parser(
        "preview", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("name", help="a notebook of programme.yml or of notebooks/ (e.g. ward_profile)")
    p.add_argument(
        "--area", metavar="A", help="the area to render (default: the first parameter set)"
    )
    p.add_argument("--tier", metavar="T", help="render only this tier (default: every tier)")
    p.add_argument("--period", default="latest", help="the quarter, YYYYQn or 'latest' (default)")
    p.add_argument("--out", metavar="DIR", help="scratch folder (default: reports/.preview)")
    p.add_argument(
        "--watch", action="store_true", help="render again when the notebook or code changes"
    )
    p.set_defaults(func=_cmd_preview)
