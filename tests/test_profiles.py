"""Ward and area committee profiles: areas, aggregation, the notebook, the index map and league table."""

import numpy as np
import pandas as pd
import pytest

from lsp_research import config
from lsp_research.errors import ParameterError
from lsp_research.plots.maps import ward_map_svg
from lsp_research.topics import base, profiles
from lsp_research.topics.profiles import analysis
from lsp_research.topics.profiles import inputs as profile_inputs
from lsp_research.topics.profiles.index import league_table


@pytest.fixture(scope="module")
def inputs(processed_data):
    return profiles.load_inputs(profiles.validate_params("E05001158"))


@pytest.fixture(scope="module")
def indicators(inputs):
    from lsp_research import periods

    end = periods.Quarter.parse("2009Q4")
    return analysis.area_indicators(inputs, end - 11, end, [2007, 2008, 2009])


def test_profiles_follow_the_one_topic_interface():
    assert base.check_topic("profiles") == []


def test_a_window_before_the_data_begin_names_the_years(inputs):
    with pytest.raises(ParameterError, match="before the data begin"):
        profiles.analyse(profiles.validate_params("E05001158", "2007Q4", 5), inputs)


def test_unknown_area_names_close_matches(inputs):
    with pytest.raises(ParameterError) as err:
        profile_inputs.resolve_area("E0500115", inputs["wards"])
    msg = str(err.value)
    assert "E05001153" in msg and "Close matches" in msg
    with pytest.raises(ParameterError, match="Coalfield"):
        profile_inputs.resolve_area("Coalfeld", inputs["wards"])


def test_areas_resolve_to_their_wards(inputs):
    wards = inputs["wards"]
    assert len(profile_inputs.resolve_area("E08000024", wards).ward_codes) == 25
    washington = profile_inputs.resolve_area("washington", wards)
    assert washington.kind == "area_committee" and len(washington.ward_codes) == 5
    assert profile_inputs.resolve_area("Hendon", wards).code == "E05001158"
    all_committees = {
        c
        for a in wards["area_committee"].unique()
        for c in profile_inputs.resolve_area(a, wards).ward_codes
    }
    assert len(all_committees) == 25


@pytest.mark.parametrize(
    "indicator", ["incident_rate", "referral_rate", "completion_pct", "pct_65plus", "alcohol_sar"]
)
def test_ward_counts_add_up_to_committees_and_city(indicators, inputs, indicator):
    t = indicators.table[indicators.table["indicator"] == indicator].set_index("area_code")
    wards = pd.DataFrame(inputs["wards"].drop(columns="geometry"))
    ward_rows = t[t["level"] == "ward"]
    assert len(ward_rows) == 25
    city = t.loc[config.LAD_CODE]
    assert ward_rows["numerator"].sum() == pytest.approx(city["numerator"])
    for committee, members in wards.groupby("area_committee")["ward_code"]:
        assert ward_rows.loc[list(members), "numerator"].sum() == pytest.approx(
            t.loc[committee, "numerator"]
        )
        if indicator != "alcohol_sar":  # crude rates: recomputed from summed counts, never averaged
            d = ward_rows.loc[list(members), "denominator"].sum()
            assert t.loc[committee, "denominator"] == pytest.approx(d)
            mult = {"incident_rate": 1000, "referral_rate": 1000}.get(indicator, 100)
            assert t.loc[committee, "value"] == pytest.approx(
                t.loc[committee, "numerator"] / d * mult
            )


def test_city_ratio_is_100_and_expected_matches_observed(indicators):
    t = indicators.table[indicators.table["indicator"] == "alcohol_sar"]
    city = t[t["level"] == "city"].iloc[0]
    assert city["value"] == pytest.approx(100.0)
    wards = t[t["level"] == "ward"]
    # expected counts of the wards add up to the city's expected (= its observed, weighted)
    assert wards["denominator"].sum() == pytest.approx(city["denominator"], rel=1e-9)


def test_life_expectancy_gap_and_order(indicators, inputs):
    t = indicators.table
    le = t[(t["indicator"] == "le_male") & (t["level"] == "ward")].set_index("area_code")["value"]
    w = pd.DataFrame(inputs["wards"].drop(columns="geometry")).set_index("ward_code")
    gap = le.max() - le.min()
    assert 6 < gap < 14  # the planted gap is about 9-10 years
    rho = np.corrcoef(le.rank(), w.loc[le.index, "imd2007_score"].rank())[0, 1]
    assert rho < -0.6  # shorter lives in more deprived wards
    city = t[(t["indicator"] == "le_male") & (t["level"] == "city")]["value"].iloc[0]
    assert le.min() < city < le.max()


def test_profile_of_a_ward_and_its_headline(inputs):
    p = profiles.analyse(profiles.validate_params("E05001158", "2009Q4", 3), inputs)
    h = p.headline()
    assert h["area"] == "Hendon" and h["kind"] == "ward"
    assert h["population"] == int(p.pyramid["area_count"].sum())
    assert p.deprivation["rank_most_deprived"] == 1  # Hendon is the most deprived ward
    assert p.pyramid["area_pct"].sum() == pytest.approx(100)
    assert set(p.spine["comparison"]) <= {
        "better",
        "similar",
        "worse",
        "higher",
        "lower",
        "not compared",
    }
    assert p.spine.set_index("key").loc["alcohol_sar", "comparison"] == "worse"
    assert list(p.changes["key"])[:1] == ["alcohol_sar"]


def test_bad_years_fail_with_allowed_values():
    with pytest.raises(ParameterError, match="1-5"):
        profiles.validate_params("E05001158", "2009Q4", 7)


def test_league_table_and_map_from_recorded_summaries(inputs):
    rows = [
        {"kind": "ward", "area_code": c, "area": n, "imd2007_score": s, "population": 1000}
        for c, n, s in zip(
            inputs["wards"]["ward_code"],
            inputs["wards"]["ward_name"],
            inputs["wards"]["imd2007_score"],
            strict=True,
        )
    ]
    league = league_table(rows)
    assert len(league) == 25 and league["Ward"].iloc[0] == "Hendon"
    links = {r["area_code"]: f"ward_profile/{r['area_code']}/x.html" for r in rows}
    svg = ward_map_svg(
        inputs["wards"], links, {r["area_code"]: r["imd2007_score"] for r in rows}, "IMD"
    )
    assert svg.count("<a href=") == 25 and "http" not in svg.replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_index_context_builds_map_and_league_tables_from_profile_records(inputs):
    wards = inputs["wards"]
    entries = [
        {"notebook": "ward_profile", "files": {"executive": f"ward_profile/{c}/ward_profile-{c}-executive.html"},
         "summary": {"kind": "ward", "area_code": c, "area": n, "imd2007_score": float(s), "population": 10000}}
        for c, n, s in zip(wards["ward_code"], wards["ward_name"], wards["imd2007_score"], strict=True)
    ]  # fmt: skip
    entries.append({"notebook": "area_profile", "files": {"executive": "area_profile/North/x.html"},
                    "summary": {"kind": "area_committee", "area_code": "North", "area": "North area committee",
                                "imd2007_score": 30.0, "population": 50000}})  # fmt: skip
    entries.append(
        {"notebook": "performance", "files": {"board": "p.html"}, "summary": {"red_flags": 2}}
    )
    ctx = profiles.index_context(entries, wards)
    assert ctx["ward_map"].count("<a href=") == 25
    assert "ward_profile/E05001158/ward_profile-E05001158-executive.html" in ctx["ward_map"]
    assert (
        "League table of wards" in ctx["league_table"]
        and "League table of area committees" in ctx["league_table"]
    )
    assert all(e["summary"] is None for e in entries[:-1])  # shown once, in the league tables
    assert entries[-1]["summary"] == {"red_flags": 2}  # other notebooks' summaries are left alone
    assert profiles.index_context([{"files": {}, "summary": {"red_flags": 1}}]) == {}


def test_unknown_area_in_the_programme_fails_before_any_notebook_runs(
    processed_data, tmp_path, monkeypatch, capsys
):
    from lsp_research.cli import main
    from lsp_research.config import get_paths

    programme = tmp_path / "programme.yml"
    programme.write_text(
        f"version: 1\nnotebooks_dir: {get_paths().notebooks}\nnotebooks:\n"
        "  - notebook: ward_profile.ipynb\n    over: [E05001158, Hendn]\n    tiers: [executive, operational]\n"
    )
    monkeypatch.setenv("LSP_PROGRAMME", str(programme))
    out = tmp_path / "reports"
    assert main(["run", "--period", "latest", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no notebook was run" in err and "'Hendn'" in err and "Hendon" in err
    assert not out.exists() or not any(out.rglob("*.html"))


def test_the_area_profile_lists_and_links_its_wards_and_a_ward_links_to_its_area(inputs):
    import re

    from lsp_research.reporting.parameters import Areas
    from lsp_research.reporting.programme import load_programme

    prog = load_programme()
    sets = {
        e.name: {s.set_id for s in e.parameter_sets(Areas.from_domain())} for e in prog.notebooks
    }
    area = profiles.analyse(profiles.validate_params("Coalfield", "2009Q4", 3), inputs)
    text = profiles.text.places(area)
    links = re.findall(
        r"\[([^\]]+)\]\(\.\./\.\./ward_profile/([^/]+)/ward_profile-\2-executive\.html\)", text
    )
    wards = pd.DataFrame(inputs["wards"].drop(columns="geometry")).set_index("ward_code")
    assert sorted(code for _, code in links) == sorted(area.area.ward_codes)
    assert [name for name, _ in links] == sorted(wards.loc[list(area.area.ward_codes), "ward_name"])
    assert {code for _, code in links} <= sets["ward_profile"]  # pages the programme publishes
    assert profiles.text.heading(area).startswith("# Area profile: Coalfield area committee")
    ward = profiles.analyse(profiles.validate_params("E05001158", "2009Q4", 3), inputs)
    up = re.findall(r"\[East area committee\]\(\.\./\.\./area_profile/(\w+)/area_profile-\1-executive\.html\)",
                    profiles.text.places(ward))  # fmt: skip
    assert up == ["East"] and "East" in sets["area_profile"]
