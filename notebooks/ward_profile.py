# %% tags=["parameters"]
area_code: str = "E05001158"  # a ward code (E05001153-E05001177), an area committee (Coalfield, East, North, Washington, West) or E08000024 for the city
period: str = "latest"  # last financial-year quarter of the profile, YYYYQn (e.g. 2009Q4), or "latest"
years: int = 3  # financial years pooled for ratios and life expectancy; one of: 1, 2, 3, 4, 5

# %%
from IPython.display import Markdown, display

from lsp_research.plots import show
from lsp_research.reporting import record
from lsp_research.tables import show_table
from lsp_research.topics import profiles

profile = profiles.build_profile(area_code, period, years)
record(**profile.headline())

# %% tags=["executive"]
display(Markdown(profiles.heading(profile)))

# %% tags=["executive"]
fig, alt = profiles.locator_map(profile)
show(fig, alt=alt, caption="Schematic ward boundaries, British National Grid.")
display(Markdown(profiles.summary_text(profile)))

# %% [markdown] tags=["executive"]
# ## Key indicators against Sunderland

# %% tags=["executive"]
fig, alt = profiles.spine(profile)
show(fig, alt=alt, caption=profiles.SPINE_CAPTION)
show_table(**profiles.spine_table(profile))

# %% [markdown] tags=["executive"]
# ## What changed since last year

# %% tags=["executive"]
display(Markdown(profiles.changes_text(profile)))
if len(profile.changes):
    show_table(**profiles.changes_table(profile))

# %% [markdown] tags=["executive"]
# ## People

# %% tags=["executive"]
fig, alt = profiles.pyramid_chart(profile)
show(fig, alt=alt, caption="Mid-year population estimate; bars: this area, dashed line: Sunderland.")

# %% tags=["operational"]
show_table(**profiles.pyramid_table(profile))

# %% [markdown] tags=["executive"]
# ## Alcohol and wellness

# %% tags=["executive"]
display(Markdown(profiles.topic_text(profile)))

# %% tags=["operational"]
show_table(**profiles.wards_table(profile))

# %% tags=["operational"]
display(Markdown(profiles.methods_notes(profile)))
