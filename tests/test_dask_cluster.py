"""A real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes, and the worker check."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runner_helpers import setup_env

from lsp_research.errors import LspError
from lsp_research.reporting.execute import DaskExecutor, RunTask, worker_facts


class _FakeClient:
    """Stands in for ``distributed.Client``: two workers, the second with other processed data."""

    def __init__(self, facts):
        self.facts = facts

    def wait_for_workers(self, n, timeout=None):
        return None

    def run(self, fn, *args):
        return self.facts


def _executor(facts) -> DaskExecutor:
    ex = DaskExecutor.__new__(DaskExecutor)  # no scheduler: the probe's answers are given
    ex.client, ex._own, ex._check = _FakeClient(facts), False, True
    return ex


def test_a_worker_that_differs_is_named_before_any_run(tmp_path):
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "manifest.json").write_text('{"tables": {}}')
    nb = tmp_path / "a.ipynb"
    nb.write_text("{}")
    task = RunTask("a/city", "a", "city", str(nb), env={"LSP_PROCESSED_DIR": str(processed)})
    mine = worker_facts(str(processed / "manifest.json"), "lsp-research", [str(nb)])
    good = {**mine, "kernel": "kernel lsp-research"}
    stale = {**good, "data": "0" * 64}
    bare = {**good, "kernel": "no kernel lsp-research", "notebooks": f"missing {nb}"}
    ex = _executor({"tcp://10.0.0.7:40001": good, "tcp://10.0.0.8:40002": stale})
    with pytest.raises(LspError) as err:
        next(ex.run([task]))
    msg = str(err.value)
    assert msg.startswith("1 Dask worker cannot run this programme")
    assert "tcp://10.0.0.8:40002: data is 0000" in msg and "10.0.0.7" not in msg
    assert f"the runner has {mine['data']}" in msg and "docs/scaling.md" in msg
    ex = _executor({"tcp://10.0.0.9:1": bare})
    with pytest.raises(LspError, match=r"kernel is no kernel lsp-research, the runner has kernel "):
        next(ex.run([task]))
    with pytest.raises(LspError, match="the Dask scheduler has no workers"):
        next(_executor({}).run([task]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _published(root: Path) -> dict[str, bytes]:
    """The published files, but the period index and its tables' CSVs (the files beside it, named
    by their content): the fixture notebook records its kernel's pid there (to show each run had a
    fresh kernel), the one thing that differs between any two runs. The index's CSVs are named
    with their content's hash, so they stand in the dict by their name without it."""
    out = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file() or {".internal", ".cache"} & set(p.parts) or p.name.endswith(".lock"):
            continue
        name = p.relative_to(root).as_posix()
        if p.parent.parent == root and (p.name == "index.html" or p.suffix in {".csv", ".json"}):
            out[re.sub(r"-[0-9a-f]{8}(?=\.csv)", "", name)] = b"beside the index"
        else:
            out[name] = p.read_bytes()
    return out


@pytest.mark.slow
def test_scheduler_and_two_worker_processes_publish_the_local_bytes(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from lsp_research.reporting.runner import run_programme

    env = setup_env(
        tmp_path,
        monkeypatch,
        [{"notebook": "good.ipynb", "over": ["E05001153", "Coalfield"], "tiers": ["board"]}],
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1262304000")
    local = run_programme("latest", jobs=2, quiet=True)
    assert local.exit_code == 0
    expected = _published(env["reports"])
    assert any(k.endswith(".html") for k in expected)
    env["reports"].rename(tmp_path / "reports-local")

    dask = Path(sys.executable).parent / "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = {"env": dict(os.environ), "cwd": tmp_path, "start_new_session": True}
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                 "--no-dashboard"], **common, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                     "--host", "127.0.0.1", "--no-dashboard"],
                    **common, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        from distributed import Client

        deadline = time.monotonic() + 180
        while True:
            try:
                with Client(address, timeout=10) as client:
                    client.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                    workers = client.scheduler_info()["workers"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        assert len(workers) == 2
        summary = run_programme("latest", scheduler=address, quiet=True)
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
    assert summary.exit_code == 0
    assert {r.status for r in summary.records} == {"ran"}
    assert _published(env["reports"]) == expected
    assert (env["reports"] / "2009Q4" / "index.html").is_file()
