"""What the performance notebook shows, tier by tier, from one :class:`~.pipeline.PerformanceRun`.

Each ``show_*`` function displays HTML in the notebook (charts through :func:`lsp_research.plots.show`,
tables through :func:`lsp_research.tables.show_table`) and returns it, so the notebook stays a list of
calls. Board content is a subset of executive content, which is a subset of operational content, and all
of it comes from the same run.

- board: :func:`show_headline`, :func:`show_red_flags`, :func:`show_summary_matrix` (``board=True``),
  :func:`show_board_followup`, :func:`show_glossary`
- executive: :func:`show_summary_matrix`, :func:`show_icon_summary`, :func:`show_exceptions`,
  :func:`show_exception_charts`, :func:`show_escalation_log`, :func:`show_routed_back`,
  :func:`show_corrections`, :func:`show_rules`

The Board's page is written to print on two A4 pages and to read without statistical training: each
red flag is one sentence, its coloured variation and assurance icons (:mod:`lsp_research.plots.icons`,
always with their words), one chart and the decision asked; a glossary says what the words mean. Every
evidence chart and exception chart sits in a ``<div id="chart-<code>-<area>">`` with a CSV of what it
plots, so the executive's exceptions table links each exception to its chart and its data.
- operational: :func:`show_operational` (every indicator of every thematic partnership)

>>> icon_status("off track"), icon_variation("special_cause_concern", "decrease")
('✖ off track', '▲ concern')
"""

from __future__ import annotations

import html as _html

import pandas as pd

from .. import config
from ..formatting import estimate, number
from ..plots import icons, show
from ..tables import data_file, show_table
from .anomalies import rules_table
from .assessment import icon_status, icon_variation, target_rule  # noqa: F401 (re-exported)
from .charts import indicator_chart
from .escalation import LAYERS

LAYER_WORDS = {
    "owner": "routed back to owner",
    "executive": "handled at executive",
    "board": "escalated to the Board",
}


def _display(html: str, display: bool) -> str:
    if display:
        from IPython.display import HTML
        from IPython.display import display as _show

        _show(HTML(html))
    return html


def _p(text: str, cls: str | None = None) -> str:
    c = f' class="{cls}"' if cls else ""
    return f"<p{c}>{_html.escape(text)}</p>"


def _value_text(r: pd.Series) -> str:
    if not r["received"]:
        return "no return"
    if not r["judged"]:
        return f"{number(r['value'], r['decimals'])} as returned, queried with the owner ({r['period_flags'].replace('_', ' ')})"
    return estimate(r["value"], r["lowercl"], r["uppercl"], r["decimals"])


def _target_text(r: pd.Series) -> str:
    if pd.isna(r["target"]):
        return "none"
    src = r["target_source"]
    return number(r["target"], r["decimals"]) + (" (synthetic)" if "synthetic" in src else "")


def show_headline(run, display: bool = True) -> str:
    """The quarter, what was assessed, and where this meeting's issues stopped (board tier).

    Plain words only: the synthetic-data notice is the page's banner (once per page) and the target
    rule is in the glossary (:func:`show_glossary`), neither is repeated here.
    """
    m = run.meeting
    a = m.assessment
    counts = m.escalation.layer_counts()
    n_ind = a.table["indicator_code"].nunique()
    n_series = len(a.table)
    areas = "" if n_series == n_ind else f" ({n_series} indicator and area pairs)"
    parts = [
        f"<p><strong>{_html.escape(a.period.label)}</strong> ({a.period}): {n_ind} indicators"
        f"{areas} assessed across {a.table['partnership'].nunique()} thematic partnerships.</p>",
        _p(
            f"This quarter {sum(counts.values())} issues were raised: {counts['owner']} sent back to "
            f"their owners as likely data problems, {counts['executive']} dealt with by the management "
            f"group, and {counts['board']} brought to the Board as red flags (at most "
            f"{m.escalation.max_red_flags})."
        ),
    ]
    if any("synthetic" in s for s in a.table["target_source"]):
        parts.append(
            _p(
                f"Targets marked synthetic are illustrative: {config.LAD_NAME}'s own LAA targets were "
                "not recovered."
            )
        )
    return _display("\n".join(parts), display)


#: What each red-flag criterion means, in plain words (the Board's page).
CRITERION_WORDS = {
    "sustained concern": "it has kept getting worse, beyond its normal ups and downs",
    "consistent failure to reach target": "it keeps missing its target",
}


def _criterion_words(criterion: str) -> str:
    return " and ".join(
        CRITERION_WORDS.get(c.strip(), c.strip()) for c in str(criterion).split(" and ")
    )


def chart_id(code: str, area: str) -> str:
    """The anchor of the chart of one indicator and area on a page.

    >>> chart_id("NI39", "E08999901")
    'chart-ni39-e08999901'
    """
    return "chart-" + "-".join(
        "".join(ch for ch in str(x).lower() if ch.isalnum()) for x in (code, area)
    )


def series_frame(assessment, code: str, area: str) -> pd.DataFrame:
    """What the chart of one indicator and area plots, as a table (its CSV beside the page).

    Quarters sent back to the owner are listed without a value, as the chart shows them.
    """
    s = assessment.series[(code, area)]
    ok = ~s["excluded"].astype(bool)
    dec = int(assessment.table.loc[assessment.table["indicator_code"] == code, "decimals"].iloc[0])

    def col(name):
        return s[name].where(ok).round(dec + 1 if name in ("mean", "lpl", "upl") else dec)

    return pd.DataFrame(
        {
            "Quarter": s["period"].astype(str).to_numpy(),
            "Value": col("value").to_numpy(),
            "Lower limit of expected range": col("lpl").to_numpy(),
            "Average": col("mean").to_numpy(),
            "Upper limit of expected range": col("upl").to_numpy(),
            "Target": s["target"].to_numpy(),
            "Point": s["point_type"]
            .where(ok, "sent back to owner")
            .str.replace("_", " ")
            .to_numpy(),
        }
    )


def _series_file(assessment, code: str, area: str) -> tuple[str, str]:
    ind = assessment.registry[code]
    return data_file(
        series_frame(assessment, code, area), f"{ind.label} {area} by quarter", formats={}
    )


def _chart_block(assessment, code: str, area: str, caption: str, display: bool, size=None,
                 with_alt: bool = True) -> str:  # fmt: skip
    """One chart with its anchor and the CSV of what it plots (the caption repeats the alt text
    unless ``with_alt`` is False: the Board's short caption).
    """
    kw = {"size": size} if size else {}
    fig, alt = indicator_chart(assessment, code, area, **kw)
    figure = show(fig, alt=alt, caption=f"{caption} {alt}" if with_alt else caption, display=False)
    _, carrier = _series_file(assessment, code, area)
    html = f'<div class="lsp-figure" id="{chart_id(code, area)}">{figure}{carrier}</div>'
    return _display(html, display)


#: The size (inches) of a red flag's chart: narrow enough to sit beside its words on an A4 page with
#: its lettering still legible there.
BOARD_CHART_SIZE = (5.4, 2.9)


def show_red_flags(run, display: bool = True) -> str:
    """Each red flag: owner, why, one evidence chart, and the decision the Board is asked to take."""
    m = run.meeting
    red = m.red_flags
    if red.empty:
        return _display(
            _p(
                "No red flags this quarter: no indicator shows a sustained concern or a consistent "
                "failure to reach target that the management group could not handle."
            ),
            display,
        )
    out = []
    for r in red.itertuples(index=False):
        row = m.assessment.row(r.indicator_code, r.area_code)
        rec = m.assessment.record(r.indicator_code, r.area_code)
        sentence = (
            f"{r.title} is here because {_criterion_words(r.criterion)}: latest {_value_text(row)} "
            f"{row['unit']} in {row['period']} against a target of {_target_text(row)} "
            f"({rec.status_text}); owner {r.owner} (lead: {r.lead})."
        )
        text = [_p(sentence)]
        flag_icons = (
            '<p class="lsp-flag-icons">'
            + icons.variation_icon(rec.variation, rec.improvement)
            + " "
            + icons.assurance_icon(rec.assurance)
            + "</p>"
        )
        earlier = _earlier_decision(run, r.indicator_code, r.area_code)
        if earlier:
            text.append(f'<p class="lsp-earlier-decision">Earlier: {earlier}</p>')
        chart = _chart_block(
            m.assessment, r.indicator_code, r.area_code,
            f"{r.label} by quarter, with its expected range and target.",
            False, size=BOARD_CHART_SIZE, with_alt=False,
        )  # fmt: skip
        # one block a flag: on paper its words beside its chart, so five flags fit the two pages
        out.append(
            _display(
                f'<div class="lsp-flag"><h3>Red flag {r.rank}: {_html.escape(r.label)} '
                f'{_html.escape(r.title)}</h3>{flag_icons}<div class="lsp-flag-text">{"".join(text)}</div>'
                f'{chart}<p class="lsp-decision"><strong>Decision for the Board:</strong> '
                f"{_html.escape(r.question)}</p></div>",
                display,
            )
        )
    return "\n".join(out)


def _followup_row(run, code: str, area: str) -> pd.Series | None:
    f = getattr(run, "followup", None)
    if f is None or f.board.empty:
        return None
    sel = f.board[(f.board["indicator_code"] == code) & (f.board["area_code"] == area)]
    return sel.iloc[0] if len(sel) else None


def _escalated(r: pd.Series) -> str:
    """'3 of the last 5 meetings' (this one included) from a row of the Board follow-up."""
    n, m = int(r["escalated"]), int(r["meetings_seen"])
    if n == 0:
        return f"none of the last {m} meetings"
    return f"{n} of the last {m} meetings"


#: The anchor of the table of the Board's earlier decisions (:func:`show_board_followup`).
FOLLOWUP_ID = "board-decisions"


def _earlier_decision(run, code: str, area: str) -> str:
    """The Board's earlier decision on a red flag and what happened since, as HTML: how often it was
    escalated, when the Board decided and what came of it; the decision's words are in the table of
    earlier decisions, which it cross-references (its number is filled in when the page is made).
    """
    r = _followup_row(run, code, area)
    if r is None:
        return ""
    times = f"Escalated at {_escalated(r)}."
    if r["decided_in"] is None:
        return _html.escape(f"{times} No Board decision on it has been recorded yet.")
    xref = f'<a class="lsp-xref" href="#{FOLLOWUP_ID}">the table of earlier decisions</a>'
    return (
        _html.escape(f"{times} Board decision in {r['decided_in']} (lead: {r['lead_partner']}; ")
        + f"its words in {xref}). "
        + _html.escape(f"Action: {r['action']}. Movement {r['movement']}.")
    )


def board_followup_frame(run) -> pd.DataFrame:
    """Every indicator the Board saw before: escalations, decision, action and movement since."""
    f = getattr(run, "followup", None)
    if f is None or f.board.empty:
        return pd.DataFrame()
    b = f.board
    return pd.DataFrame(
        {
            "Indicator": b["label"] + " " + b["title"],
            "Escalated": [_escalated(r) for _, r in b.iterrows()],
            "Red flag now": b["red_flag_now"].map({True: "yes", False: "no"}),
            "Board decision": [
                d if q is None else f"{q}: {d}"
                for q, d in zip(b["decided_in"], b["decision"], strict=True)
            ],
            "Lead partner": b["lead_partner"].fillna("none"),
            "Action": b["action"],
            "Movement": b["movement"],
        }
    )


def show_board_followup(run, display: bool = True) -> str:
    """What came of the Board's earlier decisions on red flags (board tier)."""
    df = board_followup_frame(run)
    if df.empty:
        return _display(_p("No red flag reached the Board at the earlier meetings."), display)
    table = show_table(
        df,
        caption=f"Red flags the Board saw before {run.meeting.period.label}: decisions and since",
        display=False,
        notes=[
            "Decisions from the Board's record (data/raw/board/decisions.csv); movement from the value "
            "at the decision's meeting (or at the first escalation) to this quarter: ↑/↓ is the way the "
            "value moved, better or worse by the indicator's polarity."
        ],
    )
    return _display(f'<div id="{FOLLOWUP_ID}">{table}</div>', display)


def show_routed_back(run, display: bool = True) -> str:
    """Items routed back to owners at earlier meetings, and their status now (executive tier)."""
    f = getattr(run, "followup", None)
    if f is None or f.routed_back.empty:
        return _display(_p("Nothing was routed back to owners at the earlier meetings."), display)
    t = f.routed_back
    df = pd.DataFrame(
        {
            "Meeting": t["raised_in"],
            "Indicator": t["label"],
            "Quarter concerned": t["period"],
            "Signal": t["signal"].str.replace("_", " "),
            "Owner": t["owner"],
            "Status": t["status"],
            "Note": t["note"],
        }
    )
    return show_table(
        df,
        caption="Routed back at earlier meetings: status now",
        display=display,
        notes=[
            "open: nothing resubmitted since the meeting; resubmitted: a new figure came in but the "
            "rule still raises it; resolved: a new figure came in and the rule no longer raises it."
        ],
    )


def show_corrections(run, display: bool = True) -> str:
    """The corrections log: returns replaced by a later submission (executive, data quality)."""
    f = getattr(run, "followup", None)
    c = f.corrections if f is not None else pd.DataFrame()
    if c is None or c.empty:
        return _display(
            _p("No return has been corrected: every figure is as first submitted."), display
        )
    df = pd.DataFrame(
        {
            "Indicator": c["indicator_code"],
            "Quarter": c["period"],
            "Old value": c["old_value"].map(number),
            "New value": c["new_value"].map(number),
            "First submitted": pd.to_datetime(c["old_submitted_on"]).dt.date.astype(str),
            "Corrected": pd.to_datetime(c["submitted_on"]).dt.date.astype(str),
            "By": c["submitted_by"].fillna(""),
            "From file": c["file"] + " row " + c["row"].astype(str),
        }
    )
    return show_table(
        df,
        caption="Corrections log: returns replaced by a later submission",
        display=display,
        notes=["The latest submission of a return is used; the value it replaced is kept here."],
    )


def _latest_text(r: pd.Series) -> str:
    if not r["received"]:
        return "no return"
    if not r["judged"]:
        return "queried with the owner"
    if r["definition_settling"]:
        return f"{number(r['value'], r['decimals'])} (new definition)"
    return number(r["value"], r["decimals"])


def summary_frame(run, exclude_red_flags: bool = True) -> pd.DataFrame:
    """One line per indicator: value, target, status, SPC and travel as icons with words."""
    m = run.meeting
    a = m.assessment
    red = set(zip(m.red_flags["indicator_code"], m.red_flags["area_code"], strict=True))
    rows = []
    for _, r in a.table.iterrows():
        if exclude_red_flags and (r["indicator_code"], r["area_code"]) in red:
            continue
        rec = a.record(r["indicator_code"], r["area_code"])
        rows.append(
            {
                "Indicator": f"{r['label']} {r['title']}",
                "Partnership": r["partnership"],
                "Latest": _latest_text(r),
                "Target": _target_text(r),
                "Against target": rec.status_text,
                "SPC": rec.variation_text if r["judged"] else "– not judged",
                "On a year ago": rec.direction_text,
                "_tone": rec.direction_tone,
                "_code": r["indicator_code"],
                "_area": r["area_code"],
            }
        )
    return pd.DataFrame(rows, columns=None if rows else ["_tone", "_code", "_area"])


def row_id(code: str, area: str) -> str:
    """The anchor of an indicator's row in the "everything else at a glance" table."""
    return "row" + chart_id(code, area)[len("chart") :]


def show_icon_summary(run, display: bool = True) -> str:
    """Every indicator that is not a red flag, one line each, each row an anchor (executive tier)."""
    df = summary_frame(run)
    if df.empty:
        return _display(_p("Every indicator is a red flag this quarter."), display)
    tone = {"On a year ago": df.pop("_tone").tolist()}
    ids = [row_id(c, a) for c, a in zip(df.pop("_code"), df.pop("_area"), strict=True)]
    return show_table(
        df,
        caption=f"Everything else at a glance, {run.meeting.period.label}",
        display=display,
        tone=tone,
        row_ids=ids,
        notes=[
            "✔ on track, ⚠ at risk, ✖ off track against target; SPC ● common cause, ▲/▼ special cause "
            "(direction of the change); 'on a year ago' compares with the same quarter last year: the "
            "arrow shows which way the value moved (↑ a rise), the word whether that is better or worse."
        ],
    )


def matrix_frame(run) -> pd.DataFrame:
    """Each indicator's variation and assurance icon keys (one row per indicator and area).

    Columns ``indicator_code``, ``area_code``, ``label``, ``variation``, ``assurance``, ``red_flag``.
    Indicators not judged this quarter (no return, queried) are ``none`` on both.
    """
    m = run.meeting
    a = m.assessment
    red = set(zip(m.red_flags["indicator_code"], m.red_flags["area_code"], strict=True))
    rows = []
    for _, r in a.table.iterrows():
        rec = a.record(r["indicator_code"], r["area_code"])
        judged = bool(r["judged"])
        rows.append(
            {
                "indicator_code": r["indicator_code"],
                "area_code": r["area_code"],
                "label": r["label"],
                "variation": icons.variation_key(
                    rec.variation if judged else None, rec.improvement
                ),
                "assurance": icons.assurance_key(rec.assurance if judged else None),
                "red_flag": (r["indicator_code"], r["area_code"]) in red,
            }
        )
    return pd.DataFrame(rows)


def show_summary_matrix(run, board: bool = False, display: bool = True) -> str:
    """The variation-by-assurance matrix (NHS Making Data Count): icons as rows and columns, the number
    of indicators in each cell and the indicators named.

    ``board=True`` is the Board's copy (names, no links; shown on the Board page only, by the class
    ``lsp-board-only``); otherwise each name links to the indicator's row of the at-a-glance table, or
    to its evidence chart for a red flag.
    """
    f = matrix_frame(run)
    if f.empty:
        return _display(_p("No indicator was assessed this quarter."), display)
    v_keys = [k for k in icons.VARIATION_ORDER if k in set(f["variation"])]
    a_keys = list(icons.ASSURANCE_ORDER)
    head = "".join(f'<th scope="col">{icons.icon_html("assurance", k)}</th>' for k in a_keys)
    body, csv_rows = [], []
    for v in v_keys:
        cells, csv_row = [], {"Variation": icons.VARIATION[v].words}
        for k in a_keys:
            sel = f[(f["variation"] == v) & (f["assurance"] == k)]
            names = []
            for r in sel.itertuples(index=False):
                text = _html.escape(r.label) + (" (red flag)" if r.red_flag else "")
                if not board:
                    href = (chart_id if r.red_flag else row_id)(r.indicator_code, r.area_code)
                    text = f'<a href="#{href}">{text}</a>'
                names.append(f"<li>{text}</li>")
            cells.append(
                f'<td class="num">{len(sel)}<ul>{"".join(names)}</ul></td>'
                if len(sel)
                else "<td>0</td>"
            )
            csv_row[icons.ASSURANCE[k].words] = "; ".join(sel["label"]) if len(sel) else ""
        body.append(
            f'<tr><th scope="row">{icons.icon_html("variation", v)}</th>{"".join(cells)}</tr>'
        )
        csv_rows.append(csv_row)
    caption = (
        f"Every indicator by its variation (rows) and assurance (columns), {run.meeting.period.label}: "
        "the number of indicators in each"
    )
    _, carrier = data_file(pd.DataFrame(csv_rows), caption)
    html = (
        f'<div class="lsp-table lsp-matrix{" lsp-board-only" if board else ""}">'
        f'<div class="lsp-table-scroll"><table><caption>{_html.escape(caption)}</caption>'
        f'<thead><tr><th scope="col">Variation</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{carrier}</div>"
    )
    return _display(html, display)


def show_glossary(run, display: bool = True) -> str:
    """A short plain-English glossary of the words and icons on the Board's page."""
    s = run.registry.settings
    terms = [
        ("Red flag", "an issue the management group could not resolve and that may need one or more "
         "partners to change direction; the Board is asked to decide what happens next."),
        ("Expected range (process limits)", "the band a figure stays within quarter to quarter "
         "when nothing has changed; the charts draw its edges, which analysts call process limits, as "
         "dashed lines. A value outside it, or a run of values on one side of the average, is a real "
         "change rather than chance."),
        ("Variation icons", "what the latest figures are doing: "
         + "; ".join(f"{w.words}" for k, w in icons.VARIATION.items() if k != "none")
         + ". Orange is worse, blue is better, purple is a change that is neither, grey is no change."),
        ("Assurance icons", "whether the target will be met if nothing changes: "
         + "; ".join(w.words for k, w in icons.ASSURANCE.items() if k != "none")
         + " (the target is outside the expected range, or inside it)."),
        ("On track, at risk, off track", target_rule(s)),
        ("Sent back to the owner", "a figure that looks like a data problem (late, missing, "
         "implausible or just redefined) goes back to the partner who supplied it to check, and does "
         "not reach the Board."),
    ]  # fmt: skip
    items = "".join(f"<dt>{_html.escape(t)}</dt><dd>{_html.escape(d)}</dd>" for t, d in terms)
    return _display(f'<dl class="lsp-glossary">{items}</dl>', display)


def exceptions_frame(log: pd.DataFrame, with_meeting: bool = False) -> pd.DataFrame:
    """An escalation log as a readable table."""
    cols = {
        "raised_in": "Meeting",
        "label": "Indicator",
        "period": "Quarter concerned",
        "signal": "Signal",
        "reason": "Reason",
        "layer": "Stopped at",
        "decision": "Decision",
    }
    df = log.rename(columns=cols)
    df["Signal"] = df["Signal"].str.replace("_", " ")
    df["Stopped at"] = df["Stopped at"].map(lambda x: x)
    keep = [c for c in cols.values() if with_meeting or c != "Meeting"]
    return df[keep].reset_index(drop=True)


def show_exceptions(run, display: bool = True) -> str:
    """Every exception raised this quarter and what the filter decided, with reasons (executive)."""
    log = run.meeting.log
    if log.empty:
        return _display(_p("No exceptions were raised this quarter."), display)
    a = run.meeting.assessment
    frame = exceptions_frame(log)
    frame["Data"] = "CSV"
    pairs = list(zip(log["indicator_code"], log["area_code"], strict=True))
    return show_table(
        frame,
        caption=f"Exceptions raised at the {run.meeting.period.label} meeting and where each stopped",
        display=display,
        links={
            "Indicator": ["#" + chart_id(c, ar) for c, ar in pairs],
            "Data": [_series_file(a, c, ar)[0] for c, ar in pairs],
        },
        notes=[
            "Stopped at: owner = routed back to the owner as a data problem (never escalated); "
            "executive = handled by the management group; board = escalated as a red flag. "
            "Each indicator links to its chart on this page; Data links to the CSV of what the chart "
            "plots."
        ],
    )


def show_exception_charts(run, display: bool = True) -> str:
    """The chart of every exception this quarter that is not a red flag (a red flag's evidence chart
    is already on the page), each with its anchor and its data (executive tier).
    """
    m = run.meeting
    red = set(zip(m.red_flags["indicator_code"], m.red_flags["area_code"], strict=True))
    pairs = dict.fromkeys(zip(m.log["indicator_code"], m.log["area_code"], strict=True))
    out = []
    for code, area in pairs:
        if (code, area) in red:
            continue
        ind = run.registry[code]
        out.append(
            _chart_block(
                m.assessment, code, area,
                f"Exception: {ind.label} {ind.title} quarter by quarter.", display,
            )
        )  # fmt: skip
    if not out:
        return _display(_p("Every exception this quarter is a red flag, charted above."), display)
    return "\n".join(out)


def show_escalation_log(run, display: bool = True) -> str:
    """The escalation log of every meeting of the financial year to date (executive tier)."""
    log = run.year_log
    if log.empty:
        return _display(_p("No exceptions in the financial year to date."), display)
    counts = log["layer"].value_counts()
    text = _p(
        "Financial year to date: "
        + ", ".join(f"{int(counts.get(layer, 0))} {LAYER_WORDS[layer]}" for layer in LAYERS)
        + "."
    )
    frame = exceptions_frame(log, with_meeting=True).drop(columns=["Reason"])
    if "follow_up" in log.columns:
        frame["Follow-up"] = log["follow_up"].to_numpy()
    table = show_table(
        frame,
        caption=f"Escalation log, {run.meeting.period.fy} to {run.meeting.period.label}",
        display=False,
        notes=[
            "Follow-up: 'repeat' counts the meetings running at which it was escalated; an open action "
            "is a Board decision whose review is still to come; routed-back items show their status now."
        ],
    )
    return _display(text + table, display)


def show_rules(run, display: bool = True) -> str:
    """The filter's rules, the target rule and the red-flag criteria, in force this quarter."""
    s = run.registry.settings
    rules = rules_table(s).rename(
        columns={"rule": "Rule", "meaning": "Meaning", "threshold": "Threshold"}
    )
    text = "\n".join(
        [
            _p(target_rule(s)),
            _p(
                "A genuine exception (one the filter did not route back) becomes a red-flag candidate "
                f"when it is a sustained concern (the latest {s.sustained_points} SPC points are all "
                "special causes of concern) or a consistent failure to reach target (off track "
                f"{s.off_track_quarters} quarters running, or the target outside the expected range, its process limits) "
                "and the indicator is not already improving. Candidates are ranked by severity and the "
                f"Board sees at most {run.meeting.escalation.max_red_flags}."
            ),
        ]
    )
    table = show_table(
        rules, caption="The management group's filter: rules and thresholds", display=False
    )
    return _display(text + table, display)


def _comparator_text(a, r: pd.Series) -> str:
    c = a.comparisons
    c = c[(c["indicator_code"] == r["indicator_code"]) & (c["area_code"] == r["area_code"])]
    if c.empty:
        return "none"
    return "; ".join(
        f"{x.comparator}: {x.result}"
        + (
            f" ({number(x.comparator_value, r['decimals'])})"
            if pd.notna(x.comparator_value)
            else ""
        )
        for x in c.itertuples(index=False)
    )


def show_partnership(run, partnership: str, display: bool = True) -> str:
    """Every indicator of one thematic partnership: table, chart, comparators, data-quality notes."""
    a = run.meeting.assessment
    t = a.table[a.table["partnership"] == partnership]
    out = [_display(f"<h2>{_html.escape(partnership)} partnership</h2>", display)]
    for _, r in t.iterrows():
        ind = run.registry[r["indicator_code"]]
        rec = a.record(r["indicator_code"], r["area_code"])
        comp_text = _comparator_text(a, r)
        facts = pd.DataFrame(
            {
                "Measure": [
                    "Value (95% interval)",
                    "Target",
                    "Against target",
                    "Comparators",
                    "SPC variation",
                    "SPC assurance",
                    "On the same quarter last year",
                    "Owner and lead",
                ],
                "Result": [
                    f"{_value_text(r)} {r['unit']}",
                    f"{_target_text(r)} ({r['target_source'] or 'no target'})",
                    rec.status_text,
                    comp_text,
                    rec.variation_text,
                    rec.assurance_text,
                    rec.direction_text,
                    f"{ind.owner}; {ind.lead}",
                ],
            }
        )
        head = f"<h3>{_html.escape(ind.label)} {_html.escape(ind.title)}</h3>"
        notes = [f"Interval: {r['interval_note']}.", f"Source: {ind.source}."]
        if ind.definition:
            notes.append(f"Definition: {ind.definition}")
        out.append(_display(head, display))
        out.append(
            show_table(
                facts,
                caption=f"{ind.label} in {a.period.label}",
                display=display,
                notes=notes,
                tone={
                    "Result": [rec.direction_tone if i == 6 else None for i in range(len(facts))]
                },
            )
        )
        fig, alt = indicator_chart(a, ind.code, r["area_code"])
        out.append(show(fig, alt=alt, caption=alt, display=display))
        dq = list(r["dq_notes"])
        dq_html = (
            "<p><strong>Data-quality notes:</strong></p><ul>"
            + "".join(f"<li>{_html.escape(x)}</li>" for x in dq)
            + "</ul>"
            if dq
            else _p("Data-quality notes: none; every return on time and within the rules.")
        )
        out.append(_display(dq_html, display))
    return "\n".join(out)


def show_operational(run, display: bool = True) -> str:
    """Every thematic partnership in registry order (operational tier)."""
    parts = [
        show_partnership(run, p, display)
        for p in run.meeting.assessment.table["partnership"].unique()
    ]
    if run.meeting.assessment.unregistered:
        parts.append(
            _display(
                _p(
                    "Returns were received for indicators not in the registry and were not assessed: "
                    + ", ".join(run.meeting.assessment.unregistered)
                    + ". Add them to indicators.yml to include them."
                ),
                display,
            )
        )
    return "\n".join(parts)
