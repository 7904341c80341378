"""From one quarter to the next: earlier meetings as held, what came of routed-back items and Board decisions.

The performance layers only work if what was raised last quarter is heard of again. This module replays
earlier meetings **as they were held** (with the returns submitted by each meeting's date, see
:func:`~lsp_research.data.corrections.as_known_on`), and then says:

- for every item routed back to an owner at an earlier meeting, its status now: ``open`` (nothing
  resubmitted), ``resubmitted`` (a new figure came in, but the rule still raises it) or ``resolved`` (a
  new figure came in and the rule no longer raises it);
- for every red flag that reached the Board at an earlier meeting: how many meetings escalated it, what
  the Board decided (``data/raw/board/decisions.csv``), who leads, when it is reviewed, and how the
  indicator has moved since the decision;
- for the escalation log, which escalations repeat and which have an open action.

>>> status_of(resubmitted_on=None, still_raised=True)
'open'
>>> status_of(resubmitted_on="2010-04-01", still_raised=False)
'resolved'
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pandas as pd

from ..data.corrections import as_known_on, meeting_date
from ..formatting import decimals_for, number
from ..periods import Quarter, quarter_range
from .anomalies import EXCEPTION_COLUMNS
from .registry import Registry, normalise_code
from .returns import DUE_AFTER_DAYS, prepare_returns

#: Columns of the routed-back status table.
ROUTED_COLUMNS = [
    "raised_in",
    "indicator_code",
    "label",
    "area_code",
    "period",
    "signal",
    "owner",
    "status",
    "resubmitted_on",
    "note",
]
#: Columns of the Board follow-up table.
BOARD_COLUMNS = [
    "indicator_code",
    "label",
    "title",
    "area_code",
    "escalated",
    "meetings_seen",
    "first_escalated",
    "red_flag_now",
    "decided_in",
    "decision",
    "lead_partner",
    "review_quarter",
    "action",
    "value_then",
    "value_now",
    "movement",
]


def status_of(resubmitted_on, still_raised: bool) -> str:
    """The status of a routed-back item: ``open``, ``resubmitted`` or ``resolved``."""
    if resubmitted_on is None or (isinstance(resubmitted_on, float) and pd.isna(resubmitted_on)):
        return "open"
    return "resubmitted" if still_raised else "resolved"


def the_meeting_date(period: str | Quarter, registry: Registry) -> datetime.date:
    """The day ``period``'s meeting is taken to be held (due date plus ``meeting_after_due_days``)."""
    return meeting_date(period, registry.settings.meeting_after_due_days, DUE_AFTER_DAYS)


def known_at_meeting(
    returns: pd.DataFrame, corrections: pd.DataFrame | None, period, registry: Registry
) -> pd.DataFrame:
    """The returns as the management group had them at ``period``'s meeting (prepared).

    Corrections submitted after the meeting are undone; a return first submitted after the meeting is
    kept (the meeting's log raises it as late, as the lateness rule expects).
    """
    day = the_meeting_date(period, registry)
    known = as_known_on(returns, corrections, day, keep_late=True)
    return prepare_returns(known, source="indicator_returns")


def action_text(review: str | None, current: Quarter, red_now: bool) -> str:
    """The state of a Board action at the ``current`` meeting.

    >>> q = Quarter.parse("2009Q4")
    >>> action_text("2010Q1", q, True), action_text("2009Q4", q, True), action_text("2009Q2", q, True)
    ('open, review due 2010Q1', 'review due at this meeting', 'review overdue since 2009Q2')
    >>> action_text("2009Q2", q, False), action_text(None, q, True)
    ('reviewed 2009Q2; no longer a red flag', 'open, no review quarter set')
    """
    if not review or (isinstance(review, float) and pd.isna(review)):
        return "open, no review quarter set"
    r = Quarter.parse(str(review))
    if r > current:
        return f"open, review due {r}"
    if r == current:
        return "review due at this meeting"
    return f"review overdue since {r}" if red_now else f"reviewed {r}; no longer a red flag"


def movement_text(then: float, now: float, polarity: str) -> str:
    """How a value moved, with the arrow for the direction and the word for better or worse.

    >>> movement_text(2389.0, 2439.0, "lower")
    '↑ up 50 (worse)'
    >>> movement_text(20.0, 18.5, "lower"), movement_text(5.0, 5.0, "higher")
    ('↓ down 1.5 (better)', '→ no change')
    """
    if pd.isna(then) or pd.isna(now):
        return "not known"
    diff = now - then
    if diff == 0:
        return "→ no change"
    arrow, word = ("↑", "up") if diff > 0 else ("↓", "down")
    # the change from unrounded values, at the precision of the values themselves
    size = number(abs(diff), decimals_for(max(abs(then), abs(now)), most=2))
    if polarity == "neutral":
        return f"{arrow} {word} {size}"
    better = (diff > 0) == (polarity == "higher")
    return f"{arrow} {word} {size} ({'better' if better else 'worse'})"


@dataclass
class FollowUp:
    """What came of earlier meetings, at the current one."""

    #: Every item routed back at an earlier meeting in the window, with its status now.
    routed_back: pd.DataFrame
    #: Every indicator-area escalated to the Board at an earlier meeting, with decision and movement.
    board: pd.DataFrame
    #: Corrections received (the corrections log), newest first.
    corrections: pd.DataFrame
    #: ``{(code, area): [meetings escalated]}`` over the window and the current meeting.
    escalations: dict = field(default_factory=dict)


def _versions_after(returns, corrections, code, area, period, day) -> str | None:
    """The last submission date after ``day`` of one return (a resubmission), or None."""
    dates = []
    sel = returns[
        (returns["indicator_code"].map(normalise_code) == code)
        & (returns["area_code"].astype(str) == area)
        & (returns["period"].astype(str) == period)
    ]
    dates += list(pd.to_datetime(sel["submitted_on"]))
    if corrections is not None and len(corrections):
        c = corrections[
            (corrections["indicator_code"].map(normalise_code) == code)
            & (corrections["area_code"].astype(str) == area)
            & (corrections["period"].astype(str) == period)
        ]
        dates += list(pd.to_datetime(c["submitted_on"]))
    later = [d for d in dates if pd.notna(d) and d.date() > day]
    return str(max(later).date()) if later else None


def routed_back_status(
    earlier_logs: dict[str, pd.DataFrame],
    replay_now,
    returns: pd.DataFrame,
    corrections: pd.DataFrame | None,
    registry: Registry,
) -> pd.DataFrame:
    """The status now of every item routed back at the earlier meetings in ``earlier_logs``.

    ``replay_now(quarter)`` gives that meeting's log replayed on the data known now.
    """
    rows = []
    for q, log in earlier_logs.items():
        owner = log[log["layer"] == "owner"]
        if owner.empty:
            continue
        day = the_meeting_date(q, registry)
        now = replay_now(q)
        now_owner = now[now["layer"] == "owner"]
        for r in owner.itertuples(index=False):
            resub = _versions_after(
                returns, corrections, r.indicator_code, r.area_code, r.period, day
            )
            signals = {s.strip() for s in str(r.signal).split(",")}
            same = now_owner[
                (now_owner["indicator_code"] == r.indicator_code)
                & (now_owner["area_code"] == r.area_code)
                & (now_owner["period"] == r.period)
            ]
            raised_now = {s.strip() for x in same["signal"] for s in str(x).split(",")}
            still = bool(signals & raised_now)
            status = status_of(resub, still)
            if status == "open":
                note = "nothing resubmitted since the meeting"
            elif status == "resolved":
                note = f"resubmitted {resub}; the rule no longer raises it"
            else:
                note = f"resubmitted {resub}, but still raised: {', '.join(sorted(raised_now))}"
            rows.append(
                {
                    "raised_in": q,
                    "indicator_code": r.indicator_code,
                    "label": r.label,
                    "area_code": r.area_code,
                    "period": r.period,
                    "signal": r.signal,
                    "owner": r.owner,
                    "status": status,
                    "resubmitted_on": resub,
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=ROUTED_COLUMNS)


def _value(series: pd.DataFrame | None, period: str) -> float:
    if series is None or series.empty:
        return float("nan")
    sel = series[series["period"] == period]
    return float(sel["value"].iloc[0]) if len(sel) and sel["received"].iloc[0] else float("nan")


def board_followup(
    escalations: dict[tuple[str, str], list[str]],
    current,
    decisions: pd.DataFrame | None,
    registry: Registry,
    meetings_seen: int | None = None,
) -> pd.DataFrame:
    """Every indicator-area escalated before the current meeting or with a decision recorded.

    Parameters
    ----------
    escalations : dict
        ``{(code, area): [meetings at which it was a red flag]}``, including the current meeting.
    current : Meeting
        The current meeting (its assessment gives the values, its red flags the "now").
    decisions : DataFrame or None
        The processed ``board_decisions`` table.
    meetings_seen : int, optional
        How many meetings ``escalations`` covers (the current one included), for "escalated at 3 of
        the last 5 meetings".
    """
    q = current.period
    red_now = set(
        zip(current.red_flags["indicator_code"], current.red_flags["area_code"], strict=True)
    )
    dec = decisions.copy() if decisions is not None else pd.DataFrame()
    if len(dec):
        dec["indicator_code"] = dec["indicator_code"].map(normalise_code)
        dec = dec[dec["meeting_quarter"].astype(str) < str(q)]
    keys = {k for k, ms in escalations.items() if any(m < str(q) for m in ms)}
    if len(dec):
        keys |= set(zip(dec["indicator_code"], dec["area_code"].astype(str), strict=True))
    rows = []
    for code, area in sorted(keys):
        if code not in registry.indicators:
            continue
        ind = registry[code]
        met = sorted(m for m in escalations.get((code, area), []) if m <= str(q))
        earlier = [m for m in met if m < str(q)]
        mine = (
            dec[(dec["indicator_code"] == code) & (dec["area_code"].astype(str) == area)]
            if len(dec)
            else dec
        )
        series = current.assessment.series.get((code, area))
        now_value = _value(series, str(q))
        if len(mine):
            d = mine.sort_values("meeting_quarter").iloc[-1]
            decided, text = str(d["meeting_quarter"]), str(d["decision"])
            lead = str(d["lead_partner"])
            review = None if pd.isna(d.get("review_quarter")) else str(d["review_quarter"])
            action = action_text(review, q, (code, area) in red_now)
            since = decided
        else:
            decided, text, lead, review = None, "no decision recorded", None, None
            action = "no decision recorded: the Board has not yet recorded what it decided"
            since = earlier[0] if earlier else str(q)
        then = _value(series, since)
        rows.append(
            {
                "indicator_code": code,
                "label": ind.label,
                "title": ind.title,
                "area_code": area,
                "escalated": len(met),
                "meetings_seen": meetings_seen or len(met),
                "first_escalated": met[0] if met else None,
                "red_flag_now": (code, area) in red_now,
                "decided_in": decided,
                "decision": text,
                "lead_partner": lead,
                "review_quarter": review,
                "action": action,
                "value_then": then,
                "value_now": now_value,
                "movement": f"since {since}: {movement_text(then, now_value, ind.polarity)}",
            }
        )
    return pd.DataFrame(rows, columns=BOARD_COLUMNS)


def escalation_runs(logs: dict[str, pd.DataFrame]) -> dict[tuple[str, str], list[str]]:
    """``{(code, area): [meetings]}`` at which each indicator-area was escalated to the Board."""
    out: dict[tuple[str, str], list[str]] = {}
    for q, log in logs.items():
        for r in log[log["layer"] == "board"].itertuples(index=False):
            out.setdefault((r.indicator_code, r.area_code), []).append(q)
    return {k: sorted(v) for k, v in out.items()}


def running(meetings: list[str], upto: str) -> int:
    """How many meetings running, ending at ``upto``, are in ``meetings``.

    >>> running(["2009Q1", "2009Q2", "2009Q3"], "2009Q3"), running(["2009Q1", "2009Q3"], "2009Q3")
    (3, 1)
    """
    n, q = 0, Quarter.parse(upto)
    have = set(meetings)
    while str(q) in have:
        n += 1
        q = q - 1
    return n


def mark_log(
    log: pd.DataFrame, escalations: dict, decisions: pd.DataFrame | None, statuses: pd.DataFrame
) -> pd.DataFrame:
    """Add ``follow_up`` to an escalation log: repeat escalations, open actions, routed-back status."""
    out = log.copy()
    dec = decisions.copy() if decisions is not None and len(decisions) else None
    if dec is not None:
        dec["indicator_code"] = dec["indicator_code"].map(normalise_code)
    notes = []
    for r in out.itertuples(index=False):
        parts = []
        if r.layer == "board":
            met = escalations.get((r.indicator_code, r.area_code), [])
            n = running(met, r.raised_in)
            if n > 1:
                since = str(Quarter.parse(r.raised_in) - (n - 1))
                more = "+" if since == min(met) else ""  # the window may not reach its start
                parts.append(f"repeat: {n}{more} meetings running")
            if dec is not None:
                d = dec[
                    (dec["indicator_code"] == r.indicator_code)
                    & (dec["area_code"].astype(str) == r.area_code)
                    & (dec["meeting_quarter"].astype(str) <= r.raised_in)
                ]
                if len(d):
                    last = d.sort_values("meeting_quarter").iloc[-1]
                    review = last.get("review_quarter")
                    if pd.isna(review) or str(review) >= r.raised_in:
                        parts.append(
                            f"action open: decided {last['meeting_quarter']}"
                            + (f", review {review}" if not pd.isna(review) else "")
                        )
        elif r.layer == "owner" and len(statuses):
            s = statuses[
                (statuses["raised_in"] == r.raised_in)
                & (statuses["indicator_code"] == r.indicator_code)
                & (statuses["area_code"] == r.area_code)
                & (statuses["period"] == r.period)
            ]
            if len(s):
                parts.append(f"now {s['status'].iloc[0]}")
        notes.append("; ".join(parts))
    out["follow_up"] = notes
    return out


def unregistered_exceptions(
    returns: pd.DataFrame, registry: Registry, period: Quarter
) -> pd.DataFrame:
    """Returns for indicators not in the registry, new at this meeting: routed back to the submitter.

    A return is new at the meeting of ``period`` when it is for that quarter, or was submitted after the
    previous quarter's meeting.
    """
    unknown = returns[~returns["indicator_code"].isin(registry.codes)]
    if unknown.empty:
        return pd.DataFrame(columns=EXCEPTION_COLUMNS)
    previous = the_meeting_date(period - 1, registry)
    sub = pd.to_datetime(unknown["submitted_on"])
    qi = unknown["period"].map(lambda s: Quarter.parse(s).index)
    new = unknown[(qi == period.index) | ((qi <= period.index) & (sub.dt.date > previous))]
    rows = []
    for r in new.itertuples(index=False):
        who = r.submitted_by or "the submitting partner"
        rows.append(
            {
                "raised_in": str(period),
                "indicator_code": r.indicator_code,
                "label": r.indicator_code,
                "title": "(not in the indicator registry)",
                "partnership": "none",
                "owner": who,
                "lead": "",
                "area_code": r.area_code,
                "period": r.period,
                "source": "data",
                "signal": "unknown_indicator",
                "reason": f"a return for {r.indicator_code}, which is not in the registry "
                "(indicators.yml), so it cannot be assessed",
                "routed": "owner",
                "candidate": False,
                "criterion": "",
                "action": "correct the indicator code, or ask the performance team to add the "
                "indicator to indicators.yml",
                "severity": 0.0,
            }
        )
    return pd.DataFrame(rows, columns=EXCEPTION_COLUMNS)


def window(period: Quarter, n: int, first: Quarter) -> list[Quarter]:
    """The ``n`` meetings before ``period`` (not before ``first``), oldest first.

    >>> [str(q) for q in window(Quarter.parse("2009Q2"), 3, Quarter.parse("2009Q1"))]
    ['2009Q1']
    """
    start = max(period - n, first)
    return [q for q in quarter_range(start, period) if q < period]
