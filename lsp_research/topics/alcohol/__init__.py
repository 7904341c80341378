"""Alcohol misuse across hospital admissions and police incidents.

The analysis behind ``notebooks/alcohol_misuse.ipynb``, for the joint champions (the Director of Public
Health and the Police Chief Superintendent). The package follows the one topic interface
(:mod:`lsp_research.topics.base`)::

    params = alcohol.validate_params(period_end=period, ...)   # inputs.py
    inputs = alcohol.load_inputs(params)                       # inputs.py
    res = alcohol.analyse(params, inputs)                      # analysis/
    alcohol.tables.trend(res); alcohol.charts.trend(res); alcohol.text.findings(res)

**Admissions.** Each admission episode is classified from its ICD-10 diagnoses (``diag_01`` ... ``diag_06``)
with a table of alcohol-attributable fractions (AAFs, ``resources/alcohol_fractions.csv``; its partial
fractions are SIMPLIFIED/ILLUSTRATIVE, see ``alcohol_fractions.md``) into three measures:

``specific``
    an alcohol-specific code (AAF = 1) in any diagnosis position; weight 1.
``narrow``
    the primary diagnosis is alcohol-related, or a secondary diagnosis is an alcohol-related external
    cause (a V, W, X or Y code); weight = the highest AAF among those diagnoses.
``broad``
    any diagnosis position (the NI 39 definition); weight = the highest AAF among all diagnoses.

**Rates.** Directly standardised rates (DSRs, per 100,000, by age and sex, with the European Standard
Population 2013 or 1976 for each sex) by financial year and by quarter (annualised), with SPC; ward (or
area committee) standardised admission ratios (SARs, city = 100) pooled over the chosen years; a
deprivation gradient by IMD quintile with the slope index of inequality and the gap between the most and
least deprived fifths.

**Police.** Alcohol-flagged incidents per 1,000 residents per year by area, Getis-Ord Gi* hot spots on a
grid of square cells in British National Grid, and a day-of-week by hour profile of the night-time economy.

**Joint view.** Areas' SARs against their incident ratios, the correlation with a Fisher-z interval, and the
areas where both are significantly high.

>>> p = validate_params(measure="narrow", years_pooled=2)
>>> p.measure, p.years_pooled, p.standard_population
('narrow', 2, 'esp2013')
>>> import pandas as pd
>>> episodes = pd.DataFrame({
...     "age": [45, 30, 70], "sex": ["M", "F", "M"],
...     "diag_01": ["K703", "S720", "I10"], "diag_02": ["", "W19", ""]})
>>> analysis.classify_episodes(episodes)[["specific", "aaf_narrow", "aaf_broad"]]
   specific  aaf_narrow  aaf_broad
0      True        1.00       1.00
1     False        0.15       0.15
2     False        0.10       0.10
"""

from . import analysis, charts, tables, text

# the building blocks the ward and area profiles reuse (lsp_research.topics.profiles)
from .analysis import (
    AlcoholResults,
    analyse,
    area_lookup,
    area_ratios,
    classify_episodes,
    episode_weights,
    incident_rates,
    stratify,
)
from .inputs import AlcoholParams, Inputs, load_fractions, load_inputs, validate_params

__all__ = [
    "AlcoholParams",
    "AlcoholResults",
    "Inputs",
    "analyse",
    "analysis",
    "area_lookup",
    "area_ratios",
    "charts",
    "classify_episodes",
    "episode_weights",
    "incident_rates",
    "load_fractions",
    "load_inputs",
    "stratify",
    "tables",
    "text",
    "validate_params",
]
