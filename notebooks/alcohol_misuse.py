# %% tags=["parameters"]
period: str = "latest"  # period end: the last financial-year quarter analysed, YYYYQn (e.g. 2009Q4), or "latest"
years_pooled: int = 3  # 1-5: years pooled for the area ratios and the gradient; one of: 1, 2, 3, 4, 5
measure: str = "broad"  # one of: specific, narrow, broad
standard_population: str = "esp2013"  # one of: esp2013, esp1976
geography: str = "ward"  # one of: ward, area_committee

# %%
from IPython.display import Markdown, display

from lsp_research.plots import show
from lsp_research.tables import show_table
from lsp_research.topics import alcohol

params = alcohol.validate_params(period, years_pooled, measure, standard_population, geography)
inputs = alcohol.load_inputs(params)
res = alcohol.analyse(params, inputs)

# %% tags=["executive"]
display(
    Markdown(
        f"# Alcohol misuse across health and police data\n\n"
        f"**{res.window_label}** | {res.measure_label} | {res.standard_label} | by {res.area_label}\n\n"
        "For the joint champions: the Director of Public Health and the Police Chief Superintendent."
    )
)
display(
    Markdown(
        "> The partially attributable fractions used to weight admissions are SIMPLIFIED/ILLUSTRATIVE, "
        "not the published ones (see the methods notes)."
    )
)

# %% [markdown] tags=["executive"]
# ## Key findings

# %% tags=["executive"]
display(Markdown("\n".join(f"- {line}" for line in alcohol.text.findings(res))))

# %% [markdown] tags=["executive"]
# ## The city trend

# %% tags=["executive"]
fig, alt = alcohol.charts.trend(res)
show(fig, alt=alt, caption="Directly standardised by age and sex; bars show 95% intervals.")
if res.ni39 is not None:
    fig, alt = alcohol.charts.ni39(res)
    show(fig, alt=alt, caption="NI 39 definition: broad measure, European Standard Population 1976.")
    show_table(**alcohol.tables.ni39(res))

# %% tags=["operational"]
fig, alt = alcohol.charts.spc(res)
show(fig, alt=alt, caption="Quarterly rates are annualised. Making Data Count XmR rules.")
show_table(**alcohol.tables.trend(res, "financial_year"))
show_table(**alcohol.tables.trend(res, "period"))
if res.ni39 is not None:
    show_table(**alcohol.tables.ni39_reconciliation(res))

# %% [markdown] tags=["executive"]
# ## Where: admissions by area

# %% tags=["executive"]
fig, alt = alcohol.charts.area_map(res)
show(fig, alt=alt, caption="Schematic boundaries, British National Grid. Categories from 95% and 99.8% limits.")
fig, alt = alcohol.charts.funnel(res)
show(fig, alt=alt, caption="Exact Poisson limits around the city (= 100); no overdispersion adjustment.")

# %% tags=["operational"]
show_table(**alcohol.tables.ratios(res))
show_table(**alcohol.tables.conditions(res))

# %% [markdown] tags=["executive"]
# ## Deprivation

# %% tags=["executive"]
fig, alt = alcohol.charts.gradient(res)
show(fig, alt=alt, caption="Wards grouped into fifths by IMD 2007 score; 95% intervals.")

# %% tags=["operational"]
show_table(**alcohol.tables.gradient(res))

# %% [markdown] tags=["executive"]
# ## Police: alcohol-related incidents and the night-time economy

# %% tags=["executive"]
fig, alt = alcohol.charts.hot_spots(res)
show(fig, alt=alt, caption="Getis-Ord Gi* on grid-cell counts with permutation inference (fixed seed).")
fig, alt = alcohol.charts.day_hour(res)
show(fig, alt=alt, caption="Incidents flagged as alcohol-related, by day of the week and hour recorded.")

# %% tags=["operational"]
show_table(**alcohol.tables.incidents(res))
show_table(**alcohol.tables.hot_spot_wards(res))

# %% [markdown] tags=["executive"]
# ## Joint view for the champions

# %% tags=["executive"]
fig, alt = alcohol.charts.joint(res)
show(fig, alt=alt, caption="Ratios to the city (= 100); Pearson correlation with a Fisher-z interval.")
if res.joint["both_high"].any():
    show_table(**alcohol.tables.joint(res, both_only=True))

# %% tags=["operational"]
show_table(**alcohol.tables.joint(res))

# %% tags=["operational"]
display(Markdown(alcohol.text.methods_notes(res)))
