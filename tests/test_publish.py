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
         "summary": {"red_flags": 2, "red_flag_1": "NI 39 Alcohol admissions",
                     "red_flag_2": "NI 8 Adult participation in sport"},
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
    links = [h for h in re.findall(r'<a href="([^"#]+)"[^>]*>', html) if not h.endswith(".csv")]
    board, executive, operational = (
        f"performance/city/performance-{t}.html" for t in ("board", "executive", "operational")
    )
    barnes, castle = (
        f"ward_profile/{c}/ward_profile-operational.html" for c in ("E05001153", "E05001154")
    )
    assert links == [
        board,  # this quarter's red flags
        board,  # for the Board
        executive,  # for the management group
        operational,  # for the thematic partnerships
        barnes,  # for area committees
        castle,
        board,  # every report in full, for research
        executive,
        operational,
        barnes,
        castle,
        "run.log",
        "provenance.html",  # the footer's one line
    ]
    assert '<th scope="row">Barnes</th>' in html  # the label, not the code
    assert "not published this quarter: failed, see the run log" in html  # Doxford


def test_summaries_pass_disclosure_control(index):
    _, _, html = index
    summary = re.search(
        r"<caption>(?:(?!</caption>).)*Ward profile: summary by area</caption>.*?</table>",
        html,
        re.S,
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
        "red-flags", "board", "management-group", "thematic-partnerships", "area-committees",
        "research", "ward-map", "league-table", "other-files", "how-this-report-was-made",
    ]  # fmt: skip
    assert 'alt="Map of the 25 wards."' in html and re.search(
        r'<caption><span class="lsp-num">Table \d+:</span> League table</caption>', html
    )


def test_index_is_offline_accessible_and_passes_the_audit(index):
    period, _, html = index
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
    assert "<script" not in html and "Reports for 2009-10 Q3" in html
    assert audit_path(period / "index.html") == []


def test_every_table_of_the_index_has_its_csv_disclosure_controlled_and_audited(index):
    period, _, html = index
    main = html[html.index('<main id="content">') : html.rindex("</main>")]
    tables = main.split("<table")[1:]
    assert len(tables) == 4  # performance's and the ward profiles' links, their summary, the league
    assert all("lsp-table-download" in t for t in tables)  # each followed by its download link
    hrefs = re.findall(r'<p class="lsp-table-download"><a href="([^"]+)">', main)
    assert len(hrefs) == 4 and all((period / h).is_file() for h in hrefs)
    league = next(period / h for h in hrefs if "league" in h)
    assert league.read_text(encoding="utf-8").splitlines() == [
        "Ward,Admissions",
        "Barnes,*",
        "Castle,*",
    ]
    assert (period / (league.name + "-metadata.json")).is_file()
    links = next(period / h for h in hrefs if "ward-profile-reports" in h)
    assert links.read_text(encoding="utf-8").splitlines()[1:] == [
        "Barnes,ward_profile/E05001153/ward_profile-operational.html,updated",
        "Castle,ward_profile/E05001154/ward_profile-operational.html,updated",
        'Doxford,not published,"not published this quarter: failed, see the run log"',
    ]
    # numbered in the text of their captions, in page order
    assert re.findall(r'<caption><span class="lsp-num">Table (\d+):', main) == ["1", "2", "3", "4"]
    assert audit_path(period) == []


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


def test_index_by_audience_with_this_quarters_red_flags_first(index):
    _, _, html = index
    main = re.search(r'<main id="content">.*</main>', html, re.S).group()
    assert re.findall(r'<h2 id="([^"]+)"', main) == [
        "red-flags", "board", "management-group", "thematic-partnerships", "area-committees",
        "research", "ward-map", "league-table", "other-files",
    ]  # fmt: skip
    flags = re.search(r'<h2 id="red-flags">.*?</ol>', main, re.S).group()
    assert "2 red flags for the Board this quarter" in flags
    assert re.findall(r"<li>(.*?)</li>", flags) == [
        "NI 39 Alcohol admissions",
        "NI 8 Adult participation in sport",
    ]
    assert '<a href="performance/city/performance-board.html">Read the Board report</a>' in flags
    board = re.search(r'<h2 id="board">.*?</ul>', main, re.S).group()
    assert re.findall(r'href="([^"]+)"', board) == ["performance/city/performance-board.html"]
    areas = re.search(r'<h2 id="area-committees">.*?<h2 ', main, re.S).group()
    assert ">Barnes</a>" in areas and "Doxford: not published this quarter" in areas
    # the red flags lead the page, not a summary column; no "Parameter set" heading anywhere
    assert "Red flag 1" not in html and "Performance report: summary" not in html
    assert "Parameter set" not in html


def test_provenance_page_beside_the_index(index):
    period, _, html = index
    footer = re.search(r"<footer.*?</footer>", html, re.S).group()
    assert '<a href="provenance.html">how these reports were made</a>' in footer
    assert "<table" not in footer
    page = (period / "provenance.html").read_text(encoding="utf-8")
    assert '<table class="lsp-data-versions">' in page and "ab" * 32 in page
    assert '<a href="index.html">All reports for this period</a>' in page
    assert page.count("synthetic default data") == 1  # the banner's notice, once
    assert audit_path(period / "provenance.html") == []


def test_red_flag_record_reads_the_meetings_red_flags():
    import pandas as pd

    from lsp_research.reporting.publish import red_flag_record

    red = pd.DataFrame({"rank": [2, 1], "label": ["B", "A"], "title": ["second", "first"]})
    assert red_flag_record(red) == {
        "red_flags": 2,
        "red_flag_2": "B second",
        "red_flag_1": "A first",
    }
    assert red_flag_record(red.iloc[:0]) == {"red_flags": 0}


@pytest.mark.slow
def test_a_failed_run_keeps_its_last_good_page_with_its_csvs(tmp_path, monkeypatch):
    """The last good version of a page stays published with the CSV (and metadata) of its table."""
    import json

    import nbformat
    import yaml
    from runner_helpers import FIXTURE_NOTEBOOKS, setup_env

    from lsp_research.reporting import runner

    nb = nbformat.read(FIXTURE_NOTEBOOKS / "good.ipynb", as_version=4)
    table = ("import pandas as pd\nfrom lsp_research.tables import show_table\n"
             "show_table(pd.DataFrame({'Quarter': [period], 'Returns': [len(rows) * 10]}), "
             "'Returns this quarter', counts=['Returns'])")  # fmt: skip
    nb.cells.append(nbformat.v4.new_code_cell(table, metadata={"tags": ["board"]}))
    (tmp_path / "nbs").mkdir()
    nbformat.write(nb, tmp_path / "nbs" / "tabled.ipynb")
    env = setup_env(tmp_path, monkeypatch, [])
    env["programme"].write_text(yaml.safe_dump({"version": 1, "notebooks_dir": str(tmp_path / "nbs"),
        "notebooks": [{"notebook": "tabled.ipynb", "tiers": ["board"]}]}))  # fmt: skip
    folder = env["reports"] / "2009Q4" / "tabled" / "city"
    assert runner.run_programme("latest", jobs=1, quiet=True).exit_code == 0
    page = folder / "tabled-board.html"
    (csv_name,) = re.findall(
        r'<p class="lsp-table-download"><a href="([^"]+\.csv)">', page.read_text()
    )
    kept = {
        n: (folder / n).read_bytes() for n in (page.name, csv_name, csv_name + "-metadata.json")
    }
    assert kept[csv_name].decode().splitlines() == ["Quarter,Returns", "2009Q4,30"]

    returns = env["processed"] / "indicator_returns.parquet"
    __import__("pandas").read_parquet(returns).rename(columns={"value": "amount"}).to_parquet(
        returns
    )
    second = runner.run_programme("latest", jobs=1, quiet=True)
    assert second.exit_code == 1 and second.records[0].last_good
    assert {n: (folder / n).read_bytes() for n in kept} == kept  # the page, its CSV and metadata
    assert sorted(p.name for p in folder.iterdir()) == sorted(kept)
    assert audit_path(env["reports"] / "2009Q4") == []
    internal = env["reports"] / ".internal" / "2009Q4"
    assert json.loads((internal / "run.json").read_text())["runs"][0]["status"] == "failed"
