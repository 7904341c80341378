"""Planted cases reach the right layer: the generator's answer file, and returns prepared by hand.

Every planted anomaly is routed back to its owner (never escalated) and every planted real change
reaches the layer expected of it; the Board's red flags at the latest meeting are only the planted ones.
The hand-made returns (``tests/fixtures/returns_handmade.csv``, the documented partner-return format,
outside the default data) go through the same functions, and also through ``lsp-research data build``
and the notebook's own entry point, :func:`lsp_research.performance.run_assessment`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from performance_cases import Meetings, check_cases, unexpected_red_flags

from lsp_research import data
from lsp_research.config import PROJ_ROOT
from lsp_research.performance import load_registry, run_assessment

FIXTURES = Path(__file__).parent / "fixtures"
HANDMADE_CASES = json.loads(
    (FIXTURES / "returns_handmade_answers.json").read_text(encoding="utf-8")
)


def _answers(default_raw: Path) -> list[dict]:
    for p in (
        PROJ_ROOT / "data" / "synthetic" / "answers.json",
        default_raw.parent / "synthetic" / "answers.json",
        default_raw / "synthetic" / "answers.json",
    ):
        if p.is_file():
            return json.loads(p.read_text(encoding="utf-8"))
    pytest.skip("the generator's answer file (data/synthetic/answers.json) is not there yet")


@pytest.fixture(scope="module")
def default_meetings(processed_data):
    return Meetings(
        data.load("indicator_returns"),
        load_registry(),
        data.load("indicator_targets"),
        data.load("indicator_comparators"),
    )


def test_answer_file_covers_every_kind(default_raw):
    cases = _answers(default_raw)
    kinds = {c["kind"] for c in cases}
    assert kinds >= {
        "missing_return",
        "late_return",
        "denominator_definition_change",
        "keying_error",
        "implausible_value",
        "sustained_deterioration",
        "steady_improvement",
        "consistent_target_failure",
    }
    reg = load_registry()
    assert all(c["indicator_code"] in reg for c in cases), (
        "a planted case on an unregistered indicator"
    )


def test_default_data_every_planted_case_stops_at_its_layer(default_raw, default_meetings):
    cases = _answers(default_raw)
    problems = check_cases(default_meetings, cases)
    assert not problems, "\n".join(problems)


def test_default_data_board_sees_only_planted_red_flags(default_raw, default_meetings):
    cases = _answers(default_raw)
    latest = default_meetings.last
    assert unexpected_red_flags(default_meetings, cases, latest) == []
    red = default_meetings(latest).red_flags
    planted_now = {
        (c["indicator_code"], c["area_code"])
        for c in cases
        if c["expected_layer"] == "board" and str(latest) in c["periods"]
    }
    assert set(zip(red["indicator_code"], red["area_code"], strict=True)) == planted_now
    # each red flag carries its owner, the criterion and the decision asked of the Board
    assert red["owner"].ne("").all() and red["question"].str.startswith("The Board is asked").all()


def _handmade():
    returns = pd.read_csv(FIXTURES / "returns_handmade.csv")
    targets = pd.read_csv(FIXTURES / "targets_handmade.csv")
    comparators = pd.read_csv(FIXTURES / "comparators_handmade.csv")
    return returns, targets, comparators


def test_handmade_returns_give_the_expected_routing():
    returns, targets, comparators = _handmade()
    meetings = Meetings(returns, load_registry(), targets, comparators)
    problems = check_cases(meetings, HANDMADE_CASES)
    assert not problems, "\n".join(problems)
    assert unexpected_red_flags(meetings, HANDMADE_CASES, "2009Q4") == []
    assert meetings("2009Q4").red_flags["indicator_code"].tolist() == ["NI40", "NI39"]


def test_handmade_returns_through_data_build_and_run_assessment(tiny_raw, tmp_path, monkeypatch):
    """The documented route for a partner's file: put it in data/raw, build, run the quarter."""
    from lsp_research.cli import main

    for name in ("returns", "targets", "comparators"):
        shutil.copy(FIXTURES / f"{name}_handmade.csv", tiny_raw / "indicators" / f"{name}.csv")
    processed = tmp_path / "processed"
    monkeypatch.setenv("LSP_RAW_DIR", str(tiny_raw))
    monkeypatch.setenv("LSP_PROCESSED_DIR", str(processed))
    assert main(["data", "build"]) == 0
    run = run_assessment("latest")
    m = run.meeting
    assert str(m.period) == "2009Q4"
    assert m.red_flags[["indicator_code", "criterion"]].values.tolist() == [
        ["NI40", "consistent failure to reach target"],
        ["NI39", "sustained concern"],
    ]
    # this financial year's log, meeting by meeting, as the hand-made answers expect
    log = run.year_log
    where = {
        (r.raised_in, r.indicator_code, r.signal): r.layer
        for r in log.itertuples(index=False)
        if r.indicator_code in {"NI8", "NI20", "NI123", "NI39", "NI40"}
    }
    assert where[("2009Q1", "NI8", "late_return")] == "owner"
    assert where[("2009Q2", "NI20", "value_mismatch")] == "owner"
    assert where[("2009Q3", "NI39", "sustained_concern")] == "board"
    assert all(layer == "executive" for (q, code, _), layer in where.items() if code == "NI123")
    assert set(log["raised_in"]) == {"2009Q1", "2009Q2", "2009Q3", "2009Q4"}
