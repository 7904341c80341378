"""Layered performance management, as in the Audit Commission's Sunderland case study (2009).

Thematic partnerships report on their indicators (operational layer); the management group filters the
issues they raise so that the Board never spends time on a data anomaly (executive layer); the Board
receives only the red flags that may need a change of strategic direction (board layer).

- :mod:`.registry` -- ``indicators.yml``: the indicators, their owners, polarity and targets, validated.
- :mod:`.returns` -- partners' returns tidied into one series per indicator and area.
- :mod:`.assessment` -- value and interval, target status, comparators, SPC, direction of travel.
- :mod:`.anomalies` -- the management group's filter: named rules with reasons.
- :mod:`.escalation` -- red flags for the Board (ranked, capped) and the escalation log.
- :mod:`.pipeline` -- one meeting end to end (:func:`meeting`), every meeting (:func:`history`), and
  :func:`run_assessment` for the notebook.

"""

from .anomalies import RULES, filter_exceptions, find_anomalies, rules_table
from .assessment import Assessment, assess, target_rule, target_status
from .escalation import Escalation, escalate
from .pipeline import Meeting, PerformanceRun, history, meeting, run_assessment
from .registry import Indicator, Registry, Settings, load_registry, parse_registry
from .returns import prepare_returns

__all__ = [
    "RULES",
    "Assessment",
    "Escalation",
    "Indicator",
    "Meeting",
    "PerformanceRun",
    "Registry",
    "Settings",
    "assess",
    "escalate",
    "filter_exceptions",
    "find_anomalies",
    "history",
    "load_registry",
    "meeting",
    "parse_registry",
    "prepare_returns",
    "rules_table",
    "run_assessment",
    "target_rule",
    "target_status",
]
