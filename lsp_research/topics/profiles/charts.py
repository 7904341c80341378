"""A profile's charts: each takes the :class:`~.analysis.Profile` (``res``) and returns ``(fig, alt)``."""

from __future__ import annotations

import numpy as np

from ... import config
from ...formatting import number
from ...plots import PALETTE, figure
from ...plots.maps import locator_map as ward_locator
from ...plots.stats_charts import spine_chart
from .analysis import Profile


def locator_map(res: Profile):
    """The city's wards with the profile's area highlighted. Returns ``(fig, alt)``."""
    w = res.wards
    fig, _ = ward_locator(w, res.area.ward_codes, f"Where {res.area.name} is")
    inside = w["ward_code"].isin(res.area.ward_codes)
    names = ", ".join(sorted(w.loc[inside, "ward_name"]))
    alt = (f"Map of {config.LAD_NAME}'s {len(w)} wards with {res.area.name} shaded"
           + (f" ({names})." if res.area.kind != "ward" else "."))  # fmt: skip
    return fig, alt


def pyramid_chart(res: Profile):
    """Population pyramid of the area (bars) against the city (outline), % of each total."""
    p = res.pyramid
    fig, ax = figure(f"Population by age and sex: {res.area.name} and {config.LAD_NAME}",
                     xlabel="Share of all residents (%)", ylabel="Age band (years)", figsize=(7, 6))  # fmt: skip
    bands = list(config.ESP2013_BANDS)
    y = np.arange(len(bands))
    for sex, sign, colour in (("M", -1, PALETTE["blue"]), ("F", 1, PALETTE["orange"])):
        s = p[p["sex"] == sex].set_index("age_band").reindex(bands)
        ax.barh(y, sign * s["area_pct"], color=colour, alpha=0.8,
                label=f"{res.area.name}, {'males' if sex == 'M' else 'females'}")  # fmt: skip
        ax.step(sign * s["city_pct"], y, where="mid", color="black", linewidth=1.2, linestyle="--",
                label=config.LAD_NAME if sex == "M" else None)  # fmt: skip
    ax.set_yticks(y, bands)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(t):.0f}" for t in ticks])
    ax.legend(loc="upper right", fontsize=8)
    old = p[p["age_band"].isin(bands[13:])]
    alt = (f"Population pyramid: {number(old['area_pct'].sum(), 1)}% of {res.area.name}'s residents are "
           f"aged 65 or over, against {number(old['city_pct'].sum(), 1)}% in {config.LAD_NAME}.")  # fmt: skip
    return fig, alt


def spine(res: Profile):
    """The Fingertips-style spine chart of the area against the city."""
    return spine_chart(res.spine, f"{res.area.name} compared with {config.LAD_NAME}",
                       q25="q25", q75="q75", units="unit", area_name=res.area.name,
                       comparator_name=config.LAD_NAME)  # fmt: skip
