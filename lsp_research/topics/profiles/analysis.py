"""A profile's computation: every indicator for every ward, area committee and the city at once, then
the area's spine, changes, pyramid and deprivation (:func:`analyse`).

Everything in a profile is computed from ward-level counts, so a value for an area committee or the
city is the sum of its wards' counts (rates are recomputed from the summed counts, never averaged), and
the numbers agree across profiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import config, periods, stats
from ...disclosure import SUPPRESSED, withheld
from ...errors import ParameterError
from .. import alcohol, wellness
from .inputs import Area, Inputs, Params, resolve_area


def population_year(period_year: int, population: pd.DataFrame) -> int:
    """The mid-year estimate used for a financial year: the one at its start, capped to the data."""
    years = population["year"].astype(int)
    return int(min(max(period_year, years.min()), years.max()))


def pyramid(population: pd.DataFrame, area: Area, year: int) -> pd.DataFrame:
    """Population by age band and sex for the area and the city, as counts and % of each total.

    Returns one row per age band and sex with ``area_count``, ``area_pct``, ``city_count``, ``city_pct``.
    """
    pop = population[population["year"] == year]
    city = pop.groupby(["age_band", "sex"], observed=True)["population"].sum()
    here = (
        pop[pop["ward_code"].isin(area.ward_codes)]
        .groupby(["age_band", "sex"], observed=True)["population"]
        .sum()
    )
    out = pd.DataFrame({"area_count": here, "city_count": city}).fillna(0).reset_index()
    out["area_pct"] = 100 * out["area_count"] / out["area_count"].sum()
    out["city_pct"] = 100 * out["city_count"] / out["city_count"].sum()
    order = {b: i for i, b in enumerate(config.ESP2013_BANDS)}
    out["_o"] = out["age_band"].map(order)
    return out.sort_values(["_o", "sex"]).drop(columns="_o").reset_index(drop=True)


def deprivation_summary(
    wards: pd.DataFrame, area: Area, population: pd.DataFrame, year: int
) -> dict:
    """IMD 2007 score of the area (population-weighted mean of its wards) and its place among wards."""
    pop = population[population["year"] == year].groupby("ward_code")["population"].sum()
    w = wards.set_index("ward_code")
    score = float(
        np.average(
            w.loc[list(area.ward_codes), "imd2007_score"], weights=pop.loc[list(area.ward_codes)]
        )
    )
    out = {"imd2007_score": round(score, 1)}
    if area.kind == "ward":
        rank = w["imd2007_score"].rank(ascending=False, method="min")
        out["rank_most_deprived"] = int(rank.loc[area.code])
        out["n_wards"] = len(w)
        out["imd_quintile"] = int(w.loc[area.code, "imd_quintile"])
    return out


# --------------------------------------------------------------------------------------------------
# Life expectancy
# --------------------------------------------------------------------------------------------------


def life_expectancy_table(
    deaths: pd.DataFrame, years: list[int], wards: pd.DataFrame
) -> pd.DataFrame:
    """Life expectancy at birth by sex for every ward, area committee and the city, pooled over ``years``.

    Deaths and populations are summed over the years (person-years) before the life table is built, as
    public-health practice does for small areas (Chiang II with Silcocks' variance, via
    :func:`lsp_research.stats.life_expectancy`).

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``sex``, ``value``, ``lowercl``, ``uppercl``, ``deaths``.
    """
    d = deaths[deaths["year"].isin(years)].merge(
        wards[["ward_code", "area_committee"]], on="ward_code"
    )
    frames = []
    for key in ("ward_code", "area_committee", None):
        g = d.assign(area_code=d[key] if key else config.LAD_CODE)
        agg = g.groupby(["area_code", "sex", "age_band_le"], observed=True, as_index=False)[
            ["deaths", "population"]
        ].sum()
        le = stats.life_expectancy(agg, "deaths", "population", by=["area_code", "sex"],
                                   startage="age_band_le", le_age=0)  # fmt: skip
        le["deaths"] = le["area_code"].map(agg.groupby("area_code")["deaths"].sum()).to_numpy()
        frames.append(le[["area_code", "sex", "value", "lowercl", "uppercl", "deaths"]])
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------------
# Indicators for every area at once (wards, area committees, city)
# --------------------------------------------------------------------------------------------------

#: The spine chart's indicators: name, unit and polarity (``increase`` = higher is better).
SPINE_INDICATORS = {
    "le_male": ("Life expectancy at birth, males", "years", "increase"),
    "le_female": ("Life expectancy at birth, females", "years", "increase"),
    "alcohol_sar": ("Alcohol-related admissions (broad), ratio to city", "city = 100", "decrease"),
    "alcohol_specific_sar": (
        "Alcohol-specific admissions, ratio to city",
        "city = 100",
        "decrease",
    ),
    "incident_rate": ("Alcohol-related incidents", "per 1,000 residents a year", "decrease"),
    "referral_rate": ("Wellness referrals", "per 1,000 adults a year", "increase"),
    "completion_pct": ("Wellness 12-week completion", "% of referrals", "increase"),
    "pct_65plus": ("Residents aged 65 and over", "% of residents", "neutral"),
}


def _levels(wards: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """(level, area code per ward) for wards, area committees and the city."""
    w = wards.set_index("ward_code")
    return [
        ("ward", pd.Series(w.index, index=w.index)),
        ("area_committee", w["area_committee"].astype(str)),
        ("city", pd.Series(config.LAD_CODE, index=w.index)),
    ]


def _counts_by_area(
    ward_counts: pd.DataFrame, wards: pd.DataFrame, cols: list[str]
) -> pd.DataFrame:
    """Sum ward-level count columns up to every area (wards, area committees, city)."""
    frames = []
    wc = ward_counts.set_index("ward_code")[cols]
    for level, code in _levels(wards):
        g = wc.groupby(code.reindex(wc.index)).sum()
        g.index.name = "area_code"
        frames.append(g.reset_index().assign(level=level))
    return pd.concat(frames, ignore_index=True)


@dataclass
class AreaIndicators:
    """Every spine indicator for every area, for one window.

    ``table`` has one row per area and indicator: ``area_code``, ``level``, ``indicator``, ``value``,
    ``lowercl``, ``uppercl``, ``numerator`` (the count behind the value, for disclosure control and
    aggregation checks), ``denominator``. ``counts`` has the ward-level counts the values come from.
    """

    table: pd.DataFrame
    counts: pd.DataFrame
    start: object
    end: object


def _rows(area_code, level, key: str, est, numerator, denominator) -> pd.DataFrame:
    """One indicator's rows of :attr:`AreaIndicators.table` (series are taken by position)."""

    def col(x):
        return x.to_numpy() if isinstance(x, pd.Series) else x

    return pd.DataFrame({
        "area_code": col(area_code), "level": col(level), "indicator": key,
        "value": col(est["value"]), "lowercl": col(est["lowercl"]), "uppercl": col(est["uppercl"]),
        "numerator": col(numerator).astype(float), "denominator": col(denominator),
    })  # fmt: skip


def _admission_rows(inputs, wards, classified, start, end) -> tuple[list[pd.DataFrame], dict]:
    """Alcohol admissions: indirectly standardised ratios at every level (city reference); also the
    observed admissions by ward (broad and specific).
    """
    areas = alcohol.area_lookup(wards).assign(city=config.LAD_CODE)
    rows, ward_obs = [], {}
    for key, measure in (("alcohol_sar", "broad"), ("alcohol_specific_sar", "specific")):
        weights = alcohol.episode_weights(classified, measure)
        ward_strata = alcohol.stratify(
            inputs["admissions"], weights, inputs["population"], start, end, by=["ward_code"]
        )
        ward_strata = ward_strata.merge(
            areas[["ward_code", "area_committee", "city"]], on="ward_code"
        )
        for level, col in (
            ("ward", "ward_code"),
            ("area_committee", "area_committee"),
            ("city", "city"),
        ):
            strata = ward_strata.groupby([col, "sex", "age_band"], observed=True, as_index=False).agg(
                events=("events", "sum"), episodes=("episodes", "sum"),
                person_years=("person_years", "sum"), stdpop=("stdpop", "first"),
            )  # fmt: skip
            r = alcohol.area_ratios(strata, col)
            if level == "ward":
                ward_obs[key] = r.set_index("ward_code")["observed"]
            est = r.rename(columns={"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"})
            rows.append(_rows(r[col].astype(str), level, key, est, r["episodes"], r["expected"]))
    return rows, ward_obs


def _incident_rows(inputs, wards, start, end) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Police incidents per 1,000 residents a year; also the incidents and person-years by ward."""
    inc = alcohol.incident_rates(inputs["incidents"], inputs["population"], start, end)
    inc_counts = inc[["ward_code", "incidents", "person_years"]]
    agg = _counts_by_area(inc_counts, wards, ["incidents", "person_years"])
    r = stats.crude_rate(agg, "incidents", "person_years", multiplier=1000)
    rows = _rows(agg["area_code"], agg["level"], "incident_rate", r, agg["incidents"],
                 agg["person_years"])  # fmt: skip
    return rows, inc_counts


def _wellness_rows(inputs, wards, start, end) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """Wellness referrals per 1,000 adults a year and 12-week completion; also the counts by ward."""
    qs = {str(q) for q in periods.quarter_range(start, end)}
    refs = inputs["referrals"][inputs["referrals"]["period"].astype(str).isin(qs)]
    adults = wellness.adult_population(inputs["population"], start.year)
    wc = adults.merge(
        refs.groupby("ward_code", observed=True).agg(referrals=("referral_id", "size"),
                                                     completed=("completed_12wk", "sum")).reset_index(),
        on="ward_code", how="left",
    ).fillna({"referrals": 0, "completed": 0})  # fmt: skip
    wc["adult_years"] = wc["population"] * ((end - start + 1) / 4)
    agg = _counts_by_area(wc, wards, ["referrals", "completed", "adult_years"])
    r = stats.crude_rate(agg, "referrals", "adult_years", multiplier=1000)
    rows = [_rows(agg["area_code"], agg["level"], "referral_rate", r, agg["referrals"],
                  agg["adult_years"])]  # fmt: skip
    ok = agg["referrals"] > 0
    p = stats.proportion(agg[ok], "completed", "referrals", multiplier=100)
    rows.append(_rows(agg.loc[ok, "area_code"], agg.loc[ok, "level"], "completion_pct", p,
                      agg.loc[ok, "completed"], agg.loc[ok, "referrals"].astype(float)))  # fmt: skip
    return rows, wc


def _older_rows(population, wards, end) -> pd.DataFrame:
    """Share aged 65+ (mid-year estimate at the start of the window's last financial year)."""
    year = population_year(end.year, population)
    pop = population[population["year"] == year]
    old = pop["age_band"].astype(str).isin(config.ESP2013_BANDS[13:])
    pc = (
        pop.assign(old=pop["population"].where(old, 0))
        .groupby("ward_code", as_index=False)[["old", "population"]]
        .sum()
    )
    agg = _counts_by_area(pc, wards, ["old", "population"])
    p = stats.proportion(agg, "old", "population", multiplier=100)
    return _rows(agg["area_code"], agg["level"], "pct_65plus", p, agg["old"],
                 agg["population"].astype(float))  # fmt: skip


def area_indicators(
    inputs: Inputs | dict,
    start,
    end,
    le_years: list[int],
    classified: pd.DataFrame | None = None,
    le: pd.DataFrame | None = None,
) -> AreaIndicators:
    """Compute the spine indicators for all wards, area committees and the city over ``start``-``end``.

    ``inputs`` holds the processed tables ``wards``, ``population``, ``deaths``, ``admissions``,
    ``incidents``, ``referrals``. Every value for an area committee or the city is computed from the
    sum of its wards' counts. ``classified`` (from :func:`lsp_research.topics.alcohol.classify_episodes`)
    saves classifying the admissions again; ``le`` (from :func:`life_expectancy_table`) saves the life tables.
    """
    wards = pd.DataFrame(inputs["wards"].drop(columns="geometry", errors="ignore"))
    if classified is None:
        classified = alcohol.classify_episodes(inputs["admissions"])
    rows, ward_obs = _admission_rows(inputs, wards, classified, start, end)
    incidents, inc_counts = _incident_rows(inputs, wards, start, end)
    referrals, wc = _wellness_rows(inputs, wards, start, end)
    rows += [incidents, *referrals, _older_rows(inputs["population"], wards, end)]

    # Life expectancy at birth.
    if le is None:
        le = life_expectancy_table(inputs["deaths"], le_years, wards)
    level_of = {c: lv for lv, s in _levels(wards) for c in set(s)}
    for sex, key in (("M", "le_male"), ("F", "le_female")):
        s = le[le["sex"] == sex]
        rows.append(
            _rows(s["area_code"], s["area_code"].map(level_of), key, s, s["deaths"], np.nan)
        )

    table = withhold_small_counts(pd.concat(rows, ignore_index=True), wards)
    counts = wc[["ward_code", "referrals", "completed", "adult_years"]].merge(
        inc_counts, on="ward_code"
    )
    counts["admissions_broad"] = counts["ward_code"].map(ward_obs["alcohol_sar"]).to_numpy()
    return AreaIndicators(table=table, counts=counts, start=start, end=end)


#: Indicators whose denominator is a count of people or events too: withheld with it.
_COUNT_DENOMINATOR = {"completion_pct": "referral_rate"}


def _relations(wards: pd.DataFrame) -> list[tuple[list[str], list[str]]]:
    """What adds up: the wards of each area committee to the committee, the committees to the city,
    and every ward to the city.
    """
    w = wards.set_index("ward_code")["area_committee"].astype(str)
    rels = [(list(g.index), [ac]) for ac, g in w.groupby(w)]
    rels.append((sorted(set(w)), [config.LAD_CODE]))
    rels.append((list(w.index), [config.LAD_CODE]))
    return rels


def ward_decision(ward_counts, wards: pd.DataFrame, rule: str = "hes2008") -> set:
    """The ward codes (and committees, and the city code) whose counts are withheld, from counts by ward.

    The same decision as :func:`withhold_small_counts` takes for the same counts: another report that
    publishes the same counts by ward (the alcohol report's ward tables) withholds the same wards.

    >>> wards = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "area_committee": ["A", "A", "B"]})
    >>> sorted(ward_decision({"W1": 3, "W2": 40, "W3": 20}, wards))
    ['W1', 'W2']
    """
    w = wards.set_index("ward_code")["area_committee"].astype(str)
    counts = {c: float(ward_counts.get(c, 0) or 0) for c in w.index}
    for ac, g in w.groupby(w):
        counts[ac] = sum(counts[c] for c in g.index)
    counts[config.LAD_CODE] = sum(counts[c] for c in w.index)
    return withheld({k: round(v) for k, v in counts.items()}, _relations(wards), rule)


def withhold_small_counts(table: pd.DataFrame, wards: pd.DataFrame, rule: str = "hes2008"):
    """Disclosure control for every area and indicator at once (wards, area committees, the city).

    For each indicator, the counts behind it (``numerator``) go through
    :func:`lsp_research.disclosure.withheld` over the relations ward -> area committee -> city, so a
    withheld count cannot be recovered by differencing levels, and every page (each ward's and each
    committee's profile, the index) withholds the same cells. An indicator whose denominator is a count
    (completion: completed of referred) is withheld with that count too. Where withheld, ``value``,
    ``lowercl`` and ``uppercl`` become missing (an interval on a small count reveals the count) and
    ``withheld`` is True; ``numerator`` is kept for the tables, which withhold it themselves.

    >>> wards = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "area_committee": ["A", "A", "B"]})
    >>> t = pd.DataFrame({"area_code": ["W1", "W2", "W3", "A", "B", config.LAD_CODE],
    ...     "indicator": "x", "value": 1.0, "lowercl": 0.5, "uppercl": 2.0,
    ...     "numerator": [3.0, 40.0, 20.0, 43.0, 20.0, 63.0]})
    >>> withhold_small_counts(t, wards)["withheld"].tolist()  # W1, W2, W3, A, B, the city
    [True, True, False, False, False, False]
    """
    relations = _relations(wards)
    out = table.copy()
    out["withheld"] = False
    hidden_by: dict[str, set] = {}
    for key, rows in out.groupby("indicator", sort=False):
        counts = dict(zip(rows["area_code"], rows["numerator"].round(), strict=True))
        hidden_by[key] = withheld(counts, relations, rule)
    for key, den in _COUNT_DENOMINATOR.items():
        if key in hidden_by and den in hidden_by:
            hidden_by[key] |= hidden_by[den]
    mask = np.array(
        [
            code in hidden_by[key]
            for code, key in zip(out["area_code"], out["indicator"], strict=True)
        ],
        dtype=bool,
    )
    out["withheld"] = mask
    out.loc[mask, ["value", "lowercl", "uppercl"]] = np.nan
    return out


def spine_data(ind: AreaIndicators, area: Area) -> pd.DataFrame:
    """Rows for :func:`lsp_research.plots.stats_charts.spine_chart`: the area against the city, with
    the range across wards; ``comparison`` is better / similar / worse (or higher / similar / lower).
    """
    t = ind.table
    wards_only = t[t["level"] == "ward"].groupby("indicator")["value"]
    city = t[t["area_code"] == config.LAD_CODE].set_index("indicator")["value"]
    here = t[t["area_code"] == area.code].set_index("indicator")
    rows = []
    for key, (name, unit, polarity) in SPINE_INDICATORS.items():
        if key not in here.index:
            continue
        r = here.loc[key]
        comparison = stats.compare(r["value"], r["lowercl"], r["uppercl"], city[key], polarity)
        if bool(r.get("withheld", False)):
            comparison = "withheld"
        rows.append({
            "key": key, "indicator": name, "unit": unit, "polarity": polarity,
            "value": r["value"], "lowercl": r["lowercl"], "uppercl": r["uppercl"],
            "count": r["numerator"], "comparator": city[key],
            "minimum": wards_only.min()[key], "maximum": wards_only.max()[key],
            "q25": wards_only.quantile(0.25)[key], "q75": wards_only.quantile(0.75)[key],
            "comparison": str(comparison), "withheld": bool(r.get("withheld", False)),
        })  # fmt: skip
    return pd.DataFrame(rows)


#: The indicators of the executive profile's compare-areas charts (the area against every other).
COMPARE_INDICATORS = ("alcohol_sar", "incident_rate", "referral_rate", "le_male", "le_female")


def compare_data(ind: AreaIndicators, area: Area, key: str, wards: pd.DataFrame) -> pd.DataFrame:
    """Every area of the profile's level (every ward for a ward or the city, every area committee for
    a committee) for one indicator, from the period's shared table: ``area_code``, ``label``,
    ``value``, ``lowercl``, ``uppercl``, ``withheld`` and ``highlight`` (the profile's own area).

    A withheld area keeps its row (the chart names it) with its value and interval missing.

    >>> wards = pd.DataFrame({"ward_code": ["W1", "W2"], "ward_name": ["One", "Two"],
    ...                       "area_committee": ["A", "A"]})
    >>> t = pd.DataFrame({"area_code": ["W1", "W2", "A"], "level": ["ward", "ward", "area_committee"],
    ...     "indicator": "x", "value": [1.0, np.nan, 1.5], "lowercl": [0.5, np.nan, 1.0],
    ...     "uppercl": [2.0, np.nan, 2.0], "withheld": [False, True, False]})
    >>> ind = AreaIndicators(table=t, counts=pd.DataFrame(), start=None, end=None)
    >>> compare_data(ind, Area("ward", "W2", "Two", ("W2",)), "x", wards)[["label", "highlight"]].values.tolist()
    [['One', False], ['Two', True]]
    """
    level = "area_committee" if area.kind == "area_committee" else "ward"
    t = ind.table
    rows = t[(t["level"] == level) & (t["indicator"] == key)]
    names = pd.DataFrame(wards).set_index("ward_code")["ward_name"].astype(str).to_dict()
    out = rows[["area_code", "value", "lowercl", "uppercl"]].copy()
    out["withheld"] = rows["withheld"].astype(bool) if "withheld" in rows else False
    out.insert(1, "label", [names.get(c, str(c)) for c in out["area_code"]])
    out["highlight"] = out["area_code"] == area.code
    return out.sort_values("area_code").reset_index(drop=True)


#: The indicators compared with the year before (those with a yearly figure).
CHANGE_INDICATORS = (
    "alcohol_sar",
    "alcohol_specific_sar",
    "incident_rate",
    "referral_rate",
    "completion_pct",
)

#: Significance level of the change since last year (two-sided).
CHANGE_ALPHA = 0.05


def changes(now: AreaIndicators, before: AreaIndicators, area: Area) -> pd.DataFrame:
    """What changed since last year: each indicator in the latest 12 months against the 12 months before.

    A change is judged by a test of the difference itself (:data:`~.text.CHANGE_METHOD`, from
    :func:`lsp_research.stats.difference_test`): significant when the two-sided p-value is below
    :data:`CHANGE_ALPHA`. Ratios to the city are compared as two Poisson rates of the observed (weighted)
    admissions over the expected ones; rates as two Poisson rates; percentages as two proportions.
    Overlapping 95% intervals do not mean no change, so they are not used.
    """
    keys = list(CHANGE_INDICATORS)
    a = now.table[(now.table["area_code"] == area.code) & now.table["indicator"].isin(keys)]
    b = before.table[
        (before.table["area_code"] == area.code) & before.table["indicator"].isin(keys)
    ]
    m = a.merge(b, on="indicator", suffixes=("_now", "_before"))
    out = pd.DataFrame({
        "key": m["indicator"],
        "indicator": m["indicator"].map(lambda k: SPINE_INDICATORS[k][0]),
        "unit": m["indicator"].map(lambda k: SPINE_INDICATORS[k][1]),
        "before": m["value_before"], "now": m["value_now"], "change": m["value_now"] - m["value_before"],
        "count_before": m["numerator_before"], "count_now": m["numerator_now"],
        "withheld_before": m["withheld_before"].astype(bool) if "withheld_before" in m else False,
        "withheld_now": m["withheld_now"].astype(bool) if "withheld_now" in m else False,
    })  # fmt: skip
    ratio = m["indicator"].isin(["alcohol_sar", "alcohol_specific_sar"]).to_numpy()
    prop = (m["indicator"] == "completion_pct").to_numpy()

    def counts(when):
        # a ratio to the city: observed (weighted) admissions = ratio x expected / 100
        x = np.where(
            ratio, m[f"value_{when}"] * m[f"denominator_{when}"] / 100, m[f"numerator_{when}"]
        )
        return x.astype(float), m[f"denominator_{when}"].to_numpy(float)

    (x1, n1), (x2, n2) = counts("before"), counts("now")
    p_rate = stats.difference_test(x1, n1, x2, n2, "rate")
    p_prop = stats.difference_test(x1, n1, x2, n2, "proportion")
    out["p_value"] = np.where(prop, p_prop, p_rate)
    out["method"] = np.where(prop, "two proportions", "two Poisson rates")
    apart = out["p_value"] < CHANGE_ALPHA
    polarity = m["indicator"].map(lambda k: SPINE_INDICATORS[k][2])
    up = out["change"] > 0
    good = (up & (polarity == "increase")) | (~up & (polarity == "decrease"))
    out["assessment"] = np.where(apart, np.where(good, "significantly better", "significantly worse"),
                                 "no significant change")  # fmt: skip
    out.loc[out["withheld_before"] | out["withheld_now"], "assessment"] = "withheld"
    return out.reset_index(drop=True)


#: The indicators of the trend (by the 12 months to each year's quarter; life expectancy is pooled
#: over the window, so it has no yearly figure).
TREND_INDICATORS = CHANGE_INDICATORS


def trend(yearly, area: Area) -> pd.DataFrame:
    """The area and the city over every 12 months the data cover, to the same quarter each year.

    Returns one row per indicator and year: ``key``, ``indicator``, ``unit``, ``polarity``,
    ``end`` (the last quarter of the 12 months), ``year`` (its financial year, e.g. ``2009-10``),
    ``value``, ``lowercl``, ``uppercl``, ``withheld`` and ``city``. A withheld figure has no value
    or interval.
    """
    rows = []
    for ind in yearly:
        t = ind.table[ind.table["indicator"].isin(TREND_INDICATORS)]
        city = t[t["area_code"] == config.LAD_CODE].set_index("indicator")["value"]
        here = t[t["area_code"] == area.code]
        for r in here.itertuples():
            name, unit, polarity = SPINE_INDICATORS[r.indicator]
            rows.append({
                "key": r.indicator, "indicator": name, "unit": unit, "polarity": polarity,
                "end": ind.end, "year": ind.end.fy, "value": r.value, "lowercl": r.lowercl,
                "uppercl": r.uppercl, "withheld": bool(getattr(r, "withheld", False)),
                "city": city.get(r.indicator, np.nan),
            })  # fmt: skip
    cols = ["key", "indicator", "unit", "polarity", "end", "year", "value", "lowercl", "uppercl",
            "withheld", "city"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


@dataclass
class Profile:
    """Everything a ward or area profile shows, computed once."""

    area: Area
    quarter: periods.Quarter
    start: periods.Quarter
    years: int
    population: int
    pyramid: pd.DataFrame
    deprivation: dict
    spine: pd.DataFrame
    indicators: AreaIndicators
    changes: pd.DataFrame
    le_years: list[int]
    wards: object  # GeoDataFrame
    #: :func:`trend`: every year the data cover
    trend: pd.DataFrame | None = None

    def headline(self) -> dict:
        """Headline figures recorded for the index's league table (one row per profile)."""
        sp = self.spine.set_index("key") if len(self.spine) else pd.DataFrame(columns=["value"])
        s = sp["value"]
        hidden = set(sp.index[sp["withheld"]]) if "withheld" in sp.columns else set()

        def rnd(k, n=1):
            if k in hidden:
                return SUPPRESSED  # the count behind it is withheld, so is the figure
            return None if k not in s.index or pd.isna(s[k]) else round(float(s[k]), n)

        return {
            "area_code": self.area.code,
            "area": self.area.name,
            "kind": self.area.kind,
            "population": int(self.population),
            "imd2007_score": self.deprivation.get("imd2007_score"),
            "life_expectancy_male": rnd("le_male"),
            "life_expectancy_female": rnd("le_female"),
            "alcohol_admissions_ratio": rnd("alcohol_sar", 0),
            "alcohol_incidents_per_1000": rnd("incident_rate"),
            "wellness_referrals_per_1000": rnd("referral_rate"),
            "wellness_completion_pct": rnd("completion_pct"),
        }


@dataclass
class PeriodIndicators:
    """What every profile of one period shares: the indicators of every area over the window, the
    latest 12 months and the 12 months before (``None`` when the data do not reach back that far).
    """

    quarter: periods.Quarter
    start: periods.Quarter
    le_years: list[int]
    window: AreaIndicators
    now: AreaIndicators
    before: AreaIndicators | None
    #: every 12 months to the period's quarter the data cover, oldest first (``now`` is the last)
    yearly: tuple[AreaIndicators, ...] = ()


def window(inputs: Inputs, period: str, years: int) -> tuple[periods.Quarter, periods.Quarter]:
    """The window's last and first quarters for ``years`` financial years to ``period``.

    Raises
    ------
    PeriodError
        For a period not in the data.
    ParameterError
        For a window that starts before the data.
    """
    available = inputs.periods()
    quarter = periods.resolve(period, available)
    start = quarter - (4 * int(years) - 1)
    first = min(periods.Quarter.parse(a) for a in available)
    if start < first:
        raise ParameterError(
            f"years: {years} years to {quarter} start at {start}, before the data begin ({first}); "
            "choose fewer years or a later period"
        )
    return quarter, start


def period_indicators(inputs: Inputs, quarter: periods.Quarter, years: int) -> PeriodIndicators:
    """Every area's indicators for the profiles of ``years`` financial years to ``quarter``.

    The same for every ward's and area committee's profile of the period (it is computed over all
    wards at once, for the ward range, the city value and disclosure control across levels).
    """
    start = quarter - (4 * int(years) - 1)
    first = min(
        periods.Quarter.parse(a) for a in inputs["admissions"]["period"].astype(str).unique()
    )
    deaths_years = sorted(int(y) for y in inputs["deaths"]["year"].unique())
    le_years = [y for y in deaths_years if start.year <= y <= quarter.year] or deaths_years[
        -int(years) :
    ]
    shared = {
        "classified": alcohol.classify_episodes(inputs["admissions"]),
        "le": life_expectancy_table(inputs["deaths"], le_years, pd.DataFrame(inputs["wards"])),
    }
    ind = area_indicators(inputs, start, quarter, le_years, **shared)
    ends = [quarter - 4 * k for k in range(0, 1 + (quarter - first - 3) // 4)][::-1]
    yearly = tuple(area_indicators(inputs, e - 3, e, le_years, **shared) for e in ends)
    before = yearly[-2] if len(yearly) > 1 else None
    return PeriodIndicators(quarter, start, le_years, ind, yearly[-1], before, yearly)


def analyse(params: Params, inputs: Inputs) -> Profile:
    """Compute the profile of one area for the ``years`` financial years to ``period``.

    Parameters
    ----------
    params : Params
        From :func:`~.inputs.validate_params`.
    inputs : Inputs
        From :func:`~.inputs.load_inputs` (or built in memory).

    Raises
    ------
    ParameterError
        For an unknown area (naming close matches) or a window that starts before the data.
    PeriodError
        For a period not in the data.
    """
    wards = inputs["wards"]
    area = resolve_area(params.area_code, wards)
    quarter, start = window(inputs, params.period, params.years)
    shared = getattr(inputs, "shared", None)  # the period's artefact (.shared), read by load_inputs
    if shared is None or (shared.quarter, shared.start) != (quarter, start):
        shared = period_indicators(inputs, quarter, params.years)
    year = population_year(quarter.year, inputs["population"])
    pyr = pyramid(inputs["population"], area, year)
    return Profile(
        area=area, quarter=quarter, start=start, years=params.years,
        population=int(pyr["area_count"].sum()), pyramid=pyr,
        deprivation=deprivation_summary(pd.DataFrame(wards), area, inputs["population"], year),
        spine=spine_data(shared.window, area), indicators=shared.window,
        changes=changes(shared.now, shared.before, area) if shared.before is not None
        else pd.DataFrame(),
        le_years=shared.le_years, wards=wards,
        trend=trend(shared.yearly or [i for i in (shared.before, shared.now) if i is not None], area),
    )  # fmt: skip
