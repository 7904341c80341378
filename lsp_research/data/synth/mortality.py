"""Synthetic deaths by year, ward, sex and life-table age band, with a deprivation gradient.

Death rates start from a smooth England-like schedule (men and women), fall 2% a year, and are multiplied
by ``exp(beta * z)`` where ``z`` is the ward's standardised IMD 2007 score. ``beta`` is solved so that the
expected life expectancy at birth of men in the most deprived ward (Hendon) is ``LE_GAP`` years below that
of the least deprived (Fulwell), the gap DOMAIN.md reports (9.6 years). The effect is halved from 85.

>>> round(life_expectancy(base_rates("M")), 1), round(life_expectancy(base_rates("F")), 1)
(77.1, 81.2)
>>> beta = deprivation_beta()
>>> 0.1 < beta < 0.5
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import config
from ._common import LE_BANDS, POP_YEARS, domain_wards, layout_cache, stream, write_csv
from .population import pop_array

#: Male death rates per person-year by life-table band (0, 1-4, 5-9, ..., 85-89, 90+), about 2008.
MALE_RATES = np.array(
    [0.0050, 0.00022, 0.00010, 0.00012, 0.00040, 0.00065, 0.00075, 0.00090, 0.00120, 0.00180,
     0.00280, 0.00450, 0.00720, 0.01180, 0.01900, 0.03100, 0.05200, 0.08800, 0.15000, 0.27000]
)  # fmt: skip
#: Female rates as a fraction of male rates.
FEMALE_RATIO = np.array(
    [0.80, 0.85, 0.85, 0.80, 0.45, 0.40, 0.45, 0.55, 0.60, 0.62,
     0.65, 0.65, 0.62, 0.62, 0.63, 0.65, 0.68, 0.72, 0.80, 0.85]
)  # fmt: skip
LE_GAP = 9.6
#: Yearly fall in death rates.
TREND = 0.98
_WIDTHS = np.array([1, 4] + [5] * 17 + [10.0])


def base_rates(sex: str) -> np.ndarray:
    """Death rates (per person-year) for ``sex`` in 2008, before the deprivation multiplier."""
    return MALE_RATES * (1.0 if sex == "M" else FEMALE_RATIO)


def _multiplier(beta: float, z: float) -> np.ndarray:
    m = np.full(len(LE_BANDS), np.exp(beta * z))
    m[-2:] = np.exp(0.5 * beta * z)
    return m


def life_expectancy(rates: np.ndarray) -> float:
    """Life expectancy at birth from band death rates (Chiang, a = half the band; last band 1/m).

    >>> round(life_expectancy(np.full(20, 0.02)), 1)  # constant hazard: about 1 / 0.02
    50.0
    """
    n, m = _WIDTHS, np.asarray(rates, dtype=float)
    q = n * m / (1 + 0.5 * n * m)
    q[-1] = 1.0
    alive = np.concatenate([[1.0], np.cumprod(1 - q)[:-1]])
    dead = alive * q
    lived = n * (alive - 0.5 * dead)
    lived[-1] = alive[-1] / m[-1]
    return float(lived.sum())


@layout_cache
def deprivation_beta() -> float:
    """``beta`` giving the target male life-expectancy gap between the extreme wards (bisection)."""
    z = domain_wards()["imd_z"]
    zmin, zmax = float(z.min()), float(z.max())
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        gap = life_expectancy(base_rates("M") * _multiplier(mid, zmin)) - life_expectancy(
            base_rates("M") * _multiplier(mid, zmax)
        )
        lo, hi = (mid, hi) if gap < LE_GAP else (lo, mid)
    return (lo + hi) / 2


def _le_population(pop19: np.ndarray) -> np.ndarray:
    """Split the ESP 2013 0-4 band into 0 and 1-4 (a fifth under one)."""
    first = pop19[..., :1]
    infants = np.round(first * 0.2)
    return np.concatenate([infants, first - infants, pop19[..., 1:]], axis=-1)


def deaths(seed: int = config.DEFAULT_SEED) -> pd.DataFrame:
    """Table ``year, ward_code, sex, age_band_le, deaths, population``."""
    rng = stream(seed, "mortality")
    w = domain_wards()
    beta = deprivation_beta()
    pop = _le_population(pop_array(seed))  # years x wards x sex x 20
    frames = []
    for t, year in enumerate(POP_YEARS):
        for i in range(len(w)):
            for s, sex in enumerate(("M", "F")):
                rate = (
                    base_rates(sex) * _multiplier(beta, float(w.imd_z[i])) * TREND ** (year - 2008)
                )
                p = pop[t, i, s]
                frames.append(
                    pd.DataFrame(
                        {
                            "year": year,
                            "ward_code": w.ward_code[i],
                            "sex": sex,
                            "age_band_le": LE_BANDS,
                            "deaths": rng.poisson(rate * p),
                            "population": p.astype(int),
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)


def write(out_dir: Path, seed: int) -> list[Path]:
    """Write ``mortality/deaths.csv``."""
    return [write_csv(out_dir / "mortality" / "deaths.csv", deaths(seed))]
