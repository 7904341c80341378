"""Wellness service: who is referred, who takes up the offer, who completes, and whether distance or
deprivation stands in the way.

The analysis covers the four financial-year quarters to a chosen quarter (a rolling year), one centre or
all six, and one population group. Everything a notebook shows comes from :func:`analyse`, which returns
a :class:`WellnessAnalysis` of tidy tables; the chart helpers turn those tables into figures with alt
text. Each function also works on its own with small DataFrames.

Definitions
-----------
referral
    a referral received in the window (``referral_date`` within it), by the referral's ward of residence.
take-up
    the referral led to a first attendance (``took_up`` = 1). *Take-up* is a percentage of referrals;
    *uptake* is the number of people taking up per 1,000 adults (16+) in the population.
12-week completion
    ``completed_12wk`` = 1, as a percentage of those who took up the offer.
outcome
    change in BMI (kg/m2) among completers; negative is a loss.
adult population
    mid-year estimate of people aged 16 and over for the year in which the middle of the window falls. The
    population is held in five-year bands, so 16-19 year olds are taken as four fifths of the 15-19 band
    (an assumption, stated in the notebook).

Access
------
Distances are straight lines in British National Grid metres, from each ward's population point to the
nearest centre. With no population below ward level, the population is assumed to be spread evenly over
each ward, so the population-weighted point is the ward's area centroid. The two-step floating catchment
area (2SFCA) measure uses PySAL's ``access`` package with each centre's capacity (equal unless given) as
supply and the adult population as demand. The coverage model (:func:`seventh_centre`) spreads each ward's
adults evenly over a grid of points and uses PySAL's ``spopt`` maximal covering location problem (MCLP)
with the six centres fixed, solved by the CBC solver bundled with ``pulp``.

Inequality
----------
The slope index of inequality (SII) is the slope of a weighted least-squares regression of the measure on
the cumulative rank midpoint of each deprivation quintile's population, ordered from the least deprived
(rank 0) to the most deprived (rank 1): it is the modelled difference between the most and the least
deprived ends, positive when the measure is higher in deprived areas. The relative index (RII) is the SII
divided by the population-weighted mean, as in Public Health England's tools. Intervals come from a
seeded simulation of each quintile's value from its own confidence interval.

>>> resolve_population_group("Women")
'women'
>>> population_group_filter("16-34")
(None, ('16-24', '25-34'))
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ParameterError, PeriodError
from ..formatting import interval, number, table_formats
from ..periods import Quarter, resolve

#: Age bands used in the referral records (adults, 16+).
REFERRAL_AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")

#: The population groups a report may be restricted to: (sex or None, referral age bands).
POPULATION_GROUPS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "all": (None, REFERRAL_AGE_BANDS),
    "men": ("M", REFERRAL_AGE_BANDS),
    "women": ("F", REFERRAL_AGE_BANDS),
    "16-34": (None, ("16-24", "25-34")),
    "35-64": (None, ("35-44", "45-54", "55-64")),
    "65+": (None, ("65-74", "75+")),
}

#: Five-year population bands (ESP 2013) -> (referral age band, share of the band that is in it).
POPULATION_TO_REFERRAL_BAND: dict[str, tuple[str, float]] = {
    "15-19": ("16-24", 0.8),
    "20-24": ("16-24", 1.0),
    "25-29": ("25-34", 1.0),
    "30-34": ("25-34", 1.0),
    "35-39": ("35-44", 1.0),
    "40-44": ("35-44", 1.0),
    "45-49": ("45-54", 1.0),
    "50-54": ("45-54", 1.0),
    "55-59": ("55-64", 1.0),
    "60-64": ("55-64", 1.0),
    "65-69": ("65-74", 1.0),
    "70-74": ("65-74", 1.0),
    "75-79": ("75+", 1.0),
    "80-84": ("75+", 1.0),
    "85-89": ("75+", 1.0),
    "90+": ("75+", 1.0),
}

#: Number of quarters an analysis covers (a rolling year ending at the chosen quarter).
WINDOW_QUARTERS = 4

#: Default 2SFCA catchment (straight-line metres) and coverage-model service radius.
DEFAULT_CATCHMENT_M = 5000.0
DEFAULT_SERVICE_RADIUS_M = 2000.0

_Z95 = 1.959963984540054


# ---------------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WellnessParameters:
    """Validated parameters of one wellness analysis.

    Attributes
    ----------
    period : Quarter
        The last quarter of the window.
    quarters : tuple of Quarter
        The quarters covered, oldest first.
    centre_id : str or None
        The centre analysed, or None for all centres.
    centre_name : str
        The centre's name, or ``"All centres"``.
    population_group : str
        One of :data:`POPULATION_GROUPS`.
    """

    period: Quarter
    quarters: tuple[Quarter, ...]
    centre_id: str | None
    centre_name: str
    population_group: str

    @property
    def window_label(self) -> str:
        """The window in words, e.g. ``'2009-10 Q1 to 2009-10 Q4'``."""
        return f"{self.quarters[0].label} to {self.quarters[-1].label}"

    @property
    def start(self):
        return self.quarters[0].start

    @property
    def end(self):
        return self.quarters[-1].end

    @property
    def population_year(self) -> int:
        """The mid-year estimate used as the denominator: the year the window's midpoint falls in."""
        mid = self.start + (self.end - self.start) / 2
        return mid.year

    @property
    def group_label(self) -> str:
        return {
            "all": "all adults (16+)",
            "men": "men (16+)",
            "women": "women (16+)",
            "16-34": "adults aged 16-34",
            "35-64": "adults aged 35-64",
            "65+": "adults aged 65+",
        }[self.population_group]


def resolve_population_group(group: str) -> str:
    """Normalise a population group name, or raise :class:`ParameterError` listing the allowed ones.

    >>> resolve_population_group(" MEN ")
    'men'
    >>> resolve_population_group("children")
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: population_group 'children' is not known; use one of: all, men, women, 16-34, 35-64, 65+
    """
    key = str(group).strip().lower()
    if key not in POPULATION_GROUPS:
        raise ParameterError(
            f"population_group {group!r} is not known; use one of: {', '.join(POPULATION_GROUPS)}"
        )
    return key


def population_group_filter(group: str) -> tuple[str | None, tuple[str, ...]]:
    """The sex (or None for both) and the referral age bands of a population group."""
    return POPULATION_GROUPS[resolve_population_group(group)]


def resolve_centre(centre: str, centres: pd.DataFrame) -> tuple[str | None, str]:
    """Find a centre by id or name (case-insensitive); ``"all"`` means every centre.

    Parameters
    ----------
    centre : str
        ``"all"``, a centre id such as ``"WC3"``, or a centre name.
    centres : DataFrame
        With ``centre_id`` and ``centre_name``.

    Returns
    -------
    (centre_id or None, centre name or "All centres")

    Raises
    ------
    ParameterError
        When the centre is not known; the message lists every centre.

    Examples
    --------
    >>> c = pd.DataFrame({"centre_id": ["WC1", "WC2"], "centre_name": ["Aquatic", "Seaburn"]})
    >>> resolve_centre("seaburn", c), resolve_centre("WC1", c), resolve_centre("all", c)
    (('WC2', 'Seaburn'), ('WC1', 'Aquatic'), (None, 'All centres'))
    >>> resolve_centre("Nowhere", c)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: centre 'Nowhere' is not known; use "all" or one of: WC1 (Aquatic), WC2 (Seaburn)
    """
    key = str(centre).strip().lower()
    if key == "all":
        return None, "All centres"
    for cid, name in zip(centres["centre_id"], centres["centre_name"], strict=True):
        if key in (str(cid).lower(), str(name).strip().lower()):
            return str(cid), str(name)
    listing = ", ".join(
        f"{cid} ({name})"
        for cid, name in sorted(zip(centres["centre_id"], centres["centre_name"], strict=True))
    )
    raise ParameterError(f'centre {centre!r} is not known; use "all" or one of: {listing}')


def validate_parameters(
    period: str,
    centre: str,
    population_group: str,
    *,
    centres: pd.DataFrame,
    available_periods: Iterable[str],
) -> WellnessParameters:
    """Check the notebook's parameters against the data and resolve them.

    Parameters
    ----------
    period : str
        ``"latest"`` or a quarter ``YYYYQn``: the last quarter of the four-quarter window.
    centre : str
        ``"all"`` or a centre id or name.
    population_group : str
        One of :data:`POPULATION_GROUPS`.
    centres : DataFrame
        The centres (``centre_id``, ``centre_name``).
    available_periods : iterable of str
        The quarters present in the referral data.

    Raises
    ------
    ParameterError
        Unknown centre or population group, or a window that starts before the data does.
    PeriodError
        A malformed period or one outside the data.

    Examples
    --------
    >>> c = pd.DataFrame({"centre_id": ["WC1"], "centre_name": ["Aquatic"]})
    >>> avail = ["2008Q1", "2008Q2", "2008Q3", "2008Q4", "2009Q1"]
    >>> p = validate_parameters("latest", "all", "women", centres=c, available_periods=avail)
    >>> p.window_label, p.population_year, p.centre_name
    ('2008-09 Q2 to 2009-10 Q1', 2008, 'All centres')
    >>> validate_parameters("2008Q2", "all", "all", centres=c, available_periods=avail)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: period 2008Q2 needs the 4 quarters 2007Q3 to 2008Q2, but the data starts at 2008Q1; choose 2008Q4 or later
    """
    available = sorted({Quarter.parse(a) for a in available_periods})
    try:
        last = resolve(period, available)
    except PeriodError:
        raise
    first = last - (WINDOW_QUARTERS - 1)
    if first < available[0]:
        raise ParameterError(
            f"period {last} needs the {WINDOW_QUARTERS} quarters {first} to {last}, but the data starts "
            f"at {available[0]}; choose {available[0] + (WINDOW_QUARTERS - 1)} or later"
        )
    centre_id, centre_name = resolve_centre(centre, centres)
    group = resolve_population_group(population_group)
    quarters = tuple(first + i for i in range(WINDOW_QUARTERS))
    params = WellnessParameters(last, quarters, centre_id, centre_name, group)
    if centre_id is not None and centre_id not in set(open_centres(centres, params)["centre_id"]):
        opened = centres.loc[centres["centre_id"].astype(str) == centre_id, "opened"].iloc[0]
        raise ParameterError(
            f"centre {centre_name} ({centre_id}) opened on {pd.Timestamp(opened).date()}, after the window "
            f"{params.window_label}; choose a later period or another centre"
        )
    return params


def open_centres(centres, params: WellnessParameters):
    """The centres open at some time in the window (``opened`` on or before its last day).

    Without an ``opened`` column every centre counts as open.
    """
    if "opened" not in centres.columns:
        return centres
    opened = pd.to_datetime(centres["opened"])
    keep = (opened <= pd.Timestamp(params.end)).to_numpy() | opened.isna().to_numpy()
    return centres.loc[keep].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------
# Selecting records and denominators
# ---------------------------------------------------------------------------------------------------


def select_referrals(referrals: pd.DataFrame, params: WellnessParameters) -> pd.DataFrame:
    """The referrals in the window, for the centre and population group of ``params``.

    Uses the ``period`` column (``YYYYQn``) to pick the window.
    """
    periods = {str(q) for q in params.quarters}
    keep = referrals["period"].astype(str).isin(periods)
    if params.centre_id is not None:
        keep &= referrals["centre_id"].astype(str) == params.centre_id
    sex, bands = population_group_filter(params.population_group)
    if sex is not None:
        keep &= referrals["sex"].astype(str) == sex
    keep &= referrals["age_band"].astype(str).isin(bands)
    return referrals.loc[keep].reset_index(drop=True)


def adult_population(
    population: pd.DataFrame,
    year: int,
    group: str = "all",
    by: Sequence[str] = ("ward_code",),
) -> pd.DataFrame:
    """Adults (16+) in the group, from five-year band estimates, summed over ``by``.

    The 15-19 band counts four fifths towards 16+. If ``year`` is not in the table the nearest year is
    used. ``by`` may include ``sex`` and ``age_band`` (which then means the referral age band).

    Examples
    --------
    >>> pop = pd.DataFrame({"year": 2008, "ward_code": "W1", "sex": ["M", "F", "M"],
    ...                     "age_band": ["10-14", "15-19", "70-74"], "population": [100, 100, 50]})
    >>> adult_population(pop, 2008)
      ward_code  population
    0        W1        130.0
    >>> adult_population(pop, 2010, "men", by=["ward_code", "age_band"])
      ward_code age_band  population
    0        W1    65-74        50.0
    """
    years = np.array(sorted(population["year"].unique()))
    use = int(years[np.argmin(np.abs(years - year))])
    p = population.loc[
        population["year"] == use, ["ward_code", "sex", "age_band", "population"]
    ].copy()
    p["age_band"] = p["age_band"].astype(str)
    p = p[p["age_band"].isin(list(POPULATION_TO_REFERRAL_BAND))]
    p["share"] = p["age_band"].map(lambda b: POPULATION_TO_REFERRAL_BAND[b][1]).astype(float)
    p["age_band"] = p["age_band"].map(lambda b: POPULATION_TO_REFERRAL_BAND[b][0])
    p["population"] = p["population"].astype(float) * p["share"]
    sex, bands = population_group_filter(group)
    if sex is not None:
        p = p[p["sex"].astype(str) == sex]
    p = p[p["age_band"].isin(bands)]
    out = p.groupby(list(by), as_index=False, observed=True)["population"].sum()
    return out.sort_values(list(by)).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------
# Rates, proportions and means (wrappers over lsp_research.stats)
# ---------------------------------------------------------------------------------------------------


def _rate(df: pd.DataFrame, x: str, n: str, prefix: str, multiplier: float = 1000) -> pd.DataFrame:
    """Add ``<prefix>``, ``<prefix>_lowercl`` and ``<prefix>_uppercl`` per row: crude rate of x per n."""
    from .. import stats

    out = df.reset_index(drop=True)
    res = stats.crude_rate(out[[x, n]], x=x, n=n, multiplier=multiplier)
    out[prefix] = res["value"].to_numpy()
    out[f"{prefix}_lowercl"] = res["lowercl"].to_numpy()
    out[f"{prefix}_uppercl"] = res["uppercl"].to_numpy()
    return out


def _prop(df: pd.DataFrame, x: str, n: str, prefix: str) -> pd.DataFrame:
    """Add a Wilson percentage ``<prefix>`` with limits per row (missing where n is 0)."""
    from .. import stats

    out = df.reset_index(drop=True)
    ok = (out[n] > 0).to_numpy()
    value = np.full(len(out), np.nan)
    lower, upper = value.copy(), value.copy()
    if ok.any():
        res = stats.proportion(out.loc[ok, [x, n]], x=x, n=n, multiplier=100)
        value[ok] = res["value"].to_numpy()
        lower[ok] = res["lowercl"].to_numpy()
        upper[ok] = res["uppercl"].to_numpy()
    out[prefix] = value
    out[f"{prefix}_lowercl"] = lower
    out[f"{prefix}_uppercl"] = upper
    return out


def _mean_by(records: pd.DataFrame, x: str, by: list[str]) -> pd.DataFrame:
    """Mean of x with a Student's t interval for each group of ``by`` (limits missing below 2 values)."""
    from .. import stats

    rec = records.dropna(subset=[x])
    cols = [*by, f"{x}_n", f"{x}_mean", f"{x}_lowercl", f"{x}_uppercl"]
    if rec.empty:
        return pd.DataFrame(columns=cols)
    res = stats.mean_ci(rec, x=x, by=by or None)
    out = res[[*by, "value_count", "value", "lowercl", "uppercl"]].copy()
    out.columns = cols
    return out


STAGE_COUNTS = ("referrals", "took_up", "completed")


def stage_table(referrals: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Referrals, take-up and 12-week completion (Wilson 95% intervals) and BMI change, by group.

    Parameters
    ----------
    referrals : DataFrame
        Referral records with ``took_up``, ``completed_12wk``, ``bmi_change`` and the ``by`` columns.
    by : str or list of str, optional
        Grouping columns (e.g. ``"age_band"``, ``["centre_id"]``); None gives one city row.

    Returns
    -------
    DataFrame
        ``by`` columns, ``referrals``, ``took_up``, ``takeup_pct`` (+ ``_lowercl``/``_uppercl``),
        ``completed``, ``completion_pct`` (of referrals, + limits), ``bmi_change_n``,
        ``bmi_change_mean`` (kg/m2, + limits).
    """
    by_list = [by] if isinstance(by, str) else list(by or [])
    r = referrals.copy()
    r["_ref"] = 1
    r["took_up"] = r["took_up"].astype(int)
    r["completed_12wk"] = r["completed_12wk"].astype(int)
    if by_list:
        counts = r.groupby(by_list, observed=True, sort=True).agg(
            referrals=("_ref", "sum"),
            took_up=("took_up", "sum"),
            completed=("completed_12wk", "sum"),
        )
        counts = counts.reset_index()
    else:
        counts = pd.DataFrame(
            {
                "referrals": [int(r["_ref"].sum())],
                "took_up": [int(r["took_up"].sum())],
                "completed": [int(r["completed_12wk"].sum())],
            }
        )
    counts[list(STAGE_COUNTS)] = counts[list(STAGE_COUNTS)].astype("int64")
    out = _prop(counts, "took_up", "referrals", "takeup_pct")
    out = _prop(out, "completed", "referrals", "completion_pct")
    completers = r[r["completed_12wk"] == 1].copy()
    completers["bmi_change"] = pd.to_numeric(completers["bmi_change"], errors="coerce")
    bmi = _mean_by(completers, "bmi_change", by_list)
    if by_list:
        out = out.merge(bmi, on=by_list, how="left")
        out["bmi_change_n"] = out["bmi_change_n"].fillna(0).astype("int64")
    else:
        out = pd.concat([out, bmi.reset_index(drop=True)], axis=1)
    return out


def rates_by(
    referrals: pd.DataFrame, adults: pd.DataFrame, by: str | Sequence[str], multiplier: float = 1000
) -> pd.DataFrame:
    """Referral and uptake rates per 1,000 adults, take-up and completion, by ``by``.

    Parameters
    ----------
    referrals : DataFrame
        Selected referral records with the ``by`` columns, ``took_up`` and ``completed_12wk``.
    adults : DataFrame
        The ``by`` columns and ``population`` (adults in the group); one row per group reported.
    by : str or list of str
        Grouping columns present in both frames.
    multiplier : float
        Rates per this many adults (default 1,000).

    Returns
    -------
    DataFrame
        One row per group of ``adults``: ``population``, ``referrals``, ``referral_rate``
        (+ ``_lowercl``/``_uppercl``), ``took_up``, ``uptake_rate`` (+ limits), ``completed``,
        ``takeup_pct`` and ``completion_pct`` (+ Wilson limits). Groups with no referrals have counts 0.

    Examples
    --------
    >>> refs = pd.DataFrame({"ward_code": ["A", "A", "B"], "took_up": [1, 0, 1],
    ...                      "completed_12wk": [1, 0, 0], "bmi_change": [-1.0, None, None]})
    >>> pop = pd.DataFrame({"ward_code": ["A", "B", "C"], "population": [1000, 500, 800]})
    >>> rates_by(refs, pop, "ward_code")[["ward_code", "referrals", "referral_rate", "took_up", "takeup_pct"]]
      ward_code  referrals  referral_rate  took_up  takeup_pct
    0         A          2            2.0        1        50.0
    1         B          1            2.0        1       100.0
    2         C          0            0.0        0         NaN
    """
    by_list = [by] if isinstance(by, str) else list(by)
    bmi_cols = ["bmi_change_n", "bmi_change_mean", "bmi_change_lowercl", "bmi_change_uppercl"]
    counts = stage_table(referrals, by_list)[[*by_list, *STAGE_COUNTS, *bmi_cols]]
    base = adults[[*by_list, "population"]].copy()
    out = base.merge(counts, on=by_list, how="left")
    out[[*STAGE_COUNTS, "bmi_change_n"]] = (
        out[[*STAGE_COUNTS, "bmi_change_n"]].fillna(0).astype("int64")
    )
    out["population"] = out["population"].round().astype("int64")
    out = _rate(out, "referrals", "population", "referral_rate", multiplier)
    out = _rate(out, "took_up", "population", "uptake_rate", multiplier)
    out = _prop(out, "took_up", "referrals", "takeup_pct")
    out = _prop(out, "completed", "referrals", "completion_pct")
    return out.sort_values(by_list).reset_index(drop=True)


def ward_rates(
    referrals: pd.DataFrame, adults: pd.DataFrame, wards: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Referrals and uptake per 1,000 adults by ward (:func:`rates_by` on ``ward_code``).

    ``wards``, when given, adds ``ward_name``, ``imd_quintile`` and ``imd2007_score``.
    """
    refs = referrals.assign(ward_code=referrals["ward_code"].astype(str))
    pop = adults.assign(ward_code=adults["ward_code"].astype(str))
    out = rates_by(refs, pop, "ward_code")
    if wards is not None:
        extra = [c for c in ("ward_name", "imd_quintile", "imd2007_score") if c in wards.columns]
        w = pd.DataFrame(wards[["ward_code", *extra]]).copy()
        w["ward_code"] = w["ward_code"].astype(str)
        out = w.merge(out, on="ward_code", how="right")
    return out.sort_values("ward_code").reset_index(drop=True)


def city_rates(referrals: pd.DataFrame, adults: pd.DataFrame) -> pd.DataFrame:
    """The city's referral and uptake rates per 1,000 adults (one row, as :func:`rates_by`)."""
    total = pd.DataFrame({"area": ["city"], "population": [adults["population"].sum()]})
    return rates_by(referrals.assign(area="city"), total, "area")


def quintile_table(
    referrals: pd.DataFrame, adults: pd.DataFrame, wards: pd.DataFrame
) -> pd.DataFrame:
    """Referral and uptake rates per 1,000 adults, take-up and completion by deprivation quintile.

    Quintile 1 is the most deprived (ward-level IMD 2007 quintiles from the ``wards`` table).
    """
    q = pd.DataFrame(wards[["ward_code", "imd_quintile"]]).copy()
    q["ward_code"] = q["ward_code"].astype(str)
    q["imd_quintile"] = q["imd_quintile"].astype("int64")
    pop = adults.assign(ward_code=adults["ward_code"].astype(str)).merge(q, on="ward_code")
    pop = pop.groupby("imd_quintile", as_index=False)["population"].sum()
    refs = referrals.assign(ward_code=referrals["ward_code"].astype(str)).merge(q, on="ward_code")
    return rates_by(refs, pop, "imd_quintile")


# ---------------------------------------------------------------------------------------------------
# Inequality: slope and relative index
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inequality:
    """Slope (SII) and relative (RII) index of inequality with 95% intervals.

    ``sii`` is the modelled most-deprived minus least-deprived difference (in the measure's units);
    ``rii`` = ``sii`` / the weighted mean.
    """

    measure: str
    sii: float
    sii_lowercl: float
    sii_uppercl: float
    rii: float
    rii_lowercl: float
    rii_uppercl: float
    mean: float

    def as_row(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def rank_midpoints(weights: Sequence[float]) -> np.ndarray:
    """Cumulative rank midpoints (0-1) of groups in the order given, from their population weights.

    >>> rank_midpoints([1, 1, 2]).tolist()
    [0.125, 0.375, 0.75]
    """
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights: must be non-negative with a positive total")
    share = w / w.sum()
    return np.cumsum(share) - share / 2


def _wls_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares intercept and slope for each row of y (y may be 2-D: sims x groups)."""
    w = w / w.sum()
    xm = np.sum(w * x)
    ym = y @ w
    slope = ((y - ym[..., None]) * (x - xm)) @ w / np.sum(w * (x - xm) ** 2)
    return ym - slope * xm, slope


def inequality(
    values: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    weights: Sequence[float],
    quintiles: Sequence[int],
    *,
    measure: str = "value",
    n_sims: int = 10_000,
    seed: int = 20090401,
) -> Inequality:
    """Slope and relative index of inequality across deprivation quintiles.

    Parameters
    ----------
    values, lower, upper : sequence of float
        Each quintile's value and 95% limits.
    weights : sequence of float
        Each quintile's population (or other denominator) for the ranks and the regression weights.
    quintiles : sequence of int
        Deprivation quintile of each value, 1 = most deprived.
    measure : str
        Name carried into the result.
    n_sims : int
        Simulations for the intervals (each quintile drawn from a normal with the standard error implied
        by its interval).
    seed : int
        Seed for the simulation, so results repeat exactly.

    Examples
    --------
    A measure that rises by 10 from the least to the most deprived fifth of equal populations:

    >>> v = [50, 47.5, 45, 42.5, 40]          # quintiles 1 (most deprived) .. 5
    >>> res = inequality(v, [x - 1 for x in v], [x + 1 for x in v], [1] * 5, [1, 2, 3, 4, 5])
    >>> round(res.sii, 6), round(res.rii, 6)
    (12.5, 0.277778)
    >>> res.sii_lowercl < 12.5 < res.sii_uppercl
    True
    """
    v, lo, up, w = (np.asarray(a, dtype=float) for a in (values, lower, upper, weights))
    q = np.asarray(quintiles)
    if not (len(v) == len(lo) == len(up) == len(w) == len(q)):
        raise ValueError("values, lower, upper, weights, quintiles: must have the same length")
    if len(v) < 2:
        raise ValueError("values: need at least two groups")
    order = np.argsort(-q, kind="stable")  # least deprived (highest quintile) first
    v, lo, up, w = v[order], lo[order], up[order], w[order]
    x = rank_midpoints(w)
    _, slope = _wls_slope(x, v[None, :], w)
    mean = float(np.sum(w * v) / w.sum())
    se = (up - lo) / (2 * _Z95)
    rng = np.random.default_rng(seed)
    sims = v + rng.standard_normal((n_sims, len(v))) * se
    _, sim_slope = _wls_slope(x, sims, w)
    sim_mean = sims @ (w / w.sum())
    sim_rii = sim_slope / sim_mean
    sii = float(slope[0])
    lo_s, up_s = np.quantile(sim_slope, [0.025, 0.975])
    lo_r, up_r = np.quantile(sim_rii, [0.025, 0.975])
    return Inequality(
        measure, sii, float(lo_s), float(up_s), sii / mean, float(lo_r), float(up_r), mean
    )


def inequality_table(quintiles: pd.DataFrame) -> pd.DataFrame:
    """SII and RII of referral rate, uptake rate, take-up and completion from :func:`quintile_table`."""
    rows = []
    spec = [
        ("referral_rate", "population", "Referrals per 1,000 adults"),
        ("uptake_rate", "population", "People taking up per 1,000 adults"),
        ("takeup_pct", "referrals", "Take-up (% of referrals)"),
        ("completion_pct", "referrals", "12-week completion (% of referrals)"),
    ]
    for col, weight, label in spec:
        res = inequality(
            quintiles[col],
            quintiles[f"{col}_lowercl"],
            quintiles[f"{col}_uppercl"],
            quintiles[weight],
            quintiles["imd_quintile"],
            measure=label,
        )
        rows.append(res.as_row())
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# Funnel plots
# ---------------------------------------------------------------------------------------------------


def completion_funnel(
    referrals: pd.DataFrame, by: str, names: pd.Series | None = None
) -> pd.DataFrame:
    """12-week completion by ``by`` (ward or centre) against the pooled average, for a funnel plot.

    Returns ``by``, ``completed``, ``referrals``, ``completion_pct`` and ``significance`` (the funnel
    label at 95% and 99.8%, from :func:`lsp_research.stats.funnel_significance`).
    """
    from .. import stats

    t = stage_table(referrals, by)[[by, "referrals", "completed", "completion_pct"]]
    t = t[t["referrals"] > 0].reset_index(drop=True)
    average = t["completed"].sum() / t["referrals"].sum()
    t["significance"] = stats.funnel_significance(t, "completed", "referrals", kind="proportion")[
        "significance"
    ].to_numpy()
    if names is not None:
        t["label"] = t[by].map(names).fillna(t[by])
    else:
        t["label"] = t[by]
    t.attrs["average"] = average
    return t


# ---------------------------------------------------------------------------------------------------
# Access: distance, 2SFCA, distance decay
# ---------------------------------------------------------------------------------------------------


def ward_points(wards):
    """Each ward's population point: its area centroid (population assumed even within a ward).

    Returns a GeoDataFrame (EPSG:27700) with ``ward_code`` and point geometry.
    """
    import geopandas as gpd

    from ..config import CRS_BNG

    w = wards.to_crs(CRS_BNG) if wards.crs is not None else wards.set_crs(CRS_BNG)
    return gpd.GeoDataFrame(
        {"ward_code": w["ward_code"].astype(str).to_numpy()},
        geometry=w.geometry.centroid.to_numpy(),
        crs=CRS_BNG,
    )


def _xy(gdf) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def distance_matrix(origins, destinations) -> np.ndarray:
    """Straight-line distances (metres) between two point GeoDataFrames in British National Grid."""
    a, b = _xy(origins), _xy(destinations)
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


def nearest_centre(points, centres) -> pd.DataFrame:
    """Distance from each point to its nearest centre.

    Returns ``ward_code``, ``nearest_centre_id``, ``distance_m`` and ``distance_km``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"ward_code": ["A", "B"]}, geometry=[Point(0, 0), Point(3000, 4000)])
    >>> cen = gpd.GeoDataFrame({"centre_id": ["C1", "C2"]}, geometry=[Point(0, 1000), Point(9000, 0)])
    >>> nearest_centre(pts, cen)
      ward_code nearest_centre_id  distance_m  distance_km
    0         A                C1      1000.0        1.0
    1         B                C1      4242.6        4.2...
    """
    d = distance_matrix(points, centres)
    j = d.argmin(axis=1)
    out = pd.DataFrame(
        {
            "ward_code": points["ward_code"].astype(str).to_numpy(),
            "nearest_centre_id": centres["centre_id"].astype(str).to_numpy()[j],
            "distance_m": d[np.arange(len(d)), j].round(1),
        }
    )
    out["distance_km"] = out["distance_m"] / 1000
    return out


def two_step_fca(
    points,
    adults: pd.DataFrame,
    centres,
    capacity: Sequence[float] | None = None,
    catchment_m: float = DEFAULT_CATCHMENT_M,
) -> pd.DataFrame:
    """Two-step floating catchment area access for each ward (PySAL ``access``).

    Parameters
    ----------
    points : GeoDataFrame
        Ward population points (``ward_code``), see :func:`ward_points`.
    adults : DataFrame
        ``ward_code`` and ``population`` (demand).
    centres : GeoDataFrame
        ``centre_id`` and point geometry (supply).
    capacity : sequence of float, optional
        Each centre's capacity; equal (1 each) when not given.
    catchment_m : float
        Catchment radius in straight-line metres.

    Returns
    -------
    DataFrame
        ``ward_code`` and ``access_2sfca``: centre capacity within reach per 100,000 adults (with equal
        capacities, centres per 100,000 adults); 0 where no centre is within the catchment.
    """
    import access as pysal_access

    if catchment_m <= 0:
        raise ValueError("catchment_m: must be positive")
    cap = np.ones(len(centres)) if capacity is None else np.asarray(capacity, dtype=float)
    if len(cap) != len(centres) or (cap < 0).any():
        raise ValueError("capacity: one non-negative value per centre")
    demand = pd.DataFrame({"ward_code": points["ward_code"].astype(str).to_numpy()}).merge(
        adults.assign(ward_code=adults["ward_code"].astype(str)), on="ward_code", how="left"
    )
    demand["population"] = demand["population"].fillna(0).astype(float)
    supply = pd.DataFrame(
        {"centre_id": centres["centre_id"].astype(str).to_numpy(), "capacity": cap}
    )
    d = distance_matrix(points, centres)
    cost = pd.DataFrame(
        {
            "origin": np.repeat(demand["ward_code"].to_numpy(), len(supply)),
            "dest": np.tile(supply["centre_id"].to_numpy(), len(demand)),
            "cost": d.ravel(),
        }
    )
    with warnings.catch_warnings():
        # the access package uses pandas' deprecated inplace keyword; nothing for our users to act on
        warnings.simplefilter("ignore")
        acc = pysal_access.Access(
            demand_df=demand,
            demand_index="ward_code",
            demand_value="population",
            supply_df=supply,
            supply_index="centre_id",
            supply_value="capacity",
            cost_df=cost,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        res = acc.two_stage_fca(name="fca", max_cost=catchment_m)
    col = "fca_capacity"
    out = pd.DataFrame({"ward_code": demand["ward_code"]})
    vals = res[col].reindex(out["ward_code"]).to_numpy(dtype=float)
    out["access_2sfca"] = np.nan_to_num(vals, nan=0.0) * 100_000
    return out


@dataclass(frozen=True)
class DecayFit:
    """A binomial GLM (logit link) of an outcome on distance (km).

    ``distance`` names the distance column of the fitted table; ``coef_per_km`` is the change in log-odds per km (negative = decay), ``odds_ratio_per_km`` its
    exponential; ``curve`` holds fitted percentages with 95% limits over a grid of distances (other
    covariates at their weighted means).
    """

    outcome: str
    coef_per_km: float
    lowercl: float
    uppercl: float
    p_value: float
    n_groups: int
    n_trials: int
    covariates: tuple[str, ...]
    curve: pd.DataFrame = field(repr=False)
    distance: str = "distance_km"
    target: str = "the nearest centre"

    @property
    def direction(self) -> str:
        """``"falls"``, ``"rises"`` or ``"shows no clear change"`` (95% interval against 0)."""
        if self.uppercl < 0:
            return "falls"
        if self.lowercl > 0:
            return "rises"
        return "shows no clear change"

    @property
    def odds_ratio_per_km(self) -> float:
        return math.exp(self.coef_per_km)

    @property
    def odds_ratio_lowercl(self) -> float:
        return math.exp(self.lowercl)

    @property
    def odds_ratio_uppercl(self) -> float:
        return math.exp(self.uppercl)

    def summary_row(self) -> dict:
        return {
            "outcome": self.outcome,
            "coef_per_km": self.coef_per_km,
            "coef_lowercl": self.lowercl,
            "coef_uppercl": self.uppercl,
            "odds_ratio_per_km": self.odds_ratio_per_km,
            "or_lowercl": self.odds_ratio_lowercl,
            "or_uppercl": self.odds_ratio_uppercl,
            "p_value": self.p_value,
            "wards": self.n_groups,
            "trials": self.n_trials,
            "adjusted_for": ", ".join(self.covariates) or "nothing",
        }


def distance_decay(
    table: pd.DataFrame,
    successes: str,
    trials: str,
    distance: str = "distance_km",
    covariates: Sequence[str] = (),
    outcome: str | None = None,
    target: str = "the nearest centre",
) -> DecayFit:
    """Fit ``logit(successes / trials) = a + b * distance (+ covariates)`` by a binomial GLM.

    Parameters
    ----------
    table : DataFrame
        One row per ward (or any unit) with the counts and the distance in km.
    successes, trials : str
        Count columns (e.g. ``took_up`` and ``referrals``; or ``took_up`` and ``population``).
    distance : str
        Distance column (km).
    covariates : sequence of str
        Numeric columns to adjust for (e.g. ``imd2007_score``).
    outcome : str, optional
        A label for the fitted outcome.
    target : str
        What the distance is measured to, for labels.

    Examples
    --------
    >>> d = np.repeat([0.5, 1.5, 2.5, 3.5, 4.5], 2)
    >>> n = np.full(10, 400)
    >>> p = 1 / (1 + np.exp(-(1.0 - 0.3 * d)))
    >>> t = pd.DataFrame({"distance_km": d, "n": n, "x": np.round(n * p).astype(int)})
    >>> fit = distance_decay(t, "x", "n")
    >>> round(fit.coef_per_km, 2), fit.p_value < 0.001, fit.uppercl < 0
    (-0.3, True, True)
    """
    import statsmodels.api as sm

    t = table[[successes, trials, distance, *covariates]].dropna()
    t = t[t[trials] > 0]
    if len(t) < len(covariates) + 3:
        raise ValueError("table: too few rows with trials to fit a distance decay")
    x = t[successes].to_numpy(dtype=float)
    n = t[trials].to_numpy(dtype=float)
    if ((x < 0) | (x > n)).any():
        raise ValueError(f"{successes}: must lie between 0 and {trials}")
    exog = sm.add_constant(t[[distance, *covariates]].astype(float), has_constant="add")
    model = sm.GLM(np.column_stack([x, n - x]), exog, family=sm.families.Binomial())
    res = model.fit()
    ci = res.conf_int(alpha=0.05)
    grid = np.linspace(0, max(float(t[distance].max()), 0.1), 61)
    newx = pd.DataFrame({"const": 1.0, distance: grid})
    for c in covariates:
        newx[c] = float(np.average(t[c].astype(float), weights=n))
    pred = res.get_prediction(newx[exog.columns]).summary_frame(alpha=0.05)
    curve = pd.DataFrame(
        {
            "distance_km": grid,
            "fitted_pct": pred["mean"].to_numpy() * 100,
            "lowercl": pred["mean_ci_lower"].to_numpy() * 100,
            "uppercl": pred["mean_ci_upper"].to_numpy() * 100,
        }
    )
    return DecayFit(
        outcome=outcome or f"{successes} / {trials}",
        coef_per_km=float(res.params[distance]),
        lowercl=float(ci.loc[distance, 0]),
        uppercl=float(ci.loc[distance, 1]),
        p_value=float(res.pvalues[distance]),
        n_groups=len(t),
        n_trials=int(n.sum()),
        covariates=tuple(covariates),
        curve=curve,
        distance=distance,
        target=target,
    )


def decay_table(referrals: pd.DataFrame, points, centres, wards: pd.DataFrame) -> pd.DataFrame:
    """Referrals and take-up by ward, centre referred to, sex and age band, with the distance.

    ``distance_km`` is the straight-line distance from the ward's population point to the centre the
    referral went to. Adds ``imd2007_score``, ``female`` (0/1) and one 0/1 column per age band
    (``aged_16_24``, ``aged_25_34``, ...), ready for :func:`distance_decay` with covariates (leave one
    band out).
    """
    keys = ["ward_code", "centre_id", "sex", "age_band"]
    r = referrals.assign(**{k: referrals[k].astype(str) for k in keys})
    r = r.assign(_one=1)
    g = r.groupby(keys, as_index=False, observed=True).agg(
        referrals=("_one", "sum"), took_up=("took_up", "sum")
    )
    d = distance_matrix(points, centres)
    dist = pd.DataFrame(d / 1000, index=points["ward_code"].astype(str).to_numpy(),
                        columns=centres["centre_id"].astype(str).to_numpy())  # fmt: skip
    g["distance_km"] = (
        dist.stack().reindex(list(zip(g["ward_code"], g["centre_id"], strict=True))).to_numpy()
    )
    imd = pd.Series(
        wards["imd2007_score"].to_numpy(dtype=float), index=wards["ward_code"].astype(str)
    )
    g["imd2007_score"] = g["ward_code"].map(imd)
    g["female"] = (g["sex"] == "F").astype(int)
    for band in REFERRAL_AGE_BANDS:
        g["aged_" + band.replace("-", "_").replace("+", "plus")] = (g["age_band"] == band).astype(
            int
        )
    return g


# ---------------------------------------------------------------------------------------------------
# Need against uptake
# ---------------------------------------------------------------------------------------------------


def mortality_ratio(deaths: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """All-cause standardised mortality ratio (city = 100) by ward, pooled over ``years``.

    Indirect standardisation by age band and sex against the city's own rates, with the count limits of
    :func:`lsp_research.stats.isratio`.
    """
    from .. import stats

    d = deaths[deaths["year"].isin(list(years))]
    if d.empty:
        raise ValueError(f"years: no deaths data for {list(years)}")
    keys = ["ward_code", "sex", "age_band_le"]
    d = d.groupby(keys, as_index=False, observed=True)[["deaths", "population"]].sum()
    ref = d.groupby(["sex", "age_band_le"], as_index=False, observed=True)[
        ["deaths", "population"]
    ].sum()
    ref = ref.rename(columns={"deaths": "ref_deaths", "population": "ref_population"})
    d = d.merge(ref, on=["sex", "age_band_le"])
    res = stats.isratio(
        d, x="deaths", n="population", x_ref="ref_deaths", n_ref="ref_population",
        by="ward_code", refvalue=100,
    )  # fmt: skip
    res = res.rename(columns={"value": "smr", "lowercl": "smr_lowercl", "uppercl": "smr_uppercl"})
    res["ward_code"] = res["ward_code"].astype(str)
    return res[["ward_code", "smr", "smr_lowercl", "smr_uppercl"]]


def need_and_uptake(
    rates: pd.DataFrame, city: pd.DataFrame, smr: pd.DataFrame, high_need_share: float = 0.4
) -> pd.DataFrame:
    """Wards where need is high but uptake is low.

    Need is the mean of the standardised (z-scored) IMD 2007 score and mortality ratio across wards.
    A ward is *high need* in the top ``high_need_share`` of wards by need, and *low uptake* when its
    uptake per 1,000 adults is below the city's; ``uptake_vs_city`` says whether the difference is
    statistically significant (95% interval).

    Returns the ward table with ``smr``, ``need_score``, ``high_need``, ``uptake_vs_city`` and
    ``high_need_low_uptake``, highest need first.
    """
    from .. import stats

    t = rates.merge(smr, on="ward_code", how="left")

    def z(s: pd.Series) -> pd.Series:
        s = s.astype(float)
        sd = s.std(ddof=0)
        return (s - s.mean()) / sd if sd > 0 else s * 0

    t["need_score"] = (z(t["imd2007_score"]) + z(t["smr"])) / 2
    cutoff = t["need_score"].quantile(1 - high_need_share)
    t["high_need"] = t["need_score"] >= cutoff
    city_rate = float(city["uptake_rate"].iloc[0])
    t["uptake_vs_city"] = stats.compare(
        t["uptake_rate"], t["uptake_rate_lowercl"], t["uptake_rate_uppercl"], city_rate, None
    )
    t["high_need_low_uptake"] = t["high_need"] & (t["uptake_rate"] < city_rate)
    return t.sort_values("need_score", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------
# Coverage: where a seventh centre would reach most people
# ---------------------------------------------------------------------------------------------------


def demand_grid(wards, adults: pd.DataFrame, spacing_m: float = 500.0):
    """Demand points on a square grid, each ward's adults shared equally among the points inside it.

    A ward too small to hold a grid point gets one point at its representative point. Returns a
    GeoDataFrame with ``ward_code`` and ``population``.
    """
    import geopandas as gpd

    from ..config import CRS_BNG

    if spacing_m <= 0:
        raise ValueError("spacing_m: must be positive")
    w = wards[["ward_code", "geometry"]].to_crs(CRS_BNG)
    w = w.assign(ward_code=w["ward_code"].astype(str))
    minx, miny, maxx, maxy = w.total_bounds
    xs = np.arange(math.floor(minx / spacing_m) * spacing_m + spacing_m / 2, maxx, spacing_m)
    ys = np.arange(math.floor(miny / spacing_m) * spacing_m + spacing_m / 2, maxy, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    grid = gpd.GeoDataFrame(geometry=gpd.points_from_xy(gx.ravel(), gy.ravel()), crs=CRS_BNG)
    pts = gpd.sjoin(grid, w, how="inner", predicate="within")[["ward_code", "geometry"]]
    missing = sorted(set(w["ward_code"]) - set(pts["ward_code"]))
    if missing:
        extra = w[w["ward_code"].isin(missing)]
        pts = pd.concat(
            [
                pts,
                gpd.GeoDataFrame(
                    {"ward_code": extra["ward_code"]},
                    geometry=extra.representative_point(),
                    crs=CRS_BNG,
                ),
            ]
        )
    pts = pts.reset_index(drop=True)
    per = pts.groupby("ward_code")["ward_code"].transform("size")
    pop = (
        pts["ward_code"]
        .map(adults.set_index(adults["ward_code"].astype(str))["population"])
        .fillna(0)
    )
    pts["population"] = pop.astype(float) / per
    return gpd.GeoDataFrame(pts, geometry="geometry", crs=CRS_BNG)


@dataclass(frozen=True)
class CoverageResult:
    """The result of the coverage model (see :func:`seventh_centre`)."""

    site: object  # shapely Point of the chosen site
    site_ward_code: str
    service_radius_m: float
    covered_before: float
    covered_after: float
    total: float
    demand: object = field(repr=False)  # GeoDataFrame with covered_before/covered_after flags
    candidates: object = field(repr=False)  # GeoDataFrame of candidate sites

    @property
    def gain(self) -> float:
        return self.covered_after - self.covered_before

    @property
    def pct_before(self) -> float:
        return 100 * self.covered_before / self.total

    @property
    def pct_after(self) -> float:
        return 100 * self.covered_after / self.total


def seventh_centre(
    wards,
    centres,
    adults: pd.DataFrame,
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M,
    grid_m: float = 500.0,
    candidate_grid_m: float = 1000.0,
) -> CoverageResult:
    """Where one more centre would bring most adults within ``service_radius_m`` of a centre.

    A maximal covering location problem (``spopt.locate.MCLP``) with the existing centres pre-selected
    and p = existing + 1. Demand: adults spread evenly over a ``grid_m`` grid within each ward.
    Candidate sites: ward centroids and a ``candidate_grid_m`` grid inside the district. Straight-line
    distances. Solved with pulp's bundled CBC.

    Raises
    ------
    ValueError
        When nobody is left unserved (or no candidate reaches them), so there is nothing to choose.
    """
    import geopandas as gpd
    import pulp
    from spopt.locate import MCLP

    from ..config import CRS_BNG

    if service_radius_m <= 0:
        raise ValueError("service_radius_m: must be positive")
    demand = demand_grid(wards, adults, grid_m)
    cand_grid = demand_grid(wards, adults, candidate_grid_m)[["ward_code", "geometry"]]
    cand = pd.concat([ward_points(wards), cand_grid], ignore_index=True)
    existing = gpd.GeoDataFrame(
        {"site_id": centres["centre_id"].astype(str).to_numpy()},
        geometry=centres.to_crs(CRS_BNG).geometry.to_numpy(),
        crs=CRS_BNG,
    )
    cand = gpd.GeoDataFrame(
        {"site_id": [f"K{i + 1}" for i in range(len(cand))], "ward_code": cand["ward_code"]},
        geometry=cand.geometry.to_numpy(),
        crs=CRS_BNG,
    )
    facilities = pd.concat([existing, cand], ignore_index=True)
    k = len(existing)
    cost = distance_matrix(demand, facilities)
    weights = demand["population"].to_numpy()
    within = cost <= service_radius_m
    before = within[:, :k].any(axis=1)
    # The fixed centres cover the same people whatever the new site, so only unserved demand points and
    # the candidates that reach one of them enter the model: the solution is unchanged, the model small.
    rows = np.flatnonzero(~before & (weights > 0))
    useful = k + np.flatnonzero(within[rows, k:].any(axis=0)) if len(rows) else np.array([], int)
    if len(useful) == 0:
        raise ValueError(
            f"service_radius_m: every adult already lives within {service_radius_m:g} m of a centre, or "
            "no candidate site reaches anyone who does not"
        )
    cols = np.concatenate([np.arange(k), useful])
    predefined = np.zeros(len(cols), dtype=int)
    predefined[:k] = 1
    with warnings.catch_warnings():
        # pulp 3.3 warns about its own 4.0 API changes when spopt builds the model
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(
            cost[np.ix_(rows, cols)], weights[rows], service_radius=service_radius_m,
            p_facilities=k + 1, predefined_facilities_arr=predefined, name="seventh_centre",
        )  # fmt: skip
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    chosen = [cols[i] for i, v in enumerate(model.fac_vars) if v.value() and v.value() > 0.5]
    new = [j for j in chosen if j >= k]
    if len(new) != 1:
        raise RuntimeError(f"coverage model chose {len(new)} new sites, expected 1")
    j = new[0]
    after = before | within[:, j]
    demand = demand.assign(covered_before=before, covered_after=after)
    return CoverageResult(
        site=facilities.geometry.iloc[j],
        site_ward_code=str(facilities["ward_code"].iloc[j]),
        service_radius_m=float(service_radius_m),
        covered_before=float(weights[before].sum()),
        covered_after=float(weights[after].sum()),
        total=float(weights.sum()),
        demand=demand,
        candidates=cand,
    )


# ---------------------------------------------------------------------------------------------------
# The whole analysis
# ---------------------------------------------------------------------------------------------------

#: Processed tables the analysis reads (``lsp_research.data.load`` names).
INPUT_TABLES = ("referrals", "wards", "centres", "population", "deaths")


@dataclass
class WellnessAnalysis:
    """Every table of one wellness analysis (see :func:`analyse`)."""

    params: WellnessParameters
    referrals: pd.DataFrame
    adults: pd.DataFrame
    city: pd.DataFrame
    city_stages: pd.DataFrame
    wards: pd.DataFrame
    by_age: pd.DataFrame
    by_sex: pd.DataFrame
    by_quintile: pd.DataFrame
    by_centre: pd.DataFrame
    inequalities: pd.DataFrame
    funnel_wards: pd.DataFrame
    funnel_centres: pd.DataFrame
    decay: DecayFit | None
    decay_adjusted: DecayFit | None
    decay_points: pd.DataFrame
    need: pd.DataFrame
    coverage: CoverageResult | None
    ward_shapes: object = field(repr=False)
    centres: object = field(repr=False)


def _try_decay(
    table: pd.DataFrame, covariates: tuple[str, ...], outcome: str, target: str
) -> DecayFit | None:
    """The take-up distance decay, or None when too few groups have referrals to fit it."""
    rows = int(((table["referrals"] > 0) & table["distance_km"].notna()).sum())
    if rows < len(covariates) + 3 or table.loc[table["referrals"] > 0, "distance_km"].nunique() < 2:
        return None
    return distance_decay(
        table, "took_up", "referrals", "distance_km", covariates=covariates, outcome=outcome,
        target=target,
    )  # fmt: skip


def load_inputs() -> dict[str, pd.DataFrame]:
    """The processed tables the analysis needs, via :func:`lsp_research.data.load`."""
    from .. import data

    return {name: data.load(name) for name in INPUT_TABLES}


def analyse(
    period: str = "latest",
    centre: str = "all",
    population_group: str = "all",
    *,
    inputs: dict[str, pd.DataFrame] | None = None,
    catchment_m: float = DEFAULT_CATCHMENT_M,
    service_radius_m: float = DEFAULT_SERVICE_RADIUS_M,
    capacity: Sequence[float] | None = None,
    coverage: bool = True,
) -> WellnessAnalysis:
    """Run the wellness analysis for one window, centre and population group.

    Parameters
    ----------
    period, centre, population_group : str
        The notebook's parameters (see :func:`validate_parameters`).
    inputs : dict of DataFrame, optional
        The tables named in :data:`INPUT_TABLES`; loaded with :func:`load_inputs` when not given.
    catchment_m : float
        2SFCA catchment, straight-line metres.
    service_radius_m : float
        Coverage-model service radius, straight-line metres.
    capacity : sequence of float, optional
        Centre capacities in the order of the centres table (equal when not given).
    coverage : bool
        Solve the seventh-centre coverage model (the slowest step, about a second).
    """
    t = load_inputs() if inputs is None else inputs
    refs_all, wards, centres = t["referrals"], t["wards"], t["centres"]
    params = validate_parameters(
        period, centre, population_group, centres=centres,
        available_periods=refs_all["period"].astype(str).unique(),
    )  # fmt: skip
    refs = select_referrals(refs_all, params)
    centres = open_centres(centres, params)
    year = params.population_year
    group = params.population_group
    adults = adult_population(t["population"], year, group)
    adults_age = adult_population(t["population"], year, group, by=["age_band"])
    adults_sex = adult_population(t["population"], year, group, by=["sex"])

    wards_plain = pd.DataFrame(wards.drop(columns="geometry"))
    ward_table = ward_rates(refs, adults, wards_plain)
    points = ward_points(wards)
    ward_table = ward_table.merge(nearest_centre(points, centres), on="ward_code", how="left")
    ward_table = ward_table.merge(
        two_step_fca(points, adults, centres, capacity, catchment_m), on="ward_code", how="left"
    )
    names = pd.Series(
        wards_plain["ward_name"].to_numpy(), index=wards_plain["ward_code"].astype(str)
    )
    centre_names = pd.Series(
        centres["centre_name"].to_numpy(), index=centres["centre_id"].astype(str)
    )
    by_centre = stage_table(refs.assign(centre_id=refs["centre_id"].astype(str)), "centre_id")
    by_centre.insert(1, "centre_name", by_centre["centre_id"].map(centre_names))

    smr_years = [y for y in range(year - 2, year + 1) if y in set(t["deaths"]["year"])]
    smr = mortality_ratio(t["deaths"], smr_years or sorted(set(t["deaths"]["year"]))[-3:])
    city = city_rates(refs, adults)
    quintiles = quintile_table(refs, adults, wards_plain)

    pairs = decay_table(refs, points, centres, wards_plain)
    by_pair = pairs.groupby(["ward_code", "centre_id"], as_index=False).agg(
        referrals=("referrals", "sum"),
        took_up=("took_up", "sum"),
        distance_km=("distance_km", "first"),
    )
    target = "the centre referred to"
    decay = _try_decay(by_pair, (), "Take-up (% of referrals) on distance", target)
    # age bands against the youngest band present (so that a group such as 65+ is not collinear)
    bands = [b for b in REFERRAL_AGE_BANDS if b in set(pairs["age_band"])]
    aged = ["aged_" + b.replace("-", "_").replace("+", "plus") for b in bands[1:]]
    adjust = tuple(c for c in ("imd2007_score", "female", *aged) if pairs[c].nunique() > 1)
    decay_adj = _try_decay(
        pairs, adjust, "Take-up on distance, adjusted for IMD 2007 score, sex and age band", target
    )
    cov = (
        seventh_centre(wards, centres, adults, service_radius_m=service_radius_m)
        if coverage
        else None
    )
    return WellnessAnalysis(
        params=params,
        referrals=refs,
        adults=adults,
        city=city,
        city_stages=stage_table(refs),
        wards=ward_table,
        by_age=rates_by(refs.assign(age_band=refs["age_band"].astype(str)), adults_age, "age_band"),
        by_sex=rates_by(refs.assign(sex=refs["sex"].astype(str)), adults_sex, "sex"),
        by_quintile=quintiles,
        by_centre=by_centre,
        inequalities=inequality_table(quintiles),
        funnel_wards=completion_funnel(
            refs.assign(ward_code=refs["ward_code"].astype(str)), "ward_code", names
        ),
        funnel_centres=completion_funnel(
            refs.assign(centre_id=refs["centre_id"].astype(str)), "centre_id", centre_names
        ),
        decay=decay,
        decay_adjusted=decay_adj,
        decay_points=by_pair,
        need=need_and_uptake(ward_table, city, smr),
        coverage=cov,
        ward_shapes=wards,
        centres=centres,
    )


# ---------------------------------------------------------------------------------------------------
# Charts (each returns (fig, alt text); show them with lsp_research.plots.show)
# ---------------------------------------------------------------------------------------------------


def choropleth(
    wards,
    table: pd.DataFrame,
    column: str,
    title: str,
    legend: str,
    *,
    centres=None,
    highlight: Iterable[str] = (),
    cmap: str = "viridis",
):
    """A ward map of ``table[column]`` in British National Grid, with the centres marked.

    Returns ``(fig, alt)``; the alt text names the highest and lowest wards.
    """
    from ..config import CRS_BNG
    from ..plots import PALETTE, figure

    shapes = wards[["ward_code", "ward_name", "geometry"]].to_crs(CRS_BNG)
    shapes = shapes.assign(ward_code=shapes["ward_code"].astype(str))
    data = shapes.merge(table[["ward_code", column]], on="ward_code", how="left")
    fig, ax = figure(title, "Easting (m, British National Grid)", "Northing (m)", figsize=(7, 7.5))
    data.plot(column=column, ax=ax, cmap=cmap, edgecolor="white", linewidth=0.6, legend=True,
              legend_kwds={"label": legend, "shrink": 0.6})  # fmt: skip
    hl = set(map(str, highlight))
    if hl:
        data[data["ward_code"].isin(hl)].plot(ax=ax, facecolor="none", edgecolor=PALETTE["vermillion"],
                                              linewidth=2.2, hatch="//")  # fmt: skip
    if centres is not None:
        c = centres.to_crs(CRS_BNG)
        ax.scatter(c.geometry.x, c.geometry.y, marker="^", s=90, color=PALETTE["orange"],
                   edgecolor="black", zorder=5, label="Wellness centre")  # fmt: skip
        ax.legend(loc="lower left", fontsize=8)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.ticklabel_format(style="plain")
    ax.tick_params(labelsize=7)
    valid = data.dropna(subset=[column])
    hi = valid.loc[valid[column].idxmax()]
    lo = valid.loc[valid[column].idxmin()]
    alt = (
        f"Map of Sunderland's {len(data)} wards shaded by {legend}. Highest: {hi['ward_name']} "
        f"({number(hi[column], 1)}); lowest: {lo['ward_name']} ({number(lo[column], 1)})."
    )
    if centres is not None:
        alt += f" Triangles mark the {len(centres)} wellness centres."
    if hl:
        alt += f" Outlined and hatched: {', '.join(data.loc[data['ward_code'].isin(hl), 'ward_name'])}."
    return fig, alt


#: Caption of :func:`decay_chart` (the points are pooled distance bands, not wards).
DECAY_CAPTION = (
    "Binomial GLM (logit link) of take-up on distance, fitted to every ward and centre pair; each point "
    "pools the pairs at similar distances (at least 20 referrals, and no count of 1-5 taken up or not "
    "taken up), so that no small cell is shown."
)


def distance_bands(
    table: pd.DataFrame,
    distance: str = "distance_km",
    successes: str = "took_up",
    trials: str = "referrals",
    min_trials: int = 20,
    rule: str = "hes2008",
) -> pd.DataFrame:
    """Pool ward-by-centre cells into distance bands that are safe to plot.

    Cells are taken in order of distance and pooled until a band has at least ``min_trials`` trials and
    neither its successes nor its failures is a small count (1 to 5 under ``rule``); a last band that
    falls short is merged into the one before. Returns one row per band: ``distance`` (trial-weighted
    mean), ``successes``, ``trials``, ``pct``, ``cells`` (cells pooled).

    >>> t = pd.DataFrame({"distance_km": [0.5, 1.0, 1.5, 2.0, 3.0, 4.0],
    ...                   "referrals": [4, 3, 30, 2, 10, 9], "took_up": [4, 1, 20, 0, 5, 3]})
    >>> distance_bands(t)[["referrals", "took_up", "cells"]].values.tolist()
    [[37, 25, 3], [21, 8, 3]]
    """
    from ..disclosure import RULES

    upper = RULES[rule].upper
    t = table[(table[trials] > 0) & table[distance].notna()].sort_values(distance)
    bands: list[list[int]] = []
    current: list[int] = []
    for i in range(len(t)):
        current.append(i)
        part = t.iloc[current]
        n, k = int(part[trials].sum()), int(part[successes].sum())
        if n >= min_trials and not 1 <= k <= upper and not 1 <= n - k <= upper:
            bands.append(current)
            current = []
    if current:
        if bands:
            bands[-1].extend(current)
        else:
            return pd.DataFrame(columns=[distance, successes, trials, "pct", "cells"])
    rows = []
    for idx in bands:
        part = t.iloc[idx]
        n, k = int(part[trials].sum()), int(part[successes].sum())
        d = float((part[distance] * part[trials]).sum() / n)
        rows.append({distance: d, successes: k, trials: n, "pct": 100 * k / n, "cells": len(idx)})
    return pd.DataFrame(rows)


def decay_chart(
    fit: DecayFit, table: pd.DataFrame, successes: str = "took_up", trials: str = "referrals"
):
    """Take-up against distance (``fit.distance``) with the fitted curve and its 95% band.

    The ward-by-centre cells of ``table`` are pooled into safe distance bands
    (:func:`distance_bands`): no point stands for a small count.
    """
    from ..plots import PALETTE, figure

    fig, ax = figure(
        f"Take-up of referrals {fit.direction} with distance to {fit.target}",
        f"Straight-line distance from ward centroid to {fit.target} (km)",
        "Referrals taken up (%)",
    )
    b = distance_bands(table, fit.distance, successes, trials)
    if len(b):
        size = 20 + 180 * b[trials] / b[trials].max()
        ax.scatter(b[fit.distance], b["pct"], s=size, color=PALETTE["blue"], alpha=0.7,
                   edgecolor="black", linewidth=0.4,
                   label="Pairs at similar distances, pooled (size = referrals)")  # fmt: skip
    c = fit.curve
    ax.plot(c["distance_km"], c["fitted_pct"], color=PALETTE["vermillion"], linestyle="--",
            label="Fitted binomial GLM (logit link)")  # fmt: skip
    ax.fill_between(c["distance_km"], c["lowercl"], c["uppercl"], color=PALETTE["vermillion"], alpha=0.15,
                    label="95% confidence band")  # fmt: skip
    ax.legend(fontsize=8)
    n_cells = int(b["cells"].sum()) if len(b) else 0
    alt = (
        f"Scatter of take-up of referrals (%) against distance to {fit.target} (km): {n_cells} ward "
        f"and centre pairs pooled into {len(b)} distance bands, "
        f"with a fitted curve going from {number(c['fitted_pct'].iloc[0], 1)}% at 0 km to "
        f"{number(c['fitted_pct'].iloc[-1], 1)}% at {number(c['distance_km'].iloc[-1], 1)} km. Odds of take-up change "
        f"by a factor of {number(fit.odds_ratio_per_km, 3)} per km (95% CI "
        f"{interval(fit.odds_ratio_lowercl, fit.odds_ratio_uppercl, 3)})."
    )
    return fig, alt


def quintile_chart(quintiles: pd.DataFrame, column: str, title: str, ylabel: str):
    """Bars of ``column`` by deprivation quintile (1 = most deprived) with 95% intervals."""
    from ..plots import PALETTE, figure

    q = quintiles.sort_values("imd_quintile")
    fig, ax = figure(title, "Deprivation quintile of ward (1 = most deprived, IMD 2007)", ylabel)
    x = q["imd_quintile"].astype(int).to_numpy()
    y = q[column].to_numpy(dtype=float)
    err = np.vstack(
        [y - q[f"{column}_lowercl"].to_numpy(float), q[f"{column}_uppercl"].to_numpy(float) - y]
    )
    ax.bar(x, y, color=PALETTE["sky"], edgecolor="black", hatch="..")
    ax.errorbar(
        x, y, yerr=err, fmt="none", ecolor="black", capsize=4, label="95% confidence interval"
    )
    ax.set_xticks(x)
    ax.legend(fontsize=8)
    alt = (
        f"Bar chart of {ylabel.lower()} by deprivation quintile: "
        + "; ".join(f"quintile {a} {number(b, 1)}" for a, b in zip(x, y, strict=True))
        + "."
    )
    return fig, alt


def coverage_map(result: CoverageResult, wards, centres):
    """Map of the demand grid coloured by coverage, existing centres and the proposed seventh site."""
    from ..config import CRS_BNG
    from ..plots import PALETTE, figure

    shapes = wards.to_crs(CRS_BNG)
    fig, ax = figure(
        f"A seventh centre: the site that brings most adults within {result.service_radius_m / 1000:g} km",
        "Easting (m, British National Grid)", "Northing (m)", figsize=(7, 7.5),
    )  # fmt: skip
    shapes.plot(ax=ax, facecolor="#F2F2F2", edgecolor="#9A9A9A", linewidth=0.5)
    d = result.demand
    groups = [
        (d["covered_before"], PALETTE["blue"], "o", "Within reach of an existing centre"),
        (~d["covered_before"] & d["covered_after"], PALETTE["green"], "s", "Newly within reach"),
        (~d["covered_after"], PALETTE["grey"], "x", "Still beyond reach"),
    ]
    for mask, colour, marker, label in groups:
        if mask.any():
            ax.scatter(
                d.geometry.x[mask],
                d.geometry.y[mask],
                s=10,
                color=colour,
                marker=marker,
                label=label,
            )
    c = centres.to_crs(CRS_BNG)
    ax.scatter(c.geometry.x, c.geometry.y, marker="^", s=110, color=PALETTE["orange"], edgecolor="black",
               zorder=5, label="Existing centre")  # fmt: skip
    ax.scatter([result.site.x], [result.site.y], marker="*", s=320, color=PALETTE["vermillion"],
               edgecolor="black", zorder=6, label="Proposed seventh centre")  # fmt: skip
    ax.legend(loc="lower left", fontsize=8)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.ticklabel_format(style="plain")
    ax.tick_params(labelsize=7)
    name = shapes.set_index(shapes["ward_code"].astype(str)).loc[result.site_ward_code, "ward_name"]
    alt = (
        f"Map of Sunderland with points for where adults live: {number(result.pct_before, 1)}% of adults live "
        f"within {result.service_radius_m / 1000:g} km of one of the {len(c)} centres. The model's seventh site, "
        f"in {name} ward, would raise that to {number(result.pct_after, 1)}% "
        f"({number(result.gain, 0)} more adults)."
    )
    return fig, alt


# ---------------------------------------------------------------------------------------------------
# Published tables and words
# ---------------------------------------------------------------------------------------------------


def _ci_text(lo, up, nd: int = 1) -> list[str]:
    return [
        "" if (pd.isna(a) or pd.isna(b)) else interval(a, b, nd)
        for a, b in zip(lo, up, strict=True)
    ]


def _stage_columns(
    t: pd.DataFrame, label: tuple[str, str], with_rates: bool
) -> tuple[pd.DataFrame, dict]:
    """Readable columns of a stage/rate table and the matching show_table declarations."""
    col, header = label
    out = pd.DataFrame({header: t[col].astype(str).to_numpy()})
    counts = ["Referrals", "Took up", "Completed 12 weeks"]
    dependent: dict[str, list[str]] = {}
    not_counts: list[str] = []
    if with_rates:
        out["Adults (16+)"] = t["population"].to_numpy()
        not_counts.append("Adults (16+)")
    out["Referrals"] = t["referrals"].to_numpy()
    if with_rates:
        out["Referrals per 1,000 adults"] = t["referral_rate"].round(2).to_numpy()
        out["Referral rate 95% CI"] = _ci_text(
            t["referral_rate_lowercl"], t["referral_rate_uppercl"], 2
        )
        dependent["Referrals per 1,000 adults"] = ["Referrals"]
        dependent["Referral rate 95% CI"] = ["Referrals"]
    out["Took up"] = t["took_up"].to_numpy()
    if with_rates:
        out["Uptake per 1,000 adults"] = t["uptake_rate"].round(2).to_numpy()
        out["Uptake 95% CI"] = _ci_text(t["uptake_rate_lowercl"], t["uptake_rate_uppercl"], 2)
        dependent["Uptake per 1,000 adults"] = ["Took up"]
        dependent["Uptake 95% CI"] = ["Took up"]
    out["Take-up (%)"] = t["takeup_pct"].round(1).to_numpy()
    out["Take-up 95% CI"] = _ci_text(t["takeup_pct_lowercl"], t["takeup_pct_uppercl"])
    out["Completed 12 weeks"] = t["completed"].to_numpy()
    out["Completion (% of referrals)"] = t["completion_pct"].round(1).to_numpy()
    out["Completion 95% CI"] = _ci_text(t["completion_pct_lowercl"], t["completion_pct_uppercl"])
    dependent["Take-up 95% CI"] = ["Took up", "Referrals"]
    dependent["Completion 95% CI"] = ["Completed 12 weeks", "Referrals"]
    percent = {
        "Take-up (%)": ("Took up", "Referrals"),
        "Completion (% of referrals)": ("Completed 12 weeks", "Referrals"),
    }
    if "bmi_change_mean" in t.columns:
        out["Completers with BMI"] = t["bmi_change_n"].fillna(0).astype("int64").to_numpy()
        out["Mean BMI change (kg/m2)"] = t["bmi_change_mean"].round(2).to_numpy()
        out["BMI change 95% CI"] = _ci_text(t["bmi_change_lowercl"], t["bmi_change_uppercl"], 2)
        counts.append("Completers with BMI")
        dependent["Mean BMI change (kg/m2)"] = ["Completers with BMI"]
        dependent["BMI change 95% CI"] = ["Completers with BMI"]
    kw = {"counts": counts, "percent": percent, "dependent": dependent, "not_counts": not_counts}
    return out, kw


#: The tables :func:`publishable` can produce.
TABLES = ("city", "wards", "by_age", "by_sex", "by_quintile", "by_centre", "inequalities", "decay",
          "need", "coverage")  # fmt: skip


def publishable(res: WellnessAnalysis, name: str) -> tuple[pd.DataFrame, dict]:
    """A table of ``res`` with readable headers, and the keyword arguments for ``show_table``.

    The keywords declare every count column (and which rates, percentages and intervals depend on
    which counts) so that :func:`lsp_research.tables.show_table` applies disclosure control fully.
    Use as ``df, kw = publishable(res, "by_age"); show_table(df, **kw)``.

    Parameters
    ----------
    res : WellnessAnalysis
    name : str
        One of :data:`TABLES`.
    """
    p = res.params
    scope = f"{p.window_label}; {p.centre_name}; {p.group_label}"
    if name == "city":
        t = res.city
        df, kw = _stage_columns(t.assign(area="Sunderland"), ("area", "Area"), True)
        kw["caption"] = f"Wellness referrals, take-up and 12-week completion, city total ({scope})"
    elif name == "wards":
        t = res.wards.sort_values("ward_name")
        df, kw = _stage_columns(t, ("ward_name", "Ward"), True)
        df.insert(
            1, "IMD quintile (1 = most deprived)", t["imd_quintile"].astype("int64").to_numpy()
        )
        df["Distance to nearest centre (km)"] = t["distance_km"].round(2).to_numpy()
        df["2SFCA access (centres per 100,000 adults)"] = t["access_2sfca"].round(2).to_numpy()
        kw["caption"] = (
            f"Wellness referrals and uptake per 1,000 adults by ward of residence ({scope})"
        )
    elif name in ("by_age", "by_sex", "by_quintile"):
        t = getattr(res, name)
        label = {
            "by_age": ("age_band", "Age band"),
            "by_sex": ("sex", "Sex"),
            "by_quintile": ("imd_quintile", "Deprivation quintile (1 = most deprived)"),
        }[name]
        if name == "by_sex":
            t = t.assign(sex=t["sex"].map({"M": "Men", "F": "Women"}))
        df, kw = _stage_columns(t, label, True)
        what = {
            "by_age": "age band",
            "by_sex": "sex",
            "by_quintile": "deprivation quintile of ward (IMD 2007)",
        }
        kw["caption"] = (
            f"Wellness referrals, uptake, completion and BMI change by {what[name]} ({scope})"
        )
    elif name == "by_centre":
        t = res.by_centre
        df, kw = _stage_columns(t, ("centre_name", "Centre"), False)
        kw["caption"] = f"Wellness take-up, 12-week completion and BMI change by centre ({scope})"
    elif name == "inequalities":
        t = res.inequalities
        df = pd.DataFrame(
            {
                "Measure": t["measure"],
                "Slope index (most minus least deprived)": t["sii"].round(2),
                "SII 95% CI": _ci_text(t["sii_lowercl"], t["sii_uppercl"], 2),
                "Relative index (SII / mean)": t["rii"].round(3),
                "RII 95% CI": _ci_text(t["rii_lowercl"], t["rii_uppercl"], 3),
                "Mean": t["mean"].round(2),
            }
        )
        kw = {
            "caption": f"Inequality across deprivation quintiles: slope and relative index ({scope})"
        }
    elif name == "decay":
        fits = [f for f in (res.decay, res.decay_adjusted) if f is not None]
        if not fits:
            raise ValueError("name: too few wards had referrals to fit a distance decay")
        rows = [f.summary_row() for f in fits]
        t = pd.DataFrame(rows)
        df = pd.DataFrame(
            {
                "Model": t["outcome"],
                "Change in log-odds per km": t["coef_per_km"].round(3),
                "95% CI": _ci_text(t["coef_lowercl"], t["coef_uppercl"], 3),
                "Odds ratio per km": t["odds_ratio_per_km"].round(3),
                "Odds ratio 95% CI": _ci_text(t["or_lowercl"], t["or_uppercl"], 3),
                "p-value": [f"{v:.2g}" if v >= 1e-4 else "<0.0001" for v in t["p_value"]],
                "Wards": t["wards"],
                "Referrals": t["trials"],
            }
        )
        kw = {"caption": f"Distance decay: binomial GLM (logit link) of take-up on distance to {fits[0].target} ({scope})",
              "counts": ["Referrals"], "not_counts": ["Wards"]}  # fmt: skip
    elif name == "need":
        t = res.need
        df = pd.DataFrame(
            {
                "Ward": t["ward_name"],
                "IMD 2007 score": t["imd2007_score"].round(1),
                "Mortality ratio (city = 100)": t["smr"].round(1),
                "Need score (z)": t["need_score"].round(2),
                "High need": np.where(t["high_need"], "Yes", "No"),
                "Took up": t["took_up"],
                "Uptake per 1,000 adults": t["uptake_rate"].round(2),
                "Uptake 95% CI": _ci_text(t["uptake_rate_lowercl"], t["uptake_rate_uppercl"], 2),
                "Uptake against city": t["uptake_vs_city"],
                "High need, low uptake": np.where(t["high_need_low_uptake"], "Yes", "No"),
            }
        )
        kw = {
            "caption": f"Need against uptake by ward, highest need first ({scope})",
            "counts": ["Took up"],
            "dependent": {"Uptake per 1,000 adults": ["Took up"], "Uptake 95% CI": ["Took up"]},
        }
    elif name == "coverage":
        c = res.coverage
        if c is None:
            raise ValueError("name: the coverage model was not run (analyse(..., coverage=True))")
        ward = _ward_name(res, c.site_ward_code)
        df = pd.DataFrame(
            {
                "Measure": [
                    f"Adults within {c.service_radius_m / 1000:g} km of a centre now",
                    "With the seventh centre",
                    "Newly within reach",
                ],
                "Adults (16+)": [round(c.covered_before), round(c.covered_after), round(c.gain)],
                "Share of adults (%)": [
                    round(c.pct_before, 1),
                    round(c.pct_after, 1),
                    round(c.pct_after - c.pct_before, 1),
                ],  # fmt: skip
            }
        )
        kw = {
            "caption": (
                f"Coverage model: proposed seventh centre in {ward} ward "
                f"(easting {number(c.site.x, 0)}, northing {number(c.site.y, 0)})"
            ),
            "not_counts": ["Adults (16+)"],
            "total_rows": False,
        }
    else:
        raise ValueError(f"name: {name!r} is not a wellness table; use one of: {', '.join(TABLES)}")
    kw["formats"] = {**table_formats(df, kw.get("counts", ())), **kw.get("formats", {})}
    return df, kw


def _ward_name(res: WellnessAnalysis, code: str) -> str:
    w = res.wards.set_index("ward_code")
    return str(w.loc[code, "ward_name"]) if code in w.index else code


def _significantly(k: int, n: int) -> str:
    """``'none significantly lower'``, ``'2 significantly lower'``, ``'all significantly lower'``."""
    if k == 0:
        return "none significantly lower at 95%"
    if k == n:
        return "all significantly lower at 95%"
    return f"{k} significantly lower at 95%"


def _ratio_text(a: float, b: float) -> str:
    return f"ratio {number(a / b, 2)}; " if b > 0 else ""


def key_findings(res: WellnessAnalysis) -> str:
    """The headline findings of ``res`` in words (Markdown bullets), every number computed."""
    from ..disclosure import count_text
    from ..reporting.sanitise import md_escape

    p = res.params
    city = res.city.iloc[0]
    q = res.by_quintile.set_index("imd_quintile")
    ineq = res.inequalities.set_index("measure")
    ref_ineq = ineq.loc["Referrals per 1,000 adults"]
    comp_ineq = ineq.loc["12-week completion (% of referrals)"]
    fit = res.decay
    where = "the centres" if p.centre_id is None else md_escape(p.centre_name)
    lines = [
        f"- In {p.window_label}, {where} received {count_text(int(city['referrals']))} referrals of "
        f"{p.group_label}: "
        f"{number(city['referral_rate'], 1)} per 1,000 adults (95% CI {number(city['referral_rate_lowercl'], 1)} to "
        f"{number(city['referral_rate_uppercl'], 1)}). {number(city['takeup_pct'], 1)}% took up the offer and "
        f"{number(city['completion_pct'], 1)}% of referrals completed 12 weeks.",
        f"- Referral rates run from {number(q.loc[5, 'referral_rate'], 1)} per 1,000 adults in the least deprived "
        f"fifth of wards to {number(q.loc[1, 'referral_rate'], 1)} in the most deprived "
        f"({_ratio_text(q.loc[1, 'referral_rate'], q.loc[5, 'referral_rate'])}slope index "
        f"{number(ref_ineq['sii'], 1, sign=True)} per 1,000, 95% CI {number(ref_ineq['sii_lowercl'], 1, sign=True)} to "
        f"{number(ref_ineq['sii_uppercl'], 1, sign=True)}).",
        f"- 12-week completion is {number(q.loc[1, 'completion_pct'], 1)}% in the most deprived fifth against "
        f"{number(q.loc[5, 'completion_pct'], 1)}% in the least (slope index {number(comp_ineq['sii'], 1, sign=True)} percentage "
        f"points, 95% CI {number(comp_ineq['sii_lowercl'], 1, sign=True)} to {number(comp_ineq['sii_uppercl'], 1, sign=True)}).",
    ]
    if fit is not None:
        lines.append(
            f"- Take-up {fit.direction} with distance: each extra km to {fit.target} multiplies the odds "
            f"of taking up a referral by {number(fit.odds_ratio_per_km, 3)} (95% CI {number(fit.odds_ratio_lowercl, 3)} "
            f"to {number(fit.odds_ratio_uppercl, 3)}; p {'< 0.001' if fit.p_value < 0.001 else f'= {number(fit.p_value, 3)}'}); "
            f"the fitted take-up is {number(fit.curve['fitted_pct'].iloc[0], 1)}% at 0 km and "
            f"{number(fit.curve['fitted_pct'].iloc[-1], 1)}% at {number(fit.curve['distance_km'].iloc[-1], 1)} km."
        )
    else:
        lines.append("- Too few wards have referrals in this selection to fit a distance decay.")
    flagged = res.need[res.need["high_need_low_uptake"]]
    if len(flagged):
        lines.append(
            f"- {len(flagged)} high-need ward{'s' if len(flagged) != 1 else ''} "
            f"{'have' if len(flagged) != 1 else 'has'} uptake below the city rate: "
            + ", ".join(map(md_escape, flagged["ward_name"].astype(str)))
            + f" ({_significantly(int((flagged['uptake_vs_city'] == 'lower').sum()), len(flagged))})."
        )
    else:
        lines.append("- No high-need ward has uptake below the city rate.")
    if res.coverage is not None:
        c = res.coverage
        lines.append(
            f"- {number(c.pct_before, 1)}% of adults live within {c.service_radius_m / 1000:g} km of a centre "
            f"(straight line). A seventh centre in {md_escape(_ward_name(res, c.site_ward_code))} ward would raise this "
            f"to {number(c.pct_after, 1)}% (about {number(c.gain, 0)} more adults)."
        )
    return "\n".join(lines)


def methods_notes(res: WellnessAnalysis, catchment_m: float = DEFAULT_CATCHMENT_M) -> str:
    """Methods and assumptions of ``res`` in words (Markdown), with the values actually used."""
    p = res.params
    c = res.coverage
    lines = [
        f"- **Window.** Referrals received in the four quarters {p.window_label}, by ward of residence. "
        f"Centre: {p.centre_name}. Group: {p.group_label}.",
        f"- **Denominators.** Adults aged 16+ from the {p.population_year} mid-year estimates; 16-19 year "
        "olds are taken as four fifths of the 15-19 band. Rates per 1,000 adults have exact Poisson "
        "(under 10 events) or Byar's 95% limits; percentages have Wilson score limits; mean BMI change "
        "(kg/m2, completers only) has Student's t limits.",
        "- **Stages.** Take-up is the share of referrals with a first attendance; uptake is the number "
        "taking up per 1,000 adults; 12-week completion is the share of referrals completing 12 weeks "
        "(as in the Northumberland benchmark), so it includes those who never started.",
        "- **Funnel plots.** 12-week completion against the pooled average with 95% and 99.8% limits "
        "(Public Health England's score-based limits for proportions); no overdispersion adjustment.",
        "- **Distance.** Straight-line (network-free) distance in British National Grid metres from each "
        "ward's population point to the nearest centre. With no population below ward level, people are "
        "assumed to be spread evenly over each ward, so the population-weighted point is the ward's "
        "area centroid.",
        f"- **Accessibility.** Two-step floating catchment area (2SFCA, PySAL `access`) with a "
        f"{catchment_m / 1000:g} km straight-line catchment; supply is one unit of capacity per centre "
        "(capacities assumed equal, as none are recorded); demand is the adult population. Values are "
        "centres per 100,000 adults within reach.",
        "- **Distance decay.** Binomial GLM with a logit link of take-up on the straight-line distance "
        "(km) from the ward's centroid to the centre each referral went to, one row per ward and centre "
        "(the same fit as a referral-level logistic regression); a second model adjusts for the ward's "
        "IMD 2007 score, sex and age band. The decay parameter is the change in log-odds per km (Wald "
        "95% CI); its exponential is the odds ratio per km.",
        "- **Inequality.** Slope index (SII): weighted least-squares slope of each quintile's value on the "
        "cumulative rank midpoint of its population, least deprived at 0 and most deprived at 1 (so a "
        "positive SII means higher in deprived areas); relative index (RII) = SII / weighted mean. 95% "
        "intervals from 10,000 seeded simulations of the quintile values.",
        "- **Need.** Need score = mean of the z-scores of the ward's IMD 2007 score and its all-cause "
        "standardised mortality ratio (indirect, by age and sex against the city, three years pooled). "
        "High need: top 40% of wards. Low uptake: uptake per 1,000 adults below the city rate "
        "(significance shown separately).",
    ]
    if c is not None:
        lines.append(
            f"- **Seventh centre.** Maximal covering location problem (PySAL `spopt` MCLP, CBC solver "
            f"bundled with `pulp`): the {len(res.centres)} centres are fixed and one more is chosen to bring "
            f"the most adults within {c.service_radius_m / 1000:g} km (straight line). Demand: "
            f"{len(c.demand)} points on a 500 m grid, each ward's adults shared evenly among its points. "
            f"Candidates: {len(c.candidates)} sites (ward centroids and a 1 km grid). No travel network, "
            "land availability, cost or capacity is considered: the result says where unserved people "
            "live, not where a centre can be built."
        )
    return "\n".join(lines)
