"""``lsp-research data ...``: build the processed tables, report freshness, write the synthetic data.

``lsp-research data build [--source S ...] [--force] [--strict] [--quiet]``
    validate ``data/raw`` (``LSP_RAW_DIR``) and write ``data/processed`` (``LSP_PROCESSED_DIR``); a bad
    file gives one message listing every problem and exit code 2, and leaves its previous tables as
    they were. Warnings (a return for an indicator that is not in the registry) are printed and do not
    stop the build; ``--strict`` makes every warning an error. ``--quiet`` prints only the sources that
    changed (nothing when none did).
``lsp-research data status [--as-of DATE|PERIOD]``
    each source's age against its refresh cycle; stale sources are flagged.
``lsp-research data synth [--scale N] [--seed S] [--out DIR] [--force] [--wards N --districts K]``
    write the synthetic default data set. Into ``data/raw`` only when it is empty (or with
    ``--force``); a scale other than 1 must go elsewhere (``--out``), so the committed default data is
    never replaced by a benchmark set.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from ..config import DEFAULT_SEED, PROJ_ROOT, get_paths
from ..errors import LspError


def add_flags(parser: argparse.ArgumentParser, *flags: tuple[str, str]) -> None:
    """Add on/off options to ``parser``: each ``(flag, help)`` a ``store_true`` option.

    >>> p = argparse.ArgumentParser()
    >>> add_flags(p, ("--force", "rebuild"), ("--quiet", "say less"))
    >>> p.parse_args(["--quiet"])
    Namespace(force=False, quiet=True)
    """
    for flag, text in flags:
        parser.add_argument(flag, action="store_true", help=text)


def register(subparsers) -> None:
    """Add the ``data`` command and its subcommands to the CLI's ``subparsers``."""
    p = subparsers.add_parser(
        "data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(title="data commands", metavar="COMMAND")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    b = sub.add_parser("build", help="validate raw files and write the processed tables")
    b.add_argument("--source", action="append", metavar="S", help="only this source (repeatable)")
    add_flags(
        b,
        ("--force", "rebuild sources whose inputs are unchanged"),
        (
            "--strict",
            "treat every warning as an error (the source with the warning is not written)",
        ),
        ("--quiet", "print only the sources built or refused (nothing when nothing changed)"),
    )
    b.set_defaults(func=_build)

    s = sub.add_parser("status", help="each source's age against its refresh cycle")
    s.add_argument(
        "--as-of",
        metavar="DATE|PERIOD",
        default=None,
        help="measure ages at this date (YYYY-MM-DD) or at the end of this period (YYYYQn); default today",
    )
    s.set_defaults(func=_status)

    g = sub.add_parser("synth", help="write the synthetic default data set")
    g.add_argument("--scale", type=float, default=1.0, help="records x N (benchmarks); default 1")
    g.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    g.add_argument("--out", type=Path, default=None, help="output folder (default data/raw)")
    g.add_argument("--force", action="store_true", help="overwrite a non-empty data/raw")
    _synth_layout().add_arguments(g)
    g.set_defaults(func=_synth)


def _build(args) -> int:
    from . import build

    report = build(sources=args.source, force=args.force, strict=args.strict)
    if args.quiet:
        changed = {u: st for u, st in report.status.items() if st != "unchanged"}
        if not changed:
            return 0
        report = dataclasses.replace(report, status=changed)
    print(report)
    return 0


def _status(args) -> int:
    from . import status

    df = status(as_of=args.as_of)
    if df.empty:
        print("the catalogue lists no sources")
        return 0
    shown = df.copy()
    shown["stale"] = shown["stale"].map({True: "STALE", False: "ok"})
    shown = shown.astype("object").where(shown.notna(), "-")
    print(shown.to_string(index=False))
    n = int(df["stale"].sum())
    when = args.as_of or "today"
    print(
        f"\n{n} of {len(df)} sources stale as of {when}"
        if n
        else f"\nno source is stale as of {when}"
    )
    return 0


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(p for p in folder.iterdir() if p.name != ".gitkeep")


def _generator():
    try:
        from .synth import generate
    except ImportError as exc:
        raise LspError(f"the synthetic generator is not available: {exc}") from None
    return generate


def _synth_layout():
    from .synth import layout  # the generator's geography options (lsp_research.data.synth.layout)

    return layout


def _synth(args) -> int:
    default = get_paths().raw
    out = (args.out or default).expanduser().resolve()
    is_default = out == default.resolve()
    if args.scale <= 0:
        raise LspError(f"--scale must be positive, got {args.scale}")
    if args.scale != 1 and is_default:
        raise LspError(
            f"--scale {args.scale:g} would replace the default data in {default}; write it elsewhere with --out DIR"
        )
    if is_default and not _is_empty(out) and not args.force:
        raise LspError(
            f"{out} is not empty; use --force to overwrite it, or --out DIR to write elsewhere"
        )
    extra = {}
    if out == (PROJ_ROOT / "data" / "raw").resolve():
        # the committed default layout: catalogue and answer file beside data/raw, not inside it
        extra = {
            "catalogue_path": PROJ_ROOT / "data" / "catalogue.yml",
            "answers_path": PROJ_ROOT / "data" / "synthetic" / "answers.json",
        }
    extra["geography_layout"] = _synth_layout().from_arguments(args, is_default)
    _generator()(out, seed=args.seed, scale=args.scale, **extra)
    print(f"synthetic data (seed {args.seed}, scale {args.scale:g}) written to {out}")
    return 0
