"""The typed parameter contract: read from the parameters cell, checked before any kernel starts."""

from __future__ import annotations

import json

import pytest
from runner_helpers import FIXTURE_NOTEBOOKS

from lsp_research.errors import ParameterError, ProgrammeError
from lsp_research.reporting.parameters import (
    REQUIRED,
    Areas,
    describe,
    parse_parameters_source,
    read_parameters,
    validate,
)
from lsp_research.reporting.programme import load_programme

CELL = """
period: str = "latest"  # financial-year quarter YYYYQn, or "latest"
area_code: str = "E08000024"  # ward code, area committee or the city code
method: str = "dsr"  # one of: dsr, sar
top_n: int = 10  # how many wards to list
confidence: float = 0.95  # one of: 0.95, 0.998
wards: list[str] = []  # ward codes to highlight
threshold: float | None = None  # optional cut-off
label = "Rates"  # an untyped default: its type is the default's
colour: str  # required: no default
"""


@pytest.fixture(scope="module")
def contract():
    return parse_parameters_source(CELL)


def test_parses_types_defaults_help_and_allowed(contract):
    assert list(contract) == [
        "period", "area_code", "method", "top_n", "confidence", "wards", "threshold", "label",
        "colour",
    ]  # fmt: skip
    assert contract["method"].allowed == ("dsr", "sar")
    assert contract["confidence"].allowed == (0.95, 0.998)  # typed like the annotation
    assert contract["top_n"].type == "int" and contract["top_n"].default == 10
    assert contract["period"].kind == "period" and contract["area_code"].kind == "area"
    assert contract["colour"].default is REQUIRED and contract["colour"].required
    assert contract["label"].type == "" and contract["label"].default == "Rates"
    assert contract["period"].help == 'financial-year quarter YYYYQn, or "latest"'


def test_good_values_pass(contract):
    values = {"period": "2009Q3", "area_code": "Coalfield", "method": "sar", "top_n": 5,
              "confidence": 0.998, "wards": ["E05001153"], "threshold": 2, "colour": "blue"}  # fmt: skip
    assert validate(contract, values, periods=["2009Q3"], areas=Areas.from_domain()) == values


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"metod": "dsr"}, "unknown parameter 'metod' (did you mean 'method'?)"),
        ({"top_n": "10"}, "parameter 'top_n' must be int, got '10' (str)"),
        ({"top_n": True}, "parameter 'top_n' must be int, got True (bool)"),
        ({"top_n": 2.5}, "parameter 'top_n' must be int, got 2.5 (float)"),
        ({"wards": ["E05001153", 7]}, "parameter 'wards' must be list[str]"),
        ({"threshold": "high"}, "parameter 'threshold' must be float | None"),
        ({"label": 3}, "parameter 'label' must be str, got 3 (int)"),
        ({"method": "dsx"}, "parameter 'method' must be one of: dsr, sar; got 'dsx' (did you mean 'dsr'?)"),
        ({"confidence": 0.9}, "parameter 'confidence' must be one of: 0.95, 0.998; got 0.9"),
        ({"period": "2009Q7"}, "the quarter must be 1-4. Use YYYYQn"),
        ({"period": "2011Q1"}, "2011Q1 is not in the data, which covers 2009Q1 to 2009Q4"),
        ({"area_code": "Hendonn"}, "'Hendonn' is not a known area (did you mean 'Hendon' (E05001158)"),
        ({"area_code": "Hendon"}, "'Hendon' is a ward name; use its code E05001158"),
        ({"area_code": "E05009999"}, "use a ward code (E05001153-E05001177), an area committee"),
    ],
)  # fmt: skip
def test_bad_values_named_with_what_is_allowed(contract, values, expected):
    with pytest.raises(ParameterError) as err:
        validate(
            contract,
            {"colour": "blue", **values},
            notebook="demo.ipynb",
            periods=["2009Q1", "2009Q2", "2009Q3", "2009Q4"],
            areas=Areas.from_domain(),
        )
    assert expected in str(err.value)
    assert "1 problem with the parameters of demo.ipynb" in str(err.value)


def test_missing_required_and_every_problem_at_once(contract):
    with pytest.raises(ParameterError) as err:
        validate(contract, {"top_n": "x", "method": "z"}, notebook="demo.ipynb")
    text = str(err.value)
    assert text.startswith("3 problems with the parameters of demo.ipynb")
    assert "parameter 'colour' has no default in demo.ipynb and was not given" in text


def test_parameters_cell_must_parse_and_use_literal_defaults():
    with pytest.raises(ParameterError, match="does not parse"):
        parse_parameters_source("period: str = (")
    with pytest.raises(ParameterError, match="the default of 'when' must be a literal"):
        parse_parameters_source("when = datetime.date.today()  # today")


def test_comment_hash_inside_a_string_is_not_the_help():
    p = parse_parameters_source('colour: str = "#ff0000"  # one of: #ff0000, #00ff00')["colour"]
    assert p.default == "#ff0000" and p.allowed == ("#ff0000", "#00ff00")


def test_read_parameters_of_a_fixture_and_describe():
    contract = read_parameters(FIXTURE_NOTEBOOKS / "good.ipynb")
    assert list(contract) == ["period", "area_code", "scale", "method"]
    text = describe(FIXTURE_NOTEBOOKS / "good.ipynb")
    assert text.splitlines()[0] == "Parameters of good.ipynb (4):"
    assert "method     str   'sum'        sum, mean" in text
    assert "area_code  str   'E08000024'  an area code" in text


def test_notebook_without_parameters_cell(tmp_path):
    path = tmp_path / "bare.ipynb"
    path.write_text(
        json.dumps({"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}}]})
    )
    with pytest.raises(ParameterError, match="has no cell tagged 'parameters'"):
        read_parameters(path)


def test_areas_from_domain():
    areas = Areas.from_domain()
    assert len(areas.wards) == 25
    assert areas.committees["Coalfield"] == ("E05001155", "E05001159", "E05001160", "E05001170")
    assert sum(len(v) for v in areas.committees.values()) == 25
    assert areas.check("E08000024") is None and areas.check("Washington") is None


def _programme(tmp_path, text):
    path = tmp_path / "programme.yml"
    path.write_text(f"notebooks_dir: {FIXTURE_NOTEBOOKS}\n" + text)
    return path


def test_programme_expands_parameter_sets(tmp_path):
    prog = load_programme(
        _programme(
            tmp_path,
            "notebooks:\n"
            "  - {notebook: good.ipynb, over: wards, tiers: [operational, board]}\n"
            "  - {notebook: good.ipynb, name: good-areas, over: areas, parameters: {scale: 3}}\n"
            "  - {notebook: targets.ipynb}\n",
        )
    )
    areas = Areas.from_domain()
    wards, by_area, city = (e.parameter_sets(areas) for e in prog.notebooks)
    assert len(wards) == 25 and wards[0].parameters == {"area_code": "E05001153"}
    assert wards[0].label == "Barnes"
    assert prog.notebooks[0].tiers == ("board", "operational")  # in tier order
    assert [s.set_id for s in by_area] == ["Coalfield", "East", "North", "Washington", "West"]
    assert by_area[0].parameters == {"scale": 3, "area_code": "Coalfield"}
    assert [(s.set_id, s.parameters) for s in city] == [("city", {})]
    assert prog.get("targets").name == "targets"


def test_programme_problems_all_named(tmp_path):
    path = _programme(
        tmp_path,
        "notebooks:\n"
        "  - {notebook: god.ipynb}\n"
        "  - {notebook: good.ipynb, tier: [board]}\n"
        "  - {notebook: good.ipynb, name: g2, parameters: {period: 2009Q3}, timeout: -1}\n"
        "  - {notebook: targets.ipynb, name: good}\n",
    )
    with pytest.raises(ProgrammeError) as err:
        load_programme(path)
    text = str(err.value)
    assert text.startswith("5 problems in")
    assert "does not exist (did you mean 'good.ipynb'?)" in text
    assert "unknown key 'tier' (did you mean 'tiers'?)" in text
    assert "'period' is set by 'lsp-research run --period'" in text
    assert "'timeout' must be a positive whole number" in text
    assert "name 'good' is already used by notebooks[1]" in text


def test_the_project_programme_loads():
    prog = load_programme()
    assert prog.notebooks[0].name == "performance"
    assert prog.notebooks[0].tiers == ("board", "executive", "operational")


def test_every_notebook_contract_agrees_with_papermill():
    """``papermill --help-notebook`` reads the same names, defaults and help as our contract."""
    import ast

    import papermill

    from lsp_research.config import PROJ_ROOT

    notebooks = sorted((PROJ_ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        ours = read_parameters(path)
        theirs = papermill.inspect_notebook(str(path))
        assert list(theirs) == list(ours), path.name
        for name, info in theirs.items():
            assert ast.literal_eval(info["default"]) == ours[name].default, (path.name, name)
            assert info["help"] == ours[name].help, (path.name, name)
            assert info["inferred_type_name"] == ours[name].type, (path.name, name)
