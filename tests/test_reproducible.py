"""Two runs on the same inputs give byte-identical published files."""

from __future__ import annotations

import hashlib

import pytest
from publishing_helpers import execute, tagged_notebook

from lsp_research.reporting.export import export_tiers
from lsp_research.reporting.publish import write_index

TIERS = ["board", "executive", "operational"]


def digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def publish(nb, period_dir):
    """Export every tier and the index the way the runner does (provenance collected for real)."""
    paths = export_tiers(nb, TIERS, period_dir / "performance" / "city",
                         {"name": "performance", "period": "2009Q3", "index_href": "../../index.html"})  # fmt: skip
    write_index(
        period_dir,
        [{"notebook": "performance", "parameter_set": "city", "summary": {"Indicators": 12},
          "files": {t: p for t, p in zip(TIERS, paths, strict=True)}}],
        {"period": "2009Q3"},
    )  # fmt: skip
    return paths


@pytest.fixture
def epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1270000000")


def test_two_exports_into_different_folders_are_identical(tmp_path, epoch):
    # separately built notebooks (new figures, new tables) into folders with different names
    publish(tagged_notebook(), tmp_path / "first" / "2009Q3")
    publish(tagged_notebook(), tmp_path / "second-run" / "2009Q3")
    a, b = digests(tmp_path / "first"), digests(tmp_path / "second-run")
    # three tiers, the index, the provenance page, the report's CSV with its metadata, and the
    # index's two CSVs (its links by area and audience, and the summary by area)
    assert len(a) == 9 and a == b
    assert sum(name.endswith(".csv") for name in a) == 3
    html = (tmp_path / "first" / "2009Q3" / "index.html").read_text()
    assert "2010-03-31T01:46:40Z" in html  # SOURCE_DATE_EPOCH, not the clock


def test_generation_time_is_the_only_thing_the_clock_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1270000000")
    (p1,) = export_tiers(tagged_notebook(), ["board"], tmp_path / "a", {"name": "x"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1270000060")
    (p2,) = export_tiers(tagged_notebook(), ["board"], tmp_path / "b", {"name": "x"})
    one, two = p1.read_text(), p2.read_text()
    assert one != two
    assert one.replace("2010-03-31T01:46:40Z", "T") == two.replace("2010-03-31T01:47:40Z", "T")


def test_two_kernel_runs_give_identical_reports(tmp_path, epoch):
    """papermill runs the same notebook twice (in different folders); the reports are identical even
    though the executed notebooks differ in timings and kernel metadata."""
    for name in ("run1", "run2"):
        (tmp_path / name).mkdir()
    nb1, nb2 = execute(tmp_path / "run1"), execute(tmp_path / "run2")
    assert nb1.metadata["papermill"]["start_time"] != nb2.metadata["papermill"]["start_time"]
    publish(nb1, tmp_path / "out1" / "2009Q3")
    publish(nb2, tmp_path / "out2" / "2009Q3")
    assert digests(tmp_path / "out1") == digests(tmp_path / "out2")
