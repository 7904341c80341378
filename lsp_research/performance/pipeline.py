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
>>> ret = pd.DataFrame({"indicator_code": "NI20", "period": periods, "area_code": "E08000024",
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

from ..errors import ParameterError
from ..periods import Quarter, quarter_range, resolve
from .anomalies import filter_exceptions
from .assessment import Assessment, assess
from .escalation import LOG_COLUMNS, Escalation, escalate
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
        return self.assessment.period

    @property
    def red_flags(self) -> pd.DataFrame:
        return self.escalation.red_flags

    @property
    def log(self) -> pd.DataFrame:
        return self.escalation.log


def meeting(
    returns: pd.DataFrame,
    registry: Registry,
    period: str | Quarter,
    targets: pd.DataFrame | None = None,
    comparators: pd.DataFrame | None = None,
    max_red_flags: int | None = None,
) -> Meeting:
    """Assess, filter and escalate for one quarter, with the data known at that quarter's meeting."""
    a = assess(returns, registry, period, targets=targets, comparators=comparators)
    exc = filter_exceptions(a)
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
) -> pd.DataFrame:
    """The escalation log of every meeting from ``start`` (default: the first quarter) to ``end``.

    Each meeting sees only the returns for its own quarter and earlier, so the log shows what was
    decided at the time (a keying error is queried when it arrives, then recognised as a spike when the
    next quarter reverts).
    """
    ret = prepare_returns(returns)
    available = sorted(set(ret["period"]), key=Quarter.parse)
    last = resolve(end, available)
    first = Quarter.parse(start) if start is not None else Quarter.parse(available[0])
    logs = [
        meeting(ret, registry, q, targets, comparators, max_red_flags).log
        for q in quarter_range(first, last)
    ]
    logs = [x for x in logs if len(x)]
    return pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)


@dataclass
class PerformanceRun:
    """What the performance notebook shows: this quarter's meeting and the financial year's log."""

    meeting: Meeting
    #: Escalation log of every meeting of the financial year to date.
    year_log: pd.DataFrame
    registry: Registry
    synthetic: bool


def run_assessment(
    period: str = "latest",
    registry: Registry | str | None = None,
    max_red_flags: int | None = None,
    theme: str = "all",
) -> PerformanceRun:
    """Load the processed tables and the registry, and run ``period``'s meeting (for the notebook).

    Parameters
    ----------
    period : str
        ``YYYYQn`` or ``"latest"`` (the newest quarter with returns).
    registry : Registry or path, optional
        Default: ``indicators.yml`` (or ``LSP_REGISTRY``).
    max_red_flags : int, optional
        Default: the registry's ``max_red_flags``.
    theme : str
        ``"all"``, or one theme (``healthy``, ``safe``...): only its indicators are assessed.
    """
    from .. import data

    if max_red_flags is not None and (
        isinstance(max_red_flags, bool) or not isinstance(max_red_flags, int) or max_red_flags < 0
    ):
        raise ParameterError(
            f"max_red_flags: must be a whole number 0 or more, got {max_red_flags!r}"
        )
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    reg = reg.subset(theme)
    returns = prepare_returns(data.load("indicator_returns"), source="indicator_returns")
    targets = data.load("indicator_targets")
    comparators = data.load("indicator_comparators")
    q = resolve(period, returns["period"])
    m = meeting(returns, reg, q, targets, comparators, max_red_flags)
    earlier = [
        meeting(returns, reg, e, targets, comparators, max_red_flags).log
        for e in quarter_range(Quarter(q.year, 1), q)
        if e < q
    ]
    logs = [x for x in [*earlier, m.log] if len(x)]
    year_log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)
    is_synth = getattr(data, "is_synthetic", None)
    return PerformanceRun(m, year_log, reg, bool(is_synth()) if callable(is_synth) else False)
