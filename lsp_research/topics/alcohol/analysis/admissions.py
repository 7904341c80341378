"""Admissions: the city trend, NI 39 against comparators, area ratios and the deprivation gradient."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .... import periods, stats
from ....config import LAD_CODE
from ....errors import ParameterError, PeriodError
from ....performance.assessment import assess
from ....performance.registry import Registry, load_registry
from .strata import complete_years, dsr_table, significance_category, stratify, withheld_rows


def city_trend(
    admissions: pd.DataFrame,
    weights: pd.Series,
    population: pd.DataFrame,
    start: periods.Quarter,
    end: periods.Quarter,
    standard_population: str,
    freq: str = "financial_year",
) -> pd.DataFrame:
    """City DSR per 100,000 by complete financial year, or by quarter (annualised), with 95% limits.

    A quarter's person-time is a quarter of the mid-year population, so quarterly rates are annual rates.

    Returns
    -------
    pandas.DataFrame
        ``period`` (``YYYYQn``) or ``financial_year`` (start year), ``label`` (``2009-10`` or
        ``2009-10 Q3``), then the columns of :func:`dsr_table`.
    """
    if freq not in ("financial_year", "period"):
        raise ParameterError(
            f"freq: {freq!r} is not allowed; allowed values: financial_year, period"
        )
    if freq == "financial_year":
        years = complete_years(start, end)
        if not years:
            raise PeriodError(f"no complete financial year between {start} and {end}")
        start, end = periods.Quarter(years[0], 1), periods.Quarter(years[-1], 4)
    strata = stratify(admissions, weights, population, start, end, [freq], standard_population)
    out = dsr_table(strata, [freq]).sort_values(freq, ignore_index=True)
    if freq == "financial_year":
        out["label"] = [periods.fy_label(int(y)) for y in out[freq]]
    else:
        out["label"] = [periods.Quarter.parse(p).label for p in out[freq]]
    return out


def trend_spc(trend: pd.DataFrame, improvement: str = "decrease"):
    """SPC (Making Data Count XmR) of a trend's published values; lower admissions are better.

    A period whose rate is not published (under 10 weighted admissions, or its counts withheld by
    :func:`~.strata.withheld_rows`) has no point.

    Returns
    -------
    lsp_research.stats.SPCResult
        With the trend's labels as ``x``.
    """
    shown = trend[trend["shown"].to_numpy(dtype=bool) & ~withheld_rows(trend)]
    shown = shown[shown["value"].notna()]
    return stats.spc(
        pd.Series(shown["value"].to_numpy(), index=shown["label"]), improvement=improvement
    )


def comparator_table(
    city_ni39: pd.DataFrame, comparators: pd.DataFrame, indicator_code: str = "NI39"
) -> pd.DataFrame:
    """City NI 39 rate by financial year beside each comparator area, with the comparison.

    Parameters
    ----------
    city_ni39 : pandas.DataFrame
        :func:`city_trend` by financial year for the broad measure on ESP 1976 (the NI 39 definition).
    comparators : pandas.DataFrame
        The ``indicator_comparators`` table (``indicator_code``, ``period`` or ``financial_year``,
        ``comparator``, ``value``). A comparator given by quarter takes its last quarter in each year.

    Returns
    -------
    pandas.DataFrame
        ``financial_year``, ``label``, ``value``, ``lowercl``, ``uppercl``, ``shown``, and per comparator
        (e.g. ``England``) its value and ``vs <comparator>`` (better / similar / worse; lower
        is better).
    """
    comp = comparators[
        comparators["indicator_code"].astype(str).str.replace(" ", "").str.upper() == indicator_code
    ].copy()
    if "financial_year" not in comp.columns:
        comp["financial_year"] = pd.NA
    if "period" not in comp.columns:
        comp["period"] = pd.NA
    annual = comp["financial_year"].notna()
    comp["fy"] = pd.NA
    comp.loc[annual, "fy"] = [periods.parse_fy(str(v)) for v in comp.loc[annual, "financial_year"]]
    by_q = ~annual & comp["period"].notna()
    comp["order"] = 10
    if by_q.any():
        qs = [periods.Quarter.parse(str(p)) for p in comp.loc[by_q, "period"]]
        comp.loc[by_q, "fy"] = [q.year for q in qs]
        comp.loc[by_q, "order"] = [q.q for q in qs]
    comp = comp.dropna(subset=["fy"]).sort_values(["fy", "order"])
    comp = comp.groupby(["fy", "comparator"], sort=True)["value"].last().unstack("comparator")
    out = city_ni39[["financial_year", "label", "value", "lowercl", "uppercl", "shown"]].copy()
    for name in comp.columns:
        vals = out["financial_year"].map(comp[name].to_dict()).astype(float)
        out[name] = vals
        out[f"vs {name}"] = stats.compare(
            out["value"].to_numpy(dtype=float), out["lowercl"].to_numpy(dtype=float),
            out["uppercl"].to_numpy(dtype=float), vals.to_numpy(), "decrease",
        )  # fmt: skip
    return out


def ni39_as_returned(
    returns: pd.DataFrame, comparators: pd.DataFrame | None, end: periods.Quarter, registry=None
) -> pd.DataFrame | None:
    """NI 39 as the PCT returned it, judged exactly as the performance report judges it.

    The return for a quarter covers the 12 months to its end, so the fourth quarter's return is the
    financial year. One row per financial year up to ``end`` (its fourth quarter; for the year of
    ``end`` when that is not a fourth quarter, the 12 months to ``end``), each from
    :func:`lsp_research.performance.assess` at that quarter: the same value, interval and comparator
    verdicts (better / similar / worse) as the performance report of that quarter. None when NI 39 is
    not in the registry or was never returned.
    """
    reg = registry if registry is not None else load_registry()
    if "NI39" not in reg.codes:
        return None
    reg = Registry({"NI39": reg["NI39"]}, reg.settings, reg.source, reg.raw)
    code = returns["indicator_code"].astype(str).str.replace(" ", "").str.upper()
    mine = returns[(code == "NI39") & (returns["area_code"].astype(str) == LAD_CODE)]
    if mine.empty:
        return None
    have = sorted({periods.Quarter.parse(str(q)) for q in mine["period"]})
    rows = []
    for year in range(have[0].year, end.year + 1):
        q = min(periods.Quarter(year, 4), end)
        if q < have[0]:
            continue
        a = assess(returns, reg, q, comparators=comparators)
        rec = a.record("NI39")
        label = periods.fy_label(year) if q.q == 4 else f"12 months to {q.label}"
        row = {
            "financial_year": year, "label": label, "period": str(q), "value": rec.value,
            "lowercl": rec.lowercl, "uppercl": rec.uppercl,
            "shown": bool(rec.judged and rec.value is not None),
        }  # fmt: skip
        c = a.comparisons
        comp = c[(c["indicator_code"] == "NI39") & (c["area_code"] == LAD_CODE)].set_index(
            "comparator"
        )
        for name in comp.index:
            row[name] = comp.loc[name, "comparator_value"]
            row[f"vs {name}"] = comp.loc[name, "result"] if rec.judged else "not compared"
        rows.append(row)
    return pd.DataFrame(rows) if rows else None


def area_ratios(strata: pd.DataFrame, area: str) -> pd.DataFrame:
    """Indirectly standardised admission ratios (city = 100) per area, 95% and 99.8% limits.

    The reference rates are the city's own rates by sex and age band over the same window, so the
    expected counts of all areas add up to the city's observed count.

    Parameters
    ----------
    strata : pandas.DataFrame
        :func:`stratify` output grouped by ``area`` (plus sex and age band).
    area : str
        The area column (``ward_code`` or ``area_committee``).

    Returns
    -------
    pandas.DataFrame
        ``area``, ``episodes``, ``observed`` (weighted), ``expected``, ``value`` (SAR), limit columns
        ``lower95_0cl`` ... ``upper99_8cl``, ``significance``.

    Examples
    --------
    Two wards with the same population; ward B has twice ward A's admissions in each stratum:

    >>> s = pd.DataFrame({"ward_code": ["A", "A", "B", "B"], "sex": ["M", "F", "M", "F"],
    ...                   "age_band": ["20-24"] * 4, "events": [30.0, 20.0, 60.0, 40.0],
    ...                   "episodes": [30, 20, 60, 40], "person_years": [1000.0] * 4})
    >>> r = area_ratios(s, "ward_code")
    >>> r[["ward_code", "observed", "expected", "value"]].round(1)
      ward_code  observed  expected  value
    0         A      50.0      75.0   66.7
    1         B     100.0      75.0  133.3
    >>> r["significance"].astype(str).tolist()
    ['Low (0.025)', 'High (0.025)']
    """
    data = strata.copy()
    ref = data.groupby(["sex", "age_band"], observed=True)[["events", "person_years"]].transform(
        "sum"
    )
    data["x_ref"] = ref["events"]
    data["n_ref"] = ref["person_years"]
    data = data[data["n_ref"] > 0]
    out = stats.isratio(data, "events", "person_years", "x_ref", "n_ref", by=area, refvalue=100,
                        confidence=(0.95, 0.998))  # fmt: skip
    episodes = data.groupby(area, observed=True)["episodes"].sum()
    out["episodes"] = out[area].map(episodes).astype(int)
    out["significance"] = significance_category(out)
    return out.sort_values(area, ignore_index=True)


def deprivation_gradient(
    strata: pd.DataFrame, confidence: float = 0.95
) -> tuple[pd.DataFrame, dict]:
    """Rates by IMD quintile, the slope index of inequality, and the most-least deprived gap.

    Parameters
    ----------
    strata : pandas.DataFrame
        :func:`stratify` output grouped by ``imd_quintile`` (1 = most deprived fifth of wards).
    confidence : float

    Returns
    -------
    table : pandas.DataFrame
        Per quintile: :func:`dsr_table` columns, ``pop_share`` and ``rank`` (the mid-point of the
        quintile's population on a 0-1 scale from least deprived (0) to most deprived (1)).
    summary : dict
        ``sii`` (slope of a population-weighted least-squares line of the rate on ``rank``: the modelled
        difference per 100,000 between the most and least deprived ends; positive when rates rise with
        deprivation), ``sii_lower``/``sii_upper``, ``rii`` (SII over the mean rate), ``gap`` (most minus
        least deprived quintile) with ``gap_lower``/``gap_upper``, ``ratio`` (most / least),
        ``gap_significant`` and ``most_deprived_higher`` (the gap's interval excludes 0).

    Notes
    -----
    The SII and RII are :func:`lsp_research.stats.slope_index`: the slope is linear in the quintile
    rates, so its standard error follows exactly from theirs (each taken as half the width of its
    interval over z): a normal approximation to the asymmetric Dobson limits.

    Examples
    --------
    >>> rows = []
    >>> for q, rate in zip(range(1, 6), [0.05, 0.04, 0.03, 0.02, 0.01]):
    ...     for sex in "MF":
    ...         rows.append({"imd_quintile": q, "sex": sex, "age_band": "20-24", "stdpop": 6000.0,
    ...                      "person_years": 10000.0, "events": rate * 10000, "episodes": int(rate * 10000)})
    >>> table, s = deprivation_gradient(pd.DataFrame(rows))
    >>> round(s["sii"]), round(s["gap"]), s["most_deprived_higher"]
    (5000, 4000, True)
    """
    table = dsr_table(strata, ["imd_quintile"], confidence).sort_values(
        "imd_quintile", ascending=False, ignore_index=True
    )
    z = stats.z_value(confidence)
    pop = table["total_pop"].to_numpy(dtype=float)
    w = pop / pop.sum()
    y = table["value"].to_numpy(dtype=float)
    se = (table["uppercl"].to_numpy(dtype=float) - table["lowercl"].to_numpy(dtype=float)) / (2 * z)
    table["pop_share"] = w
    table["rank"] = stats.rank_midpoints(pop)
    ineq = stats.slope_index(
        y, table["lowercl"], table["uppercl"], pop, table["imd_quintile"],
        confidence=confidence, limits_confidence=confidence,
    )  # fmt: skip
    most = table.loc[table["imd_quintile"] == table["imd_quintile"].min()].iloc[0]
    least = table.loc[table["imd_quintile"] == table["imd_quintile"].max()].iloc[0]
    i_most, i_least = most.name, least.name
    gap = float(y[i_most] - y[i_least])
    gap_se = float(np.hypot(se[i_most], se[i_least]))
    summary = {
        "sii": ineq.sii,
        "sii_lower": ineq.sii_lowercl,
        "sii_upper": ineq.sii_uppercl,
        "rii": ineq.rii,
        "mean_rate": ineq.mean,
        "gap": gap,
        "gap_lower": gap - z * gap_se,
        "gap_upper": gap + z * gap_se,
        "ratio": float(y[i_most] / y[i_least]) if y[i_least] else float("nan"),
        "most_deprived_rate": float(y[i_most]),
        "least_deprived_rate": float(y[i_least]),
        "gap_significant": bool(gap - z * gap_se > 0 or gap + z * gap_se < 0),
        "most_deprived_higher": bool(gap - z * gap_se > 0),
        "confidence": confidence,
    }
    return table, summary


def condition_table(
    admissions: pd.DataFrame, classified: pd.DataFrame, weights: pd.Series,
    start: periods.Quarter, end: periods.Quarter,
) -> pd.DataFrame:  # fmt: skip
    """Episodes and weighted admissions in the window by the condition with the highest fraction."""
    period = admissions["period"].astype(str)
    keep = (weights > 0) & (period >= str(start)) & (period <= str(end))
    frame = pd.DataFrame(
        {
            "condition": classified.loc[keep, "condition"].astype("string").fillna("(other)"),
            "weight": weights[keep],
        }
    )
    out = frame.groupby("condition").agg(episodes=("weight", "size"), admissions=("weight", "sum"))
    out = out.sort_values("admissions", ascending=False).reset_index()
    out["share"] = out["admissions"] / out["admissions"].sum()
    return out
