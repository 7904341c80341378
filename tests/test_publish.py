"""write_index: links to every report per notebook, parameter set and tier; hooks; offline page."""

from __future__ import annotations

import re

import pytest
from publishing_helpers import PROV, chart_html

from lsp_research.reporting.audit import audit_path
from lsp_research.reporting.publish import write_index
from lsp_research.tables import show_table


def entries(period_dir):
    (period_dir / "performance" / "city").mkdir(parents=True)
    board = period_dir / "performance" / "city" / "performance-board.html"
    return [
        {"notebook": "performance", "title": "Performance report", "parameter_set": "city",
         "files": {"board": board, "executive": "performance/city/performance-executive.html",
                   "operational": "performance/city/performance-operational.html"}},
        {"notebook": "ward_profile", "title": "Ward profile", "parameter_set": "E05001153",
         "label": "Barnes", "files": ["ward_profile/E05001153/ward_profile-operational.html"],
         "summary": {"Population": 11_000, "Admissions": 3, "Rate per 1,000": 0.27}},
        {"notebook": "ward_profile", "title": "Ward profile", "parameter_set": "E05001154",
         "label": "Castle", "files": ["ward_profile/E05001154/ward_profile-operational.html"],
         "summary": {"Population": 12_000, "Admissions": 40, "Rate per 1,000": 3.3}},
        {"notebook": "ward_profile", "title": "Ward profile", "parameter_set": "E05001155",
         "label": "Doxford", "status": "error", "files": {}},
    ]  # fmt: skip


@pytest.fixture
def index(tmp_path):
    period = tmp_path / "2009Q3"
    league = show_table(
        __import__("pandas").DataFrame({"Ward": ["Barnes", "Castle"], "Admissions": [3, 40]}),
        "League table", counts=["Admissions"], display=False,
    )  # fmt: skip
    ctx = {
        "period": "2009Q3", "provenance": PROV, "ward_map": chart_html("Map of the 25 wards."),
        "league_table": league, "links": [("Run log", "run.log")],
    }  # fmt: skip
    path = write_index(period, entries(period), ctx)
    return period, path, path.read_text(encoding="utf-8")


def test_links_every_report_by_notebook_set_and_tier(index):
    period, path, html = index
    assert path == period / "index.html"
    links = re.findall(r'<a href="([^"#]+)">', html)
    assert links == [
        "performance/city/performance-board.html",
        "performance/city/performance-executive.html",
        "performance/city/performance-operational.html",
        "ward_profile/E05001153/ward_profile-operational.html",
        "ward_profile/E05001154/ward_profile-operational.html",
        "run.log",
    ]
    assert '<th scope="row">Barnes</th>' in html  # the label, not the code
    assert "not published this quarter: failed, see the run log" in html  # Doxford


def test_summaries_pass_disclosure_control(index):
    _, _, html = index
    summary = re.search(
        r"<caption>Ward profile: summary by parameter set</caption>.*?</table>", html, re.S
    )
    assert summary, "a summary table for the ward profiles"
    text = summary.group()
    # Admissions reads like a count: 3 is hidden, and 40 with it (secondary suppression)
    assert text.count("suppressed to protect confidentiality") == 2
    assert ">11000<" in text and ">3.3<" in text and ">40<" not in text
    assert ">3<" not in text


def test_hooks_and_contents(index):
    _, _, html = index
    toc = re.search(r'<nav class="lsp-toc".*?</nav>', html, re.S).group()
    assert re.findall(r'href="#([^"]+)"', toc) == [
        "reports", "ward-map", "league-table", "other-files", "how-this-report-was-made",
    ]  # fmt: skip
    assert 'alt="Map of the 25 wards."' in html and "<caption>League table</caption>" in html


def test_index_is_offline_accessible_and_passes_the_audit(index):
    period, _, html = index
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
    assert "<script" not in html and "Reports for 2009-10 Q3" in html
    assert audit_path(period / "index.html") == []


def test_links_must_stay_inside_the_period_folder(tmp_path):
    period = tmp_path / "2009Q3"
    bad = [{"notebook": "x", "files": {"board": tmp_path / "elsewhere" / "x-board.html"}}]
    with pytest.raises(ValueError, match="not inside the period folder"):
        write_index(period, bad, {"provenance": PROV})
    with pytest.raises(ValueError, match="inside the period folder"):
        write_index(
            period, [{"notebook": "x", "files": {"board": "../x-board.html"}}], {"provenance": PROV}
        )


def test_no_reports(tmp_path):
    html = write_index(tmp_path / "2009Q3", [], {"provenance": PROV}).read_text()
    assert "No reports were published for this period." in html
