"""notebooks/performance.ipynb runs with papermill on the default data, and its tiers nest.

One execution; the three tiers exported from it: the operational report lists every indicator, the board
report lists only the red flags (and the one-line summary of everything else), and board content is a
subset of executive content, which is a subset of operational content.
"""

from __future__ import annotations

import re

import nbformat
import papermill as pm
import pytest

from lsp_research import data
from lsp_research.config import get_paths
from lsp_research.performance import load_registry, run_assessment

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executed(processed_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("performance_nb") / "performance.ipynb"
    pm.execute_notebook(
        str(get_paths().notebooks / "performance.ipynb"),
        str(out),
        parameters={"period": "latest", "max_red_flags": 5, "theme": "all"},
        kernel_name="lsp-research",
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def _html_outputs(nb, tag=None) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or (tag and tag not in cell.metadata.get("tags", [])):
            continue
        for o in cell.outputs:
            assert o.output_type != "error", f"cell failed: {o.get('ename')}: {o.get('evalue')}"
            parts.append(o.get("data", {}).get("text/html", "") or o.get("text", ""))
    return "\n".join(parts)


def test_outputs_contain_every_indicator(executed):
    html = _html_outputs(executed)
    for ind in load_registry():
        assert f"{ind.label} {ind.title}" in html, f"{ind.label} missing from the outputs"
    operational = _html_outputs(executed, "operational")
    for ind in load_registry():
        assert f"<h3>{ind.label} {ind.title}</h3>" in operational


def test_board_cells_show_the_red_flags_and_nothing_routed_back(executed, processed_data):
    run = run_assessment("latest")
    board = _html_outputs(executed, "board")
    red = run.meeting.red_flags
    assert len(red) >= 1
    headings = re.findall(r"<h3>Red flag (\d+): ([^<]+)</h3>", board)
    assert [h[1] for h in headings] == [f"{r.label} {r.title}" for r in red.itertuples()]
    assert board.count("Decision for the Board:") == len(red)
    assert board.count('<figure class="lsp-chart">') == len(red)  # one evidence chart each
    # data anomalies routed back never appear in the board tier
    for r in run.meeting.log[run.meeting.log["layer"] == "owner"].itertuples():
        assert r.reason not in board


def test_tiers_nest_from_one_execution(executed, tmp_path):
    from lsp_research.reporting.export import export_tiers

    paths = export_tiers(
        executed, ["board", "executive", "operational"], tmp_path, {"name": "performance"}
    )
    text = {p.stem.rsplit("-", 1)[1]: p.read_text(encoding="utf-8") for p in paths}

    def figures(t):
        return set(re.findall(r'alt="([^"]+)"', t))

    def heads(t):
        return set(re.findall(r"<h[2-4][^>]*>(.*?)</h[2-4]>", t))

    assert figures(text["board"]) <= figures(text["executive"]) <= figures(text["operational"])
    assert heads(text["board"]) <= heads(text["executive"]) <= heads(text["operational"])
    assert "Escalation log" in text["executive"] and "Escalation log" not in text["board"]
    assert "Every indicator, by thematic partnership" in text["operational"]
    assert "Every indicator, by thematic partnership" not in text["executive"]
    if data.is_synthetic():
        assert "synthetic" in text["board"].lower()
