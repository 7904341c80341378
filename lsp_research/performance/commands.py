"""``lsp-research indicators``: check and list the indicator registry.

``lsp-research indicators check [--registry PATH]`` validates ``indicators.yml`` (or ``LSP_REGISTRY``)
and prints a one-line summary, or every problem with a non-zero exit.
``lsp-research indicators list`` prints one line per indicator: code, partnership, polarity, title.
"""

from __future__ import annotations

import argparse

from .registry import load_registry


def register(subparsers) -> None:
    """Add the ``indicators`` command to the ``lsp-research`` sub-parsers."""
    p = subparsers.add_parser(
        "indicators",
        description="Check or list the indicator registry. See docs/adding_an_indicator.md.",
    )
    sub = p.add_subparsers(title="actions", metavar="ACTION")
    for name, func, text in (
        ("check", _check, "validate the registry; exit 2 naming every bad entry"),
        ("list", _list, "one line per indicator"),
    ):
        a = sub.add_parser(name, help=text, description=text)
        a.add_argument("--registry", metavar="PATH", help="registry file (default: indicators.yml)")
        a.set_defaults(func=func)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _check(args: argparse.Namespace) -> int:
    reg = load_registry(args.registry)
    targets = sum(len(i.targets) for i in reg)
    print(
        f"{reg.source}: {len(reg)} indicators in {len(reg.partnerships)} partnerships "
        f"({', '.join(reg.partnerships)}); {targets} targets; OK"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    reg = load_registry(args.registry)
    for i in reg:
        print(f"{i.code:<8} {i.partnership:<18} {i.polarity:<8} {i.title}")
    return 0
