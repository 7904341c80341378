"""Layered performance management, as in the Audit Commission's case study of a
local strategic partnership (2009).

Thematic partnerships report on their indicators (operational layer); the management group filters the
issues they raise so that the Board never spends time on a data anomaly (executive layer); the Board
receives only the red flags that may need a change of strategic direction (board layer).

- :mod:`.registry` -- ``indicators.yml``: the indicators, their owners, polarity and targets, validated.
- :mod:`.returns` -- partners' returns tidied into one series per indicator and area.
- :mod:`.assessment` -- value and interval, target status, comparators, SPC, direction of travel.
- :mod:`.anomalies` -- the management group's filter: named rules with reasons.
- :mod:`.escalation` -- red flags for the Board (ranked, capped) and the escalation log.
- :mod:`.pipeline` -- one meeting end to end (:func:`meeting`), every meeting (:func:`history`), and
  the notebook's four steps (the topic interface of :mod:`lsp_research.topics.base`):
  ``params = validate_params(period, ...)``, ``inputs = load_inputs(params)``,
  ``run = analyse(params, inputs)``, then the report's tables and charts from ``run``
  (:func:`run_assessment` does the first three in one call).

"""

import importlib

# Re-exports, imported on first use (PEP 562) so that ``lsp-research indicators ...`` and the CLI's
# start-up do not pay for scipy and the statistics stack.
_EXPORTS = {
    "RULES": ".anomalies", "filter_exceptions": ".anomalies", "find_anomalies": ".anomalies",
    "rules_table": ".anomalies", "Assessment": ".assessment", "assess": ".assessment",
    "target_rule": ".assessment", "target_status": ".assessment", "Escalation": ".escalation",
    "escalate": ".escalation", "Meeting": ".pipeline", "PerformanceRun": ".pipeline",
    "history": ".pipeline", "meeting": ".pipeline", "run_assessment": ".pipeline",
    "Params": ".pipeline", "Inputs": ".pipeline", "validate_params": ".pipeline",
    "load_inputs": ".pipeline", "analyse": ".pipeline",
    "Indicator": ".registry", "Registry": ".registry", "Settings": ".registry",
    "load_registry": ".registry", "parse_registry": ".registry", "prepare_returns": ".returns",
}  # fmt: skip


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "RULES",
    "Assessment",
    "Escalation",
    "Indicator",
    "Inputs",
    "Meeting",
    "Params",
    "PerformanceRun",
    "Registry",
    "Settings",
    "analyse",
    "assess",
    "escalate",
    "filter_exceptions",
    "find_anomalies",
    "history",
    "load_inputs",
    "load_registry",
    "meeting",
    "parse_registry",
    "prepare_returns",
    "rules_table",
    "run_assessment",
    "target_rule",
    "target_status",
    "validate_params",
]
