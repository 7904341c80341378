"""Benchmark lsp_research.stats against a plain-numpy floor (run by hand, not by pytest).

    python benchmarks/bench_stats.py

1. DSRs for 25 wards x 40 quarters x 19 age bands (19,000 rows) via ``dsr(..., by=["ward", "quarter"])``.
2. SPC for 200 series of 40 points via ``spc(...)``.

Each is compared with a floor written beside it in plain numpy on pre-shaped arrays (no validation, no
DataFrame in or out), which is the least work the arithmetic needs. The ratio says how much the package's
checks, grouping and tidy output cost on top.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy import stats as st

from lsp_research import config
from lsp_research.stats import dsr, spc

WARDS, QUARTERS, BANDS = 25, 40, len(config.ESP2013)
SERIES, POINTS = 200, 40


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


# ------------------------------------------------------------------------------------------------ DSR
def make_dsr_frame(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = WARDS * QUARTERS * BANDS
    return pd.DataFrame(
        {
            "ward": np.repeat([f"E050{i:05d}" for i in range(WARDS)], QUARTERS * BANDS),
            "quarter": np.tile(np.repeat([f"Q{q:02d}" for q in range(QUARTERS)], BANDS), WARDS),
            "band": np.tile(config.ESP2013_BANDS, WARDS * QUARTERS),
            "events": rng.poisson(4, n),
            "pop": rng.integers(200, 1500, n),
        }
    )


def dsr_floor(x: np.ndarray, n: np.ndarray, w: np.ndarray, z: float, m: float = 100_000):
    """Plain numpy DSR and Dobson limits for an (areas x bands) layout."""
    o = x.sum(axis=1)
    sw = w.sum()
    value = (x * w / n).sum(axis=1) / sw * m
    var = (x * (w / n) ** 2).sum(axis=1) / sw**2
    lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    scale = np.sqrt(var / o) * m
    return value, value + scale * (lo - o), value + scale * (hi - o)


# ------------------------------------------------------------------------------------------------ SPC
def make_series(seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.normal(100, 10, (SERIES, POINTS))
    base[:, 30:] += rng.choice([0, 25], size=(SERIES, 1))  # some series shift
    return base


def spc_floor(y: np.ndarray):
    """Plain numpy XmR limits and the four rules for a (series x points) array, all at once."""
    from numpy.lib.stride_tricks import sliding_window_view as win

    mean = y.mean(axis=1, keepdims=True)
    mr = np.abs(np.diff(y, axis=1))
    amr = mr.mean(axis=1, keepdims=True)
    mr = np.where(mr < 3.267 * amr, mr, np.nan)
    amr = np.nanmean(mr, axis=1, keepdims=True)
    upl, lpl = mean + 2.66 * amr, mean - 2.66 * amr
    nupl, nlpl = mean + 1.7733 * amr, mean - 1.7733 * amr
    outside = (y > upl) | (y < lpl)
    rtm = np.sign(y - mean)
    close = ~outside & ((y > nupl) | (y < nlpl))
    pad = np.zeros((y.shape[0], 6))
    rp = win(np.concatenate([pad, rtm], axis=1), 7, axis=1)
    shift_end = np.all(rp == rp[..., -1:], axis=-1) & (rp[..., -1] != 0)
    shift = win(np.concatenate([shift_end, pad.astype(bool)], axis=1), 7, axis=1).any(axis=-1)
    d = np.sign(np.diff(y, axis=1))
    dw = win(d, 6, axis=1)
    trend_end = np.zeros_like(y, dtype=bool)
    trend_end[:, 6:] = np.all(dw == 1, axis=-1) | np.all(dw == -1, axis=-1)
    trend = win(np.concatenate([trend_end, pad.astype(bool)], axis=1), 7, axis=1).any(axis=-1)
    pad2 = np.zeros((y.shape[0], 2))
    cw = win(np.concatenate([pad2, close, pad2], axis=1), 3, axis=1).sum(axis=-1) >= 2
    sw = np.abs(win(np.concatenate([pad2, rtm, pad2], axis=1), 3, axis=1).sum(axis=-1)) == 3
    ok = cw & sw
    two3 = (ok[:, :-2] | ok[:, 1:-1] | ok[:, 2:]) & close
    return np.select([outside, trend, two3, shift], [1, 2, 3, 4], 0)


def main() -> None:
    frame = make_dsr_frame()
    z = float(st.norm.ppf(0.975))
    x = frame["events"].to_numpy(float).reshape(WARDS * QUARTERS, BANDS)
    n = frame["pop"].to_numpy(float).reshape(WARDS * QUARTERS, BANDS)
    w = np.asarray(config.ESP2013, float)

    out = dsr(frame, "events", "pop", "esp2013", by=["ward", "quarter"])
    fv, flo, fhi = dsr_floor(x, n, w, z)
    assert len(out) == WARDS * QUARTERS
    np.testing.assert_allclose(out["value"], fv, rtol=1e-12)
    np.testing.assert_allclose(out["lowercl"], flo, rtol=1e-12)
    np.testing.assert_allclose(out["uppercl"], fhi, rtol=1e-12)
    t_pkg = best_of(lambda: dsr(frame, "events", "pop", "esp2013", by=["ward", "quarter"]))
    t_floor = best_of(lambda: dsr_floor(x, n, w, z))
    print(
        f"DSR {WARDS} wards x {QUARTERS} quarters x {BANDS} bands ({len(frame):,} rows -> {len(out):,} DSRs)"
    )
    print(f"  lsp_research.stats.dsr : {t_pkg * 1000:8.1f} ms")
    print(f"  plain numpy floor      : {t_floor * 1000:8.1f} ms   ratio {t_pkg / t_floor:,.0f}x")

    y = make_series()
    rules_pkg = np.vstack(
        [
            spc(row)
            .points["special_cause_rule"]
            .map(
                {"common_cause": 0, "outside_limits": 1, "trend": 2, "two_in_three": 3, "shift": 4}
            )
            for row in y
        ]
    )
    assert np.array_equal(rules_pkg, spc_floor(y)), "floor and package disagree on the rules"
    t_pkg = best_of(
        lambda: [(r.variation, r.assurance) for r in (spc(row, target=100) for row in y)]
    )
    t_pts = best_of(lambda: [spc(row).points for row in y])
    t_floor = best_of(lambda: spc_floor(y))
    print(f"SPC {SERIES} series x {POINTS} points")
    print(
        f"  spc(): icons           : {t_pkg * 1000:8.1f} ms  ({t_pkg / SERIES * 1000:.2f} ms per series)"
    )
    print(
        f"  spc().points as frames : {t_pts * 1000:8.1f} ms  ({t_pts / SERIES * 1000:.2f} ms per series)"
    )
    print(
        f"  plain numpy floor      : {t_floor * 1000:8.1f} ms   ratio {t_pkg / t_floor:,.0f}x (icons)"
    )


if __name__ == "__main__":
    main()
