"""Helpers for the runner tests: a tiny processed data folder and programme files over the fixture
notebooks in ``tests/fixtures/notebooks`` (good, failing, kernel-killing, slow, targets)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

FIXTURE_NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"
PERIODS = ["2009Q1", "2009Q2", "2009Q3", "2009Q4"]


def make_processed(folder: Path) -> Path:
    """Write ``indicator_returns`` (3 indicators x 4 quarters, city) and ``indicator_targets``.

    The value of indicator i in quarter q (1-based) is 10 * i + q, so the total for 2009Q4 is
    (10 + 4) + (20 + 4) + (30 + 4) = 72.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        {"indicator_code": f"NI{i}", "period": p, "area_code": "E08000024", "value": 10.0 * i + q}
        for i in (1, 2, 3)
        for q, p in enumerate(PERIODS, start=1)
    ]
    pd.DataFrame(rows).to_parquet(folder / "indicator_returns.parquet", index=False)
    write_targets(folder, 50.0)
    return folder


def write_targets(folder: Path, target: float) -> None:
    frame = pd.DataFrame(
        {"indicator_code": ["NI1", "NI2"], "financial_year": ["2009-10"] * 2,
         "area_code": ["E08000024"] * 2, "target": [target, target + 10]}
    )  # fmt: skip
    frame.to_parquet(folder / "indicator_targets.parquet", index=False)


def make_programme(folder: Path, entries: list[dict]) -> Path:
    """A programme file in ``folder`` running the fixture notebooks."""
    path = folder / "programme.yml"
    path.write_text(
        yaml.safe_dump(
            {"version": 1, "notebooks_dir": str(FIXTURE_NOTEBOOKS), "notebooks": entries}
        )
    )
    return path


def setup_env(tmp_path: Path, monkeypatch, entries: list[dict]) -> dict[str, Path]:
    """Point the project at a temporary processed folder, reports folder and programme."""
    processed = make_processed(tmp_path / "processed")
    reports = tmp_path / "reports"
    programme = make_programme(tmp_path, entries)
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    monkeypatch.setenv("LSP_REPORTS_DIR", str(reports))
    monkeypatch.setenv("LSP_PROGRAMME", str(programme))
    monkeypatch.setenv("LSP_RAW_DIR", str(tmp_path / "raw"))
    return {"processed": processed, "reports": reports, "programme": programme}
