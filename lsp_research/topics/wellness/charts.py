"""Figures from a wellness result: each ``name(res, ...)`` returns ``(fig, alt)``.

Show them with :func:`lsp_research.plots.show`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib.patches import Patch

from ... import config, geo
from ...errors import ParameterError
from ...formatting import interval, number
from ...plots import PALETTE, figure
from ...plots.maps import frame_map, label_areas, label_points
from ...plots.stats_charts import funnel_plot
from .analysis import WellnessAnalysis
from .analysis.access import decay_bands

__all__ = ["choropleth", "coverage_map", "decay_chart", "funnel", "quintile_chart"]

#: Fill and legend label of a ward or bar withheld by disclosure control.
WITHHELD_GREY = "#BDBDBD"
WITHHELD_LABEL = "Withheld (small numbers)"


def choropleth(
    res: WellnessAnalysis,
    column: str,
    title: str,
    legend: str,
    *,
    table: str = "wards",
    highlight: Iterable[str] = (),
    cmap: str = "viridis",
    centres: bool = True,
):
    """A ward map of ``column`` of the result's table ``table`` in British National Grid.

    Parameters
    ----------
    res : WellnessAnalysis
    column : str
        The column shaded (e.g. ``"uptake_rate"`` of ``res.wards``, ``"need_score"`` of ``res.need``).
    title, legend : str
        The chart title and the colour bar's label.
    table : str
        The ward table of ``res`` holding ``column``: ``"wards"`` or ``"need"``.
    highlight : iterable of str
        Ward codes outlined and hatched.
    cmap : str
        The colour map.
    centres : bool
        Mark the centres open in the window.

    Returns ``(fig, alt)``; the alt text names the highest and lowest wards.
    """
    wards = res.ward_shapes
    frame = getattr(res, table)
    centres = res.centres if centres else None
    shapes = geo.to_bng(wards[["ward_code", "ward_name", "geometry"]], "wards")
    shapes = shapes.assign(ward_code=shapes["ward_code"].astype(str))
    values = frame[["ward_code", column]].assign(ward_code=frame["ward_code"].astype(str))
    hidden = res.withheld(table, column).to_numpy() if table in ("wards", "need") else None
    withheld_codes = set(values.loc[hidden, "ward_code"]) if hidden is not None else set()
    if withheld_codes:
        values[column] = values[column].where(~hidden)  # no value for a withheld ward
    data = shapes.merge(values, on="ward_code", how="left")
    fig, ax = figure(title, figsize=(7, 7.5))
    data.plot(column=column, ax=ax, cmap=cmap, edgecolor="white", linewidth=0.6, legend=True,
              legend_kwds={"label": legend, "shrink": 0.6})  # fmt: skip
    handles = []
    if withheld_codes:
        data[data["ward_code"].isin(withheld_codes)].plot(
            ax=ax, facecolor=WITHHELD_GREY, edgecolor="white", hatch="xx", linewidth=0.6
        )
        handles.append(Patch(facecolor=WITHHELD_GREY, hatch="xx", label=WITHHELD_LABEL))
    hl = set(map(str, highlight))
    if hl:
        data[data["ward_code"].isin(hl)].plot(ax=ax, facecolor="none", edgecolor=PALETTE["vermillion"],
                                              linewidth=2.2, hatch="//")  # fmt: skip
    label_areas(ax, data, bold=hl)
    if centres is not None:
        c = geo.to_bng(centres, "centres")
        ax.scatter(c.geometry.x, c.geometry.y, marker="^", s=90, color=PALETTE["orange"],
                   edgecolor="black", zorder=5, label="Wellness centre")  # fmt: skip
        label_points(ax, c.geometry.x, c.geometry.y, c["centre_name"])
    if handles:
        ax.legend(handles=ax.get_legend_handles_labels()[0] + handles, loc="lower left", fontsize=8)
    elif centres is not None:
        ax.legend(loc="lower left", fontsize=8)
    frame_map(ax)
    valid = data.dropna(subset=[column])
    hi = valid.loc[valid[column].idxmax()]
    lo = valid.loc[valid[column].idxmin()]
    alt = (
        f"Map of {config.LAD_NAME}'s {len(data)} wards shaded by {legend}. Highest: {hi['ward_name']} "
        f"({number(hi[column], 1)}); lowest: {lo['ward_name']} ({number(lo[column], 1)})."
    )
    if withheld_codes:
        n = len(withheld_codes)
        alt += (
            f" {n} ward{'s' if n != 1 else ''} withheld (small numbers), shown grey and hatched, "
            "not counted as highest or lowest."
        )
    if centres is not None:
        alt += f" Triangles mark the {len(centres)} wellness centres."
    if hl:
        alt += f" Outlined and hatched: {', '.join(data.loc[data['ward_code'].isin(hl), 'ward_name'])}."
    return fig, alt


def decay_chart(res: WellnessAnalysis, successes: str = "took_up", trials: str = "referrals"):
    """Take-up against distance (``res.decay.distance``) with the fitted curve and its 95% band.

    The ward-by-centre cells of ``res.decay_points`` are pooled into safe distance bands
    (:func:`~lsp_research.topics.wellness.analysis.access.decay_bands`): no point stands for a small
    count. Raises :class:`~lsp_research.errors.ParameterError` when no decay was fitted
    (``res.decay`` is None).
    """
    fit, table = res.decay, res.decay_points
    if fit is None:
        raise ParameterError(
            "res: too few wards had referrals to fit a distance decay, so there is no decay chart"
        )
    fig, ax = figure(
        f"Take-up of referrals {fit.direction} with distance to {fit.target}",
        f"Straight-line distance from ward centroid to {fit.target} (km)",
        "Referrals taken up (%)",
    )
    b = decay_bands(table, fit.distance, successes, trials)
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


def quintile_chart(res: WellnessAnalysis, column: str, title: str, ylabel: str):
    """Bars of ``column`` of ``res.by_quintile`` by deprivation quintile (1 = most deprived), with 95%
    intervals.
    """
    q = res.by_quintile.sort_values("imd_quintile")
    hidden = res.withheld("by_quintile", column).loc[q.index].to_numpy()
    fig, ax = figure(title, "Deprivation quintile of ward (1 = most deprived, IMD 2007)", ylabel)
    x = q["imd_quintile"].astype(int).to_numpy()
    y = q[column].to_numpy(dtype=float)
    if hidden.any():  # no bar and no interval for a withheld quintile
        y = np.where(hidden, np.nan, y)
        q = q.assign(
            **{f"{column}_{b}": q[f"{column}_{b}"].where(~hidden) for b in ("lowercl", "uppercl")}
        )
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
        + "; ".join(
            f"quintile {a} {'withheld (small numbers)' if h else number(b, 1)}"
            for a, b, h in zip(x, y, hidden, strict=True)
        )
        + "."
    )
    return fig, alt


def coverage_map(res: WellnessAnalysis):
    """Map of the demand grid coloured by coverage, existing centres and the proposed seventh site.

    Raises :class:`~lsp_research.errors.ParameterError` when the coverage model was not run.
    """
    result = res.coverage
    if result is None:
        raise ParameterError("res: the coverage model was not run (validate_params(coverage=True))")
    shapes = geo.to_bng(res.ward_shapes, "wards")
    fig, ax = figure(
        f"A seventh centre: the site that brings most adults within {result.service_radius_m / 1000:g} km",
        figsize=(7, 7.5),
    )  # fmt: skip
    shapes.plot(ax=ax, facecolor="#F2F2F2", edgecolor="#9A9A9A", linewidth=0.5)
    label_areas(ax, shapes)
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
    c = geo.to_bng(res.centres, "centres")
    ax.scatter(c.geometry.x, c.geometry.y, marker="^", s=110, color=PALETTE["orange"], edgecolor="black",
               zorder=5, label="Existing centre")  # fmt: skip
    label_points(ax, c.geometry.x, c.geometry.y, c["centre_name"])
    ax.scatter([result.site.x], [result.site.y], marker="*", s=320, color=PALETTE["vermillion"],
               edgecolor="black", zorder=6, label="Proposed seventh centre")  # fmt: skip
    ax.legend(loc="lower left", fontsize=8)
    frame_map(ax)
    name = shapes.set_index(shapes["ward_code"].astype(str)).loc[result.site_ward_code, "ward_name"]
    alt = (
        f"Map of {config.LAD_NAME} with points for where adults live: {number(result.pct_before, 1)}% of adults live "
        f"within {result.service_radius_m / 1000:g} km of one of the {len(c)} centres. The model's seventh site, "
        f"in {name} ward, would raise that to {number(result.pct_after, 1)}% "
        f"({number(result.gain, 0)} more adults)."
    )
    return fig, alt


def funnel(res: WellnessAnalysis, unit: str):
    """12-week completion by ``unit`` (``"ward"`` or ``"centre"``) on a funnel plot, or None when the
    selection has fewer than two of them.

    Wards or centres whose completers or referrals are withheld (:meth:`WellnessAnalysis.withheld`)
    are left out of the plot (no marker for a small cell) and the alt text says how many.
    """
    if unit not in ("ward", "centre"):
        raise ParameterError(f"unit: {unit!r} is not allowed; allowed values: ward, centre")
    frame = res.funnel_centres if unit == "centre" else res.funnel_wards
    table, key = ("by_centre", "centre_id") if unit == "centre" else ("wards", "ward_code")
    hidden = res.withheld(table, "completion_pct")
    codes = set(getattr(res, table).loc[hidden.to_numpy(), key].astype(str))
    keep = ~frame[key].astype(str).isin(codes)
    left_out = int((~keep).sum())
    frame = frame[keep].reset_index(drop=True)
    if len(frame) < 2:
        return None
    fig, alt = funnel_plot(
        frame, numerator="completed", denominator="referrals", label="label", kind="proportion",
        polarity="increase", title=f"12-week completion by {unit}, {res.window.window_label}",
        xlabel="Referrals (count)", ylabel="Completed 12 weeks (% of referrals)",
    )  # fmt: skip
    if left_out:
        alt += (
            f" {left_out} {unit}{'s' if left_out != 1 else ''} with small numbers "
            f"{'are' if left_out != 1 else 'is'} withheld and not plotted."
        )
    return fig, alt
