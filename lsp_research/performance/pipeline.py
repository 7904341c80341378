"""One quarter's performance meeting, end to end, and the history of meetings.

:func:`meeting` wires the layers for one quarter on DataFrames you pass (tests, hand-made returns):
registry -> :func:`~.assessment.assess` -> :func:`~.anomalies.filter_exceptions` ->
:func:`~.escalation.escalate`. :func:`history` replays every quarter's meeting, as each was held with
the data known then, and gives the full escalation log. :func:`run_assessment` is the thin wrapper the
notebook calls: it loads the processed tables and the registry, resolves ``"latest"``, and runs both.

>>> import pandas as pd
>>> from lsp_research.performance.registry import parse_registry
>>> reg = parse_registry({"indicators": [dict(code="NI20", title="Assault with injury", theme="safe",
...     partnership="Safe City", owner="Police", lead="Area Commander", unit="crimes per 1,000",
...     measure="rate", multiplier=1000, polarity="lower", frequency="quarterly", source="Police")]})
>>> periods = [f"{y}Q{q}" for y in (2008, 2009) for q in (1, 2, 3, 4)]
>>> ret = pd.DataFrame({"indicator_code": "NI20", "period": periods, "area_code": "E08999901",
...     "value": [2.0, 2.1, 2.0, 1.9, 2.0, 2.1, 2.0, 2.05], "numerator": [560, 588, 560, 532, 560, 588, 560, 574],
...     "denominator": 280000, "submitted_on": "2010-01-01", "submitted_by": "Police"})
>>> ret = ret[ret["period"] != "2009Q2"]          # one quarter never came in
>>> m = meeting(ret, reg, "2009Q2")
>>> m.escalation.log[["signal", "layer"]].values.tolist()
[['missing_return', 'owner']]
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import LspError, ParameterError
from ..periods import Quarter, quarter_range, resolve
from .anomalies import filter_exceptions
from .assessment import Assessment, assess
from .escalation import LOG_COLUMNS, Escalation, escalate
from .followup import (
    FollowUp,
    board_followup,
    escalation_runs,
    known_at_meeting,
    mark_log,
    routed_back_status,
    unregistered_exceptions,
    window,
)
from .readiness import latest_ready
from .registry import Registry, load_registry
from .returns import prepare_returns


@dataclass
class Meeting:
    """One quarter's meeting: the assessment, the exceptions raised, and where each stopped."""

    assessment: Assessment
    exceptions: pd.DataFrame
    escalation: Escalation

    @property
    def period(self) -> Quarter:
        """The quarter assessed."""
        return self.assessment.period

    @property
    def red_flags(self) -> pd.DataFrame:
        """The indicators escalated as red flags."""
        return self.escalation.red_flags

    @property
    def log(self) -> pd.DataFrame:
        """The escalation log."""
        return self.escalation.log


def meeting(returns: pd.DataFrame, registry: Registry, period: str | Quarter,
            targets: pd.DataFrame | None = None, comparators: pd.DataFrame | None = None,
            max_red_flags: int | None = None) -> Meeting:  # fmt: skip
    """Assess, filter and escalate for one quarter, with the data known at that quarter's meeting."""
    a = assess(returns, registry, period, targets=targets, comparators=comparators)
    exc = filter_exceptions(a)
    unknown = unregistered_exceptions(prepare_returns(returns), registry, a.period)
    if len(unknown):
        exc = pd.concat([exc, unknown], ignore_index=True)
    esc = escalate(exc, max_red_flags=max_red_flags, settings=registry.settings)
    return Meeting(a, exc, esc)


def history(
    returns: pd.DataFrame,
    registry: Registry,
    end: str | Quarter = "latest",
    targets: pd.DataFrame | None = None,
    comparators: pd.DataFrame | None = None,
    start: str | Quarter | None = None,
    max_red_flags: int | None = None,
    corrections: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The escalation log of every meeting from ``start`` (default: the first quarter) to ``end``.

    Each meeting sees only the returns for its own quarter and earlier, as submitted by its meeting
    date (later corrections, from the ``corrections`` log, are not yet known), so the log shows what
    was decided at the time (a keying error is queried when it arrives, then recognised as a spike when
    the next quarter reverts).
    """
    ret = prepare_returns(returns)
    available = sorted(set(ret["period"]), key=Quarter.parse)
    last = resolve(end, available)
    first = Quarter.parse(start) if start is not None else Quarter.parse(available[0])
    logs = [
        meeting(
            known_at_meeting(returns, corrections, q, registry),
            registry,
            q,
            targets,
            comparators,
            max_red_flags,
        ).log
        for q in quarter_range(first, last)
    ]
    logs = [x for x in logs if len(x)]
    return pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)


@dataclass
class PerformanceRun:
    """What the performance notebook shows: this quarter's meeting and the financial year's log."""

    meeting: Meeting
    #: Escalation log of every meeting of the financial year to date (each as it was held), with a
    #: ``follow_up`` column (repeat escalations, open actions, routed-back status).
    year_log: pd.DataFrame
    registry: Registry
    synthetic: bool
    #: What came of earlier meetings: routed-back statuses, Board decisions, corrections.
    followup: FollowUp | None = None


@dataclass(frozen=True)
class Params:
    """The performance report's parameters, checked (:func:`validate_params`)."""

    period: str = "latest"
    max_red_flags: int | None = None
    theme: str = "all"
    registry: Registry | str | None = None


def validate_params(
    period: str = "latest",
    max_red_flags: int | None = None,
    theme: str = "all",
    registry: Registry | str | None = None,
) -> Params:
    """Check the report's parameters (the theme is checked against the registry by :func:`analyse`).

    Parameters
    ----------
    period : str
        ``YYYYQn`` or ``"latest"`` (the newest quarter with enough returns for its meeting: see
        :mod:`.readiness`).
    max_red_flags : int, optional
        Default: the registry's ``max_red_flags``.
    theme : str
        ``"all"``, or one theme (``healthy``, ``safe``...): only its indicators are assessed.
    registry : Registry or path, optional
        Default: ``indicators.yml`` (or ``LSP_REGISTRY``).

    Examples
    --------
    >>> validate_params("2009Q3", max_red_flags=3).max_red_flags
    3
    >>> validate_params(max_red_flags=-1)
    Traceback (most recent call last):
    ...
    lsp_research.errors.ParameterError: max_red_flags: must be a whole number 0 or more, got -1
    """
    if max_red_flags is not None and (
        isinstance(max_red_flags, bool) or not isinstance(max_red_flags, int) or max_red_flags < 0
    ):
        raise ParameterError(
            f"max_red_flags: must be a whole number 0 or more, got {max_red_flags!r}"
        )
    return Params(period=period, max_red_flags=max_red_flags, theme=theme, registry=registry)


@dataclass(frozen=True)
class Inputs:
    """What a meeting reads: the whole registry and the processed tables (``corrections`` and
    ``decisions`` are ``None`` for builds without them); ``synthetic`` says the data are synthetic.
    """

    registry: Registry
    raw: pd.DataFrame
    targets: pd.DataFrame
    comparators: pd.DataFrame
    corrections: pd.DataFrame | None
    decisions: pd.DataFrame | None
    synthetic: bool


def load_inputs(params: Params) -> Inputs:
    """Load the registry and the processed tables the meeting reads."""
    from .. import data  # deferred: data.build imports this package's registry (a cycle)

    registry = params.registry
    full = registry if isinstance(registry, Registry) else load_registry(registry)
    is_synth = getattr(data, "is_synthetic", None)
    return Inputs(
        registry=full,
        raw=data.load("indicator_returns"),
        targets=data.load("indicator_targets"),
        comparators=data.load("indicator_comparators"),
        corrections=_optional_table(data, "indicator_corrections"),
        decisions=_optional_table(data, "board_decisions"),
        synthetic=bool(is_synth()) if callable(is_synth) else False,
    )


def analyse(params: Params, inputs: Inputs) -> PerformanceRun:
    """Run ``params.period``'s meeting, with the meetings before it that its follow-up needs (pure:
    everything comes from ``inputs``).
    """
    full = inputs.registry
    reg = full.subset(params.theme)
    raw, targets, comparators = inputs.raw, inputs.targets, inputs.comparators
    corrections, decisions = inputs.corrections, inputs.decisions
    max_red_flags, period = params.max_red_flags, params.period
    returns = prepare_returns(raw, source="indicator_returns")
    if isinstance(period, str) and period.strip().lower() == "latest":
        q = latest_ready(returns, full)  # the newest quarter with enough returns for a meeting
    else:
        q = resolve(period, returns["period"])
    m = meeting(returns, reg, q, targets, comparators, max_red_flags)
    first = Quarter.parse(min(returns["period"]))
    fy_to_date = [e for e in quarter_range(Quarter(q.year, 1), q) if first <= e < q]
    earlier = sorted(set(window(q, reg.settings.followup_quarters, first)) | set(fy_to_date))
    held: dict[str, pd.DataFrame] = {}
    replayed: dict[str, pd.DataFrame] = {}
    for e in earlier:
        known = known_at_meeting(raw, corrections, e, reg)
        held[str(e)] = meeting(known, reg, e, targets, comparators, max_red_flags).log
        if _same_up_to(known, returns, e):  # nothing for quarters to e came in after the meeting
            replayed[str(e)] = held[str(e)]

    def replay_now(quarter: str) -> pd.DataFrame:
        if quarter not in replayed:
            replayed[quarter] = meeting(
                returns, reg, quarter, targets, comparators, max_red_flags
            ).log
        return replayed[quarter]

    escalations = escalation_runs({**held, str(q): m.log})
    statuses = routed_back_status(held, replay_now, raw, corrections, reg)
    follow = FollowUp(
        routed_back=statuses,
        board=board_followup(escalations, m, decisions, reg, meetings_seen=len(held) + 1),
        corrections=_recent_corrections(corrections, q),
        escalations=escalations,
    )
    logs = [held[str(e)] for e in fy_to_date if len(held[str(e)])] + ([m.log] if len(m.log) else [])
    year_log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)
    year_log = mark_log(year_log, escalations, decisions, statuses)
    return PerformanceRun(m, year_log, reg, inputs.synthetic, follow)


def run_assessment(
    period: str = "latest",
    registry: Registry | str | None = None,
    max_red_flags: int | None = None,
    theme: str = "all",
) -> PerformanceRun:
    """Load the processed tables and the registry, and run ``period``'s meeting: the four steps of the
    topic interface (:func:`validate_params`, :func:`load_inputs`, :func:`analyse`) in one call.

    Parameters are those of :func:`validate_params`.
    """
    params = validate_params(period, max_red_flags, theme, registry)
    return analyse(params, load_inputs(params))


def _same_up_to(known: pd.DataFrame, now: pd.DataFrame, q: Quarter) -> bool:
    """Whether two prepared returns tables agree on every return for quarters up to ``q``."""
    cols = ["indicator_code", "area_code", "period", "value", "numerator", "denominator"]
    a, b = (t.loc[t["_qi"] <= q.index, cols] for t in (known, now))
    if len(a) != len(b):
        return False
    return a.reset_index(drop=True).equals(b.reset_index(drop=True))


def _optional_table(data, name: str) -> pd.DataFrame | None:
    """A processed table that older builds (or catalogues without the source) do not have."""
    try:
        return data.load(name)
    except LspError:
        return None


def _recent_corrections(corrections: pd.DataFrame | None, q: Quarter) -> pd.DataFrame:
    """Corrections to quarters up to ``q``, newest submission first."""
    if corrections is None or corrections.empty:
        from ..data.corrections import empty_log

        return empty_log()
    c = corrections[corrections["period"].map(lambda s: Quarter.parse(s) <= q)]
    return c.sort_values(["submitted_on", "indicator_code"], ascending=[False, True]).reset_index(
        drop=True
    )
