"""The management group's filter, the assessment and the escalation, on small hand-built series."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from lsp_research import stats
from lsp_research.config import LAD_CODE
from lsp_research.performance import (
    assess,
    escalate,
    filter_exceptions,
    find_anomalies,
    meeting,
    parse_registry,
    target_status,
)
from lsp_research.performance.assessment import value_interval
from lsp_research.performance.returns import due_date
from lsp_research.periods import Quarter

BASE = dict(
    partnership="Safe City",
    owner="Police",
    lead="Area Commander",
    frequency="quarterly",
    source="test",
)


def registry(settings=None, targets=None):
    inds = [
        dict(
            code="NI20",
            title="Assault with injury",
            theme="safe",
            unit="crimes per 1,000",
            measure="rate",
            multiplier=1000,
            polarity="lower",
            plausible_range=[0, 30],
            **BASE,
        ),
        dict(
            code="NI8",
            title="Sport participation",
            theme="healthy",
            unit="% of adults",
            measure="proportion",
            multiplier=100,
            polarity="higher",
            **BASE | {"partnership": "Healthy City"},
        ),
        dict(
            code="NI40",
            title="Drug users in treatment",
            theme="healthy",
            unit="people",
            measure="count",
            multiplier=1,
            polarity="higher",
            **BASE | {"partnership": "Healthy City"},
        ),
    ]
    doc = {"indicators": inds, "settings": settings or {}}
    if targets:
        doc["targets"] = targets
    return parse_registry(doc)


def returns(code, values, num=None, den=None, start="2006Q1", late=None, area=LAD_CODE, skip=()):
    q0 = Quarter.parse(start)
    rows = []
    for i, v in enumerate(values):
        q = q0 + i
        if str(q) in skip:
            continue
        sub = (
            due_date(q)
            - datetime.timedelta(days=3)
            + datetime.timedelta(days=(late or {}).get(str(q), 0))
        )
        rows.append(
            {
                "indicator_code": code,
                "period": str(q),
                "area_code": area,
                "value": v,
                "numerator": None if num is None else num[i],
                "denominator": None if den is None else (den[i] if isinstance(den, list) else den),
                "submitted_on": sub.isoformat(),
                "submitted_by": "test",
            }
        )
    return pd.DataFrame(rows)


STEADY = [2.0, 2.1, 1.95, 2.05, 1.98, 2.08, 2.02, 2.04, 1.99, 2.09, 2.01, 2.03]  # 2006Q1..2008Q4


def rules_at(ret, reg, period, code="NI20"):
    flags, _ = find_anomalies(ret, reg, period)
    f = flags[flags["indicator_code"] == code]
    return sorted(zip(f["rule"], f["period"], f["detected_in"], strict=True))


# ---- rules -------------------------------------------------------------------------------------------


def test_missing_return_and_an_indicator_never_returned():
    reg = registry()
    ret = returns("NI20", STEADY, skip=("2007Q3",))
    assert rules_at(ret, reg, "2008Q4") == [("missing_return", "2007Q3", "2007Q3")]
    # NI8 and NI40 never sent anything: one flag each, for the meeting's quarter
    flags, _ = find_anomalies(ret, reg, "2008Q4")
    never = flags[flags["indicator_code"].isin(["NI8", "NI40"])]
    assert never[["rule", "period"]].values.tolist() == [["missing_return", "2008Q4"]] * 2


def test_late_return_uses_the_allowed_days():
    ret = returns("NI20", STEADY, late={"2008Q2": 13})
    assert rules_at(ret, registry(), "2008Q4") == [("late_return", "2008Q2", "2008Q2")]
    flags, _ = find_anomalies(ret, registry(), "2008Q4")
    assert "came in 10 days after its due date (2008-11-11)" in flags["reason"].iloc[0]
    assert rules_at(ret, registry({"late_after_days": 14}), "2008Q4") == []


def test_implausible_values():
    reg = registry()
    ret = returns("NI20", STEADY[:-1] + [45.0])  # outside the plausible range 0-30
    assert ("implausible_value", "2008Q4", "2008Q4") in rules_at(ret, reg, "2008Q4")
    num = [200 + i for i in range(12)]
    vals = [n / 10 for n in num]
    vals[5] = 120.0  # a percentage above 100
    ret = returns("NI8", vals, num=num, den=1000)
    assert [r for r in rules_at(ret, reg, "2008Q4", "NI8") if r[0] == "implausible_value"] == [
        ("implausible_value", "2007Q2", "2007Q2")
    ]


def test_value_mismatch_learns_the_series_usual_ratio():
    # annualised quarterly rate: value = 4 x numerator / denominator x 1000, keyed wrongly in 2007Q4
    num = [140, 147, 137, 143, 139, 146, 141, 143, 139, 146, 141, 142]
    vals = [round(4 * n / 280000 * 1000, 3) for n in num]
    vals[7] = 2.40  # should be 2.043
    ret = returns("NI20", vals, num=num, den=280000)
    assert rules_at(ret, registry(), "2008Q4") == [("value_mismatch", "2007Q4", "2007Q4")]


def test_denominator_jump_that_reverts_and_a_definition_change():
    reg = registry()
    num = [560] * 12
    den = [280000] * 12
    den[6] = 380000  # 2007Q3 only
    vals = [n / d * 1000 for n, d in zip(num, den, strict=True)]
    ret = returns("NI20", vals, num=num, den=den)
    # at 2007Q3's meeting nobody knows yet whether it will stay
    assert rules_at(ret, reg, "2007Q3") == [("denominator_jump", "2007Q3", "2007Q3")]
    # one quarter later it has reverted: a one-quarter error
    assert ("denominator_jump", "2007Q3", "2007Q4") in rules_at(ret, reg, "2007Q4")
    den2 = [280000] * 6 + [350000] * 6  # a new population base from 2007Q3, kept
    vals2 = [n / d * 1000 for n, d in zip(num, den2, strict=True)]
    ret2 = returns("NI20", vals2, num=num, den=den2)
    assert rules_at(ret2, reg, "2007Q4") == [("definition_change", "2007Q3", "2007Q4")]


def test_keying_error_spike_then_reverts_and_a_steady_ramp_is_not_an_anomaly():
    reg = registry()
    vals = STEADY.copy()
    vals[9] = 20.9  # 2008Q2 keyed ten times too big
    ret = returns("NI20", vals)
    assert rules_at(ret, reg, "2008Q2") == [("unconfirmed_jump", "2008Q2", "2008Q2")]
    assert rules_at(ret, reg, "2008Q3") == [("one_quarter_spike", "2008Q2", "2008Q3")]
    ramp = STEADY[:8] + [2.15, 2.27, 2.39, 2.51]  # a real, sustained rise
    assert rules_at(returns("NI20", ramp), reg, "2008Q4") == []


# ---- assessment --------------------------------------------------------------------------------------


def test_target_status_rule():
    assert target_status(2.10, 2.0, "lower") == "at risk"  # 5% worse: at risk
    assert target_status(2.11, 2.0, "lower") == "off track"
    assert target_status(2.00, 2.0, "lower") == "on track"
    assert target_status(19.0, 20.0, "higher") == "at risk"
    assert target_status(18.9, 20.0, "higher") == "off track"
    assert target_status(18.9, 20.0, "higher", margin=0.10) == "at risk"
    assert target_status(5.0, 4.0, "neutral") == "no target"


def test_intervals_follow_the_measure():
    reg = registry()
    lo, hi, note = value_interval(reg["NI8"], 21.4, 214, 1000)
    wl, wh = stats.wilson_ci(214, 1000)
    assert (lo, hi) == pytest.approx((100 * wl, 100 * wh)) and note == "Wilson score limits"
    lo, hi, _ = value_interval(reg["NI40"], 994, None, None)
    assert (lo, hi) == pytest.approx(stats.byars_ci(994))
    lo, hi, note = value_interval(reg["NI20"], 2.0, 5, 2500)
    el, eh = stats.exact_poisson_ci(5)
    assert (lo, hi) == pytest.approx(
        (el / 2500 * 1000, eh / 2500 * 1000)
    ) and "exact Poisson" in note
    assert np.isnan(value_interval(reg["NI20"], 2.0, None, None)[0])


def test_assessment_row_has_target_comparators_spc_and_travel():
    reg = registry(targets={"NI8": {"trajectory": {"2008-09": 20.0}}})
    num = [2000, 2050, 1980, 2020, 2040, 1990, 2010, 2030, 2000, 2040, 1990, 2160]
    ret = returns("NI8", [n / 100 for n in num], num=num, den=10000)
    comps = pd.DataFrame(
        {
            "indicator_code": ["NI8", "NI8"],
            "period": ["2008Q4", None],
            "financial_year": [None, "2008-09"],
            "comparator": ["England", "North East"],
            "value": [19.0, 21.5],
        }
    )
    targets = pd.DataFrame(
        {
            "indicator_code": ["NI8"],
            "financial_year": ["2008-09"],
            "area_code": [LAD_CODE],
            "target": [21.5],
        }
    )
    a = assess(ret, reg, "2008Q4", targets=targets, comparators=comps)
    r = a.row("NI8")
    assert r["value"] == pytest.approx(21.6)
    assert (
        r["target"] == 21.5 and r["target_source"] == "targets file"
    )  # the file beats the registry
    assert r["target_status"] == "on track"
    assert a.comparisons.set_index("comparator")["result"].to_dict() == {
        "England": "better",
        "North East": "similar",
    }
    assert r["spc_variation"] == "special_cause_improvement"  # above the upper process limit
    assert r["direction"] == "improving" and r["last_year_value"] == pytest.approx(20.3)
    assert r["judged"] and r["period_flags"] == ""


# ---- filter and escalation ---------------------------------------------------------------------------


def test_anomaly_is_routed_back_not_judged():
    reg = registry(targets={"NI20": {"trajectory": {"2008-09": 2.0}}})
    vals = STEADY.copy()
    vals[-1] = 20.3  # keyed wrongly, and far off target if believed
    m = meeting(returns("NI20", vals), reg, "2008Q4")
    log = m.log[m.log["indicator_code"] == "NI20"]
    assert log[["source", "signal", "layer"]].values.tolist() == [
        ["data", "unconfirmed_jump", "owner"]
    ]
    assert log["decision"].iloc[0].startswith("routed back to Police: confirm or correct")
    assert m.red_flags.empty


def test_consistent_failure_reaches_the_board_but_not_while_improving():
    reg = registry(targets={"NI40": {"trajectory": {"2007-08": 1200, "2008-09": 1200}}})
    flat = [1000, 990, 1010, 1002, 995, 1005, 998, 1003, 996, 1004, 1001, 999]
    m = meeting(returns("NI40", flat), reg, "2008Q4")
    assert m.red_flags["indicator_code"].tolist() == ["NI40"]
    assert m.red_flags["criterion"].iloc[0] == "consistent failure to reach target"
    assert "revises the target" in m.red_flags["question"].iloc[0]
    rising = [
        1000,
        1010,
        1020,
        1030,
        1040,
        1050,
        1060,
        1070,
        1080,
        1090,
        1100,
        1110,
    ]  # still off track
    m = meeting(returns("NI40", rising), reg, "2008Q4")
    row = m.log[m.log["indicator_code"] == "NI40"].iloc[0]
    assert m.red_flags.empty and row["layer"] == "executive"


def test_definition_change_holds_judgement_until_restated():
    reg = registry(targets={"NI20": {"trajectory": {"2007-08": 2.0, "2008-09": 2.0}}})
    num = [560] * 6 + [875] * 6
    den = [280000] * 6 + [350000] * 6  # new counting rule and base from 2007Q3: rate 2.0 -> 2.5
    vals = [n / d * 1000 for n, d in zip(num, den, strict=True)]
    m = meeting(returns("NI20", vals, num=num, den=den), reg, "2008Q1")
    log = m.log[m.log["indicator_code"] == "NI20"]
    assert set(log["layer"]) == {"owner"}
    assert "definition changed in 2007Q3" in log["reason"].iloc[0]


def _exc(label, severity, candidate=True):
    return dict(
        raised_in="2009Q4",
        indicator_code=label,
        label=label,
        title=f"Title {label}",
        partnership="Safe City",
        owner="Police",
        lead="Cmdr",
        area_code=LAD_CODE,
        period="2009Q4",
        source="performance",
        signal="sustained_concern",
        reason="r",
        routed="genuine",
        candidate=candidate,
        criterion="sustained concern" if candidate else "",
        action="",
        severity=severity,
    )


def test_red_flags_are_ranked_and_capped():
    exc = pd.DataFrame(
        [_exc(f"NI{i}", s) for i, s in enumerate([11, 14, 12, 30, 13, 21, 12.5])]
        + [_exc("NI99", 3, candidate=False)]
    )
    esc = escalate(exc)
    assert esc.red_flags["label"].tolist() == ["NI3", "NI5", "NI1", "NI4", "NI6"]
    assert esc.red_flags["rank"].tolist() == [1, 2, 3, 4, 5]
    held = esc.log[esc.log["decision"].str.startswith("held at executive")]
    assert held["label"].tolist() == ["NI2", "NI0"]
    assert "ranked 6 of 7; the Board sees the top 5" in held["decision"].iloc[0]
    assert esc.layer_counts() == {"owner": 0, "executive": 3, "board": 5}
    assert escalate(exc, max_red_flags=2).red_flags["label"].tolist() == ["NI3", "NI5"]
    assert escalate(exc, max_red_flags=0).red_flags.empty
    with pytest.raises(ValueError, match="max_red_flags"):
        escalate(exc, max_red_flags=-1)


def test_filter_lists_every_exception_with_a_decision():
    reg = registry(targets={"NI20": {"trajectory": {"2008-09": 1.95}}})
    ret = pd.concat(
        [
            returns("NI20", STEADY, late={"2008Q4": 20}),
            returns("NI8", [20.0] * 12, skip=("2008Q4",)),
        ]
    )
    m = meeting(ret, reg, "2008Q4")
    exc = filter_exceptions(m.assessment)
    assert len(exc) == len(m.log)
    assert (m.log["decision"] != "").all() and set(m.log["layer"]) <= {
        "owner",
        "executive",
        "board",
    }
    got = sorted(zip(m.log["indicator_code"], m.log["signal"], m.log["layer"], strict=True))
    assert got == [
        ("NI20", "at_risk", "executive"),  # 2.03 against 1.95: 4% worse
        ("NI20", "late_return", "owner"),
        ("NI40", "missing_return", "owner"),
        ("NI8", "missing_return", "owner"),
    ]
