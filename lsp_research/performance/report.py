"""What the performance notebook shows, tier by tier, from one :class:`~.pipeline.PerformanceRun`.

Each ``show_*`` function displays HTML in the notebook (charts through :func:`lsp_research.plots.show`,
tables through :func:`lsp_research.tables.show_table`) and returns it, so the notebook stays a list of
calls. Board content is a subset of executive content, which is a subset of operational content, and all
of it comes from the same run.

- board: :func:`show_headline`, :func:`show_red_flags`, :func:`show_icon_summary`,
  :func:`show_board_followup`
- executive: :func:`show_exceptions`, :func:`show_escalation_log`, :func:`show_routed_back`,
  :func:`show_corrections`, :func:`show_rules`
- operational: :func:`show_operational` (every indicator of every thematic partnership)

>>> icon_status("off track"), icon_variation("special_cause_concern", "decrease")
('✖ off track', '▲ concern')
"""

from __future__ import annotations

import html as _html

import pandas as pd

from ..config import SYNTHETIC_NOTICE
from ..plots import show
from ..tables import show_table
from .anomalies import _fmt, rules_table
from .assessment import target_rule
from .charts import indicator_chart
from .escalation import LAYERS

STATUS_ICONS = {
    "on track": "✔ on track",
    "at risk": "⚠ at risk",
    "off track": "✖ off track",
    "no target": "– no target",
    "not judged": "? not judged",
}
DIRECTION_ICONS = {
    "improving": "↗ improving",
    "worsening": "↘ worsening",
    "no significant change": "→ no significant change",
    "no change": "→ no change",
    "higher": "↑ higher",
    "lower": "↓ lower",
    "not known": "– not known",
    "not comparable": "– not comparable (definition changed)",
}
LAYER_WORDS = {
    "owner": "routed back to owner",
    "executive": "handled at executive",
    "board": "escalated to the Board",
}


def icon_status(status: str) -> str:
    """The target status with its icon (text too, so it reads in grey scale and to a screen reader)."""
    return STATUS_ICONS.get(status, status)


def icon_variation(variation: str | None, improvement: str) -> str:
    """The SPC variation with an arrow showing which way the special cause went."""
    if variation is None or (isinstance(variation, float) and pd.isna(variation)):
        return "– no SPC"
    if variation == "common_cause":
        return "● common cause"
    if variation in ("special_cause_improvement", "special_cause_concern"):
        up = (variation == "special_cause_improvement") == (improvement == "increase")
        word = "improvement" if variation == "special_cause_improvement" else "concern"
        return f"{'▲' if up else '▼'} {word}"
    return "▲ higher" if variation.endswith("high") else "▼ lower"


def _display(html: str, display: bool) -> str:
    if display:
        from IPython.display import HTML
        from IPython.display import display as _show

        _show(HTML(html))
    return html


def _p(text: str, cls: str | None = None) -> str:
    c = f' class="{cls}"' if cls else ""
    return f"<p{c}>{_html.escape(text)}</p>"


def _value_text(r: pd.Series) -> str:
    if not r["received"]:
        return "no return"
    if not r["judged"]:
        return f"{_fmt(r['value'])} as returned, queried with the owner ({r['period_flags'].replace('_', ' ')})"
    text = _fmt(r["value"])
    if pd.notna(r["lowercl"]) and pd.notna(r["uppercl"]):
        text += f" ({_fmt(r['lowercl'])} to {_fmt(r['uppercl'])})"
    return text


def _target_text(r: pd.Series) -> str:
    if pd.isna(r["target"]):
        return "none"
    src = r["target_source"]
    return f"{_fmt(r['target'])}" + (" (synthetic)" if "synthetic" in src else "")


def show_headline(run, display: bool = True) -> str:
    """The quarter, what was assessed, and where this meeting's exceptions stopped (board tier)."""
    m = run.meeting
    a = m.assessment
    counts = m.escalation.layer_counts()
    n = len(a.table)
    parts = [
        f"<p><strong>{_html.escape(a.period.label)}</strong> ({a.period}): {n} indicator-area "
        f"series assessed across {len(a.table['partnership'].unique())} thematic partnerships.</p>",
        _p(
            f"This quarter {sum(counts.values())} exceptions were raised: {counts['owner']} routed back "
            f"to their owners as data problems, {counts['executive']} handled by the management group, "
            f"and {counts['board']} escalated to the Board as red flags (at most "
            f"{m.escalation.max_red_flags})."
        ),
        _p(target_rule(run.registry.settings)),
    ]
    if run.synthetic:
        parts.insert(0, _p(SYNTHETIC_NOTICE, "lsp-synthetic"))
    if any("synthetic" in s for s in a.table["target_source"]):
        parts.append(
            _p(
                "Targets marked synthetic are illustrative: Sunderland's own LAA targets were not "
                "recovered."
            )
        )
    return _display("\n".join(parts), display)


def show_red_flags(run, display: bool = True) -> str:
    """Each red flag: owner, why, one evidence chart, and the decision the Board is asked to take."""
    m = run.meeting
    red = m.red_flags
    if red.empty:
        return _display(
            _p(
                "No red flags this quarter: no indicator shows a sustained concern or a consistent "
                "failure to reach target that the management group could not handle."
            ),
            display,
        )
    out = []
    for r in red.itertuples(index=False):
        row = m.assessment.row(r.indicator_code, r.area_code)
        head = f"<h3>Red flag {r.rank}: {_html.escape(r.label)} {_html.escape(r.title)}</h3>"
        body = [
            head,
            _p(
                f"Owner: {r.owner} (lead: {r.lead}), {r.partnership} partnership. "
                f"Criterion: {r.criterion}."
            ),
            _p(
                f"Latest: {_value_text(row)} {row['unit']}; target {_target_text(row)}; "
                f"{icon_status(row['target_status'])}."
            ),
            _p(f"Evidence: {r.reason}."),
        ]
        earlier = _earlier_decision(run, r.indicator_code, r.area_code)
        if earlier:
            body.append(_p(earlier, "lsp-earlier-decision"))
        out.append(_display("\n".join(body), display))
        fig, alt = indicator_chart(m.assessment, r.indicator_code, r.area_code)
        out.append(
            show(fig, alt=alt, caption=f"Evidence for red flag {r.rank}. {alt}", display=display)
        )
        out.append(
            _display(
                f'<p class="lsp-decision"><strong>Decision for the Board:</strong> '
                f"{_html.escape(r.question)}</p>",
                display,
            )
        )
    return "\n".join(out)


def _followup_row(run, code: str, area: str) -> pd.Series | None:
    f = getattr(run, "followup", None)
    if f is None or f.board.empty:
        return None
    sel = f.board[(f.board["indicator_code"] == code) & (f.board["area_code"] == area)]
    return sel.iloc[0] if len(sel) else None


def _escalated(r: pd.Series) -> str:
    """'3 of the last 5 meetings' (this one included) from a row of the Board follow-up."""
    n, m = int(r["escalated"]), int(r["meetings_seen"])
    if n == 0:
        return f"none of the last {m} meetings"
    return f"{n} of the last {m} meetings"


def _earlier_decision(run, code: str, area: str) -> str:
    """The Board's earlier decision on a red flag and what happened since, in one sentence."""
    r = _followup_row(run, code, area)
    if r is None:
        return ""
    times = f"Escalated at {_escalated(r)}."
    if r["decided_in"] is None:
        return f"{times} No Board decision on it has been recorded yet."
    return (
        f"{times} Board decision in {r['decided_in']} (lead: {r['lead_partner']}): {r['decision']} "
        f"Action: {r['action']}. Movement {r['movement']}."
    )


def board_followup_frame(run) -> pd.DataFrame:
    """Every indicator the Board saw before: escalations, decision, action and movement since."""
    f = getattr(run, "followup", None)
    if f is None or f.board.empty:
        return pd.DataFrame()
    b = f.board
    return pd.DataFrame(
        {
            "Indicator": b["label"] + " " + b["title"],
            "Escalated": [_escalated(r) for _, r in b.iterrows()],
            "Red flag now": b["red_flag_now"].map({True: "yes", False: "no"}),
            "Board decision": [
                d if q is None else f"{q}: {d}"
                for q, d in zip(b["decided_in"], b["decision"], strict=True)
            ],
            "Lead partner": b["lead_partner"].fillna("none"),
            "Action": b["action"],
            "Movement": b["movement"],
        }
    )


def show_board_followup(run, display: bool = True) -> str:
    """What came of the Board's earlier decisions on red flags (board tier)."""
    df = board_followup_frame(run)
    if df.empty:
        return _display(_p("No red flag reached the Board at the earlier meetings."), display)
    return show_table(
        df,
        caption=f"Red flags the Board saw before {run.meeting.period.label}: decisions and since",
        display=display,
        notes=[
            "Decisions from the Board's record (data/raw/board/decisions.csv); movement from the value "
            "at the decision's meeting (or at the first escalation) to this quarter: ↑/↓ is the way the "
            "value moved, better or worse by the indicator's polarity."
        ],
    )


def show_routed_back(run, display: bool = True) -> str:
    """Items routed back to owners at earlier meetings, and their status now (executive tier)."""
    f = getattr(run, "followup", None)
    if f is None or f.routed_back.empty:
        return _display(_p("Nothing was routed back to owners at the earlier meetings."), display)
    t = f.routed_back
    df = pd.DataFrame(
        {
            "Meeting": t["raised_in"],
            "Indicator": t["label"],
            "Quarter concerned": t["period"],
            "Signal": t["signal"].str.replace("_", " "),
            "Owner": t["owner"],
            "Status": t["status"],
            "Note": t["note"],
        }
    )
    return show_table(
        df,
        caption="Routed back at earlier meetings: status now",
        display=display,
        notes=[
            "open: nothing resubmitted since the meeting; resubmitted: a new figure came in but the "
            "rule still raises it; resolved: a new figure came in and the rule no longer raises it."
        ],
    )


def show_corrections(run, display: bool = True) -> str:
    """The corrections log: returns replaced by a later submission (executive, data quality)."""
    f = getattr(run, "followup", None)
    c = f.corrections if f is not None else pd.DataFrame()
    if c is None or c.empty:
        return _display(
            _p("No return has been corrected: every figure is as first submitted."), display
        )
    df = pd.DataFrame(
        {
            "Indicator": c["indicator_code"],
            "Quarter": c["period"],
            "Old value": c["old_value"].map(_fmt),
            "New value": c["new_value"].map(_fmt),
            "First submitted": pd.to_datetime(c["old_submitted_on"]).dt.date.astype(str),
            "Corrected": pd.to_datetime(c["submitted_on"]).dt.date.astype(str),
            "By": c["submitted_by"].fillna(""),
            "From file": c["file"] + " row " + c["row"].astype(str),
        }
    )
    return show_table(
        df,
        caption="Corrections log: returns replaced by a later submission",
        display=display,
        notes=["The latest submission of a return is used; the value it replaced is kept here."],
    )


def _latest_text(r: pd.Series) -> str:
    if not r["received"]:
        return "no return"
    if not r["judged"]:
        return "queried with the owner"
    if r["definition_settling"]:
        return f"{_fmt(r['value'])} (new definition)"
    return _fmt(r["value"])


def summary_frame(run, exclude_red_flags: bool = True) -> pd.DataFrame:
    """One line per indicator: value, target, status, SPC and travel as icons with words."""
    m = run.meeting
    a = m.assessment
    red = set(zip(m.red_flags["indicator_code"], m.red_flags["area_code"], strict=True))
    rows = []
    for _, r in a.table.iterrows():
        if exclude_red_flags and (r["indicator_code"], r["area_code"]) in red:
            continue
        imp = run.registry[r["indicator_code"]].improvement
        rows.append(
            {
                "Indicator": f"{r['label']} {r['title']}",
                "Partnership": r["partnership"],
                "Latest": _latest_text(r),
                "Target": _target_text(r),
                "Against target": icon_status(r["target_status"]),
                "SPC": icon_variation(r["spc_variation"], imp) if r["judged"] else "– not judged",
                "On a year ago": DIRECTION_ICONS.get(r["direction"], r["direction"]),
            }
        )
    return pd.DataFrame(rows)


def show_icon_summary(run, display: bool = True) -> str:
    """Every indicator that is not a red flag, one line each (board tier)."""
    df = summary_frame(run)
    if df.empty:
        return _display(_p("Every indicator is a red flag this quarter."), display)
    return show_table(
        df,
        caption=f"Everything else at a glance, {run.meeting.period.label}",
        display=display,
        notes=[
            "✔ on track, ⚠ at risk, ✖ off track against target; SPC ● common cause, ▲/▼ special cause "
            "(direction of the change); 'on a year ago' compares with the same quarter last year."
        ],
    )


def exceptions_frame(log: pd.DataFrame, with_meeting: bool = False) -> pd.DataFrame:
    """An escalation log as a readable table."""
    cols = {
        "raised_in": "Meeting",
        "label": "Indicator",
        "period": "Quarter concerned",
        "signal": "Signal",
        "reason": "Reason",
        "layer": "Stopped at",
        "decision": "Decision",
    }
    df = log.rename(columns=cols)
    df["Signal"] = df["Signal"].str.replace("_", " ")
    df["Stopped at"] = df["Stopped at"].map(lambda x: x)
    keep = [c for c in cols.values() if with_meeting or c != "Meeting"]
    return df[keep].reset_index(drop=True)


def show_exceptions(run, display: bool = True) -> str:
    """Every exception raised this quarter and what the filter decided, with reasons (executive)."""
    log = run.meeting.log
    if log.empty:
        return _display(_p("No exceptions were raised this quarter."), display)
    return show_table(
        exceptions_frame(log),
        caption=f"Exceptions raised at the {run.meeting.period.label} meeting and where each stopped",
        display=display,
        notes=[
            "Stopped at: owner = routed back to the owner as a data problem (never escalated); "
            "executive = handled by the management group; board = escalated as a red flag."
        ],
    )


def show_escalation_log(run, display: bool = True) -> str:
    """The escalation log of every meeting of the financial year to date (executive tier)."""
    log = run.year_log
    if log.empty:
        return _display(_p("No exceptions in the financial year to date."), display)
    counts = log["layer"].value_counts()
    text = _p(
        "Financial year to date: "
        + ", ".join(f"{int(counts.get(layer, 0))} {LAYER_WORDS[layer]}" for layer in LAYERS)
        + "."
    )
    frame = exceptions_frame(log, with_meeting=True).drop(columns=["Reason"])
    if "follow_up" in log.columns:
        frame["Follow-up"] = log["follow_up"].to_numpy()
    table = show_table(
        frame,
        caption=f"Escalation log, {run.meeting.period.fy} to {run.meeting.period.label}",
        display=False,
        notes=[
            "Follow-up: 'repeat' counts the meetings running at which it was escalated; an open action "
            "is a Board decision whose review is still to come; routed-back items show their status now."
        ],
    )
    return _display(text + table, display)


def show_rules(run, display: bool = True) -> str:
    """The filter's rules, the target rule and the red-flag criteria, in force this quarter."""
    s = run.registry.settings
    rules = rules_table(s).rename(
        columns={"rule": "Rule", "meaning": "Meaning", "threshold": "Threshold"}
    )
    text = "\n".join(
        [
            _p(target_rule(s)),
            _p(
                "A genuine exception (one the filter did not route back) becomes a red-flag candidate "
                f"when it is a sustained concern (the latest {s.sustained_points} SPC points are all "
                "special causes of concern) or a consistent failure to reach target (off track "
                f"{s.off_track_quarters} quarters running, or the target outside the process limits) "
                "and the indicator is not already improving. Candidates are ranked by severity and the "
                f"Board sees at most {run.meeting.escalation.max_red_flags}."
            ),
        ]
    )
    table = show_table(
        rules, caption="The management group's filter: rules and thresholds", display=False
    )
    return _display(text + table, display)


def _comparator_text(a, r: pd.Series) -> str:
    c = a.comparisons
    c = c[(c["indicator_code"] == r["indicator_code"]) & (c["area_code"] == r["area_code"])]
    if c.empty:
        return "none"
    return "; ".join(
        f"{x.comparator}: {x.result}"
        + (f" ({_fmt(x.comparator_value)})" if pd.notna(x.comparator_value) else "")
        for x in c.itertuples(index=False)
    )


def show_partnership(run, partnership: str, display: bool = True) -> str:
    """Every indicator of one thematic partnership: table, chart, comparators, data-quality notes."""
    a = run.meeting.assessment
    t = a.table[a.table["partnership"] == partnership]
    out = [_display(f"<h2>{_html.escape(partnership)} partnership</h2>", display)]
    for _, r in t.iterrows():
        ind = run.registry[r["indicator_code"]]
        comp_text = _comparator_text(a, r)
        facts = pd.DataFrame(
            {
                "Measure": [
                    "Value (95% interval)",
                    "Target",
                    "Against target",
                    "Comparators",
                    "SPC variation",
                    "SPC assurance",
                    "On the same quarter last year",
                    "Owner and lead",
                ],
                "Result": [
                    f"{_value_text(r)} {r['unit']}",
                    f"{_target_text(r)} ({r['target_source'] or 'no target'})",
                    icon_status(r["target_status"]),
                    comp_text,
                    icon_variation(r["spc_variation"], ind.improvement)
                    + (" (trial limits)" if r["spc_trial_limits"] in (True,) else ""),
                    (
                        r["spc_assurance"]
                        if isinstance(r["spc_assurance"], str)
                        else "not assessed"
                    ).replace("_", " "),
                    DIRECTION_ICONS.get(r["direction"], r["direction"])
                    + (
                        f" ({_fmt(r['last_year_value'])})" if pd.notna(r["last_year_value"]) else ""
                    ),
                    f"{ind.owner}; {ind.lead}",
                ],
            }
        )
        head = f"<h3>{_html.escape(ind.label)} {_html.escape(ind.title)}</h3>"
        notes = [f"Interval: {r['interval_note']}.", f"Source: {ind.source}."]
        if ind.definition:
            notes.append(f"Definition: {ind.definition}")
        out.append(_display(head, display))
        out.append(
            show_table(
                facts,
                caption=f"{ind.label} in {a.period.label}",
                display=display,
                notes=notes,
            )
        )
        fig, alt = indicator_chart(a, ind.code, r["area_code"])
        out.append(show(fig, alt=alt, caption=alt, display=display))
        dq = list(r["dq_notes"])
        dq_html = (
            "<p><strong>Data-quality notes:</strong></p><ul>"
            + "".join(f"<li>{_html.escape(x)}</li>" for x in dq)
            + "</ul>"
            if dq
            else _p("Data-quality notes: none; every return on time and within the rules.")
        )
        out.append(_display(dq_html, display))
    return "\n".join(out)


def show_operational(run, display: bool = True) -> str:
    """Every thematic partnership in registry order (operational tier)."""
    parts = [
        show_partnership(run, p, display)
        for p in run.meeting.assessment.table["partnership"].unique()
    ]
    if run.meeting.assessment.unregistered:
        parts.append(
            _display(
                _p(
                    "Returns were received for indicators not in the registry and were not assessed: "
                    + ", ".join(run.meeting.assessment.unregistered)
                    + ". Add them to indicators.yml to include them."
                ),
                display,
            )
        )
    return "\n".join(parts)
