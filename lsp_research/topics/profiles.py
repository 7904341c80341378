"""Area profiles: one ward, one area committee, or the whole city.

An *area* is a ward (its GSS code, ``E05...``), an area committee (its name, e.g. ``Coalfield``) or the
district (``E08000024``). Everything in a profile is computed from ward-level counts, so a value for an
area committee or the city is the sum of its wards' counts (rates are recomputed from the summed counts,
never averaged), and the numbers agree across profiles.

>>> import pandas as pd
>>> wards = pd.DataFrame({"ward_code": ["E05000001", "E05000002", "E05000003"],
...                       "ward_name": ["Alpha", "Beta", "Gamma"],
...                       "area_committee": ["North", "North", "East"]})
>>> resolve_area("north", wards)
Area(kind='area_committee', code='North', name='North area committee', ward_codes=('E05000001', 'E05000002'))
>>> resolve_area("E05000003", wards).name
'Gamma'
>>> resolve_area("E05000004", wards)
Traceback (most recent call last):
...
lsp_research.errors.ParameterError: area_code 'E05000004' is not a ward code, area committee or the city code. Close matches: E0500000... Allowed: the 3 ward codes (E05000001-E05000003), area committees East, North, or E08000024 (the city).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import config, periods
from ..disclosure import SUPPRESSED, count_text
from ..errors import ParameterError
from ..formatting import ROUNDING_NOTE, formatted_table, interval, number

LE_BANDS = ("0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
            "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+")  # fmt: skip


@dataclass(frozen=True)
class Area:
    """A profile's area: ``kind`` is ``ward``, ``area_committee`` or ``city``."""

    kind: str
    code: str
    name: str
    ward_codes: tuple[str, ...]


def allowed_areas(wards: pd.DataFrame) -> list[str]:
    """Every accepted area code: ward codes, area committee names and the city code."""
    return sorted(wards["ward_code"]) + sorted(wards["area_committee"].unique()) + [config.LAD_CODE]


def resolve_area(code: str, wards: pd.DataFrame) -> Area:
    """Turn an area code or name into an :class:`Area`; unknown codes name close matches."""
    text = str(code).strip()
    if text.upper() == config.LAD_CODE or text.lower() in {"city", config.LAD_NAME.lower()}:
        return Area("city", config.LAD_CODE, config.LAD_NAME, tuple(sorted(wards["ward_code"])))
    by_code = wards.set_index("ward_code")
    if text.upper() in by_code.index:
        c = text.upper()
        return Area("ward", c, str(by_code.loc[c, "ward_name"]), (c,))
    by_name = {str(n).lower(): c for c, n in by_code["ward_name"].items()}
    if text.lower() in by_name:
        c = by_name[text.lower()]
        return Area("ward", c, str(by_code.loc[c, "ward_name"]), (c,))
    committees = {str(a).lower(): str(a) for a in wards["area_committee"].unique()}
    if text.lower() in committees:
        name = committees[text.lower()]
        members = tuple(sorted(wards.loc[wards["area_committee"] == name, "ward_code"]))
        return Area("area_committee", name, f"{name} area committee", members)
    candidates = allowed_areas(wards) + sorted(by_name)
    close = difflib.get_close_matches(
        text, candidates, n=3, cutoff=0.6
    ) or difflib.get_close_matches(text.lower(), candidates, n=3, cutoff=0.5)
    codes = sorted(wards["ward_code"])
    hint = f" Close matches: {', '.join(close)}." if close else ""
    raise ParameterError(
        f"area_code '{code}' is not a ward code, area committee or the city code.{hint} Allowed: the "
        f"{len(codes)} ward codes ({codes[0]}-{codes[-1]}), area committees "
        f"{', '.join(sorted(committees.values()))}, or {config.LAD_CODE} (the city)."
    )


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


def pooled_years(period_year: int, n_years: int, available: pd.Series) -> list[int]:
    """The ``n_years`` financial years up to ``period_year`` that the data covers."""
    years = sorted(int(y) for y in pd.unique(available) if int(y) <= period_year)
    return years[-n_years:]


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
    from .. import stats

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


def area_indicators(
    inputs: dict,
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
    from .. import stats
    from . import alcohol, wellness

    wards = pd.DataFrame(inputs["wards"].drop(columns="geometry", errors="ignore"))
    population = inputs["population"]
    rows = []

    # Alcohol admissions: indirectly standardised ratios at every level (city reference).
    if classified is None:
        classified = alcohol.classify_episodes(inputs["admissions"])
    areas = alcohol.area_lookup(wards).assign(city=config.LAD_CODE)
    ward_obs = {}
    for key, measure in (("alcohol_sar", "broad"), ("alcohol_specific_sar", "specific")):
        weights = alcohol.episode_weights(classified, measure)
        ward_strata = alcohol.stratify(
            inputs["admissions"], weights, population, start, end, by=["ward_code"]
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
            rows.append(pd.DataFrame({
                "area_code": r[col].astype(str), "level": level, "indicator": key,
                "value": r["value"], "lowercl": r["lower95_0cl"], "uppercl": r["upper95_0cl"],
                "numerator": r["episodes"].astype(float), "denominator": r["expected"],
            }))  # fmt: skip

    # Police incidents per 1,000 residents a year.
    inc = alcohol.incident_rates(inputs["incidents"], population, start, end)
    years_in_window = (end - start + 1) / 4
    inc_counts = inc[["ward_code", "incidents", "person_years"]]
    agg = _counts_by_area(inc_counts, wards, ["incidents", "person_years"])
    r = stats.crude_rate(agg, "incidents", "person_years", multiplier=1000)
    rows.append(pd.DataFrame({
        "area_code": agg["area_code"], "level": agg["level"], "indicator": "incident_rate",
        "value": r["value"].to_numpy(), "lowercl": r["lowercl"].to_numpy(), "uppercl": r["uppercl"].to_numpy(),
        "numerator": agg["incidents"].astype(float), "denominator": agg["person_years"],
    }))  # fmt: skip

    # Wellness referrals per 1,000 adults a year and 12-week completion.
    qs = {str(q) for q in periods.quarter_range(start, end)}
    refs = inputs["referrals"][inputs["referrals"]["period"].astype(str).isin(qs)]
    adults = wellness.adult_population(population, start.year)
    wc = adults.merge(
        refs.groupby("ward_code", observed=True).agg(referrals=("referral_id", "size"),
                                                     completed=("completed_12wk", "sum")).reset_index(),
        on="ward_code", how="left",
    ).fillna({"referrals": 0, "completed": 0})  # fmt: skip
    wc["adult_years"] = wc["population"] * years_in_window
    agg = _counts_by_area(wc, wards, ["referrals", "completed", "adult_years"])
    r = stats.crude_rate(agg, "referrals", "adult_years", multiplier=1000)
    rows.append(pd.DataFrame({
        "area_code": agg["area_code"], "level": agg["level"], "indicator": "referral_rate",
        "value": r["value"].to_numpy(), "lowercl": r["lowercl"].to_numpy(), "uppercl": r["uppercl"].to_numpy(),
        "numerator": agg["referrals"].astype(float), "denominator": agg["adult_years"],
    }))  # fmt: skip
    ok = agg["referrals"] > 0
    p = stats.proportion(agg[ok], "completed", "referrals", multiplier=100)
    rows.append(pd.DataFrame({
        "area_code": agg.loc[ok, "area_code"].to_numpy(), "level": agg.loc[ok, "level"].to_numpy(),
        "indicator": "completion_pct", "value": p["value"].to_numpy(), "lowercl": p["lowercl"].to_numpy(),
        "uppercl": p["uppercl"].to_numpy(), "numerator": agg.loc[ok, "completed"].astype(float).to_numpy(),
        "denominator": agg.loc[ok, "referrals"].astype(float).to_numpy(),
    }))  # fmt: skip

    # Share aged 65+ (mid-year estimate at the start of the window's last financial year).
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
    rows.append(pd.DataFrame({
        "area_code": agg["area_code"], "level": agg["level"], "indicator": "pct_65plus",
        "value": p["value"].to_numpy(), "lowercl": p["lowercl"].to_numpy(), "uppercl": p["uppercl"].to_numpy(),
        "numerator": agg["old"].astype(float), "denominator": agg["population"].astype(float),
    }))  # fmt: skip

    # Life expectancy at birth.
    if le is None:
        le = life_expectancy_table(inputs["deaths"], le_years, wards)
    level_of = {c: lv for lv, s in _levels(wards) for c in set(s)}
    for sex, key in (("M", "le_male"), ("F", "le_female")):
        s = le[le["sex"] == sex]
        rows.append(pd.DataFrame({
            "area_code": s["area_code"], "level": s["area_code"].map(level_of), "indicator": key,
            "value": s["value"], "lowercl": s["lowercl"], "uppercl": s["uppercl"],
            "numerator": s["deaths"].astype(float), "denominator": np.nan,
        }))  # fmt: skip

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
    and every ward to the city."""
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
    from ..disclosure import withheld

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
    >>> withhold_small_counts(t, wards)[["area_code", "withheld"]].values.tolist()
    [['W1', True], ['W2', True], ['W3', False], ['A', False], ['B', False], ['E08000024', False]]
    """
    from ..disclosure import withheld

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
    the range across wards; ``comparison`` is better / similar / worse (or higher / similar / lower)."""
    from .. import stats

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


#: Significance level of the change since last year (two-sided).
CHANGE_ALPHA = 0.05
#: The change test in words, printed under the table.
CHANGE_METHOD = (
    "A change is called significant when a test of the difference itself gives a two-sided p-value "
    "below 0.05: ratios to the city and rates by a z test of the log rate ratio (variance 1/O1 + 1/O2 "
    "from the two Poisson counts; for a ratio, the observed admissions over the expected); percentages "
    "by a two-proportion z test. Whether the two 95% intervals overlap is not used: they can overlap "
    "when the difference is significant."
)


def changes(now: AreaIndicators, before: AreaIndicators, area: Area) -> pd.DataFrame:
    """What changed since last year: each indicator in the latest 12 months against the 12 months before.

    A change is judged by a test of the difference itself (:data:`CHANGE_METHOD`, from
    :func:`lsp_research.stats.difference_test`): significant when the two-sided p-value is below
    :data:`CHANGE_ALPHA`. Ratios to the city are compared as two Poisson rates of the observed (weighted)
    admissions over the expected ones; rates as two Poisson rates; percentages as two proportions.
    Overlapping 95% intervals do not mean no change, so they are not used.
    """
    from .. import stats

    keys = [
        "alcohol_sar",
        "alcohol_specific_sar",
        "incident_rate",
        "referral_rate",
        "completion_pct",
    ]
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


# --------------------------------------------------------------------------------------------------
# The whole profile
# --------------------------------------------------------------------------------------------------

#: Tables a profile reads (for the runner's cache: see programme.yml).
INPUTS = ("wards", "population", "deaths", "admissions", "incidents", "referrals")


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


def load_inputs() -> dict:
    """The processed tables a profile reads."""
    from .. import data

    return {name: data.load(name) for name in INPUTS}


def build_profile(
    area_code: str, period: str = "latest", years: int = 3, inputs: dict | None = None
) -> Profile:
    """Compute the profile of one area for the ``years`` financial years to ``period``.

    Raises
    ------
    ParameterError
        For an unknown area (naming close matches) or ``years`` outside 1-5.
    PeriodError
        For a period not in the data or a window that starts before it.
    """
    if not 1 <= int(years) <= 5:
        raise ParameterError(f"years: must be 1-5 (financial years pooled), got {years}")
    inputs = inputs or load_inputs()
    wards = inputs["wards"]
    area = resolve_area(area_code, wards)
    available = inputs["admissions"]["period"].astype(str).unique()
    quarter = periods.resolve(period, available)
    start = quarter - (4 * int(years) - 1)
    first = min(periods.Quarter.parse(a) for a in available)
    if start < first:
        raise ParameterError(
            f"years: {years} years to {quarter} start at {start}, before the data begin ({first}); "
            "choose fewer years or a later period"
        )
    deaths_years = sorted(int(y) for y in inputs["deaths"]["year"].unique())
    le_years = [y for y in deaths_years if start.year <= y <= quarter.year] or deaths_years[
        -int(years) :
    ]
    from . import alcohol

    shared = {
        "classified": alcohol.classify_episodes(inputs["admissions"]),
        "le": life_expectancy_table(inputs["deaths"], le_years, pd.DataFrame(wards)),
    }
    ind = area_indicators(inputs, start, quarter, le_years, **shared)
    now = area_indicators(inputs, quarter - 3, quarter, le_years, **shared)
    before = (
        area_indicators(inputs, quarter - 7, quarter - 4, le_years, **shared)
        if quarter - 7 >= first
        else None
    )
    year = population_year(quarter.year, inputs["population"])
    pyr = pyramid(inputs["population"], area, year)
    return Profile(
        area=area, quarter=quarter, start=start, years=int(years),
        population=int(pyr["area_count"].sum()), pyramid=pyr,
        deprivation=deprivation_summary(pd.DataFrame(wards), area, inputs["population"], year),
        spine=spine_data(ind, area), indicators=ind,
        changes=changes(now, before, area) if before is not None else pd.DataFrame(),
        le_years=le_years, wards=wards,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------------


def locator_map(profile: Profile):
    """The city's wards with the profile's area highlighted. Returns ``(fig, alt)``."""
    from ..plots import PALETTE, figure

    w = profile.wards
    fig, ax = figure(f"Where {profile.area.name} is", figsize=(5.5, 5.5))
    inside = w["ward_code"].isin(profile.area.ward_codes)
    w[~inside].plot(ax=ax, color="#EEEEEE", edgecolor="#777777", linewidth=0.6)
    w[inside].plot(ax=ax, color=PALETTE["blue"], edgecolor="black", linewidth=1.2, hatch="//")
    ax.set_axis_off()
    ax.set_aspect("equal")
    names = ", ".join(sorted(w.loc[inside, "ward_name"]))
    alt = (f"Map of Sunderland's {len(w)} wards with {profile.area.name} shaded"
           + (f" ({names})." if profile.area.kind != "ward" else "."))  # fmt: skip
    return fig, alt


def pyramid_chart(profile: Profile):
    """Population pyramid of the area (bars) against the city (outline), % of each total."""
    from ..plots import PALETTE, figure

    p = profile.pyramid
    fig, ax = figure(f"Population by age and sex: {profile.area.name} and Sunderland",
                     xlabel="Share of all residents (%)", ylabel="Age band (years)", figsize=(7, 6))  # fmt: skip
    bands = list(config.ESP2013_BANDS)
    y = np.arange(len(bands))
    for sex, sign, colour in (("M", -1, PALETTE["blue"]), ("F", 1, PALETTE["orange"])):
        s = p[p["sex"] == sex].set_index("age_band").reindex(bands)
        ax.barh(y, sign * s["area_pct"], color=colour, alpha=0.8,
                label=f"{profile.area.name}, {'males' if sex == 'M' else 'females'}")  # fmt: skip
        ax.step(sign * s["city_pct"], y, where="mid", color="black", linewidth=1.2, linestyle="--",
                label="Sunderland" if sex == "M" else None)  # fmt: skip
    ax.set_yticks(y, bands)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(t):.0f}" for t in ticks])
    ax.legend(loc="upper right", fontsize=8)
    old = p[p["age_band"].isin(bands[13:])]
    alt = (f"Population pyramid: {number(old['area_pct'].sum(), 1)}% of {profile.area.name}'s residents are "
           f"aged 65 or over, against {number(old['city_pct'].sum(), 1)}% in Sunderland.")  # fmt: skip
    return fig, alt


def spine(profile: Profile):
    """The Fingertips-style spine chart of the area against the city."""
    from ..plots.stats_charts import spine_chart

    return spine_chart(profile.spine, f"{profile.area.name} compared with Sunderland",
                       q25="q25", q75="q75", units="unit", area_name=profile.area.name,
                       comparator_name="Sunderland")  # fmt: skip


# --------------------------------------------------------------------------------------------------
# The period's index: a clickable ward map and a league table, from the figures each run recorded
# --------------------------------------------------------------------------------------------------

LEAGUE_COLUMNS = {
    "area": "Ward",
    "population": "Residents",
    "imd2007_score": "IMD 2007 score",
    "life_expectancy_male": "Life expectancy, males (years)",
    "life_expectancy_female": "Life expectancy, females (years)",
    "alcohol_admissions_ratio": "Alcohol admissions ratio (city = 100)",
    "alcohol_incidents_per_1000": "Alcohol incidents per 1,000 a year",
    "wellness_referrals_per_1000": "Wellness referrals per 1,000 adults a year",
    "wellness_completion_pct": "Wellness 12-week completion (%)",
}


def league_table(summaries: list[dict], kind: str = "ward") -> pd.DataFrame:
    """One row per area of ``kind`` from the headline figures the profile runs recorded.

    Sorted by IMD score (most deprived first); columns renamed for reading.

    >>> rows = [{"kind": "ward", "area": "A", "imd2007_score": 10.0, "population": 9000},
    ...         {"kind": "ward", "area": "B", "imd2007_score": 40.0, "population": 12000},
    ...         {"kind": "area_committee", "area": "North", "imd2007_score": 20.0}]
    >>> league_table(rows)[["Ward", "IMD 2007 score"]].to_dict("list")
    {'Ward': ['B', 'A'], 'IMD 2007 score': [40.0, 10.0]}
    """
    frame = pd.DataFrame([s for s in summaries if s.get("kind") == kind])
    if frame.empty:
        return pd.DataFrame(columns=list(LEAGUE_COLUMNS.values()))
    cols = [c for c in LEAGUE_COLUMNS if c in frame.columns]
    frame = frame.sort_values("imd2007_score", ascending=False)[cols]
    if kind != "ward":
        frame = frame.rename(columns={"area": "Area"})
    return frame.rename(columns=LEAGUE_COLUMNS).reset_index(drop=True)


def _svg_path(geom, x0: float, y1: float, scale: float) -> str:
    polys = getattr(geom, "geoms", [geom])
    parts = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            pts = [f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}" for x, y in ring.coords]
            parts.append("M" + " L".join(pts) + " Z")
    return " ".join(parts)


def ward_map_svg(wards, links: dict[str, str], values: dict[str, float] | None = None,
                 value_label: str = "", width: int = 520) -> str:  # fmt: skip
    """An inline SVG map of the wards, each linking to its profile (no external resources).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        ``ward_code``, ``ward_name`` and polygons in British National Grid.
    links : dict
        Ward code -> relative link to its profile.
    values : dict, optional
        Ward code -> a value to shade by (five grey-safe shades by quintile of the values).
    value_label : str
        What the value is, for the legend and each ward's tooltip.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> w = gpd.GeoDataFrame({"ward_code": ["E1", "E2"], "ward_name": ["A", "B"]},
    ...                      geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:27700")
    >>> svg = ward_map_svg(w, {"E1": "a/index.html", "E2": "b/index.html"}, {"E1": 1.0, "E2": 2.0}, "score")
    >>> svg.count("<a href="), 'role="img"' in svg, "A: score 1" in svg
    (2, True, True)
    """
    import html

    minx, miny, maxx, maxy = wards.total_bounds
    scale = width / (maxx - minx)
    height = int((maxy - miny) * scale) + 1
    shades = ["#F7F7F7", "#CCCCCC", "#969696", "#636363", "#252525"]
    if values:
        vals = pd.Series(values, dtype=float)
        ranks = vals.rank(pct=True, method="average")
        shade_of = {k: shades[min(4, int(r * 5 - 1e-9))] for k, r in ranks.items()}
    else:
        shade_of = {}
    items = []
    for _, row in wards.sort_values("ward_code").iterrows():
        code, name = row["ward_code"], html.escape(str(row["ward_name"]))
        tip = name
        if values and code in values and pd.notna(values[code]):
            tip += f": {html.escape(value_label)} {values[code]:g}"
        path = (f'<path d="{_svg_path(row.geometry, minx, maxy, scale)}" fill="{shade_of.get(code, "#DDDDDD")}" '
                f'stroke="#000" stroke-width="0.8"><title>{tip}</title></path>')  # fmt: skip
        pt = row.geometry.representative_point()
        fill = shade_of.get(code, "#DDDDDD")
        ink = "#FFFFFF" if fill in shades[3:] else "#000000"
        label = (
            f'<text x="{(pt.x - minx) * scale:.1f}" y="{(maxy - pt.y) * scale:.1f}" font-size="8" '
            f'text-anchor="middle" fill="{ink}" font-family="sans-serif" aria-hidden="true">{name}</text>'
        )
        if code in links:
            path = (
                f'<a href="{html.escape(links[code], quote=True)}" aria-label="{name} profile">'
                f"{path}{label}</a>"
            )
        else:
            path += label
        items.append(path)
    desc = f"Map of the {len(wards)} wards; each ward links to its profile."
    if values:
        desc += f" Shading: {html.escape(value_label)}, darker is higher (by fifths of wards)."
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{desc}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f"<title>{desc}</title>{''.join(items)}</svg><p>{desc}</p>")  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Words and tables for the notebook (each returns text, or keyword arguments for show_table)
# --------------------------------------------------------------------------------------------------

SPINE_CAPTION = (
    "Each row: the range across Sunderland's 25 wards (light bar; darker: middle half), Sunderland's "
    "value at the centre line, and this area's value coloured by comparison with Sunderland (95% interval)."
)


#: The footnote of a table or text in which a figure is withheld because of the count behind it.
WITHHELD_NOTE = (
    f"{SUPPRESSED} Withheld to protect confidentiality: the count behind the figure is from 1 to 5, or "
    "would let one be worked out from the figures for other wards, the area committee or Sunderland "
    "(2008 hospital statistics rule). Its rate, ratio, percentage and interval are withheld with it."
)


#: Why the population table shows small numbers.
POPULATION_NOTE = (
    "Residents are mid-year population estimates, not counts of records about people: they are shown "
    "in full, as the Office for National Statistics publishes them for wards."
)


def window_label(profile: Profile) -> str:
    return f"{profile.start.label} to {profile.quarter.label}"


def heading(profile: Profile) -> str:
    """The report's title block."""
    from ..reporting.sanitise import md_escape

    kind = {
        "ward": "Ward profile",
        "area_committee": "Area committee profile",
        "city": "City profile",
    }
    return (
        f"# {kind[profile.area.kind]}: {md_escape(profile.area.name)}\n\n"
        f"**{window_label(profile)}** ({profile.years} financial year{'s' if profile.years > 1 else ''} "
        f"pooled) | area code {profile.area.code}"
    )


def summary_text(profile: Profile) -> str:
    """Who lives here and how deprived the area is, in words."""
    d = profile.deprivation
    lines = [f"- **Residents:** {profile.population:,} (mid-year estimate)."]
    if profile.area.kind == "ward":
        lines.append(
            f"- **Deprivation:** IMD 2007 score {number(d['imd2007_score'], 1)}, ranked {d['rank_most_deprived']} of "
            f"{d['n_wards']} wards (1 = most deprived); deprivation quintile {d['imd_quintile']} "
            "(1 = most deprived fifth of wards)."
        )
    else:
        lines.append(
            f"- **Deprivation:** population-weighted IMD 2007 score {number(d['imd2007_score'], 1)} across "
            f"{len(profile.area.ward_codes)} wards."
        )
    le = profile.spine.set_index("key") if len(profile.spine) else None
    if le is not None and "le_male" in le.index:
        for key, who in (("le_male", "men"), ("le_female", "women")):
            r = le.loc[key]
            if bool(r.get("withheld", False)):
                lines.append(f"- **Life expectancy at birth, {who}:** withheld (too few deaths).")
                continue
            lines.append(
                f"- **Life expectancy at birth, {who}:** {number(r['value'], 1)} years "
                f"(95% CI {interval(r['lowercl'], r['uppercl'], 1)}); "
                f"Sunderland {number(r['comparator'], 1)}."
            )
    return "\n".join(lines)


def spine_table(profile: Profile) -> dict:
    """The spine chart's numbers as a table (counts protected)."""
    s = profile.spine
    hidden = s["withheld"].to_numpy(bool) if "withheld" in s.columns else np.zeros(len(s), bool)

    def shown(col):
        return [SUPPRESSED if h else v for h, v in zip(hidden, s[col].round(1), strict=True)]

    df = pd.DataFrame({
        "Indicator": s["indicator"], "Unit": s["unit"], "Value": shown("value"),
        "Lower 95% CI": shown("lowercl"), "Upper 95% CI": shown("uppercl"),
        "Sunderland": s["comparator"].round(1), "Compared with Sunderland": s["comparison"],
        "Ward range": [interval(a, b, 1) for a, b in zip(s["minimum"], s["maximum"], strict=True)],
    })  # fmt: skip
    notes = ["Life expectancy is pooled over the financial years of the window (Chiang II)."]
    if hidden.any():
        notes.insert(0, WITHHELD_NOTE)
    notes.append("Ward range: the lowest and highest values among wards whose figure is published.")
    return {
        "df": df,
        "caption": f"{profile.area.name}: key indicators, {window_label(profile)}",
        "notes": notes,
    }


def changes_text(profile: Profile) -> str:
    """A sentence per significant change since last year."""
    c = profile.changes
    if c.empty:
        return "The data do not reach back far enough to compare with the year before."
    sig = c[~c["assessment"].isin(["no significant change", "withheld"])]
    head = f"The 12 months to {profile.quarter.label} against the 12 months before. {CHANGE_METHOD}"
    if sig.empty:
        return head + "\n\nNo indicator changed significantly."
    lines = [
        f"- **{r.indicator}** {r.assessment}: {number(r.before, 1)} to {number(r.now, 1)} ({r.unit})."
        for r in sig.itertuples()
    ]
    return head + "\n\n" + "\n".join(lines)


@formatted_table
def changes_table(profile: Profile) -> dict:
    c = profile.changes
    df = pd.DataFrame({
        "Indicator": c["indicator"], "Unit": c["unit"],
        "Events, year before": c["count_before"].round().astype("Int64"),
        "Year before": c["before"].round(1),
        "Events, latest year": c["count_now"].round().astype("Int64"),
        "Latest year": c["now"].round(1), "Change": c["change"].round(1),
        "p-value": [("<0.001" if v < 0.001 else f"{v:.3f}") if pd.notna(v) else "not tested"
                    for v in c["p_value"]],
        "Assessment": c["assessment"],
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{profile.area.name}: the latest 12 months against the 12 months before",
        "counts": ["Events, year before", "Events, latest year"],
        # each row is its own indicator: no column total relates them (the decision over wards,
        # committees and the city is in ``withhold``)
        "by": "Indicator",
        "dependent": {
            "Year before": "Events, year before",
            "Latest year": "Events, latest year",
            "Change": ["Events, year before", "Events, latest year"],
            "p-value": ["Events, year before", "Events, latest year"],
        },
        "total_rows": False,
        "notes": [CHANGE_METHOD, ROUNDING_NOTE],
        "withhold": {
            "Events, year before": c["withheld_before"].to_numpy(bool),
            "Events, latest year": c["withheld_now"].to_numpy(bool),
        },
    }


@formatted_table
def pyramid_table(profile: Profile) -> dict:
    p = profile.pyramid
    wide = p.pivot(index="age_band", columns="sex", values="area_count").reindex(
        list(config.ESP2013_BANDS)
    )
    pct = p.pivot(index="age_band", columns="sex", values="area_pct").reindex(
        list(config.ESP2013_BANDS)
    )
    city = p.pivot(index="age_band", columns="sex", values="city_pct").reindex(
        list(config.ESP2013_BANDS)
    )
    df = pd.DataFrame({
        "Age band": wide.index, "Males": wide["M"].round().astype(int).to_numpy(),
        "Females": wide["F"].round().astype(int).to_numpy(),
        "Males (%)": pct["M"].round(2).to_numpy(), "Females (%)": pct["F"].round(2).to_numpy(),
        "Sunderland males (%)": city["M"].round(2).to_numpy(), "Sunderland females (%)": city["F"].round(2).to_numpy(),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{profile.area.name}: residents by age band and sex (mid-year estimate)",
        # population estimates are not counts of records: published as the ONS publishes them (by
        # single year of age for wards), and the pyramid chart shows them anyway
        "not_counts": ["Males", "Females"],
        "notes": [POPULATION_NOTE],
    }


def topic_text(profile: Profile) -> str:
    """Alcohol and wellness in words, with the counts behind them (small counts withheld)."""
    s = profile.spine.set_index("key")

    def count(key):
        n = s.loc[key, "count"] if key in s.index else None
        if n is None or pd.isna(n):
            return "n/a"
        if bool(s.loc[key].get("withheld", False)):
            return "count withheld"
        return count_text(int(round(n)))

    def line(key, words):
        if key not in s.index:
            return None
        r = s.loc[key]
        if bool(r.get("withheld", False)):
            return f"- **{words}:** withheld to protect confidentiality (a small count)."
        return (f"- **{words}:** {number(r['value'], 1)} {r['unit']} (95% CI "
                f"{interval(r['lowercl'], r['uppercl'], 1)}), {r['comparison']} compared with "
                f"Sunderland's {number(r['comparator'], 1)}.")  # fmt: skip

    lines = [
        line("alcohol_sar", f"Alcohol-related admissions ({count('alcohol_sar')} episodes)"),
        line(
            "alcohol_specific_sar",
            f"Alcohol-specific admissions ({count('alcohol_specific_sar')} episodes)",
        ),
        line("incident_rate", f"Alcohol-related police incidents ({count('incident_rate')})"),
        line("referral_rate", f"Wellness referrals ({count('referral_rate')})"),
        line(
            "completion_pct", f"Wellness 12-week completion ({count('completion_pct')} completed)"
        ),
    ]
    return f"Over {window_label(profile)}:\n\n" + "\n".join(x for x in lines if x)


@formatted_table
def wards_table(profile: Profile) -> dict:
    """The area's wards (or, for a ward, every ward) side by side, counts protected."""
    t = profile.indicators.table
    t = t[t["level"] == "ward"]
    wide = t.pivot(index="area_code", columns="indicator", values="value")
    num = t.pivot(index="area_code", columns="indicator", values="numerator")
    hid = t.pivot(index="area_code", columns="indicator", values="withheld")
    names = pd.DataFrame(profile.wards.drop(columns="geometry")).set_index("ward_code")["ward_name"]
    codes = list(profile.area.ward_codes) if profile.area.kind != "ward" else sorted(names.index)
    df = pd.DataFrame({
        "Ward": names.reindex(codes).to_numpy(),
        "Alcohol admissions (episodes)": num.reindex(codes)["alcohol_sar"].round().astype(int).to_numpy(),
        "Alcohol admissions ratio (city = 100)": wide.reindex(codes)["alcohol_sar"].round(1).to_numpy(),
        "Alcohol incidents": num.reindex(codes)["incident_rate"].round().astype(int).to_numpy(),
        "Incidents per 1,000 a year": wide.reindex(codes)["incident_rate"].round(1).to_numpy(),
        "Wellness referrals": num.reindex(codes)["referral_rate"].round().astype(int).to_numpy(),
        "Referrals per 1,000 adults a year": wide.reindex(codes)["referral_rate"].round(1).to_numpy(),
    })  # fmt: skip
    which = "its wards" if profile.area.kind != "ward" else "every ward"
    return {
        "df": df,
        "caption": f"{profile.area.name}: {which}, {window_label(profile)}",
        "counts": ["Alcohol admissions (episodes)", "Alcohol incidents", "Wellness referrals"],
        "dependent": {
            "Alcohol admissions ratio (city = 100)": "Alcohol admissions (episodes)",
            "Incidents per 1,000 a year": "Alcohol incidents",
            "Referrals per 1,000 adults a year": "Wellness referrals",
        },
        "total_rows": False,
        "withhold": {
            "Alcohol admissions (episodes)": hid.reindex(codes)["alcohol_sar"].to_numpy(bool),
            "Alcohol incidents": hid.reindex(codes)["incident_rate"].to_numpy(bool),
            "Wellness referrals": hid.reindex(codes)["referral_rate"].to_numpy(bool),
        },
    }


def methods_notes(profile: Profile) -> str:
    return (
        "## Methods and notes\n\n"
        f"- **Window:** {window_label(profile)}; life expectancy pools deaths and populations over "
        f"{', '.join(str(y) for y in profile.le_years)} (financial years starting in these years).\n"
        "- **Life expectancy:** abridged life table (Chiang II) with Silcocks' variance for the last "
        "interval, 20 age bands to 90+, as PHEindicatormethods.\n"
        "- **Alcohol admissions:** episodes classified from all diagnosis positions (broad measure, "
        "weighted by the highest alcohol-attributable fraction; the partial fractions are simplified and "
        "labelled so in `lsp_research/resources/alcohol_fractions.csv`); indirectly standardised by age "
        "and sex against Sunderland's own rates (city = 100), Byar's or exact Poisson limits.\n"
        "- **Rates:** incidents per 1,000 residents a year, referrals per 1,000 adults (16+) a year, with "
        "Byar's or exact Poisson 95% limits; completion and the 65+ share with Wilson limits.\n"
        "- **Comparison with Sunderland:** better / similar / worse when the 95% interval excludes the "
        "city value, using each indicator's polarity; higher / similar / lower where there is none.\n"
        "- **Area committees and the city** are computed from the sums of their wards' counts, never by "
        "averaging ward rates.\n"
        "- **Disclosure control:** counts of 1-5 are withheld, and so is every rate, ratio, percentage "
        "and interval calculated from them; further counts are withheld so that none can be worked out "
        "by differencing wards, area committees and Sunderland. The decision is taken once for every "
        "area, so each profile and the index withhold the same figures. Population estimates are shown "
        "in full."
    )


def index_context(entries: list[dict], wards=None) -> dict:
    """The period index's ward map and league tables, from the figures the profile runs recorded.

    ``entries`` are the index entries (``files``, ``summary``) of every run; those whose summary came
    from a profile (it has ``kind`` and ``area_code``) feed a clickable ward map (each ward linking to
    its executive profile) and league tables of wards and area committees. Their summaries are taken
    off the entries, so the index does not show them twice. Returns ``{}`` when no profile ran.
    """
    from ..tables import show_table

    profiles_run = [
        e
        for e in entries
        if isinstance(e.get("summary"), dict) and {"kind", "area_code"} <= set(e["summary"])
    ]
    if not profiles_run:
        return {}
    summaries = [e["summary"] for e in profiles_run]
    for e in profiles_run:
        e["summary"] = None
    out = {}
    tables = []
    for kind, what in (("ward", "wards"), ("area_committee", "area committees")):
        league = league_table(summaries, kind)
        if len(league):
            withheld_any = bool((league.astype(object) == SUPPRESSED).to_numpy().any())
            tables.append(
                show_table(
                    league,
                    caption=f"League table of {what}, most deprived first (figures recorded by each profile run)",
                    counts=["Residents"],
                    display=False,
                    notes=[WITHHELD_NOTE] if withheld_any else [],
                )
            )
    if tables:
        out["league_table"] = "\n".join(tables)
    if wards is None:
        try:
            from .. import data

            wards = data.load("wards")
        except Exception:  # no processed wards table: no map, the links and tables still stand
            wards = None
    if wards is not None:
        links, values = {}, {}
        for e, s in zip(profiles_run, summaries, strict=True):
            if s.get("kind") == "ward" and e.get("files"):
                files = e["files"]
                href = files.get("executive") or next(iter(files.values()))
                links[s["area_code"]] = href
                if s.get("imd2007_score") is not None:
                    values[s["area_code"]] = s["imd2007_score"]
        if links:
            out["ward_map"] = ward_map_svg(wards, links, values, "IMD 2007 score")
    return out
