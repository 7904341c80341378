"""End to end through the runner: the default data, the real performance notebook, one quarter into a
temporary reports folder; then the command for a bad period leaves that folder untouched."""

from __future__ import annotations

import re

import pytest

from lsp_research.cli import main
from lsp_research.performance import load_registry
from lsp_research.reporting.audit import audit_path
from lsp_research.reporting.runner import run_programme

pytestmark = pytest.mark.slow


def test_performance_quarter_end_to_end(processed_data, tmp_path, capsys):
    out = tmp_path / "reports"
    summary = run_programme("latest", only=["performance"], out=out, jobs=1, quiet=True)
    assert summary.exit_code == 0, summary.table()
    assert [(r.key, r.status) for r in summary.records] == [("performance/city", "ran")]
    period_dir = out / str(summary.period)
    pages = {t: period_dir / "performance" / "city" / f"performance-{t}.html" for t in
             ("board", "executive", "operational")}  # fmt: skip
    text = {t: p.read_text(encoding="utf-8") for t, p in pages.items()}
    codes = {ind.label for ind in load_registry()}  # "NI 39", as the reports print them

    def shown(html):
        return {c for c in codes if re.search(rf"\b{re.escape(c)}\b", html)}

    assert shown(text["operational"]) == codes  # every indicator in the operational report
    assert shown(text["board"]) <= shown(text["executive"]) <= shown(text["operational"])
    assert len(text["board"]) < len(
        text["operational"]
    )  # (board content: test_performance_notebook)
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    for t in pages:
        assert f'href="performance/city/performance-{t}.html"' in index
    # this quarter's red flags lead the index, from what the performance notebook recorded
    n = summary.records[0].summary["red_flags"]
    flags = re.search(r'<h2 id="red-flags">.*?</p>', index, re.S).group()
    assert (f"{n} red flag" in flags) if n else ("No red flags this quarter" in flags)
    assert index.index('id="red-flags"') < index.index('id="board"') < index.index('id="research"')
    # the Board page carries no provenance table: one line links to the period's provenance page
    footer = re.search(r"<footer.*?</footer>", text["board"], re.S).group()
    assert "<table" not in footer and "lsp-data-versions" not in text["board"]
    (href,) = re.findall(r'href="([^"]*provenance\.html)"', footer)
    assert (pages["board"].parent / href).resolve() == (period_dir / "provenance.html").resolve()
    assert "lsp-data-versions" in (period_dir / "provenance.html").read_text(encoding="utf-8")
    assert (out / ".internal" / str(summary.period) / "run.log").exists()
    assert not list(period_dir.rglob("*.ipynb")) and not (period_dir / "run.log").exists()
    assert audit_path(period_dir) == []  # the whole shareable folder

    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    capsys.readouterr()
    assert main(["run", "--period", "2009Q7", "--out", str(out)]) == 2
    assert "Use YYYYQn" in capsys.readouterr().err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
