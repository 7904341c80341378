"""The rules of the pre-publication audit (:mod:`lsp_research.reporting.audit`): a small DOM of the
published HTML and one check per concern, each returning :class:`Finding` objects.

The rules are described in :mod:`lsp_research.reporting.audit`, which runs them over files and folders.

>>> check_text("saved in /home/alice/x.csv", "r.html", [])[0].detail
"'/home/alice/x.csv'"
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from ..disclosure import RULES


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


def parse_html(text: str) -> _Node:
    """The element tree of an HTML page, parsed as a browser reads it (escaped text stays text)."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------------------------------
# Patterns.

COUNT_HEADER = re.compile(
    r"\b(counts?|number|numbers|no\.|n|num|numerator|admissions?|episodes?|spells?|deaths?|"
    r"incidents?|crimes?|offences?|referrals?|cases?|patients?|people|persons|males?|females?|"
    r"attendances?|attenders?|events?|frequency|freq|clients?|births?|discharges?|users?|"
    r"residents?|victims?|offenders?|quitters?|starters?|completers?|took[ _]up)\b",
    re.IGNORECASE,
)
NOT_COUNT_HEADER = re.compile(
    r"(rate|per\b|%|percent|proportion|ratio|share|score|mean|average|median|\bci\b|confidence|"
    r"limit|lower|upper|target|value|change|index|rank|code|distance|minutes|\bkm\b|"
    r"^\s*(year|quarter|period|month|age|date)s?\b)",
    re.IGNORECASE,
)
#: A cell holding a count, in any of the forms a table prints one: ``3``, ``1,204``, ``3.0``,
#: ``3 (12%)``, ``3 (12.5%)``, ``n = 3``.
_COUNT_CELL = re.compile(
    r"^\s*(?:n\s*=\s*)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?\s*(?:\([^()]*\))?\s*$", re.IGNORECASE
)
#: A small count in words: a number from 1 to 9 followed (within two words) by people or events.
_PROSE_COUNT = re.compile(
    r"(?<![\w.,-])(\d{1,3})(?:\.0+)?(?![\w.,%-]|\.\d)(?:\s*\([^()]*\))?\s+(?:[a-z][\w-]*\s+){0,2}?"
    r"(admissions?|episodes?|spells?|deaths?|referrals?|people|patients?|persons?|incidents?|"
    r"crimes?|offences?|cases?|residents?|clients?|users?|births?|attendances?|victims?|"
    r"offenders?|men|women|children|adults|males?|females?|completers?|quitters?|starters?)\b",
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
    r"(?<![\w.:/~%-])/(?:[A-Za-z0-9_.+-]+/)+[A-Za-z0-9_.+-]*|"
    r"\b[A-Za-z]:\\{1,2}[A-Za-z0-9_ .-]+\\[^\s\"'<>]*|"
    r"file://[^\s\"'<>]*|(?<![\w/-])\.venv/[^\s\"'<>]*|\bsite-packages/[^\s\"'<>]*)"
)
#: Attributes that hold a URL (a ``javascript:`` or ``data:text/html`` value in any of them is active).
_URL_ATTRS = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
    "codebase", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "icon",
}  # fmt: skip
_ACTIVE_URL = re.compile(
    r"^\s*(?:j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t|vbscript|livescript|data\s*:\s*"
    r"(?:text/html|application/(?:x-)?javascript|text/javascript|image/svg\+xml|application/xhtml))"
    r"\s*:?",
    re.IGNORECASE,
)
#: Elements that run code, embed another document or send data anywhere: never in a report.
_ACTIVE_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "button",
    "input", "textarea", "select", "portal", "foreignobject", "handler", "listener", "template",
    "noscript", "dialog",
}  # fmt: skip
_CSS_ACTIVE = re.compile(r"expression\s*\(|-moz-binding|behaviou?r\s*:|javascript:", re.I)
_DYNAMIC_IMPORT = re.compile(r"\bimport\s*\(|\bimportScripts\s*\(|\beval\s*\(|\bnew\s+Function\b")
ACTIVE_TEXT = re.compile(
    r"<\s*script\b|\bjavascript\s*:|<[a-z][^>]*\son[a-z]+\s*=|\bimport\s*\(\s*['\"]",
    re.IGNORECASE,
)
#: Lines of code: an import, a definition, an IPython magic, a call of the house helpers.
CODE_LINE = re.compile(
    r"^\s*(?:import\s+[\w.]+|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|class\s+\w+\s*[(:]|"
    r"%(?:matplotlib|load_ext|run|time)\b|!pip\s|(?:display|show_table|print)\s*\(|"
    r"\w+\s*=\s*(?:pd|np|plt|lsp_research|profiles|alcohol|wellness|performance|data)\.)",
    re.MULTILINE,
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


def shorten(value: str, n: int = 80) -> str:
    """``value`` on one line, cut to ``n`` characters with ``...`` (for quoting in a finding).

    >>> shorten("a  very\\n  long value", 12)
    'a very lo...'
    """
    value = re.sub(r"\s+", " ", value).strip()
    return value if len(value) <= n else value[: n - 3] + "..."


def tier_of(root: _Node, name: str) -> str | None:
    """The audience tier a page declares (``<meta name="lsp-tier">``), else one read from its file name."""
    for meta in root.iter("meta"):
        if meta.attrs.get("name") == "lsp-tier":
            return meta.attrs.get("content")
    m = re.search(r"-(board|executive|operational)\.html?$", name)
    return m.group(1) if m else None


def usernames_to_check(extra: Iterable[str]) -> list[str]:
    """The user names a published file must not show: ``extra`` and the running user's (generic
    names such as ``root`` and names under 3 characters left out), sorted.
    """
    names = set(extra)
    for candidate in (os.environ.get("USER"), os.environ.get("LOGNAME")):
        if candidate:
            names.add(candidate)
    try:
        names.add(getpass.getuser())
    except (ImportError, KeyError, OSError):  # no pwd module, or a user id with no name
        pass
    return sorted(n for n in names if n and len(n) >= 3 and n.lower() not in _GENERIC_USERS)


# --------------------------------------------------------------------------------------------------
# Checks.


def table_grid(table: _Node) -> tuple[list[_Node], list[list[tuple[_Node, bool]]], str]:
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


def as_int(text: str) -> int | None:
    """The count a cell shows, whatever its format (``3``, ``3.0``, ``3 (12%)``, ``1,204``).

    >>> [as_int(t) for t in ("3", "3.0", "3 (12%)", "1,204", "3.5", "12%", "*", "n = 4")]
    [3, 3, 3, 1204, None, None, None, 4]
    """
    m = _COUNT_CELL.match(text)
    return int(m.group(1).replace(",", "")) if m else None


def reads_like_count(label: str) -> bool:
    """Whether a column or row label names a count (and not a rate, percentage or score)."""
    return bool(COUNT_HEADER.search(label)) and not NOT_COUNT_HEADER.search(label)


def is_small(value: int | None, rule) -> bool:
    """Whether ``value`` is a small count under disclosure ``rule`` (1 to ``rule.upper``)."""
    return value is not None and 1 <= value <= rule.upper


def _check_transposed(body, headers, where_t: str, rule, name: str) -> list[Finding]:
    """Small counts along a transposed table's rows (a row whose header reads like a count)."""
    findings = []
    for r, row in enumerate(body, start=1):
        heads = [c for c, is_head in row if is_head]
        label = " ".join(c.text().strip() for c in heads)
        if not heads or not reads_like_count(label) or "data-not-count" in heads[0].attrs:
            continue
        for j, (cell, is_head) in enumerate(row):
            head = headers[j] if j < len(headers) else None
            col = head.text().strip() if head is not None else str(j + 1)
            if is_head or (
                head is not None
                and (
                    {"data-count", "data-not-count", "data-derived"} & set(head.attrs)
                    or NOT_COUNT_HEADER.search(col)
                )
            ):
                continue  # checked as a count column already, or declared not a count
            value = as_int(cell.text())
            if is_small(value, rule):
                findings.append(
                    Finding(
                        name,
                        f"{where_t}, row {r} ({shorten(label, 40)!r}), column {col!r}",
                        "small-count",
                        f"{value} is a count from 1 to {rule.upper} ({rule.name} rule) "
                        "and must be suppressed",
                    )  # fmt: skip
                )
    return findings


def check_tables(root: _Node, name: str, default_rule: str) -> list[Finding]:
    """Unsuppressed small counts and record-level identifiers in the page's tables."""
    findings = []
    for k, table in enumerate(root.iter("table"), start=1):
        headers, body, caption = table_grid(table)
        where_t = f"table {k}" + (f" ({shorten(caption, 50)!r})" if caption else "")
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
            heuristic = not exact and "data-not-count" not in head.attrs and reads_like_count(label)
            if not (exact or heuristic):
                continue
            for r, row in enumerate(body, start=1):
                if j >= len(row) or row[j][1]:
                    continue
                cell = row[j][0]
                value = as_int(cell.text())
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
        findings += _check_transposed(body, headers, where_t, rule, name)
    return findings


def _external(value: str) -> bool:
    """Whether a URL points outside the file (not empty, not ``data:``, not a ``#`` fragment)."""
    v = value.strip()
    return bool(v) and not v.startswith(("data:", "#"))


def _attr_urls(tag: str, attr: str, value: str) -> list[str]:
    """The external URLs an element's source attribute loads (a ``srcset`` holds several)."""
    if attr == "srcset":
        urls = [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
        if tag == "img" and value.startswith("data:"):
            urls = []
    else:
        urls = [value]
    if tag == "script" and not value.strip():
        return []
    return [u for u in urls if not ((tag in ("use",) and u.startswith("#")) or not _external(u))]


def _css_loads(node: _Node) -> list[str]:
    """What an element's stylesheet or ``style`` attribute loads from outside the file."""
    css = node.text() if node.tag == "style" else ""
    css += " " + node.attrs.get("style", "")
    out = []
    if css.strip():
        if _IMPORT_IN_CSS.search(css):
            out.append("a stylesheet @import")
        for m in _URL_IN_CSS.finditer(css):
            if _external(m.group(2)):
                out.append(f"url({m.group(2)}) in a stylesheet")
    return out


def check_resources(root: _Node, name: str) -> list[Finding]:
    """Anything the page would load from elsewhere (scripts, styles, images, fonts, frames)."""
    findings = []

    def bad(node: _Node, what: str) -> None:
        findings.append(
            Finding(
                name,
                f"line {node.line}",
                "external-resource",
                f"{shorten(what)} loads a file from outside the report",
            )  # fmt: skip
        )

    for node in root.iter():
        tag = node.tag
        if tag == "link":
            rels = set((node.attrs.get("rel") or "").lower().split())
            href = node.attrs.get("href", "")
            if rels & _LOADING_RELS and _external(href):
                bad(node, f'<link rel="{node.attrs.get("rel")}" href="{href}">')
        elif tag == "base" and node.attrs.get("href"):
            bad(node, f'<base href="{node.attrs["href"]}">')
        elif tag == "meta" and node.attrs.get("http-equiv", "").lower() == "refresh":
            bad(node, '<meta http-equiv="refresh">')
        for attr in _SRC_ATTRS.get(tag, ()):
            value = node.attrs.get(attr)
            if value is None:
                continue
            for url in _attr_urls(tag, attr, value):
                bad(node, f'<{tag} {attr}="{url}">')
        if tag == "script" and "src" not in node.attrs and re.search(r"https?://", node.text()):
            bad(node, "a script that fetches from the internet")
        for what in _css_loads(node):
            bad(node, what)
    return findings


def check_images(root: _Node, name: str) -> list[Finding]:
    """Images without a real description (missing, empty or placeholder alt text)."""
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


def check_structure(root: _Node, name: str, tier: str | None) -> list[Finding]:
    """The page's structure: language, title, headings and the tier's required parts."""
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
                        f"<h{lvl}> {shorten(h.text(), 40)!r} follows <h{prev or '-'}>: a level "
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


def check_active(root: _Node, name: str) -> list[Finding]:
    """Anything that would run: scripts, event handlers, active URLs, forms, embedded documents,
    dynamic imports, scripted CSS.
    """
    findings = []

    def add(node: _Node, detail: str) -> None:
        findings.append(Finding(name, f"line {node.line}", "active-content", shorten(detail, 100)))

    for node in root.iter():
        tag = node.tag
        if tag in _ACTIVE_TAGS:
            body = node.text()
            extra = " with a dynamic import" if _DYNAMIC_IMPORT.search(body) else ""
            add(node, f"a <{tag}> element{extra}")
        for attr, value in node.attrs.items():
            if attr.startswith("on"):
                add(node, f"an event handler {attr}={value!r} on <{tag}>")
            elif attr in _URL_ATTRS and _ACTIVE_URL.match(value or ""):
                add(node, f"<{tag} {attr}={value!r}>: a URL that runs code")
            elif attr in ("srcdoc", "formaction", "action"):
                add(node, f"<{tag} {attr}=...>: an attribute that loads or sends a document")
            elif attr == "style" and _CSS_ACTIVE.search(value or ""):
                add(node, f"scripted CSS in a style attribute on <{tag}>")
            elif attr in ("attributename",) and (value or "").lower() in ("href", "xlink:href"):
                add(node, f"<{tag} attributeName={value!r}>: an animation that rewrites a link")
        if tag == "style" and _CSS_ACTIVE.search(node.text()):
            add(node, "scripted CSS in a stylesheet")
        if tag == "meta" and node.attrs.get("http-equiv", "").lower() == "set-cookie":
            add(node, "a <meta http-equiv=set-cookie>")
    return findings


def _prose_counts(text: str, rule) -> list[re.Match]:
    """Small counts written in words ("3 admissions", "2 (40%) referrals")."""
    out = []
    for m in _PROSE_COUNT.finditer(text):
        value = int(m.group(1))
        if not 1 <= value <= rule.upper:
            continue
        before = text[max(0, m.start() - 14) : m.start()].lower()
        if re.search(
            r"(\d\s*(?:-|–|to|and)|fewer than|less than|under|below|at least)\s*$", before
        ):
            continue  # "counts of 1 to 5 admissions", "fewer than 6 deaths": not a published count
        out.append(m)
    return out


def check_prose(root: _Node, name: str, rule) -> list[Finding]:
    """Small counts in prose, headings, captions, alt text, labels, tooltips and SVG text."""
    findings = []

    def scan(node: _Node, text: str, where: str) -> None:
        for m in _prose_counts(text, rule):
            findings.append(
                Finding(
                    name,
                    f"line {node.line}, {where}",
                    "small-count",
                    f"{shorten(m.group(), 40)!r}: a count from 1 to {rule.upper} ({rule.name} rule) "
                    "in words must be withheld",
                )  # fmt: skip
            )

    def own_text(node: _Node) -> str:
        return "".join(
            c if isinstance(c, str) else (own_text(c) if c.tag in _INLINE else " ")
            for c in node.children
        )

    for node in root.iter():
        if node.tag in ("style", "script", "head") or any(
            a.tag in ("style", "script", "head") for a in node.ancestors()
        ):
            continue
        if node.tag not in _INLINE or node.parent is None or node.parent.tag == "#root":
            text = own_text(node)
            if text.strip():
                in_svg = node.tag in ("text", "tspan", "title", "desc") and any(
                    a.tag == "svg" for a in node.ancestors()
                )
                scan(node, text, "SVG text" if in_svg else f"<{node.tag}> text")
        for attr in ("alt", "aria-label", "title", "aria-description"):
            if node.attrs.get(attr):
                scan(node, node.attrs[attr], f"{attr} of <{node.tag}>")
    return findings


_INLINE = {
    "a", "abbr", "b", "strong", "em", "i", "span", "small", "sub", "sup", "code", "time", "mark",
    "s", "u", "kbd", "samp", "var", "br", "tspan",
}  # fmt: skip


def check_code(root: _Node, name: str) -> list[Finding]:
    """Code printed in a page (a code cell's source shown as text, a pasted snippet)."""
    findings = []
    for node in root.iter("pre", "code"):
        if node.tag == "code" and node.parent is not None and node.parent.tag == "pre":
            continue
        m = CODE_LINE.search(node.text())
        if m:
            findings.append(
                Finding(
                    name,
                    f"line {node.line}",
                    "code-cell",
                    f"code in a published page: {shorten(m.group(), 50)!r}",
                )  # fmt: skip
            )
    return findings


def check_text(text: str, name: str, usernames: list[str]) -> list[Finding]:
    """Raw text of any published file: absolute paths, user names, tracebacks, NHS numbers, dates of birth."""
    findings = []
    # an embedded image's base64 is no text of the page: cut it to a token (it has no newline, so
    # every line number stays right) rather than scan megabytes of it with every pattern below
    scrubbed = _DATA_URI.sub("data:x", text)

    def add(m: re.Match, rule: str, detail: str) -> None:
        findings.append(Finding(name, f"line {_line_of(scrubbed, m.start())}", rule, detail))

    for m in _ABS_PATH.finditer(scrubbed):
        add(m, "absolute-path", repr(shorten(m.group(), 60)))
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
        add(m, "date-of-birth", f"{shorten(m.group(), 40)!r}")
    for m in _TRACEBACK.finditer(scrubbed):
        add(m, "error-output", "a Python error or traceback")
    return findings
