"""``lsp-research run --dry-run``: what would run, what is cached and why, with nothing run or written."""

from __future__ import annotations

import pytest
from runner_helpers import setup_env, write_targets

from lsp_research.cli import main
from lsp_research.reporting import cache
from lsp_research.reporting.execute import OK, Executor, RunResult
from lsp_research.reporting.runner import run_programme

ENTRIES = [
    {"notebook": "good.ipynb", "tiers": ["board"]},
    {"notebook": "targets.ipynb", "tiers": ["executive"]},
]


class _Pretend(Executor):
    """Returns a page and an executed notebook for each task without starting a kernel."""

    def __init__(self, **kwargs):
        self.ran: list[str] = []

    def run(self, tasks):
        for t in tasks:
            self.ran.append(t.key)
            page = f'<!DOCTYPE html><html lang="en"><body><h1>{t.name}</h1></body></html>'
            files = {f"{t.name}-{tier}.html": page.encode() for tier in t.tiers}
            files[f"{t.name}.ipynb"] = b'{"cells": [], "metadata": {}}'
            yield RunResult(t.key, OK, files=files)


def _no_executor(**kwargs):
    raise AssertionError("a dry run started an executor")


def _snapshot(folder):
    return sorted(
        (p.relative_to(folder).as_posix(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if not p.name.endswith(".lock")
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    env = setup_env(tmp_path, monkeypatch, ENTRIES)
    monkeypatch.setattr(cache, "package_fingerprint", lambda: "pinned")
    return env


def _dry(capsys) -> dict[str, str]:
    assert main(["run", "--period", "latest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run for 2009Q4: nothing was run or published")
    return {line.split()[0]: line for line in out.splitlines()[2:-1]}


def test_dry_run_names_what_would_run_and_why(project, capsys, monkeypatch):
    monkeypatch.setattr("lsp_research.reporting.runner.check_kernel", lambda *a: None)
    rows = _dry(capsys)  # nothing has run yet
    assert "would run" in rows["good"] and "no earlier result" in rows["good"]
    assert not (project["reports"] / "2009Q4").exists()

    first = run_programme("latest", quiet=True, executor_factory=_Pretend)
    assert {r.status for r in first.records} == {"ran"}
    before = _snapshot(project["reports"])

    rows = _dry(capsys)
    assert rows["good"].split()[2] == "cached" and rows["targets"].split()[2] == "cached"

    write_targets(project["processed"], 70.0)  # an input only targets.ipynb reads
    monkeypatch.setattr("lsp_research.reporting.runner.LocalExecutor", _no_executor)
    rows = _dry(capsys)
    assert rows["good"].split()[2] == "cached"
    assert "would run" in rows["targets"]
    assert rows["targets"].endswith("input changed: table:indicator_targets")
    assert _snapshot(project["reports"]) == before  # nothing was written by the dry runs

    assert main(["run", "--period", "latest", "--dry-run", "--force"]) == 0
    assert "2 would run, 0 cached (--force" in capsys.readouterr().out


def test_a_changed_package_module_is_named(project, monkeypatch):
    files = {"lsp_research/stats/spc.py": "2", "lsp_research/geo.py": "1"}
    monkeypatch.setattr(cache, "package_files", lambda: dict(files))
    store = cache.Cache(project["reports"] / ".cache")
    key = cache.run_key("n", {"period": "2009Q3"}, ["board"], {}, "pkg-1")
    assert (
        store.why_not("nb/city", key)
        == "no earlier result of this run in the cache to compare with"
    )
    store.put(key, {"x.html": b"x"}, {"key": "nb/city"})
    assert store.why_not("nb/city", key) is None
    assert store.latest_parts("nb/city")["cache_key"] == key

    files["lsp_research/stats/spc.py"] = "3"  # an edit to one module changes the fingerprint
    newer = cache.run_key("n", {"period": "2009Q4"}, ["board"], {}, "pkg-2")
    assert store.why_not("nb/city", newer) == (
        "parameter changed: period '2009Q3' -> '2009Q4'; package changed: lsp_research/stats/spc.py"
    )
