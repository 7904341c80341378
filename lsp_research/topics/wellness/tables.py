"""Published tables from a wellness result: each ``name(res)`` returns the keyword arguments of
:func:`lsp_research.tables.show_table` (``show_table(**wellness.tables.wards(res))``).

The keywords declare every count column (and which rates, percentages and intervals depend on which
counts) so that ``show_table`` applies disclosure control fully.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import config
from ...errors import ParameterError
from ...formatting import interval, number, table_formats
from .analysis import WellnessAnalysis
from .analysis.inequality import INEQUALITY_MEASURES

#: The tables this module publishes, by function name.
TABLES = ("city", "wards", "by_age", "by_sex", "by_quintile", "by_centre", "inequalities", "decay",
          "need", "coverage")  # fmt: skip


def _scope(res: WellnessAnalysis) -> str:
    p = res.window
    return f"{p.window_label}; {p.centre_name}; {p.group_label}"


#: Published count columns -> the count of the analysis they show.
_COUNT_COLUMNS = {"Referrals": "referrals", "Took up": "took_up", "Completed 12 weeks": "completed",
                  "Completers with BMI": "bmi_change_n"}  # fmt: skip


def _withhold(res: WellnessAnalysis, table: str, order, columns=tuple(_COUNT_COLUMNS)) -> dict:
    """The ``withhold`` masks of a table of ``res``, rows in ``order`` (the analysis's one decision,
    so that every table and map, and every run's tables, withhold the same cells).
    """
    return {col: res.withheld(table, _COUNT_COLUMNS[col]).loc[order].to_numpy() for col in columns}


#: The quintile column each inequality measure is computed from (as ``inequality_table`` names them).
_INEQUALITY_COLUMNS = {label: col for col, _, label in INEQUALITY_MEASURES}


def _inequality_withheld(res: WellnessAnalysis) -> np.ndarray:
    """True for each row of ``res.inequalities`` whose measure has a withheld quintile."""
    return np.array(
        [
            bool(res.withheld("by_quintile", _INEQUALITY_COLUMNS[m]).any())
            for m in res.inequalities["measure"]
        ]
    )


def _finish(df: pd.DataFrame, kw: dict) -> dict:
    kw["formats"] = {**table_formats(df, kw.get("counts", ())), **kw.get("formats", {})}
    return {"df": df, **kw}


def _ci_text(lo, up, nd: int = 1) -> list[str]:
    return [
        "" if (pd.isna(a) or pd.isna(b)) else interval(a, b, nd)
        for a, b in zip(lo, up, strict=True)
    ]


def _estimates(t: pd.DataFrame, *specs: tuple[str, str, str, int], limits=None) -> dict:
    """Columns of estimates beside their 95% intervals: each spec is ``(header, column, interval
    header, decimals)``; the limits are ``<prefix>_lowercl``/``_uppercl``, the prefix being the column
    or ``limits[column]``.
    """
    out = {}
    for header, col, ci_header, nd in specs:
        prefix = (limits or {}).get(col, col)
        out[header] = t[col].round(nd)
        out[ci_header] = _ci_text(t[f"{prefix}_lowercl"], t[f"{prefix}_uppercl"], nd)
    return out


def _stage_columns(
    t: pd.DataFrame, label: tuple[str, str], with_rates: bool
) -> tuple[pd.DataFrame, dict]:
    """Readable columns of a stage/rate table and the matching show_table declarations."""
    col, header = label
    out = pd.DataFrame({header: t[col].astype(str).to_numpy()})
    counts = ["Referrals", "Took up", "Completed 12 weeks"]
    dependent: dict[str, list[str]] = {}
    not_counts: list[str] = []
    if with_rates:
        out["Adults (16+)"] = t["population"].to_numpy()
        not_counts.append("Adults (16+)")
    out["Referrals"] = t["referrals"].to_numpy()
    if with_rates:
        out["Referrals per 1,000 adults"] = t["referral_rate"].round(2).to_numpy()
        out["Referral rate 95% CI"] = _ci_text(
            t["referral_rate_lowercl"], t["referral_rate_uppercl"], 2
        )
        dependent["Referrals per 1,000 adults"] = ["Referrals"]
        dependent["Referral rate 95% CI"] = ["Referrals"]
    out["Took up"] = t["took_up"].to_numpy()
    if with_rates:
        out["Uptake per 1,000 adults"] = t["uptake_rate"].round(2).to_numpy()
        out["Uptake 95% CI"] = _ci_text(t["uptake_rate_lowercl"], t["uptake_rate_uppercl"], 2)
        dependent["Uptake per 1,000 adults"] = ["Took up"]
        dependent["Uptake 95% CI"] = ["Took up"]
    out["Take-up (%)"] = t["takeup_pct"].round(1).to_numpy()
    out["Take-up 95% CI"] = _ci_text(t["takeup_pct_lowercl"], t["takeup_pct_uppercl"])
    out["Completed 12 weeks"] = t["completed"].to_numpy()
    out["Completion (% of referrals)"] = t["completion_pct"].round(1).to_numpy()
    out["Completion 95% CI"] = _ci_text(t["completion_pct_lowercl"], t["completion_pct_uppercl"])
    dependent["Take-up 95% CI"] = ["Took up", "Referrals"]
    dependent["Completion 95% CI"] = ["Completed 12 weeks", "Referrals"]
    percent = {
        "Take-up (%)": ("Took up", "Referrals"),
        "Completion (% of referrals)": ("Completed 12 weeks", "Referrals"),
    }
    if "bmi_change_mean" in t.columns:
        out["Completers with BMI"] = t["bmi_change_n"].fillna(0).astype("int64").to_numpy()
        out["Mean BMI change (kg/m2)"] = t["bmi_change_mean"].round(2).to_numpy()
        out["BMI change 95% CI"] = _ci_text(t["bmi_change_lowercl"], t["bmi_change_uppercl"], 2)
        counts.append("Completers with BMI")
        dependent["Mean BMI change (kg/m2)"] = ["Completers with BMI"]
        dependent["BMI change 95% CI"] = ["Completers with BMI"]
    kw = {"counts": counts, "percent": percent, "dependent": dependent, "not_counts": not_counts}
    return out, kw


def _withheld_table(res, t, name: str, caption: str, columns: tuple[pd.DataFrame, dict]) -> dict:
    """A stage table's ``columns`` (:func:`_stage_columns`) of ``t``, withheld by the run's decision
    for ``name`` and captioned ``caption`` with the run's scope.
    """
    df, kw = columns
    kw["withhold"] = _withhold(res, name, t.index)
    kw["caption"] = f"{caption} ({_scope(res)})"
    return _finish(df, kw)


def city(res: WellnessAnalysis) -> dict:
    """The city's referrals, rates, take-up and completion (one row)."""
    t = res.city
    columns = _stage_columns(t.assign(area=config.LAD_NAME), ("area", "Area"), True)
    caption = "Wellness referrals, take-up and 12-week completion, city total"
    return _withheld_table(res, t, "city", caption, columns)


def wards(res: WellnessAnalysis) -> dict:
    """Referrals and uptake per 1,000 adults by ward of residence, with distance and 2SFCA access."""
    t = res.wards.sort_values("ward_name")
    df, kw = _stage_columns(t, ("ward_name", "Ward"), True)
    df.insert(1, "IMD quintile (1 = most deprived)", t["imd_quintile"].astype("int64").to_numpy())
    df["Distance to nearest centre (km)"] = t["distance_km"].round(2).to_numpy()
    df["2SFCA access (centres per 100,000 adults)"] = t["access_2sfca"].round(2).to_numpy()
    caption = "Wellness referrals and uptake per 1,000 adults by ward of residence"
    return _withheld_table(res, t, "wards", caption, (df, kw))


def by_centre(res: WellnessAnalysis) -> dict:
    """Take-up, 12-week completion and BMI change by centre."""
    t = res.by_centre
    columns = _stage_columns(t, ("centre_name", "Centre"), False)
    caption = "Wellness take-up, 12-week completion and BMI change by centre"
    return _withheld_table(res, t, "by_centre", caption, columns)


def inequalities(res: WellnessAnalysis) -> dict:
    """The slope and relative index of inequality of each measure."""
    scope = _scope(res)
    t = res.inequalities
    hidden = _inequality_withheld(res)
    df = pd.DataFrame(
        {
            "Measure": t["measure"],
            **_estimates(
                t,
                ("Slope index (most minus least deprived)", "sii", "SII 95% CI", 2),
                ("Relative index (SII / mean)", "rii", "RII 95% CI", 3),
            ),
            "Mean": t["mean"].round(2),
        }
    )
    kw = {"caption": f"Inequality across deprivation quintiles: slope and relative index ({scope})"}
    if hidden.any():
        # a measure with a withheld quintile is withheld whole: its mean and slope with the visible
        # quintiles would give the withheld values back
        kw["formats"] = table_formats(df)
        df = df.astype(object)
        df.loc[hidden, df.columns[1:]] = "*"
    return _finish(df, kw)


def decay(res: WellnessAnalysis) -> dict:
    """The distance-decay models (crude and adjusted)."""
    scope = _scope(res)
    fits = [f for f in (res.decay, res.decay_adjusted) if f is not None]
    if not fits:
        raise ParameterError("res: too few wards had referrals to fit a distance decay")
    rows = [f.summary_row() for f in fits]
    t = pd.DataFrame(rows)
    df = pd.DataFrame(
        {
            "Model": t["outcome"],
            **_estimates(
                t,
                ("Change in log-odds per km", "coef_per_km", "95% CI", 3),
                ("Odds ratio per km", "odds_ratio_per_km", "Odds ratio 95% CI", 3),
                limits={"coef_per_km": "coef", "odds_ratio_per_km": "or"},
            ),
            "p-value": [f"{v:.2g}" if v >= 1e-4 else "<0.0001" for v in t["p_value"]],
            "Wards": t["wards"],
            "Referrals": t["trials"],
        }
    )
    kw = {"caption": f"Distance decay: binomial GLM (logit link) of take-up on distance to {fits[0].target} ({scope})",
          "counts": ["Referrals"], "not_counts": ["Wards"]}  # fmt: skip
    return _finish(df, kw)


def need(res: WellnessAnalysis) -> dict:
    """Need against uptake by ward, highest need first."""
    scope = _scope(res)
    t = res.need
    df = pd.DataFrame(
        {
            "Ward": t["ward_name"],
            "IMD 2007 score": t["imd2007_score"].round(1),
            "Mortality ratio (city = 100)": t["smr"].round(1),
            "Need score (z)": t["need_score"].round(2),
            "High need": np.where(t["high_need"], "Yes", "No"),
            "Took up": t["took_up"],
            "Uptake per 1,000 adults": t["uptake_rate"].round(2),
            "Uptake 95% CI": _ci_text(t["uptake_rate_lowercl"], t["uptake_rate_uppercl"], 2),
            "Uptake against city": t["uptake_vs_city"],
            "High need, low uptake": np.where(t["high_need_low_uptake"], "Yes", "No"),
        }
    )
    kw = {
        "caption": f"Need against uptake by ward, highest need first ({scope})",
        "counts": ["Took up"],
        # the comparison and the flag say on which side of the city rate the uptake lies
        "dependent": {
            c: ["Took up"]
            for c in (
                "Uptake per 1,000 adults",
                "Uptake 95% CI",
                "Uptake against city",
                "High need, low uptake",
            )
        },  # fmt: skip
        "withhold": _withhold(res, "need", t.index, ("Took up",)),
    }
    return _finish(df, kw)


def coverage(res: WellnessAnalysis) -> dict:
    """The coverage model's result: adults within reach now and with the seventh centre."""
    c = res.coverage
    if c is None:
        raise ParameterError("res: the coverage model was not run (validate_params(coverage=True))")
    ward = res.ward_name(c.site_ward_code)
    df = pd.DataFrame(
        {
            "Measure": [
                f"Adults within {c.service_radius_m / 1000:g} km of a centre now",
                "With the seventh centre",
                "Newly within reach",
            ],
            "Adults (16+)": [round(c.covered_before), round(c.covered_after), round(c.gain)],
            "Share of adults (%)": [
                round(c.pct_before, 1),
                round(c.pct_after, 1),
                round(c.pct_after - c.pct_before, 1),
            ],  # fmt: skip
        }
    )
    kw = {
        "caption": (
            f"Coverage model: proposed seventh centre in {ward} ward "
            f"(easting {number(c.site.x, 0)}, northing {number(c.site.y, 0)})"
        ),
        "not_counts": ["Adults (16+)"],
        "total_rows": False,
    }
    return _finish(df, kw)


#: Column and header, and the words of the caption, of each grouped table.
_GROUPS = {
    "by_age": (("age_band", "Age band"), "age band"),
    "by_sex": (("sex", "Sex"), "sex"),
    "by_quintile": (
        ("imd_quintile", "Deprivation quintile (1 = most deprived)"),
        "deprivation quintile of ward (IMD 2007)",
    ),
}


def _grouped(res: WellnessAnalysis, name: str) -> dict:
    t = getattr(res, name)
    label, what = _GROUPS[name]
    if name == "by_sex":
        t = t.assign(sex=t["sex"].map({"M": "Men", "F": "Women"}))
    caption = f"Wellness referrals, uptake, completion and BMI change by {what}"
    return _withheld_table(res, t, name, caption, _stage_columns(t, label, True))


def by_age(res: WellnessAnalysis) -> dict:
    """Referrals, uptake, completion and BMI change by age band."""
    return _grouped(res, "by_age")


def by_sex(res: WellnessAnalysis) -> dict:
    """Referrals, uptake, completion and BMI change by sex."""
    return _grouped(res, "by_sex")


def by_quintile(res: WellnessAnalysis) -> dict:
    """Referrals, uptake, completion and BMI change by deprivation quintile of ward."""
    return _grouped(res, "by_quintile")
