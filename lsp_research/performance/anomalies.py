"""The management group's filter: named, testable rules that tell a data anomaly from a real change.

The case study's management group "filters performance issues raised by the thematic groups" so that the
Board "does not waste time on issues that are the result of data anomalies". Here each rule is a named
function over one indicator-area series, as the management group knew it at a quarter's meeting. A rule
returns flags, each with the period it concerns, the reason in words, and what the owner is asked to do.
A flagged return is routed back to its owner and is never escalated.

Rules (``RULES`` maps each name to its function; :func:`rules_table` lists them for reports):

``missing_return``
    an expected quarter has no return, or a return with no value.
``late_return``
    the return came in after its due date (six weeks after the quarter ends) plus the allowed days.
``implausible_value``
    the value lies outside the indicator's plausible range, is negative, is a percentage above 100, or
    the numerator exceeds the denominator of a proportion.
``value_mismatch``
    the value does not follow from its numerator and denominator the way the series' other quarters do
    (a figure keyed wrongly into the value column).
``denominator_jump``
    the denominator changed by more than ``denominator_jump`` in one quarter and came back (or it is
    the latest quarter, so nobody yet knows whether it will).
``definition_change``
    the denominator moved to a new level and stayed there: the definition (population base, counting
    rule) changed. Earlier quarters are not comparable; the SPC baseline restarts at the change, and
    the series is not judged against its target until four quarters on the new definition exist.
``one_quarter_spike``
    a value further than ``spike_threshold`` process sigmas from both neighbours, the next quarter
    reverting: the signature of a keying error.
``unconfirmed_jump``
    the latest value moved more than twice ``spike_threshold`` process sigmas in one quarter, after an
    ordinary quarter; a move that size is more often a keying error than a change in the world, so the
    owner confirms it before it is judged (next quarter it either reverts, and becomes a spike, or is
    confirmed by staying). A steady run of large moves is a real change, not a keying error.

Example: a series with a keying error in 2008Q3 that reverts the next quarter.

>>> from lsp_research.performance.registry import Settings
>>> s = pd.DataFrame({"period": [f"{y}Q{q}" for y in (2007, 2008) for q in (1, 2, 3, 4)],
...     "value": [20.0, 21.0, 20.5, 21.5, 20.8, 21.2, 212.0, 21.0],
...     "numerator": np.nan, "denominator": np.nan, "days_late": 0})
>>> s["received"] = True
>>> [(f["rule"], f["period"]) for f in one_quarter_spike(s, None, Settings())]
[('one_quarter_spike', '2008Q3')]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import LAD_CODE
from ..formatting import number
from ..periods import Quarter
from .registry import Indicator, Registry, Settings
from .returns import due_date, prepare_returns, series_frame

#: Quarters after a definition change during which the series is not judged against its target.
DEFINITION_SETTLING_QUARTERS = 4

FLAG_COLUMNS = [
    "indicator_code",
    "area_code",
    "period",
    "rule",
    "reason",
    "action",
    "detected_in",
    "exclude",
]


@dataclass(frozen=True)
class Rule:
    """A named filter rule: ``func(series, indicator, settings) -> list of flag dicts``."""

    name: str
    func: Callable
    description: str


def _flag(row, rule: str, reason: str, action: str, detected_in: str, exclude: bool) -> dict:
    return {
        "period": row if isinstance(row, str) else row["period"],
        "rule": rule,
        "reason": reason,
        "action": action,
        "detected_in": detected_in,
        "exclude": exclude,
    }


def missing_return(series: pd.DataFrame, ind: Indicator | None, settings: Settings) -> list[dict]:
    """An expected quarter with no return, or with a return that gives no value."""
    out = []
    for row in series[~series["received"]].to_dict("records"):
        got = pd.notna(row.get("submitted_on"))
        reason = (
            f"the return for {row['period']} was received without a value"
            if got
            else f"no return for {row['period']} (due {due_date(row['period']).isoformat()})"
        )
        out.append(
            _flag(row, "missing_return", reason, "submit the return", row["period"], exclude=True)
        )
    return out


def late_return(series: pd.DataFrame, ind: Indicator | None, settings: Settings) -> list[dict]:
    """A return received more than ``late_after_days`` after its due date."""
    out = []
    for row in series.to_dict("records"):
        late = row.get("days_late")
        if late is None or pd.isna(late) or not row["received"] or late <= settings.late_after_days:
            continue
        due = due_date(row["period"]).isoformat()
        reason = f"the {row['period']} return came in {int(late)} days after its due date ({due})"
        action = "submit on time; confirm the figure is final"
        out.append(_flag(row, "late_return", reason, action, row["period"], exclude=False))
    return out


def implausible_value(
    series: pd.DataFrame, ind: Indicator | None, settings: Settings
) -> list[dict]:
    """A value outside the plausible range, negative, a percentage over 100, or numerator > denominator."""
    out = []
    for row in series[series["received"]].to_dict("records"):
        v, num, den = row["value"], row["numerator"], row["denominator"]
        why = None
        if v < 0:
            why = f"value {number(v)} is negative"
        elif ind is not None and ind.measure == "proportion" and v > ind.multiplier:
            why = f"value {number(v)} is above {number(ind.multiplier)} for a proportion"
        elif ind is not None and ind.plausible_range is not None:
            lo, hi = ind.plausible_range
            if not lo <= v <= hi:
                why = (
                    f"value {number(v)} is outside the plausible range {number(lo)} to {number(hi)}"
                )
        if why is None and ind is not None and ind.measure == "proportion":
            if pd.notna(num) and pd.notna(den) and num > den:
                why = f"numerator {number(num)} is above denominator {number(den)} for a proportion"
        if why is None and pd.notna(den) and den <= 0:
            why = f"denominator {number(den)} is not positive"
        if why:
            out.append(
                _flag(
                    row,
                    "implausible_value",
                    why,
                    "check and correct the figure",
                    row["period"],
                    True,
                )
            )
    return out


def value_mismatch(series: pd.DataFrame, ind: Indicator | None, settings: Settings) -> list[dict]:
    """A value that does not follow from its numerator and denominator as the other quarters' do.

    The series' usual ratio of value to ``numerator / denominator x multiplier`` is its median (1 for a
    plain proportion or rate, 4 for an annualised quarterly rate); a quarter more than 2% off it is
    flagged. Directly standardised rates and means are not recomputable from a return and are skipped.
    """
    if ind is None or ind.measure not in ("proportion", "rate", "ratio"):
        return []
    ok = series["received"] & series["numerator"].notna() & (series["denominator"] > 0)
    if ok.sum() < 3:
        return []
    crude = series["numerator"] / series["denominator"] * ind.multiplier
    ratio = (series["value"] / crude).where(ok & (crude > 0))
    usual = float(np.nanmedian(ratio)) if ratio.notna().any() else np.nan
    if not np.isfinite(usual) or usual <= 0:
        return []
    out = []
    for i in np.flatnonzero((abs(ratio / usual - 1) > 0.02).to_numpy()):
        row = series.iloc[i]
        expect = crude.iloc[i] * usual
        out.append(
            _flag(
                row,
                "value_mismatch",
                f"value {number(row['value'])} does not follow from numerator {number(row['numerator'])} and "
                f"denominator {number(row['denominator'])} (expected about {number(expect)})",
                "check which figure was keyed wrongly and resubmit",
                row["period"],
                exclude=True,
            )
        )
    return out


def _denominator_changes(
    series: pd.DataFrame, settings: Settings
) -> list[tuple[int, int, int | None]]:
    """(previous, changed, next) positions where the denominator moved by more than the allowed jump."""
    den = series["denominator"].to_numpy(dtype=float)
    idx = np.flatnonzero(np.isfinite(den)).tolist()
    out = []
    for k in range(len(idx) - 1):
        a, b = idx[k], idx[k + 1]
        if den[a] > 0 and abs(den[b] / den[a] - 1) > settings.denominator_jump:
            out.append((a, b, idx[k + 2] if k + 2 < len(idx) else None))
    return out


def denominator_jump(series: pd.DataFrame, ind: Indicator | None, settings: Settings) -> list[dict]:
    """A one-quarter jump in the denominator that reverts (or is the latest quarter, not yet known)."""
    out = []
    for a, b, nxt in _denominator_changes(series, settings):
        d0, d1 = series["denominator"].iloc[a], series["denominator"].iloc[b]
        row = series.iloc[b]
        change = f"denominator {number(d0)} -> {number(d1)} ({d1 / d0 - 1:+.0%}) in {row['period']}"
        if nxt is None:
            out.append(
                _flag(
                    row,
                    "denominator_jump",
                    f"{change}; populations and caseloads do not move that fast",
                    "confirm the denominator and say whether its definition changed",
                    row["period"],
                    exclude=True,
                )
            )
            continue
        d2 = series["denominator"].iloc[nxt]
        if abs(d2 / d0 - 1) <= settings.denominator_jump / 2:
            out.append(
                _flag(
                    row,
                    "denominator_jump",
                    f"{change}, back to {number(d2)} in {series['period'].iloc[nxt]}: a one-quarter "
                    "error in the denominator",
                    "correct and resubmit the quarter",
                    series["period"].iloc[nxt],
                    exclude=True,
                )
            )
    return out


def definition_change(
    series: pd.DataFrame, ind: Indicator | None, settings: Settings
) -> list[dict]:
    """A denominator that moved to a new level and stayed: the definition changed."""
    out = []
    for a, b, nxt in _denominator_changes(series, settings):
        if nxt is None:
            continue
        d0, d1, d2 = (series["denominator"].iloc[i] for i in (a, b, nxt))
        if (
            abs(d2 / d1 - 1) <= settings.denominator_jump
            and abs(d2 / d0 - 1) > settings.denominator_jump / 2
        ):
            row = series.iloc[b]
            out.append(
                _flag(
                    row,
                    "definition_change",
                    f"denominator moved from {number(d0)} to {number(d1)} ({d1 / d0 - 1:+.0%}) in "
                    f"{row['period']} and stayed ({number(d2)} in {series['period'].iloc[nxt]}): the "
                    "definition changed, so earlier quarters are not comparable",
                    "confirm the new definition and restate earlier quarters on it",
                    series["period"].iloc[nxt],
                    exclude=False,
                )
            )
    return out


def process_sigma(values: np.ndarray) -> float:
    """A robust estimate of the quarter-to-quarter sigma: median moving range / 0.954.

    The median moving range of independent normal values is 0.954 sigma; unlike the mean it is not
    pulled up by the very spikes the rules look for.

    >>> round(process_sigma(np.array([10.0, 12.0, 10.0, 12.0, 10.0])), 3)
    2.096
    """
    v = values[np.isfinite(values)]
    if len(v) < 4:
        return float("nan")
    sigma = float(np.median(np.abs(np.diff(v)))) / 0.954
    floor = 0.005 * float(np.median(np.abs(v)))
    return max(sigma, floor) if floor > 0 else sigma


def _usable(series: pd.DataFrame, exclude: set[str]) -> pd.DataFrame:
    ok = series["received"] & ~series["period"].isin(exclude)
    return series[ok]


def one_quarter_spike(series: pd.DataFrame, ind: Indicator | None, settings: Settings, *,
                      _exclude: frozenset = frozenset()) -> list[dict]:  # fmt: skip
    """A value far from both neighbours whose next quarter reverts: the signature of a keying error."""
    s = _usable(series, set(_exclude))
    v = s["value"].to_numpy(dtype=float)
    sigma = process_sigma(v)
    if not np.isfinite(sigma) or sigma <= 0:
        return []
    k = settings.spike_threshold
    out = []
    for i in range(1, len(v) - 1):
        d1, d2 = v[i] - v[i - 1], v[i] - v[i + 1]
        if np.sign(d1) != np.sign(d2) or min(abs(d1), abs(d2)) <= k * sigma:
            continue
        if abs(v[i + 1] - v[i - 1]) >= 0.5 * min(abs(d1), abs(d2)):
            continue
        row = s.iloc[i]
        out.append(
            _flag(
                row,
                "one_quarter_spike",
                f"{row['period']} value {number(v[i])} is {min(abs(d1), abs(d2)) / sigma:.0f} process "
                f"sigmas from {s['period'].iloc[i - 1]} ({number(v[i - 1])}) and {s['period'].iloc[i + 1]} "
                f"({number(v[i + 1])}), which agree: a keying error",
                "correct and resubmit the quarter",
                str(s["period"].iloc[i + 1]),
                exclude=True,
            )
        )
    return out


def unconfirmed_jump(series: pd.DataFrame, ind: Indicator | None, settings: Settings, *,
                     _exclude: frozenset = frozenset()) -> list[dict]:  # fmt: skip
    """The latest value moved further than ``spike_threshold`` process sigmas in one quarter."""
    if series.empty or not series["received"].iloc[-1]:
        return []
    s = _usable(series, set(_exclude))
    if len(s) < 5 or s["period"].iloc[-1] != series["period"].iloc[-1]:
        return []
    v = s["value"].to_numpy(dtype=float)
    sigma = process_sigma(v[:-1])
    if not np.isfinite(sigma) or sigma <= 0:
        return []
    d = v[-1] - v[-2]
    if (
        abs(d) <= 2 * settings.spike_threshold * sigma
        or abs(v[-2] - v[-3]) > settings.spike_threshold * sigma
    ):
        return []
    row = s.iloc[-1]
    return [
        _flag(
            row,
            "unconfirmed_jump",
            f"{row['period']} value {number(v[-1])} moved {abs(d) / sigma:.0f} process sigmas from "
            f"{number(v[-2])} in one quarter; a move this size is more often a keying error",
            "confirm or correct the figure before it is judged",
            str(row["period"]),
            exclude=True,
        )
    ]


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("missing_return", missing_return, "An expected quarter has no return, or no value."),
        Rule("late_return", late_return, "The return came in after its due date."),
        Rule(
            "implausible_value",
            implausible_value,
            "The value is outside the plausible range, negative, over 100%, or numerator > denominator.",
        ),
        Rule(
            "value_mismatch",
            value_mismatch,
            "The value does not follow from its numerator and denominator as in other quarters.",
        ),
        Rule(
            "denominator_jump",
            denominator_jump,
            "The denominator moved too far in one quarter and came back (or is not yet confirmed).",
        ),
        Rule(
            "definition_change",
            definition_change,
            "The denominator moved to a new level and stayed: the definition changed.",
        ),
        Rule(
            "one_quarter_spike",
            one_quarter_spike,
            "One quarter far from both neighbours, which agree: a keying error that reverted.",
        ),
        Rule(
            "unconfirmed_jump",
            unconfirmed_jump,
            "The latest quarter jumped far beyond the usual moves: confirmed before it is judged.",
        ),
    )
}


def rules_table(settings: Settings | None = None) -> pd.DataFrame:
    """The filter's rules and what each means, with the thresholds in force.

    >>> rules_table()["rule"].tolist()[:3]
    ['missing_return', 'late_return', 'implausible_value']
    """
    s = settings or Settings()
    thresholds = {
        "late_return": f"more than {s.late_after_days} days after the due date",
        "denominator_jump": f"more than {s.denominator_jump:.0%} in a quarter",
        "definition_change": f"more than {s.denominator_jump:.0%}, then steady",
        "one_quarter_spike": f"more than {s.spike_threshold:g} process sigmas",
        "unconfirmed_jump": f"more than {2 * s.spike_threshold:g} process sigmas",
        "value_mismatch": "more than 2% off the usual ratio",
    }
    return pd.DataFrame(
        [
            {"rule": r.name, "meaning": r.description, "threshold": thresholds.get(r.name, "")}
            for r in RULES.values()
        ]
    )


def series_flags(series: pd.DataFrame, ind: Indicator | None, settings: Settings) -> pd.DataFrame:
    """Apply every rule to one series; returns flags (``FLAG_COLUMNS``), one row per rule and period.

    The spike rules look only at values no other rule has already excluded, so that (say) an implausible
    value does not also make its neighbours look like spikes.
    """
    flags: list[dict] = []
    for name in (
        "missing_return",
        "late_return",
        "implausible_value",
        "value_mismatch",
        "denominator_jump",
        "definition_change",
    ):
        flags += RULES[name].func(series, ind, settings)
    excluded = frozenset(f["period"] for f in flags if f["exclude"])
    flags += one_quarter_spike(series, ind, settings, _exclude=excluded)
    flags += unconfirmed_jump(series, ind, settings, _exclude=excluded)
    df = pd.DataFrame(flags, columns=FLAG_COLUMNS[2:])
    code = series["indicator_code"].iloc[0] if len(series) else (ind.code if ind else "")
    area = series["area_code"].iloc[0] if len(series) else LAD_CODE
    df.insert(0, "area_code", area)
    df.insert(0, "indicator_code", code)
    return df[FLAG_COLUMNS]


def find_anomalies(
    returns: pd.DataFrame, registry: Registry, period: str | Quarter
) -> tuple[pd.DataFrame, dict[tuple[str, str], pd.DataFrame]]:
    """Run every rule over every registered indicator-area series, as known at ``period``'s meeting.

    Returns
    -------
    flags : DataFrame
        ``FLAG_COLUMNS``; ``detected_in`` is the quarter whose meeting first could see the problem.
        A registered indicator with no return at all for the city gets one ``missing_return`` flag.
    series : dict
        ``{(indicator_code, area_code): series frame}`` (see :func:`~.returns.series_frame`).
    """
    p = Quarter.parse(period)
    ret = prepare_returns(returns)
    frames = []
    series: dict[tuple[str, str], pd.DataFrame] = {}
    groups = {key: g for key, g in ret.groupby(["indicator_code", "area_code"], sort=True)}
    for ind in registry:
        areas = [a for (c, a) in groups if c == ind.code]
        for area in areas or [LAD_CODE]:
            sel = groups.get((ind.code, area), ret.iloc[0:0])
            s = series_frame(sel, ind.code, area, p, ind.frequency)
            if s.empty:
                s = pd.DataFrame(
                    {
                        "indicator_code": [ind.code],
                        "area_code": [area],
                        "period": [str(p)],
                        "value": [np.nan],
                        "numerator": [np.nan],
                        "denominator": [np.nan],
                        "submitted_on": [None],
                        "submitted_by": [None],
                        "days_late": [None],
                        "received": [False],
                        "quarter": [p],
                    }
                )
            series[(ind.code, area)] = s
            frames.append(series_flags(s, ind, registry.settings))
    flags = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FLAG_COLUMNS)
    return flags, series


# ---- The filter: every exception raised at a meeting, routed back or treated as genuine ----------------

#: What names an exception's indicator, its owners and its place and quarter, in every table of them.
SUBJECT_COLUMNS = [
    "indicator_code",
    "label",
    "title",
    "partnership",
    "owner",
    "lead",
    "area_code",
    "period",
]
EXCEPTION_COLUMNS = [
    "raised_in",
    *SUBJECT_COLUMNS,
    "source",
    "signal",
    "reason",
    "routed",
    "candidate",
    "criterion",
    "action",
    "severity",
]

#: Performance signals, most serious first.
SIGNALS = (
    "sustained_concern",
    "consistent_failure",
    "special_cause_concern",
    "off_track",
    "at_risk",
    "special_cause_improvement",
)


def _performance_signals(row: pd.Series, settings: Settings) -> list[tuple[str, str]]:
    """``[(signal, reason)]`` for one assessed indicator at its quarter (empty when nothing stands out)."""
    out = []
    v = row["variation"] if "variation" in row else row["spc_variation"]
    if v == "special_cause_concern":
        n = int(row["concern_run"])
        out.append(
            (
                "sustained_concern" if n >= settings.sustained_points else "special_cause_concern",
                f"SPC special cause of concern, {n} quarter{'s' if n != 1 else ''} running",
            )
        )
    elif v == "special_cause_improvement":
        n = int(row["improvement_run"])
        out.append(
            (
                "special_cause_improvement",
                f"SPC special cause of improvement, {n} quarter{'s' if n != 1 else ''} running",
            )
        )
    status = row["target_status"]
    if status in ("off track", "at risk"):
        n = int(row["off_track_run"])
        consistent = n >= settings.off_track_quarters or row["spc_assurance"] == "consistent_fail"
        text = (
            f"{status}: {number(row['value'])} against a target of {number(row['target'])} "
            f"({row['gap_to_target']:+.1%} of the target on the wrong side)"
        )
        if status == "off track":
            text += f", off track {n} quarter{'s' if n != 1 else ''} running"
        if row["spc_assurance"] == "consistent_fail":
            text += "; the target lies outside the process limits, so the process will not meet it"
        sig = (
            "consistent_failure"
            if (consistent and status == "off track")
            else status.replace(" ", "_")
        )
        out.append((sig, text))
    return out


def _data_problem_rows(assessment) -> list[dict]:
    """One exception per series and period the data-quality flags newly raised this quarter: sent
    back to the indicator's owner, never a Board candidate.
    """
    p = str(assessment.period)
    reg = assessment.registry
    flags = assessment.flags
    rows = []
    new = flags[flags["detected_in"] == p]
    for (code, area, period), g in new.groupby(
        ["indicator_code", "area_code", "period"], sort=False, dropna=False
    ):
        ind = reg[code]
        rows.append(
            {
                "raised_in": p,
                "indicator_code": code,
                "label": ind.label,
                "title": ind.title,
                "partnership": ind.partnership,
                "owner": ind.owner,
                "lead": ind.lead,
                "area_code": area,
                "period": period,
                "source": "data",
                "signal": ", ".join(g["rule"]),
                "reason": "; ".join(g["reason"]),
                "routed": "owner",
                "candidate": False,
                "criterion": "",
                "action": "; ".join(dict.fromkeys(g["action"])),
                "severity": 0.0,
            }
        )
    return rows


def filter_exceptions(assessment) -> pd.DataFrame:
    """The management group's filter for one meeting: every exception raised, and where it is routed.

    Exceptions are (a) every data-quality flag that this meeting is the first to see (a return that is
    missing, late, implausible, a spike that reverted, a definition change...), and (b) every indicator
    whose current quarter stands out: an SPC special cause, off track or at risk against its target, or a
    target that the process cannot meet. Data flags are routed back to the owner with the reason and the
    action asked of them. A performance exception on a figure the filter excluded is not raised (its data
    flag is); one on a series whose definition changed within the last
    :data:`DEFINITION_SETTLING_QUARTERS` quarters is routed back too, because its target and history are
    on another definition. Every other exception is genuine; it is a red-flag candidate when it is a
    sustained concern (the latest ``sustained_points`` SPC points are all concern) or a consistent failure
    to reach target (off track ``off_track_quarters`` quarters running, or the target outside the process
    limits) and the indicator is not already improving. :func:`~.escalation.escalate` decides which
    candidates reach the Board.

    Parameters
    ----------
    assessment : Assessment
        From :func:`~.assessment.assess`.

    Returns
    -------
    DataFrame
        ``EXCEPTION_COLUMNS``; ``routed`` is ``owner`` or ``genuine``.
    """
    p = str(assessment.period)
    reg = assessment.registry
    settings = reg.settings
    rows = _data_problem_rows(assessment)
    info = assessment.table.set_index(["indicator_code", "area_code"])
    for (code, area), r in info.iterrows():
        if not r["judged"]:
            continue
        if r["definition_settling"]:
            r = r.copy()
            r["target_status"] = r["target_status_raw"]
        signals = _performance_signals(r, settings)
        if not signals:
            continue
        signals.sort(key=lambda s: SIGNALS.index(s[0]))
        names = [s[0] for s in signals]
        reason = "; ".join(s[1] for s in signals)
        base = {
            "raised_in": p,
            "indicator_code": code,
            "label": r["label"],
            "title": r["title"],
            "partnership": r["partnership"],
            "owner": r["owner"],
            "lead": r["lead"],
            "area_code": area,
            "period": p,
            "source": "performance",
            "signal": names[0],
            "reason": reason,
        }
        if r["definition_settling"]:
            rows.append(
                base
                | {
                    "routed": "owner",
                    "candidate": False,
                    "criterion": "",
                    "reason": f"{reason}; but the definition changed in {r['definition_changed_in']}, "
                    "so the target and earlier quarters are on another definition",
                    "action": "restate earlier quarters (and the target) on the new definition",
                    "severity": 0.0,
                }
            )
            continue
        improving = r["spc_variation"] == "special_cause_improvement"
        criteria = []
        if "sustained_concern" in names:
            criteria.append("sustained concern")
        if "consistent_failure" in names and not improving:
            criteria.append("consistent failure to reach target")
        gap = r["gap_to_target"] if pd.notna(r["gap_to_target"]) else 0.0
        severity = (
            10.0 * len(criteria)
            + max(int(r["concern_run"]), int(r["off_track_run"]))
            + min(max(float(gap), 0.0) * 20, 5.0)
        )
        rows.append(
            base
            | {
                "routed": "genuine",
                "candidate": bool(criteria),
                "criterion": " and ".join(criteria),
                "action": "",
                "severity": round(severity, 2),
            }
        )
    return pd.DataFrame(rows, columns=EXCEPTION_COLUMNS)
