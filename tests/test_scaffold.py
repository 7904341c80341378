"""`lsp-research new report NAME` writes a working report template in the house style."""

import jupytext
import nbformat
import papermill
import pytest

from lsp_research.cli import main
from lsp_research.errors import ParameterError
from lsp_research.reporting.scaffold import new_report


def test_new_report_command_writes_a_paired_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        "lsp_research.reporting.scaffold.get_paths",
        lambda: type("P", (), {"notebooks": tmp_path})(),
    )
    assert main(["new", "report", "housing_needs", "--title", "Housing needs"]) == 0
    out = capsys.readouterr().out
    assert "housing_needs.ipynb" in out and "programme.yml" in out
    nb = nbformat.read(tmp_path / "housing_needs.ipynb", as_version=4)
    script = jupytext.read(tmp_path / "housing_needs.py")
    assert [c.source for c in nb.cells] == [c.source for c in script.cells]
    assert "# Housing needs" in nb.cells[2].source
    with pytest.raises(ParameterError, match="already exists"):
        new_report("housing_needs", notebooks_dir=tmp_path)
    assert main(["new", "report", "Bad Name"]) == 2
    assert "lower-case" in capsys.readouterr().err


@pytest.mark.slow
def test_new_report_runs_on_the_default_data(processed_data, tmp_path):
    path, _ = new_report("housing_needs", notebooks_dir=tmp_path)
    out = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(path), str(out), kernel_name="python3", progress_bar=False, cwd=str(tmp_path)
    )
    nb = nbformat.read(out, as_version=4)
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert "<table" in html and 'alt="Bar chart of resident population' in html
