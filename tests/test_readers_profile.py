"""The councillor's ward profile (issue 16): the ward against every other ward (a compare-areas chart,
disclosure-controlled), trends over every year, maps labelled with names and no axes, the audience named
in words."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection

from lsp_research import config
from lsp_research.plots.maps import locator_map
from lsp_research.plots.stats_charts import compare_areas_chart
from lsp_research.reporting import provenance
from lsp_research.topics import profiles


def _drawn_ys(ax) -> set[float]:
    """The rows (y positions) where the chart drew a dot or an interval."""
    ys = set()
    for coll in ax.collections:
        if isinstance(coll, PathCollection):
            ys |= {round(float(y), 6) for _, y in coll.get_offsets()}
        elif isinstance(coll, LineCollection):
            ys |= {round(float(seg[0][1]), 6) for seg in coll.get_segments()}
    return ys


def _rows(ax) -> dict[str, float]:
    return {t.get_text(): float(t.get_position()[1]) for t in ax.get_yticklabels()}


@pytest.fixture
def five_areas():
    return pd.DataFrame({
        "label": ["Barnes", "Castle", "Hendon", "Millfield", "Pallion"],
        "value": [88.0, 131.5, 104.0, 77.25, 96.0],
        "lowercl": [80.0, 120.0, 95.0, 60.0, 90.0],
        "uppercl": [96.0, 143.0, 113.0, 95.0, 102.0],
        "highlight": [False, False, True, False, False],
        # Millfield's figure is withheld: its value must appear nowhere
        "withheld": [False, False, False, True, False],
    })  # fmt: skip


def test_compare_areas_draws_every_area_sorted_with_the_highlight_and_the_city(five_areas):
    fig, alt = compare_areas_chart(five_areas, "Admissions", "city = 100",
                                   comparators={"Sunderland": 100.0}, polarity="decrease")  # fmt: skip
    ax = fig.axes[0]
    rows = _rows(ax)
    assert list(rows) == ["Millfield (withheld)", "Barnes", "Pallion", "Hendon", "Castle"]
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["Hendon"]
    # the city as a vertical line at 100
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [100.0]
    # every published area drawn at its own row, at its value
    points = {
        round(float(y), 6): float(x)
        for c in ax.collections if isinstance(c, PathCollection) for x, y in c.get_offsets()
    }  # fmt: skip
    assert points == {rows["Barnes"]: 88.0, rows["Pallion"]: 96.0, rows["Hendon"]: 104.0,
                      rows["Castle"]: 131.5}  # fmt: skip
    # Castle's interval excludes 100 (worse, lower is better); Hendon's includes it (similar)
    assert (
        "Hendon: 104 (95% CI 95 to 113), similar to Sunderland (100), 3 of 4 from the lowest" in alt
    )
    plt.close(fig)


def test_a_withheld_area_is_named_not_drawn_and_its_value_is_nowhere(five_areas):
    fig, alt = compare_areas_chart(five_areas, "Admissions", "city = 100",
                                   comparators={"Sunderland": 100.0}, polarity="decrease")  # fmt: skip
    ax = fig.axes[0]
    assert _rows(ax)["Millfield (withheld)"] not in _drawn_ys(ax)
    assert len(_drawn_ys(ax)) == 4
    assert "Withheld (not drawn): Millfield." in alt
    for secret in ("77.25", "77.2", "77.3", "60", "95 to"):
        assert secret not in alt.replace("95 to 113", "").replace("95% CI", ""), secret
    plt.close(fig)


def test_a_withheld_highlighted_area_says_so_without_a_value(five_areas):
    data = five_areas.assign(highlight=five_areas["label"] == "Millfield")
    fig, alt = compare_areas_chart(
        data, "Admissions", "city = 100", comparators={"Sunderland": 100.0}
    )
    assert "Millfield: withheld to protect confidentiality." in alt
    assert "77" not in alt
    plt.close(fig)


def test_a_city_of_many_wards_draws_every_ward_at_a_fixed_size_and_names_its_own():
    # 400 wards: one dot per ward, the highlighted named (bold), the chart no taller than 40 rows
    rng = np.random.default_rng(3)
    value = rng.uniform(50, 150, 400)
    many = pd.DataFrame({"label": [f"Ward {i}" for i in range(400)], "value": value,
                         "lowercl": value - 8, "uppercl": value + 8,
                         "highlight": np.arange(400) == 17, "withheld": np.arange(400) == 5})  # fmt: skip
    fig, alt = compare_areas_chart(many, "Admissions", "city = 100", comparators={"City": 100.0})
    ax = fig.axes[0]
    assert list(_rows(ax)) == ["Ward 17"]
    assert len(_drawn_ys(ax)) == 399  # every published ward, not the withheld one
    forty, _ = compare_areas_chart(many.iloc[:40], "Admissions", "city = 100")
    assert fig.get_size_inches()[1] == forty.get_size_inches()[1]
    assert "400 areas" in ax.get_ylabel() and "for 400 areas" in alt
    rank = int((value[np.arange(400) != 5] < value[17]).sum()) + 1
    assert f"{rank} of 399 from the lowest" in alt and "Withheld (not drawn): Ward 5." in alt
    # a locator map of the 400 names only the highlighted ward
    from geopandas import GeoDataFrame
    from shapely.geometry import box

    w = GeoDataFrame({"ward_code": [f"E{i}" for i in range(400)],
                      "ward_name": [f"Ward {i}" for i in range(400)]},
                     geometry=[box(i % 20, i // 20, i % 20 + 1, i // 20 + 1) for i in range(400)])  # fmt: skip
    fig2, ax2 = locator_map(w, ["E17"], "Where Ward 17 is")
    assert [t.get_text() for t in ax2.texts] == ["Ward 17"]
    plt.close("all")


@pytest.fixture(scope="module")
def ward_profile(processed_data):
    inputs = profiles.load_inputs(profiles.validate_params("E05001158", "2009Q4", 3))
    return profiles.analyse(profiles.validate_params("E05001158", "2009Q4", 3), inputs)


def test_the_ward_profile_compares_the_ward_with_every_ward(ward_profile):
    res = ward_profile
    names = dict(zip(res.wards["ward_code"], res.wards["ward_name"], strict=True))
    charts = profiles.charts.compare_charts(res)
    assert len(charts) == len(profiles.analysis.COMPARE_INDICATORS)
    t = res.indicators.table
    city_name = config.place().name
    for (fig, alt), key in zip(charts, profiles.analysis.COMPARE_INDICATORS, strict=True):
        ax = fig.axes[0]
        rows = _rows(ax)
        wards = t[(t["level"] == "ward") & (t["indicator"] == key)].set_index("area_code")
        assert len(rows) == len(names) == 25
        for code, name in names.items():
            label = f"{name} (withheld)" if wards.loc[code, "withheld"] else name
            assert label in rows, (key, label)
            assert (rows[label] in _drawn_ys(ax)) != bool(wards.loc[code, "withheld"]), (key, label)
        bold = [x.get_text() for x in ax.get_yticklabels() if x.get_fontweight() == "bold"]
        assert [b.removesuffix(" (withheld)") for b in bold] == [res.area.name]
        city = t[(t["area_code"] == config.LAD_CODE) & (t["indicator"] == key)]["value"].iloc[0]
        assert ax.get_lines()[0].get_xdata()[0] == pytest.approx(city)
        assert city_name in alt
        plt.close(fig)


def test_a_ward_of_a_large_place_lists_the_wards_of_its_area_committee(ward_profile, monkeypatch):
    res = ward_profile
    every = profiles.tables.wards_table(res)
    assert len(every["df"]) == 25 and "every ward" in every["caption"]
    monkeypatch.setattr(profiles.tables, "NAMED_AREAS", 20)  # the 25 wards are now too many to list
    kw = profiles.tables.wards_table(res)
    wards = res.wards.set_index("ward_code")
    committee = wards.loc[res.area.code, "area_committee"]
    mine = wards[wards["area_committee"] == committee]
    assert sorted(kw["df"]["Ward"]) == sorted(mine["ward_name"]) and 1 < len(mine) < 25
    assert f"the {len(mine)} wards of {committee} area committee" in kw["caption"]
    assert "every ward of the 25: the league table on the period's index page" in kw["caption"]
    # the same figures and the same withholding as in the table of every ward
    full = every["df"].set_index("Ward")
    pd.testing.assert_frame_equal(kw["df"].set_index("Ward"), full.loc[kw["df"]["Ward"]])
    for col, hidden in kw["withhold"].items():
        assert list(hidden) == list(
            pd.Series(every["withhold"][col], index=full.index)[kw["df"]["Ward"]]
        )


def test_the_trend_covers_every_year_the_data_reach(ward_profile, processed_data):
    res = ward_profile
    years = sorted(res.trend["year"].unique())
    admissions = pd.read_parquet(processed_data / "admissions.parquet", columns=["period"])
    first = min(str(p) for p in admissions["period"].astype(str).unique())
    # every 12 months to 2009Q4 whose first quarter the data reach
    assert years[-1] == "2009-10" and len(years) == 2009 - int(first[:4]) + (first[4:] == "Q1")
    assert len(years) > 2
    # the last two years are the ones the change test compares: one number, one verdict
    last = res.trend[res.trend["year"] == "2009-10"].set_index("key")["value"]
    c = res.changes.set_index("key")
    assert np.allclose(last.reindex(c.index), c["now"], equal_nan=True)
    fig, alt = profiles.charts.trend_chart(res)
    assert all(y in alt for y in years)
    plt.close(fig)
    kw = profiles.tables.trend_table(res)
    assert list(kw["df"].columns[3:]) == years


def test_an_area_trend_table_csv_passes_the_audit(processed_data, tmp_path):
    """A row of rates named "incidents" once read as small counts (5.0 per 1,000 in Washington)."""
    from lsp_research.reporting.audit import audit_path
    from lsp_research.tables import extract_files, show_table

    params = profiles.validate_params("Washington", "2009Q4", 3)
    res = profiles.analyse(params, profiles.load_inputs(params))
    html = show_table(**profiles.tables.trend_table(res), display=False)
    for name, data in extract_files(html)[1].items():
        (tmp_path / name).write_bytes(data)
    assert list(tmp_path.glob("*.csv")) and audit_path(tmp_path) == []


def test_maps_name_the_wards_and_have_no_axes(ward_profile):
    fig, _ = profiles.charts.locator_map(ward_profile)
    ax = fig.axes[0]
    assert not ax.axison
    texts = {t.get_text(): t for t in ax.texts}
    assert set(ward_profile.wards["ward_name"]) <= set(texts)
    assert texts[ward_profile.area.name].get_fontweight() == "bold"
    assert all(t.get_path_effects() for t in texts.values())  # a halo behind every name
    plt.close(fig)


def test_locator_map_without_names_still_has_no_axes():
    from geopandas import GeoDataFrame
    from shapely.geometry import box

    w = GeoDataFrame({"ward_code": ["E1", "E2"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    fig, ax = locator_map(w, ["E1"], "Where")
    assert not ax.axison and not ax.texts
    plt.close(fig)


def test_wellness_maps_name_wards_and_centres_with_no_grid_axes():
    from test_wellness import _toy_inputs, run  # the tiny synthetic city of the wellness tests

    from lsp_research.topics.wellness import charts

    res = run("2009Q4", inputs=_toy_inputs(), coverage=True)
    for fig, _ in (
        charts.choropleth(res, "uptake_rate", "Uptake", "per 1,000"),
        charts.coverage_map(res),
    ):
        ax = fig.axes[0]
        assert not ax.axison and ax.get_xlabel() == ""
        texts = {t.get_text() for t in ax.texts}
        assert set(res.ward_shapes["ward_name"]) <= texts
        assert set(res.centres["centre_name"]) <= texts
        plt.close(fig)


@pytest.mark.parametrize(
    ("tier", "over", "words"),
    [
        ("executive", "wards", "For area committee members"),
        ("executive", "areas", "For area committee members"),
        ("board", "city", "For the Board"),
        ("operational", "wards", "For analysts and the management group"),
        ("executive", "city", "For the management group"),
    ],
)
def test_the_audience_is_named_in_words(tier, over, words):
    assert provenance.audience(tier, over) == words


def test_each_key_indicator_says_why_it_has_no_north_east_or_england_figure(ward_profile):
    from lsp_research import data
    from lsp_research.performance.registry import load_registry
    from lsp_research.tables import show_table

    res = ward_profile
    kw = profiles.tables.spine_table(res)
    column = f"{config.place().region_name} and England"
    reasons = dict(zip(res.spine["key"], kw["df"][column], strict=True))
    assert set(reasons) == set(profiles.analysis.SPINE_INDICATORS)  # one statement per measure
    assert reasons["le_male"] == "not in the data: its comparators hold no life expectancy"
    assert reasons["alcohol_sar"].startswith(f"none exists: a ratio to {config.place().name}")
    # what the statements rest on: the data's regional and national figures are the performance
    # indicators', and none of those is a profile measure
    comparators = data.load("indicator_comparators")
    assert set(comparators["comparator"]) == {config.place().region_name, "England"}
    registry = load_registry()
    titles = {registry[c].title.casefold() for c in comparators["indicator_code"].unique()}
    measures = {name.casefold() for name, _, _ in profiles.analysis.SPINE_INDICATORS.values()}
    assert titles and not titles & measures
    # the compare-areas text points at the table, which carries the anchor
    html = show_table(**kw, display=False)
    assert f'<div class="lsp-table" id="{profiles.text.KEY_INDICATORS_ID}">' in html
    assert f'(#{profiles.text.KEY_INDICATORS_ID} "cross-reference")' in profiles.text.compare_text(
        res
    )
