"""The pre-publication audit: every published HTML file must be safe to share and open offline.

:func:`audit_path` scans one file or every ``*.html`` under a folder and returns a :class:`Finding` for
each problem, naming the file, the place (line, table, row, column) and the rule broken:

``small-count``
    a count from 1 to 5 (1 to 7, or a count not rounded to 5, under the 2018 rule) in a table. Tables
    made by :func:`lsp_research.tables.show_table` mark their count columns (``data-count``) and their
    rule (``data-disclosure-rule``), so those are checked exactly; in any other table, a column whose
    header reads like a count (count, number, n, admissions, deaths, referrals, ...) is checked by
    heuristic, unless its author marked it ``data-not-count``.
``record-identifier`` / ``date-of-birth``
    a record-level identifier (a column such as "Patient ID", a field name such as ``episode_id``, an id
    value shaped like the record ids of the data sources, a valid NHS number) or a date of birth.
``absolute-path`` / ``user-name``
    a path such as ``/home/...``, ``/root/``, ``/work/``, ``/tmp/``, ``C:\\Users\\...``, ``file://``,
    or the user name of whoever ran the audit.
``code-cell`` / ``parameters-cell``
    a notebook code input (any tier: code is never published) or a parameters cell.
``error-output``
    a Python traceback or error output.
``external-resource``
    anything the browser would fetch from outside the file: ``<script src>``, a stylesheet, icon or
    preload ``<link>``, ``@import``, ``url(...)`` that is not ``data:``, an image, frame or media
    source that is not ``data:``, a ``<base>`` or a refresh.
``chart-alt``
    an image without alt text (or with nbconvert's placeholder), an inline SVG or canvas without a text
    alternative.
``lang`` / ``heading-order`` / ``table-headers``
    no ``lang`` on ``<html>``, headings that skip a level or a page without one ``<h1>``, a table
    without header cells.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "ok.html").write_text('<!DOCTYPE html><html lang="en-GB"><head><title>t</title></head>'
...     '<body><h1>Report</h1><table><tr><th>Ward</th><th>Admissions</th></tr>'
...     '<tr><td>Hendon</td><td>40</td></tr></table></body></html>')
>>> audit_path(d)
[]
>>> _ = (d / "bad.html").write_text('<html><body><h1>R</h1><img src="https://cdn.example/x.png">'
...     '<table><tr><th>Ward</th><th>Admissions</th></tr><tr><td>Hendon</td><td>3</td></tr></table>'
...     '<p>see /home/alice/notes.txt</p></body></html>')
>>> for f in audit_path(d):
...     print(f)
bad.html: line 1: lang: the <html> element has no lang attribute
bad.html: line 1: external-resource: <img src="https://cdn.example/x.png"> loads a file from outside the report
bad.html: line 1: chart-alt: an image has no alt text
bad.html: table 1, row 1, column 'Admissions': small-count: 3 is a count from 1 to 5 (hes2008 rule) and must be suppressed
bad.html: line 1: absolute-path: '/home/alice/notes.txt'
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from ..disclosure import RULES
from ..errors import AuditError, InputError
from .audit_rules import (
    ACTIVE_TEXT,
    CODE_LINE,
    NOT_COUNT_HEADER,
    Finding,
    as_int,
    check_active,
    check_code,
    check_images,
    check_prose,
    check_resources,
    check_structure,
    check_tables,
    check_text,
    is_small,
    parse_html,
    reads_like_count,
    shorten,
    tier_of,
    usernames_to_check,
)

__all__ = [
    "PUBLISHED_SUFFIXES",
    "Finding",
    "assert_clean",
    "audit_csv",
    "audit_html",
    "audit_json",
    "audit_path",
    "audit_svg",
    "format_findings",
]


def audit_html(text: str, name: str = "report.html", *, rule: str = "hes2008",
               usernames: Iterable[str] = ()) -> list[Finding]:  # fmt: skip
    """Audit one HTML document given as text (see :func:`audit_path`)."""
    if rule not in RULES:
        raise InputError(f"rule: {rule!r} is not a disclosure rule; use one of {', '.join(RULES)}")
    root = parse_html(text)
    tier = tier_of(root, name)
    findings = []
    findings += check_structure(root, name, tier)
    findings += check_resources(root, name)
    findings += check_images(root, name)
    findings += check_tables(root, name, rule)
    findings += check_active(root, name)
    findings += check_prose(root, name, RULES[rule])
    findings += check_code(root, name)
    findings += check_text(text, name, usernames_to_check(usernames))
    return _unique(findings)


#: What a shareable folder may hold; anything else (an executed notebook, a log, a pickle) is a finding.
PUBLISHED_SUFFIXES = (".html", ".htm", ".svg", ".csv", ".json")


def audit_svg(text: str, name: str = "chart.svg", *, rule: str = "hes2008",
              usernames: Iterable[str] = ()) -> list[Finding]:  # fmt: skip
    """Audit a standalone SVG file: active content, outside resources, small counts in its text,
    paths and identifiers.
    """
    root = parse_html(text)
    r = RULES[rule]
    findings = check_active(root, name) + check_resources(root, name)
    findings += check_prose(root, name, r)
    findings += check_text(text, name, usernames_to_check(usernames))
    return _unique(findings)


def _check_strings(value: str, name: str, where: str, usernames: list[str]) -> list[Finding]:
    out = [Finding(name, where, f.rule, f.detail) for f in check_text(value, name, usernames)]
    if ACTIVE_TEXT.search(value):
        out.append(
            Finding(name, where, "active-content", f"markup that runs code: {shorten(value, 60)!r}")
        )
    if CODE_LINE.search(value):
        out.append(Finding(name, where, "code-cell", f"code: {shorten(value, 60)!r}"))
    return out


def audit_csv(text: str, name: str = "table.csv", *, rule: str = "hes2008",
              usernames: Iterable[str] = (), columns: Mapping[str, str] | None = None) -> list[Finding]:  # fmt: skip
    """Audit a CSV file: small counts in any column whose header reads like a count (or any row whose
    first cell does), and paths, identifiers, code and markup in any cell.

    ``columns`` (from the CSV's ``<name>-metadata.json``, written by :func:`lsp_research.tables.show_table`)
    declares columns ``count``, ``derived`` or ``not-count``, as the table's ``data-*`` markers do.
    """
    declared = dict(columns or {})
    r = RULES[rule]
    users = usernames_to_check(usernames)
    rows = list(csv.reader(io.StringIO(text)))
    findings: list[Finding] = []
    if not rows:
        return findings
    header = rows[0]
    count_cols = {
        j for j, h in enumerate(header)
        if declared.get(h) == "count" or (h not in declared and reads_like_count(h))
    }  # fmt: skip
    for i, row in enumerate(rows[1:], start=2):
        row_count = bool(row) and reads_like_count(row[0])
        for j, cell in enumerate(row):
            col = header[j] if j < len(header) else str(j + 1)
            where = f"line {i}, column {col!r}"
            findings += _check_strings(cell, name, where, users)
            if j in count_cols or (
                row_count and j > 0 and col not in declared and not NOT_COUNT_HEADER.search(col)
            ):
                value = as_int(cell)
                if is_small(value, r):
                    findings.append(
                        Finding(
                            name,
                            where,
                            "small-count",
                            f"{value} is a count from 1 to {r.upper} ({r.name} rule) and must "
                            "be suppressed",
                        )  # fmt: skip
                    )
    for j, h in enumerate(header):
        findings += _check_strings(h, name, f"line 1, column {j + 1}", users)
    return _unique(findings)


def audit_json(text: str, name: str = "data.json", *, rule: str = "hes2008",
               usernames: Iterable[str] = ()) -> list[Finding]:  # fmt: skip
    """Audit a JSON file: a whole number from 1 to 5 under a key that reads like a count, and paths,
    identifiers, code and markup in any string (keys included).
    """
    r = RULES[rule]
    users = usernames_to_check(usernames)
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [Finding(name, "line 1", "unreadable", f"not valid JSON ({exc})")]
    findings: list[Finding] = []

    def walk(value, where: str, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                findings.extend(_check_strings(str(k), name, where or "top level", users))
                walk(v, f"{where}.{k}" if where else str(k), str(k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{where}[{i}]", key)
        elif isinstance(value, str):
            findings.extend(_check_strings(value, name, f"key {where}", users))
            if reads_like_count(key.replace("_", " ")) and is_small(as_int(value), r):
                findings.append(Finding(name, f"key {where}", "small-count",
                                        f"{value} is a count from 1 to {r.upper} ({r.name} rule)"))  # fmt: skip
        elif isinstance(value, int | float) and not isinstance(value, bool):
            whole = float(value).is_integer()
            if whole and reads_like_count(key.replace("_", " ")) and is_small(int(value), r):
                findings.append(Finding(name, f"key {where}", "small-count",
                                        f"{value} is a count from 1 to {r.upper} ({r.name} rule)"))  # fmt: skip

    walk(data, "", "")
    return _unique(findings)


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    out = []
    for f in findings:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


_AUDITORS = {".html": audit_html, ".htm": audit_html, ".svg": audit_svg, ".csv": audit_csv,
             ".json": audit_json}  # fmt: skip


def audit_path(
    path, *, rule: str = "hes2008", usernames: Iterable[str] = (), passed: Collection[str] = ()
) -> list[Finding]:
    """Audit one file, or every file under a folder (the shareable folder of a period).

    HTML, SVG, CSV and JSON files are read and checked; any other file (an executed notebook, a log)
    is a finding of its own (``internal-file``): it does not belong in a folder that is shared.

    Parameters
    ----------
    path : path
        A file or a folder (e.g. ``reports/2009Q3`` or the runner's staging folder).
    rule : {"hes2008", "nhsd2018"}
        The disclosure rule for tables that do not say which rule they followed.
    usernames : list of str
        Further user names that must not appear (the current user's is always checked, unless it is a
        generic account such as ``root``).
    passed : collection of str
        SHA-256 digests (hex) of files already audited with the same ``rule`` and user names and
        found clean (the runner's workers audit each page they export): a file with those exact
        bytes is not read again. Anything else, a changed byte included, is audited.

    Returns
    -------
    list of Finding
        Empty when every file passes. Files are named relative to ``path``.

    Raises
    ------
    AuditError
        ``path`` does not exist.
    """
    if rule not in RULES:
        raise InputError(f"rule: {rule!r} is not a disclosure rule; use one of {', '.join(RULES)}")
    path = Path(path)
    if not path.exists():
        raise AuditError(f"nothing to audit: {path.name!r} does not exist")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink())
        base = path
    else:
        files, base = [path], path.parent
    findings: list[Finding] = []
    for f in files:
        name = f.relative_to(base).as_posix()
        auditor = _AUDITORS.get(f.suffix.lower())
        if auditor is None or f.is_symlink():
            what = "a link" if f.is_symlink() else f"a {f.suffix or 'suffix-less'} file"
            findings.append(
                Finding(
                    name,
                    "whole file",
                    "internal-file",
                    f"{what} has no place in a shareable folder (only "
                    f"{', '.join(PUBLISHED_SUFFIXES)}): executed notebooks and logs are kept "
                    "in the internal folder",
                )  # fmt: skip
            )
            continue
        raw = f.read_bytes()
        if passed and hashlib.sha256(raw).hexdigest() in passed:
            continue
        text = raw.decode("utf-8", errors="replace")
        extra = _csv_columns(f) if f.suffix.lower() == ".csv" else {}
        findings.extend(auditor(text, name, rule=rule, usernames=usernames, **extra))
    return findings


def _csv_columns(path: Path) -> dict:
    """The column roles a CSV's ``<name>-metadata.json`` declares (none when it has no readable one)."""
    meta = path.with_name(path.name + "-metadata.json")
    try:
        cols = (
            json.loads(meta.read_text(encoding="utf-8")).get("columns") if meta.is_file() else None
        )
    except (OSError, ValueError, AttributeError):
        cols = None
    return {"columns": cols} if isinstance(cols, dict) else {}


def format_findings(findings: Iterable[Finding]) -> str:
    """The findings as lines of text, with a count.

    >>> print(format_findings([Finding("a.html", "line 3", "lang", "no lang")]))
    1 problem found by the publishing audit:
      a.html: line 3: lang: no lang
    """
    findings = list(findings)
    if not findings:
        return "The publishing audit found no problem."
    n = len(findings)
    lines = [f"{n} problem{'s' if n != 1 else ''} found by the publishing audit:"]
    lines += [f"  {f}" for f in findings]
    return "\n".join(lines)


def assert_clean(path, **kwargs) -> None:
    """Raise :class:`~lsp_research.errors.AuditError` listing every finding, if there is one.

    For the runner: call it on the staging folder before publishing.
    """
    findings = audit_path(path, **kwargs)
    if findings:
        raise AuditError(format_findings(findings))
