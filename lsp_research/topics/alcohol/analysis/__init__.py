"""The alcohol analysis, split by concern; :func:`analyse` runs it all and returns :class:`AlcoholResults`.

- :mod:`.classification`: episodes into the alcohol measures with attributable fractions;
- :mod:`.strata`: windows, standard populations, strata, DSR tables and significance categories;
- :mod:`.admissions`: the city trend, NI 39, area ratios and the deprivation gradient (with the slope
  index of inequality from :func:`lsp_research.stats.slope_index`);
- :mod:`.incidents`: police incident rates, hot spots and the night-time economy;
- :mod:`.joint`: admission ratios beside incident ratios;
- :mod:`.results`: :func:`analyse` and :class:`AlcoholResults`.
"""

from .admissions import (
    area_ratios,
    city_trend,
    comparator_table,
    condition_table,
    deprivation_gradient,
    ni39_as_returned,
    trend_spc,
)
from .classification import classify_episodes, episode_weights
from .incidents import (
    DAY_NAMES,
    HOT_SPOT_LEVELS,
    WEEKEND_NIGHT,
    alcohol_incidents,
    day_hour_profile,
    hot_spot_wards,
    hot_spots,
    incident_grid,
    incident_rates,
    night_time_summary,
)
from .joint import correlation, joint_view
from .results import AlcoholResults, analyse
from .strata import (
    SIGNIFICANCE_LEVELS,
    analysis_window,
    area_lookup,
    band_map,
    complete_years,
    dsr_table,
    published_counts,
    quarters_frame,
    significance_category,
    standard_weights,
    stratify,
    withheld_rows,
)

__all__ = [
    "DAY_NAMES",
    "HOT_SPOT_LEVELS",
    "SIGNIFICANCE_LEVELS",
    "WEEKEND_NIGHT",
    "AlcoholResults",
    "alcohol_incidents",
    "analyse",
    "analysis_window",
    "area_lookup",
    "area_ratios",
    "band_map",
    "city_trend",
    "classify_episodes",
    "comparator_table",
    "complete_years",
    "condition_table",
    "correlation",
    "day_hour_profile",
    "deprivation_gradient",
    "dsr_table",
    "episode_weights",
    "hot_spot_wards",
    "hot_spots",
    "incident_grid",
    "incident_rates",
    "joint_view",
    "ni39_as_returned",
    "night_time_summary",
    "published_counts",
    "quarters_frame",
    "significance_category",
    "standard_weights",
    "stratify",
    "trend_spc",
    "withheld_rows",
]
