"""The pre-commit hooks pass on a fresh clone at the first run, offline, and on a new report's first commit.

The clone is a copy of the tracked files of this working tree in a new git repository (so the test sees
uncommitted edits too), with the project's ``.venv`` linked in: every hook is ``language: system`` and
runs a tool of ``.venv`` (what ``make install`` makes), so nothing is downloaded.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from project_copy import VENV, copy_project

from lsp_research.config import PROJ_ROOT
from lsp_research.reporting.scaffold import new_report

GIT = ["git", "-c", "user.name=Analyst", "-c", "user.email=analyst@example.org"]


def _git(cwd: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GIT, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_hooks_are_local_and_use_the_venv():
    import yaml

    config = yaml.safe_load((PROJ_ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [h for repo in config["repos"] for h in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}  # nothing to download
    assert all(h["language"] == "system" and h["entry"].startswith(".venv/bin/") for h in hooks)
    strip = next(h for h in hooks if h["id"] == "nbstripout")
    assert "--keep-id" in strip["entry"].split()  # renumbering ids rewrote every committed notebook


@pytest.mark.slow
def test_fresh_clone_passes_the_hooks_first_time_and_a_new_report_commits(tmp_path):
    if shutil.which("git") is None or not (VENV / "bin" / "pre-commit").exists():
        pytest.skip("needs git and the project's .venv (make install)")
    clone = copy_project(tmp_path / "clone")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    assert _git(clone, "init", "-q").returncode == 0
    _git(clone, "add", "-A")
    assert _git(clone, "commit", "-q", "--no-verify", "-m", "clone").returncode == 0

    first = subprocess.run(
        [str(clone / ".venv/bin/pre-commit"), "run", "--all-files"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    changed = _git(clone, "status", "--porcelain", "--untracked-files=no").stdout
    assert first.returncode == 0 and not changed, first.stdout + first.stderr + changed

    install = subprocess.run(
        [str(clone / ".venv/bin/pre-commit"), "install"], cwd=clone, env=env, capture_output=True
    )
    assert install.returncode == 0, install.stderr
    paths = new_report(
        "housing_needs",
        notebooks_dir=clone / "notebooks",
        topics_dir=clone / "lsp_research" / "topics",
    )
    _git(clone, "add", *[str(p.relative_to(clone)) for p in paths])
    commit = _git(clone, "commit", "-m", "Start the housing needs report", env=env)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert "Failed" not in commit.stdout + commit.stderr
    assert _git(clone, "status", "--porcelain", "--untracked-files=no").stdout == ""
