"""The Fingertips example of docs/real_data.md builds with the shipped data, and its clash is explained."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
import yaml

from lsp_research import data
from lsp_research.config import PROJ_ROOT
from lsp_research.errors import DataValidationError

DOC = PROJ_ROOT / "docs" / "real_data.md"


def _block(kind: str) -> str:
    (text,) = re.findall(rf"```{kind} fingertips\n(.*?)```", DOC.read_text(), re.S)
    return text


def _shipped_with_the_example(tmp_path, entry: dict):
    raw = tmp_path / "raw"
    shutil.copytree(PROJ_ROOT / "data" / "raw", raw)
    (raw / "indicators" / "fingertips.csv").write_text(_block("csv"), encoding="utf-8")
    cat = yaml.safe_load((PROJ_ROOT / "data" / "catalogue.yml").read_text())
    cat["sources"]["indicators"]["files"].append(entry)
    (raw / "catalogue.yml").write_text(yaml.safe_dump(cat, sort_keys=False))
    return raw


def test_the_docs_fingertips_example_builds_on_the_shipped_data(tmp_path):
    (entry,) = yaml.safe_load(_block("yaml"))
    raw = _shipped_with_the_example(tmp_path, entry)
    data.build(raw_dir=raw, processed_dir=tmp_path / "p", sources=["indicators"])
    comp = pd.read_parquet(tmp_path / "p" / "indicator_comparators.parquet")
    ni39 = comp.query("indicator_code == 'NI39' and financial_year == '2008-09'")
    assert sorted(ni39["value"]) == [1562.0, 2254.0]  # comparators.csv's, given once
    corr = pd.read_parquet(tmp_path / "p" / "indicator_corrections.parquet")
    row = corr.query("old_file == 'indicators/fingertips.csv'")
    assert row[["period", "old_value", "old_submitted_by"]].values.tolist() == [
        ["2008Q4", 2301.0, "Fingertips"]
    ]  # the PCT's dated return replaces the undated annual figure, as the guide says


def test_without_the_fix_the_clash_is_refused_with_the_hint(tmp_path):
    (entry,) = yaml.safe_load(_block("yaml"))
    entry.pop("comparators")
    raw = _shipped_with_the_example(tmp_path, entry)
    with pytest.raises(DataValidationError) as exc:
        data.build(raw_dir=raw, processed_dir=tmp_path / "p", sources=["indicators"])
    assert len(exc.value.problems) == 2
    text = str(exc.value)
    assert (
        "indicators/fingertips.csv, row 2, column 'indicator_code, period, financial_year, comparator'"
        in text
    )
    assert "as indicators/comparators.csv row" in text and "set 'comparators: false'" in text
