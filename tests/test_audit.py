"""The publishing audit: plant each kind of leak in an exported report and see the audit fail on it."""

from __future__ import annotations

import hashlib

import pytest
from publishing_helpers import PROV, tagged_notebook

from lsp_research import cli
from lsp_research.errors import AuditError
from lsp_research.reporting.audit import Finding, assert_clean, audit_html, audit_path
from lsp_research.reporting.export import export_tiers
from lsp_research.reporting.publish import write_index

CTX = {"name": "performance", "period": "2009Q3", "provenance": PROV, "index_href": "../index.html"}


@pytest.fixture(scope="module")
def clean_reports(tmp_path_factory):
    """A published period folder: index plus three tiers, exported from one notebook."""
    period = tmp_path_factory.mktemp("period")
    paths = export_tiers(
        tagged_notebook(), ["board", "executive", "operational"], period / "performance", CTX
    )
    write_index(
        period,
        [{"notebook": "performance", "title": "Performance report", "parameter_set": "city",
          "files": {p.name.rsplit("-", 1)[1][:-5]: p for p in paths}}],
        {"period": "2009Q3", "provenance": PROV},
    )  # fmt: skip
    return period


def planted(clean_reports, tmp_path, tier: str, snippet: str, where: str = "</main>"):
    """Copy the clean folder and insert ``snippet`` into one report; return (folder, file name)."""
    import shutil

    dest = tmp_path / "period"
    shutil.copytree(clean_reports, dest)
    path = dest / "performance" / f"performance-{tier}.html"
    html = path.read_text(encoding="utf-8")
    assert where in html
    path.write_text(html.replace(where, snippet + where, 1), encoding="utf-8")
    return dest, f"performance/performance-{tier}.html"


def test_clean_reports_pass(clean_reports):
    assert audit_path(clean_reports) == []
    assert_clean(clean_reports)


LEAKS = [
    # (rule, tier, snippet, text expected in the finding)
    ("small-count", "board",
     '<table data-disclosure-rule="hes2008"><thead><tr><th scope="col">Ward</th>'
     '<th scope="col" data-count="true">Admissions</th></tr></thead><tbody><tr><th scope="row">A</th>'
     '<td data-count="true">4</td></tr></tbody></table>', "row 1, column 'Admissions'"),
    ("small-count", "operational",
     '<table data-disclosure-rule="nhsd2018"><thead><tr><th>Quarter</th><th data-count="true">Referrals'
     '</th></tr></thead><tbody><tr><td>Q1</td><td data-count="true">7</td></tr><tr><td>Q2</td>'
     '<td data-count="true">23</td></tr></tbody></table>', "1 to 7"),
    ("small-count", "operational",
     '<table data-disclosure-rule="nhsd2018"><thead><tr><th>Quarter</th><th data-count="true">Referrals'
     '</th></tr></thead><tbody><tr><td>Q2</td><td data-count="true">23</td></tr></tbody></table>',
     "not rounded"),
    ("small-count", "executive",
     '<table border="1" class="dataframe"><thead><tr><th></th><th>ward</th><th>deaths</th></tr></thead>'
     "<tbody><tr><th>0</th><td>Hendon</td><td>2</td></tr></tbody></table>", "column 'deaths'"),
    ("record-identifier", "operational",
     "<table><thead><tr><th>Patient ID</th><th>Ward</th></tr></thead><tbody><tr><td>x</td><td>y</td>"
     "</tr></tbody></table>", "record-level identifiers"),
    ("record-identifier", "operational", "<pre>     episode_id  ward_code\n0  EP0001234  E05001153</pre>",
     "episode_id"),
    ("record-identifier", "operational", "<p>Referral REF-0012345 was late.</p>", "REF-0012345"),
    ("record-identifier", "board", "<td>EP00012345</td>", "EP00012345"),
    ("record-identifier", "board", "<li>Patient P0912345 was admitted twice.</li>", "P0912345"),
    ("record-identifier", "executive", "<p>NP0001234 and WR000123</p>", "NP0001234"),
    ("record-identifier", "executive", "<p>NP0001234 and WR000123</p>", "WR000123"),
    ("record-identifier", "operational", "<p>NHS number 943 476 5919.</p>", "valid NHS number"),
    ("date-of-birth", "operational", "<p>Date of birth: 1961-04-12</p>", "Date of birth"),
    ("date-of-birth", "operational",
     "<table><tr><th>DOB</th></tr><tr><td>01/02/1960</td></tr></table>", "dates of birth"),
    ("absolute-path", "board", "<p>Read from /home/alice/data/admissions.csv</p>", "/home/alice"),
    ("absolute-path", "board", "<pre>File /root/.cache/x.py, line 3</pre>", "/root/"),
    ("absolute-path", "executive", "<p>/work/main/data/raw</p>", "/work/main"),
    ("absolute-path", "executive", "<p>saved to /tmp/tmpab12/out.png</p>", "/tmp/"),
    ("absolute-path", "executive", r"<p>C:\Users\jsmith\Documents\returns.xlsx</p>", "jsmith"),
    ("code-cell", "board",
     '<div class="jp-Cell-inputWrapper"><div class="jp-InputArea jp-Cell-inputArea"><pre>x = 1</pre>'
     "</div></div>", "code input in a board report"),
    ("code-cell", "executive", '<div class="input_area"><pre>df.head()</pre></div>', "executive"),
    ("parameters-cell", "board", '<div class="jp-Cell celltag_parameters"><p>period</p></div>',
     "parameters cell"),
    ("parameters-cell", "executive", "<pre># Parameters\nperiod = \"2009Q3\"\n</pre>", "# Parameters"),
    ("external-resource", "board", '<script src="https://cdn.jsdelivr.net/npm/require.js"></script>',
     "script src"),
    ("external-resource", "board", '<link rel="stylesheet" href="https://fonts.googleapis.com/css">',
     "stylesheet"),
    ("external-resource", "board", "<style>@import 'theme.css';</style>", "@import"),
    ("external-resource", "board",
     "<style>@font-face { font-family: X; src: url(https://example.org/x.woff2); }</style>",
     "url(https://example.org/x.woff2)"),
    ("external-resource", "executive", '<div style="background: url(/images/bg.png)">x</div>', "bg.png"),
    ("external-resource", "executive", '<img src="chart.png" alt="A chart of admissions.">', "chart.png"),
    ("external-resource", "executive", '<iframe src="https://maps.example/x" title="map"></iframe>',
     "iframe"),
    ("chart-alt", "board", '<figure><img src="data:image/png;base64,iVBORw0KGgo="></figure>', "no alt"),
    ("chart-alt", "board",
     '<img src="data:image/png;base64,iVBORw0KGgo=" alt="No description has been provided for this image">',
     "placeholder"),
    ("chart-alt", "board", "<svg viewBox='0 0 10 10'><rect width='5' height='5'/></svg>", "SVG"),
    ("error-output", "operational",
     "<pre>Traceback (most recent call last):\n  ZeroDivisionError: division by zero</pre>", "traceback"),
    ("table-headers", "operational", "<table><tr><td>a</td></tr></table>", "no header cells"),
    ("heading-order", "operational", "<h4>Deep</h4>", "skipped"),
    # active content of any kind
    ("active-content", "board", "<script>document.title = 1</script>", "<script>"),
    ("active-content", "board", '<script type="module">import("./x.js")</script>', "dynamic import"),
    ("active-content", "board", '<details open ontoggle="alert(1)"><summary>x</summary></details>',
     "ontoggle"),
    ("active-content", "executive", '<img src="data:image/png;base64,AA" alt="a" onerror="alert(1)">',
     "onerror"),
    ("active-content", "executive", '<a href="javascript:alert(1)">Hendon</a>', "javascript:"),
    ("active-content", "executive", '<a href=" JaVaScRiPt:alert(1)">Hendon</a>', "runs code"),
    ("active-content", "operational", '<form action="https://x.example/s"><p>x</p></form>', "<form>"),
    ("active-content", "operational", '<iframe srcdoc="&lt;b&gt;x" title="x"></iframe>', "srcdoc"),
    ("active-content", "operational", '<svg role="img" aria-label="m" onload="alert(1)"></svg>', "onload"),
    ("active-content", "operational", '<div style="width: expression(alert(1))">x</div>', "scripted CSS"),
    ("active-content", "operational", '<object data="data:text/html,&lt;script&gt;x"></object>', "<object>"),
    # small counts in any number format, orientation, prose, alt text and SVG text
    ("small-count", "board",
     "<table><tr><th>Ward</th><th>Admissions</th></tr><tr><td>Hendon</td><td>3 (12%)</td></tr></table>",
     "3 is a count"),
    ("small-count", "board",
     "<table><tr><th>Ward</th><th>Deaths</th></tr><tr><td>Hendon</td><td>3.0</td></tr></table>",
     "column 'Deaths'"),
    ("small-count", "board",
     "<table><tr><th>Measure</th><th>Hendon</th><th>Millfield</th></tr>"
     "<tr><th scope='row'>Admissions</th><td>40</td><td>4</td></tr></table>",
     "row 1 ('Admissions'), column 'Millfield'"),
    ("small-count", "executive",
     "<table><tr><th>Ward</th><th>Patients aged 65+</th></tr><tr><td>Hendon</td><td>2</td></tr></table>",
     "column 'Patients aged 65+'"),
    ("small-count", "executive", "<p>Hendon had 3 alcohol-specific admissions this year.</p>",
     "'3 alcohol-specific admissions'"),
    ("small-count", "executive", "<li>Referrals: 2 (40%) referrals completed</li>", "in words"),
    ("small-count", "operational",
     '<img src="data:image/png;base64,AA" alt="Bar chart: Hendon 4 deaths, Millfield 40 deaths.">',
     "alt of <img>"),
    ("small-count", "operational",
     '<svg role="img" aria-label="map"><title>map</title><text x="1" y="1">2 referrals</text></svg>',
     "SVG text"),
    # machine paths and code
    ("absolute-path", "board", "<p>python at /opt/conda/envs/lsp/bin/python</p>", "/opt/conda"),
    ("absolute-path", "board", "<p>warning from .venv/lib/python3.11/site-packages/x.py</p>", ".venv"),
    ("absolute-path", "board", "<p>Read from /srv/lsp/data/raw/admissions.csv</p>", "/srv/lsp"),
    ("code-cell", "operational", "<pre>from lsp_research import tables\nimport pandas as pd</pre>",
     "from lsp_research import"),
    ("code-cell", "operational", "<pre>res = alcohol.run(period)</pre>", "alcohol."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "tier", "snippet", "expected"),
    LEAKS,
    ids=[f"{r}-{i}" for i, (r, *_) in enumerate(LEAKS)],
)
def test_each_planted_leak_fails_the_audit(clean_reports, tmp_path, rule, tier, snippet, expected):
    folder, name = planted(clean_reports, tmp_path, tier, snippet)
    findings = audit_path(folder)
    assert findings, "the audit passed a report with a planted leak"
    assert {f.file for f in findings} == {name}
    matching = [f for f in findings if f.rule == rule]
    assert matching, findings
    assert any(expected in str(f) for f in matching), matching
    with pytest.raises(AuditError, match=rule):
        assert_clean(folder)


PLANTED_FILES = [
    # (file, content, rule, text expected in the finding)
    ("performance/performance.ipynb", '{"cells": []}', "internal-file", "a .ipynb file"),
    ("run.log", "programme /work/wt/programme.yml", "internal-file", "a .log file"),
    ("summary.csv", "Ward,Admissions\nHendon,40\nMillfield,3\n", "small-count",
     "line 3, column 'Admissions'"),
    ("transposed.csv", "Measure,Hendon,Millfield\nDeaths,40,2.0\n", "small-count",
     "line 2, column 'Millfield'"),
    ("paths.csv", "Ward,Source\nHendon,/home/ann/x.csv\n", "absolute-path", "line 2, column 'Source'"),
    ("run.json", '{"runs": [{"message": "see /srv/reports/x"}]}', "absolute-path", "key runs[0].message"),
    ("figures.json", '{"wards": {"Hendon": {"admissions": 4}}}', "small-count",
     "key wards.Hendon.admissions"),
    ("names.json", '{"ward": "<img src=x onerror=alert(1)>"}', "active-content", "key ward"),
    ("chart.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "active-content", "<script>"),
    ("chart2.svg", '<svg xmlns="http://www.w3.org/2000/svg"><text>3 deaths</text></svg>',
     "small-count", "SVG text"),
    ("chart3.svg", '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.example/a.png"/></svg>',
     "external-resource", "https://x.example/a.png"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "content", "rule", "expected"), PLANTED_FILES,
                         ids=[p[0] for p in PLANTED_FILES])  # fmt: skip
def test_every_file_in_the_shareable_folder_is_audited(clean_reports, tmp_path, file, content, rule,
                                                       expected):  # fmt: skip
    folder, _ = planted(clean_reports, tmp_path, "board", "")
    (folder / file).write_text(content, encoding="utf-8")
    findings = audit_path(folder)
    assert {f.file for f in findings} == {file}, findings
    assert any(f.rule == rule and expected in str(f) for f in findings), findings


def test_no_false_alarm_on_counts_that_are_safe():
    page = (
        '<!DOCTYPE html><html lang="en-GB"><body><h1>R</h1>'
        "<p>Counts from 1 to 5 admissions are withheld; fewer than 6 deaths; 1 of 5 area committees; "
        "per 1,000 adults; 16+ adults; 25 wards; 12 referrals.</p>"
        "<table><tr><th>Indicator</th><th>Value</th><th>Change</th></tr>"
        "<tr><th scope='row'>Wellness referrals</th><td>3.0</td><td>1</td></tr></table>"
        "<table><tr><th>Age band</th><th>Admissions</th></tr><tr><td>5</td><td>40</td></tr></table>"
        "<p>See ../index.html and 2009/10 and a/b/c.</p></body></html>"
    )
    assert audit_html(page) == []


def test_leak_in_the_index_is_found(clean_reports, tmp_path):
    folder, _ = planted(clean_reports, tmp_path, "board", "")
    index = folder / "index.html"
    index.write_text(
        index.read_text().replace("</main>", '<img src="http://x/y.png" alt="y"></main>')
    )
    assert [(f.file, f.rule) for f in audit_path(folder)] == [("index.html", "external-resource")]


def test_user_name_is_found(clean_reports, tmp_path):
    folder, name = planted(clean_reports, tmp_path, "executive", "<p>Prepared by mkowalski.</p>")
    assert audit_path(folder) == []  # an unknown name is not a finding on its own
    findings = audit_path(folder, usernames=["mkowalski"])
    assert [(f.file, f.rule) for f in findings] == [(name, "user-name")]


def test_locations_point_at_the_line(clean_reports, tmp_path):
    folder, name = planted(clean_reports, tmp_path, "operational", "\n<p>/home/bob/x</p>\n")
    html = (folder / name).read_text().splitlines()
    (finding,) = audit_path(folder)
    line = int(finding.location.split()[-1])
    assert "/home/bob/x" in html[line - 1]


def test_a_path_after_an_embedded_image_is_found_on_its_line(clean_reports, tmp_path):
    # the image's base64 is cut out before the text is scanned: the line numbers stay right
    image = '<img alt="chart" src="data:image/png;base64,' + "QUJD" * 50_000 + '">'
    folder, name = planted(
        clean_reports, tmp_path, "operational", f"\n{image}\n<p>/home/bob/x</p>\n"
    )
    html = (folder / name).read_text().splitlines()
    (finding,) = audit_path(folder)
    assert finding.rule == "absolute-path"
    assert "/home/bob/x" in html[int(finding.location.split()[-1]) - 1]


def test_things_that_are_not_leaks():
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><link rel="icon" href="data:,"></head><body><h1>R</h1>'
        # an absolute-looking string inside a data: URI is data, not a path
        '<img alt="x" src="data:image/png;base64,AAAA/home/AAAA/tmp/BBBB">'
        # navigation links and in-page anchors are fine
        '<a href="../index.html">index</a><a href="#x">x</a><a href="https://www.sunderland.gov.uk/">web</a>'
        # ward codes, years and large or zero counts are fine; rates are not counts
        "<table><tr><th>Ward code</th><th>Admissions</th><th>Rate per 1,000 admissions</th></tr>"
        "<tr><td>E05001153</td><td>0</td><td>3.2</td></tr><tr><td>E05001154</td><td>1,204</td><td>4</td></tr>"
        "</table><table><tr><th>Year</th><th>Babies born</th></tr><tr><td>2009</td><td>3,120</td></tr>"
        "</table><p>An invalid NHS-like number 123 456 7890 and 2009-10 Q3.</p></body></html>"
    )
    assert audit_html(page) == []


def test_missing_path_and_bad_rule(tmp_path):
    with pytest.raises(AuditError, match="does not exist"):
        audit_path(tmp_path / "nope")
    with pytest.raises(ValueError, match="rule"):
        audit_html("<html></html>", rule="hes")


def test_finding_text():
    f = Finding("a/b.html", "line 3", "lang", "no lang")
    assert str(f) == "a/b.html: line 3: lang: no lang"


def test_command_line(clean_reports, tmp_path, capsys):
    assert cli.main(["audit", str(clean_reports)]) == 0
    assert "no problem in 5 HTML files" in capsys.readouterr().out
    folder, name = planted(clean_reports, tmp_path, "board", "<p>/home/alice/x</p>")
    assert cli.main(["audit", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "1 problem found" in err and f"{name}: line" in err and "absolute-path" in err
    assert cli.main(["audit", str(tmp_path / "missing")]) == 2


def test_the_final_audit_does_not_read_again_a_page_a_worker_audited(
    clean_reports, tmp_path, monkeypatch
):
    from runner_helpers import setup_env

    from lsp_research.reporting import audit, runner
    from lsp_research.reporting.audit_rules import usernames_to_check
    from lsp_research.reporting.execute import Executor, RunResult

    page = (clean_reports / "performance" / "performance-board.html").read_bytes()
    pages = {"good/E05001153": page, "good/Coalfield": page.replace(b"</main>", b"<p>C</p></main>")}
    setup_env(
        tmp_path,
        monkeypatch,
        [{"notebook": "good.ipynb", "over": ["E05001153", "Coalfield"], "tiers": ["board"]}],
    )
    monkeypatch.setattr(runner, "check_kernel", lambda: None)
    users = tuple(usernames_to_check(()))

    class Worker(
        Executor
    ):  # the first run's worker says it audited its page; the second's does not
        def run(self, tasks):
            for t in tasks:
                claim = ("good-board.html",) if t.key == "good/E05001153" else ()
                files = {"good-board.html": pages[t.key]}
                yield RunResult(t.key, "ok", files=files, audited=claim, audited_users=users)

    read, real = [], audit._AUDITORS[".html"]

    def reading(text, name, **kw):
        read.append(name)
        return real(text, name, **kw)

    monkeypatch.setitem(audit._AUDITORS, ".html", reading)
    summary = runner.run_programme("latest", quiet=True, executor_factory=lambda **kw: Worker())
    assert summary.exit_code == 0, summary.table()
    assert "good/Coalfield/good-board.html" in read and "index.html" in read
    assert "good/E05001153/good-board.html" not in read
    # the bytes, not the name, are what was audited: a changed byte is read again
    staged = tmp_path / "one"
    staged.mkdir()
    (staged / "a.html").write_bytes(page)
    digest = hashlib.sha256(page).hexdigest()
    read.clear()
    assert audit_path(staged, passed={digest}) == [] and read == []
    (staged / "a.html").write_bytes(page.replace(b"</main>", b"<p>x</p></main>"))
    assert audit_path(staged, passed={digest}) == [] and read == ["a.html"]
