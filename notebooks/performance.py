# %% tags=["parameters"]
period: str = "latest"  # financial-year quarter of the meeting, YYYYQn (e.g. 2009Q3), or "latest"
max_red_flags: int = 5  # the Board sees at most this many red flags (0 or more)
theme: str = "all"  # one of: all, prosperous, healthy, safe, learning, attractive, inclusive, sustainability, housing, culture

# %%
from lsp_research import performance
from lsp_research.performance import report
from lsp_research.reporting import record
from lsp_research.reporting.publish import red_flag_record

params = performance.validate_params(period, max_red_flags=max_red_flags, theme=theme)
inputs = performance.load_inputs(params)
run = performance.analyse(params, inputs)
record(**red_flag_record(run.meeting.red_flags))  # this quarter's red flags lead the period's index

# %% [markdown] tags=["board"]
# # Partnership performance report

# %% [markdown] tags=["board"]
# ## Red flags for the Board
#
# The issues that may need one or more partners to change direction, most serious first: for each,
# what the latest figures show, one chart and the decision the Board is asked to take.

# %% tags=["board"]
report.show_red_flags(run)

# %% [markdown] tags=["board"]
# ## This quarter in brief

# %% tags=["board"]
report.show_headline(run)

# %% [markdown] tags=["board"]
# ## Everything else at a glance
#
# Every indicator by what its figures are doing (rows) and whether it will meet its target if nothing
# changes (columns). The words beside each icon say the same as its colour.

# %% tags=["board"]
report.show_summary_matrix(run, board=True)

# %% tags=["executive"]
report.show_summary_matrix(run)

# %% tags=["executive"]
report.show_icon_summary(run)

# %% [markdown] tags=["board"]
# ## What came of the Board's earlier decisions
#
# Every red flag the Board saw at an earlier meeting: what it decided, who leads, when it reviews it,
# and how the indicator has moved since.

# %% tags=["board"]
report.show_board_followup(run)

# %% [markdown] tags=["board"]
# ## What the words mean

# %% tags=["board"]
report.show_glossary(run)

# %% [markdown] tags=["executive"]
# ## Exceptions this quarter and what the management group decided
#
# Every exception raised by the thematic partnerships' returns, with the filter's decision and its
# reason: routed back to the owner as a data problem, handled at executive level, or escalated.

# %% tags=["executive"]
report.show_exceptions(run)

# %% [markdown] tags=["executive"]
# ## Charts of this quarter's exceptions
#
# The chart of every exception that is not a red flag (a red flag's chart is above), each with the
# data it plots.

# %% tags=["executive"]
report.show_exception_charts(run)

# %% [markdown] tags=["executive"]
# ## Escalation log, financial year to date

# %% tags=["executive"]
report.show_escalation_log(run)

# %% [markdown] tags=["executive"]
# ## Data quality: routed-back items and corrections
#
# What was sent back to owners at earlier meetings and where it stands now, and every return that a
# partner corrected by resubmitting it (the latest submission is used).

# %% tags=["executive"]
report.show_routed_back(run)

# %% tags=["executive"]
report.show_corrections(run)

# %% [markdown] tags=["executive"]
# ## How the filter decides

# %% tags=["executive"]
report.show_rules(run)

# %% [markdown] tags=["operational"]
# ## Every indicator, by thematic partnership
#
# For each partnership: every indicator it owns, with its SPC chart, target, comparators and
# data-quality notes.

# %% tags=["operational"]
report.show_operational(run)
