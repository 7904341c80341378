"""Synthetic hospital admission episodes for Sunderland residents, financial years 2004-05 to 2009-10.

Admissions are drawn condition group by condition group. Each group has ICD-10 codes, a relative rate by
age band for men and a ratio for women, a deprivation slope (rates x ``exp(dep * z)``, ``z`` the ward's
standardised IMD 2007 score, normalised so the city rate is kept), and a share of the NI 39 total. The
alcohol-attributable fractions used to plan the volumes (:data:`AAF`) are the project's illustrative
table (``resources/alcohol_fractions.csv``) copied here, so that the NI 39 figures in the indicator returns
are reproduced by the alcohol analysis. Volumes are scaled so that the AAF-weighted, directly
age-standardised rate (ESP 1976) of 2008-09 is about ``NI39_2008`` per 100,000 and rises ``TREND`` a
year (about 2,000 in 2006-07); alcohol-specific conditions are about 30% of the weighted total.

Chronic conditions (liver disease, hypertension, cancers) have an older age profile, acute ones
(intoxication, poisoning, assault, falls, self-harm) a younger one. Admissions peak in December and
winter, acute ones at weekends. Some alcohol conditions are secondary diagnoses behind a non-alcohol
primary; injuries carry the external cause as a secondary code. About a tenth of the episodes are not
alcohol-related at all (including near misses such as K71, K76, F11, T40 with X42), so that the
classification is tested.

>>> g = {name: grp for name, grp in ((g.name, g) for g in GROUPS)}
>>> aaf("I10", 50, "M"), aaf("I10", 50, "F"), aaf("F102", 30, "F"), aaf("K70", 10, "M")
(0.14, 0.04, 1.0, 1.0)
>>> aaf("I10", 10, "M"), aaf("C50", 50, "M")
(0.0, 0.0)
>>> round(sum(grp.share for grp in GROUPS), 6)
1.0
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ... import config
from ._common import FIN_YEARS, domain_wards, fy_days, layout_cache, stream, write_csv
from .population import pop_array

NI39_2008 = 2300.0
TREND = 1.07
NON_ALCOHOL_SHARE = 0.08

#: Illustrative alcohol-attributable fractions: code range -> (men, women) by age 0-15, 16-44, 45-64, 65+.
#: Copied from ``resources/alcohol_fractions.csv`` (status "illustrative"; specific conditions are 1).
AAF: dict[tuple[str, str], tuple[tuple[float, ...], tuple[float, ...]]] = {
    ("C00", "C14"): ((0, 0.40, 0.45, 0.35), (0, 0.20, 0.22, 0.15)),
    ("C15", "C15"): ((0, 0.35, 0.40, 0.30), (0, 0.15, 0.17, 0.12)),
    ("C18", "C21"): ((0, 0.10, 0.12, 0.08), (0, 0.04, 0.05, 0.03)),
    ("C22", "C22"): ((0, 0.30, 0.32, 0.25), (0, 0.12, 0.14, 0.10)),
    ("C32", "C32"): ((0, 0.35, 0.38, 0.30), (0, 0.15, 0.16, 0.12)),
    ("C50", "C50"): ((0, 0, 0, 0), (0, 0.08, 0.10, 0.07)),
    ("G40", "G41"): ((0, 0.25, 0.25, 0.15), (0, 0.15, 0.15, 0.10)),
    ("I10", "I15"): ((0, 0.12, 0.14, 0.10), (0, 0.03, 0.04, 0.02)),
    ("I47", "I48"): ((0, 0.20, 0.22, 0.15), (0, 0.10, 0.10, 0.07)),
    ("I85", "I85"): ((0, 0.55, 0.55, 0.45), (0, 0.45, 0.45, 0.35)),
    ("K73", "K74"): ((0, 0.60, 0.65, 0.55), (0, 0.50, 0.55, 0.45)),
    ("K85", "K85"): ((0, 0.30, 0.30, 0.20), (0, 0.15, 0.15, 0.10)),
    ("K861", "K861"): ((0, 0.70, 0.70, 0.60), (0, 0.55, 0.55, 0.45)),
    ("V01", "V89"): ((0.05, 0.25, 0.15, 0.07), (0.03, 0.12, 0.08, 0.04)),
    ("W00", "W19"): ((0.02, 0.25, 0.20, 0.08), (0.01, 0.15, 0.10, 0.04)),
    ("X60", "X84"): ((0.10, 0.30, 0.30, 0.20), (0.08, 0.25, 0.25, 0.15)),
    ("X85", "Y09"): ((0.10, 0.30, 0.27, 0.20), (0.07, 0.25, 0.20, 0.15)),
}
#: Alcohol-specific codes (AAF = 1 in any position), as in DOMAIN.md.
SPECIFIC = (
    "E244", "F10", "G312", "G621", "G721", "I426", "K292", "K70", "K852", "K860",
    "Q860", "R780", "T510", "T511", "T519", "X45", "X65", "Y15",
)  # fmt: skip


def aaf(code: str, age: int, sex: str) -> float:
    """The illustrative AAF of one ICD-10 code (no dot) for a person of ``age`` and ``sex``."""
    code = code.strip().upper()
    if any(code.startswith(s) for s in SPECIFIC):
        return 1.0
    k = 0 if age < 16 else 1 if age < 45 else 2 if age < 65 else 3
    for (lo, hi), (men, women) in AAF.items():
        head = code[: len(lo)]
        if lo <= head <= hi:
            return float((men if sex == "M" else women)[k])
    return 0.0


#: Relative admission rates by ESP 2013 band (0-4 ... 90+), men, of each profile of conditions
#: (a table of data: ``resources/synth/admission_age_profiles.csv``).
_P = {
    row[0]: [float(x) if "." in x else int(x) for x in row[1:]]
    for row in csv.reader(
        (config.RESOURCES_DIR / "synth" / "admission_age_profiles.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    if row[0] != "profile"
}

#: Non-alcohol primary diagnoses put in front of a secondary alcohol code, and in non-alcohol episodes.
FILLER_PRIMARY = (
    "J18", "R07", "N39", "R55", "K92", "R10", "J44", "I21", "I50", "R56", "L03", "K57", "I63", "E86",
    "R69", "J22", "K29", "S01", "S06",
)  # fmt: skip
#: Comorbidities added in later positions (none is alcohol-attributable).
FILLER_SECONDARY = ("E119", "J459", "Z864", "I251", "F329", "Z720", "E039", "M199", "N189", "E785")
#: Near misses: look alcohol-related but are not (AAF 0 in the table).
NEAR_MISS = (("K71",), ("K760",), ("F112",), ("F171",), ("T401", "X42"), ("W50",), ("Y90",))


@dataclass(frozen=True)
class Group:
    """A condition group: codes, age profile, sex and deprivation pattern, and its share of NI 39."""

    name: str
    specific: bool
    codes: tuple[str, ...]  # the alcohol code(s) to record, one drawn per episode
    profile: str
    female_ratio: float
    dep: float
    share: float  # share of the AAF-weighted NI 39 total
    secondary: float  # probability the code follows a non-alcohol primary
    external: tuple[str, ...] = ()  # injury groups: the codes are external causes behind these
    acute: bool = False
    male: float = 1.0  # men's rate relative to the profile (0 for breast cancer)


GROUPS: tuple[Group, ...] = (
    Group("intoxication", True, ("F100",), "intox", 0.7, 0.40, 0.065, 0.3, acute=True),
    Group("dependence", True, ("F102", "F102", "F103", "F109", "F105", "F104"), "depend", 0.45, 0.50, 0.14, 0.4),
    Group("alcoholic liver disease", True, ("K703", "K700", "K701", "K709", "K704"), "liver", 0.55, 0.45, 0.07, 0.25),
    Group("other specific chronic", True, ("K292", "K860", "G621", "I426", "G312", "E244", "G721"), "liver", 0.4, 0.4, 0.015, 0.3),
    Group("alcohol poisoning", True, ("T510", "T519", "R780", "T511"), "intox", 0.8, 0.35, 0.015, 0.2,
          external=("X45", "X45", "Y15", "X65"), acute=True),
    Group("alcohol-induced pancreatitis", True, ("K852",), "pancreas", 0.5, 0.35, 0.01, 0.1),
    Group("hypertensive disease", False, ("I10", "I10", "I10", "I119", "I120", "I139", "I150"), "circ", 0.5, 0.15, 0.02, 0.85),
    Group("cardiac arrhythmia", False, ("I48", "I48", "I471", "I472"), "circ", 0.6, 0.15, 0.025, 0.5),
    Group("cancers", False, ("C15", "C22", "C32", "C029", "C099", "C109", "C139", "C18", "C20"), "cancer", 0.6, 0.20, 0.055, 0.2),
    Group("breast cancer", False, ("C50",), "cancer", 1.0, 0.05, 0.003, 0.2, male=0.0),
    Group("liver cirrhosis", False, ("K746", "K740", "K746", "K732"), "liver", 0.65, 0.40, 0.15, 0.3),
    Group("oesophageal varices", False, ("I850", "I859"), "liver", 0.6, 0.40, 0.04, 0.3),
    Group("acute pancreatitis", False, ("K850", "K851", "K859"), "pancreas", 0.8, 0.25, 0.035, 0.1),
    Group("chronic pancreatitis", False, ("K861",), "pancreas", 0.6, 0.30, 0.04, 0.2),
    Group("epilepsy", False, ("G409", "G403", "G400", "G41"), "epilepsy", 0.85, 0.25, 0.05, 0.4),
    Group("falls", False, ("S069", "S52", "S72", "S42", "S82", "S01", "S00"), "falls", 0.7, 0.20, 0.055, 0.0,
          external=("W01", "W10", "W18", "W19", "W19", "W06"), acute=True),
    Group("assault", False, ("S02", "S01", "S069", "S00", "S62", "S27"), "young", 0.35, 0.45, 0.132, 0.0,
          external=("Y04", "Y04", "X99", "Y00", "Y08", "X85"), acute=True),
    Group("self-harm", False, ("T39", "T42", "T43", "S51", "T50"), "selfharm", 1.4, 0.40, 0.065, 0.0,
          external=("X60", "X61", "X62", "X64", "X78"), acute=True),
    Group("road traffic", False, ("S069", "S72", "S42", "S82", "S22"), "rta", 0.5, 0.15, 0.015, 0.0,
          external=("V43", "V23", "V03", "V89", "V47"), acute=True),
)  # fmt: skip

_BAND_LO = np.array([int(b.split("-")[0].rstrip("+")) for b in config.ESP2013_BANDS])
_MONTH_WEIGHT = {
    False: [
        0.95,
        0.95,
        0.93,
        0.92,
        0.92,
        0.95,
        1.0,
        1.03,
        1.12,
        1.15,
        1.05,
        1.03,
    ],  # Apr..Mar, chronic
    True: [
        0.95,
        0.97,
        0.95,
        1.0,
        1.0,
        0.93,
        0.98,
        1.0,
        1.35,
        1.0,
        0.92,
        0.95,
    ],  # acute: December peak
}


def _group_aaf_by_band(g: Group) -> np.ndarray:
    """AAF of the group's alcohol codes (mean over its codes) by sex and band: shape (2, 19)."""
    codes = g.external or g.codes
    out = np.zeros((2, 19))
    for s, sex in enumerate(("M", "F")):
        for b, lo in enumerate(_BAND_LO):
            out[s, b] = np.mean([aaf(c, int(lo) + 2, sex) for c in codes])
    return out


def _rel_rates(g: Group) -> np.ndarray:
    prof = np.array(_P[g.profile], dtype=float)
    return np.stack([prof * g.male, prof * g.female_ratio])  # (2, 19)


def _dep_multiplier(dep: float, pop_w: np.ndarray) -> np.ndarray:
    z = domain_wards()["imd_z"].to_numpy()
    m = np.exp(dep * z)
    return m / np.average(m, weights=pop_w)


def _esp1976(values19: np.ndarray) -> np.ndarray:
    """Collapse the last two ESP 2013 bands (85-89, 90+) into 85+ (last axis)."""
    return np.concatenate(
        [values19[..., :17], values19[..., 17:].sum(axis=-1, keepdims=True)], axis=-1
    )


@layout_cache
def _scales(seed: int) -> dict[str, float]:
    """Per-group multipliers giving each group its share of NI 39 = ``NI39_2008`` in 2008-09."""
    pop = pop_array(seed)[4].astype(float)  # 2008: wards x sex x band
    std = np.array(config.ESP1976, dtype=float)
    out = {}
    for g in GROUPS:
        dep = _dep_multiplier(g.dep, pop.sum(axis=(1, 2)))
        expected = _rel_rates(g)[None] * dep[:, None, None] * pop / 1e5  # per unit scale
        weighted = (expected * _group_aaf_by_band(g)[None]).sum(axis=(0, 1))
        rate = _esp1976(weighted) / _esp1976(pop.sum(axis=(0, 1))) * 1e5
        dsr = float((rate * std).sum() / std.sum())
        out[g.name] = g.share * NI39_2008 / dsr
    return out


def _dates(rng, fy: int, n: int, acute: bool, trend: float) -> np.ndarray:
    days = fy_days(fy)
    month = np.asarray((days.month - 4) % 12)
    w = np.array(_MONTH_WEIGHT[acute])[month]
    if acute:
        w = w * np.where(np.asarray(days.day_of_week) >= 5, 1.5, 1.0)
    w = w * trend ** (np.arange(len(days)) / len(days) - 0.5)
    return np.asarray(days[rng.choice(len(days), size=n, p=w / w.sum())])


def _ages(rng, bands: np.ndarray) -> np.ndarray:
    lo = _BAND_LO[bands]
    age = lo + rng.integers(0, 5, len(bands))
    old = bands == 18
    age[old] = 90 + np.minimum(rng.geometric(0.3, old.sum()) - 1, 15)
    return age


def _aaf_vector(codes: np.ndarray, age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """:func:`aaf` for many episodes, computed once per distinct (code, age group, sex)."""
    group = np.digitize(age, [16, 45, 65])
    key = pd.Series(codes).str.cat([pd.Series(group.astype(str)), pd.Series(sex)], sep="|")
    lookup = {
        k: aaf(k.split("|")[0], (0, 16, 45, 65)[int(k.split("|")[1])], k.split("|")[2])
        for k in key.unique()
    }
    return key.map(lookup).to_numpy(dtype=float)


def _add_comorbidities(rng, diag: np.ndarray) -> None:
    """Put 0-4 distinct non-alcohol comorbidity codes in the free positions after the first codes."""
    n = len(diag)
    extra = np.minimum(rng.poisson(0.3, n), 4)
    first_free = np.where(diag[:, 1] == "", 1, 2)
    pool = rng.permuted(np.tile(np.array(FILLER_SECONDARY, dtype=object), (n, 1)), axis=1)
    rows = np.arange(n)
    for j in range(4):
        pos = first_free + j
        ok = (extra > j) & (pos < 6)
        diag[rows[ok], pos[ok]] = pool[ok, j]


def _draw_cells(rng, expected: np.ndarray, scale: float):
    """Poisson counts per cell of ``expected`` (wards x sex x band); indices of each episode."""
    counts = rng.poisson(expected * scale)
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    return np.unravel_index(flat, counts.shape)


def admissions(seed: int = config.DEFAULT_SEED, scale: float = 1.0) -> pd.DataFrame:
    """Episode table with the contract's columns plus ``group`` and ``aaf`` (not written to the file)."""
    rng = stream(seed, "hospital")
    pops = pop_array(seed).astype(float)
    w = domain_wards()
    scales = _scales(seed)
    parts = []
    for t, fy in enumerate(FIN_YEARS):
        pop = pops[t]
        popw = pop.sum(axis=(1, 2))
        trend = TREND ** (fy - 2008)
        n_year = 0
        for g in (*GROUPS, None):
            if g is None:  # non-alcohol episodes
                rel = np.stack([np.array(_P["general"])] * 2)
                dep = _dep_multiplier(0.1, popw)
                base = rel[None] * dep[:, None, None] * pop
                # a NON_ALCOHOL_SHARE of the year's episodes (scale is applied when drawing)
                expected = (
                    base / base.sum() * n_year / scale * NON_ALCOHOL_SHARE / (1 - NON_ALCOHOL_SHARE)
                )
            else:
                expected = (
                    (
                        scales[g.name]
                        * _rel_rates(g)[None]
                        * _dep_multiplier(g.dep, popw)[:, None, None]
                    )
                    * pop
                    / 1e5
                    * trend
                )
            wi, si, bi = _draw_cells(rng, expected, scale)
            n = len(wi)
            n_year += n
            if n == 0:
                continue
            sex = np.array(["M", "F"])[si]
            age = _ages(rng, bi)
            acute = True if g is None else g.acute
            dates = _dates(rng, fy, n, acute, TREND if g is not None else 1.0)
            diag = np.full((n, 6), "", dtype=object)
            if g is None:
                diag[:, 0] = rng.choice(FILLER_PRIMARY, n)
                miss = np.flatnonzero(rng.random(n) < 0.25)
                picks = rng.integers(0, len(NEAR_MISS), len(miss))
                for k, pick in zip(miss, picks, strict=True):
                    nm = NEAR_MISS[pick]
                    if nm[-1].startswith(("W", "X", "Y")):  # an external cause: secondary position
                        diag[k, 1] = nm[-1]
                        if len(nm) == 2:
                            diag[k, 0] = nm[0]
                    else:
                        diag[k, 0] = nm[0]
                name, weights = "non-alcohol", np.zeros(n)
            else:
                code = rng.choice(g.codes, n)
                if g.external:
                    diag[:, 0] = code
                    diag[:, 1] = rng.choice(g.external, n)
                    alcohol_code = diag[:, 1]
                else:
                    second = rng.random(n) < g.secondary
                    diag[:, 0] = np.where(second, rng.choice(FILLER_PRIMARY, n), code)
                    diag[:, 1] = np.where(second, code, "")
                    alcohol_code = code
                name = g.name
                weights = _aaf_vector(alcohol_code, age, sex)
            _add_comorbidities(rng, diag)
            frame = pd.DataFrame(
                {
                    "admission_date": dates,
                    "age": age,
                    "sex": sex,
                    "ward_code": w.ward_code.to_numpy()[wi],
                    "_band": bi,
                    "group": name,
                    "aaf": weights,
                }
            )
            for p in range(6):
                frame[f"diag_{p + 1:02d}"] = diag[:, p]
            parts.append(frame)
    df = pd.concat(parts, ignore_index=True)
    df = df.sort_values(
        ["admission_date", "ward_code", "sex", "age", "diag_01", "diag_02"], kind="stable"
    )
    df = df.reset_index(drop=True)
    df.insert(0, "patient_id", _patients(rng, df))
    df.insert(0, "episode_id", [f"EP{k:08d}" for k in range(1, len(df) + 1)])
    df["admission_date"] = pd.to_datetime(df["admission_date"]).dt.strftime("%Y-%m-%d")
    return df.drop(columns="_band")


def _patients(rng, df: pd.DataFrame) -> np.ndarray:
    """Pseudonymous patient ids: episodes of one ward, sex and age band draw from a pool of patients, so
    that some people are admitted more than once (people with dependence or liver disease more often).
    """
    heavy = df["group"].isin(["dependence", "alcoholic liver disease"])
    key = df["ward_code"] + df["sex"] + df["_band"].astype(str) + heavy.map({True: "h", False: ""})
    ids = np.empty(len(df), dtype=np.int64)
    order = rng.permutation(10_000_000)  # running number -> pseudonym
    next_id = 0
    for k, idx in df.groupby(key, sort=True).indices.items():
        size = max(1, int(round(len(idx) * (0.45 if k.endswith("h") else 0.85))))
        ids[idx] = order[next_id + rng.integers(0, size, len(idx))]
        next_id += size
    return np.char.add("P", np.char.zfill(ids.astype(str), 7))


COLUMNS = ["episode_id", "patient_id", "admission_date", "age", "sex", "ward_code"] + [
    f"diag_{p:02d}" for p in range(1, 7)
]


def write(out_dir: Path, seed: int, scale: float, df: pd.DataFrame | None = None) -> list[Path]:
    """Write ``hospital/admissions.csv.gz``."""
    df = admissions(seed, scale) if df is None else df
    return [write_csv(out_dir / "hospital" / "admissions.csv.gz", df[COLUMNS])]


def ni39(
    df: pd.DataFrame, pops: np.ndarray, start: str, end: str, year_index: int, scale: float = 1.0
):
    """NI 39 over admissions dated ``start``..``end`` (inclusive ISO dates): the AAF-weighted rate per
    100,000, directly standardised to the ESP 1976, with population year ``year_index`` (0 = 2004).

    Returns ``(dsr, weighted count, population)``; counts are divided by ``scale``.
    """
    sel = df[(df["admission_date"] >= start) & (df["admission_date"] <= end)]
    band = np.minimum(sel["age"].to_numpy() // 5, 17)
    weighted = np.bincount(band, weights=sel["aaf"].to_numpy(), minlength=18) / scale
    pop = _esp1976(pops[year_index].sum(axis=(0, 1)))
    std = np.array(config.ESP1976, dtype=float)
    dsr = float((weighted / pop * 1e5 * std).sum() / std.sum())
    return dsr, float(weighted.sum()), int(pops[year_index].sum())
