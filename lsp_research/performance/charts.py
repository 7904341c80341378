"""The evidence chart of one indicator: its SPC chart with target, routed-back quarters and changes.

>>> import pandas as pd
>>> from lsp_research.performance import meeting, parse_registry
>>> reg = parse_registry({"indicators": [dict(code="NI20", title="Assault with injury", theme="safe",
...     partnership="Safe City", owner="Police", lead="Area Commander", unit="crimes per 1,000",
...     measure="rate", multiplier=1000, polarity="lower", frequency="quarterly", source="Police")],
...     "targets": {"NI20": {"trajectory": {"2009-10": 2.0}}}})
>>> periods = [f"{y}Q{q}" for y in (2008, 2009) for q in (1, 2, 3, 4)]
>>> ret = pd.DataFrame({"indicator_code": "NI20", "period": periods, "area_code": LAD_CODE,
...     "value": [2.0, 2.1, 2.0, 1.9, 2.0, 2.1, 20.0, 2.05], "numerator": None, "denominator": None,
...     "submitted_on": "2010-01-01", "submitted_by": "Police"})
>>> m = meeting(ret, reg, "2009Q4")
>>> fig, alt = indicator_chart(m.assessment, "NI20")
>>> print(alt)  # doctest: +NORMALIZE_WHITESPACE
SPC chart of NI 20 Assault with injury (crimes per 1,000), 2008Q1 to 2009Q4: latest value 2.05 against
a target of 2.00; common cause variation; the limits are trial limits (fewer than 13 quarters since the
baseline began); 1 quarter routed back to its owner (2009Q3), not plotted.
"""

from __future__ import annotations

import matplotlib.transforms as mtransforms
import numpy as np
import pandas as pd

from ..config import LAD_CODE
from ..formatting import number
from ..plots import PALETTE, figure

#: The legend of the process limits, in plain words first (trial limits may still move).
LIMITS_LABEL = {
    False: "Expected range (process limits)",
    True: "Expected range (trial process limits)",
}

VARIATION_WORDS = {
    "common_cause": "common cause variation",
    "special_cause_concern": "special cause of concern",
    "special_cause_improvement": "special cause of improvement",
    "special_cause_neutral_high": "special cause (higher)",
    "special_cause_neutral_low": "special cause (lower)",
    None: "no SPC (too few quarters)",
}


def indicator_chart(assessment, code: str, area: str = LAD_CODE, *, size=(8, 3.6)):
    """The SPC chart of one indicator-area series as known at the assessment's quarter.

    Shows the values the filter accepted (special causes of concern and improvement in distinct colours
    and markers), the mean and process limits (trial limits dashed lighter), the target by financial year,
    quarters routed back to the owner (an ``x`` on the axis, not plotted at their value), and a vertical
    line where the definition changed.

    Returns
    -------
    (fig, alt) : the figure and its alt text.
    """
    ind = assessment.registry[code]
    s = assessment.series[(ind.code, area)]
    x = np.arange(len(s))
    fig, ax = figure(
        f"{ind.label} {ind.title}",
        xlabel="Financial-year quarter",
        ylabel=_wrap(ind.unit),
        figsize=size,
    )
    ok = ~s["excluded"].to_numpy(bool)
    v = s["value"].to_numpy(float)
    if ok.any():
        ax.plot(x[ok], v[ok], color=PALETTE["grey"], lw=1.2, zorder=2)
        ax.plot(
            x[ok],
            v[ok],
            ls="none",
            marker="o",
            ms=4,
            color=PALETTE["black"],
            label="Quarter",
            zorder=3,
        )
        for kind, colour, marker, label in (
            ("special_cause_concern", PALETTE["vermillion"], "s", "Special cause of concern"),
            ("special_cause_improvement", PALETTE["blue"], "^", "Special cause of improvement"),
        ):
            sel = ok & (s["point_type"].to_numpy(object) == kind)
            if sel.any():
                ax.plot(
                    x[sel],
                    v[sel],
                    ls="none",
                    marker=marker,
                    ms=7,
                    color=colour,
                    label=label,
                    zorder=4,
                )
        # one set of limits per baseline: series start, definition change, sustained shift
        grp = pd.to_numeric(s["rebase_group"], errors="coerce").to_numpy(float)
        starts = [int(np.flatnonzero(grp == g)[0]) for g in np.unique(grp[np.isfinite(grp)])]
        bounds = [0, *starts[1:], len(s)]
        segments = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        trial = assessment.row(ind.code, area)["spc_trial_limits"] in (True,)
        for col, style, label in (
            ("mean", "-", "Mean"),
            ("upl", "--", LIMITS_LABEL[trial]),
            ("lpl", "--", None),
        ):
            y = s[col].to_numpy(float)
            for k, seg in enumerate(segments):
                keep = ok[seg]  # draw across quarters that were routed back or missing
                ax.plot(
                    x[seg][keep],
                    y[seg][keep],
                    ls=style,
                    lw=1,
                    color=PALETTE["sky"] if col != "mean" else PALETTE["black"],
                    label=label if k == 0 else None,
                    zorder=1,
                )
    t = s["target"].to_numpy(float)
    if np.isfinite(t).any():
        ax.step(
            x, t, where="mid", ls="-.", lw=1.5, color=PALETTE["orange"], label="Target", zorder=1
        )
    bad = ~ok & s["received"].to_numpy(bool)
    missing = ~s["received"].to_numpy(bool)
    trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    for mask, marker, ms, colour, label in (
        (bad, "x", 8, PALETTE["purple"], "Routed back to owner"),
        (missing, "|", 10, PALETTE["grey"], "No return"),
    ):
        if mask.any():
            ax.plot(x[mask], np.full(mask.sum(), 0.03), ls="none", marker=marker, ms=ms, mew=2,
                    color=colour, transform=trans, label=label, clip_on=False)  # fmt: skip
    row = assessment.row(ind.code, area)
    changed = row["definition_changed_in"]
    if isinstance(changed, str) and changed in set(s["period"]):
        pos = list(s["period"]).index(changed)
        ax.axvline(pos - 0.5, color=PALETTE["green"], ls=":", lw=1.5, label="Definition changed")
    shift = (
        row.get("spc_baseline_from")
        if row.get("spc_baseline_reason") == "sustained shift"
        else None
    )
    if isinstance(shift, str) and shift in set(s["period"]):
        pos = list(s["period"]).index(shift)
        ax.axvline(pos - 0.5, color=PALETTE["sky"], ls=":", lw=1.5,
                   label="Limits recalculated (sustained shift)")  # fmt: skip
    step = max(1, len(s) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(list(s["period"])[::step], rotation=45, ha="right", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig, chart_alt(assessment, ind.code, area)


def chart_alt(assessment, code: str, area: str = LAD_CODE) -> str:
    """Alt text for :func:`indicator_chart`, computed from the same numbers."""
    ind = assessment.registry[code]
    s = assessment.series[(ind.code, area)]
    r = assessment.row(ind.code, area)
    parts = [
        f"SPC chart of {ind.label} {ind.title} ({ind.unit}), {s['period'].iloc[0]} to {s['period'].iloc[-1]}"
    ]
    if r["judged"]:
        latest = f"latest value {number(r['value'], r['decimals'])}"
        if pd.notna(r["target"]):
            latest += f" against a target of {number(r['target'], r['decimals'])}"
        parts.append(latest)
        if r["spc_variation"] is None or pd.isna(r["spc_variation"]):
            parts.append(str(r.get("spc_note") or "no SPC verdict"))
        else:
            parts.append(VARIATION_WORDS.get(r["spc_variation"], str(r["spc_variation"])))
            if r.get("spc_note"):
                parts.append(str(r["spc_note"]))
        if r["spc_trial_limits"] in (True,):
            parts.append(
                "the limits are trial limits (fewer than 13 quarters since the baseline began)"
            )
    else:
        parts.append(
            f"the latest quarter ({r['period']}) is not judged: {r['period_flags'] or 'no return'}"
        )
    bad = s[s["excluded"] & s["received"]]
    if len(bad):
        n = len(bad)
        parts.append(
            f"{n} quarter{'s' if n != 1 else ''} routed back to its owner ({', '.join(bad['period'])}), not plotted"
        )
    miss = s[~s["received"]]
    if len(miss):
        parts.append(f"no return for {', '.join(miss['period'])}")
    return ": ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if len(parts) > 2 else "") + "."


def _wrap(text: str, width: int = 28) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines)
