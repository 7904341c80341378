"""Analysis windows, standard populations, strata of admissions and person-time, and DSR tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .... import config, disclosure, periods, stats
from ....errors import DataValidationError, ParameterError, PeriodError, Problem
from ..inputs import STANDARD_POPULATIONS, one_of


def analysis_window(
    period_end: str, years_pooled: int, available
) -> tuple[periods.Quarter, periods.Quarter]:
    """The first and last quarter of the pooled window that ends at ``period_end``.

    Parameters
    ----------
    period_end : str
        ``YYYYQn`` or ``"latest"`` (the newest quarter in ``available``).
    years_pooled : int
        Length of the window in years (4 quarters each).
    available : iterable of str
        The quarters present in the data.

    Raises
    ------
    PeriodError
        When the period is not in the data, or the data do not reach back far enough.

    Examples
    --------
    >>> analysis_window("latest", 3, ["2004Q1", "2009Q4"])
    (Quarter('2007Q1'), Quarter('2009Q4'))
    >>> analysis_window("2005Q2", 3, ["2004Q1", "2005Q2", "2009Q4"])
    Traceback (most recent call last):
    ...
    lsp_research.errors.PeriodError: 3 years ending 2005Q2 start at 2002Q3, before the data (which start at 2004Q1); choose fewer years or a later period_end
    """
    available = sorted({periods.Quarter.parse(a) for a in available})
    end = periods.resolve(period_end, available)
    start = end - (4 * int(years_pooled) - 1)
    if start < available[0]:
        raise PeriodError(
            f"{years_pooled} years ending {end} start at {start}, before the data (which start at "
            f"{available[0]}); choose fewer years or a later period_end"
        )
    return start, end


def quarters_frame(start: periods.Quarter, end: periods.Quarter, pop_years) -> pd.DataFrame:
    """One row per quarter with its financial year and the mid-year population year used for it.

    The mid-year estimate for a financial year is the one dated 30 June of its first calendar year; a
    year without an estimate takes the nearest year that has one.
    """
    qs = list(periods.quarter_range(start, end))
    years = np.array(sorted(int(y) for y in set(pop_years)))
    fy = np.array([q.year for q in qs])
    nearest = years[np.abs(years[None, :] - fy[:, None]).argmin(axis=1)]
    return pd.DataFrame({"period": [str(q) for q in qs], "financial_year": fy, "pop_year": nearest})


def band_map(standard_population: str) -> dict[str, str]:
    """How the data's ESP 2013 age bands map to the chosen standard's bands.

    >>> m = band_map("esp1976")
    >>> m["85-89"], m["90+"], m["40-44"]
    ('85+', '85+', '40-44')
    """
    standard_population = one_of("standard_population", standard_population, STANDARD_POPULATIONS)
    mapping = {b: b for b in config.ESP2013_BANDS}
    if standard_population == "esp1976":
        mapping.update({"85-89": "85+", "90+": "85+"})
    return mapping


def standard_weights(standard_population: str) -> pd.Series:
    """Standard population weights per 100,000, indexed by age band.

    >>> int(standard_weights("esp1976")["85+"]), int(standard_weights("esp2013").sum())
    (1000, 100000)
    """
    standard_population = one_of("standard_population", standard_population, STANDARD_POPULATIONS)
    if standard_population == "esp1976":
        return pd.Series(config.ESP1976, index=list(config.ESP1976_BANDS), name="stdpop")
    return pd.Series(config.ESP2013, index=list(config.ESP2013_BANDS), name="stdpop")


def area_lookup(wards: pd.DataFrame) -> pd.DataFrame:
    """Ward attributes used for grouping: ``ward_code``, ``ward_name``, ``area_committee``, ``imd_quintile``."""
    cols = ["ward_code", "ward_name", "area_committee", "imd_quintile"]
    return pd.DataFrame(wards[[c for c in cols if c in wards.columns]]).reset_index(drop=True)


def _check_population(adm: pd.DataFrame, known: pd.DataFrame, stratum: list[str]) -> None:
    """Raise :class:`DataValidationError` when admissions fall in strata that have no population."""
    orphans = adm.merge(known, on=stratum, how="left", indicator=True)
    orphans = orphans[orphans["_merge"] == "left_only"]
    if len(orphans):
        row = orphans.iloc[0]
        raise DataValidationError(
            [Problem("admissions", None, "ward_code",
                     f"{int(orphans['episodes'].sum())} admissions fall in strata without population, "
                     f"e.g. ward {row['ward_code']}, sex {row['sex']}, age band {row['age_band']}")],
            context="alcohol admissions",
        )  # fmt: skip


def stratify(
    admissions: pd.DataFrame,
    weights: pd.Series,
    population: pd.DataFrame,
    start: periods.Quarter,
    end: periods.Quarter,
    by: list[str],
    standard_population: str = "esp2013",
    areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Weighted admissions and person-years per group, sex and age band, with every stratum present.

    Parameters
    ----------
    admissions : pandas.DataFrame
        Episodes with ``period``, ``financial_year``, ``ward_code``, ``sex``, ``age_band``.
    weights : pandas.Series
        Each episode's weight in the measure (:func:`episode_weights`), aligned with ``admissions``.
    population : pandas.DataFrame
        ``year``, ``ward_code``, ``sex``, ``age_band``, ``population`` (mid-year estimates).
    start, end : Quarter
        The window, inclusive.
    by : list of str
        Grouping: any of ``period``, ``financial_year``, ``ward_code`` and the columns of ``areas``
        (``area_committee``, ``imd_quintile``, ...); ``[]`` for the whole city.
    standard_population : str
        Decides the age bands (``esp1976`` merges 85-89 and 90+ into 85+).
    areas : pandas.DataFrame, optional
        Ward attributes (:func:`area_lookup`) for grouping by something other than ward.

    Returns
    -------
    pandas.DataFrame
        ``by`` + ``sex``, ``age_band``, ``events`` (sum of weights), ``episodes`` (episodes with a
        positive weight), ``person_years`` (each quarter counts a quarter of the mid-year population),
        ``stdpop`` (the standard's weight for the age band).

    Raises
    ------
    DataValidationError
        When admissions fall in a stratum (ward, sex, age band) that has no population.
    """
    bands = band_map(standard_population)
    std = standard_weights(standard_population)
    quarters = quarters_frame(start, end, population["year"].unique())
    lo, hi = str(start), str(end)
    area_by = [b for b in by if b not in ("period", "financial_year")]
    extra = [b for b in area_by if b != "ward_code"]
    if extra and areas is None:
        raise ParameterError(f"areas: needed to group by {extra}; pass area_lookup(wards)")
    stratum = ["ward_code", "sex", "age_band"]

    # episodes -> fine strata (quarter, ward, sex, band) first, so that the rest works on small frames
    w = np.asarray(weights, dtype=float)
    period = admissions["period"].astype(str)
    keep = ((w > 0) & (period >= lo) & (period <= hi)).to_numpy(dtype=bool)
    fine = ["period", *stratum]
    adm = admissions.loc[keep, fine].assign(events=w[keep], episodes=1)
    adm = adm.groupby(fine, observed=True)[["events", "episodes"]].sum().reset_index()
    adm["period"] = adm["period"].astype(str)
    adm["financial_year"] = adm["period"].map(quarters.set_index("period")["financial_year"])

    # population strata define the grid; no admission may fall outside it
    pop = population.loc[:, ["year", *stratum, "population"]]
    _check_population(adm, pop[stratum].drop_duplicates(), stratum)

    for col in extra:
        lookup = areas.set_index("ward_code")[col]
        adm[col] = adm["ward_code"].map(lookup)
        pop[col] = pop["ward_code"].map(lookup)
    for frame in (adm, pop):
        frame["age_band"] = frame["age_band"].astype(str).map(bands)
    keys = [*by, "sex", "age_band"]
    counts = adm.groupby(keys, observed=True, dropna=False)[["events", "episodes"]].sum()
    # person-time: each quarter counts a quarter of its financial year's mid-year population
    pop = pop.groupby(["year", *area_by, "sex", "age_band"], observed=True, dropna=False)
    pop = pop["population"].sum().reset_index()
    pop = pop.merge(quarters, left_on="year", right_on="pop_year")
    pop["person_years"] = pop["population"] * 0.25
    py = pop.groupby(keys, observed=True, dropna=False)["person_years"].sum()
    out = py.to_frame().join(counts, how="left").reset_index()
    out[["events", "episodes"]] = out[["events", "episodes"]].fillna(0)
    out["episodes"] = out["episodes"].astype(int)
    out["stdpop"] = out["age_band"].map(std).astype(float)
    return out


#: Labels of the significance categories (as in funnel plots: 95% and 99.8% two-sided limits).
SIGNIFICANCE_LEVELS = (
    "High (0.001)",
    "High (0.025)",
    "Not significant",
    "Low (0.025)",
    "Low (0.001)",
)


def _drop_empty_strata(strata: pd.DataFrame, what: str) -> pd.DataFrame:
    """Drop strata with no population; admissions in them would be an error in the data."""
    empty = strata["person_years"] <= 0
    if (strata.loc[empty, "events"] > 0).any():
        raise DataValidationError(
            [
                Problem(
                    what, None, "population", "admissions recorded in a stratum with no population"
                )
            ],
            context=what,
        )
    return strata[~empty]


def published_counts(table: pd.DataFrame) -> pd.DataFrame:
    """The counts a table publishes beside a rate: ``episodes`` and the AAF-weighted ``admissions``
    (``total_count`` rounded to whole admissions), one row per row of ``table``.

    >>> published_counts(pd.DataFrame({"episodes": [4, 30], "total_count": [3.6, 21.2]}))
       episodes  admissions
    0         4           4
    1        30          21
    """
    weighted = np.round(table["total_count"].to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "episodes": table["episodes"].astype(int).to_numpy(),
            "admissions": pd.Series(weighted, dtype="Int64"),
        }
    )


def withheld_rows(table: pd.DataFrame) -> np.ndarray:
    """Which rows of a DSR table (:func:`dsr_table`) disclosure control withholds: a row whose episodes
    or weighted admissions are withheld (1-5, or hidden so that no such count can be worked out from the
    others and their total). Its rate and interval are withheld with it.

    >>> t = pd.DataFrame({"episodes": [3, 40, 12, 60], "total_count": [2.5, 30.2, 9.6, 50.0]})
    >>> withheld_rows(t).tolist()
    [True, False, True, False]
    """
    counts = published_counts(table)
    out = disclosure.protect(counts, list(counts.columns), total_rows=False)
    hidden = np.zeros(len(out), dtype=bool)
    for col in counts.columns:
        hidden |= out[col].map(lambda v: v == disclosure.SUPPRESSED).to_numpy(dtype=bool)
    return hidden


def dsr_table(
    strata: pd.DataFrame, by: list[str], confidence: float | tuple[float, ...] = 0.95
) -> pd.DataFrame:
    """Directly standardised rates per 100,000 (per year of person-time) for each group of ``by``.

    Parameters
    ----------
    strata : pandas.DataFrame
        From :func:`stratify`: ``events``, ``episodes``, ``person_years``, ``stdpop`` by ``by``, sex and
        age band (the standard's weights apply to each sex, so the rate is age-sex standardised).
    by : list of str
        Group columns (``[]`` for one rate).
    confidence : float or tuple of float

    Returns
    -------
    pandas.DataFrame
        ``by``, ``episodes``, ``total_count`` (weighted events), ``total_pop`` (person-years), ``value``
        and limits (missing when the weighted count is under 10), ``shown`` (may be published).

    Examples
    --------
    >>> s = pd.DataFrame({"sex": ["M", "F"] * 2, "age_band": ["0-4", "0-4", "5-9", "5-9"],
    ...                   "events": [5.0, 5.0, 10.0, 0.0], "episodes": [5, 5, 10, 0],
    ...                   "person_years": [1000.0] * 4, "stdpop": [5000.0, 5000.0, 5500.0, 5500.0]})
    >>> r = dsr_table(s, [])
    >>> round(float(r["value"].iloc[0]), 1), int(r["episodes"].iloc[0]), bool(r["shown"].iloc[0])
    (500.0, 20, True)
    """
    strata = _drop_empty_strata(strata, "admissions")
    out = stats.dsr(strata, "events", "person_years", stdpop="stdpop", by=by or None,
                    confidence=confidence)  # fmt: skip
    if by:
        episodes = strata.groupby(by, sort=False, observed=True)["episodes"].sum()
        out = out.merge(episodes.reset_index(), on=by, how="left")
    else:
        out["episodes"] = int(strata["episodes"].sum())
    out["shown"] = disclosure.dsr_allowed(out["total_count"].to_numpy())
    return out


def complete_years(start: periods.Quarter, end: periods.Quarter) -> list[int]:
    """Financial years (start years) wholly inside ``start``..``end``.

    >>> complete_years(periods.Quarter(2004, 1), periods.Quarter(2009, 3))
    [2004, 2005, 2006, 2007, 2008]
    """
    first = start.year if start.q == 1 else start.year + 1
    last = end.year if end.q == 4 else end.year - 1
    return list(range(first, last + 1))


def significance_category(ratios: pd.DataFrame, reference: float = 100.0) -> pd.Series:
    """Label each ratio against ``reference`` with its 95% and 99.8% limits (funnel-plot labels).

    >>> r = pd.DataFrame({"lower95_0cl": [120, 105, 80, 60], "upper95_0cl": [150, 130, 110, 90],
    ...                   "lower99_8cl": [110, 95, 70, 50], "upper99_8cl": [160, 140, 120, 99]})
    >>> significance_category(r).tolist()
    ['High (0.001)', 'High (0.025)', 'Not significant', 'Low (0.001)']
    """
    cats = np.select(
        [
            ratios["lower99_8cl"] > reference,
            ratios["lower95_0cl"] > reference,
            ratios["upper99_8cl"] < reference,
            ratios["upper95_0cl"] < reference,
        ],
        ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        default="Not significant",
    )
    return pd.Series(pd.Categorical(cats, categories=SIGNIFICANCE_LEVELS), index=ratios.index)
