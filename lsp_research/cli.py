"""The ``lsp-research`` command.

Each command group lives beside the code it drives and registers itself here through a ``register``
function taking the argparse sub-parsers; this module only assembles them and turns
:class:`~lsp_research.errors.LspError` into a readable message and a non-zero exit code.

Start-up is kept to about a second: :data:`COMMANDS` names each command's module and one-line help, so
``lsp-research --help`` imports no command module, and a command imports only its own module (the data
package alone pulls in pandas and pandera). A mistyped command gets the closest names.

Exit codes: 0 success; 1 a run finished but some reports failed (see its summary); 2 bad input, bad
parameters or configuration (nothing was published); 130 interrupted.

>>> main(["rnu"])  # prints "lsp-research: error: unknown command 'rnu': did you mean 'run'? ..."
2
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import re
import signal
import sys
import threading
from collections.abc import Sequence

from . import __version__
from .errors import LspError

#: Every command: the module that registers it (its ``register(subparsers)`` adds the parser, which
#: sets ``func``, called with the parsed arguments and returning the exit code) and its help line.
COMMANDS: dict[str, tuple[str, str]] = {
    "data": ("lsp_research.data.commands", "build, check and generate the data"),
    "init": ("lsp_research.place_init", "write the place file for a district from ONS files"),
    "run": (
        "lsp_research.reporting.commands",
        "run every report of programme.yml for one quarter and publish reports/<period>/",
    ),
    "preview": (
        "lsp_research.reporting.preview",
        "render one report to a scratch folder, not published; --watch renders again on change",
    ),
    "describe": (
        "lsp_research.reporting.commands",
        "list a notebook's parameters: type, default, allowed values, help",
    ),
    "period": (
        "lsp_research.reporting.commands",
        "check a period's form and show the months it covers (nothing is read or built)",
    ),
    "audit": (
        "lsp_research.reporting.audit_commands",
        "check published HTML for disclosure, privacy, offline and accessibility problems",
    ),
    "new": ("lsp_research.reporting.scaffold", "start something new from a template"),
    "indicators": (
        "lsp_research.performance.commands",
        "check or list the indicator registry (indicators.yml)",
    ),
}


def suggest(word: str, choices: Sequence[str], what: str) -> str:
    """A sentence offering the closest of ``choices`` to a mistyped ``word``, then all of them.

    >>> suggest("perfomance", ["performance", "alcohol_misuse"], "notebook")
    "did you mean 'performance'? The notebooks are: alcohol_misuse, performance"
    >>> suggest("zzz", ["run"], "command")
    'the commands are: run'
    """
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    listing = f"{what}s are: {', '.join(sorted(choices))}"
    if not close:
        return f"the {listing}"
    return f"did you mean {' or '.join(repr(c) for c in close)}? The {listing}"


def plain(text: str) -> str:
    """Help text without reStructuredText markup (modules' docstrings double as their help).

    >>> plain("``lsp-research data build [--force]`` uses :func:`~lsp_research.data.build` and ``LSP_RAW_DIR``")
    'lsp-research data build [--force] uses build and LSP_RAW_DIR'
    """
    text = re.sub(r":[a-z]+:`~?([^`]*?)`", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return re.sub(r"``([^`]*)``", r"\1", text)


class _OnlyOne:
    """The sub-parsers as a command module sees them: the command asked for is added for real (with
    its help line from :data:`COMMANDS`); any other command the module registers is built and dropped.
    """

    def __init__(self, sub, wanted: str):
        self._sub, self._wanted = sub, wanted

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        kwargs.setdefault("help", COMMANDS[name][1])
        kwargs["description"] = plain(kwargs.get("description") or kwargs["help"])
        if name == self._wanted:
            return self._sub.add_parser(name, **kwargs)
        kwargs.pop("help")
        return argparse.ArgumentParser(prog=f"lsp-research {name}", **kwargs)


def _command_of(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first word that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser for ``argv``: the command it names is registered by its module; the others are
    listed by name and help line only, so nothing else is imported.

    >>> p = build_parser(["audit", "reports/2009Q3"])
    >>> p.parse_args(["audit", "reports/2009Q3"]).path
    'reports/2009Q3'
    """
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
    wanted = _command_of(argv)
    for name, (module, text) in COMMANDS.items():
        if name == wanted:
            importlib.import_module(module).register(_OnlyOne(sub, name))
        else:
            sub.add_parser(name, help=text, add_help=False)
    return parser


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt(f"interrupted by {signal.Signals(signum).name}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lsp-research`` command with ``argv`` (default: ``sys.argv[1:]``); return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from .reporting.execute import skip_slow_optional_imports

    skip_slow_optional_imports()  # nbformat's import costs seconds otherwise (see that function)
    main_thread = threading.current_thread() is threading.main_thread()
    # SIGTERM (systemd, timeout) stops a command as Ctrl-C does: exit code 130, one line
    previous = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    try:
        command = _command_of(argv)
        if command is not None and command not in COMMANDS:
            raise LspError(
                f"unknown command {command!r}: {suggest(command, list(COMMANDS), 'command')}"
            )
        parser = build_parser(argv)
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
