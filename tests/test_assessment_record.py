"""The assessment record: one source of every statement, and the check that refuses contradictions."""

from __future__ import annotations

import dataclasses

import pytest

from lsp_research.errors import InconsistentAssessmentError, LspError
from lsp_research.performance.record import IndicatorRecord, check_consistency, contradictions

#: A consistent record: NI 39 off track, rising, a concern, limits recalculated after a shift.
GOOD = IndicatorRecord(
    code="NI39", area="E08000024", period="2009Q4", improvement="decrease", value=2438.8,
    lowercl=2380.0, uppercl=2497.0, judged=True, target=2300.0, target_status="off track",
    variation="special_cause_concern", assurance="inconsistent", baseline_reason="sustained shift",
    spc_note="limits recalculated from 2007Q2 (sustained shift)", last_year_value=2306.0,
    direction="worsening",
)  # fmt: skip

FORBIDDEN = {
    "off track with consistent pass, no rebase": dict(
        assurance="consistent_pass", variation="common_cause", baseline_reason="series start",
        spc_note="",
    ),
    "on track with consistent fail, no rebase": dict(
        target_status="on track", value=2200.0, direction="improving", assurance="consistent_fail",
        variation="common_cause", baseline_reason="series start", spc_note="",
    ),
    "assurance with no target": dict(target_status="no target", target=None),
    "assurance while not judged against target": dict(target_status="not judged"),
    "verdict with too few points": dict(
        spc_note="too few points since the definition change in 2009Q3 (2 of 7 needed): no SPC verdict"
    ),
    "verdict on a baseline with no variation": dict(
        spc_note="no variation in the baseline: every moving range is 0 since the series start"
    ),
    "judged while the definition settles": dict(
        definition_settling=True, variation=None, assurance=None, target_status="off track"
    ),
    "not judged but a verdict": dict(
        judged=False, target_status="not judged", assurance=None, direction="worsening"
    ),
    "a rise called improving when lower is better": dict(direction="improving"),
    "a fall called worsening when lower is better": dict(value=2200.0, target_status="on track",
                                                          assurance="inconsistent"),
    "no movement called worsening": dict(value=2306.0, last_year_value=2306.0),
    "improving with no better direction": dict(
        improvement="neutral", direction="improving", target_status="no target", assurance=None
    ),
    "a rise called lower": dict(
        improvement="neutral", direction="lower", target_status="no target", assurance=None
    ),
}  # fmt: skip


def test_the_good_record_is_consistent():
    assert contradictions(GOOD) == []
    check_consistency([GOOD])


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_each_forbidden_combination_is_refused(name):
    bad = dataclasses.replace(GOOD, **FORBIDDEN[name])
    found = contradictions(bad)
    assert len(found) >= 1, name
    with pytest.raises(InconsistentAssessmentError) as err:
        check_consistency([GOOD, bad])
    assert isinstance(err.value, LspError)
    assert "NI39 E08000024 2009Q4" in str(err.value)


def test_off_track_with_consistent_pass_is_allowed_only_with_its_explanation():
    # the latest point is a special cause of concern: the limits describe the process before it
    ok = dataclasses.replace(
        GOOD, assurance="consistent_pass", baseline_reason="series start", spc_note=""
    )
    assert contradictions(ok) == []
    assert ok.assurance_text.endswith("(of the process before the latest point, a special cause)")
    # recalculated limits are stated beside the assurance
    rebased = dataclasses.replace(GOOD, assurance="consistent_pass", variation="common_cause")
    assert contradictions(rebased) == []
    assert "limits recalculated from 2007Q2" in rebased.assurance_text


def test_arrow_follows_the_value_and_word_follows_polarity():
    assert GOOD.direction_text == "↑ worsening (2,306)"  # a rise in a lower-is-better rate
    fall = dataclasses.replace(GOOD, value=2100.0, direction="improving")
    assert fall.direction_text == "↓ improving (2,306)"
    higher_better = dataclasses.replace(
        GOOD, improvement="increase", value=25.2, last_year_value=23.3, direction="improving"
    )
    assert higher_better.direction_text.startswith("↑ improving")
    flat = dataclasses.replace(GOOD, direction="no significant change", value=2310.0)
    assert flat.direction_text.startswith("↑ no significant change")


def test_default_run_records_are_consistent_and_the_report_prints_them():
    from lsp_research.performance import pipeline, report

    run = pipeline.run_assessment("2009Q4")
    a = run.meeting.assessment
    check_consistency(a.records())
    df = report.summary_frame(run, exclude_red_flags=False).set_index("Indicator")
    for rec in a.records():
        line = df.loc[f"{a.registry[rec.code].label} {a.registry[rec.code].title}"]
        assert line["Against target"] == rec.status_text
        assert line["On a year ago"] == rec.direction_text
    ni39 = a.record("NI39")
    assert ni39.movement == "up" and ni39.direction_text.startswith("↑ worsening")
    assert ni39.assurance != "consistent_pass"
    ni152 = df.loc[[i for i in df.index if i.startswith("NI 152")][0]]
    assert ni152["SPC"].startswith("– too few points since the definition change in 2009Q3")
