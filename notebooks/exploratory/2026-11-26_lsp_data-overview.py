# %% [markdown]
# # Data overview (exploratory)
#
# Scratch notebook: what is in the evidence base, how fresh each source is, and a first look at the
# quarterly indicator returns. Nothing here is published.

# %% tags=["parameters"]
period: str = "latest"  # financial-year quarter YYYYQn, or "latest"

# %%
import pandas as pd

from lsp_research import data, periods
from lsp_research.plots import figure, show

quarter = periods.resolve(period, data.load("indicator_returns")["period"])
print(f"Period: {quarter.label}; synthetic data: {data.is_synthetic()}")

# %%
rows = {name: len(data.load(name)) for name in data.tables()}
pd.Series(rows, name="rows").to_frame()

# %%
data.status(as_of=quarter.end)

# %%
returns = data.load("indicator_returns")
returns.groupby("indicator_code")["period"].agg(["min", "max", "count"])

# %%
admissions = data.load("admissions", columns=["financial_year", "ward_code"])
per_year = admissions.groupby("financial_year").size()
fig, ax = figure("Admission episodes in the extract by financial year", "Financial year (starting)", "Episodes (count)")
ax.plot(per_year.index, per_year.to_numpy(), marker="o")
show(fig, alt=f"Line chart of admission episodes per year, from {per_year.iloc[0]:,} to {per_year.iloc[-1]:,}.")
