"""Reporting: the quarterly programme, from notebook templates to published HTML.

Modules by stage:

- :mod:`~lsp_research.reporting.programme` -- ``programme.yml``: which notebooks run over which parameter
  sets, and which tiers each exports; validated on load.
- :mod:`~lsp_research.reporting.parameters` -- the typed parameter contract read from each notebook's
  ``parameters`` cell; values are checked before any kernel starts.
- :mod:`~lsp_research.reporting.kernels` -- warm kernels: a fork server that imports the heavy libraries
  once and forks a fresh, isolated kernel process for every run.
- :mod:`~lsp_research.reporting.execute` -- execution behind one interface: a local process pool or Dask.
- :mod:`~lsp_research.reporting.cache` -- skip runs whose notebook, parameters, inputs and code are unchanged.
- :mod:`~lsp_research.reporting.runner` -- the whole quarter: validate, execute, export, index, audit,
  publish atomically under a lock.
- :mod:`~lsp_research.reporting.commands` -- ``lsp-research run`` and ``lsp-research describe``.
- ``export``, ``publish``, ``audit`` -- audience tiers, the index page, the pre-publication audit.
"""

from collections.abc import Mapping as _Mapping

#: MIME type of the headline figures a run records (collected by the runner, never shown in a page).
SUMMARY_MIME = "application/vnd.lsp.summary+json"


def record(**values) -> dict:
    """Record headline figures of this run for the period's index (e.g. one row of a league table).

    Call it in a notebook, e.g. ``record(ward=ward_name, population=pop, rate=round(rate, 1))``. The
    runner collects every run's figures into ``run.json`` and the index page's summary table; the
    exported pages do not show them. Values must be text, numbers, booleans or None (numpy scalars are
    converted).

    >>> record(ward="Hendon", population=13090, rate=float("nan"))
    {'ward': 'Hendon', 'population': 13090, 'rate': None}
    >>> record(table=[1, 2])
    Traceback (most recent call last):
    ...
    TypeError: record: 'table' must be text, a number, a boolean or None, got list
    """
    clean = {}
    for name, value in values.items():
        if hasattr(value, "item") and not isinstance(value, str | bytes | _Mapping):
            value = value.item()  # numpy / pandas scalars
        if isinstance(value, float) and value != value:
            value = None  # NaN is not JSON
        if value is not None and not isinstance(value, str | int | float | bool):
            raise TypeError(
                f"record: {name!r} must be text, a number, a boolean or None, got {type(value).__name__}"
            )
        clean[name] = value
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        return clean
    if get_ipython() is not None:
        display({SUMMARY_MIME: clean}, raw=True)
    return clean
