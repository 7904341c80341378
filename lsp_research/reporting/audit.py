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

import getpass
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ..disclosure import RULES
from ..errors import AuditError

__all__ = ["Finding", "assert_clean", "audit_html", "audit_path", "format_findings"]


@dataclass(frozen=True)
class Finding:
    """One problem found by the audit.

    Attributes
    ----------
    file : str
        The file, relative to the audited folder.
    location : str
        Where in the file: ``"line 12"`` or ``"table 2, row 5, column 'Admissions'"``.
    rule : str
        The rule broken (see the module notes).
    detail : str
        What was found, in words.
    """

    file: str
    location: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.rule}: {self.detail}"


# --------------------------------------------------------------------------------------------------
# A small DOM, enough for the audit (stdlib only).

_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
}  # fmt: skip


class _Node:
    __slots__ = ("tag", "attrs", "children", "parent", "line")

    def __init__(self, tag: str, attrs: dict, parent: _Node | None, line: int):
        self.tag, self.attrs, self.parent, self.line = tag, attrs, parent, line
        self.children: list[_Node | str] = []

    def iter(self, *tags: str):
        for child in self.children:
            if isinstance(child, _Node):
                if not tags or child.tag in tags:
                    yield child
                yield from child.iter(*tags)

    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return "".join(parts)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None, 1)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.stack[-1],
                     self.getpos()[0])  # fmt: skip
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _parse(text: str) -> _Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------------------------------
# Patterns.

_COUNT_HEADER = re.compile(
    r"\b(counts?|number|numbers|no\.|n|num|numerator|admissions?|episodes?|spells?|deaths?|"
    r"incidents?|crimes?|offences?|referrals?|cases?|patients?|people|persons|males?|females?|"
    r"attendances?|attenders?|events?|frequency|freq|clients?|births?|discharges?|users?|"
    r"residents?|victims?|offenders?|quitters?|starters?|completers?|took[ _]up)\b",
    re.IGNORECASE,
)
_NOT_COUNT_HEADER = re.compile(
    r"(rate|per\b|%|percent|proportion|ratio|share|score|mean|average|median|\bci\b|confidence|"
    r"limit|lower|upper|target|value|change|index|rank|year|quarter|period|code|distance|minutes|"
    r"\bkm\b|age\b)",
    re.IGNORECASE,
)
_ID_HEADER = re.compile(
    r"\b(episode|patient|incident|referral|person|client|record|crime|spell|case)[\s_-]*"
    r"(id|ids|identifier|number|no\.?|ref|reference)\b|\bnhs[\s_-]*(number|no\.?)\b",
    re.IGNORECASE,
)
_ID_FIELD = re.compile(
    r"\b(episode_id|patient_id|incident_id|referral_id|person_id|client_id|spell_id|nhs_number|"
    r"nhs_no)\b",
    re.IGNORECASE,
)
#: Record-id values shaped like the data sources' ids: prefix letters, then 5 or more digits (the
#: default data uses EP00000001 episodes, P0000001 patients, NP0000001 incidents, WR000001 referrals).
_ID_VALUE = re.compile(
    r"\b(?:(?:EP|EPI|EPS|SP|PAT|PT|PID|INC|NP|CAD|CR|CRIME|REF|RF|WR|HES)[-_]?\d{5,}|P\d{7})\b"
)
_NHS_NUMBER = re.compile(r"(?<![\w.,/-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w,/-]|\.\d)")
_DOB_HEADER = re.compile(r"date[\s_-]*of[\s_-]*birth|\bdob\b|birth[\s_-]*date", re.I)
_DOB_TEXT = re.compile(
    r"\b(date_of_birth|birth_date|birthdate|dob)\b|"
    r"(date of birth|born on)\s*[:=-]?\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}",
    re.IGNORECASE,
)
_ABS_PATH = re.compile(
    r"(?:(?<![\w.])/(?:home|root|work|tmp|Users|var/folders|mnt|scratch)/[^\s\"'<>)]*|"
    r"\b[A-Za-z]:\\{1,2}(?:Users|Documents and Settings|home)\\{1,2}[^\s\"'<>]*|"
    r"file://[^\s\"'<>]*)"
)
_DATA_URI = re.compile(r"data:[^\"'()\s<>]*")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+Error: ", re.MULTILINE)
_URL_IN_CSS = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_IMPORT_IN_CSS = re.compile(r"@import\b", re.IGNORECASE)
_CODE_CLASSES = {
    "jp-InputArea", "jp-Cell-inputWrapper", "jp-InputPrompt", "jp-CodeMirrorEditor", "input_area",
    "input_prompt", "cm-editor", "jp-Cell-inputArea",
}  # fmt: skip
_PARAM_CLASSES = {"celltag_parameters", "celltag_injected-parameters"}
_PLACEHOLDER_ALT = "no description has been provided for this image"
_GENERIC_USERS = {
    "root", "runner", "user", "jovyan", "ubuntu", "admin", "nobody", "ci", "build", "docker",
    "vscode", "codespace", "debian", "app", "node", "www-data", "gitpod", "test",
}  # fmt: skip
_LOADING_RELS = {
    "stylesheet", "icon", "shortcut", "preload", "prefetch", "modulepreload", "import", "manifest",
    "apple-touch-icon", "mask-icon", "dns-prefetch", "preconnect", "prerender",
}  # fmt: skip
_SRC_ATTRS = {
    "img": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "frame": ("src",),
    "embed": ("src",), "video": ("src", "poster"), "audio": ("src",), "source": ("src", "srcset"),
    "track": ("src",), "input": ("src",), "object": ("data",), "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"), "feimage": ("href", "xlink:href"),
}  # fmt: skip


def _nhs_valid(digits: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number.

    >>> _nhs_valid("9434765919"), _nhs_valid("9434765918")
    (True, False)
    """
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _short(value: str, n: int = 80) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    return value if len(value) <= n else value[: n - 3] + "..."


def _tier_of(root: _Node, name: str) -> str | None:
    for meta in root.iter("meta"):
        if meta.attrs.get("name") == "lsp-tier":
            return meta.attrs.get("content")
    m = re.search(r"-(board|executive|operational)\.html?$", name)
    return m.group(1) if m else None


def _usernames(extra: Iterable[str]) -> list[str]:
    names = set(extra)
    for candidate in (os.environ.get("USER"), os.environ.get("LOGNAME")):
        if candidate:
            names.add(candidate)
    try:
        names.add(getpass.getuser())
    except Exception:
        pass
    return sorted(n for n in names if n and len(n) >= 3 and n.lower() not in _GENERIC_USERS)


# --------------------------------------------------------------------------------------------------
# Checks.


def _table_grid(table: _Node) -> tuple[list[_Node], list[list[tuple[_Node, bool]]], str]:
    """Header cells per column, the body rows as ``(cell, is_header)`` per column, and the caption."""
    caption = next((c.text().strip() for c in table.iter("caption")), "")
    rows = [tr for tr in table.iter("tr") if _nearest_table(tr) is table]
    headers: list[_Node] = []
    body: list[list[tuple[_Node, bool]]] = []
    for tr in rows:
        cells = [c for c in tr.children if isinstance(c, _Node) and c.tag in ("th", "td")]
        expanded: list[_Node] = []
        for c in cells:
            try:
                span = max(1, min(50, int(c.attrs.get("colspan", "1") or 1)))
            except ValueError:
                span = 1
            expanded.extend([c] * span)
        in_head = any(a.tag == "thead" for a in tr.ancestors())
        if in_head or (not body and cells and all(c.tag == "th" for c in cells)):
            headers = expanded  # the last header row names the columns
        else:
            body.append([(c, c.tag == "th") for c in expanded])
    return headers, body, caption


def _nearest_table(node: _Node) -> _Node | None:
    return next((a for a in node.ancestors() if a.tag == "table"), None)


def _as_int(text: str) -> int | None:
    t = text.strip().replace(",", "")
    return int(t) if re.fullmatch(r"\d+", t) else None


def _check_tables(root: _Node, name: str, default_rule: str) -> list[Finding]:
    findings = []
    for k, table in enumerate(root.iter("table"), start=1):
        headers, body, caption = _table_grid(table)
        where_t = f"table {k}" + (f" ({_short(caption, 50)!r})" if caption else "")
        if not any(True for _ in table.iter("th")):
            findings.append(
                Finding(
                    name,
                    f"{where_t}, line {table.line}",
                    "table-headers",
                    "the table has no header cells (<th>)",
                )  # fmt: skip
            )
        marked_rule = table.attrs.get("data-disclosure-rule")
        rule = RULES.get(marked_rule or default_rule) or RULES["hes2008"]
        for j, head in enumerate(headers):
            label = head.text().strip()
            if _ID_HEADER.search(label):
                findings.append(
                    Finding(
                        name,
                        f"{where_t}, column {label!r}",
                        "record-identifier",
                        "a column of record-level identifiers",
                    )  # fmt: skip
                )
            if _DOB_HEADER.search(label):
                findings.append(
                    Finding(
                        name,
                        f"{where_t}, column {label!r}",
                        "date-of-birth",
                        "a column of dates of birth",
                    )  # fmt: skip
                )
            exact = "data-count" in head.attrs
            heuristic = (
                not exact
                and "data-not-count" not in head.attrs
                and bool(_COUNT_HEADER.search(label))
                and not _NOT_COUNT_HEADER.search(label)
            )
            if not (exact or heuristic):
                continue
            for r, row in enumerate(body, start=1):
                if j >= len(row) or row[j][1]:
                    continue
                cell = row[j][0]
                value = _as_int(cell.text())
                if value is None or value == 0:
                    continue
                where = f"{where_t}, row {r}, column {label!r}"
                if 1 <= value <= rule.upper:
                    findings.append(
                        Finding(
                            name,
                            where,
                            "small-count",
                            f"{value} is a count from 1 to {rule.upper} ({rule.name} rule) "
                            "and must be suppressed",
                        )  # fmt: skip
                    )
                elif exact and rule.rounding > 1 and value % rule.rounding:
                    findings.append(
                        Finding(
                            name,
                            where,
                            "small-count",
                            f"{value} is not rounded to the nearest {rule.rounding} "
                            f"({rule.name} rule)",
                        )  # fmt: skip
                    )
    return findings


def _check_resources(root: _Node, name: str) -> list[Finding]:
    findings = []

    def bad(node: _Node, what: str) -> None:
        findings.append(
            Finding(
                name,
                f"line {node.line}",
                "external-resource",
                f"{_short(what)} loads a file from outside the report",
            )  # fmt: skip
        )

    def external(value: str) -> bool:
        v = value.strip()
        return bool(v) and not v.startswith(("data:", "#"))

    for node in root.iter():
        tag = node.tag
        if tag == "link":
            rels = set((node.attrs.get("rel") or "").lower().split())
            href = node.attrs.get("href", "")
            if rels & _LOADING_RELS and external(href):
                bad(node, f'<link rel="{node.attrs.get("rel")}" href="{href}">')
        elif tag == "base" and node.attrs.get("href"):
            bad(node, f'<base href="{node.attrs["href"]}">')
        elif tag == "meta" and node.attrs.get("http-equiv", "").lower() == "refresh":
            bad(node, '<meta http-equiv="refresh">')
        for attr in _SRC_ATTRS.get(tag, ()):
            value = node.attrs.get(attr)
            if value is None:
                continue
            if attr == "srcset":
                urls = [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
                if tag == "img" and value.startswith("data:"):
                    urls = []
            else:
                urls = [value]
            if tag == "script" and not value.strip():
                continue
            for url in urls:
                if (tag in ("use",) and url.startswith("#")) or not external(url):
                    continue
                bad(node, f'<{tag} {attr}="{url}">')
        if tag == "script" and "src" not in node.attrs and re.search(r"https?://", node.text()):
            bad(node, "a script that fetches from the internet")
        css = node.text() if tag == "style" else ""
        css += " " + node.attrs.get("style", "")
        if css.strip():
            if _IMPORT_IN_CSS.search(css):
                bad(node, "a stylesheet @import")
            for m in _URL_IN_CSS.finditer(css):
                if external(m.group(2)):
                    bad(node, f"url({m.group(2)}) in a stylesheet")
    return findings


def _check_images(root: _Node, name: str) -> list[Finding]:
    findings = []
    for img in root.iter("img"):
        alt = img.attrs.get("alt")
        if alt is None or not alt.strip():
            findings.append(
                Finding(name, f"line {img.line}", "chart-alt", "an image has no alt text")
            )
        elif alt.strip().lower() == _PLACEHOLDER_ALT:
            findings.append(
                Finding(
                    name,
                    f"line {img.line}",
                    "chart-alt",
                    "an image has only nbconvert's placeholder alt text (use plots.show)",
                )  # fmt: skip
            )
    for svg in root.iter("svg"):
        if any(a.tag == "svg" for a in svg.ancestors()):
            continue
        labelled = svg.attrs.get("aria-label") or svg.attrs.get("aria-labelledby")
        titled = any(
            c.tag == "title" and c.text().strip() for c in svg.children if isinstance(c, _Node)
        )
        hidden = svg.attrs.get("aria-hidden") == "true"
        if not (labelled or titled or hidden):
            findings.append(
                Finding(
                    name,
                    f"line {svg.line}",
                    "chart-alt",
                    "an inline SVG has no <title> or aria-label",
                )  # fmt: skip
            )
    for canvas in root.iter("canvas"):
        if not (canvas.attrs.get("aria-label") or canvas.text().strip()):
            findings.append(
                Finding(
                    name, f"line {canvas.line}", "chart-alt", "a canvas has no text alternative"
                )
            )
    return findings


def _check_structure(root: _Node, name: str, tier: str | None) -> list[Finding]:
    findings = []
    html = next(root.iter("html"), None)
    if html is None or not (html.attrs.get("lang") or "").strip():
        findings.append(
            Finding(
                name,
                f"line {html.line if html else 1}",
                "lang",
                "the <html> element has no lang attribute",
            )  # fmt: skip
        )
    levels = [(int(h.tag[1]), h) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    if levels:
        h1s = [h for lvl, h in levels if lvl == 1]
        if len(h1s) != 1:
            findings.append(
                Finding(
                    name,
                    f"line {levels[0][1].line}",
                    "heading-order",
                    f"the page should have exactly one <h1>, it has {len(h1s)}",
                )  # fmt: skip
            )
        prev = 0
        for lvl, h in levels:
            if lvl > prev + 1:
                findings.append(
                    Finding(
                        name,
                        f"line {h.line}",
                        "heading-order",
                        f"<h{lvl}> {_short(h.text(), 40)!r} follows <h{prev or '-'}>: a level "
                        "is skipped",
                    )  # fmt: skip
                )
            prev = lvl
    for node in root.iter():
        cls = node.classes()
        if cls & _PARAM_CLASSES:
            findings.append(
                Finding(
                    name,
                    f"line {node.line}",
                    "parameters-cell",
                    f"a notebook parameters cell in a {tier or 'published'} report",
                )  # fmt: skip
            )
        if cls & _CODE_CLASSES and not any(a.classes() & _CODE_CLASSES for a in node.ancestors()):
            findings.append(
                Finding(
                    name,
                    f"line {node.line}",
                    "code-cell",
                    f"a notebook code input in a {tier or 'published'} report",
                )  # fmt: skip
            )
        if node.tag == "pre" and re.match(r"\s*# Parameters\s*$", node.text(), re.MULTILINE):
            findings.append(
                Finding(
                    name,
                    f"line {node.line}",
                    "parameters-cell",
                    "papermill's injected '# Parameters' block",
                )  # fmt: skip
            )
    return findings


def _check_text(text: str, name: str, usernames: list[str]) -> list[Finding]:
    findings = []
    scrubbed = _DATA_URI.sub(lambda m: "data:" + "x" * (len(m.group()) - 5), text)

    def add(m: re.Match, rule: str, detail: str) -> None:
        findings.append(Finding(name, f"line {_line_of(scrubbed, m.start())}", rule, detail))

    for m in _ABS_PATH.finditer(scrubbed):
        add(m, "absolute-path", repr(_short(m.group(), 60)))
    for user in usernames:
        for m in re.finditer(rf"(?<![\w-]){re.escape(user)}(?![\w-])", scrubbed):
            add(m, "user-name", f"the user name {user!r}")
    for m in _ID_FIELD.finditer(scrubbed):
        add(m, "record-identifier", f"the record-level field {m.group()!r}")
    for m in _ID_VALUE.finditer(scrubbed):
        add(m, "record-identifier", f"{m.group()!r} looks like a record id")
    for m in _NHS_NUMBER.finditer(scrubbed):
        if _nhs_valid("".join(m.groups())):
            add(m, "record-identifier", f"{m.group()!r} is a valid NHS number")
    for m in _DOB_TEXT.finditer(scrubbed):
        add(m, "date-of-birth", f"{_short(m.group(), 40)!r}")
    for m in _TRACEBACK.finditer(scrubbed):
        add(m, "error-output", "a Python error or traceback")
    return findings


def audit_html(text: str, name: str = "report.html", *, rule: str = "hes2008",
               usernames: Iterable[str] = ()) -> list[Finding]:  # fmt: skip
    """Audit one HTML document given as text (see :func:`audit_path`)."""
    if rule not in RULES:
        raise ValueError(f"rule: {rule!r} is not a disclosure rule; use one of {', '.join(RULES)}")
    root = _parse(text)
    tier = _tier_of(root, name)
    findings = []
    findings += _check_structure(root, name, tier)
    findings += _check_resources(root, name)
    findings += _check_images(root, name)
    findings += _check_tables(root, name, rule)
    findings += _check_text(text, name, _usernames(usernames))
    seen = set()
    unique = []
    for f in findings:
        if f not in seen:
            seen.add(f)
            unique.append(f)
    return unique


def audit_path(path, *, rule: str = "hes2008", usernames: Iterable[str] = ()) -> list[Finding]:
    """Audit one HTML file, or every ``*.html``/``*.htm`` file under a folder.

    Parameters
    ----------
    path : path
        A file or a folder (e.g. ``reports/2009Q3`` or the runner's staging folder).
    rule : {"hes2008", "nhsd2018"}
        The disclosure rule for tables that do not say which rule they followed.
    usernames : list of str
        Further user names that must not appear (the current user's is always checked, unless it is a
        generic account such as ``root``).

    Returns
    -------
    list of Finding
        Empty when every file passes. Files are named relative to ``path``.

    Raises
    ------
    AuditError
        ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise AuditError(f"nothing to audit: {path.name!r} does not exist")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".html", ".htm"))
        base = path
    else:
        files, base = [path], path.parent
    findings: list[Finding] = []
    for f in files:
        name = f.relative_to(base).as_posix()
        text = f.read_text(encoding="utf-8", errors="replace")
        findings.extend(audit_html(text, name, rule=rule, usernames=usernames))
    return findings


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
