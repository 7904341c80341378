"""Escalation: which genuine exceptions reach the Board as red flags, and the escalation log.

The Board receives only "the red flags on performance ... that may require a change in strategic
direction by one or more of the partner organisations" (Audit Commission, 2009). A red flag here is a
genuine exception (the filter did not route it back as a data anomaly) that is either a sustained concern
or a consistent failure to reach target. Red flags are ranked by severity (both criteria before one; then
the longer run; then the wider gap to target) and capped (``max_red_flags``, default 5) so that the Board
keeps its time for discussion; a candidate beyond the cap is held at executive level, and the log says so.

Each red flag names its owner and lead and states the decision the Board is asked to take. The escalation
log lists every exception of the meeting and the layer where it stopped: ``owner`` (routed back as a data
anomaly), ``executive`` (handled by the management group) or ``board``.

>>> exc = pd.DataFrame([
...     dict(raised_in="2009Q4", indicator_code="NI39", label="NI 39", title="Alcohol admissions",
...          partnership="Healthy City", owner="PCT", lead="DPH", area_code="E08999901", period="2009Q4",
...          source="performance", signal="sustained_concern", reason="SPC concern, 4 quarters running",
...          routed="genuine", candidate=True, criterion="sustained concern", action="", severity=14.0),
...     dict(raised_in="2009Q4", indicator_code="NI8", label="NI 8", title="Sport", partnership="Healthy City",
...          owner="Council", lead="HoS", area_code="E08999901", period="2009Q3", source="data",
...          signal="late_return", reason="20 days late", routed="owner", candidate=False, criterion="",
...          action="submit on time", severity=0.0)])
>>> esc = escalate(exc)
>>> esc.log[["label", "layer"]].values.tolist()
[['NI 39', 'board'], ['NI 8', 'owner']]
>>> esc.red_flags["question"].iloc[0][:60]
'The Board is asked to decide whether the Healthy City partne'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import InputError
from .anomalies import EXCEPTION_COLUMNS, SUBJECT_COLUMNS

LAYERS = ("owner", "executive", "board")

LOG_COLUMNS = [*EXCEPTION_COLUMNS, "layer", "decision"]
RED_FLAG_COLUMNS = [
    "rank",
    *SUBJECT_COLUMNS,
    "criterion",
    "reason",
    "severity",
    "question",
]


@dataclass
class Escalation:
    """The outcome of a meeting: the Board's red flags and the log of every exception."""

    #: Ranked, capped red flags (``RED_FLAG_COLUMNS``).
    red_flags: pd.DataFrame
    #: Every exception with ``layer`` (owner / executive / board) and ``decision`` in words.
    log: pd.DataFrame
    #: The cap in force.
    max_red_flags: int

    def layer_counts(self) -> dict[str, int]:
        """How many exceptions stopped at each layer.

        >>> Escalation(pd.DataFrame(), pd.DataFrame({"layer": ["owner", "owner", "board"]}), 5).layer_counts()
        {'owner': 2, 'executive': 0, 'board': 1}
        """
        counts = self.log["layer"].value_counts() if len(self.log) else pd.Series(dtype=int)
        return {layer: int(counts.get(layer, 0)) for layer in LAYERS}


def board_question(row: pd.Series) -> str:
    """The decision the Board is asked to take on a red flag, in words."""
    who = f"the {row['partnership']} partnership and {row['owner']} (lead: {row['lead']})"
    if "consistent failure" in row["criterion"] and "sustained concern" in row["criterion"]:
        return (
            f"The Board is asked to decide whether {who} must change strategic direction on "
            f"{row['title']}, which is both deteriorating and failing its target: approve a recovery "
            "plan with resources redirected, reported back next quarter, or revise the target."
        )
    if "consistent failure" in row["criterion"]:
        return (
            f"The Board is asked to decide whether {who} change the delivery approach for "
            f"{row['title']} so that the target can be met, or whether the Board revises the target, "
            "since the current process is not reaching it."
        )
    return (
        f"The Board is asked to decide whether {who} change direction on {row['title']} (a recovery "
        "plan, with resources redirected by the partners) or accept the trend and review next quarter."
    )


def _executive_decision(row: pd.Series) -> str:
    sig = row["signal"]
    if sig == "special_cause_improvement":
        return (
            "handled at executive: an improvement confirmed by SPC; noted, and the learning shared "
            f"with the {row['partnership']} partnership"
        )
    if sig in ("special_cause_concern", "sustained_concern"):
        return (
            "handled at executive: a special cause not yet sustained; the management group asks "
            f"{row['lead']} for an explanation and watches next quarter"
        )
    if sig == "at_risk":
        return f"handled at executive: corrective action agreed with {row['lead']} to bring it back on track"
    if sig in ("off_track", "consistent_failure"):
        return (
            f"handled at executive: off track; a recovery plan from {row['lead']}, reviewed by the "
            "management group"
        )
    return "handled at executive"


def escalate(
    exceptions: pd.DataFrame, max_red_flags: int | None = None, settings=None
) -> Escalation:
    """Decide the layer where each exception stops, and the Board's ranked, capped red flags.

    Parameters
    ----------
    exceptions : DataFrame
        From :func:`~.anomalies.filter_exceptions`.
    max_red_flags : int, optional
        The cap (default: the registry's ``max_red_flags`` via ``settings``, else 5). Must be 0 or more.
    settings : Settings, optional
        The registry's settings.
    """
    cap = (
        max_red_flags if max_red_flags is not None else (settings.max_red_flags if settings else 5)
    )
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise InputError(f"max_red_flags: must be a whole number 0 or more, got {cap!r}")
    log = exceptions.copy().reset_index(drop=True)
    log["layer"] = ""
    log["decision"] = ""
    owner = log["routed"] == "owner"
    log.loc[owner, "layer"] = "owner"
    log.loc[owner, "decision"] = [
        f"routed back to {o}: {a}"
        for o, a in zip(log.loc[owner, "owner"], log.loc[owner, "action"], strict=True)
    ]
    cand = log[(log["routed"] == "genuine") & log["candidate"].astype(bool)]
    cand = cand.sort_values(["severity", "label"], ascending=[False, True], kind="stable")
    n = len(cand)
    for rank, idx in enumerate(cand.index, start=1):
        if rank <= cap:
            log.loc[idx, "layer"] = "board"
            log.loc[idx, "decision"] = (
                f"escalated to the Board as red flag {rank} ({log.loc[idx, 'criterion']})"
            )
        else:
            log.loc[idx, "layer"] = "executive"
            log.loc[idx, "decision"] = (
                f"held at executive: red-flag candidate ranked {rank} of {n}; the Board sees the top {cap}"
            )
    rest = log["layer"] == ""
    log.loc[rest, "layer"] = "executive"
    log.loc[rest, "decision"] = [_executive_decision(r) for _, r in log[rest].iterrows()]

    board = log[log["layer"] == "board"].sort_values(
        ["severity", "label"], ascending=[False, True], kind="stable"
    )
    red = board.copy()
    red.insert(0, "rank", range(1, len(red) + 1))
    red["question"] = [board_question(r) for _, r in red.iterrows()]
    red = red[RED_FLAG_COLUMNS].reset_index(drop=True)
    order = {layer: i for i, layer in enumerate(("board", "executive", "owner"))}
    log = log.sort_values(
        ["layer", "severity", "label"],
        key=lambda c: c.map(order) if c.name == "layer" else c,
        ascending=[True, False, True],
        kind="stable",
    ).reset_index(drop=True)
    return Escalation(red_flags=red, log=log[LOG_COLUMNS], max_red_flags=cap)
