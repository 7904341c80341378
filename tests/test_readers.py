"""What each reader is given (fast checks): the tables' CSVs, the icons, the summary matrix."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest

from lsp_research.plots import icons
from lsp_research.reporting.audit import audit_csv, audit_path
from lsp_research.tables import extract_files, show_table


def _csv(html: str) -> tuple[str, list[list[str]], dict]:
    page, files = extract_files(html)
    (name,) = [n for n in files if n.endswith(".csv")]
    rows = list(csv.reader(io.StringIO(files[name].decode("utf-8"))))
    meta = files.get(name + "-metadata.json")
    return page, rows, json.loads(meta) if meta else {}


def test_the_csv_holds_exactly_what_the_table_shows_after_disclosure_control():
    t = pd.DataFrame(
        {"Ward": ["Hendon", "Millfield", "Pallion"], "Admissions": [3, 1204, 12],
         "Rate per 100,000": [35.21, 410.0, None]}
    )  # fmt: skip
    html = show_table(t, "Admissions by ward", counts=["Admissions"], display=False)
    page, rows, meta = _csv(html)
    assert rows[0] == ["Ward", "Admissions", "Rate per 100,000"]
    shown = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert ">1,204<" in page and rows[2] == ["Millfield", "1204", "410.0"]
    # withheld cells stay withheld: the primary (3) and the secondary one
    assert [r[1] for r in rows[1:]].count("*") == shown.count(
        '<abbr title="suppressed to protect confidentiality">*</abbr>'
    ) == 2  # fmt: skip
    assert rows[3][2] == ""  # missing in the table (..), empty in the CSV
    assert meta["columns"] == {"Admissions": "count"} and meta["disclosure_rule"] == "hes2008"
    link = re.search(
        r'<p class="lsp-table-download"><a href="([^"]+)">Download the data \(CSV, 3 rows\)', page
    )
    assert link and link.group(1).endswith(".csv") and "data-content" not in page


def test_a_page_that_does_not_extract_the_csv_has_no_link_to_it():
    from lsp_research.reporting.sanitise import clean_html

    html = show_table(pd.DataFrame({"A": ["x"], "B": [10]}), "T", display=False)
    cleaned = clean_html(html)
    assert "lsp-table-download" not in cleaned and "data-content" not in cleaned


def test_links_and_row_ids_are_checked():
    t = pd.DataFrame({"Indicator": ["NI 39", "NI 8"], "Data": ["CSV", "CSV"]})
    html = show_table(t, "Links", display=False, row_ids=["row-a", None],
                      links={"Indicator": ["#chart-a", None], "Data": ["a.csv", "b.csv"]})  # fmt: skip
    assert '<tr id="row-a"><th scope="row"><a href="#chart-a">NI 39</a></th>' in html
    assert '<tr><th scope="row">NI 8</th><td><a href="b.csv">CSV</a></td>' in html
    with pytest.raises(ValueError, match="only link within the report"):
        show_table(t, "L", display=False, links={"Data": ["https://x.example/a.csv", None]})
    with pytest.raises(ValueError, match="one href"):
        show_table(t, "L", display=False, links={"Data": ["a.csv"]})


def test_the_audit_reads_a_csv_as_its_table_declares_it():
    text = "Indicator,Events,Latest year\nAlcohol-related incidents,273,5.0\n"
    assert [f.rule for f in audit_csv(text)] == ["small-count"]  # 5.0 along a row of "incidents"
    assert audit_csv(text, columns={"Events": "count", "Latest year": "derived"}) == []
    assert [f.rule for f in audit_csv("Ward,Admissions\nHendon,3\n")] == ["small-count"]


def test_the_audit_finds_the_metadata_beside_a_csv(tmp_path):
    t = pd.DataFrame({"Indicator": ["Alcohol-related incidents"], "Events": [273],
                      "Latest year": [5.0]})  # fmt: skip
    html = show_table(t, "Incidents", counts=["Events"], dependent={"Latest year": "Events"},
                      display=False)  # fmt: skip
    for name, data in extract_files(html)[1].items():
        (tmp_path / name).write_bytes(data)
    assert audit_path(tmp_path) == []
    (csv_file,) = tmp_path.glob("*.csv")
    (tmp_path / (csv_file.name + "-metadata.json")).unlink()
    assert [f.rule for f in audit_path(tmp_path)] == ["small-count"]


def test_icons_say_in_words_what_their_colour_says():
    for key, icon in icons.VARIATION.items():
        html = icons.icon_html("variation", key)
        assert f"<title>Variation: {icon.words}</title>" in html
        assert f'<span class="lsp-icon-text">{icon.words}</span>' in html
        assert icons.PALETTE[icon.colour] in html
    # concern and improvement differ in colour and letter/arrow, not colour alone
    worse, better = icons.VARIATION["concern_high"], icons.VARIATION["improvement_low"]
    assert worse.colour != better.colour and (worse.letter, worse.arrow) != (
        better.letter,
        better.arrow,
    )
    assert icons.variation_key("special_cause_improvement", "decrease") == "improvement_low"
    with pytest.raises(ValueError, match="not an SPC variation"):
        icons.variation_key("special", "increase")


def _contrast(hex_colour: str) -> float:
    def lum(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    y = 0.2126 * lum(r) + 0.7152 * lum(g) + 0.0722 * lum(b)
    return 1.05 / (y + 0.05)


def test_icon_colours_are_readable_with_a_white_letter():
    assert all(_contrast(c) >= 4.5 for c in icons.PALETTE.values()), icons.PALETTE


def test_the_summary_matrix_counts_every_indicator_once(processed_data):
    from lsp_research.performance import report, run_assessment

    run = run_assessment("latest")
    html = report.show_summary_matrix(run, display=False)
    counts = [int(n) for n in re.findall(r'<td(?: class="num")?>(?:<strong>)?(\d+)', html)]
    assert sum(counts) == len(run.meeting.assessment.table)
    links = re.findall(r'<a href="#((?:chart|row)-[^"]+)">', html)
    assert len(links) == len(run.meeting.assessment.table)
    red = {report.chart_id(c, a) for c, a in zip(run.meeting.red_flags["indicator_code"],
                                                 run.meeting.red_flags["area_code"], strict=True)}  # fmt: skip
    assert {x for x in links if x.startswith("chart-")} == red
    board = report.show_summary_matrix(run, board=True, display=False)
    assert (
        "lsp-board-only" in board and "<a href" not in extract_files(board)[0].split("</table>")[0]
    )
    glossary = report.show_glossary(run, display=False)
    for word in ("Expected range (process limits)", "Sent back to the owner"):
        assert word in glossary
