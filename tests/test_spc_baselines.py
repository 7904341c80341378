"""SPC baselines: rebasing at a sustained shift and at a definition change, the minimum number of points
since the limits were set, and a baseline with no variation (issue 22)."""

from __future__ import annotations

import numpy as np
import pytest
from test_performance_filter import registry, returns

from lsp_research.performance import meeting
from lsp_research.performance.registry import RegistryError
from lsp_research.stats import spc
from lsp_research.stats.spc import shift_rebases

RNG = np.random.default_rng(20091)
#: 24 quarters of a rate that only gets worse (lower is better), like NI 39 from 2004 to 2009
RISING = np.round(1900 + 25 * np.arange(24) + RNG.normal(0, 15, 24), 1)


def test_rising_trend_is_rebased_after_the_shift():
    whole = spc(RISING, improvement="decrease", target=2300)
    # one baseline over the whole trend: the early points look like "improvement" and the target
    # sits above the upper limit, so the old chart said "consistent pass" for a failing series
    assert whole.assurance == "consistent_pass"
    r = spc(RISING, improvement="decrease", target=2300, rebase_on_shift=True, min_points=7)
    assert len(r.shift_rebase_at) == 1
    cut = r.shift_rebase_at[0]
    assert 7 <= cut <= 24 - 7
    pts = r.points
    assert pts["mean"].iloc[-1] > pts["mean"].iloc[0]
    assert (pts["rebase_group"].iloc[cut:] == 1).all() and (
        pts["rebase_group"].iloc[:cut] == 0
    ).all()
    # the latest limits describe the current process: the latest points are a concern, and the
    # assurance no longer contradicts the latest value, which is far above the target
    assert r.variation == "special_cause_concern"
    assert r.assurance != "consistent_pass"
    assert set(pts["point_type"].iloc[-7:]) == {"special_cause_concern"}


def test_assessment_of_a_rising_trend_agrees_with_its_target_status():
    # the same trend on NI 20's scale (crimes per 1,000), lower is better
    reg = registry(targets={"NI20": {"trajectory": {"2009-10": 2.3}}})
    m = meeting(returns("NI20", list(RISING / 1000), start="2004Q1"), reg, "2009Q4")
    row = m.assessment.row("NI20")
    assert row["target_status"] == "off track"
    assert row["spc_assurance"] in ("consistent_fail", "inconsistent")
    assert row["spc_variation"] == "special_cause_concern"
    assert row["spc_baseline_reason"] == "sustained shift"
    assert row["spc_note"].startswith(f"limits recalculated from {row['spc_baseline_from']}")
    s = m.assessment.series[("NI20", "E08000024")]
    assert s["rebase_group"].nunique() == 2


def test_definition_change_then_five_flat_quarters_gives_no_verdict():
    reg = registry()
    # a new counting rule and population base from 2008Q4 (rate about 2.0 -> 12.0), then flat
    vals = [2.0, 2.1, 1.95, 2.05, 1.98, 2.08, 2.02, 2.04, 1.99, 2.09, 2.01] + [
        12.1,
        12.0,
        12.0,
        12.0,
        12.0,
    ]
    den = [280000] * 11 + [350000] * 5
    num = [round(v * d / 1000) for v, d in zip(vals, den, strict=True)]
    m = meeting(returns("NI20", vals, num=num, den=den, start="2006Q1"), reg, "2009Q4")
    row = m.assessment.row("NI20")
    assert row["definition_changed_in"] == "2008Q4"
    assert row["spc_variation"] is None and row["spc_assurance"] is None
    assert row["spc_note"] == (
        "too few points since the definition change in 2008Q4 (5 of 7 needed): no SPC verdict"
    )
    s = m.assessment.series[("NI20", "E08000024")]
    after = s[s["period"] >= "2008Q4"]
    assert set(after["point_type"]) == {"common_cause"}  # no 12.0 is "below the lower limit"
    assert not m.log["signal"].str.contains("improv").any()


def test_flat_baseline_gives_no_special_cause():
    r = spc([12.0] * 10, improvement="decrease", target=13)
    assert r.variation is None and r.assurance is None
    assert "no variation" in r.no_verdict_reason
    assert not r.points["special_cause_flag"].any()
    # 12.1 then four 12.0s: screening drops the one non-zero range, the limits collapse onto the mean,
    # and without this rule each 12.0 would be "below the lower limit"
    r2 = spc([12.1, 12.0, 12.0, 12.0, 12.0], improvement="decrease")
    assert r2.points["lpl"].iloc[0] == pytest.approx(r2.points["mean"].iloc[0])
    assert set(r2.points["point_type"]) == {"common_cause"}
    assert r2.variation is None
    assert r2.variation_text.startswith("No SPC verdict: no variation in the baseline")


def test_min_points_since_the_last_rebase():
    y = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 20, 21, 20]
    r = spc(y, rebase_at=[10], min_points=7)
    assert r.variation is None and r.points_since_rebase == 3
    assert r.no_verdict_reason == "too few points since the limits were last set (3 of 7 needed)"
    assert spc(y, rebase_at=[10], min_points=3).variation == "common_cause"
    with pytest.raises(ValueError, match="^min_points:"):
        spc(y, min_points=1)


def test_shift_needs_an_old_process_before_it():
    # a series that starts low and steps up after 3 points: too short an old process to rebase on
    assert shift_rebases([1, 1.2, 0.9] + [5, 5.1, 4.9, 5.2, 5, 4.8, 5.1, 5, 5.2, 4.9, 5]) == []
    step = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10] + [20, 21, 19, 20, 21, 19, 20, 21]
    assert shift_rebases(step) == [10]
    # a known change is kept and the shift search runs within each group
    assert shift_rebases(step, rebase_at=[5]) == []


def test_spc_min_points_is_a_registry_setting():
    assert registry().settings.spc_min_points == 7
    assert registry(settings={"spc_min_points": 9}).settings.spc_min_points == 9
    with pytest.raises(RegistryError, match="settings.spc_min_points: must be at least 2"):
        registry(settings={"spc_min_points": 1})
