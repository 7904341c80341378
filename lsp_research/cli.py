"""The ``lsp-research`` command.

Each command group lives beside the code it drives and registers itself here through a ``register``
function taking the argparse sub-parsers; this module only assembles them and turns
:class:`~lsp_research.errors.LspError` into a readable message and a non-zero exit code.

Exit codes: 0 success; 1 a run finished but some reports failed (see its summary); 2 bad input, bad
parameters or configuration (nothing was published); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from . import __version__
from .errors import LspError

#: Modules that add sub-commands. Each defines ``register(subparsers)``; the parser each adds sets
#: ``func`` (called with the parsed arguments; its return value is the exit code).
COMMAND_MODULES = [
    "lsp_research.data.commands",
    "lsp_research.reporting.commands",
    "lsp_research.reporting.scaffold",
    "lsp_research.reporting.audit_commands",
    "lsp_research.performance.commands",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lsp-research",
        description=(
            "Research and layered performance reporting for a local strategic partnership. "
            "Typical use: 'lsp-research data build' then 'lsp-research run --period latest'."
        ),
        epilog="Exit codes: 0 ok; 1 some reports failed; 2 bad input or configuration; 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"lsp-research {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt(f"interrupted by {signal.Signals(signum).name}")


def main(argv: list[str] | None = None) -> int:
    main_thread = threading.current_thread() is threading.main_thread()
    # SIGTERM (systemd, timeout) stops a command as Ctrl-C does: exit code 130, one line
    previous = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not hasattr(args, "func"):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except LspError as exc:
        print(f"lsp-research: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # a run's RunInterrupted says what was kept
        print(f"lsp-research: {exc or 'interrupted'}", file=sys.stderr)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
