"""Synthetic police incidents (violence, disorder, damage) with locations, 2004-05 to 2009-10.

Each offence group has a city-wide yearly volume, spread over wards in proportion to population times
``exp(dep * z)`` (``z`` the standardised IMD 2007 score), so that rates are higher in deprived wards.
A share of violence, public order and drunk-and-disorderly incidents belongs to the **night-time economy**:
they happen on Friday and Saturday nights between 21:00 and 03:00 (an incident after midnight is dated
the next day) around the city centre (``NTE_CENTRE``, spread ``NTE_SD`` metres), and are mostly flagged as
alcohol-related. A synthetic geography has one such centre per default city's worth of population
(:func:`_nte_centres`), so that a region's night-time economy is not heaped on one ward. Other
incidents happen at any time, with an evening peak, at a random point of their ward. Every point lies
inside its ward polygon (points are sampled inside the polygons).

>>> sum(v for v, *_ in OFFENCES.values()) > 8000
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import config
from ._common import FIN_YEARS, active_layout, domain_wards, fy_days, pop_factor, stream, write_csv
from .geography import sample_points, ward_of_points, ward_polygons
from .population import pop_array

#: Offence group -> (incidents a year, deprivation slope, share in the night-time economy,
#: P(alcohol flag) outside and inside the night-time economy, yearly trend).
OFFENCES: dict[str, tuple[float, float, float, float, float, float]] = {
    "violence with injury": (2200, 0.40, 0.22, 0.35, 0.75, 0.99),
    "violence without injury": (2400, 0.35, 0.18, 0.30, 0.70, 1.01),
    "criminal damage": (3000, 0.45, 0.05, 0.12, 0.50, 0.96),
    "public order": (1000, 0.30, 0.30, 0.40, 0.80, 1.00),
    "drunk and disorderly": (500, 0.30, 0.55, 1.00, 1.00, 1.00),
}
#: Centre of the night-time economy (BNG metres) and its spread.
NTE_CENTRE = (439500.0, 556800.0)
NTE_SD = 350.0
#: Relative frequency of incidents by hour (0-23) outside the night-time economy.
HOUR_WEIGHT = np.array(
    [3.0, 2.5, 2.0, 1.5, 1.0, 0.7, 0.6, 0.7, 0.9, 1.0, 1.1, 1.2,
     1.3, 1.4, 1.5, 1.7, 2.0, 2.3, 2.6, 2.8, 3.0, 3.3, 3.5, 3.3]
)  # fmt: skip
NTE_HOURS = np.array([21, 22, 23, 0, 1, 2])
NTE_HOUR_WEIGHT = np.array([0.6, 1.0, 1.4, 1.6, 1.3, 0.8])
_MONTH_WEIGHT = np.array(
    [1.0, 1.05, 1.05, 1.1, 1.1, 1.0, 0.95, 0.95, 1.1, 0.9, 0.85, 0.95]
)  # Apr..Mar


def _nte_centres() -> np.ndarray:
    """The night-time economy's centres (BNG metres, a row each): :data:`NTE_CENTRE` for the default
    data; in a synthetic geography one for each default city's worth of population (at least one), at
    the centroids of wards spread evenly through the ward order, the first ward's first.

    >>> _nte_centres().tolist()
    [[439500.0, 556800.0]]
    """
    layout = active_layout()
    if layout is None:
        return np.array([NTE_CENTRE])
    w = domain_wards()
    k = max(1, min(len(w), round(pop_factor())))
    rows = np.linspace(0, len(w) - 1, k).round().astype(int)  # k = 1: the first ward
    return w.iloc[rows][["easting", "northing"]].to_numpy(float)


def _nte_points(rng, n: int) -> np.ndarray:
    """``n`` points around the night-time economy's centres (each point about one centre, chosen
    evenly), each inside a ward (redrawn until it is).
    """
    out = np.empty((0, 2))
    centres = _nte_centres()
    while len(out) < n:
        m = 2 * (n - len(out)) + 16
        if len(centres) == 1:  # the default data's draws, unchanged
            xy = np.round(rng.normal(centres[0], NTE_SD, size=(m, 2)))
        else:
            at = centres[rng.integers(len(centres), size=m)]
            xy = np.round(at + rng.normal(0.0, NTE_SD, size=(m, 2)))
        out = np.vstack([out, xy[ward_of_points(xy) >= 0]])
    return out[:n]


def incidents(seed: int = config.DEFAULT_SEED, scale: float = 1.0) -> pd.DataFrame:
    """Incident table with the contract's columns plus ``ward_index`` and ``nte`` (not written)."""
    rng = stream(seed, "police")
    w = domain_wards()
    pops = pop_array(seed).sum(axis=(2, 3)).astype(float)  # years x wards
    polys = list(ward_polygons().geometry)
    z = w["imd_z"].to_numpy()
    parts = []
    for t, fy in enumerate(FIN_YEARS):
        days = fy_days(fy)
        month = np.asarray((days.month - 4) % 12)
        dow = np.asarray(days.day_of_week)
        day_w = _MONTH_WEIGHT[month] * np.where(dow >= 4, 1.25, 1.0)
        nte_day_w = np.where((dow == 4) | (dow == 5), 1.0, 0.0) * _MONTH_WEIGHT[month]
        for group, (volume, dep, nte_share, p_alc, p_alc_nte, trend) in OFFENCES.items():
            mean = volume * pop_factor() * trend ** (fy - 2008) * scale
            n_nte = rng.poisson(mean * nte_share)
            ward_w = pops[t] * np.exp(dep * z)
            n_ward = rng.poisson(mean * (1 - nte_share) * ward_w / ward_w.sum())
            # ward incidents
            wi = np.repeat(np.arange(len(w)), n_ward)
            xy = np.vstack(
                [sample_points(rng, polys[i], k) for i, k in enumerate(n_ward) if k > 0]
                or [np.empty((0, 2))]
            )
            d = rng.choice(len(days), size=len(wi), p=day_w / day_w.sum())
            hour = rng.choice(24, size=len(wi), p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
            flag = (
                rng.random(len(wi)) < p_alc * np.where((hour >= 20) | (hour < 4), 1.3, 0.8)
            ).astype(int)
            parts.append(
                pd.DataFrame(
                    {"date": days[d], "hour": hour, "offence_group": group, "alcohol_flag": flag,
                     "easting": xy[:, 0], "northing": xy[:, 1], "ward_index": wi, "nte": 0}
                )
            )  # fmt: skip
            # night-time economy incidents
            xy = _nte_points(rng, n_nte)
            d = rng.choice(len(days), size=n_nte, p=nte_day_w / nte_day_w.sum())
            hour = rng.choice(NTE_HOURS, size=n_nte, p=NTE_HOUR_WEIGHT / NTE_HOUR_WEIGHT.sum())
            date = days[d] + pd.to_timedelta(np.where(hour < 12, 1, 0), unit="D")
            flag = (rng.random(n_nte) < p_alc_nte).astype(int)
            parts.append(
                pd.DataFrame(
                    {"date": date, "hour": hour, "offence_group": group, "alcohol_flag": flag,
                     "easting": xy[:, 0], "northing": xy[:, 1], "ward_index": ward_of_points(xy),
                     "nte": 1}
                )
            )  # fmt: skip
    df = pd.concat(parts, ignore_index=True)
    # a night that starts on 31 March ends in the next year: keep the period closed
    df = df[df["date"] <= pd.Timestamp("2010-03-31")]
    df = df.sort_values(["date", "hour", "offence_group", "easting", "northing"], kind="stable")
    df = df.reset_index(drop=True)
    df.insert(0, "incident_id", [f"NP{k:07d}" for k in range(1, len(df) + 1)])
    df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    df["easting"] = df["easting"].astype(int)
    df["northing"] = df["northing"].astype(int)
    return df


COLUMNS = ["incident_id", "date", "hour", "offence_group", "alcohol_flag", "easting", "northing"]


def write(out_dir: Path, seed: int, scale: float, df: pd.DataFrame | None = None) -> list[Path]:
    """Write ``police/incidents.csv.gz``."""
    df = incidents(seed, scale) if df is None else df
    return [write_csv(out_dir / "police" / "incidents.csv.gz", df[COLUMNS])]
