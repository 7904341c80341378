"""`lsp-research new report NAME` writes a working topic package and report notebook in the house style."""

import importlib.util
import sys

import jupytext
import nbformat
import pytest

from lsp_research.cli import main
from lsp_research.errors import ParameterError
from lsp_research.reporting.scaffold import new_report
from lsp_research.topics.base import MODULES, check_topic


@pytest.fixture
def scaffold(tmp_path, monkeypatch):
    """Notebooks and topics folders in ``tmp_path``; yields a function importing a scaffolded topic."""
    monkeypatch.setattr(
        "lsp_research.reporting.scaffold.get_paths",
        lambda: type("P", (), {"notebooks": tmp_path / "notebooks"})(),
    )
    monkeypatch.setattr("lsp_research.reporting.scaffold.TOPICS_DIR", tmp_path / "topics")
    imported = []

    def load(name):
        full = f"lsp_research.topics.{name}"
        package = tmp_path / "topics" / name
        spec = importlib.util.spec_from_file_location(
            full, package / "__init__.py", submodule_search_locations=[str(package)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        imported.append(full)
        spec.loader.exec_module(module)
        return module

    yield load
    for full in imported:
        for key in [k for k in sys.modules if k == full or k.startswith(full + ".")]:
            del sys.modules[key]


def test_new_report_command_writes_a_topic_package_and_a_paired_notebook(
    tmp_path, scaffold, capsys
):
    assert main(["new", "report", "housing_needs", "--title", "Housing needs"]) == 0
    out = capsys.readouterr().out
    assert "housing_needs.ipynb" in out and "programme.yml" in out
    nb = nbformat.read(tmp_path / "notebooks" / "housing_needs.ipynb", as_version=4)
    script = jupytext.read(tmp_path / "notebooks" / "housing_needs.py")
    assert [c.source for c in nb.cells] == [c.source for c in script.cells]
    assert "# Housing needs" in nb.cells[2].source
    setup = nb.cells[1].source
    steps = ["housing_needs.validate_params(period)", "housing_needs.load_inputs(params)",
             "housing_needs.analyse(params, inputs)"]  # fmt: skip
    assert all(s in setup for s in steps)
    package = tmp_path / "topics" / "housing_needs"
    assert sorted(p.stem for p in package.glob("*.py")) == sorted(["__init__", *MODULES])
    assert check_topic(scaffold("housing_needs")) == []
    with pytest.raises(ParameterError, match="already exists"):
        new_report("housing_needs", notebooks_dir=tmp_path / "other")  # the package is there
    assert main(["new", "report", "Bad Name"]) == 2
    assert "lower-case" in capsys.readouterr().err


def test_the_scaffolded_modules_pass_lint_and_their_doctests(tmp_path, scaffold):
    import doctest
    import subprocess

    from lsp_research.config import PROJ_ROOT

    new_report("bus_routes", "Bus routes")
    package = tmp_path / "topics" / "bus_routes"
    ruff = [sys.executable, "-m", "ruff"]
    cfg = ["--config", str(PROJ_ROOT / "pyproject.toml")]
    for args in (["check", *cfg, str(package)], ["format", "--check", *cfg, str(package)]):
        done = subprocess.run([*ruff, *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    module = scaffold("bus_routes")
    for part in ("", *(f".{m}" for m in MODULES)):
        found = doctest.testmod(sys.modules[module.__name__ + part], optionflags=doctest.ELLIPSIS)
        assert found.failed == 0


@pytest.mark.slow
def test_the_new_notebook_runs_its_four_steps_on_the_default_data(
    processed_data, tmp_path, scaffold, monkeypatch
):
    import IPython.display

    from lsp_research.tables import show_table

    new_report("housing_needs", "Housing needs")
    topic = scaffold("housing_needs")
    nb = nbformat.read(tmp_path / "notebooks" / "housing_needs.ipynb", as_version=4)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    namespace = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            exec(cell.source, namespace)  # the notebook's cells, in order, as a kernel runs them
    res = namespace["res"]
    assert str(res.quarter) == "2009Q4" and len(res.by_area) == 5
    html = show_table(**topic.tables.population_by_area(res), display=False)
    assert "<table" in html and "Resident population by area committee" in html
    fig, alt = topic.charts.population_by_area(res)
    assert alt.startswith("Bar chart of resident population in each of the 5 area committees")
    assert any("had the most residents" in getattr(o, "data", "") for o in shown)
