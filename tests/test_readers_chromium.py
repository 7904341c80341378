"""What the readers of the published quarter see, in headless Chromium with the network blocked.

One run of the default data through the project's programme cut to two wards and one area committee
(every kind of page; session-scoped, shared by every test here): the Board paper
prints to at most two A4 pages; every page fits a 1280 px and a 414 px wide window without the body
scrolling sideways; every link on every page resolves to a file and, with a ``#``, to an element of
it; every exception on the executive page links to its chart on the page and to its data (a CSV);
every CSV passes the publishing audit and every table of a report page has one.

``make screenshots`` runs :func:`test_screenshots` against the published ``reports/`` folder
(``LSP_READERS_SITE``) and keeps the PNGs in ``LSP_SCREENSHOTS`` (``reports/screenshots``).
Chromium is driven with :class:`test_browser.Browser` (DevTools protocol over a pipe).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_browser import Browser, find_chromium

from lsp_research.reporting.audit import audit_path

# one worker runs the module, so the session's site and browser are built once
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("readers_site")]

WIDTHS = (1280, 414)
BOARD = "performance/city/performance-board.html"
EXECUTIVE = "performance/city/performance-executive.html"


@pytest.fixture(scope="session")
def site(request, tmp_path_factory) -> Path:
    """The period folder of one default run (or of the published reports, ``LSP_READERS_SITE``)."""
    given = os.environ.get("LSP_READERS_SITE")
    if given:
        periods = sorted(
            p
            for p in Path(given).resolve().iterdir()
            if p.is_dir() and (p / "index.html").is_file()
        )
        if not periods:
            pytest.skip(f"no published period under {given}: run 'make report' first")
        return periods[-1]
    request.getfixturevalue("processed_data")
    from lsp_research.reporting.runner import run_programme

    folder = tmp_path_factory.mktemp("readers")
    summary = run_programme(
        "latest", out=folder / "reports", jobs=2, quiet=True, programme=_small_programme(folder)
    )
    assert summary.exit_code == 0, summary.table()
    return folder / "reports" / str(summary.period)


def _small_programme(folder: Path) -> Path:
    """The project's programme with one area committee and its wards instead of all of them (every
    kind of page, a fraction of the runs; the committee's page links to each of its wards' and each
    ward's to the committee's, so every link resolves)."""
    import yaml

    from lsp_research.config import PROJ_ROOT, place

    prog = yaml.safe_load((PROJ_ROOT / "programme.yml").read_text(encoding="utf-8"))
    prog["notebooks_dir"] = str(PROJ_ROOT / prog.get("notebooks_dir", "."))
    area = "Washington"
    wards = [code for code, _ in place().areas[area]]
    for entry in prog["notebooks"]:
        entry["over"] = {"wards": wards, "areas": [area]}.get(
            entry.get("over"), entry.get("over", "city")
        )
        entry["inputs"] = [
            str(PROJ_ROOT / x) if (PROJ_ROOT / x).is_file() else x for x in entry.get("inputs", [])
        ]
    path = folder / "programme.yml"
    path.write_text(yaml.safe_dump(prog), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    b = Browser(find_chromium(), tmp_path_factory.mktemp("chromium-readers"))
    try:
        yield b
    finally:
        b.close()


class _Page(HTMLParser):
    """The ids and link targets of one HTML page."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(a["href"])


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _open(browser: Browser, path: Path, width: int, height: int = 900) -> tuple[str, str]:
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    browser.send("Page.enable", session=session)
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    browser.send("Emulation.setDeviceMetricsOverride", metrics, session=session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": path.as_uri()}, session=session)
    browser.wait_for("Page.loadEventFired")
    return target, session


def _evaluate(browser: Browser, session: str, expression: str):
    reply = browser.send(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
    )
    return json.loads(reply["result"]["value"])


OVERFLOW_JS = """JSON.stringify({
    view: document.documentElement.clientWidth,
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    wide: Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                     && !e.closest('.lsp-table-scroll, .lsp-figure-scroll') && e.getClientRects().length)
        .slice(0, 5).map(e => e.tagName + '.' + e.className)
})"""


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF (its page objects).

    >>> pdf_pages(b"<< /Type /Pages /Count 2 >> << /Type /Page >> << /Type/Page >>")
    2
    """
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_board_paper_prints_on_at_most_two_a4_pages(site, browser):
    pages = _print_pages(browser, site / BOARD)
    assert 1 <= pages <= 2, f"the Board paper prints to {pages} pages"


def _five_red_flags(run):
    """``run`` with five red flags, the most the Board is shown: the meeting's exceptions on judged
    indicators made genuine candidates on both criteria (the longest sentence), escalated again."""
    import dataclasses

    from lsp_research.performance.escalation import escalate

    m = run.meeting
    ex = m.exceptions.copy()
    judged = set(
        m.assessment.table.loc[m.assessment.table["judged"].astype(bool), "indicator_code"]
    )
    pick = [i for i, code in ex["indicator_code"].items() if code in judged]
    assert len(pick) >= 5, "the default data have five exceptions on judged indicators"
    both = "sustained concern and consistent failure to reach target"
    ex.loc[pick, ["routed", "candidate", "criterion"]] = ["genuine", True, both]
    esc = escalate(ex, 5, run.registry.settings)
    return dataclasses.replace(run, meeting=dataclasses.replace(m, escalation=esc))


@pytest.fixture(scope="session")
def board_with_five_red_flags(processed_data, tmp_path_factory) -> Path:
    """The Board tier of the performance notebook rendered from a run with five red flags (each
    Board cell's output is what its call returns)."""
    import functools
    import types

    import nbformat

    from lsp_research import performance
    from lsp_research.config import PROJ_ROOT
    from lsp_research.performance import report
    from lsp_research.reporting.export import cell_tiers, export_tiers

    params = performance.validate_params("latest")
    run = _five_red_flags(performance.analyse(params, performance.load_inputs(params)))
    assert len(run.meeting.red_flags) == 5
    shows = {k: functools.partial(getattr(report, k), display=False) for k in dir(report)
             if k.startswith("show_")}  # fmt: skip
    ns = {"run": run, "report": types.SimpleNamespace(**shows)}
    nb = nbformat.read(PROJ_ROOT / "notebooks" / "performance.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "board" in cell_tiers(cell):
            html = eval(cell.source.strip(), ns)  # one call into report per cell (thin notebook)
            cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    # as published: beside an index, so the provenance is one line linking to its own page
    ctx = {
        "name": "performance",
        "period": str(run.meeting.period),
        "index_href": "../../index.html",
    }
    (path,) = export_tiers(nb, ["board"], tmp_path_factory.mktemp("board5"), ctx)
    return path


def _print_pages(browser, path: Path) -> int:
    target, session = _open(browser, path, 1280)
    params = {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True}
    pdf = base64.b64decode(browser.send("Page.printToPDF", params, session=session)["data"])
    browser.send("Target.closeTarget", {"targetId": target})
    assert pdf.startswith(b"%PDF")
    return pdf_pages(pdf)


def test_the_board_paper_with_five_red_flags_still_prints_on_two_a4_pages(
    board_with_five_red_flags, browser
):
    html = board_with_five_red_flags.read_text(encoding="utf-8")
    assert html.count('<div class="lsp-flag">') == 5 and "Red flag 5: " in html
    assert html.count("<figure") == 5  # one chart a flag, each numbered in its caption's text
    assert [int(n) for n in re.findall(r'lsp-num">Figure (\d+):', html)] == [1, 2, 3, 4, 5]
    assert 1 <= _print_pages(browser, board_with_five_red_flags) <= 2


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(site, browser, width):
    wide = {}
    for path in pages(site):
        target, session = _open(browser, path, width)
        facts = _evaluate(browser, session, OVERFLOW_JS)
        browser.send("Target.closeTarget", {"targetId": target})
        if max(facts["doc"], facts["body"]) > facts["view"]:
            wide[path.relative_to(site).as_posix()] = facts
    assert wide == {}, wide


def test_every_link_resolves_to_a_file_and_anchor(site):
    parsed = {p.resolve(): _Page(p.read_text(encoding="utf-8")) for p in pages(site)}
    broken = []
    for path, page in parsed.items():
        for href in page.hrefs:
            file, _, anchor = href.partition("#")
            target = (path.parent / file).resolve() if file else path
            if not target.is_file():
                broken.append(f"{path.name}: {href} (no such file)")
            elif anchor and target.suffix == ".html":
                ids = parsed.get(target) or _Page(target.read_text(encoding="utf-8"))
                if anchor not in ids.ids:
                    broken.append(f"{path.name}: {href} (no such anchor)")
    assert broken == []
    assert sum(len(p.hrefs) for p in parsed.values()) > 100  # the pages do link
    # every cross-reference in the text reads as the number of its figure or table
    xref = re.compile(r'<a\b[^>]*(?:class="lsp-xref"|title="cross-reference")[^>]*>(.*?)</a>')
    words = [w for p in pages(site) for w in xref.findall(p.read_text(encoding="utf-8"))]
    assert words and all(re.fullmatch(r"(?:Figure|Table) \d+", w) for w in words), set(words)


def test_every_exception_links_to_its_chart_and_data(site):
    path = site / EXECUTIVE
    html = path.read_text(encoding="utf-8")
    ids = _Page(html).ids
    table = re.search(
        r"<caption>(?:<span class=\"lsp-num\">[^<]*</span> )?Exceptions raised at.*?</tbody>",
        html,
        re.DOTALL,
    )
    assert table, "the executive page has its exceptions table"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0).split("<tbody>")[1], re.DOTALL)
    assert rows
    for row in rows:
        charts = re.findall(r'href="#(chart-[^"]+)"', row)
        data = re.findall(r'href="([^"#]+\.csv)"', row)
        assert len(charts) == 1 and charts[0] in ids, row
        assert len(data) == 1 and (path.parent / data[0]).is_file(), row
        # the chart's own block offers the same CSV
        block = re.search(rf'<div class="lsp-figure" id="{charts[0]}">.*?</figure>(.*?)</div>',
                          html, re.DOTALL)  # fmt: skip
        assert block and f'href="{data[0]}"' in block.group(1)


def test_every_report_table_has_a_csv_and_every_csv_passes_the_audit(site):
    csvs = sorted(site.rglob("*.csv"))
    assert csvs
    assert [f for f in audit_path(site) if f.file.endswith((".csv", ".json"))] == []
    for path in pages(site):  # the report pages and the index alike
        text = path.read_text(encoding="utf-8")
        main = text[text.index('<main id="content">') : text.rindex("</main>")]
        links = re.findall(r'<p class="lsp-table-download"><a href="([^"]+)">', main)
        # each table is followed by its download link before the next table starts
        assert all("lsp-table-download" in t for t in main.split("<table")[1:]), path.name
        assert all((path.parent / h).is_file() for h in links), path.name
    # a cell withheld in a page's table stays withheld (*) in the CSV beside it
    checked = 0
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        shown = re.findall(
            r"<table((?:(?!</table>).)*)</table>\s*</div>\s*"
            r'(?:<div class="lsp-table-notes"(?:(?!</div>).)*</div>\s*)?'
            r'<p class="lsp-table-download"><a href="([^"]+)">',
            text, re.S,
        )  # fmt: skip
        for body, href in shown:
            hidden = body.count('confidentiality">*</abbr>')
            cells = list(csv.reader(io.StringIO((path.parent / href).read_text(encoding="utf-8"))))
            assert sum(c == "*" for row in cells[1:] for c in row) == hidden, (path.name, href)
            assert len(cells) - 1 == body.count("<tr") - 1, (path.name, href)  # one line a row
            checked += 1
    assert checked >= len(csvs) // 2


def test_screenshots(site, browser, tmp_path):
    """PNG screenshots of the Board paper, a ward profile and the index at both widths."""
    out = Path(os.environ.get("LSP_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    ward = sorted(site.glob("ward_profile/*/*-executive.html"))
    shots = {"board": site / BOARD, "index": site / "index.html"}
    if ward:
        shots["ward-profile"] = ward[0]
    for name, path in shots.items():
        for width in WIDTHS:
            target, session = _open(browser, path, width)
            size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
            clip = {
                "x": 0,
                "y": 0,
                "width": width,
                "height": min(size["height"], 12000),
                "scale": 1,
            }
            params = {"format": "png", "captureBeyondViewport": True, "clip": clip}
            png = base64.b64decode(
                browser.send("Page.captureScreenshot", params, session=session)["data"]
            )
            browser.send("Target.closeTarget", {"targetId": target})
            (out / f"{name}-{width}.png").write_bytes(png)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    assert len(list(out.glob("*.png"))) >= 2 * len(shots)
