"""A profile's tables: keyword arguments for :func:`lsp_research.tables.show_table` (counts protected).

Each function takes the :class:`~.analysis.Profile` (``res``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import config
from ...disclosure import SUPPRESSED
from ...formatting import ROUNDING_NOTE, formatted_table, interval
from ...plots.base import NAMED_AREAS
from .analysis import Profile
from .text import (
    CHANGE_METHOD,
    KEY_INDICATORS_ID,
    POPULATION_NOTE,
    WITHHELD_NOTE,
    benchmark_gaps,
    window_label,
)


def spine_table(res: Profile) -> dict:
    """The spine chart's numbers as a table (counts protected)."""
    s = res.spine
    hidden = s["withheld"].to_numpy(bool) if "withheld" in s.columns else np.zeros(len(s), bool)

    def shown(col):
        return [SUPPRESSED if h else v for h, v in zip(hidden, s[col].round(1), strict=True)]

    df = pd.DataFrame({
        "Indicator": s["indicator"], "Unit": s["unit"], "Value": shown("value"),
        "Lower 95% CI": shown("lowercl"), "Upper 95% CI": shown("uppercl"),
        config.LAD_NAME: s["comparator"].round(1), f"Compared with {config.LAD_NAME}": s["comparison"],
        "Ward range": [interval(a, b, 1) for a, b in zip(s["minimum"], s["maximum"], strict=True)],
        f"{config.place().region_name} and England": list(benchmark_gaps(res).values()),
    })  # fmt: skip
    notes = ["Life expectancy is pooled over the financial years of the window (Chiang II)."]
    if hidden.any():
        notes.insert(0, WITHHELD_NOTE)
    notes.append("Ward range: the lowest and highest values among wards whose figure is published.")
    notes.append(
        f"{config.place().region_name} and England: the data's regional and national figures are "
        "for the partnership's performance indicators, none of which is one of these measures as "
        "defined here; the column says why for each."
    )
    return {
        "df": df,
        "caption": f"{res.area.name}: key indicators, {window_label(res)}",
        "notes": notes,
        "anchor": KEY_INDICATORS_ID,
    }


@formatted_table
def changes_table(res: Profile) -> dict:
    """What changed since the year before, indicator by indicator (``show_table`` arguments)."""
    c = res.changes
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
        "caption": f"{res.area.name}: the latest 12 months against the 12 months before",
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
def pyramid_table(res: Profile) -> dict:
    """The area's population by age band and sex beside the city's (``show_table`` arguments)."""
    p = res.pyramid
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
        f"{config.LAD_NAME} males (%)": city["M"].round(2).to_numpy(),
        f"{config.LAD_NAME} females (%)": city["F"].round(2).to_numpy(),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{res.area.name}: residents by age band and sex (mid-year estimate)",
        # population estimates are not counts of records: published as the ONS publishes them (by
        # single year of age for wards), and the pyramid chart shows them anyway
        "not_counts": ["Males", "Females"],
        "notes": [POPULATION_NOTE],
    }


@formatted_table
def wards_table(res: Profile) -> dict:
    """The area's wards (or, for a ward, every ward) side by side, counts protected.

    A ward of a place with more than :data:`~lsp_research.plots.base.NAMED_AREAS` wards lists the
    wards of its own area committee instead (the caption says so and where every ward is: the league
    table of the period's index), so that a page stays readable and its size does not grow with the
    place.
    """
    t = res.indicators.table
    t = t[t["level"] == "ward"]
    wide = t.pivot(index="area_code", columns="indicator", values="value")
    num = t.pivot(index="area_code", columns="indicator", values="numerator")
    hid = t.pivot(index="area_code", columns="indicator", values="withheld")
    wards = pd.DataFrame(res.wards.drop(columns="geometry")).set_index("ward_code")
    names = wards["ward_name"]
    which = "its wards"
    if res.area.kind != "ward":
        codes = list(res.area.ward_codes)
    elif len(names) <= NAMED_AREAS:
        codes, which = sorted(names.index), "every ward"
    else:  # too many to list: its neighbours
        committee = wards.loc[res.area.code, "area_committee"]
        codes = sorted(wards.index[wards["area_committee"] == committee])
        which = (
            f"the {len(codes)} wards of {committee} area committee (every ward of the "
            f"{len(names)}: the league table on the period's index page)"
        )
    df = pd.DataFrame({
        "Ward": names.reindex(codes).to_numpy(),
        "Alcohol admissions (episodes)": num.reindex(codes)["alcohol_sar"].round().astype(int).to_numpy(),
        "Alcohol admissions ratio (city = 100)": wide.reindex(codes)["alcohol_sar"].round(1).to_numpy(),
        "Alcohol incidents": num.reindex(codes)["incident_rate"].round().astype(int).to_numpy(),
        "Incidents per 1,000 a year": wide.reindex(codes)["incident_rate"].round(1).to_numpy(),
        "Wellness referrals": num.reindex(codes)["referral_rate"].round().astype(int).to_numpy(),
        "Referrals per 1,000 adults a year": wide.reindex(codes)["referral_rate"].round(1).to_numpy(),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{res.area.name}: {which}, {window_label(res)}",
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


def trend_table(res: Profile) -> dict:
    """The trend's numbers: each indicator's value and 95% interval by year, and the city's
    (withheld figures shown as withheld).
    """
    t = res.trend
    place = config.place().name

    def cell(r):
        if r.withheld or pd.isna(r.value):
            return SUPPRESSED
        return f"{r.value:.1f} ({interval(r.lowercl, r.uppercl, 1)})"

    rows = []
    for _, s in t.groupby("key", sort=False):
        rows.append({"Indicator": s["indicator"].iloc[0], "Unit": s["unit"].iloc[0],
                     "Area": res.area.name, **{r.year: cell(r) for r in s.itertuples()}})  # fmt: skip
        rows.append({"Indicator": s["indicator"].iloc[0], "Unit": s["unit"].iloc[0], "Area": place,
                     **{r.year: f"{r.city:.1f}" for r in s.itertuples()}})  # fmt: skip
    notes = ["Each year: the 12 months to the same quarter; value (95% confidence interval)."]
    if t["withheld"].any():
        notes.insert(0, WITHHELD_NOTE)
    return {
        "df": pd.DataFrame(rows),
        "caption": f"{res.area.name} and {place}: every year the data cover",
        # rates, ratios and percentages with their intervals, not counts (a row named "incidents"
        # holds a rate per 1,000): declared so, for the audit of the table's CSV
        "not_counts": sorted(t["year"].unique()),
        "notes": notes,
    }
