"""Assessment of every indicator for one quarter: value and interval, target, comparators, SPC, travel.

One computation feeds all three tiers of the performance report. For each registered indicator and area
it gives, as the management group knew them at the quarter's meeting:

- the value with its 95% interval, from the numerator and denominator where the return gives them
  (Wilson for proportions; Byar's or exact Poisson limits of the numerator for rates, ratios and counts;
  for directly standardised rates the count's relative limits, an approximation said so in the notes);
- the status against target, by :data:`TARGET_RULE` (on track / at risk / off track);
- the comparison with each comparator (better / similar / worse, by :func:`lsp_research.stats.compare`);
- SPC variation and assurance (:func:`lsp_research.stats.spc`) over the quarters the filter did not
  exclude, rebased at a definition change;
- the direction of travel against the same quarter a year earlier.

:class:`IndicatorRecord` (``Assessment.record(code, area)``) is the one record every report statement
about an indicator and quarter is printed from (status, variation, assurance, direction of travel,
comparators), and :func:`check_consistency` refuses, before anything is published, a record whose
statements contradict each other (for example "off track" with "consistent pass" and no recalculated
limits or special cause to explain it).

>>> import pandas as pd
>>> from lsp_research.performance.registry import parse_registry
>>> reg = parse_registry({"indicators": [dict(code="NI8", title="Sport participation", theme="healthy",
...     partnership="Healthy City", owner="Council", lead="Head of Sport", unit="% of adults",
...     measure="proportion", multiplier=100, polarity="higher", frequency="quarterly", source="APS")],
...     "targets": {"NI8": {"trajectory": {"2009-10": 22.0}}}})
>>> periods = [f"{y}Q{q}" for y in (2008, 2009) for q in (1, 2, 3, 4)]
>>> num = [200, 205, 198, 202, 204, 199, 201, 214]
>>> ret = pd.DataFrame({"indicator_code": "NI8", "period": periods, "area_code": LAD_CODE,
...     "value": [n / 10 for n in num], "numerator": num, "denominator": 1000,
...     "submitted_on": "2010-01-01", "submitted_by": "Council", "days_late": 0})
>>> a = assess(ret, reg, "2009Q4")
>>> row = a.table.iloc[0]
>>> float(row["value"]), round(float(row["lowercl"]), 2), round(float(row["uppercl"]), 2), row["target_status"]
(21.4, 18.97, 24.05, 'at risk')
>>> row["direction"], row["spc_variation"]
('no significant change', 'common_cause')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import stats
from ..config import LAD_CODE
from ..formatting import decimals_for
from ..periods import Quarter, fy_label
from .anomalies import DEFINITION_SETTLING_QUARTERS, find_anomalies
from .record import (  # noqa: F401 - re-exported: the record was part of this module
    ASSURANCE_WORDS,
    DIRECTION_WORDS,
    MOVEMENT_ARROWS,
    STATUS_ICONS,
    IndicatorRecord,
    check_consistency,
    contradictions,
    icon_status,
    icon_variation,
)
from .registry import Indicator, Registry, Settings
from .returns import prepare_returns

#: SPC columns copied from :func:`lsp_research.stats.spc` onto each series (limits are numbers).
SPC_LIMITS = ("mean", "lpl", "upl", "near_lpl", "near_upl")
SPC_COLUMNS = (*SPC_LIMITS, "point_type", "special_cause_type", "trial_limits", "rebase_group")


def target_rule(settings: Settings) -> str:
    """The target rule in words, as every report states it.

    >>> target_rule(Settings())
    'On track: at or better than target. At risk: worse than target by no more than 5% of the target. Off track: worse by more than 5%.'
    """
    m = f"{settings.at_risk_margin:.0%}"
    return (
        "On track: at or better than target. At risk: worse than target by no more than "
        f"{m} of the target. Off track: worse by more than {m}."
    )


#: The default target rule (see :func:`target_rule`).
TARGET_RULE = target_rule(Settings())


def target_status(value: float, target: float | None, polarity: str, margin: float = 0.05) -> str:
    """On track / at risk / off track against a target.

    >>> target_status(2350, 2300, "lower"), target_status(2420, 2300, "lower"), target_status(2290, 2300, "lower")
    ('at risk', 'off track', 'on track')
    >>> target_status(21.0, 22.0, "higher"), target_status(5.0, None, "higher")
    ('at risk', 'no target')
    """
    if target is None or pd.isna(target) or pd.isna(value) or polarity == "neutral":
        return "no target"
    gap = (target - value) if polarity == "higher" else (value - target)
    if gap <= 0:
        return "on track"
    # a hair of tolerance so that "exactly 5% worse" is at risk despite floating-point rounding
    return "at risk" if gap <= margin * abs(target) * (1 + 1e-9) else "off track"


def value_interval(ind: Indicator, value, numerator, denominator, confidence: float = 0.95):
    """The interval of one returned value, and a note on how it was found (or why there is none).

    >>> from lsp_research.performance.registry import Indicator
    >>> ind = Indicator("NI20", "Assault", "safe", "Safe City", "Police", "Cmdr", "per 1,000", "rate",
    ...                 "lower", "quarterly", "police", multiplier=1000)
    >>> lo, hi, note = value_interval(ind, 2.0, 560, 280000)
    >>> round(lo, 3), round(hi, 3), note
    (1.838, 2.173, "Byar's limits of the numerator")
    """
    lo, hi, notes = series_intervals(ind, [value], [numerator], [denominator], confidence)
    return float(lo[0]), float(hi[0]), notes[0]


def series_intervals(ind: Indicator, values, numerators, denominators, confidence: float = 0.95):
    """Intervals for a whole series at once: ``(lower, upper, notes)`` (see :func:`value_interval`)."""
    v = np.asarray(pd.to_numeric(pd.Series(list(values)), errors="coerce"), dtype=float)
    num = np.asarray(pd.to_numeric(pd.Series(list(numerators)), errors="coerce"), dtype=float)
    den = np.asarray(pd.to_numeric(pd.Series(list(denominators)), errors="coerce"), dtype=float)
    n = len(v)
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    notes = ["no value" if np.isnan(x) else "" for x in v]
    has_v = ~np.isnan(v)
    m = ind.measure

    def _poisson(counts):
        low, up, method = stats.poisson_ci(counts, confidence)
        names = np.where(method == "Exact", "exact Poisson limits", "Byar's limits")
        return np.asarray(low, float), np.asarray(up, float), names

    if m == "mean":
        for i in np.flatnonzero(has_v):
            notes[i] = "no interval: a mean needs the spread, which a return does not give"
        return lo, hi, notes
    if m == "count":
        idx = np.flatnonzero(has_v)
        if len(idx):
            low, up, names = _poisson(np.maximum(v[idx], 0.0))
            lo[idx], hi[idx] = low, up
            for i, name in zip(idx, names, strict=True):
                notes[i] = f"{name} of the count"
        return lo, hi, notes
    ok = has_v & ~np.isnan(num) & ~np.isnan(den) & (den > 0) & (num >= 0)
    for i in np.flatnonzero(has_v & ~ok):
        notes[i] = "no interval: the return gives no numerator and denominator"
    if m == "proportion":
        for i in np.flatnonzero(ok & (num > den)):
            notes[i] = "no interval: numerator above denominator"
        ok &= num <= den
        idx = np.flatnonzero(ok)
        if len(idx):
            low, up = stats.wilson_ci(num[idx], den[idx], confidence)
            crude = num[idx] / den[idx]
            scale = np.where(crude > 0, v[idx] / np.where(crude > 0, crude, 1), ind.multiplier)
            lo[idx], hi[idx] = np.asarray(low) * scale, np.asarray(up) * scale
            for i in idx:
                notes[i] = "Wilson score limits"
        return lo, hi, notes
    idx = np.flatnonzero(ok)
    if len(idx):
        low, up, names = _poisson(num[idx])
        safe = np.where(num[idx] > 0, num[idx], 1.0)
        lo[idx] = np.where(num[idx] > 0, v[idx] * low / safe, 0.0)
        hi[idx] = np.where(num[idx] > 0, v[idx] * up / safe, up / den[idx] * ind.multiplier)
        for i, name in zip(idx, names, strict=True):
            notes[i] = (
                f"approximate: the count's relative {name} applied to the standardised rate"
                if m == "dsr"
                else f"{name} of the numerator"
            )
    return lo, hi, notes


@dataclass
class Assessment:
    """Everything assessed for one quarter (see the module docstring)."""

    period: Quarter
    registry: Registry
    #: One row per indicator and area (see :data:`TABLE_COLUMNS`).
    table: pd.DataFrame
    #: ``{(code, area): series}``: every expected quarter with value, interval, target, SPC columns.
    series: dict[tuple[str, str], pd.DataFrame]
    #: Every data-quality flag in the series as known at this meeting (see :mod:`.anomalies`).
    flags: pd.DataFrame
    #: Long table of comparisons: indicator, area, comparator, comparator value, result.
    comparisons: pd.DataFrame
    #: Indicator codes found in the returns but not in the registry (ignored, listed in the notes).
    unregistered: list[str] = field(default_factory=list)

    @property
    def target_rule(self) -> str:
        """The rule the target statuses follow, in words (from the registry's settings)."""
        return target_rule(self.registry.settings)

    def row(self, code: str, area: str = LAD_CODE) -> pd.Series:
        """The assessment row of one indicator and area."""
        t = self.table
        sel = t[(t["indicator_code"] == code) & (t["area_code"] == area)]
        if sel.empty:
            raise KeyError(f"no assessment for {code} in {area}")
        return sel.iloc[0]

    def record(self, code: str, area: str = LAD_CODE) -> IndicatorRecord:
        """The one record every statement about an indicator and area this quarter comes from."""
        return IndicatorRecord.from_row(self.row(code, area), self.registry[code].improvement)

    def records(self) -> list[IndicatorRecord]:
        """Every record, in table order."""
        reg = self.registry
        return [
            IndicatorRecord.from_row(r, reg[r["indicator_code"]].improvement)
            for _, r in self.table.iterrows()
        ]


def _targets_lookup(targets: pd.DataFrame | None, registry: Registry) -> dict:
    """``{(code, fy start, area): (target, source)}``: the partners' targets file first, then the registry."""
    out: dict[tuple[str, int, str], tuple[float, str]] = {}
    for ind in registry:
        for (fy, area), value in ind.targets.items():
            label = "registry (synthetic)" if ind.targets_synthetic else "registry"
            out[(ind.code, fy, area)] = (value, label)
    if targets is not None and len(targets):
        from ..periods import parse_fy
        from .registry import normalise_code

        for r in targets.itertuples(index=False):
            if pd.isna(r.target):
                continue
            out[
                (
                    normalise_code(r.indicator_code),
                    parse_fy(str(r.financial_year)),
                    str(r.area_code),
                )
            ] = (
                float(r.target),
                "targets file",
            )
    return out


def _comparator_lookup(comparators: pd.DataFrame | None) -> dict:
    """``{(code, comparator): {period or fy label: value}}``."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    if comparators is None or not len(comparators):
        return out
    from .registry import normalise_code

    has_p = "period" in comparators.columns
    has_fy = "financial_year" in comparators.columns
    for r in comparators.to_dict("records"):
        key = (normalise_code(r["indicator_code"]), str(r["comparator"]))
        d = out.setdefault(key, {})
        if has_p and pd.notna(r.get("period")) and str(r.get("period")).strip():
            d[str(Quarter.parse(str(r["period"])))] = float(r["value"])
        elif has_fy and pd.notna(r.get("financial_year")):
            d[str(r["financial_year"]).strip()] = float(r["value"])
    return out


def _run_length(flags: list[bool]) -> int:
    n = 0
    for f in reversed(flags):
        if not f:
            break
        n += 1
    return n


def _judged_series(s, f, ind: Indicator, targets: list, settings: Settings, confidence: float):
    """One indicator-area series with its exclusions, flags, targets, intervals and target statuses."""
    excluded = set(f.loc[f["exclude"].astype(bool), "period"])
    s = s.copy()
    s["excluded"] = s["period"].isin(excluded) | ~s["received"]
    by_period = f.groupby("period")["rule"].agg(", ".join).to_dict() if len(f) else {}
    s["flag_rules"] = [by_period.get(per, "") for per in s["period"]]
    s["target"] = [t[0] for t in targets]
    s["target_source"] = [t[1] for t in targets]
    s["lowercl"], s["uppercl"], _ = series_intervals(
        ind, s["value"], s["numerator"], s["denominator"], confidence
    )
    s["target_status"] = [
        target_status(v, t, ind.polarity, settings.at_risk_margin) if not ex else "not judged"
        for v, t, ex in zip(s["value"], s["target"], s["excluded"], strict=True)
    ]
    return s


def _series_spc(s, usable, ind: Indicator, change_at, target_now, settings: Settings):
    """SPC over the usable quarters (None with fewer than 2), its columns set on ``s`` in place."""
    for col in SPC_COLUMNS:
        s[col] = np.nan if col in SPC_LIMITS else None
    if len(usable) < 2:
        return None
    rebase = None
    if change_at is not None:
        pos = [
            i
            for i, per in enumerate(usable["period"])
            if Quarter.parse(per) >= Quarter.parse(change_at)
        ]
        if pos and 0 < pos[0] < len(usable):
            rebase = [pos[0]]
    spc_res = stats.spc(
        pd.Series(usable["value"].to_numpy(float), index=usable["period"].to_list()),
        improvement=ind.improvement,
        target=target_now,
        rebase_at=rebase,
        rebase_on_shift=True,
        min_points=settings.spc_min_points,
    )
    pts = spc_res.points.set_index("x").reindex(s["period"])
    for col in SPC_COLUMNS:
        s[col] = pts[col].to_numpy()
    return spc_res


def _status_and_gap(value, tval, ind: Indicator, judged: bool, settings: Settings):
    """The quarter's status against target and its relative gap (positive: worse than target)."""
    status = (
        target_status(value, tval, ind.polarity, settings.at_risk_margin)
        if judged
        else "not judged"
    )
    if pd.isna(tval) and judged:
        status = "no target"
    gap = np.nan
    if judged and pd.notna(tval) and tval != 0 and ind.polarity != "neutral":
        gap = ((value - tval) if ind.polarity == "lower" else (tval - value)) / abs(tval)
    return status, gap


def _comparisons(code: str, area: str, ind: Indicator, clookup: dict, p: Quarter, judged_value):
    """Each comparator's value and result (``judged_value``: value, lower, upper, or None)."""
    results = {}
    in_data = [name for (c, name) in clookup if c == code and name not in ind.comparators]
    for comp in [*ind.comparators, *in_data]:
        vals = clookup.get((code, comp), {})
        cval = vals.get(str(p), vals.get(fy_label(p.year), np.nan))
        res = (
            stats.compare(*judged_value, cval, ind.compare_polarity)
            if judged_value is not None and pd.notna(cval)
            else "not compared"
        )
        results[comp] = (cval, res)
    return results


def _travel(s, p: Quarter, change_at, judged_value, judged: bool, ind: Indicator):
    """Last year's value (the same quarter) and the direction of travel from it."""
    value, lo, hi = judged_value
    ly = s[s["period"] == str(p - 4)]
    ly_val = float(ly["value"].iloc[0]) if len(ly) and not bool(ly["excluded"].iloc[0]) else np.nan
    direction = _direction(value if judged else np.nan, lo, hi, ly_val, ind)
    if change_at is not None and (p - 4) < Quarter.parse(change_at) <= p and judged:
        direction = "not comparable"
    return ly_val, direction


def _runs(s, judged: bool, spc_res):
    """Runs up to and including the current quarter, with its SPC variation and assurance.

    Off track quarters, special cause concern and improvement points in a row, then the latest
    point's variation and the assurance (None when SPC did not judge).
    """
    on_usable = s[~s["excluded"]]
    off_run = _run_length(list(on_usable["target_status"] == "off track")) if judged else 0
    pt = list(on_usable["point_type"]) if judged else []
    concern_run = _run_length([x == "special_cause_concern" for x in pt])
    improve_run = _run_length([x == "special_cause_improvement" for x in pt])
    spc_judged = judged and spc_res is not None and spc_res.judged
    variation = pt[-1] if (pt and spc_judged) else None
    assurance = spc_res.assurance if spc_judged else None
    return off_run, concern_run, improve_run, variation, assurance


def _about(code: str, ind: Indicator) -> dict:
    """The columns of an assessment row that describe the indicator itself (first, in this order)."""
    return {
        "indicator_code": code,
        "label": ind.label,
        "title": ind.title,
        "theme": ind.theme,
        "partnership": ind.partnership,
        "owner": ind.owner,
        "lead": ind.lead,
    }


def _current_return(s: pd.DataFrame, p: Quarter, ind) -> dict:
    """The series' return for the meeting's quarter, in the assessment table's column order: its
    value, limits, interval note, numerator and denominator (missing when no return was received),
    whether it was received, and whether it is judged (received and not excluded).
    """
    cur = s[s["period"] == str(p)]
    cur = cur.iloc[0] if len(cur) else None
    if cur is None or not bool(cur["received"]):
        return {"value": np.nan, "lowercl": np.nan, "uppercl": np.nan, "interval_note": "no value",
                "numerator": np.nan, "denominator": np.nan, "received": False, "judged": False}  # fmt: skip
    return {
        "value": cur["value"],
        "lowercl": cur["lowercl"],
        "uppercl": cur["uppercl"],
        "interval_note": value_interval(ind, cur["value"], cur["numerator"], cur["denominator"])[2],
        "numerator": cur["numerator"],
        "denominator": cur["denominator"],
        "received": True,
        "judged": not bool(cur["excluded"]),
    }


def assess(
    returns: pd.DataFrame,
    registry: Registry,
    period: str | Quarter,
    targets: pd.DataFrame | None = None,
    comparators: pd.DataFrame | None = None,
    confidence: float = 0.95,
) -> Assessment:
    """Assess every registered indicator and area for ``period`` (see the module docstring).

    Parameters
    ----------
    returns : DataFrame
        The ``indicator_returns`` table, or returns in the documented partner-return format.
    registry : Registry
        From :func:`~.registry.load_registry`.
    period : str or Quarter
        The quarter of the meeting (``YYYYQn``). Returns for later quarters are ignored.
    targets, comparators : DataFrame, optional
        The ``indicator_targets`` and ``indicator_comparators`` tables. Targets there take precedence
        over the registry's trajectory for the same indicator, financial year and area.
    """
    p = Quarter.parse(period)
    settings = registry.settings
    ret = prepare_returns(returns)
    flags, series = find_anomalies(ret, registry, p)
    tlookup = _targets_lookup(targets, registry)
    clookup = _comparator_lookup(comparators)
    unregistered = sorted(set(ret["indicator_code"]) - set(registry.codes))

    rows, comp_rows, out_series = [], [], {}
    fgroups = {key: g for key, g in flags.groupby(["indicator_code", "area_code"], sort=False)}
    for (code, area), s in series.items():
        ind = registry[code]
        f = fgroups.get((code, area), flags.iloc[0:0])
        s = _judged_series(
            s,
            f,
            ind,
            [tlookup.get((code, q.year, area), (np.nan, "")) for q in s["quarter"]],
            settings,
            confidence,
        )
        # SPC over the usable quarters, rebased at the latest definition change.
        usable = s[~s["excluded"]]
        defs = f[f["rule"] == "definition_change"]
        change_at = max(defs["period"], key=Quarter.parse) if len(defs) else None
        spc_res = _series_spc(
            s, usable, ind, change_at, tlookup.get((code, p.year, area), (None, ""))[0], settings
        )
        out_series[(code, area)] = s
        baseline = spc_baseline(spc_res, list(usable["period"]), settings.spc_min_points)

        now = _current_return(s, p, ind)
        value, lo, hi, judged = now["value"], now["lowercl"], now["uppercl"], now["judged"]
        tval, tsrc = tlookup.get((code, p.year, area), (np.nan, ""))
        status, gap = _status_and_gap(value, tval, ind, judged, settings)

        off_run, concern_run, improve_run, variation, assurance = _runs(s, judged, spc_res)
        settling = change_at is not None and (
            0 <= p - Quarter.parse(change_at) < DEFINITION_SETTLING_QUARTERS
        )

        ly_val, direction = _travel(s, p, change_at, (value, lo, hi), judged, ind)

        results = _comparisons(code, area, ind, clookup, p, (value, lo, hi) if judged else None)
        comp_rows += [
            {"indicator_code": code, "area_code": area, "comparator": comp,
             "comparator_value": cval, "result": res}
            for comp, (cval, res) in results.items()
        ]  # fmt: skip

        cur_flags = f[f["period"] == str(p)]
        rows.append(
            {
                **_about(code, ind),
                "area_code": area,
                "period": str(p),
                "unit": ind.unit,
                "polarity": ind.polarity,
                "decimals": series_decimals(s["value"]),
                **now,
                "target": tval,
                "target_source": tsrc,
                "target_status": "not judged" if settling else status,
                "target_status_raw": status,
                "gap_to_target": gap,
                "off_track_run": off_run,
                "spc_variation": variation,
                "spc_assurance": assurance,
                "spc_trial_limits": bool(spc_res.trial_limits) if spc_res is not None else None,
                "spc_note": baseline["note"],
                "spc_baseline_from": baseline["from"],
                "spc_baseline_reason": baseline["reason"],
                "spc_points_since_rebase": baseline["points"],
                "concern_run": concern_run,
                "improvement_run": improve_run,
                "definition_settling": settling,
                "definition_changed_in": change_at,
                "last_year_value": ly_val,
                "direction": direction,
                "comparisons": {comp: res for comp, (_, res) in results.items()},
                "period_flags": ", ".join(cur_flags["rule"]),
                "dq_notes": _dq_notes(f, p),
            }
        )
    table = pd.DataFrame(rows)
    comp = pd.DataFrame(
        comp_rows,
        columns=["indicator_code", "area_code", "comparator", "comparator_value", "result"],
    )
    out = Assessment(p, registry, table, out_series, flags, comp, unregistered)
    check_consistency(out.records())
    return out


def series_decimals(values) -> int:
    """Decimal places for one indicator's figures: about 3 significant figures of its typical value
    (at most 2 decimals).

    >>> series_decimals([2306.4, 2438.8]), series_decimals([0.73, 0.7]), series_decimals([])
    (0, 2, 0)
    """
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").abs().dropna()
    return decimals_for(float(v.median()), most=2) if len(v) else 0


def spc_baseline(res, periods: list[str], min_points: int) -> dict:
    """Where the latest SPC limits start, why, and why there is no verdict (if there is none).

    Returns ``{"from": period, "reason": "series start" | "definition change" | "sustained shift",
    "points": n, "note": str}``; ``note`` is "" when the chart gives a verdict on limits set at the
    series start, and otherwise says, in words a report prints, what the limits rest on.

    >>> from lsp_research.stats import spc
    >>> q = [f"Q{i}" for i in range(12)]
    >>> r = spc([10, 11] * 4 + [12.1, 12.0, 12.0, 12.0], rebase_at=[7], min_points=7)
    >>> spc_baseline(r, q, 7)["note"]
    'too few points since the definition change in Q7 (5 of 7 needed): no SPC verdict'
    """
    if res is None:
        return {"from": None, "reason": None, "points": 0, "note": "too few points for SPC"}
    start = res.rebase_at[-1] if res.rebase_at else 0
    frm = periods[start]
    if not res.rebase_at:
        reason = "series start"
    elif start in res.shift_rebase_at:
        reason = "sustained shift"
    else:
        reason = "definition change"
    where = {
        "series start": f"the series start ({frm})",
        "definition change": f"the definition change in {frm}",
        "sustained shift": f"the sustained shift from {frm}",
    }[reason]
    if not res.judged and res.points_since_rebase < min_points:
        note = (
            f"too few points since {where} ({res.points_since_rebase} of {min_points} needed): "
            "no SPC verdict"
        )
    elif not res.judged:
        note = f"{res.no_verdict_reason} since {where}: no special-cause verdict"
    elif reason == "series start":
        note = ""
    else:
        note = (
            f"limits recalculated from {frm} ({reason}) so that they describe the current process"
        )
    return {"from": frm, "reason": reason, "points": res.points_since_rebase, "note": note}


def _direction(value, lo, hi, last_year, ind: Indicator) -> str:
    """Direction of travel against the same quarter a year earlier."""
    if pd.isna(value) or pd.isna(last_year):
        return "not known"
    if pd.notna(lo) and pd.notna(hi):
        res = stats.compare(value, lo, hi, last_year, ind.compare_polarity)
        return {
            "better": "improving",
            "worse": "worsening",
            "similar": "no significant change",
            "higher": "higher",
            "lower": "lower",
        }.get(res, "not known")
    change = (value - last_year) / abs(last_year) if last_year else np.nan
    if pd.isna(change) or abs(change) < 0.01:
        return "no change"
    if ind.polarity == "neutral":
        return "higher" if change > 0 else "lower"
    better = (change > 0) == (ind.polarity == "higher")
    return "improving" if better else "worsening"


def _dq_notes(f: pd.DataFrame, p: Quarter) -> list[str]:
    """The series' data-quality notes in words, newest first."""
    if f.empty:
        return []
    order = f.sort_values(
        "period", key=lambda c: c.map(lambda x: Quarter.parse(x).index), ascending=False
    )
    return [f"{r.period}: {r.rule.replace('_', ' ')} - {r.reason}" for r in order.itertuples()]
