"""The slope index of inequality: one implementation, checked against its definition and a simulation."""

from __future__ import annotations

import numpy as np
import pytest

from lsp_research.errors import ParameterError
from lsp_research.stats.inequality import rank_midpoints, slope_index


def test_sii_is_the_weighted_least_squares_slope_on_the_rank():
    rng = np.random.default_rng(1)
    v, w = rng.uniform(10, 50, 5), rng.uniform(1000, 5000, 5)
    res = slope_index(v, v - 2, v + 2, w, [1, 2, 3, 4, 5])
    order = np.arange(5)[::-1]  # least deprived first
    x = rank_midpoints(w[order])
    slope, _ = np.polyfit(x, v[order], 1, w=np.sqrt(w[order]))
    assert res.sii == pytest.approx(slope, rel=1e-12)
    assert res.mean == pytest.approx(np.average(v, weights=w), rel=1e-12)
    assert res.rii == pytest.approx(res.sii / res.mean, rel=1e-12)


def test_limits_agree_with_a_simulation_of_the_groups():
    v = np.array([80.0, 66.0, 60.0, 51.0, 40.0])
    lo, up, w = v - 6, v + 6, np.array([3000.0, 2500, 2600, 2400, 2000])
    res = slope_index(v, lo, up, w, [1, 2, 3, 4, 5])
    se = (up - lo) / (2 * 1.959963984540054)
    sims = v + np.random.default_rng(7).standard_normal((200_000, 5)) * se
    sii = np.array([slope_index(s, s, s, w, [1, 2, 3, 4, 5]).sii for s in sims[:2000]])
    # the slope is linear in the values: the simulated spread matches the closed form
    assert np.std(sii) == pytest.approx((res.sii_uppercl - res.sii) / 1.959963984540054, rel=0.05)
    means = sims @ (w / w.sum())
    order = slice(None, None, -1)
    x = rank_midpoints(w[order])
    xb = np.sum(w[order] / w.sum() * x)
    c = (w[order] / w.sum()) * (x - xb) / np.sum(w[order] / w.sum() * (x - xb) ** 2)
    rii = (sims[:, order] @ c) / means
    lo_r, up_r = np.quantile(rii, [0.025, 0.975])
    assert res.rii_lowercl == pytest.approx(lo_r, abs=0.01)
    assert res.rii_uppercl == pytest.approx(up_r, abs=0.01)


def test_a_flat_measure_has_no_slope_and_a_zero_mean_no_rii():
    res = slope_index([5, 5, 5], [4, 4, 4], [6, 6, 6], [1, 2, 3], [1, 2, 3])
    assert res.sii == pytest.approx(0, abs=1e-12) and res.sii_lowercl < 0 < res.sii_uppercl
    zero = slope_index([0, 0], [0, 0], [0, 0], [1, 1], [1, 2])
    assert np.isnan(zero.rii)


def test_bad_shapes_are_refused_with_what_is_allowed():
    with pytest.raises(ParameterError, match="at least two groups"):
        slope_index([1], [0], [2], [1], [1])
    with pytest.raises(ParameterError, match="non-negative"):
        slope_index([1, 2], [0, 1], [2, 3], [-1, 1], [1, 2])
