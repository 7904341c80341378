"""``lsp-research run`` and ``describe`` from the command line: exit codes, messages, nothing written
when the input is bad, and a second concurrent run refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from runner_helpers import setup_env

from lsp_research.cli import main
from lsp_research.reporting import runner


def _snapshot(folder):
    return sorted(
        (p.relative_to(folder).as_posix(), p.stat().st_mtime_ns, p.stat().st_size)
        for p in folder.rglob("*")
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    env = setup_env(tmp_path, monkeypatch, [{"notebook": "good.ipynb", "tiers": ["board"]}])
    reports = env["reports"]
    (reports / "2009Q3").mkdir(parents=True)
    (reports / "2009Q3" / "index.html").write_text("an earlier period")

    def no_kernels(*args, **kwargs):
        raise AssertionError("an executor was started although validation should have failed")

    monkeypatch.setattr(runner, "LocalExecutor", no_kernels)
    return env


def test_bad_period_exits_2_naming_the_accepted_form_and_touches_nothing(project, capsys):
    before = _snapshot(project["reports"])
    assert main(["run", "--period", "2009Q7"]) == 2
    err = capsys.readouterr().err
    assert "'2009Q7' is not a period: the quarter must be 1-4" in err
    assert "Use YYYYQn" in err and "'YYYY-YY Qn'" in err and "'latest'" in err
    assert _snapshot(project["reports"]) == before


def test_period_outside_the_data(project, capsys):
    before = _snapshot(project["reports"])
    assert main(["run", "--period", "2011-12 Q1"]) == 2
    assert (
        "period 2011Q1 is not in the data, which covers 2009Q1 to 2009Q4" in capsys.readouterr().err
    )
    assert _snapshot(project["reports"]) == before


def test_bad_parameters_fail_before_any_kernel_starts(project, tmp_path, capsys):
    project["programme"].write_text(
        project["programme"]
        .read_text()
        .replace(
            "notebook: good.ipynb",
            "notebook: good.ipynb\n  over: [E05001153, Hendonn]\n  parameters: {scale: two, methd: sum}",
        )
    )
    before = _snapshot(project["reports"])
    assert main(["run", "--period", "latest"]) == 2
    err = capsys.readouterr().err
    assert "no notebook was run" in err
    assert "parameter 'scale' must be int, got 'two' (str)" in err
    assert "unknown parameter 'methd' (did you mean 'method'?)" in err
    assert "'Hendonn' is not a known area (did you mean 'Hendon' (E05001158)" in err
    assert _snapshot(project["reports"]) == before


def test_bad_programme_exits_2(project, capsys):
    project["programme"].write_text(
        project["programme"].read_text().replace("tiers:\n  - board", "tiers:\n  - boards")
    )
    assert main(["run", "--period", "latest"]) == 2
    assert "unknown tier 'boards' (did you mean 'board'?)" in capsys.readouterr().err


def test_describe(project, capsys):
    assert main(["describe", "good"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Parameters of good.ipynb (4):")
    assert "one of: sum, mean" in out


@pytest.mark.slow
def test_second_concurrent_run_fails_fast_and_the_first_publishes(tmp_path, monkeypatch, capsys):
    env = setup_env(
        tmp_path,
        monkeypatch,
        [{"notebook": "slow.ipynb", "tiers": ["executive"], "parameters": {"seconds": 3.0}}],
    )
    lock = env["reports"] / ".2009Q4.lock"
    first = subprocess.Popen(
        [sys.executable, "-m", "lsp_research.cli", "run", "--period", "latest", "--jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the first run holds the lock
            if lock.exists() and lock.read_text():
                if json.loads(lock.read_text()).get("pid") == first.pid:
                    break
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        t0 = time.monotonic()
        assert main(["run", "--period", "latest"]) == 2
        assert time.monotonic() - t0 < 10  # fails fast: validation, then the lock
        err = capsys.readouterr().err
        assert f"another run is writing reports for 2009Q4 (pid {first.pid}" in err
        out, err1 = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err1
    index = env["reports"] / "2009Q4" / "index.html"
    assert f"index: {index}" in out  # the command prints where the index is
    assert "1 run for 2009Q4: 1 ran, 0 cached, 0 failed" in out
    assert index.exists()
