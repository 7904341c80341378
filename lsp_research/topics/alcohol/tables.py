"""Publishable tables of the alcohol analysis (keyword arguments for
:func:`lsp_research.tables.show_table`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import config, periods
from ...disclosure import SUPPRESSED
from ...formatting import ROUNDING_NOTE, change, formatted_table
from .analysis import AlcoholResults, withheld_rows
from .inputs import STANDARD_LABELS, area_words, comparator_names
from .suppression import area_withhold, joint_withheld

_RATE = "{:,.1f}"
_RATIO = "{:.1f}"
_LIMITS = ("Lower 95% limit", "Upper 95% limit")


def _rounded(values) -> pd.Series:
    return pd.Series(np.round(np.asarray(values, dtype=float)), dtype="Int64")


def _rate_rules(counts: list[str], derived: list[str], hidden: np.ndarray | None) -> dict:
    """``show_table`` keywords that tie ``derived`` columns (rates, ratios, limits) to ``counts``: the
    cells withheld by the one decision (``hidden``, one per row) and everything computed from them.
    """
    return {
        "counts": counts,
        "dependent": {c: counts for c in derived},
        "withhold": {} if hidden is None else dict.fromkeys(counts, hidden),
    }


_ADMISSIONS = ["Episodes", "Admissions (AAF-weighted)"]


def _withhold_words(df: pd.DataFrame, column: str, hidden: np.ndarray | None) -> None:
    """Withhold a words column (a comparison with the city) where the count behind it is withheld."""
    if hidden is not None and hidden.any():
        df[column] = np.where(hidden, SUPPRESSED, df[column].to_numpy(dtype=object))


@formatted_table
def trend(res: AlcoholResults, freq: str = "financial_year") -> dict:
    """The city DSR by financial year (or quarter) as a publishable table."""
    t = res.trend_year if freq == "financial_year" else res.trend_quarter
    when = "Financial year" if freq == "financial_year" else "Quarter"
    shown = t["shown"].to_numpy()
    hidden = withheld_rows(t)
    df = pd.DataFrame({
        when: t["label"].to_numpy(),
        "Episodes": t["episodes"].astype(int).to_numpy(),
        "Admissions (AAF-weighted)": _rounded(t["total_count"]),
        "Rate per 100,000": np.where(shown, t["value"], np.nan),
        _LIMITS[0]: np.where(shown, t["lowercl"], np.nan),
        _LIMITS[1]: np.where(shown, t["uppercl"], np.nan),
    })  # fmt: skip
    per = "per year" if freq == "financial_year" else "per quarter, annualised"
    return {
        "df": df,
        "caption": f"{config.LAD_NAME}: {res.measure_label}, directly standardised rate {per} "
        f"({res.standard_label}, by age and sex)",
        **_rate_rules(_ADMISSIONS, ["Rate per 100,000", *_LIMITS], hidden),
        "formats": {"Rate per 100,000": _RATE, _LIMITS[0]: _RATE, _LIMITS[1]: _RATE},
        "notes": ["Rates from fewer than 10 (weighted) admissions are not shown."],
    }


def ni39_reconciliation_frame(res: AlcoholResults) -> pd.DataFrame | None:
    """Every figure this report and the performance report give for NI 39's latest year, and why they
    differ: one row per figure, the differences computed from unrounded values.

    Rows: the PCT's return (the performance report's figure), this report's recalculation on the NI 39
    definition, and this report's headline rate. None when there is no NI 39 figure to reconcile.
    """
    if res.ni39 is None or res.ni39_recalculated is None:
        return None
    off = res.ni39[res.ni39["shown"]]
    rec = res.ni39_recalculated[res.ni39_recalculated["shown"]]
    head = res.trend_year[res.trend_year["shown"]]
    if off.empty or rec.empty or head.empty:
        return None
    o = off.iloc[-1]
    year = int(o["financial_year"])
    r = rec[rec["financial_year"] == year]
    h = head[head["financial_year"] == year] if "financial_year" in head.columns else head.iloc[0:0]
    r = r.iloc[-1] if len(r) else rec.iloc[-1]
    h = h.iloc[-1] if len(h) else head.iloc[-1]
    returned = res.ni39_source == "return"
    base_period = (
        f"12 months to {periods.Quarter.parse(o['period']).label}" if returned else str(o["label"])
    )
    method = (
        "attributable fractions of this report's table (illustrative), standardised by age and sex"
    )
    rows = []
    if returned:
        rows.append(
            ("NI 39 as returned by the PCT (the performance report's figure)", base_period,
             STANDARD_LABELS["esp1976"], "the PCT's attributable fractions, standardised by age",
             o, "")
        )  # fmt: skip
    why = []
    if returned:
        why.append(f"recalculated from the admissions: {method}, against the PCT's own calculation")
        if not str(o["label"]) == str(r["label"]):
            why.append(f"financial year {r['label']} against the {base_period}")
    rows.append(
        ("This report: NI 39 definition (broad measure)", f"financial year {r['label']}",
         STANDARD_LABELS["esp1976"], method, r, "; ".join(why))
    )  # fmt: skip
    why_h = list(why)
    if res.params.standard_population != "esp1976":
        why_h.append(
            f"{res.standard_label} instead of the {STANDARD_LABELS['esp1976']} (ESP 2013 gives more "
            "weight to older ages)"
        )
    if res.params.measure != "broad":
        why_h.append(f"{res.measure_label} instead of the broad measure")
    if len(rows) == 1 and not why_h:
        return None
    rows.append(
        (f"This report's headline: {res.measure_label}", f"financial year {h['label']}",
         res.standard_label, method, h, "; ".join(why_h))
    )  # fmt: skip
    first = rows[0][4]
    return pd.DataFrame(
        {
            "Figure": [x[0] for x in rows],
            "Period": [x[1] for x in rows],
            "Standard population": [x[2] for x in rows],
            "Method": [x[3] for x in rows],
            "Per 100,000": [float(x[4]["value"]) for x in rows],
            _LIMITS[0]: [float(x[4]["lowercl"]) for x in rows],
            _LIMITS[1]: [float(x[4]["uppercl"]) for x in rows],
            "Difference from the first row": [
                "" if i == 0 else change(x[4]["value"], first["value"], 1)
                for i, x in enumerate(rows)
            ],
            "Why it differs": [x[5] or "" for x in rows],
        }
    )


@formatted_table
def ni39_reconciliation(res: AlcoholResults) -> dict:
    """:func:`ni39_reconciliation_frame` as a publishable table (operational tier)."""
    df = ni39_reconciliation_frame(res)
    if df is None:
        df = pd.DataFrame({"Figure": ["No NI 39 figure to reconcile"]})
    return {
        "df": df,
        "caption": "NI 39 reconciliation: every figure given for the latest year, and why they differ",
        "formats": {"Per 100,000": _RATE, _LIMITS[0]: _RATE, _LIMITS[1]: _RATE},
        "notes": [ROUNDING_NOTE],
    }


@formatted_table
def ni39(res: AlcoholResults) -> dict:
    """NI 39 for the city beside its comparator areas (the region and England)."""
    t = res.ni39
    city = config.LAD_NAME
    df = pd.DataFrame({
        "Financial year": t["label"].to_numpy(),
        f"{city} per 100,000": np.where(t["shown"], t["value"], np.nan),
        _LIMITS[0]: np.where(t["shown"], t["lowercl"], np.nan),
        _LIMITS[1]: np.where(t["shown"], t["uppercl"], np.nan),
    })  # fmt: skip
    formats = {f"{city} per 100,000": _RATE, _LIMITS[0]: _RATE, _LIMITS[1]: _RATE}
    for name in comparator_names():
        if name in t.columns:
            df[f"{name} per 100,000"] = t[name].to_numpy()
            df[f"{city} vs {name}"] = t[f"vs {name}"].to_numpy()
            formats[f"{name} per 100,000"] = _RATE
    return {
        "df": df,
        "caption": "NI 39 alcohol-harm related admissions (broad measure, European Standard Population "
        f"1976): {city} against {area_words(comparator_names())}"
        + (
            ", as returned by the PCT (the figures and verdicts of the performance report)"
            if res.ni39_source == "return"
            else ", recalculated by this report from the admissions"
        ),
        "formats": formats,
        "notes": [
            f"Better / similar / worse: whether {city}'s 95% interval lies wholly below, across or "
            "above the comparator (lower is better). Comparator figures are those given in the "
            "indicator comparators table.",
        ],
    }


def _ratio_frame(res: AlcoholResults, r: pd.DataFrame, count_label: str) -> pd.DataFrame:
    name = res.area_label.capitalize()
    return pd.DataFrame({
        name: r["area_name"].astype(str).to_numpy(),
        count_label: _rounded(r["observed"]),
        "Expected": r["expected"].to_numpy(),
        "Ratio (city = 100)": r["value"].to_numpy(),
        _LIMITS[0]: r["lower95_0cl"].to_numpy(),
        _LIMITS[1]: r["upper95_0cl"].to_numpy(),
        "Compared with the city": r["significance"].astype(str).to_numpy(),
    })  # fmt: skip


@formatted_table
def ratios(res: AlcoholResults) -> dict:
    """Areas' standardised admission ratios with 95% limits and the significance category."""
    df = _ratio_frame(res, res.ratios, "Admissions (AAF-weighted)")
    df.insert(1, "Episodes", res.ratios["episodes"].astype(int).to_numpy())
    dep = ["Ratio (city = 100)", *_LIMITS]
    mask = area_withhold(res, res.ratios, "episodes")
    _withhold_words(df, "Compared with the city", mask)
    return {
        "df": df,
        "caption": f"{res.measure_label.capitalize()} by {res.area_label}, {res.window_label}: "
        "indirectly standardised admission ratios (city rates by age and sex = 100)",
        **_rate_rules(_ADMISSIONS, dep, mask),
        "not_counts": ["Expected"],
        "formats": {"Expected": "{:,.1f}", **{c: _RATIO for c in dep}},
        "notes": [
            "High/Low (0.025): outside the 95% limits; (0.001): outside the 99.8% limits "
            "(exact Poisson limits under 10 admissions, Byar's from 10).",
        ],
    }


@formatted_table
def gradient(res: AlcoholResults) -> dict:
    """Rates by IMD quintile of wards."""
    order = res.gradient["imd_quintile"].to_numpy().argsort(kind="stable")
    t = res.gradient.iloc[order]
    hidden = withheld_rows(res.gradient)[order]
    labels = {1: "1 (most deprived)", 5: "5 (least deprived)"}
    df = pd.DataFrame({
        "IMD 2007 quintile of wards": [labels.get(int(q), str(int(q))) for q in t["imd_quintile"]],
        "Episodes": t["episodes"].astype(int).to_numpy(),
        "Admissions (AAF-weighted)": _rounded(t["total_count"]),
        "Population share": t["pop_share"].to_numpy(),
        "Rate per 100,000": np.where(t["shown"], t["value"], np.nan),
        _LIMITS[0]: np.where(t["shown"], t["lowercl"], np.nan),
        _LIMITS[1]: np.where(t["shown"], t["uppercl"], np.nan),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{res.measure_label.capitalize()} by deprivation, {res.window_label}: directly "
        f"standardised rates per 100,000 per year ({res.standard_label})",
        **_rate_rules(_ADMISSIONS, ["Rate per 100,000", *_LIMITS], hidden),
        "formats": {
            "Population share": ".1%",
            "Rate per 100,000": _RATE,
            _LIMITS[0]: _RATE,
            _LIMITS[1]: _RATE,
        },  # fmt: skip
    }


@formatted_table
def incidents(res: AlcoholResults) -> dict:
    """Alcohol-related incidents by area: rate per 1,000 residents per year and ratio to the city."""
    t = res.incidents
    df = pd.DataFrame({
        res.area_label.capitalize(): t["area_name"].astype(str).to_numpy(),
        "Incidents": t["incidents"].astype(int).to_numpy(),
        "Rate per 1,000 per year": t["rate"].to_numpy(),
        _LIMITS[0]: t["rate_lowercl"].to_numpy(),
        _LIMITS[1]: t["rate_uppercl"].to_numpy(),
        "Ratio (city = 100)": t["ratio"].to_numpy(),
        "Compared with the city": t["significance"].astype(str).to_numpy(),
    })  # fmt: skip
    dep = ["Rate per 1,000 per year", *_LIMITS, "Ratio (city = 100)"]
    mask = area_withhold(res, t, "incidents")
    _withhold_words(df, "Compared with the city", mask)
    return {
        "df": df,
        "caption": f"Alcohol-related police incidents by {res.area_label}, {res.window_label}: rate per "
        "1,000 residents per year (all ages) and ratio to the city",
        **_rate_rules(["Incidents"], dep, mask),
        "formats": {
            "Rate per 1,000 per year": "{:.2f}",
            _LIMITS[0]: "{:.2f}",
            _LIMITS[1]: "{:.2f}",
            "Ratio (city = 100)": _RATIO,
        },  # fmt: skip
    }


@formatted_table
def hot_spot_wards(res: AlcoholResults) -> dict:
    """Wards holding hot-spot cells."""
    t = res.hot_spot_wards[res.hot_spot_wards["hot_cells"] > 0]
    df = pd.DataFrame({
        "Ward": t["ward_name"].astype(str).to_numpy(),
        "Grid cells": t["cells"].astype(int).to_numpy(),
        "Hot-spot cells (95% or 99%)": t["hot_cells"].astype(int).to_numpy(),
        "Hot-spot cells (99%)": t["hot_cells_99"].astype(int).to_numpy(),
        "Incidents in the ward's cells": t["incidents"].astype(int).to_numpy(),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"Wards holding hot spots of alcohol-related incidents (Getis-Ord Gi*, "
        f"{res.cell_size:g} m cells), {res.window_label}",
        "counts": ["Incidents in the ward's cells"],
        "not_counts": ["Grid cells", "Hot-spot cells (95% or 99%)", "Hot-spot cells (99%)"],
    }


@formatted_table
def joint(res: AlcoholResults, both_only: bool = False) -> dict:
    """Areas' admission and incident ratios side by side."""
    j = res.joint[res.joint["both_high"]] if both_only else res.joint
    sar = np.array(j["sar"].tolist(), dtype=object)
    sar_sig = np.array(j["sar_significance"].astype(str).tolist(), dtype=object)
    inc = np.array(j["incident_ratio"].tolist(), dtype=object)
    inc_sig = np.array(j["incident_significance"].astype(str).tolist(), dtype=object)
    notes = []
    hidden = joint_withheld(res, j)
    if hidden is not None:
        hid_adm, hid_inc = hidden
        sar[hid_adm], sar_sig[hid_adm] = SUPPRESSED, "withheld"
        inc[hid_inc], inc_sig[hid_inc] = SUPPRESSED, "withheld"
        if hid_adm.any() or hid_inc.any():
            notes.append(
                f"{SUPPRESSED} Withheld to protect confidentiality: the count behind the ratio is from "
                "1 to 5, or would let one be worked out (2008 hospital statistics rule)."
            )
    df = pd.DataFrame({
        res.area_label.capitalize(): j["area_name"].astype(str).to_numpy(),
        "Admission ratio": sar,
        "Admissions compared with the city": sar_sig,
        "Incident ratio": inc,
        "Incidents compared with the city": inc_sig,
        "Both significantly high": np.where(j["both_high"], "Yes", "No"),
    })  # fmt: skip
    which = "where both are significantly high" if both_only else "all areas"
    return {
        "df": df,
        "caption": f"Admissions and police incidents by {res.area_label} ({which}), {res.window_label}: "
        "ratios to the city (= 100)",
        "formats": {
            "Admission ratio": _RATIO,
            "Incident ratio": _RATIO,
        },  # "*" is shown as withheld
        "notes": notes,
    }


@formatted_table
def conditions(res: AlcoholResults) -> dict:
    """Admissions in the window by the condition with the highest attributable fraction."""
    t = res.conditions
    df = pd.DataFrame({
        "Condition": t["condition"].astype(str).to_numpy(),
        "Episodes": t["episodes"].astype(int).to_numpy(),
        "Admissions (AAF-weighted)": _rounded(t["admissions"]),
        "Share of weighted admissions": t["share"].to_numpy(),
    })  # fmt: skip
    return {
        "df": df,
        "caption": f"{res.measure_label.capitalize()} by condition, {res.window_label}",
        "counts": ["Episodes", "Admissions (AAF-weighted)"],
        "dependent": {"Share of weighted admissions": "Admissions (AAF-weighted)"},
        "formats": {"Share of weighted admissions": ".1%"},
        "notes": [
            "Each episode is listed under the diagnosis with the highest attributable fraction."
        ],
    }
