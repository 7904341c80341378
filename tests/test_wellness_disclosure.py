"""Disclosure control in the wellness report on small-area data, tested as an attacker would test it.

The toy city of ``test_wellness`` with referrals thinned to about 3% (``data synth --scale 0.03``
gives the same shape): many ward counts are 1-5. Every count withheld in one table is withheld in every
table, map and chart; no rate, percentage or interval reveals a withheld count; no difference of
published totals (wards within a deprivation quintile, quintiles, the city) pins one.
"""

from __future__ import annotations

import math
from itertools import product

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_wellness import _toy_inputs, run

from lsp_research import disclosure
from lsp_research.tables import show_table
from lsp_research.topics.wellness import charts, tables
from lsp_research.topics.wellness.analysis import access

COUNTS = {"Referrals": "referrals", "Took up": "took_up", "Completed 12 weeks": "completed"}


@pytest.fixture(scope="module")
def small():
    toy = _toy_inputs(seed=3)
    r = toy["referrals"]
    keep = np.random.default_rng(11).random(len(r)) < 0.03
    return run("2009Q4", inputs=dict(toy, referrals=r[keep].reset_index(drop=True)), coverage=False)


def _protected(kw: dict) -> pd.DataFrame:
    """The table exactly as show_table publishes it (hidden cells hold '*')."""
    args = {k: kw[k] for k in ("percent", "dependent", "withhold") if k in kw}
    return disclosure.protect(kw["df"], kw.get("counts", []), rule="hes2008", **args)


def test_small_area_data_withholds_many_ward_cells(small):
    flags = small.ward_withheld
    assert int(flags[["referrals", "took_up", "completed"]].to_numpy().sum()) >= 20
    small_counts = small.wards[["referrals", "took_up", "completed"]].isin([1, 2, 3, 4, 5])
    # every count of 1-5 is withheld
    assert (
        flags[["referrals", "took_up", "completed"]].to_numpy() >= small_counts.to_numpy()
    ).all()


def test_every_rate_percentage_and_interval_of_a_withheld_count_is_withheld(small):
    for name in ("wards", "need", "by_quintile"):
        kw = getattr(tables, name)(small)
        out = _protected(kw)
        derived = {
            **kw.get("dependent", {}),
            **{k: list(v) for k, v in kw.get("percent", {}).items()},
        }
        for col in COUNTS:
            if col not in out.columns:
                continue
            hidden = out[col].astype(str) == "*"
            for dep, sources in derived.items():
                if col in sources:
                    assert (out.loc[hidden, dep].astype(str) == "*").all(), (name, col, dep)
        html = show_table(display=False, **kw)
        assert "Suppressed to protect confidentiality" in html or not (out == "*").any().any()


def test_the_same_cells_are_withheld_in_the_wards_and_need_tables(small):
    wards = _protected(tables.wards(small)).assign(ward=tables.wards(small)["df"]["Ward"])
    need = _protected(tables.need(small)).assign(ward=tables.need(small)["df"]["Ward"])
    w = set(wards.loc[wards["Took up"].astype(str) == "*", "ward"])
    n = set(need.loc[need["Took up"].astype(str) == "*", "ward"])
    assert w == n and w


def _bounds_from_rate(rate, pop):
    """The counts a published rate per 1,000 (2 decimals) allows: the attacker's inversion."""
    lo, hi = (rate - 0.005) * pop / 1000, (rate + 0.005) * pop / 1000
    return set(range(math.ceil(lo), math.floor(hi) + 1))


def test_no_withheld_count_is_pinned_by_rates_or_differences(small):
    kw = tables.wards(small)
    out = _protected(kw)
    df = kw["df"]
    quint = _protected(tables.by_quintile(small))
    city = small.city.iloc[0]
    for col, count in COUNTS.items():
        known = {}
        for i in range(len(out)):
            v = out[col].iloc[i]
            if str(v) != "*":
                known[i] = int(v)
                continue
            # a visible rate would pin the count; it must be withheld with it
            rate_col = {
                "Referrals": "Referrals per 1,000 adults",
                "Took up": "Uptake per 1,000 adults",
            }
            if col in rate_col:
                assert str(out[rate_col[col]].iloc[i]) == "*"
        hidden = [i for i in range(len(out)) if i not in known]
        # differencing the city total: the withheld cells' sum is known; one withheld cell alone would be pinned
        assert len(hidden) != 1, col
        # differencing each quintile's total over its wards
        q_of = df["IMD quintile (1 = most deprived)"].to_numpy()
        for qi, q in enumerate(quint["Deprivation quintile (1 = most deprived)"].astype(int)):
            rows = [i for i in hidden if q_of[i] == q]
            if str(quint[col].iloc[qi]) != "*":
                assert len(rows) != 1, (col, q)
        total = int(city[count])
        if len(hidden) >= 2:
            rest = total - sum(known.values())
            # at least two cells share the remainder, so none is pinned to one value
            assert rest >= 2 or rest == 0
    # rates invert to the counts they allow: a visible rate never allows only a count of 1-5
    pops = df["Adults (16+)"].to_numpy()
    for i, rate in enumerate(out["Uptake per 1,000 adults"]):
        if str(rate) != "*":
            allowed = _bounds_from_rate(float(rate), pops[i])
            assert not allowed or not allowed <= {1, 2, 3, 4, 5}


def test_maps_show_no_value_for_a_withheld_ward(small):
    hidden = small.withheld("wards", "uptake_rate")
    assert hidden.any()
    fig, alt = charts.choropleth(small, "uptake_rate", "Uptake", "Uptake per 1,000 adults")
    labels = fig.axes[0].get_legend_handles_labels()[1] + [
        t.get_text() for t in fig.axes[0].get_legend().get_texts()
    ]
    assert charts.WITHHELD_LABEL in labels
    assert "withheld (small numbers)" in alt
    for name in small.wards.loc[hidden.to_numpy(), "ward_name"]:
        assert f"{name} (" not in alt  # a withheld ward is never named with its value
    plt.close(fig)
    # the need map (need score is not a count) shows every ward
    fig, alt = charts.choropleth(small, "need_score", "Need", "Need score", table="need")
    assert "withheld" not in alt
    plt.close(fig)


def test_funnel_and_quintile_chart_leave_out_withheld_cells(small):
    chart = charts.funnel(small, "ward")
    hidden = int(small.withheld("wards", "completion_pct").sum())
    if chart is not None:
        fig, alt = chart
        assert f"{hidden} ward" in alt and "withheld and not plotted" in alt
        plt.close(fig)
    fig, alt = charts.quintile_chart(small, "completion_pct", "Completion", "Completion (%)")
    q = small.withheld("by_quintile", "completion_pct").to_numpy()
    assert alt.count("withheld (small numbers)") == int(q.sum())
    plt.close(fig)


def test_the_distance_decay_scatter_plots_no_small_cell(small):
    """Checked on the small-area cells: no plotted band stands for 1-5 taken up or not taken up, the
    bands hold every referral, and the caption does not claim one point per ward."""
    from lsp_research.topics.wellness.text import DECAY_CAPTION

    cells = small.decay_points
    small_cells = cells["took_up"].between(1, 5) | (cells["referrals"] - cells["took_up"]).between(
        1, 5
    )
    assert small_cells.sum() > 10  # plotted one point per cell, these would disclose
    bands = access.decay_bands(cells)
    assert bands["referrals"].sum() == cells["referrals"].sum()
    for col in (bands["took_up"], bands["referrals"] - bands["took_up"]):
        assert not col.between(1, 5).any()
    assert "one point per ward" not in DECAY_CAPTION
    if small.decay is not None:
        fig, alt = charts.decay_chart(small)
        offsets = fig.axes[0].collections[0].get_offsets()
        assert len(offsets) == len(bands)
        plt.close(fig)


def test_a_measure_with_a_withheld_quintile_publishes_no_slope_index_or_mean():
    """With a withheld quintile, the slope index, the mean and the visible quintiles would solve for
    the withheld values: the measure's row is withheld whole, and the findings do not quote it."""
    toy = _toy_inputs(seed=5)
    r = toy["referrals"]
    q1 = toy["wards"].loc[toy["wards"]["imd_quintile"] == 1, "ward_code"]
    # quintile 1 keeps 4 people completing: its completion is withheld
    window = r["period"].isin(["2009Q1", "2009Q2", "2009Q3", "2009Q4"])
    done = r.index[window & r["ward_code"].isin(q1) & (r["completed_12wk"] == 1)]
    r = r.drop(done[4:]).reset_index(drop=True)
    res = run("2009Q4", inputs=dict(toy, referrals=r), coverage=False)
    assert res.withheld("by_quintile", "completion_pct").any()
    out = _protected(tables.inequalities(res)).set_index("Measure")
    row = out.loc["12-week completion (% of referrals)"]
    assert (row.astype(str) == "*").all()
    assert str(out.loc["Referrals per 1,000 adults", "Mean"]) != "*"
    from lsp_research.topics.wellness import text

    words = text.findings(res)
    assert "12-week completion by deprivation quintile: withheld" in words
    assert f"{res.by_quintile['completion_pct'].iloc[0]:.1f}%" not in words


def test_a_withheld_ward_is_never_flagged_high_need_low_uptake(small):
    need = small.need
    hidden = small.withheld("need", "uptake_rate").to_numpy()
    assert hidden.any() and (need.loc[hidden, "high_need"]).any()
    assert not need.loc[hidden, "high_need_low_uptake"].any()
    assert (need.loc[hidden, "uptake_vs_city"] == "withheld").all()
    out = _protected(tables.need(small))
    for col in ("High need, low uptake", "Uptake against city"):
        assert (out.loc[hidden, col].astype(str) == "*").all(), col
        assert not (out.loc[~hidden, col].astype(str) == "*").any(), col
    from lsp_research.topics.wellness import text

    words = text.findings(small)
    for name in need.loc[hidden, "ward_name"]:
        assert name not in words
    n = int((need["high_need"] & need["uptake_withheld"]).sum())
    assert f"{n} high-need ward{'s are' if n != 1 else ' is'} not compared" in words


def _row_keys(res, name: str) -> list:
    """The cube keys ``(area, centre, age, sex)`` of the rows of table ``name`` of ``res``, in the
    order it publishes them."""
    from lsp_research.topics.wellness.analysis.small_counts import CITY, run_key

    c, a, s = run_key(res.window)
    frame = getattr(res, name)
    if name == "wards":
        return [(("w", str(w)), c, a, s) for w in frame.sort_values("ward_name")["ward_code"]]
    part = {"city": None, "by_centre": "centre_id", "by_age": "age_band", "by_sex": "sex",
            "by_quintile": "imd_quintile"}[name]  # fmt: skip
    values = [None] * len(frame) if part is None else frame[part].tolist()
    return [
        {"city": (CITY, c, a, s), "by_centre": (CITY, str(v), a, s), "by_age": (CITY, c, str(v), s),
         "by_sex": (CITY, c, a, str(v)), "by_quintile": (("q", v), c, a, s)}[name]
        for v in values
    ]  # fmt: skip


def _published_cube(res, decision: str = "one") -> dict:
    """``{(area, centre, age, sex): {count: published value or None}}`` from a run's city, centre,
    age, sex, ward and quintile tables. ``decision="table"``: each table protected on its own;
    ``"run"``: the ward and quintile tables decided run by run (both as before one decision)."""
    out: dict = {}
    for name in ("city", "by_centre", "by_age", "by_sex", "wards", "by_quintile"):
        kw = getattr(tables, name)(res)
        if decision == "table":
            kw = {k: v for k, v in kw.items() if k != "withhold"}
        t = _protected(kw)
        for i, key in enumerate(_row_keys(res, name)):
            vals = {
                col: (None if str(t[col].iloc[i]) == "*" else int(t[col].iloc[i])) for col in COUNTS
            }
            for col, v in vals.items():
                seen = out.setdefault(key, {}).get(col, "unset")
                assert seen in ("unset", v), (key, col, "published as", seen, "and", v)
                out[key][col] = v
    if decision == "run":
        out.update(_per_run(res, out))
    return out


def _per_run(res, published: dict) -> dict:
    """The ward and quintile rows of ``res`` as a decision made run by run would publish them (wards
    within each quintile, the quintiles and the wards to the run's city; the city withheld where the
    published one is)."""
    from lsp_research.topics.wellness.analysis.small_counts import CITY, run_key

    city = (CITY, *run_key(res.window))
    w = res.wards.sort_values("ward_name")
    q = res.by_quintile
    keys = {
        **dict(zip(_row_keys(res, "wards"), w.index, strict=True)),
        **dict(zip(_row_keys(res, "by_quintile"), q.index, strict=True)),
    }
    by_q = {qq: [k for k in keys if k[0][0] == "w" and w.loc[keys[k], "imd_quintile"] == qq]
            for qq in q["imd_quintile"]}  # fmt: skip
    rels = [(ws, [(("q", qq), *city[1:])]) for qq, ws in by_q.items()]
    rels += [
        ([k for k in keys if k[0][0] == "q"], [city]),
        ([k for k in keys if k[0][0] == "w"], [city]),
    ]
    out = {k: {} for k in keys}
    for label, col in COUNTS.items():
        counts = {k: int((w if k[0][0] == "w" else q).loc[i, col]) for k, i in keys.items()}
        counts[city] = int(w[col].sum())
        forced = [city] if published[city][label] is None else []
        hidden = disclosure.withheld(counts, rels, forced=forced)
        for k in keys:
            out[k][label] = None if k in hidden else counts[k]
    return out


def _cube_relations(runs) -> list:
    """What a reader knows adds up across the runs' tables: centres to all centres, age bands to
    all ages, men and women to both (at the city), and at each ward and quintile the centres to all
    centres and women to all adults (men unseen), the wards of a quintile to it, the quintiles and
    the wards to the city."""
    from lsp_research.topics.wellness.analysis.small_counts import ALL, CITY

    centres = ["WC1", "WC2", "WC3"]
    bands = sorted({str(b) for res in runs for b in res.by_age["age_band"]})
    relations = []
    for s in ("M", "F", ALL):
        for c in [*centres, ALL]:
            relations.append(([(CITY, c, b, s) for b in bands], (CITY, c, ALL, s)))
        for b in [*bands, ALL]:
            relations.append(([(CITY, c, b, s) for c in centres], (CITY, ALL, b, s)))
    for c in [*centres, ALL]:
        for b in [*bands, ALL]:
            relations.append(([(CITY, c, b, "M"), (CITY, c, b, "F")], (CITY, c, b, ALL)))
    w = runs[0].wards
    by_q = {
        int(q): [("w", str(x)) for x in part["ward_code"]] for q, part in w.groupby("imd_quintile")
    }
    for c, s in product([*centres, ALL], ("M", "F", ALL)):
        for q, ws in by_q.items():
            relations.append(([(x, c, ALL, s) for x in ws], (("q", q), c, ALL, s)))
        relations.append(([(("q", q), c, ALL, s) for q in by_q], (CITY, c, ALL, s)))
        relations.append(([(x, c, ALL, s) for ws in by_q.values() for x in ws], (CITY, c, ALL, s)))
    areas = [a for q, ws in by_q.items() for a in (*ws, ("q", q))]
    for area in areas:
        for s in ("M", "F", ALL):
            relations.append(([(area, c, ALL, s) for c in centres], (area, ALL, ALL, s)))
        for c in [*centres, ALL]:
            relations.append(([(area, c, ALL, "M"), (area, c, ALL, "F")], (area, c, ALL, ALL)))
    return relations


def test_no_difference_across_the_per_centre_and_per_group_runs_pins_a_withheld_cell():
    """The runs a reader could ask for (each centre and all of them, all adults and women; men are
    all adults minus women): the all-centres tables minus the other centres', the age bands against
    their total, men against women, the wards and quintiles against each other and the city, pins no
    withheld count in any run's city, centre, age, sex, ward or quintile table. Protected table by
    table, or with the ward and quintile tables decided run by run (before one decision), it would."""
    from test_attack import _difference, _pinned

    toy = _toy_inputs(seed=3)
    r = toy["referrals"]
    keep = np.random.default_rng(11).random(len(r)) < 0.03
    inputs = dict(toy, referrals=r[keep].reset_index(drop=True))
    runs = [run("2009Q4", c, g, inputs=inputs, coverage=False)
            for c in ("all", "WC1", "WC2", "WC3") for g in ("all", "women")]  # fmt: skip
    relations = _cube_relations(runs)
    pinned_before = {"table": 0, "run": 0}
    for decision in ("one", "table", "run"):
        published: dict = {}
        for res in runs:
            for key, vals in _published_cube(res, decision).items():
                published.setdefault(key, {}).update(vals)
        for col in COUNTS:
            known = {k: v[col] for k, v in published.items() if v.get(col) is not None}
            hidden = [k for k, v in published.items() if col in v and v[col] is None]
            bounds = _difference(known, relations, hidden)
            if decision == "one":
                assert len([k for k in hidden if k[0][0] == "w"]) >= 10, col
                assert len(hidden) >= 15, col
                for k in hidden:
                    assert not _pinned(bounds[k]), (col, k, bounds[k])
            else:
                # the ward and quintile cells: the attack is real there too
                pinned_before[decision] += sum(
                    _pinned(bounds[k]) for k in hidden if k[0] != ("city",)
                )
    assert pinned_before["table"] > 0 and pinned_before["run"] > 0, pinned_before
