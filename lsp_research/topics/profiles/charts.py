"""A profile's charts: each takes the :class:`~.analysis.Profile` (``res``) and returns ``(fig, alt)``."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from ... import config
from ...formatting import interval, number
from ...plots import PALETTE, figure
from ...plots.base import HOUSE_RC
from ...plots.maps import locator_map as ward_locator
from ...plots.stats_charts import compare_areas_chart, spine_chart
from .analysis import COMPARE_INDICATORS, SPINE_INDICATORS, Profile, compare_data


def locator_map(res: Profile):
    """The city's wards with the profile's area highlighted. Returns ``(fig, alt)``."""
    w = res.wards
    fig, _ = ward_locator(w, res.area.ward_codes, f"Where {res.area.name} is")
    inside = w["ward_code"].isin(res.area.ward_codes)
    names = ", ".join(sorted(w.loc[inside, "ward_name"]))
    alt = (f"Map of {config.LAD_NAME}'s {len(w)} wards with {res.area.name} shaded"
           + (f" ({names})." if res.area.kind != "ward" else "."))  # fmt: skip
    return fig, alt


def pyramid_chart(res: Profile):
    """Population pyramid of the area (bars) against the city (outline), % of each total."""
    p = res.pyramid
    fig, ax = figure(f"Population by age and sex: {res.area.name} and {config.LAD_NAME}",
                     xlabel="Share of all residents (%)", ylabel="Age band (years)", figsize=(7, 6))  # fmt: skip
    bands = list(config.ESP2013_BANDS)
    y = np.arange(len(bands))
    for sex, sign, colour in (("M", -1, PALETTE["blue"]), ("F", 1, PALETTE["orange"])):
        s = p[p["sex"] == sex].set_index("age_band").reindex(bands)
        ax.barh(y, sign * s["area_pct"], color=colour, alpha=0.8,
                label=f"{res.area.name}, {'males' if sex == 'M' else 'females'}")  # fmt: skip
        ax.step(sign * s["city_pct"], y, where="mid", color="black", linewidth=1.2, linestyle="--",
                label=config.LAD_NAME if sex == "M" else None)  # fmt: skip
    ax.set_yticks(y, bands)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(t):.0f}" for t in ticks])
    ax.legend(loc="upper right", fontsize=8)
    old = p[p["age_band"].isin(bands[13:])]
    alt = (f"Population pyramid: {number(old['area_pct'].sum(), 1)}% of {res.area.name}'s residents are "
           f"aged 65 or over, against {number(old['city_pct'].sum(), 1)}% in {config.LAD_NAME}.")  # fmt: skip
    return fig, alt


def spine(res: Profile):
    """The Fingertips-style spine chart of the area against the city."""
    return spine_chart(res.spine, f"{res.area.name} compared with {config.LAD_NAME}",
                       q25="q25", q75="q75", units="unit", area_name=res.area.name,
                       comparator_name=config.LAD_NAME)  # fmt: skip


def compare_areas(res: Profile, key: str):
    """The area against every other area of its level for one indicator (a compare-areas chart:
    dots with 95% intervals, sorted, this area highlighted, the city as a line; withheld areas named
    and not drawn). Returns ``(fig, alt)``.
    """
    name, unit, polarity = SPINE_INDICATORS[key]
    data = compare_data(res.indicators, res.area, key, res.wards.drop(columns="geometry"))
    city = res.indicators.table
    city = city[(city["area_code"] == config.LAD_CODE) & (city["indicator"] == key)]["value"]
    level = "area committees" if res.area.kind == "area_committee" else "wards"
    title = (f"{name}: the {len(data)} {level}" if res.area.kind == "city"
             else f"{name}: {res.area.name} among the {len(data)} {level}")  # fmt: skip
    return compare_areas_chart(
        data,
        title,
        unit,
        comparators={config.place().name: float(city.iloc[0])} if len(city) else None,
        polarity=None if polarity == "neutral" else polarity,
    )


def compare_charts(res: Profile) -> list[tuple[object, str]]:
    """:func:`compare_areas` for each of :data:`~.analysis.COMPARE_INDICATORS` the profile has."""
    keys = set(res.indicators.table["indicator"])
    return [compare_areas(res, k) for k in COMPARE_INDICATORS if k in keys]


def trend_chart(res: Profile):
    """Every year the data cover, one panel per indicator: the area's value with its 95% interval
    (12 months to the same quarter each year) and the city's as a dashed line; a withheld year is
    not drawn and is named in the alt text. Returns ``(fig, alt)``.
    """
    t = res.trend
    keys = list(dict.fromkeys(t["key"]))
    rows = (len(keys) + 1) // 2
    with plt.rc_context(HOUSE_RC):
        fig, axes = plt.subplots(rows, 2, figsize=(6.4, 2.5 * rows), squeeze=False)
    place = config.place().name
    fig.suptitle(f"{res.area.name} and {place}: 12 months to {res.quarter.label[-2:]} each year",
                 fontweight="bold")  # fmt: skip
    words = []
    for ax, key in zip(axes.flat, keys, strict=False):
        s = t[t["key"] == key].reset_index(drop=True)
        x = np.arange(len(s))
        ok = ~s["withheld"].to_numpy(bool) & s["value"].notna().to_numpy()
        v, lo, hi = (s[c].to_numpy(float) for c in ("value", "lowercl", "uppercl"))
        ax.errorbar(x[ok], v[ok], yerr=[v[ok] - lo[ok], hi[ok] - v[ok]], fmt="o-", color=PALETTE["blue"],
                    ecolor="#555555", capsize=3, lw=1.4, label=res.area.name)  # fmt: skip
        ax.plot(x, s["city"], ls="--", color=PALETTE["black"], lw=1.2, label=place)
        ax.set_xticks(x, s["year"], fontsize=7, rotation=45)
        ax.set_title(textwrap.fill(s["indicator"].iloc[0], 34), fontsize=9)
        ax.set_ylabel(s["unit"].iloc[0], fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        shown = [f"{y} {number(a, 1)} ({interval(b, c, 1)})"
                 for y, a, b, c, k in zip(s["year"], v, lo, hi, ok, strict=True) if k]  # fmt: skip
        hidden = [y for y, k in zip(s["year"], ok, strict=True) if not k]
        words.append(f"{s['indicator'].iloc[0]} ({s['unit'].iloc[0]}): " + "; ".join(shown)
                     + (f"; withheld: {', '.join(hidden)}" if hidden else ""))  # fmt: skip
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_axis_off()
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    alt = (f"Trend charts of {res.area.name} over {t['year'].nunique()} years, with 95% intervals, "
           f"{place} as a dashed line. " + ". ".join(words) + ".")  # fmt: skip
    return fig, alt
