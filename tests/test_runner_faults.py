"""Runs that survive faults: the environment checked before any kernel starts, a kernel that does not
start reported with its own output, a failed report that keeps the last good one published,
signals, folder-name collisions and progress lines outside a terminal."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from runner_helpers import FIXTURE_NOTEBOOKS, setup_env

from lsp_research.cli import main
from lsp_research.reporting import runner
from lsp_research.reporting.execute import KERNEL_NOT_STARTED, RunTask, run_task

GOOD = [{"notebook": "good.ipynb", "tiers": ["board"]}]


def _no_kernels(*args, **kwargs):
    raise AssertionError("an executor was started although the run should have been refused")


def test_malformed_source_date_epoch_is_refused_before_any_kernel(tmp_path, monkeypatch, capsys):
    env = setup_env(tmp_path, monkeypatch, GOOD)
    monkeypatch.setattr(runner, "LocalExecutor", _no_kernels)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2010-01-01")
    assert main(["run", "--period", "latest"]) == 2
    err = capsys.readouterr().err
    assert "SOURCE_DATE_EPOCH is '2010-01-01': it must be a whole number of seconds" in err
    assert not env["reports"].exists()  # nothing written, not even the lock


def test_empty_source_date_epoch_is_treated_as_unset(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "  ")
    runner.check_environment()
    import os

    assert "SOURCE_DATE_EPOCH" not in os.environ
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1262304000")
    runner.check_environment()  # a whole number passes and stays
    assert os.environ["SOURCE_DATE_EPOCH"] == "1262304000"


@pytest.mark.slow
def test_empty_source_date_epoch_run_publishes(tmp_path, monkeypatch):
    env = setup_env(tmp_path, monkeypatch, GOOD)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    summary = runner.run_programme("latest", jobs=1, quiet=True)
    assert [r.status for r in summary.records] == ["ran"]
    assert (env["reports"] / "2009Q4" / "good" / "city" / "good-board.html").is_file()


@pytest.mark.slow
def test_a_kernel_that_does_not_start_is_reported_with_its_own_output(tmp_path):
    # an empty SOURCE_DATE_EPOCH reaching a kernel (the runner removes it; a task's env does not):
    # IPython fails on every request and the kernel never answers
    task = RunTask(
        key="good/city",
        name="good",
        set_id="city",
        notebook=str(FIXTURE_NOTEBOOKS / "good.ipynb"),
        tiers=("board",),
        env={"SOURCE_DATE_EPOCH": "", "LSP_PROCESSED_DIR": str(tmp_path)},
        start_timeout=100,
    )
    result = run_task(task)
    assert result.status == KERNEL_NOT_STARTED
    first = result.message.splitlines()[0]
    assert first.startswith("the kernel started but does not answer: it reports errors")
    assert "ValueError: invalid literal for int() with base 10: ''" in first
    assert 'interactiveshell.py", line' in result.message  # the kernel's own traceback follows


def _stuck_kernel_executor(**kwargs):
    """An executor whose first kernel does not start and whose other runs would succeed."""
    from lsp_research.reporting.execute import Executor, RunResult

    class Stuck(Executor):
        def run(self, tasks):
            yield RunResult(tasks[0].key, KERNEL_NOT_STARTED, "the kernel ended (boom); ...")
            for t in tasks[1:]:  # never reached: the runner stops after the first
                raise AssertionError(f"{t.key} was asked for after a kernel did not start")

    return Stuck()


def test_after_a_kernel_does_not_start_the_rest_are_not_run(tmp_path, monkeypatch):
    entries = [{"notebook": "good.ipynb", "over": ["E05001153", "Coalfield"], "tiers": ["board"]}]
    setup_env(tmp_path, monkeypatch, entries)
    monkeypatch.setattr(runner, "_check_kernel", lambda: None)
    summary = runner.run_programme(
        "latest", quiet=True, executor_factory=_stuck_kernel_executor, stream=_Stream()
    )
    status = {r.key: (r.status, r.message) for r in summary.records}
    assert status["good/E05001153"][0] == KERNEL_NOT_STARTED
    assert status["good/Coalfield"] == (
        "not run",
        "not run: the kernel of good/E05001153 did not start (the kernel ended (boom); ...)",
    )
    assert summary.exit_code == 1


class _Stream:
    """A console that is not a terminal (cron, a pipe)."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    def isatty(self):
        return False


def test_index_rows_of_failed_runs_say_so_with_the_last_good_version(tmp_path):
    from publishing_helpers import PROV

    from lsp_research.reporting.audit import audit_path
    from lsp_research.reporting.publish import write_index

    entries = [
        {"notebook": "performance", "parameter_set": "city", "status": "failed",
         "reason": "failed: KeyError in cell 4", "last_good": "2026-11-30T09:00:00+00:00",
         "files": {"board": "performance/city/performance-board.html"}},
        {"notebook": "wellness", "parameter_set": "city", "status": "timed out",
         "reason": "timed out: a cell ran longer than the 5 s allowed per cell", "files": {}},
    ]  # fmt: skip
    html = write_index(tmp_path, entries, {"period": "2009Q4", "provenance": PROV}).read_text()
    perf = re.search(r'<h3 id="nb-performance">.*?</table>', html, re.S).group()
    assert (
        '<a href="performance/city/performance-board.html">Board</a> (last good version, made '
        in perf
    )
    assert "made 2026-11-30)" in perf
    assert "not updated this quarter: failed, see the run log (failed: KeyError in cell 4)" in perf
    # every run of this notebook failed: its row still shows the failure
    well = re.search(r'<h3 id="nb-wellness">.*?</table>', html, re.S).group()
    assert (
        '<th scope="row">city</th><td class="lsp-run-failed">not published this quarter: failed, '
        "see the run log (timed out: a cell ran longer than the 5 s allowed per cell)</td>" in well
    )
    assert audit_path(tmp_path / "index.html") == []


@pytest.mark.slow
def test_a_failed_report_keeps_the_last_good_one_published(tmp_path, monkeypatch):
    entries = [{"notebook": "good.ipynb", "tiers": ["board", "operational"]}]
    env = setup_env(tmp_path, monkeypatch, entries)
    period = env["reports"] / "2009Q4"
    first = runner.run_programme("latest", jobs=1, quiet=True)
    assert first.exit_code == 0
    board = period / "good" / "city" / "good-board.html"
    good_page = board.read_bytes()
    made = json.loads((period / "run.json").read_text())["finished"]

    table = env["processed"] / "indicator_returns.parquet"
    pd.read_parquet(table).rename(columns={"value": "amount"}).to_parquet(table)  # now it fails
    for _ in range(2):  # and again: the same last good version stays, with its date
        second = runner.run_programme("latest", jobs=1, quiet=True, stream=_Stream())
        assert second.exit_code == 1
        (record,) = second.records
        assert record.status == "failed" and record.last_good == made
        assert board.read_bytes() == good_page
        assert (period / "good" / "city" / "good-operational.html").is_file()
        runs = json.loads((period / "run.json").read_text())["runs"]
        assert runs[0]["last_good"] == made and runs[0]["status"] == "failed"
        html = (period / "index.html").read_text()
        assert f"(last good version, made {made[:10]})" in html
        assert "not updated this quarter: failed, see the run log (failed: " in html
        # the failed run's executed notebook is the evidence
        nb = (period / "good" / "city" / "good.ipynb").read_text()
        assert "KeyError" in nb and "value" in nb
