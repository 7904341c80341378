# %% tags=["parameters"]
period: str = "latest"  # financial-year quarter YYYYQn or "latest"; the analysis covers the 4 quarters to this one
centre: str = "all"  # "all", or a centre id (WC1-WC6) or name
population_group: str = "all"  # one of: all, men, women, 16-34, 35-64, 65+

# %%
from IPython.display import Markdown, display

from lsp_research import data
from lsp_research.config import SYNTHETIC_NOTICE
from lsp_research.plots import show
from lsp_research.plots.stats_charts import funnel_plot
from lsp_research.tables import show_table
from lsp_research.topics import wellness

inputs = {
    "referrals": data.load("referrals"),
    "wards": data.load("wards"),
    "centres": data.load("centres"),
    "population": data.load("population"),
    "deaths": data.load("deaths"),
}
res = wellness.analyse(period, centre, population_group, inputs=inputs)
p = res.params


def table(name):
    df, kw = wellness.publishable(res, name)
    show_table(df, **kw)


# %% tags=["executive"]
display(
    Markdown(
        f"# Wellness centres: uptake, equity and access\n\n"
        f"**{p.window_label}** | {p.centre_name} | {p.group_label}"
    )
)
if data.is_synthetic():
    display(Markdown(f"> {SYNTHETIC_NOTICE}"))

# %% [markdown] tags=["executive"]
# ## Key findings

# %% tags=["executive"]
display(Markdown(wellness.key_findings(res)))
table("city")

# %% [markdown] tags=["executive"]
# ## Who is referred and who takes up the offer
#
# Referrals and people taking up the offer per 1,000 adults, by ward of residence.

# %% tags=["executive"]
fig, alt = wellness.choropleth(
    res.ward_shapes, res.wards, "uptake_rate",
    f"People taking up a referral per 1,000 adults, {p.window_label}",
    "Uptake per 1,000 adults (16+)", centres=res.centres,
)  # fmt: skip
show(
    fig,
    alt=alt,
    caption="Straight-line geography, British National Grid. Source: wellness referrals.",
)

# %% [markdown] tags=["executive"]
# ## Equity: deprivation

# %% tags=["executive"]
fig, alt = wellness.quintile_chart(
    res.by_quintile, "referral_rate", "Referrals per 1,000 adults by deprivation quintile",
    "Referrals per 1,000 adults (16+)",
)  # fmt: skip
show(
    fig,
    alt=alt,
    caption="Quintiles of Sunderland's wards by IMD 2007 score; bars show 95% intervals.",
)
fig, alt = wellness.quintile_chart(
    res.by_quintile, "completion_pct", "12-week completion by deprivation quintile",
    "Completed 12 weeks (% of referrals)",
)  # fmt: skip
show(fig, alt=alt, caption="Wilson 95% intervals.")
table("inequalities")

# %% [markdown] tags=["executive"]
# ## Completion by centre and by ward

# %% tags=["executive"]
for unit, frame in (("centre", res.funnel_centres), ("ward", res.funnel_wards)):
    if len(frame) < 2:
        display(Markdown(f"Only one {unit} in this selection: no funnel plot."))
        continue
    fig, alt = funnel_plot(
        frame, numerator="completed", denominator="referrals", label="label", kind="proportion", polarity="increase",
        title=f"12-week completion by {unit}, {p.window_label}",
        xlabel="Referrals (count)", ylabel="Completed 12 weeks (% of referrals)",
    )  # fmt: skip
    show(
        fig,
        alt=alt,
        caption="Pooled average with 95% and 99.8% limits; no overdispersion adjustment.",
    )

# %% [markdown] tags=["executive"]
# ## Access: distance and the two-step floating catchment

# %% tags=["executive"]
fig, alt = wellness.choropleth(
    res.ward_shapes, res.wards, "distance_km", "Distance from each ward to the nearest centre",
    "Straight-line distance (km)", centres=res.centres, cmap="magma_r",
)  # fmt: skip
show(fig, alt=alt, caption="From each ward's centroid (population assumed even within wards).")
fig, alt = wellness.choropleth(
    res.ward_shapes, res.wards, "access_2sfca", "Spatial accessibility of the wellness centres (2SFCA)",
    "Centres per 100,000 adults within reach", centres=res.centres,
)  # fmt: skip
show(
    fig, alt=alt,
    caption=f"Two-step floating catchment, {wellness.DEFAULT_CATCHMENT_M / 1000:g} km straight-line catchment, equal capacities.",
)  # fmt: skip
if res.decay is not None:
    fig, alt = wellness.decay_chart(res.decay, res.decay_points)
    show(
        fig,
        alt=alt,
        caption=wellness.DECAY_CAPTION,
    )
    table("decay")
else:
    display(Markdown("Too few wards have referrals in this selection to fit a distance decay."))

# %% [markdown] tags=["executive"]
# ## Where need is high but uptake is low

# %% tags=["executive"]
flagged = res.need.loc[res.need["high_need_low_uptake"], "ward_code"]
fig, alt = wellness.choropleth(
    res.ward_shapes, res.need, "need_score", "Need (deprivation and mortality) and low uptake",
    "Need score (mean z-score)", centres=res.centres, highlight=flagged, cmap="OrRd",
)  # fmt: skip
show(fig, alt=alt, caption="Hatched outline: high-need wards with uptake below the city rate.")

# %% [markdown] tags=["executive"]
# ## Going further: where would a seventh centre reach most people?

# %% tags=["executive"]
fig, alt = wellness.coverage_map(res.coverage, res.ward_shapes, res.centres)
show(
    fig,
    alt=alt,
    caption="Maximal covering model; straight-line distances; see the methods for assumptions.",
)
table("coverage")

# %% [markdown] tags=["operational"]
# ## Methods and assumptions

# %% tags=["operational"]
display(Markdown(wellness.methods_notes(res)))

# %% [markdown] tags=["operational"]
# ## Detailed tables

# %% tags=["operational"]
for name in ("by_age", "by_sex", "by_quintile", "by_centre", "wards", "need"):
    table(name)
