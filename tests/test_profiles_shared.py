"""The period's shared artefact (every area's indicators): computed once per period and input, read by
every profile run (counted, not timed)."""

import pandas as pd
import pytest

from lsp_research import data, periods
from lsp_research.topics import profiles
from lsp_research.topics.profiles import analysis, shared


@pytest.fixture
def computed(monkeypatch):
    """The (quarter, years) of every computation of the shared indicators, in order."""
    calls = []
    real = analysis.period_indicators

    def counting(inputs, quarter, years):
        calls.append((str(quarter), years))
        return real(inputs, quarter, years)

    monkeypatch.setattr(analysis, "period_indicators", counting)
    return calls


@pytest.fixture
def counted(monkeypatch):
    """Like ``computed``, without the computation: each call returns its number."""
    calls = []

    def counting(inputs, quarter, years):
        calls.append((str(quarter), years))
        return len(calls)

    monkeypatch.setattr(analysis, "period_indicators", counting)
    return calls


def _profile(code, period, folder):
    params = profiles.validate_params(code, period, 3)
    return profiles.analyse(params, profiles.load_inputs(params, folder=folder))


def test_computed_once_per_period_and_read_by_every_profile_run(processed_data, tmp_path, computed):
    runs = [_profile(code, "2009Q4", tmp_path) for code in ("E05001158", "Coalfield", "E08000024")]
    assert computed == [("2009Q4", 3)]  # the first run computed it; the other two read it
    _profile("E05001153", "2009Q3", tmp_path)
    _profile("West", "2009Q3", tmp_path)
    assert computed == [("2009Q4", 3), ("2009Q3", 3)]  # once per period
    assert len(list(tmp_path.glob("period_indicators-*.pickle"))) == 2
    # what a run read is what it would have computed itself
    alone = analysis.analyse(
        profiles.validate_params("Coalfield", "2009Q4", 3), profiles.load_inputs()
    )
    pd.testing.assert_frame_equal(runs[1].indicators.table, alone.indicators.table)
    pd.testing.assert_frame_equal(runs[1].spine, alone.spine)
    pd.testing.assert_frame_equal(runs[1].changes, alone.changes)


def test_a_profile_that_reads_the_artefact_reads_no_record_table(
    processed_data, tmp_path, monkeypatch
):
    _profile("E05001158", "2009Q4", tmp_path)  # the first run of the period computes the artefact
    reads, real = [], data.load

    def counting(name, columns=None):
        reads.append((name, columns))
        return real(name, columns)

    monkeypatch.setattr(data, "load", counting)
    res = _profile("E05001153", "2009Q4", tmp_path)
    # the wards, the population and the quarters the admissions cover: no one's records
    assert sorted(reads, key=str) == [
        ("admissions", ["period"]),
        ("population", None),
        ("wards", None),
    ]
    inputs = profiles.load_inputs(profiles.validate_params("E05001153", "2009Q4", 3), tmp_path)
    assert len(inputs.deaths) == len(real("deaths"))  # a table is still there when it is asked for
    assert reads[-1] == ("deaths", None)
    monkeypatch.undo()
    alone = analysis.analyse(
        profiles.validate_params("E05001153", "2009Q4", 3), profiles.load_inputs()
    )
    for got, want in [(res.spine, alone.spine), (res.pyramid, alone.pyramid),
                      (res.changes, alone.changes), (res.trend, alone.trend)]:  # fmt: skip
        pd.testing.assert_frame_equal(got, want)


def test_recomputed_when_an_input_table_or_the_code_changes(
    processed_data, tmp_path, counted, monkeypatch
):
    inputs = profiles.load_inputs()
    q = periods.Quarter.parse("2009Q4")
    assert shared.shared_indicators(inputs, q, 3, folder=tmp_path) == 1
    assert shared.shared_indicators(inputs, q, 3, folder=tmp_path) == 1  # read, not computed
    referrals = inputs.referrals.copy()
    row = referrals.index[referrals["period"] == "2009Q4"][0]
    referrals.loc[row, "completed_12wk"] = 1 - referrals.loc[row, "completed_12wk"]
    changed = profiles.Inputs(**{**vars(inputs), "referrals": referrals})
    assert shared.shared_indicators(changed, q, 3, folder=tmp_path) == 2  # one outcome changed
    assert shared.shared_indicators(changed, q, 3, folder=tmp_path) == 2
    assert shared.shared_indicators(inputs, q, 2, folder=tmp_path) == 3  # another window
    monkeypatch.setattr(shared, "code_fingerprint", lambda mods: "another code version")
    assert shared.shared_indicators(inputs, q, 3, folder=tmp_path) == 4  # the method changed
    assert counted == [("2009Q4", 3), ("2009Q4", 3), ("2009Q4", 2), ("2009Q4", 3)]


def test_the_key_of_files_follows_their_bytes(tmp_path):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"one")
    a = shared.files_key({"t": path})
    assert shared.files_key({"t": path}) == a
    path.write_bytes(b"two")
    assert shared.files_key({"t": path}) != a
