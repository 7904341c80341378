# %% tags=["parameters"]
period: str = "latest"  # financial-year quarter YYYYQn or "latest"; the analysis covers the 4 quarters to this one
centre: str = "all"  # "all", or a centre id (WC1-WC6) or name
population_group: str = "all"  # one of: all, men, women, 16-34, 35-64, 65+

# %%
from IPython.display import Markdown, display

from lsp_research.plots import show
from lsp_research.tables import show_table
from lsp_research.topics import wellness

params = wellness.validate_params(period=period, centre=centre, population_group=population_group)
inputs = wellness.load_inputs(params)
res = wellness.analyse(params, inputs)
p = res.window


# %% tags=["executive"]
display(
    Markdown(
        f"# Wellness centres: uptake, equity and access\n\n"
        f"**{p.window_label}** | {p.centre_name} | {p.group_label}"
    )
)

# %% [markdown] tags=["executive"]
# ## Key findings

# %% tags=["executive"]
display(Markdown(wellness.text.findings(res)))
show_table(**wellness.tables.city(res))

# %% [markdown] tags=["executive"]
# ## Who is referred and who takes up the offer
#
# Referrals and people taking up the offer per 1,000 adults, by ward of residence.

# %% tags=["executive"]
fig, alt = wellness.charts.choropleth(
    res, "uptake_rate", f"People taking up a referral per 1,000 adults, {p.window_label}",
    "Uptake per 1,000 adults (16+)",
)  # fmt: skip
show(fig, alt=alt, caption=wellness.text.caption(res, "uptake_map"))

# %% [markdown] tags=["executive"]
# ## Equity: deprivation

# %% tags=["executive"]
fig, alt = wellness.charts.quintile_chart(
    res, "referral_rate", "Referrals per 1,000 adults by deprivation quintile",
    "Referrals per 1,000 adults (16+)",
)  # fmt: skip
show(fig, alt=alt, caption=wellness.text.caption(res, "referral_quintiles"))
fig, alt = wellness.charts.quintile_chart(
    res, "completion_pct", "12-week completion by deprivation quintile",
    "Completed 12 weeks (% of referrals)",
)  # fmt: skip
show(fig, alt=alt, caption=wellness.text.caption(res, "completion_quintiles"))
show_table(**wellness.tables.inequalities(res))

# %% [markdown] tags=["executive"]
# ## Completion by centre and by ward

# %% tags=["executive"]
for unit in ("centre", "ward"):
    chart = wellness.charts.funnel(res, unit)
    if chart is None:
        display(Markdown(f"Only one {unit} in this selection: no funnel plot."))
        continue
    fig, alt = chart
    show(fig, alt=alt, caption=wellness.text.caption(res, "funnel"))

# %% [markdown] tags=["executive"]
# ## Access: distance and the two-step floating catchment

# %% tags=["executive"]
fig, alt = wellness.charts.choropleth(
    res, "distance_km", "Distance from each ward to the nearest centre",
    "Straight-line distance (km)", cmap="magma_r",
)  # fmt: skip
show(fig, alt=alt, caption=wellness.text.caption(res, "distance_map"))
fig, alt = wellness.charts.choropleth(
    res, "access_2sfca", "Spatial accessibility of the wellness centres (2SFCA)",
    "Centres per 100,000 adults within reach",
)  # fmt: skip
show(fig, alt=alt, caption=wellness.text.caption(res, "access_map"))
if res.decay is not None:
    fig, alt = wellness.charts.decay_chart(res)
    show(fig, alt=alt, caption=wellness.text.caption(res, "decay"))
    show_table(**wellness.tables.decay(res))
else:
    display(Markdown("Too few wards have referrals in this selection to fit a distance decay."))

# %% [markdown] tags=["executive"]
# ## Where need is high but uptake is low

# %% tags=["executive"]
flagged = res.need.loc[res.need["high_need_low_uptake"], "ward_code"]
fig, alt = wellness.charts.choropleth(
    res, "need_score", "Need (deprivation and mortality) and low uptake",
    "Need score (mean z-score)", table="need", highlight=flagged, cmap="OrRd",
)  # fmt: skip
show(fig, alt=alt, caption=wellness.text.caption(res, "need_map"))

# %% [markdown] tags=["executive"]
# ## Going further: where would a seventh centre reach most people?

# %% tags=["executive"]
fig, alt = wellness.charts.coverage_map(res)
show(fig, alt=alt, caption=wellness.text.caption(res, "coverage_map"))
show_table(**wellness.tables.coverage(res))

# %% [markdown] tags=["operational"]
# ## Methods and assumptions

# %% tags=["operational"]
display(Markdown(wellness.text.methods_notes(res)))

# %% [markdown] tags=["operational"]
# ## Detailed tables

# %% tags=["operational"]
for table in (
    wellness.tables.by_age,
    wellness.tables.by_sex,
    wellness.tables.by_quintile,
    wellness.tables.by_centre,
    wellness.tables.wards,
    wellness.tables.need,
):
    show_table(**table(res))
