"""export_tiers: tier selection by cell tags, no code, offline page, headings, TOC, provenance."""

from __future__ import annotations

import re

import pytest
from publishing_helpers import PROV, execute, tagged_notebook

from lsp_research.errors import ConfigError
from lsp_research.reporting import provenance
from lsp_research.reporting.audit import audit_path
from lsp_research.reporting.export import export_tiers, render_tier

CTX = {"name": "performance", "period": "2009Q3", "provenance": PROV, "index_href": "../index.html"}
MARKERS = {
    "BOARD-TEXT": {"board", "executive", "operational"},
    "Admissions by ward": {"board", "executive", "operational"},
    "EXECUTIVE-TEXT": {"executive", "operational"},
    "Line chart of admissions": {"executive", "operational"},
    "OPERATIONAL-TEXT": {"operational"},
    "PRINTED-TEXT": {"operational"},
}
NEVER = [
    "SETUP-CELL-SOURCE", "PARAMETERS-CELL-SOURCE", "INJECTED-OUTPUT", "TABLE-CELL-SOURCE",
    "UNTAGGED-SOURCE", "UNTAGGED-OUTPUT", "UNTAGGED-MARKDOWN", "STDERR-TEXT", "&lt;Figure size",
    "'&lt;div", "show(fig", "print(",
]  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    paths = export_tiers(tagged_notebook(), ["board", "executive", "operational"], out, CTX)
    return out, paths, {p.name.rsplit("-", 1)[1][:-5]: p.read_text(encoding="utf-8") for p in paths}


def test_files_named_by_slug_and_tier(exported):
    out, paths, _ = exported
    assert [p.name for p in paths] == [
        "performance-board.html",
        "performance-executive.html",
        "performance-operational.html",
    ]
    assert all(p.parent == out for p in paths)


def test_cell_tags_decide_the_tiers(exported):
    _, _, pages = exported
    for marker, tiers in MARKERS.items():
        for tier, html in pages.items():
            assert (marker in html) == (tier in tiers), (marker, tier)


def test_no_code_parameters_stderr_or_bare_values_in_any_tier(exported):
    _, _, pages = exported
    for tier, html in pages.items():
        for text in NEVER:
            assert text not in html, (tier, text)
        assert "jp-InputArea" not in html and "celltag_" not in html


def test_offline_page_with_house_style(exported):
    _, _, pages = exported
    html = pages["executive"]
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
    assert "<script" not in html and "mathjax" not in html.lower()
    assert not re.search(r"require(\.min)?\.js|requirejs|cdn\.|https?://", html)
    assert not re.search(r"<link[^>]+stylesheet", html) and "@import" not in html
    assert "@media print" in html and re.search(r'<meta content="executive" name="lsp-tier"', html)
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)


def test_headings_in_order_with_one_h1_and_a_toc(exported):
    _, _, pages = exported
    html = pages["executive"]
    levels = [int(x) for x in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    # the notebook's "# Performance report" became the page title, "####" became h3 under "## Red flags"
    assert '<h1 id="top">Performance report</h1>' in html
    assert re.search(r'<h3 id="exceptions">Exceptions</h3>', html)
    toc = re.search(r'<nav class="lsp-toc".*?</nav>', html, re.DOTALL).group()
    assert re.findall(r'href="#([^"]+)"', toc) == [
        "red-flags",
        "exceptions",
        "how-this-report-was-made",
    ]


def test_links_between_tiers_and_to_the_index(exported):
    _, _, pages = exported
    html = pages["board"]
    assert '<a href="../index.html">All reports for this period</a>' in html
    assert (
        'href="performance-executive.html"' in html
        and 'href="performance-operational.html"' in html
    )
    assert 'href="performance-board.html"' not in html


def test_provenance_footer(exported):
    _, _, pages = exported
    footer = re.search(
        r'<footer class="lsp-provenance".*?</footer>', pages["executive"], re.DOTALL
    ).group()
    for text in [
        "<code>period</code>", "<code>2009Q3</code>", "2009-10 Q3", "git 0123456789ab", "ab" * 32,
        "admissions", "2010-03-31", "cd" * 8, "police: data may be out of date",
        "2010-04-01T09:00:00Z", "For the management group", "notebooks/performance.ipynb",
    ]:  # fmt: skip
        assert text in footer, text
    for page in pages.values():  # the synthetic-data notice once per page: the banner's
        assert page.count("synthetic default data") == 1
        assert "Synthetic data." in page


def test_the_board_page_links_to_the_provenance_instead_of_carrying_it(exported):
    _, _, pages = exported
    board = pages["board"]
    assert "<table" not in re.search(r"<footer.*?</footer>", board, re.S).group()
    assert "lsp-data-versions" not in board and "lsp-params" not in board
    line = re.search(
        r'<footer class="lsp-provenance-line" id="provenance">.*?</footer>', board, re.S
    )
    assert line and "<small>" in line.group() and "git 0123456789ab" in line.group()
    # beside the index (CTX links to ../index.html), where write_index puts provenance.html
    assert '<a href="../provenance.html">how these reports were made</a>' in line.group()
    assert 'href="#how-this-report-was-made"' in board and 'id="how-this-report-was-made"' in board


def test_exported_reports_pass_the_audit(exported):
    out, _, _ = exported
    assert audit_path(out) == []


def test_bad_tier_and_slug(tmp_path):
    with pytest.raises(ValueError, match="tier"):
        export_tiers(tagged_notebook(), ["boardroom"], tmp_path, CTX)
    with pytest.raises(ValueError, match="tiers"):
        export_tiers(tagged_notebook(), ["board", "board"], tmp_path, CTX)
    with pytest.raises(ValueError, match="slug"):
        export_tiers(tagged_notebook(), ["board"], tmp_path, {**CTX, "slug": "../x"})


def test_generation_time_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1270000000")
    prov = provenance.collect()
    assert prov["generated"] == "2010-03-31T01:46:40Z"
    assert prov["lock_sha256"] and re.fullmatch(r"[0-9a-f]{64}", prov["lock_sha256"])
    assert prov["code_version"].startswith(("git ", "lsp-research "))
    html = render_tier(tagged_notebook(), "board", {**CTX, "provenance": prov})
    assert "2010-03-31T01:46:40Z" in html
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        provenance.generated_at()


def test_papermill_executed_notebook(tmp_path):
    """A real kernel run: show_table, plots.show and Markdown outputs survive; code does not."""
    nb = execute(tmp_path, {"period": "2009Q4", "seed": 3})
    paths = export_tiers(nb, ["board", "operational"], tmp_path / "out", {"provenance": PROV})
    board, operational = (p.read_text(encoding="utf-8") for p in paths)
    assert [p.name for p in paths] == ["demo-board.html", "demo-operational.html"]
    assert board.count("Admissions by ward, 2009Q4") == 1 and "Line chart" not in board
    cell = next(c for c in nb.cells if "show_table(" in c.source)
    assert [o.output_type for o in cell.outputs] == ["display_data"]  # shown once, no Out[]
    assert "Line chart of admissions per quarter" in operational
    assert "The period is <strong>2009Q4</strong>." in operational and "rows: 4" in operational
    assert "<code>seed</code>" in board and "<code>3</code>" in board  # papermill's parameters
    assert "2009-10 Q4" in board
    for html in (board, operational):
        assert (
            "show_table(" not in html and "import numpy" not in html and "# Parameters" not in html
        )
    assert audit_path(tmp_path / "out") == []


def test_provenance_from_the_processed_default_data(processed_data, monkeypatch, tmp_path):
    """The footer lists every processed table with its hash, says the data is synthetic, and prints
    no absolute path (the manifest holds some)."""
    import json

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1270000000")
    manifest = json.loads((processed_data / "manifest.json").read_text())
    prov = provenance.collect(period="2009Q3")
    assert prov["synthetic"] is True and prov["synthetic"] == manifest["synthetic"]
    assert {r["name"] for r in prov["data"]} == set(manifest["tables"])
    assert all(r["sha256"] == manifest["tables"][r["name"]]["sha256"] for r in prov["data"])
    assert {r["source"] for r in prov["sources"]} and all("stale" in r for r in prov["sources"])
    paths = export_tiers(tagged_notebook(), ["executive"], tmp_path, {**CTX, "provenance": prov})
    html = paths[0].read_text(encoding="utf-8")
    for row in prov["data"]:
        assert row["sha256"][:16] in html
    assert str(processed_data) not in html and "synthetic default data" in html
    assert audit_path(tmp_path) == []


def test_freshness_is_measured_at_the_report_period(processed_data, tmp_path):
    """Provenance collected without a period (today's date) is re-measured at each report's period."""
    at_today = provenance.collect()
    at_period = provenance.collect(period="2009Q3")
    assert at_today["as_of"] is None and at_period["as_of"] == "2009Q3"
    assert len(at_today["stale"]) > len(at_period["stale"])  # the synthetic data ends in 2010
    (path,) = export_tiers(tagged_notebook(), ["board"], tmp_path, {**CTX, "provenance": at_today})
    html = path.read_text(encoding="utf-8")
    for warning in at_period["stale"]:
        assert warning in html
    assert "before today" not in html


def test_a_more_precise_first_heading_becomes_the_page_title(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Ward profile", id="a", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "", id="b", metadata={"tags": ["executive"]},
            outputs=[nbformat.v4.new_output("display_data", data={"text/markdown": "# Ward profile: St Anne's\n\n## People"})],
        ),
    ]  # fmt: skip
    ctx = {"name": "ward_profile", "provenance": PROV, "over": "wards"}
    html = render_tier(nb, "executive", ctx)
    assert '<h1 id="top">Ward profile: St Anne\'s</h1>' in html
    # the readers named in words, in the tab's title and under the page's
    assert "<title>Ward profile: St Anne's – for area committee members</title>" in html
    assert "For area committee members" in html and "Executive report" not in html
    assert html.count("<h1") == 1 and '<h2 id="people">People</h2>' in html
