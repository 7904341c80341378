"""Following docs/adding_an_indicator.md step by step makes the new indicator appear in the next run's
operational report.

The test reads the guide's own code blocks (the registry entry, the targets, the partner's return, the
catalogue line) and the commands it gives, so that the guide and the code cannot drift apart.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lsp_research.config import PROJ_ROOT

GUIDE = PROJ_ROOT / "docs" / "adding_an_indicator.md"


def _blocks(lang: str) -> list[str]:
    return [
        body
        for kind, body in re.findall(r"```(\w*)\n(.*?)```", GUIDE.read_text(), re.S)
        if kind == lang
    ]


def _cli(*args, env):
    exe = Path(sys.executable).with_name("lsp-research")
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_following_the_guide_adds_the_indicator_to_the_operational_report(default_raw, tmp_path):
    entry, targets, catalogue_files = (
        b for b in _blocks("yaml") if "code:" in b or "trajectory" in b or "path:" in b
    )
    returns_csv = _blocks("csv")[0]
    code = re.search(r"code: (\S+)", entry).group(1)

    # Step 1: the registry entry, at the end of the indicators: list (a copy of the registry).
    registry = tmp_path / "indicators.yml"
    text = (PROJ_ROOT / "indicators.yml").read_text()
    head, tail = text.split("\ntargets:\n", 1)
    # Step 2: the targets, under targets:.
    target_lines = targets.split("targets:\n", 1)[1]
    registry.write_text(
        head.rstrip("\n") + "\n" + entry + "\ntargets:\n" + tail.rstrip("\n") + "\n" + target_lines
    )

    # Step 3: the partner's return beside the others, listed in the catalogue (copies of both).
    raw = tmp_path / "raw"
    shutil.copytree(default_raw, raw)
    name = re.search(r"path: indicators/(\S+)", catalogue_files).group(1)
    (raw / "indicators" / name).write_text(returns_csv)
    catalogue = yaml.safe_load((PROJ_ROOT / "data" / "catalogue.yml").read_text())
    sources = catalogue["sources"] if "sources" in catalogue else catalogue
    sources["indicators"]["files"] += yaml.safe_load(catalogue_files)
    (tmp_path / "catalogue.yml").write_text(yaml.safe_dump(catalogue, sort_keys=False))

    env = {**os.environ, "LSP_RAW_DIR": str(raw), "LSP_CATALOGUE": str(tmp_path / "catalogue.yml"),
           "LSP_PROCESSED_DIR": str(tmp_path / "processed"), "LSP_REGISTRY": str(registry),
           "LSP_REPORTS_DIR": str(tmp_path / "reports")}  # fmt: skip

    check = _cli("indicators", "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "OK" in check.stdout

    # Step 4 and 5: build the data, run the quarter.
    built = _cli("data", "build", env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    run = _cli("run", "--period", "latest", "--only", "performance", "--quiet", env=env)
    assert run.returncode == 0, run.stdout + run.stderr

    pages = list((tmp_path / "reports").rglob("*operational.html"))
    assert pages, "no operational report was published"
    html = pages[0].read_text()
    spaced = re.sub(r"^([A-Z]+)(\d+)$", r"\1 \2", code)
    assert code in html or spaced in html
    assert "Attractive City" in html
    assert "Improved street and environmental cleanliness" in html
