"""``python -m lsp_research.data.synth OUT_DIR [--scale N] [--seed S] [--wards N --districts K]``
(or ``--default``).
"""

from __future__ import annotations

import argparse
import sys

from ... import config
from ...errors import LspError
from . import generate, generate_default, layout


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Add the generator's arguments to ``parser`` (a new one by default); usable as a CLI subcommand."""
    p = parser or argparse.ArgumentParser(
        prog="python -m lsp_research.data.synth",
        description="Write the synthetic default data set (deterministic from one seed).",
    )
    p.add_argument("out_dir", nargs="?", help="raw folder to write (omit with --default)")
    p.add_argument(
        "--scale", type=float, default=1.0, help="multiply the record-level rows (default 1)"
    )
    p.add_argument("--seed", type=int, default=config.DEFAULT_SEED, help="random seed")
    p.add_argument(
        "--default",
        action="store_true",
        help="rewrite the committed data/raw, data/catalogue.yml and data/synthetic/answers.json",
    )
    layout.add_arguments(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the generator for parsed ``args``; return the exit code."""
    if args.default == bool(args.out_dir):
        print("give either OUT_DIR or --default", file=sys.stderr)
        return 2
    try:
        if args.default:
            layout.from_arguments(args, writes_default=True)  # refuses --wards over the default
            if args.scale != 1.0:
                print("--default writes scale 1 only", file=sys.stderr)
                return 2
            paths = generate_default(seed=args.seed)
        else:
            lay = layout.from_arguments(args, writes_default=False)
            paths = generate(args.out_dir, seed=args.seed, scale=args.scale, geography_layout=lay)
    except (ValueError, LspError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(paths)} files (synthetic, seed {args.seed}, scale {args.scale:g})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the synthetic-data generator from the command line; the exit status."""
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
