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
    )
    out = sys.stdout
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
        print(
            f"some reports failed; see {summary.internal_dir / 'run.log'} and the executed notebooks "
            "named there",
            file=sys.stderr,
        )
    return summary.exit_code


def _cmd_describe(args) -> int:
    from pathlib import Path

    from ..errors import ProgrammeError
    from .parameters import describe
    from .programme import load_programme

    target = Path(args.notebook)
    if not target.suffix and not target.exists():
        try:
            target = load_programme().get(args.notebook).path
        except ProgrammeError:
            from ..config import get_paths

            target = get_paths().notebooks / f"{args.notebook}.ipynb"
    print(describe(target))
    return 0


def register(subparsers) -> None:
    run = subparsers.add_parser(
        "run",
        help="run every report of programme.yml for one quarter and publish reports/<period>/",
        description=(
            "Validate the period, programme.yml and every notebook's parameters, run the notebooks "
            "whose inputs changed (the rest come from the cache), export each audience tier, write "
            "the index and run log, audit, and publish reports/<period>/ atomically."
        ),
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        "--quiet", action="store_true", help="print only warnings, failures and a one-line summary"
    )
    run.add_argument(
        "--only",
        action="append",
        metavar="NOTEBOOK",
        help="run only this notebook of programme.yml (repeatable)",
    )
    run.add_argument("--out", metavar="DIR", help="reports folder (default: reports/)")
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
    run.set_defaults(func=_cmd_run)

    desc = subparsers.add_parser(
        "describe",
        help="list a notebook's parameters: type, default, allowed values, help",
    )
    desc.add_argument(
        "notebook", help="a notebook file, or a name from programme.yml (e.g. performance)"
    )
    desc.set_defaults(func=_cmd_describe)
