"""Wellness service: who is referred, who takes up the offer, who completes, and whether distance or
deprivation stands in the way.

The one topic interface (:mod:`lsp_research.topics.base`)::

    params = wellness.validate_params(period=period, centre=centre, population_group=group)
    inputs = wellness.load_inputs(params)
    res = wellness.analyse(params, inputs)
    show_table(**wellness.tables.wards(res)); fig, alt = wellness.charts.choropleth(res, ...)
    wellness.text.findings(res)

:mod:`.inputs` holds the parameters and inputs, :mod:`.analysis` the computation (definitions, access,
inequality and coverage are described there), :mod:`.charts`, :mod:`.tables` and :mod:`.text` what a
report shows.

>>> from lsp_research.topics import base
>>> base.check_topic("wellness")
[]
"""

from __future__ import annotations

from . import charts, tables, text
from .analysis import WellnessAnalysis, analyse
from .analysis.rates import adult_population  # the ward profiles use the same adult denominators
from .inputs import Inputs, Params, load_inputs, validate_params

__all__ = [
    "Inputs",
    "Params",
    "WellnessAnalysis",
    "adult_population",
    "analyse",
    "charts",
    "load_inputs",
    "tables",
    "text",
    "validate_params",
]
