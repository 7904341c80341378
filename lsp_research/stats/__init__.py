"""Public-health statistics and SPC that agree with the UK reference implementations.

Rates, proportions, means, standardised rates and ratios follow PHEindicatormethods 2.1.0; SPC follows
NHSRplotthedots 0.2.2 (NHS "Making Data Count"). See ``METHODS.md`` for the formulas and
``tests/test_reference_vectors.py`` for the agreement checks.

>>> from lsp_research import stats
>>> lo, hi = stats.byars_ci(65)
>>> round(lo, 3), round(hi, 3)
(50.163, 82.849)
"""

from .compare import DIFFERENCE_METHODS, compare, difference_test, polarity_sign
from .funnel import funnel_limits, funnel_significance, funnel_table
from .inequality import Inequality, rank_midpoints, slope_coefficients, slope_index
from .intervals import (
    byars_ci,
    confidence_levels,
    exact_poisson_ci,
    limit_columns,
    poisson_ci,
    t_ci,
    wilson_ci,
    z_value,
)
from .life_expectancy import life_expectancy
from .rates import crude_rate, mean_ci, proportion
from .spc import SPCResult, assurance_type, spc, xmr_limits, xmr_points
from .standardised import dsr, israte, isratio, standard_population

__all__ = [
    "DIFFERENCE_METHODS",
    "Inequality",
    "SPCResult",
    "assurance_type",
    "byars_ci",
    "compare",
    "confidence_levels",
    "crude_rate",
    "difference_test",
    "dsr",
    "exact_poisson_ci",
    "funnel_limits",
    "funnel_significance",
    "funnel_table",
    "israte",
    "isratio",
    "life_expectancy",
    "limit_columns",
    "mean_ci",
    "poisson_ci",
    "polarity_sign",
    "proportion",
    "rank_midpoints",
    "slope_coefficients",
    "slope_index",
    "spc",
    "standard_population",
    "t_ci",
    "wilson_ci",
    "xmr_limits",
    "xmr_points",
    "z_value",
]
