"""Synthetic exercise-referral records for the six wellness centres, 2004-05 to 2009-10.

GPs in 59 practices (codes ``A89001``-``A89059``, two or three per ward) refer adults to a 12-week
programme (24 sessions) at a wellness centre. Starts rise from about 3,100 to 4,200 a year. Referral rates
depend on age, sex (women are referred more) and deprivation (about 1.9 times higher in the most deprived
ward than in the least). A referral goes to the nearest centre open on the referral date (85%), else the
second nearest (12%) or any open centre. **The Aquatic Centre (WC1) opened on 18 April 2008**: before
then it takes no referrals and people go to the next nearest centre (the Crowtree pool it replaced is not
a wellness centre in this data set), so the distance from the city-centre wards falls in 2008-09.

Take-up (a first attendance) is logistic in age (higher when older), sex (higher for women), deprivation
and **distance from the ward's centroid to the centre** (``TAKE_UP_PER_KM`` on the log-odds scale per km),
calibrated to about 81% overall. Completion of 12 weeks (``completed_12wk``, a share of all referrals,
about 50%) is lower for young men and in deprived wards. ``bmi_change`` is recorded for completers.

>>> practices().shape
(59, 3)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import config
from ._common import (
    FIN_YEARS,
    PERIOD_END,
    domain_wards,
    fy_days,
    layout_cache,
    pop_factor,
    stream,
    write_csv,
)
from .geography import centres, ward_centroids
from .population import pop_array

AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
#: Referral propensity by age band, and the log-odds effects of age on take-up and completion.
REFERRAL_AGE = np.array([0.35, 0.6, 0.9, 1.2, 1.4, 1.2, 0.6])
TAKE_UP_AGE = np.array([-0.6, -0.4, -0.2, 0.0, 0.25, 0.45, 0.35])
COMPLETE_AGE = np.array([-0.7, -0.45, -0.2, 0.0, 0.2, 0.35, 0.1])
REFERRAL_FEMALE = 1.4
REFERRAL_DEP = 0.165
TAKE_UP_PER_KM = -0.55
TAKE_UP_FEMALE = 0.35
TAKE_UP_DEP = -0.10
COMPLETE_FEMALE = 0.2
COMPLETE_YOUNG_MEN = -0.35
COMPLETE_DEP = -0.25
TARGET_TAKE_UP = 0.81
TARGET_COMPLETED = 0.50
STARTS = {fy: 3100 + 220 * (fy - 2004) for fy in FIN_YEARS}
REASONS = (
    "weight management", "cardiovascular risk", "type 2 diabetes", "mental wellbeing",
    "musculoskeletal", "respiratory", "falls prevention",
)  # fmt: skip
#: Reason weights by age band (rows) and reason (columns).
REASON_WEIGHTS = np.array(
    [
        [0.45, 0.05, 0.03, 0.30, 0.15, 0.02, 0.00],
        [0.45, 0.08, 0.05, 0.25, 0.15, 0.02, 0.00],
        [0.40, 0.15, 0.08, 0.18, 0.16, 0.03, 0.00],
        [0.32, 0.25, 0.12, 0.12, 0.15, 0.04, 0.00],
        [0.25, 0.30, 0.15, 0.08, 0.15, 0.06, 0.01],
        [0.18, 0.30, 0.15, 0.05, 0.15, 0.10, 0.07],
        [0.10, 0.25, 0.10, 0.05, 0.15, 0.10, 0.25],
    ]
)
_MONTH_WEIGHT = np.array(
    [1.0, 1.0, 1.05, 0.95, 0.8, 1.05, 1.1, 1.0, 0.7, 1.35, 1.1, 1.05]
)  # Apr..Mar


def _adult_pop(pop19: np.ndarray) -> np.ndarray:
    """Collapse ESP 2013 bands (.., 19) into the seven adult bands (16-24 takes 4/5 of 15-19)."""
    p = pop19.astype(float)
    return np.stack(
        [
            0.8 * p[..., 3] + p[..., 4],
            p[..., 5:7].sum(-1),
            p[..., 7:9].sum(-1),
            p[..., 9:11].sum(-1),
            p[..., 11:13].sum(-1),
            p[..., 13:15].sum(-1),
            p[..., 15:].sum(-1),
        ],
        axis=-1,
    )


@layout_cache
def practices(seed: int = config.DEFAULT_SEED) -> pd.DataFrame:
    """The practices (59 for the 25 default wards: two a ward and a third in the 9 most populous):
    ``practice_code``, ``ward_index``, ``propensity`` (how readily they refer).
    """
    rng = stream(seed, "practices")
    pop = domain_wards()["pop_2008_est"].to_numpy()
    n = len(pop)
    per_ward = np.full(n, 2)
    per_ward[np.argsort(-pop, kind="stable")[: round(n * 9 / 25)]] += 1
    wards = np.repeat(np.arange(n), per_ward)
    return pd.DataFrame(
        {
            "practice_code": [f"A89{k:03d}" for k in range(1, len(wards) + 1)],
            "ward_index": wards,
            "propensity": np.round(rng.gamma(6.0, 1 / 6.0, len(wards)), 3),
        }
    )


def _logit_shift(eta: np.ndarray, target: float) -> float:
    """The constant to add to ``eta`` so that the mean of ``expit(eta + c)`` is ``target`` (bisection)."""
    lo, hi = -10.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        mean = float(np.mean(1 / (1 + np.exp(-(eta + mid)))))
        lo, hi = (mid, hi) if mean < target else (lo, mid)
    return (lo + hi) / 2


def referrals(seed: int = config.DEFAULT_SEED, scale: float = 1.0) -> pd.DataFrame:
    """Referral table with the contract's columns plus ``distance_km`` (not written)."""
    rng = stream(seed, "wellness")
    w = domain_wards()
    z = w["imd_z"].to_numpy()
    pops = _adult_pop(pop_array(seed))  # years x wards x sex x 7
    cent = centres()
    cxy = cent[["easting", "northing"]].to_numpy(dtype=float)
    opened = pd.to_datetime(cent["opened"]).to_numpy()
    wxy = ward_centroids()
    dist = (
        np.hypot(*(wxy[:, None, :] - cxy[None, :, :]).transpose(2, 0, 1)) / 1000
    )  # wards x centres
    prac = practices(seed)
    pw = prac["ward_index"].to_numpy()
    prop = prac["propensity"].to_numpy()
    ward_dist = np.hypot(*(wxy[:, None, :] - wxy[None, :, :]).transpose(2, 0, 1)) / 1000
    parts = []
    for t, fy in enumerate(FIN_YEARS):
        rate = (
            pops[t]
            * REFERRAL_AGE[None, None, :]
            * np.array([1.0, REFERRAL_FEMALE])[None, :, None]
            * np.exp(REFERRAL_DEP * z)[:, None, None]
        )
        counts = rng.poisson(rate / rate.sum() * STARTS[fy] * pop_factor() * scale)
        wi, si, ai = np.unravel_index(
            np.repeat(np.arange(counts.size), counts.ravel()), counts.shape
        )
        n = len(wi)
        days = fy_days(fy)
        dw = _MONTH_WEIGHT[np.asarray((days.month - 4) % 12)] * (np.asarray(days.day_of_week) < 5)
        date = days[rng.choice(len(days), size=n, p=dw / dw.sum())]
        # practice: one in the ward (85%) or a nearby one
        practice = np.empty(n, dtype=int)
        local = rng.random(n) < 0.85
        for i in range(len(w)):
            sel = np.flatnonzero(wi == i)
            if len(sel) == 0:
                continue
            p_local = np.where(pw == i, prop, 0.0)
            p_near = prop * np.exp(-ward_dist[i, pw] / 1.5) * (pw != i)
            practice[sel] = np.where(
                local[sel],
                rng.choice(len(prop), size=len(sel), p=p_local / p_local.sum()),
                rng.choice(len(prop), size=len(sel), p=p_near / p_near.sum()),
            )
        # centre: nearest open (85%), second nearest (12%), any open (3%)
        is_open = opened[None, :] <= np.asarray(date)[:, None]
        d = np.where(is_open, dist[wi], np.inf)
        rank = np.argsort(d, axis=1, kind="stable")
        u = rng.random(n)
        any_open = np.argmax(np.where(is_open, rng.random(is_open.shape), -1.0), axis=1)
        centre = np.where(u < 0.85, rank[:, 0], np.where(u < 0.97, rank[:, 1], any_open))
        reason = np.empty(n, dtype=int)
        for a in range(len(AGE_BANDS)):
            sel = np.flatnonzero(ai == a)
            reason[sel] = rng.choice(len(REASONS), size=len(sel), p=REASON_WEIGHTS[a])
        parts.append(
            pd.DataFrame(
                {
                    "referral_date": date,
                    "practice_code": prac["practice_code"].to_numpy()[practice],
                    "_age": ai,
                    "sex": np.array(["M", "F"])[si],
                    "ward_code": w.ward_code.to_numpy()[wi],
                    "_ward": wi,
                    "reason": np.array(REASONS)[reason],
                    "centre_id": cent["centre_id"].to_numpy()[centre],
                    "distance_km": dist[wi, centre],
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df = df.sort_values(
        ["referral_date", "practice_code", "ward_code", "sex", "_age"], kind="stable"
    )
    df = df.reset_index(drop=True)
    n = len(df)
    age, female = df["_age"].to_numpy(), (df["sex"] == "F").to_numpy()
    zz = z[df["_ward"].to_numpy()]
    eta = TAKE_UP_AGE[age] + TAKE_UP_FEMALE * female + TAKE_UP_DEP * zz
    eta = eta + TAKE_UP_PER_KM * df["distance_km"].to_numpy()
    p_take = 1 / (1 + np.exp(-(eta + _logit_shift(eta, TARGET_TAKE_UP))))
    took = rng.random(n) < p_take
    young_men = (~female) & (age <= 1)
    eta_c = COMPLETE_AGE[age] + COMPLETE_FEMALE * female + COMPLETE_YOUNG_MEN * young_men
    eta_c = eta_c + COMPLETE_DEP * zz
    target_c = TARGET_COMPLETED / max(float(took.mean()), 1e-9)
    shift_c = _logit_shift(eta_c[took], min(target_c, 0.99)) if took.any() else 0.0
    completed = took & (rng.random(n) < 1 / (1 + np.exp(-(eta_c + shift_c))))
    sessions = np.where(
        completed,
        np.clip(rng.binomial(24, 0.88, n), 18, 24),
        np.where(took, 1 + rng.binomial(16, 0.35, n), 0),
    )
    ref = pd.to_datetime(df["referral_date"])
    delay = pd.to_timedelta(rng.integers(5, 36, n), unit="D")
    first = (ref + delay).where(ref + delay <= pd.Timestamp(PERIOD_END), pd.Timestamp(PERIOD_END))
    weight_loss = (df["reason"] == "weight management").to_numpy()
    bmi = np.round(rng.normal(np.where(weight_loss, -1.3, -0.6), 1.1), 1)
    out = pd.DataFrame(
        {
            "referral_id": [f"WR{k:06d}" for k in range(1, n + 1)],
            "referral_date": ref.dt.strftime("%Y-%m-%d"),
            "practice_code": df["practice_code"],
            "age_band": np.array(AGE_BANDS)[age],
            "sex": df["sex"],
            "ward_code": df["ward_code"],
            "reason": df["reason"],
            "centre_id": df["centre_id"],
            "took_up": took.astype(int),
            "first_attendance_date": first.dt.strftime("%Y-%m-%d").where(took, ""),
            "sessions_attended": sessions,
            "completed_12wk": completed.astype(int),
            "bmi_change": pd.Series(bmi).where(completed),
            "distance_km": df["distance_km"].round(3),
        }
    )
    return out


COLUMNS = [
    "referral_id", "referral_date", "practice_code", "age_band", "sex", "ward_code", "reason",
    "centre_id", "took_up", "first_attendance_date", "sessions_attended", "completed_12wk", "bmi_change",
]  # fmt: skip


def write(out_dir: Path, seed: int, scale: float, df: pd.DataFrame | None = None) -> list[Path]:
    """Write ``wellness/referrals.csv.gz``."""
    df = referrals(seed, scale) if df is None else df
    return [write_csv(out_dir / "wellness" / "referrals.csv.gz", df[COLUMNS])]
