"""Profiles' "what changed since last year": judged by a test of the difference, not overlapping intervals."""

from __future__ import annotations

import pandas as pd
import pytest

from lsp_research import periods, stats
from lsp_research.topics import profiles
from lsp_research.topics.profiles import analysis
from lsp_research.topics.profiles.inputs import Area

AREA = Area("ward", "E05000001", "Testward", ("E05000001",))


def _year(rows):
    """An AreaIndicators of one ward: rows of (indicator, count, base) with 95% intervals."""
    out = []
    for key, x, n in rows:
        if key == "completion_pct":
            lo, hi = stats.wilson_ci(x, n)
            value, lo, hi = 100 * x / n, 100 * float(lo), 100 * float(hi)
        else:
            lo, hi, _ = stats.poisson_ci(x)
            value, lo, hi = x / n * 1000, float(lo) / n * 1000, float(hi) / n * 1000
        out.append(dict(area_code=AREA.code, level="ward", indicator=key, value=value, lowercl=lo,
                        uppercl=hi, numerator=float(x), denominator=float(n)))  # fmt: skip
    return analysis.AreaIndicators(pd.DataFrame(out), pd.DataFrame(), None, None)


BEFORE = _year([("incident_rate", 100, 10000), ("referral_rate", 200, 10000),
                ("completion_pct", 40, 100)])  # fmt: skip
NOW = _year([("incident_rate", 130, 10000), ("referral_rate", 205, 10000),
             ("completion_pct", 55, 100)])  # fmt: skip


def test_overlapping_intervals_with_a_significant_difference_are_a_change():
    c = analysis.changes(NOW, BEFORE, AREA).set_index("key")
    a, b = (t.table.set_index("indicator").loc["incident_rate"] for t in (NOW, BEFORE))
    assert a["lowercl"] < b["uppercl"]  # the two 95% intervals overlap ...
    assert c.loc["incident_rate", "p_value"] == pytest.approx(0.0486, abs=1e-4)  # ... yet p < 0.05
    assert c.loc["incident_rate", "assessment"] == "significantly worse"  # more incidents is worse
    # two proportions: 40% and 55% of 100 overlap too, and the rise is significant (higher is better)
    a, b = (t.table.set_index("indicator").loc["completion_pct"] for t in (NOW, BEFORE))
    assert a["lowercl"] < b["uppercl"]
    assert c.loc["completion_pct", "method"] == "two proportions"
    assert c.loc["completion_pct", "assessment"] == "significantly better"
    # 200 against 205 referrals is no change
    assert c.loc["referral_rate", "assessment"] == "no significant change"
    assert c.loc["referral_rate", "p_value"] > 0.5


def test_the_method_is_named_under_the_table_and_in_the_text():
    profile = type("P", (), {})()
    profile.changes = analysis.changes(NOW, BEFORE, AREA)
    profile.area = AREA
    profile.quarter = periods.Quarter(2009, 4)
    kw = profiles.tables.changes_table(profile)
    assert profiles.text.CHANGE_METHOD in kw["notes"]
    assert "intervals overlap is not used" in profiles.text.CHANGE_METHOD
    assert kw["df"]["p-value"].tolist() == ["0.049", "0.804", "0.034"]
    text = profiles.text.changes_text(profile)
    # the method in full under the table; the text says it in plain words and points there
    assert "two-proportion z test" not in text and "the method is under the table" in text
    assert "Alcohol-related incidents** significantly worse" in text


def test_difference_test_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="^kind:"):
        stats.difference_test(1, 2, 3, 4, kind="mean")
