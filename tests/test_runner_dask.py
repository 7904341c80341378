"""The Dask path: the same programme run on a distributed LocalCluster."""

from __future__ import annotations

import pytest
from runner_helpers import setup_env

from lsp_research.reporting.runner import run_programme

pytestmark = pytest.mark.slow


def test_runs_on_a_local_dask_cluster(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    env = setup_env(
        tmp_path,
        monkeypatch,
        [{"notebook": "good.ipynb", "over": ["E05001153", "Coalfield"], "tiers": ["board"]},
         {"notebook": "failing.ipynb", "tiers": ["executive"]}],
    )  # fmt: skip
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        summary = run_programme("latest", scheduler=client, quiet=True)
    status = {r.key: r.status for r in summary.records}
    assert status == {"good/E05001153": "ran", "good/Coalfield": "ran", "failing/city": "failed"}
    assert summary.exit_code == 1
    period_dir = env["reports"] / "2009Q4"
    page = (period_dir / "good" / "Coalfield" / "good-Coalfield-board.html").read_text()
    assert "Total value for 2009Q4 in Coalfield: <strong>72.0</strong>" in page
    # one worker, yet each parameter set had its own fresh kernel (the notebook checks for leaks)
    pids = {r.summary["pid"] for r in summary.records if r.notebook == "good"}
    assert len(pids) == 2
    assert (env["reports"] / ".internal" / "2009Q4" / "failing" / "city" / "failing.ipynb").exists()
