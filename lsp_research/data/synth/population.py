"""Synthetic mid-year population by ward, sex and ESP 2013 five-year age band, 2004-2010.

Ward totals for 2008 are the domain file's estimates (2020 share x 280,000); the city total follows a
gentle line from the 2001 census (280,807) through 280,000 in 2008 to the 2011 census (275,506). The age
structure is the city's 2008 estimate (DOMAIN.md), tilted per ward so that its 0-15 and 65+ shares follow
the ward's 2020 shares (rescaled to the 2008 city shares); 48.7% of residents are male, with the usual
excess of women at older ages. The population ages slowly (65+ share +0.15 points a year).

>>> pop = population()
>>> abs(int(pop[pop.year == 2008].population.sum()) - 280_000) < 1_000
True
>>> sorted(pop.year.unique().tolist()) == list(range(2004, 2011))
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import config
from ._common import POP_YEARS, domain_wards, layout_cache, pop_factor, stream, write_csv

#: City age profile, 2008, per cent by ESP 2013 band (0-15 18.5, 16-24 12, 25-49 35, 50-64 18, 65+ 16.5).
CITY_AGE_PCT = np.array(
    [5.6, 5.5, 6.1, 6.8, 6.9, 6.3, 6.2, 7.2, 7.8, 7.5, 6.2, 6.3, 5.5, 4.9, 4.2, 3.4, 2.3, 1.2, 0.5]
)
#: Share of each band that is male (before the overall 48.7% adjustment).
MALE_SHARE = np.array(
    [0.512, 0.512, 0.512, 0.51, 0.505, 0.495, 0.49, 0.49, 0.49, 0.49,
     0.49, 0.49, 0.485, 0.475, 0.46, 0.43, 0.39, 0.33, 0.25]
)  # fmt: skip
MALE_TOTAL = 0.487
#: City totals: 2001 and 2011 censuses, and the 2008 estimate.
CITY_TOTALS = {2001: 280_807, 2008: 280_000, 2011: 275_506}

_CHILD = slice(0, 3)  # 0-14 (plus a fifth of 15-19, ignored)
_OLD = slice(13, 19)  # 65+


def city_total(year: int) -> float:
    """City population by linear interpolation between 2001, 2008 and 2011.

    >>> round(city_total(2008)), round(city_total(2011))
    (280000, 275506)
    """
    xs, ys = zip(*sorted(CITY_TOTALS.items()), strict=True)
    return float(np.interp(year, xs, ys))


def _ward_profiles(year: int) -> np.ndarray:
    """Age shares (wards x 19) per ward for ``year``."""
    w = domain_wards()
    base = CITY_AGE_PCT / CITY_AGE_PCT.sum()
    old_city, child_city = base[_OLD].sum(), base[_CHILD].sum()
    pop = w["pop_2008_est"].to_numpy(dtype=float)
    old = w["pct_age_65plus_2020"].to_numpy() / 100
    old = old * old_city / np.average(old, weights=pop) + 0.0015 * (year - 2008)
    child = w["pct_age_0_15_2020"].to_numpy() / 100
    child = child * child_city / np.average(child, weights=pop)
    prof = np.tile(base, (len(w), 1))
    prof[:, _OLD] *= (old / old_city)[:, None]
    prof[:, _CHILD] *= (child / child_city)[:, None]
    mid = np.ones(19, dtype=bool)
    mid[_OLD] = mid[_CHILD] = False
    rest = 1 - prof[:, ~mid].sum(axis=1)
    prof[:, mid] *= (rest / prof[:, mid].sum(axis=1))[:, None]
    return prof


@layout_cache
def population(seed: int = config.DEFAULT_SEED) -> pd.DataFrame:
    """Long table ``year, ward_code, sex, age_band, population`` (integers), 2004-2010."""
    rng = stream(seed, "population")
    w = domain_wards()
    n = len(w)
    share = w["pop_2008_est"].to_numpy(dtype=float)
    share /= share.sum()
    drift = rng.normal(0, 0.004, n)  # each ward's own yearly growth relative to the city
    male = MALE_SHARE * MALE_TOTAL / np.average(MALE_SHARE, weights=CITY_AGE_PCT)
    rows = []
    for year in POP_YEARS:
        s = share * np.exp(drift * (year - 2008))
        totals = city_total(year) * pop_factor() * s / s.sum()
        counts = totals[:, None] * _ward_profiles(year)
        for sex, frac in (("M", male), ("F", 1 - male)):
            c = counts * frac[None, :] * rng.normal(1, 0.01, counts.shape)
            c = np.round(c).astype(int)
            for i in range(n):
                rows.append(
                    pd.DataFrame(
                        {
                            "year": year,
                            "ward_code": w.ward_code[i],
                            "sex": sex,
                            "age_band": config.ESP2013_BANDS,
                            "population": c[i],
                        }
                    )
                )
    out = pd.concat(rows, ignore_index=True)
    order = {b: k for k, b in enumerate(config.ESP2013_BANDS)}
    out["_o"] = out["age_band"].map(order)
    out = out.sort_values(["year", "ward_code", "sex", "_o"]).drop(columns="_o")
    return out.reset_index(drop=True)


def pop_array(seed: int = config.DEFAULT_SEED) -> np.ndarray:
    """Population as an array ``[year index, ward, sex (0 M, 1 F), band]`` (7 x wards x 2 x 19)."""
    p = population(seed)
    return p["population"].to_numpy().reshape(len(POP_YEARS), len(domain_wards()), 2, 19)


def write(out_dir: Path, seed: int) -> list[Path]:
    """Write ``population/mid_year_estimates.csv``."""
    return [write_csv(out_dir / "population" / "mid_year_estimates.csv", population(seed))]
