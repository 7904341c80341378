# %% tags=["parameters"]
area_code: str = "E05001158"  # a ward code, an area committee (its name) or the district code for the city
period: str = "latest"  # last financial-year quarter of the profile, YYYYQn (e.g. 2009Q4), or "latest"
years: int = 3  # financial years pooled for ratios and life expectancy; one of: 1, 2, 3, 4, 5

# %%
from IPython.display import Markdown, display

from lsp_research.plots import show
from lsp_research.reporting import record
from lsp_research.tables import show_table
from lsp_research.topics import profiles

params = profiles.validate_params(area_code, period, years)
inputs = profiles.load_inputs(params)
res = profiles.analyse(params, inputs)
record(**res.headline())

# %% tags=["executive"]
display(Markdown(profiles.text.heading(res)))

# %% tags=["executive"]
fig, alt = profiles.charts.locator_map(res)
show(fig, alt=alt, caption="Schematic ward boundaries, British National Grid.")
display(Markdown(profiles.text.summary_text(res)))
display(Markdown(profiles.text.places(res)))

# %% [markdown] tags=["executive"]
# ## Key indicators against {{ place }}

# %% tags=["executive"]
fig, alt = profiles.charts.spine(res)
show(fig, alt=alt, caption=profiles.text.spine_caption(res))
show_table(**profiles.tables.spine_table(res))

# %% [markdown] tags=["executive"]
# ## Compared with every other area

# %% tags=["executive"]
display(Markdown(profiles.text.compare_text(res)))
for fig, alt in profiles.charts.compare_charts(res):
    show(fig, alt=alt, caption=profiles.text.COMPARE_CAPTION)

# %% [markdown] tags=["executive"]
# ## Trends and what changed since last year

# %% tags=["executive"]
fig, alt = profiles.charts.trend_chart(res)
show(fig, alt=alt, caption=profiles.text.TREND_CAPTION)

# %% tags=["operational"]
show_table(**profiles.tables.trend_table(res))

# %% tags=["executive"]
display(Markdown(profiles.text.changes_text(res)))
if len(res.changes):
    show_table(**profiles.tables.changes_table(res))

# %% [markdown] tags=["executive"]
# ## People

# %% tags=["executive"]
fig, alt = profiles.charts.pyramid_chart(res)
show(fig, alt=alt, caption=profiles.text.PYRAMID_CAPTION)

# %% tags=["operational"]
show_table(**profiles.tables.pyramid_table(res))

# %% [markdown] tags=["executive"]
# ## Alcohol and wellness

# %% tags=["executive"]
display(Markdown(profiles.text.topic_text(res)))

# %% tags=["operational"]
show_table(**profiles.tables.wards_table(res))

# %% tags=["operational"]
display(Markdown(profiles.text.methods_notes(res)))
