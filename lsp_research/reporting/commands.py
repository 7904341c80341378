"""``lsp-research run`` and ``lsp-research describe``.

Exit codes of ``run``:

==== ===========================================================================================
0    every report ran (or came from the cache) and the period was published
1    the run finished but some reports failed: the summary lists them, their executed notebooks
     are kept with the error marked, the rest were published
2    bad input, bad parameters or configuration (a bad ``--period``, ``programme.yml``, a
     parameter outside its allowed values), another run holds the period's lock, or the index
     failed the audit: nothing was published
130  interrupted (nothing was published)
==== ===========================================================================================
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ParameterError, ProgrammeError, RunError

RUN_EPILOG = """\
exit codes:
  0    every report ran (or came from the cache) and the period was published
  1    some reports failed: the summary lists them; their executed notebooks are kept with the
       error marked; the others were published
  2    bad period, programme.yml or parameters, another run holds the lock, or the index failed
       the audit: nothing was published
  130  interrupted: nothing was published

examples:
  lsp-research run --quiet                         what cron or a systemd timer calls (latest)
  lsp-research run --period 2009Q3 --jobs 4
  lsp-research run --period 2009Q3 --only performance --force
  lsp-research run --period latest --dry-run      what would rerun, and why
  lsp-research run --period latest --scheduler tcp://scheduler:8786
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _cmd_run(args) -> int:
    from .runner import run_programme

    summary = run_programme(
        args.period,
        jobs=args.jobs,
        scheduler=args.scheduler,
        force=args.force,
        quiet=args.quiet,
        only=args.only,
        out=args.out,
        warm=not args.cold,
        timeout=args.timeout,
        dry_run=args.dry_run,
    )
    out = sys.stdout
    if args.dry_run:
        print(summary.table(), file=out)
        return 0
    if not args.quiet or summary.exit_code != 0:
        print(summary.table(), file=out)
    else:
        c = summary.counts
        print(
            f"{summary.period}: {c['ran']} ran, {c['cached']} cached, {c['failed']} failed "
            f"in {summary.seconds:.1f} s",
            file=out,
        )
    if summary.up_to_date:
        print(
            f"{summary.period_dir} is up to date: nothing changed since it was published", file=out
        )
    print(f"index: {summary.index}", file=out)
    if summary.exit_code:
        raise RunError(
            f"some reports failed; see {summary.internal_dir / 'run.log'} and the executed notebooks "
            "named there"
        )
    return 0


def find_notebook(name: str):
    """The notebook a command names: a file, a name of ``programme.yml``, or ``notebooks/NAME.ipynb``;
    raises :class:`~lsp_research.errors.ParameterError` offering the closest names.

    >>> find_notebook("performance").name
    'performance.ipynb'
    >>> find_notebook("perfomance")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: no notebook 'perfomance': did you mean 'performance'? ...
    """
    from ..cli import suggest
    from ..config import get_paths
    from .programme import load_programme

    target = Path(name)
    if target.suffix == ".ipynb" and target.is_file():
        return target
    names: set[str] = set()
    try:
        prog = load_programme()
        names = {e.name for e in prog.notebooks}
        return prog.get(name).path
    except ProgrammeError:
        pass
    folder = get_paths().notebooks
    candidate = folder / f"{target.stem if target.suffix == '.ipynb' else name}.ipynb"
    if candidate.is_file():
        return candidate
    names |= {p.stem for p in folder.glob("*.ipynb")}
    raise ParameterError(
        f"no notebook {name!r}: {suggest(target.stem or name, sorted(names), 'notebook')} "
        f"(in programme.yml and {folder})"
    )


def _cmd_describe(args) -> int:
    from .parameters import describe

    print(describe(find_notebook(args.notebook)))
    return 0


def _cmd_period(args) -> int:
    from .runner import parse_period

    text = parse_period(args.period)  # refuses a bad form (exit 2) before anything is read
    if text == "latest":
        print(
            "latest: chosen when the run starts: the newest quarter of the data with enough returns "
            "for the meeting (docs/scheduling.md)"
        )
        return 0
    from ..periods import Quarter

    q = Quarter.parse(text)
    print(f"{q} = {q.label}: {q.start:%-d %B %Y} to {q.end:%-d %B %Y}")
    return 0


def register(subparsers) -> None:
    """Add the ``run``, ``describe`` and ``period`` commands to the ``lsp-research`` sub-parsers."""
    run = subparsers.add_parser(
        "run",
        description=(
            "Validate the period, programme.yml and every notebook's parameters, run the notebooks "
            "whose inputs changed (the rest come from the cache), export each audience tier, write "
            "the index and run log, audit, and publish reports/<period>/ atomically."
        ),
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.set_defaults(func=_cmd_run)
    run.add_argument(
        "--period",
        default="latest",
        help="financial-year quarter YYYYQn (e.g. 2009Q3 = Oct-Dec 2009), 'YYYY-YY Qn', or 'latest' "
        "(the default: the newest quarter with enough returns for the meeting, see "
        "settings.latest_min_share in indicators.yml)",
    )
    run.add_argument(
        "--jobs", type=_positive_int, default=None, help="local worker processes (default: CPUs)"
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786, instead of local processes",
    )
    run.add_argument("--force", action="store_true", help="ignore the cache; run everything")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would run, what is cached and why (which input, module or parameter "
        "changed); run and publish nothing",
    )
    run.add_argument(
        "--quiet", action="store_true", help="print only warnings, failures and a one-line summary"
    )
    run.add_argument("--out", metavar="DIR", help="reports folder (default: reports/)")
    run.add_argument(
        "--only",
        action="append",
        metavar="NOTEBOOK",
        help="run only this notebook of programme.yml (repeatable)",
    )
    run.add_argument(
        "--timeout",
        type=_positive_int,
        metavar="SECONDS",
        help="seconds allowed per cell (default: programme.yml's, else 600)",
    )
    run.add_argument(
        "--cold",
        action="store_true",
        help="start every kernel from scratch instead of forking warm ones (slower; for diagnosis)",
    )

    desc = subparsers.add_parser(
        "describe",
    )
    desc.add_argument(
        "notebook", help="a notebook file, or a name from programme.yml (e.g. performance)"
    )
    desc.set_defaults(func=_cmd_describe)

    per = subparsers.add_parser("period")
    per.add_argument("period", help="YYYYQn (e.g. 2009Q3), 'YYYY-YY Qn' or 'latest'")
    per.set_defaults(func=_cmd_period)
