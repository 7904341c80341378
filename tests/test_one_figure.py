"""One figure per indicator and period across every published page of the default run (issue 22).

Every page of the default 2009Q4 run is read; each figure shown for an indicator in more than one place
(NI indicators for the latest quarter; ward ratios and rates for a stated window) must agree at the
displayed precision, unless a stated reason sits beside it (the NI 39 reconciliation table's "Why it
differs").
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NUM = r"-?\d[\d,]*(?:\.\d+)?"
WINDOW = r"\d{4}-\d{2} Q\d to \d{4}-\d{2} Q\d"


class _Page(HTMLParser):
    """Tables (caption, rows of cell texts) and the visible text of one page."""

    def __init__(self):
        super().__init__()
        self.tables, self.words = [], []
        self._stack, self._cell, self._caption, self._skip = [], None, None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._stack.append({"caption": "", "rows": []})
        elif tag == "caption" and self._stack:
            self._caption = []
        elif tag == "tr" and self._stack:
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag == "caption" and self._caption is not None:
            caption = " ".join("".join(self._caption).split())
            self._stack[-1]["caption"] = re.sub(r"^Table \d+: ", "", caption)  # minus its number
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._stack[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        self.words.append(data)
        for buf in (self._caption, self._cell):
            if buf is not None:
                buf.append(data)

    @property
    def text(self):
        return " ".join(" ".join(self.words).split())


def read_page(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _records(table):
    head, *rows = table["rows"]
    return [dict(zip(head, r, strict=False)) for r in rows if len(r) == len(head)]


def _first_number(text):
    m = re.match(rf"\s*({NUM})", text or "")
    return m.group(1) if m else None


def figures(pages: dict[str, _Page], latest_label: str, latest_fy: str | None, labels):
    """``{key: [(page, shown text, reason)]}`` for every indicator figure on the pages."""
    out: dict[tuple, list] = {}

    def add(key, page, shown, reason=""):
        if shown is not None:
            out.setdefault(key, []).append((page, shown, reason))

    for name, page in pages.items():
        for t in page.tables:
            cap, recs = t["caption"], _records(t)
            if not recs:
                continue
            # performance: the operational facts table, and the one-line summaries
            for label in labels:
                if cap == f"{label} in {latest_label}":
                    for r in recs:
                        if r.get("Measure") == "Value (95% interval)":
                            add((label, "latest"), name, _first_number(r["Result"]))
            if cap.startswith("Everything else at a glance"):
                for r in recs:
                    label = next((x for x in labels if r["Indicator"].startswith(x + " ")), None)
                    if label:
                        add((label, "latest"), name, _first_number(r["Latest"]))
            # alcohol: the NI 39 comparator table and the reconciliation table
            if cap.startswith("NI 39 alcohol-harm") and latest_fy:
                for r in recs:
                    if r.get("Financial year") == latest_fy:
                        add(("NI 39", "latest"), name, r["Sunderland per 100,000"])
            if cap.startswith("NI 39 reconciliation"):
                for i, r in enumerate(recs):
                    if i == 0:
                        add(("NI 39", "latest"), name, r["Per 100,000"])
                    elif not r.get("Why it differs"):
                        add(("NI 39", "latest"), name, r["Per 100,000"], "")
            # ward figures for a stated window
            w = re.search(WINDOW, cap)
            window = w.group(0) if w else None
            if window is None:
                continue
            cols = {}
            if re.match(r"Alcohol-related admissions \(broad measure\) by ward, ", cap):
                cols = {"Ratio (city = 100)": "alcohol admissions ratio"}
            elif cap.startswith("Alcohol-related police incidents by ward"):
                cols = {"Rate per 1,000 per year": "incidents per 1,000 a year",
                        "Ratio (city = 100)": "incident ratio"}  # fmt: skip
            elif cap.startswith("Admissions and police incidents by ward"):
                cols = {
                    "Admission ratio": "alcohol admissions ratio",
                    "Incident ratio": "incident ratio",
                }
            elif re.search(r": (its wards|every ward), ", cap):
                cols = {"Alcohol admissions ratio (city = 100)": "alcohol admissions ratio",
                        "Incidents per 1,000 a year": "incidents per 1,000 a year",
                        "Referrals per 1,000 adults a year": "referrals per 1,000 adults a year"}  # fmt: skip
            for r in recs:
                for col, measure in cols.items():
                    if "Ward" in r and col in r:
                        add((r["Ward"], measure, window), name, _first_number(r[col]))
            if ": key indicators, " in cap:
                area = cap.split(": key indicators, ")[0]
                rows = {"Alcohol-related admissions (broad), ratio to city": "alcohol admissions ratio",
                        "Alcohol-related incidents": "incidents per 1,000 a year",
                        "Wellness referrals": "referrals per 1,000 adults a year"}  # fmt: skip
                for r in recs:
                    if r.get("Indicator") in rows:
                        add((area, rows[r["Indicator"]], window), name, _first_number(r["Value"]))
        # sentences: red flags and the alcohol findings
        for label in labels:
            pat = rf"Red flag \d+: {re.escape(label)} (?:(?!Red flag \d).){{0,600}}?Latest: ({NUM})"
            for m in re.finditer(pat, page.text):
                add((label, "latest"), name, m.group(1))
        for m in re.finditer(rf"NI 39 as returned by the PCT[^:]*: Sunderland's (\S+) rate of ({NUM})",
                             page.text):  # fmt: skip
            if m.group(1) == latest_fy:
                add(("NI 39", "latest"), name, m.group(2))
    return out


def _decimals(s):
    return len(s.split(".")[1]) if "." in s else 0


def agree(a: str, b: str) -> bool:
    """Two displayed figures are one value: within both rounding half-widths of each other."""
    x, y = float(a.replace(",", "")), float(b.replace(",", ""))
    if _decimals(a) == _decimals(b):
        return x == y  # one value at one precision reads the same
    return abs(x - y) < 0.5 * 10 ** -_decimals(a) + 0.5 * 10 ** -_decimals(b) - 1e-9


def disagreements(found: dict) -> list[str]:
    out = []
    for key, shown in found.items():
        plain = [(p, s) for p, s, reason in shown if not reason]
        for i, (p1, s1) in enumerate(plain):
            bad = next(((p2, s2) for p2, s2 in plain[i + 1 :] if not agree(s1, s2)), None)
            if bad:
                out.append(f"{key}: {s1} on {p1} but {bad[1]} on {bad[0]}")
    return out


def test_the_checker_finds_a_disagreement():
    found = {("NI 39", "latest"): [("a", "2,439", ""), ("b", "2,478.3", "")],
             ("Hendon", "ratio", "w"): [("a", "252.9", ""), ("b", "253", ""), ("c", "253.0", "")]}  # fmt: skip
    assert disagreements(found) == [
        "('NI 39', 'latest'): 2,439 on a but 2,478.3 on b",
        "('Hendon', 'ratio', 'w'): 252.9 on a but 253.0 on c",
    ]
    assert agree("2,439", "2,438.8") and agree("252.9", "253") and agree("0.7", "0.73")
    assert not agree("0.7", "0.76") and not agree("252.9", "253.0")


@pytest.fixture(scope="module")
def published(getting_started):
    """The default quarter as ``make report`` publishes it (shared with the guide's test)."""
    folder = getting_started[2]
    assert folder.name == "2009Q4"
    return folder


@pytest.mark.xdist_group("default_run")
def test_every_indicator_reads_the_same_on_every_page(published):
    from lsp_research.performance import load_registry
    from lsp_research.periods import Quarter

    pages = {str(p.relative_to(published)): read_page(p) for p in sorted(published.rglob("*.html"))}
    assert len(pages) > 60  # every tier of every report, and the index
    q = Quarter.parse("2009Q4")
    labels = [ind.label for ind in load_registry()]
    found = figures(pages, q.label, "2009-10", labels)
    shared = {k: v for k, v in found.items() if len(v) > 1}
    # the figures the issue names are among those checked
    assert len(shared[("NI 39", "latest")]) >= 6  # three performance tiers, two alcohol tiers
    hendon = shared[("Hendon", "alcohol admissions ratio", "2007-08 Q1 to 2009-10 Q4")]
    assert {p.split("/")[0] for p, _, _ in hendon} >= {"alcohol_misuse", "ward_profile"}
    assert disagreements(shared) == []
    # every other NI 39 figure carries its stated difference beside it
    page = pages["alcohol_misuse/city/alcohol_misuse-operational.html"]
    rec = _records(next(t for t in page.tables if t["caption"].startswith("NI 39 reconciliation")))
    assert len(rec) == 3
    for r in rec[1:]:
        assert agree(r["Per 100,000"], rec[0]["Per 100,000"]) or r["Why it differs"], r
    assert "reconciliation table" in pages["alcohol_misuse/city/alcohol_misuse-executive.html"].text
