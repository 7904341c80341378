"""Charts for the statistics in :mod:`lsp_research.stats`: SPC (Making Data Count), funnel plots,
Fingertips-style spine charts and confidence-interval bar charts.

Each function returns ``(fig, alt_text)``: a matplotlib figure in the house style (title, axis labels with
units) and alt text that states the chart's content in words and numbers, ready for
``lsp_research.plots.show(fig, alt=alt_text)``. Colours come from :data:`~lsp_research.plots.PALETTE` and
:data:`~lsp_research.plots.SIGNIFICANCE_COLOURS` (colour-blind safe) and every category also has its own
marker so that charts survive grey-scale printing.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..errors import InputError
from ..formatting import decimals_for, estimate, interval, number
from ..stats import compare, funnel_limits, funnel_significance, polarity_sign
from ..stats.spc import SPCResult
from .base import NAMED_AREAS, PALETTE, SIGNIFICANCE_COLOURS, figure

#: Point styles of SPC point types: (colour, marker, legend label).
SPC_STYLES = {
    "common_cause": (PALETTE["grey"], "o", "Common cause"),
    "special_cause_improvement": (PALETTE["blue"], "^", "Special cause: improvement"),
    "special_cause_concern": (PALETTE["orange"], "v", "Special cause: concern"),
    "special_cause_neutral_high": (PALETTE["purple"], "^", "Special cause: neutral (high)"),
    "special_cause_neutral_low": (PALETTE["purple"], "v", "Special cause: neutral (low)"),
}
#: Markers of comparison labels (so that the meaning survives without colour).
COMPARE_MARKERS = {
    "better": "^",
    "worse": "v",
    "similar": "o",
    "higher": "s",
    "lower": "D",
    "not compared": "x",
}


def _fmt(v: float, decimals: int | None = None) -> str:
    """A number for alt text and labels through the package's one formatter
    (:func:`lsp_research.formatting.number`): separators, no negative zero, "missing" when missing.
    """
    return number(v, decimals, missing="missing")


def _x_positions(x: pd.Series):
    """Numeric x positions and tick labels for period-like, string or date x values."""
    if pd.api.types.is_numeric_dtype(x) or pd.api.types.is_datetime64_any_dtype(x):
        return x.to_numpy(), None
    labels = [str(v) for v in x]
    return np.arange(len(labels)), labels


def spc_chart(
    result: SPCResult,
    title: str,
    ylabel: str,
    xlabel: str = "Period",
    *,
    show_near_limits: bool = False,
):
    """An XmR chart with Making Data Count colours, icon wording and a trial-limits note.

    Parameters
    ----------
    result : SPCResult
        From :func:`lsp_research.stats.spc`.
    title : str
    ylabel : str
        Measure and units, e.g. "Admissions (count per quarter)".
    xlabel : str
    show_near_limits : bool
        Also draw the near (two-sigma) limits.

    Returns
    -------
    (matplotlib.figure.Figure, str)

    Examples
    --------
    >>> from lsp_research.stats import spc
    >>> r = spc([1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1], target=3)
    >>> fig, alt = spc_chart(r, "Incidents per month", "Incidents (count)")
    >>> print(alt.split(".")[0])
    SPC chart of Incidents per month: 18 points from 0 to 17
    """
    pts = result.points
    fig, ax = figure(title, xlabel, ylabel)
    xs, labels = _x_positions(pts["x"])
    ax.plot(xs, pts["value"], color=PALETTE["grey"], lw=1.2, zorder=1)
    for g, seg in pts.groupby("rebase_group", sort=True):
        idx = seg.index.to_numpy()
        sx = xs[idx]
        ax.plot(sx, seg["mean"], color=PALETTE["black"], lw=1.2, label="Mean" if g == 0 else None)
        ax.plot(
            sx,
            seg["upl"],
            color=PALETTE["black"],
            lw=1,
            ls="--",
            label="Expected range (process limits)" if g == 0 else None,
        )
        ax.plot(sx, seg["lpl"], color=PALETTE["black"], lw=1, ls="--")
        if show_near_limits:
            ax.plot(sx, seg["near_upl"], color=PALETTE["grey"], lw=0.8, ls=":",
                    label="Two thirds of the way to its edge" if g == 0 else None)  # fmt: skip
            ax.plot(sx, seg["near_lpl"], color=PALETTE["grey"], lw=0.8, ls=":")
    if result.target is not None:
        ax.axhline(result.target, color=PALETTE["vermillion"], lw=1.2, ls="-.", label="Target")
    for ptype, (colour, marker, label) in SPC_STYLES.items():
        sel = (pts["point_type"] == ptype).to_numpy()
        if sel.any():
            ax.scatter(
                xs[sel], pts["value"][sel], color=colour, marker=marker, s=36, zorder=3, label=label
            )
    if labels is not None:
        step = max(1, len(labels) // 12)
        ax.set_xticks(xs[::step])
        ax.set_xticklabels(labels[::step], rotation=45, ha="right")
    notes = [f"Variation: {result.variation_text}.", f"Assurance: {result.assurance_text}."]
    if result.trial_limits:
        notes.append("Trial limits: fewer than 13 points, so the limits may change.")
    notes = [textwrap.fill(t, 30) for t in notes]
    ax.text(1.01, 0.0, "\n\n".join(notes), transform=ax.transAxes, va="bottom", ha="left", fontsize=8,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": PALETTE["grey"]})  # fmt: skip
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)

    last = pts.iloc[-1]
    special = pts[pts["special_cause_flag"]]
    counts = special["point_type"].astype(str).value_counts()
    parts = [f"{n} {SPC_STYLES[t][2].split(': ')[-1]}" for t, n in counts.items()]
    alt = (
        f"SPC chart of {title}: {len(pts)} points from {pts['x'].iloc[0]} to {pts['x'].iloc[-1]}. "
        f"Latest value {_fmt(last['value'])}; mean {_fmt(last['mean'])} with process limits "
        f"{interval(last['lpl'], last['upl'], decimals_for(last['mean']), missing='missing')}"
        + (" (trial limits: fewer than 13 points)" if result.trial_limits else "")
        + ". "
        + (
            f"{len(special)} special-cause points ({', '.join(parts)}). "
            if len(special)
            else "No special causes. "
        )
        + f"Variation icon: {result.variation_text}. "
        + (
            f"Target {_fmt(result.target)}: {result.assurance_text}."
            if result.target is not None
            else "No target."
        )
    )
    if pts["rebase_group"].nunique() > 1:
        alt += f" Limits recalculated at {pts['rebase_group'].nunique() - 1} process change(s)."
    return fig, alt


def funnel_plot(
    data: pd.DataFrame,
    numerator: str,
    denominator: str,
    title: str,
    *,
    kind: str = "proportion",
    label: str | None = None,
    multiplier: float | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    polarity: str | None = None,
):
    """A funnel plot: each area's value against its size, with 95% and 99.8% limits.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area.
    numerator, denominator : str
        Events and denominators (for ``kind="ratio"``: observed and expected events).
    title : str
    kind : {"proportion", "rate", "ratio"}
        For rates the values are crude rates ``numerator / denominator * multiplier``.
    label : str, optional
        Column of area names (named in the alt text when outside the limits).
    multiplier : float, optional
        100 (percent) for proportions, 100,000 for rates, 100 for ratios by default.
    xlabel, ylabel : str, optional
        Axis labels with units (defaults describe the measure).
    polarity : str, optional
        With a polarity, points above/below are coloured better/worse; otherwise higher/lower.

    Returns
    -------
    (matplotlib.figure.Figure, str)

    Examples
    --------
    >>> df = pd.DataFrame({"ward": list("ABCD"), "x": [30, 45, 80, 20], "n": [100, 150, 200, 120]})
    >>> fig, alt = funnel_plot(df, "x", "n", "Smoking at delivery", label="ward")
    >>> alt.startswith("Funnel plot of Smoking at delivery for 4 areas")
    True
    """
    m = (
        multiplier
        if multiplier is not None
        else {"proportion": 100, "rate": 100_000, "ratio": 100}[kind]
    )
    num = pd.to_numeric(data[numerator]).to_numpy(dtype=float)
    den = pd.to_numeric(data[denominator]).to_numpy(dtype=float)
    if kind == "proportion":
        average = num.sum() / den.sum()
        sig = funnel_significance(data, numerator, denominator, kind="proportion")["significance"]
        values = num / den * m
        lim_avg, lim_mult = average, m
    elif kind == "rate":
        average = num.sum() / den.sum()
        frame = data.assign(_rate=num / den * m)
        sig = funnel_significance(frame, numerator, denominator, kind="rate", rate="_rate", rate_type="crude",
                                  multiplier=m)["significance"]  # fmt: skip
        values = num / den * m
        lim_avg, lim_mult = average, m
    elif kind == "ratio":
        sig = funnel_significance(data, numerator, denominator, kind="ratio")["significance"]
        values = num / den * m
        lim_avg, lim_mult = 1.0, m
    else:
        raise InputError(f"kind: {kind!r} is not allowed; use 'proportion', 'rate' or 'ratio'")
    xlabel = xlabel or {"proportion": "Denominator (count)", "rate": "Population (person-years)",
                        "ratio": "Expected events (count)"}[kind]  # fmt: skip
    ylabel = ylabel or {"proportion": "Percentage (%)" if m == 100 else f"Proportion (x {m:g})",
                        "rate": f"Rate per {m:,.0f}", "ratio": f"Ratio (x {m:g})"}[kind]  # fmt: skip
    fig, ax = figure(title, xlabel, ylabel)
    grid = np.geomspace(max(1.0, den.min() * 0.5), den.max() * 1.1, 200)
    lim = funnel_limits(lim_avg, grid, kind=kind, multiplier=lim_mult)
    ax.plot(grid, lim["baseline"], color=PALETTE["black"], lw=1.2, label="Average")
    ax.plot(grid, lim["upper_2s_limit"], color=PALETTE["black"], lw=1, ls="--", label="95% limits")
    ax.plot(grid, lim["lower_2s_limit"], color=PALETTE["black"], lw=1, ls="--")
    ax.plot(grid, lim["upper_3s_limit"], color=PALETTE["grey"], lw=1, ls=":", label="99.8% limits")
    ax.plot(grid, lim["lower_3s_limit"], color=PALETTE["grey"], lw=1, ls=":")
    category = np.where(
        sig.str.startswith("High"),
        "higher",
        np.where(sig.str.startswith("Low"), "lower", "similar"),
    ).astype(object)
    direction = polarity_sign(polarity)
    if direction != 0:
        good, bad = ("better", "worse") if direction > 0 else ("worse", "better")
        category = np.select(
            [category == "higher", category == "lower"], [good, bad], "similar"
        ).astype(object)
    category[sig.str.startswith("Not applicable").to_numpy()] = "not compared"
    for cat in ("better", "worse", "higher", "lower", "similar", "not compared"):
        sel = category == cat
        if sel.any():
            ax.scatter(den[sel], values[sel], color=SIGNIFICANCE_COLOURS[cat], marker=COMPARE_MARKERS[cat],
                       edgecolor=PALETTE["black"], linewidth=0.4, s=40, zorder=3, label=cat.capitalize())  # fmt: skip
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)

    names = (
        data[label].astype(str).to_numpy()
        if label
        else np.array([f"area {i + 1}" for i in range(len(data))])
    )
    hi3 = names[(sig == "High (0.001)").to_numpy()]
    lo3 = names[(sig == "Low (0.001)").to_numpy()]
    n2 = int(sig.isin(["High (0.025)", "Low (0.025)"]).sum())
    baseline = lim["baseline"].iloc[0]
    alt = (
        f"Funnel plot of {title} for {len(data)} areas, plotting {ylabel} against "
        f"{xlabel} ({interval(den.min(), den.max(), decimals_for(den.max()), missing='missing')}). "
        f"Average {_fmt(baseline)}. "
        f"{len(hi3)} above the 99.8% limit" + (f" ({', '.join(hi3)})" if 0 < len(hi3) <= 10 else "")
        + f", {len(lo3)} below it" + (f" ({', '.join(lo3)})" if 0 < len(lo3) <= 10 else "")
        + f", {n2} between the 95% and 99.8% limits, "
        f"{int((sig == 'Not significant').sum())} within the 95% limits."
    )  # fmt: skip
    return fig, alt


def _comparison_legend(ax, labels, area_name: str) -> None:
    """A legend of the comparison results that ``labels`` hold, in the order they first appear."""
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker=COMPARE_MARKERS[k],
            color=SIGNIFICANCE_COLOURS[k],
            markeredgecolor="black",
            label=f"{area_name}: {k}",
        )  # fmt: skip
        for k in dict.fromkeys(labels)
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.25, 1.0), fontsize=8, frameon=False
    )


def spine_chart(
    data: pd.DataFrame,
    title: str,
    *,
    indicator: str = "indicator",
    value: str = "value",
    lower: str = "lowercl",
    upper: str = "uppercl",
    comparator: str = "comparator",
    minimum: str = "minimum",
    maximum: str = "maximum",
    q25: str | None = None,
    q75: str | None = None,
    polarity: str | None = "polarity",
    units: str | None = None,
    area_name: str = "Local value",
    comparator_name: str = "England",
):
    """A Fingertips-style spine chart: one row per indicator, the comparator at the centre, the range of
    areas as a bar (worst on the left, best on the right) and the local value as a marker coloured by
    significance with the indicator's polarity.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per indicator with the named columns.
    title : str
    indicator, value, lower, upper, comparator, minimum, maximum : str
        Column names: indicator name, local value and its limits, comparator value, and the lowest and
        highest values among the comparator's areas.
    q25, q75 : str, optional
        Columns of the interquartile range of areas (drawn darker).
    polarity : str or None
        Column of polarities (``"increase"``, ``"decrease"``, ``"neutral"`` / missing).
    units : str, optional
        Column of units shown beside each value (e.g. "per 100,000").
    area_name, comparator_name : str
        Names used in the legend and alt text.

    Returns
    -------
    (matplotlib.figure.Figure, str)

    Examples
    --------
    >>> df = pd.DataFrame({"indicator": ["Smoking (%)", "Alcohol admissions per 100,000"],
    ...     "value": [25.0, 900.0], "lowercl": [23.0, 850.0], "uppercl": [27.0, 950.0],
    ...     "comparator": [20.0, 700.0], "minimum": [10.0, 300.0], "maximum": [35.0, 1400.0],
    ...     "polarity": ["decrease", "decrease"]})
    >>> fig, alt = spine_chart(df, "Eastbury compared with England")
    >>> "2 indicators" in alt and "worse: 2" in alt
    True
    """
    n = len(data)
    if n == 0:
        raise InputError("data: a spine chart needs at least one indicator")
    fig, ax = figure(
        title,
        f"Position relative to {comparator_name} (centre); worst on the left, best on the right",
        None,
        figsize=(8, 1.2 + 0.45 * n),
    )
    pol = (
        data[polarity]
        if polarity and polarity in data.columns
        else pd.Series([None] * n, index=data.index)
    )
    labels_out = []
    for row, (_, r) in enumerate(data.iterrows()):
        y = n - 1 - row
        p = pol.loc[_] if not pd.isna(pol.loc[_]) else None
        s = polarity_sign(p) or 1  # neutral: higher to the right
        c = float(r[comparator])
        span = max(abs(float(r[maximum]) - c), abs(c - float(r[minimum])), 1e-12)

        def pos(v, c=c, span=span, s=s):
            return 0.5 + 0.5 * s * (float(v) - c) / span

        lo, hi = sorted((pos(r[minimum]), pos(r[maximum])))
        ax.barh(y, hi - lo, left=lo, height=0.5, color="#D9D9D9", edgecolor="none")
        if q25 and q75:
            a, b = sorted((pos(r[q25]), pos(r[q75])))
            ax.barh(y, b - a, left=a, height=0.5, color="#A6A6A6", edgecolor="none")
        label = compare(r[value], r[lower], r[upper], c, p)
        labels_out.append(label)
        ax.scatter(pos(r[value]), y, s=70, zorder=3, color=SIGNIFICANCE_COLOURS[label],
                   marker=COMPARE_MARKERS[label], edgecolor=PALETTE["black"], linewidth=0.5)  # fmt: skip
        unit = f" {r[units]}" if units and units in data.columns else ""
        ax.text(1.03, y, f"{_fmt(r[value])}{unit} (vs {_fmt(c)})", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())  # fmt: skip
    ax.axvline(0.5, color=PALETTE["black"], lw=1.2)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.5, 1])
    ax.set_xticklabels(["Worst", comparator_name, "Best"])
    ax.set_yticks(range(n))
    ax.set_yticklabels(list(data[indicator])[::-1])
    ax.grid(False)
    _comparison_legend(ax, labels_out, area_name)
    counts = pd.Series(labels_out).value_counts()
    detail = "; ".join(
        f"{r[indicator]}: {estimate(r[value], r[lower], r[upper])} against "
        f"{number(r[comparator], decimals_for(r[value]))}, {lab}"
        for (_, r), lab in zip(data.iterrows(), labels_out, strict=True)
    )
    alt = (
        f"Spine chart, {title}: {n} indicators compared with {comparator_name} ("
        + ", ".join(f"{k}: {v}" for k, v in counts.items())
        + f"). {detail}."
    )
    return fig, alt


def ci_bar_chart(
    data: pd.DataFrame,
    label: str,
    value: str,
    title: str,
    xlabel: str,
    *,
    lower: str = "lowercl",
    upper: str = "uppercl",
    comparator: float | None = None,
    comparator_name: str = "comparator",
    polarity: str | None = None,
    sort: bool = True,
):
    """A horizontal bar chart of values with confidence intervals, coloured against a comparator.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area.
    label, value : str
        Columns of area names and values.
    title : str
    xlabel : str
        The measure with units, e.g. "Rate per 100,000 (directly standardised)".
    lower, upper : str
        Columns of confidence limits.
    comparator : float, optional
        A value to compare with (drawn as a line); without it bars are not compared.
    comparator_name : str
    polarity : str, optional
        ``"increase"``/``"decrease"`` for better/worse, None for higher/lower.
    sort : bool
        Sort bars by value.

    Returns
    -------
    (matplotlib.figure.Figure, str)

    Examples
    --------
    >>> df = pd.DataFrame({"ward": ["A", "B", "C"], "value": [120.0, 95.0, 60.0],
    ...                    "lowercl": [105.0, 80.0, 50.0], "uppercl": [135.0, 110.0, 71.0]})
    >>> fig, alt = ci_bar_chart(df, "ward", "value", "Admissions", "Rate per 100,000",
    ...                         comparator=90.0, comparator_name="Eastbury", polarity="decrease")
    >>> "1 better, 1 similar, 1 worse" in alt
    True
    """
    df = data.sort_values(value) if sort else data
    n = len(df)
    if n == 0:
        raise InputError("data: a bar chart needs at least one row")
    fig, ax = figure(title, xlabel, None, figsize=(8, 1.2 + 0.35 * n))
    vals = pd.to_numeric(df[value]).to_numpy(dtype=float)
    lo = pd.to_numeric(df[lower]).to_numpy(dtype=float)
    hi = pd.to_numeric(df[upper]).to_numpy(dtype=float)
    if comparator is None:
        cats = np.array(["not compared"] * n, dtype=object)
    else:
        cats = np.asarray(compare(vals, lo, hi, comparator, polarity), dtype=object)
    ys = np.arange(n)
    for cat in dict.fromkeys(cats):
        sel = cats == cat
        ax.barh(ys[sel], vals[sel], color=SIGNIFICANCE_COLOURS[cat], edgecolor=PALETTE["black"],
                linewidth=0.4, label=cat.capitalize(), hatch={"worse": "//", "lower": "//"}.get(cat))  # fmt: skip
    ax.errorbar(
        vals, ys, xerr=[vals - lo, hi - vals], fmt="none", ecolor=PALETTE["black"], capsize=3, lw=1
    )
    if comparator is not None:
        ax.axvline(
            comparator,
            color=PALETTE["black"],
            ls="--",
            lw=1.2,
            label=f"{comparator_name} ({_fmt(comparator)})",
        )
    ax.set_yticks(ys)
    ax.set_yticklabels(df[label].astype(str))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    order = df[label].astype(str).to_numpy()
    d = decimals_for(np.nanmax(np.abs(vals)))  # one precision for the values of one sentence
    alt = (
        f"Bar chart with confidence intervals of {title}, {xlabel}, for {n} areas: from "
        f"{_fmt(vals.min(), d)} ({order[int(np.nanargmin(vals))]}) to {_fmt(vals.max(), d)} "
        f"({order[int(np.nanargmax(vals))]})."
    )
    if comparator is not None:
        counts = pd.Series(cats).value_counts()
        order_of = ["better", "similar", "worse", "higher", "lower", "not compared"]
        alt += (
            f" Compared with {comparator_name} ({_fmt(comparator, d)}): "
            + ", ".join(f"{counts[k]} {k}" for k in order_of if k in counts.index)
            + "."
        )
    return fig, alt


#: Line styles of the comparators on a compare-areas chart, in the order given (city first).
_COMPARATOR_STYLES = ("--", ":", "-.")


def compare_areas_chart(
    data: pd.DataFrame,
    title: str,
    xlabel: str,
    *,
    comparators: dict[str, float] | None = None,
    polarity: str | None = None,
    label: str = "label",
    withheld_text: str = "withheld",
):
    """A Fingertips-style compare-areas chart: every area's value as a dot with its 95% interval,
    sorted, one area highlighted, the comparators as vertical lines.

    Each dot is coloured and shaped by its comparison with the first comparator (better / similar /
    worse by ``polarity``, else higher / similar / lower). A withheld area (``withheld`` True) is
    listed with "(withheld)" after its name and nothing drawn: no dot, no interval; the alt text names
    it without a value. Above :data:`~lsp_research.plots.base.NAMED_AREAS` areas the chart keeps the size of that
    many rows and names only the highlighted area (every area is still a dot; the alt text is the
    same).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area: ``label`` (its name), ``value``, ``lowercl``, ``uppercl``, ``highlight``
        (True for the area the page is about) and optionally ``withheld``.
    title, xlabel : str
        The chart's title and the measure with its unit.
    comparators : dict, optional
        Name -> value of the lines to draw (the city first: dots are compared with it).
    polarity : {"increase", "decrease", "neutral", None}

    Returns
    -------
    (matplotlib.figure.Figure, str)

    Examples
    --------
    >>> df = pd.DataFrame({"label": ["A", "B", "C"], "value": [120.0, 95.0, None],
    ...                    "lowercl": [105.0, 80.0, None], "uppercl": [135.0, 110.0, None],
    ...                    "highlight": [False, True, False], "withheld": [False, False, True]})
    >>> fig, alt = compare_areas_chart(df, "Admissions", "ratio", comparators={"City": 100.0},
    ...                                polarity="decrease")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['C (withheld)', 'B', 'A']
    >>> alt.split(". ")[1]
    'B: 95 (95% CI 80 to 110), similar to City (100), 1 of 2 from the lowest (areas with a published figure)'
    """
    if len(data) == 0:
        raise InputError("data: a compare-areas chart needs at least one area")
    comparators = {k: float(v) for k, v in (comparators or {}).items() if pd.notna(v)}
    df = data.assign(
        withheld=data["withheld"].astype(bool) if "withheld" in data else False,
        highlight=data["highlight"].astype(bool),
    )
    df.loc[df["withheld"], ["value", "lowercl", "uppercl"]] = np.nan  # never drawn
    df = df.assign(_missing=df["value"].isna()).sort_values(["_missing", "value"],
                                                             ascending=[False, True])  # fmt: skip
    n = len(df)
    # too many to name: a chart of a fixed size, only the highlighted area named
    many = n > NAMED_AREAS
    # narrow, so that names stay legible when a phone's 414 px screen scales the figure down
    height = 1.6 + 0.24 * (NAMED_AREAS if many else n)
    fig, ax = figure(textwrap.fill(title, 52), xlabel, None, figsize=(5.2, height))
    ys = np.arange(n)
    vals, lo, hi = (
        pd.to_numeric(df[c]).to_numpy(dtype=float) for c in ("value", "lowercl", "uppercl")
    )
    first = next(iter(comparators.items()), None)
    if first is None:
        cats = np.array(["not compared"] * n, dtype=object)
    else:
        cats = np.asarray(compare(vals, lo, hi, first[1], polarity), dtype=object)
    drawn = ~np.isnan(vals)
    hl = df["highlight"].to_numpy(bool)
    for y in ys[hl]:
        ax.axhspan(y - 0.5, y + 0.5, color="#FFF2CC", zorder=0)
    ax.hlines(ys[drawn], lo[drawn], hi[drawn], color="#555555", lw=0.5 if many else 1.2, zorder=2)
    small = 10 if many else 36
    for cat in dict.fromkeys(cats[drawn]):
        sel = drawn & (cats == cat)
        ax.scatter(vals[sel], ys[sel], s=np.where(hl[sel], 90, small), color=SIGNIFICANCE_COLOURS[cat],
                   marker=COMPARE_MARKERS[cat], edgecolors=PALETTE["black"],
                   linewidths=np.where(hl[sel], 1.6, 0.3 if many else 0.5), zorder=3,
                   label=cat.capitalize())  # fmt: skip
    for (name, v), ls in zip(comparators.items(), _COMPARATOR_STYLES, strict=False):
        ax.axvline(v, color=PALETTE["black"], ls=ls, lw=1.2, label=f"{name} ({_fmt(v)})", zorder=1)
    names = df[label].astype(str).to_numpy()
    withheld = df["withheld"].to_numpy(bool)
    ticks = [f"{t} ({withheld_text})" if w else t for t, w in zip(names, withheld, strict=True)]
    named = hl if many else np.ones(n, dtype=bool)
    ax.set_yticks(ys[named], [t for t, k in zip(ticks, named, strict=True) if k])
    for tick, h in zip(ax.get_yticklabels(), hl[named], strict=True):
        if h:
            tick.set_fontweight("bold")
    if many:  # every area is a dot, too many to name: the axis says so
        ax.set_ylabel(f"{n} areas, lowest to highest (one dot each; only the highlighted named)",
                      fontsize=8)  # fmt: skip
    ax.tick_params(axis="y", labelsize=8.5)
    ax.set_ylim(-0.6, n - 0.4)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=7, framealpha=0.9)
    return fig, _compare_areas_alt(title, xlabel, names, vals, lo, hi, cats, hl, withheld, first)


def _compare_areas_alt(title, xlabel, names, vals, lo, hi, cats, hl, withheld, first) -> str:
    """The words of :func:`compare_areas_chart`: never a withheld area's value."""
    shown = ~np.isnan(vals)
    d = decimals_for(np.nanmax(np.abs(vals))) if shown.any() else 1
    alt = (f"Dot chart with 95% intervals of {title} ({xlabel}) for {len(names)} areas, sorted from "
           f"lowest to highest")  # fmt: skip
    if first is not None:
        alt += f", with {first[0]} ({_fmt(first[1], d)}) as a line"
    alt += "."
    for i in np.flatnonzero(hl):
        if withheld[i] or not shown[i]:
            alt += f" {names[i]}: withheld to protect confidentiality."
            continue
        rank = int((vals[shown] < vals[i]).sum()) + 1
        versus = (
            f", {cats[i]} {'to' if cats[i] == 'similar' else 'than'} {first[0]} ({_fmt(first[1], d)})"
            if first
            else ""
        )
        alt += (f" {names[i]}: {_fmt(vals[i], d)} (95% CI {interval(lo[i], hi[i], d)}){versus}, "
                f"{rank} of {int(shown.sum())} from the lowest (areas with a published figure).")  # fmt: skip
    if withheld.any():
        alt += f" Withheld (not drawn): {', '.join(names[withheld])}."
    return alt


__all__ = [
    "spc_chart",
    "funnel_plot",
    "spine_chart",
    "ci_bar_chart",
    "compare_areas_chart",
    "SPC_STYLES",
    "COMPARE_MARKERS",
]
