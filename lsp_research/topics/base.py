"""The one shape every analysis (topic) follows.

A topic is a package under ``lsp_research/topics/`` split by concern::

    topics/<name>/
        __init__.py   the interface below, re-exported; nothing else
        inputs.py     parameters (``validate_params``) and inputs (``Inputs``, ``load_inputs``)
        analysis.py   the computation: ``analyse(params, inputs) -> Result``
        charts.py     figures from a result: ``name(res, ...) -> (Figure, alt_text)``
        tables.py     tables from a result: ``name(res, ...) -> dict`` for ``show_table(**...)``
        text.py       words from a result: ``findings(res)``, ``methods_notes(res)``

(a large concern may be a sub-package, for example ``analysis/``). A notebook uses a topic in four steps,
the same for every topic::

    params = topic.validate_params(period=period, ...)   # the notebook's parameters, checked
    inputs = topic.load_inputs(params)                    # processed tables, validated
    res = topic.analyse(params, inputs)                   # one result object
    show_table(**topic.tables.trend(res)); fig, alt = topic.charts.trend(res); topic.text.findings(res)

Rules:

- ``validate_params`` raises :class:`~lsp_research.errors.ParameterError` (naming the parameter and
  what is allowed); ``load_inputs`` raises an :class:`~lsp_research.errors.LspError` subclass when a
  table is missing or unusable; ``analyse`` is pure (no file reads) so tests can pass inputs built in
  memory.
- Geography goes through :mod:`lsp_research.geo`, statistics through :mod:`lsp_research.stats`, maps
  and charts through :mod:`lsp_research.plots`, number words through :mod:`lsp_research.formatting`.
- A topic that contributes to the index registers it in ``programme.yml`` (``index:``); the runner
  never imports a topic.

:func:`check_topic` lists what a package lacks; the test suite runs it on every topic.

>>> from lsp_research.topics import base
>>> base.INTERFACE
('validate_params', 'load_inputs', 'analyse', 'charts', 'tables', 'text')
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import lsp_research.topics as topics  # the package imports nothing itself: no cycle

#: What every topic package exposes.
INTERFACE = ("validate_params", "load_inputs", "analyse", "charts", "tables", "text")
#: The modules every topic package is split into.
MODULES = ("inputs", "analysis", "charts", "tables", "text")


def topic_names() -> list[str]:
    """The topic packages under ``lsp_research.topics`` (by module name)."""
    return sorted(m.name for m in pkgutil.iter_modules(topics.__path__) if m.ispkg)


def check_topic(module: ModuleType | str) -> list[str]:
    """What a topic package lacks of the one interface (an empty list when it has it all).

    Parameters
    ----------
    module : module or str
        The topic package, or its name under ``lsp_research.topics``.

    Returns
    -------
    list of str
        One sentence per problem.

    Examples
    --------
    >>> import types
    >>> check_topic(types.ModuleType("empty"))[0]
    'empty: not a package (a topic is a package split into inputs, analysis, charts, tables and text)'
    """
    if isinstance(module, str):
        module = importlib.import_module(f"lsp_research.topics.{module}")
    name = module.__name__
    if not hasattr(module, "__path__"):
        return [
            f"{name}: not a package (a topic is a package split into "
            "inputs, analysis, charts, tables and text)"
        ]
    problems = []
    present = {m.name for m in pkgutil.iter_modules(module.__path__)}
    problems += [f"{name}: no module {m}" for m in MODULES if m not in present]
    problems += [
        f"{name}: does not expose {attr}" for attr in INTERFACE if not hasattr(module, attr)
    ]
    for attr, first in (("load_inputs", "params"), ("analyse", "params")):
        fn = getattr(module, attr, None)
        if fn is not None:
            args = list(inspect.signature(fn).parameters)
            if not args or args[0] != first:
                problems.append(
                    f"{name}.{attr}: the first argument must be {first!r}, not {args[:1]}"
                )
    for part in ("charts", "tables", "text"):
        sub = getattr(module, part, None)
        if isinstance(sub, ModuleType):
            for fname, fn in inspect.getmembers(sub, inspect.isfunction):
                if fn.__module__ != sub.__name__ or fname.startswith("_"):
                    continue
                args = list(inspect.signature(fn).parameters)
                if not args or args[0] != "res":
                    problems.append(f"{sub.__name__}.{fname}: the first argument must be 'res'")
    return problems
