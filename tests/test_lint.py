"""ruff passes over the package, tests, notebooks and benchmarks (lint and format), as `make lint` checks."""

import subprocess
import sys
from pathlib import Path

import pytest

from lsp_research.config import PROJ_ROOT

RUFF = Path(sys.executable).with_name("ruff")
TARGETS = ["lsp_research", "tests", "notebooks", "benchmarks"]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(args):
    if not RUFF.exists():
        pytest.skip("ruff is not installed in this environment (make install adds it)")
    done = subprocess.run(
        [str(RUFF), *args, *TARGETS], cwd=PROJ_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
