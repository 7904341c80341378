"""``lsp-research audit PATH``: run the publishing audit over published reports.

Exits 0 when every file passes, 1 when the audit finds problems (each listed with file, place and
rule), 2 when the path does not exist.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="lsp-research")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["audit", "reports/2009Q3", "--rule", "nhsd2018"])
>>> args.path, args.rule
('reports/2009Q3', 'nhsd2018')
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import AuditError


def _run(args: argparse.Namespace) -> int:
    from ..disclosure import RULES
    from .audit import audit_path, format_findings

    if args.rule not in RULES:
        raise AuditError(
            f"--rule {args.rule!r} is not a disclosure rule; use one of: {', '.join(sorted(RULES))}"
        )
    path = Path(args.path)
    if not path.exists():
        raise AuditError(
            f"nothing to audit at {args.path!r}: give a published period folder such as "
            "reports/2009Q3, or one HTML file"
        )
    findings = audit_path(path, rule=args.rule, usernames=args.user or ())
    if findings:
        print(format_findings(findings), file=sys.stderr)
        return 1
    n = (
        1
        if path.is_file()
        else sum(1 for p in path.rglob("*") if p.suffix.lower() in (".html", ".htm"))
    )
    print(f"The publishing audit found no problem in {n} HTML file{'s' if n != 1 else ''}.")
    return 0


#: What ``lsp-research audit --help`` says the audit checks.
DESCRIPTION = (
    "Scan every file under PATH (HTML, SVG, CSV, JSON; any other file is a finding) and "
    "fail, listing file and place, on: active content (scripts, event handlers, "
    "javascript: URLs, forms, frames), an unsuppressed small count in a table, in prose, "
    "alt text or SVG text, a record-level identifier or date of birth, an absolute path "
    "or user name, a code or parameters cell, a reference to a resource outside the file, "
    "a chart without alt text, a missing lang attribute, skipped heading levels or a table "
    "without header cells."
)
EXIT_CODES = "Exit codes: 0 no problem; 1 problems found; 2 PATH does not exist."


def register(subparsers) -> None:
    """Add the ``audit`` command."""
    p = subparsers.add_parser("audit", description=DESCRIPTION, epilog=EXIT_CODES)
    p.add_argument("path", help="a period folder (e.g. reports/2009Q3) or one HTML file")
    p.add_argument(
        "--rule",
        default="hes2008",
        help="disclosure rule for tables that do not record theirs: hes2008 (default) or nhsd2018",
    )
    p.add_argument(
        "--user",
        action="append",
        metavar="NAME",
        help="a further user name that must not appear (repeatable)",
    )
    p.set_defaults(func=_run)
