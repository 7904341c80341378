"""Warm forked kernels give the same reports as kernels started from scratch (``--cold``)."""

from __future__ import annotations

import pytest
from runner_helpers import setup_env

from lsp_research.reporting import kernels
from lsp_research.reporting.execute import OK, RunTask, run_task
from lsp_research.reporting.runner import run_programme

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not kernels.fork_available(), reason="the fork server needs Linux")
def test_warm_and_cold_kernels_publish_identical_pages(tmp_path, monkeypatch):
    setup_env(
        tmp_path,
        monkeypatch,
        [{"notebook": "good.ipynb", "over": ["E05001153"], "tiers": ["board", "operational"]}],
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1262304000")  # the same generation time in both
    warm = run_programme("latest", out=tmp_path / "warm", jobs=1, quiet=True, warm=True)
    cold = run_programme("latest", out=tmp_path / "cold", jobs=1, quiet=True, warm=False)
    assert [r.status for r in warm.records] == [r.status for r in cold.records] == ["ran"]
    for tier in ("board", "operational"):
        rel = f"2009Q4/good/E05001153/good-E05001153-{tier}.html"
        assert (tmp_path / "warm" / rel).read_bytes() == (tmp_path / "cold" / rel).read_bytes()


@pytest.mark.skipif(not kernels.fork_available(), reason="the fork server needs Linux")
def test_a_forked_kernel_leaves_the_servers_imports_to_the_frozen_generation(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import gc\nprint(gc.get_freeze_count())")]
    nbformat.write(nb, tmp_path / "freeze.ipynb")
    task = RunTask(key="freeze/city", name="freeze", set_id="city", preload=("pandas",),
                   notebook=str(tmp_path / "freeze.ipynb"))  # fmt: skip
    result = run_task(task)
    assert result.status == OK and result.warm, result.message
    executed = nbformat.reads(result.files["executed/freeze.ipynb"].decode(), as_version=4)
    frozen = int(executed.cells[0].outputs[0]["text"])
    assert frozen > 50_000  # pandas and the kernel's own modules: objects its collections skip


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_run_leaves_the_ipython_history_alone(tmp_path, monkeypatch, warm):
    import nbformat

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(get_ipython().history_manager.enabled)")]
    nbformat.write(nb, tmp_path / "history.ipynb")
    task = RunTask(key="history/city", name="history", set_id="city", warm=warm,
                   notebook=str(tmp_path / "history.ipynb"), env={"IPYTHONDIR": str(tmp_path / "ipython")})  # fmt: skip
    result = run_task(task)
    assert result.status == OK, result.message
    executed = nbformat.reads(result.files["executed/history.ipynb"].decode(), as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "False"
    assert not list((tmp_path / "ipython").rglob("history.sqlite"))


def test_notebook_imports_include_possible_submodules():
    nb = {"cells": [{"cell_type": "code", "source": "%matplotlib inline\nfrom a.b import c, d"}]}
    assert kernels.notebook_imports(nb) == {"a.b", "a.b.c", "a.b.d"}
