"""A failing notebook, a killed kernel and a cell past its timeout, among good runs: the good runs are
published, the failures keep their executed notebooks with the error marked, the run exits 1 with a
summary, and no state leaks from one parameter set to the next."""

from __future__ import annotations

import json

import nbformat
import pytest
from runner_helpers import setup_env

from lsp_research.reporting.runner import run_programme

pytestmark = pytest.mark.slow

ENTRIES = [
    {"notebook": "good.ipynb", "over": ["E05001153", "Coalfield", "E08000024"],
     "tiers": ["board", "operational"], "parameters": {"scale": 2}},
    {"notebook": "failing.ipynb", "tiers": ["executive"]},
    {"notebook": "kill.ipynb", "tiers": ["executive"]},
    {"notebook": "slow.ipynb", "tiers": ["executive"], "timeout": 2},
]  # fmt: skip


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resilience")
    mp = pytest.MonkeyPatch()
    try:
        env = setup_env(tmp, mp, ENTRIES)
        # jobs=1: every run goes through one worker and one warm kernel server, in turn, so a state
        # leak between parameter sets would reach the next run (the good notebook asserts it did not)
        summary = run_programme("latest", jobs=1, quiet=True)
        yield summary, env
    finally:
        mp.undo()


def _by_key(summary):
    return {r.key: r for r in summary.records}


def test_statuses_and_exit_code(outcome):
    summary, _ = outcome
    status = {k: r.status for k, r in _by_key(summary).items()}
    assert status == {
        "good/E05001153": "ran",
        "good/Coalfield": "ran",
        "good/E08000024": "ran",
        "failing/city": "failed",
        "kill/city": "kernel died",
        "slow/city": "timed out",
    }
    assert summary.exit_code == 1
    assert summary.counts == {"ran": 3, "cached": 0, "failed": 3}
    assert str(summary.period) == "2009Q4"


def test_failure_messages_say_what_happened(outcome):
    records = _by_key(outcome[0])
    assert "ValueError: planted failure" in records["failing/city"].message
    assert (
        "SIGKILL" in records["kill/city"].message
        and "killed by signal 9" in records["kill/city"].message
    )
    assert "2 s allowed per cell" in records["slow/city"].message
    table = outcome[0].table()
    assert "6 runs for 2009Q4: 3 ran, 0 cached, 3 failed" in table
    assert table.index("kill") < table.index("good")  # failures first


def test_good_runs_published_with_their_own_numbers(outcome):
    summary, env = outcome
    period_dir = env["reports"] / "2009Q4"
    assert summary.period_dir == period_dir and summary.index == period_dir / "index.html"
    for code in ("E05001153", "Coalfield", "E08000024"):
        board = (period_dir / "good" / code / f"good-{code}-board.html").read_text()
        # 2009Q4 (quarter 4): (10 + 4) + (20 + 4) + (30 + 4) = 72, times scale 2
        assert f"Total value for 2009Q4 in {code}: <strong>144.0</strong>" in board
        assert "Operational detail" not in board
        operational = (period_dir / "good" / code / f"good-{code}-operational.html").read_text()
        assert "3 returns in the period" in operational
    index = summary.index.read_text()
    assert "good/E05001153/good-E05001153-board.html" in index


def test_no_state_leaks_between_parameter_sets(outcome):
    summary, _ = outcome
    good = [r for r in summary.records if r.notebook == "good"]
    assert all(r.status == "ran" for r in good)  # each asserted it saw no earlier run's state
    pids = {r.summary["pid"] for r in good}
    assert len(pids) == 3  # a fresh kernel process for every parameter set
    assert {r.summary["area"] for r in good} == {"E05001153", "Coalfield", "E08000024"}


def test_failed_notebooks_keep_their_evidence(outcome):
    _, env = outcome
    period_dir = env["reports"] / "2009Q4"
    internal = env["reports"] / ".internal" / "2009Q4"
    assert not list(period_dir.rglob("*.ipynb"))  # evidence is kept outside the shareable folder
    failing = nbformat.read(internal / "failing" / "city" / "failing.ipynb", as_version=4)
    text = json.dumps(failing)
    assert "planted failure for the runner tests" in text
    assert "An Exception was encountered" in text  # papermill's marker above the failing cell
    killed = nbformat.read(internal / "kill" / "city" / "kill.ipynb", as_version=4)
    assert "Run stopped: the kernel died (killed by signal 9 (SIGKILL))" in killed.cells[0].source
    slow = nbformat.read(internal / "slow" / "city" / "slow.ipynb", as_version=4)
    assert "Run stopped: a cell ran longer than the 2 s allowed" in slow.cells[0].source
    # failed runs publish no pages
    assert not list((period_dir / "failing").rglob("*.html"))


def test_run_log_and_json(outcome):
    _, env = outcome
    period_dir = env["reports"] / "2009Q4"
    internal = env["reports"] / ".internal" / "2009Q4"
    assert not (period_dir / "run.log").exists() and not (period_dir / "run.json").exists()
    log = (internal / "run.log").read_text()
    assert "ERROR kernel died kill/city in" in log
    assert '"scale": 2' in log and "ran     good/Coalfield" in log
    data = json.loads((internal / "run.json").read_text())
    assert data["counts"] == {"ran": 3, "cached": 0, "failed": 3}
    assert {r["key"] for r in data["runs"]} >= {"good/E05001153", "kill/city"}
    # no staging or rejected folder is left behind
    assert sorted(p.name for p in env["reports"].iterdir() if p.name.startswith(".")) == [
        ".2009Q4.lock",
        ".cache",
        ".internal",
    ]
    assert sorted(p.name for p in (env["reports"] / ".internal").iterdir()) == ["2009Q4"]
