"""Shared fixtures.

``processed_data`` (session): the committed default data (``data/raw``) built into a temporary processed
folder once per test session (once per xdist worker); ``LSP_PROCESSED_DIR`` (and ``LSP_RAW_DIR``) point
at it for the whole session, so ``lsp_research.data.load(name)`` reads it. Returns the processed folder.

``raw_copy`` (function): a fresh temporary copy of the default raw data, for tests that break a file.

``tiny_raw`` (function): the hand-made four-ward data set of ``tests/fixtures/tiny_raw.py``, with worked
values, written to a temporary folder.

When ``data/raw`` is empty (a fresh checkout before the data is generated) the default data is generated
into a temporary folder with ``lsp_research.data.synth.generate``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from lsp_research.config import PROJ_ROOT

sys.path.insert(0, str(Path(__file__).parent))

DEFAULT_RAW = PROJ_ROOT / "data" / "raw"


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() and p.name != ".gitkeep" for p in folder.rglob("*"))


@pytest.fixture(scope="session")
def default_raw(tmp_path_factory) -> Path:
    """The default raw data folder: ``data/raw`` when it holds files, else a freshly generated copy."""
    if _has_files(DEFAULT_RAW):
        return DEFAULT_RAW
    try:
        from lsp_research.data.synth import generate
    except ImportError as exc:  # pragma: no cover - only before the generator exists
        pytest.skip(f"data/raw is empty and the generator is not available ({exc})")
    out = tmp_path_factory.mktemp("generated_raw")
    generate(out)
    return out


@pytest.fixture(scope="session")
def processed_data(default_raw, tmp_path_factory) -> Path:
    """Build the default raw data once per session and point LSP_PROCESSED_DIR at it."""
    from lsp_research.data import build

    processed = tmp_path_factory.mktemp("processed")
    build(raw_dir=default_raw, processed_dir=processed)
    saved = {k: os.environ.get(k) for k in ("LSP_PROCESSED_DIR", "LSP_RAW_DIR")}
    os.environ["LSP_PROCESSED_DIR"] = str(processed)
    os.environ["LSP_RAW_DIR"] = str(default_raw)
    yield processed
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def raw_copy(default_raw, tmp_path) -> Path:
    """A temporary copy of the default raw data that a test may change."""
    dst = tmp_path / "raw"
    shutil.copytree(default_raw, dst)
    for p in dst.rglob("*"):  # the committed files may be read-only; the copy must be writable
        p.chmod(p.stat().st_mode | 0o200)
    return dst


@pytest.fixture
def tiny_raw(tmp_path) -> Path:
    """The hand-made four-ward raw data set (see tests/fixtures/tiny_raw.py)."""
    from fixtures.tiny_raw import write_tiny_raw

    return write_tiny_raw(tmp_path / "tiny_raw")


@pytest.fixture(scope="session")
def getting_started(tmp_path_factory):
    """The default quarter published the way ``docs/getting_started.md`` says: ``make report`` in a copy
    of the project (its tracked files, the project's ``.venv`` linked in). Shared, read-only, by the tests
    that read the default publication (mark them ``xdist_group("default_run")`` so that one worker runs
    it once). Returns ``(project, make_output, period_folder)``."""
    import re
    import subprocess

    from project_copy import copy_project

    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs git (to list the project's files) and make")
    project = copy_project(tmp_path_factory.mktemp("getting_started") / "lsp-research")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSP_")}
    env["PYTHONPATH"] = str(project)  # the copy's package, registry, catalogue and notebooks
    # -o: the linked .venv is installed already; never reinstall it from the copy
    done = subprocess.run(
        ["make", "-o", ".venv/.installed", "report"], cwd=project, env=env,
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, f"make report failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    index = re.findall(r"reports/(\d{4}Q[1-4])/index\.html", done.stdout)
    assert index, f"make report did not print the index page's path:\n{done.stdout[-2000:]}"
    return project, done.stdout, project / "reports" / index[-1]
