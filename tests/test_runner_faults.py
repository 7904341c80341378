"""Runs that survive faults: the environment checked before any kernel starts, a kernel that does not
start reported with its own output, a failed report that keeps the last good one published,
signals, folder-name collisions and progress lines outside a terminal."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from runner_helpers import FIXTURE_NOTEBOOKS, make_programme, setup_env

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
@pytest.mark.parametrize("warm", [True, False])
def test_a_kernel_that_does_not_start_is_reported_with_its_own_output(tmp_path, warm, monkeypatch):
    # an empty SOURCE_DATE_EPOCH reaching a kernel (the runner removes it; a task's env does not):
    # IPython fails on every request and the kernel never answers. run_task here runs in this
    # process and sets the task's environment: monkeypatch restores it for the tests after this one
    for name, value in (("SOURCE_DATE_EPOCH", ""), ("LSP_PROCESSED_DIR", str(tmp_path))):
        monkeypatch.setenv(name, value)
    task = RunTask(
        key="good/city",
        name="good",
        set_id="city",
        notebook=str(FIXTURE_NOTEBOOKS / "good.ipynb"),
        tiers=("board",),
        env={"SOURCE_DATE_EPOCH": "", "LSP_PROCESSED_DIR": str(tmp_path)},
        start_timeout=100,
        warm=warm,
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
    monkeypatch.setattr(runner, "check_kernel", lambda: None)
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
        '<a href="performance/city/performance-board.html" aria-label="city: the version for the Board">'
        "Read</a> (last good version, made " in perf
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
    internal = env["reports"] / ".internal" / "2009Q4"  # run logs are kept beside, not published
    made = json.loads((internal / "run.json").read_text())["finished"]

    table = env["processed"] / "indicator_returns.parquet"
    pd.read_parquet(table).rename(columns={"value": "amount"}).to_parquet(table)  # now it fails
    for _ in range(2):  # and again: the same last good version stays, with its date
        second = runner.run_programme("latest", jobs=1, quiet=True, stream=_Stream())
        assert second.exit_code == 1
        (record,) = second.records
        assert record.status == "failed" and record.last_good == made
        assert board.read_bytes() == good_page
        assert (period / "good" / "city" / "good-operational.html").is_file()
        runs = json.loads((internal / "run.json").read_text())["runs"]
        assert runs[0]["last_good"] == made and runs[0]["status"] == "failed"
        html = (period / "index.html").read_text()
        assert f"(last good version, made {made[:10]})" in html
        assert "not updated this quarter: failed, see the run log (failed: " in html
        # the failed run's executed notebook is the evidence
        internal = env["reports"] / ".internal" / "2009Q4"  # kept for analysts, not published
        nb = (internal / "good" / "city" / "good.ipynb").read_text()
        assert "KeyError" in nb and "value" in nb


# ------------------------------------------------------------------------------------------ signals


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, start time), from /proc."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":  # a zombie has ended; only its parent has not collected it yet
            found[int(entry)] = (int(fields[1]), fields[19])
    return found


def _descendants(root: int) -> dict[int, tuple[int, str]]:
    """The processes started by ``root`` (children, their children, ...): pid -> (depth, start)."""
    procs = _processes()
    out, frontier, depth = {}, [root], 0
    while frontier:
        depth += 1
        frontier = [pid for pid, (ppid, _) in procs.items() if ppid in frontier]
        out.update({pid: (depth, procs[pid][1]) for pid in frontier})
    return out


def _still_alive(seen: dict[int, tuple[int, str]]) -> list[int]:
    procs = _processes()
    return [pid for pid, (_, start) in seen.items() if pid in procs and procs[pid][1] == start]


def _wait_for_kernel(proc: subprocess.Popen) -> dict[int, tuple[int, str]]:
    """Wait until the run has a kernel (runner -> worker -> fork server -> kernel); return the
    run's processes."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        seen = _descendants(proc.pid)
        if any(depth >= 3 for depth, _ in seen.values()):
            time.sleep(1.0)  # into the slow cell
            return _descendants(proc.pid)
        time.sleep(0.1)
    raise AssertionError("no kernel started")


def _wait_gone(seen) -> list[int]:
    deadline = time.monotonic() + 30
    while _still_alive(seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _still_alive(seen)


def _published_then_slow(tmp_path, monkeypatch) -> dict:
    """A published period (a quick run), then a programme whose run takes a minute."""
    slow = [{"notebook": "slow.ipynb", "tiers": ["executive"], "parameters": {"seconds": 0.1}}]
    env = setup_env(tmp_path, monkeypatch, slow)
    assert runner.run_programme("latest", jobs=1, quiet=True).exit_code == 0
    slow[0]["parameters"]["seconds"] = 60.0
    make_programme(tmp_path, slow)
    period = env["reports"] / "2009Q4"
    env["published"] = {p: p.read_bytes() for p in sorted(period.rglob("*")) if p.is_file()}
    internal = env["reports"] / ".internal"
    env["internal"] = {p: p.read_bytes() for p in sorted(internal.rglob("*")) if p.is_file()}
    return env


def _start_run(**kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "lsp_research.cli", "run", "--period", "latest", "--jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        **kwargs,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "target, signum",
    [("runner", signal.SIGTERM), ("fork server", signal.SIGTERM), ("group", signal.SIGINT)],
)
def test_a_signal_stops_the_run_ends_its_processes_and_keeps_the_publication(
    tmp_path, monkeypatch, target, signum
):
    env = _published_then_slow(tmp_path, monkeypatch)
    proc = _start_run(start_new_session=True)  # its own group, as under cron or systemd
    try:
        seen = _wait_for_kernel(proc)
        if target == "runner":
            os.kill(proc.pid, signum)
        elif target == "fork server":  # whichever process receives it, the whole run stops
            os.kill(next(pid for pid, (d, _) in seen.items() if d == 2), signum)
        else:  # Ctrl-C in a terminal reaches the foreground group (kernels have their own)
            os.killpg(proc.pid, signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    name = signal.Signals(signum).name
    period = env["reports"] / "2009Q4"
    assert err.splitlines()[-1] == (
        f"lsp-research: interrupted by {name}: this run published nothing; {period} is kept as "
        f"published on {json.loads(env['internal'][period.parent / '.internal' / '2009Q4' / 'run.json'])['finished']}"
    )
    assert "Traceback" not in err and sum("interrupted" in line for line in err.splitlines()) == 1
    assert _wait_gone(seen) == []  # no process of the run is left
    assert not list(env["reports"].glob(".staging-*"))
    assert {p: p.read_bytes() for p in sorted(period.rglob("*")) if p.is_file()} == env["published"]


@pytest.mark.slow
def test_a_killed_run_leaves_no_process_and_the_next_run_is_fine(tmp_path, monkeypatch):
    env = _published_then_slow(tmp_path, monkeypatch)
    proc = _start_run()
    try:
        seen = _wait_for_kernel(proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _wait_gone(seen) == []  # every process of the run ended by itself
    assert list(env["reports"].glob(".staging-*"))  # the killed run could not clean up ...
    fast = [{"notebook": "slow.ipynb", "tiers": ["executive"], "parameters": {"seconds": 0.2}}]
    make_programme(tmp_path, fast)
    summary = runner.run_programme("latest", jobs=1, quiet=True)
    assert summary.exit_code == 0 and [r.status for r in summary.records] == ["ran"]
    assert not list(env["reports"].glob(".staging-*"))  # ... the next run did


def test_two_parameter_sets_publishing_to_one_folder_fail_before_any_kernel(
    tmp_path, monkeypatch, capsys
):
    env = setup_env(
        tmp_path, monkeypatch, [{"notebook": "good.ipynb", "over": "areas", "tiers": ["board"]}]
    )
    wards = pd.DataFrame(
        {"ward_code": ["E05001153", "E05001154", "E05001155"],
         "ward_name": ["Barnes", "Castle", "Doxford"],
         "area_committee": ["North East", "North-East", "West"]}
    )  # fmt: skip
    wards.to_parquet(env["processed"] / "wards.parquet", index=False)
    monkeypatch.setattr(runner, "LocalExecutor", _no_kernels)
    assert main(["run", "--period", "latest"]) == 2
    err = capsys.readouterr().err
    assert (
        'good: the parameter sets {"area_code": "North East"} and {"area_code": "North-East"} '
        "would both publish to good/North-East/" in err
    )
    assert not env["reports"].exists()


def _scripted_executor(outcomes):
    """An executor that returns the given status for each run, in programme order."""
    from lsp_research.reporting.execute import Executor, RunResult

    class Scripted(Executor):
        def run(self, tasks):
            for t in tasks:
                status, message = outcomes[t.key]
                yield RunResult(t.key, status, message, seconds=1.5)

    return lambda **kwargs: Scripted()


def test_outside_a_terminal_one_line_per_finished_report_and_failures_at_error(
    tmp_path, monkeypatch
):
    entries = [
        {"notebook": "good.ipynb", "over": ["E05001153", "Coalfield"], "tiers": ["board"]},
        {"notebook": "failing.ipynb", "tiers": ["executive"]},
    ]
    env = setup_env(tmp_path, monkeypatch, entries)
    monkeypatch.setattr(runner, "check_kernel", lambda: None)
    outcomes = {
        "good/E05001153": ("ok", ""),
        "failing/city": ("failed", "ValueError: planted (cell 2)"),
        "good/Coalfield": ("ok", ""),
    }
    stream = _Stream()
    summary = runner.run_programme(
        "latest", executor_factory=_scripted_executor(outcomes), stream=stream
    )
    assert summary.exit_code == 1
    lines = [line for line in stream.text.splitlines() if " left" in line]
    assert [line.split(" in ")[0].split() for line in lines] == [
        ["ran", "good/E05001153"],
        ["ran", "good/Coalfield"],
        ["error:", "failed", "failing/city"],
    ]
    assert [line.split("; ")[1].split(" left")[0] for line in lines] == ["2", "1", "0"]
    assert all(" in 1.5 s " in line for line in lines)
    assert lines[2].endswith("0 left: ValueError: planted (cell 2)")
    log = (env["reports"] / ".internal" / "2009Q4" / "run.log").read_text()
    assert " ERROR failed  failing/city in 1.5 s" in log
    assert " INFO ran     good/Coalfield in 1.5 s" in log

    quiet = _Stream()  # --quiet: only the failure
    runner.run_programme(
        "latest", quiet=True, force=True, executor_factory=_scripted_executor(outcomes),
        stream=quiet,
    )  # fmt: skip
    assert [line for line in quiet.text.splitlines() if " left" in line] == [lines[2]]


# ----------------------------------------------------------------------- a data build during a run


def _write_manifest(processed) -> dict[str, str]:
    """A build manifest for the fixture tables; returns their hashes."""
    import hashlib

    hashes = {
        p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in processed.glob("*.parquet")
    }
    tables = {name: {"sha256": h, "source": "indicators"} for name, h in hashes.items()}
    (processed / "manifest.json").write_text(json.dumps({"tables": tables}))
    return hashes


@pytest.mark.slow
def test_a_data_build_during_a_run_is_refused_and_the_run_reads_one_snapshot(
    tmp_path, monkeypatch, capsys
):
    entries = [
        {"notebook": "good.ipynb", "over": ["E05001153", "Coalfield"], "tiers": ["board"]},
        {"notebook": "slow.ipynb", "tiers": ["executive"], "parameters": {"seconds": 15.0}},
    ]
    env = setup_env(tmp_path, monkeypatch, entries)
    hashes = _write_manifest(env["processed"])
    (tmp_path / "raw").mkdir()
    before = {p.name: p.read_bytes() for p in env["processed"].iterdir()}
    proc = _start_run()
    try:
        _wait_for_kernel(proc)
        assert main(["data", "build"]) == 2  # the analyst's rebuild, while the run goes on
        err = capsys.readouterr().err
        assert (
            f"cannot start a data build: {env['processed']} is being read by a run (--period "
            f"latest) (pid {proc.pid}, started " in err
        )
        assert "Run it again when that has finished." in err
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert {p.name: p.read_bytes() for p in env["processed"].iterdir()} == before
    period = env["reports"] / "2009Q4"
    for area in ("E05001153", "Coalfield"):
        page = (period / "good" / area / f"good-{area}-board.html").read_text()
        assert f"Total value for 2009Q4 in {area}: <strong>72.0</strong>" in page
    # the provenance (the period's page, which the Board pages link to) names the tables the run read
    assert (
        f"<code>{hashes['indicator_returns'][:16]}</code>"
        in (period / "provenance.html").read_text()
    )
    # and the other way round: no run starts while a build writes
    from lsp_research import datalock

    with datalock.writing(env["processed"], "a data build"):
        assert main(["run", "--period", "latest", "--force"]) == 2
    err = capsys.readouterr().err
    assert (
        f"cannot start a run (--period latest): {env['processed']} is being rebuilt by a data "
        in err
    )
    assert "build (pid " in err and "Run it again when the build has finished." in err
