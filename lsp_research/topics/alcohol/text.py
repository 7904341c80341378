"""Words from the alcohol analysis: the headline findings and the methods notes."""

from __future__ import annotations

from ... import config
from ...formatting import change, number, percent
from ...reporting.sanitise import md_escape
from .analysis import AlcoholResults
from .inputs import comparator_names, load_fractions
from .suppression import gradient_withheld, trend_withheld
from .tables import ni39_reconciliation_frame


def _ni39_aside(res: AlcoholResults) -> str:
    """The stated difference beside the headline rate when NI 39 is given on another basis."""
    rec = ni39_reconciliation_frame(res)
    if rec is None:
        return ""
    first = rec.iloc[0]
    return (
        f" On another basis ({first['Figure']}) the rate is {number(first['Per 100,000'], 0)} for the "
        f"{first['Period']} ({first['Standard population']}); the operational report's NI 39 "
        "reconciliation table gives each figure and why they differ."
    )


def findings(res: AlcoholResults) -> list[str]:
    """The headline findings, in words, every number computed from ``res``."""
    out = []
    ty = res.trend_year[~trend_withheld(res)]
    if len(ty):
        first, last = ty.iloc[0], ty.iloc[-1]
        out.append(
            f"In {last['label']} the city's rate of {res.measure_label} was {number(last['value'], 0)} per "
            f"100,000 (95% interval {number(last['lowercl'], 0)} to {number(last['uppercl'], 0)}; "
            f"{res.standard_label}), against {number(first['value'], 0)} in {first['label']} "
            f"({change(last['value'], first['value'], percent=True)}). Quarterly SPC: "
            f"{res.spc_quarter.variation_text.lower()}." + _ni39_aside(res)
        )
    if res.ni39 is not None:
        comp = res.ni39.dropna(subset=[c for c in comparator_names() if c in res.ni39.columns])
        if len(comp):
            row = comp.iloc[-1]
            whose = (
                "NI 39 as returned by the PCT (the performance report's figure; broad measure, ESP "
                "1976)"
                if res.ni39_source == "return"
                else "On the NI 39 definition (broad measure, ESP 1976, recalculated by this report)"
            )
            out.append(
                f"{whose}: {config.LAD_NAME}'s {row['label']} rate of "
                f"{number(row['value'], 0)} per 100,000 is "
                + " and ".join(
                    f"{row[f'vs {c}']} than {c} ({number(row[c], 0)})"
                    .replace("similar than", "similar to")
                    for c in comparator_names() if c in comp.columns
                )
                + " (lower is better)."
            )  # fmt: skip
    high = res.ratios[res.ratios["significance"].astype(str).str.startswith("High")]
    out.append(
        f"Over {res.window_label}, {len(high)} of {len(res.ratios)} {res.area_label}s had significantly "
        f"more admissions than the city's age-sex rates predict"
        + (f": {', '.join(high.sort_values('value', ascending=False)['area_name'].astype(str))}."
           if len(high) else ".")
    )  # fmt: skip
    s = res.gradient_summary
    hidden = gradient_withheld(res)
    out.append(
        f"The rates of {int(hidden.sum())} of the {len(hidden)} fifths of wards by deprivation are "
        "withheld (small numbers), and with them the slope index of inequality and the gap."
        if hidden.any()
        else f"Admissions rise with deprivation: {number(s['most_deprived_rate'], 0)} per 100,000 in the most "
        f"deprived fifth of wards against {number(s['least_deprived_rate'], 0)} in the least deprived "
        f"({number(s['ratio'], 1)} times; gap {number(s['gap'], 0)}, 95% interval {number(s['gap_lower'], 0)} to "
        f"{number(s['gap_upper'], 0)}). Slope index of inequality {number(s['sii'], 0)} per 100,000 (95% interval "
        f"{number(s['sii_lower'], 0)} to {number(s['sii_upper'], 0)})."
        if s["sii"] > 0
        else f"No rise with deprivation is seen: slope index of inequality {number(s['sii'], 0)} per 100,000 "
        f"(95% interval {number(s['sii_lower'], 0)} to {number(s['sii_upper'], 0)})."
    )
    inc = res.incidents
    city_rate = inc["incidents"].sum() / inc["person_years"].sum() * 1000
    top = res.hot_spot_wards[res.hot_spot_wards["hot_cells"] > 0].head(3)
    n = res.night
    out.append(
        f"Police recorded {int(inc['incidents'].sum()):,} alcohol-related incidents, "
        f"{number(city_rate, 1)} per 1,000 residents a year. "
        + (
            f"Hot spots concentrate in {', '.join(map(md_escape, top['ward_name'].astype(str)))}. "
            if len(top)
            else ""
        )
        + f"Friday and Saturday nights (21:00-04:00) hold {percent(100 * n['share'])} of incidents in "
        f"{percent(100 * n['hours_share'])} of the week's hours; the busiest hour is {n['peak_day']} "
        f"{n['peak_hour']:02d}:00."
    )
    c = res.correlation
    both = res.joint[res.joint["both_high"]]
    out.append(
        f"Across {res.area_label}s, admission and incident ratios correlate with r = {number(c['r'], 2)} (95% "
        f"interval {number(c['lowercl'], 2)} to {number(c['uppercl'], 2)}, n = {c['n']}). "
        + (f"Both are significantly high in {', '.join(both['area_name'].astype(str))}."
           if len(both) else "No area is significantly high on both.")
    )  # fmt: skip
    return out


def methods_notes(res: AlcoholResults) -> str:
    """Methods notes (Markdown) for the operational tier."""
    fr = load_fractions()
    n_ill = int((fr["status"] == "illustrative").sum())
    return "\n".join([
        "### Methods",
        f"- **Parameters:** period end {res.end} ({res.end.label}); {res.params.years_pooled} year(s) "
        f"pooled ({res.window_label}); measure `{res.params.measure}`; standard population "
        f"`{res.params.standard_population}`; geography `{res.params.geography}`.",
        "- **Classification:** ICD-10 codes in `diag_01`-`diag_06`. Alcohol-specific: an AAF = 1 code in "
        "any position. Narrow: the primary diagnosis, or a secondary external cause (V, W, X, Y codes); "
        "broad: any position. Each episode is weighted by the highest AAF among the diagnoses counted.",
        f"- **Attributable fractions:** `resources/alcohol_fractions.csv`. The {n_ill} partial fractions "
        "are SIMPLIFIED/ILLUSTRATIVE, not the published NWPHO fractions; replace the table before "
        "publishing real figures.",
        f"- **Rates:** directly standardised by age and sex ({res.standard_label} for each sex), per "
        "100,000 person-years; a quarter's person-time is a quarter of the mid-year population, so "
        "quarterly rates are annualised. Dobson limits (95%) from Byar's limits of the weighted count. "
        "No rate is shown from fewer than 10 weighted admissions.",
        "- **SPC:** XmR chart of the quarterly rates (Making Data Count rules; lower is better).",
        f"- **Areas:** indirectly standardised ratios (city = 100), the city's rates by sex and age band "
        f"as reference, pooled over {res.window_label}; exact Poisson limits under 10, Byar's from 10; "
        "categories from the 95% and 99.8% limits. The funnel plot uses the same limits.",
        "- **Deprivation:** wards grouped by IMD 2007 quintile; slope index of inequality from a "
        "population-weighted regression of the quintile rates on the mid-point of each quintile's "
        "population rank (0 least, 1 most deprived), its interval from the quintile rates' standard "
        "errors (normal approximation).",
        f"- **Police:** incidents flagged as alcohol-related, per 1,000 residents of all ages per year; "
        f"hot spots by Getis-Ord Gi* on {res.cell_size:g} m square cells (queen contiguity, the cell "
        f"itself included, {res.permutations} conditional permutations with a fixed seed); not "
        "corrected for multiple testing.",
        "- **Joint view:** Pearson correlation of the areas' admission and incident ratios with a "
        "Fisher-z interval; 'both significantly high' when both 95% intervals lie above 100.",
        *(f"- **Note:** {n}" for n in (res.notes or [])),
    ])  # fmt: skip
