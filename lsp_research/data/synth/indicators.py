"""Synthetic partner returns for the Healthy City, Safe City and Prosperous City indicators, with planted
data anomalies and real changes, their targets and comparators, and the answer file.

Every indicator is a figure for the **12 months to the end of the quarter** (so value = numerator /
denominator x multiplier, the registry's convention), reported once a quarter for the city
(``E08000024``). Returns are due six weeks after the quarter ends; unless planted late, each arrives 3-25
days before its due date. NI 39 is computed from the synthetic admissions (rolling 12 months, ESP 1976);
the other indicators are drawn around a level, and "quiet" series are redrawn until they show no
special-cause variation (no point beyond 3 sigma, no run of 7 on one side of the mean, no 6 rises or falls
in a row) and stay on the right side of target, so that only the planted cases stand out.

Planted cases (see :data:`PLANTED` and ``answers.json``):

- data anomalies, routed back to the owner: a missing return, a late return, a denominator whose
  definition changes (jumps by 30% and stays), a keying error that reverts next quarter, an implausible
  value (a percentage above 100);
- real changes: NI 39 deteriorating for 8+ quarters (Board), NI 123 failing its target every quarter for
  three years (Board), NI 8 improving steadily for 9 quarters (a positive exception, executive).

>>> sorted(INDICATORS) == sorted(["NI8", "NI15", "NI20", "NI32", "NI39", "NI40", "NI41", "NI56", "NI112",
...                               "NI116", "NI120", "NI121", "NI123", "NI152"])
True
>>> due_date("2009Q4")
datetime.date(2010, 5, 12)
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ... import config
from ...periods import Quarter, fy_label, quarter_range
from ._common import FIN_YEARS, place_code, placed, pop_factor, stream, write_bytes, write_csv
from .hospital import ni39
from .population import pop_array

QUARTERS = tuple(str(q) for q in quarter_range("2004Q1", "2009Q4"))
AREA = config.LAD_CODE
DUE_AFTER_DAYS = 42
#: Kinds of planted case that are data anomalies (routed back to the owner).
ANOMALY_KINDS = frozenset(
    {
        "missing_return",
        "late_return",
        "denominator_definition_change",
        "keying_error",
        "implausible_value",
    }
)


@dataclass(frozen=True)
class Spec:
    """How one indicator's quiet series is drawn."""

    measure: str  # proportion | rate | dsr | count
    multiplier: float
    level: float  # value the series varies around
    denominator: str | float  # a population name, or a fixed denominator size
    submitted_by: str
    polarity: str
    targets: tuple[float, ...]  # one per financial year 2004-05 .. 2009-10
    noise: float  # relative sd of the value, for dsr/count; ignored for proportion/rate (sampling)
    decimals: int = 1


INDICATORS: dict[str, Spec] = {
    "NI8": Spec("proportion", 100, 20.4, 20000, "Sunderland City Council", "higher",
                (19.5, 19.5, 19.8, 19.8, 21.0, 22.0), 0),
    "NI15": Spec("rate", 1000, 0.72, "all", "Northumbria Police", "lower",
                 (1.0, 1.0, 0.95, 0.95, 0.90, 0.85), 0, 2),
    "NI20": Spec("rate", 1000, 7.05, "all", "Northumbria Police", "lower",
                 (8.6, 8.6, 8.4, 8.2, 8.0, 7.6), 0, 2),
    "NI32": Spec("proportion", 100, 24.0, 1500, "Northumbria Police", "lower",
                 (30.0, 30.0, 29.0, 29.0, 28.0, 27.0), 0),
    "NI39": Spec("dsr", 100000, 0, "all", "Sunderland Teaching PCT", "lower",
                 (1750, 1850, 1950, 2100, 2250, 2300), 0),
    "NI40": Spec("count", 1, 1260, "", "Sunderland Drug and Alcohol Action Team", "higher",
                 (1000, 1050, 1080, 1100, 1150, 1200), 0.012, 0),
    "NI41": Spec("proportion", 100, 30.5, 5000, "Sunderland City Council", "lower",
                 (37.0, 37.0, 36.0, 36.0, 35.0, 33.0), 0),
    "NI56": Spec("proportion", 100, 18.9, 9000, "Sunderland Teaching PCT", "lower",
                 (21.5, 21.5, 21.0, 21.0, 20.5, 20.0), 0),
    "NI112": Spec("rate", 1000, 43.0, "females15_17", "Sunderland Teaching PCT", "lower",
                  (60.0, 60.0, 58.0, 57.0, 55.0, 50.0), 0),
    "NI116": Spec("proportion", 100, 23.6, 52000, "Sunderland City Council", "lower",
                  (27.0, 27.0, 26.5, 26.5, 26.0, 25.0), 0),
    "NI120": Spec("dsr", 100000, 712, "all", "Sunderland Teaching PCT", "lower",
                  (800, 800, 780, 770, 760, 740), 0.012),
    "NI121": Spec("dsr", 100000, 82, "under75", "Sunderland Teaching PCT", "lower",
                  (105, 100, 100, 98, 95, 90), 0.025),
    "NI123": Spec("rate", 100000, 860, "adults16", "Sunderland Teaching PCT", "higher",
                  (830, 840, 850, 950, 1000, 1050), 0),
    "NI152": Spec("proportion", 100, 15.6, "working_age", "Jobcentre Plus", "lower",
                  (17.5, 17.5, 17.5, 17.5, 17.0, 16.5), 0),
}  # fmt: skip

#: England and North East comparators: (England, North East) values for 2008-09 and a yearly change.
COMPARATORS: dict[str, tuple[tuple[float, float], float]] = {
    "NI8": ((21.6, 20.8), 0.2),
    "NI15": ((0.75, 0.62), -0.02),
    "NI20": ((7.6, 6.6), -0.2),
    "NI32": ((28.0, None), -0.5),
    "NI39": ((1562.0, 2254.0), None),
    "NI41": ((29.0, 31.0), -0.5),
    "NI56": ((18.3, 20.0), 0.1),
    "NI112": ((40.4, 49.5), -0.8),
    "NI116": ((21.0, 24.0), 0.0),
    "NI120": ((600.0, 680.0), -12.0),
    "NI121": ((74.0, 87.0), -3.0),
    "NI123": ((900.0, 1050.0), 30.0),
    "NI152": ((12.5, 15.5), 0.3),
}

#: The planted cases. ``periods`` are the quarters the case concerns.
PLANTED: list[dict] = [
    {
        "indicator_code": "NI116",
        "kind": "missing_return",
        "periods": ["2009Q4"],
        "expected_layer": "owner",
        "note": "No return received for 2009-10 Q4 (no row in returns.csv): route back to the owner "
        "to submit it.",
    },
    {
        "indicator_code": "NI32",
        "kind": "late_return",
        "periods": ["2009Q4"],
        "expected_layer": "owner",
        "note": "The 2009-10 Q4 return was submitted on 2010-06-29, 48 days after it was due "
        "(2010-05-12). The value itself is ordinary.",
    },
    {
        "indicator_code": "NI152",
        "kind": "denominator_definition_change",
        "periods": ["2009Q3", "2009Q4"],
        "expected_layer": "owner",
        "note": "From 2009-10 Q3 the denominator counts all residents aged 16-74 instead of the "
        "working-age population (+30%, and it stays), so the rate drops by a quarter with no change in "
        "claimants. It looks like an improvement but is a definition change.",
    },
    {
        "indicator_code": "NI40",
        "kind": "keying_error",
        "periods": ["2009Q3"],
        "expected_layer": "owner",
        "note": "2009-10 Q3 keyed with a digit dropped (about a tenth of the true count); the next "
        "quarter is back at the usual level.",
    },
    {
        "indicator_code": "NI56",
        "kind": "implausible_value",
        "periods": ["2009Q4"],
        "expected_layer": "owner",
        "note": "2009-10 Q4 value keyed with an extra leading 1 (a percentage above 100); numerator and "
        "denominator are the genuine ones.",
    },
    {
        "indicator_code": "NI39",
        "kind": "sustained_deterioration",
        "periods": [str(q) for q in quarter_range("2008Q1", "2009Q4")],
        "expected_layer": "board",
        "note": "Computed from the synthetic admissions: alcohol-related admissions rise about 7% a year, "
        "so the rolling 12-month rate climbs every quarter (a run far longer than 7 points) and is worse "
        "than target in 2009-10: a genuine, sustained deterioration against polarity.",
    },
    {
        "indicator_code": "NI123",
        "kind": "consistent_target_failure",
        "periods": [str(q) for q in quarter_range("2007Q1", "2009Q4")],
        "expected_layer": "board",
        "note": "Smoking quitters stay near 860 per 100,000 (common-cause variation only) while the "
        "target rises to 950, 1,000 and 1,050: off track in every quarter since 2007-08 and the target "
        "lies outside the process limits, so the process will not meet it without a change.",
    },
    {
        "indicator_code": "NI8",
        "kind": "steady_improvement",
        "periods": [str(q) for q in quarter_range("2007Q4", "2009Q4")],
        "expected_layer": "executive",
        "note": "Adult participation in sport rises by about half a point every quarter for 9 quarters "
        "(about 20.5% to 25.5%), ahead of target: a positive exception noted by the management group, not "
        "escalated.",
    },
]


def due_date(period: str) -> datetime.date:
    """The date a quarter's return is due: six weeks after the quarter ends."""
    return Quarter.parse(period).end + datetime.timedelta(days=DUE_AFTER_DAYS)


def _denominators(seed: int) -> dict[str, np.ndarray]:
    """Population denominators by population year 2004-2010.

    A synthetic geography smaller than the default city draws its returns on denominators scaled up
    to the city's size, so that its quiet series are as quiet (and its planted cases as clear).
    """
    p = pop_array(seed).astype(float)  # years x wards x sex x band
    if pop_factor() < 1:
        p = p / pop_factor()
    return {
        "all": p.sum(axis=(1, 2, 3)),
        "under75": p[..., :15].sum(axis=(1, 2, 3)),
        "adults16": p[..., 4:].sum(axis=(1, 2, 3)) + 0.8 * p[..., 3].sum(axis=(1, 2)),
        "females15_17": 0.6 * p[:, :, 1, 3].sum(axis=1),
        "working_age": p[..., 4:13].sum(axis=(1, 2, 3)) + 0.8 * p[..., 3].sum(axis=(1, 2)),
    }


def _special_cause(values: np.ndarray) -> bool:
    """True when a series shows special-cause variation on the usual SPC rules."""
    v = np.asarray(values, dtype=float)
    mean = v.mean()
    mr = np.abs(np.diff(v)).mean()
    sigma = mr / 1.128 if mr > 0 else 1e-9
    if np.any(np.abs(v - mean) > 3 * sigma):
        return True
    side = np.sign(v - mean)
    run = 1
    for a, b in zip(side[:-1], side[1:], strict=True):
        run = run + 1 if a == b and a != 0 else 1
        if run >= 7:
            return True
    step = np.sign(np.diff(v))
    run = 1
    for a, b in zip(step[:-1], step[1:], strict=True):
        run = run + 1 if a == b and a != 0 else 1
        if run >= 6:  # 6 consecutive changes in one direction = 7 points
            return True
    return False


def _on_track(values: np.ndarray, targets: np.ndarray, polarity: str) -> bool:
    """True when every value is on the right side of its target."""
    return bool(np.all(values <= targets) if polarity == "lower" else np.all(values >= targets))


def _on_track_each(values: np.ndarray, targets: np.ndarray, polarity: str) -> np.ndarray:
    return values <= targets if polarity == "lower" else values >= targets


def _periods(code: str, kind: str) -> list[str]:
    return next(p["periods"] for p in PLANTED if p["indicator_code"] == code and p["kind"] == kind)


def _draw(rng, spec: Spec, dens: dict[str, np.ndarray], path: np.ndarray) -> tuple:
    """One draw of (value, numerator, denominator) arrays for the quarters, around ``path``."""
    n = len(path)
    years = np.array([Quarter.parse(q).year - 2004 for q in QUARTERS])
    if spec.measure == "proportion":
        if isinstance(spec.denominator, str):
            den = np.round(dens[spec.denominator][years]).astype(int)
        else:
            den = np.round(spec.denominator * rng.normal(1, 0.02, n)).astype(int)
        num = rng.binomial(den, path / 100)
        value = np.round(num / den * 100, spec.decimals)
    elif spec.measure == "rate":
        den = np.round(dens[spec.denominator][years]).astype(int)
        num = rng.poisson(path * den / spec.multiplier)
        value = np.round(num / den * spec.multiplier, spec.decimals)
    elif spec.measure == "dsr":
        den = np.round(dens[spec.denominator][years]).astype(int)
        value = np.round(path * rng.normal(1, spec.noise, n), spec.decimals)
        num = np.round(value * den / spec.multiplier).astype(int)  # deaths, about
    else:  # count
        value = np.round(path * rng.normal(1, spec.noise, n)).astype(int)
        num, den = value.copy(), np.zeros(n, dtype=int)
    return value.astype(float), num, den


def _series(seed: int, code: str, spec: Spec, dens, admissions, pops, scale: float) -> pd.DataFrame:
    rng = stream(seed, "indicators/" + code)
    n = len(QUARTERS)
    targets = np.array([spec.targets[Quarter.parse(q).year - 2004] for q in QUARTERS])
    if code == "NI39":
        rows = []
        for q in QUARTERS:
            qq = Quarter.parse(q)
            start = (qq - 3).start
            if start < datetime.date(2004, 4, 1):
                continue  # no full 12 months of admissions yet
            dsr, weighted, pop = ni39(
                admissions, pops, start.isoformat(), qq.end.isoformat(), qq.year - 2004, scale
            )
            rows.append((q, round(dsr, 1), int(round(weighted)), pop))
        return pd.DataFrame(rows, columns=["period", "value", "numerator", "denominator"])
    path = np.full(n, spec.level, dtype=float)
    planted = {p["kind"] for p in PLANTED if p["indicator_code"] == code}
    quiet_idx = np.arange(n)
    if "steady_improvement" in planted:
        first = QUARTERS.index("2007Q4")
        path[first:] = spec.level + 0.1 + 0.55 * np.arange(1, n - first + 1)
        quiet_idx = np.arange(first)
    for _ in range(500):
        value, num, den = _draw(rng, spec, dens, path)
        if "steady_improvement" in planted:
            rising = value[first - 1 :]
            if not np.all(np.diff(rising) > 0):
                continue
        if _special_cause(value[quiet_idx]):
            continue
        if "consistent_target_failure" in planted:
            failing = np.array([q in _periods(code, "consistent_target_failure") for q in QUARTERS])
            margin = 0.95 if spec.polarity == "higher" else 1.05  # off track, not merely at risk
            ok = _on_track(value[~failing], targets[~failing], spec.polarity) and not np.any(
                _on_track_each(value[failing], targets[failing] * margin, spec.polarity)
            )
        else:
            ok = _on_track(value, targets, spec.polarity)
        if ok:
            break
    else:  # pragma: no cover - the levels are chosen so that a draw succeeds
        raise RuntimeError(f"could not draw a quiet series for {code}")
    return pd.DataFrame({"period": QUARTERS, "value": value, "numerator": num, "denominator": den})


def returns(seed: int, admissions: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """The partners' returns (``returns.csv``) with the planted anomalies applied."""
    dens = _denominators(seed)
    pops = pop_array(seed)
    frames = []
    for code, spec in INDICATORS.items():
        s = _series(seed, code, spec, dens, admissions, pops, scale)
        s.insert(0, "indicator_code", code)
        s["area_code"] = place_code()
        rng = stream(seed, "submissions/" + code)
        early = rng.integers(3, 26, len(s))
        s["submitted_on"] = [
            (due_date(p) - datetime.timedelta(days=int(d))).isoformat()
            for p, d in zip(s["period"], early, strict=True)
        ]
        s["submitted_by"] = placed(spec.submitted_by)
        if spec.measure == "count":
            s["denominator"] = pd.NA
        frames.append(s)
    df = pd.concat(frames, ignore_index=True)
    df = _plant(df)
    df["numerator"] = df["numerator"].astype("Int64")
    df["denominator"] = df["denominator"].astype("Int64")
    cols = ["indicator_code", "period", "area_code", "value", "numerator", "denominator"]
    return df[cols + ["submitted_on", "submitted_by"]].reset_index(drop=True)


def _row(df: pd.DataFrame, code: str, period: str) -> pd.Index:
    idx = df.index[(df["indicator_code"] == code) & (df["period"] == period)]
    assert len(idx) == 1, (code, period)
    return idx


def _plant(df: pd.DataFrame) -> pd.DataFrame:
    """Apply the data anomalies of :data:`PLANTED` (real changes are built into the series)."""
    df = df.copy()
    # missing return
    df = df.drop(_row(df, "NI116", "2009Q4")).reset_index(drop=True)
    # late return
    df.loc[_row(df, "NI32", "2009Q4"), "submitted_on"] = "2010-06-29"
    # denominator definition change: +30% from 2009Q3, numerator unchanged
    for p in ("2009Q3", "2009Q4"):
        i = _row(df, "NI152", p)
        den = int(round(float(df.loc[i, "denominator"].iloc[0]) * 1.30))
        df.loc[i, "denominator"] = den
        df.loc[i, "value"] = round(float(df.loc[i, "numerator"].iloc[0]) / den * 100, 1)
    # keying error: a digit dropped (1,2xx -> 1xx), back to normal next quarter
    i = _row(df, "NI40", "2009Q3")
    true = int(df.loc[i, "value"].iloc[0])
    digits = str(true)
    keyed = int(digits[0] + digits[2:])
    df.loc[i, ["value", "numerator"]] = [float(keyed), keyed]
    # implausible value: an extra leading 1 on a percentage
    i = _row(df, "NI56", "2009Q4")
    df.loc[i, "value"] = round(100 + float(df.loc[i, "value"].iloc[0]), 1)
    return df


def targets() -> pd.DataFrame:
    """Synthetic targets per indicator and financial year (``targets.csv``)."""
    rows = [
        (code, fy_label(fy), place_code(), spec.targets[k])
        for code, spec in INDICATORS.items()
        for k, fy in enumerate(FIN_YEARS)
    ]
    return pd.DataFrame(rows, columns=["indicator_code", "financial_year", "area_code", "target"])


def comparators() -> pd.DataFrame:
    """North East and England comparators per financial year (``comparators.csv``)."""
    rows = []
    for code, ((eng, ne), change) in COMPARATORS.items():
        for fy in FIN_YEARS:
            for name, base in (("England", eng), ("North East", ne)):
                if base is None:
                    continue
                if change is None:  # NI 39: about 7% a year either side of 2008-09
                    value = round(base * 1.07 ** (fy - 2008))
                    status = "found" if fy == 2008 else "estimated"
                else:
                    value = round(base + change * (fy - 2008), 2)
                    status = "estimated"
                rows.append((code, fy_label(fy), name, value, status))
    return pd.DataFrame(
        rows, columns=["indicator_code", "financial_year", "comparator", "value", "status"]
    )


def answers() -> list[dict]:
    """The answer file's entries (every planted case, with the area code)."""
    return [
        {
            "indicator_code": p["indicator_code"],
            "area_code": place_code(),
            "kind": p["kind"],
            "periods": p["periods"],
            "expected_layer": p["expected_layer"],
            "note": p["note"],
        }
        for p in PLANTED
    ]


def write(out_dir: Path, seed: int, admissions: pd.DataFrame, scale: float, answers_path: Path):
    """Write ``indicators/returns.csv``, ``targets.csv``, ``comparators.csv`` and the answer file."""
    ind = out_dir / "indicators"
    paths = [
        write_csv(ind / "returns.csv", returns(seed, admissions, scale)),
        write_csv(ind / "targets.csv", targets()),
        write_csv(ind / "comparators.csv", comparators()),
    ]
    doc = answers()
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    paths.append(write_bytes(answers_path, text.encode("utf-8")))
    return paths
