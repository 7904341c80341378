"""A copy of the project for tests that follow a workflow in it: the tracked files as they are in this
working tree (uncommitted edits included), writable, with the project's ``.venv`` linked in (what
``make install`` makes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lsp_research.config import PROJ_ROOT

VENV = Path(sys.executable).parent.parent


def copy_project(dest: Path) -> Path:
    """Copy the project's tracked files to ``dest`` and link ``.venv``; returns ``dest``."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJ_ROOT, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, tracked.split("\0")):
        src = PROJ_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
            (dest / rel).chmod((dest / rel).stat().st_mode | 0o200)
    (dest / ".venv").symlink_to(VENV)
    return dest
