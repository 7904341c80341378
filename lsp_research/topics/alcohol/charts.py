"""Charts of the alcohol analysis: each takes the result and returns ``(fig, alt text)``; show them with
:func:`lsp_research.plots.show`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath

from ... import config
from ...formatting import number, percent
from ...plots import PALETTE, figure
from ...plots.maps import frame_map, label_areas
from ...plots.stats_charts import funnel_plot, spc_chart
from ..wellness.charts import WITHHELD_GREY, WITHHELD_LABEL
from .analysis import SIGNIFICANCE_LEVELS, AlcoholResults
from .inputs import MEASURE_LABELS, comparator_names
from .suppression import area_withhold, gradient_withheld, joint_withheld, trend_withheld

#: Colours of the significance categories: ColorBrewer RdBu (colour-blind safe), with hatching so the
#: categories also survive grey-scale printing. High admissions or incidents are the concern.
CATEGORY_STYLE = {
    "High (0.001)": ("#B2182B", "///"),
    "High (0.025)": ("#EF8A62", ".."),
    "Not significant": ("#F7F7F7", ""),
    "Low (0.025)": ("#67A9CF", "\\\\"),
    "Low (0.001)": ("#2166AC", "xx"),
}
CATEGORY_WORDS = {
    "High (0.001)": "significantly higher than the city (99.8%)",
    "High (0.025)": "significantly higher than the city (95%)",
    "Not significant": "not significantly different from the city",
    "Low (0.025)": "significantly lower than the city (95%)",
    "Low (0.001)": "significantly lower than the city (99.8%)",
}
#: Fill and hatching, and legend label, of an area withheld by disclosure control (as the wellness maps).
WITHHELD_STYLE = (WITHHELD_GREY, "xx")
HOT_SPOT_STYLE = {
    "Hot spot (99%)": ("#B2182B", "///"),
    "Hot spot (95%)": ("#EF8A62", ".."),
    "Cold spot (95%)": ("#D1E5F0", ""),
    "Cold spot (99%)": ("#92C5DE", ""),
}


def _city_line(ax, t):
    """Draw the city's rates ``t`` (``value``, ``lowercl``, ``uppercl``) by year with their 95%
    intervals; return the x positions.
    """
    x = np.arange(len(t))
    ax.errorbar(x, t["value"], yerr=[t["value"] - t["lowercl"], t["uppercl"] - t["value"]],
                color=PALETTE["blue"], marker="o", capsize=4, label=f"{config.LAD_NAME} (95% interval)")  # fmt: skip
    return x


def trend(res: AlcoholResults):
    """City DSR by financial year with 95% intervals."""
    t = res.trend_year[~trend_withheld(res)]  # no marker for a rate that is not published
    fig, ax = figure(
        f"{config.LAD_NAME}: {res.measure_label} by financial year",
        xlabel="Financial year",
        ylabel="Admissions per 100,000 (age-sex standardised)",
    )
    x = _city_line(ax, t)
    ax.set_xticks(x, t["label"])
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", frameon=False)
    if t.empty:
        return fig, (
            f"Line chart of the city's directly standardised rate of {res.measure_label} by financial "
            "year: no rate can be shown (small numbers)."
        )
    first, last = t.iloc[0], t.iloc[-1]
    change = (last["value"] / first["value"] - 1) * 100
    alt = (
        f"Line chart of the city's directly standardised rate of {res.measure_label} "
        f"({res.standard_label}) per 100,000 by financial year, {first['label']} to {last['label']}: "
        f"{number(first['value'], 0)} in {first['label']} and {number(last['value'], 0)} in {last['label']} "
        f"({number(change, 0, sign=True)}%), each with its 95% confidence interval."
    )
    return fig, alt


def ni39(res: AlcoholResults):
    """NI 39 (broad, ESP 1976) for the city beside its comparator areas (the region and England)."""
    t = res.ni39
    names = comparator_names()
    fig, ax = figure(
        f"NI 39 alcohol-harm related admissions: {', '.join((config.LAD_NAME, *names[:-1]))} and "
        f"{names[-1]}",
        xlabel="Financial year",
        ylabel="Admissions per 100,000 (ESP 1976)",
    )
    x = _city_line(ax, t)
    others = [
        (PALETTE["vermillion"], "s", "--"),
        (PALETTE["green"], "D", "-."),
        (PALETTE["purple"], "v", "--"),
    ]
    styles = {
        name: (PALETTE["black"], "^", ":") if name == "England" else others[i % len(others)]
        for i, name in enumerate(names)
    }
    parts = []
    for name, (colour, marker, ls) in styles.items():
        if name in t.columns and t[name].notna().any():
            ax.plot(x, t[name], color=colour, marker=marker, linestyle=ls, label=name)
            last = t[t[name].notna()].iloc[-1]
            parts.append(f"{name} {number(last[name], 0)} in {last['label']}")
    ax.set_xticks(x, t["label"])
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", frameon=False)
    last = t.iloc[-1]
    alt = (
        f"Line chart of NI 39 by financial year. {config.LAD_NAME}'s rate was {number(last['value'], 0)} per "
        f"100,000 in {last['label']}"
        + (
            f"; comparators: {', '.join(parts)}."
            if parts
            else "; no comparator figures were given."
        )
    )
    return fig, alt


def spc(res: AlcoholResults):
    """SPC chart (XmR) of the quarterly DSR (annualised)."""
    return spc_chart(
        res.spc_quarter,
        title=f"{config.LAD_NAME}: {res.measure_label} by quarter (SPC)",
        ylabel="Admissions per 100,000 per year (age-sex standardised)",
    )


def funnel(res: AlcoholResults):
    """Funnel plot of the areas' SARs against their expected admissions."""
    r = res.ratios
    hidden = area_withhold(res, r, "episodes")
    if hidden is not None:  # no point for an area whose count is withheld
        r = r[~hidden]
    return funnel_plot(
        r, "observed", "expected",
        f"{MEASURE_LABELS[res.params.measure].capitalize()}: standardised ratios by {res.area_label}, "
        f"{res.window_label}",
        kind="ratio", label="area_name", multiplier=100, polarity="decrease",
        xlabel="Expected admissions (AAF-weighted count)",
        ylabel="Standardised admission ratio (city = 100)",
    )  # fmt: skip


def _polygon_paths(geoms) -> list:
    """One matplotlib path per (multi)polygon, holes included (drawn directly: no per-layer redraws)."""
    paths = []
    for geom in geoms:
        rings = []
        for poly in getattr(geom, "geoms", [geom]):
            rings.append(MplPath(np.asarray(poly.exterior.coords)[:, :2], closed=True))
            rings.extend(MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in poly.interiors)
        paths.append(MplPath.make_compound_path(*rings))
    return paths


def _draw_polygons(
    ax, geoms, facecolor, edgecolor, hatch: str = "", linewidth: float = 0.6
) -> None:
    coll = PathCollection(_polygon_paths(geoms), facecolors=facecolor, edgecolors=edgecolor,
                          linewidths=linewidth, hatch=hatch or None)  # fmt: skip
    ax.add_collection(coll)


def _category_map(ax, gdf, column: str, styles: dict, edge: str = "#555555") -> list:
    handles = []
    for cat, (colour, hatch) in styles.items():
        sub = gdf[gdf[column] == cat]
        n = len(sub)
        if n:
            _draw_polygons(ax, sub.geometry, colour, edge, hatch)
        handles.append(Patch(facecolor=colour, edgecolor=edge, hatch=hatch, label=f"{cat} ({n})"))
    return handles


def area_map(res: AlcoholResults):
    """Choropleth of the areas' SAR significance categories (British National Grid).

    An area whose episodes are withheld (:func:`.suppression.area_withhold`) is drawn grey and hatched
    as withheld, not by its category, and the legend and alt text say so.
    """
    fig, ax = figure(
        f"{MEASURE_LABELS[res.params.measure].capitalize()}: {res.area_label}s against the city, "
        f"{res.window_label}",
        figsize=(7.5, 7.5),
    )
    areas, styles = res.areas, CATEGORY_STYLE
    hidden = area_withhold(res, areas, "episodes")
    if hidden is not None and hidden.any():
        sig = areas["significance"].astype(object).where(~hidden, WITHHELD_LABEL)
        areas, styles = areas.assign(significance=sig), {**styles, WITHHELD_LABEL: WITHHELD_STYLE}
    handles = _category_map(ax, areas, "significance", styles)
    label_areas(ax, areas, "area_name")
    ax.legend(handles=handles, title="Standardised admission ratio", loc="upper left", fontsize=8,
              title_fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    frame_map(ax, areas)
    counts = areas["significance"].value_counts()
    high = areas.loc[areas["significance"].astype(str).str.startswith("High"), "area_name"]
    alt = (
        f"Map of {config.LAD_NAME}'s {len(areas)} {res.area_label}s shaded by whether their standardised "
        f"admission ratio for {res.measure_label}, {res.window_label}, is significantly higher or lower "
        f"than the city: "
        + "; ".join(f"{counts.get(c, 0)} {CATEGORY_WORDS[c]}" for c in SIGNIFICANCE_LEVELS)
        + (f". Significantly higher: {', '.join(high)}." if len(high) else ".")
    )
    n = int(counts.get(WITHHELD_LABEL, 0))
    if n:
        alt += (
            f" {n} {res.area_label}{'s' if n != 1 else ''} withheld (small numbers), shown grey and "
            "hatched, not shaded by category."
        )
    return fig, alt


def hot_spots(res: AlcoholResults):
    """Map of Getis-Ord Gi* hot and cold spots of alcohol-related incidents over the ward boundaries."""
    fig, ax = figure(
        f"Alcohol-related incidents: hot spots (Getis-Ord Gi*), {res.window_label}",
        figsize=(7.5, 7.5),
    )
    _draw_polygons(ax, res.wards.geometry, "none", "#777777", linewidth=0.5)
    handles = _category_map(ax, res.grid, "hot_spot", HOT_SPOT_STYLE, edge="none")
    ax.legend(handles=handles, title=f"{res.cell_size:g} m cells", loc="upper left", fontsize=8,
              title_fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))  # fmt: skip
    if "ward_name" in res.wards.columns:
        label_areas(ax, res.wards)
    frame_map(ax, res.wards)
    top = res.hot_spot_wards[res.hot_spot_wards["hot_cells"] > 0].head(3)
    n_hot = int(res.grid["hot_spot"].astype(str).str.startswith("Hot").sum())
    alt = (
        f"Map of {len(res.grid)} grid cells of {int(res.grid.geometry.iloc[0].length / 4)} m over the "
        f"ward boundaries, showing {n_hot} cells that are significant hot spots of alcohol-related "
        f"incidents, {res.window_label}"
        + (f", mostly in {', '.join(top['ward_name'])}." if len(top) else ".")
    )
    return fig, alt


def day_hour(res: AlcoholResults):
    """Heat map of alcohol-related incidents by day of the week and hour."""
    fig, ax = figure(
        f"Alcohol-related incidents by day and hour, {res.window_label}",
        xlabel="Hour of the day (24-hour clock)", ylabel="Day of the week", figsize=(9, 4),
    )  # fmt: skip
    ax.grid(False)
    im = ax.imshow(res.profile.to_numpy(), aspect="auto", cmap="cividis")
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_yticks(range(7), res.profile.index)
    cbar = fig.colorbar(im, ax=ax)
    cbar.set_label("Incidents (count)")
    n = res.night
    alt = (
        f"Heat map of {n['total']:,} alcohol-related incidents by day of the week and hour. The busiest "
        f"hour is {n['peak_day']} {n['peak_hour']:02d}:00; Friday and Saturday nights (21:00-04:00) "
        f"hold {percent(100 * n['share'])} of incidents in {percent(100 * n['hours_share'])} of the week's hours."
    )
    return fig, alt


def gradient(res: AlcoholResults):
    """Rates by IMD quintile with 95% intervals, and the fitted SII line."""
    hidden = gradient_withheld(res)
    t = res.gradient.assign(withheld=hidden).sort_values("rank")
    s = res.gradient_summary
    fig, ax = figure(
        f"{MEASURE_LABELS[res.params.measure].capitalize()} by deprivation, {res.window_label}",
        xlabel="Deprivation (population rank, least to most deprived)",
        ylabel="Admissions per 100,000 per year (age-sex standardised)",
    )
    centre = float(np.sum(t["pop_share"] * t["rank"]))
    t = t[~t["withheld"]]  # no marker for a fifth whose rate is withheld
    ax.errorbar(t["rank"], t["value"], yerr=[t["value"] - t["lowercl"], t["uppercl"] - t["value"]],
                fmt="o", color=PALETTE["blue"], capsize=4, label="IMD quintile (95% interval)")  # fmt: skip
    if not hidden.any():  # the slope and any 4 of the 5 rates would give away the fifth
        xs = np.array([0.0, 1.0])
        ys = s["mean_rate"] + s["sii"] * (xs - centre)
        ax.plot(
            xs, ys, color=PALETTE["vermillion"], linestyle="--", label="Slope index of inequality"
        )
    for _, row in t.iterrows():
        q = int(row["imd_quintile"])
        tag = {1: " (most deprived)", 5: " (least deprived)"}.get(q, "")
        ax.annotate(f"Quintile {q}{tag}", (row["rank"], row["uppercl"]), ha="center", va="bottom",
                    fontsize=7)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False)
    if hidden.any():
        return fig, (
            f"Chart of {res.measure_label} by IMD quintile of wards, {res.window_label}: the rates of "
            f"{int(hidden.sum())} of the {len(hidden)} fifths, and the slope index of inequality, are "
            "withheld (small numbers)."
        )
    alt = (
        f"Chart of {res.measure_label} by IMD quintile of wards, {res.window_label}: "
        f"{number(s['least_deprived_rate'], 0)} per 100,000 in the least deprived fifth and "
        f"{number(s['most_deprived_rate'], 0)} in the most deprived (a gap of {number(s['gap'], 0)}, "
        f"{number(s['ratio'], 1)} times). The slope index of inequality is {number(s['sii'], 0)} "
        f"(95% interval {number(s['sii_lower'], 0)} to {number(s['sii_upper'], 0)})."
    )
    return fig, alt


def joint(res: AlcoholResults):
    """Areas' admission ratios against their incident ratios, both-high areas marked."""
    j = res.joint
    hidden = joint_withheld(res, j)
    n_withheld = 0
    if hidden is not None:  # no point for a ward whose count is withheld
        keep = ~(hidden[0] | hidden[1])
        n_withheld = int((~keep).sum())
        j = j[keep]
    c = res.correlation
    fig, ax = figure(
        f"Admissions and police incidents by {res.area_label}, {res.window_label}",
        xlabel="Alcohol-related incidents, ratio to the city (city = 100)",
        ylabel="Standardised admission ratio (city = 100)",
    )
    both = j["both_high"].fillna(False).astype(bool)
    ax.scatter(j.loc[~both, "incident_ratio"], j.loc[~both, "sar"], color=PALETTE["blue"], marker="o",
               label="Other areas")  # fmt: skip
    ax.scatter(j.loc[both, "incident_ratio"], j.loc[both, "sar"], color=PALETTE["vermillion"],
               marker="D", s=50, label="Both significantly high")  # fmt: skip
    for _, row in j[both].iterrows():
        ax.annotate(str(row["area_name"]), (row["incident_ratio"], row["sar"]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")  # fmt: skip
    ax.axhline(100, color=PALETTE["grey"], linestyle=":")
    ax.axvline(100, color=PALETTE["grey"], linestyle=":")
    ax.legend(loc="lower right", frameon=False)
    names = ", ".join(j.loc[both, "area_name"].astype(str))
    alt = (
        f"Scatter chart of {len(j)} {res.area_label}s"
        + (f" ({n_withheld} withheld: small counts)" if n_withheld else "")
        + ": incident ratio against standardised admission "
        f"ratio. Correlation r = {number(c['r'], 2)} (95% interval {number(c['lowercl'], 2)} to {number(c['uppercl'], 2)}). "
        + (
            f"Both significantly high: {names}."
            if names
            else "No area is significantly high on both."
        )
    )
    return fig, alt
