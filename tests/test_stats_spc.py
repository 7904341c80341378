"""SPC (Making Data Count): limits, rules, precedence, polarity, assurance, baselines, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lsp_research.stats import spc, xmr_limits
from lsp_research.stats.spc import ASSURANCE_TEXT, VARIATION_TEXT

VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
# alternating around the mean, then a seven-point rise whose first point is below the lower limit
TREND = [9, 11] * 6 + [3.5, 6, 8, 10, 12, 14, 16]


def test_points_frame_has_the_documented_columns():
    r = spc(VIGNETTE)
    for col in ("value", "mean", "lpl", "upl", "near_lpl", "near_upl", "point_type"):
        assert col in r.points.columns
    assert len(r.points) == len(VIGNETTE)
    assert r.variation == r.points["point_type"].iloc[-1]


def test_moving_range_screening_narrows_limits_and_can_be_switched_off():
    on = spc(VIGNETTE).points.iloc[0]
    off = spc(VIGNETTE, screen_outliers=False).points.iloc[0]
    assert on["upl"] == pytest.approx(4.60444444444444)
    assert off["upl"] == pytest.approx(6.95150326797386)
    assert on["mean"] == off["mean"]


def test_near_limits_are_two_thirds_of_the_way():
    lim = xmr_limits([3, 1, 4, 1, 5, 9, 2])
    assert lim["near_upl"] - lim["mean"] == pytest.approx(2 / 3 * (lim["upl"] - lim["mean"]))


def test_precedence_outside_beats_trend_and_trend_direction_sets_polarity():
    pts = spc(TREND, improvement="decrease").points
    first = 12  # the value 3.5, below the lower limit and the start of a seven-point rise
    assert pts["outside_limits"].iloc[first]
    assert pts["special_cause_type"].iloc[first] == "Below LCL"
    assert pts["point_type"].iloc[first] == "special_cause_improvement"  # lower is better
    rising = pts.iloc[first + 1 :]
    assert set(rising["special_cause_rule"]) == {"trend"}
    assert set(rising["special_cause_type"]) == {"7 Point Trend (Increasing)"}
    assert set(rising["point_type"]) == {"special_cause_concern"}
    assert set(pts["point_type"].iloc[:first]) == {"common_cause"}


def test_neutral_direction_labels_high_and_low():
    pts = spc(TREND, improvement="neutral").points
    assert pts["point_type"].iloc[12] == "special_cause_neutral_low"
    assert pts["point_type"].iloc[-1] == "special_cause_neutral_high"
    assert spc(TREND, improvement="neutral", target=3).assurance is None


def test_shift_of_seven_on_one_side():
    y = [10, 12] * 7 + [11.5] * 7
    pts = spc(y).points
    # the last 12 joins the seven 11.5s: a run of 8 above the mean
    assert list(pts["special_cause_rule"].iloc[-8:]) == ["shift"] * 8
    assert set(pts["special_cause_rule"].iloc[:-8]) == {"common_cause"}
    assert pts["special_cause_type"].iloc[-1] == "7 Points Above CL"


def test_two_in_three_needs_same_side():
    y = [1, -1] * 7 + [5.5, -5.5]
    assert spc(y).points["point_type"].iloc[-2:].tolist() == ["common_cause", "common_cause"]
    y2 = [1, -1] * 7 + [5.5, 1.5, 5.5]
    pts = spc(y2).points
    assert pts["close_to_limits"].iloc[[-3, -1]].all()
    assert pts["special_cause_rule"].iloc[[-3, -1]].tolist() == ["two_in_three"] * 2
    assert pts["special_cause_rule"].iloc[-2] == "common_cause"  # not itself close to the limits


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        ("increase", 100, "consistent_fail"),
        ("increase", -100, "consistent_pass"),
        ("decrease", 100, "consistent_pass"),
        ("decrease", -100, "consistent_fail"),
        ("increase", 1.5, "inconsistent"),
        ("increase", None, None),
    ],
)
def test_assurance(direction, target, expected):
    r = spc(VIGNETTE, improvement=direction, target=target)
    assert r.assurance == expected
    assert r.assurance_text == ASSURANCE_TEXT[expected]


def test_trial_limits_under_13_points():
    assert spc(VIGNETTE[:12]).trial_limits
    assert not spc(VIGNETTE[:13]).trial_limits


def test_fixed_baseline_uses_first_points_only():
    y = list(np.r_[np.tile([10.0, 11.0], 6), [20.0] * 8])
    r = spc(y, fix_after_n_points=12)
    assert r.points["mean"].iloc[-1] == pytest.approx(10.5)
    assert r.points["upl"].iloc[0] == pytest.approx(10.5 + 2.66)
    assert r.points["outside_limits"].iloc[12:].all()
    assert r.trial_limits  # a 12-point baseline is still a trial


def test_rebase_starts_new_limits():
    y = [10, 11, 10, 11, 10, 11, 20, 21, 20, 21, 20, 21]
    pts = spc(y, rebase_at=[6]).points
    assert pts["rebase_group"].tolist() == [0] * 6 + [1] * 6
    assert pts["mean"].iloc[0] == pytest.approx(10.5) and pts["mean"].iloc[-1] == pytest.approx(
        20.5
    )
    assert set(pts["point_type"]) == {"common_cause"}


def test_series_index_is_kept_as_x():
    s = pd.Series(VIGNETTE, index=pd.period_range("2005Q1", periods=len(VIGNETTE), freq="Q"))
    assert spc(s).points["x"].iloc[0] == s.index[0]


def test_variation_wording():
    r = spc(TREND, improvement="decrease")
    assert r.variation == "special_cause_concern"
    assert r.variation_text == VARIATION_TEXT["special_cause_concern"] + " (higher values)"


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"values": [1.0, np.nan, 2.0]}, "values"),
        ({"values": [1.0]}, "values"),
        ({"values": VIGNETTE, "improvement": "up"}, "improvement"),
        ({"values": VIGNETTE, "fix_after_n_points": 5}, "fix_after_n_points"),
        ({"values": VIGNETTE, "rebase_at": [0]}, "rebase_at"),
        ({"values": VIGNETTE, "rebase_at": [17]}, "rebase_at"),
        ({"values": VIGNETTE, "rebase_at": [30]}, "rebase_at"),
        ({"values": VIGNETTE, "target": "high"}, "target"),
        ({"values": VIGNETTE, "screen_outliers": "yes"}, "screen_outliers"),
    ],
)
def test_bad_input_names_the_argument(kwargs, arg):
    with pytest.raises(ValueError, match=rf"^{arg}:"):
        spc(**kwargs)
