"""show_table: accessible markup, disclosure applied, footnotes in words, audit markers."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lsp_research.reporting.audit import audit_html
from lsp_research.tables import show_table


def page(fragment: str) -> str:
    return f'<!DOCTYPE html><html lang="en-GB"><body><h1>T</h1>{fragment}</body></html>'


@pytest.fixture
def wards():
    return pd.DataFrame(
        {
            "Ward": ["Hendon", "Millfield", "Pallion", "Total"],
            "Admissions": [3, 1240, 12, 1255],
            "Rate per 100,000": [35.214, 410.0, 150.55, 300.0],
        }
    )


def test_structure_caption_and_headers(wards):
    html = show_table(wards, "Admissions by ward, 2008-09", counts=["Admissions"], display=False)
    assert html.count("<table") == 1 and "<caption>Admissions by ward, 2008-09</caption>" in html
    assert re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html) == [
        "Ward",
        "Admissions",
        "Rate per 100,000",
    ]
    assert re.findall(r'<th scope="row">([^<]*)</th>', html) == [
        "Hendon",
        "Millfield",
        "Pallion",
        "Total",
    ]
    # counts: thousands separator, suppression with words for assistive technology
    assert '<td class="num" data-count="true">1,240</td>' in html
    assert html.count('<abbr title="suppressed to protect confidentiality">*</abbr>') == 2
    # other numbers: one decimal place by default
    assert '<td class="num">35.2</td>' in html and '<td class="num">150.6</td>' in html
    # the footnote explains in words and the table points at it
    m = re.search(r'aria-describedby="([^"]+)"', html)
    assert m and f'id="{m.group(1)}"' in html
    assert "counts from 1 to 5 are not shown" in html and "1 further cell" in html


def test_rates_from_suppressed_counts_are_hidden(wards):
    html = show_table(
        wards, "Admissions", counts=["Admissions"], dependent={"Rate per 100,000": "Admissions"},
        display=False,
    )  # fmt: skip
    assert "35.2" not in html and "150.6" not in html and "410.0" in html
    assert "Figures calculated from a suppressed count" in html


def test_no_footnote_when_nothing_is_hidden():
    t = pd.DataFrame({"Ward": ["A", "B"], "Admissions": [10, 20]})
    html = show_table(t, "Admissions", counts=["Admissions"], display=False)
    assert "aria-describedby" not in html and "lsp-table-notes" not in html


def test_formats_index_and_missing_values():
    t = pd.DataFrame(
        {"Share": [0.125, None], "Year": [2008, 2009]},
        index=pd.Index(["Hendon", "Pallion"], name="Ward"),
    )
    html = show_table(t, "Shares", index=True, formats={"Share": "{:.1%}"}, display=False)
    assert '<th scope="col">Ward</th>' in html and '<th scope="row">Hendon</th>' in html
    assert ">12.5%<" in html and ">2008<" in html  # years keep no thousands separator
    assert '<abbr title="not available">..</abbr>' in html and ".. Not available." in html


def test_text_is_escaped():
    t = pd.DataFrame({"Name": ["<script>alert(1)</script>"], "n": [10]})
    html = show_table(t, "A & B <caption>", counts=["n"], display=False)
    assert (
        "<script>" not in html and "&lt;script&gt;" in html and "A &amp; B &lt;caption&gt;" in html
    )


def test_nhsd2018_rule_is_recorded_for_the_audit():
    t = pd.DataFrame({"Quarter": ["Q1", "Q2", "Q3"], "Referrals": [7, 13, 1002]})
    html = show_table(t, "Referrals", counts=["Referrals"], rule="nhsd2018", display=False)
    assert 'data-disclosure-rule="nhsd2018"' in html
    assert ">15</td>" in html and ">1,000</td>" in html and "rounded to the nearest 5" in html
    assert audit_html(page(html)) == []


def test_show_table_output_passes_the_audit_and_raw_table_does_not(wards):
    html = show_table(wards, "Admissions by ward", counts=["Admissions"], display=False)
    assert audit_html(page(html)) == []
    raw = wards.to_html(index=False)
    findings = audit_html(page(raw))
    assert [f.rule for f in findings] == ["small-count"]
    assert "row 1, column 'Admissions'" in findings[0].location


def test_not_counts_marker_is_respected_by_the_audit():
    t = pd.DataFrame(
        {"Theme": ["Healthy City", "Safe City"], "Number of indicators flagged": [2, 3]}
    )
    flagged = audit_html(page(show_table(t, "Flags", display=False)))
    assert {f.rule for f in flagged} == {"small-count"}
    html = show_table(t, "Flags", not_counts=["Number of indicators flagged"], display=False)
    assert 'data-not-count="true"' in html and audit_html(page(html)) == []


def test_display_sends_html_to_the_notebook(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    html = show_table(pd.DataFrame({"a": ["x"], "n": [10]}), "T", counts=["n"])
    assert len(shown) == 1 and shown[0].data == html
    # the returned string does not display itself a second time as the cell's value
    assert isinstance(html, str) and html._ipython_display_() is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"caption": " "}, "caption"),
        ({"caption": "T", "formats": {"nope": "{:.1f}"}}, "formats"),
        ({"caption": "T", "counts": ["n"], "not_counts": ["n"]}, "not_counts"),
        ({"caption": "T", "counts": ["zzz"]}, "counts"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        show_table(pd.DataFrame({"a": ["x"], "n": [10]}), display=False, **kwargs)


def test_same_table_gives_same_bytes(wards):
    a = show_table(wards, "Admissions", counts=["Admissions"], display=False)
    b = show_table(wards.copy(), "Admissions", counts=["Admissions"], display=False)
    assert a == b


def test_tone_colours_cells_that_say_better_or_worse():
    df = pd.DataFrame({"Indicator": ["a", "b", "c"], "Change": ["↑ improving", "↑ worsening", "–"]})
    html = show_table(df, "Change on a year ago", display=False,
                      tone={"Change": ["better", "worse", None]})  # fmt: skip
    assert '<td class="lsp-better">↑ improving</td>' in html
    assert '<td class="lsp-worse">↑ worsening</td>' in html
    assert "<td>–</td>" in html
    with pytest.raises(ValueError, match="tone: 'Change' needs one entry per row"):
        show_table(df, "x", display=False, tone={"Change": ["better"]})
