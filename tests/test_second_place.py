"""The whole programme on a second place (issue 17): a synthetic Eastbury of eight wards, its own place
file and indicator registry, built and run from the command line, publishes every programme entry with
no trace of the default place (its name or district code) in any published file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_research import config
from lsp_research.reporting.programme import load_programme

FIXTURES = Path(__file__).parent / "fixtures" / "eastbury"
CODE = "E08999901"
#: Published file types searched for the default place's name and code.
PUBLISHED = (".html", ".csv", ".svg", ".json")


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lsp_research.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )


@pytest.mark.slow
@pytest.mark.xdist_group("second_place")
def test_the_whole_programme_runs_on_a_second_place(tmp_path):
    default = config.place(config.DEFAULT_PLACE)
    raw = tmp_path / "raw"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSP_")}
    synth = _cli(
        "data", "synth", "--wards", "8", "--place-name", "Eastbury", "--district-code", CODE,
        "--out", str(raw), env=env,
    )  # fmt: skip
    assert synth.returncode == 0, synth.stderr
    place_file = raw / "place.yml"
    place = config.place(place_file)  # synth writes the synthetic place's own place file
    assert (place.name, place.district_code, len(place.ward_codes)) == ("Eastbury", CODE, 8)
    assert not set(place.ward_codes) & set(default.ward_codes)

    reports = tmp_path / "reports"
    env.update(
        LSP_RAW_DIR=str(raw),
        LSP_PROCESSED_DIR=str(tmp_path / "processed"),
        LSP_REPORTS_DIR=str(reports),
        LSP_PLACE=str(place_file),
        LSP_REGISTRY=str(FIXTURES / "indicators.yml"),
        SOURCE_DATE_EPOCH="1262304000",
    )
    build = _cli("data", "build", env=env)
    assert build.returncode == 0, build.stdout + build.stderr
    run = _cli("run", "--quiet", env=env)
    assert run.returncode == 0, run.stdout + run.stderr

    # every programme entry published, for every parameter set of the second place
    period = next(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith("."))
    record = json.loads((reports / ".internal" / period.name / "run.json").read_text())
    by_entry: dict[str, list[dict]] = {}
    for r in record["runs"]:
        by_entry.setdefault(r["notebook"], []).append(r)
    programme = load_programme()
    assert set(by_entry) == {e.name for e in programme.notebooks}
    assert {r["status"] for r in record["runs"]} == {"ran"}
    assert len(by_entry["ward_profile"]) == 8
    assert len(by_entry["area_profile"]) == len(place.areas)
    for r in record["runs"]:
        tiers = [t for t in r["files"] if t != "notebook"]
        assert tiers, r["key"]
        for t in tiers:
            assert (period / r["files"][t]).is_file(), (r["key"], t)
    index = (period / "index.html").read_text(encoding="utf-8")
    assert "Eastbury" in index

    # and nothing of the default place in anything published
    leaks = []
    files = [p for p in period.rglob("*") if p.is_file() and p.name.endswith(PUBLISHED)]
    assert len(files) > 50
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        for word in (default.name, default.district_code):
            if word in text:
                at = text.index(word)
                leaks.append(f"{p.relative_to(period)}: {text[max(0, at - 60) : at + 40]!r}")
    assert not leaks, "\n".join(leaks[:20])
