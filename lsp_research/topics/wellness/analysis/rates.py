"""Referral records, adult denominators, rates, stages, funnels and need by ward.

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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .... import stats
from ....errors import DataValidationError, Problem
from ..inputs import POPULATION_TO_REFERRAL_BAND, Window, population_group_filter


def select_referrals(referrals: pd.DataFrame, window: Window) -> pd.DataFrame:
    """The referrals in the window, for the centre and population group of ``window``.

    Uses the ``period`` column (``YYYYQn``) to pick the window.
    """
    periods = {str(q) for q in window.quarters}
    keep = referrals["period"].astype(str).isin(periods)
    if window.centre_id is not None:
        keep &= referrals["centre_id"].astype(str) == window.centre_id
    sex, bands = population_group_filter(window.population_group)
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


def _rate(df: pd.DataFrame, x: str, n: str, prefix: str, multiplier: float = 1000) -> pd.DataFrame:
    """Add ``<prefix>``, ``<prefix>_lowercl`` and ``<prefix>_uppercl`` per row: crude rate of x per n."""
    out = df.reset_index(drop=True)
    res = stats.crude_rate(out[[x, n]], x=x, n=n, multiplier=multiplier)
    out[prefix] = res["value"].to_numpy()
    out[f"{prefix}_lowercl"] = res["lowercl"].to_numpy()
    out[f"{prefix}_uppercl"] = res["uppercl"].to_numpy()
    return out


def _prop(df: pd.DataFrame, x: str, n: str, prefix: str) -> pd.DataFrame:
    """Add a Wilson percentage ``<prefix>`` with limits per row (missing where n is 0)."""
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


def completion_funnel(
    referrals: pd.DataFrame, by: str, names: pd.Series | None = None
) -> pd.DataFrame:
    """12-week completion by ``by`` (ward or centre) against the pooled average, for a funnel plot.

    Returns ``by``, ``completed``, ``referrals``, ``completion_pct`` and ``significance`` (the funnel
    label at 95% and 99.8%, from :func:`lsp_research.stats.funnel_significance`).
    """
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


def mortality_ratio(deaths: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """All-cause standardised mortality ratio (city = 100) by ward, pooled over ``years``.

    Indirect standardisation by age band and sex against the city's own rates, with the count limits of
    :func:`lsp_research.stats.isratio`.
    """
    d = deaths[deaths["year"].isin(list(years))]
    if d.empty:
        raise DataValidationError(
            [Problem("processed table deaths", None, "year", f"no deaths data for {list(years)}")],
            context="the wellness inputs",
        )
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
    rates: pd.DataFrame,
    city: pd.DataFrame,
    smr: pd.DataFrame,
    high_need_share: float = 0.4,
    withheld: pd.Series | None = None,
) -> pd.DataFrame:
    """Wards where need is high but uptake is low.

    Need is the mean of the standardised (z-scored) IMD 2007 score and mortality ratio across wards.
    A ward is *high need* in the top ``high_need_share`` of wards by need, and *low uptake* when its
    uptake per 1,000 adults is below the city's; ``uptake_vs_city`` says whether the difference is
    statistically significant (95% interval). A ward whose uptake is withheld (``withheld``: True per
    row of ``rates``) is not compared: ``uptake_vs_city`` is ``"withheld"`` and it is never flagged
    (``uptake_withheld`` True), so no flag says on which side of the city rate a withheld rate lies.

    Returns the ward table with ``smr``, ``need_score``, ``high_need``, ``uptake_vs_city``,
    ``uptake_withheld`` and ``high_need_low_uptake``, highest need first.

    Examples
    --------
    >>> rates = pd.DataFrame({"ward_code": ["A", "B", "C"], "imd2007_score": [50.0, 40.0, 10.0],
    ...                       "uptake_rate": [1.0, 2.0, 9.0], "uptake_rate_lowercl": [0.5, 1.0, 8.0],
    ...                       "uptake_rate_uppercl": [1.5, 3.0, 10.0]})
    >>> smr = pd.DataFrame({"ward_code": ["A", "B", "C"], "smr": [130.0, 120.0, 80.0]})
    >>> city = pd.DataFrame({"uptake_rate": [5.0]})
    >>> t = need_and_uptake(rates, city, smr, 0.67, withheld=pd.Series([True, False, False]))
    >>> t[["ward_code", "high_need", "uptake_vs_city", "high_need_low_uptake"]]
      ward_code  high_need uptake_vs_city  high_need_low_uptake
    0         A       True       withheld                 False
    1         B       True          lower                  True
    2         C      False         higher                 False
    """
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
    hidden = np.zeros(len(rates), bool) if withheld is None else np.asarray(withheld, bool)
    t["uptake_withheld"] = hidden
    t["uptake_vs_city"] = t["uptake_vs_city"].astype(object).where(~hidden, "withheld")
    t["high_need_low_uptake"] = t["high_need"] & (t["uptake_rate"] < city_rate) & ~hidden
    return t.sort_values("need_score", ascending=False).reset_index(drop=True)
